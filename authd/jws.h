/*
 * jws.h — compact JWS (RFC 7515) signing and verification with OpenSSL EVP on keys parsed once
 * (keys.c), for ES256 and RS256. ECDSA signatures travel as raw r||s (64 bytes for P-256, RFC 7518
 * §3.4); EVP speaks DER: this module converts both ways.
 *
 * Verification takes the algorithm from the KEY (our keyset, or a client's registration), never
 * from the token: the header's "alg" must equal it exactly, so "none", HS* (HMAC keyed with a
 * public key) and any other alg are refused. "crit" is refused (we understand no extension).
 *
 * Does not own: claims (exp, aud, iss, jti replay — tok.c), choosing a client's key (clients.c),
 * keys (keys.c). Does not use libjwt.
 *
 * Threads: jws_sign with an ES256 key reuses that key's signing context, so one keyset signs
 * ES256 from one thread at a time (the worker's loop). RS256 signing and all verification keep
 * no shared state and may run on workq threads.
 */
#ifndef AUTHD_JWS_H
#define AUTHD_JWS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>

#include "arena.h"
#include "err.h"
#include "keys.h"

/* Signs `len` bytes of payload (the caller's JSON, not checked) with header
 * {"alg":<k's alg>,"typ":typ,"kid":<k's kid>}. *out is the NUL-terminated compact JWS in arena
 * memory (lives until arena_reset), *outlen its length. Returns 0, E_INVALID (typ not 1..LIM_JWS_TYP
 * characters of [A-Za-z0-9+-./]), E_LIMIT (the JWS would be longer than LIM_JWS: we never issue a
 * token our own verifier refuses), E_NOMEM (arena full) or E_CRYPTO. */
int jws_sign(const struct key *k, const char *typ, const char *payload, size_t len,
             struct arena *a, char **out, size_t *outlen);

/* Verifies `len` bytes of compact JWS (no NUL needed) with pub for alg. `kid`: if not NULL and
 * the header carries a "kid", they must be equal (a header without kid is accepted: the caller
 * chose the key). `typ`: if not NULL, the header "typ" must be present and equal it (RFC 7515
 * §4.1.9: case-insensitive, "application/" optional), so one kind of token cannot pass for
 * another (RFC 8725 §3.11). On success *payload is a new reference to the payload, a JSON object
 * (the caller decrefs); it is set only when the signature verifies. Returns 0, or with one sentence
 * in eb: E_LIMIT (longer than LIM_JWS), E_INVALID (malformed: not three base64url parts, header
 * or payload not a JSON object or with duplicate members, alg other than the key's, kid or typ
 * mismatch, crit, pub unfit for alg, signature of the wrong length), E_CRYPTO (the signature
 * does not verify). */
int jws_verify(const char *compact, size_t len, EVP_PKEY *pub, enum key_alg alg, const char *kid,
               const char *typ, json_t **payload, struct errbuf *eb);

/* Verifies a token we signed: the header "kid" (required) chooses the key among ks (active, next
 * or retired) and that key's alg decides; then as jws_verify. E_NOTFOUND when no key has that
 * kid, otherwise as jws_verify. */
int jws_verify_keyset(const struct keyset *ks, const char *compact, size_t len, const char *typ,
                      json_t **payload, struct errbuf *eb);

/* The header "kid" of an UNVERIFIED token, to choose among a client's keys before jws_verify.
 * Returns 0 and kid, E_NOTFOUND when the header has none, E_LIMIT / E_INVALID (malformed, or a
 * kid longer than LIM_KID) with eb set. */
int jws_kid(const char *compact, size_t len, char kid[KEYS_KID_SIZE], struct errbuf *eb);

#endif
