/* ep_ciba.c — see ep_ciba.h. */
#include "ep_ciba.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "audit.h"
#include "authz.h"
#include "clients.h"
#include "conf.h"
#include "ep_app.h"
#include "ep_token.h"
#include "form.h"
#include "gen.h"
#include "http.h"
#include "sec.h"
#include "skeys.h"
#include "sref.h"
#include "store.h"

#define BINDING_MAX 64
#define RID_BYTES 16

/* --- /bc-authorize --- */

struct bc {
	char id[ACCT_ID_LEN + 1], masked[ACCT_ID_LEN + 1], rid[32];
	long long expires_in;
};

static enum step bc_created(struct req *r)
{
	struct bc *b = r->ctx;
	char ref[SREF_SIZE], *body;

	if (r->reply == NULL || (r->reply->type != SR_STRING && r->reply->type != SR_STATUS))
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(r->reply->str, "ok") != 0)
		return req_fail(r, 400, "unknown_user_id", "no active eID account for this login_hint");
	if (sref_make(r->gen->data_key, "ciba", b->id, ref) != 0)
		return req_fail(r, 500, "server_error", NULL);
	body = arena_printf(&r->arena,
	                    "{\"auth_req_id\":\"%s.%s\",\"expires_in\":%lld,\"interval\":%d}", ref,
	                    b->rid, b->expires_in, CIBA_INTERVAL);
	if (body == NULL)
		return req_fail_oom(r);
	req_log(LOG_INFO, r, "ciba_requested", "client", r->client->id, "id", b->masked, NULL);
	return http_reply(r, 200, "application/json", body, strlen(body), RESP_NOSTORE);
}

/* A binding message the app can show as it is: 1..BINDING_MAX bytes, no control characters. */
static int binding_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > BINDING_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static enum step bc_authenticated(struct req *r)
{
	struct bc *b = req_ctx(r, sizeof(*b));
	const struct client *c = r->client;
	const char *scope = form_get(r->form, "scope"), *hint = form_get(r->form, "login_hint");
	const char *bm = form_get(r->form, "binding_message");
	const char *rexp = form_get(r->form, "requested_expiry");
	struct errbuf eb = { 0 };
	unsigned scopes;
	int acr_min = c->require_acr > 0 ? c->require_acr : 1;
	char kacct[SK_MAX], kreq[SK_MAX], kset[SK_MAX], ttl[24], sc[16], acr[12], now[24], exp[24];
	char iv[12];
	const char *args[24];
	int n = 0;
	long long t = (long long)time(NULL);

	if (b == NULL)
		return req_fail_oom(r);
	if ((c->grants & GRANT_CIBA) == 0)
		return req_fail(r, 400, "unauthorized_client", "CIBA is not registered for the client");
	if (form_get(r->form, "login_hint_token") != NULL || form_get(r->form, "id_token_hint"))
		return req_fail(r, 400, "invalid_request", "only login_hint (an ID number) is supported");
	if (form_get(r->form, "user_code") != NULL || form_get(r->form, "request") != NULL)
		return req_fail(r, 400, "invalid_request", "user_code and request are not supported");
	if (hint == NULL)
		return req_fail(r, 400, "invalid_request", "login_hint (the citizen's ID number) is required");
	if (scope == NULL || clients_scope_parse(scope, &scopes, &eb) != 0 ||
	    !(scopes & SCOPE_OPENID) || (scopes & ~c->scopes) != 0)
		return req_fail(r, 400, "invalid_scope", "scope must contain openid and be registered");
	if (bm != NULL && !binding_ok(bm))
		return req_fail(r, 400, "invalid_binding_message",
		                "binding_message: 1..64 bytes of printable text");
	b->expires_in = r->gen->conf->ciba_ttl;
	if (rexp != NULL) {
		if (strlen(rexp) > 4 || strspn(rexp, "0123456789") != strlen(rexp) ||
		    atoll(rexp) < 1)
			return req_fail(r, 400, "invalid_request", "requested_expiry: seconds");
		if (atoll(rexp) < b->expires_in)
			b->expires_in = atoll(rexp);
	}
	{
		/* acr_values as at /authorize: any listed level satisfies, the registration is a floor */
		const char *av = form_get(r->form, "acr_values");

		if (av != NULL && strstr(av, "urn:eid:level:2") != NULL &&
		    strstr(av, "urn:eid:level:1") == NULL)
			acr_min = 2;
	}
	if (strlen(hint) != ACCT_ID_LEN || !acct_id_syntax_ok(hint))
		return req_fail(r, 400, "unknown_user_id", "no active eID account for this login_hint");
	snprintf(b->id, sizeof(b->id), "%s", hint);
	acct_id_mask(b->id, b->masked);
	if (sec_random_token(b->rid, RID_BYTES) != 0)
		return req_fail(r, 500, "server_error", NULL);
	sk_acct(kacct, b->id);
	sk_ciba(kreq, b->id, b->rid);
	sk_cibas(kset, b->id);
	snprintf(ttl, sizeof(ttl), "%lld", b->expires_in + 30); /* kept a little for expired_token */
	snprintf(sc, sizeof(sc), "%u", scopes);
	snprintf(acr, sizeof(acr), "%d", acr_min);
	snprintf(now, sizeof(now), "%lld", t);
	snprintf(exp, sizeof(exp), "%lld", t + b->expires_in);
	snprintf(iv, sizeof(iv), "%d", CIBA_INTERVAL);
	args[n++] = kacct, args[n++] = kreq, args[n++] = kset;
	args[n++] = ttl, args[n++] = b->rid;
	args[n++] = "client", args[n++] = c->id;
	args[n++] = "scope", args[n++] = sc;
	args[n++] = "acr_min", args[n++] = acr;
	args[n++] = "binding_message", args[n++] = bm != NULL ? bm : "";
	args[n++] = "created", args[n++] = now;
	args[n++] = "exp", args[n++] = exp;
	args[n++] = "interval", args[n++] = iv;
	args[n++] = "status", args[n++] = "pending";
	return store_eval(r, bc_created, LUA_CIBA_NEW, 3, n, args, NULL);
}

enum step ep_ciba_authorize(struct req *r)
{
	return ep_token_client_auth(r, bc_authenticated);
}

/* --- the app: pending requests, decisions --- */

struct app {
	struct app_sess s;
	const char *rid, *decision, *signature;
	char amr[64];
};

static enum step pending_listed(struct req *r)
{
	const struct sreply *x = r->reply;
	json_t *list = json_array();

	if (list == NULL)
		return req_fail_oom(r);
	if (x == NULL || x->type != SR_ARRAY || x->n % 7 != 0) {
		json_decref(list);
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	}
	for (size_t i = 0; i + 6 < x->n; i += 7) {
		const struct client *c = clients_find(r->gen->clients, x->elem[i + 1]->str);
		unsigned scopes = (unsigned)strtoul(x->elem[i + 2]->str, NULL, 10);
		char sc[LIM_SCOPE_STR];

		if (c == NULL || clients_scope_render(scopes, sc, sizeof(sc)) < 0)
			continue;
		json_array_append_new(
		        list,
		        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id", x->elem[i]->str,
		                  "client_id", c->id, "client_name", c->name, "scope", sc,
		                  "acr_values",
		                  atoi(x->elem[i + 3]->str) >= 2 ? "urn:eid:level:2" : "urn:eid:level:1",
		                  "binding_message", x->elem[i + 4]->str,
		                  "expires_in",
		                  (json_int_t)(atoll(x->elem[i + 6]->str) - (long long)time(NULL)),
		                  "requested_at", (json_int_t)atoll(x->elem[i + 5]->str)));
	}
	return http_reply_json(r, 200, json_pack("{s:o}", "requests", list));
}

static enum step pending_session(struct req *r)
{
	struct app *a = r->ctx;
	char kset[SK_MAX], prefix[SK_MAX], now[24];
	const char *args[3] = { kset, prefix, now };

	if (!ep_app_session_ok(r, &a->s))
		return STEP_DONE;
	sk_cibas(kset, a->s.id);
	sk_ciba(prefix, a->s.id, "");
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	return store_eval(r, pending_listed, LUA_CIBA_LIST, 2, 3, args, NULL);
}

enum step ep_ciba_pending(struct req *r)
{
	struct app *a = req_ctx(r, sizeof(*a));

	if (a == NULL)
		return req_fail_oom(r);
	return ep_app_session_begin(r, &a->s, pending_session);
}

static enum step decide_done(struct req *r);
static enum step decide_audited(struct req *r);

/* The decision JWS by the bound device key binds this request, the decision and this endpoint. */
static enum step decide_account(struct req *r)
{
	struct app *a = r->ctx;
	const struct sreply *x = r->reply;
	json_t *p = NULL;
	const char *rid, *dec, *aud;
	char *want, kreq[SK_MAX], kset[SK_MAX], now[24];
	const char *args[7];
	int ok;

	if (x == NULL || x->type != SR_ARRAY || x->n != 2 || x->elem[0]->type != SR_STRING)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	want = arena_printf(&r->arena, "%s/app/v1/ciba/decide", r->gen->conf->issuer);
	if (want == NULL)
		return req_fail_oom(r);
	if (ep_app_device_jws(r, x->elem[0]->str, a->s.device_id, a->signature, &p) != 0)
		return req_fail(r, 401, "invalid_device", "the decision is not signed by this device");
	rid = json_string_value(json_object_get(p, "id"));
	dec = json_string_value(json_object_get(p, "decision"));
	aud = json_string_value(json_object_get(p, "aud"));
	ok = rid != NULL && dec != NULL && aud != NULL && strcmp(rid, a->rid) == 0 &&
	     strcmp(dec, a->decision) == 0 && strcmp(aud, want) == 0;
	json_decref(p);
	if (!ok)
		return req_fail(r, 401, "invalid_device",
		                "the signature does not cover this request and decision");
	sk_ciba(kreq, a->s.id, a->rid);
	sk_cibas(kset, a->s.id);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	snprintf(a->amr, sizeof(a->amr), "[\"hwk\",\"pin\"]");
	args[0] = kreq, args[1] = a->s.k_acct, args[2] = kset;
	args[3] = strcmp(a->decision, "approve") == 0 ? "approve" : "deny";
	args[4] = now, args[5] = a->amr, args[6] = a->rid;
	return store_eval(r, decide_done, LUA_CIBA_DECIDE, 3, 7, args, NULL);
}

static enum step decide_session(struct req *r)
{
	struct app *a = r->ctx;

	if (!ep_app_session_ok(r, &a->s))
		return STEP_DONE;
	return store_cmd(r, decide_account, "HMGET %s device_key device_id", a->s.k_acct);
}

static enum step decide_done(struct req *r)
{
	struct app *a = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || (x->type != SR_STRING && x->type != SR_STATUS))
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(x->str, "gone") == 0)
		return req_fail(r, 404, "not_found", "no such pending request: expired or decided");
	if (strcmp(x->str, "level") == 0) {
		req_log(LOG_INFO, r, "ciba_denied_level", "id", a->s.masked, NULL);
		return req_fail(r, 403, "level_too_low",
		                "this service needs a level-2 account: raise your account to level 2 "
		                "with your chip ID card, then try again");
	}
	req_log(LOG_INFO, r, "ciba_decided", "id", a->s.masked, "decision", a->decision, NULL);
	return audit_append_id(r, decide_audited,
	                       strcmp(a->decision, "approve") == 0 ? "ciba_approved" : "ciba_denied",
	                       a->s.id, a->rid);
}

static enum step decide_audited(struct req *r)
{
	struct app *a = r->ctx;

	return http_reply_json(r, 200, json_pack("{s:s}", "status",
	                                         strcmp(a->decision, "approve") == 0 ? "approved"
	                                                                             : "denied"));
}

enum step ep_ciba_decide(struct req *r)
{
	struct app *a = req_ctx(r, sizeof(*a));

	if (a == NULL)
		return req_fail_oom(r);
	if (http_json_need(r, "id", 64, &a->rid) != 0 ||
	    http_json_need(r, "decision", 16, &a->decision) != 0 ||
	    http_json_need(r, "signature", LIM_JWS, &a->signature) != 0)
		return STEP_DONE;
	if (strcmp(a->decision, "approve") != 0 && strcmp(a->decision, "deny") != 0)
		return req_fail(r, 400, "invalid_request", "decision must be approve or deny");
	return ep_app_session_begin(r, &a->s, decide_session);
}
