/*
 * fetch.h — outbound HTTP(S) POSTs from a worker's event loop: the SMS webhook today, OIDC
 * back-channel logout delivery next. One call = one POST on a connection of its own
 * (`Connection: close`), on libevent's evhttp client; TLS by libevent_openssl with the peer's
 * certificate verified (a generation's trust store: the system's or a configured CA file), its
 * name checked against the URL's host (SSL_set1_host, or the IP SANs for an IP literal) and SNI
 * sent for host names. Redirects are not followed (a 3xx is an answer like any other); the
 * answer is the status line: headers are read up to LIM_FETCH_HEADERS, and the body (at most
 * LIM_FETCH_BODY of it) is not waited for. Names are resolved with the worker's evdns base (async; /etc/hosts first), so nothing
 * ever blocks the loop. A call ends exactly once: by the answer's status, a failure, its own
 * deadline, a cancel, or the worker's exit, and its callback runs from the loop, never from
 * inside fetch_post or fetch_cancel.
 *
 * Owns: URL syntax for outbound calls (fetch_url_parse, pure: what the config validates), the
 * client TLS context (fetch_tls_new), the per-worker resolver and the calls in flight. Does not
 * own: what is posted or what an answer means (the callers decide: sms.c, later logout).
 */
#ifndef AUTHD_FETCH_H
#define AUTHD_FETCH_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "err.h"
#include "lim.h"
#include "req.h"

struct event_base;
struct fetch;      /* the per-worker client: resolver and calls in flight */
struct fetch_call; /* one POST in flight */

#define FETCH_TIMEOUT_MIN_MS 100
#define FETCH_TIMEOUT_MAX_MS 30000
/* A request waiting on a call keeps its deadline this long after the call's own, so the call's
 * result (with its reason) is what the client is told, not the generic request deadline. */
#define FETCH_REQ_MARGIN_MS 250

/* A parsed absolute http(s) URL. */
struct fetch_url {
	int https;
	int ip;                       /* host is an IP literal: no SNI, checked against IP SANs */
	int loopback;                 /* 127.0.0.1, ::1 or localhost */
	int port;                     /* explicit or the scheme's */
	char host[LIM_HOST + 1];      /* lower case; an IPv6 literal without its brackets */
	char path[LIM_URI + 1];       /* path and query, at least "/" */
};

/* Parses `s` for the config key `key` (which names it in messages): https://host[:port][/path]
 * [?query]; http:// only for a loopback host; no userinfo, fragment, spaces, backslashes or
 * non-ASCII; host a DNS name, IPv4 or [IPv6] literal. 0 and *out, or E_INVALID with eb set
 * ("sms.webhook_url: http is allowed only for a loopback host"); *out untouched on error. */
int fetch_url_parse(const char *s, const char *key, struct fetch_url *out, struct errbuf *eb);

/* A client TLS context: TLS 1.2+, peer verification on, trusting the PEM bundle `ca_file` or
 * (NULL) the system's store. `key` names the setting in messages. 0 and a context the caller
 * frees with SSL_CTX_free, or E_IO/E_INVALID/E_NOMEM with eb set. Load it once per generation:
 * each call takes its own reference (SSL_new), so a reload never pulls it from under one. */
int fetch_tls_new(const char *ca_file, const char *key, SSL_CTX **out, struct errbuf *eb);

/* The per-worker client on `base`, resolving with the name servers of `resolv_conf` (NULL:
 * /etc/resolv.conf; tests name their own) and /etc/hosts, both read once. 0 or E_NOMEM. A
 * resolv.conf that cannot be used is logged, and libevent then asks 127.0.0.1; IP literals and
 * /etc/hosts names work regardless. */
int fetch_new(struct event_base *base, const char *resolv_conf, struct fetch **out);
/* Ends every call still in flight with FETCH_CANCELLED (their callbacks run from here), then
 * frees the resolver. Before the event base is freed; NULL-safe. */
void fetch_free(struct fetch *f);

enum fetch_fail {
	FETCH_OK = 0,      /* an answer came: see status */
	FETCH_DNS,         /* the host name did not resolve */
	FETCH_CONNECT,     /* refused, unreachable, or closed before an answer */
	FETCH_TLS,         /* handshake failed: certificate not trusted, wrong name, protocol */
	FETCH_TIMEOUT,     /* no answer within the call's deadline */
	FETCH_PROTOCOL,    /* the answer was not HTTP, or too large */
	FETCH_CANCELLED,   /* fetch_cancel, or the worker is stopping */
	FETCH_NOMEM,
};

/* Stable snake_case name for logs ("timeout", "tls", ...). */
const char *fetch_fail_name(enum fetch_fail f);

struct fetch_header {
	const char *name, *value;
};

/* What to post. fetch_post copies all of it (body and header values are wiped when the call
 * ends: they may hold secrets) and takes its own reference on `tls`: the caller's memory may go
 * as soon as fetch_post returns. */
struct fetch_spec {
	const struct fetch_url *url;
	SSL_CTX *tls;                       /* required for https */
	const char *ctype;                  /* Content-Type of the body */
	const char *body;
	size_t len;
	const struct fetch_header *headers; /* extra request headers (Authorization, ...) */
	size_t nheaders;
	long long timeout_ms;               /* the whole call: resolve, connect, TLS, answer */
};

struct fetch_result {
	enum fetch_fail fail;
	int status; /* the HTTP status when fail == FETCH_OK, else 0 */
};

/* `res` is borrowed for the duration of the callback. */
typedef void (*fetch_cb)(const struct fetch_result *res, void *arg);

/* Starts a POST. 0 (`cb` will run exactly once, later, from the loop; *out, if not NULL, is a
 * handle valid until then), or E_NOMEM/E_INVALID at once (the callback will not run). */
int fetch_post(struct fetch *f, const struct fetch_spec *spec, fetch_cb cb, void *arg,
               struct fetch_call **out);

/* Ends the call with FETCH_CANCELLED: its connection is closed and its callback runs on the
 * loop's next turn, never from here. Only before the callback has run (the handle dies then). */
void fetch_cancel(struct fetch_call *c);

/* For a request (the req step machinery): posts, records the result in *out (arena memory of
 * r) and resumes r at `next`. r->pending counts the call and the request's deadline is pushed
 * past the call's own; a request answered meanwhile (its deadline) cancels the call, and the
 * late callback only lets the request go (like workq.c's skipped jobs). STEP_WAIT; or, when the
 * call cannot start, *out says FETCH_NOMEM and `next` runs at once (its result). */
enum step fetch_req(struct req *r, step_fn next, const struct fetch_spec *spec,
                    struct fetch_result *out);

#endif
