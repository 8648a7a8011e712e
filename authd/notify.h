/*
 * notify.h — requests that wait for something to change in Redis (a browser's long-poll on its
 * QR login) without polling it and without holding a thread: one subscriber connection per
 * worker on the channel SK_EVENTS, and a table of parked requests by topic ("qr:<qid>").
 *
 * A Lua script that changes a watched thing PUBLISHes its topic; every worker receives it and
 * resumes the requests parked on that topic, which then read the new state themselves (the
 * message carries no data, so a lost or duplicated one costs a re-read, never a wrong answer).
 * A parked request also resumes when its time is up, when the subscription is (re)established
 * (messages may have been missed while it was down), and when the worker drains. When the
 * browser goes away it is answered at once (499, for the access log) and its memory freed.
 *
 * Owns: the subscriber (store_sub_new), the table, each waiter's timer. Does not own the
 * requests: a parked request counts one pending call (r->pending) until it resumes.
 */
#ifndef AUTHD_NOTIFY_H
#define AUTHD_NOTIFY_H

#include <stddef.h>

#include "req.h"

struct event_base;
struct conf;
struct notify;

#define NOTIFY_TOPIC_MAX 48

/* Subscribes at once and keeps re-subscribing; 0 or E_NOMEM. */
int notify_new(struct event_base *base, const struct conf *c, int worker, struct notify **out);
/* Resumes every parked request (they answer what they have), then frees. NULL-safe. */
void notify_free(struct notify *n);
/* Resumes every parked request now (drain). */
void notify_wake_all(struct notify *n);
/* Parked requests, for /metrics and the benchmark. */
size_t notify_waiting(const struct notify *n);

/* Parks r until `topic` is published, `ms` elapse, the subscription is re-established or the
 * worker drains; then runs `next` (which re-reads the state and may park again). The request's
 * deadline is put off meanwhile and back to the Redis timeout when it resumes. Returns
 * STEP_WAIT, or STEP_DONE with an error set (no memory, topic too long). */
enum step notify_wait(struct req *r, const char *topic, long long ms, step_fn next);

/* The message for a topic is the topic itself: Lua scripts get it as an argument. */

#endif
