/* store.c — see store.h. The only file that includes hiredis. */
#include "store.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lua_gen.h"
#include "log.h"
#include "metrics.h"
#include "worker.h"

#define BACKOFF_MIN_MS 50
/* Capped below a second so authd is ready again within a second of Redis returning. */
#define BACKOFF_MAX_MS 500

enum store_state { ST_DOWN = 0, ST_CONNECTING, ST_HANDSHAKE, ST_READY };

struct store {
	struct event_base *base;
	redisAsyncContext *ac;    /* NULL while down; hiredis frees it after connect errors */
	enum store_state state;
	struct event *retry;      /* reconnect timer */
	struct event *ctimeout;   /* connect + handshake timeout */
	int backoff_ms;
	int worker;
	int logged_down;          /* log "store_down" once per outage */
	char sha[LUA_COUNT][41];  /* SHA1 of each script, from SCRIPT LOAD at the handshake */
	/* connection settings, copied from the conf of the first generation */
	char *host, *sock, *password;
	int port, db, connect_timeout_ms;
	/* a subscriber (store_sub_new): its channel and callbacks; NULL channel = commands */
	char *channel;
	struct store_sub sub;
};

static void schedule_retry(struct store *s);
static void start_connect(struct store *s);

static void set_ms(struct timeval *tv, int ms)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

static void went_down(struct store *s, const char *why)
{
	int was_ready = s->state == ST_READY;

	s->ac = NULL;
	s->state = ST_DOWN;
	evtimer_del(s->ctimeout);
	if (s->channel == NULL)
		metrics_store_state(0);
	else
		metrics_sub_state(0);
	if (was_ready || !s->logged_down) {
		log_event(LOG_WARN, NULL, s->channel == NULL ? "store_down" : "store_sub_down",
		          "reason", why, NULL);
		s->logged_down = 1;
	}
	schedule_retry(s);
}

static void became_ready(struct store *s)
{
	s->state = ST_READY;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->logged_down = 0;
	evtimer_del(s->ctimeout);
	if (s->channel == NULL)
		metrics_store_state(1);
	else
		metrics_sub_state(1);
	log_event(LOG_INFO, NULL, s->channel == NULL ? "store_ready" : "store_sub_ready", NULL);
}

/* A subscriber's replies: the SUBSCRIBE confirmation makes it ready (and its owner re-checks
 * whatever it may have missed while it was not), then one call per message. */
static void on_sub(redisAsyncContext *ac, void *reply, void *priv)
{
	struct store *s = ac->data;
	redisReply *rr = reply;

	(void)priv;
	if (s == NULL || s->ac != ac || rr == NULL)
		return;
	if (rr->type == REDIS_REPLY_ERROR) {
		log_event(LOG_ERROR, NULL, "store_subscribe_failed", "error", rr->str, NULL);
		redisAsyncDisconnect(ac);
		return;
	}
	if (rr->type != REDIS_REPLY_ARRAY || rr->elements != 3 ||
	    rr->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(rr->element[0]->str, "subscribe") == 0) {
		became_ready(s);
		s->sub.ready(s->sub.arg);
	} else if (strcmp(rr->element[0]->str, "message") == 0 &&
	           rr->element[2]->type == REDIS_REPLY_STRING) {
		s->sub.message(s->sub.arg, rr->element[2]->str, rr->element[2]->len);
	}
}

/* Handshake replies: AUTH and SELECT must say OK, PING must say PONG; anything else drops the
 * connection (and a retry follows from the disconnect callback). */
static void on_handshake(redisAsyncContext *ac, void *reply, void *priv)
{
	struct store *s = ac->data;
	redisReply *rr = reply;
	const char *step = priv;

	if (s == NULL || s->ac != ac)
		return;
	if (rr == NULL || rr->type == REDIS_REPLY_ERROR) {
		log_event(LOG_ERROR, NULL, "store_handshake_failed", "step", step, "error",
		          rr != NULL ? rr->str : "no reply", NULL);
		redisAsyncDisconnect(ac);
		return;
	}
	if (strcmp(step, "PING") == 0)
		became_ready(s);
}

/* SCRIPT LOAD replies: the script's SHA1, kept for EVALSHA. */
static void on_script(redisAsyncContext *ac, void *reply, void *priv)
{
	struct store *s = ac->data;
	redisReply *rr = reply;
	int i = (int)(intptr_t)priv;

	if (s == NULL || s->ac != ac)
		return;
	if (rr == NULL || rr->type != REDIS_REPLY_STRING || rr->len != 40) {
		log_event(LOG_ERROR, NULL, "store_script_load_failed", "script", lua_name[i], "error",
		          rr != NULL && rr->type == REDIS_REPLY_ERROR ? rr->str : "bad reply", NULL);
		redisAsyncDisconnect(ac);
		return;
	}
	memcpy(s->sha[i], rr->str, 40);
	s->sha[i][40] = '\0';
}

static void on_connect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	struct store *s = ac->data;

	if (s == NULL || s->ac != ac)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees ac after this returns */
		went_down(s, ac->errstr);
		return;
	}
	s->state = ST_HANDSHAKE;
	if (s->password != NULL)
		redisAsyncCommand(ac, on_handshake, "AUTH", "AUTH %s", s->password);
	if (s->channel != NULL) { /* channels are not per database: no SELECT, no scripts */
		redisAsyncCommand(ac, on_sub, NULL, "SUBSCRIBE %s", s->channel);
		return;
	}
	if (s->db != 0)
		redisAsyncCommand(ac, on_handshake, "SELECT", "SELECT %d", s->db);
	/* Scripts are loaded on every connection: a restarted Redis has none. */
	for (int i = 0; i < LUA_COUNT; i++)
		redisAsyncCommand(ac, on_script, (void *)(intptr_t)i, "SCRIPT LOAD %s", lua_src[i]);
	redisAsyncCommand(ac, on_handshake, "PING", "PING");
}

static void on_disconnect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	struct store *s = ac->data;

	(void)status;
	if (s == NULL || s->ac != ac)
		return;
	/* hiredis frees ac after this returns; pending callbacks already got NULL */
	went_down(s, ac->errstr[0] ? ac->errstr : "disconnected");
}

/* Connect or handshake took too long (a blackholed host, a stopped Redis): drop and retry. */
static void on_ctimeout(evutil_socket_t fd, short what, void *arg)
{
	struct store *s = arg;
	redisAsyncContext *ac = s->ac;

	(void)fd;
	(void)what;
	if (ac == NULL || s->state == ST_READY)
		return;
	ac->data = NULL; /* our callbacks ignore it from here on */
	s->ac = NULL;
	redisAsyncFree(ac); /* outside any hiredis callback: frees at once */
	went_down(s, "connect timeout");
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_connect(arg);
}

static void schedule_retry(struct store *s)
{
	struct timeval tv;

	set_ms(&tv, s->backoff_ms);
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
	evtimer_add(s->retry, &tv);
}

static void start_connect(struct store *s)
{
	redisAsyncContext *ac;
	struct timeval tv;

	metrics_store_reconnect();
	ac = s->sock != NULL ? redisAsyncConnectUnix(s->sock) : redisAsyncConnect(s->host, s->port);
	if (ac == NULL || ac->err) {
		const char *why = ac != NULL ? ac->errstr : "out of memory";

		if (ac != NULL) {
			went_down(s, why);
			redisAsyncFree(ac);
		} else {
			went_down(s, why);
		}
		return;
	}
	ac->data = s;
	if (redisLibeventAttach(ac, s->base) != REDIS_OK) {
		redisAsyncFree(ac);
		went_down(s, "cannot attach to the event loop");
		return;
	}
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	s->ac = ac;
	s->state = ST_CONNECTING;
	set_ms(&tv, s->connect_timeout_ms);
	evtimer_add(s->ctimeout, &tv);
}

static int store_open(struct event_base *base, const struct conf *c, int worker,
                      const char *channel, const struct store_sub *sub, struct store **out)
{
	struct store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return E_NOMEM;
	if (channel != NULL) {
		s->sub = *sub;
		if ((s->channel = strdup(channel)) == NULL) {
			free(s);
			return E_NOMEM;
		}
	}
	s->base = base;
	s->worker = worker;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->port = (int)c->redis_port;
	s->db = (int)c->redis_db;
	s->connect_timeout_ms = (int)c->redis_connect_timeout_ms;
	if ((c->redis_host != NULL && (s->host = strdup(c->redis_host)) == NULL) ||
	    (c->redis_socket != NULL && (s->sock = strdup(c->redis_socket)) == NULL) ||
	    (c->redis_password != NULL && (s->password = strdup(c->redis_password)) == NULL) ||
	    (s->retry = evtimer_new(base, on_retry, s)) == NULL ||
	    (s->ctimeout = evtimer_new(base, on_ctimeout, s)) == NULL) {
		store_free(s);
		return E_NOMEM;
	}
	start_connect(s);
	*out = s;
	return 0;
}

int store_new(struct event_base *base, const struct conf *c, int worker, struct store **out)
{
	return store_open(base, c, worker, NULL, NULL, out);
}

int store_sub_new(struct event_base *base, const struct conf *c, int worker, const char *channel,
                  const struct store_sub *sub, struct store **out)
{
	return store_open(base, c, worker, channel, sub, out);
}

void store_free(struct store *s)
{
	if (s == NULL)
		return;
	if (s->ac != NULL) {
		redisAsyncContext *ac = s->ac;

		s->ac = NULL;
		ac->data = NULL;
		redisAsyncFree(ac); /* pending request callbacks run with reply == NULL */
	}
	if (s->retry != NULL)
		event_free(s->retry);
	if (s->ctimeout != NULL)
		event_free(s->ctimeout);
	free(s->host);
	free(s->sock);
	free(s->channel);
	if (s->password != NULL) {
		memset(s->password, 0, strlen(s->password));
		free(s->password);
	}
	free(s);
}

int store_ready(const struct store *s)
{
	return s != NULL && s->state == ST_READY;
}

static struct sreply *copy_reply(struct arena *a, const redisReply *rr, int depth)
{
	struct sreply *o = arena_alloc(a, sizeof(*o));

	if (o == NULL || depth > 8)
		return NULL;
	switch (rr->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_ERROR:
		o->type = rr->type == REDIS_REPLY_STRING   ? SR_STRING
		          : rr->type == REDIS_REPLY_STATUS ? SR_STATUS
		                                           : SR_ERROR;
		if ((o->str = arena_strndup(a, rr->str, rr->len)) == NULL)
			return NULL;
		o->len = rr->len;
		break;
	case REDIS_REPLY_INTEGER:
		o->type = SR_INTEGER;
		o->integer = rr->integer;
		break;
	case REDIS_REPLY_ARRAY:
		o->type = SR_ARRAY;
		o->n = rr->elements;
		if (o->n > 0 && (o->elem = arena_alloc(a, o->n * sizeof(*o->elem))) == NULL)
			return NULL;
		for (size_t i = 0; i < o->n; i++)
			if ((o->elem[i] = copy_reply(a, rr->element[i], depth + 1)) == NULL)
				return NULL;
		break;
	default:
		o->type = SR_NIL;
		break;
	}
	return o;
}

/* One callback per command: record the reply in the request, then let the driver continue. */
struct pending {
	struct req *r;
	step_fn next;
};

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct pending *p = priv;
	struct req *r = p->r;
	redisReply *rr = reply;

	(void)ac;
	r->reply = NULL;
	r->store_down = 0;
	if (rr == NULL) {
		r->store_down = 1;
		metrics_store_error();
	} else if (!r->replied) {
		if (rr->type == REDIS_REPLY_ERROR)
			metrics_store_error();
		if (rr->type == REDIS_REPLY_ERROR && strncmp(rr->str, "NOSCRIPT", 8) == 0) {
			/* The script cache was flushed under us: reconnect, which reloads them. */
			log_event(LOG_ERROR, r->id, "store_noscript", NULL);
			redisAsyncDisconnect(ac);
			r->store_down = 1;
			req_resume(r, p->next);
			return;
		}
		if ((r->reply = copy_reply(&r->arena, rr, 0)) == NULL) {
			/* out of request memory: answer 500 rather than act on half a reply */
			req_fail_oom(r);
		}
	}
	req_resume(r, p->next);
}

static enum step refused(struct req *r)
{
	metrics_store_error();
	return req_fail(r, 503, "temporarily_unavailable", "storage unavailable");
}

/* The common part of sending: Redis must be ready and the request must have room for its
 * callback record. Returns the record, or NULL with the request's error set. */
static struct pending *pending_new(struct req *r, step_fn next)
{
	struct store *s = r->w->store;
	struct pending *p;

	if (s == NULL || s->state != ST_READY || s->ac == NULL) {
		refused(r);
		return NULL;
	}
	if ((p = arena_alloc(&r->arena, sizeof(*p))) == NULL) {
		req_fail_oom(r);
		return NULL;
	}
	p->r = r;
	p->next = next;
	return p;
}

static enum step sent(struct req *r, int rc)
{
	if (rc != REDIS_OK)
		return refused(r);
	r->pending++;
	r->store_rtt++;
	metrics_store_cmd();
	return STEP_WAIT;
}

enum step store_cmdv(struct req *r, step_fn next, int argc, const char **argv,
                     const size_t *argvlen)
{
	struct pending *p = pending_new(r, next);

	if (p == NULL)
		return STEP_DONE;
	return sent(r, redisAsyncCommandArgv(r->w->store->ac, on_reply, p, argc, argv, argvlen));
}

enum step store_cmd(struct req *r, step_fn next, const char *fmt, ...)
{
	struct pending *p = pending_new(r, next);
	va_list ap;
	int rc;

	if (p == NULL)
		return STEP_DONE;
	va_start(ap, fmt);
	rc = redisvAsyncCommand(r->w->store->ac, on_reply, p, fmt, ap);
	va_end(ap);
	return sent(r, rc);
}

enum step store_eval(struct req *r, step_fn next, enum lua_script script, int nkeys, int nargs,
                     const char *const *args, const size_t *lens)
{
	struct store *s = r->w->store;
	const char **argv;
	size_t *argvlen;
	char nk[12];
	int argc = 3 + nargs;

	BUG_ON(script < 0 || script >= LUA_COUNT || nkeys > nargs, "store_eval arguments");
	if (s == NULL || s->state != ST_READY)
		return refused(r);
	argv = arena_alloc(&r->arena, (size_t)argc * sizeof(*argv));
	argvlen = arena_alloc(&r->arena, (size_t)argc * sizeof(*argvlen));
	if (argv == NULL || argvlen == NULL)
		return req_fail_oom(r);
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = s->sha[script];
	argv[2] = arena_strdup(&r->arena, nk);
	if (argv[2] == NULL)
		return req_fail_oom(r);
	for (int i = 0; i < 3; i++)
		argvlen[i] = strlen(argv[i]);
	for (int i = 0; i < nargs; i++) {
		argv[3 + i] = args[i];
		argvlen[3 + i] = lens != NULL ? lens[i] : strlen(args[i]);
	}
	return store_cmdv(r, next, argc, argv, argvlen);
}

/* EVALSHA's argv for background work (no request arena): into argv (3 + nargs slots), with the
 * key count written into nk. Returns argc, or -1 when Redis is not ready. */
static int evalsha_argv(struct store *s, enum lua_script script, int nkeys, int nargs,
                        const char *const *args, const char **argv, char nk[12])
{
	if (s == NULL || s->state != ST_READY || s->ac == NULL)
		return -1;
	snprintf(nk, 12, "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = s->sha[script];
	argv[2] = nk;
	for (int i = 0; i < nargs; i++)
		argv[3 + i] = args[i];
	return 3 + nargs;
}

int store_eval_detached(struct store *s, enum lua_script script, int nkeys, int nargs,
                        const char *const *args)
{
	const char *argv[3 + 8];
	char nk[12];
	int argc;

	BUG_ON(script < 0 || script >= LUA_COUNT || nkeys > nargs || nargs > 8,
	       "store_eval_detached arguments");
	if ((argc = evalsha_argv(s, script, nkeys, nargs, args, argv, nk)) < 0)
		return -1;
	if (redisAsyncCommandArgv(s->ac, NULL, NULL, argc, argv, NULL) != REDIS_OK)
		return -1;
	metrics_store_cmd();
	return 0;
}

/* A script for background work: its reply, copied into a scratch arena, goes to a callback. */
struct fn_pending {
	store_fn cb;
	void *arg;
};

static void on_fn_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct fn_pending *p = priv;
	char first[4096];
	struct arena a;
	const struct sreply *x = NULL;

	(void)ac;
	arena_init(&a, first, sizeof(first), 1u << 20);
	if (reply != NULL)
		x = copy_reply(&a, reply, 0);
	p->cb(p->arg, x);
	arena_reset(&a);
	free(p);
}

int store_eval_fn(struct store *s, enum lua_script script, int nkeys, int nargs,
                  const char *const *args, store_fn cb, void *arg)
{
	const char *argv[3 + 64];
	struct fn_pending *p;
	char nk[12];
	int argc;

	BUG_ON(script < 0 || script >= LUA_COUNT || nkeys > nargs || nargs > 64,
	       "store_eval_fn arguments");
	if ((argc = evalsha_argv(s, script, nkeys, nargs, args, argv, nk)) < 0 ||
	    (p = malloc(sizeof(*p))) == NULL)
		return -1;
	p->cb = cb;
	p->arg = arg;
	if (redisAsyncCommandArgv(s->ac, on_fn_reply, p, argc, argv, NULL) != REDIS_OK) {
		free(p);
		return -1;
	}
	metrics_store_cmd();
	return 0;
}

int store_cmdv_detached(struct store *s, int argc, const char **argv)
{
	if (s == NULL || s->state != ST_READY || s->ac == NULL ||
	    redisAsyncCommandArgv(s->ac, NULL, NULL, argc, argv, NULL) != REDIS_OK)
		return -1;
	metrics_store_cmd();
	return 0;
}
