/* bcl.c — see bcl.h. */
#include "bcl.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "arena.h"
#include "clients.h"
#include "conf.h"
#include "fetch.h"
#include "gen.h"
#include "log.h"
#include "sec.h"
#include "skeys.h"
#include "store.h"
#include "tok.h"
#include "worker.h"

#define BCL_TICK_MS 1000      /* how often a worker looks for due deliveries */
#define BCL_INFLIGHT_MAX 64   /* deliveries in flight per worker */
#define BCL_LEASE_MS 60000    /* a taken job comes back after this if never settled */
#define BCL_FIRST_WAIT_S 5    /* the first retry; doubling, at most BCL_MAX_WAIT_S */
#define BCL_MAX_WAIT_S 3600
#define BCL_TOKEN_LIFE_S 120  /* a logout token's exp (BCL §2.4 recommends at most 2 minutes) */
#define BCL_PAIRS_MAX 256     /* distinct (client, sid) pairs one call queues */

struct bcl {
	struct worker *w;
	struct event *tick;
	int inflight;
	int taking; /* a bcl_take is under way */
};

/* One delivery in flight: the job as taken (its exact bytes settle it), parsed. */
struct dl {
	struct bcl *b;
	struct gen *gen;
	char *job;
	char *client, *sub, *sid, *jti;
	int tries;
};

static long long now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void dl_free(struct dl *d)
{
	if (d == NULL)
		return;
	gen_unref(d->gen);
	free(d->job);
	free(d->client);
	free(d->sub);
	free(d->sid);
	free(d->jti);
	free(d);
}

static void settled(void *arg, const struct sreply *x)
{
	(void)arg;
	(void)x; /* nothing to do either way: a failed settle leaves the job to its lease */
}

/* Delivered or given up (retry NULL), or to be tried again. */
static void settle(struct dl *d, const char *retry, long long due)
{
	char dues[24];
	const char *args[4] = { SK_BCL_QUEUE, d->job, retry != NULL ? retry : "", dues };

	snprintf(dues, sizeof(dues), "%lld", due);
	if (store_eval_fn(d->b->w->store, LUA_BCL_SETTLE, 1, 4, args, settled, NULL) != 0)
		log_event(LOG_WARN, NULL, "bcl_settle_failed", "client", d->client, "jti", d->jti,
		          NULL);
}

static char *job_render(const char *client, const char *sub, const char *sid, const char *jti,
                        int tries)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i}", "c", client, "s", sub, "i", sid, "j",
	                      jti, "n", tries);
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(j);
	return s;
}

static void delivered(const struct fetch_result *res, void *arg)
{
	struct dl *d = arg;
	const struct conf *c = d->gen->conf;
	char st[12], tries[12];
	int ok = res->fail == FETCH_OK && res->status >= 200 && res->status <= 299;
	int final = res->fail == FETCH_OK && res->status >= 400 && res->status <= 499 &&
	            res->status != 408 && res->status != 429;

	d->b->inflight--;
	snprintf(st, sizeof(st), "%d", res->status);
	snprintf(tries, sizeof(tries), "%d", d->tries + 1);
	if (res->fail == FETCH_CANCELLED) {
		/* the worker is stopping: the lease brings the job back to another one */
	} else if (ok) {
		log_event(LOG_INFO, NULL, "bcl_delivered", "client", d->client, "jti", d->jti, "tries",
		          tries, NULL);
		settle(d, NULL, 0);
	} else if (final || d->tries + 1 >= c->bcl_max_tries) {
		log_event(LOG_ERROR, NULL, "bcl_gave_up", "client", d->client, "jti", d->jti, "tries",
		          tries, "reason", res->fail == FETCH_OK ? "status" : fetch_fail_name(res->fail),
		          "status", res->fail == FETCH_OK ? st : NULL, NULL);
		settle(d, NULL, 0);
	} else {
		long long wait = BCL_FIRST_WAIT_S;
		char *retry;

		for (int i = 0; i < d->tries && wait < BCL_MAX_WAIT_S; i++)
			wait *= 2;
		if (wait > BCL_MAX_WAIT_S)
			wait = BCL_MAX_WAIT_S;
		log_event(LOG_WARN, NULL, "bcl_failed", "client", d->client, "jti", d->jti, "tries",
		          tries, "reason", res->fail == FETCH_OK ? "status" : fetch_fail_name(res->fail),
		          "status", res->fail == FETCH_OK ? st : NULL, NULL);
		retry = job_render(d->client, d->sub, d->sid, d->jti, d->tries + 1);
		if (retry != NULL)
			settle(d, retry, now_ms() + wait * 1000);
		free(retry);
	}
	dl_free(d);
}

static const char *jstr(json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

/* Parses, signs and posts one job. On any failure here the job is dropped (a job we cannot
 * read or sign will not get better) or left to its lease (out of memory). */
static void deliver(struct bcl *b, const char *job)
{
	struct gen *g = b->w->gen;
	struct dl *d = calloc(1, sizeof(*d));
	json_t *j = json_loads(job, 0, NULL);
	const struct client *c;
	struct errbuf eb = { 0 };
	struct fetch_url url;
	struct fetch_spec spec = { 0 };
	struct tok_logout t = { 0 };
	char first[2048], *tok = NULL, *body = NULL;
	struct arena a;
	size_t len;
	long long now = (long long)time(NULL);

	arena_init(&a, first, sizeof(first), 64 * 1024);
	if (d == NULL || j == NULL || jstr(j, "c") == NULL || jstr(j, "s") == NULL ||
	    jstr(j, "i") == NULL || jstr(j, "j") == NULL || !json_is_integer(json_object_get(j, "n")))
		goto drop;
	d->b = b;
	d->gen = gen_ref(g);
	d->tries = (int)json_integer_value(json_object_get(j, "n"));
	if ((d->job = strdup(job)) == NULL || (d->client = strdup(jstr(j, "c"))) == NULL ||
	    (d->sub = strdup(jstr(j, "s"))) == NULL || (d->sid = strdup(jstr(j, "i"))) == NULL ||
	    (d->jti = strdup(jstr(j, "j"))) == NULL)
		goto lease;
	c = clients_find(g->clients, d->client);
	if (c == NULL || c->backchannel_logout_uri == NULL ||
	    fetch_url_parse(c->backchannel_logout_uri, "backchannel_logout_uri", &url, &eb) != 0) {
		log_event(LOG_WARN, NULL, "bcl_dropped", "client", d->client, "jti", d->jti, "reason",
		          "no backchannel_logout_uri registered", NULL);
		settle(d, NULL, 0);
		goto done;
	}
	t.sub = d->sub;
	t.sid = d->sid;
	t.client_id = c->id;
	t.jti = d->jti;
	t.iat = now;
	t.exp = now + BCL_TOKEN_LIFE_S;
	if (tok_logout_sign(g->keys, c->id_token_alg, g->conf->issuer, &t, &a, &tok, &len) != 0 ||
	    (body = arena_printf(&a, "logout_token=%s", tok)) == NULL)
		goto lease;
	spec.url = &url;
	spec.tls = g->bcl_tls;
	spec.ctype = "application/x-www-form-urlencoded";
	spec.body = body;
	spec.len = strlen(body);
	spec.timeout_ms = g->conf->bcl_timeout_ms;
	if (fetch_post(b->w->fetch, &spec, delivered, d, NULL) != 0)
		goto lease;
	b->inflight++;
	d = NULL; /* delivered() owns it */
	goto done;
drop:
	log_event(LOG_ERROR, NULL, "bcl_bad_job", NULL);
	if (d != NULL && (d->job = strdup(job)) != NULL) {
		d->b = b;
		settle(d, NULL, 0);
	}
	goto done;
lease:
	log_event(LOG_WARN, NULL, "bcl_deferred", "reason", "out of memory", NULL);
done:
	arena_reset(&a);
	json_decref(j);
	dl_free(d);
}

static void taken(void *arg, const struct sreply *x)
{
	struct bcl *b = arg;

	b->taking = 0;
	if (x == NULL || x->type != SR_ARRAY)
		return;
	for (size_t i = 0; i < x->n; i++)
		if (x->elem[i]->type == SR_STRING)
			deliver(b, x->elem[i]->str);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bcl *b = arg;
	struct timeval tv = { BCL_TICK_MS / 1000, (BCL_TICK_MS % 1000) * 1000 };
	char now[24], lease[24], n[12];
	const char *args[4] = { SK_BCL_QUEUE, now, lease, n };

	(void)fd;
	(void)what;
	if (!b->w->draining && !b->taking && b->inflight < BCL_INFLIGHT_MAX &&
	    store_ready(b->w->store)) {
		snprintf(now, sizeof(now), "%lld", now_ms());
		snprintf(lease, sizeof(lease), "%d", BCL_LEASE_MS);
		snprintf(n, sizeof(n), "%d", BCL_INFLIGHT_MAX - b->inflight);
		if (store_eval_fn(b->w->store, LUA_BCL_TAKE, 1, 4, args, taken, b) == 0)
			b->taking = 1;
	}
	evtimer_add(b->tick, &tv);
}

int bcl_new(struct worker *w, struct bcl **out)
{
	struct bcl *b = calloc(1, sizeof(*b));
	struct timeval tv = { 0, BCL_TICK_MS * 1000 / 2 };

	if (b == NULL)
		return E_NOMEM;
	b->w = w;
	if ((b->tick = evtimer_new(w->base, on_tick, b)) == NULL || evtimer_add(b->tick, &tv) != 0) {
		bcl_free(b);
		return E_NOMEM;
	}
	*out = b;
	return 0;
}

void bcl_free(struct bcl *b)
{
	if (b == NULL)
		return;
	if (b->tick != NULL)
		event_free(b->tick);
	free(b);
}

/* --- queueing, for a request --- */

struct bq {
	step_fn next;
	int *queued;
};

static enum step queued_done(struct req *r)
{
	struct bq *q = r->ctx_bcl;
	const struct sreply *x = r->reply;

	if (x != NULL && x->type == SR_ARRAY && x->n == 2 && x->elem[0]->type == SR_INTEGER) {
		*q->queued = (int)x->elem[0]->integer;
		if (x->elem[1]->type == SR_INTEGER && x->elem[1]->integer > 0)
			req_log(LOG_ERROR, r, "bcl_queue_full", NULL);
	} else {
		req_log(LOG_ERROR, r, "bcl_queue_failed", NULL);
	}
	return q->next(r);
}

enum step bcl_queue(struct req *r, step_fn next, const char *id, const struct sreply *x,
                    size_t from, int *queued)
{
	struct bq *q = arena_alloc(&r->arena, sizeof(*q));
	const char **args = arena_alloc(&r->arena, (BCL_PAIRS_MAX + 3) * sizeof(*args));
	char cap[24], now[24];
	int n = 3;

	*queued = 0;
	if (q == NULL || args == NULL)
		return next(r);
	q->next = next;
	q->queued = queued;
	snprintf(cap, sizeof(cap), "%lld", r->gen->conf->bcl_queue_max);
	snprintf(now, sizeof(now), "%lld", now_ms());
	args[0] = SK_BCL_QUEUE;
	args[1] = arena_strdup(&r->arena, cap);
	args[2] = arena_strdup(&r->arena, now);
	for (size_t i = from; i + 1 < x->n && n < BCL_PAIRS_MAX + 3; i += 2) {
		const char *cid = x->elem[i]->str, *sid = x->elem[i + 1]->str;
		const struct client *c = clients_find(r->gen->clients, cid);
		char sub[TOK_SUB_SIZE], jti[TOK_JTI_SIZE], *job;
		int dup = 0;

		if (c == NULL || c->backchannel_logout_uri == NULL)
			continue;
		/* one token per (client, sid): two grants of one login are one logout */
		for (size_t k = from; k < i && !dup; k += 2)
			dup = strcmp(x->elem[k]->str, cid) == 0 && strcmp(x->elem[k + 1]->str, sid) == 0;
		if (dup)
			continue;
		tok_pairwise_sub(r->gen->pepper, c->sector, id, sub);
		if (sec_random_token(jti, TOK_JTI_BYTES) != 0 ||
		    (job = job_render(c->id, sub, sid, jti, 0)) == NULL)
			continue;
		args[n++] = arena_strdup(&r->arena, job);
		free(job);
		if (args[n - 1] == NULL)
			return req_fail_oom(r);
	}
	if (n == 3 || args[1] == NULL || args[2] == NULL)
		return next(r);
	r->ctx_bcl = q;
	return store_eval(r, queued_done, LUA_BCL_PUSH, 1, n, args, NULL);
}
