/* authz.c — see authz.h. */
#include "authz.h"

#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "clients.h"
#include "form.h"
#include "js.h"
#include "sec.h"

#define UNRESERVED                                                                                 \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

static int fail(struct authz_err *e, int html, const char *error, const char *desc)
{
	e->html = html;
	e->error = error;
	e->desc = desc;
	return -1;
}

/* Space-separated words of s, each checked against a table; unknown words → -1. */
static int prompt_parse(const char *s, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = { { "none", AUTHZ_PROMPT_NONE },
		  { "login", AUTHZ_PROMPT_LOGIN },
		  { "consent", AUTHZ_PROMPT_CONSENT },
		  { "select_account", AUTHZ_PROMPT_SELECT } };
	unsigned bits = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, " ");
		size_t i;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			if (strlen(t[i].name) == n && strncmp(s, t[i].name, n) == 0)
				break;
		if (n == 0 || i == sizeof(t) / sizeof(t[0]))
			return -1;
		bits |= t[i].bit;
		s += n;
		if (*s == ' ')
			s++;
	}
	*out = bits;
	return 0;
}

/* The lowest urn:eid:level:N among the requested values (any one listed satisfies the RP);
 * values we do not know are ignored (OIDC Core §3.1.2.1: acr_values is a preference). 0 when
 * none is known. */
static int acr_parse(const char *s)
{
	static const char pre[] = "urn:eid:level:";
	int lowest = 0;

	while (s != NULL && *s != '\0') {
		size_t n = strcspn(s, " ");

		if (n == sizeof(pre) && strncmp(s, pre, sizeof(pre) - 1) == 0 &&
		    s[n - 1] >= '1' && s[n - 1] <= '0' + AUTHZ_LEVEL_MAX) {
			int lv = s[n - 1] - '0';

			if (lowest == 0 || lv < lowest)
				lowest = lv;
		}
		s += n;
		while (*s == ' ')
			s++;
	}
	return lowest;
}

static const char *locale_pick(const char *s)
{
	while (s != NULL && *s != '\0') {
		size_t n = strcspn(s, " ");

		if ((n == 2 || (n > 2 && s[2] == '-')) && strncmp(s, "vi", 2) == 0)
			return "vi";
		if ((n == 2 || (n > 2 && s[2] == '-')) && strncmp(s, "en", 2) == 0)
			return "en";
		s += n;
		while (*s == ' ')
			s++;
	}
	return "vi";
}

static int is_b64url43(const char *s)
{
	return s != NULL && strlen(s) == 43 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43;
}

int authz_parse(const struct clientset *cs, const struct form *f, struct authz *az,
                struct authz_err *e)
{
	const char *cid = form_get(f, "client_id"), *ru = form_get(f, "redirect_uri");
	const char *rt = form_get(f, "response_type"), *scope = form_get(f, "scope");
	const char *method = form_get(f, "code_challenge_method");
	const char *prompt = form_get(f, "prompt"), *max_age = form_get(f, "max_age");
	const char *rm = form_get(f, "response_mode"), *hint = form_get(f, "login_hint");
	const struct client *c;
	struct errbuf eb = { 0 };
	int acr;

	memset(az, 0, sizeof(*az));
	if (cid == NULL)
		return fail(e, 1, "invalid_request", "client_id is missing");
	if ((c = clients_find(cs, cid)) == NULL)
		return fail(e, 1, "invalid_client", "this service is not registered");
	if (ru == NULL)
		return fail(e, 1, "invalid_request", "redirect_uri is missing");
	if (!clients_redirect_ok(c, ru))
		return fail(e, 1, "invalid_request", "redirect_uri is not registered for this service");
	az->client = c;
	az->redirect_uri = ru;
	/* the redirect back is safe from here on: RFC 6749 §4.1.2.1 */
	az->state = form_get(f, "state");
	/* refused, yet echoed: OIDC Core §3.1.2.6 requires the state that was sent in every error
	 * response (the redirect only reflects what this request's URL already carried) */
	if (az->state != NULL && strlen(az->state) > AUTHZ_STATE_MAX)
		return fail(e, 0, "invalid_request", "state is too long");
	if ((c->grants & GRANT_AUTHORIZATION_CODE) == 0)
		return fail(e, 0, "unauthorized_client", "the code flow is not registered");
	if (form_get(f, "request") != NULL)
		return fail(e, 0, "request_not_supported", "request objects are not supported");
	if (rt == NULL)
		return fail(e, 0, "invalid_request", "response_type is missing");
	if (strcmp(rt, "code") != 0)
		return fail(e, 0, "unsupported_response_type", "only response_type=code");
	if (rm != NULL && strcmp(rm, "query") != 0)
		return fail(e, 0, "invalid_request", "only response_mode=query");
	if (scope == NULL || clients_scope_parse(scope, &az->scopes, &eb) != 0 ||
	    (az->scopes & SCOPE_OPENID) == 0)
		return fail(e, 0, "invalid_scope", "scope must be valid and contain openid");
	if ((az->scopes & ~c->scopes) != 0 || (az->scopes & SCOPE_ADMIN) != 0)
		return fail(e, 0, "invalid_scope", "a requested scope is not registered for this service");
	if (method != NULL && strcmp(method, "S256") != 0)
		return fail(e, 0, "invalid_request", "code_challenge_method must be S256");
	az->code_challenge = form_get(f, "code_challenge");
	if (az->code_challenge != NULL && (method == NULL || !is_b64url43(az->code_challenge)))
		return fail(e, 0, "invalid_request",
		            "code_challenge must be 43 base64url characters with method S256");
	if (az->code_challenge == NULL && c->require_pkce)
		return fail(e, 0, "invalid_request", "PKCE is required: code_challenge (S256)");
	az->nonce = form_get(f, "nonce");
	if (az->nonce != NULL && strlen(az->nonce) > AUTHZ_STATE_MAX)
		return fail(e, 0, "invalid_request", "nonce is too long");
	/* The nonce is copied into the ID token's JSON: bytes that are not UTF-8 would make a token
	 * no JSON parser (ours included) reads. State only travels percent-encoded in URLs. */
	if (az->nonce != NULL && !js_utf8_ok(az->nonce))
		return fail(e, 0, "invalid_request", "nonce must be UTF-8 text");
	if (prompt != NULL && prompt_parse(prompt, &az->prompt) != 0)
		return fail(e, 0, "invalid_request", "prompt has an unknown value");
	if ((az->prompt & AUTHZ_PROMPT_NONE) && az->prompt != AUTHZ_PROMPT_NONE)
		return fail(e, 0, "invalid_request", "prompt=none cannot be combined");
	az->max_age = -1;
	if (max_age != NULL) {
		if (strlen(max_age) > 9 || strspn(max_age, "0123456789") != strlen(max_age))
			return fail(e, 0, "invalid_request", "max_age must be a number of seconds");
		az->max_age = atoll(max_age);
		/* OIDC Core §3.1.2.1: "max_age=0 is equivalent to prompt=login" (a session made
		 * in this very second is 0 s old: the elapsed-time rule alone would reuse it) */
		if (az->max_age == 0)
			az->prompt |= AUTHZ_PROMPT_LOGIN;
	}
	acr = acr_parse(form_get(f, "acr_values"));
	az->acr_min = acr > c->require_acr ? acr : c->require_acr;
	if (az->acr_min < 1)
		az->acr_min = 1;
	az->locale = locale_pick(form_get(f, "ui_locales"));
	if (hint != NULL && strlen(hint) == ACCT_ID_LEN && strspn(hint, "0123456789") == ACCT_ID_LEN)
		az->login_hint = hint;
	return 0;
}

char *authz_urlencode(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (strchr(UNRESERVED, c) != NULL) {
			*out++ = (char)c;
		} else {
			*out++ = '%';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 15];
		}
	}
	*out = '\0';
	return out;
}

char *authz_redirect(struct arena *a, const char *redirect_uri, const char *const *pairs)
{
	size_t n = strlen(redirect_uri) + 1;
	char *out, *p;
	char sep = strchr(redirect_uri, '?') != NULL ? '&' : '?';

	for (size_t i = 0; pairs[i] != NULL; i += 2)
		if (pairs[i + 1] != NULL)
			n += 2 + strlen(pairs[i]) + 3 * strlen(pairs[i + 1]);
	if ((out = arena_alloc(a, n)) == NULL)
		return NULL;
	p = out + strlen(strcpy(out, redirect_uri));
	for (size_t i = 0; pairs[i] != NULL; i += 2) {
		if (pairs[i + 1] == NULL)
			continue;
		*p++ = sep;
		sep = '&';
		p = stpcpy(p, pairs[i]);
		*p++ = '=';
		p = authz_urlencode(p, pairs[i + 1]);
	}
	return out;
}

int authz_pkce_s256(const char *verifier, char out[48])
{
	uint8_t h[SEC_SHA256_LEN];
	size_t n = verifier != NULL ? strlen(verifier) : 0;

	if (n < 43 || n > 128 || strspn(verifier, UNRESERVED) != n)
		return -1;
	sec_sha256(verifier, n, h);
	sec_b64url_encode(h, sizeof(h), out);
	return 0;
}

int authz_pkce_ok(const char *challenge, const char *verifier)
{
	char b[48];

	if (challenge == NULL || authz_pkce_s256(verifier, b) != 0)
		return 0;
	return sec_ct_eq(b, strlen(b), challenge, strlen(challenge));
}
