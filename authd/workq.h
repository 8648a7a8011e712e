/*
 * workq.h — a small thread pool per worker for work that must not block the event loop
 * (Argon2id hashing; later RSA signing). A job's `fn` runs on a pool thread and touches only
 * its own argument (copies of its inputs, never libevent, Redis or a struct req); its `done`
 * runs afterwards on the loop thread. The queue is bounded: past it, posting fails at once, so
 * a login storm gets 503s instead of unbounded memory and latency.
 */
#ifndef AUTHD_WORKQ_H
#define AUTHD_WORKQ_H

#include "req.h"

struct event_base;
struct workq;

typedef void (*workq_fn)(void *arg);

/* Starts `threads` threads; jobs beyond `max_queued` waiting are refused. 0 or E_NOMEM. */
int workq_new(struct event_base *base, int threads, int max_queued, struct workq **out);
/* Stops the threads after their current job; jobs still queued are not run, and their done
 * callbacks run with `cancelled` set (so requests waiting on them are answered). NULL-safe. */
void workq_free(struct workq *q);

/* For a request: runs fn(arg) on the pool, then resumes r at `next` on the loop (r->pending
 * counts the job). `arg` must live as long as r (arena memory). STEP_WAIT, or STEP_DONE with a
 * 503 set when the queue is full. */
enum step workq_run(struct req *r, workq_fn fn, void *arg, step_fn next);

/* The request of this job (r->workq_job) was answered without it: the pool may skip the work
 * (the job still completes, with its result unused). Loop thread only. */
void workq_skip(void *job);

#endif
