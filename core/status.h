/* Status codes and the thread-local error message of the dclab engine.
 *
 * Every fallible core function returns a dc_status; on failure it leaves a message readable
 * with dc_last_error() (FAISS C API style). Nothing in core/ exits or aborts on bad input:
 * the bindings turn a status into a Lua error, a C program prints the message. */
#ifndef DC_STATUS_H
#define DC_STATUS_H

typedef enum dc_status {
    DC_OK = 0,
    DC_ERR_ARG,    /* a bad argument value: negative size, unknown option, k > n */
    DC_ERR_SHAPE,  /* shapes that do not fit together */
    DC_ERR_DTYPE,  /* an element type the operation does not take */
    DC_ERR_INDEX,  /* an index out of range */
    DC_ERR_NOMEM,  /* an allocation failed */
    DC_ERR_IO,     /* a file could not be opened, read or written */
    DC_ERR_FORMAT, /* a file's content is not what it claims: bad magic, truncated, corrupt */
    DC_ERR_FAISS,  /* FAISS threw; its message is copied */
    DC_ERR_STATE,  /* an object used in the wrong state: released tensor, closed loader */
    DC_STATUS_COUNT
} dc_status;

/* The message of the last failure on this thread; "" when none. Valid until the next failure. */
const char *dc_last_error(void);

/* Records a printf-style message and returns code, so a failing path is one line:
 * return dc_fail(DC_ERR_SHAPE, "mm: ..."). */
dc_status dc_fail(dc_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to the current message (to add context when passing a failure up). */
dc_status dc_fail_prefix(dc_status code, const char *prefix);

const char *dc_status_name(dc_status s);

#define DC_CHECK(cond, code, ...)                                                              \
    do {                                                                                       \
        if (!(cond)) return dc_fail((code), __VA_ARGS__);                                      \
    } while (0)

#define DC_TRY(expr)                                                                           \
    do {                                                                                       \
        dc_status s_ = (expr);                                                                 \
        if (s_ != DC_OK) return s_;                                                            \
    } while (0)

#endif
