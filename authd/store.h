/*
 * store.h — Redis through hiredis' async API on the worker's event base: connect (TCP or unix
 * socket), AUTH/SELECT/PING handshake, reconnect with back-off, readiness, and commands issued on
 * behalf of a request whose replies are copied into the request's arena before the next step runs.
 *
 * Only store.c includes hiredis. Redis down = the command is refused at once (503 set on the
 * request) or its callback gets no reply (r->store_down, 503 via req_resume); never a crash.
 * hiredis 0.14 has no command timeouts: the request deadline (req.c) is the only one.
 */
#ifndef AUTHD_STORE_H
#define AUTHD_STORE_H

#include <stddef.h>

#include "lua_gen.h"
#include "req.h"

struct event_base;
struct conf;
struct store;

enum sreply_type { SR_STRING = 1, SR_ARRAY, SR_INTEGER, SR_NIL, SR_STATUS, SR_ERROR };

/* A Redis reply copied into a request's arena (hiredis frees its own on return). */
struct sreply {
	enum sreply_type type;
	long long integer;
	char *str; /* NUL-terminated; may contain NULs within len */
	size_t len;
	struct sreply **elem;
	size_t n;
};

/* Starts connecting at once; never fails for want of Redis (it keeps retrying). */
int store_new(struct event_base *base, const struct conf *c, int worker, struct store **out);
void store_free(struct store *s); /* NULL-safe; pending requests get reply == NULL */

/* A subscriber: a second connection, in pub/sub mode on one channel, with the same reconnect.
 * `ready` runs each time the subscription is (re)confirmed (messages may have been missed
 * before it), `message` for each message published on the channel. Not for store_cmd*. */
struct store_sub {
	void (*ready)(void *arg);
	void (*message)(void *arg, const char *msg, size_t len);
	void *arg;
};
int store_sub_new(struct event_base *base, const struct conf *c, int worker, const char *channel,
                  const struct store_sub *sub, struct store **out);
int store_ready(const struct store *s);

/* Sends a command (argv form, binary-safe) for r; on reply, r->reply is set and next runs.
 * Returns STEP_WAIT, or STEP_DONE with a 503 set when Redis is not connected. */
enum step store_cmdv(struct req *r, step_fn next, int argc, const char **argv,
                     const size_t *argvlen);
/* Runs one of the scripts in authd/lua with EVALSHA: args[0..nkeys-1] are the keys, the rest ARGV.
 * `lens` may be NULL for NUL-terminated args. Same results as store_cmdv. */
enum step store_eval(struct req *r, step_fn next, enum lua_script script, int nkeys, int nargs,
                     const char *const *args, const size_t *lens);

/* Runs a script for no one: the reply is dropped, nothing waits on it (best-effort counters).
 * At most 8 args. Returns 0 when sent, -1 when Redis is not ready. */
int store_eval_detached(struct store *s, enum lua_script script, int nkeys, int nargs,
                        const char *const *args);

/* A script for background work (no request): `cb` runs once with the reply (NULL when Redis
 * failed or went away), which lives only during the call. At most 64 args. 0 when sent (cb will
 * run), -1 when not ready (cb will not run). */
typedef void (*store_fn)(void *arg, const struct sreply *x);
int store_eval_fn(struct store *s, enum lua_script script, int nkeys, int nargs,
                  const char *const *args, store_fn cb, void *arg);

/* A command for no one, the same way (argv NUL-terminated). 0 when sent, -1 otherwise. */
int store_cmdv_detached(struct store *s, int argc, const char **argv);

/* printf-style convenience for fixed commands ("PING"). Same results. */
enum step store_cmd(struct req *r, step_fn next, const char *fmt, ...);

#endif
