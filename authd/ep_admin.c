/* ep_admin.c — see ep_admin.h. */
#include "ep_admin.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "accounts.h"
#include "audit.h"
#include "bcl.h"
#include "clients.h"
#include "conf.h"
#include "form.h"
#include "gen.h"
#include "http.h"
#include "jws.h"
#include "lim.h"
#include "skeys.h"
#include "store.h"
#include "tok.h"

#define REASON_MAX 200
#define LOCK_DEFAULT_MIN 60
#define LOCK_MAX_MIN 43200       /* 30 days */
#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 1000
#define AUDIT_PAGE 500
#define AUDIT_SCAN_MAX 200000    /* entries one call may read to find its matches */

#define R(x) (1u << (x))
#define OFFICER_UP (R(ROLE_OFFICER) | R(ROLE_ADMIN))

struct aop {
	const char *name;   /* the call, in the audit log as admin_<name> */
	const char *lua_op; /* admin_op.lua's op, or NULL */
	unsigned roles;
	int changes;        /* a change: needs a reason, in a JSON body */
	int needs_id;
	step_fn run;
};

struct adm {
	const struct aop *op;
	char by[LIM_CLIENT_ID + 1];     /* the caller's client_id */
	char id[ACCT_ID_LEN + 1];       /* the citizen, when the call names one */
	char sub[AUDIT_SUB_LEN + 1];
	const char *reason, *session;
	long long minutes;
	const char *detail;
	json_t *out;                    /* the answer, owned until replied */
	int status;
	int queued;
	int ended[4];                   /* sso, app, grants, ciba */
	unsigned scopes;                /* the token's */
	const char *err, *err_desc;     /* a refusal, set once it is audited */
	/* audit reads */
	const char *f_client, *f_ev;
	char f_sub[AUDIT_SUB_LEN + 1];
	char cursor[48], lo[24];
	long limit, scanned;
};

static enum step replied(struct req *r)
{
	struct adm *a = r->ctx;
	json_t *out = a->out;

	a->out = NULL;
	return http_reply_json(r, a->status, out);
}

/* Every call ends here: the audit entry, then the answer prepared in a->out. */
static enum step audited_reply(struct req *r, int status)
{
	struct adm *a = r->ctx;
	char ev[48];
	const char *ev_s;

	a->status = status;
	snprintf(ev, sizeof(ev), "admin_%s", a->op->name);
	if ((ev_s = arena_strdup(&r->arena, ev)) == NULL)
		return req_fail_oom(r);
	return audit_append(r, replied, ev_s, a->id[0] ? a->sub : a->by, a->detail);
}

/* A refusal after authentication: audited as admin_refused (who, what, why), then 403. */
static enum step refuse_audited(struct req *r)
{
	struct adm *a = r->ctx;

	return req_fail(r, 403, a->err, a->err_desc);
}

static enum step refuse(struct req *r, const char *error, const char *desc, const char *why)
{
	struct adm *a = r->ctx;
	const char *detail = arena_printf(&r->arena, "by=%s;op=%s;why=%s", a->by, a->op->name, why);
	const char *id = r->form != NULL ? form_get(r->form, "id") : NULL;

	if (id == NULL && r->json != NULL)
		id = json_string_value(json_object_get(r->json, "id"));
	if (detail == NULL)
		return req_fail_oom(r);
	req_log(LOG_WARN, r, "admin_refused", "client", a->by, "op", a->op->name, "why", why, NULL);
	a->err = error;
	a->err_desc = desc;
	if (id != NULL && acct_id_syntax_ok(id)) {
		audit_subject(r->gen->pepper, id, a->sub);
		return audit_append(r, refuse_audited, "admin_refused", a->sub, detail);
	}
	return audit_append(r, refuse_audited, "admin_refused", a->by, detail);
}

/* --- authentication and the arguments --- */

static enum step authorized(struct req *r);

static enum step begin(struct req *r, const struct aop *op)
{
	struct adm *a = req_ctx(r, sizeof(*a));
	const char *h = http_header(r, "Authorization"), *jti, *cid;
	json_t *c = NULL;
	char key[SK_MAX];

	if (a == NULL)
		return req_fail_oom(r);
	a->op = op;
	if (!op->changes && http_query(r) != 0)
		return STEP_DONE;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		r->www_auth = "Bearer";
		return req_fail(r, 401, "invalid_token", "an admin access token is required");
	}
	h += 7;
	if (tok_access_verify(r->gen->keys, r->gen->conf->issuer, (long long)time(NULL), h, &c) != 0)
		return http_fail_token(r, "the access token is invalid, expired or not ours");
	if (http_keep_json(r, c) != 0)
		return STEP_DONE;
	jti = json_string_value(json_object_get(c, "jti"));
	cid = json_string_value(json_object_get(c, "client_id"));
	if (strlen(cid) > LIM_CLIENT_ID)
		return http_fail_token(r, "the access token is invalid, expired or not ours");
	snprintf(a->by, sizeof(a->by), "%s", cid);
	r->client_id = arena_strdup(&r->arena, cid);
	{
		const char *scope = json_string_value(json_object_get(c, "scope"));
		struct errbuf seb = { 0 };

		if (scope == NULL || clients_scope_parse(scope, &a->scopes, &seb) != 0)
			a->scopes = 0;
	}
	sk_at_revoked(key, jti);
	return store_cmd(r, authorized, "EXISTS %s", key);
}

static int reason_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > REASON_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static enum step authorized(struct req *r)
{
	struct adm *a = r->ctx;
	const struct client *c = clients_find(r->gen->clients, a->by);
	unsigned scopes = a->scopes;
	const char *id = NULL;

	if (r->reply == NULL || r->reply->type != SR_INTEGER)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (r->reply->integer != 0)
		return http_fail_token(r, "the access token was revoked");
	if (!(scopes & SCOPE_ADMIN) || c == NULL || !(c->scopes & SCOPE_ADMIN) ||
	    c->role == ROLE_NONE) {
		r->www_auth = "Bearer error=\"insufficient_scope\", scope=\"admin\"";
		return refuse(r, "insufficient_scope", "an admin client's token is required", "scope");
	}
	if (!(a->op->roles & R(c->role)))
		return refuse(r, "forbidden", "this client's admin_role may not do this", "role");
	/* the arguments */
	if (a->op->changes) {
		if (r->json == NULL)
			return req_fail(r, 400, "invalid_request", "a JSON body is required");
		if (http_json_need(r, "id", ACCT_ID_LEN, &id) != 0 ||
		    http_json_need(r, "reason", REASON_MAX * 4, &a->reason) != 0)
			return STEP_DONE;
		if (!reason_ok(a->reason))
			return req_fail(r, 400, "invalid_request",
			                "reason: 1..200 characters, no control characters");
		a->session = json_string_value(json_object_get(r->json, "session"));
		if (json_object_get(r->json, "minutes") != NULL) {
			json_t *m = json_object_get(r->json, "minutes");

			if (!json_is_integer(m) || json_integer_value(m) < 1 ||
			    json_integer_value(m) > LOCK_MAX_MIN)
				return req_fail(r, 400, "invalid_request", "minutes: 1..43200");
			a->minutes = json_integer_value(m);
		}
	} else if (a->op->needs_id) {
		id = form_get(r->form, "id");
	}
	if (a->op->needs_id) {
		if (id == NULL || !acct_id_syntax_ok(id))
			return req_fail(r, 400, "invalid_request", "id: a 12-digit ID number");
		snprintf(a->id, sizeof(a->id), "%s", id);
		audit_subject(r->gen->pepper, a->id, a->sub);
	}
	a->detail = a->reason != NULL ? arena_printf(&r->arena, "by=%s;reason=%s", a->by, a->reason)
	                              : arena_printf(&r->arena, "by=%s", a->by);
	if (a->detail == NULL)
		return req_fail_oom(r);
	return a->op->run(r);
}

/* --- look up --- */

static enum step show_loaded(struct req *r)
{
	struct adm *a = r->ctx;
	const struct sreply *x = r->reply;
	json_t *levels, *o;
	long long lu;

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type != SR_ARRAY) {
		if ((a->out = json_pack("{s:s, s:s}", "error", "not_found", "error_description",
		                        "no account for this ID number")) == NULL)
			return req_fail_oom(r);
		return audited_reply(r, 404);
	}
	if (x->n != 12 || x->elem[11]->type != SR_ARRAY)
		return req_fail(r, 500, "server_error", NULL);
	for (size_t i = 0; i < 11; i++)
		if (x->elem[i]->type != SR_STRING && x->elem[i]->type != SR_INTEGER)
			return req_fail(r, 500, "server_error", NULL);
	if ((levels = json_array()) == NULL)
		return req_fail_oom(r);
	for (size_t i = 0; i < x->elem[11]->n; i++) {
		json_t *e = json_loads(x->elem[11]->elem[i]->str, 0, NULL);

		if (e != NULL)
			json_array_append_new(levels, e);
	}
	lu = atoll(x->elem[2]->str);
	o = json_pack("{s:s, s:s, s:s, s:i, s:I, s:o, s:o, s:{s:I, s:I}, s:I, s:I, s:o}", "id", a->id,
	              "name", x->elem[7]->str, "status", x->elem[0]->str, "level",
	              atoi(x->elem[1]->str) > 0 ? atoi(x->elem[1]->str) : 1, "locked_until",
	              (json_int_t)(lu > (long long)time(NULL) ? lu : 0), "lock",
	              lu <= (long long)time(NULL)
	                      ? json_null()
	              : x->elem[3]->len > 0
	                      ? json_pack("{s:s, s:s}", "by", x->elem[3]->str, "reason", x->elem[4]->str)
	                      : json_pack("{s:s}", "by", "failures"),
	              "device",
	              x->elem[5]->len > 0 ? json_pack("{s:s, s:b}", "id", x->elem[5]->str, "bound", 1)
	                                  : json_null(),
	              "sessions", "sso", (json_int_t)x->elem[8]->integer, "app",
	              (json_int_t)x->elem[9]->integer, "grants", (json_int_t)x->elem[10]->integer,
	              "last_app_login", (json_int_t)atoll(x->elem[6]->str), "levels", levels);
	if (o == NULL)
		return req_fail_oom(r);
	a->out = o;
	return audited_reply(r, 200);
}

static enum step run_show(struct req *r)
{
	struct adm *a = r->ctx;
	char k[6][SK_MAX], gp[SK_MAX];
	const char *args[7] = { k[0], k[1], k[2], k[3], k[4], k[5], gp };

	sk_acct(k[0], a->id);
	sk_reg(k[1], a->id);
	sk_ssos(k[2], a->id);
	sk_sessions(k[3], a->id);
	sk_grants(k[4], a->id);
	sk_levels(k[5], a->id);
	sk_grant(gp, a->id, "");
	return store_eval(r, show_loaded, LUA_ADMIN_SHOW, 6, 7, args, NULL);
}

static enum step sessions_loaded(struct req *r)
{
	struct adm *a = r->ctx;
	const struct sreply *x = r->reply, *s;
	json_t *sso, *app, *gr;

	if (x == NULL || x->type != SR_ARRAY || x->n != 3)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if ((sso = json_array()) == NULL || (app = json_array()) == NULL ||
	    (gr = json_array()) == NULL ||
	    (a->out = json_pack("{s:s, s:o, s:o, s:o}", "id", a->id, "sso", sso, "app", app,
	                        "grants", gr)) == NULL)
		return req_fail_oom(r);
	s = x->elem[0];
	for (size_t i = 0; i + 4 < s->n; i += 5) {
		json_t *amr = json_loads(s->elem[i + 3]->str, 0, NULL);

		json_array_append_new(sso, json_pack("{s:s, s:I, s:s, s:o, s:s}", "session",
		                                     s->elem[i]->str, "auth_time",
		                                     (json_int_t)atoll(s->elem[i + 1]->str), "acr",
		                                     s->elem[i + 2]->str, "amr",
		                                     amr != NULL ? amr : json_array(), "sid",
		                                     s->elem[i + 4]->str));
	}
	s = x->elem[1];
	for (size_t i = 0; i + 1 < s->n; i += 2) {
		json_t *j = json_loads(s->elem[i + 1]->str, 0, NULL);
		const char *dev = json_string_value(json_object_get(j, "device_id"));

		json_array_append_new(app, json_pack("{s:s, s:s, s:I}", "session", s->elem[i]->str,
		                                     "device", dev != NULL ? dev : "", "created",
		                                     json_integer_value(
		                                             json_object_get(j, "auth_time"))));
		json_decref(j);
	}
	s = x->elem[2];
	for (size_t i = 0; i + 4 < s->n; i += 5) {
		char scope[LIM_SCOPE_STR];
		unsigned bits = (unsigned)atol(s->elem[i + 2]->str);

		if (clients_scope_render(bits, scope, sizeof(scope)) < 0)
			scope[0] = '\0';
		json_array_append_new(gr, json_pack("{s:s, s:s, s:s, s:I, s:s}", "grant",
		                                    s->elem[i]->str, "client", s->elem[i + 1]->str,
		                                    "scope", scope, "created",
		                                    (json_int_t)atoll(s->elem[i + 3]->str), "sid",
		                                    s->elem[i + 4]->str));
	}
	return audited_reply(r, 200);
}

static enum step run_sessions(struct req *r)
{
	struct adm *a = r->ctx;
	char k[3][SK_MAX], gp[SK_MAX];
	const char *args[4] = { k[0], k[1], k[2], gp };

	sk_ssos(k[0], a->id);
	sk_sessions(k[1], a->id);
	sk_grants(k[2], a->id);
	sk_grant(gp, a->id, "");
	return store_eval(r, sessions_loaded, LUA_ADMIN_SESSIONS, 3, 4, args, NULL);
}

/* --- changes --- */

static enum step changed_queued(struct req *r);

static enum step changed(struct req *r)
{
	struct adm *a = r->ctx;
	const struct sreply *x = r->reply;
	const char *v;

	if (x == NULL)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	if (x->type == SR_STRING || x->type == SR_STATUS) {
		v = x->str;
		if (strcmp(v, "none") == 0)
			a->out = json_pack("{s:s, s:s}", "error", "not_found", "error_description",
			                   "no account for this ID number");
		else if (strcmp(v, "nosession") == 0)
			a->out = json_pack("{s:s, s:s}", "error", "not_found", "error_description",
			                   "no such session for this account");
		else
			a->out = json_pack("{s:s, s:s}", "error", "conflict", "error_description",
			                   strcmp(a->op->name, "reinstate") == 0
			                           ? "the account is neither revoked nor locked"
			                   : strcmp(a->op->name, "level2") == 0
			                           ? "the account is already at level 2, or not active"
			                           : "the account has no bound device");
		if (a->out == NULL)
			return req_fail_oom(r);
		a->detail = arena_printf(&r->arena, "%s;result=%s", a->detail, v);
		return audited_reply(r, strcmp(v, "conflict") == 0 ? 409 : 404);
	}
	if (x->type != SR_ARRAY || x->n < 5)
		return req_fail(r, 500, "server_error", NULL);
	for (int i = 0; i < 4; i++)
		a->ended[i] = (int)x->elem[i + 1]->integer;
	for (size_t i = 5; i < x->n; i++)
		if (x->elem[i]->type != SR_STRING)
			return req_fail(r, 500, "server_error", NULL);
	return bcl_queue(r, changed_queued, a->id, x, 5, &a->queued);
}

static enum step changed_queued(struct req *r)
{
	struct adm *a = r->ctx;
	const char *op = a->op->name;
	json_t *ended = json_pack("{s:i, s:i, s:i, s:i, s:i}", "sso", a->ended[0], "app",
	                          a->ended[1], "grants", a->ended[2], "ciba", a->ended[3],
	                          "logout_tokens", a->queued);

	if (ended == NULL)
		return req_fail_oom(r);
	if (strcmp(op, "revoke") == 0)
		a->out = json_pack("{s:s, s:s, s:o}", "id", a->id, "status", "revoked", "ended", ended);
	else if (strcmp(op, "lock") == 0)
		a->out = json_pack("{s:s, s:s, s:I, s:o}", "id", a->id, "status", "locked",
		                   "locked_until", (json_int_t)(time(NULL) + a->minutes * 60), "ended",
		                   ended);
	else if (strcmp(op, "reinstate") == 0)
		a->out = json_pack("{s:s, s:s, s:i}", "id", a->id, "status", "active", "locked_until",
		                   0);
	else if (strcmp(op, "level2") == 0)
		a->out = json_pack("{s:s, s:i}", "id", a->id, "level", 2);
	else if (strcmp(op, "device_retire") == 0)
		a->out = json_pack("{s:s, s:n, s:o}", "id", a->id, "device", "ended", ended);
	else
		a->out = json_pack("{s:s, s:o}", "id", a->id, "ended", ended);
	if (strcmp(op, "reinstate") == 0 || strcmp(op, "level2") == 0)
		json_decref(ended); /* not "o": still ours */
	if (a->out == NULL)
		return req_fail_oom(r);
	a->detail = arena_printf(&r->arena, "%s;ended=%d/%d/%d/%d;bcl=%d", a->detail, a->ended[0],
	                         a->ended[1], a->ended[2], a->ended[3], a->queued);
	req_log(LOG_INFO, r, "admin_change", "client", a->by, "op", op, "id", a->sub, NULL);
	return audited_reply(r, 200);
}

static enum step run_change(struct req *r)
{
	struct adm *a = r->ctx;
	char k[6][SK_MAX], p[4][SK_MAX], now[24], arg3[48], *entry = NULL;
	const char *args[15];
	const char *op = a->op->lua_op;
	long long t = (long long)time(NULL);

	if (strcmp(op, "end") == 0 && a->session != NULL) {
		if (strlen(a->session) == 0 || strlen(a->session) > 64 ||
		    strspn(a->session, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		                       "-_") != strlen(a->session))
			return req_fail(r, 400, "invalid_request", "session: a session from /sessions");
		op = "end_one";
	}
	if (strcmp(op, "lock") == 0 && a->minutes == 0)
		a->minutes = LOCK_DEFAULT_MIN;
	sk_acct(k[0], a->id);
	sk_ssos(k[1], a->id);
	sk_sessions(k[2], a->id);
	sk_grants(k[3], a->id);
	sk_cibas(k[4], a->id);
	sk_levels(k[5], a->id);
	sk_grant(p[0], a->id, "");
	sk_ciba(p[1], a->id, "");
	sk_sso(p[2], a->id, "");
	sk_app_session(p[3], a->id, "");
	snprintf(now, sizeof(now), "%lld", t);
	snprintf(arg3, sizeof(arg3), "%lld", t + a->minutes * 60);
	if (strcmp(op, "level2") == 0 &&
	    (entry = arena_printf(&r->arena,
	                          "{\"level\":2,\"by\":\"%s\",\"how\":\"in_person\",\"at\":%lld}",
	                          a->by, t)) == NULL)
		return req_fail_oom(r);
	for (int i = 0; i < 6; i++)
		args[i] = k[i];
	args[6] = op;
	args[7] = now;
	args[8] = strcmp(op, "end_one") == 0 ? a->session : entry != NULL ? entry : arg3;
	args[9] = a->by;
	args[10] = a->reason;
	args[11] = p[0];
	args[12] = p[1];
	args[13] = p[2];
	args[14] = p[3];
	return store_eval(r, changed, LUA_ADMIN_OP, 6, 15, args, NULL);
}

/* --- the audit log --- */

static enum step audit_page(struct req *r);

/* Does an entry (flat field/value pairs) match the filters? Fills e when it does. */
static int audit_match(struct adm *a, const struct sreply *f, json_t **e)
{
	const char *ts = "", *ev = "", *sub = "", *ip = "", *detail = "", *prev = "", *h = "";

	for (size_t i = 0; i + 1 < f->n; i += 2) {
		const char *k = f->elem[i]->str, *v = f->elem[i + 1]->str;

		if (strcmp(k, "ts") == 0)
			ts = v;
		else if (strcmp(k, "ev") == 0)
			ev = v;
		else if (strcmp(k, "sub") == 0)
			sub = v;
		else if (strcmp(k, "ip") == 0)
			ip = v;
		else if (strcmp(k, "detail") == 0)
			detail = v;
		else if (strcmp(k, "prev") == 0)
			prev = v;
		else if (strcmp(k, "h") == 0)
			h = v;
	}
	if (a->f_sub[0] != '\0' && strcmp(sub, a->f_sub) != 0)
		return 0;
	if (a->f_ev != NULL && strcmp(ev, a->f_ev) != 0)
		return 0;
	if (a->f_client != NULL) {
		size_t n = strlen(a->f_client);
		const char *p = detail;
		int in_detail = 0;

		/* a client id in detail stands alone, or after "by=", between ';' */
		while (!in_detail && (p = strstr(p, a->f_client)) != NULL) {
			in_detail = (p == detail || p[-1] == ';' || p[-1] == '=') &&
			            (p[n] == '\0' || p[n] == ';');
			p += n;
		}
		if (strcmp(sub, a->f_client) != 0 && !in_detail)
			return 0;
	}
	*e = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "stream_id", "", "ts",
	               (json_int_t)atoll(ts), "ev", ev, "sub", sub, "ip", ip, "detail", detail,
	               "prev", prev, "h", h);
	return 1;
}

static enum step audit_loaded(struct req *r)
{
	struct adm *a = r->ctx;
	const struct sreply *x = r->reply;
	json_t *entries = json_object_get(a->out, "entries");

	if (x == NULL || x->type != SR_ARRAY)
		return req_fail(r, 503, "temporarily_unavailable", "storage error");
	for (size_t i = 0; i < x->n; i++) {
		const struct sreply *en = x->elem[i];
		json_t *e = NULL;

		if (en->type != SR_ARRAY || en->n != 2 || en->elem[1]->type != SR_ARRAY)
			continue;
		snprintf(a->cursor, sizeof(a->cursor), "(%s", en->elem[0]->str);
		a->scanned++;
		if (!audit_match(a, en->elem[1], &e))
			continue;
		if (e == NULL)
			return req_fail_oom(r);
		json_object_set_new(e, "stream_id", json_string(en->elem[0]->str));
		json_array_insert_new(entries, 0, e); /* newest first in Redis: oldest first out */
		if ((long)json_array_size(entries) >= a->limit)
			return audited_reply(r, 200);
	}
	if (x->n < AUDIT_PAGE || a->scanned >= AUDIT_SCAN_MAX)
		return audited_reply(r, 200);
	return audit_page(r);
}

static enum step audit_page(struct req *r)
{
	struct adm *a = r->ctx;
	char count[12];
	const char *argv[6] = { "XREVRANGE", SK_AUDIT, a->cursor, a->lo, "COUNT", count };

	snprintf(count, sizeof(count), "%d", AUDIT_PAGE);
	return store_cmdv(r, audit_loaded, 6, argv, NULL);
}

static int ms_arg(const char *s, long long *out)
{
	char *end;
	long long v;

	if (s == NULL)
		return 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

static enum step run_audit(struct req *r)
{
	struct adm *a = r->ctx;
	const char *id = form_get(r->form, "id"), *lim = form_get(r->form, "limit");
	long long since = 0, until = -1, l = AUDIT_LIMIT_DEFAULT;

	if (id != NULL) {
		if (!acct_id_syntax_ok(id))
			return req_fail(r, 400, "invalid_request", "id: a 12-digit ID number");
		audit_subject(r->gen->pepper, id, a->f_sub);
	}
	a->f_client = form_get(r->form, "client");
	a->f_ev = form_get(r->form, "ev");
	if (ms_arg(form_get(r->form, "since"), &since) != 0 ||
	    ms_arg(form_get(r->form, "until"), &until) != 0 || ms_arg(lim, &l) != 0 || l < 1 ||
	    l > AUDIT_LIMIT_MAX)
		return req_fail(r, 400, "invalid_request",
		                "since, until: ms since the epoch; limit: 1..1000");
	a->limit = (long)l;
	if (until >= 0)
		snprintf(a->cursor, sizeof(a->cursor), "%lld", until);
	else
		snprintf(a->cursor, sizeof(a->cursor), "+");
	snprintf(a->lo, sizeof(a->lo), "%lld", since);
	if ((a->out = json_pack("{s:[]}", "entries")) == NULL)
		return req_fail_oom(r);
	return audit_page(r);
}

/* --- the table --- */

static const struct aop OPS[] = {
	{ "show", NULL, OFFICER_UP, 0, 1, run_show },
	{ "sessions", NULL, OFFICER_UP, 0, 1, run_sessions },
	{ "lock", "lock", R(ROLE_ADMIN), 1, 1, run_change },
	{ "revoke", "revoke", R(ROLE_ADMIN), 1, 1, run_change },
	{ "reinstate", "reinstate", R(ROLE_ADMIN), 1, 1, run_change },
	{ "level2", "level2", OFFICER_UP, 1, 1, run_change },
	{ "device_retire", "retire", R(ROLE_ADMIN), 1, 1, run_change },
	{ "sessions_end", "end", R(ROLE_ADMIN), 1, 1, run_change },
	{ "audit_read", NULL, R(ROLE_AUDITOR) | R(ROLE_ADMIN), 0, 0, run_audit },
};

enum step ep_admin_account(struct req *r)
{
	return begin(r, &OPS[0]);
}

enum step ep_admin_sessions(struct req *r)
{
	return begin(r, &OPS[1]);
}

enum step ep_admin_lock(struct req *r)
{
	return begin(r, &OPS[2]);
}

enum step ep_admin_revoke(struct req *r)
{
	return begin(r, &OPS[3]);
}

enum step ep_admin_reinstate(struct req *r)
{
	return begin(r, &OPS[4]);
}

enum step ep_admin_level2(struct req *r)
{
	return begin(r, &OPS[5]);
}

enum step ep_admin_retire(struct req *r)
{
	return begin(r, &OPS[6]);
}

enum step ep_admin_end(struct req *r)
{
	return begin(r, &OPS[7]);
}

enum step ep_admin_audit(struct req *r)
{
	return begin(r, &OPS[8]);
}
