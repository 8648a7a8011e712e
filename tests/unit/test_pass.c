/* Unit tests for pass.c: password and passcode policies; Argon2id with a pepper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pass.h"

static void pw_refused(const char *pw, const char *msg)
{
	struct errbuf eb = { 0 };

	assert_int_equal(pass_password_policy(pw, &eb), E_INVALID);
	if (strstr(eb.msg, msg) == NULL)
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", pw, eb.msg, msg);
}

static void pc_refused(const char *pc, const char *msg)
{
	struct errbuf eb = { 0 };

	assert_int_equal(pass_passcode_policy(pc, "1985-03-14", &eb), E_INVALID);
	if (strstr(eb.msg, msg) == NULL)
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", pc, eb.msg, msg);
}

static void test_pass_password_policy(void **state)
{
	struct errbuf eb = { 0 };

	(void)state;
	assert_int_equal(pass_password_policy("Matkhau#2026", &eb), 0);
	assert_int_equal(pass_password_policy("aB3$aB3$", &eb), 0);             /* 8 */
	assert_int_equal(pass_password_policy("aB3$aB3$aB3$aB3$aB3$", &eb), 0); /* 20 */
	pw_refused("aB3$aB3", "8 to 20");
	pw_refused("aB3$aB3$aB3$aB3$aB3$a", "8 to 20");
	pw_refused("matkhau#2026", "upper-case");
	pw_refused("MATKHAU#2026", "upper-case");
	pw_refused("Matkhau#abcd", "digit");
	pw_refused("Matkhau12026", "symbol");
	pw_refused("Mậtkhau#2026", "without accents");
	pw_refused("Matkhau#20\t6", "without accents");
}

static void test_pass_passcode_policy(void **state)
{
	struct errbuf eb = { 0 };

	(void)state;
	assert_int_equal(pass_passcode_policy("468213", "1985-03-14", &eb), 0);
	assert_int_equal(pass_passcode_policy("902417", NULL, &eb), 0);
	pc_refused("12345", "6 digits");
	pc_refused("1234567", "6 digits");
	pc_refused("12a456", "6 digits");
	pc_refused("000000", "too easy");
	pc_refused("999999", "too easy");
	pc_refused("123456", "too easy");
	pc_refused("654321", "too easy");
	pc_refused("345678", "too easy");
	pc_refused("121212", "too easy");
	pc_refused("123123", "too easy");
	pc_refused("140385", "birth date"); /* DDMMYY */
	pc_refused("031485", "birth date"); /* MMDDYY */
	pc_refused("850314", "birth date"); /* YYMMDD */
	pc_refused("198503", "birth date"); /* YYYYMM */
}

static const uint8_t PEPPER[32] = { 1, 2, 3 };
static const struct pass_params P = { 2, 19456, 1 };

static void test_pass_hash_verifies_and_refuses(void **state)
{
	char enc[PASS_ENCODED_MAX];
	uint8_t other[32] = { 9 };

	(void)state;
	assert_int_equal(pass_hash(&P, PEPPER, "Matkhau#2026", enc), 0);
	assert_true(strncmp(enc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	assert_int_equal(pass_verify(PEPPER, "Matkhau#2026", enc), 0);
	assert_int_equal(pass_verify(PEPPER, "Matkhau#2027", enc), E_CRYPTO);
	assert_int_equal(pass_verify(PEPPER, "", enc), E_CRYPTO);
	/* without the right pepper the hash is useless */
	assert_int_equal(pass_verify(other, "Matkhau#2026", enc), E_CRYPTO);
	assert_int_equal(pass_verify(PEPPER, "Matkhau#2026", "$argon2i$v=19$m=19456,t=2,p=1$x$y"),
	                 E_INVALID);
	assert_int_equal(pass_verify(PEPPER, "Matkhau#2026", "plain"), E_INVALID);
}

static void test_pass_hashes_are_salted(void **state)
{
	char a[PASS_ENCODED_MAX], b[PASS_ENCODED_MAX];

	(void)state;
	assert_int_equal(pass_hash(&P, PEPPER, "468213", a), 0);
	assert_int_equal(pass_hash(&P, PEPPER, "468213", b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(pass_verify(PEPPER, "468213", a), 0);
	assert_int_equal(pass_verify(PEPPER, "468213", b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_password_policy),
		cmocka_unit_test(test_pass_passcode_policy),
		cmocka_unit_test(test_pass_hash_verifies_and_refuses),
		cmocka_unit_test(test_pass_hashes_are_salted),
	};
	return cmocka_run_group_tests_name("pass", tests, NULL, NULL);
}
