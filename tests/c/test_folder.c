/* Folder scans and file lists: sorted order, labels from class folders, errors. */
#include "data/folder.h"
#include "data_util.h"
#include "tiny_test.h"

static char root[256];

static void touch(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    dc_mkdirs(p);
    *slash = '/';
    du_write(p, "x", 1);
}

static const char *rel(const dc_filelist *fl, int64_t i)
{
    return fl->path[i] + strlen(root) + 1;
}

static void test_class_folders(void)
{
    touch("b/x.jpg");
    touch("a/2.jpg");
    touch("a/10.JPEG");
    touch("a/sub/1.jpg");
    touch("a/readme.txt");
    touch("a/.hidden.jpg");
    touch(".cache/y.jpg");
    dc_filelist *fl = NULL;
    CHECK_OK(dc_folder_scan(root, DC_LAYOUT_AUTO, &fl));
    if (!fl) return;
    CHECK(fl->n == 4 && fl->nclasses == 2);
    CHECK(strcmp(fl->classes[0], "a") == 0 && strcmp(fl->classes[1], "b") == 0);
    /* byte order ("10" < "2"), files before subfolders */
    CHECK(strcmp(rel(fl, 0), "a/10.JPEG") == 0 && strcmp(rel(fl, 1), "a/2.jpg") == 0 &&
          strcmp(rel(fl, 2), "a/sub/1.jpg") == 0 && strcmp(rel(fl, 3), "b/x.jpg") == 0);
    CHECK(fl->label[0] == 0 && fl->label[2] == 0 && fl->label[3] == 1);
    dc_tensor l = dc_tensor_empty();
    CHECK_OK(dc_filelist_labels(fl, 1, &l));
    CHECK(((int64_t *)dc_tensor_data(&l))[3] == 2);
    dc_tensor_release(&l);
    dc_filelist_free(fl);

    CHECK_OK(dc_folder_scan(root, DC_LAYOUT_FLAT, &fl)); /* every JPEG, no labels */
    CHECK(fl->n == 4 && fl->label == NULL && fl->nclasses == 0);
    CHECK_FAILS(dc_filelist_labels(fl, 1, &l), DC_ERR_STATE, "no labels");
    dc_filelist_free(fl);

    touch("c/notes.txt"); /* a class without images keeps its label number */
    CHECK_OK(dc_folder_scan(root, DC_LAYOUT_CLASSES, &fl));
    CHECK(fl && fl->n == 4 && fl->nclasses == 3 && strcmp(fl->classes[2], "c") == 0);
    dc_filelist_free(fl);
    CHECK_FAILS(dc_folder_scan("/nonexistent/dir", DC_LAYOUT_AUTO, &fl), DC_ERR_IO,
                "/nonexistent/dir: No such file or directory");
}

static void test_flat_and_empty(void)
{
    char d[256];
    du_tempdir(d, sizeof d, "flat");
    dc_filelist *fl = NULL;
    CHECK_FAILS(dc_folder_scan(d, DC_LAYOUT_AUTO, &fl), DC_ERR_IO, "no JPEG file");
    char p[300];
    for (int i = 0; i < 30; i++) {
        snprintf(p, sizeof p, "%s/img_%03d.jpg", d, (i * 7) % 30);
        du_write(p, "x", 1);
    }
    CHECK_OK(dc_folder_scan(d, DC_LAYOUT_AUTO, &fl));
    CHECK(fl && fl->n == 30 && !fl->label);
    int sorted = 1;
    for (int i = 1; fl && i < 30; i++) sorted &= strcmp(fl->path[i - 1], fl->path[i]) < 0;
    CHECK(sorted);
    dc_filelist_free(fl);
    du_rmtree(d);
}

static void test_list_file(void)
{
    char list[300];
    snprintf(list, sizeof list, "%s/list.txt", root);
    const char *text = "# comment\nb/x.jpg\tdog\n\na/2.jpg\tcat\n/abs/z.jpg\tdog\n";
    du_write(list, text, strlen(text));
    dc_filelist *fl = NULL;
    CHECK_OK(dc_filelist_read(list, NULL, &fl));
    if (!fl) return;
    CHECK(fl->n == 3 && fl->nclasses == 2 && strcmp(fl->classes[0], "cat") == 0);
    CHECK(strcmp(rel(fl, 0), "b/x.jpg") == 0 && strcmp(fl->path[2], "/abs/z.jpg") == 0);
    CHECK(fl->label[0] == 1 && fl->label[1] == 0 && fl->label[2] == 1);
    dc_filelist_free(fl);
    const char *mixed = "a.jpg\tcat\nb.jpg\n";
    du_write(list, mixed, strlen(mixed));
    CHECK_FAILS(dc_filelist_read(list, "/r", &fl), DC_ERR_FORMAT, "list.txt:2: lacks a class");
    const char *plain = "a.jpg\nb.jpg\n";
    du_write(list, plain, strlen(plain));
    CHECK_OK(dc_filelist_read(list, "/r", &fl));
    CHECK(fl && fl->n == 2 && !fl->label && strcmp(fl->path[1], "/r/b.jpg") == 0);
    dc_filelist_free(fl);
    du_write(list, "", 0);
    CHECK_FAILS(dc_filelist_read(list, "/r", &fl), DC_ERR_FORMAT, "no file listed");
}

int main(void)
{
    if (!du_tempdir(root, sizeof root, "folder")) return 1;
    RUN_TEST(test_class_folders);
    RUN_TEST(test_flat_and_empty);
    RUN_TEST(test_list_file);
    du_rmtree(root);
    return TEST_SUMMARY();
}
