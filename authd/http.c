/* http.c — see http.h. */
#include "http.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "conf.h"
#include "form.h"
#include "gen.h"
#include "js.h"
#include "metrics.h"
#include "route.h"
#include "sec.h"
#include "worker.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "OTHER";
}

const char *http_header(struct req *r, const char *name)
{
	BUG_ON(r->ev == NULL, "request header asked after the reply was sent");
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

/* A caller-supplied request id is kept only if short and of a safe alphabet (it is logged). */
static int rid_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char c = s[n];

		if (n >= LIM_REQ_ID || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return n > 0;
}

const char *http_client_ip(struct req *r)
{
	struct evhttp_connection *con;
	char peer[64] = "";

	if (r->ip[0] != '\0')
		return r->ip;
	BUG_ON(r->ev == NULL, "client address asked after the reply was sent");
	con = evhttp_request_get_connection(r->ev);
	if (con != NULL) {
		const struct sockaddr *sa = evhttp_connection_get_addr(con);

		if (sa != NULL && sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer,
			          sizeof(peer));
		else if (sa != NULL && sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer,
			          sizeof(peer));
	}
	if (peer[0] == '\0')
		snprintf(peer, sizeof(peer), "unknown");
	{
		const struct cidrs *tp = &r->gen->conf->trusted_proxies;
		const char *xff = tp->n ? http_header(r, "X-Forwarded-For") : NULL;

		if (xff != NULL && strlen(xff) > LIM_XFF)
			xff = NULL;
		addr_client_ip(peer, xff, tp->v, tp->n, r->ip, sizeof(r->ip));
	}
	return r->ip;
}

/* Request contexts are reused: a worker keeps up to REQ_CACHE_MAX freed ones (about 4.7 KiB
 * each) instead of a malloc and free per request. Single-threaded: no locking. */
#define REQ_CACHE_MAX 256
static struct req *req_cache[REQ_CACHE_MAX];
static int req_cached;

static struct req *req_get(void)
{
	return req_cached > 0 ? req_cache[--req_cached] : malloc(sizeof(struct req));
}

static void req_put(struct req *r)
{
	if (req_cached < REQ_CACHE_MAX)
		req_cache[req_cached++] = r;
	else
		free(r);
}

void http_cache_free(void)
{
	while (req_cached > 0)
		free(req_cache[--req_cached]);
}

/* "<worker prefix><counter in hex>" without printf: this runs on every request. */
static void make_rid(struct worker *w, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned long long n = ++w->rid_next;
	char tmp[20];
	size_t k = 0, p = strlen(w->rid_prefix);

	do {
		tmp[k++] = hex[n & 15];
		n >>= 4;
	} while (n != 0);
	BUG_ON(p + k + 1 > outlen, "request id buffer");
	memcpy(out, w->rid_prefix, p);
	while (k > 0)
		out[p++] = tmp[--k];
	out[p] = '\0';
}

void http_on_request(struct evhttp_request *ev, void *arg)
{
	struct worker *w = arg;
	struct req *r = req_get();
	const struct evhttp_uri *uri;
	const char *path, *rid;

	if (r == NULL) {
		evhttp_send_error(ev, 503, "Service Unavailable");
		return;
	}
	memset(r, 0, offsetof(struct req, first));
	arena_init(&r->arena, r->first, sizeof(r->first), LIM_REQ_MEMORY);
	r->w = w;
	r->ev = ev;
	r->gen = gen_ref(w->gen);
	r->t0_ns = now_ns();
	r->method = method_name(evhttp_request_get_command(ev));
	r->body = evhttp_request_get_output_buffer(ev);
	w->inflight++;

	rid = http_header(r, "X-Request-Id");
	if (rid != NULL && rid_ok(rid))
		snprintf(r->id, sizeof(r->id), "%s", rid);
	else
		make_rid(w, r->id, sizeof(r->id));

	uri = evhttp_request_get_evhttp_uri(ev);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || path[0] != '/') {
		req_fail(r, 400, "invalid_request", "malformed request target");
		req_run(r, NULL);
		return;
	}
	route_dispatch(r, path);
}

enum step http_reply(struct req *r, int status, const char *ctype, const char *body, size_t len,
                     int flags)
{
	if (len > 0 && evbuffer_add(r->body, body, len) != 0)
		return req_fail_oom(r);
	r->status = status;
	r->ctype = ctype;
	r->flags |= flags;
	return STEP_DONE;
}

static void unref_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	gen_unref(arg);
}

enum step http_reply_gen_bytes(struct req *r, int status, const char *ctype, const char *body,
                               size_t len, int flags)
{
	struct gen *g = gen_ref(r->gen);

	/* Sent by reference: no copy; the generation lives until the bytes leave. */
	if (evbuffer_add_reference(r->body, body, len, unref_cleanup, g) != 0) {
		gen_unref(g);
		return req_fail_oom(r);
	}
	r->status = status;
	r->ctype = ctype;
	r->flags |= flags;
	return STEP_DONE;
}

static void defer_json(void *p)
{
	json_decref(p);
}

int http_keep_json(struct req *r, json_t *j)
{
	if (arena_defer(&r->arena, defer_json, j) == 0)
		return 0;
	json_decref(j);
	req_fail_oom(r);
	return -1;
}

enum step http_fail_token(struct req *r, const char *desc)
{
	r->www_auth = "Bearer error=\"invalid_token\"";
	return req_fail(r, 401, "invalid_token", desc);
}

int http_json_body(struct req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
	const char *ct = http_header(r, "Content-Type");
	size_t n = evbuffer_get_length(in);
	json_error_t je;
	json_t *j;
	char *buf;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		req_fail(r, 415, "invalid_request", "Content-Type must be application/json");
		return -1;
	}
	if ((buf = arena_alloc(&r->arena, n + 1)) == NULL) {
		req_fail_oom(r);
		return -1;
	}
	evbuffer_copyout(in, buf, n);
	j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		req_fail(r, 400, "invalid_request", "body must be one JSON object");
		return -1;
	}
	if (arena_defer(&r->arena, defer_json, j) != 0) {
		json_decref(j);
		req_fail_oom(r);
		return -1;
	}
	r->json = j;
	return 0;
}

enum step http_reply_json(struct req *r, int status, json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	enum step st;

	json_decref(j);
	if (s == NULL)
		return req_fail_oom(r);
	st = http_reply(r, status, "application/json", s, strlen(s), RESP_NOSTORE);
	sec_wipe(s, strlen(s));
	free(s);
	return st;
}

/* Form values may be secrets (client_secret, password): wiped when the request ends. */
static void defer_wipe_form(void *p)
{
	struct form *f = p;

	for (size_t i = 0; i < f->n; i++)
		sec_wipe((char *)f->p[i].value, strlen(f->p[i].value));
}

static int form_set(struct req *r, const char *s, size_t n)
{
	struct form *f = arena_alloc(&r->arena, sizeof(*f));
	struct errbuf eb = { 0 };
	int rc;

	if (f == NULL || arena_defer(&r->arena, defer_wipe_form, f) != 0) {
		req_fail_oom(r);
		return -1;
	}
	if ((rc = form_parse(&r->arena, s, n, f, &eb)) != 0) {
		if (rc == E_NOMEM)
			req_fail_oom(r);
		else
			req_fail(r, 400, "invalid_request", arena_strdup(&r->arena, eb.msg));
		return -1;
	}
	r->form = f;
	return 0;
}

int http_form_body(struct req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
	const char *ct = http_header(r, "Content-Type");
	size_t n = evbuffer_get_length(in);
	char *buf;

	if (ct == NULL && n == 0)
		return form_set(r, "", 0); /* no body at all: no parameters, not a wrong type */
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    (ct[33] != '\0' && ct[33] != ';' && ct[33] != ' ')) {
		req_fail(r, 415, "invalid_request",
		         "Content-Type must be application/x-www-form-urlencoded");
		return -1;
	}
	if ((buf = arena_secret(&r->arena, n + 1)) == NULL) {
		req_fail_oom(r);
		return -1;
	}
	evbuffer_copyout(in, buf, n);
	return form_set(r, buf, n);
}

int http_query(struct req *r)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(r->ev);
	const char *q = u != NULL ? evhttp_uri_get_query(u) : NULL;

	return form_set(r, q != NULL ? q : "", q != NULL ? strlen(q) : 0);
}

int http_json_need(struct req *r, const char *key, size_t maxlen, const char **out)
{
	json_t *v = json_object_get(r->json, key);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (s == NULL || n == 0 || n > maxlen || strlen(s) != n || js_has_ctl(s)) {
		req_fail(r, 400, "invalid_request",
		         arena_printf(&r->arena, "%s: %s", key,
		                      v == NULL             ? "missing"
		                      : s == NULL           ? "must be a string"
		                      : n == 0              ? "must not be empty"
		                      : n > maxlen          ? "too long"
		                                            : "contains a control character"));
		return -1;
	}
	*out = s;
	return 0;
}

static void render_error(struct req *r)
{
	json_t *j = json_object();
	char *s = NULL;

	evbuffer_drain(r->body, evbuffer_get_length(r->body));
	if (j != NULL) {
		json_object_set_new(j, "error", json_string(r->error));
		if (r->error_desc != NULL)
			json_object_set_new(j, "error_description", json_string(r->error_desc));
		s = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	if (s != NULL)
		evbuffer_add(r->body, s, strlen(s));
	else
		evbuffer_add_printf(r->body, "{\"error\":\"server_error\"}");
	free(s);
	r->ctype = "application/json";
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return status < 400 ? "OK" : "Error";
}

void http_finish(struct req *r)
{
	struct evkeyvalq *h;

	BUG_ON(r->replied, "http_finish twice");
	r->replied = 1;
	if (r->status == 0)
		req_fail(r, 500, "server_error", NULL);
	if (r->error != NULL)
		render_error(r);
	h = evhttp_request_get_output_headers(r->ev);
	evhttp_add_header(h, "X-Request-Id", r->id);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	if (r->ctype != NULL)
		evhttp_add_header(h, "Content-Type", r->ctype);
	if (r->flags & RESP_NOSTORE) {
		evhttp_add_header(h, "Cache-Control", "no-store");
		evhttp_add_header(h, "Pragma", "no-cache");
	} else if (r->flags & RESP_CACHE) {
		evhttp_add_header(h, "Cache-Control", "public, max-age=300");
	}
	if (r->flags & RESP_CORS)
		evhttp_add_header(h, "Access-Control-Allow-Origin", "*");
	if (r->flags & RESP_HTML) {
		const char *csp = "default-src 'none'; img-src 'self' data:; style-src 'self' "
		                  "'unsafe-inline'; frame-ancestors 'none'";

		/* a page with a script (the QR login) allows exactly that script, and fetches home */
		if (r->csp_nonce != NULL)
			csp = arena_printf(&r->arena, "%s; script-src 'nonce-%s'; connect-src 'self'", csp,
			                   r->csp_nonce);
		evhttp_add_header(h, "Content-Security-Policy",
		                  csp != NULL ? csp : "default-src 'none'; frame-ancestors 'none'");
		evhttp_add_header(h, "X-Frame-Options", "DENY");
	}
	if (r->gen->conf->tls_cert != NULL)
		evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
	if (r->allow != NULL)
		evhttp_add_header(h, "Allow", r->allow);
	if (r->www_auth != NULL)
		evhttp_add_header(h, "WWW-Authenticate", r->www_auth);
	if (r->w->draining)
		evhttp_add_header(h, "Connection", "close");
	/* The one send: it also frees an evhttp request whose connection has died. */
	if (r->gen->conf->log_access)
		http_client_ip(r); /* the access line needs it after the evhttp request is gone */
	evhttp_send_reply(r->ev, r->status, reason(r->status), NULL);
	r->body = NULL; /* evhttp's buffer and request: gone after the send */
	r->ev = NULL;
}

void http_req_free(struct req *r)
{
	uint64_t ns = now_ns() - r->t0_ns;
	struct worker *w = r->w;

	if (r->route != NULL)
		metrics_request(route_index(r->route), r->status, ns);
	else
		metrics_unrouted(r->status, ns);
	if (r->gen->conf->log_access) {
		struct log_access a = {
			.rid = r->id,
			.method = r->method,
			.route = r->route != NULL ? r->route->path : "-",
			.client_id = r->client_id,
			.ip = r->ip[0] != '\0' ? r->ip : NULL,
			.status = r->status,
			.ms = (double)ns / 1e6,
			.store_rtt = r->store_rtt,
		};
		log_access(&a);
	}
	if (r->deadline != NULL)
		event_free(r->deadline);
	arena_reset(&r->arena);
	gen_unref(r->gen);
	req_put(r);
	worker_req_done(w);
}
