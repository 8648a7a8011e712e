/* notify.c — see notify.h. */
#include "notify.h"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "http.h"
#include "lim.h"
#include "log.h"
#include "metrics.h"
#include "skeys.h"
#include "store.h"
#include "worker.h"

/* Power of two; 10,000 waiting browsers is about two per bucket. */
#define NOTIFY_BUCKETS 4096
/* While the subscriber is down a parked request re-reads this often (polling, as a fallback). */
#define NOTIFY_DOWN_MS 1000

struct waiter {
	struct notify *n;
	struct req *r;
	step_fn next;
	struct waiter *prev, *succ;         /* in its bucket */
	struct event *timer;                /* arena memory (event_assign) */
	struct event *gone;                 /* the browser's socket closing (EV_CLOSED), or NULL */
	uint32_t bucket;
	size_t len;
	char topic[NOTIFY_TOPIC_MAX];
};

struct notify {
	struct store *sub;
	struct event_base *base;
	size_t count;
	struct waiter *bucket[NOTIFY_BUCKETS];
};

static uint32_t topic_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h & (NOTIFY_BUCKETS - 1);
}

static void unlink_waiter(struct waiter *w)
{
	struct notify *n = w->n;

	if (w->prev != NULL)
		w->prev->succ = w->succ;
	else
		n->bucket[w->bucket] = w->succ;
	if (w->succ != NULL)
		w->succ->prev = w->prev;
	w->prev = w->succ = NULL;
	n->count--;
	metrics_waiting(n->count);
	event_del(w->timer);
	if (w->gone != NULL)
		event_del(w->gone);
}

/* Resumes a waiter already unlinked; its memory (the request's arena) may be gone after. */
static void resume(struct waiter *w, step_fn step)
{
	struct req *r = w->r;

	req_deadline_reset(r);
	req_resume(r, step);
}

static enum step client_gone(struct req *r)
{
	/* Nobody reads this: the connection is gone. 499 marks it in the access log. */
	return req_fail(r, 499, "client_closed", NULL);
}

/* The peer closed its end (EPOLLRDHUP). evhttp does not read while a request is being
 * answered, so it would not notice before the reply; answering now lets libevent find the
 * dead socket and free the connection. */
static void on_gone(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	(void)fd;
	(void)what;
	unlink_waiter(w);
	resume(w, client_gone);
}

/* Watches the request's socket for the peer closing, where the backend can (epoll). */
static struct event *watch_gone(struct req *r, struct waiter *w)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->ev);
	struct bufferevent *bev;
	struct event *ev;
	evutil_socket_t fd;

	if (evcon == NULL || (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0 ||
	    !(event_base_get_features(w->n->base) & EV_FEATURE_EARLY_CLOSE) ||
	    (ev = arena_alloc(&r->arena, event_get_struct_event_size())) == NULL ||
	    event_assign(ev, w->n->base, fd, EV_CLOSED, on_gone, w) != 0 ||
	    event_add(ev, NULL) != 0)
		return NULL;
	return ev;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	(void)fd;
	(void)what;
	unlink_waiter(w);
	resume(w, w->next);
}

/* Detaches every waiter of a bucket that matches (all of them when topic is NULL) into a list
 * first, then resumes them: a resumed request may park again in the same bucket. */
static void wake_bucket(struct notify *n, uint32_t b, const char *topic, size_t len)
{
	struct waiter *list = NULL, *w, *nx;

	for (w = n->bucket[b]; w != NULL; w = nx) {
		nx = w->succ;
		if (topic != NULL && (w->len != len || memcmp(w->topic, topic, len) != 0))
			continue;
		unlink_waiter(w);
		w->succ = list;
		list = w;
	}
	for (w = list; w != NULL; w = nx) {
		nx = w->succ;
		resume(w, w->next);
	}
}

void notify_wake_all(struct notify *n)
{
	if (n == NULL)
		return;
	for (uint32_t b = 0; b < NOTIFY_BUCKETS; b++)
		if (n->bucket[b] != NULL)
			wake_bucket(n, b, NULL, 0);
}

static void on_message(void *arg, const char *msg, size_t len)
{
	struct notify *n = arg;

	if (len == 0 || len >= NOTIFY_TOPIC_MAX)
		return;
	wake_bucket(n, topic_hash(msg, len), msg, len);
}

/* (Re)subscribed: whatever changed while we were not listening is read again by everyone. */
static void on_ready(void *arg)
{
	notify_wake_all(arg);
}

int notify_new(struct event_base *base, const struct conf *c, int worker, struct notify **out)
{
	struct notify *n = calloc(1, sizeof(*n));
	struct store_sub cb = { .ready = on_ready, .message = on_message, .arg = n };
	int r;

	if (n == NULL)
		return E_NOMEM;
	n->base = base;
	if ((r = store_sub_new(base, c, worker, SK_EVENTS, &cb, &n->sub)) != 0) {
		free(n);
		return r;
	}
	*out = n;
	return 0;
}

void notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	notify_wake_all(n);
	store_free(n->sub);
	free(n);
}

size_t notify_waiting(const struct notify *n)
{
	return n != NULL ? n->count : 0;
}

enum step notify_wait(struct req *r, const char *topic, long long ms, step_fn next)
{
	struct notify *n = r->w->notify;
	struct waiter *w;
	struct timeval tv;
	size_t len = strlen(topic);

	if (n == NULL || len == 0 || len >= NOTIFY_TOPIC_MAX)
		return req_fail(r, 500, "server_error", NULL);
	if (n->count >= LIM_NOTIFY_WAITERS)
		return req_fail(r, 503, "temporarily_unavailable", "too many waiting requests");
	if ((w = arena_alloc(&r->arena, sizeof(*w))) == NULL ||
	    (w->timer = arena_alloc(&r->arena, event_get_struct_event_size())) == NULL)
		return req_fail_oom(r);
	if (!store_ready(n->sub) && ms > NOTIFY_DOWN_MS)
		ms = NOTIFY_DOWN_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (event_assign(w->timer, n->base, -1, 0, on_timer, w) != 0 ||
	    event_add(w->timer, &tv) != 0)
		return req_fail(r, 500, "server_error", NULL);
	http_client_ip(r); /* the access line needs it if the connection goes first */
	w->n = n;
	w->r = r;
	w->next = next;
	w->prev = NULL;
	w->len = len;
	memcpy(w->topic, topic, len + 1);
	w->bucket = topic_hash(topic, len);
	w->succ = n->bucket[w->bucket];
	if (w->succ != NULL)
		w->succ->prev = w;
	n->bucket[w->bucket] = w;
	n->count++;
	metrics_waiting(n->count);
	w->gone = watch_gone(r, w);
	r->pending++;
	req_deadline_min(r, ms + 1000);
	return STEP_WAIT;
}
