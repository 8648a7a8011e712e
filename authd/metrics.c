/* metrics.c — see metrics.h. */
#include "metrics.h"

#include <event2/buffer.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"
#include "route.h"

#define MAX_ROUTES 64
#define MAX_WORKERS 64

/* Statuses authd emits; anything else counts as "other". */
static const int statuses[] = { 200, 201, 204, 302, 303, 400, 401, 403, 404,
	                        405, 413, 429, 500, 503 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Latency buckets in seconds (upper bounds); one more for +Inf. */
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	                          0.05,   0.1,   0.25,   0.5,   1,    2.5 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct slot {
	atomic_uint_fast64_t up;
	atomic_uint_fast64_t store_connected;
	atomic_uint_fast64_t req[MAX_ROUTES + 1][NSTATUS]; /* last row: unrouted */
	atomic_uint_fast64_t hist[MAX_ROUTES + 1][NBUCKETS + 1];
	atomic_uint_fast64_t sum_us[MAX_ROUTES + 1];
	atomic_uint_fast64_t store_cmds, store_errors, store_connects;
	atomic_uint_fast64_t reloads_ok, reloads_failed;
	atomic_uint_fast64_t waiting;    /* parked long-polls (notify.c) */
	atomic_uint_fast64_t sub_connected;
};

static struct slot *slots;
static int nslots;
static struct slot *mine;

int metrics_init(int workers)
{
	size_t n = (size_t)(workers > MAX_WORKERS ? MAX_WORKERS : workers);
	void *p = mmap(NULL, n * sizeof(struct slot), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return E_NOMEM;
	memset(p, 0, n * sizeof(struct slot));
	slots = p;
	nslots = (int)n;
	return 0;
}

void metrics_attach(int worker)
{
	if (slots == NULL || worker < 0 || worker >= nslots)
		return;
	mine = &slots[worker];
	atomic_store(&mine->up, 1);
}

void metrics_set_up(int worker, int up)
{
	if (slots != NULL && worker >= 0 && worker < nslots)
		atomic_store(&slots[worker].up, (uint64_t)up);
}

#define INC(field) \
	do { \
		if (mine != NULL) \
			atomic_fetch_add_explicit(&mine->field, 1, memory_order_relaxed); \
	} while (0)

static size_t status_idx(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 1;
}

static void observe(size_t row, int status, uint64_t ns)
{
	double s = (double)ns / 1e9;
	size_t b = 0;

	if (mine == NULL)
		return;
	while (b < NBUCKETS && s > buckets[b])
		b++;
	atomic_fetch_add_explicit(&mine->req[row][status_idx(status)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&mine->hist[row][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&mine->sum_us[row], ns / 1000, memory_order_relaxed);
}

void metrics_request(size_t route, int status, uint64_t ns)
{
	observe(route < MAX_ROUTES ? route : MAX_ROUTES, status, ns);
}

void metrics_unrouted(int status, uint64_t ns)
{
	observe(MAX_ROUTES, status, ns);
}

void metrics_store_cmd(void)
{
	INC(store_cmds);
}

void metrics_store_error(void)
{
	INC(store_errors);
}

void metrics_store_reconnect(void)
{
	INC(store_connects);
}

void metrics_store_state(int connected)
{
	if (mine != NULL)
		atomic_store(&mine->store_connected, (uint64_t)connected);
}

void metrics_waiting(size_t n)
{
	if (mine != NULL)
		atomic_store(&mine->waiting, (uint64_t)n);
}

void metrics_sub_state(int connected)
{
	if (mine != NULL)
		atomic_store(&mine->sub_connected, (uint64_t)connected);
}

void metrics_reload(int ok)
{
	if (ok)
		INC(reloads_ok);
	else
		INC(reloads_failed);
}

static uint64_t sum(size_t off)
{
	uint64_t t = 0;

	for (int i = 0; i < nslots; i++)
		t += atomic_load_explicit((atomic_uint_fast64_t *)((char *)&slots[i] + off),
		                          memory_order_relaxed);
	return t;
}

#define SUM(expr) sum(offsetof(struct slot, expr))

static const char *row_name(size_t row)
{
	return row < route_count() ? route_at(row)->path : "unmatched";
}

int metrics_render(struct evbuffer *b)
{
	size_t nrows = route_count() < MAX_ROUTES ? route_count() : MAX_ROUTES;
	int e = 0;

	if (slots == NULL)
		return 0;
	e |= evbuffer_add_printf(b, "# HELP authd_http_requests_total HTTP requests by route "
	                            "and status.\n# TYPE authd_http_requests_total counter\n") < 0;
	for (size_t row = 0; row <= nrows; row++) {
		size_t rr = row == nrows ? MAX_ROUTES : row;

		for (size_t s = 0; s < NSTATUS; s++) {
			uint64_t v = SUM(req[rr][s]);
			char st[8];

			if (v == 0)
				continue;
			if (s < NSTATUS - 1)
				snprintf(st, sizeof(st), "%d", statuses[s]);
			else
				snprintf(st, sizeof(st), "other");
			e |= evbuffer_add_printf(b,
			                         "authd_http_requests_total{route=\"%s\",status=\"%s\"} "
			                         "%llu\n",
			                         row_name(rr), st, (unsigned long long)v) < 0;
		}
	}
	e |= evbuffer_add_printf(b, "# HELP authd_http_request_duration_seconds Time from "
	                            "request to response.\n# TYPE "
	                            "authd_http_request_duration_seconds histogram\n") < 0;
	for (size_t row = 0; row <= nrows; row++) {
		size_t rr = row == nrows ? MAX_ROUTES : row;
		uint64_t cum = 0;

		for (size_t k = 0; k <= NBUCKETS; k++) {
			char le[32];

			cum += SUM(hist[rr][k]);
			if (k < NBUCKETS)
				snprintf(le, sizeof(le), "%g", buckets[k]);
			else
				snprintf(le, sizeof(le), "+Inf");
			e |= evbuffer_add_printf(b,
			                         "authd_http_request_duration_seconds_bucket{route=\"%s\","
			                         "le=\"%s\"} %llu\n",
			                         row_name(rr), le, (unsigned long long)cum) < 0;
		}
		e |= evbuffer_add_printf(b,
		                         "authd_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
		                         "authd_http_request_duration_seconds_count{route=\"%s\"} "
		                         "%llu\n",
		                         row_name(rr), (double)SUM(sum_us[rr]) / 1e6, row_name(rr),
		                         (unsigned long long)cum) < 0;
	}
	e |= evbuffer_add_printf(
		     b,
		     "# HELP authd_redis_commands_total Redis commands sent for requests.\n"
		     "# TYPE authd_redis_commands_total counter\nauthd_redis_commands_total %llu\n"
		     "# HELP authd_redis_errors_total Redis commands refused, failed or answered "
		     "with an error.\n# TYPE authd_redis_errors_total counter\n"
		     "authd_redis_errors_total %llu\n"
		     "# HELP authd_redis_connects_total Redis connection attempts.\n"
		     "# TYPE authd_redis_connects_total counter\nauthd_redis_connects_total %llu\n"
		     "# HELP authd_redis_connected Workers with a ready Redis connection.\n"
		     "# TYPE authd_redis_connected gauge\nauthd_redis_connected %llu\n"
		     "# HELP authd_workers_up Worker processes running.\n"
		     "# TYPE authd_workers_up gauge\nauthd_workers_up %llu\n"
		     "# HELP authd_reloads_total Generation reloads by result.\n"
		     "# TYPE authd_reloads_total counter\n"
		     "authd_reloads_total{result=\"ok\"} %llu\n"
		     "authd_reloads_total{result=\"failed\"} %llu\n"
		     "# HELP authd_longpoll_waiting Requests parked until what they watch changes.\n"
		     "# TYPE authd_longpoll_waiting gauge\nauthd_longpoll_waiting %llu\n"
		     "# HELP authd_redis_subscribed Workers with a ready Redis pub/sub connection.\n"
		     "# TYPE authd_redis_subscribed gauge\nauthd_redis_subscribed %llu\n",
		     (unsigned long long)SUM(store_cmds), (unsigned long long)SUM(store_errors),
		     (unsigned long long)SUM(store_connects),
		     (unsigned long long)SUM(store_connected), (unsigned long long)SUM(up),
		     (unsigned long long)SUM(reloads_ok),
		     (unsigned long long)SUM(reloads_failed), (unsigned long long)SUM(waiting),
		     (unsigned long long)SUM(sub_connected)) < 0;
	return e ? E_NOMEM : 0;
}
