/* worker.c — see worker.h. */
#include "worker.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "bcl.h"
#include "clients.h"
#include "conf.h"
#include "fetch.h"
#include "gen.h"
#include "http.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "sec.h"
#include "store.h"
#include "tok.h"
#include "workq.h"

/* Backstop for a drain: requests still running after this are cut off. */
#define DRAIN_MAX_S 10
/* A finished request's reply may still sit in its connection's output buffer: leave the loop
 * running this long so libevent writes it out before the connections are closed. */
#define DRAIN_FLUSH_MS 300

static void stop_loop(struct worker *w)
{
	struct timeval tv = { 0, DRAIN_FLUSH_MS * 1000 };

	event_base_loopexit(w->base, &tv);
}

void worker_req_done(struct worker *w)
{
	w->inflight--;
	if (w->draining && w->inflight == 0)
		stop_loop(w);
}

static void on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	char n[16];

	(void)fd;
	(void)what;
	snprintf(n, sizeof(n), "%u", w->inflight);
	log_event(LOG_WARN, NULL, "drain_timeout", "inflight", n, NULL);
	stop_loop(w);
}

/* SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then exit. */
static void on_term(evutil_socket_t sig, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { DRAIN_MAX_S, 0 };

	(void)sig;
	(void)what;
	if (w->draining)
		return;
	w->draining = 1;
	log_event(LOG_INFO, NULL, "worker_draining", NULL);
	if (w->bound != NULL) {
		evhttp_del_accept_socket(w->http, w->bound);
		w->bound = NULL;
	}
	notify_wake_all(w->notify); /* long-polls answer now; browsers ask again elsewhere */
	audit_flush_tokens(w->store, w->id);
	if (w->inflight == 0) {
		stop_loop(w);
		return;
	}
	w->ev_drain = evtimer_new(w->base, on_drain_timeout, w);
	if (w->ev_drain == NULL || evtimer_add(w->ev_drain, &tv) != 0)
		stop_loop(w);
}

/* Settings that only a restart can change: say so instead of silently ignoring them. */
static void warn_restart_needed(const struct conf *old, const struct conf *nw)
{
	const char *what = NULL;

	if (strcmp(old->listen_address, nw->listen_address) != 0 ||
	    old->listen_port != nw->listen_port)
		what = "listen";
	else if (old->workers != nw->workers)
		what = "workers";
	else if ((old->tls_cert == NULL) != (nw->tls_cert == NULL) ||
	         (old->tls_cert != NULL && strcmp(old->tls_cert, nw->tls_cert) != 0))
		what = "tls";
	else if (old->redis_port != nw->redis_port || old->redis_db != nw->redis_db ||
	         (old->redis_host == NULL) != (nw->redis_host == NULL) ||
	         (old->redis_host != NULL && strcmp(old->redis_host, nw->redis_host) != 0) ||
	         (old->redis_socket == NULL) != (nw->redis_socket == NULL) ||
	         (old->redis_socket != NULL && strcmp(old->redis_socket, nw->redis_socket) != 0))
		what = "redis";
	if (what != NULL)
		log_event(LOG_WARN, NULL, "reload_restart_needed", "section", what, NULL);
}

/* Worker 0 speaks for the daemon in the audit log (every worker reloads). */
static void audit_reload(struct worker *w, const struct gen *old, const struct gen *nw,
                         const char *error)
{
	char detail[512];
	static const enum key_alg algs[] = { KEY_ES256, KEY_RS256 };

	if (w->id != 0)
		return;
	if (error != NULL) {
		audit_append_bg(w->store, "config_reload_failed", "authd", error);
		return;
	}
	snprintf(detail, sizeof(detail), "generation=%lu;keys=%zu;clients=%zu", nw->serial,
	         nw->keys->n, nw->clients->n);
	audit_append_bg(w->store, "config_reloaded", "authd", detail);
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const struct key *a = keys_active(old->keys, algs[i]), *b = keys_active(nw->keys, algs[i]);

		if (b != NULL && (a == NULL || strcmp(a->kid, b->kid) != 0)) {
			snprintf(detail, sizeof(detail), "alg=%s;active=%s;was=%s",
			         keys_alg_name(algs[i]), b->kid, a != NULL ? a->kid : "-");
			audit_append_bg(w->store, "keys_rotated", "authd", detail);
		}
	}
}

/* Every audit.token_summary_s: the token issuance summary (audit.c). */
static void on_minute(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { (time_t)w->gen->conf->audit_summary_s, 0 };

	(void)fd;
	(void)what;
	audit_flush_tokens(w->store, w->id);
	evtimer_add(w->ev_minute, &tv);
}

/* SIGHUP: build a whole new generation; swap it in only if everything validated. Requests in
 * flight keep the generation they started with. */
static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct worker *w = arg;
	struct errbuf eb = { 0 };
	struct gen *g = NULL;
	char serial[24], nk[16], nc[16];
	int r;

	(void)sig;
	(void)what;
	if ((r = gen_load(w->conf_path, w->serial + 1, &g, &eb)) != 0) {
		log_event(LOG_ERROR, NULL, "reload_failed", "error", eb.msg, NULL);
		metrics_reload(0);
		audit_reload(w, w->gen, NULL, eb.msg);
		return;
	}
	w->serial++;
	warn_restart_needed(w->gen->conf, g->conf);
	audit_reload(w, w->gen, g, NULL);
	gen_unref(w->gen);
	w->gen = g;
	log_setup(g->conf->log_level, g->conf->log_format);
	evhttp_set_max_body_size(w->http, (ev_ssize_t)g->conf->max_body);
	evhttp_set_max_headers_size(w->http, (ev_ssize_t)g->conf->max_headers);
	evhttp_set_timeout(w->http, (int)g->conf->http_timeout);
	snprintf(serial, sizeof(serial), "%lu", w->serial);
	snprintf(nk, sizeof(nk), "%zu", g->keys->n);
	snprintf(nc, sizeof(nc), "%zu", g->clients->n);
	log_event(LOG_INFO, NULL, "reloaded", "generation", serial, "keys", nk, "clients", nc, NULL);
	metrics_reload(1);
}

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);

	if (ssl == NULL)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                      BEV_OPT_CLOSE_ON_FREE);
}

static int setup(struct worker *w, int fd)
{
	const struct conf *c = w->gen->conf;
	uint8_t rnd[4];

	struct event_config *ec = event_config_new();

	/* epoll's change list: the enables and disables one callback makes on a socket (evhttp
	 * turns reading off and writing on for every reply) reach the kernel as one epoll_ctl at
	 * the next dispatch, not one each. The list's caveat (dup'ed descriptors) does not apply:
	 * authd never dups a socket. */
	if (ec == NULL || event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0)
		return E_NOMEM;
	w->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (w->base == NULL || (w->http = evhttp_new(w->base)) == NULL)
		return E_NOMEM;
	evhttp_set_max_body_size(w->http, (ev_ssize_t)c->max_body);
	evhttp_set_max_headers_size(w->http, (ev_ssize_t)c->max_headers);
	evhttp_set_timeout(w->http, (int)c->http_timeout);
	/* Let every usual method through to route.c, which answers 405 with Allow. */
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                            EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(w->http, "application/json");
	evhttp_set_gencb(w->http, http_on_request, w);
	if (w->ssl != NULL)
		evhttp_set_bevcb(w->http, tls_bev, w->ssl);
	if ((w->bound = evhttp_accept_socket_with_handle(w->http, fd)) == NULL)
		return E_IO;
	if (store_new(w->base, c, w->id, &w->store) != 0 ||
	    notify_new(w->base, c, w->id, &w->notify) != 0)
		return E_NOMEM;
	if (workq_new(w->base, (int)c->hash_threads, (int)c->hash_queue, &w->workq) != 0)
		return E_NOMEM;
	if (fetch_new(w->base, NULL, &w->fetch) != 0 || bcl_new(w, &w->bcl) != 0)
		return E_NOMEM;
	w->ev_term = evsignal_new(w->base, SIGTERM, on_term, w);
	w->ev_hup = evsignal_new(w->base, SIGHUP, on_hup, w);
	if (w->ev_term == NULL || w->ev_hup == NULL || evsignal_add(w->ev_term, NULL) != 0 ||
	    evsignal_add(w->ev_hup, NULL) != 0)
		return E_NOMEM;
	/* SIGINT (a terminal's Ctrl-C reaches every process of the group) drains like SIGTERM. */
	{
		struct event *ev_int = evsignal_new(w->base, SIGINT, on_term, w);

		if (ev_int == NULL || evsignal_add(ev_int, NULL) != 0)
			return E_NOMEM;
		w->ev_int = ev_int;
	}
	{
		struct timeval tv = { (time_t)c->audit_summary_s, 0 };

		if ((w->ev_minute = evtimer_new(w->base, on_minute, w)) == NULL ||
		    evtimer_add(w->ev_minute, &tv) != 0)
			return E_NOMEM;
	}
	sec_random(rnd, sizeof(rnd));
	snprintf(w->rid_prefix, sizeof(w->rid_prefix), "%02x%02x%02x%02x-%d-", rnd[0], rnd[1],
	         rnd[2], rnd[3], w->id);
	return 0;
}

int worker_main(int id, int fd, const char *conf_path, struct gen *g, SSL_CTX *ssl)
{
	struct worker w;
	char n[16];
	int r;

	memset(&w, 0, sizeof(w));
	w.id = id;
	w.conf_path = conf_path;
	w.gen = g;
	w.ssl = ssl;
	w.serial = g->serial;
	log_set_worker(id);
	metrics_attach(id);
	if ((r = setup(&w, fd)) != 0) {
		log_event(LOG_ERROR, NULL, "worker_setup_failed", "error", err_name(r), NULL);
	} else {
		snprintf(n, sizeof(n), "%d", (int)getpid());
		log_event(LOG_INFO, NULL, "worker_started", "pid", n, NULL);
		event_base_dispatch(w.base);
		log_event(LOG_INFO, NULL, "worker_stopped", NULL);
	}
	/* Order: pool, outbound calls and Redis first (pending callbacks answer their requests),
	 * then HTTP, then the base. */
	workq_free(w.workq);
	fetch_free(w.fetch);
	w.fetch = NULL; /* a request resumed from here on cannot start a call: it fails at once */
	notify_free(w.notify); /* parked requests re-read (while the store still exists) */
	w.notify = NULL;
	store_free(w.store);
	bcl_free(w.bcl); /* after the fetch and store callbacks that may name it */
	if (w.http != NULL)
		evhttp_free(w.http);
	if (w.ev_term != NULL)
		event_free(w.ev_term);
	if (w.ev_hup != NULL)
		event_free(w.ev_hup);
	if (w.ev_int != NULL)
		event_free(w.ev_int);
	if (w.ev_drain != NULL)
		event_free(w.ev_drain);
	if (w.ev_minute != NULL)
		event_free(w.ev_minute);
	gen_unref(w.gen);
	http_cache_free();
	tok_cache_clear();
	if (w.base != NULL)
		event_base_free(w.base);
	return r == 0 ? 0 : 1;
}
