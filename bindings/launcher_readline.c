/* dclab.readline: the launcher's GNU readline binding, used by the interactive REPL
 * (lua/dclab/repl.lua). It lives in the launcher, not in the module dclab.core, so that a
 * stock lua5.4 loading dclab never pulls in readline.
 *
 *   rl.readline(prompt) -> line | nil (end of input) | false (Ctrl-C cleared the line)
 *   rl.add_history(line), rl.read_history(path, max), rl.append_history(path, max)
 *   rl.set_completer(fn)   fn(word, line, start) -> {candidates}: called on TAB
 *
 * Ctrl-C: at the prompt it abandons the line being typed; while Lua code runs it raises the
 * error "interrupted!" at the next Lua instruction (as lua.c does), so the REPL survives.
 * Readline's callback interface is used because only it lets a signal end the wait for a key
 * (the classic readline() retries the read after a signal). */
#include "launcher.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>

/* Readline is process-global, so is its binding's state. */
static lua_State *main_L;                   /* where Ctrl-C interrupts running Lua code */
static lua_State *reading_L;                /* the state inside rl.readline, for the completer */
static int completer_ref = LUA_NOREF;       /* registry reference of the Lua completer */
static volatile sig_atomic_t reading;       /* inside rl.readline: Ctrl-C abandons the line */
static volatile sig_atomic_t got_sigint;    /* Ctrl-C since the prompt was shown */
static volatile sig_atomic_t got_sigwinch;  /* the terminal was resized */
static char *line_read;                     /* the line handed over by on_line */
static int line_done;                       /* on_line was called (line_read NULL: EOF) */

/* ---- Ctrl-C ---- */

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

static void on_signal(int sig)
{
    if (sig == SIGWINCH) {
        got_sigwinch = 1;
        return;
    }
    got_sigint = 1;
    if (reading) return;
    /* lua_sethook is the one Lua call that is safe in a signal handler (lua.c relies on it) */
    lua_sethook(main_L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    /* the error message then starts below the terminal's "^C" */
    ssize_t n = write(STDERR_FILENO, "\n", 1);
    (void)n;
}

/* No SA_RESTART: the signal must interrupt select() in read_line. */
static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGWINCH, &sa, NULL);
}

/* ---- reading a line ---- */

static void on_line(char *line)
{
    line_read = line;
    line_done = 1;
    rl_callback_handler_remove(); /* before readline redisplays the prompt */
}

/* Waits for keys until a line is complete. Returns 1 with line_read set (NULL at end of
 * input), or 0 when Ctrl-C abandoned the line. The signals are blocked except inside
 * pselect, so one cannot slip in between the checks and the wait. */
static int read_line(const char *prompt)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGWINCH);
    sigprocmask(SIG_BLOCK, &block, &old);
    line_read = NULL;
    line_done = 0;
    got_sigint = 0;
    int complete = 1;
    rl_callback_handler_install(prompt, on_line);
    while (!line_done) {
        if (got_sigint) {
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_echo_signal_char(SIGINT);
            rl_callback_handler_remove();
            fputc('\n', rl_outstream);
            complete = 0;
            break;
        }
        if (got_sigwinch) {
            got_sigwinch = 0;
            rl_resize_terminal();
        }
        int fd = fileno(rl_instream);
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        if (pselect(fd + 1, &fds, NULL, NULL, NULL, &old) >= 0) {
            rl_callback_read_char();
        } else if (errno != EINTR) {
            rl_callback_handler_remove(); /* the terminal went away: end of input */
            break;
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return complete;
}

static int l_readline(lua_State *L)
{
    const char *prompt = luaL_optstring(L, 1, "> ");
    reading_L = L;
    reading = 1;
    int complete = read_line(prompt);
    reading = 0;
    if (!complete) {
        lua_pushboolean(L, 0);
    } else if (line_read) {
        lua_pushstring(L, line_read);
        free(line_read);
        line_read = NULL;
    } else {
        lua_pushnil(L);
    }
    return 1;
}

/* ---- history ---- */

static int l_add_history(lua_State *L)
{
    add_history(luaL_checkstring(L, 1));
    return 0;
}

/* rl.read_history(path, max): loads the file (a missing one is an empty history) and keeps
 * at most max entries in memory. */
static int l_read_history(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int max = (int)luaL_checkinteger(L, 2);
    stifle_history(max);
    int err = read_history(path);
    if (err && err != ENOENT) return luaL_fileresult(L, 0, path);
    lua_pushboolean(L, 1);
    return 1;
}

/* rl.append_history(path, max): appends the newest entry to the file, creating it when
 * missing, then trims the file to its last max entries. Writing after each line keeps the
 * history even when the session ends by os.exit or a crash. */
static int l_append_history(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int max = (int)luaL_checkinteger(L, 2);
    int err = access(path, F_OK) == 0 ? append_history(1, path) : write_history(path);
    if (!err) err = history_truncate_file(path, max);
    if (err) return luaL_fileresult(L, 0, path);
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- completion ---- */

/* The longest common prefix of the n candidates, as readline wants in matches[0]. */
static char *common_prefix(char **cands, int n)
{
    size_t len = strlen(cands[0]);
    for (int i = 1; i < n; i++) {
        size_t j = 0;
        while (j < len && cands[i][j] == cands[0][j]) j++;
        len = j;
    }
    return strndup(cands[0], len);
}

/* Asks the Lua completer for the candidates of the word ending at the cursor. Words include
 * '.' and ':' (see the break characters), so the completer sees "dc.nn.Li" or "t:". */
static char **attempt_completion(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1; /* no fallback to file names */
    rl_completion_append_character = '\0';
    lua_State *L = reading_L;
    if (!L || completer_ref == LUA_NOREF) return NULL;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, completer_ref);
    lua_pushstring(L, text);
    lua_pushstring(L, rl_line_buffer);
    lua_pushinteger(L, start + 1);
    if (lua_pcall(L, 3, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
        lua_settop(L, top); /* a broken completer must not break line editing */
        return NULL;
    }
    int n = (int)lua_rawlen(L, -1);
    char **matches = n > 0 ? calloc((size_t)n + 2, sizeof *matches) : NULL;
    int k = 0;
    for (int i = 1; matches && i <= n; i++) {
        if (lua_rawgeti(L, -1, i) == LUA_TSTRING) matches[1 + k++] = strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_settop(L, top);
    if (k == 0) {
        free(matches);
        return NULL;
    }
    if (k == 1) { /* one match: readline wants it alone in matches[0] */
        matches[0] = matches[1];
        matches[1] = NULL;
    } else {
        matches[0] = common_prefix(matches + 1, k);
    }
    return matches;
}

/* Lists candidates without their common path: "zeros  ones" rather than "dc.zeros  dc.ones". */
static void display_matches(char **matches, int n, int max_len)
{
    (void)max_len;
    char **shown = calloc((size_t)n + 2, sizeof *shown);
    if (!shown) return;
    int longest = 0;
    shown[0] = matches[0];
    for (int i = 1; i <= n; i++) {
        const char *s = matches[i];
        const char *sep = strrchr(s, '.');
        const char *colon = strrchr(s, ':');
        if (colon && (!sep || colon > sep)) sep = colon;
        shown[i] = (char *)(sep ? sep + 1 : s);
        int len = (int)strlen(shown[i]);
        if (len > longest) longest = len;
    }
    rl_display_match_list(shown, n, longest);
    rl_forced_update_display();
    free(shown);
}

static int l_set_completer(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_unref(L, LUA_REGISTRYINDEX, completer_ref);
    lua_pushvalue(L, 1);
    completer_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* ---- module ---- */

static const luaL_Reg readline_funcs[] = {
    {"readline", l_readline},         {"add_history", l_add_history},
    {"read_history", l_read_history}, {"append_history", l_append_history},
    {"set_completer", l_set_completer}, {NULL, NULL},
};

int luaopen_dclab_readline(lua_State *L)
{
    /* the main thread: a hook set on a coroutine would not stop the REPL's own code */
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    main_L = lua_tothread(L, -1);
    lua_pop(L, 1);
    rl_readline_name = "dclab"; /* for $if dclab in ~/.inputrc */
    rl_catch_signals = 0;       /* Ctrl-C and resizes are handled in read_line */
    rl_catch_sigwinch = 0;
    /* '.' and ':' are not breaks: completion sees whole paths like dc.nn.Linear or t:sum */
    rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{}()[],+-*/%^~#";
    rl_completer_word_break_characters = rl_basic_word_break_characters;
    rl_attempted_completion_function = attempt_completion;
    rl_completion_display_matches_hook = display_matches;
    install_handlers();
    luaL_newlib(L, readline_funcs);
    return 1;
}
