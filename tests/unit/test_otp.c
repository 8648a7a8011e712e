/* Unit tests for otp.c: RFC 4226 / RFC 6238 vectors, the window, single use, sealed seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "otp.h"
#include "sec.h"

static const uint8_t SEED[] = "12345678901234567890"; /* RFC 4226 Appendix D */
static const uint8_t KEY[32] = { 7 };

static void test_otp_hotp_rfc4226_vectors(void **state)
{
	static const char *const want[] = { "755224", "287082", "359152", "969429", "338314",
		                             "254676", "287922", "162583", "399871", "520489" };
	char out[7];

	(void)state;
	for (uint64_t i = 0; i < 10; i++) {
		otp_hotp(SEED, 20, i, out);
		assert_string_equal(out, want[i]);
	}
}

static char *sealed(void)
{
	static uint8_t buf[20 + SEC_AEAD_OVERHEAD];
	static char b64[80];

	assert_int_equal(sec_aead_seal(KEY, "totp:001085012345", 17, SEED, 20, buf), 0);
	sec_b64url_encode(buf, sizeof(buf), b64);
	return b64;
}

static void test_otp_totp_window_and_single_use(void **state)
{
	const char *s = sealed();
	long long now = 1111111109, at = now / 30, step = 0;
	char code[7];

	(void)state;
	otp_hotp(SEED, 20, (uint64_t)at, code);
	assert_int_equal(otp_totp_check(KEY, "001085012345", s, code, now, 0, &step), 0);
	assert_int_equal(step, at);
	/* the same code again: its step is not after the last accepted one */
	assert_int_equal(otp_totp_check(KEY, "001085012345", s, code, now, step, &step), E_CRYPTO);
	/* the previous step is accepted (clock drift), two steps back is not */
	otp_hotp(SEED, 20, (uint64_t)(at - 1), code);
	assert_int_equal(otp_totp_check(KEY, "001085012345", s, code, now, 0, &step), 0);
	otp_hotp(SEED, 20, (uint64_t)(at - 2), code);
	assert_int_equal(otp_totp_check(KEY, "001085012345", s, code, now, 0, &step), E_CRYPTO);
}

static void test_otp_totp_refuses_wrong_code_and_wrong_citizen(void **state)
{
	const char *s = sealed();
	long long step;

	(void)state;
	assert_int_equal(otp_totp_check(KEY, "001085012345", s, "12345", 59, 0, &step), E_CRYPTO);
	assert_int_equal(otp_totp_check(KEY, "001085012345", s, "12345a", 59, 0, &step), E_CRYPTO);
	/* the seed is bound to its citizen: another ID number cannot open it */
	assert_int_equal(otp_totp_check(KEY, "079191000001", s, "287082", 59, 0, &step), E_INVALID);
	assert_int_equal(otp_totp_check(KEY, "001085012345", "!!", "287082", 59, 0, &step),
	                 E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_otp_hotp_rfc4226_vectors),
		cmocka_unit_test(test_otp_totp_window_and_single_use),
		cmocka_unit_test(test_otp_totp_refuses_wrong_code_and_wrong_citizen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
