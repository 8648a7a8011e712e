/*
 * tok.h — the tokens authd issues and the JWTs it accepts from clients, as pure functions:
 * render and sign access tokens (RFC 9068, typ at+jwt) and ID tokens (OIDC Core §2), derive
 * pairwise subject identifiers, and verify private_key_jwt client assertions (RFC 7523 §3) with
 * the key and algorithm from the client's registration.
 *
 * Owns: claim sets, their JSON rendering, lifetimes as given. Does not own: signing keys (keys.c),
 * the JWS mechanics (jws.c), replay memory for assertion jti (Redis, ep_token.c), grants and their
 * state (ep_token.c / Redis).
 */
#ifndef AUTHD_TOK_H
#define AUTHD_TOK_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"
#include "keys.h"

struct client;

#define TOK_SUB_SIZE 44        /* base64url HMAC-SHA256 and a NUL */
#define TOK_JTI_BYTES 16
#define TOK_JTI_SIZE 23        /* base64url of 16 bytes and a NUL */
#define TOK_ASSERTION_MAX_LIFE 300 /* s: a client assertion must expire within 5 minutes */
#define TOK_SKEW 30            /* s: clock skew tolerated on iat/nbf/exp */
#define TOK_TIME_MAX 253402300799LL /* the largest NumericDate read (9999-12-31T23:59:59Z) */

/* An access token's claims. Strings are copied into the JSON escaped; NULL = claim absent. */
struct tok_access {
	const char *sub;        /* pairwise sub, or the client_id (client_credentials) */
	const char *client_id;
	const char *scope;      /* space-separated; NULL or "" = no scope claim */
	const char *jti;
	long long iat, exp;
	long long auth_time;    /* 0 = absent */
	const char *acr;
	const char *amr_json;   /* a JSON array, e.g. ["pwd","otp"], trusted (ours) */
	const char *sid;
};

/* Renders the claims {iss, sub, aud = client_id, client_id, iat, exp, jti, scope, ...} and signs
 * them with the active key of `alg` (header typ "at+jwt"). *out is arena memory. Returns 0,
 * E_NOTFOUND (no active key for alg), E_NOMEM, E_LIMIT or E_CRYPTO. */
int tok_access_sign(const struct keyset *ks, enum key_alg alg, const char *iss,
                    const struct tok_access *t, struct arena *a, char **out, size_t *outlen);

/* Verifies one of our own access tokens: a JWS by one of our keys with typ at+jwt, iss ours,
 * unexpired at `now`, with a jti (at most 128 bytes) and a client_id. 0 and the claims (a new
 * reference, the caller's), or E_INVALID (*out untouched). Revocation is the caller's to check. */
struct json_t;
int tok_access_verify(const struct keyset *ks, const char *iss, long long now, const char *tok,
                      struct json_t **out);
/* tok_access_verify remembers the tokens it verified (4096, per process, until each one's exp,
 * for the keyset it was verified with): this releases them (at exit, for leak checkers). */
void tok_cache_clear(void);

/* A logout token's claims (OIDC Back-Channel Logout 1.0 §2.4): never a nonce. */
struct tok_logout {
	const char *sub, *client_id, *sid, *jti; /* sub and/or sid; "" or NULL = absent */
	long long iat, exp;
};

/* Signs {iss, sub, aud = client_id, iat, exp, jti, sid, events: {backchannel-logout: {}}} with
 * the active key of `alg`, header typ "logout+jwt". Returns as tok_access_sign. */
int tok_logout_sign(const struct keyset *ks, enum key_alg alg, const char *iss,
                    const struct tok_logout *t, struct arena *a, char **out, size_t *outlen);

/* An ID token's claims (OIDC Core §2). NULL / 0 = claim absent. */
struct tok_id {
	const char *sub, *client_id, *nonce, *acr, *sid;
	const char *amr_json;   /* a JSON array, trusted (ours) */
	const char *access_token; /* for at_hash (OIDC Core §3.1.3.6), or NULL */
	long long iat, exp, auth_time;
};

/* Signs an ID token {iss, sub, aud = azp = client_id, exp, iat, auth_time, nonce, acr, amr,
 * at_hash, sid} with the active key of `alg` (header typ "JWT"). Returns as tok_access_sign. */
int tok_id_sign(const struct keyset *ks, enum key_alg alg, const char *iss, const struct tok_id *t,
                struct arena *a, char **out, size_t *outlen);

/* The pairwise subject of citizen `id` for a client sector: base64url(HMAC-SHA256(K, sector NUL
 * id)) where K = HMAC-SHA256(pepper, "authd pairwise sub v1"). Stable across restarts and
 * instances (the pepper is shared), different per sector, not reversible without the pepper. */
void tok_pairwise_sub(const uint8_t pepper[32], const char *sector, const char *id,
                      char out[TOK_SUB_SIZE]);

/* Verifies a client assertion (RFC 7523 §3, OIDC Core §9 private_key_jwt) from client c: the key
 * chosen by the header kid among the client's registered keys (the only key when there is no
 * kid), the algorithm from that key; iss == sub == client_id; aud is (or contains) one of `auds`
 * (naud strings: our issuer, the token endpoint, the endpoint called); exp in the future and at
 * most TOK_ASSERTION_MAX_LIFE s away; iat/nbf not in the future (TOK_SKEW); jti present (1..256
 * bytes). On success *jti_hash is the base64url SHA-256 of the jti (for the replay check) and *exp
 * the expiry. Returns 0, or E_INVALID / E_CRYPTO / E_LIMIT with one sentence in eb. */
int tok_assertion_verify(const struct client *c, const char *jwt, size_t len,
                         const char *const *auds, size_t naud, long long now,
                         char jti_hash[TOK_SUB_SIZE], long long *exp, struct errbuf *eb);

/* A JSON string literal of s (quotes included, RFC 8259 escapes) appended at *p within end.
 * Returns 0, or E_LIMIT when it does not fit (then *p is unspecified). */
int tok_json_str(char **p, const char *end, const char *s);

#endif
