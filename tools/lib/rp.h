/*
 * rp.h — what an OpenID Connect relying party decides, as pure functions (no I/O, no clock: the
 * caller passes `now`), so tests/unit/test_rp.c can pin each rule: PKCE S256 (RFC 7636), at_hash
 * (OIDC Core §3.1.3.8), the provider's discovery document (OIDC Discovery §3-4) and JWK Set, the
 * ID token (signature with libjwt 1.10 on the key's own algorithm, then OIDC Core §3.1.3.7's
 * claim checks), the token and userinfo responses, the URLs and form bodies an RP sends, the
 * pending-login table (state, nonce, PKCE verifier) and the RP's own session table, cookies and
 * HTML escaping.
 *
 * Independent of authd on purpose: a JWS here is verified by libjwt, not by authd's jws.c, and
 * JWKs are read by this file, not keys.c, so the demo RP cross-checks what authd signs instead of
 * agreeing with it by construction. From authd it borrows only the error codes (err.h) and the
 * byte helpers (sec.h: random, SHA-256, base64url, constant-time compare, wipe).
 *
 * Does not own: HTTP (tools/demo-rp.c, tools/lib/webc.c), configuration, logging.
 */
#ifndef AUTHD_RP_H
#define AUTHD_RP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define RP_TOKEN_SIZE 44            /* base64url of 32 random bytes (43) and a NUL */
#define RP_AT_HASH_SIZE 23          /* base64url of 16 bytes (22) and a NUL */
#define RP_SKEW 60                  /* s: clock skew tolerated on exp, iat, nbf */
#define RP_IAT_MAX_AGE 600          /* s: an ID token issued longer ago is refused (replay) */
#define RP_JWT_MAX (16 * 1024)      /* an ID token longer than this is refused unread */
#define RP_MAX_KEYS 16              /* usable keys kept from a JWK Set */
#define RP_URL_MAX 2048
#define RP_PENDING_MAX 256          /* logins started and not finished; the oldest is evicted */
#define RP_PENDING_TTL 600          /* s: a login must come back within 10 minutes */
#define RP_SESSIONS_MAX 256         /* the RP's own sessions; the oldest is evicted */
#define RP_SESSION_IDLE 1800        /* s: 30 min idle ends a session (NIST 800-63B AAL2) */
#define RP_SESSION_MAX_AGE 43200    /* s: 12 h after login, whatever happens */

/* ---- PKCE, at_hash ------------------------------------------------------------------------- */

/* RFC 7636 §4.1: the verifier is base64url of 32 random bytes (43 characters). */
void rp_pkce_verifier(const uint8_t raw[32], char out[RP_TOKEN_SIZE]);

/* RFC 7636 §4.2 S256: base64url(SHA-256(ASCII(verifier))). Returns 0, or E_INVALID when the
 * verifier is not 43..128 characters of [A-Za-z0-9-._~] (out untouched). */
int rp_pkce_challenge(const char *verifier, char out[RP_TOKEN_SIZE]);

/* OIDC Core §3.1.3.8 for ES256/RS256: base64url of the left 128 bits of SHA-256(access token). */
void rp_at_hash(const char *access_token, char out[RP_AT_HASH_SIZE]);

/* ---- URLs ---------------------------------------------------------------------------------- */

/* 0 when url is absolute `https://host...`, or `http://` on a loopback host (127.0.0.1, [::1],
 * localhost), with no userinfo, fragment, white space or control character, ≤ RP_URL_MAX bytes;
 * otherwise E_INVALID with "<what>: <why>" in eb. */
int rp_url_check(const char *what, const char *url, struct errbuf *eb);

/* 1 when url's host is a loopback host (see rp_url_check), 0 otherwise. */
int rp_url_is_loopback(const char *url);

/* scheme://authority of url (the origin) into out (size n). 0, or E_INVALID / E_LIMIT. */
int rp_url_origin(const char *url, char *out, size_t n);

/* application/x-www-form-urlencoded encoding of s (everything but ALPHA DIGIT - . _ ~ as %XX,
 * space too), malloc'd; NULL when out of memory. */
char *rp_urlenc(const char *s);

/* ---- discovery and keys -------------------------------------------------------------------- */

/* What the RP uses from the provider's metadata; strings malloc'd, NULL when absent. */
struct rp_op {
	char *issuer, *authorization_endpoint, *token_endpoint, *userinfo_endpoint, *jwks_uri;
	char *end_session_endpoint;
	int iss_param; /* RFC 9207 authorization_response_iss_parameter_supported */
};

/* Reads a discovery document: `issuer` must equal the configured issuer byte for byte (OIDC
 * Discovery §4.3), `jwks_uri` is required; every endpoint given must pass rp_url_check. Missing
 * authorization/token endpoints are allowed here (the caller refuses to log in without them).
 * Returns 0 with *op filled (the caller runs rp_op_fini), or E_INVALID / E_NOMEM with eb set and
 * *op untouched. */
int rp_discovery_parse(const json_t *doc, const char *issuer, struct rp_op *op,
                       struct errbuf *eb);
void rp_op_fini(struct rp_op *op);

enum rp_alg { RP_ES256, RP_RS256 };

/* A verification key from the provider's JWK Set, as libjwt 1.10 wants it (PEM). */
struct rp_key {
	char *kid;      /* NULL when the JWK has none */
	enum rp_alg alg; /* from the key type, never from a token */
	char *pem;      /* SubjectPublicKeyInfo */
};

struct rp_keys {
	struct rp_key k[RP_MAX_KEYS];
	size_t n;
};

/* Reads a JWK Set. Keys this RP cannot use are skipped (RFC 7517 §5): other kty or curves,
 * "use" other than "sig", an "alg" that is not the key's ES256/RS256, RSA outside 2048..8192
 * bits. Refused as a whole (E_INVALID): not {"keys": [...]}, a key with private members, a
 * malformed EC/RSA member, a point not on the curve, no usable key at all. Returns 0 with *out
 * filled (rp_keys_fini frees), or an error with eb set and *out untouched. */
int rp_jwks_parse(const json_t *jwks, struct rp_keys *out, struct errbuf *eb);
void rp_keys_fini(struct rp_keys *ks);

/* ---- the ID token -------------------------------------------------------------------------- */

/* What the ID token must match. */
struct rp_expect {
	const char *issuer, *client_id;
	const char *nonce;        /* the one sent on this login */
	const char *access_token; /* for at_hash; NULL: an at_hash claim is refused */
	const char *acr;          /* the lowest level asked for (acr_values), NULL when none */
	time_t now;
};

/* OIDC Core §3.1.3.7 on verified claims: iss equal; aud the client_id or an array holding it;
 * azp, if present, the client_id, and present when aud has more than one member; sub a string
 * of 1..255 bytes; exp a number after now - RP_SKEW; iat a number, not after now + RP_SKEW and
 * not before now - RP_IAT_MAX_AGE; nbf, if present, not after now + RP_SKEW; nonce equal;
 * at_hash, if present, equal to rp_at_hash(access token); auth_time, if present, a number; acr
 * at least x->acr when asked (urn:eid:level:1 < urn:eid:level:2; any other value must be equal).
 * Returns 0, or E_INVALID with "ID token: <claim>: <why>" in eb. */
int rp_idtoken_check(const json_t *claims, const struct rp_expect *x, struct errbuf *eb);

/* Verifies a compact ID token: three base64url parts (at most RP_JWT_MAX bytes), the header a
 * JSON object whose "kid" picks the key (no kid: only when the set holds exactly one key), whose
 * "alg" must equal THAT KEY's algorithm (so "none", HS256 keyed with the public key and any
 * other alg are refused before libjwt runs; libjwt 1.10 would take alg from the header), whose
 * "typ", if present, is JWT (RFC 8725 §3.11: no access or logout token passes for an ID
 * token), and without "crit". libjwt then checks the signature, and its decoded alg is checked
 * again. The payload is re-parsed strictly (duplicate members refused) and handed to
 * rp_idtoken_check. On success *claims is a new reference (the caller decrefs). Returns 0,
 * E_NOTFOUND (no key has the header's kid: refetch the JWK Set once and retry), E_INVALID or
 * E_CRYPTO (signature does not verify), with eb set; *claims untouched on failure. */
int rp_idtoken_verify(const char *compact, const struct rp_keys *ks, const struct rp_expect *x,
                      json_t **claims, struct errbuf *eb);

/* ---- token and userinfo responses ---------------------------------------------------------- */

/* Borrowed from the token response (valid while its JSON lives). */
struct rp_tokens {
	const char *access_token, *id_token;
};

/* RFC 6749 §5.1 + OIDC Core §3.1.3.3: access_token and id_token strings, token_type "Bearer"
 * (case-insensitive, RFC 6749 §7.1). 0, or E_INVALID with eb set. */
int rp_token_parse(const json_t *resp, struct rp_tokens *t, struct errbuf *eb);

/* OIDC Core §5.3.2: the userinfo response's sub must equal the ID token's. 0 or E_INVALID. */
int rp_userinfo_check(const json_t *ui, const char *sub, struct errbuf *eb);

/* ---- what the RP sends --------------------------------------------------------------------- */

struct rp_authz {
	const char *endpoint, *client_id, *redirect_uri, *scope, *state, *nonce, *challenge;
	const char *acr;    /* acr_values; NULL: not sent */
	const char *prompt; /* NULL: not sent */
};

/* The authorization request URL (OIDC Core §3.1.2.1, response_type=code, PKCE S256), the
 * parameters appended with '&' when the endpoint already has a query. malloc'd; NULL on OOM. */
char *rp_authorize_url(const struct rp_authz *a);

/* OIDC Core §3.1.2.1 prompt: space-separated, each of none, login, consent, select_account, none
 * alone. 1 when acceptable. */
int rp_prompt_ok(const char *prompt);

/* The token request body (RFC 6749 §4.1.3 + RFC 7636 §4.5). malloc'd; NULL on OOM. */
char *rp_token_body(const char *code, const char *redirect_uri, const char *verifier);

/* The Authorization header value for client_secret_basic: "Basic " + base64(urlenc(id) ":"
 * urlenc(secret)) (RFC 6749 §2.3.1). malloc'd (the caller wipes and frees); NULL on OOM. */
char *rp_basic_auth(const char *client_id, const char *secret);

/* RP-Initiated Logout 1.0 §2: endpoint?id_token_hint=..&post_logout_redirect_uri=..&client_id=..
 * (post_logout may be NULL). malloc'd; NULL on OOM. */
char *rp_logout_url(const char *endpoint, const char *id_token, const char *post_logout,
                    const char *client_id);

/* ---- pending logins ------------------------------------------------------------------------ */

struct rp_login {
	char state[RP_TOKEN_SIZE], nonce[RP_TOKEN_SIZE], verifier[RP_TOKEN_SIZE];
	char browser[RP_TOKEN_SIZE]; /* base64url SHA-256 of the browser-binding cookie */
	time_t at;
	int used;
};

struct rp_pending {
	struct rp_login v[RP_PENDING_MAX];
};

/* Remembers l (copied; l->at is the start time). When the table is full an expired entry, else
 * the oldest one, is wiped and replaced. */
void rp_pending_put(struct rp_pending *t, const struct rp_login *l);

/* Takes the login of `state` out of the table (single use: the entry is wiped whatever happens
 * next). Returns 0 with *out filled, or E_NOTFOUND (unknown, already used, or older than
 * RP_PENDING_TTL at `now`). */
int rp_pending_take(struct rp_pending *t, const char *state, time_t now, struct rp_login *out);

/* ---- the RP's sessions --------------------------------------------------------------------- */

struct rp_session {
	uint8_t id_hash[32]; /* SHA-256 of the cookie value: the table never holds the cookie */
	time_t created, seen;
	json_t *claims, *userinfo; /* owned */
	char *id_token;            /* owned; kept for id_token_hint at logout, never shown */
	int used;
};

struct rp_sessions {
	struct rp_session v[RP_SESSIONS_MAX];
};

/* A new session holding claims and userinfo (references taken over, either may be NULL) and a
 * copy of id_token; its cookie value (43 random base64url characters) in sid. When the table is
 * full an expired session, else the oldest, is ended. 0, or E_NOMEM / E_CRYPTO (nothing kept,
 * the references released). */
int rp_sess_new(struct rp_sessions *t, time_t now, json_t *claims, json_t *userinfo,
                const char *id_token, char sid[RP_TOKEN_SIZE]);

/* The live session of cookie value sid, its `seen` set to now; borrowed, valid until the next
 * rp_sess_* call. NULL when unknown, or idle longer than RP_SESSION_IDLE, or older than
 * RP_SESSION_MAX_AGE (such a session is ended). */
struct rp_session *rp_sess_find(struct rp_sessions *t, const char *sid, time_t now);

/* Ends s (NULL-safe): frees what it holds and wipes the slot. */
void rp_sess_end(struct rp_session *s);
void rp_sess_fini(struct rp_sessions *t);

/* ---- cookies, HTML ------------------------------------------------------------------------- */

/* The value of cookie `name` in a Cookie header (RFC 6265 §4.2) into out (size n). Returns 0,
 * E_NOTFOUND (absent, or header NULL), E_INVALID (sent twice: a tossed cookie could shadow
 * ours, so neither is believed) or E_LIMIT (longer than n - 1). */
int rp_cookie_get(const char *header, const char *name, char *out, size_t n);

/* s with & < > " ' escaped for HTML text and attribute values, malloc'd; NULL on OOM. */
char *rp_html_escape(const char *s);

#endif
