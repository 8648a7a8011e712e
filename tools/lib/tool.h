/*
 * tool.h — what the command-line tools (eidctl, eid-app, demo-rp) share: a synchronous Redis
 * connection from authd.json's settings, and a small synchronous HTTP client on libevent (plain
 * http only: JSON or form bodies, an optional bearer token, JSON object answers). Tools run one
 * request at a time and may block; the daemon never uses this.
 */
#ifndef AUTHD_TOOL_H
#define AUTHD_TOOL_H

#include <hiredis/hiredis.h>
#include <jansson.h>

struct conf;

/* Connects to the Redis authd.json names (host/port or unix socket, password, db). Prints the
 * reason and returns NULL on failure. */
redisContext *tool_redis(const struct conf *c, const char *prog);

/* Sends `method` to url with a JSON body (or none), waits (timeout_s) for the answer.
 * Returns the HTTP status (0 when the server could not be reached) and, when the answer is a
 * JSON object, a new reference in *out (NULL otherwise). `bearer` adds an Authorization header
 * when not NULL. */
int tool_http_json(const char *method, const char *url, json_t *body, const char *bearer,
                   int timeout_s, json_t **out);

/* POSTs `form` (already application/x-www-form-urlencoded: each value through tool_urlencode)
 * to url; the answer as tool_http_json's. */
int tool_http_form(const char *url, const char *form, const char *bearer, int timeout_s,
                   json_t **out);

/* Percent-encodes s for a query or form value (RFC 3986 unreserved characters stay as they
 * are). Returns a malloc'd string the caller frees, or NULL when out of memory. */
char *tool_urlencode(const char *s);

#endif
