/*
 * http.h — the evhttp glue: creating the request context for each incoming request, the reply
 * helpers that prepare a response on the req, and http_finish, the one place that calls
 * evhttp_send_*. Every reply carries X-Request-Id and the security headers; errors are rendered
 * as OAuth-style JSON ({"error": ..., "error_description": ...}).
 *
 * Owns: request creation and freeing, response rendering, the access line and per-request
 * metrics. Does not own: routing (route.c) or what a handler decides.
 */
#ifndef AUTHD_HTTP_H
#define AUTHD_HTTP_H

#include <stddef.h>

#include "req.h"

struct evhttp_request;
struct evhttp;
struct json_t;

/* evhttp_set_gencb callback; arg is the struct worker. */
void http_on_request(struct evhttp_request *ev, void *arg);

/* Prepare a response (copied into the req's body buffer). Each returns STEP_DONE. */
enum step http_reply(struct req *r, int status, const char *ctype, const char *body, size_t len,
                     int flags);
/* Same, but the bytes are sent by reference: they must live as long as r->gen (the generation
 * holds them); a gen reference is taken for the duration of the send. */
enum step http_reply_gen_bytes(struct req *r, int status, const char *ctype, const char *body,
                               size_t len, int flags);

/* Prepares a JSON response from j (taken over: released here, also on failure), compact,
 * no-store; the rendered copy is wiped after it is copied (tokens, personal data). */
enum step http_reply_json(struct req *r, int status, struct json_t *j);

/* Sends the prepared response (or the error set by req_fail). Exactly once per request. */
void http_finish(struct req *r);

/* Frees the request context (called by req.c when the last owner is done). */
void http_req_free(struct req *r);

/* The client's address after trusted_proxies (computed on first use). Borrowed. */
const char *http_client_ip(struct req *r);

/* In the worker at exit: frees the cached request contexts. */
void http_cache_free(void);

/* Parses the request body as one JSON object into r->json (duplicate keys refused), after
 * checking Content-Type. 0, or nonzero with the error set (415, 400). */
int http_json_body(struct req *r);

/* Parses an application/x-www-form-urlencoded body (form.h: strict, repeated parameters refused)
 * into r->form, after checking Content-Type; values are wiped when the request ends. 0, or
 * nonzero with the error set (415, 400). */
int http_form_body(struct req *r);

/* Parses the request URI's query string the same way into r->form. 0, or nonzero with 400. */
int http_query(struct req *r);

/* Hands a JSON value to the request: released with its arena. 0; or -1 when that failed (the
 * value was released now, and a 500 is set). */
int http_keep_json(struct req *r, struct json_t *j);

/* 401 invalid_token with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3.1). */
enum step http_fail_token(struct req *r, const char *desc);

/* A string member of r->json: present, a string, 1..maxlen bytes, no control characters.
 * 0 and *out (borrowed from r->json), or nonzero with 400 invalid_request naming the member. */
int http_json_need(struct req *r, const char *key, size_t maxlen, const char **out);

/* The value of a request header, or NULL. Borrowed for the life of the request. */
const char *http_header(struct req *r, const char *name);

#endif
