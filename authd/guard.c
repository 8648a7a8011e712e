/* guard.c — see guard.h. */
#include "guard.h"

#include <stdio.h>
#include <time.h>

#include <event2/http.h>

#include "http.h"
#include "conf.h"
#include "gen.h"
#include "log.h"
#include "route.h"
#include "skeys.h"
#include "store.h"
#include "worker.h"

#define GUARD_WINDOW "3600"

static enum step guard_checked(struct req *r)
{
	const struct sreply *x = r->reply;
	char retry[24];

	if (x == NULL || x->type != SR_ARRAY || x->n != 2 || x->elem[0]->type != SR_INTEGER ||
	    x->elem[1]->type != SR_INTEGER)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->elem[0]->integer < r->gen->conf->auth_fail_per_ip_hour)
		return r->route->first(r);
	req_log(LOG_WARN, r, "auth_address_limited", "ip", http_client_ip(r), NULL);
	snprintf(retry, sizeof(retry), "%lld", x->elem[1]->integer > 0 ? x->elem[1]->integer : 60);
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Retry-After", retry);
	return req_fail(r, 429, "rate_limited",
	                "too many failed attempts from this network; try again later");
}

enum step guard_first(struct req *r)
{
	char key[SK_MAX];
	const char *keys[] = { key };

	sk_rl_auth_ip(key, http_client_ip(r));
	return store_eval(r, guard_checked, LUA_RL_PEEK, 1, 1, keys, NULL);
}

void guard_fail(struct req *r)
{
	char key[SK_MAX], lim[24];
	const char *args[] = { key, lim, GUARD_WINDOW };

	sk_rl_auth_ip(key, http_client_ip(r));
	snprintf(lim, sizeof(lim), "%lld", r->gen->conf->auth_fail_per_ip_hour);
	if (store_eval_detached(r->w->store, LUA_RL_HIT, 1, 3, args) != 0)
		req_log(LOG_WARN, r, "auth_failure_not_counted", "ip", http_client_ip(r), NULL);
}

enum step guard_account_fail(struct req *r, step_fn next, const char *id)
{
	char kacct[SK_MAX], now[24], max[24], first[24], lmax[24];
	const char *args[5] = { kacct, now, max, first, lmax };

	sk_acct(kacct, id);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	snprintf(max, sizeof(max), "%lld", r->gen->conf->pin_failures);
	snprintf(first, sizeof(first), "%lld", r->gen->conf->lock_first);
	snprintf(lmax, sizeof(lmax), "%lld", r->gen->conf->lock_max);
	return store_eval(r, next, LUA_PWD_FAIL, 1, 5, args, NULL);
}
