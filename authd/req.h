/*
 * req.h — the request context: one per HTTP request, owning its arena, its generation reference,
 * its deadline and the response being prepared. Handlers are ordered lists of step functions
 * (STYLE §5): a step returns STEP_DONE (response or error set) or STEP_WAIT (Redis work, a pool
 * job or an outbound call started; its owner calls req_resume with the next step when the result
 * is recorded).
 *
 * Lifetime: created by http.c for each request, freed by the last owner when the response is sent
 * (r->replied) and nothing is pending (r->pending == 0). Late results after a deadline are
 * dropped; the req stays until they arrive (the deadline cancels an outbound call and marks a
 * pool job skippable) or the connection to Redis fails.
 *
 * Does not own: the evhttp request (libevent frees it after the one evhttp_send_*).
 */
#ifndef AUTHD_REQ_H
#define AUTHD_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "lim.h"
#include "log.h"

struct evhttp_request;
struct evbuffer;
struct event;
struct req;
struct worker;
struct gen;
struct route;
struct sreply;
struct form;
struct client;
struct fetch_call;

enum step { STEP_DONE = 0, STEP_WAIT };
typedef enum step (*step_fn)(struct req *r);

/* Response flags. */
#define RESP_NOSTORE 0x1  /* Cache-Control: no-store (tokens, personal data, errors) */
#define RESP_CORS 0x2     /* Access-Control-Allow-Origin: * (discovery, JWKS) */
#define RESP_CACHE 0x4    /* Cache-Control: public, max-age=300 */
#define RESP_HTML 0x8     /* HTML: CSP, X-Frame-Options DENY */

struct req {
	struct arena arena;
	struct worker *w;
	struct gen *gen;               /* holds a reference until req_free */
	struct evhttp_request *ev;
	const struct route *route;
	char id[LIM_REQ_ID + 1];       /* request id (X-Request-Id) */
	char ip[64];                   /* client address after trusted_proxies: use http_client_ip */
	const char *method;
	uint64_t t0_ns;

	unsigned pending;              /* Redis replies, pool jobs and outbound calls outstanding */
	unsigned store_rtt;            /* round trips, for the access line */
	int store_down;                /* the last store call failed for want of Redis */
	struct sreply *reply;          /* the last recorded Redis reply (arena memory) */
	struct event *deadline;        /* armed on the first STEP_WAIT */
	uint64_t deadline_ns;          /* when it fires (CLOCK_MONOTONIC) */
	void *workq_job;               /* a queued pool job, while there is one (workq.c) */
	struct fetch_call *fetch_call; /* an outbound HTTP call, while there is one (fetch.c) */
	int replied;                   /* the one evhttp_send_* happened */

	/* The response being prepared (rendered once by http_finish). */
	int status;
	int flags;                     /* RESP_* */
	const char *ctype;
	struct evbuffer *body;         /* evhttp's output buffer (borrowed), set at creation */
	const char *error;             /* OAuth error code, when set by req_fail */
	const char *error_desc;
	const char *allow;             /* Allow header for 405 */
	const char *www_auth;          /* WWW-Authenticate for 401 (RFC 6750 §3) */
	const char *csp_nonce;         /* RESP_HTML with an inline script: its CSP nonce */
	const char *client_id;         /* for the access line, once authenticated */
	const struct client *client;   /* the authenticated client (ep_token_client_auth) */
	step_fn client_next;           /* what runs once it is authenticated */
	int client_basic;              /* it tried HTTP Basic: a 401 says WWW-Authenticate: Basic */

	struct json_t *json;           /* R_JSON routes: the parsed body (released with the arena) */
	struct form *form;             /* R_FORM routes: the parsed body, or the query (http_query) */
	void *ctx;                     /* the handler's own state (req_ctx) */
	void *ctx_audit;               /* audit.c's state while an append is under way */
	void *ctx_sms;                 /* sms.c's state while a message is being sent */
	void *ctx_bcl;                 /* bcl.c's state while logout tokens are being queued */
	char first[LIM_ARENA_FIRST];   /* the arena's first block */
};

/* The handler's context, zeroed, allocated once per request; NULL on arena exhaustion. */
void *req_ctx(struct req *r, size_t n);

/* Sets an OAuth-style error (`error`, optional `error_description`) with `status`, and no-store.
 * `desc` must be a static string or arena memory. Returns STEP_DONE for `return req_fail(...)`. */
enum step req_fail(struct req *r, int status, const char *error, const char *desc);
/* 500 "server_error": memory cap reached or an allocation failed. */
enum step req_fail_oom(struct req *r);

/* Called by store.c after recording a reply (reply == NULL has set r->store_down): runs `next`
 * unless a reply was already sent, finishes the request on STEP_DONE, frees it when it is the
 * last owner. */
void req_resume(struct req *r, step_fn next);

/* Makes the request's deadline at least `ms` from now (arming it if need be; never earlier
 * than it was): for a step that waits longer than a Redis round trip, such as an outbound call
 * with its own timeout. */
void req_deadline_min(struct req *r, long long ms);

/* Puts the deadline back to the Redis timeout from now (after a long wait, notify.c). */
void req_deadline_reset(struct req *r);

/* Driver entry: run the first step of a handler (NULL: the response or error is already set)
 * and finish, or arm the deadline. */
void req_run(struct req *r, step_fn first);

#define req_log(lvl, r, ev, ...) log_event((lvl), (r)->id, (ev), __VA_ARGS__)

#endif
