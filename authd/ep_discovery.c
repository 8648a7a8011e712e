/* ep_discovery.c — see ep_discovery.h. */
#include "ep_discovery.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "gen.h"
#include "http.h"
#include "keys.h"
#include "metrics.h"
#include "route.h"
#include "store.h"

/* Endpoint metadata → path. Listed only when route.c serves the path. */
static const struct {
	const char *name, *path;
} endpoints[] = {
	{ "authorization_endpoint", "/authorize" },
	{ "token_endpoint", "/token" },
	{ "userinfo_endpoint", "/userinfo" },
	{ "jwks_uri", "/jwks" },
	{ "pushed_authorization_request_endpoint", "/par" },
	{ "introspection_endpoint", "/introspect" },
	{ "revocation_endpoint", "/revoke" },
	{ "end_session_endpoint", "/logout" },
	{ "backchannel_authentication_endpoint", "/bc-authorize" },
};

/* Endpoints that authenticate clients, and their metadata names (RFC 8414 §2). */
static const struct {
	const char *path, *methods, *algs;
} auth_meta[] = {
	{ "/token", "token_endpoint_auth_methods_supported",
	  "token_endpoint_auth_signing_alg_values_supported" },
	{ "/introspect", "introspection_endpoint_auth_methods_supported",
	  "introspection_endpoint_auth_signing_alg_values_supported" },
	{ "/revoke", "revocation_endpoint_auth_methods_supported",
	  "revocation_endpoint_auth_signing_alg_values_supported" },
};

static const char *const auth_methods[] = { "client_secret_basic", "client_secret_post",
	                                    "private_key_jwt", NULL };

static json_t *strs(const char *const *v)
{
	json_t *a = json_array();

	for (; a != NULL && *v != NULL; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

int ep_discovery_render(const struct conf *c, const struct keyset *ks, char **out, size_t *len)
{
	static const char *const scopes[] = { "openid", "profile", "phone", "address",
		                              "citizen_id", "offline_access", NULL };
	static const char *const claims[] = { "sub", "iss", "aud", "exp", "iat", "auth_time",
		                              "nonce", "acr", "amr", "azp", "sid", "name",
		                              "birthdate", "gender", "phone_number",
		                              "phone_number_verified", "address", "citizen_id",
		                              NULL };
	static const char *const acrs[] = { "urn:eid:level:1", "urn:eid:level:2", NULL };
	static const char *const code[] = { "code", NULL };
	static const char *const pairwise[] = { "pairwise", NULL };
	static const char *const es256[] = { "ES256", NULL };
	static const char *const es_rs[] = { "ES256", "RS256", NULL };
	static const char *const locales[] = { "vi", "en", NULL };
	json_t *j = json_object();
	char *s;

	if (j == NULL)
		return E_NOMEM;
	json_object_set_new(j, "issuer", json_string(c->issuer));
	for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		if (!route_has(endpoints[i].path))
			continue;
		s = malloc(strlen(c->issuer) + strlen(endpoints[i].path) + 1);
		if (s == NULL)
			goto oom;
		strcpy(s, c->issuer);
		strcat(s, endpoints[i].path);
		json_object_set_new(j, endpoints[i].name, json_string(s));
		free(s);
	}
	/* OIDC Discovery §3 REQUIRED members, and what describes the identity data offered. */
	json_object_set_new(j, "response_types_supported", strs(code));
	json_object_set_new(j, "subject_types_supported", strs(pairwise));
	json_object_set_new(j, "id_token_signing_alg_values_supported",
	                    strs(keys_active(ks, KEY_RS256) != NULL ? es_rs : es256));
	json_object_set_new(j, "scopes_supported", strs(scopes));
	json_object_set_new(j, "claims_supported", strs(claims));
	json_object_set_new(j, "acr_values_supported", strs(acrs));
	json_object_set_new(j, "ui_locales_supported", strs(locales));
	if (route_has("/authorize")) {
		static const char *const s256[] = { "S256", NULL };
		static const char *const query[] = { "query", NULL };
		static const char *const prompts[] = { "none", "login", "consent", "select_account",
			                               NULL };

		json_object_set_new(j, "code_challenge_methods_supported", strs(s256));
		json_object_set_new(j, "response_modes_supported", strs(query));
		json_object_set_new(j, "prompt_values_supported", strs(prompts));
		/* RFC 9207: every authorization response carries iss */
		json_object_set_new(j, "authorization_response_iss_parameter_supported", json_true());
		/* OIDC Back-Channel Logout 1.0 §2.1: logout tokens carry sid (bcl.c) */
		json_object_set_new(j, "backchannel_logout_supported", json_true());
		json_object_set_new(j, "backchannel_logout_session_supported", json_true());
	}
	if (route_has("/bc-authorize")) {
		static const char *const poll[] = { "poll", NULL };

		json_object_set_new(j, "backchannel_token_delivery_modes_supported", strs(poll));
		json_object_set_new(j, "backchannel_user_code_parameter_supported", json_false());
	}
	if (route_has("/token")) {
		json_t *g = json_array();

		if (route_has("/authorize")) {
			json_array_append_new(g, json_string("authorization_code"));
			json_array_append_new(g, json_string("refresh_token"));
		}
		json_array_append_new(g, json_string("client_credentials"));
		if (route_has("/bc-authorize"))
			json_array_append_new(g, json_string("urn:openid:params:grant-type:ciba"));
		json_object_set_new(j, "grant_types_supported", g);
		for (size_t i = 0; i < sizeof(auth_meta) / sizeof(auth_meta[0]); i++) {
			if (!route_has(auth_meta[i].path))
				continue;
			json_object_set_new(j, auth_meta[i].methods, strs(auth_methods));
			json_object_set_new(j, auth_meta[i].algs, strs(es_rs));
		}
	}
	json_object_set_new(j, "claims_parameter_supported", json_false());
	json_object_set_new(j, "request_parameter_supported", json_false());
	json_object_set_new(j, "request_uri_parameter_supported", json_false());
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return E_NOMEM;
	*out = s;
	*len = strlen(s);
	return 0;
oom:
	json_decref(j);
	return E_NOMEM;
}

enum step ep_discovery_config(struct req *r)
{
	return http_reply_gen_bytes(r, 200, "application/json", r->gen->discovery,
	                            r->gen->discovery_len, RESP_CACHE | RESP_CORS);
}

enum step ep_discovery_jwks(struct req *r)
{
	return http_reply_gen_bytes(r, 200, "application/json", r->gen->keys->jwks,
	                            r->gen->keys->jwks_len, RESP_CACHE | RESP_CORS);
}

enum step ep_discovery_healthz(struct req *r)
{
	static const char ok[] = "{\"status\":\"ok\"}";

	return http_reply(r, 200, "application/json", ok, sizeof(ok) - 1, RESP_NOSTORE);
}

static enum step readyz_done(struct req *r)
{
	static const char ok[] = "{\"status\":\"ready\"}";

	if (r->reply == NULL || r->reply->type != SR_STATUS || strcmp(r->reply->str, "PONG") != 0)
		return req_fail(r, 503, "temporarily_unavailable", "storage unavailable");
	return http_reply(r, 200, "application/json", ok, sizeof(ok) - 1, RESP_NOSTORE);
}

/* Ready = this worker's Redis connection answers a PING now, not just "was connected". */
enum step ep_discovery_readyz(struct req *r)
{
	return store_cmd(r, readyz_done, "PING");
}

enum step ep_discovery_metrics(struct req *r)
{
	enum step s = http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, 0,
	                         RESP_NOSTORE);

	if (s == STEP_DONE && r->error == NULL && metrics_render(r->body) != 0)
		return req_fail_oom(r);
	return s;
}
