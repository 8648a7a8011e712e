/* route.c — see route.h. */
#include "route.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <string.h>

#include "addr.h"
#include "conf.h"
#include "ep_admin.h"
#include "ep_app.h"
#include "ep_authorize.h"
#include "ep_ciba.h"
#include "ep_discovery.h"
#include "ep_qr.h"
#include "ep_token.h"
#include "ep_userinfo.h"
#include "gen.h"
#include "guard.h"
#include "http.h"
#include "store.h"
#include "worker.h"

#define APP (R_JSON | R_STORE)
#define BACK (R_FORM | R_STORE) /* back-channel OAuth endpoints: form bodies, client auth */
#define APP_AUTH (R_JSON | R_STORE | R_GUARD)

static const struct route routes[] = {
	{ "GET", "/.well-known/openid-configuration", ep_discovery_config, 0, 0 },
	{ "GET", "/jwks", ep_discovery_jwks, 0, 0 },
	{ "GET", "/healthz", ep_discovery_healthz, 0, 0 },
	{ "GET", "/readyz", ep_discovery_readyz, R_STORE, 0 },
	{ "GET", "/metrics", ep_discovery_metrics, R_METRICS, 0 },
	{ "GET", "/authorize", ep_authorize, R_STORE, 0 },
	{ "POST", "/authorize", ep_authorize, R_FORM | R_STORE, 16384 },
	{ "POST", "/login", ep_authorize_login, R_FORM | R_STORE | R_GUARD, 8192 },
	{ "POST", "/consent", ep_authorize_consent, R_FORM | R_STORE, 8192 },
	{ "POST", "/par", ep_authorize_par, BACK, 16384 },
	{ "GET", "/qr/image", ep_authorize_qr_image, R_STORE, 0 },
	{ "GET", "/qr/payload", ep_authorize_qr_payload, R_STORE, 0 },
	{ "GET", "/qr/status", ep_authorize_qr_status, R_STORE, 0 },
	{ "GET", "/qr/complete", ep_authorize_qr_complete, R_STORE, 0 },
	{ "GET", "/logout", ep_authorize_logout, R_STORE, 0 },
	{ "POST", "/logout", ep_authorize_logout, R_STORE, 16384 },
	{ "POST", "/bc-authorize", ep_ciba_authorize, BACK, 16384 },
	{ "POST", "/token", ep_token, BACK, 16384 },
	{ "GET", "/userinfo", ep_userinfo, R_STORE, 0 },
	{ "POST", "/userinfo", ep_userinfo, R_STORE, 8192 },
	{ "POST", "/introspect", ep_token_introspect, BACK, 16384 },
	{ "POST", "/revoke", ep_token_revoke, BACK, 16384 },
	{ "POST", "/app/v1/activation/start", ep_app_activation_start, APP, 4096 },
	{ "POST", "/app/v1/activation/verify", ep_app_activation_verify, APP_AUTH, 4096 },
	{ "POST", "/app/v1/activation/complete", ep_app_activation_complete, APP, 8192 },
	{ "POST", "/app/v1/recovery/start", ep_app_recovery_start, APP, 4096 },
	{ "POST", "/app/v1/recovery/verify", ep_app_recovery_verify, APP_AUTH, 4096 },
	{ "POST", "/app/v1/recovery/complete", ep_app_recovery_complete, APP, 8192 },
	{ "POST", "/app/v1/device/start", ep_app_device_start, APP_AUTH, 4096 },
	{ "POST", "/app/v1/device/verify", ep_app_device_verify, APP_AUTH, 4096 },
	{ "POST", "/app/v1/device/complete", ep_app_device_complete, APP, 8192 },
	{ "POST", "/app/v1/login/challenge", ep_app_login_challenge, R_JSON, 1024 },
	{ "POST", "/app/v1/login", ep_app_login, APP_AUTH, 8192 },
	{ "GET", "/app/v1/me", ep_app_me, R_STORE, 0 },
	{ "GET", "/app/v1/ciba/pending", ep_ciba_pending, R_STORE, 0 },
	{ "POST", "/app/v1/qr/scan", ep_qr_scan, APP, 4096 },
	{ "POST", "/app/v1/qr/decide", ep_qr_decide, APP, 8192 },
	{ "POST", "/app/v1/ciba/decide", ep_ciba_decide, APP, 8192 },
	{ "POST", "/app/v1/level2/chip", ep_app_level2_chip, APP, 64 * 1024 },
	{ "GET", "/admin/v1/account", ep_admin_account, R_STORE, 0 },
	{ "GET", "/admin/v1/sessions", ep_admin_sessions, R_STORE, 0 },
	{ "GET", "/admin/v1/audit", ep_admin_audit, R_STORE, 0 },
	{ "POST", "/admin/v1/account/lock", ep_admin_lock, APP, 4096 },
	{ "POST", "/admin/v1/account/revoke", ep_admin_revoke, APP, 4096 },
	{ "POST", "/admin/v1/account/reinstate", ep_admin_reinstate, APP, 4096 },
	{ "POST", "/admin/v1/account/level2", ep_admin_level2, APP, 4096 },
	{ "POST", "/admin/v1/device/retire", ep_admin_retire, APP, 4096 },
	{ "POST", "/admin/v1/sessions/end", ep_admin_end, APP, 4096 },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

size_t route_count(void)
{
	return NROUTES;
}

const struct route *route_at(size_t i)
{
	return i < NROUTES ? &routes[i] : NULL;
}

size_t route_index(const struct route *rt)
{
	return (size_t)(rt - routes);
}

int route_has(const char *path)
{
	for (size_t i = 0; i < NROUTES; i++)
		if (strcmp(routes[i].path, path) == 0)
			return 1;
	return 0;
}

const struct route *route_match(const char *method, const char *path, int *status,
                                const char **allow)
{
	int seen_get = 0, seen_post = 0;

	for (size_t i = 0; i < NROUTES; i++) {
		if (strcmp(routes[i].path, path) != 0)
			continue;
		if (strcmp(routes[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
			return &routes[i];
		if (strcmp(routes[i].method, "GET") == 0)
			seen_get = 1;
		else
			seen_post = 1;
	}
	if (!seen_get && !seen_post) {
		*status = 404;
		*allow = NULL;
	} else {
		*status = 405;
		*allow = seen_get && seen_post ? "GET, HEAD, POST" : seen_get ? "GET, HEAD" : "POST";
	}
	return NULL;
}

void route_dispatch(struct req *r, const char *path)
{
	int status = 0;
	const char *allow = NULL;
	const struct route *rt = route_match(r->method, path, &status, &allow);
	struct evbuffer *in;

	if (rt == NULL) {
		r->allow = allow;
		req_fail(r, status, status == 404 ? "not_found" : "method_not_allowed", NULL);
		req_run(r, NULL);
		return;
	}
	r->route = rt;
	in = evhttp_request_get_input_buffer(r->ev);
	if (in != NULL && evbuffer_get_length(in) > rt->body_max) {
		req_fail(r, 413, "invalid_request", "request body too large");
		req_run(r, NULL);
		return;
	}
	if ((rt->flags & R_METRICS) &&
	    !addr_in(http_client_ip(r), r->gen->conf->metrics_allow.v, r->gen->conf->metrics_allow.n)) {
		req_fail(r, 403, "access_denied", NULL);
		req_run(r, NULL);
		return;
	}
	if ((rt->flags & R_JSON) && http_json_body(r) != 0) {
		req_run(r, NULL);
		return;
	}
	if ((rt->flags & R_FORM) && http_form_body(r) != 0) {
		req_run(r, NULL);
		return;
	}
	if ((rt->flags & R_STORE) && !store_ready(r->w->store)) {
		req_fail(r, 503, "temporarily_unavailable", "storage unavailable");
		req_run(r, NULL);
		return;
	}
	req_run(r, (rt->flags & R_GUARD) ? guard_first : rt->first);
}
