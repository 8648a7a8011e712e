/* ep_authorize.c — see ep_authorize.h. */
#include "ep_authorize.h"

#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "audit.h"
#include "bcl.h"
#include "authz.h"
#include "clients.h"
#include "ep_token.h"
#include "conf.h"
#include "form.h"
#include "gen.h"
#include "guard.h"
#include "html.h"
#include "jws.h"
#include "http.h"
#include "notify.h"
#include "otp.h"
#include "pass.h"
#include "qr.h"
#include "route.h"
#include "sec.h"
#include "skeys.h"
#include "sms.h"
#include "sref.h"
#include "store.h"
#include "worker.h"
#include "workq.h"

#define TX_TTL "600"     /* s: a pending authorization request */
#define PAR_TTL "60"     /* s: a pushed one, until the browser brings it (RFC 9126 §2.2) */
#define SECRET_BYTES 32  /* cookies' and codes' secret parts */
#define TID_BYTES 16
#define H_LEN 44         /* base64url SHA-256 and a NUL */
#define SMS_CODE_LEN 6
#define SMS_TRIES 5

struct az {
	struct authz az;
	const struct form *params;  /* the request being served (query, body, or the pending one) */
	char tid[32], tid_h[H_LEN], csrf[H_LEN];
	char browser[64];           /* the tx cookie's value (new or presented) */
	int browser_new;
	char id[ACCT_ID_LEN + 1], masked[ACCT_ID_LEN + 1];
	char sso_key[SK_MAX], sid[32];
	char sso_cookie[SREF_SIZE + 64];
	long long auth_time;
	const char *acr, *amr;
	/* login */
	const char *password, *otp, *action;
	char phone[ACCT_PHONE_MAX + 1], totp_sealed[160];
	long long totp_last, totp_step, locked_until;
	int status_active, status_revoked, have_account;
	struct pw_job {
		uint8_t pepper[32];
		char *password;
		char hash[PASS_ENCODED_MAX];
		int rc;
	} job;
	char *sms_code;
	int par;                    /* the parameters came from a pushed request */
	long long tx_t;             /* when the pending request began (its "_t"); 0: unknown */
	char bh[H_LEN];             /* the browser binding: SHA-256 of its tx cookie */
	char qid[QR_ID_LEN + 1], nonce[32];
	int page_status;            /* show_login's page, rendered once its QR exists */
	enum html_msg page_msg;
	step_fn next;               /* what a form runs once its pending request is loaded */
};

/* --- cookies --- */

static int secure(const struct req *r)
{
	return strncmp(r->gen->conf->issuer, "https://", 8) == 0;
}

/* "__Host-" (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain) when served over TLS. */
static const char *cookie_name(const struct req *r, const char *base)
{
	return secure(r) ? (strcmp(base, "sso") == 0 ? "__Host-eid_sso" : "__Host-eid_tx")
	                 : (strcmp(base, "sso") == 0 ? "eid_sso" : "eid_tx");
}

/* The value of cookie `name` in arena memory, or NULL. */
static const char *cookie_get(struct req *r, const char *name)
{
	const char *h = http_header(r, "Cookie");
	size_t n = strlen(name);

	while (h != NULL && *h != '\0') {
		while (*h == ' ' || *h == ';')
			h++;
		if (strncmp(h, name, n) == 0 && h[n] == '=') {
			size_t len = strcspn(h + n + 1, ";");

			return len > 0 && len < 512 ? arena_strndup(&r->arena, h + n + 1, len) : NULL;
		}
		h += strcspn(h, ";");
	}
	return NULL;
}

static void cookie_set(struct req *r, const char *name, const char *value, long long max_age)
{
	char *c = arena_printf(&r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s; Max-Age=%lld",
	                       name, value, secure(r) ? "; Secure" : "", max_age);

	if (c != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Set-Cookie", c);
}

/* --- helpers --- */

static void b64_sha256(const char *s, char out[H_LEN])
{
	uint8_t h[SEC_SHA256_LEN];

	sec_sha256(s, strlen(s), h);
	sec_b64url_encode(h, sizeof(h), out);
}

/* The CSRF token of a pending request: HMAC(pepper, "csrf" tid). */
static void csrf_of(const struct req *r, const char *tid, char out[H_LEN])
{
	uint8_t m[SEC_SHA256_LEN];

	sec_hmac256(r->gen->pepper, sizeof(r->gen->pepper), "csrf:", 5, tid, strlen(tid), m);
	sec_b64url_encode(m, sizeof(m), out);
}

static enum step page(struct req *r, int status, const char *html)
{
	if (html == NULL)
		return req_fail_oom(r);
	/* a parser that refused the request set a JSON error first: the browser gets the page */
	r->error = r->error_desc = NULL;
	return http_reply(r, status, "text/html; charset=utf-8", html, strlen(html),
	                  RESP_HTML | RESP_NOSTORE);
}

static enum step error_page(struct req *r, const char *locale, int status, const char *desc)
{
	req_log(LOG_WARN, r, "authorize_refused", "why", desc, NULL);
	return page(r, status,
	            html_error(&r->arena, locale,
	                       strcmp(locale, "en") == 0 ? "The login cannot continue"
	                                                 : "Không thể tiếp tục đăng nhập",
	                       desc));
}

/* 302 after GET, 303 after POST (RFC 9110 §15.4.4: the browser follows with GET). */
static enum step redirect(struct req *r, const char *to)
{
	if (to == NULL)
		return req_fail_oom(r);
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Location", to);
	return http_reply(r, strcmp(r->method, "POST") == 0 ? 303 : 302, "text/plain", "", 0,
	                  RESP_NOSTORE);
}

static enum step redirect_error(struct req *r, struct az *z, const char *error, const char *desc)
{
	const char *pairs[] = { "error", error, "error_description", desc,
		                "state", z->az.state, "iss", r->gen->conf->issuer, NULL };

	req_log(LOG_INFO, r, "authorize_error", "client", z->az.client->id, "error", error, NULL);
	return redirect(r, authz_redirect(&r->arena, z->az.redirect_uri, pairs));
}

/* The request's parameters serialized for Redis, followed by `tail` (our own "_name=value":
 * the browser binding of a pending request, the owner of a pushed one). */
static char *params_render(struct req *r, const struct form *f, const char *tail)
{
	size_t n = strlen(tail) + 8;
	char *out, *p;

	for (size_t i = 0; i < f->n; i++)
		n += 2 + 3 * (strlen(f->p[i].name) + strlen(f->p[i].value));
	if ((out = arena_alloc(&r->arena, n)) == NULL)
		return NULL;
	p = out;
	for (size_t i = 0; i < f->n; i++) {
		if (f->p[i].name[0] == '_')
			continue; /* ours; never taken from a request */
		p = authz_urlencode(p, f->p[i].name);
		*p++ = '=';
		p = authz_urlencode(p, f->p[i].value);
		*p++ = '&';
	}
	strcpy(p, tail);
	return out;
}

/* --- issuing the code --- */

static enum step code_stored(struct req *r);

static enum step code_issue(struct req *r)
{
	struct az *z = r->ctx;
	char secret[64], h[H_LEN], ref[SREF_SIZE], key[SK_MAX], ttl[24], at[24], scope[16];
	const char *args[22];
	char *code;
	int n = 0;

	if (sec_random_token(secret, SECRET_BYTES) != 0 ||
	    sref_make(r->gen->data_key, "code", z->id, ref) != 0)
		return req_fail(r, 500, "server_error", NULL);
	if ((code = arena_printf(&r->arena, "%s.%s", ref, secret)) == NULL)
		return req_fail_oom(r);
	b64_sha256(secret, h);
	sk_code(key, z->id, h);
	snprintf(ttl, sizeof(ttl), "%lld", r->gen->conf->ttl_code);
	snprintf(at, sizeof(at), "%lld", z->auth_time);
	snprintf(scope, sizeof(scope), "%u", z->az.scopes);
	args[n++] = key;
	args[n++] = ttl;
	args[n++] = "client", args[n++] = z->az.client->id;
	args[n++] = "redirect_uri", args[n++] = z->az.redirect_uri;
	args[n++] = "scope", args[n++] = scope;
	args[n++] = "nonce", args[n++] = z->az.nonce != NULL ? z->az.nonce : "";
	args[n++] = "challenge", args[n++] = z->az.code_challenge ? z->az.code_challenge : "";
	args[n++] = "auth_time", args[n++] = at;
	args[n++] = "acr", args[n++] = z->acr;
	args[n++] = "amr", args[n++] = z->amr;
	args[n++] = "sid", args[n++] = z->sid;
	z->password = code; /* kept for code_stored (the password is long gone by now) */
	return store_eval(r, code_stored, LUA_HSET_TTL, 1, n, args, NULL);
}

/* hset_ttl.lua's 'ok' (a Lua string arrives as a bulk string). */
static int script_ok(const struct req *r)
{
	return r->reply != NULL && (r->reply->type == SR_STRING || r->reply->type == SR_STATUS) &&
	       strcmp(r->reply->str, "ok") == 0;
}

static enum step code_stored(struct req *r)
{
	struct az *z = r->ctx;
	const char *pairs[] = { "code", z->password, "state", z->az.state,
		                "iss", r->gen->conf->issuer, NULL };

	if (!script_ok(r))
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	req_log(LOG_INFO, r, "code_issued", "client", z->az.client->id, "id", z->masked, NULL);
	return redirect(r, authz_redirect(&r->arena, z->az.redirect_uri, pairs));
}

/* --- pending requests: login and consent pages --- */

static enum step tx_saved(struct req *r);

/* Stores the pending request and shows `what` ("login" or "consent"). */
static enum step tx_save(struct req *r, const char *what)
{
	struct az *z = r->ctx;
	char key[SK_MAX], *tail, *v;
	const char *argv[] = { "SET", key, NULL, "EX", TX_TTL };
	const char *c = cookie_get(r, cookie_name(r, "tx"));

	if (c != NULL && strlen(c) < sizeof(z->browser)) {
		snprintf(z->browser, sizeof(z->browser), "%s", c);
	} else {
		if (sec_random_token(z->browser, SECRET_BYTES) != 0)
			return req_fail(r, 500, "server_error", NULL);
		z->browser_new = 1;
	}
	if (sec_random_token(z->tid, TID_BYTES) != 0)
		return req_fail(r, 500, "server_error", NULL);
	b64_sha256(z->tid, z->tid_h);
	csrf_of(r, z->tid, z->csrf);
	b64_sha256(z->browser, z->bh);
	/* ours, after the request's: the browser it is bound to, and when it began */
	tail = arena_printf(&r->arena, "_b=%s&_t=%lld", z->bh, (long long)time(NULL));
	if (tail == NULL || (v = params_render(r, z->params, tail)) == NULL)
		return req_fail_oom(r);
	sk_authz(key, z->tid_h);
	argv[2] = v;
	z->action = what;
	return store_cmdv(r, tx_saved, 5, argv, NULL);
}

static enum step login_page(struct req *r)
{
	struct az *z = r->ctx;
	struct html_login p = { .locale = z->az.locale, .tid = z->tid, .csrf = z->csrf,
		                .client_name = z->az.client->name,
		                .id_number = z->id[0] ? z->id : z->az.login_hint,
		                .msg = z->page_msg, .phone = z->phone };

	if (r->reply != NULL && (r->reply->type == SR_STRING || r->reply->type == SR_STATUS) &&
	    strcmp(r->reply->str, "ok") == 0) {
		p.qid = z->qid;
		p.nonce = z->nonce;
		r->csp_nonce = z->nonce;
		p.dev_payload = r->gen->conf->qr_show_payload;
	}
	/* level 2 is the app's: the page offers the QR code only */
	p.qr_only = z->az.acr_min > 1 && p.qid != NULL;
	if (z->az.acr_min > 1 && p.qid == NULL)
		return error_page(r, z->az.locale, 503, "the QR login is unavailable: try again");
	return page(r, z->page_status, html_login(&r->arena, &p));
}

/* The login page, with a new QR login transaction (qr.c) beside the form: the app may confirm
 * this browser's login instead (and must, for level 2). Without Redis the form alone. */
static enum step show_login(struct req *r, int status, enum html_msg msg)
{
	struct az *z = r->ctx;
	uint8_t secret[QR_SECRET_LEN];
	char key[SK_MAX], ttl[24], now[24], exp[24], sc[16], acr[12], sb64[48];
	const char *args[26];
	long long t = (long long)time(NULL);
	int n = 0;

	z->page_status = status;
	z->page_msg = msg;
	r->reply = NULL;
	if (!store_ready(r->w->store) || z->bh[0] == '\0' ||
	    sec_random_token(z->qid, 16) != 0 || sec_random_token(z->nonce, 16) != 0 ||
	    sec_random(secret, sizeof(secret)) != 0)
		return login_page(r);
	sec_b64url_encode(secret, sizeof(secret), sb64);
	sec_wipe(secret, sizeof(secret));
	sk_qr(key, z->qid);
	snprintf(ttl, sizeof(ttl), "%lld", r->gen->conf->qr_ttl);
	snprintf(now, sizeof(now), "%lld", t);
	snprintf(exp, sizeof(exp), "%lld", t + r->gen->conf->qr_ttl);
	snprintf(sc, sizeof(sc), "%u", z->az.scopes);
	snprintf(acr, sizeof(acr), "%d", z->az.acr_min);
	args[n++] = key, args[n++] = ttl;
	args[n++] = "status", args[n++] = "pending";
	args[n++] = "secret", args[n++] = sb64;
	args[n++] = "b", args[n++] = z->bh;
	args[n++] = "tid", args[n++] = z->tid_h;
	args[n++] = "client", args[n++] = z->az.client->id;
	args[n++] = "scope", args[n++] = sc;
	args[n++] = "acr_min", args[n++] = acr;
	args[n++] = "created", args[n++] = now;
	args[n++] = "exp", args[n++] = exp;
	args[n++] = "ip", args[n++] = http_client_ip(r);
	args[n++] = "locale", args[n++] = z->az.locale;
	return store_eval(r, login_page, LUA_HSET_TTL, 1, n, args, NULL);
}

static enum step tx_saved(struct req *r)
{
	struct az *z = r->ctx;

	if (r->reply == NULL || r->reply->type != SR_STATUS)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (z->browser_new)
		cookie_set(r, cookie_name(r, "tx"), z->browser, 3600);
	if (strcmp(z->action, "consent") == 0)
		return page(r, 200, html_consent(&r->arena, z->az.locale, z->tid, z->csrf,
		                                 z->az.client->name, z->az.scopes));
	return show_login(r, 200, HTML_MSG_NONE);
}

/* --- /authorize --- */

static enum step authorize_session(struct req *r);

/* A session is usable for this request: consent, or straight to the code. */
static enum step session_good(struct req *r, unsigned consented)
{
	struct az *z = r->ctx;
	/* openid needs no consent of its own: the pairwise sub tells nothing */
	unsigned need = z->az.scopes & ~(unsigned)SCOPE_OPENID;

	if ((need & ~consented) == 0 && !(z->az.prompt & AUTHZ_PROMPT_CONSENT))
		return code_issue(r);
	if (z->az.prompt & AUTHZ_PROMPT_NONE)
		return redirect_error(r, z, "consent_required", "the citizen has not consented");
	return tx_save(r, "consent");
}

static enum step no_session(struct req *r)
{
	struct az *z = r->ctx;

	if (z->az.prompt & AUTHZ_PROMPT_NONE)
		return redirect_error(r, z, "login_required", "no usable session");
	return tx_save(r, "login");
}

static enum step authorize_begin(struct req *r, struct az *z)
{
	struct authz_err e;
	const char *c;

	if (authz_parse(r->gen->clients, z->params, &z->az, &e) != 0) {
		if (e.html)
			return error_page(r, "vi", 400, e.desc);
		return redirect_error(r, z, e.error, e.desc);
	}
	if (!z->par && z->az.client->require_par)
		return redirect_error(r, z, "invalid_request",
		                      "this service must push its authorization requests (PAR)");
	c = cookie_get(r, cookie_name(r, "sso"));
	if (c != NULL && !(z->az.prompt & AUTHZ_PROMPT_LOGIN)) {
		const char *rest, *keys[3];
		char h[H_LEN], kacct[SK_MAX], kcons[SK_MAX], idle[24];
		const char *args[5];

		if (sref_open(r->gen->data_key, "sso", c, z->id, &rest) != 0 || rest[0] == '\0') {
			z->id[0] = '\0';
			return no_session(r);
		}
		b64_sha256(rest, h);
		sk_sso(z->sso_key, z->id, h);
		sk_acct(kacct, z->id);
		sk_consent(kcons, z->id);
		snprintf(idle, sizeof(idle), "%lld", r->gen->conf->sso_idle);
		keys[0] = z->sso_key;
		keys[1] = kacct;
		keys[2] = kcons;
		args[0] = keys[0], args[1] = keys[1], args[2] = keys[2];
		args[3] = idle;
		args[4] = z->az.client->id;
		return store_eval(r, authorize_session, LUA_SSO_LOAD, 3, 5, args, NULL);
	}
	return no_session(r);
}

/* Reads sso_load's answer into z; 1 when the session may serve this request. */
static int session_usable(struct req *r, struct az *z, unsigned *consented)
{
	const struct sreply *x = r->reply;
	long long now = (long long)time(NULL);
	int fresh;

	if (x == NULL || x->type != SR_ARRAY || x->n != 5)
		return 0;
	for (size_t i = 0; i < 5; i++)
		if (x->elem[i]->type != SR_STRING)
			return 0;
	z->auth_time = atoll(x->elem[0]->str);
	z->acr = x->elem[1]->str;
	z->amr = x->elem[2]->str;
	snprintf(z->sid, sizeof(z->sid), "%s", x->elem[3]->str);
	*consented = (unsigned)strtoul(x->elem[4]->str, NULL, 10);
	acct_id_mask(z->id, z->masked);
	if (now - z->auth_time > r->gen->conf->sso_max)
		return 0; /* re-authenticate after sessions.max_s (AAL2: 12 h) */
	/* A login made for this pending request (at or after it began) is the re-authentication
	 * prompt=login or max_age asked for (OIDC Core §3.1.2.3): the consent that follows does not
	 * ask again. An older session must meet them here, so posting the consent form with the
	 * login page's tokens does not skip the login. */
	fresh = z->tx_t > 0 && z->auth_time >= z->tx_t;
	if (!fresh && z->az.max_age >= 0 && now - z->auth_time > z->az.max_age)
		return 0;
	if (!fresh && (z->az.prompt & AUTHZ_PROMPT_LOGIN))
		return 0;
	/* never silently lower: a level-1 session does not answer a level-2 request */
	if (strncmp(z->acr, "urn:eid:level:", 14) != 0 || atoi(z->acr + 14) < z->az.acr_min)
		return 0;
	return 1;
}

static enum step authorize_session(struct req *r)
{
	struct az *z = r->ctx;
	unsigned consented = 0;

	if (r->reply == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (!session_usable(r, z, &consented)) {
		z->id[0] = '\0';
		return no_session(r);
	}
	return session_good(r, consented);
}

#define PAR_URN "urn:ietf:params:oauth:request_uri:"

static enum step par_loaded(struct req *r)
{
	struct az *z = r->ctx;
	struct form *f = arena_alloc(&r->arena, sizeof(*f));
	struct errbuf eb = { 0 };
	const char *owner;

	if (r->reply == NULL || f == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (r->reply->type != SR_STRING)
		return error_page(r, "vi", 400, "the pushed request is unknown, used or expired");
	if (form_parse(&r->arena, r->reply->str, r->reply->len, f, &eb) != 0 ||
	    (owner = form_get(f, "_client")) == NULL)
		return req_fail(r, 500, "server_error", NULL);
	/* RFC 9126 §4: only the pushed parameters count; client_id must name its pusher */
	if (strcmp(owner, form_get(z->params, "client_id")) != 0)
		return error_page(r, "vi", 400, "the pushed request belongs to another service");
	z->params = f;
	z->par = 1;
	return authorize_begin(r, z);
}

/* request_uri from /par: load it (single use) before anything else. */
static enum step par_load(struct req *r, struct az *z, const char *uri)
{
	char h[H_LEN], key[SK_MAX];

	if (strncmp(uri, PAR_URN, sizeof(PAR_URN) - 1) != 0 ||
	    form_get(z->params, "client_id") == NULL)
		return error_page(r, "vi", 400, "request_uri must come from /par, with client_id");
	b64_sha256(uri + sizeof(PAR_URN) - 1, h);
	sk_par(key, h);
	return store_cmd(r, par_loaded, "GETDEL %s", key);
}

enum step ep_authorize(struct req *r)
{
	struct az *z = req_ctx(r, sizeof(*z));

	if (z == NULL)
		return req_fail_oom(r);
	if (strcmp(r->method, "POST") != 0 && http_query(r) != 0)
		return error_page(r, "vi", 400, r->error_desc ? r->error_desc : "malformed request");
	if (strcmp(r->method, "POST") == 0 && r->form == NULL && http_form_body(r) != 0)
		return error_page(r, "vi", 400, r->error_desc ? r->error_desc : "malformed request");
	z->params = r->form;
	if (form_get(z->params, "request_uri") != NULL)
		return par_load(r, z, form_get(z->params, "request_uri"));
	return authorize_begin(r, z);
}

/* --- /par (RFC 9126) --- */

static enum step par_stored(struct req *r)
{
	struct az *z = r->ctx;
	char *body;

	if (r->reply == NULL || r->reply->type != SR_STATUS)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	body = arena_printf(&r->arena, "{\"request_uri\":\"" PAR_URN "%s\",\"expires_in\":%s}",
	                    z->tid, PAR_TTL);
	if (body == NULL)
		return req_fail_oom(r);
	req_log(LOG_INFO, r, "par_stored", "client", r->client->id, NULL);
	return http_reply(r, 201, "application/json", body, strlen(body), RESP_NOSTORE);
}

static enum step par_authenticated(struct req *r)
{
	struct az *z = req_ctx(r, sizeof(*z));
	struct authz_err e;
	const char *cid = form_get(r->form, "client_id");
	char key[SK_MAX], *v, *own;
	const char *argv[] = { "SET", key, NULL, "EX", PAR_TTL };

	if (z == NULL)
		return req_fail_oom(r);
	if (form_get(r->form, "request_uri") != NULL)
		return req_fail(r, 400, "invalid_request", "request_uri cannot be pushed");
	if (cid == NULL) { /* private_key_jwt may omit client_id: the request names its client */
		struct form *f = r->form;

		if (f->n == FORM_MAX_PARAMS)
			return req_fail(r, 400, "invalid_request", "too many parameters");
		f->p[f->n].name = "client_id";
		/* a copy: form values are wiped when the request ends */
		if ((f->p[f->n].value = arena_strdup(&r->arena, r->client->id)) == NULL)
			return req_fail_oom(r);
		f->n++;
	}
	if (authz_parse(r->gen->clients, r->form, &z->az, &e) != 0)
		/* no redirects from the back channel: every refusal is a JSON error */
		return req_fail(r, 400, e.html && strcmp(e.error, "invalid_client") != 0
		                                ? "invalid_request" : e.error, e.desc);
	if (z->az.client != r->client)
		return req_fail(r, 400, "invalid_request", "client_id differs from the client");
	if (sec_random_token(z->tid, TID_BYTES) != 0)
		return req_fail(r, 500, "server_error", NULL);
	b64_sha256(z->tid, z->tid_h);
	sk_par(key, z->tid_h);
	if ((own = arena_printf(&r->arena, "_client=%s", r->client->id)) == NULL ||
	    (v = params_render(r, r->form, own)) == NULL)
		return req_fail_oom(r);
	argv[2] = v;
	return store_cmdv(r, par_stored, 5, argv, NULL);
}

enum step ep_authorize_par(struct req *r)
{
	return ep_token_client_auth(r, par_authenticated);
}

/* --- the forms: load the pending request, bound to this browser --- */

static enum step form_tx_loaded(struct req *r);

/* Common start of POST /login and POST /consent: the CSRF token, then the pending request. */
static enum step form_begin(struct req *r, step_fn next)
{
	struct az *z = req_ctx(r, sizeof(*z));
	const char *tid = form_get(r->form, "tid"), *csrf = form_get(r->form, "csrf");
	char key[SK_MAX];

	if (z == NULL)
		return req_fail_oom(r);
	if (tid == NULL || csrf == NULL || strlen(tid) >= sizeof(z->tid))
		return error_page(r, "vi", 403, "the form is missing its security token (CSRF)");
	snprintf(z->tid, sizeof(z->tid), "%s", tid);
	csrf_of(r, z->tid, z->csrf);
	if (!sec_ct_eq(z->csrf, strlen(z->csrf), csrf, strlen(csrf)))
		return error_page(r, "vi", 403, "the form's security token (CSRF) is wrong");
	b64_sha256(z->tid, z->tid_h);
	sk_authz(key, z->tid_h);
	z->next = next;
	return store_cmd(r, form_tx_loaded, "GET %s", key);
}

static enum step form_tx_loaded(struct req *r)
{
	struct az *z = r->ctx;
	step_fn next = z->next;
	struct form *f = arena_alloc(&r->arena, sizeof(*f));
	struct errbuf eb = { 0 };
	struct authz_err e;
	const char *b, *c = cookie_get(r, cookie_name(r, "tx"));
	char bh[H_LEN];

	if (r->reply == NULL || f == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (r->reply->type != SR_STRING)
		return error_page(r, "vi", 400, "this login has expired");
	if (form_parse(&r->arena, r->reply->str, r->reply->len, f, &eb) != 0 ||
	    (b = form_get(f, "_b")) == NULL)
		return req_fail(r, 500, "server_error", NULL);
	b64_sha256(c != NULL ? c : "", bh);
	if (c == NULL || !sec_ct_eq(bh, strlen(bh), b, strlen(b)))
		return error_page(r, "vi", 403, "this login was started in another browser");
	memcpy(z->bh, bh, H_LEN);
	z->params = f;
	z->tx_t = form_get(f, "_t") != NULL ? atoll(form_get(f, "_t")) : 0;
	if (authz_parse(r->gen->clients, f, &z->az, &e) != 0)
		return error_page(r, "vi", 400, e.desc);
	return next(r);
}

/* --- POST /consent --- */

static enum step consent_session(struct req *r);
static enum step consent_saved(struct req *r);

static enum step consent_go(struct req *r)
{
	struct az *z = r->ctx;
	const char *d = form_get(r->form, "decision"), *c = cookie_get(r, cookie_name(r, "sso"));
	const char *rest;
	char h[H_LEN], kacct[SK_MAX], kcons[SK_MAX], idle[24];
	const char *args[5];

	if (d == NULL || (strcmp(d, "allow") != 0 && strcmp(d, "deny") != 0))
		return error_page(r, z->az.locale, 400, "decision must be allow or deny");
	if (strcmp(d, "deny") == 0)
		return redirect_error(r, z, "access_denied", "the citizen declined");
	if (c == NULL || sref_open(r->gen->data_key, "sso", c, z->id, &rest) != 0 || !*rest)
		return error_page(r, z->az.locale, 400, "the session has ended: log in again");
	b64_sha256(rest, h);
	sk_sso(z->sso_key, z->id, h);
	sk_acct(kacct, z->id);
	sk_consent(kcons, z->id);
	snprintf(idle, sizeof(idle), "%lld", r->gen->conf->sso_idle);
	args[0] = z->sso_key, args[1] = kacct, args[2] = kcons, args[3] = idle;
	args[4] = z->az.client->id;
	return store_eval(r, consent_session, LUA_SSO_LOAD, 3, 5, args, NULL);
}

static enum step consent_session(struct req *r)
{
	struct az *z = r->ctx;
	unsigned consented = 0;
	char kcons[SK_MAX], bits[16];

	if (r->reply == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (!session_usable(r, z, &consented))
		return error_page(r, z->az.locale, 400, "the session has ended: log in again");
	sk_consent(kcons, z->id);
	snprintf(bits, sizeof(bits), "%u", consented | (z->az.scopes & ~(unsigned)SCOPE_OPENID));
	req_log(LOG_INFO, r, "consent_given", "client", z->az.client->id, "id", z->masked, NULL);
	return store_cmd(r, consent_saved, "HSET %s %s %s", kcons, z->az.client->id, bits);
}

static enum step consent_saved(struct req *r)
{
	if (r->reply == NULL || r->reply->type != SR_INTEGER)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	return code_issue(r);
}

enum step ep_authorize_consent(struct req *r)
{
	return form_begin(r, consent_go);
}

/* --- POST /login --- */

static enum step login_loaded(struct req *r);
static enum step login_checked(struct req *r);
static enum step login_failed(struct req *r);
static enum step login_committed(struct req *r);
static enum step login_audited(struct req *r);
static enum step login_consent(struct req *r);
static enum step sms_stored(struct req *r);
static enum step sms_sent_page(struct req *r);
static enum step sms_checked(struct req *r);

static void pw_job(void *p)
{
	struct pw_job *j = p;

	j->rc = pass_verify(j->pepper, j->password, j->hash);
	sec_wipe(j->pepper, sizeof(j->pepper));
}

static enum step login_go(struct req *r)
{
	struct az *z = r->ctx;
	const char *id = form_get(r->form, "id_number"), *pw = form_get(r->form, "password");
	char kacct[SK_MAX], kreg[SK_MAX];
	const char *keys[2] = { kacct, kreg };

	if (z->az.acr_min > 1) /* a password login is level 1: this request needs the app */
		return show_login(r, 400, HTML_MSG_NEEDS_APP);
	z->otp = form_get(r->form, "otp");
	z->action = form_get(r->form, "action");
	if (z->action == NULL)
		z->action = "login";
	if (id != NULL && strlen(id) == ACCT_ID_LEN && strspn(id, "0123456789") == ACCT_ID_LEN)
		snprintf(z->id, sizeof(z->id), "%s", id);
	if (z->id[0] == '\0' || pw == NULL || strlen(pw) > 64) {
		guard_fail(r);
		return show_login(r, 400, HTML_MSG_BAD_LOGIN);
	}
	if ((z->job.password = arena_secret(&r->arena, strlen(pw) + 1)) == NULL)
		return req_fail_oom(r);
	memcpy(z->job.password, pw, strlen(pw) + 1);
	acct_id_mask(z->id, z->masked);
	sk_acct(kacct, z->id);
	sk_reg(kreg, z->id);
	return store_eval(r, login_loaded, LUA_WEB_LOGIN_LOAD, 2, 2, keys, NULL);
}

static enum step login_loaded(struct req *r)
{
	struct az *z = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || x->type != SR_ARRAY || x->n != 7)
		return show_login(r, 503, HTML_MSG_UNAVAILABLE);
	z->have_account = x->elem[0]->len > 0;
	z->status_active = strcmp(x->elem[0]->str, "active") == 0;
	z->status_revoked = strcmp(x->elem[0]->str, "revoked") == 0;
	snprintf(z->totp_sealed, sizeof(z->totp_sealed), "%s", x->elem[2]->str);
	z->totp_last = atoll(x->elem[3]->str);
	z->locked_until = atoll(x->elem[4]->str);
	snprintf(z->phone, sizeof(z->phone), "%s", x->elem[6]->str);
	/* no account: a fixed dummy hash, so the answer takes the same time (STYLE §8) */
	snprintf(z->job.hash, sizeof(z->job.hash), "%s",
	         x->elem[1]->len > 0 && x->elem[1]->len < sizeof(z->job.hash)
	                 ? x->elem[1]->str
	                 : "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
	                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	memcpy(z->job.pepper, r->gen->pepper, sizeof(z->job.pepper));
	return workq_run(r, pw_job, &z->job, login_checked);
}

/* A wrong password or code: counted against the account (same lockout as the app) and the
 * address (guard.c), answered without saying which part was wrong. */
static enum step login_bad(struct req *r)
{
	struct az *z = r->ctx;

	guard_fail(r);
	if (!z->have_account)
		return show_login(r, 400, HTML_MSG_BAD_LOGIN);
	return guard_account_fail(r, login_failed, z->id);
}

static enum step login_failed(struct req *r)
{
	struct az *z = r->ctx;

	req_log(LOG_WARN, r, "web_login_failed", "id", z->masked, "ip", http_client_ip(r), NULL);
	if (r->reply != NULL && r->reply->type == SR_ARRAY && r->reply->n == 2 &&
	    r->reply->elem[0]->type == SR_STRING && strcmp(r->reply->elem[0]->str, "locked") == 0)
		return audit_append_id(r, login_audited, "account_locked", z->id, "web_login");
	return audit_append_id(r, login_audited, "password_failed", z->id, "web_login");
}

static enum step login_audited(struct req *r)
{
	return show_login(r, 400, HTML_MSG_BAD_LOGIN);
}

static enum step login_commit(struct req *r, long long step, const char *amr);

static enum step login_checked(struct req *r)
{
	struct az *z = r->ctx;

	if (z->job.rc != 0 && z->job.rc != E_CRYPTO && z->job.rc != E_INVALID)
		return show_login(r, 503, HTML_MSG_UNAVAILABLE);
	if (z->job.rc != 0 || !z->have_account)
		return login_bad(r);
	/* the password is right: only now may the account's state be told */
	if (z->status_revoked)
		return show_login(r, 403, HTML_MSG_REVOKED);
	if (!z->status_active)
		return login_bad(r);
	if (z->locked_until > (long long)time(NULL))
		return show_login(r, 423, HTML_MSG_LOCKED);
	if (strcmp(z->action, "sms") == 0) {
		char key[SK_MAX], ttl[24], mac[H_LEN], tries[4] = "0";
		uint8_t m[SEC_SHA256_LEN];
		const char *args[6] = { key, ttl, "mac", mac, "tries", tries };

		if (z->phone[0] == '\0')
			return show_login(r, 400, HTML_MSG_NEED_OTP);
		if ((z->sms_code = arena_secret(&r->arena, SMS_CODE_LEN + 1)) == NULL)
			return req_fail_oom(r);
		if (sec_random_digits(z->sms_code, SMS_CODE_LEN) != 0)
			return req_fail(r, 500, "server_error", NULL);
		sec_hmac256(r->gen->pepper, sizeof(r->gen->pepper), z->tid, strlen(z->tid),
		            z->sms_code, SMS_CODE_LEN, m);
		sec_b64url_encode(m, sizeof(m), mac);
		sk_authz_sms(key, z->tid_h);
		snprintf(ttl, sizeof(ttl), "%lld", r->gen->conf->sms_code_ttl);
		return store_eval(r, sms_stored, LUA_HSET_TTL, 1, 6, args, NULL);
	}
	if (z->otp == NULL)
		return show_login(r, 400, HTML_MSG_NEED_OTP);
	if (z->totp_sealed[0] != '\0' &&
	    otp_totp_check(r->gen->data_key, z->id, z->totp_sealed, z->otp, (long long)time(NULL),
	                   z->totp_last, &z->totp_step) == 0)
		return login_commit(r, z->totp_step, "[\"pwd\",\"otp\"]");
	{
		char key[SK_MAX];

		sk_authz_sms(key, z->tid_h);
		return store_cmd(r, sms_checked, "HMGET %s mac tries", key);
	}
}

static enum step sms_stored(struct req *r)
{
	struct az *z = r->ctx;
	char *text;

	if (!script_ok(r))
		return show_login(r, 503, HTML_MSG_UNAVAILABLE);
	text = arena_printf(&r->arena, "VNeID: ma dang nhap %s cua ban la %s. Khong chia se ma nay.",
	                    z->az.client->id, z->sms_code);
	if (text == NULL)
		return req_fail_oom(r);
	return sms_send(r, sms_sent_page, z->phone, text);
}

static enum step sms_sent_page(struct req *r)
{
	struct az *z = r->ctx;
	char masked[ACCT_PHONE_MAX + 1];

	if (!sms_sent_or_fail(r)) {
		r->error = r->error_desc = NULL; /* a page, not the JSON error the app API sends */
		return show_login(r, 503, HTML_MSG_UNAVAILABLE);
	}
	acct_phone_mask(z->phone, masked);
	snprintf(z->phone, sizeof(z->phone), "%s", masked);
	req_log(LOG_INFO, r, "web_login_sms_sent", "id", z->masked, NULL);
	return show_login(r, 200, HTML_MSG_SMS_SENT);
}

static enum step sms_checked(struct req *r)
{
	struct az *z = r->ctx;
	const struct sreply *x = r->reply;
	char key[SK_MAX], want[H_LEN];
	uint8_t m[SEC_SHA256_LEN];

	if (x == NULL || x->type != SR_ARRAY || x->n != 2)
		return show_login(r, 503, HTML_MSG_UNAVAILABLE);
	if (x->elem[0]->type != SR_STRING || x->elem[1]->type != SR_STRING ||
	    atoi(x->elem[1]->str) >= SMS_TRIES)
		return login_bad(r);
	sec_hmac256(r->gen->pepper, sizeof(r->gen->pepper), z->tid, strlen(z->tid), z->otp,
	            strlen(z->otp), m);
	sec_b64url_encode(m, sizeof(m), want);
	sk_authz_sms(key, z->tid_h);
	if (!sec_ct_eq(want, strlen(want), x->elem[0]->str, x->elem[0]->len)) {
		/* counted, and the code dies after SMS_TRIES wrong tries; the reply is not awaited */
		store_cmdv_detached(r->w->store, 4, (const char *[]){ "HINCRBY", key, "tries", "1" });
		return login_bad(r);
	}
	return login_commit(r, -1, "[\"pwd\",\"sms\"]");
}

/* Opens the SSO session for z->id with z->auth_time, z->acr and z->amr (web_login_commit.lua):
 * a new cookie secret, its hash as the key, a sid derived from it. `step` is the TOTP step used
 * (-1: none); `how` is "password" or "qr" (an app confirmation keeps the password failures). */
static enum step session_open(struct req *r, long long step, const char *how)
{
	struct az *z = r->ctx;
	char secret[64], h[H_LEN], ref[SREF_SIZE], kacct[SK_MAX], kset[SK_MAX], st[24], idle[24];
	char at[24], sh[H_LEN], pre[80];
	const char *args[10];

	if (sec_random_token(secret, SECRET_BYTES) != 0 ||
	    sref_make(r->gen->data_key, "sso", z->id, ref) != 0)
		return req_fail(r, 500, "server_error", NULL);
	snprintf(z->sso_cookie, sizeof(z->sso_cookie), "%s.%s", ref, secret);
	b64_sha256(secret, h);
	sk_sso(z->sso_key, z->id, h);
	/* sid (OIDC Front/Back-Channel Logout): names the session without revealing its cookie */
	snprintf(pre, sizeof(pre), "sid:%s", secret);
	b64_sha256(pre, sh);
	snprintf(z->sid, sizeof(z->sid), "%.22s", sh);
	sk_acct(kacct, z->id);
	sk_ssos(kset, z->id);
	snprintf(st, sizeof(st), "%lld", step);
	snprintf(idle, sizeof(idle), "%lld", r->gen->conf->sso_idle);
	snprintf(at, sizeof(at), "%lld", z->auth_time);
	args[0] = kacct, args[1] = z->sso_key, args[2] = kset;
	args[3] = step >= 0 ? st : "";
	args[4] = idle, args[5] = at, args[6] = z->acr, args[7] = z->amr, args[8] = z->sid;
	args[9] = how;
	return store_eval(r, login_committed, LUA_WEB_LOGIN_COMMIT, 3, 10, args, NULL);
}

static enum step login_commit(struct req *r, long long step, const char *amr)
{
	struct az *z = r->ctx;

	z->auth_time = (long long)time(NULL);
	z->acr = "urn:eid:level:1";
	z->amr = amr;
	return session_open(r, step, "password");
}

static enum step login_committed(struct req *r)
{
	struct az *z = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || (x->type != SR_STATUS && x->type != SR_STRING))
		return show_login(r, 503, HTML_MSG_UNAVAILABLE);
	if (strcmp(x->str, "ok") != 0)
		return login_bad(r); /* a replayed TOTP code, or the account changed meanwhile */
	cookie_set(r, cookie_name(r, "sso"), z->sso_cookie, r->gen->conf->sso_max);
	req_log(LOG_INFO, r, "web_login", "id", z->masked, "client", z->az.client->id, "amr", z->amr,
	        NULL);
	return audit_append_id(r, login_consent, "web_login", z->id, z->az.client->id);
}

static enum step login_consent_loaded(struct req *r)
{
	if (r->reply == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	return session_good(r, r->reply->type == SR_STRING
	                               ? (unsigned)strtoul(r->reply->str, NULL, 10)
	                               : 0);
}

static enum step login_consent(struct req *r)
{
	struct az *z = r->ctx;
	char kcons[SK_MAX];

	sk_consent(kcons, z->id);
	return store_cmd(r, login_consent_loaded, "HGET %s %s", kcons, z->az.client->id);
}

enum step ep_authorize_login(struct req *r)
{
	return form_begin(r, login_go);
}

/* --- /logout: OpenID Connect RP-Initiated Logout 1.0 --- */

struct lo {
	const struct client *client;
	const char *uri, *state, *locale;
	char csrf[H_LEN];
	char id[ACCT_ID_LEN + 1];
	int queued;
};

/* The logout CSRF token: bound to the browser's SSO cookie (or to nothing when it has none). */
static void logout_csrf(struct req *r, char out[H_LEN])
{
	const char *c = cookie_get(r, cookie_name(r, "sso"));
	uint8_t m[SEC_SHA256_LEN];

	sec_hmac256(r->gen->pepper, sizeof(r->gen->pepper), "logout:", 7, c ? c : "",
	            c ? strlen(c) : 0, m);
	sec_b64url_encode(m, sizeof(m), out);
}

static enum step logout_done(struct req *r)
{
	struct lo *l = r->ctx;
	const char *pairs[] = { "state", l->state, NULL };

	cookie_set(r, cookie_name(r, "sso"), "", 0);
	if (l->uri != NULL)
		return redirect(r, authz_redirect(&r->arena, l->uri, pairs));
	return page(r, 200, html_logout(&r->arena, l->locale, 1, NULL, NULL, NULL, NULL));
}

/* The session ended: the RPs it logged in to are told (back-channel logout), then the answer. */
static enum step logout_ended(struct req *r)
{
	struct lo *l = r->ctx;
	const struct sreply *x = r->reply;

	if (x == NULL || x->type != SR_ARRAY || x->n < 1)
		return logout_done(r);
	for (size_t i = 0; i < x->n; i++)
		if (x->elem[i]->type != SR_STRING)
			return logout_done(r);
	req_log(LOG_INFO, r, "logout", "client", l->client ? l->client->id : "-", NULL);
	return bcl_queue(r, logout_done, l->id, x, 1, &l->queued);
}

static enum step logout_now(struct req *r)
{
	struct lo *l = r->ctx;
	const char *c = cookie_get(r, cookie_name(r, "sso")), *rest;
	char h[H_LEN], key[SK_MAX], set[SK_MAX], grants[SK_MAX], gp[SK_MAX], bit[12];
	const char *keys[5] = { key, set, grants, gp, bit };

	if (c == NULL || sref_open(r->gen->data_key, "sso", c, l->id, &rest) != 0 || !*rest)
		return logout_done(r); /* no session here: nothing to end, the answer is the same */
	b64_sha256(rest, h);
	sk_sso(key, l->id, h);
	sk_ssos(set, l->id);
	sk_grants(grants, l->id);
	sk_grant(gp, l->id, "");
	snprintf(bit, sizeof(bit), "%u", (unsigned)SCOPE_OFFLINE_ACCESS);
	return store_eval(r, logout_ended, LUA_SSO_END, 3, 5, keys, NULL);
}

enum step ep_authorize_logout(struct req *r)
{
	struct lo *l = req_ctx(r, sizeof(*l));
	const char *hint, *cid, *ui;
	int hinted = 0;

	if (l == NULL)
		return req_fail_oom(r);
	if (strcmp(r->method, "POST") != 0 && http_query(r) != 0)
		return error_page(r, "vi", 400, r->error_desc ? r->error_desc : "malformed request");
	if (strcmp(r->method, "POST") == 0 && r->form == NULL && http_form_body(r) != 0)
		return error_page(r, "vi", 400, r->error_desc ? r->error_desc : "malformed request");
	hint = form_get(r->form, "id_token_hint");
	cid = form_get(r->form, "client_id");
	ui = form_get(r->form, "ui_locales");
	l->locale = ui != NULL && strncmp(ui, "en", 2) == 0 ? "en" : "vi";
	l->uri = form_get(r->form, "post_logout_redirect_uri");
	l->state = form_get(r->form, "state");
	if (l->state != NULL && strlen(l->state) > AUTHZ_STATE_MAX)
		return error_page(r, l->locale, 400, "state is too long");
	if (hint != NULL) {
		struct errbuf eb = { 0 };
		json_t *claims = NULL;
		const char *aud;

		/* our own ID token, expired or not (RP-Initiated Logout §2) */
		if (jws_verify_keyset(r->gen->keys, hint, strlen(hint), "JWT", &claims, &eb) != 0)
			return error_page(r, l->locale, 400, "id_token_hint is not an ID token of ours");
		aud = json_string_value(json_object_get(claims, "aud"));
		l->client = aud != NULL ? clients_find(r->gen->clients, aud) : NULL;
		json_decref(claims);
		if (l->client == NULL || (cid != NULL && strcmp(cid, l->client->id) != 0))
			return error_page(r, l->locale, 400, "id_token_hint and client_id disagree");
		hinted = 1;
	} else if (cid != NULL) {
		l->client = clients_find(r->gen->clients, cid);
		if (l->client == NULL)
			return error_page(r, l->locale, 400, "this service is not registered");
	}
	if (l->uri != NULL && (l->client == NULL || !clients_post_logout_redirect_ok(l->client, l->uri)))
		return error_page(r, l->locale, 400,
		                  "post_logout_redirect_uri is not registered for this service");
	logout_csrf(r, l->csrf);
	if (hinted)
		return logout_now(r);
	if (strcmp(r->method, "POST") == 0 && form_get(r->form, "confirm") != NULL) {
		const char *c = form_get(r->form, "csrf");

		if (c == NULL || !sec_ct_eq(c, strlen(c), l->csrf, strlen(l->csrf)))
			return error_page(r, l->locale, 403, "the form's security token (CSRF) is wrong");
		return logout_now(r);
	}
	/* no proof that the RP asked: ask the citizen (RP-Initiated Logout §2) */
	return page(r, 200, html_logout(&r->arena, l->locale, 0, l->csrf,
	                                l->client ? l->client->id : NULL, l->uri, l->state));
}

/* --- the QR login, browser side: the image, the status, the outcome --- */

struct qb {
	char qid[QR_ID_LEN + 1], key[SK_MAX], bh[H_LEN];
	int what; /* QB_IMAGE, QB_PAYLOAD, QB_STATUS */
	char topic[SK_MAX];
	const char *since; /* QB_STATUS: answer when the status is no longer this one */
	time_t until;      /* ... or at this time, whichever comes first */
};

enum { QB_IMAGE, QB_PAYLOAD, QB_STATUS };

/* The transaction named by ?qid=, for the browser holding the tx cookie. 0, or -1 with 404. */
static int qb_begin(struct req *r, struct qb *b)
{
	const char *q, *c = cookie_get(r, cookie_name(r, "tx"));

	if (http_query(r) != 0)
		return -1;
	q = form_get(r->form, "qid");
	if (q == NULL || strlen(q) != QR_ID_LEN || c == NULL) {
		req_fail(r, 404, "not_found", "no such QR login in this browser");
		return -1;
	}
	snprintf(b->qid, sizeof(b->qid), "%s", q);
	sk_qr(b->key, b->qid);
	b64_sha256(c, b->bh);
	return 0;
}

static enum step qb_loaded(struct req *r);

static enum step qs_reload(struct req *r)
{
	struct qb *b = r->ctx;

	return store_cmd(r, qb_loaded, "HMGET %s status b secret created exp", b->key);
}

/* A long-poll (?since=STATUS) waits while the status is still that one, the app has not
 * decided, the wait (qr.wait_s, and the transaction's own expiry) is not over and the worker
 * is not draining. */
static int qs_park(struct req *r, struct qb *b, const char *st, const struct sreply *exp)
{
	time_t now = time(NULL), end;

	if (b->since == NULL || strcmp(st, b->since) != 0 || r->w->draining ||
	    (strcmp(st, "pending") != 0 && strcmp(st, "scanned") != 0))
		return 0;
	if (b->until == 0) {
		end = now + (time_t)r->gen->conf->qr_wait;
		if (exp->type == SR_STRING && atoll(exp->str) + 1 < end)
			end = (time_t)atoll(exp->str) + 1;
		b->until = end;
	}
	return b->until > now;
}

static enum step qb_loaded(struct req *r)
{
	struct qb *b = r->ctx;
	const struct sreply *x = r->reply;
	uint8_t secret[QR_SECRET_LEN + 2];
	char payload[QR_PAYLOAD_MAX], *svg, *body;
	long long elapsed;
	const char *st;

	if (x == NULL || x->type != SR_ARRAY || x->n != 5)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->elem[0]->type != SR_STRING || x->elem[1]->type != SR_STRING ||
	    !sec_ct_eq(x->elem[1]->str, x->elem[1]->len, b->bh, strlen(b->bh))) {
		if (b->what == QB_STATUS)
			return http_reply(r, 200, "application/json", "{\"status\":\"expired\"}", 20,
			                  RESP_NOSTORE);
		return req_fail(r, 404, "not_found", "no such QR login in this browser");
	}
	st = x->elem[0]->str;
	if (b->what == QB_STATUS) {
		if (strcmp(st, "used") == 0)
			st = "expired";
		if (qs_park(r, b, st, x->elem[4]))
			return notify_wait(r, b->topic, (long long)(b->until - time(NULL)) * 1000,
			                   qs_reload);
		body = arena_printf(&r->arena, "{\"status\":\"%s\"}", st);
		return body ? http_reply(r, 200, "application/json", body, strlen(body), RESP_NOSTORE)
		            : req_fail_oom(r);
	}
	if (x->elem[2]->type != SR_STRING || x->elem[3]->type != SR_STRING ||
	    sec_b64url_decode(x->elem[2]->str, x->elem[2]->len, secret) != QR_SECRET_LEN)
		return req_fail(r, 500, "server_error", NULL);
	elapsed = (long long)time(NULL) - atoll(x->elem[3]->str);
	qr_payload(secret, b->qid, elapsed < 0 ? 0 : elapsed, payload);
	sec_wipe(secret, sizeof(secret));
	if (b->what == QB_PAYLOAD)
		return http_reply(r, 200, "text/plain; charset=utf-8", payload, strlen(payload),
		                  RESP_NOSTORE);
	if ((svg = qr_svg(&r->arena, payload)) == NULL)
		return req_fail(r, 500, "server_error", "could not draw the QR code");
	return http_reply(r, 200, "image/svg+xml", svg, strlen(svg), RESP_NOSTORE);
}

static enum step qb_run(struct req *r, int what)
{
	struct qb *b = req_ctx(r, sizeof(*b));

	if (b == NULL)
		return req_fail_oom(r);
	b->what = what;
	if (what == QB_PAYLOAD && !r->gen->conf->qr_show_payload)
		return req_fail(r, 404, "not_found", NULL);
	if (qb_begin(r, b) != 0)
		return STEP_DONE;
	if (what == QB_STATUS) {
		b->since = form_get(r->form, "since");
		sk_qr_topic(b->topic, b->qid);
	}
	return store_cmd(r, qb_loaded, "HMGET %s status b secret created exp", b->key);
}

enum step ep_authorize_qr_image(struct req *r)
{
	return qb_run(r, QB_IMAGE);
}

enum step ep_authorize_qr_payload(struct req *r)
{
	return qb_run(r, QB_PAYLOAD);
}

enum step ep_authorize_qr_status(struct req *r)
{
	return qb_run(r, QB_STATUS);
}

/* GET /qr/complete: the app decided; this browser collects the outcome once, then goes on
 * like a login (approved) or back to the RP (denied). */
static enum step qc_taken(struct req *r);
static enum step qc_tx(struct req *r);

enum step ep_authorize_qr_complete(struct req *r)
{
	struct az *z = req_ctx(r, sizeof(*z));
	struct qb b;
	const char *args[2];

	if (z == NULL)
		return req_fail_oom(r);
	if (qb_begin(r, &b) != 0)
		return error_page(r, "vi", 404, "this QR login is unknown in this browser");
	memcpy(z->bh, b.bh, H_LEN);
	snprintf(z->qid, sizeof(z->qid), "%s", b.qid);
	snprintf(z->sso_key, sizeof(z->sso_key), "%s", b.key); /* the transaction, for now */
	args[0] = z->sso_key;
	args[1] = z->bh;
	return store_eval(r, qc_taken, LUA_QR_TAKE, 1, 2, args, NULL);
}

static enum step qc_taken(struct req *r)
{
	struct az *z = r->ctx;
	const struct sreply *x = r->reply;
	const char *tid_h;
	char key[SK_MAX];

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type == SR_STRING || x->type == SR_STATUS)
		return error_page(r, "vi", 400,
		                  strcmp(x->str, "pending") == 0
		                          ? "the app has not decided yet"
		                          : "this QR login is unknown, used, or from another browser");
	if (x->type != SR_ARRAY || x->n < 2)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	for (size_t i = 0; i < x->n; i++)
		if (x->elem[i]->type != SR_STRING)
			return req_fail(r, 500, "server_error", NULL);
	if (strcmp(x->elem[0]->str, "approved") == 0 && x->n == 6) {
		snprintf(z->id, sizeof(z->id), "%s", x->elem[1]->str);
		z->acr = x->elem[2]->str;
		z->amr = x->elem[3]->str;
		z->auth_time = atoll(x->elem[4]->str);
		tid_h = x->elem[5]->str;
		z->action = "approved";
	} else {
		tid_h = x->elem[1]->str;
		z->action = "denied";
	}
	snprintf(z->tid_h, sizeof(z->tid_h), "%s", tid_h);
	sk_authz(key, z->tid_h);
	return store_cmd(r, qc_tx, "GET %s", key);
}


static enum step qc_tx(struct req *r)
{
	struct az *z = r->ctx;
	struct form *f = arena_alloc(&r->arena, sizeof(*f));
	struct errbuf eb = { 0 };
	struct authz_err e;
	const char *b;

	if (r->reply == NULL || f == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (r->reply->type != SR_STRING)
		return error_page(r, "vi", 400, "this login has expired");
	if (form_parse(&r->arena, r->reply->str, r->reply->len, f, &eb) != 0 ||
	    (b = form_get(f, "_b")) == NULL || !sec_ct_eq(b, strlen(b), z->bh, strlen(z->bh)))
		return error_page(r, "vi", 403, "this login was started in another browser");
	z->params = f;
	if (authz_parse(r->gen->clients, f, &z->az, &e) != 0)
		return error_page(r, "vi", 400, e.desc);
	if (strcmp(z->action, "approved") != 0)
		return redirect_error(r, z, "access_denied", "the citizen declined in the app");
	acct_id_mask(z->id, z->masked);
	return session_open(r, -1, "qr"); /* acr and amr as the app's approval says */
}

