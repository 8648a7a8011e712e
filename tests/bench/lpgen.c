/*
 * lpgen — the long-poll benchmark's generator: N browsers waiting on their QR logins against
 * one authd worker, and the app's decisions arriving for them. One thread, one libevent loop,
 * one HTTP/1.1 keep-alive connection per browser on loopback (a bufferevent each, requests
 * written and answers parsed by hand; evhttp's client only for /metrics), hiredis async for the
 * Redis side, the project's sec.c (OpenSSL) for random values and SHA-256. Written in C
 * so that 10,000 browsers fit in one process and what it measures is authd, not the generator.
 *
 *   lpgen longpoll URL REDIS_PORT DECIDE_LUA WORKER_PID N M RATE [OPEN_S [HOLD_S]]
 *   lpgen poll     URL REDIS_PORT DECIDE_LUA WORKER_PID N M RATE [OPEN_S [HOLD_S]]
 *
 * Both modes run the same phases:
 *   setup   N QR transactions written straight into Redis (127.0.0.1:REDIS_PORT) with the
 *           fields show_login writes, already scanned by the app (status scanned, id, nonce,
 *           acr_min 1, TTL 600 s), each bound to its own browser cookie (b = base64url of the
 *           SHA-256 of the cookie); DECIDE_LUA (authd/lua/qr_decide.lua) is SCRIPT LOADed.
 *   open    the browsers arrive spread evenly over OPEN_S seconds (default 5; browser i at
 *           i * OPEN_S / N s), each on its own connection with Cookie: eid_tx=<its cookie>:
 *             longpoll: GET /qr/status?qid=Q&since=scanned, which authd parks; the phase ends
 *               when /metrics says authd_longpoll_waiting N (at most OPEN_S + PARK_MAX_S);
 *             poll (the peer, the design before the long-poll): GET /qr/status?qid=Q every
 *               second from its arrival on, on a fixed grid spread evenly over the second
 *               (browser i at i/N + k s; a slot whose previous ask is still unanswered is
 *               skipped), until the browser sees approved; the phase ends when every browser
 *               has had one answer (at most OPEN_S + PARK_MAX_S).
 *           The worker's VmRSS (/proc/WORKER_PID/status) is read before and after.
 *   hold    HOLD_S seconds (default 10) with nothing decided: the /qr/status requests authd
 *           served (its authd_http_requests_total, all statuses) and the worker's CPU time
 *           (utime + stime, /proc/WORKER_PID/stat) over the window: what waiting costs.
 *   paced   M browsers, in a fixed pseudo-random order (so that in poll mode the decisions fall
 *           anywhere in the browsers' polling second), decided open loop at RATE/s: EVALSHA of
 *           qr_decide.lua (approve, level 1, amr ["hwk","pin"], now, eid:ev, qr:<qid>), as the
 *           app's /app/v1/qr/decide does. Latency: from sending the EVALSHA to that browser's
 *           answer {"status":"approved"} arriving (poll: its first poll answer saying so).
 *   burst   the N - M others decided at once (pipelined), latency the same way.
 * Each of the last two ends when all its browsers have their answer, at most DRAIN_S after
 * its last decision.
 *
 * Output (stdout), one line each:
 *   lpgen MODE: n N m M rate R/s open O s hold H s
 *   memory: rss_idle X KiB rss_waiting Y KiB per_waiter Z KiB ready A of N after T s
 *   hold: served S req rate Q/s worker_cpu C s answers_seen A time T s
 *   paced: n M p50 X ms p99 Y ms max Z ms
 *   burst: n K p50 X ms p99 Y ms max Z ms
 *   answers: approved A wrong W errors E missing M reasks R decide_failed D
 *   run: time T s served S req worker_cpu C s       (from the first browser to the end)
 * "wrong": an answer other than scanned before the decision or approved after it (an approved
 * before the decision is wrong too); "errors": a request that failed (connection, timeout);
 * after either the browser asks again, as the pages do, at most MAX_RETRIES times. "missing":
 * decided browsers with no approved answer at the end; "reasks" (longpoll): parked requests
 * answered scanned after qr.wait_s and asked again, as the page does. Latency runs from
 * handing the EVALSHA to hiredis (written on the loop's next turn). On
 * stderr: how late the generator's timers woke it and the CPU time it used (its own noise),
 * and the first wrong answer, if any.
 * Exit status: 0 done (whatever authd answered), 1 setup failed (Redis, the script, the worker
 * PID, the fd limit), 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sec.h"

#define MAX_BROWSERS     100000
#define QID_BYTES        16  /* 22 base64url characters, like show_login's */
#define COOKIE_BYTES     32  /* 43 characters, like the eid_tx cookie */
#define TX_TTL_S         600
#define PARK_MAX_S       30.0 /* after OPEN_S; with HOLD_S, below qr.wait_s 60 */
#define DRAIN_S          30.0
#define RUN_MAX_S        600
#define CHECK_MS         100
#define SETUP_MAX_S      60.0
#define LP_HTTP_TIMEOUT  90  /* s: above qr.wait_s (60), or evhttp gives up on a parked ask */
#define POLL_HTTP_TIMEOUT 10
#define METRICS_TIMEOUT  10
#define METRICS_RETRIES  2
#define MAX_RETRIES      3   /* a browser whose request failed asks again, this many times */
#define LUA_MAX          65536
#define RESP_MAX         16384 /* bytes: a status answer is a few hundred */
#define AMR              "[\"hwk\",\"pin\"]"
#define EV_CHANNEL       "eid:ev"
#define ANS_APPROVED     "{\"status\":\"approved\"}"
#define ANS_SCANNED      "{\"status\":\"scanned\"}"

enum mode { MODE_LONGPOLL, MODE_POLL };

enum phase { PH_SETUP, PH_OPEN, PH_HOLD, PH_PACED, PH_BURST, PH_END };

enum ans { ANS_IS_SCANNED, ANS_IS_APPROVED, ANS_IS_OTHER, ANS_IS_ERROR };

struct lp;

struct browser {
	struct lp *g;
	struct bufferevent *bev; /* NULL until its first ask, and after authd closed it */
	char qid[24], cookie[48], id[16], nonce[24];
	double t_dec; /* when its decision was sent; 0 = not decided */
	unsigned busy : 1, done : 1, seen : 1, burst : 1;
	unsigned char retries;
};

struct lats {
	double *v; /* ms */
	size_t n, cap;
};

/* What a /metrics scrape found; -1 where it found nothing. */
struct mx {
	long waiting, served, subscribed;
};

typedef void (*scrape_fn)(struct lp *g, const struct mx *m);

struct lp {
	enum mode mode;
	enum phase phase;
	struct event_base *base;
	struct event *slot_ev, *dec_ev, *check_ev, *deadline;
	redisAsyncContext *ac;
	struct evhttp_connection *mcon; /* /metrics */
	scrape_fn scrape_then;
	int scraping;
	char host[64], hosthdr[96], sha[41], *lua;
	int port, redis_port, pid;
	long n, m, hold_s;
	double rate, open_s;
	struct browser *br;
	size_t *order; /* decision order: a fixed permutation of 0..n-1 */
	/* setup */
	double t_setup;
	long setup_replies, setup_expected, setup_errors;
	int setup_failed, redis_lost;
	/* open: see slot_due */
	double t_slots, slot_at;
	long slot, first_answers, skipped;
	double t_open, t_ready;
	long rss_idle, rss_wait, ready;
	/* hold */
	double t_hold0, t_hold1, cpu_hold0, cpu_hold1;
	long served_hold0, served_hold1, answers_hold0, answers_hold1;
	/* decisions */
	double t_dec0, dec_at, t_last_dec;
	long decided, answered_paced, answered_burst, decide_failed;
	/* run */
	double t_run0, t_run1, cpu_run0, cpu_run1;
	long served_run0, served_run1;
	long answers, sent, approved, wrong, errors, reasks;
	char wrong_sample[256];
	struct lats paced, burst, lag;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void lats_add(struct lats *l, double ms)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		double *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return; /* the figure then misses a sample; never in practice */
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-quantile of a sorted set: the sample at floor(p * n) (the max for p = 1). */
static double q(const struct lats *l, double p)
{
	size_t i = (size_t)floor(p * (double)l->n);

	if (l->n == 0)
		return NAN;
	return l->v[i < l->n ? i : l->n - 1];
}

static void lats_sort(struct lats *l)
{
	if (l->n > 0)
		qsort(l->v, l->n, sizeof(*l->v), cmp_double);
}

/* --- the worker, from /proc --- */

/* VmRSS of pid in KiB, or -1. */
static long rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* utime + stime of pid in seconds, or -1. The fields after the command name, which may hold
 * spaces and parentheses: read from the last ')'. */
static double cpu_of(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after ") ": state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
	 * cmajflt utime(14) stime(15) */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* --- timers --- */

static void arm(struct event *ev, double at)
{
	double d = at - now_s();
	struct timeval tv = { 0, 0 };

	if (d > 0) {
		tv.tv_sec = (time_t)d;
		tv.tv_usec = (suseconds_t)((d - (double)tv.tv_sec) * 1e6);
	}
	evtimer_add(ev, &tv);
}

static void arm_check(struct lp *g)
{
	struct timeval tv = { 0, CHECK_MS * 1000 };

	evtimer_add(g->check_ev, &tv);
}

static void finish(struct lp *g)
{
	g->phase = PH_END;
	event_base_loopbreak(g->base);
}

/* --- /metrics --- */

/* The start of the line after p's, or NULL. */
static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p != NULL && p[1] != '\0' ? p + 1 : NULL;
}

/* The number after `name ` at the start of a line, or -1. */
static long metric(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p != NULL; p = next_line(p))
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return atol(p + n + 1);
	return -1;
}

/* The /qr/status requests authd answered, all statuses summed. */
static long served_of(const char *text)
{
	static const char pre[] = "authd_http_requests_total{route=\"/qr/status\",";
	long sum = -1;

	for (const char *p = text; p != NULL; p = next_line(p)) {
		const char *sp;

		if (strncmp(p, pre, sizeof(pre) - 1) != 0 || (sp = strchr(p, ' ')) == NULL)
			continue;
		sum = (sum < 0 ? 0 : sum) + atol(sp + 1);
	}
	return sum;
}

static void on_metrics(struct evhttp_request *req, void *arg)
{
	struct lp *g = arg;
	struct mx m = { -1, -1, -1 };
	char *text = NULL;

	if (req != NULL && evhttp_request_get_response_code(req) == 200) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		size_t n = evbuffer_get_length(in);

		if ((text = malloc(n + 1)) != NULL) {
			evbuffer_copyout(in, text, n);
			text[n] = '\0';
			m.waiting = metric(text, "authd_longpoll_waiting");
			m.subscribed = metric(text, "authd_redis_subscribed");
			m.served = served_of(text);
			if (m.served < 0)
				m.served = 0; /* no /qr/status request answered yet */
		}
	}
	free(text);
	g->scraping = 0;
	if (g->scrape_then != NULL)
		g->scrape_then(g, &m);
}

static void scrape(struct lp *g, scrape_fn then)
{
	struct evhttp_request *req = evhttp_request_new(on_metrics, g);

	g->scrape_then = then;
	g->scraping = 1;
	if (req != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Host", g->hosthdr);
	if (req == NULL || evhttp_make_request(g->mcon, req, EVHTTP_REQ_GET, "/metrics") != 0) {
		struct mx m = { -1, -1, -1 };

		g->scraping = 0;
		then(g, &m);
	}
}

/* --- the browsers: HTTP/1.1 by hand on a bufferevent each --- */

static void answer(struct browser *b, enum ans a, const char *why);
static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

static int conn_open(struct browser *b)
{
	struct lp *g = b->g;
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)g->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((b->bev = bufferevent_socket_new(g->base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return -1;
	bufferevent_setcb(b->bev, on_read, NULL, on_event, b);
	if (bufferevent_enable(b->bev, EV_READ | EV_WRITE) != 0 ||
	    bufferevent_socket_connect(b->bev, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		bufferevent_free(b->bev);
		b->bev = NULL;
		return -1;
	}
	return 0;
}

static void conn_close(struct browser *b)
{
	if (b->bev != NULL)
		bufferevent_free(b->bev);
	b->bev = NULL;
}

/* Sends the browser's status request on its connection (a new one if it has none). The
 * answer's deadline runs while the request is out, not while the connection idles. */
static int ask(struct browser *b)
{
	struct lp *g = b->g;
	struct timeval tv = { g->mode == MODE_LONGPOLL ? LP_HTTP_TIMEOUT : POLL_HTTP_TIMEOUT, 0 };

	if (b->bev == NULL && conn_open(b) != 0)
		return -1;
	if (evbuffer_add_printf(bufferevent_get_output(b->bev),
	                        "GET /qr/status?qid=%s%s HTTP/1.1\r\nHost: %s\r\n"
	                        "Cookie: eid_tx=%s\r\n\r\n",
	                        b->qid, g->mode == MODE_LONGPOLL ? "&since=scanned" : "",
	                        g->hosthdr, b->cookie) < 0) {
		conn_close(b);
		return -1;
	}
	bufferevent_set_timeouts(b->bev, &tv, NULL);
	b->busy = 1;
	g->sent++;
	return 0;
}

/* The value of Content-Length in a header block (from the status line to the blank line), or
 * -1. authd always sends one (evhttp). */
static long content_length(const char *h, size_t n)
{
	static const char name[] = "content-length:";
	const char *p = h, *end = h + n;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		if ((size_t)(end - p) > sizeof(name) && strncasecmp(p, name, sizeof(name) - 1) == 0)
			return strtol(p + sizeof(name) - 1, NULL, 10);
	}
	return -1;
}

static enum ans classify(int code, const char *body, size_t n, char *why, size_t whylen)
{
	if (code == 200 && n == strlen(ANS_APPROVED) && memcmp(body, ANS_APPROVED, n) == 0)
		return ANS_IS_APPROVED;
	if (code == 200 && n == strlen(ANS_SCANNED) && memcmp(body, ANS_SCANNED, n) == 0)
		return ANS_IS_SCANNED;
	snprintf(why, whylen, "HTTP %d %.*s", code, (int)(n < 64 ? n : 64), body);
	return ANS_IS_OTHER;
}

/* Every complete response in the input: status line, headers, Content-Length bytes of body. */
static void on_read(struct bufferevent *bev, void *arg)
{
	struct browser *b = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char why[128];

	for (;;) {
		size_t len = evbuffer_get_length(in), hlen;
		const char *p, *blank;
		long cl;
		int code;

		if (len == 0)
			return;
		p = (const char *)evbuffer_pullup(in, -1);
		if ((blank = memmem(p, len, "\r\n\r\n", 4)) == NULL) {
			if (len <= RESP_MAX)
				return; /* the rest is on its way */
			goto bad;
		}
		hlen = (size_t)(blank - p) + 4;
		if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
		    (code = atoi(p + 9)) < 100 || (cl = content_length(p, hlen)) < 0 ||
		    cl > RESP_MAX)
			goto bad;
		if (len < hlen + (size_t)cl)
			return;
		{
			enum ans a = classify(code, p + hlen, (size_t)cl, why, sizeof(why));

			evbuffer_drain(in, hlen + (size_t)cl);
			if (b->busy)
				answer(b, a, why);
		}
		if (b->bev != bev)
			return; /* answer() closed it */
	}
bad:
	conn_close(b);
	if (b->busy)
		answer(b, ANS_IS_ERROR, "not an HTTP/1.1 response with Content-Length");
}

/* The connection ended (closed by authd, failed, or no answer in time): an answer awaited on
 * it is a failure; the next ask opens a new one. */
static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct browser *b = arg;

	(void)bev;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
		return; /* connected */
	conn_close(b);
	if (b->busy)
		answer(b, ANS_IS_ERROR,
		       what & BEV_EVENT_TIMEOUT ? "no answer in time" : "connection closed or failed");
}

static void wrong(struct lp *g, const struct browser *b, const char *why)
{
	g->wrong++;
	if (g->wrong_sample[0] == '\0')
		snprintf(g->wrong_sample, sizeof(g->wrong_sample), "qid %s %s: %s", b->qid,
		         b->t_dec > 0 ? "decided" : "undecided", why);
}

/* A decided browser has its answer (approved, or a failure that ends it). */
static void settled(struct lp *g, struct browser *b)
{
	b->done = 1;
	if (b->t_dec > 0) {
		if (b->burst)
			g->answered_burst++;
		else
			g->answered_paced++;
	}
}

/* The browser's request was answered (or failed: ANS_IS_ERROR). */
static void answer(struct browser *b, enum ans a, const char *why)
{
	struct lp *g = b->g;
	double t = now_s();

	b->busy = 0;
	if (b->bev != NULL)
		bufferevent_set_timeouts(b->bev, NULL, NULL);
	g->answers++;
	if (!b->seen) {
		b->seen = 1;
		g->first_answers++;
	}
	if (b->done)
		return;
	switch (a) {
	case ANS_IS_APPROVED:
		if (b->t_dec > 0) {
			lats_add(b->burst ? &g->burst : &g->paced, (t - b->t_dec) * 1e3);
			g->approved++;
		} else {
			wrong(g, b, "approved before its decision");
		}
		settled(g, b);
		return;
	case ANS_IS_SCANNED:
		/* longpoll: qr.wait_s is over (or the decision crossed it): the page asks again.
		 * poll: the next ask is at the browser's next slot. */
		if (g->mode == MODE_LONGPOLL) {
			g->reasks++;
			if (ask(b) != 0) {
				g->errors++;
				settled(g, b);
			}
		}
		return;
	case ANS_IS_OTHER:
		wrong(g, b, why);
		break;
	case ANS_IS_ERROR:
		g->errors++;
		if (g->wrong_sample[0] == '\0')
			snprintf(g->wrong_sample, sizeof(g->wrong_sample), "qid %s: %s", b->qid, why);
		break;
	}
	/* Both pages ask again after an answer without a status (a 503) or a failed fetch:
	 * longpoll at once (here also after a failed fetch, where the page waits 2 s), poll at its
	 * next second. Here a bounded number of times. */
	if (b->retries++ >= MAX_RETRIES || (g->mode == MODE_LONGPOLL && ask(b) != 0))
		settled(g, b);
}

/* When browser i arrives. */
static double arrival(const struct lp *g, long i)
{
	return g->t_slots + (double)i * g->open_s / (double)g->n;
}

/* When slot s is due. longpoll: slot s is browser s's one ask, at its arrival. poll: slot s is
 * browser s % n's ask of second s / n, at t_slots + s / n; slots before its arrival are not
 * used. */
static double slot_due(const struct lp *g, long s)
{
	return g->mode == MODE_LONGPOLL ? arrival(g, s) : g->t_slots + (double)s / (double)g->n;
}

/* Sends every ask due by now: longpoll, each browser once (slots 0..n-1); poll, every slot
 * whose browser has arrived and is neither finished nor still waiting for its previous
 * answer. */
static void on_slot(evutil_socket_t fd, short what, void *arg)
{
	struct lp *g = arg;
	double now = now_s(), due;
	long last = g->mode == MODE_LONGPOLL ? g->n : LONG_MAX;

	(void)fd;
	(void)what;
	lats_add(&g->lag, (now - g->slot_at) * 1e3);
	while (g->slot < last && (due = slot_due(g, g->slot)) <= now) {
		long i = g->slot % g->n;
		struct browser *b = &g->br[i];

		g->slot++;
		if (b->done || due < arrival(g, i))
			continue;
		if (b->busy) {
			g->skipped++;
		} else if (ask(b) != 0) {
			g->errors++;
			if (b->retries++ >= MAX_RETRIES)
				settled(g, b);
		}
	}
	if (g->slot < last && g->phase != PH_END) {
		g->slot_at = slot_due(g, g->slot);
		arm(g->slot_ev, g->slot_at);
	}
}

/* --- Redis: setup and decisions --- */

static void on_setup_reply(redisAsyncContext *ac, void *r, void *priv)
{
	struct lp *g = ac->data;
	redisReply *x = r;

	(void)priv;
	if (x == NULL || x->type == REDIS_REPLY_ERROR)
		g->setup_errors++;
	g->setup_replies++;
}

static void on_script(redisAsyncContext *ac, void *r, void *priv)
{
	struct lp *g = ac->data;
	redisReply *x = r;

	(void)priv;
	if (x != NULL && x->type == REDIS_REPLY_STRING && x->len == 40)
		memcpy(g->sha, x->str, 41);
	else
		fprintf(stderr, "lpgen: SCRIPT LOAD failed: %s\n",
		        x != NULL && x->type == REDIS_REPLY_ERROR ? x->str : "no reply");
	on_setup_reply(ac, r, priv);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK) {
		struct lp *g = ac->data;

		fprintf(stderr, "lpgen: Redis: %s\n", ac->errstr);
		g->setup_failed = 1;
		g->ac = NULL; /* hiredis frees it */
		event_base_loopbreak(g->base);
	}
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct lp *g = ac->data;

	if (status != REDIS_OK && g->phase != PH_END) {
		fprintf(stderr, "lpgen: lost Redis: %s\n", ac->errstr);
		g->redis_lost = 1;
		event_base_loopbreak(g->base);
	}
	g->ac = NULL;
}

static int setup(struct lp *g)
{
	long long now = (long long)time(NULL);

	g->setup_expected = 1 + 2 * g->n;
	if (redisAsyncCommand(g->ac, on_script, NULL, "SCRIPT LOAD %s", g->lua) != REDIS_OK)
		return -1;
	for (long i = 0; i < g->n; i++) {
		struct browser *b = &g->br[i];
		char key[64], bh[48], secret[48], tid[48];
		uint8_t h[SEC_SHA256_LEN];

		if (sec_random_token(b->qid, QID_BYTES) != 0 ||
		    sec_random_token(b->cookie, COOKIE_BYTES) != 0 ||
		    sec_random_token(b->nonce, 16) != 0 || sec_random_token(secret, 32) != 0 ||
		    sec_random_token(tid, 32) != 0 || sec_random_digits(b->id, 12) != 0)
			return -1;
		sec_sha256(b->cookie, strlen(b->cookie), h);
		sec_b64url_encode(h, sizeof(h), bh);
		snprintf(key, sizeof(key), "eid:qr:%s", b->qid);
		/* show_login's fields, then what the app's scan added (qr_scan.lua) */
		if (redisAsyncCommand(g->ac, on_setup_reply, NULL,
		                      "HSET %s status scanned secret %s b %s tid %s client demo-bank "
		                      "scope 1 acr_min 1 created %lld exp %lld ip 127.0.0.1 locale vi "
		                      "id %s nonce %s",
		                      key, secret, bh, tid, now, now + TX_TTL_S, b->id,
		                      b->nonce) != REDIS_OK ||
		    redisAsyncCommand(g->ac, on_setup_reply, NULL, "EXPIRE %s %d", key,
		                      TX_TTL_S) != REDIS_OK)
			return -1;
	}
	return 0;
}

static void on_decided(redisAsyncContext *ac, void *r, void *priv)
{
	struct lp *g = ac->data;
	redisReply *x = r;

	(void)priv;
	if (x == NULL || x->type != REDIS_REPLY_STRING || strcmp(x->str, "ok") != 0) {
		if (g->decide_failed++ == 0)
			fprintf(stderr, "lpgen: qr_decide.lua answered %s\n",
			        x == NULL ? "nothing" : x->str != NULL ? x->str : "?");
	}
}

/* The app approves browser b: qr_decide.lua's KEYS and ARGV, per its header. */
static void decide(struct lp *g, struct browser *b, int burst)
{
	char key[64], topic[48];

	snprintf(key, sizeof(key), "eid:qr:%s", b->qid);
	snprintf(topic, sizeof(topic), "qr:%s", b->qid);
	b->burst = burst != 0;
	b->t_dec = now_s();
	g->decided++;
	if (b->done) { /* gave up before (too many failures): no answer to wait for */
		if (b->burst)
			g->answered_burst++;
		else
			g->answered_paced++;
	}
	if (g->ac == NULL ||
	    redisAsyncCommand(g->ac, on_decided, b, "EVALSHA %s 1 %s %s %s approve 1 %s %lld %s %s",
	                      g->sha, key, b->id, b->nonce, AMR, (long long)time(NULL),
	                      EV_CHANNEL, topic) != REDIS_OK)
		g->decide_failed++;
}

/* --- the phases, in order --- */

static void begin_open(struct lp *g);
static void begin_hold(struct lp *g);
static void begin_paced(struct lp *g);

/* The worker must be subscribed first, or parked requests would poll Redis every second. */
static void subscribed_seen(struct lp *g, const struct mx *m)
{
	g->served_run0 = m->served;
	if (m->subscribed >= 1 || now_s() - g->t_run0 > 10) {
		if (m->subscribed < 1)
			fprintf(stderr, "lpgen: authd_redis_subscribed is %ld; going on\n",
			        m->subscribed);
		begin_open(g);
		return;
	}
	arm_check(g);
}

static void setup_done(struct lp *g)
{
	if (g->setup_errors > 0 || g->sha[0] == '\0') {
		fprintf(stderr, "lpgen: setup: %ld of %ld Redis commands failed\n", g->setup_errors,
		        g->setup_expected);
		g->setup_failed = 1;
		event_base_loopbreak(g->base);
		return;
	}
	g->t_run0 = now_s();
	scrape(g, subscribed_seen);
}

static void begin_open(struct lp *g)
{
	g->phase = PH_OPEN;
	g->rss_idle = rss_kib(g->pid);
	g->cpu_run0 = cpu_of(g->pid);
	g->t_open = g->t_slots = now_s();
	g->slot_at = g->t_slots;
	arm(g->slot_ev, g->t_slots);
	arm_check(g);
}

static void ready(struct lp *g, long n)
{
	g->ready = n;
	g->t_ready = now_s();
	g->rss_wait = rss_kib(g->pid);
	begin_hold(g);
}

static void parked_seen(struct lp *g, const struct mx *m)
{
	if (m->waiting >= g->n || now_s() - g->t_open > g->open_s + PARK_MAX_S) {
		ready(g, m->waiting);
		return;
	}
	arm_check(g);
}

static void hold_started(struct lp *g, const struct mx *m)
{
	struct timeval tv = { (time_t)g->hold_s, 0 };

	g->served_hold0 = m->served;
	g->answers_hold0 = g->answers;
	g->cpu_hold0 = cpu_of(g->pid);
	g->t_hold0 = now_s();
	evtimer_add(g->check_ev, &tv);
}

static void begin_hold(struct lp *g)
{
	g->phase = PH_HOLD;
	scrape(g, hold_started);
}

static void hold_ended(struct lp *g, const struct mx *m)
{
	g->cpu_hold1 = cpu_of(g->pid);
	g->t_hold1 = now_s();
	g->served_hold1 = m->served;
	g->answers_hold1 = g->answers;
	begin_paced(g);
}

/* Decides every paced browser due by now: decision i at t_dec0 + i / rate. */
static void on_dec(evutil_socket_t fd, short what, void *arg)
{
	struct lp *g = arg;
	double now = now_s();

	(void)fd;
	(void)what;
	lats_add(&g->lag, (now - g->dec_at) * 1e3);
	while (g->decided < g->m && g->t_dec0 + (double)g->decided / g->rate <= now)
		decide(g, &g->br[g->order[g->decided]], 0);
	g->t_last_dec = now;
	if (g->decided < g->m) {
		g->dec_at = g->t_dec0 + (double)g->decided / g->rate;
		arm(g->dec_ev, g->dec_at);
	}
}

static void begin_paced(struct lp *g)
{
	g->phase = PH_PACED;
	g->t_dec0 = g->dec_at = now_s();
	arm(g->dec_ev, g->t_dec0);
	arm_check(g);
}

static void begin_burst(struct lp *g)
{
	g->phase = PH_BURST;
	for (long i = g->m; i < g->n; i++)
		decide(g, &g->br[g->order[i]], 1);
	g->t_last_dec = now_s();
	arm_check(g);
}

static void run_ended(struct lp *g, const struct mx *m)
{
	g->served_run1 = m->served;
	finish(g);
}

static void end_run(struct lp *g)
{
	g->t_run1 = now_s();
	g->cpu_run1 = cpu_of(g->pid);
	scrape(g, run_ended);
}

/* Every CHECK_MS (and once when the setup's last reply came): moves to the next phase when
 * the current one is over. */
static void on_check(evutil_socket_t fd, short what, void *arg)
{
	struct lp *g = arg;
	double now = now_s();

	(void)fd;
	(void)what;
	if (g->scraping)
		return; /* its answer moves on */
	switch (g->phase) {
	case PH_SETUP:
		if (g->setup_replies == g->setup_expected && g->t_run0 == 0) {
			setup_done(g);
		} else if (g->setup_replies == g->setup_expected) {
			scrape(g, subscribed_seen);
		} else if (now - g->t_setup > SETUP_MAX_S) {
			fprintf(stderr, "lpgen: setup: %ld of %ld Redis replies after %.0f s\n",
			        g->setup_replies, g->setup_expected, SETUP_MAX_S);
			g->setup_failed = 1;
			event_base_loopbreak(g->base);
		} else {
			arm_check(g);
		}
		return;
	case PH_OPEN:
		if (g->mode == MODE_LONGPOLL) {
			if (g->slot >= g->n)
				scrape(g, parked_seen);
			else
				arm_check(g);
		} else if (g->first_answers >= g->n || now - g->t_open > g->open_s + PARK_MAX_S) {
			ready(g, g->first_answers);
		} else {
			arm_check(g);
		}
		return;
	case PH_HOLD:
		scrape(g, hold_ended);
		return;
	case PH_PACED:
		if (g->decided == g->m &&
		    (g->answered_paced >= g->m || now - g->t_last_dec > DRAIN_S))
			begin_burst(g);
		else
			arm_check(g);
		return;
	case PH_BURST:
		if (g->answered_burst >= g->n - g->m || now - g->t_last_dec > DRAIN_S)
			end_run(g);
		else
			arm_check(g);
		return;
	case PH_END:
		return;
	}
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct lp *g = arg;

	(void)fd;
	(void)what;
	fprintf(stderr, "lpgen: run cut short after %d s (phase %d)\n", RUN_MAX_S, g->phase);
	finish(g);
}

/* --- main --- */

static int parse_url(struct lp *g, const char *url)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *h = u ? evhttp_uri_get_host(u) : NULL, *s = u ? evhttp_uri_get_scheme(u) : NULL;
	int r = -1;

	/* loopback only: the benchmark never leaves the machine */
	if (h != NULL && s != NULL && strcmp(s, "http") == 0 && strcmp(h, "127.0.0.1") == 0 &&
	    evhttp_uri_get_port(u) > 0) {
		g->port = evhttp_uri_get_port(u);
		snprintf(g->host, sizeof(g->host), "%s", h);
		snprintf(g->hosthdr, sizeof(g->hosthdr), "%s:%d", h, g->port);
		r = 0;
	}
	if (u != NULL)
		evhttp_uri_free(u);
	if (r != 0)
		fprintf(stderr, "lpgen: %s: not an http://127.0.0.1:PORT URL\n", url);
	return r;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = f != NULL ? malloc(LUA_MAX) : NULL;
	size_t n = 0;

	if (s != NULL) {
		n = fread(s, 1, LUA_MAX - 1, f);
		s[n] = '\0';
		if (n == 0 || n == LUA_MAX - 1) {
			free(s);
			s = NULL;
		}
	}
	if (f != NULL)
		fclose(f);
	if (s == NULL)
		fprintf(stderr, "lpgen: %s: cannot read (or empty, or over %d bytes)\n", path,
		        LUA_MAX);
	return s;
}

/* Enough descriptors for every browser: the soft limit raised to the hard one if needed. */
static int fd_room(long n)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)n + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur < need && rl.rlim_max >= need) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return -1;
	}
	if (rl.rlim_cur < need) {
		fprintf(stderr, "lpgen: %ld browsers need %lu descriptors; the limit is %lu "
		                "(hard %lu)\n",
		        n, (unsigned long)need, (unsigned long)rl.rlim_cur,
		        (unsigned long)rl.rlim_max);
		return -1;
	}
	return 0;
}

/* A fixed permutation (xorshift64*, Fisher-Yates): the same decision order every run. */
static void shuffle(size_t *v, size_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < n; i++)
		v[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j, t;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		j = (size_t)((x * 0x2545f4914f6cdd1dull) % i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static void report(struct lp *g)
{
	long missing = g->decided - g->approved; /* each decided browser is approved once at most */
	double per = g->ready > 0 && g->rss_idle >= 0 && g->rss_wait >= 0
	                     ? (double)(g->rss_wait - g->rss_idle) / (double)g->ready
	                     : NAN;
	double hold = g->t_hold1 - g->t_hold0;
	long served = g->served_hold1 >= 0 && g->served_hold0 >= 0
	                      ? g->served_hold1 - g->served_hold0
	                      : -1;
	struct rusage ru;

	lats_sort(&g->paced);
	lats_sort(&g->burst);
	lats_sort(&g->lag);
	printf("lpgen %s: n %ld m %ld rate %.0f/s open %.1f s hold %ld s\n",
	       g->mode == MODE_LONGPOLL ? "longpoll" : "poll", g->n, g->m, g->rate, g->open_s,
	       g->hold_s);
	printf("memory: rss_idle %ld KiB rss_waiting %ld KiB per_waiter %.2f KiB ready %ld of %ld "
	       "after %.2f s\n",
	       g->rss_idle, g->rss_wait, per, g->ready, g->n, g->t_ready - g->t_open);
	printf("hold: served %ld req rate %.1f/s worker_cpu %.2f s answers_seen %ld time %.2f s\n",
	       served, hold > 0 ? (double)served / hold : NAN, g->cpu_hold1 - g->cpu_hold0,
	       g->answers_hold1 - g->answers_hold0, hold);
	printf("paced: n %zu p50 %.2f ms p99 %.2f ms max %.2f ms\n", g->paced.n, q(&g->paced, 0.5),
	       q(&g->paced, 0.99), q(&g->paced, 1));
	printf("burst: n %zu p50 %.2f ms p99 %.2f ms max %.2f ms\n", g->burst.n, q(&g->burst, 0.5),
	       q(&g->burst, 0.99), q(&g->burst, 1));
	printf("answers: approved %ld wrong %ld errors %ld missing %ld reasks %ld decide_failed "
	       "%ld\n",
	       g->approved, g->wrong, g->errors, missing, g->reasks, g->decide_failed);
	printf("run: time %.1f s served %ld req worker_cpu %.2f s\n", g->t_run1 - g->t_open,
	       g->served_run1 >= 0 && g->served_run0 >= 0 ? g->served_run1 - g->served_run0 : -1,
	       g->cpu_run1 - g->cpu_run0);
	fflush(stdout);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "lpgen: timers late by p99 %.3f ms max %.3f ms; asks sent %ld answered %ld, "
	                "poll slots skipped %ld; cpu %.2f s\n",
	        q(&g->lag, 0.99), q(&g->lag, 1), g->sent, g->answers, g->skipped,
	        (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	                (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	if (g->wrong_sample[0] != '\0')
		fprintf(stderr, "lpgen: first wrong or failed answer: %s\n", g->wrong_sample);
}

static void usage(void)
{
	fprintf(stderr, "usage: lpgen longpoll|poll URL REDIS_PORT DECIDE_LUA WORKER_PID N M RATE "
	                "[OPEN_S [HOLD_S]]\n");
}

int main(int argc, char **argv)
{
	static struct lp g;
	struct event_config *cfg = NULL;
	struct timeval runmax = { RUN_MAX_S, 0 };
	int ret = 1;

	if (argc < 9 || argc > 11 ||
	    (strcmp(argv[1], "longpoll") != 0 && strcmp(argv[1], "poll") != 0)) {
		usage();
		return 2;
	}
	g.mode = strcmp(argv[1], "longpoll") == 0 ? MODE_LONGPOLL : MODE_POLL;
	g.redis_port = atoi(argv[3]);
	g.pid = atoi(argv[5]);
	g.n = atol(argv[6]);
	g.m = atol(argv[7]);
	g.rate = atof(argv[8]);
	g.open_s = argc >= 10 ? atof(argv[9]) : 5;
	g.hold_s = argc >= 11 ? atol(argv[10]) : 10;
	if (g.redis_port < 1 || g.redis_port > 65535 || g.pid < 1 || g.n < 1 ||
	    g.n > MAX_BROWSERS || g.m < 0 || g.m > g.n || g.rate <= 0 || g.rate > 1e5 ||
	    !(g.open_s >= 0.1 && g.open_s <= 60) || g.hold_s < 1 || g.hold_s > 20) {
		usage();
		return 2;
	}
	g.served_run0 = -1;
	if (parse_url(&g, argv[2]) != 0 || (g.lua = read_file(argv[4])) == NULL ||
	    fd_room(g.n) != 0)
		goto out;
	if (rss_kib(g.pid) < 0 || cpu_of(g.pid) < 0) {
		fprintf(stderr, "lpgen: %d: no such process (the worker's PID)\n", g.pid);
		goto out;
	}
	if ((g.br = calloc((size_t)g.n, sizeof(*g.br))) == NULL ||
	    (g.order = calloc((size_t)g.n, sizeof(*g.order))) == NULL)
		goto out;
	shuffle(g.order, (size_t)g.n);
	/* timerfd-backed timers: the paced decisions and the poll grid meet their due times */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) != 0 ||
	    (g.base = event_base_new_with_config(cfg)) == NULL ||
	    (g.slot_ev = evtimer_new(g.base, on_slot, &g)) == NULL ||
	    (g.dec_ev = evtimer_new(g.base, on_dec, &g)) == NULL ||
	    (g.check_ev = evtimer_new(g.base, on_check, &g)) == NULL ||
	    (g.deadline = evtimer_new(g.base, on_deadline, &g)) == NULL ||
	    (g.mcon = evhttp_connection_base_new(g.base, NULL, g.host, (unsigned short)g.port)) ==
	            NULL) {
		fprintf(stderr, "lpgen: libevent setup failed\n");
		goto out;
	}
	evhttp_connection_set_timeout(g.mcon, METRICS_TIMEOUT);
	/* authd closes a keep-alive connection idle for limits.timeout_s (10 s, as long as the
	 * default hold): a scrape then finds it closed and must be sent again on a new one */
	evhttp_connection_set_retries(g.mcon, METRICS_RETRIES);
	for (long i = 0; i < g.n; i++)
		g.br[i].g = &g;
	if ((g.ac = redisAsyncConnect("127.0.0.1", g.redis_port)) == NULL || g.ac->err) {
		fprintf(stderr, "lpgen: Redis: %s\n", g.ac ? g.ac->errstr : "out of memory");
		if (g.ac != NULL)
			redisAsyncFree(g.ac);
		g.ac = NULL;
		goto out;
	}
	g.ac->data = &g;
	if (redisLibeventAttach(g.ac, g.base) != REDIS_OK) {
		fprintf(stderr, "lpgen: Redis: cannot attach to libevent\n");
		goto out;
	}
	redisAsyncSetConnectCallback(g.ac, on_connect);
	redisAsyncSetDisconnectCallback(g.ac, on_disconnect);
	if (setup(&g) != 0) {
		fprintf(stderr, "lpgen: setup: cannot queue the Redis commands\n");
		goto out;
	}
	g.t_setup = now_s();
	arm_check(&g);
	evtimer_add(g.deadline, &runmax);
	event_base_dispatch(g.base);
	if (g.setup_failed || g.phase == PH_SETUP || g.redis_lost) {
		if (g.phase == PH_SETUP && !g.setup_failed)
			fprintf(stderr, "lpgen: setup did not finish\n");
		goto out;
	}
	if (g.t_run1 == 0) { /* cut short: the figures so far */
		g.t_run1 = now_s();
		g.cpu_run1 = cpu_of(g.pid);
	}
	report(&g);
	ret = 0;
out:
	g.phase = PH_END;
	if (g.ac != NULL)
		redisAsyncFree(g.ac); /* pending callbacks get NULL: counted, never printed */
	for (long i = 0; g.br != NULL && i < g.n; i++)
		conn_close(&g.br[i]);
	if (g.mcon != NULL)
		evhttp_connection_free(g.mcon);
	if (g.slot_ev != NULL)
		event_free(g.slot_ev);
	if (g.dec_ev != NULL)
		event_free(g.dec_ev);
	if (g.check_ev != NULL)
		event_free(g.check_ev);
	if (g.deadline != NULL)
		event_free(g.deadline);
	if (g.base != NULL)
		event_base_free(g.base);
	if (cfg != NULL)
		event_config_free(cfg);
	free(g.br);
	free(g.order);
	free(g.lua);
	free(g.paced.v);
	free(g.burst.v);
	free(g.lag.v);
	return ret;
}
