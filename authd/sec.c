/* sec.c — see sec.h. */
#include "sec.h"

#include "err.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sec_random(void *buf, size_t n)
{
	if (n > (size_t)0x7fffffff || RAND_bytes(buf, (int)n) != 1)
		return E_CRYPTO;
	return 0;
}

void sec_sha256(const void *data, size_t n, uint8_t out[SEC_SHA256_LEN])
{
	SHA256(data, n, out);
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
