/*
 * sec.h — small cryptographic helpers: random bytes and tokens, SHA-256, base64url, constant-time
 * comparison and wiping. Thin wrappers over OpenSSL so callers never spell memcmp on a secret.
 *
 * Does not own keys or signatures (keys.c, jws.c).
 */
#ifndef AUTHD_SEC_H
#define AUTHD_SEC_H

#include <stddef.h>
#include <stdint.h>

#define SEC_SHA256_LEN 32

/* RAND_bytes; 0 or E_CRYPTO. */
int sec_random(void *buf, size_t n);

void sec_sha256(const void *data, size_t n, uint8_t out[SEC_SHA256_LEN]);

/* base64url without padding. sec_b64url_len(n) is the encoded length (without NUL). */
size_t sec_b64url_len(size_t n);
/* Writes sec_b64url_len(n) chars and a NUL into out (out has room for len + 1). */
void sec_b64url_encode(const void *in, size_t n, char *out);
/* Decodes `n` chars of base64url (no padding, no whitespace) into out (room for n*3/4 + 1).
 * Returns the decoded length, or -1 on any character outside the alphabet or a bad length. */
long sec_b64url_decode(const char *in, size_t n, uint8_t *out);

/* 1 if equal, 0 otherwise; time depends only on the lengths. */
int sec_ct_eq(const void *a, size_t alen, const void *b, size_t blen);

void sec_wipe(void *p, size_t n);

/* RFC 4648 base32 without padding (what authenticator apps take as a TOTP secret). out has
 * room for (n * 8 + 4) / 5 + 1 bytes. */
void sec_base32_encode(const void *in, size_t n, char *out);

/* HMAC-SHA256 over the concatenation of two byte strings (b may be NULL/0). */
void sec_hmac256(const uint8_t *key, size_t keylen, const void *a, size_t alen, const void *b,
                 size_t blen, uint8_t out[SEC_SHA256_LEN]);

/* `n` random decimal digits, uniformly distributed (rejection sampling), NUL-terminated in out
 * (room for n + 1). 0 or E_CRYPTO. */
int sec_random_digits(char *out, size_t n);

/* A random token: `nbytes` random bytes as base64url in out (room for sec_b64url_len + 1). */
int sec_random_token(char *out, size_t nbytes);

/* AES-256-GCM with a random 96-bit nonce. Sealed form: nonce(12) || ciphertext || tag(16).
 * `aad` binds the ciphertext to its context (e.g. the ID number it belongs to).
 * sec_aead_seal writes n + SEC_AEAD_OVERHEAD bytes; sec_aead_open writes n - overhead bytes and
 * returns 0, or E_CRYPTO when the tag does not verify (nothing useful written). */
#define SEC_AEAD_OVERHEAD 28
int sec_aead_seal(const uint8_t key[32], const void *aad, size_t aadlen, const void *in, size_t n,
                  uint8_t *out);
int sec_aead_open(const uint8_t key[32], const void *aad, size_t aadlen, const uint8_t *in,
                  size_t n, uint8_t *out);

#endif
