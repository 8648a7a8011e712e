/*
 * route.h — the static route table (method + exact path → first step) and dispatch. Flags are
 * checked before the handler runs, the way a command table checks arity: R_STORE answers 503
 * when Redis is not ready; `body_max` answers 413 over the route's own body limit.
 *
 * Does not own: handlers (ep_*.c).
 */
#ifndef AUTHD_ROUTE_H
#define AUTHD_ROUTE_H

#include <stddef.h>

#include "req.h"

#define R_STORE 0x1   /* needs Redis: 503 before the handler when the store is not ready */
#define R_METRICS 0x2 /* restricted to metrics.allow */
#define R_JSON 0x4    /* body: one JSON object (Content-Type application/json), in r->json */
#define R_FORM 0x10   /* body: application/x-www-form-urlencoded, in r->form */
#define R_GUARD 0x8   /* authentication: 429 while the client address is over its failure limit */

struct route {
	const char *method; /* "GET" or "POST"; GET routes also answer HEAD */
	const char *path;
	step_fn first;
	int flags;
	size_t body_max;    /* 0: no body accepted beyond the server limit */
};

/* Number of routes and the route at index i (for metrics labels). */
size_t route_count(void);
const struct route *route_at(size_t i);
/* Index of a route in the table (metrics slot). */
size_t route_index(const struct route *rt);

/* Finds the route for method + path. Returns the route, or NULL with *status = 404 (no such
 * path) or 405 (path exists, method does not; *allow names the methods). Pure: unit-tested. */
const struct route *route_match(const char *method, const char *path, int *status,
                                const char **allow);

/* 1 if a route exists for this path (discovery lists only endpoints that exist). */
int route_has(const char *path);

/* Runs dispatch for a new request: match, flags, then the handler's first step. */
void route_dispatch(struct req *r, const char *path);

#endif
