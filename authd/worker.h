/*
 * worker.h — one worker process: its event base, SO_REUSEPORT listener (created by the master and
 * inherited), evhttp, Redis store and current generation; SIGTERM drains (stop accepting, finish
 * in-flight requests, exit), SIGHUP reloads the generation without dropping connections.
 */
#ifndef AUTHD_WORKER_H
#define AUTHD_WORKER_H

#include <openssl/ssl.h>

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct event;
struct gen;
struct store;
struct fetch;
struct notify;
struct bcl;

struct worker {
	int id;
	const char *conf_path;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl;
	struct store *store;
	struct notify *notify;    /* long-polls woken by Redis pub/sub */
	struct bcl *bcl;          /* back-channel logout delivery */
	struct workq *workq;      /* Argon2id and other slow work, off the loop */
	struct fetch *fetch;      /* outbound HTTP(S) calls: SMS webhook */
	struct gen *gen;
	unsigned long serial;
	struct event *ev_term, *ev_hup, *ev_int, *ev_drain, *ev_minute;
	unsigned inflight;
	int draining;
	char rid_prefix[16];
	unsigned long long rid_next;
};

/* Runs a worker on the inherited listening socket `fd` with the generation loaded by the master
 * (takes over that reference) and the master's TLS context (NULL: plain HTTP). Returns the
 * process exit status. */
int worker_main(int id, int fd, const char *conf_path, struct gen *g, SSL_CTX *ssl);

/* A request finished (called by http.c): drives the drain. */
void worker_req_done(struct worker *w);

#endif
