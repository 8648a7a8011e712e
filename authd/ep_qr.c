/* ep_qr.c — see ep_qr.h. */
#include "ep_qr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "audit.h"
#include "clients.h"
#include "conf.h"
#include "ep_app.h"
#include "gen.h"
#include "http.h"
#include "qr.h"
#include "sec.h"
#include "skeys.h"
#include "store.h"

struct qa {
	struct app_sess s;
	char k_qr[SK_MAX], topic[SK_MAX];
	char qid[QR_ID_LEN + 1], nonce[32];
	const char *payload, *decision, *signature;
};

/* --- scan --- */

static enum step scan_loaded(struct req *r);
static enum step scan_bound(struct req *r);

static enum step scan_session(struct req *r)
{
	struct qa *a = r->ctx;

	if (!ep_app_session_ok(r, &a->s))
		return STEP_DONE;
	return store_cmd(r, scan_loaded, "HMGET %s secret created status", a->k_qr);
}

static enum step scan_loaded(struct req *r)
{
	struct qa *a = r->ctx;
	const struct sreply *x = r->reply;
	uint8_t secret[QR_SECRET_LEN + 2];
	int fresh;
	const char *args[5];

	if (x == NULL || x->type != SR_ARRAY || x->n != 3)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->elem[0]->type != SR_STRING || x->elem[1]->type != SR_STRING ||
	    sec_b64url_decode(x->elem[0]->str, x->elem[0]->len, secret) != QR_SECRET_LEN)
		return req_fail(r, 404, "not_found", "this QR code is unknown or expired");
	fresh = qr_fresh(secret, a->payload, (long long)time(NULL) - atoll(x->elem[1]->str),
	                 r->gen->conf->qr_tolerance);
	sec_wipe(secret, sizeof(secret));
	if (!fresh) {
		req_log(LOG_WARN, r, "qr_code_stale", "id", a->s.masked, NULL);
		return req_fail(r, 400, "invalid_code",
		                "this QR code is too old or not genuine: scan the code on the screen "
		                "again");
	}
	if (sec_random_token(a->nonce, 16) != 0)
		return req_fail(r, 500, "server_error", NULL);
	args[0] = a->k_qr, args[1] = a->s.id, args[2] = a->nonce, args[3] = SK_EVENTS;
	args[4] = a->topic;
	return store_eval(r, scan_bound, LUA_QR_SCAN, 1, 5, args, NULL);
}

static enum step scan_bound(struct req *r)
{
	struct qa *a = r->ctx;
	const struct sreply *x = r->reply;
	const struct client *c;
	unsigned scopes;
	char sc[LIM_SCOPE_STR];

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type == SR_STRING || x->type == SR_STATUS)
		return strcmp(x->str, "taken") == 0
		               ? req_fail(r, 409, "taken", "another account scanned this QR code")
		               : req_fail(r, 404, "not_found", "this QR login has ended");
	if (x->type != SR_ARRAY || x->n != 7)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	for (size_t i = 1; i < 7; i++)
		if (x->elem[i]->type != SR_STRING)
			return req_fail(r, 500, "server_error", NULL);
	if ((c = clients_find(r->gen->clients, x->elem[1]->str)) == NULL)
		return req_fail(r, 404, "not_found", "the service is no longer registered");
	scopes = (unsigned)strtoul(x->elem[2]->str, NULL, 10);
	if (clients_scope_render(scopes, sc, sizeof(sc)) < 0)
		return req_fail(r, 500, "server_error", NULL);
	req_log(LOG_INFO, r, "qr_scanned", "id", a->s.masked, "client", c->id, NULL);
	return http_reply_json(
	        r, 200,
	        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "qid", a->qid, "client_id",
	                  c->id, "client_name", c->name, "scope", sc, "acr_values",
	                  atoi(x->elem[3]->str) >= 2 ? "urn:eid:level:2" : "urn:eid:level:1",
	                  "browser_started_at", (json_int_t)atoll(x->elem[4]->str), "browser_ip",
	                  x->elem[5]->str, "expires_in",
	                  (json_int_t)(atoll(x->elem[6]->str) - (long long)time(NULL)), "nonce",
	                  a->nonce));
}

enum step ep_qr_scan(struct req *r)
{
	struct qa *a = req_ctx(r, sizeof(*a));
	long long t;

	if (a == NULL)
		return req_fail_oom(r);
	if (http_json_need(r, "payload", QR_PAYLOAD_MAX, &a->payload) != 0)
		return STEP_DONE;
	if (qr_parse(a->payload, a->qid, &t) != 0)
		return req_fail(r, 400, "invalid_code", "this is not an eID login QR code");
	sk_qr(a->k_qr, a->qid);
	sk_qr_topic(a->topic, a->qid);
	return ep_app_session_begin(r, &a->s, scan_session);
}

/* --- decide --- */

static enum step decide_account(struct req *r);
static enum step decide_done(struct req *r);
static enum step decide_audited(struct req *r);

static enum step decide_session(struct req *r)
{
	struct qa *a = r->ctx;

	if (!ep_app_session_ok(r, &a->s))
		return STEP_DONE;
	return store_cmd(r, decide_account, "HGET %s device_key", a->s.k_acct);
}

/* The JWS binds the transaction, the decision, the nonce the scan gave and this endpoint. */
static enum step decide_account(struct req *r)
{
	struct qa *a = r->ctx;
	const struct sreply *x = r->reply;
	json_t *p = NULL;
	const char *q, *d, *n, *aud;
	char *want, now[24];
	const char *args[9];
	int ok;

	if (x == NULL || x->type != SR_STRING)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if ((want = arena_printf(&r->arena, "%s/app/v1/qr/decide", r->gen->conf->issuer)) == NULL)
		return req_fail_oom(r);
	if (ep_app_device_jws(r, x->str, a->s.device_id, a->signature, &p) != 0)
		return req_fail(r, 401, "invalid_device", "the decision is not signed by this device");
	q = json_string_value(json_object_get(p, "qid"));
	d = json_string_value(json_object_get(p, "decision"));
	n = json_string_value(json_object_get(p, "nonce"));
	aud = json_string_value(json_object_get(p, "aud"));
	ok = q != NULL && d != NULL && n != NULL && aud != NULL && strcmp(q, a->qid) == 0 &&
	     strcmp(d, a->decision) == 0 && strcmp(aud, want) == 0 && strlen(n) < sizeof(a->nonce);
	if (ok)
		snprintf(a->nonce, sizeof(a->nonce), "%s", n);
	json_decref(p);
	if (!ok)
		return req_fail(r, 401, "invalid_device",
		                "the signature does not cover this login and decision");
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	args[0] = a->k_qr, args[1] = a->s.id, args[2] = a->nonce, args[3] = a->decision;
	args[4] = a->s.level, args[5] = "[\"hwk\",\"pin\"]", args[6] = now, args[7] = SK_EVENTS;
	args[8] = a->topic;
	return store_eval(r, decide_done, LUA_QR_DECIDE, 1, 9, args, NULL);
}

static enum step decide_done(struct req *r)
{
	struct qa *a = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || (x->type != SR_STRING && x->type != SR_STATUS))
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(x->str, "gone") == 0)
		return req_fail(r, 404, "not_found", "scan the QR code first; or it was decided");
	if (strcmp(x->str, "nonce") == 0)
		return req_fail(r, 401, "invalid_device", "the signature is for another scan");
	if (strcmp(x->str, "level") == 0)
		return req_fail(r, 403, "level_too_low",
		                "this service needs a level-2 account: raise your account to level 2 "
		                "with your chip ID card, then try again");
	req_log(LOG_INFO, r, "qr_decided", "id", a->s.masked, "decision", a->decision, NULL);
	return audit_append_id(r, decide_audited,
	                       strcmp(a->decision, "approve") == 0 ? "qr_approved" : "qr_denied",
	                       a->s.id, a->qid);
}

static enum step decide_audited(struct req *r)
{
	struct qa *a = r->ctx;

	return http_reply_json(r, 200, json_pack("{s:s}", "status",
	                                         strcmp(a->decision, "approve") == 0 ? "approved"
	                                                                             : "denied"));
}

enum step ep_qr_decide(struct req *r)
{
	struct qa *a = req_ctx(r, sizeof(*a));
	const char *q;

	if (a == NULL)
		return req_fail_oom(r);
	if (http_json_need(r, "qid", QR_ID_LEN, &q) != 0 ||
	    http_json_need(r, "decision", 16, &a->decision) != 0 ||
	    http_json_need(r, "signature", LIM_JWS, &a->signature) != 0)
		return STEP_DONE;
	if (strlen(q) != QR_ID_LEN)
		return req_fail(r, 400, "invalid_request", "qid: 22 characters");
	if (strcmp(a->decision, "approve") != 0 && strcmp(a->decision, "deny") != 0)
		return req_fail(r, 400, "invalid_request", "decision must be approve or deny");
	snprintf(a->qid, sizeof(a->qid), "%s", q);
	sk_qr(a->k_qr, a->qid);
	sk_qr_topic(a->topic, a->qid);
	return ep_app_session_begin(r, &a->s, decide_session);
}
