/* req.c — see req.h. The step driver and the request's deadline. */
#include "req.h"

#include <event2/event.h>
#include <time.h>

#include "conf.h"
#include "fetch.h"
#include "gen.h"
#include "http.h"
#include "route.h"
#include "worker.h"
#include "workq.h"

void *req_ctx(struct req *r, size_t n)
{
	if (r->ctx == NULL)
		r->ctx = arena_alloc(&r->arena, n);
	return r->ctx;
}

enum step req_fail(struct req *r, int status, const char *error, const char *desc)
{
	r->status = status;
	r->error = error;
	r->error_desc = desc;
	r->flags |= RESP_NOSTORE;
	return STEP_DONE;
}

enum step req_fail_oom(struct req *r)
{
	return req_fail(r, 500, "server_error", "request exceeded its memory budget");
}

static void maybe_free(struct req *r)
{
	if (r->replied && r->pending == 0)
		http_req_free(r);
}

/* The deadline fired while Redis work was outstanding: answer 503 now; late replies are
 * dropped by req_resume, and the req lives until they arrive (or the connection fails). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct req *r = arg;

	(void)fd;
	(void)what;
	if (!r->replied) {
		req_log(LOG_WARN, r, "store_deadline", "route", r->route ? r->route->path : NULL,
		        NULL);
		req_fail(r, 503, "temporarily_unavailable", "storage did not answer in time");
		http_finish(r);
		if (r->workq_job != NULL)
			workq_skip(r->workq_job);
		/* its callback comes from the loop later, and only lets the request go */
		if (r->fetch_call != NULL)
			fetch_cancel(r->fetch_call);
	}
	maybe_free(r);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* (Re)arms the deadline `ms` from now. */
static void deadline_in(struct req *r, long long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (r->deadline == NULL)
		r->deadline = evtimer_new(r->w->base, on_deadline, r);
	if (r->deadline == NULL || evtimer_add(r->deadline, &tv) != 0) {
		/* Without a deadline the request still ends when what it waits on answers, fails,
		 * or (an outbound call) times out on its own. */
		req_log(LOG_ERROR, r, "deadline_unavailable", NULL);
		return;
	}
	r->deadline_ns = mono_ns() + (uint64_t)ms * 1000000u;
}

static void arm_deadline(struct req *r)
{
	if (r->deadline == NULL)
		deadline_in(r, r->gen->conf->redis_timeout_ms);
}

void req_deadline_min(struct req *r, long long ms)
{
	if (r->deadline == NULL || mono_ns() + (uint64_t)ms * 1000000u > r->deadline_ns)
		deadline_in(r, ms);
}

void req_deadline_reset(struct req *r)
{
	deadline_in(r, r->gen->conf->redis_timeout_ms);
}

static void drive(struct req *r, enum step s)
{
	if (s == STEP_DONE) {
		if (!r->replied)
			http_finish(r);
	} else if (!r->replied) {
		arm_deadline(r);
	}
	maybe_free(r);
}

void req_run(struct req *r, step_fn first)
{
	drive(r, first != NULL ? first(r) : STEP_DONE);
}

void req_resume(struct req *r, step_fn next)
{
	enum step s = STEP_DONE;

	BUG_ON(r->pending == 0, "req_resume without a pending call");
	r->pending--;
	if (!r->replied) {
		if (r->store_down)
			s = req_fail(r, 503, "temporarily_unavailable", "storage unavailable");
		else if (r->error == NULL)
			s = next(r); /* an error already set (reply copy failed) ends the request */
	}
	drive(r, s);
}
