/*
 * err.h — the error codes every internal call returns, and the error buffer that validators fill
 * with one human sentence ("config/authd.json: listen.port: must be 1..65535, got 70000").
 *
 * Owns: enum authd_err, struct errbuf, BUG_ON. Does not own protocol errors: those are set on the
 * request (req_fail) and rendered by http.c.
 */
#ifndef AUTHD_ERR_H
#define AUTHD_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum authd_err {
	E_OK = 0,
	E_NOMEM = -1,    /* allocation failed (heap or arena cap) */
	E_INVALID = -2,  /* input or configuration is wrong; errbuf says how */
	E_LIMIT = -3,    /* a size or count limit was exceeded */
	E_STORE = -4,    /* Redis unavailable or replied with an error */
	E_INTERNAL = -5, /* should not happen; logged */
	E_NOTFOUND = -6, /* the thing looked up does not exist */
	E_IO = -7,       /* a file or socket operation failed */
	E_CRYPTO = -8,   /* a signature or key operation failed (bad signature included) */
};

/* Filled by validators: `file` (may be NULL) prefixes the message as "file: ". */
struct errbuf {
	const char *file;
	char msg[512];
};

/* Sets eb->msg to "file: <fmt>" (or "<fmt>" without a file) and returns `code` for chaining:
 * `return eb_set(eb, E_INVALID, "listen.port: must be 1..65535, got %lld", v);`.
 * NULL eb is allowed (the message is dropped). */
int eb_set(struct errbuf *eb, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Name of an error code, for logs ("E_STORE"). */
const char *err_name(int code);

/* Broken invariants only, never bad input: log and abort. */
void bug_fail(const char *file, int line, const char *why) __attribute__((noreturn));
#define BUG_ON(cond, why)                                                                          \
	do {                                                                                       \
		if (cond)                                                                          \
			bug_fail(__FILE__, __LINE__, (why));                                       \
	} while (0)

#endif
