/* workq.c — see workq.h. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "workq.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "gen.h"
#include "log.h"
#include "worker.h"

struct job {
	struct job *next;
	workq_fn fn;
	void *arg;
	struct req *r;
	step_fn next_step;
	int cancelled;       /* loop only: never ran (the pool stopped) */
	atomic_int skip;     /* set by the loop when the request was answered meanwhile */
};

struct workq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo, *todo_tail, *done;
	int queued, max_queued, stopping, nthreads;
	pthread_t *threads;
	int efd;
	struct event *ev;
};

static void *thread_main(void *p)
{
	struct workq *q = p;

	/* SCHED_IDLE (this thread only): hashing runs only on time the event loops leave, so a
	 * login storm adds next to nothing to other requests' latency; when the machine is
	 * saturated, logins wait and meet their deadline (503) instead of slowing everything.
	 * Failure is harmless: the thread then keeps the default policy. */
	{
		struct sched_param sp = { 0 };

		if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
			log_event(LOG_WARN, NULL, "workq_sched_idle_failed", NULL);
	}
	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct job *j;
		uint64_t one = 1;

		while (q->todo == NULL && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stopping)
			break;
		j = q->todo;
		q->todo = j->next;
		if (q->todo == NULL)
			q->todo_tail = NULL;
		q->queued--;
		pthread_mutex_unlock(&q->mu);
		/* a request answered meanwhile (deadline) does not need the work: its late result is
		 * dropped anyway, and a backlog of dead jobs would delay the live ones */
		if (!atomic_load(&j->skip))
			j->fn(j->arg);
		pthread_mutex_lock(&q->mu);
		j->next = q->done;
		q->done = j;
		/* wake the loop; a full counter (never, in practice) only delays the wake-up */
		if (write(q->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_event(LOG_ERROR, NULL, "workq_wake_failed", NULL);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static void finish(struct job *j)
{
	struct req *r = j->r;

	r->workq_job = NULL;
	if (j->cancelled)
		r->store_down = 1; /* answered as "temporarily unavailable" by req_resume */
	req_resume(r, j->next_step);
	free(j);
}

/* On the loop: take the finished jobs and continue their requests. */
static void on_done(evutil_socket_t fd, short what, void *p)
{
	struct workq *q = p;
	struct job *list, *rev = NULL;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&q->mu);
	list = q->done;
	q->done = NULL;
	pthread_mutex_unlock(&q->mu);
	while (list != NULL) { /* oldest first */
		struct job *next = list->next;

		list->next = rev;
		rev = list;
		list = next;
	}
	while (rev != NULL) {
		struct job *next = rev->next;

		finish(rev);
		rev = next;
	}
}

int workq_new(struct event_base *base, int threads, int max_queued, struct workq **out)
{
	struct workq *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return E_NOMEM;
	q->max_queued = max_queued;
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (q->efd < 0 || (q->ev = event_new(base, q->efd, EV_READ | EV_PERSIST, on_done, q)) == NULL ||
	    event_add(q->ev, NULL) != 0 || (q->threads = calloc((size_t)threads, sizeof(pthread_t))) == NULL) {
		workq_free(q);
		return E_NOMEM;
	}
	for (int i = 0; i < threads; i++) {
		if (pthread_create(&q->threads[i], NULL, thread_main, q) != 0) {
			workq_free(q);
			return E_NOMEM;
		}
		q->nthreads++;
	}
	*out = q;
	return 0;
}

void workq_free(struct workq *q)
{
	struct job *j;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	/* finished jobs continue normally; queued ones are answered as cancelled */
	while ((j = q->done) != NULL) {
		q->done = j->next;
		finish(j);
	}
	while ((j = q->todo) != NULL) {
		q->todo = j->next;
		j->cancelled = 1;
		finish(j);
	}
	if (q->ev != NULL)
		event_free(q->ev);
	if (q->efd >= 0)
		close(q->efd);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q->threads);
	free(q);
}

enum step workq_run(struct req *r, workq_fn fn, void *arg, step_fn next)
{
	struct workq *q = r->w->workq;
	struct job *j;

	if (q == NULL || (j = calloc(1, sizeof(*j))) == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "busy");
	atomic_init(&j->skip, 0);
	j->fn = fn;
	j->arg = arg;
	j->r = r;
	j->next_step = next;
	pthread_mutex_lock(&q->mu);
	if (q->queued >= q->max_queued) {
		pthread_mutex_unlock(&q->mu);
		free(j);
		req_log(LOG_WARN, r, "workq_full", NULL);
		return req_fail(r, 503, "temporarily_unavailable", "busy; try again");
	}
	if (q->todo_tail != NULL)
		q->todo_tail->next = j;
	else
		q->todo = j;
	q->todo_tail = j;
	q->queued++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	r->pending++;
	r->workq_job = j;
	/* hashing has its own bound: a busy pool sheds load at accounts.hash_deadline_ms, not at
	 * the Redis deadline meant for a storage round trip */
	req_deadline_min(r, r->gen->conf->hash_deadline_ms);
	return STEP_WAIT;
}

void workq_skip(void *job)
{
	atomic_store(&((struct job *)job)->skip, 1);
}
