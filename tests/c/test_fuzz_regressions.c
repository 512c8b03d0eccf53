/* Replays every input of the fuzz corpora through its harness (tests/fuzz/<harness>.c): the
 * seeds (tests/fuzz/corpus/<harness>/) and the inputs that once crashed a reader
 * (tests/fuzz/regressions/<harness>/, named for the bug they found). Each input runs in a
 * child process, so a crash fails the test naming the file and the rest still run. A folder
 * among the regressions is a sequence: its files run in order in one process, for bugs that
 * need state left by an earlier input. Run from the top of the tree, as tests/run.lua does. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "tiny_test.h"

typedef int (*harness_fn)(const uint8_t *data, size_t size);
int dc_fuzz_archive(const uint8_t *data, size_t size);
int dc_fuzz_folder(const uint8_t *data, size_t size);
int dc_fuzz_idx(const uint8_t *data, size_t size);
int dc_fuzz_jpeg(const uint8_t *data, size_t size);
int dc_fuzz_npy(const uint8_t *data, size_t size);

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted visible names in dir (n of them, strdup'd); 0 when dir is missing. */
static int list(const char *dir, char **names, int cap)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap)
        if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_name);
    return n;
}

static void run_file(harness_fn fn, const char *path)
{
    dc_buffer b = {0};
    if (dc_file_read(path, &b) != DC_OK) {
        fprintf(stderr, "%s\n", dc_last_error());
        _exit(3);
    }
    fn(b.data, b.size);
    dc_buffer_free(&b);
}

/* Runs fn on path in a child: on the file, or on every file of the folder in order. Returns
 * 0 when the child finished normally. */
static int replay_one(harness_fn fn, const char *path)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            char *names[64];
            int n = list(path, names, 64);
            for (int i = 0; i < n; i++) {
                char p[4096 + 256];
                snprintf(p, sizeof p, "%s/%s", path, names[i]);
                run_file(fn, p);
                free(names[i]);
            }
        } else {
            run_file(fn, path);
        }
        exit(0);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Replays every entry of dir; returns how many ran (0 when dir is missing). */
static int replay_dir(harness_fn fn, const char *dir)
{
    char *names[4096];
    int n = list(dir, names, 4096);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        int rc = replay_one(fn, path);
        if (rc != 0) TT_REPORT("%s: the harness crashed (status %d)", path, rc);
        free(names[i]);
    }
    return n;
}

static void replay(const char *harness, harness_fn fn)
{
    char dir[256];
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", harness);
    int seeds = replay_dir(fn, dir);
    CHECK(seeds > 0); /* the seeds are committed: none found means the wrong folder */
    snprintf(dir, sizeof dir, "tests/fuzz/regressions/%s", harness);
    replay_dir(fn, dir);
}

static void test_archive(void) { replay("archive", dc_fuzz_archive); }
static void test_folder(void) { replay("folder", dc_fuzz_folder); }
static void test_idx(void) { replay("idx", dc_fuzz_idx); }
static void test_jpeg(void) { replay("jpeg", dc_fuzz_jpeg); }
static void test_npy(void) { replay("npy", dc_fuzz_npy); }

int main(void)
{
    RUN_TEST(test_archive);
    RUN_TEST(test_folder);
    RUN_TEST(test_idx);
    RUN_TEST(test_jpeg);
    RUN_TEST(test_npy);
    return TEST_SUMMARY();
}
