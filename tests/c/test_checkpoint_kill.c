/* A process killed (SIGKILL) while it writes a checkpoint leaves the previous checkpoint
 * loadable and whole: a child saves generation g + 1 over generation g, the parent watches
 * the child's temporary file grow and kills it at 0, 1/4, 1/2, 3/4 and all of the bytes
 * written (the last one lands in the flush / fsync / rename), then loads the path. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "data_util.h"
#include "tiny_test.h"

#define NT 16                     /* tensors: one write each, kills land between and in them */
#define NFLOAT ((int64_t)1 << 18) /* floats in each: 16 MiB in all */

static char dir[64], path[128];

/* Generation g: NT float32 tensors filled with g, an int64 [3] = {g, g, g}, meta "gen=<g>". */
static dc_status save_generation(int g)
{
    int64_t n = NFLOAT, three = 3;
    dc_tensor t[NT + 1];
    const dc_tensor *ts[NT + 1];
    char names[NT + 1][32];
    const char *np[NT + 1];
    dc_status s = DC_OK;
    for (int i = 0; i <= NT; i++) {
        t[i] = dc_tensor_empty();
        ts[i] = &t[i];
        np[i] = names[i];
        snprintf(names[i], sizeof names[i], i < NT ? "model.layer%d.weight" : "assign", i);
        if (s == DC_OK)
            s = dc_tensor_alloc(&t[i], i < NT ? DC_F32 : DC_I64, 1, i < NT ? &n : &three);
        if (s == DC_OK && i < NT)
            for (int64_t k = 0; k < n; k++) ((float *)dc_tensor_data(&t[i]))[k] = (float)g;
        if (s == DC_OK && i == NT)
            for (int k = 0; k < 3; k++) ((int64_t *)dc_tensor_data(&t[i]))[k] = g;
    }
    char meta[32];
    int k = snprintf(meta, sizeof meta, "gen=%d", g);
    if (s == DC_OK) s = dc_archive_save(path, NT + 1, np, ts, meta, (size_t)k);
    for (int i = 0; i <= NT; i++) dc_tensor_release(&t[i]);
    return s;
}

/* The generation at path, checked whole: -1 when it does not load or is mixed. */
static int load_generation(void)
{
    dc_archive a;
    if (dc_archive_load(path, &a) != DC_OK) {
        printf("  load: %s\n", dc_last_error());
        return -1;
    }
    int g = -1;
    if (a.n == NT + 1 && sscanf(a.meta, "gen=%d", &g) == 1) {
        const int64_t *pb = dc_tensor_data(&a.tensors[NT]);
        int whole = pb[0] == g && pb[2] == g;
        for (int i = 0; whole && i < NT; i++) {
            const float *pa = dc_tensor_data(&a.tensors[i]);
            whole = dc_tensor_numel(&a.tensors[i]) == NFLOAT;
            for (int64_t k = 0; whole && k < NFLOAT; k++) whole = pa[k] == (float)g;
        }
        if (!whole) g = -1;
    }
    dc_archive_free(&a);
    return g;
}

/* Size of the child's temporary file ("<path>.tmp-<pid>-<n>"), -1 while there is none. */
static int64_t tmp_size(pid_t pid, char *name, size_t cap)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ckpt.bin.tmp-%ld-", (long)pid);
    DIR *d = opendir(dir);
    int64_t size = -1;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            struct stat st;
            snprintf(name, cap, "%s/%s", dir, e->d_name);
            if (stat(name, &st) == 0) size = st.st_size;
        }
    if (d) closedir(d);
    return size;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_kill_while_saving(void)
{
    CHECK(du_tempdir(dir, sizeof dir, "kill") != NULL);
    snprintf(path, sizeof path, "%s/ckpt.bin", dir);
    CHECK_OK(save_generation(1));
    struct stat st;
    CHECK(stat(path, &st) == 0);
    int64_t total = st.st_size;
    int gen = 1, caught = 0;
    const double at[5] = {0, 0.25, 0.5, 0.75, 1};
    for (int k = 0; k < 5; k++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) _exit(save_generation(gen + 1) == DC_OK ? 0 : 1);
        CHECK(pid > 0);
        char tmp[512] = "";
        int64_t want = (int64_t)(at[k] * (double)total);
        int status = 0, exited = 0;
        for (double t0 = now(); now() - t0 < 20;) {
            if (tmp_size(pid, tmp, sizeof tmp) >= want) break;
            if (waitpid(pid, &status, WNOHANG) == pid) {
                exited = 1;
                break;
            }
        }
        if (!exited) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        int killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        /* the temporary file still there: the kill came before the rename, the old file
         * must stand whole; otherwise either generation may, but whole */
        int before_rename = killed && tmp[0] && access(tmp, F_OK) == 0;
        int g = load_generation();
        if (before_rename) {
            caught++;
            CHECK(g == gen);
        } else {
            CHECK(g == gen || g == gen + 1);
        }
        if (before_rename) unlink(tmp); /* a kill leaves only its temporary file behind */
        if (g > 0) gen = g;
    }
    /* the machine may be too slow or too fast for one point, not for most of them */
    CHECK(caught >= 3);
    du_rmtree(dir);
}

int main(void)
{
    RUN_TEST(test_kill_while_saving);
    return TEST_SUMMARY();
}
