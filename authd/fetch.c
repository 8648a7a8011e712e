/* fetch.c — see fetch.h. */
#include "fetch.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "sec.h"
#include "worker.h"

/* --- URLs (pure) --- */

static int is_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
	       strcmp(host, "::1") == 0;
}

/* A DNS name as TLS name checks see it: labels of 1..63 letters, digits and inner hyphens. */
static int dns_name_ok(const char *h)
{
	size_t label = 0;
	int digits_only = 1;

	for (const char *p = h;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return 0;
			if (*p == '\0')
				break;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
		if (label == 0 && *p == '-')
			return 0;
		if (*p < '0' || *p > '9')
			digits_only = 0;
		label++;
	}
	/* "10.1.2" is no IPv4 literal inet_pton takes, and no host name either */
	return !digits_only;
}

int fetch_url_parse(const char *s, const char *key, struct fetch_url *out, struct errbuf *eb)
{
	struct fetch_url u;
	const char *auth, *end, *p;
	size_t hl;
	unsigned char bin[sizeof(struct in6_addr)];

	memset(&u, 0, sizeof(u));
	for (p = s; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= 0x20 || ch >= 0x7f || ch == '\\')
			return eb_set(eb, E_INVALID,
			              "%s: must not contain spaces, control or non-ASCII "
			              "characters, or backslashes",
			              key);
	}
	if (p - s > LIM_URI)
		return eb_set(eb, E_INVALID, "%s: longer than %d bytes", key, LIM_URI);
	if (strncmp(s, "https://", 8) == 0) {
		u.https = 1;
		u.port = 443;
		auth = s + 8;
	} else if (strncmp(s, "http://", 7) == 0) {
		u.port = 80;
		auth = s + 7;
	} else {
		return eb_set(eb, E_INVALID, "%s: must be an https:// URL", key);
	}
	if (strchr(s, '#') != NULL)
		return eb_set(eb, E_INVALID, "%s: must not contain a fragment", key);
	end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
		return eb_set(eb, E_INVALID, "%s: must not contain userinfo (user:password@)", key);
	if (*auth == '[') {
		const char *rb = memchr(auth, ']', (size_t)(end - auth));

		hl = rb != NULL ? (size_t)(rb - auth - 1) : 0;
		if (rb == NULL || hl == 0 || hl > LIM_HOST)
			return eb_set(eb, E_INVALID, "%s: malformed IPv6 host", key);
		for (size_t i = 0; i < hl; i++) /* lower case, as fetch.h promises: "[E::1]" */
			u.host[i] = (char)(auth[1 + i] >= 'A' && auth[1 + i] <= 'Z' ? auth[1 + i] + 32
			                                                           : auth[1 + i]);
		u.host[hl] = '\0';
		if (inet_pton(AF_INET6, u.host, bin) != 1)
			return eb_set(eb, E_INVALID, "%s: malformed IPv6 host", key);
		u.ip = 1;
		p = rb + 1;
	} else {
		hl = strcspn(auth, ":/?");
		if (hl == 0)
			return eb_set(eb, E_INVALID, "%s: must have a host", key);
		if (hl > LIM_HOST)
			return eb_set(eb, E_INVALID, "%s: host longer than %d bytes", key,
			              LIM_HOST);
		for (size_t i = 0; i < hl; i++) /* DNS names compare case-insensitively */
			u.host[i] = (char)(auth[i] >= 'A' && auth[i] <= 'Z' ? auth[i] + 32
			                                                     : auth[i]);
		u.host[hl] = '\0';
		if (inet_pton(AF_INET, u.host, bin) == 1)
			u.ip = 1;
		else if (!dns_name_ok(u.host))
			return eb_set(eb, E_INVALID, "%s: host is not a DNS name or an IP address",
			              key);
		p = auth + hl;
	}
	if (p < end) {
		long port = 0;

		if (*p != ':' || p + 1 == end || end - p > 6)
			return eb_set(eb, E_INVALID, "%s: malformed port", key);
		for (p++; p < end; p++) {
			if (*p < '0' || *p > '9')
				return eb_set(eb, E_INVALID, "%s: malformed port", key);
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return eb_set(eb, E_INVALID, "%s: port must be 1..65535", key);
		u.port = (int)port;
	}
	/* path and query as given; none = "/" (RFC 9110 §4.2.1, empty path) */
	snprintf(u.path, sizeof(u.path), "%s%s", *end == '/' ? "" : "/", end);
	u.loopback = is_loopback(u.host);
	if (!u.https && !u.loopback)
		return eb_set(eb, E_INVALID,
		              "%s: http is allowed only for a loopback host (127.0.0.1, ::1, "
		              "localhost); use https",
		              key);
	*out = u;
	return 0;
}

/* --- TLS context --- */

int fetch_tls_new(const char *ca_file, const char *key, SSL_CTX **out, struct errbuf *eb)
{
	SSL_CTX *ctx;
	int r = E_INVALID;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return E_NOMEM;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		r = eb_set(eb, E_INTERNAL, "%s: cannot require TLS 1.2", key);
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
	if (ca_file != NULL && SSL_CTX_load_verify_file(ctx, ca_file) != 1) {
		r = eb_set(eb, E_INVALID, "%s: %s: no PEM CA certificate could be loaded (%s)", key,
		           ca_file, ERR_reason_error_string(ERR_peek_last_error()));
		goto out;
	}
	if (ca_file == NULL && SSL_CTX_set_default_verify_paths(ctx) != 1) {
		r = eb_set(eb, E_INVALID, "%s: cannot use the system trust store (%s)", key,
		           ERR_reason_error_string(ERR_peek_last_error()));
		goto out;
	}
	*out = ctx;
	ctx = NULL;
	r = 0;
out:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return r;
}

/* --- calls --- */

struct fetch {
	struct event_base *base;
	struct evdns_base *dns;     /* NULL if it could not be set up */
	struct fetch_call *calls;   /* in flight */
	unsigned zombies;           /* ended calls whose cancelled lookup has not come back yet */
	int closing;
};

/* A call moves forward only: resolving → connecting → complete (result known, the end queued
 * on the loop) → finished (callback run; freed, or freed when its cancelled lookup returns). */
enum call_state { CALL_RESOLVING = 0, CALL_CONNECTING, CALL_COMPLETE, CALL_FINISHED };

struct fetch_call {
	struct fetch *f;
	struct fetch_call *prev, *next;
	enum call_state state;
	fetch_cb cb;
	void *arg;
	struct fetch_result res;
	struct event *ev;                        /* the deadline, and the queued end */
	struct evdns_getaddrinfo_request *dns;   /* while a lookup is outstanding */
	struct evhttp_connection *evcon;         /* once connecting; freed only from our events */
	struct bufferevent *bev;                 /* evcon's (borrowed) */
	SSL *ssl;                                /* bev's (borrowed) */
	SSL_CTX *tls;                            /* our reference */
	int http_err;                            /* enum evhttp_request_error + 1; 0 = none */
	struct fetch_url url;
	char *ctype;
	char *body;
	size_t len;
	char **hdr; /* name, value, name, value, ... */
	size_t nhdr;
	long long timeout_ms;
};

const char *fetch_fail_name(enum fetch_fail f)
{
	switch (f) {
	case FETCH_OK: return "ok";
	case FETCH_DNS: return "dns";
	case FETCH_CONNECT: return "connect";
	case FETCH_TLS: return "tls";
	case FETCH_TIMEOUT: return "timeout";
	case FETCH_PROTOCOL: return "protocol";
	case FETCH_CANCELLED: return "cancelled";
	case FETCH_NOMEM: return "nomem";
	}
	return "unknown";
}

static void wipe_free(char *s, size_t n)
{
	if (s != NULL) {
		sec_wipe(s, n);
		free(s);
	}
}

static void call_free(struct fetch_call *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	SSL_CTX_free(c->tls);
	free(c->ctype);
	wipe_free(c->body, c->len);
	for (size_t i = 0; i < 2 * c->nhdr; i++)
		wipe_free(c->hdr[i], c->hdr[i] != NULL ? strlen(c->hdr[i]) : 0);
	free(c->hdr);
	free(c);
}

/* Records the result once and queues the end on the loop: evhttp and evdns call us from inside
 * their own code, where the connection may not be freed. */
static void complete(struct fetch_call *c, enum fetch_fail fail, int status)
{
	if (c->state >= CALL_COMPLETE)
		return;
	c->state = CALL_COMPLETE;
	c->res.fail = fail;
	c->res.status = fail == FETCH_OK ? status : 0;
	event_active(c->ev, EV_TIMEOUT, 1);
}

/* On the loop, outside libevent's HTTP and DNS code: close, free, then tell the caller. */
static void finish(struct fetch_call *c)
{
	struct fetch *f = c->f;
	struct fetch_result res = c->res;
	fetch_cb cb = c->cb;
	void *arg = c->arg;

	c->state = CALL_FINISHED;
	event_del(c->ev); /* a zombie's timer must not fire again */
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		f->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->evcon != NULL) {
		evhttp_connection_free(c->evcon); /* frees the queued request without callbacks */
		c->evcon = NULL;
		c->bev = NULL;
		c->ssl = NULL;
	}
	if (c->dns != NULL) {
		/* the lookup answers (cancelled) later, and on_resolved frees the call then */
		f->zombies++;
		evdns_getaddrinfo_cancel(c->dns);
	} else {
		call_free(c);
	}
	cb(&res, arg);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fetch_call *c = arg;

	(void)fd;
	(void)what;
	if (c->state == CALL_FINISHED)
		return;
	if (c->state < CALL_COMPLETE) {
		c->state = CALL_COMPLETE;
		c->res.fail = FETCH_TIMEOUT;
		c->res.status = 0;
	}
	finish(c);
}

/* Did the TLS layer fail (rather than the connection under it)? libevent queues the
 * SSL_get_error() code, then OpenSSL's error queue: SSL_ERROR_SYSCALL alone is the socket's
 * failure (refused, reset), anything else is TLS's own (a certificate, a name, the protocol). */
static int tls_failed(struct fetch_call *c)
{
	int tls = SSL_get_verify_result(c->ssl) != X509_V_OK;
	unsigned long e;

	while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
		if (e != SSL_ERROR_SYSCALL)
			tls = 1;
	return tls;
}

/* Why a call ended without a status line. */
static enum fetch_fail failure(struct fetch_call *c)
{
	if (c->ssl != NULL && c->bev != NULL && tls_failed(c))
		return FETCH_TLS;
	switch (c->http_err - 1) {
	case EVREQ_HTTP_TIMEOUT: return FETCH_TIMEOUT;
	case EVREQ_HTTP_INVALID_HEADER:
	case EVREQ_HTTP_DATA_TOO_LONG: return FETCH_PROTOCOL;
	default: break;
	}
	/* refused or unreachable (evhttp reports those without an error code), reset, EOF */
	return FETCH_CONNECT;
}

static void on_error(enum evhttp_request_error e, void *arg)
{
	struct fetch_call *c = arg;

	c->http_err = (int)e + 1;
}

/* The status line and headers are in: that is the answer. The body (bounded by
 * LIM_FETCH_BODY) is not waited for; the connection is closed when the call ends. */
static int on_headers(struct evhttp_request *req, void *arg)
{
	int code = evhttp_request_get_response_code(req);

	if (code < 100 || code > 599)
		complete(arg, FETCH_PROTOCOL, 0);
	else if (code >= 200) /* 1xx: interim, the real answer follows */
		complete(arg, FETCH_OK, code);
	return 0;
}

static void on_answer(struct evhttp_request *req, void *arg)
{
	struct fetch_call *c = arg;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;

	if (code >= 200 && code <= 599)
		complete(c, FETCH_OK, code);
	else
		complete(c, code != 0 ? FETCH_PROTOCOL : failure(c), 0);
}

static void add_headers(struct fetch_call *c, struct evkeyvalq *h)
{
	char host[LIM_HOST + 16];
	int v6 = strchr(c->url.host, ':') != NULL; /* an IPv6 literal goes in brackets */
	int n = snprintf(host, sizeof(host), "%s%s%s", v6 ? "[" : "", c->url.host, v6 ? "]" : "");

	if (c->url.port != (c->url.https ? 443 : 80))
		snprintf(host + n, sizeof(host) - (size_t)n, ":%d", c->url.port);
	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "User-Agent", "authd");
	evhttp_add_header(h, "Connection", "close");
	evhttp_add_header(h, "Content-Type", c->ctype);
	for (size_t i = 0; i < c->nhdr; i++)
		evhttp_add_header(h, c->hdr[2 * i], c->hdr[2 * i + 1]);
}

/* The TLS session of one call: SNI for a host name, the peer's name checked against the URL's
 * host (DNS SANs, or IP SANs for a literal), no partial wildcards. NULL on failure. */
static SSL *tls_session(struct fetch_call *c)
{
	SSL *ssl = SSL_new(c->tls);

	if (ssl == NULL)
		return NULL;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (c->url.ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), c->url.host) != 1
	              : (SSL_set1_host(ssl, c->url.host) != 1 ||
	                 SSL_set_tlsext_host_name(ssl, c->url.host) != 1)) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* Connect to `addr` (a numeric address, so evhttp's own lookup of it never blocks). */
static void start_http(struct fetch_call *c, const char *addr)
{
	struct event_base *base = c->f->base;
	struct evhttp_request *req;
	struct timeval tv = { c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000 };
	SSL *ssl = NULL;

	if (c->url.https) {
		if ((ssl = tls_session(c)) == NULL) {
			complete(c, FETCH_NOMEM, 0);
			return;
		}
		/* frees ssl on failure (BEV_OPT_CLOSE_ON_FREE) */
		c->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
		                                        BEV_OPT_CLOSE_ON_FREE |
		                                                BEV_OPT_DEFER_CALLBACKS);
		/* Only the status line matters, and it comes before any body a close could cut. */
		if (c->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else {
		c->bev = bufferevent_socket_new(base, -1,
		                                BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	}
	if (c->bev == NULL) {
		complete(c, FETCH_NOMEM, 0);
		return;
	}
	c->evcon = evhttp_connection_base_bufferevent_new(base, NULL, c->bev, addr,
	                                                  (unsigned short)c->url.port);
	if (c->evcon == NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		complete(c, FETCH_NOMEM, 0);
		return;
	}
	c->ssl = ssl;
	evhttp_connection_set_max_headers_size(c->evcon, LIM_FETCH_HEADERS);
	evhttp_connection_set_max_body_size(c->evcon, LIM_FETCH_BODY);
	evhttp_connection_set_retries(c->evcon, 0);
	evhttp_connection_set_timeout_tv(c->evcon, &tv);
	if ((req = evhttp_request_new(on_answer, c)) == NULL) {
		complete(c, FETCH_NOMEM, 0);
		return;
	}
	evhttp_request_set_header_cb(req, on_headers);
	evhttp_request_set_error_cb(req, on_error);
	add_headers(c, evhttp_request_get_output_headers(req));
	if (evbuffer_add(evhttp_request_get_output_buffer(req), c->body, c->len) != 0) {
		evhttp_request_free(req);
		complete(c, FETCH_NOMEM, 0);
		return;
	}
	c->state = CALL_CONNECTING; /* before: evhttp may report a failure from inside the call */
	/* On failure evhttp has freed the request, or (a socket it could not set up) dropped it
	 * from the connection: either way it is not ours to free. */
	if (evhttp_make_request(c->evcon, req, EVHTTP_REQ_POST, c->url.path) != 0)
		complete(c, FETCH_CONNECT, 0);
}

/* The numeric text of an address (evhttp then "resolves" it without a lookup). */
static int addr_text(const struct evutil_addrinfo *a, char out[INET6_ADDRSTRLEN])
{
	const void *sa = a->ai_addr, *in = NULL;

	if (a->ai_family == AF_INET)
		in = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (a->ai_family == AF_INET6)
		in = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (in == NULL || evutil_inet_ntop(a->ai_family, in, out, INET6_ADDRSTRLEN) == NULL)
		return -1;
	return 0;
}

static void on_resolved(int result, struct evutil_addrinfo *ai, void *arg)
{
	struct fetch_call *c = arg;
	const struct evutil_addrinfo *pick = NULL;
	char addr[INET6_ADDRSTRLEN];

	c->dns = NULL;
	if (c->state == CALL_FINISHED) { /* ended while resolving: this was the last owner */
		c->f->zombies--;
		call_free(c);
	} else if (c->state == CALL_RESOLVING) { /* (complete: cancelled meanwhile, end queued) */
		/* the first IPv4 address, else the first one; no fallback to the others */
		for (const struct evutil_addrinfo *a = result == 0 ? ai : NULL; a != NULL;
		     a = a->ai_next)
			if (pick == NULL || (pick->ai_family != AF_INET && a->ai_family == AF_INET))
				pick = a;
		if (pick == NULL || addr_text(pick, addr) != 0)
			complete(c, FETCH_DNS, 0);
		else
			start_http(c, addr);
	}
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
}

static int dup_spec(struct fetch_call *c, const struct fetch_spec *s)
{
	c->url = *s->url;
	c->timeout_ms = s->timeout_ms;
	if ((c->ctype = strdup(s->ctype)) == NULL || (c->body = malloc(s->len + 1)) == NULL)
		return E_NOMEM;
	memcpy(c->body, s->body, s->len);
	c->body[s->len] = '\0';
	c->len = s->len;
	if (s->nheaders > 0 && (c->hdr = calloc(2 * s->nheaders, sizeof(*c->hdr))) == NULL)
		return E_NOMEM;
	c->nhdr = s->nheaders;
	for (size_t i = 0; i < s->nheaders; i++)
		if ((c->hdr[2 * i] = strdup(s->headers[i].name)) == NULL ||
		    (c->hdr[2 * i + 1] = strdup(s->headers[i].value)) == NULL)
			return E_NOMEM;
	return 0;
}

int fetch_post(struct fetch *f, const struct fetch_spec *spec, fetch_cb cb, void *arg,
               struct fetch_call **out)
{
	struct fetch_call *c;
	struct evutil_addrinfo hints;
	struct evdns_getaddrinfo_request *q;
	struct timeval tv;
	char port[8];
	int r;

	if (f->closing || (spec->url->https && spec->tls == NULL) ||
	    spec->timeout_ms < FETCH_TIMEOUT_MIN_MS || spec->timeout_ms > FETCH_TIMEOUT_MAX_MS)
		return E_INVALID;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return E_NOMEM;
	if ((r = dup_spec(c, spec)) != 0 ||
	    (c->ev = evtimer_new(f->base, on_timer, c)) == NULL) {
		call_free(c);
		return r != 0 ? r : E_NOMEM;
	}
	if (spec->tls != NULL) {
		SSL_CTX_up_ref(spec->tls);
		c->tls = spec->tls;
	}
	tv.tv_sec = c->timeout_ms / 1000;
	tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	if (evtimer_add(c->ev, &tv) != 0) {
		call_free(c);
		return E_NOMEM;
	}
	c->f = f;
	c->cb = cb;
	c->arg = arg;
	c->next = f->calls;
	if (f->calls != NULL)
		f->calls->prev = c;
	f->calls = c;
	if (out != NULL)
		*out = c;
	c->state = CALL_RESOLVING;
	if (f->dns == NULL) {
		/* no resolver: literals still work, names fail (reported from the loop) */
		if (c->url.ip)
			start_http(c, c->url.host);
		else
			complete(c, FETCH_DNS, 0);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICSERV | (c->url.ip ? EVUTIL_AI_NUMERICHOST : 0);
	snprintf(port, sizeof(port), "%d", c->url.port);
	/* Literals and /etc/hosts names are answered at once, from inside this call. */
	q = evdns_getaddrinfo(f->dns, c->url.host, port, &hints, on_resolved, c);
	if (c->state == CALL_RESOLVING)
		c->dns = q;
	return 0;
}

void fetch_cancel(struct fetch_call *c)
{
	complete(c, FETCH_CANCELLED, 0);
}

int fetch_new(struct event_base *base, const char *resolv_conf, struct fetch **out)
{
	struct fetch *f = calloc(1, sizeof(*f));
	int r;

	if (f == NULL)
		return E_NOMEM;
	f->base = base;
	/* resolv.conf and /etc/hosts are read once; the base holds no socket open while idle */
	if ((f->dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL) {
		log_event(LOG_ERROR, NULL, "fetch_resolver_unavailable", NULL);
	} else if ((r = evdns_base_resolv_conf_parse(f->dns, DNS_OPTIONS_ALL,
	                                             resolv_conf != NULL ? resolv_conf
	                                                                 : "/etc/resolv.conf")) !=
	           0) {
		char n[12];

		/* libevent then asks 127.0.0.1; /etc/hosts names and literals work regardless */
		snprintf(n, sizeof(n), "%d", r);
		log_event(LOG_WARN, NULL, "fetch_resolver_defaults", "resolv_conf_error", n, NULL);
	}
	*out = f;
	return 0;
}

void fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	f->closing = 1;
	while (f->calls != NULL) {
		struct fetch_call *c = f->calls;

		if (c->state < CALL_COMPLETE) {
			c->state = CALL_COMPLETE;
			c->res.fail = FETCH_CANCELLED;
			c->res.status = 0;
		}
		finish(c);
	}
	/* Cancelled lookups answer through the loop's deferred callbacks, which must run before
	 * the resolver goes (they use it): a few turns of the loop, never blocking. */
	for (int i = 0; i < 16 && f->zombies > 0; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	if (f->zombies > 0)
		log_event(LOG_ERROR, NULL, "fetch_lookups_left", NULL);
	if (f->dns != NULL)
		evdns_base_free(f->dns, 0);
	free(f);
}

/* --- for a request --- */

struct fetch_wait {
	struct req *r;
	step_fn next;
	struct fetch_result *out;
};

static void on_req_result(const struct fetch_result *res, void *arg)
{
	struct fetch_wait *fw = arg;
	struct req *r = fw->r;

	r->fetch_call = NULL;
	if (!r->replied) { /* answered meanwhile (deadline): the result is not wanted */
		*fw->out = *res;
		r->reply = NULL;
		r->store_down = 0;
	}
	req_resume(r, fw->next);
}

enum step fetch_req(struct req *r, step_fn next, const struct fetch_spec *spec,
                    struct fetch_result *out)
{
	struct fetch_wait *fw = arena_alloc(&r->arena, sizeof(*fw));
	struct fetch_call *c;

	BUG_ON(r->fetch_call != NULL, "a second outbound call while one is under way");
	if (fw == NULL)
		return req_fail_oom(r);
	fw->r = r;
	fw->next = next;
	fw->out = out;
	if (r->w->fetch == NULL || fetch_post(r->w->fetch, spec, on_req_result, fw, &c) != 0) {
		out->fail = FETCH_NOMEM;
		out->status = 0;
		return next(r);
	}
	r->pending++;
	r->fetch_call = c;
	req_deadline_min(r, spec->timeout_ms + FETCH_REQ_MARGIN_MS);
	return STEP_WAIT;
}
