/*
 * metrics.h — Prometheus counters shared by all workers: one slot per worker in an anonymous
 * shared mapping made by the master before fork; each worker writes only its own slot (relaxed
 * atomics), /metrics sums the slots, so any worker answers for the whole daemon.
 *
 * Owns: the counters and their text rendering. Does not own: who may read them (route flags).
 */
#ifndef AUTHD_METRICS_H
#define AUTHD_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* In the master, before fork: maps room for `workers` slots. 0 or E_NOMEM. */
int metrics_init(int workers);
/* In a worker: which slot it writes; marks it up. */
void metrics_attach(int worker);
/* In the master: a worker slot went down or came back (before the restarted worker attaches). */
void metrics_set_up(int worker, int up);

void metrics_request(size_t route, int status, uint64_t ns);
void metrics_unrouted(int status, uint64_t ns);
void metrics_store_cmd(void);
void metrics_store_error(void);
void metrics_store_reconnect(void);
void metrics_store_state(int connected);
void metrics_reload(int ok);
void metrics_waiting(size_t n);       /* this worker's parked long-polls */
void metrics_sub_state(int connected); /* its pub/sub connection */

/* Renders Prometheus text exposition format 0.0.4 into buf. 0 or E_NOMEM. */
int metrics_render(struct evbuffer *buf);

#endif
