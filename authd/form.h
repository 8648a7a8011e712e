/*
 * form.h — application/x-www-form-urlencoded parameters (request bodies of /token, /par,
 * /introspect, /revoke, the login form; query strings of /authorize), parsed strictly: '+' is a
 * space, %XX must be two hex digits, a decoded NUL or control character is refused, and a
 * parameter sent twice is refused (RFC 6749 §3.1, §3.2: "MUST NOT be included more than once").
 * An empty value counts as absent (RFC 6749 §3.1). Pure: no I/O, arena memory only.
 *
 * Does not own: what a parameter means (the endpoints), the body limit (route.c).
 */
#ifndef AUTHD_FORM_H
#define AUTHD_FORM_H

#include <stddef.h>

#include "arena.h"
#include "err.h"

#define FORM_MAX_PARAMS 64

struct form_param {
	const char *name, *value; /* decoded, NUL-terminated, arena memory */
};

struct form {
	struct form_param p[FORM_MAX_PARAMS];
	size_t n;
};

/* Parses `len` bytes of s (no NUL needed) into f. Returns 0, or E_INVALID (bad encoding, a
 * repeated parameter — eb names it —, a control character), E_LIMIT (more than FORM_MAX_PARAMS),
 * E_NOMEM (the arena's cap); f is then partial and must not be used. */
int form_parse(struct arena *a, const char *s, size_t len, struct form *f, struct errbuf *eb);

/* The value of parameter `name`, or NULL when absent or empty. NULL-safe on f. */
const char *form_get(const struct form *f, const char *name);

/* Percent-decodes a URL component (also '+' as space when plus != 0) into arena memory. NULL on
 * bad encoding, NUL/control characters, or no memory. */
char *form_decode(struct arena *a, const char *s, size_t len, int plus);

#endif
