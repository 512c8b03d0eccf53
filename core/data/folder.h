/* Lists of image files: a class-folder tree (torchvision's ImageFolder), a flat folder, or a
 * text file of paths. Order is byte-wise sorted and so stable: the same folder gives the same
 * indices on every run and machine, which the features / clusters / sampler index space
 * depends on. */
#ifndef DC_DATA_FOLDER_H
#define DC_DATA_FOLDER_H

#include "../tensor.h"

typedef struct dc_filelist {
    int64_t n;         /* files */
    char **path;       /* [n] paths as given (root joined in front) */
    int64_t *label;    /* [n] 0-based class of each file, NULL when unlabelled */
    int nclasses;      /* 0 when unlabelled */
    char **classes;    /* [nclasses] class names, sorted */
    char *text;        /* owns every string above */
} dc_filelist;

typedef enum dc_folder_layout {
    DC_LAYOUT_AUTO,     /* classes when root has subfolders, else flat */
    DC_LAYOUT_CLASSES,  /* one subfolder per class (searched recursively), sorted names */
    DC_LAYOUT_FLAT,     /* every JPEG under root, no labels */
} dc_folder_layout;

/* Scans root for JPEG files (.jpg / .jpeg, any case); names starting with '.' are skipped.
 * An empty class folder stays a class (torchvision would refuse it): a dataset exported
 * with dc_export_jpeg keeps its label numbers even when a class has no image. Fails when
 * root is unreadable or holds no JPEG file at all. */
dc_status dc_folder_scan(const char *root, dc_folder_layout layout, dc_filelist **out);

/* Reads a list: one path a line, optionally a tab and a class name; blank lines and lines
 * starting with '#' are skipped. Relative paths are joined to root (NULL: the list's
 * folder). Labels come from the sorted distinct class names. */
dc_status dc_filelist_read(const char *list, const char *root, dc_filelist **out);

void dc_filelist_free(dc_filelist *fl);

/* out = int64 [n] labels + base (out empty); DC_ERR_STATE when the list has none. */
dc_status dc_filelist_labels(const dc_filelist *fl, int64_t base, dc_tensor *out);

#endif
