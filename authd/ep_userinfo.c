/* ep_userinfo.c — see ep_userinfo.h. */
#include "ep_userinfo.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "accounts.h"
#include "clients.h"
#include "conf.h"
#include "form.h"
#include "gen.h"
#include "http.h"
#include "jws.h"
#include "sec.h"
#include "skeys.h"
#include "sref.h"
#include "store.h"
#include "tok.h"

struct ui {
	json_t *claims; /* the verified access token's claims (arena-deferred decref) */
	char id[ACCT_ID_LEN + 1];
	unsigned scopes;
};

static enum step loaded(struct req *r)
{
	struct ui *u = r->ctx;
	const struct sreply *x = r->reply;
	json_t *out;

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type != SR_ARRAY || x->n != 5)
		return http_fail_token(r, "the access token is no longer valid");
	out = json_pack("{s:O}", "sub", json_object_get(u->claims, "sub"));
	if (out == NULL)
		return req_fail_oom(r);
	if (u->scopes & SCOPE_PROFILE) {
		const char *sex = x->elem[2]->str;

		json_object_set_new(out, "name", json_string(x->elem[0]->str));
		json_object_set_new(out, "birthdate", json_string(x->elem[1]->str));
		json_object_set_new(out, "gender", json_string(strcmp(sex, "F") == 0   ? "female"
		                                               : strcmp(sex, "M") == 0 ? "male"
		                                                                       : "other"));
	}
	if (u->scopes & SCOPE_PHONE) {
		char e164[ACCT_PHONE_MAX + 1];

		if (acct_phone_normalize(x->elem[4]->str, e164) == 0) {
			json_object_set_new(out, "phone_number", json_string(e164));
			json_object_set_new(out, "phone_number_verified", json_true());
		}
	}
	if (u->scopes & SCOPE_ADDRESS)
		json_object_set_new(out, "address", json_pack("{s:s, s:s}", "formatted",
		                                              x->elem[3]->str, "country", "VN"));
	if (u->scopes & SCOPE_CITIZEN_ID)
		json_object_set_new(out, "citizen_id", json_string(u->id));
	if (json_object_get(u->claims, "acr") != NULL)
		json_object_set(out, "acr", json_object_get(u->claims, "acr"));
	return http_reply_json(r, 200, out);
}

enum step ep_userinfo(struct req *r)
{
	struct ui *u = req_ctx(r, sizeof(*u));
	const char *h = http_header(r, "Authorization"), *tok = NULL, *jti, *scope, *rest;
	struct errbuf eb = { 0 };
	json_t *c = NULL;
	char gid[32], katrev[SK_MAX], kgrant[SK_MAX], kacct[SK_MAX], kreg[SK_MAX];
	const char *keys[4] = { katrev, kgrant, kacct, kreg };
	size_t n;

	if (u == NULL)
		return req_fail_oom(r);
	if (strcmp(r->method, "POST") == 0 && http_form_body(r) != 0)
		return STEP_DONE;
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		tok = h + 7;
	if (form_get(r->form, "access_token") != NULL) {
		if (tok != NULL) /* RFC 6750 §2: one method per request */
			return req_fail(r, 400, "invalid_request", "send the token once");
		tok = form_get(r->form, "access_token");
	}
	if (tok == NULL) {
		r->www_auth = "Bearer";
		return req_fail(r, 401, "invalid_request", "an access token is required");
	}
	if (tok_access_verify(r->gen->keys, r->gen->conf->issuer, (long long)time(NULL), tok, &c) != 0)
		return http_fail_token(r, "the access token is invalid, expired or not ours");
	if (http_keep_json(r, c) != 0)
		return STEP_DONE;
	u->claims = c;
	jti = json_string_value(json_object_get(c, "jti"));
	scope = json_string_value(json_object_get(c, "scope"));
	if (sref_open(r->gen->data_key, "at", jti, u->id, &rest) != 0 ||
	    (n = strcspn(rest, ".")) == 0 || n >= sizeof(gid))
		return http_fail_token(r, "the access token names no citizen");
	if (scope == NULL || clients_scope_parse(scope, &u->scopes, &eb) != 0 ||
	    !(u->scopes & SCOPE_OPENID)) {
		r->www_auth = "Bearer error=\"insufficient_scope\", scope=\"openid\"";
		return req_fail(r, 403, "insufficient_scope", "the openid scope is required");
	}
	snprintf(gid, sizeof(gid), "%.*s", (int)n, rest);
	sk_at_revoked(katrev, jti);
	sk_grant(kgrant, u->id, gid);
	sk_acct(kacct, u->id);
	sk_reg(kreg, u->id);
	return store_eval(r, loaded, LUA_USERINFO_LOAD, 4, 4, keys, NULL);
}
