/* ep_token.c — see ep_token.h. */
#include "ep_token.h"

#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "accounts.h"
#include "authz.h"
#include "audit.h"
#include "clients.h"
#include "conf.h"
#include "form.h"
#include "gen.h"
#include "http.h"
#include "jws.h"
#include "keys.h"
#include "route.h"
#include "sec.h"
#include "skeys.h"
#include "sref.h"
#include "store.h"
#include "tok.h"

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* --- client authentication --- */

static enum step client_refused(struct req *r, const char *desc)
{
	req_log(LOG_WARN, r, "client_auth_failed", "client", r->client_id != NULL ? r->client_id : "-",
	        "why", desc, NULL);
	if (r->client_basic)
		r->www_auth = "Basic realm=\"authd\", charset=\"UTF-8\"";
	return req_fail(r, 401, "invalid_client", desc);
}

/* "Basic base64(urlencode(id):urlencode(secret))" (RFC 6749 §2.3.1). 0 and the decoded parts
 * in arena memory (the secret in wiped memory), or -1. */
static int basic_parse(struct req *r, const char *h, const char **id, const char **secret)
{
	size_t n;
	unsigned char *raw;
	char *colon;
	int len;

	if (strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	n = strlen(h);
	if (n == 0 || n % 4 != 0 || n > 4096)
		return -1;
	if ((raw = arena_secret(&r->arena, n / 4 * 3 + 1)) == NULL)
		return -1;
	if ((len = EVP_DecodeBlock(raw, (const unsigned char *)h, (int)n)) < 0)
		return -1;
	/* EVP_DecodeBlock counts padding as zero bytes: drop them */
	if (n >= 1 && h[n - 1] == '=')
		len--;
	if (n >= 2 && h[n - 2] == '=')
		len--;
	raw[len] = '\0';
	if ((int)strlen((char *)raw) != len || (colon = strchr((char *)raw, ':')) == NULL)
		return -1;
	*id = form_decode(&r->arena, (char *)raw, (size_t)(colon - (char *)raw), 1);
	*secret = form_decode(&r->arena, colon + 1, strlen(colon + 1), 1);
	return *id != NULL && *secret != NULL ? 0 : -1;
}

/* The "sub" of an unverified JWT, in arena memory, or NULL. Only to find whose key verifies it. */
static const char *assertion_sub(struct req *r, const char *jwt)
{
	const char *dot = strchr(jwt, '.'), *dot2 = dot != NULL ? strchr(dot + 1, '.') : NULL;
	const char *sub = NULL;
	json_t *claims;
	uint8_t *buf;
	long n;

	if (dot2 == NULL || dot2 - dot - 1 > LIM_JWS ||
	    (buf = arena_alloc(&r->arena, (size_t)(dot2 - dot))) == NULL)
		return NULL;
	n = sec_b64url_decode(dot + 1, (size_t)(dot2 - dot - 1), buf);
	if (n > 0 && (claims = json_loadb((char *)buf, (size_t)n, 0, NULL)) != NULL) {
		const char *s = json_string_value(json_object_get(claims, "sub"));

		sub = s != NULL ? arena_strdup(&r->arena, s) : NULL;
		json_decref(claims);
	}
	return sub;
}

static enum step assertion_unused(struct req *r)
{
	const struct sreply *x = r->reply;

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type == SR_NIL)
		return client_refused(r, "this client assertion was already used (jti replay)");
	if (x->type != SR_STATUS)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	r->client_id = r->client->id;
	return r->client_next(r);
}

static enum step assertion_check(struct req *r, const struct client *c, const char *jwt)
{
	char tokep[LIM_URI + 16], here[LIM_URI + 64], jti_hash[TOK_SUB_SIZE], key[SK_MAX], ttl[24];
	const char *auds[] = { r->gen->conf->issuer, tokep, here };
	const char *argv[] = { "SET", key, "1", "NX", "EX", ttl };
	struct errbuf eb = { 0 };
	long long now = (long long)time(NULL), exp;

	snprintf(tokep, sizeof(tokep), "%s/token", r->gen->conf->issuer);
	snprintf(here, sizeof(here), "%s%s", r->gen->conf->issuer, r->route->path);
	if (tok_assertion_verify(c, jwt, strlen(jwt), auds, 3, now, jti_hash, &exp, &eb) != 0)
		return client_refused(r, arena_printf(&r->arena, "client assertion: %s", eb.msg));
	/* remember the jti until the assertion could no longer be accepted */
	snprintf(ttl, sizeof(ttl), "%lld", exp - now + TOK_SKEW > 1 ? exp - now + TOK_SKEW : 1);
	sk_assertion_jti(key, c->id, jti_hash);
	r->client = c;
	return store_cmdv(r, assertion_unused, 6, argv, NULL);
}

enum step ep_token_client_auth(struct req *r, step_fn next)
{
	const char *h = http_header(r, "Authorization");
	const char *pid = form_get(r->form, "client_id"), *psecret = form_get(r->form, "client_secret");
	const char *atype = form_get(r->form, "client_assertion_type");
	const char *assertion = form_get(r->form, "client_assertion");
	const char *id = NULL, *secret = NULL;
	const struct client *c;
	int methods = (h != NULL) + (psecret != NULL) + (assertion != NULL || atype != NULL);
	enum client_auth how;

	r->client_next = next;
	if (methods > 1)
		return req_fail(r, 400, "invalid_request",
		                "use exactly one client authentication method");
	if (h != NULL) {
		r->client_basic = 1;
		if (basic_parse(r, h, &id, &secret) != 0)
			return client_refused(r, "malformed Authorization header");
		how = CLIENT_AUTH_SECRET_BASIC;
	} else if (psecret != NULL) {
		id = pid;
		secret = psecret;
		how = CLIENT_AUTH_SECRET_POST;
	} else if (assertion != NULL || atype != NULL) {
		if (atype == NULL || strcmp(atype, ASSERTION_TYPE) != 0 || assertion == NULL)
			return client_refused(r, "client_assertion_type must be " ASSERTION_TYPE);
		/* the client is named by client_id or else by the assertion's (unverified) sub; the
		 * verification then requires iss == sub == that client */
		id = pid != NULL ? pid : assertion_sub(r, assertion);
		how = CLIENT_AUTH_PRIVATE_KEY_JWT;
	} else {
		return client_refused(r, "client authentication is required");
	}
	if (id == NULL || id[0] == '\0')
		return client_refused(r, "client_id is required");
	if (pid != NULL && strcmp(pid, id) != 0)
		return req_fail(r, 400, "invalid_request", "client_id does not match the credentials");
	c = clients_find(r->gen->clients, id);
	r->client_id = c != NULL ? c->id : NULL;
	if (how == CLIENT_AUTH_PRIVATE_KEY_JWT) {
		if (c == NULL || c->auth != how)
			return client_refused(r, "unknown client, or not registered for private_key_jwt");
		return assertion_check(r, c, assertion);
	}
	/* unknown clients take the same path and time as a wrong secret (clients.h) */
	if (!clients_secret_ok(c != NULL && c->auth == how ? c : NULL, secret, strlen(secret)))
		return client_refused(r, c != NULL && c->auth != how
		                                 ? "the client authenticates with another method"
		                                 : "unknown client or wrong secret");
	r->client = c;
	return next(r);
}

const struct client *ep_token_client(const struct req *r)
{
	return r->client;
}

/* --- /token --- */

static enum step reply_token(struct req *r, const char *at, const char *scope, long long ttl)
{
	char *body = arena_printf(&r->arena,
	                          "{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
	                          "\"expires_in\":%lld%s%s%s}",
	                          at, ttl, scope != NULL && scope[0] ? ",\"scope\":\"" : "",
	                          scope != NULL && scope[0] ? scope : "",
	                          scope != NULL && scope[0] ? "\"" : "");

	if (body == NULL)
		return req_fail_oom(r);
	return http_reply(r, 200, "application/json", body, strlen(body), RESP_NOSTORE);
}

/* Scopes that name a citizen's data or session: meaningless without one. */
#define USER_SCOPES (SCOPE_OPENID | SCOPE_PROFILE | SCOPE_PHONE | SCOPE_ADDRESS | \
                     SCOPE_CITIZEN_ID | SCOPE_OFFLINE_ACCESS)

static enum step grant_client_credentials(struct req *r)
{
	const struct client *c = r->client;
	const char *s = form_get(r->form, "scope");
	unsigned want = c->scopes & ~USER_SCOPES;
	struct errbuf eb = { 0 };
	char scope[LIM_SCOPE_STR], jti[TOK_JTI_SIZE], *at;
	long long now = (long long)time(NULL);
	size_t atlen;
	struct tok_access t = { 0 };

	if (s != NULL) {
		if (clients_scope_parse(s, &want, &eb) != 0)
			return req_fail(r, 400, "invalid_scope", arena_strdup(&r->arena, eb.msg));
		if ((want & USER_SCOPES) != 0)
			return req_fail(r, 400, "invalid_scope",
			                "client_credentials carries no citizen: user scopes are refused");
		if ((want & ~c->scopes) != 0)
			return req_fail(r, 400, "invalid_scope",
			                "a requested scope is not registered for this client");
	}
	if (clients_scope_render(want, scope, sizeof(scope)) < 0 ||
	    sec_random_token(jti, TOK_JTI_BYTES) != 0)
		return req_fail(r, 500, "server_error", NULL);
	t.sub = c->id;
	t.client_id = c->id;
	t.scope = scope;
	t.jti = jti;
	t.iat = now;
	t.exp = now + r->gen->conf->ttl_access;
	if (tok_access_sign(r->gen->keys, KEY_ES256, r->gen->conf->issuer, &t, &r->arena, &at,
	                    &atlen) != 0)
		return req_fail(r, 500, "server_error", "could not sign the token");
	req_log(LOG_INFO, r, "token_issued", "client", c->id, "grant", "client_credentials", "jti",
	        jti, NULL);
	audit_count_token(c->id);
	return reply_token(r, at, scope, r->gen->conf->ttl_access);
}

/* --- citizens' tokens: authorization_code and refresh_token --- */

struct redeem {
	char id[ACCT_ID_LEN + 1], masked[ACCT_ID_LEN + 1];
	char kcode[SK_MAX], kgrant[SK_MAX], gid[32];
	const char *scope, *nonce, *auth_time, *acr, *amr, *sid;
	unsigned scopes;           /* granted */
	unsigned want;             /* in these tokens (a refresh may narrow) */
	char rt_secret[48];        /* the new refresh token's secret, or "" */
	char rt_hash[48];
	const char *grant;         /* "authorization_code" or "refresh_token", for the log */
};

static void b64_sha(const char *s, char out[48])
{
	uint8_t h[SEC_SHA256_LEN];

	sec_sha256(s, strlen(s), h);
	sec_b64url_encode(h, sizeof(h), out);
}

/* A fresh refresh-token secret and its hash, when the grant gets one. */
static int rt_new(struct req *r, struct redeem *d)
{
	d->rt_secret[0] = d->rt_hash[0] = '\0';
	if (!(d->scopes & SCOPE_OFFLINE_ACCESS) || !(r->client->grants & GRANT_REFRESH_TOKEN))
		return 0;
	if (sec_random_token(d->rt_secret, 32) != 0)
		return -1;
	b64_sha(d->rt_secret, d->rt_hash);
	return 0;
}

/* The token response for a citizen's grant: access token, ID token, and the refresh token when
 * d->rt_secret is set. */
static enum step tokens_reply(struct req *r, struct redeem *d)
{
	const struct client *c = r->client;
	char sub[TOK_SUB_SIZE], ref[SREF_SIZE], rnd[16], scope[LIM_SCOPE_STR], *jti, *at, *idt;
	char *body, *rt = NULL;
	size_t atlen, idlen;
	long long now = (long long)time(NULL);
	struct tok_access t = { 0 };
	struct tok_id it = { 0 };

	tok_pairwise_sub(r->gen->pepper, c->sector, d->id, sub);
	if (sref_make(r->gen->data_key, "at", d->id, ref) != 0 || sec_random_token(rnd, 8) != 0 ||
	    clients_scope_render(d->want, scope, sizeof(scope)) < 0 ||
	    (jti = arena_printf(&r->arena, "%s.%s.%s", ref, d->gid, rnd)) == NULL)
		return req_fail(r, 500, "server_error", NULL);
	if (d->rt_secret[0] != '\0') {
		char rref[SREF_SIZE];

		if (sref_make(r->gen->data_key, "rt", d->id, rref) != 0 ||
		    (rt = arena_printf(&r->arena, "%s.%s.%s", rref, d->gid, d->rt_secret)) == NULL)
			return req_fail(r, 500, "server_error", NULL);
	}
	t.sub = sub;
	t.client_id = c->id;
	t.scope = scope;
	t.jti = jti;
	t.iat = now;
	t.exp = now + r->gen->conf->ttl_access;
	t.auth_time = atoll(d->auth_time);
	t.acr = d->acr;
	t.amr_json = d->amr;
	t.sid = d->sid;
	if (tok_access_sign(r->gen->keys, KEY_ES256, r->gen->conf->issuer, &t, &r->arena, &at,
	                    &atlen) != 0)
		return req_fail(r, 500, "server_error", "could not sign the access token");
	it.sub = sub;
	it.client_id = c->id;
	it.nonce = d->nonce != NULL && d->nonce[0] != '\0' ? d->nonce : NULL;
	it.acr = d->acr;
	it.amr_json = d->amr;
	it.sid = d->sid;
	it.access_token = at;
	it.iat = now;
	it.exp = now + r->gen->conf->ttl_id;
	it.auth_time = t.auth_time;
	if (tok_id_sign(r->gen->keys, c->id_token_alg, r->gen->conf->issuer, &it, &r->arena, &idt,
	                &idlen) != 0)
		return req_fail(r, 500, "server_error", "could not sign the ID token");
	body = arena_printf(&r->arena,
	                    "{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":%lld,"
	                    "\"scope\":\"%s\",\"id_token\":\"%s\"%s%s%s}",
	                    at, r->gen->conf->ttl_access, scope, idt,
	                    rt != NULL ? ",\"refresh_token\":\"" : "", rt != NULL ? rt : "",
	                    rt != NULL ? "\"" : "");
	if (body == NULL)
		return req_fail_oom(r);
	req_log(LOG_INFO, r, "token_issued", "client", c->id, "grant", d->grant, "id", d->masked,
	        NULL);
	audit_count_token(c->id);
	return http_reply(r, 200, "application/json", body, strlen(body), RESP_NOSTORE);
}

static enum step code_redeemed(struct req *r);
static enum step grant_made(struct req *r);

/* Redeems a code in one Redis step (code_redeem.lua): the code is taken, checked against this
 * request (client, redirect_uri, PKCE) and its grant created, or refused, atomically. The
 * refresh token is made beforehand for a client that may refresh; the script keeps it when the
 * code's scope has offline_access. */
static enum step grant_authorization_code(struct req *r)
{
	struct redeem *d = req_ctx(r, sizeof(*d));
	const char *code = form_get(r->form, "code"), *rest;
	const char *ruri = form_get(r->form, "redirect_uri");
	const char *verifier = form_get(r->form, "code_verifier");
	const struct conf *cf = r->gen->conf;
	char hb[48], s256[48] = "", kset[SK_MAX], kacct[SK_MAX], now[24], life_rt[24], life_at[24];
	char fexp[24], offline[16];
	const char *args[14];
	long long t = (long long)time(NULL);

	if (d == NULL)
		return req_fail_oom(r);
	d->grant = "authorization_code";
	if (code == NULL)
		return req_fail(r, 400, "invalid_request", "code is required");
	if (ruri == NULL)
		return req_fail(r, 400, "invalid_request", "redirect_uri is required");
	if (sref_open(r->gen->data_key, "code", code, d->id, &rest) != 0 || rest[0] == '\0')
		return req_fail(r, 400, "invalid_grant", "the code is invalid or has expired");
	if (verifier != NULL && authz_pkce_s256(verifier, s256) != 0)
		strcpy(s256, "-"); /* malformed: matches no challenge, and is not "none sent" */
	d->rt_secret[0] = d->rt_hash[0] = '\0';
	if ((r->client->grants & GRANT_REFRESH_TOKEN) && sec_random_token(d->rt_secret, 32) != 0)
		return req_fail(r, 500, "server_error", NULL);
	if (d->rt_secret[0] != '\0')
		b64_sha(d->rt_secret, d->rt_hash);
	if (sec_random_token(d->gid, 16) != 0)
		return req_fail(r, 500, "server_error", NULL);
	b64_sha(rest, hb);
	sk_code(d->kcode, d->id, hb);
	sk_grant(d->kgrant, d->id, d->gid);
	sk_grants(kset, d->id);
	sk_acct(kacct, d->id);
	acct_id_mask(d->id, d->masked);
	snprintf(now, sizeof(now), "%lld", t);
	/* a grant lives as long as its tokens may: the refresh family's cap, or one access token */
	snprintf(life_rt, sizeof(life_rt), "%lld", cf->ttl_refresh);
	snprintf(life_at, sizeof(life_at), "%lld", cf->ttl_access + TOK_SKEW);
	snprintf(fexp, sizeof(fexp), "%lld", t + cf->ttl_refresh_max);
	snprintf(offline, sizeof(offline), "%u", (unsigned)SCOPE_OFFLINE_ACCESS);
	args[0] = d->kcode, args[1] = d->kgrant, args[2] = kset, args[3] = kacct;
	args[4] = r->client->id, args[5] = ruri, args[6] = s256, args[7] = life_rt;
	args[8] = life_at, args[9] = d->gid, args[10] = now, args[11] = fexp, args[12] = d->rt_hash;
	args[13] = offline;
	return store_eval(r, code_redeemed, LUA_CODE_REDEEM, 4, 14, args, NULL);
}

static enum step code_replayed(struct req *r)
{
	return req_fail(r, 400, "invalid_grant", "the code was already used");
}

static const char *elem_str(const struct sreply *x, size_t i)
{
	return i < x->n && x->elem[i]->type == SR_STRING ? x->elem[i]->str : NULL;
}

static enum step code_redeemed(struct req *r)
{
	struct redeem *d = r->ctx;
	const struct sreply *x = r->reply;
	const char *what;

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type == SR_NIL)
		return req_fail(r, 400, "invalid_grant", "the code is invalid or has expired");
	if (x->type == SR_STRING || x->type == SR_STATUS) /* 'gone' */
		return req_fail(r, 400, "invalid_grant", "the account is no longer active");
	if (x->type != SR_ARRAY || (what = elem_str(x, 0)) == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(what, "replay") == 0) {
		const char *gid = elem_str(x, 1);

		/* RFC 6749 §4.1.2: a code used twice revokes what it produced */
		req_log(LOG_WARN, r, "code_replayed", "client", r->client->id, "id", d->masked, NULL);
		if (gid != NULL && gid[0] != '\0' && strlen(gid) < sizeof(d->gid)) {
			sk_grant(d->kgrant, d->id, gid);
			return store_cmd(r, code_replayed, "HSET %s revoked code_replay", d->kgrant);
		}
		return code_replayed(r);
	}
	if (strcmp(what, "refused") == 0) {
		const char *why = elem_str(x, 1) != NULL ? elem_str(x, 1) : "";

		if (strcmp(why, "client") == 0)
			return req_fail(r, 400, "invalid_grant", "the code was issued to another client");
		if (strcmp(why, "redirect_uri") == 0)
			return req_fail(r, 400, "invalid_grant", "redirect_uri differs from the request's");
		if (strcmp(why, "pkce") == 0)
			return req_fail(r, 400, "invalid_grant", "code_verifier does not match (PKCE)");
		if (strcmp(why, "downgrade") == 0)
			return req_fail(r, 400, "invalid_grant", "no code_challenge was sent for this code");
		return req_fail(r, 500, "server_error", "a stored code is incomplete");
	}
	if (strcmp(what, "ok") != 0 || x->n != 8)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	for (size_t i = 1; i < 8; i++)
		if (elem_str(x, i) == NULL)
			return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(elem_str(x, 1), "1") != 0)
		d->rt_secret[0] = d->rt_hash[0] = '\0';
	d->scope = elem_str(x, 2);
	d->nonce = elem_str(x, 3);
	d->auth_time = elem_str(x, 4);
	d->acr = elem_str(x, 5);
	d->amr = elem_str(x, 6);
	d->sid = elem_str(x, 7);
	d->scopes = d->want = (unsigned)strtoul(d->scope, NULL, 10);
	return tokens_reply(r, d);
}

/* The grant a CIBA request's tokens belong to (grant_new.lua), guarded by d->kcode (the
 * request) so that one approval makes one grant; then the tokens. */
static enum step grant_create(struct req *r, struct redeem *d)
{
	char now[24], life[24], fexp[24];
	const char *args[32];
	char kset[SK_MAX], kacct[SK_MAX];
	long long t = (long long)time(NULL);
	int n = 0;

	if (sec_random_token(d->gid, 16) != 0 || rt_new(r, d) != 0)
		return req_fail(r, 500, "server_error", NULL);
	sk_grant(d->kgrant, d->id, d->gid);
	sk_grants(kset, d->id);
	sk_acct(kacct, d->id);
	snprintf(now, sizeof(now), "%lld", t);
	/* a grant lives as long as its tokens may: the refresh family's cap, or one access token */
	snprintf(life, sizeof(life), "%lld",
	         d->rt_secret[0] ? r->gen->conf->ttl_refresh : r->gen->conf->ttl_access + TOK_SKEW);
	snprintf(fexp, sizeof(fexp), "%lld", t + r->gen->conf->ttl_refresh_max);
	args[n++] = d->kgrant, args[n++] = kset, args[n++] = kacct, args[n++] = d->kcode;
	args[n++] = life;
	args[n++] = d->gid;
	args[n++] = "client", args[n++] = r->client->id;
	args[n++] = "scope", args[n++] = d->scope;
	args[n++] = "sid", args[n++] = d->sid;
	args[n++] = "auth_time", args[n++] = d->auth_time;
	args[n++] = "acr", args[n++] = d->acr;
	args[n++] = "amr", args[n++] = d->amr;
	args[n++] = "created", args[n++] = now;
	args[n++] = "family_exp", args[n++] = fexp;
	if (d->rt_secret[0] != '\0')
		args[n++] = "rt", args[n++] = d->rt_hash;
	return store_eval(r, grant_made, LUA_GRANT_NEW, 4, n, args, NULL);
}

static enum step grant_made(struct req *r)
{
	struct redeem *d = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || (x->type != SR_STATUS && x->type != SR_STRING))
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (strcmp(x->str, "replay") == 0)
		return code_replayed(r);
	if (strcmp(x->str, "ok") != 0)
		return req_fail(r, 400, "invalid_grant", "the account is no longer active");
	return tokens_reply(r, d);
}

/* "<sealed ID>.<gid>.<secret>": 0 with the parts, or -1. */
static int rt_parse(struct req *r, const char *tok, struct redeem *d, const char **secret)
{
	const char *rest, *dot;

	if (tok == NULL || sref_open(r->gen->data_key, "rt", tok, d->id, &rest) != 0 ||
	    (dot = strchr(rest, '.')) == NULL || dot == rest ||
	    (size_t)(dot - rest) >= sizeof(d->gid) || dot[1] == '\0')
		return -1;
	snprintf(d->gid, sizeof(d->gid), "%.*s", (int)(dot - rest), rest);
	*secret = dot + 1;
	acct_id_mask(d->id, d->masked);
	sk_grant(d->kgrant, d->id, d->gid);
	return 0;
}

static enum step refresh_rotated(struct req *r);

static enum step grant_refresh_token(struct req *r)
{
	struct redeem *d = req_ctx(r, sizeof(*d));
	const char *secret, *args[9], *s = form_get(r->form, "scope");
	char kacct[SK_MAX], old[48], now[24], grace[24], life[24], want[16] = "";
	struct errbuf eb = { 0 };

	if (d == NULL)
		return req_fail_oom(r);
	d->grant = "refresh_token";
	if (form_get(r->form, "refresh_token") == NULL)
		return req_fail(r, 400, "invalid_request", "refresh_token is required");
	if (rt_parse(r, form_get(r->form, "refresh_token"), d, &secret) != 0)
		return req_fail(r, 400, "invalid_grant", "the refresh token is invalid");
	if (s != NULL) { /* RFC 6749 §6: narrower, never wider; rt_rotate.lua compares first */
		if (clients_scope_parse(s, &d->want, &eb) != 0)
			return req_fail(r, 400, "invalid_scope", "scope: not a known scope list");
		snprintf(want, sizeof(want), "%u", d->want);
	}
	b64_sha(secret, old);
	if (sec_random_token(d->rt_secret, 32) != 0)
		return req_fail(r, 500, "server_error", NULL);
	b64_sha(d->rt_secret, d->rt_hash);
	sk_acct(kacct, d->id);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	snprintf(grace, sizeof(grace), "%lld", r->gen->conf->refresh_grace);
	snprintf(life, sizeof(life), "%lld", r->gen->conf->ttl_refresh);
	args[0] = d->kgrant, args[1] = kacct, args[2] = r->client->id, args[3] = old;
	args[4] = d->rt_hash, args[5] = now, args[6] = grace, args[7] = life, args[8] = want;
	return store_eval(r, refresh_rotated, LUA_RT_ROTATE, 2, 9, args, NULL);
}

static enum step refresh_rotated(struct req *r)
{
	struct redeem *d = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type == SR_STRING || x->type == SR_STATUS) {
		if (strcmp(x->str, "scope") == 0) /* refused before anything was written */
			return req_fail(r, 400, "invalid_scope", "scope is wider than the grant's");
		if (strcmp(x->str, "reuse") == 0)
			req_log(LOG_WARN, r, "refresh_reuse", "client", r->client->id, "id", d->masked,
			        NULL);
		return req_fail(r, 400, "invalid_grant",
		                strcmp(x->str, "reuse") == 0
		                        ? "the refresh token was already used: its grant is revoked"
		                        : "the refresh token is invalid, revoked or expired");
	}
	if (x->type != SR_ARRAY || x->n != 6)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	for (size_t i = 1; i < 6; i++)
		if (x->elem[i]->type != SR_STRING)
			return req_fail(r, 500, "server_error", "a stored grant is incomplete");
	d->scope = x->elem[1]->str;
	d->sid = x->elem[2]->str;
	d->auth_time = x->elem[3]->str;
	d->acr = x->elem[4]->str;
	d->amr = x->elem[5]->str;
	d->nonce = NULL;
	d->scopes = (unsigned)strtoul(d->scope, NULL, 10);
	if (form_get(r->form, "scope") == NULL)
		d->want = d->scopes;
	else if ((d->want & ~d->scopes) != 0) /* rt_rotate.lua refused it already */
		return req_fail(r, 400, "invalid_scope", "scope is wider than the grant's");
	return tokens_reply(r, d);
}

/* --- urn:openid:params:grant-type:ciba (CIBA Core §10.1, §11) --- */

static enum step ciba_polled(struct req *r);

static enum step grant_ciba(struct req *r)
{
	struct redeem *d = req_ctx(r, sizeof(*d));
	const char *id = form_get(r->form, "auth_req_id"), *rid, *args[3];
	char now[24];

	if (d == NULL)
		return req_fail_oom(r);
	d->grant = "ciba";
	if (id == NULL)
		return req_fail(r, 400, "invalid_request", "auth_req_id is required");
	if (sref_open(r->gen->data_key, "ciba", id, d->id, &rid) != 0 || rid[0] == '\0' ||
	    strlen(rid) > 43)
		return req_fail(r, 400, "invalid_grant", "auth_req_id is invalid");
	acct_id_mask(d->id, d->masked);
	sk_ciba(d->kcode, d->id, rid);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	args[0] = d->kcode, args[1] = r->client->id, args[2] = now;
	return store_eval(r, ciba_polled, LUA_CIBA_POLL, 1, 3, args, NULL);
}

static enum step ciba_polled(struct req *r)
{
	static const struct {
		const char *verdict, *error, *desc;
	} answers[] = {
		{ "pending", "authorization_pending", "the citizen has not decided yet" },
		{ "slow_down", "slow_down", "poll less often: the interval grew by 5 s" },
		{ "denied", "access_denied", "the citizen (or the account's level) refused" },
		{ "expired", "expired_token", "the request expired" },
		{ "invalid", "invalid_grant", "auth_req_id belongs to another client" },
		{ "used", "invalid_grant", "the tokens for this request were already issued" },
	};
	struct redeem *d = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type == SR_STRING || x->type == SR_STATUS) {
		for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
			if (strcmp(x->str, answers[i].verdict) == 0)
				return req_fail(r, 400, answers[i].error, answers[i].desc);
		return req_fail(r, 500, "server_error", NULL);
	}
	if (x->type != SR_ARRAY || x->n != 5)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	for (size_t i = 1; i < 5; i++)
		if (x->elem[i]->type != SR_STRING)
			return req_fail(r, 500, "server_error", "a stored request is incomplete");
	d->scope = x->elem[1]->str;
	d->acr = x->elem[2]->str;
	d->amr = x->elem[3]->str;
	d->auth_time = x->elem[4]->str;
	d->sid = "";
	d->nonce = NULL;
	d->scopes = d->want = (unsigned)strtoul(d->scope, NULL, 10);
	return grant_create(r, d);
}

static const struct {
	const char *name;
	unsigned bit;
	step_fn run;
} grants[] = {
	{ "urn:openid:params:grant-type:ciba", GRANT_CIBA, grant_ciba },
	{ "authorization_code", GRANT_AUTHORIZATION_CODE, grant_authorization_code },
	{ "refresh_token", GRANT_REFRESH_TOKEN, grant_refresh_token },
	{ "client_credentials", GRANT_CLIENT_CREDENTIALS, grant_client_credentials },
};

static enum step token_authenticated(struct req *r)
{
	const char *gt = form_get(r->form, "grant_type");

	if (gt == NULL)
		return req_fail(r, 400, "invalid_request", "grant_type is required");
	for (size_t i = 0; i < sizeof(grants) / sizeof(grants[0]); i++) {
		if (strcmp(gt, grants[i].name) != 0)
			continue;
		if ((r->client->grants & grants[i].bit) == 0)
			return req_fail(r, 400, "unauthorized_client",
			                "this grant type is not registered for the client");
		return grants[i].run(r);
	}
	return req_fail(r, 400, "unsupported_grant_type", NULL);
}

enum step ep_token(struct req *r)
{
	return ep_token_client_auth(r, token_authenticated);
}

/* --- access tokens presented back: introspection and revocation --- */

struct presented {
	json_t *claims;   /* verified, unexpired, ours; NULL otherwise */
	const char *jti;
	long long exp;
};

/* Verifies a token string as one of our live access tokens. 0 and the claims when it was issued
 * to the calling client, 1 when to another client, -1 when it is not ours, not valid or expired. */
static int presented_at(struct req *r, const char *tok, struct presented *p)
{
	json_t *c = NULL;
	const char *cid, *jti;

	memset(p, 0, sizeof(*p));
	if (tok_access_verify(r->gen->keys, r->gen->conf->issuer, (long long)time(NULL), tok, &c) != 0)
		return -1;
	if (http_keep_json(r, c) != 0)
		return -1; /* a 500 is set */
	cid = json_string_value(json_object_get(c, "client_id"));
	jti = json_string_value(json_object_get(c, "jti"));
	if (strcmp(cid, r->client->id) != 0)
		return 1;
	p->claims = c;
	p->jti = jti;
	p->exp = (long long)json_integer_value(json_object_get(c, "exp"));
	return 0;
}

static enum step inactive(struct req *r)
{
	static const char body[] = "{\"active\":false}";

	return http_reply(r, 200, "application/json", body, sizeof(body) - 1, RESP_NOSTORE);
}

static enum step introspect_checked(struct req *r)
{
	struct presented *p = r->ctx;
	json_t *out;

	if (r->reply == NULL || r->reply->type != SR_INTEGER)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (r->reply->integer != 0)
		return inactive(r);
	out = json_deep_copy(p->claims);
	if (out == NULL)
		return req_fail_oom(r);
	json_object_set_new(out, "active", json_true());
	json_object_set_new(out, "token_type", json_string("Bearer"));
	return http_reply_json(r, 200, out);
}

/* at_check.lua answers 1 for active: the same as "no revocation marker" for introspect_checked. */
static enum step introspect_user_checked(struct req *r)
{
	if (r->reply != NULL && r->reply->type == SR_INTEGER)
		r->reply->integer = !r->reply->integer;
	return introspect_checked(r);
}

/* A refresh token presented to /introspect or /revoke: rt_check.lua in `mode`. */
static enum step rt_presented(struct req *r, const char *tok, const char *mode, step_fn next)
{
	struct redeem *d = arena_alloc(&r->arena, sizeof(*d));
	const char *secret, *args[5];
	char kacct[SK_MAX], h[48];

	if (d == NULL)
		return req_fail_oom(r);
	if (rt_parse(r, tok, d, &secret) != 0)
		return STEP_DONE; /* not a refresh token: the caller goes on */
	b64_sha(secret, h);
	sk_acct(kacct, d->id);
	args[0] = d->kgrant, args[1] = kacct, args[2] = r->client->id, args[3] = h, args[4] = mode;
	return store_eval(r, next, LUA_RT_CHECK, 2, 5, args, NULL);
}

static enum step introspect_rt_checked(struct req *r)
{
	char *body;

	if (r->reply == NULL || r->reply->type != SR_INTEGER)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (r->reply->integer != 1)
		return inactive(r);
	body = arena_printf(&r->arena,
	                    "{\"active\":true,\"client_id\":\"%s\",\"token_type\":\"refresh_token\"}",
	                    r->client->id);
	if (body == NULL)
		return req_fail_oom(r);
	return http_reply(r, 200, "application/json", body, strlen(body), RESP_NOSTORE);
}

static enum step introspect_authenticated(struct req *r)
{
	struct presented *p = req_ctx(r, sizeof(*p));
	const char *tok = form_get(r->form, "token");
	char key[SK_MAX];

	if (p == NULL)
		return req_fail_oom(r);
	if (tok == NULL)
		return req_fail(r, 400, "invalid_request", "token is required");
	if (strchr(tok, '.') != NULL && strchr(strchr(tok, '.') + 1, '.') != NULL &&
	    rt_presented(r, tok, "check", introspect_rt_checked) == STEP_WAIT)
		return STEP_WAIT;
	if (r->error != NULL)
		return STEP_DONE;
	if (presented_at(r, tok, p) != 0)
		return inactive(r);
	sk_at_revoked(key, p->jti);
	if (strchr(p->jti, '.') != NULL) {
		/* a citizen's token: "<sealed ID>.<grant>.<random>" (ep_token.c, grant_made) */
		char id[ACCT_ID_LEN + 1], gid[32], kgrant[SK_MAX], kacct[SK_MAX];
		const char *rest, *keys[3] = { key, kgrant, kacct };
		size_t n;

		if (sref_open(r->gen->data_key, "at", p->jti, id, &rest) != 0 ||
		    (n = strcspn(rest, ".")) == 0 || n >= sizeof(gid))
			return inactive(r);
		snprintf(gid, sizeof(gid), "%.*s", (int)n, rest);
		sk_grant(kgrant, id, gid);
		sk_acct(kacct, id);
		return store_eval(r, introspect_user_checked, LUA_AT_CHECK, 3, 3, keys, NULL);
	}
	return store_cmd(r, introspect_checked, "EXISTS %s", key);
}

enum step ep_token_introspect(struct req *r)
{
	return ep_token_client_auth(r, introspect_authenticated);
}

static enum step revoke_done(struct req *r)
{
	if (r->reply == NULL || r->reply->type != SR_STATUS)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	return http_reply(r, 200, "application/json", "{}", 2, RESP_NOSTORE);
}

static enum step revoke_rt_done(struct req *r)
{
	if (r->reply == NULL || r->reply->type != SR_INTEGER)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (r->reply->integer == -1)
		return req_fail(r, 400, "unauthorized_client",
		                "the token was not issued to this client");
	req_log(LOG_INFO, r, "refresh_revoked", "client", r->client->id, NULL);
	return http_reply(r, 200, "application/json", "{}", 2, RESP_NOSTORE);
}

static enum step revoke_authenticated(struct req *r)
{
	struct presented *p = req_ctx(r, sizeof(*p));
	const char *tok = form_get(r->form, "token");
	char key[SK_MAX], ttl[24];
	const char *argv[] = { "SET", key, "1", "EX", ttl };

	if (p == NULL)
		return req_fail_oom(r);
	if (tok == NULL)
		return req_fail(r, 400, "invalid_request", "token is required");
	/* RFC 7009 §2.1: revoking a refresh token revokes its grant and the access tokens of it */
	if (rt_presented(r, tok, "revoke", revoke_rt_done) == STEP_WAIT)
		return STEP_WAIT;
	if (r->error != NULL)
		return STEP_DONE;
	switch (presented_at(r, tok, p)) {
	case 0:
		break;
	case 1: /* RFC 7009 §2.1: only the client it was issued to may revoke it */
		return req_fail(r, 400, "unauthorized_client",
		                "the token was not issued to this client");
	default: /* RFC 7009 §2.2: an invalid or unknown token is answered 200 all the same */
		return http_reply(r, 200, "application/json", "{}", 2, RESP_NOSTORE);
	}
	sk_at_revoked(key, p->jti);
	snprintf(ttl, sizeof(ttl), "%lld", p->exp - (long long)time(NULL) + TOK_SKEW);
	req_log(LOG_INFO, r, "token_revoked", "client", r->client->id, "jti", p->jti, NULL);
	return store_cmdv(r, revoke_done, 5, argv, NULL);
}

enum step ep_token_revoke(struct req *r)
{
	return ep_token_client_auth(r, revoke_authenticated);
}
