/*
 * demo-rp — a tiny "tax portal" relying party: it logs citizens in with authd, or any conforming
 * OpenID Connect provider, by the authorization code flow with PKCE, verifies the ID token
 * itself, and shows what it learnt.
 *
 *   demo-rp [--issuer URL] [--listen HOST:PORT] [--client-id ID] [--secret-file FILE]
 *           [--redirect-uri URL] [--scope SCOPES] [--acr ACR]
 *
 * Defaults fit `make run`: issuer http://127.0.0.1:8080, listen 127.0.0.1:8081, client demo-rp,
 * redirect URI http://127.0.0.1:8081/callback, scope "openid profile", no acr_values. The client
 * secret (client_secret_basic) comes from --secret-file, else the environment's DEMO_RP_SECRET,
 * else — for a loopback issuer only — the public development secret of clients/demo-rp.json.
 *
 *   GET  /          the portal: a login button, or the verified ID token claims and userinfo
 *   GET  /login     starts a login (state, nonce, PKCE S256); ?prompt=login etc. is passed on
 *   GET  /callback  the redirect URI: code → tokens → ID token verified → userinfo → session
 *   POST /logout    ends the session here, then at the provider (RP-Initiated Logout)
 *
 * At start it reads the provider's discovery document (the issuer must match exactly) and JWK
 * Set; an unknown kid in an ID token refetches the set once. Everything it decides is in
 * tools/lib/rp.c (unit-tested); this file is the HTTP around it. One JSON line per event on
 * stderr; never a token, code, secret or cookie. Exit status: 0 after SIGINT/SIGTERM, 1 when it
 * could not start (the reason is logged), 2 usage.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "webc.h"
#include "form.h"
#include "log.h"
#include "rp.h"
#include "sec.h"

/* The development secret of clients/demo-rp.json, public in docs/clients.md. */
#define DEV_SECRET "demo-rp-dev-secret-change-me-0123456789abcdef"
#define FETCH_TIMEOUT_S 10
#define FETCH_MAX_BODY (256 * 1024)
#define REDISCOVER_EVERY 5 /* s: at most one discovery refresh this often */
#define SID_COOKIE "rp_sid"
#define BIND_COOKIE "rp_login" /* binds a pending login to the browser that started it */

struct opts {
	const char *issuer, *listen, *client_id, *secret_file, *redirect_uri, *scope, *acr;
};

/* A /callback in progress: the browser's request waits while we talk to the provider. */
struct flow {
	struct evhttp_request *req;
	struct rp_login login;
	char *code, *access_token, *id_token;
	json_t *claims;
	struct webc *f;
	int refetched; /* the JWK Set was refetched once for this ID token */
	struct flow *next, **pprev;
};

static struct {
	struct opts o;
	char *secret;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	struct webc_ctx fx;
	struct rp_op op;
	struct rp_keys keys;
	struct rp_pending pending;
	struct rp_sessions sessions;
	struct flow *flows;
	char post_logout[RP_URL_MAX + 2];
	char csp[256];
	int ready, cookie_secure, exit_code;
	time_t discovered_at;
	struct webc *rediscovery;
} app;

static const char STYLE[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
	"background:#f4f6f8;color:#1c2733;line-height:1.45}"
	"header{background:#b3261e;color:#fff;padding:1rem}"
	"header h1{margin:0;font-size:1.25rem}header p{margin:.25rem 0 0;opacity:.85}"
	"main{max-width:46rem;margin:0 auto;padding:1rem}"
	"section{background:#fff;border-radius:.5rem;padding:1rem;margin:0 0 1rem;"
	"box-shadow:0 1px 2px rgba(0,0,0,.1)}"
	"h2{font-size:1.1rem;margin:0 0 .75rem}.en{color:#5a6875;font-size:.92em}"
	".btn{display:block;width:100%;box-sizing:border-box;text-align:center;padding:.9rem;"
	"border:0;border-radius:.4rem;background:#b3261e;color:#fff;font-size:1.05rem;"
	"text-decoration:none;cursor:pointer}.btn span{display:block;font-size:.85rem;opacity:.9}"
	".btn.alt{background:#455a64}"
	"table{width:100%;border-collapse:collapse;font-size:.92rem}"
	"th,td{text-align:left;vertical-align:top;padding:.35rem .4rem;border-bottom:1px solid #e3e7eb}"
	"th{white-space:nowrap;color:#37474f;width:1%}td{word-break:break-word}"
	".err{border-left:4px solid #b3261e}.small{font-size:.85rem}"
	"footer{max-width:46rem;margin:0 auto;padding:0 1rem 2rem;color:#6b7885;font-size:.8rem;"
	"word-break:break-all}";

/* ---- replies -------------------------------------------------------------------------------- */

static const char *route_of(struct evhttp_request *req)
{
	const char *p = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	static const char *const known[] = { "/", "/login", "/callback", "/logout", NULL };

	for (const char *const *k = known; p != NULL && *k != NULL; k++)
		if (strcmp(p, *k) == 0)
			return *k;
	return "(other)"; /* never the raw path: it is the browser's, not ours */
}

static const char *method_of(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_POST:
		return "POST";
	default:
		return "other";
	}
}

static void security_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	/* the callback URL carries the code: it must not leak through Referer */
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Content-Security-Policy", app.csp);
}

/* The one evhttp_send_reply of a request, with its access line. */
static void reply_send(struct evhttp_request *req, int code, const char *reason,
                       struct evbuffer *body)
{
	char status[8];

	snprintf(status, sizeof(status), "%d", code);
	log_event(LOG_INFO, NULL, "access", "method", method_of(req), "route", route_of(req),
	          "status", status, NULL);
	evhttp_send_reply(req, code, reason, body);
}

static void set_cookie(struct evhttp_request *req, const char *name, const char *value,
                       const char *path, int max_age)
{
	char c[256], age[32] = "";

	if (max_age >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%d", max_age);
	/* HttpOnly: no script reads it; SameSite=Lax: sent on the provider's top-level redirect
	 * back (GET), not on cross-site POSTs; Secure whenever we are served over https */
	snprintf(c, sizeof(c), "%s=%s; Path=%s%s; HttpOnly; SameSite=Lax%s", name, value, path, age,
	         app.cookie_secure ? "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", c);
}

static void redirect(struct evhttp_request *req, int code, const char *location)
{
	security_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", location);
	reply_send(req, code, code == 303 ? "See Other" : "Found", NULL);
}

static void put(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

static void put_text(struct evbuffer *b, const char *s)
{
	char *e = rp_html_escape(s != NULL ? s : "");

	if (e != NULL)
		put(b, e);
	free(e);
}

static void page_open(struct evbuffer *b, const char *title)
{
	put(b, "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	put_text(b, title);
	put(b, "</title><style>");
	put(b, STYLE);
	put(b, "</style></head><body><header><h1>Cổng dịch vụ thuế điện tử (demo)</h1>"
	       "<p>Tax portal — a demo relying party</p></header><main>");
}

static void page_close(struct evbuffer *b)
{
	put(b, "</main><footer>demo-rp · OpenID Connect relying party for development · "
	       "issuer ");
	put_text(b, app.o.issuer);
	put(b, " · client ");
	put_text(b, app.o.client_id);
	put(b, "</footer></body></html>");
}

static void send_page(struct evhttp_request *req, int code, const char *reason,
                      struct evbuffer *b)
{
	security_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "text/html; charset=utf-8");
	reply_send(req, code, reason, b);
	evbuffer_free(b);
}

/* An error page: a title in both languages and what failed (escaped; never a token). */
static void send_error(struct evhttp_request *req, int code, const char *vi, const char *en,
                       const char *detail)
{
	struct evbuffer *b = evbuffer_new();
	const char *reason = code == 400   ? "Bad Request"
	                     : code == 404 ? "Not Found"
	                     : code == 405 ? "Method Not Allowed"
	                     : code == 502 ? "Bad Gateway"
	                     : code == 503 ? "Service Unavailable"
	                                   : "Internal Server Error";

	if (b == NULL) {
		reply_send(req, 500, "Internal Server Error", NULL);
		return;
	}
	page_open(b, "Lỗi / Error");
	put(b, "<section class=\"err\"><h2>");
	put_text(b, vi);
	put(b, "<br><span class=\"en\">");
	put_text(b, en);
	put(b, "</span></h2>");
	if (detail != NULL) {
		put(b, "<p>");
		put_text(b, detail);
		put(b, "</p>");
	}
	put(b, "<p><a href=\"/\">← Về trang chủ / Back to the portal</a></p></section>");
	page_close(b);
	send_page(req, code, reason, b);
}

/* ---- the portal page ------------------------------------------------------------------------ */

static void put_value(struct evbuffer *b, const char *name, const json_t *v)
{
	static const char *const times[] = { "exp", "iat", "auth_time", "nbf", "updated_at", NULL };

	if (json_is_string(v)) {
		put_text(b, json_string_value(v));
		return;
	}
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		put_text(b, s);
		free(s);
	}
	for (const char *const *t = times; json_is_integer(v) && *t != NULL; t++) {
		if (strcmp(name, *t) == 0) {
			time_t when = (time_t)json_integer_value(v);
			struct tm tm;
			char ts[64];

			if (gmtime_r(&when, &tm) != NULL &&
			    strftime(ts, sizeof(ts), " (%Y-%m-%d %H:%M:%S UTC)", &tm) > 0)
				put_text(b, ts);
		}
	}
}

static void put_table(struct evbuffer *b, const json_t *obj)
{
	const char *k;
	json_t *v;

	put(b, "<table>");
	json_object_foreach((json_t *)obj, k, v)
	{
		put(b, "<tr><th>");
		put_text(b, k);
		put(b, "</th><td>");
		put_value(b, k, v);
		put(b, "</td></tr>");
	}
	put(b, "</table>");
}

static struct rp_session *session_of(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	char sid[RP_TOKEN_SIZE + 8];
	struct rp_session *s = NULL;

	if (rp_cookie_get(h, SID_COOKIE, sid, sizeof(sid)) == 0)
		s = rp_sess_find(&app.sessions, sid, time(NULL));
	sec_wipe(sid, sizeof(sid));
	return s;
}

static void on_home(struct evhttp_request *req)
{
	struct rp_session *s = session_of(req);
	struct evbuffer *b = evbuffer_new();
	const char *name = NULL;

	if (b == NULL) {
		reply_send(req, 500, "Internal Server Error", NULL);
		return;
	}
	page_open(b, "Cổng thuế (demo) / Tax portal (demo)");
	if (s == NULL) {
		put(b, "<section><h2>Đăng nhập <span class=\"en\">/ Log in</span></h2>"
		       "<p>Để tra cứu và nộp thuế, hãy đăng nhập bằng tài khoản định danh điện tử."
		       "<br><span class=\"en\">To look up and file your taxes, log in with your "
		       "national eID.</span></p>"
		       "<a class=\"btn\" href=\"/login\">Đăng nhập bằng VNeID"
		       "<span>Log in with eID</span></a>"
		       "<p class=\"small\"><a href=\"/login?prompt=login\">Đăng nhập lại từ đầu "
		       "<span class=\"en\">/ Log in afresh (prompt=login)</span></a></p></section>");
	} else {
		name = json_string_value(json_object_get(s->userinfo, "name"));
		if (name == NULL)
			name = json_string_value(json_object_get(s->claims, "name"));
		put(b, "<section><h2>Xin chào <span class=\"en\">/ Welcome</span>, ");
		put_text(b, name != NULL ? name : json_string_value(json_object_get(s->claims, "sub")));
		put(b, "</h2><p>Bạn đã đăng nhập bằng định danh điện tử. <span class=\"en\">You are "
		       "logged in with your eID.</span></p>"
		       "<form method=\"post\" action=\"/logout\"><button class=\"btn alt\" "
		       "type=\"submit\">Đăng xuất<span>Log out</span></button></form></section>"
		       "<section><h2>ID token <span class=\"en\">(chữ ký và các trường đã được "
		       "kiểm tra / signature and claims verified)</span></h2>");
		put_table(b, s->claims);
		put(b, "</section><section><h2>Userinfo</h2>");
		if (s->userinfo != NULL)
			put_table(b, s->userinfo);
		else
			put(b, "<p>Nhà cung cấp không có userinfo_endpoint. <span class=\"en\">The "
			       "provider has no userinfo_endpoint.</span></p>");
		put(b, "</section>");
	}
	page_close(b);
	send_page(req, 200, "OK", b);
}

/* ---- discovery and keys --------------------------------------------------------------------- */

static json_t *parse_json(const struct webc_reply *rep)
{
	json_t *j = rep->body != NULL ? json_loadb(rep->body, rep->len, JSON_REJECT_DUPLICATES, NULL)
	                              : NULL;

	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* A JSON object from a 200 answer, or NULL with the reason in eb. */
static json_t *answer_json(const struct webc_reply *rep, const char *what, struct errbuf *eb)
{
	json_t *j;

	if (rep->status == 0) {
		eb_set(eb, E_IO, "%s: no answer (%s)", what, rep->error);
		return NULL;
	}
	if (rep->status != 200) {
		eb_set(eb, E_INVALID, "%s: HTTP %d", what, rep->status);
		return NULL;
	}
	if ((j = parse_json(rep)) == NULL)
		eb_set(eb, E_INVALID, "%s: not a JSON object (or duplicate members)", what);
	return j;
}

static void build_csp(void)
{
	unsigned char h[SEC_SHA256_LEN], b64[48];

	sec_sha256(STYLE, strlen(STYLE), h);
	EVP_EncodeBlock(b64, h, sizeof(h));
	snprintf(app.csp, sizeof(app.csp),
	         "default-src 'none'; style-src 'sha256-%s'; base-uri 'none'; "
	         "frame-ancestors 'none'",
	         b64);
}

static void start_failed(const char *why)
{
	log_event(LOG_ERROR, NULL, "rp_start_failed", "reason", why, NULL);
	app.exit_code = 1;
	event_base_loopexit(app.base, NULL);
}

static void on_start_jwks(const struct webc_reply *rep, void *arg)
{
	struct errbuf eb = { 0 };
	json_t *j = answer_json(rep, "jwks_uri", &eb);
	char n[16];

	(void)arg;
	if (j == NULL || rp_jwks_parse(j, &app.keys, &eb) != 0) {
		json_decref(j);
		start_failed(eb.msg);
		return;
	}
	json_decref(j);
	snprintf(n, sizeof(n), "%zu", app.keys.n);
	log_event(LOG_INFO, NULL, "rp_jwks_loaded", "keys", n, NULL);
	app.ready = 1;
	log_event(LOG_INFO, NULL, "rp_ready", "listen", app.o.listen, "issuer", app.o.issuer,
	          "authorization_endpoint", app.op.authorization_endpoint ? "yes" : "missing",
	          "token_endpoint", app.op.token_endpoint ? "yes" : "missing", "userinfo_endpoint",
	          app.op.userinfo_endpoint ? "yes" : "missing", "end_session_endpoint",
	          app.op.end_session_endpoint ? "yes" : "missing", NULL);
}

static void on_discovery(const struct webc_reply *rep, void *arg)
{
	struct errbuf eb = { 0 };
	json_t *j = answer_json(rep, "discovery", &eb);
	struct rp_op op = { 0 };
	int starting = arg != NULL;

	app.rediscovery = NULL;
	app.discovered_at = time(NULL);
	if (j == NULL || rp_discovery_parse(j, app.o.issuer, &op, &eb) != 0) {
		json_decref(j);
		if (starting)
			start_failed(eb.msg);
		else
			log_event(LOG_WARN, NULL, "rp_discovery_failed", "reason", eb.msg, NULL);
		return;
	}
	json_decref(j);
	rp_op_fini(&app.op);
	app.op = op;
	log_event(LOG_INFO, NULL, "rp_discovery_loaded", "issuer", app.op.issuer, NULL);
	if (starting && webc_start(&app.fx, "GET", app.op.jwks_uri, NULL, 0, NULL, 0,
	                            on_start_jwks, NULL, NULL) != 0)
		start_failed("jwks_uri: cannot start the request");
}

static int discovery_start(int starting)
{
	char url[RP_URL_MAX + 64];
	size_t n = strlen(app.o.issuer);

	/* OIDC Discovery §4.1: a trailing "/" of the issuer is removed before appending */
	if (n > 0 && app.o.issuer[n - 1] == '/')
		n--;
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration", (int)n, app.o.issuer);
	return webc_start(&app.fx, "GET", url, NULL, 0, NULL, 0, on_discovery,
	                   starting ? &app : NULL, starting ? NULL : &app.rediscovery);
}

/* ---- /login --------------------------------------------------------------------------------- */

/* The browser-binding cookie: kept when it looks like ours, made otherwise. */
static int browser_id(struct evhttp_request *req, char id[RP_TOKEN_SIZE])
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");

	if (rp_cookie_get(h, BIND_COOKIE, id, RP_TOKEN_SIZE) == 0 && strlen(id) == 43 &&
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43)
		return 0;
	return sec_random_token(id, 32);
}

static void browser_hash(const char *id, char out[RP_TOKEN_SIZE])
{
	uint8_t h[SEC_SHA256_LEN];

	sec_sha256(id, strlen(id), h);
	sec_b64url_encode(h, sizeof(h), out);
}

static int query_parse(struct evhttp_request *req, struct arena *a, struct form *f,
                       struct errbuf *eb)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

	memset(f, 0, sizeof(*f));
	return q == NULL ? 0 : form_parse(a, q, strlen(q), f, eb);
}

static void on_login(struct evhttp_request *req)
{
	struct rp_login l = { 0 };
	struct arena a;
	struct form q;
	struct errbuf eb = { 0 };
	const char *prompt;
	uint8_t raw[32];
	char challenge[RP_TOKEN_SIZE], bid[RP_TOKEN_SIZE], *url = NULL;
	struct rp_authz az;

	arena_init(&a, NULL, 0, 64 * 1024);
	if (query_parse(req, &a, &q, &eb) != 0) {
		send_error(req, 400, "Yêu cầu không hợp lệ", "Malformed request", eb.msg);
		goto out;
	}
	prompt = form_get(&q, "prompt");
	if (prompt != NULL && !rp_prompt_ok(prompt)) {
		send_error(req, 400, "Giá trị prompt không hợp lệ", "Invalid prompt",
		           "prompt: none, login, consent, select_account (none alone)");
		goto out;
	}
	if (app.op.authorization_endpoint == NULL || app.op.token_endpoint == NULL) {
		/* the provider may gain them (a newer authd): look again, at most every few s */
		if (app.rediscovery == NULL && time(NULL) - app.discovered_at >= REDISCOVER_EVERY)
			discovery_start(0);
		send_error(req, 503, "Nhà cung cấp định danh chưa hỗ trợ đăng nhập",
		           "The identity provider does not offer logins yet",
		           "Its discovery document has no authorization_endpoint or token_endpoint. "
		           "It is being fetched again: try again in a few seconds.");
		goto out;
	}
	if (sec_random_token(l.state, 32) != 0 || sec_random_token(l.nonce, 32) != 0 ||
	    sec_random(raw, sizeof(raw)) != 0 || browser_id(req, bid) != 0) {
		send_error(req, 500, "Lỗi nội bộ", "Internal error", "no random bytes");
		goto out;
	}
	rp_pkce_verifier(raw, l.verifier);
	if (rp_pkce_challenge(l.verifier, challenge) != 0) {
		send_error(req, 500, "Lỗi nội bộ", "Internal error", "PKCE");
		goto out;
	}
	browser_hash(bid, l.browser);
	l.at = time(NULL);
	az = (struct rp_authz){ app.op.authorization_endpoint, app.o.client_id, app.o.redirect_uri,
		                app.o.scope, l.state, l.nonce, challenge, app.o.acr, prompt };
	if ((url = rp_authorize_url(&az)) == NULL) {
		send_error(req, 500, "Lỗi nội bộ", "Internal error", "out of memory");
		goto out;
	}
	rp_pending_put(&app.pending, &l);
	set_cookie(req, BIND_COOKIE, bid, "/callback", RP_PENDING_TTL);
	log_event(LOG_INFO, NULL, "rp_login_started", "prompt", prompt, "acr_values", app.o.acr,
	          NULL);
	redirect(req, 302, url);
out:
	if (url != NULL) {
		sec_wipe(url, strlen(url));
		free(url);
	}
	sec_wipe(&l, sizeof(l));
	sec_wipe(raw, sizeof(raw));
	sec_wipe(bid, sizeof(bid));
	arena_reset(&a);
}

/* ---- /callback ------------------------------------------------------------------------------ */

static void flow_free(struct flow *fl)
{
	if (fl == NULL)
		return;
	webc_cancel(fl->f);
	if (fl->next != NULL)
		fl->next->pprev = fl->pprev;
	if (fl->pprev != NULL)
		*fl->pprev = fl->next;
	for (char **s = (char *[]){ fl->code, fl->access_token, fl->id_token }, **e = s + 3; s < e;
	     s++) {
		if (*s != NULL) {
			sec_wipe(*s, strlen(*s));
			free(*s);
		}
	}
	json_decref(fl->claims);
	sec_wipe(fl, sizeof(*fl));
	free(fl);
}

/* Ends a login with an error page, logging why (the sentence holds no token). */
static void flow_fail(struct flow *fl, int code, const char *vi, const char *en, const char *why)
{
	log_event(LOG_WARN, NULL, "rp_login_refused", "reason", why, NULL);
	send_error(fl->req, code, vi, en, why);
	flow_free(fl);
}

static void flow_done(struct flow *fl, json_t *userinfo)
{
	const char *old = evhttp_find_header(evhttp_request_get_input_headers(fl->req), "Cookie");
	json_t *claims = fl->claims;
	char sid[RP_TOKEN_SIZE + 8];

	/* a new login replaces the browser's old session (and never reuses its id) */
	if (rp_cookie_get(old, SID_COOKIE, sid, sizeof(sid)) == 0)
		rp_sess_end(rp_sess_find(&app.sessions, sid, time(NULL)));
	json_incref(claims); /* for the log line below; the session takes fl's reference */
	fl->claims = NULL;
	if (rp_sess_new(&app.sessions, time(NULL), claims, userinfo, fl->id_token, sid) != 0) {
		json_decref(claims);
		flow_fail(fl, 500, "Lỗi nội bộ", "Internal error", "cannot create the session");
		return;
	}
	log_event(LOG_INFO, NULL, "rp_login_ok", "sub",
	          json_string_value(json_object_get(claims, "sub")), "acr",
	          json_string_value(json_object_get(claims, "acr")), NULL);
	json_decref(claims);
	/* (rp_login stays: other tabs of this browser may have logins of their own pending) */
	set_cookie(fl->req, SID_COOKIE, sid, "/", -1);
	sec_wipe(sid, sizeof(sid));
	redirect(fl->req, 302, "/");
	flow_free(fl);
}

static void on_userinfo(const struct webc_reply *rep, void *arg)
{
	struct flow *fl = arg;
	struct errbuf eb = { 0 };
	json_t *ui;

	fl->f = NULL;
	if (rep->status == 0) {
		eb_set(&eb, E_IO, "userinfo: no answer (%s)", rep->error);
		flow_fail(fl, 502, "Không lấy được thông tin người dùng", "Userinfo failed", eb.msg);
		return;
	}
	if (rep->status != 200) {
		/* RFC 6750 §3: the reason is in WWW-Authenticate */
		eb_set(&eb, E_INVALID, "userinfo: HTTP %d%s%.200s", rep->status,
		       rep->www_auth ? ": " : "", rep->www_auth ? rep->www_auth : "");
		flow_fail(fl, 502, "Không lấy được thông tin người dùng", "Userinfo failed", eb.msg);
		return;
	}
	if (strncasecmp(rep->ctype, "application/json", 16) != 0) {
		/* a signed (application/jwt) answer was not registered for, so not expected */
		eb_set(&eb, E_INVALID, "userinfo: Content-Type \"%.64s\" is not application/json",
		       rep->ctype);
		flow_fail(fl, 502, "Không lấy được thông tin người dùng", "Userinfo failed", eb.msg);
		return;
	}
	if ((ui = parse_json(rep)) == NULL) {
		flow_fail(fl, 502, "Không lấy được thông tin người dùng", "Userinfo failed",
		          "userinfo: not a JSON object (or duplicate members)");
		return;
	}
	if (rp_userinfo_check(ui, json_string_value(json_object_get(fl->claims, "sub")), &eb) != 0) {
		json_decref(ui);
		flow_fail(fl, 502, "Thông tin người dùng không khớp", "Userinfo refused", eb.msg);
		return;
	}
	flow_done(fl, ui);
}

static void flow_userinfo(struct flow *fl)
{
	char *auth;
	struct webc_hdr h[2] = { { "Authorization", NULL }, { "Accept", "application/json" } };

	if (app.op.userinfo_endpoint == NULL) {
		flow_done(fl, NULL);
		return;
	}
	if ((auth = malloc(strlen(fl->access_token) + 8)) == NULL) {
		flow_fail(fl, 500, "Lỗi nội bộ", "Internal error", "out of memory");
		return;
	}
	sprintf(auth, "Bearer %s", fl->access_token);
	h[0].value = auth;
	if (webc_start(&app.fx, "GET", app.op.userinfo_endpoint, h, 2, NULL, 0, on_userinfo, fl,
	                &fl->f) != 0)
		flow_fail(fl, 502, "Không lấy được thông tin người dùng", "Userinfo failed",
		          "userinfo: cannot start the request");
	sec_wipe(auth, strlen(auth));
	free(auth);
}

static void flow_verify(struct flow *fl);

static void on_flow_jwks(const struct webc_reply *rep, void *arg)
{
	struct flow *fl = arg;
	struct errbuf eb = { 0 };
	struct rp_keys ks = { 0 };
	json_t *j;
	char n[16];

	fl->f = NULL;
	if ((j = answer_json(rep, "jwks_uri", &eb)) == NULL || rp_jwks_parse(j, &ks, &eb) != 0) {
		json_decref(j);
		flow_fail(fl, 502, "Không kiểm tra được ID token", "ID token refused", eb.msg);
		return;
	}
	json_decref(j);
	rp_keys_fini(&app.keys);
	app.keys = ks;
	snprintf(n, sizeof(n), "%zu", app.keys.n);
	log_event(LOG_INFO, NULL, "rp_jwks_loaded", "keys", n, "why", "unknown kid", NULL);
	flow_verify(fl);
}

static void flow_verify(struct flow *fl)
{
	struct rp_expect x = { app.o.issuer, app.o.client_id, fl->login.nonce, fl->access_token,
		               app.o.acr, time(NULL) };
	struct errbuf eb = { 0 };
	int r = rp_idtoken_verify(fl->id_token, &app.keys, &x, &fl->claims, &eb);

	if (r == E_NOTFOUND && !fl->refetched) {
		/* the provider may have rotated its keys since we read the set: read it again,
		 * once per login (an unknown kid twice is a refusal, not a loop) */
		fl->refetched = 1;
		if (webc_start(&app.fx, "GET", app.op.jwks_uri, NULL, 0, NULL, 0, on_flow_jwks, fl,
		                &fl->f) != 0)
			flow_fail(fl, 502, "Không kiểm tra được ID token", "ID token refused",
			          "jwks_uri: cannot start the request");
		return;
	}
	if (r != 0) {
		flow_fail(fl, 502, "ID token không hợp lệ", "ID token refused", eb.msg);
		return;
	}
	flow_userinfo(fl);
}

static void on_token(const struct webc_reply *rep, void *arg)
{
	struct flow *fl = arg;
	struct errbuf eb = { 0 };
	struct rp_tokens t;
	json_t *j;

	fl->f = NULL;
	if (rep->status == 0) {
		eb_set(&eb, E_IO, "token endpoint: no answer (%s)", rep->error);
		flow_fail(fl, 502, "Không đổi được mã lấy token", "Token request failed", eb.msg);
		return;
	}
	j = parse_json(rep);
	if (rep->status != 200) {
		/* RFC 6749 §5.2: error and error_description are for the client developer */
		const char *e = json_string_value(json_object_get(j, "error"));
		const char *d = json_string_value(json_object_get(j, "error_description"));

		eb_set(&eb, E_INVALID, "token endpoint: HTTP %d %.64s%s%.200s", rep->status,
		       e ? e : "(no error code)", d ? ": " : "", d ? d : "");
		json_decref(j);
		flow_fail(fl, 502, "Không đổi được mã lấy token", "Token request refused", eb.msg);
		return;
	}
	if (j == NULL) {
		flow_fail(fl, 502, "Không đổi được mã lấy token", "Token request failed",
		          "token endpoint: not a JSON object (or duplicate members)");
		return;
	}
	if (rp_token_parse(j, &t, &eb) != 0 || (fl->access_token = strdup(t.access_token)) == NULL ||
	    (fl->id_token = strdup(t.id_token)) == NULL) {
		json_decref(j);
		flow_fail(fl, 502, "Không đổi được mã lấy token", "Token response refused",
		          eb.msg[0] ? eb.msg : "out of memory");
		return;
	}
	json_decref(j);
	flow_verify(fl);
}

static void flow_token(struct flow *fl)
{
	char *body = rp_token_body(fl->code, app.o.redirect_uri, fl->login.verifier);
	char *auth = rp_basic_auth(app.o.client_id, app.secret);
	struct webc_hdr h[3] = { { "Authorization", auth },
		                  { "Content-Type", "application/x-www-form-urlencoded" },
		                  { "Accept", "application/json" } };

	/* the code is single-use and goes into the body now: forget our copy */
	sec_wipe(fl->code, strlen(fl->code));
	if (body == NULL || auth == NULL)
		flow_fail(fl, 500, "Lỗi nội bộ", "Internal error", "out of memory");
	else if (webc_start(&app.fx, "POST", app.op.token_endpoint, h, 3, body, strlen(body),
	                     on_token, fl, &fl->f) != 0)
		flow_fail(fl, 502, "Không đổi được mã lấy token", "Token request failed",
		          "token endpoint: cannot start the request");
	for (char **p = (char *[]){ body, auth }, **e = p + 2; p < e; p++) {
		if (*p != NULL) {
			sec_wipe(*p, strlen(*p));
			free(*p);
		}
	}
}

/* The query's values (the code among them) do not outlive the request. */
static void form_wipe(struct form *q)
{
	for (size_t i = 0; i < q->n; i++)
		sec_wipe((char *)q->p[i].value, strlen(q->p[i].value));
}

static void on_callback(struct evhttp_request *req)
{
	struct arena a;
	struct form q;
	struct errbuf eb = { 0 };
	struct rp_login l = { 0 };
	struct flow *fl = NULL;
	const char *state, *iss, *err, *code, *h;
	char bid[RP_TOKEN_SIZE + 8], bh[RP_TOKEN_SIZE];
	int bound;

	arena_init(&a, NULL, 0, 64 * 1024);
	if (query_parse(req, &a, &q, &eb) != 0) {
		log_event(LOG_WARN, NULL, "rp_login_refused", "reason", eb.msg, NULL);
		send_error(req, 400, "Phản hồi không hợp lệ", "Malformed authorization response",
		           eb.msg);
		goto out;
	}
	state = form_get(&q, "state");
	iss = form_get(&q, "iss");
	err = form_get(&q, "error");
	code = form_get(&q, "code");
	/* state first: single use, and it tells us which login (nonce, verifier) this is */
	if (state == NULL || rp_pending_take(&app.pending, state, time(NULL), &l) != 0) {
		const char *why = state == NULL ? "state missing"
		                                : "state unknown, already used or expired (logins "
		                                  "must come back within 10 minutes, once)";

		log_event(LOG_WARN, NULL, "rp_login_refused", "reason", why, "error", err, NULL);
		send_error(req, 400, "Phiên đăng nhập không hợp lệ", "This login is not valid here",
		           why);
		goto out;
	}
	h = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	bound = rp_cookie_get(h, BIND_COOKIE, bid, sizeof(bid)) == 0;
	if (bound) {
		browser_hash(bid, bh);
		bound = sec_ct_eq(bh, strlen(bh), l.browser, strlen(l.browser));
	}
	if (!bound) {
		/* RFC 9700 §4.7: a response injected into another browser (login CSRF) */
		log_event(LOG_WARN, NULL, "rp_login_refused", "reason", "browser binding", NULL);
		send_error(req, 400, "Phiên đăng nhập không hợp lệ", "This login is not valid here",
		           "the login was started in another browser (or its cookie was lost)");
		goto out;
	}
	/* RFC 9207 §2.4: mix-up defence — the response must come from our issuer */
	if (iss != NULL ? strcmp(iss, app.o.issuer) != 0 : app.op.iss_param) {
		if (iss != NULL)
			eb_set(&eb, E_INVALID, "iss \"%.200s\" is not our issuer (RFC 9207)", iss);
		else
			eb_set(&eb, E_INVALID, "iss missing, though the provider announces it (RFC 9207)");
		log_event(LOG_WARN, NULL, "rp_login_refused", "reason", eb.msg, NULL);
		send_error(req, 400, "Phản hồi không đến từ nhà cung cấp của chúng tôi",
		           "The response is not from our provider", eb.msg);
		goto out;
	}
	if (err != NULL) {
		const char *d = form_get(&q, "error_description");

		eb_set(&eb, E_INVALID, "%.64s%s%.300s", err, d ? ": " : "", d ? d : "");
		log_event(LOG_INFO, NULL, "rp_login_error", "error", err, NULL);
		send_error(req, 400, "Đăng nhập không thành công", "The login did not succeed", eb.msg);
		goto out;
	}
	if (code == NULL) {
		log_event(LOG_WARN, NULL, "rp_login_refused", "reason", "code missing", NULL);
		send_error(req, 400, "Phản hồi không hợp lệ", "Malformed authorization response",
		           "code missing");
		goto out;
	}
	if (app.op.token_endpoint == NULL) {
		send_error(req, 503, "Nhà cung cấp định danh chưa hỗ trợ đăng nhập",
		           "The identity provider does not offer logins yet", "no token_endpoint");
		goto out;
	}
	if ((fl = calloc(1, sizeof(*fl))) == NULL || (fl->code = strdup(code)) == NULL) {
		free(fl);
		send_error(req, 500, "Lỗi nội bộ", "Internal error", "out of memory");
		goto out;
	}
	fl->req = req;
	fl->login = l;
	fl->pprev = &app.flows;
	fl->next = app.flows;
	if (app.flows != NULL)
		app.flows->pprev = &fl->next;
	app.flows = fl;
	flow_token(fl);
out:
	sec_wipe(&l, sizeof(l));
	sec_wipe(bid, sizeof(bid));
	form_wipe(&q);
	arena_reset(&a);
}

/* ---- /logout -------------------------------------------------------------------------------- */

static void on_logout(struct evhttp_request *req)
{
	struct rp_session *s = session_of(req);
	char *url = NULL;
	const char *sub = NULL;

	if (s != NULL) {
		sub = json_string_value(json_object_get(s->claims, "sub"));
		log_event(LOG_INFO, NULL, "rp_logout", "sub", sub, "at_provider",
		          app.op.end_session_endpoint ? "yes" : "no", NULL);
		if (app.op.end_session_endpoint != NULL && s->id_token != NULL)
			url = rp_logout_url(app.op.end_session_endpoint, s->id_token, app.post_logout,
			                    app.o.client_id);
		rp_sess_end(s);
	}
	set_cookie(req, SID_COOKIE, "", "/", 0);
	/* 303: the browser follows with a GET (OIDC RP-Initiated Logout §2) */
	redirect(req, 303, url != NULL ? url : "/");
	if (url != NULL) {
		sec_wipe(url, strlen(url));
		free(url);
	}
}

/* ---- dispatch, start, stop ------------------------------------------------------------------ */

static void on_request(struct evhttp_request *req, void *arg)
{
	const char *route = route_of(req);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	int get = m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD;

	(void)arg;
	if (strcmp(route, "(other)") == 0) {
		send_error(req, 404, "Không tìm thấy trang", "Not found", NULL);
		return;
	}
	/* HEAD only for the page: on /login and /callback it would start or spend a login */
	if (strcmp(route, "/logout") == 0 ? m != EVHTTP_REQ_POST
	                                  : strcmp(route, "/") == 0 ? !get : m != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		                  strcmp(route, "/logout") == 0 ? "POST"
		                  : strcmp(route, "/") == 0     ? "GET, HEAD"
		                                                : "GET");
		send_error(req, 405, "Phương thức không được phép", "Method not allowed", NULL);
		return;
	}
	if (!app.ready) {
		send_error(req, 503, "Đang khởi động", "Starting", "try again in a moment");
		return;
	}
	if (strcmp(route, "/") == 0)
		on_home(req);
	else if (strcmp(route, "/login") == 0)
		on_login(req);
	else if (strcmp(route, "/callback") == 0)
		on_callback(req);
	else
		on_logout(req);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct timeval drain = { 0, 200000 };

	(void)what;
	(void)arg;
	log_event(LOG_INFO, NULL, "rp_stopping", "signal", sig == SIGINT ? "INT" : "TERM", NULL);
	if (app.sock != NULL) {
		evhttp_del_accept_socket(app.http, app.sock);
		app.sock = NULL;
	}
	/* logins in flight get an answer, not a dropped connection */
	while (app.flows != NULL)
		flow_fail(app.flows, 503, "Dịch vụ đang dừng", "The portal is stopping",
		          "stopped during the login");
	event_base_loopexit(app.base, &drain); /* time for those replies to leave */
}

static void usage(void)
{
	fprintf(stderr, "usage: demo-rp [--issuer URL] [--listen HOST:PORT] [--client-id ID] "
	                "[--secret-file FILE] [--redirect-uri URL] [--scope SCOPES] [--acr ACR]\n"
	                "       (the secret: --secret-file, else $DEMO_RP_SECRET, else the public "
	                "dev secret for a loopback issuer)\n");
}

static int read_secret(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	char buf[1025];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "demo-rp: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == sizeof(buf)) {
		fprintf(stderr, "demo-rp: %s: longer than 1024 bytes\n", path);
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	if (n == 0 || (*out = strdup(buf)) == NULL) {
		fprintf(stderr, "demo-rp: %s: empty\n", path);
		return -1;
	}
	sec_wipe(buf, sizeof(buf));
	return 0;
}

/* Checks the options; fills app.secret, app.post_logout, app.cookie_secure. 0 or 2 (usage). */
static int setup(void)
{
	struct errbuf eb = { 0 };
	const char *env = getenv("DEMO_RP_SECRET");
	char origin[RP_URL_MAX + 1];
	const char *p;
	int openid = 0;

	if (rp_url_check("--issuer", app.o.issuer, &eb) != 0 ||
	    rp_url_check("--redirect-uri", app.o.redirect_uri, &eb) != 0) {
		fprintf(stderr, "demo-rp: %s\n", eb.msg);
		return 2;
	}
	for (p = app.o.scope; *p != '\0'; p += strcspn(p, " "), p += strspn(p, " "))
		openid |= strncmp(p, "openid", 6) == 0 && (p[6] == ' ' || p[6] == '\0');
	if (!openid) {
		fprintf(stderr, "demo-rp: --scope: must contain openid\n");
		return 2;
	}
	if (app.o.acr != NULL && app.o.acr[0] == '\0')
		app.o.acr = NULL;
	if (app.o.secret_file != NULL) {
		if (read_secret(app.o.secret_file, &app.secret) != 0)
			return 2;
	} else if (env != NULL && env[0] != '\0') {
		app.secret = strdup(env);
	} else if (rp_url_is_loopback(app.o.issuer)) {
		log_event(LOG_WARN, NULL, "rp_dev_secret",
		          "note", "using the public development secret of clients/demo-rp.json", NULL);
		app.secret = strdup(DEV_SECRET);
	} else {
		fprintf(stderr, "demo-rp: a client secret is needed (--secret-file or DEMO_RP_SECRET)"
		                " for a provider that is not on loopback\n");
		return 2;
	}
	if (app.secret == NULL || rp_url_origin(app.o.redirect_uri, origin, sizeof(origin)) != 0)
		return 2;
	/* the portal's home page, registered as post_logout_redirect_uris in demo-rp.json */
	snprintf(app.post_logout, sizeof(app.post_logout), "%s/", origin);
	app.cookie_secure = strncmp(app.o.redirect_uri, "https://", 8) == 0;
	build_csp();
	return 0;
}

/* "127.0.0.1:8081", "[::1]:8081" → host (brackets removed) and port. */
static int split_listen(const char *s, char *host, size_t n, unsigned short *port)
{
	const char *colon = strrchr(s, ':');
	const char *h = s;
	size_t hl;
	char *end;
	long p;

	if (colon == NULL)
		return -1;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	p = strtol(colon + 1, &end, 10);
	if (hl == 0 || hl >= n || *end != '\0' || p < 1 || p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (unsigned short)p;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "issuer", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "client-id", required_argument, NULL, 'c' },
		{ "secret-file", required_argument, NULL, 's' },
		{ "redirect-uri", required_argument, NULL, 'r' },
		{ "scope", required_argument, NULL, 'o' },
		{ "acr", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct event *sigint = NULL, *sigterm = NULL;
	char host[256];
	unsigned short port;
	int ch, r;

	app.o = (struct opts){ "http://127.0.0.1:8080", "127.0.0.1:8081", "demo-rp", NULL,
		               "http://127.0.0.1:8081/callback", "openid profile", NULL };
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			app.o.issuer = optarg;
			break;
		case 'l':
			app.o.listen = optarg;
			break;
		case 'c':
			app.o.client_id = optarg;
			break;
		case 's':
			app.o.secret_file = optarg;
			break;
		case 'r':
			app.o.redirect_uri = optarg;
			break;
		case 'o':
			app.o.scope = optarg;
			break;
		case 'a':
			app.o.acr = optarg;
			break;
		default:
			usage();
			return ch == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || split_listen(app.o.listen, host, sizeof(host), &port) != 0) {
		usage();
		return 2;
	}
	if ((r = setup()) != 0)
		return r;
	signal(SIGPIPE, SIG_IGN);
	if ((app.base = event_base_new()) == NULL || (app.http = evhttp_new(app.base)) == NULL ||
	    webc_ctx_init(&app.fx, app.base, FETCH_TIMEOUT_S, FETCH_MAX_BODY) != 0) {
		fprintf(stderr, "demo-rp: cannot set up libevent/TLS\n");
		return 1;
	}
	evhttp_set_allowed_methods(app.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_max_headers_size(app.http, 16384);
	evhttp_set_max_body_size(app.http, 4096);
	evhttp_set_timeout(app.http, 10);
	evhttp_set_gencb(app.http, on_request, NULL);
	/* only where told: 127.0.0.1 unless --listen says otherwise */
	if ((app.sock = evhttp_bind_socket_with_handle(app.http, host, port)) == NULL) {
		log_event(LOG_ERROR, NULL, "rp_start_failed", "reason", "cannot listen", "listen",
		          app.o.listen, NULL);
		app.exit_code = 1;
		goto out;
	}
	sigint = evsignal_new(app.base, SIGINT, on_signal, NULL);
	sigterm = evsignal_new(app.base, SIGTERM, on_signal, NULL);
	if (sigint == NULL || sigterm == NULL || event_add(sigint, NULL) != 0 ||
	    event_add(sigterm, NULL) != 0 || discovery_start(1) != 0) {
		log_event(LOG_ERROR, NULL, "rp_start_failed", "reason", "cannot start", NULL);
		app.exit_code = 1;
		goto out;
	}
	log_event(LOG_INFO, NULL, "rp_started", "listen", app.o.listen, "issuer", app.o.issuer,
	          "client_id", app.o.client_id, "redirect_uri", app.o.redirect_uri, NULL);
	event_base_dispatch(app.base);
out:
	while (app.flows != NULL)
		flow_free(app.flows);
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	evhttp_free(app.http);
	webc_ctx_fini(&app.fx);
	event_base_free(app.base);
	rp_sess_fini(&app.sessions);
	rp_keys_fini(&app.keys);
	rp_op_fini(&app.op);
	sec_wipe(&app.pending, sizeof(app.pending));
	if (app.secret != NULL) {
		sec_wipe(app.secret, strlen(app.secret));
		free(app.secret);
	}
	if (app.exit_code == 0)
		log_event(LOG_INFO, NULL, "rp_stopped", NULL);
	return app.exit_code;
}
