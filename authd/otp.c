/* otp.c — see otp.h. */
#include "otp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "sec.h"

#define SEED_MAX 64

void otp_hotp(const uint8_t *seed, size_t n, uint64_t step, char out[7])
{
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0, off;
	uint32_t v;

	for (int i = 7; i >= 0; i--, step >>= 8)
		msg[i] = (uint8_t)(step & 0xff);
	HMAC(EVP_sha1(), seed, (int)n, msg, sizeof(msg), mac, &maclen);
	off = mac[maclen - 1] & 15;
	v = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	    ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	snprintf(out, 7, "%06u", v % 1000000u);
	sec_wipe(mac, sizeof(mac));
}

int otp_totp_check(const uint8_t data_key[32], const char *id, const char *sealed_b64,
                   const char *code, long long now, long long last_step, long long *step)
{
	uint8_t sealed[SEED_MAX + SEC_AEAD_OVERHEAD + 4], seed[SEED_MAX];
	char aad[64], want[7];
	size_t n = strlen(sealed_b64);
	long len;
	int r = E_CRYPTO, found = 0;
	long long at = now / OTP_STEP, hit = 0;

	if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return E_CRYPTO;
	if (n > sec_b64url_len(SEED_MAX + SEC_AEAD_OVERHEAD) ||
	    (len = sec_b64url_decode(sealed_b64, n, sealed)) <= SEC_AEAD_OVERHEAD)
		return E_INVALID;
	snprintf(aad, sizeof(aad), "totp:%s", id);
	if (sec_aead_open(data_key, aad, strlen(aad), sealed, (size_t)len, seed) != 0)
		return E_INVALID;
	/* every step in the window is computed and compared, found or not */
	for (long long s = at - OTP_WINDOW; s <= at + OTP_WINDOW; s++) {
		otp_hotp(seed, (size_t)len - SEC_AEAD_OVERHEAD, (uint64_t)s, want);
		if (sec_ct_eq(want, 6, code, 6) && s > last_step && !found) {
			found = 1;
			hit = s;
		}
	}
	sec_wipe(seed, sizeof(seed));
	sec_wipe(want, sizeof(want));
	if (found) {
		*step = hit;
		r = 0;
	}
	return r;
}
