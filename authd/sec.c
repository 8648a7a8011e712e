/* sec.c — see sec.h. */
#include "sec.h"

#include "err.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Algorithms fetched once per process. OpenSSL 3's one-shot helpers (SHA256(), HMAC(),
 * EVP_sha256() handed to an init) look the algorithm up by name at every call: a fifth of a
 * token redemption's hashing time went to the look-ups (DESIGN §9 figures, tests/bench). */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;
static EVP_CIPHER *cipher_gcm;

static void fetch_algorithms(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	cipher_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	BUG_ON(md_sha256 == NULL || cipher_gcm == NULL, "OpenSSL has no SHA-256 or AES-256-GCM");
}

static const EVP_MD *sha256_md(void)
{
	pthread_once(&fetch_once, fetch_algorithms);
	return md_sha256;
}

static const EVP_CIPHER *gcm_cipher(void)
{
	pthread_once(&fetch_once, fetch_algorithms);
	return cipher_gcm;
}

/* Small requests (tokens, ids, nonces: at most SEC_POOL_TAKE bytes) are served from a per-thread
 * pool of RAND_bytes output, refilled SEC_POOL bytes at a time: each RAND_bytes call costs a
 * getpid system call and DRBG locking, several per token. Served bytes are wiped from the
 * pool. A forked child starts with an empty pool (pthread_atfork), so parent and child never
 * share bytes; the thread that forks is the only one the child has. */
#define SEC_POOL      1024
#define SEC_POOL_TAKE 64

static _Thread_local struct {
	uint8_t b[SEC_POOL];
	size_t left;            /* unserved bytes at the end of b */
} pool;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void pool_forget(void)
{
	sec_wipe(pool.b, sizeof(pool.b));
	pool.left = 0;
}

static void pool_atfork(void)
{
	BUG_ON(pthread_atfork(NULL, NULL, pool_forget) != 0, "pthread_atfork failed");
}

int sec_random(void *buf, size_t n)
{
	if (n > (size_t)0x7fffffff)
		return E_CRYPTO;
	if (n > SEC_POOL_TAKE)
		return RAND_bytes(buf, (int)n) == 1 ? 0 : E_CRYPTO;
	pthread_once(&atfork_once, pool_atfork);
	if (pool.left < n) {
		if (RAND_bytes(pool.b, SEC_POOL) != 1)
			return E_CRYPTO;
		pool.left = SEC_POOL;
	}
	pool.left -= n;
	memcpy(buf, pool.b + pool.left, n);
	sec_wipe(pool.b + pool.left, n);
	return 0;
}

void sec_sha256(const void *data, size_t n, uint8_t out[SEC_SHA256_LEN])
{
	unsigned int len = SEC_SHA256_LEN;

	BUG_ON(EVP_Digest(data, n, out, &len, sha256_md(), NULL) != 1, "SHA-256 failed");
}

size_t sec_b64url_len(size_t n)
{
	return (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

void sec_b64url_encode(const void *in, size_t n, char *out)
{
	const uint8_t *p = in;
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = B64URL[v >> 18 & 63];
		out[o++] = B64URL[v >> 12 & 63];
		out[o++] = B64URL[v >> 6 & 63];
		out[o++] = B64URL[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = B64URL[v >> 18 & 63];
		out[o++] = B64URL[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = B64URL[v >> 18 & 63];
		out[o++] = B64URL[v >> 12 & 63];
		out[o++] = B64URL[v >> 6 & 63];
	}
	out[o] = '\0';
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

long sec_b64url_decode(const char *in, size_t n, uint8_t *out)
{
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		int v = b64val((unsigned char)in[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Non-canonical encodings (leftover bits set) are refused: one value, one spelling. */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)o;
}

int sec_ct_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return 0;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

void sec_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

void sec_hmac256(const uint8_t *key, size_t keylen, const void *a, size_t alen, const void *b,
                 size_t blen, uint8_t out[SEC_SHA256_LEN])
{
	/* RFC 2104 over the fetched SHA-256: H((K ^ opad) || H((K ^ ipad) || a || b)), K zero-padded
	 * to the 64-byte block (hashed first when longer). Same bytes as OpenSSL's HMAC() (test_sec)
	 * without its per-call algorithm look-up. */
	uint8_t k[64] = { 0 }, pad[64], inner[SEC_SHA256_LEN];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	BUG_ON(c == NULL, "out of memory");
	if (keylen > sizeof(k))
		sec_sha256(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x36;
	ok = EVP_DigestInit_ex(c, sha256_md(), NULL) == 1 &&
	     EVP_DigestUpdate(c, pad, sizeof(pad)) == 1 && EVP_DigestUpdate(c, a, alen) == 1 &&
	     (blen == 0 || EVP_DigestUpdate(c, b, blen) == 1) &&
	     EVP_DigestFinal_ex(c, inner, NULL) == 1;
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x5c;
	ok = ok && EVP_DigestInit_ex(c, sha256_md(), NULL) == 1 &&
	     EVP_DigestUpdate(c, pad, sizeof(pad)) == 1 &&
	     EVP_DigestUpdate(c, inner, sizeof(inner)) == 1 && EVP_DigestFinal_ex(c, out, NULL) == 1;
	EVP_MD_CTX_free(c);
	sec_wipe(k, sizeof(k));
	sec_wipe(pad, sizeof(pad));
	sec_wipe(inner, sizeof(inner));
	BUG_ON(!ok, "HMAC-SHA256 failed");
}

int sec_random_digits(char *out, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t b[32];

		if (sec_random(b, sizeof(b)) != 0)
			return E_CRYPTO;
		for (size_t k = 0; k < sizeof(b) && i < n; k++)
			if (b[k] < 250) /* 250 = 25 * 10: no modulo bias */
				out[i++] = (char)('0' + b[k] % 10);
	}
	out[n] = '\0';
	return 0;
}

int sec_random_token(char *out, size_t nbytes)
{
	uint8_t b[64];

	if (nbytes > sizeof(b) || sec_random(b, nbytes) != 0)
		return E_CRYPTO;
	sec_b64url_encode(b, nbytes, out);
	return 0;
}

int sec_aead_seal(const uint8_t key[32], const void *aad, size_t aadlen, const void *in, size_t n,
                  uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len, ok;

	ok = c != NULL && sec_random(out, 12) == 0 &&
	     EVP_EncryptInit_ex(c, gcm_cipher(), NULL, key, out) == 1 &&
	     EVP_EncryptUpdate(c, NULL, &len, aad, (int)aadlen) == 1 &&
	     EVP_EncryptUpdate(c, out + 12, &len, in, (int)n) == 1 &&
	     EVP_EncryptFinal_ex(c, out + 12 + len, &len) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + 12 + n) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : E_CRYPTO;
}

int sec_aead_open(const uint8_t key[32], const void *aad, size_t aadlen, const uint8_t *in,
                  size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *c;
	int len, ok;

	if (n < SEC_AEAD_OVERHEAD || (c = EVP_CIPHER_CTX_new()) == NULL)
		return E_CRYPTO;
	ok = EVP_DecryptInit_ex(c, gcm_cipher(), NULL, key, in) == 1 &&
	     EVP_DecryptUpdate(c, NULL, &len, aad, (int)aadlen) == 1 &&
	     EVP_DecryptUpdate(c, out, &len, in + 12, (int)(n - SEC_AEAD_OVERHEAD)) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16,
	                         (void *)(in + n - 16)) == 1 &&
	     EVP_DecryptFinal_ex(c, out + len, &len) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		sec_wipe(out, n - SEC_AEAD_OVERHEAD);
	return ok ? 0 : E_CRYPTO;
}

void sec_base32_encode(const void *in, size_t n, char *out)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	const uint8_t *p = in;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = A[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = A[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}
