/*
 * guard.h — the per-client-address limit on authentication failures. Wrong passcodes,
 * passwords, SMS codes and device signatures from one address are counted in a fixed one-hour
 * window (eid:rl:ip:<ip>:auth, shared by every worker and instance); past
 * accounts.auth_failures_per_ip_hour every guarded route answers 429 with Retry-After before its
 * handler runs. Account lockout (ep_app.c) stops guessing at one citizen; this stops one address
 * from spraying guesses across many citizens. The limit is generous because carrier-grade NAT
 * puts many honest citizens behind one address, and only failures count.
 *
 * guard_account_fail is the account-side counterpart for passwords.
 *
 * Does not own: what is a failure (the handlers call guard_fail), the client address (http.c).
 */
#ifndef AUTHD_GUARD_H
#define AUTHD_GUARD_H

#include "req.h"

/* The first step of a guarded route (route.c, R_GUARD): checks the address's count, then runs
 * the route's own first step. */
enum step guard_first(struct req *r);

/* Counts one authentication failure against the request's client address. Fire-and-forget:
 * the answer never waits on it, and a Redis outage only loses the count. */
void guard_fail(struct req *r);

/* Counts a wrong password (or a wrong one-time code after it) against citizen `id`'s account
 * lock, the one wrong passcodes share (pwd_fail.lua: accounts.passcode_failures, then a lock of
 * accounts.lock_first_s doubling up to accounts.lock_max_s); `next` reads its reply. */
enum step guard_account_fail(struct req *r, step_fn next, const char *id);

#endif
