/*
 * webc.h — an asynchronous HTTP client on the caller's libevent loop, for a relying party's
 * back-channel calls (discovery, JWK Set, token, userinfo). One request per connection
 * ("Connection: close"), an inactivity timeout, a cap on the answer's size. https verifies the
 * server's certificate chain (system trust store, or SSL_CERT_FILE / SSL_CERT_DIR) and that it
 * names the host; plain http is refused except to a loopback host (127.0.0.1, ::1, localhost).
 *
 * Lifetimes follow libevent's rules: a connection is freed from a zero-delay timer after its
 * callback returned (never inside it), so callbacks may start further fetches freely.
 *
 * Does not own: what the answers mean (rp.c), retries, redirects (not followed: an OAuth
 * back-channel endpoint that redirects is misconfigured).
 */
#ifndef AUTHD_TOOLS_WEBC_H
#define AUTHD_TOOLS_WEBC_H

#include <openssl/ssl.h>
#include <stddef.h>

struct event_base;
struct evdns_base;
struct webc;

struct webc_ctx {
	struct event_base *base;
	struct evdns_base *dns; /* asynchronous resolver; NULL: getaddrinfo (blocking) */
	SSL_CTX *tls;
	int timeout_s;
	size_t max_body;
	struct webc *all; /* in flight or waiting to be freed */
};

/* What came back. status 0: no HTTP answer; `error` then says why ("timeout", "connection
 * failed", "TLS: certificate has expired", "answer larger than 262144 bytes", ...). Pointers are
 * valid during the callback only. */
struct webc_reply {
	int status;
	const char *error;    /* NULL when status != 0 */
	const char *ctype;    /* Content-Type, "" when absent */
	const char *www_auth; /* WWW-Authenticate, NULL when absent */
	const char *body;     /* NUL-terminated copy (wiped after the callback) */
	size_t len;
};

typedef void (*webc_cb)(const struct webc_reply *rep, void *arg);

struct webc_hdr {
	const char *name, *value;
};

/* Sets up a client on base: TLS 1.2+ with peer verification, an evdns resolver when one can be
 * made. 0, or E_NOMEM / E_CRYPTO. */
int webc_ctx_init(struct webc_ctx *fx, struct event_base *base, int timeout_s, size_t max_body);

/* Frees every fetch still in flight WITHOUT calling its callback, then the context. Call before
 * event_base_free. */
void webc_ctx_fini(struct webc_ctx *fx);

/* Sends `method` ("GET" or "POST") to url with nh extra headers and, for POST, body (blen bytes,
 * copied). cb(rep, arg) runs exactly once, from the loop, never before webc_start returned —
 * unless webc_cancel runs first. *out (when out != NULL) is a handle for webc_cancel, valid
 * until cb starts. Returns 0, E_INVALID (not an http(s) URL, or http to a host that is not
 * loopback: cb will not run), E_NOMEM or E_CRYPTO. */
int webc_start(struct webc_ctx *fx, const char *method, const char *url,
                const struct webc_hdr *h, size_t nh, const char *body, size_t blen, webc_cb cb,
                void *arg, struct webc **out);

/* Abandons f: its callback will not run; the connection is closed. NULL-safe. Never call it
 * from f's own callback. */
void webc_cancel(struct webc *f);

#endif
