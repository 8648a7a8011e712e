/* webc.c — see webc.h. */
#include "webc.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "sec.h"

struct webc {
	struct webc_ctx *fx;
	struct evhttp_connection *con;
	struct event *reaper; /* frees the connection after the callback returned */
	SSL *ssl;             /* owned by the connection's bufferevent; for the verify result */
	webc_cb cb;
	void *arg;
	enum evhttp_request_error why;
	int failed; /* the error callback ran */
	struct webc_reply rep;
	char *body, *ctype, *www_auth;
	char error[256];
	size_t len;
	struct webc *next, **pprev;
};

int webc_ctx_init(struct webc_ctx *fx, struct event_base *base, int timeout_s, size_t max_body)
{
	memset(fx, 0, sizeof(*fx));
	fx->base = base;
	fx->timeout_s = timeout_s;
	fx->max_body = max_body;
	if ((fx->tls = SSL_CTX_new(TLS_client_method())) == NULL)
		return E_CRYPTO;
	SSL_CTX_set_min_proto_version(fx->tls, TLS1_2_VERSION);
	SSL_CTX_set_verify(fx->tls, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(fx->tls) != 1) {
		SSL_CTX_free(fx->tls);
		fx->tls = NULL;
		return E_CRYPTO;
	}
	/* without a resolver (no /etc/resolv.conf), libevent falls back to getaddrinfo */
	fx->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	return 0;
}

static void webc_free(struct webc *f)
{
	if (f->next != NULL)
		f->next->pprev = f->pprev;
	*f->pprev = f->next;
	if (f->con != NULL)
		evhttp_connection_free(f->con); /* pending requests go without their callback */
	if (f->reaper != NULL)
		event_free(f->reaper);
	if (f->body != NULL) {
		sec_wipe(f->body, f->len); /* token responses pass through here */
		free(f->body);
	}
	free(f->ctype);
	free(f->www_auth);
	free(f);
}

void webc_ctx_fini(struct webc_ctx *fx)
{
	while (fx->all != NULL)
		webc_free(fx->all);
	if (fx->dns != NULL)
		evdns_base_free(fx->dns, 0);
	SSL_CTX_free(fx->tls);
	memset(fx, 0, sizeof(*fx));
}

void webc_cancel(struct webc *f)
{
	if (f != NULL)
		webc_free(f);
}

/* Delivers the answer from the loop (never from inside webc_start, even when libevent fails a
 * connection at once), then frees the connection: libevent has finished with it by now. */
static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct webc *f = arg;

	(void)fd;
	(void)what;
	f->cb(&f->rep, f->arg);
	webc_free(f);
}

static void on_error(enum evhttp_request_error why, void *arg)
{
	struct webc *f = arg;

	f->failed = 1;
	f->why = why;
}

static const char *failure(struct webc *f, char *buf, size_t n)
{
	long v = f->ssl != NULL ? SSL_get_verify_result(f->ssl) : X509_V_OK;
	unsigned long e = ERR_peek_last_error();

	if (v != X509_V_OK) {
		snprintf(buf, n, "TLS: %s", X509_verify_cert_error_string(v));
		return buf;
	}
	if (f->ssl != NULL && e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL) {
		snprintf(buf, n, "TLS: %s", ERR_reason_error_string(e));
		ERR_clear_error();
		return buf;
	}
	switch (f->failed ? f->why : EVREQ_HTTP_EOF) {
	case EVREQ_HTTP_TIMEOUT:
		return "timeout";
	case EVREQ_HTTP_INVALID_HEADER:
		return "malformed HTTP answer";
	case EVREQ_HTTP_DATA_TOO_LONG:
		snprintf(buf, n, "answer larger than %zu bytes", f->fx->max_body);
		return buf;
	default:
		return "connection failed or closed";
	}
}

static void on_done(struct evhttp_request *req, void *arg)
{
	struct webc *f = arg;
	struct webc_reply *rep = &f->rep;

	if (req != NULL && evhttp_request_get_response_code(req) != 0) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		struct evkeyvalq *h = evhttp_request_get_input_headers(req);
		const char *ct = evhttp_find_header(h, "Content-Type");
		const char *wa = evhttp_find_header(h, "WWW-Authenticate");

		f->len = evbuffer_get_length(in);
		f->body = malloc(f->len + 1);
		f->ctype = strdup(ct != NULL ? ct : "");
		f->www_auth = wa != NULL ? strdup(wa) : NULL;
		if (f->body != NULL && f->ctype != NULL && (wa == NULL || f->www_auth != NULL)) {
			evbuffer_remove(in, f->body, f->len);
			f->body[f->len] = '\0';
			rep->status = evhttp_request_get_response_code(req);
			rep->ctype = f->ctype;
			rep->www_auth = f->www_auth;
			rep->body = f->body;
			rep->len = f->len;
		} else {
			rep->error = "out of memory";
		}
	} else {
		rep->error = failure(f, f->error, sizeof(f->error));
	}
	event_active(f->reaper, EV_TIMEOUT, 0);
}

/* libevent's host for a URL is "[::1]" for IPv6: the socket wants "::1". */
static int host_plain(const char *host, char *out, size_t n)
{
	size_t len = strlen(host);

	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']' || len - 2 >= n)
			return -1;
		memcpy(out, host + 1, len - 2);
		out[len - 2] = '\0';
		return 0;
	}
	if (len == 0 || len >= n)
		return -1;
	memcpy(out, host, len + 1);
	return 0;
}

static int is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
	       strcasecmp(host, "localhost") == 0;
}

static int is_ip(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* A TLS bufferevent that checks the certificate names host. */
static struct bufferevent *tls_bev(struct webc_ctx *fx, const char *host, SSL **out)
{
	SSL *ssl = SSL_new(fx->tls);
	X509_VERIFY_PARAM *vp;
	struct bufferevent *bev;

	if (ssl == NULL)
		return NULL;
	vp = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (is_ip(host) ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1
	                : (X509_VERIFY_PARAM_set1_host(vp, host, 0) != 1 ||
	                   SSL_set_tlsext_host_name(ssl, host) != 1)) {
		SSL_free(ssl);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(fx->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	                                     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	*out = ssl;
	return bev;
}

int webc_start(struct webc_ctx *fx, const char *method, const char *url,
                const struct webc_hdr *h, size_t nh, const char *body, size_t blen, webc_cb cb,
                void *arg, struct webc **out)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *scheme = u != NULL ? evhttp_uri_get_scheme(u) : NULL;
	const char *path, *query;
	struct evhttp_request *req;
	struct evkeyvalq *hd;
	struct bufferevent *bev = NULL;
	struct webc *f = NULL;
	char host[256], hosthdr[300], *target = NULL;
	int https, port, r = E_INVALID;

	if (scheme == NULL || evhttp_uri_get_host(u) == NULL ||
	    host_plain(evhttp_uri_get_host(u), host, sizeof(host)) != 0)
		goto out;
	https = strcmp(scheme, "https") == 0;
	if (!https && (strcmp(scheme, "http") != 0 || !is_loopback(host)))
		goto out;
	port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : https ? 443 : 80;
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	r = E_NOMEM;
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (target = malloc(strlen(url) + 2)) == NULL)
		goto out;
	sprintf(target, "%s%s%s", path != NULL && *path != '\0' ? path : "/", query ? "?" : "",
	        query ? query : "");
	f->fx = fx;
	f->cb = cb;
	f->arg = arg;
	if ((f->reaper = evtimer_new(fx->base, on_reap, f)) == NULL)
		goto out;
	/* numeric and loopback hosts need no DNS; others go through evdns, never blocking */
	if (https) {
		r = E_CRYPTO;
		if ((bev = tls_bev(fx, host, &f->ssl)) == NULL)
			goto out;
		f->con = evhttp_connection_base_bufferevent_new(
			fx->base, is_ip(host) || is_loopback(host) ? NULL : fx->dns, bev, host,
			(unsigned short)port);
	} else {
		f->con = evhttp_connection_base_new(fx->base, NULL, host, (unsigned short)port);
	}
	r = E_NOMEM;
	if (f->con == NULL)
		goto out; /* (bev, if any, is leaked only when libevent is out of memory) */
	evhttp_connection_set_timeout(f->con, fx->timeout_s);
	evhttp_connection_set_max_body_size(f->con, (ev_ssize_t)fx->max_body);
	evhttp_connection_set_max_headers_size(f->con, 16384);
	evhttp_connection_set_retries(f->con, 0);
	if ((req = evhttp_request_new(on_done, f)) == NULL)
		goto out;
	evhttp_request_set_error_cb(req, on_error);
	hd = evhttp_request_get_output_headers(req);
	if ((port == 443 && https) || (port == 80 && !https))
		snprintf(hosthdr, sizeof(hosthdr), "%s", evhttp_uri_get_host(u));
	else
		snprintf(hosthdr, sizeof(hosthdr), "%s:%d", evhttp_uri_get_host(u), port);
	evhttp_add_header(hd, "Host", hosthdr);
	evhttp_add_header(hd, "Connection", "close");
	evhttp_add_header(hd, "User-Agent", "authd-demo-rp");
	for (size_t i = 0; i < nh; i++)
		evhttp_add_header(hd, h[i].name, h[i].value);
	if (body != NULL)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, blen);
	f->pprev = &fx->all;
	f->next = fx->all;
	if (fx->all != NULL)
		fx->all->pprev = &f->next;
	fx->all = f;
	if (out != NULL)
		*out = f;
	/* a failed connection reaches on_done (perhaps at once), which defers to on_reap; -1
	 * here means libevent could not even queue the request */
	if (evhttp_make_request(f->con, req,
	                        strcmp(method, "POST") == 0 ? EVHTTP_REQ_POST : EVHTTP_REQ_GET,
	                        target) != 0) {
		if (out != NULL)
			*out = NULL;
		webc_free(f);
		f = NULL;
		r = E_NOMEM;
		goto out;
	}
	f = NULL;
	r = 0;
out:
	if (f != NULL) {
		if (f->con != NULL)
			evhttp_connection_free(f->con);
		if (f->reaper != NULL)
			event_free(f->reaper);
		free(f);
	}
	free(target);
	if (u != NULL)
		evhttp_uri_free(u);
	return r;
}
