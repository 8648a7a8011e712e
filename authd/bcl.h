/*
 * bcl.h — OpenID Connect Back-Channel Logout 1.0: when a citizen's grants end (revocation, an
 * administrator ending sessions, logout), every RP holding one and registered with a
 * `backchannel_logout_uri` is sent a logout token, asynchronously: the request that ended them
 * only queues a job in Redis (SK_BCL_QUEUE, bounded by backchannel.queue_max), and each worker
 * delivers due jobs from a timer, retrying with a doubling wait (5 s, 10 s, ... at most 1 h) up to
 * backchannel.max_tries. An RP that is down delays nobody.
 *
 * A job is {"c": client_id, "s": the pairwise sub, "i": sid or "", "j": jti, "n": tries}: the
 * token is signed at each attempt (fresh iat and exp, 2 minutes; the same jti), so a retry an
 * hour later is not already expired. Jobs are leased while in flight: a worker that dies mid-
 * delivery leaves them to be taken again (at least once; RPs deduplicate by jti). A 4xx other
 * than 408/429 means the RP refuses the token: given up at once (retrying cannot help).
 *
 * Owns: the job format, the per-worker delivery timer. Does not own: which grants ended (the
 * callers' Lua scripts), the logout token's claims (tok.c), HTTP (fetch.c).
 */
#ifndef AUTHD_BCL_H
#define AUTHD_BCL_H

#include <stddef.h>

#include "req.h"

struct worker;
struct sreply;
struct bcl;

/* Starts the worker's delivery timer. 0 or E_NOMEM. */
int bcl_new(struct worker *w, struct bcl **out);
/* Stops it; deliveries in flight are left to their lease. After fetch_free and store_free
 * (their callbacks may still name it). NULL-safe. */
void bcl_free(struct bcl *b);

/* Queues a logout token for each distinct (client, sid) among the pairs x->elem[from],
 * x->elem[from + 1], ... (client_id, sid; sid may be "") whose client is registered with a
 * backchannel_logout_uri, for the citizen `id` (the sub is that client's pairwise sub). Then runs
 * `next`; *queued is how many were queued (0 when none applied or Redis failed: logged). */
enum step bcl_queue(struct req *r, step_fn next, const char *id, const struct sreply *x,
                    size_t from, int *queued);

#endif
