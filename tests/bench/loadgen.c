/*
 * loadgen — the benchmarks' load generator: one thread, one libevent loop, HTTP/1.1 keep-alive
 * connections on loopback, OpenSSL for the device signature. Written in C so that what it
 * measures is authd and not the generator (a Node probe added milliseconds of its own).
 *
 *   loadgen probe URL RATE SECONDS [CONNS]
 *       GETs URL open loop: request i is due at start + i/RATE whatever the server does, and is
 *       sent on the first idle one of CONNS (default 8) keep-alive connections, or waits for
 *       one. Latency runs from the due time, not the send time, so a server that stalls is
 *       charged for every request it delayed (no coordinated omission).
 *       → sent N ok M rate R/s p50 X ms p99 Y ms p999 Z ms max W ms
 *   loadgen logins URL STATE_DIR SECONDS RATE|max [CONC]
 *       app passcode logins as eid-app does them: POST /app/v1/login/challenge, an ES256 JWS by
 *       STATE_DIR/device.pem (kid = device_id of STATE_DIR/state.json) over {challenge,
 *       id_number, aud = URL/app/v1/login}, POST /app/v1/login with the passcode ($PASSCODE,
 *       default 468213). RATE: logins start open loop at that rate, each on an idle connection
 *       (a new one when none is idle), latency from the due time; max: CONC (default 8) logins
 *       back to back, latency from each start.
 *       → logins ok N failed M rate R/s p50 X ms p99 Y ms
 *
 * Sending stops after SECONDS; answers still outstanding are awaited at most DRAIN_S more and
 * then count as failed (their latency as the time waited). "rate" is answers that succeeded
 * per second of the run. On stderr: how late its timer woke it for a due request (the
 * generator's own noise: its CPU was taken; none in closed loop) and the CPU time it used.
 * Exit status: 0 done (whatever the server answered), 1 setup failed, 2 usage.
 */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <math.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sec.h"

#define DRAIN_S         5.0
#define HTTP_TIMEOUT_S  10
#define MAX_CONNS       256
#define DEFAULT_PASS    "468213"

struct lg;

struct conn {
	struct lg *g;
	struct evhttp_connection *evcon;
	int busy;
	double due; /* when the request (probe) or the login (logins) in flight was due */
};

struct lats {
	double *v; /* ms */
	size_t n, cap;
};

struct lg {
	struct event_base *base;
	struct event *tick;
	const char *url;
	char host[256], hosthdr[300], path[1024];
	int port;
	double t0, end, gap; /* monotonic seconds; gap 0 = closed loop (logins max) */
	double tick_at;      /* when the armed timer is due */
	long due_total, sent, answered, ok, failed;
	struct conn conns[MAX_CONNS];
	int nconns, maxconns;
	struct lats lat, lag; /* lag: how late the timer woke us (the generator's own noise) */
	/* logins */
	EVP_PKEY *key;
	const char *id, *device_id, *passcode;
	char aud[1100];
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

static int parse_url(struct lg *g, const char *url)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *h = u ? evhttp_uri_get_host(u) : NULL, *p = u ? evhttp_uri_get_path(u) : NULL;
	const char *s = u ? evhttp_uri_get_scheme(u) : NULL;
	int r = -1;

	if (h != NULL && s != NULL && strcmp(s, "http") == 0) {
		g->port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
		snprintf(g->host, sizeof(g->host), "%s", h);
		snprintf(g->hosthdr, sizeof(g->hosthdr), "%s:%d", h, g->port);
		snprintf(g->path, sizeof(g->path), "%s", p != NULL && *p ? p : "/");
		g->url = url;
		r = 0;
	}
	if (u != NULL)
		evhttp_uri_free(u);
	if (r != 0)
		fprintf(stderr, "loadgen: %s: not an http://host[:port][/path] URL\n", url);
	return r;
}

/* An idle connection, a new one while under maxconns, or NULL. */
static struct conn *conn_get(struct lg *g)
{
	struct conn *c;

	for (int i = 0; i < g->nconns; i++)
		if (!g->conns[i].busy)
			return &g->conns[i];
	if (g->nconns == g->maxconns)
		return NULL;
	c = &g->conns[g->nconns];
	c->evcon = evhttp_connection_base_new(g->base, NULL, g->host, (unsigned short)g->port);
	if (c->evcon == NULL)
		return NULL;
	evhttp_connection_set_timeout(c->evcon, HTTP_TIMEOUT_S);
	evhttp_connection_set_retries(c->evcon, 0);
	c->g = g;
	g->nconns++;
	return c;
}

static int send_req(struct conn *c, enum evhttp_cmd_type type, const char *path, const char *body,
                    void (*cb)(struct evhttp_request *, void *))
{
	struct evhttp_request *req = evhttp_request_new(cb, c);
	struct evkeyvalq *h;

	if (req == NULL)
		return -1;
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", c->g->hosthdr);
	if (body != NULL) {
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	}
	return evhttp_make_request(c->evcon, req, type, path);
}

/* How many requests (or logins) are due by now: those with t0 + i * gap <= now. */
static long due_by(const struct lg *g, double now)
{
	long n;

	if (now >= g->end)
		return g->due_total;
	n = (long)floor((now - g->t0) / g->gap) + 1;
	return n < g->due_total ? n : g->due_total;
}

static void arm(struct lg *g, double at)
{
	double d = at - now_s();
	struct timeval tv = { 0, 0 };

	g->tick_at = at;
	if (d > 0) {
		tv.tv_sec = (time_t)d;
		tv.tv_usec = (suseconds_t)((d - (double)tv.tv_sec) * 1e6);
	}
	evtimer_add(g->tick, &tv);
}

static void finish_if_done(struct lg *g)
{
	if (g->sent == g->due_total && g->answered == g->sent)
		event_base_loopbreak(g->base);
}

/* --- probe --- */

static void probe_pump(struct lg *g);

static void probe_answered(struct evhttp_request *req, void *arg)
{
	struct conn *c = arg;
	struct lg *g = c->g;

	lats_add(&g->lat, (now_s() - c->due) * 1e3);
	if (req != NULL && evhttp_request_get_response_code(req) == 200)
		g->ok++;
	g->answered++;
	c->busy = 0;
	probe_pump(g);
	finish_if_done(g);
}

/* Sends every request due by now while a connection is idle; then waits for the next due time
 * (or for an answer to free a connection). */
static void probe_pump(struct lg *g)
{
	double now = now_s();
	long due = due_by(g, now);
	struct conn *c;

	while (g->sent < due && (c = conn_get(g)) != NULL) {
		c->busy = 1;
		c->due = g->t0 + (double)g->sent * g->gap;
		g->sent++;
		if (send_req(c, EVHTTP_REQ_GET, g->path, NULL, probe_answered) != 0) {
			g->answered++; /* never reached the server: a failure, charged as waited */
			lats_add(&g->lat, (now_s() - c->due) * 1e3);
			c->busy = 0;
		}
	}
	if (due < g->due_total && !evtimer_pending(g->tick, NULL))
		arm(g, g->t0 + (double)due * g->gap);
}

static void on_tick(evutil_socket_t fd, short what, void *arg);

/* --- logins --- */

static void login_start(struct lg *g, struct conn *c, double due);
static void logins_pump(struct lg *g);

static void login_end(struct conn *c, int ok)
{
	struct lg *g = c->g;

	lats_add(&g->lat, (now_s() - c->due) * 1e3);
	if (ok)
		g->ok++;
	else
		g->failed++;
	g->answered++;
	c->busy = 0;
	if (g->gap == 0) { /* closed loop: the next login on this connection, until the end */
		if (now_s() < g->end) {
			g->due_total++;
			g->sent++;
			login_start(g, c, now_s());
		}
	} else {
		logins_pump(g);
	}
	finish_if_done(g);
}

static void b64_json(json_t *j, char **out)
{
	char *s = json_dumps(j, JSON_COMPACT);

	*out = NULL;
	if (s != NULL && (*out = malloc(sec_b64url_len(strlen(s)) + 1)) != NULL)
		sec_b64url_encode(s, strlen(s), *out);
	free(s);
	json_decref(j);
}

/* ES256 compact JWS over {challenge, id_number, aud} with kid = the device id; the signature as
 * r||s (RFC 7518 §3.4). Returns a malloc'd string or NULL. */
static char *sign_login(const struct lg *g, const char *challenge)
{
	char *h = NULL, *p = NULL, *input = NULL, *out = NULL;
	unsigned char der[128], rs[64];
	size_t derlen = sizeof(der);
	const unsigned char *dp = der;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *sig = NULL;

	b64_json(json_pack("{s:s, s:s}", "alg", "ES256", "kid", g->device_id), &h);
	b64_json(json_pack("{s:s, s:s, s:s}", "challenge", challenge, "id_number", g->id, "aud",
	                   g->aud),
	         &p);
	if (md == NULL || h == NULL || p == NULL ||
	    (input = malloc(strlen(h) + strlen(p) + 2)) == NULL)
		goto out;
	sprintf(input, "%s.%s", h, p);
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, g->key) != 1 ||
	    EVP_DigestSign(md, der, &derlen, (unsigned char *)input, strlen(input)) != 1 ||
	    (sig = d2i_ECDSA_SIG(NULL, &dp, (long)derlen)) == NULL ||
	    BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) != 32 ||
	    (out = malloc(strlen(input) + 1 + sec_b64url_len(64) + 1)) == NULL)
		goto out;
	sprintf(out, "%s.", input);
	sec_b64url_encode(rs, 64, out + strlen(out));
out:
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	free(input);
	free(h);
	free(p);
	return out;
}

static json_t *answer_json(struct evhttp_request *req)
{
	struct evbuffer *in;
	size_t n;

	if (req == NULL || evhttp_request_get_response_code(req) != 200)
		return NULL;
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(in);
	return json_loadb((const char *)evbuffer_pullup(in, (ev_ssize_t)n), n, 0, NULL);
}

static void login_answered(struct evhttp_request *req, void *arg)
{
	login_end(arg, req != NULL && evhttp_request_get_response_code(req) == 200);
}

static void challenge_answered(struct evhttp_request *req, void *arg)
{
	struct conn *c = arg;
	struct lg *g = c->g;
	json_t *j = answer_json(req), *body;
	const char *ch = json_string_value(json_object_get(j, "challenge"));
	char *sig = ch != NULL ? sign_login(g, ch) : NULL, *s = NULL;

	if (sig != NULL &&
	    (body = json_pack("{s:s, s:s, s:s, s:s}", "id_number", g->id, "challenge", ch,
	                      "signature", sig, "passcode", g->passcode)) != NULL) {
		s = json_dumps(body, JSON_COMPACT);
		json_decref(body);
	}
	json_decref(j);
	free(sig);
	if (s == NULL || send_req(c, EVHTTP_REQ_POST, "/app/v1/login", s, login_answered) != 0)
		login_end(c, 0);
	free(s);
}

static void login_start(struct lg *g, struct conn *c, double due)
{
	char *body = NULL;
	json_t *j = json_pack("{s:s}", "id_number", g->id);

	c->busy = 1;
	c->due = due;
	if (j != NULL)
		body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (body == NULL ||
	    send_req(c, EVHTTP_REQ_POST, "/app/v1/login/challenge", body, challenge_answered) != 0)
		login_end(c, 0);
	free(body);
}

static void logins_pump(struct lg *g)
{
	double now = now_s();
	long due = due_by(g, now);
	struct conn *c;

	while (g->sent < due && (c = conn_get(g)) != NULL) {
		double d = g->t0 + (double)g->sent * g->gap;

		g->sent++;
		login_start(g, c, d);
	}
	if (due < g->due_total && !evtimer_pending(g->tick, NULL))
		arm(g, g->t0 + (double)due * g->gap);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct lg *g = arg;

	(void)fd;
	(void)what;
	lats_add(&g->lag, (now_s() - g->tick_at) * 1e3);
	if (g->key != NULL)
		logins_pump(g);
	else
		probe_pump(g);
	finish_if_done(g);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((struct lg *)arg)->base);
}

static int load_device(struct lg *g, const char *dir, json_t **st)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	if ((*st = json_load_file(path, 0, NULL)) == NULL ||
	    (g->id = json_string_value(json_object_get(*st, "id_number"))) == NULL ||
	    (g->device_id = json_string_value(json_object_get(*st, "device_id"))) == NULL) {
		fprintf(stderr, "loadgen: %s: no id_number and device_id\n", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/device.pem", dir);
	if ((f = fopen(path, "r")) == NULL ||
	    (g->key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_base_id(g->key) != EVP_PKEY_EC) {
		fprintf(stderr, "loadgen: %s: not a P-256 private key\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen probe URL RATE SECONDS [CONNS]\n"
	                "       loadgen logins URL STATE_DIR SECONDS RATE|max [CONC]\n");
}

int main(int argc, char **argv)
{
	static struct lg g;
	struct event_config *cfg = event_config_new();
	struct event *deadline = NULL;
	json_t *st = NULL;
	double secs, rate = 0;
	int probe = argc >= 2 && strcmp(argv[1], "probe") == 0, conc = 8, ret = 1;
	const char *ratearg;

	if (!(probe && (argc == 5 || argc == 6)) &&
	    !(argc >= 2 && strcmp(argv[1], "logins") == 0 && (argc == 6 || argc == 7))) {
		usage();
		return 2;
	}
	secs = atof(argv[4]);
	ratearg = argv[probe ? 3 : 5];
	if (argc == (probe ? 6 : 7))
		conc = atoi(argv[argc - 1]);
	if (strcmp(ratearg, "max") != 0 || probe)
		rate = atof(ratearg);
	if (secs <= 0 || secs > 3600 || conc < 1 || conc > MAX_CONNS ||
	    (rate <= 0 && (probe || strcmp(ratearg, "max") != 0)) || rate > 1e6) {
		usage();
		return 2;
	}
	if (parse_url(&g, argv[2]) != 0 || (!probe && load_device(&g, argv[3], &st) != 0))
		goto out;
	g.passcode = getenv("PASSCODE") ? getenv("PASSCODE") : DEFAULT_PASS;
	snprintf(g.aud, sizeof(g.aud), "%s/app/v1/login", g.url);
	/* timerfd-backed timers: due times are met to the microsecond, not the millisecond */
	if (cfg == NULL || event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) != 0 ||
	    (g.base = event_base_new_with_config(cfg)) == NULL ||
	    (g.tick = evtimer_new(g.base, on_tick, &g)) == NULL ||
	    (deadline = evtimer_new(g.base, on_deadline, &g)) == NULL) {
		fprintf(stderr, "loadgen: libevent setup failed\n");
		goto out;
	}
	g.maxconns = probe ? conc : MAX_CONNS;
	g.t0 = now_s();
	g.end = g.t0 + secs;
	if (rate > 0) {
		g.gap = 1.0 / rate;
		g.due_total = (long)ceil(secs * rate);
		if (probe)
			probe_pump(&g);
		else
			logins_pump(&g);
	} else {
		for (int i = 0; i < conc; i++) {
			struct conn *c = conn_get(&g);

			if (c == NULL)
				break;
			g.due_total++;
			g.sent++;
			login_start(&g, c, g.t0);
		}
	}
	{
		struct timeval tv = { (time_t)(secs + DRAIN_S), 0 };

		evtimer_add(deadline, &tv);
	}
	event_base_dispatch(g.base);
	/* what never came back, or was due but never sent (every connection stuck), is charged
	 * as failed with the time it waited */
	for (int i = 0; i < g.nconns; i++)
		if (g.conns[i].busy) {
			lats_add(&g.lat, (now_s() - g.conns[i].due) * 1e3);
			g.failed++;
		}
	for (long i = g.sent; g.gap > 0 && i < due_by(&g, now_s()); i++) {
		lats_add(&g.lat, (now_s() - (g.t0 + (double)i * g.gap)) * 1e3);
		g.failed++;
	}
	lats_sort(&g.lat);
	lats_sort(&g.lag);
	if (probe)
		printf("sent %ld ok %ld rate %.0f/s p50 %.3f ms p99 %.3f ms p999 %.3f ms max %.3f "
		       "ms\n",
		       g.sent, g.ok, (double)g.ok / secs, q(&g.lat, 0.5), q(&g.lat, 0.99),
		       q(&g.lat, 0.999), q(&g.lat, 1));
	else
		printf("logins ok %ld failed %ld rate %.1f/s p50 %.1f ms p99 %.1f ms\n", g.ok,
		       g.failed, (double)g.ok / secs, q(&g.lat, 0.5), q(&g.lat, 0.99));
	{
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		if (g.gap > 0)
			fprintf(stderr, "loadgen: timer late by p99 %.3f ms max %.3f ms; ",
			        q(&g.lag, 0.99), q(&g.lag, 1));
		fprintf(stderr, "cpu %.3f s\n",
		        (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		                (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
	ret = 0;
out:
	for (int i = 0; i < g.nconns; i++)
		evhttp_connection_free(g.conns[i].evcon);
	if (deadline != NULL)
		event_free(deadline);
	if (g.tick != NULL)
		event_free(g.tick);
	if (g.base != NULL)
		event_base_free(g.base);
	if (cfg != NULL)
		event_config_free(cfg);
	EVP_PKEY_free(g.key);
	json_decref(st);
	free(g.lat.v);
	free(g.lag.v);
	return ret;
}
