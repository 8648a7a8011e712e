/*
 * authz.h — an OpenID Connect authorization request (OIDC Core §3.1.2.1, RFC 6749 §4.1.1,
 * RFC 7636), validated against the client's registration into a struct authz, as a pure
 * function; and the redirect back to the client (RFC 6749 §4.1.2, RFC 9207 `iss`).
 *
 * Until client_id and redirect_uri are known good, an error must be shown to the user and never
 * redirected (RFC 6749 §4.1.2.1): authz_parse says which kind of error it found.
 *
 * Owns: the parameter rules (response_type=code only; PKCE S256 only; prompt, max_age,
 * acr_values, ui_locales, login_hint; unknown parameters ignored). Does not own: sessions,
 * consent, codes (ep_authorize.c), pushed requests (the endpoint loads them first).
 */
#ifndef AUTHD_AUTHZ_H
#define AUTHD_AUTHZ_H

#include <stddef.h>

#include "arena.h"

struct client;
struct clientset;
struct form;

enum authz_prompt {
	AUTHZ_PROMPT_NONE = 1u << 0,
	AUTHZ_PROMPT_LOGIN = 1u << 1,
	AUTHZ_PROMPT_CONSENT = 1u << 2,
	AUTHZ_PROMPT_SELECT = 1u << 3,
};

#define AUTHZ_STATE_MAX 512  /* state and nonce: longer is refused */
#define AUTHZ_LEVEL_MAX 2

struct authz {
	const struct client *client;
	const char *redirect_uri;
	const char *state, *nonce;  /* or NULL */
	const char *code_challenge; /* S256, or NULL when the client may omit PKCE */
	const char *login_hint;     /* a 12-digit ID number, or NULL */
	const char *locale;         /* "vi" or "en" */
	unsigned scopes;            /* enum client_scope bits, openid included */
	unsigned prompt;            /* enum authz_prompt bits */
	long long max_age;          /* -1: none */
	int acr_min;                /* 1 or 2: the lowest level that satisfies the request */
};

/* What went wrong: `html` when the user must be told (unknown client, bad redirect_uri), else an
 * OAuth error to redirect to the client with. */
struct authz_err {
	int html;
	const char *error;
	const char *desc;
};

/* Validates the parameters in f. Returns 0 and fills az (borrowing from f and the clientset), or
 * -1 and fills e. */
int authz_parse(const struct clientset *cs, const struct form *f, struct authz *az,
                struct authz_err *e);

/* The redirect to the client: redirect_uri plus (after '?' or '&' as the URI already has a
 * query) each non-NULL name=value pair of the NULL-terminated list, form-encoded. Arena memory,
 * or NULL when out of memory. */
char *authz_redirect(struct arena *a, const char *redirect_uri, const char *const *pairs);

/* Appends s form-encoded (everything but ALPHA DIGIT - . _ ~ as %XX) to out, which has room
 * for 3 * strlen(s) + 1 bytes. Returns the end of what was written (at the NUL). */
char *authz_urlencode(char *out, const char *s);

/* The BASE64URL(SHA256(verifier)) of RFC 7636 §4.2 compared with `challenge` in constant
 * time; the verifier must be 43..128 unreserved characters (§4.1). 1 if it matches. */
int authz_pkce_ok(const char *challenge, const char *verifier);
/* The challenge a verifier answers: BASE64URL(SHA256(verifier)) into out (43 chars + NUL), 0;
 * or -1 when the verifier is not 43..128 unreserved characters. */
int authz_pkce_s256(const char *verifier, char out[48]);

#endif
