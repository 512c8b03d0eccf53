/* Sorted scans of image folders and reading of file lists (see folder.h). */
#include "folder.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_DEPTH 32   /* a symlink loop stops here */
#define PATH_CAP 4096

/* ---- a growing list of strings (offsets into one text block) with labels ---- */

typedef struct strlist {
    char *text;
    size_t len, cap;
    size_t *off;
    int64_t *label;
    int64_t n, ncap;
} strlist;

static dc_status strlist_add(strlist *l, const char *s, size_t k, int64_t label)
{
    if (l->len + k + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 1 << 16;
        while (cap < l->len + k + 1) cap *= 2;
        char *t = realloc(l->text, cap);
        DC_CHECK(t, DC_ERR_NOMEM, "file list: out of memory");
        l->text = t;
        l->cap = cap;
    }
    if (l->n == l->ncap) {
        int64_t ncap = l->ncap ? l->ncap * 2 : 1024;
        size_t *o = realloc(l->off, (size_t)ncap * sizeof *o);
        if (o) l->off = o;
        int64_t *lb = o ? realloc(l->label, (size_t)ncap * sizeof *lb) : NULL;
        if (lb) l->label = lb;
        DC_CHECK(o && lb, DC_ERR_NOMEM, "file list: out of memory");
        l->ncap = ncap;
    }
    memcpy(l->text + l->len, s, k);
    l->text[l->len + k] = '\0';
    l->off[l->n] = l->len;
    l->label[l->n++] = label;
    l->len += k + 1;
    return DC_OK;
}

static void strlist_free(strlist *l)
{
    free(l->text);
    free(l->off);
    free(l->label);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Moves files (and classes) out of the builders into a dc_filelist. */
static dc_status finish(strlist *files, strlist *classes, int labelled, dc_filelist **out)
{
    dc_filelist *fl = calloc(1, sizeof *fl);
    size_t total = files->len + classes->len;
    char *text = malloc(total ? total : 1);
    char **path = malloc(((size_t)files->n + 1) * sizeof *path);
    char **cls = malloc(((size_t)classes->n + 1) * sizeof *cls);
    int64_t *label = labelled ? malloc(((size_t)files->n + 1) * sizeof *label) : NULL;
    if (!fl || !text || !path || !cls || (labelled && !label)) {
        free(fl), free(text), free(path), free(cls), free(label);
        return dc_fail(DC_ERR_NOMEM, "file list: out of memory");
    }
    if (files->len) memcpy(text, files->text, files->len);
    if (classes->len) memcpy(text + files->len, classes->text, classes->len);
    for (int64_t i = 0; i < files->n; i++) {
        path[i] = text + files->off[i];
        if (label) label[i] = files->label[i];
    }
    for (int64_t i = 0; i < classes->n; i++) cls[i] = text + files->len + classes->off[i];
    fl->n = files->n;
    fl->path = path;
    fl->label = label;
    fl->nclasses = labelled ? (int)classes->n : 0;
    fl->classes = cls;
    fl->text = text;
    *out = fl;
    return DC_OK;
}

void dc_filelist_free(dc_filelist *fl)
{
    if (!fl) return;
    free(fl->path);
    free(fl->label);
    free(fl->classes);
    free(fl->text);
    free(fl);
}

dc_status dc_filelist_labels(const dc_filelist *fl, int64_t base, dc_tensor *out)
{
    DC_CHECK(fl->label, DC_ERR_STATE, "file list: the files have no labels");
    int64_t n = fl->n;
    DC_TRY(dc_tensor_ensure(out, DC_I64, 1, &n, "file list: labels"));
    int64_t *d = dc_tensor_data(out);
    for (int64_t i = 0; i < n; i++) d[i] = fl->label[i] + base;
    return DC_OK;
}

/* ---- folder scan ---- */

static int is_jpeg_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

/* The sorted non-hidden entries of a folder: JPEG files and subfolders (symlinks followed). */
typedef struct entry {
    const char *name;  /* in names.text */
    int dir;
} entry;

typedef struct entries {
    strlist names;     /* label = 1 for a folder */
    entry *e;
    int64_t n;
} entries;

static void entries_free(entries *e)
{
    strlist_free(&e->names);
    free(e->e);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static dc_status list_dir(char *path, size_t plen, entries *e)
{
    memset(e, 0, sizeof *e);
    DIR *d = opendir(path);
    DC_CHECK(d, DC_ERR_IO, "%s: %s", path, strerror(errno));
    dc_status s = DC_OK;
    struct dirent *de;
    while (s == DC_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        int kind = de->d_type == DT_DIR ? 1 : de->d_type == DT_REG ? 0 : -1;
        size_t k = strlen(de->d_name);
        if (kind < 0) { /* DT_LNK, DT_UNKNOWN: ask stat */
            struct stat st;
            if (plen + 1 + k >= PATH_CAP) {
                /* skipping it would let a symlink loop through long names escape the depth
                 * check: the scan would branch until memory ran out instead of failing */
                s = dc_fail(DC_ERR_IO, "%s/%s: path too long", path, de->d_name);
                break;
            }
            path[plen] = '/';
            memcpy(path + plen + 1, de->d_name, k + 1);
            int ok = stat(path, &st) == 0;
            path[plen] = '\0';
            if (!ok) continue; /* a dangling link is not an image */
            kind = S_ISDIR(st.st_mode) ? 1 : S_ISREG(st.st_mode) ? 0 : 2;
        }
        if (kind == 0 && !is_jpeg_name(de->d_name)) continue;
        if (kind <= 1) s = strlist_add(&e->names, de->d_name, k, kind);
    }
    closedir(d);
    e->n = e->names.n;
    e->e = s == DC_OK ? malloc(((size_t)e->n + 1) * sizeof *e->e) : NULL;
    if (s == DC_OK && !e->e) s = dc_fail(DC_ERR_NOMEM, "folder scan: out of memory");
    if (s != DC_OK) { /* the callers only free a listing that succeeded */
        entries_free(e);
        return s;
    }
    for (int64_t i = 0; i < e->n; i++) {
        e->e[i].name = e->names.text + e->names.off[i];
        e->e[i].dir = e->names.label[i] == 1;
    }
    qsort(e->e, (size_t)e->n, sizeof *e->e, cmp_entry);
    return DC_OK;
}

/* Appends every JPEG under path (files first, then subfolders, each sorted) with label. */
static dc_status walk(char *path, size_t plen, int depth, int64_t label, strlist *files)
{
    DC_CHECK(depth < MAX_DEPTH, DC_ERR_IO, "%s: more than %d nested folders (a symlink loop?)",
             path, MAX_DEPTH);
    entries e;
    DC_TRY(list_dir(path, plen, &e));
    dc_status s = DC_OK;
    for (int pass = 0; pass < 2 && s == DC_OK; pass++)
        for (int64_t i = 0; i < e.n && s == DC_OK; i++) {
            const char *name = e.e[i].name;
            if (e.e[i].dir != pass) continue;
            size_t k = strlen(name);
            if (plen + 1 + k >= PATH_CAP) {
                s = dc_fail(DC_ERR_IO, "%s/%s: path too long", path, name);
                break;
            }
            path[plen] = '/';
            memcpy(path + plen + 1, name, k + 1);
            s = pass ? walk(path, plen + 1 + k, depth + 1, label, files)
                     : strlist_add(files, path, plen + 1 + k, label);
            path[plen] = '\0';
        }
    entries_free(&e);
    return s;
}

dc_status dc_folder_scan(const char *root, dc_folder_layout layout, dc_filelist **out)
{
    char path[PATH_CAP];
    size_t plen = strlen(root);
    while (plen > 1 && root[plen - 1] == '/') plen--;
    DC_CHECK(plen > 0 && plen < PATH_CAP - 256, DC_ERR_ARG, "image folder: bad root path '%s'",
             root);
    memcpy(path, root, plen);
    path[plen] = '\0';
    entries top;
    DC_TRY(list_dir(path, plen, &top));
    int has_dirs = 0;
    for (int64_t i = 0; i < top.n; i++) has_dirs |= top.e[i].dir;
    int classes = layout == DC_LAYOUT_CLASSES || (layout == DC_LAYOUT_AUTO && has_dirs);
    strlist files = {0}, names = {0};
    dc_status s = DC_OK;
    if (!classes) {
        s = walk(path, plen, 0, -1, &files);
    } else {
        for (int64_t i = 0; i < top.n && s == DC_OK; i++) {
            const char *name = top.e[i].name;
            if (!top.e[i].dir) continue;
            size_t k = strlen(name);
            path[plen] = '/';
            memcpy(path + plen + 1, name, k + 1);
            s = walk(path, plen + 1 + k, 1, names.n, &files);
            path[plen] = '\0';
            if (s == DC_OK) s = strlist_add(&names, name, k, 0);
        }
        if (s == DC_OK && names.n == 0)
            s = dc_fail(DC_ERR_IO, "%s: no class folder (layout 'classes' wants one subfolder "
                        "per class)", root);
    }
    if (s == DC_OK && files.n == 0)
        s = dc_fail(DC_ERR_IO, "%s: no JPEG file (.jpg, .jpeg) found", root);
    if (s == DC_OK) s = finish(&files, &names, classes, out);
    entries_free(&top);
    strlist_free(&files);
    strlist_free(&names);
    return s;
}

/* ---- list files ---- */

dc_status dc_filelist_read(const char *list, const char *root, dc_filelist **out)
{
    FILE *f = fopen(list, "r");
    DC_CHECK(f, DC_ERR_IO, "%s: %s", list, strerror(errno));
    char dir[PATH_CAP];
    if (root) {
        snprintf(dir, sizeof dir, "%s", root);
    } else {
        snprintf(dir, sizeof dir, "%s", list);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        else snprintf(dir, sizeof dir, ".");
    }
    strlist files = {0}, raw_cls = {0}, names = {0};
    char **sorted = NULL;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t k;
    int64_t lineno = 0, with_class = 0;
    dc_status s = DC_OK;
    char path[PATH_CAP];
    while (s == DC_OK && (k = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        while (k > 0 && (line[k - 1] == '\n' || line[k - 1] == '\r')) line[--k] = '\0';
        if (k == 0 || line[0] == '#') continue;
        char *tab = strchr(line, '\t');
        if (tab) *tab = '\0';
        if (files.n > 0 && (tab != NULL) != (with_class > 0)) {
            s = dc_fail(DC_ERR_FORMAT, "%s:%lld: %s a class while earlier lines %s", list,
                        (long long)lineno, tab ? "has" : "lacks", tab ? "lack one" : "have one");
            break;
        }
        int n = line[0] == '/' ? snprintf(path, sizeof path, "%s", line)
                               : snprintf(path, sizeof path, "%s/%s", dir, line);
        if (n < 0 || n >= (int)sizeof path) {
            s = dc_fail(DC_ERR_FORMAT, "%s:%lld: path too long", list, (long long)lineno);
            break;
        }
        s = strlist_add(&files, path, (size_t)n, -1);
        if (s == DC_OK && tab) {
            with_class++;
            s = strlist_add(&raw_cls, tab + 1, strlen(tab + 1), 0);
        }
    }
    if (s == DC_OK && ferror(f)) s = dc_fail(DC_ERR_IO, "%s: read error", list);
    fclose(f);
    free(line);
    if (s == DC_OK && files.n == 0) s = dc_fail(DC_ERR_FORMAT, "%s: no file listed", list);
    int labelled = s == DC_OK && with_class > 0;
    if (labelled) { /* classes = sorted distinct names; label = rank */
        sorted = malloc((size_t)raw_cls.n * sizeof *sorted);
        if (!sorted) s = dc_fail(DC_ERR_NOMEM, "file list: out of memory");
        for (int64_t i = 0; s == DC_OK && i < raw_cls.n; i++)
            sorted[i] = raw_cls.text + raw_cls.off[i];
        if (s == DC_OK) qsort(sorted, (size_t)raw_cls.n, sizeof *sorted, cmp_str);
        for (int64_t i = 0; s == DC_OK && i < raw_cls.n; i++)
            if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
                s = strlist_add(&names, sorted[i], strlen(sorted[i]), 0);
        for (int64_t i = 0; s == DC_OK && i < files.n; i++) {
            const char *c = raw_cls.text + raw_cls.off[i];
            int64_t lo = 0, hi = names.n - 1;
            while (lo < hi) {
                int64_t mid = (lo + hi) / 2;
                if (strcmp(names.text + names.off[mid], c) < 0) lo = mid + 1;
                else hi = mid;
            }
            files.label[i] = lo;
        }
    }
    if (s == DC_OK) s = finish(&files, &names, labelled, out);
    free(sorted);
    strlist_free(&files);
    strlist_free(&raw_cls);
    strlist_free(&names);
    return s;
}
