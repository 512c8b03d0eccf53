/* Dataset folder scans and file lists (core/data/folder.c) over odd file names: any byte but
 * '/' and NUL, hidden names, names that only look like JPEGs, empty class folders, symlinks
 * to files, to folders and back up the tree.
 *
 * Input: a mode byte, then lines. Mode % 4 = 0, 1, 2: the lines build a tree under a fresh
 * root, scanned with layout auto, classes or flat; each line is "d<path>" (a folder),
 * "l<path>\t<target>" (a symlink) or "f<path>" (an empty file; any first byte but 'd' and
 * 'l'), parents made as needed.
 * Paths never climb out of the root. Mode % 4 = 3: the lines are a list file for
 * dc_filelist_read (mode bit 2: relative to the root instead of the list's folder). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <strings.h>
#include <sys/stat.h>

#include "data/folder.h"
#include "fuzz.h"

#define MAX_LINES 64

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Splits s (a copy) into components: false when one is "." or "..", or s is absolute. */
static bool safe_path(const char *s)
{
    if (s[0] == '/' || s[0] == '\0') return false;
    for (const char *p = s; *p;) {
        const char *e = strchrnul(p, '/');
        size_t k = (size_t)(e - p);
        if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.')) return false;
        p = *e ? e + 1 : e;
    }
    return true;
}

/* mkdir -p of the folders above path (root-relative, already safe). */
static void make_parents(const char *root, const char *rel)
{
    char p[4096];
    int n = snprintf(p, sizeof p, "%s/%s", root, rel);
    if (n < 0 || n >= (int)sizeof p) return;
    for (char *q = p + strlen(root) + 1; (q = strchr(q, '/')); q++) {
        *q = '\0';
        mkdir(p, 0755);
        *q = '/';
    }
}

/* A symlink target that stays inside the root: up as many levels as the link is deep at
 * most, then down along safe components. */
static bool safe_target(const char *link, const char *target)
{
    int depth = 0;
    for (const char *p = link; (p = strchr(p, '/')); p++) depth++;
    const char *t = target;
    while (t[0] == '.' && t[1] == '.' && (t[2] == '/' || t[2] == '\0')) {
        if (depth-- == 0) return false;
        t += t[2] ? 3 : 2;
    }
    return *t == '\0' || safe_path(t);
}

static void build_tree(const char *root, char *text)
{
    int lines = 0;
    for (char *line = text; line && lines < MAX_LINES; lines++) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char kind = line[0] == 'd' || line[0] == 'l' ? line[0] : 'f';
        char *rel = line[0] ? line + 1 : line;
        char *target = NULL;
        if (kind == 'l' && (target = strchr(rel, '\t'))) *target++ = '\0';
        if (safe_path(rel) && (kind != 'l' || (target && safe_target(rel, target)))) {
            char p[4096];
            int n = snprintf(p, sizeof p, "%s/%s", root, rel);
            if (n > 0 && n < (int)sizeof p) {
                make_parents(root, rel);
                if (kind == 'd') mkdir(p, 0755);
                else if (kind == 'l') symlink(target, p);
                else close(open(p, O_WRONLY | O_CREAT, 0644));
            }
        }
        line = nl ? nl + 1 : NULL;
    }
}

static bool is_jpeg_name(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

/* What every file list promises: n > 0 files, labels within the sorted, distinct classes. */
static void check_list(const dc_filelist *fl)
{
    FUZZ_ASSERT(fl->n > 0 && fl->path && fl->text);
    FUZZ_ASSERT(fl->nclasses >= 0 && (fl->label != NULL) == (fl->nclasses > 0));
    for (int c = 1; c < fl->nclasses; c++)
        FUZZ_ASSERT(strcmp(fl->classes[c - 1], fl->classes[c]) < 0);
    for (int64_t i = 0; i < fl->n; i++) {
        FUZZ_ASSERT(fl->path[i] && fl->path[i][0]);
        if (fl->label) FUZZ_ASSERT(fl->label[i] >= 0 && fl->label[i] < fl->nclasses);
    }
}

DC_FUZZ_TARGET(dc_fuzz_folder)
{
    if (size < 1) return 0;
    int mode = data[0] % 4;
    char *text = malloc(size);
    FUZZ_ASSERT(text);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    char root[512];
    snprintf(root, sizeof root, "%s/root", fuzz_dir());
    FUZZ_ASSERT(nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT);
    FUZZ_ASSERT(mkdir(root, 0755) == 0);
    dc_filelist *fl = NULL;
    dc_status s;
    if (mode == 3) {
        const char *list = fuzz_file("list.txt", data + 1, size - 1);
        s = dc_filelist_read(list, data[0] & 4 ? root : NULL, &fl);
    } else {
        build_tree(root, text);
        static const dc_folder_layout layouts[3] = {DC_LAYOUT_AUTO, DC_LAYOUT_CLASSES,
                                                    DC_LAYOUT_FLAT};
        s = dc_folder_scan(root, layouts[mode], &fl);
    }
    free(text);
    if (s != DC_OK) {
        FUZZ_REFUSED(s);
        FUZZ_ASSERT(!fl);
        return 0;
    }
    check_list(fl);
    if (mode != 3) {
        size_t rl = strlen(root);
        for (int64_t i = 0; i < fl->n; i++) {
            const char *p = fl->path[i];
            struct stat st;
            FUZZ_ASSERT(strncmp(p, root, rl) == 0 && p[rl] == '/');
            FUZZ_ASSERT(is_jpeg_name(p) && !strstr(p + rl, "/."));
            FUZZ_ASSERT(stat(p, &st) == 0 && S_ISREG(st.st_mode));
            if (fl->label) { /* a class is the first folder under the root */
                const char *cls = fl->classes[fl->label[i]];
                size_t k = strlen(cls);
                FUZZ_ASSERT(strncmp(p + rl + 1, cls, k) == 0 && p[rl + 1 + k] == '/');
            }
        }
    }
    dc_filelist_free(fl);
    return 0;
}
