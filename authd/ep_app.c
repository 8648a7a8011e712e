/* ep_app.c — see ep_app.h. */
#include "ep_app.h"

#include <jansson.h>
#include <stdlib.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "conf.h"
#include "gen.h"
#include "guard.h"
#include "audit.h"
#include "chip.h"
#include "http.h"
#include "jws.h"
#include "keys.h"
#include "pass.h"
#include "workq.h"
#include "sec.h"
#include "skeys.h"
#include "sms.h"
#include "store.h"

#define ACT_ID_BYTES 16 /* activation ids: 128 random bits */
#define SMS_CODE_LEN 6

/* The SMS-confirmed operations share start/verify(/complete) steps; what differs is here. */
struct flow {
	const char *name;        /* for logs: "activation", "recovery", "new_device" */
	const char *id_field;    /* the operation id's name in requests and answers */
	int (*key)(char out[SK_MAX], const char *id);
	const char *need;        /* act_begin.lua: "none" (no account yet) or "account" */
	const char *sms;         /* what the SMS calls the code */
};

static const struct flow FLOW_ACT = { "activation", "activation_id", sk_act, "none", "kich hoat" };
static const struct flow FLOW_REC = { "recovery", "recovery_id", sk_rec, "account", "khoi phuc" };
static const struct flow FLOW_DEV = { "new_device", "operation_id", sk_dev, "account",
	                              "doi thiet bi" };

/* Operation state shared by the steps of one request. */
struct act {
	const struct flow *flow;
	struct acct_claim claim;
	char phone[ACCT_PHONE_MAX + 1];
	char masked[ACCT_ID_LEN + 1];
	char k_reg[SK_MAX], k_acct[SK_MAX], k_act[SK_MAX], k_rl_id[SK_MAX], k_rl_ip[SK_MAX];
	char aid[32];            /* the activation id given to the app */
	char aid_hash[48];       /* base64url SHA-256 of it: what Redis holds */
	char code_mac[48];       /* base64url HMAC(pepper, aid || code): what Redis holds */
	char *code;              /* arena_secret: wiped with the request */
	char reg_phone[ACCT_PHONE_MAX + 1];
	char verdict[16];        /* verify: act_verify.lua's verdict, kept across the audit append */
	long long left;          /* ... and the attempts left */
};


static void b64_sha256(const char *s, char out[48])
{
	uint8_t h[SEC_SHA256_LEN];

	sec_sha256(s, strlen(s), h);
	sec_b64url_encode(h, sizeof(h), out);
}

/* MAC of an SMS code, bound to the activation it was sent for (HMAC with the server pepper: a
 * reader of Redis cannot test the million possible codes without the pepper). */
static void code_mac(struct req *r, const char *aid, const char *code, char out[48])
{
	uint8_t m[SEC_SHA256_LEN];

	sec_hmac256(r->gen->pepper, sizeof(r->gen->pepper), aid, strlen(aid), code, strlen(code),
	            m);
	sec_b64url_encode(m, sizeof(m), out);
}

static int id_need(struct req *r, const char **id)
{
	if (http_json_need(r, "id_number", ACCT_ID_LEN, id) != 0)
		return -1;
	if (!acct_id_syntax_ok(*id)) {
		req_fail(r, 400, "invalid_request", "id_number: must be 12 digits");
		return -1;
	}
	return 0;
}

static long long rl_count(const struct req *r)
{
	const struct sreply *x = r->reply;

	return x != NULL && x->type == SR_ARRAY && x->n == 2 && x->elem[0]->type == SR_INTEGER
	               ? x->elem[0]->integer
	               : -1;
}

static enum step limited(struct req *r, struct act *a)
{
	req_log(LOG_WARN, r, "activation_limited", "id", a->masked, "ip", http_client_ip(r), NULL);
	return req_fail(r, 429, "rate_limited", "too many attempts; try again later");
}

/* --- activation start: ip_peek → load → decide → (mismatch: count, count) | begin → sms --- */

static enum step start_loaded(struct req *r);
static enum step start_counted_id(struct req *r);
static enum step start_counted_ip(struct req *r);
static enum step start_begun(struct req *r);
static enum step start_sent(struct req *r);

static enum step start_ip_checked(struct req *r)
{
	struct act *a = r->ctx;
	const char *keys[] = { a->k_reg, a->k_acct, a->k_rl_id };
	long long n = rl_count(r);

	if (n < 0)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (n >= r->gen->conf->act_per_ip_hour)
		return limited(r, a);
	return store_eval(r, start_loaded, LUA_ACT_LOAD, 3, 3, keys, NULL);
}

static enum step start_common(struct req *r, const struct flow *flow)
{
	struct act *a = req_ctx(r, sizeof(*a));
	const char *phone, *keys[1];
	int y, m, d;

	if (a == NULL)
		return req_fail_oom(r);
	a->flow = flow;
	if (id_need(r, &a->claim.id) != 0 || http_json_need(r, "phone", 32, &phone) != 0 ||
	    http_json_need(r, "full_name", ACCT_NAME_MAX, &a->claim.name) != 0 ||
	    http_json_need(r, "date_of_birth", 10, &a->claim.dob) != 0)
		return STEP_DONE;
	if (acct_phone_normalize(phone, a->phone) != 0)
		return req_fail(r, 400, "invalid_request", "phone: not a Vietnamese mobile number");
	if (acct_dob_parse(a->claim.dob, &y, &m, &d) != 0)
		return req_fail(r, 400, "invalid_request", "date_of_birth: must be YYYY-MM-DD");
	a->claim.phone = a->phone;
	acct_id_mask(a->claim.id, a->masked);
	sk_reg(a->k_reg, a->claim.id);
	sk_acct(a->k_acct, a->claim.id);
	flow->key(a->k_act, a->claim.id);
	sk_rl_act_id(a->k_rl_id, a->claim.id);
	sk_rl_act_ip(a->k_rl_ip, http_client_ip(r));
	keys[0] = a->k_rl_ip;
	return store_eval(r, start_ip_checked, LUA_RL_PEEK, 1, 1, keys, NULL);
}

enum step ep_app_activation_start(struct req *r)
{
	return start_common(r, &FLOW_ACT);
}

/* Recovery starts like activation (the registry details, the same mismatch limits), for a
 * citizen who has an account. */
enum step ep_app_recovery_start(struct req *r)
{
	return start_common(r, &FLOW_REC);
}

/* The registry record from act_load's flat HGETALL list; 0 when absent or incomplete. */
static int reg_from_reply(const struct sreply *list, struct acct_reg *reg)
{
	int have = 0;

	memset(reg, 0, sizeof(*reg));
	for (size_t i = 0; i + 1 < list->n; i += 2) {
		const char *k = list->elem[i]->str, *v = list->elem[i + 1]->str;

		if (k == NULL || v == NULL)
			return 0;
		if (strcmp(k, "name") == 0 && strlen(v) <= ACCT_NAME_MAX)
			have |= 1, snprintf(reg->name, sizeof(reg->name), "%s", v);
		else if (strcmp(k, "dob") == 0 && strlen(v) == 10)
			have |= 2, snprintf(reg->dob, sizeof(reg->dob), "%s", v);
		else if (strcmp(k, "phone") == 0 && strlen(v) <= ACCT_PHONE_MAX)
			have |= 4, snprintf(reg->phone, sizeof(reg->phone), "%s", v);
	}
	return have == 7;
}

static enum step start_loaded(struct req *r)
{
	struct act *a = r->ctx;
	const struct sreply *x = r->reply;
	struct acct_reg reg;
	int found;
	enum acct_act_verdict v;

	if (x == NULL || x->type != SR_ARRAY || x->n != 3 || x->elem[0]->type != SR_INTEGER ||
	    x->elem[1]->type != SR_STRING || x->elem[2]->type != SR_ARRAY)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	found = reg_from_reply(x->elem[2], &reg);
	v = acct_activation_decide(&a->claim, found ? &reg : NULL, x->elem[1]->str,
	                           (long)x->elem[0]->integer, (long)r->gen->conf->act_per_id_hour);
	switch (v) {
	case ACT_LIMITED:
		return limited(r, a);
	case ACT_MISMATCH: {
		const char *keys[] = { a->k_rl_id, "", "3600" };
		char lim[24];

		snprintf(lim, sizeof(lim), "%lld", r->gen->conf->act_per_id_hour);
		keys[1] = arena_strdup(&r->arena, lim);
		if (keys[1] == NULL)
			return req_fail_oom(r);
		return store_eval(r, start_counted_id, LUA_RL_HIT, 1, 3, keys, NULL);
	}
	case ACT_EXISTS:
		if (a->flow == &FLOW_ACT) {
			req_log(LOG_WARN, r, "activation_account_exists", "id", a->masked, NULL);
			return req_fail(r, 409, "account_exists",
			                "this citizen already has an eID account: use recovery or a "
			                "new device instead");
		}
		if (strcmp(x->elem[1]->str, "revoked") == 0)
			return req_fail(r, 403, "account_revoked",
			                "this account is revoked: contact the police office");
		break;
	case ACT_OK:
		if (a->flow != &FLOW_ACT)
			return req_fail(r, 409, "no_account",
			                "this citizen has no eID account yet: activate instead");
		break;
	}
	snprintf(a->reg_phone, sizeof(a->reg_phone), "%s", reg.phone);
	if ((a->code = arena_secret(&r->arena, SMS_CODE_LEN + 1)) == NULL)
		return req_fail_oom(r);
	if (sec_random_token(a->aid, ACT_ID_BYTES) != 0 ||
	    sec_random_digits(a->code, SMS_CODE_LEN) != 0)
		return req_fail(r, 500, "server_error", NULL);
	b64_sha256(a->aid, a->aid_hash);
	code_mac(r, a->aid, a->code, a->code_mac);
	{
		char ttl[24], now[24];
		const char *args[8];

		snprintf(ttl, sizeof(ttl), "%lld", r->gen->conf->sms_code_ttl);
		snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
		args[0] = a->k_act;
		args[1] = a->k_acct;
		args[2] = a->aid_hash;
		args[3] = a->code_mac;
		args[4] = a->reg_phone;
		args[5] = arena_strdup(&r->arena, ttl);
		args[6] = arena_strdup(&r->arena, now);
		args[7] = a->flow->need;
		if (args[5] == NULL || args[6] == NULL)
			return req_fail_oom(r);
		return store_eval(r, start_begun, LUA_ACT_BEGIN, 2, 8, args, NULL);
	}
}

static enum step start_counted_id(struct req *r)
{
	struct act *a = r->ctx;
	char lim[24];
	const char *keys[] = { a->k_rl_ip, lim, "3600" };

	snprintf(lim, sizeof(lim), "%lld", r->gen->conf->act_per_ip_hour);
	return store_eval(r, start_counted_ip, LUA_RL_HIT, 1, 3, keys, NULL);
}

static enum step mismatch_reply(struct req *r)
{
	return req_fail(r, 400, "mismatch", "details do not match");
}

static enum step start_counted_ip(struct req *r)
{
	struct act *a = r->ctx;

	req_log(LOG_WARN, r, "activation_mismatch", "id", a->masked, "ip", http_client_ip(r),
	        NULL);
	return audit_append_id(r, mismatch_reply, "activation_mismatch", a->claim.id,
	                       a->flow->name);
}

static enum step start_begun(struct req *r)
{
	struct act *a = r->ctx;
	char *text;

	if (r->reply == NULL || (r->reply->type != SR_STATUS && r->reply->type != SR_STRING))
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(r->reply->str, "exists") == 0)
		return req_fail(r, 409, "account_exists",
		                "this citizen already has an eID account: use recovery or a new "
		                "device instead");
	if (strcmp(r->reply->str, "no_account") == 0)
		return req_fail(r, 409, "no_account", "this citizen has no eID account yet");
	if (strcmp(r->reply->str, "revoked") == 0)
		return req_fail(r, 403, "account_revoked",
		                "this account is revoked: contact the police office");
	text = arena_printf(&r->arena, "VNeID: ma %s cua ban la %s. Khong chia se ma nay.",
	                    a->flow->sms, a->code);
	if (text == NULL)
		return req_fail_oom(r);
	return sms_send(r, start_sent, a->reg_phone, text);
}

static enum step start_reply(struct req *r);

static enum step start_sent(struct req *r)
{
	struct act *a = r->ctx;

	if (!sms_sent_or_fail(r))
		return STEP_DONE;
	req_log(LOG_INFO, r, "sms_operation_started", "op", a->flow->name, "id", a->masked, NULL);
	return audit_append_id(r, start_reply, "sms_operation_started", a->claim.id, a->flow->name);
}

static enum step start_reply(struct req *r)
{
	struct act *a = r->ctx;
	char masked_phone[ACCT_PHONE_MAX + 1];

	acct_phone_mask(a->reg_phone, masked_phone);
	return http_reply_json(r, 200,
	                  json_pack("{s:s, s:I, s:s}", a->flow->id_field, a->aid, "expires_in",
	                            (json_int_t)r->gen->conf->sms_code_ttl, "phone", masked_phone));
}

/* --- activation verify: check the code (act_verify.lua) --- */

static enum step verify_reply(struct req *r);

static enum step verify_checked(struct req *r)
{
	struct act *a = r->ctx;
	const struct sreply *x = r->reply;
	const char *v, *detail;

	if (x == NULL || x->type != SR_ARRAY || x->n < 1 || x->elem[0]->type != SR_STRING)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	v = x->elem[0]->str;
	snprintf(a->verdict, sizeof(a->verdict), "%s", v);
	a->left = x->n == 2 && x->elem[1]->type == SR_INTEGER ? x->elem[1]->integer : -1;
	if (strcmp(v, "ok") == 0) {
		req_log(LOG_INFO, r, "sms_code_verified", "op", a->flow->name, "id", a->masked, NULL);
		return audit_append_id(r, verify_reply, "sms_code_verified", a->claim.id,
		                       a->flow->name);
	}
	req_log(LOG_WARN, r, "sms_code_refused", "op", a->flow->name, "id", a->masked, "result", v,
	        NULL);
	guard_fail(r);
	if ((detail = arena_printf(&r->arena, "%s;%s", a->flow->name, v)) == NULL)
		return req_fail_oom(r);
	return audit_append_id(r, verify_reply, "sms_code_refused", a->claim.id, detail);
}

static enum step verify_reply(struct req *r)
{
	struct act *a = r->ctx;
	const char *v = a->verdict;

	if (strcmp(v, "ok") == 0)
		return http_reply_json(r, 200, json_pack("{s:s}", "status", "verified"));
	if (strcmp(v, "bad") == 0 && a->left >= 0) {
		json_t *j = json_pack("{s:s, s:s, s:I}", "error", "invalid_code", "error_description",
		                      "the code is wrong", "attempts_left", (json_int_t)a->left);

		return http_reply_json(r, 400, j);
	}
	if (strcmp(v, "locked") == 0)
		return req_fail(r, 400, "invalid_code", "too many wrong codes: start again");
	if (strcmp(v, "used") == 0)
		return req_fail(r, 400, "invalid_code", "this code was already used");
	return req_fail(r, 400, "invalid_code", "no such operation, or it has expired");
}

static enum step verify_common(struct req *r, const struct flow *flow)
{
	struct act *a = req_ctx(r, sizeof(*a));
	const char *aid, *code, *args[4];
	char max[24];

	if (a == NULL)
		return req_fail_oom(r);
	a->flow = flow;
	if (id_need(r, &a->claim.id) != 0 || http_json_need(r, flow->id_field, 64, &aid) != 0 ||
	    http_json_need(r, "code", 16, &code) != 0)
		return STEP_DONE;
	acct_id_mask(a->claim.id, a->masked);
	flow->key(a->k_act, a->claim.id);
	b64_sha256(aid, a->aid_hash);
	code_mac(r, aid, code, a->code_mac);
	snprintf(max, sizeof(max), "%lld", r->gen->conf->sms_code_attempts);
	args[0] = a->k_act;
	args[1] = a->aid_hash;
	args[2] = a->code_mac;
	args[3] = arena_strdup(&r->arena, max);
	if (args[3] == NULL)
		return req_fail_oom(r);
	return store_eval(r, verify_checked, LUA_ACT_VERIFY, 1, 4, args, NULL);
}

enum step ep_app_activation_verify(struct req *r)
{
	return verify_common(r, &FLOW_ACT);
}

enum step ep_app_recovery_verify(struct req *r)
{
	return verify_common(r, &FLOW_REC);
}

enum step ep_app_device_verify(struct req *r)
{
	return verify_common(r, &FLOW_DEV);
}

/* --- activation complete: validate → peek (state, dob) → hash on the pool → commit --- */

#define TOTP_SEED_BYTES 20 /* RFC 4226 §4 recommends 160 bits */

struct done_job {           /* what the pool thread sees: copies only */
	struct pass_params params;
	uint8_t pepper[32];
	char *password, *passcode; /* arena_secret */
	char pwd_hash[PASS_ENCODED_MAX], pin_hash[PASS_ENCODED_MAX];
	int rc;
};

struct complete {
	struct act a;
	char k_sessions[SK_MAX];
	const char *aid, *device_name, *selfie;
	char device_id[KEYS_KID_SIZE];
	char *device_jwk;
	char k_levels[SK_MAX];
	struct done_job *job;
};

static void wipe_json_string(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	if (json_is_string(v)) /* jansson owns the bytes; overwrite them before it frees them */
		sec_wipe((char *)json_string_value(v), json_string_length(v));
}

static void defer_wipe_secrets(void *p)
{
	wipe_json_string(p, "password");
	wipe_json_string(p, "passcode");
}

static void hash_job(void *p)
{
	struct done_job *j = p;

	j->rc = pass_hash(&j->params, j->pepper, j->password, j->pwd_hash);
	if (j->rc == 0)
		j->rc = pass_hash(&j->params, j->pepper, j->passcode, j->pin_hash);
	sec_wipe(j->pepper, sizeof(j->pepper));
}

static enum step complete_peeked(struct req *r);
static enum step complete_hashed(struct req *r);
static enum step complete_done(struct req *r);
static enum step complete_reply(struct req *r);

/* The device key: a public P-256 JWK, stored as its minimal members; its id is the RFC 7638
 * thumbprint. */
static int device_key_need(struct req *r, struct complete *c)
{
	json_t *jwk = json_object_get(r->json, "device_key"), *min;
	struct errbuf eb = { 0 };
	EVP_PKEY *pk = NULL;
	enum key_alg alg;

	if (!json_is_object(jwk)) {
		req_fail(r, 400, "invalid_request", "device_key: must be a JWK object");
		return -1;
	}
	if (keys_jwk_parse(jwk, "device_key", &pk, &alg, c->device_id, &eb) != 0 ||
	    alg != KEY_ES256) {
		EVP_PKEY_free(pk);
		req_fail(r, 400, "invalid_request",
		         eb.msg[0] ? arena_strdup(&r->arena, eb.msg)
		                   : "device_key: must be an EC P-256 key");
		return -1;
	}
	/* the thumbprint is the device id, whatever "kid" the app chose */
	if (keys_thumbprint(pk, c->device_id) != 0) {
		EVP_PKEY_free(pk);
		req_fail(r, 500, "server_error", NULL);
		return -1;
	}
	EVP_PKEY_free(pk);
	if ((min = json_pack("{s:s, s:s, s:O, s:O}", "kty", "EC", "crv", "P-256", "x",
	                     json_object_get(jwk, "x"), "y", json_object_get(jwk, "y"))) == NULL) {
		req_fail_oom(r);
		return -1;
	}
	c->device_jwk = json_dumps(min, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(min);
	if (c->device_jwk == NULL || arena_defer(&r->arena, free, c->device_jwk) != 0) {
		free(c->device_jwk);
		req_fail_oom(r);
		return -1;
	}
	return 0;
}

static int hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

static enum step complete_common(struct req *r, const struct flow *flow)
{
	struct complete *c = req_ctx(r, sizeof(*c));
	struct errbuf eb = { 0 };
	const char *pw, *pc, *keys[2];

	if (c == NULL)
		return req_fail_oom(r);
	c->a.flow = flow;
	if (arena_defer(&r->arena, defer_wipe_secrets, r->json) != 0)
		return req_fail_oom(r);
	if (id_need(r, &c->a.claim.id) != 0 ||
	    http_json_need(r, flow->id_field, 64, &c->aid) != 0 ||
	    http_json_need(r, "device_name", 64, &c->device_name) != 0 ||
	    (flow == &FLOW_ACT && http_json_need(r, "selfie_hash", 64, &c->selfie) != 0) ||
	    http_json_need(r, "password", 64, &pw) != 0 ||
	    http_json_need(r, "passcode", 16, &pc) != 0)
		return STEP_DONE;
	if (flow == &FLOW_ACT && !hex64(c->selfie))
		return req_fail(r, 400, "invalid_request",
		                "selfie_hash: must be a SHA-256 in lower-case hex");
	if (pass_password_policy(pw, &eb) != 0 || pass_passcode_policy(pc, NULL, &eb) != 0)
		return req_fail(r, 400, "weak_secret", arena_strdup(&r->arena, eb.msg));
	if (device_key_need(r, c) != 0)
		return STEP_DONE;
	if ((c->job = arena_alloc(&r->arena, sizeof(*c->job))) == NULL ||
	    (c->job->password = arena_secret(&r->arena, strlen(pw) + 1)) == NULL ||
	    (c->job->passcode = arena_secret(&r->arena, strlen(pc) + 1)) == NULL)
		return req_fail_oom(r);
	memcpy(c->job->password, pw, strlen(pw) + 1);
	memcpy(c->job->passcode, pc, strlen(pc) + 1);
	acct_id_mask(c->a.claim.id, c->a.masked);
	flow->key(c->a.k_act, c->a.claim.id);
	sk_reg(c->a.k_reg, c->a.claim.id);
	sk_acct(c->a.k_acct, c->a.claim.id);
	sk_levels(c->k_levels, c->a.claim.id);
	sk_sessions(c->k_sessions, c->a.claim.id);
	b64_sha256(c->aid, c->a.aid_hash);
	keys[0] = c->a.k_act;
	keys[1] = c->a.k_reg;
	return store_eval(r, complete_peeked, LUA_ACT_PEEK, 2, 2, keys, NULL);
}

static enum step complete_peeked(struct req *r)
{
	struct complete *c = r->ctx;
	const struct sreply *x = r->reply;
	struct errbuf eb = { 0 };

	if (x == NULL || x->type != SR_ARRAY || x->n != 3)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (!sec_ct_eq(x->elem[1]->str, x->elem[1]->len, c->a.aid_hash, strlen(c->a.aid_hash)))
		return req_fail(r, 400, "invalid_request", "no such operation, or it has expired");
	if (strcmp(x->elem[0]->str, "verified") != 0)
		return req_fail(r, 400, "invalid_request", "verify the SMS code first");
	if (pass_passcode_policy(c->job->passcode, x->elem[2]->str, &eb) != 0)
		return req_fail(r, 400, "weak_secret", arena_strdup(&r->arena, eb.msg));
	c->job->params.t_cost = (uint32_t)r->gen->conf->argon2_t;
	c->job->params.m_kib = (uint32_t)r->gen->conf->argon2_m_kib;
	c->job->params.lanes = (uint32_t)r->gen->conf->argon2_lanes;
	memcpy(c->job->pepper, r->gen->pepper, sizeof(c->job->pepper));
	return workq_run(r, hash_job, c->job, complete_hashed);
}

/* A new TOTP seed: sealed (base64url) for Redis, base32 (arena_secret) for the app, once. */
static int totp_new(struct req *r, const char *id, char **sealed_b64, char **base32)
{
	uint8_t seed[TOTP_SEED_BYTES], sealed[TOTP_SEED_BYTES + SEC_AEAD_OVERHEAD];
	char aad[32];
	int rc;

	if ((*sealed_b64 = arena_alloc(&r->arena, sec_b64url_len(sizeof(sealed)) + 1)) == NULL ||
	    (*base32 = arena_secret(&r->arena, (TOTP_SEED_BYTES * 8 + 4) / 5 + 1)) == NULL)
		return E_NOMEM;
	snprintf(aad, sizeof(aad), "totp:%s", id);
	rc = sec_random(seed, sizeof(seed)) == 0 &&
	             sec_aead_seal(r->gen->data_key, aad, strlen(aad), seed, sizeof(seed),
	                           sealed) == 0
	     ? 0
	     : E_CRYPTO;
	if (rc == 0) {
		sec_base32_encode(seed, sizeof(seed), *base32);
		sec_b64url_encode(sealed, sizeof(sealed), *sealed_b64);
	}
	sec_wipe(seed, sizeof(seed));
	return rc;
}

static enum step complete_hashed(struct req *r)
{
	struct complete *c = r->ctx;
	char *sealed_b64, now[24], *entry;
	const char *args[13];

	if (c->job->rc != 0)
		return req_fail(r, 500, "server_error", "could not protect the secrets");
	if (totp_new(r, c->a.claim.id, &sealed_b64, &c->a.code) != 0) /* base32 to the app once */
		return req_fail(r, 500, "server_error", NULL);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	entry = arena_printf(&r->arena, "{\"level\":1,\"by\":\"citizen\",\"how\":\"%s\","
	                                "\"at\":%s}", c->a.flow->name, now);
	if (entry == NULL)
		return req_fail_oom(r);
	if (c->a.flow == &FLOW_REC) {
		args[0] = c->a.k_act;
		args[1] = c->a.k_acct;
		args[2] = c->k_levels;
		args[3] = c->k_sessions;
		args[4] = c->a.aid_hash;
		args[5] = c->job->pwd_hash;
		args[6] = c->job->pin_hash;
		args[7] = sealed_b64;
		args[8] = c->device_id;
		args[9] = c->device_jwk;
		args[10] = c->device_name;
		args[11] = arena_strdup(&r->arena, now);
		args[12] = entry;
		if (args[11] == NULL)
			return req_fail_oom(r);
		return store_eval(r, complete_done, LUA_REC_COMPLETE, 4, 13, args, NULL);
	}
	args[0] = c->a.k_act;
	args[1] = c->a.k_acct;
	args[2] = c->k_levels;
	args[3] = c->a.aid_hash;
	args[4] = c->job->pwd_hash;
	args[5] = c->job->pin_hash;
	args[6] = sealed_b64;
	args[7] = c->device_id;
	args[8] = c->device_jwk;
	args[9] = c->device_name;
	args[10] = c->selfie;
	args[11] = arena_strdup(&r->arena, now);
	args[12] = entry;
	if (args[11] == NULL)
		return req_fail_oom(r);
	return store_eval(r, complete_done, LUA_ACT_COMPLETE, 3, 13, args, NULL);
}

static enum step complete_done(struct req *r)
{
	struct complete *c = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || (x->type != SR_STATUS && x->type != SR_STRING))
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(x->str, "exists") == 0)
		return req_fail(r, 409, "account_exists", "this citizen already has an eID account");
	if (strcmp(x->str, "not_verified") == 0)
		return req_fail(r, 400, "invalid_request", "verify the SMS code first");
	if (strcmp(x->str, "revoked") == 0)
		return req_fail(r, 403, "account_revoked",
		                "this account is revoked: contact the police office");
	if (strcmp(x->str, "ok") != 0)
		return req_fail(r, 400, "invalid_request", "no such operation, or it has expired");
	req_log(LOG_INFO, r, c->a.flow == &FLOW_ACT ? "account_activated" : "account_recovered",
	        "id", c->a.masked, "level", "1", "device", c->device_id, NULL);
	return audit_append_id(r, complete_reply,
	                       c->a.flow == &FLOW_ACT ? "account_activated" : "account_recovered",
	                       c->a.claim.id, c->device_id);
}

static enum step complete_reply(struct req *r)
{
	struct complete *c = r->ctx;

	return http_reply_json(r, c->a.flow == &FLOW_ACT ? 201 : 200,
	                  json_pack("{s:s, s:i, s:s, s:{s:s, s:s, s:i, s:i}}", "status", "active",
	                            "level", 1, "device_id", c->device_id, "totp", "secret",
	                            c->a.code, "algorithm", "SHA1", "digits", 6, "period", 30));
}

enum step ep_app_activation_complete(struct req *r)
{
	return complete_common(r, &FLOW_ACT);
}

enum step ep_app_recovery_complete(struct req *r)
{
	return complete_common(r, &FLOW_REC);
}

/* --- new device: password (on the pool, counted in the lockout) → SMS → new device key --- */

struct newdev {
	struct act a;
	struct pin_job_pw {
		uint8_t pepper[32];
		char *password; /* arena_secret */
		char hash[PASS_ENCODED_MAX];
		int rc;
	} job;
	char k_sessions[SK_MAX];
	const char *aid;
	char device_id[KEYS_KID_SIZE];
	char *device_jwk;
	const char *device_name;
	int locked, level;
};

static void pw_job(void *p)
{
	struct pin_job_pw *j = p;

	j->rc = pass_verify(j->pepper, j->password, j->hash);
	sec_wipe(j->pepper, sizeof(j->pepper));
}

static void defer_wipe_password(void *p)
{
	wipe_json_string(p, "password");
}

static enum step dev_loaded(struct req *r);
static enum step dev_checked(struct req *r);
static enum step dev_failed(struct req *r);
static enum step dev_reply(struct req *r);
static enum step dev_refused(struct req *r);

enum step ep_app_device_start(struct req *r)
{
	struct newdev *d = req_ctx(r, sizeof(*d));
	const char *pw, *keys[2];

	if (d == NULL || arena_defer(&r->arena, defer_wipe_password, r->json) != 0)
		return req_fail_oom(r);
	d->a.flow = &FLOW_DEV;
	if (id_need(r, &d->a.claim.id) != 0 || http_json_need(r, "password", 64, &pw) != 0)
		return STEP_DONE;
	if ((d->job.password = arena_secret(&r->arena, strlen(pw) + 1)) == NULL)
		return req_fail_oom(r);
	memcpy(d->job.password, pw, strlen(pw) + 1);
	acct_id_mask(d->a.claim.id, d->a.masked);
	sk_acct(d->a.k_acct, d->a.claim.id);
	sk_reg(d->a.k_reg, d->a.claim.id);
	sk_dev(d->a.k_act, d->a.claim.id);
	keys[0] = d->a.k_acct;
	keys[1] = d->a.k_reg;
	return store_eval(r, dev_loaded, LUA_DEV_LOAD, 2, 2, keys, NULL);
}

static enum step dev_loaded(struct req *r)
{
	struct newdev *d = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || x->type != SR_ARRAY || x->n != 4)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(x->elem[0]->str, "revoked") == 0)
		return req_fail(r, 403, "account_revoked",
		                "this account is revoked: contact the police office");
	/* A lock is told only to whoever knows the password (DESIGN §8): checked after it. */
	d->locked = atoll(x->elem[2]->str) > (long long)time(NULL);
	snprintf(d->a.reg_phone, sizeof(d->a.reg_phone), "%s", x->elem[3]->str);
	/* No account: verify against a fixed dummy hash, so the answer takes the same time and
	 * reads the same as a wrong password (STYLE §8). */
	snprintf(d->job.hash, sizeof(d->job.hash), "%s",
	         x->elem[1]->len > 0 && x->elem[1]->len < sizeof(d->job.hash)
	                 ? x->elem[1]->str
	                 : "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
	                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	memcpy(d->job.pepper, r->gen->pepper, sizeof(d->job.pepper));
	return workq_run(r, pw_job, &d->job, dev_checked);
}

static enum step dev_checked(struct req *r)
{
	struct newdev *d = r->ctx;
	const struct sreply *x;

	if (d->job.rc != 0)
		guard_fail(r);
	if (d->locked)
		return d->job.rc == 0 ? req_fail(r, 423, "account_locked",
		                                  "too many wrong attempts: try again later")
		                      : req_fail(r, 401, "invalid_password", "the password is wrong");
	if (d->job.rc == 0 && d->a.reg_phone[0] != '\0') {
		/* the password is right: the SMS code goes to the phone on file, as for activation */
		if ((d->a.code = arena_secret(&r->arena, SMS_CODE_LEN + 1)) == NULL)
			return req_fail_oom(r);
		if (sec_random_token(d->a.aid, ACT_ID_BYTES) != 0 ||
		    sec_random_digits(d->a.code, SMS_CODE_LEN) != 0)
			return req_fail(r, 500, "server_error", NULL);
		b64_sha256(d->a.aid, d->a.aid_hash);
		code_mac(r, d->a.aid, d->a.code, d->a.code_mac);
		{
			char ttl[24], now[24];
			const char *args[8] = { d->a.k_act,    d->a.k_acct,    d->a.aid_hash,
				                d->a.code_mac, d->a.reg_phone, ttl,
				                now,           "account" };

			snprintf(ttl, sizeof(ttl), "%lld", r->gen->conf->sms_code_ttl);
			snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
			return store_eval(r, start_begun, LUA_ACT_BEGIN, 2, 8, args, NULL);
		}
	}
	(void)x;
	if (d->job.rc != 0 && d->job.rc != E_CRYPTO && d->job.rc != E_INVALID)
		return req_fail(r, 500, "server_error", NULL);
	if (d->a.reg_phone[0] == '\0') /* no such citizen: nothing to count */
		return req_fail(r, 401, "invalid_password", "the password is wrong");
	return guard_account_fail(r, dev_failed, d->a.claim.id);
}

static enum step dev_failed(struct req *r)
{
	struct newdev *d = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || x->type != SR_ARRAY || x->n != 2)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	/* Even the attempt that locks reads like any wrong password: whoever does not know the
	 * password learns nothing about the account (DESIGN §8). */
	if (strcmp(x->elem[0]->str, "locked") == 0) {
		req_log(LOG_WARN, r, "account_locked", "id", d->a.masked, "by", "password", NULL);
		return audit_append_id(r, dev_refused, "account_locked", d->a.claim.id, "password");
	}
	req_log(LOG_WARN, r, "new_device_bad_password", "id", d->a.masked, NULL);
	return audit_append_id(r, dev_refused, "password_failed", d->a.claim.id,
	                       strcmp(x->elem[0]->str, "while_locked") == 0 ? "new_device,while_locked"
	                                                                    : "new_device");
}

static enum step dev_refused(struct req *r)
{
	return req_fail(r, 401, "invalid_password", "the password is wrong");
}

static enum step dev_done(struct req *r)
{
	struct newdev *d = r->ctx;
	const struct sreply *x = r->reply;
	const char *v;

	if (x == NULL || x->type != SR_ARRAY || x->n < 1 || x->elem[0]->type != SR_STRING)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	v = x->elem[0]->str;
	if (strcmp(v, "not_verified") == 0)
		return req_fail(r, 400, "invalid_request", "verify the SMS code first");
	if (strcmp(v, "revoked") == 0)
		return req_fail(r, 403, "account_revoked",
		                "this account is revoked: contact the police office");
	if (strcmp(v, "ok") != 0 || x->n != 2)
		return req_fail(r, 400, "invalid_request", "no such operation, or it has expired");
	req_log(LOG_INFO, r, "device_bound", "id", d->a.masked, "device", d->device_id, NULL);
	d->level = (int)x->elem[1]->integer;
	return audit_append_id(r, dev_reply, "device_bound", d->a.claim.id, d->device_id);
}

static enum step dev_reply(struct req *r)
{
	struct newdev *d = r->ctx;

	return http_reply_json(r, 200,
	                  json_pack("{s:s, s:I, s:s, s:{s:s, s:s, s:i, s:i}}", "status", "bound",
	                            "level", (json_int_t)d->level, "device_id",
	                            d->device_id, "totp", "secret", d->a.code, "algorithm", "SHA1",
	                            "digits", 6, "period", 30));
}

enum step ep_app_device_complete(struct req *r)
{
	struct newdev *d = req_ctx(r, sizeof(*d));
	struct complete tmp;
	char now[24], *sealed;
	const char *args[9];

	if (d == NULL)
		return req_fail_oom(r);
	d->a.flow = &FLOW_DEV;
	if (id_need(r, &d->a.claim.id) != 0 || http_json_need(r, "operation_id", 64, &d->aid) != 0 ||
	    http_json_need(r, "device_name", 64, &d->device_name) != 0)
		return STEP_DONE;
	memset(&tmp, 0, sizeof(tmp));
	if (device_key_need(r, &tmp) != 0)
		return STEP_DONE;
	memcpy(d->device_id, tmp.device_id, sizeof(d->device_id));
	d->device_jwk = tmp.device_jwk;
	acct_id_mask(d->a.claim.id, d->a.masked);
	sk_dev(d->a.k_act, d->a.claim.id);
	sk_acct(d->a.k_acct, d->a.claim.id);
	sk_sessions(d->k_sessions, d->a.claim.id);
	b64_sha256(d->aid, d->a.aid_hash);
	if (totp_new(r, d->a.claim.id, &sealed, &d->a.code) != 0)
		return req_fail(r, 500, "server_error", NULL);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	args[8] = sealed;
	args[0] = d->a.k_act;
	args[1] = d->a.k_acct;
	args[2] = d->k_sessions;
	args[3] = d->a.aid_hash;
	args[4] = d->device_id;
	args[5] = d->device_jwk;
	args[6] = d->device_name;
	args[7] = now;
	return store_eval(r, dev_done, LUA_DEV_COMPLETE, 3, 9, args, NULL);
}

/* --- app login: challenge (stateless) → load → device signature → passcode on the pool →
 *     commit (challenge single use, failures, lock, session) --- */

#define SESSION_BYTES 32

static enum step reply_challenge(struct req *r, const char *id)
{
	char c[ACCT_CHAL_LEN + 1];

	if (acct_challenge_make(r->gen->pepper, id, (long long)time(NULL), c) != 0)
		return req_fail(r, 500, "server_error", NULL);
	return http_reply_json(r, 200, json_pack("{s:s, s:I}", "challenge", c, "expires_in",
	                                     (json_int_t)r->gen->conf->challenge_ttl));
}

enum step ep_app_login_challenge(struct req *r)
{
	const char *id;

	if (id_need(r, &id) != 0)
		return STEP_DONE;
	return reply_challenge(r, id);
}

struct login {
	const char *id, *challenge, *signature;
	char masked[ACCT_ID_LEN + 1];
	char k_acct[SK_MAX], k_used[SK_MAX], k_sess[SK_MAX], k_sessions[SK_MAX];
	char device_id[KEYS_KID_SIZE];
	char token[ACCT_ID_LEN + 2 + 48];
	const char *outcome; /* login_done's verdict, for login_reply */
	long long n;
	struct pin_job {
		uint8_t pepper[32];
		char *passcode;   /* arena_secret */
		char hash[PASS_ENCODED_MAX];
		int rc;
	} job;
};

static void pin_job(void *p)
{
	struct pin_job *j = p;

	j->rc = pass_verify(j->pepper, j->passcode, j->hash);
	sec_wipe(j->pepper, sizeof(j->pepper));
}

static enum step login_loaded(struct req *r);
static enum step login_verified(struct req *r);
static enum step login_done(struct req *r);
static enum step login_reply(struct req *r);

static void defer_wipe_passcode(void *p)
{
	wipe_json_string(p, "passcode");
}

enum step ep_app_login(struct req *r)
{
	struct login *l = req_ctx(r, sizeof(*l));
	const char *pc, *keys[1];
	char h[48];

	if (l == NULL || arena_defer(&r->arena, defer_wipe_passcode, r->json) != 0)
		return req_fail_oom(r);
	if (id_need(r, &l->id) != 0 || http_json_need(r, "passcode", 16, &pc) != 0 ||
	    http_json_need(r, "challenge", ACCT_CHAL_LEN, &l->challenge) != 0 ||
	    http_json_need(r, "signature", LIM_JWS, &l->signature) != 0)
		return STEP_DONE;
	acct_id_mask(l->id, l->masked);
	if (acct_challenge_check(r->gen->pepper, l->id, l->challenge, (long long)time(NULL),
	                         r->gen->conf->challenge_ttl) != 0)
		return req_fail(r, 400, "invalid_challenge", "the challenge is unknown or expired");
	if ((l->job.passcode = arena_secret(&r->arena, strlen(pc) + 1)) == NULL)
		return req_fail_oom(r);
	memcpy(l->job.passcode, pc, strlen(pc) + 1);
	sk_acct(l->k_acct, l->id);
	b64_sha256(l->challenge, h);
	sk_chal_used(l->k_used, l->id, h);
	keys[0] = l->k_acct;
	return store_eval(r, login_loaded, LUA_APP_LOGIN_LOAD, 1, 1, keys, NULL);
}

int ep_app_device_jws(struct req *r, const char *jwk_text, const char *device_id,
                      const char *jws, json_t **payload)
{
	json_t *jwk = json_loads(jwk_text, 0, NULL);
	struct errbuf eb = { 0 };
	EVP_PKEY *pk = NULL;
	enum key_alg alg;
	char kid[KEYS_KID_SIZE];
	int rc = -1;

	(void)r;
	*payload = NULL;
	if (jwk != NULL && keys_jwk_parse(jwk, "device_key", &pk, &alg, kid, &eb) == 0 &&
	    alg == KEY_ES256 &&
	    jws_verify(jws, strlen(jws), pk, KEY_ES256, device_id, NULL, payload, &eb) == 0)
		rc = 0;
	json_decref(jwk);
	EVP_PKEY_free(pk);
	return rc;
}

/* The login JWS: signed by the bound device key (alg pinned to ES256 by the key, never the
 * header), payload binding this challenge, this citizen and this endpoint. */
static int device_signed(struct req *r, struct login *l, const char *jwk_text)
{
	json_t *payload = NULL;
	char *aud;
	int ok = 0;

	aud = arena_printf(&r->arena, "%s/app/v1/login", r->gen->conf->issuer);
	if (aud != NULL &&
	    ep_app_device_jws(r, jwk_text, l->device_id, l->signature, &payload) == 0) {
		const char *c = json_string_value(json_object_get(payload, "challenge"));
		const char *i = json_string_value(json_object_get(payload, "id_number"));
		const char *a = json_string_value(json_object_get(payload, "aud"));

		ok = c != NULL && i != NULL && a != NULL && strcmp(c, l->challenge) == 0 &&
		     strcmp(i, l->id) == 0 && strcmp(a, aud) == 0;
	}
	json_decref(payload);
	return ok;
}

static enum step login_loaded(struct req *r)
{
	struct login *l = r->ctx;
	const struct sreply *x = r->reply;
	long long until;

	if (x == NULL || x->type != SR_ARRAY || x->n != 7)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	/* Unknown ID numbers and accounts not active end like a bad signature: the caller does not
	 * hold this citizen's bound device, and learns nothing more. */
	snprintf(l->device_id, sizeof(l->device_id), "%s", x->elem[3]->str);
	if (strcmp(x->elem[0]->str, "revoked") == 0 && x->elem[2]->len > 0 &&
	    device_signed(r, l, x->elem[2]->str))
		/* the holder of the bound device is told what to do (web login: after the password) */
		return req_fail(r, 403, "account_revoked",
		                "this account is revoked: contact the police office");
	if (strcmp(x->elem[0]->str, "active") != 0 || !device_signed(r, l, x->elem[2]->str)) {
		req_log(LOG_WARN, r, "app_login_device_refused", "id", l->masked, NULL);
		guard_fail(r);
		return req_fail(r, 401, "invalid_device",
		                "this device is not the one bound to the account");
	}
	until = atoll(x->elem[5]->str);
	if (until > (long long)time(NULL)) {
		/* only the holder of the bound device learns that the account is locked */
		req_log(LOG_WARN, r, "app_login_locked", "id", l->masked, NULL);
		return http_reply_json(r, 423, json_pack("{s:s, s:s, s:I}", "error", "account_locked",
		                                    "error_description",
		                                    "the account is locked: try again later, or "
		                                    "contact the police office",
		                                    "retry_after", (json_int_t)(until - time(NULL))));
	}
	if (x->elem[1]->len >= sizeof(l->job.hash))
		return req_fail(r, 500, "server_error", NULL);
	memcpy(l->job.hash, x->elem[1]->str, x->elem[1]->len + 1);
	memcpy(l->job.pepper, r->gen->pepper, sizeof(l->job.pepper));
	return workq_run(r, pin_job, &l->job, login_verified);
}

static enum step login_verified(struct req *r)
{
	struct login *l = r->ctx;
	char now[24], ttl[24], max[24], first[24], lmax[24], idle[24], h[48], rnd[48], nsess[24];
	const char *args[14];
	char *sess;

	if (l->job.rc != 0 && l->job.rc != E_CRYPTO)
		return req_fail(r, 500, "server_error", NULL);
	if (sec_random_token(rnd, SESSION_BYTES) != 0)
		return req_fail(r, 500, "server_error", NULL);
	snprintf(l->token, sizeof(l->token), "%s.%s", l->id, rnd);
	b64_sha256(l->token, h);
	sk_app_session(l->k_sess, l->id, h);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	snprintf(ttl, sizeof(ttl), "%lld", r->gen->conf->challenge_ttl + 10);
	snprintf(max, sizeof(max), "%lld", r->gen->conf->pin_failures);
	snprintf(first, sizeof(first), "%lld", r->gen->conf->lock_first);
	snprintf(lmax, sizeof(lmax), "%lld", r->gen->conf->lock_max);
	snprintf(idle, sizeof(idle), "%lld", r->gen->conf->app_session_idle);
	snprintf(nsess, sizeof(nsess), "%d", LIM_APP_SESSIONS);
	sess = arena_printf(&r->arena,
	                    "{\"device_id\":\"%s\",\"amr\":[\"pin\",\"hwk\"],\"auth_time\":%s}",
	                    l->device_id, now);
	if (sess == NULL)
		return req_fail_oom(r);
	sk_sessions(l->k_sessions, l->id);
	args[0] = l->k_acct;
	args[1] = l->k_used;
	args[2] = l->k_sess;
	args[3] = l->k_sessions;
	args[4] = l->job.rc == 0 ? "ok" : "bad";
	args[5] = now;
	args[6] = ttl;
	args[7] = max;
	args[8] = first;
	args[9] = lmax;
	args[10] = idle;
	args[11] = l->device_id;
	args[12] = sess;
	args[13] = nsess;
	return store_eval(r, login_done, LUA_APP_LOGIN_COMMIT, 4, 14, args, NULL);
}

static enum step login_done(struct req *r)
{
	struct login *l = r->ctx;
	const struct sreply *x = r->reply;
	const char *v;

	if (x == NULL || x->type != SR_ARRAY || x->n < 1 || x->elem[0]->type != SR_STRING)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	v = x->elem[0]->str;
	l->outcome = v;
	if (strcmp(v, "ok") != 0)
		guard_fail(r);
	l->n = x->n == 2 && x->elem[1]->type == SR_INTEGER ? x->elem[1]->integer : 0;
	if (strcmp(v, "ok") == 0) {
		req_log(LOG_INFO, r, "app_login", "id", l->masked, "device", l->device_id, NULL);
		return audit_append_id(r, login_reply, "app_login", l->id, l->device_id);
	}
	if (strcmp(v, "locked") == 0 || strcmp(v, "bad") == 0) {
		req_log(LOG_WARN, r, v[0] == 'l' ? "account_locked" : "app_login_bad_passcode", "id",
		        l->masked, NULL);
		return audit_append_id(r, login_reply,
		                       v[0] == 'l' ? "account_locked" : "passcode_failed", l->id,
		                       "app_login");
	}
	return login_reply(r);
}

static enum step login_reply(struct req *r)
{
	struct login *l = r->ctx;
	const char *v = l->outcome;
	char n[24];

	if (strcmp(v, "ok") == 0)
		return http_reply_json(r, 200, json_pack("{s:s, s:s, s:I}", "session", l->token,
		                                    "token_type", "Bearer", "expires_in",
		                                    (json_int_t)r->gen->conf->app_session_idle));
	if (strcmp(v, "replay") == 0)
		return req_fail(r, 400, "invalid_challenge", "this challenge was already used");
	if (strcmp(v, "gone") == 0)
		return req_fail(r, 401, "invalid_device", "this device is not the one bound to the account");
	snprintf(n, sizeof(n), "%lld", l->n);
	if (strcmp(v, "locked") == 0) {
		return http_reply_json(r, 423, json_pack("{s:s, s:s, s:I}", "error", "account_locked",
		                                    "error_description",
		                                    "too many wrong passcodes: try again later",
		                                    "retry_after", (json_int_t)atoll(n)));
	}
	return http_reply_json(r, 401, json_pack("{s:s, s:s, s:I}", "error", "invalid_passcode",
	                                    "error_description", "the passcode is wrong",
	                                    "attempts_left", (json_int_t)atoll(n)));
}

/* --- /app/v1/me: the app session as bearer --- */

struct me {
	char id[ACCT_ID_LEN + 1];
	char k_sess[SK_MAX], k_acct[SK_MAX];
};

static enum step me_loaded(struct req *r)
{
	struct me *m = r->ctx;
	const struct sreply *x = r->reply;
	json_t *s;
	char masked[ACCT_ID_LEN + 1];

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type != SR_ARRAY || x->n != 3 || (s = json_loads(x->elem[0]->str, 0, NULL)) == NULL) {
		r->www_auth = "Bearer error=\"invalid_token\"";
		return req_fail(r, 401, "invalid_token", "no such app session, or it has ended");
	}
	acct_id_mask(m->id, masked);
	json_object_set_new(s, "id_number", json_string(masked));
	json_object_set_new(s, "level", json_integer(atoi(x->elem[1]->str)));
	json_object_set_new(s, "status", json_string("active"));
	return http_reply_json(r, 200, s);
}

enum step ep_app_session_begin(struct req *r, struct app_sess *s, step_fn next)
{
	char idle[24];
	const char *keys[3];

	if (ep_app_bearer(r, s->id, s->k_sess) != 0)
		return STEP_DONE;
	acct_id_mask(s->id, s->masked);
	sk_acct(s->k_acct, s->id);
	snprintf(idle, sizeof(idle), "%lld", r->gen->conf->app_session_idle);
	keys[0] = s->k_sess, keys[1] = s->k_acct, keys[2] = idle;
	return store_eval(r, next, LUA_APP_SESSION, 2, 3, keys, NULL);
}

/* app_session.lua's answer: {session JSON, level, device_id}. */
int ep_app_session_ok(struct req *r, struct app_sess *s)
{
	const struct sreply *x = r->reply;

	if (x == NULL) {
		req_fail(r, 503, "temporarily_unavailable", "storage error");
		return 0;
	}
	if (x->type != SR_ARRAY || x->n != 3 || x->elem[1]->type != SR_STRING ||
	    x->elem[2]->type != SR_STRING) {
		r->www_auth = "Bearer error=\"invalid_token\"";
		req_fail(r, 401, "invalid_token", "no such app session, or it has ended");
		return 0;
	}
	snprintf(s->level, sizeof(s->level), "%s", x->elem[1]->str[0] ? x->elem[1]->str : "1");
	snprintf(s->device_id, sizeof(s->device_id), "%s", x->elem[2]->str);
	return 1;
}

int ep_app_bearer(struct req *r, char id[ACCT_ID_LEN + 1], char k_sess[SK_MAX])
{
	const char *auth = http_header(r, "Authorization"), *tok = NULL;
	char h[48];

	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0 && strlen(auth + 7) <= 128 &&
	    strlen(auth + 7) >= ACCT_ID_LEN + 2 && auth[7 + ACCT_ID_LEN] == '.') {
		tok = auth + 7;
		memcpy(id, tok, ACCT_ID_LEN);
		id[ACCT_ID_LEN] = '\0';
	}
	if (tok == NULL || !acct_id_syntax_ok(id)) {
		r->www_auth = "Bearer";
		req_fail(r, 401, "invalid_token", "an app session is required");
		return -1;
	}
	b64_sha256(tok, h);
	sk_app_session(k_sess, id, h);
	return 0;
}

enum step ep_app_me(struct req *r)
{
	struct me *m = req_ctx(r, sizeof(*m));
	const char *keys[3];
	char idle[24];

	if (m == NULL)
		return req_fail_oom(r);
	if (ep_app_bearer(r, m->id, m->k_sess) != 0)
		return STEP_DONE;
	sk_acct(m->k_acct, m->id);
	snprintf(idle, sizeof(idle), "%lld", r->gen->conf->app_session_idle);
	keys[0] = m->k_sess;
	keys[1] = m->k_acct;
	keys[2] = idle;
	return store_eval(r, me_loaded, LUA_APP_SESSION, 2, 3, keys, NULL);
}

/* --- level 2 by chip: session + registry → passive authentication → match → raise --- */

struct chipreq {
	char id[ACCT_ID_LEN + 1], masked[ACCT_ID_LEN + 1];
	char k_sess[SK_MAX], k_acct[SK_MAX], k_reg[SK_MAX], k_levels[SK_MAX];
	uint8_t *sod, *dg1;
	long sodlen, dg1len;
};

static enum step chip_loaded(struct req *r);
static enum step chip_done(struct req *r);
static enum step chip_reply(struct req *r);

static int b64_field(struct req *r, const char *key, size_t maxbytes, uint8_t **out, long *len)
{
	const char *s;
	size_t n;

	if (http_json_need(r, key, (maxbytes * 4 + 2) / 3, &s) != 0)
		return -1;
	n = strlen(s);
	if ((*out = arena_alloc(&r->arena, n * 3 / 4 + 3)) == NULL) {
		req_fail_oom(r);
		return -1;
	}
	if ((*len = sec_b64url_decode(s, n, *out)) < 0) {
		req_fail(r, 400, "invalid_request",
		         arena_printf(&r->arena, "%s: must be base64url", key));
		return -1;
	}
	return 0;
}

enum step ep_app_level2_chip(struct req *r)
{
	struct chipreq *c = req_ctx(r, sizeof(*c));
	const char *keys[4];
	char idle[24];

	if (c == NULL)
		return req_fail_oom(r);
	if (ep_app_bearer(r, c->id, c->k_sess) != 0 ||
	    b64_field(r, "sod", CHIP_SOD_MAX, &c->sod, &c->sodlen) != 0 ||
	    b64_field(r, "dg1", CHIP_DG1_MAX, &c->dg1, &c->dg1len) != 0)
		return STEP_DONE;
	acct_id_mask(c->id, c->masked);
	sk_acct(c->k_acct, c->id);
	sk_reg(c->k_reg, c->id);
	sk_levels(c->k_levels, c->id);
	snprintf(idle, sizeof(idle), "%lld", r->gen->conf->app_session_idle);
	keys[0] = c->k_sess;
	keys[1] = c->k_acct;
	keys[2] = c->k_reg;
	keys[3] = idle;
	return store_eval(r, chip_loaded, LUA_CHIP_LOAD, 3, 4, keys, NULL);
}

static enum step chip_loaded(struct req *r)
{
	struct chipreq *c = r->ctx;
	const struct sreply *x = r->reply;
	struct errbuf eb = { 0 };
	struct chip_mrz mrz;
	struct acct_reg reg;
	char *entry;
	const char *args[3];

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type != SR_ARRAY || x->n != 5)
		return req_fail(r, 401, "invalid_token", "no such app session, or it has ended");
	if (chip_passive_auth(r->gen->csca, c->sod, (size_t)c->sodlen, c->dg1, (size_t)c->dg1len,
	                      &mrz, &eb) != 0) {
		req_log(LOG_WARN, r, "level2_chip_refused", "id", c->masked, "why", eb.msg, NULL);
		return req_fail(r, 400, "chip_invalid", arena_strdup(&r->arena, eb.msg));
	}
	memset(&reg, 0, sizeof(reg));
	snprintf(reg.name, sizeof(reg.name), "%s", x->elem[1]->str);
	snprintf(reg.dob, sizeof(reg.dob), "%s", x->elem[2]->str);
	reg.sex = strcmp(x->elem[3]->str, "F") == 0 ? ACCT_FEMALE : ACCT_MALE;
	snprintf(reg.doc, sizeof(reg.doc), "%s", x->elem[4]->str);
	if (!chip_mrz_matches(&mrz, &reg)) {
		req_log(LOG_WARN, r, "level2_chip_mismatch", "id", c->masked, NULL);
		return req_fail(r, 400, "chip_mismatch",
		                "the chip's data does not match this citizen's registry record");
	}
	entry = arena_printf(&r->arena,
	                     "{\"level\":2,\"by\":\"citizen\",\"how\":\"chip\",\"doc\":\"%s\","
	                     "\"at\":%lld}",
	                     mrz.doc, (long long)time(NULL));
	if (entry == NULL)
		return req_fail_oom(r);
	args[0] = c->k_acct;
	args[1] = c->k_levels;
	args[2] = entry;
	return store_eval(r, chip_done, LUA_LEVEL2_COMMIT, 2, 3, args, NULL);
}

static enum step chip_done(struct req *r)
{
	struct chipreq *c = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || (x->type != SR_STATUS && x->type != SR_STRING))
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(x->str, "ok") != 0)
		return req_fail(r, 401, "invalid_token", "no such app session, or it has ended");
	req_log(LOG_INFO, r, "level2_raised", "id", c->masked, "how", "chip", NULL);
	return audit_append_id(r, chip_reply, "level2_raised", c->id, "chip");
}

static enum step chip_reply(struct req *r)
{
	return http_reply_json(r, 200, json_pack("{s:s, s:i}", "status", "active", "level", 2));
}
