/* Unit tests for sec.c: base64url both ways (RFC 4648 §10 vectors), refusals, ct compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "sec.h"

static void test_sec_b64url_rfc4648_vectors(void **state)
{
	static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *out[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	char enc[32];
	uint8_t dec[32];

	(void)state;
	for (int i = 0; i < 7; i++) {
		assert_int_equal(sec_b64url_len(strlen(in[i])), strlen(out[i]));
		sec_b64url_encode(in[i], strlen(in[i]), enc);
		assert_string_equal(enc, out[i]);
		assert_int_equal(sec_b64url_decode(out[i], strlen(out[i]), dec), (long)strlen(in[i]));
		assert_memory_equal(dec, in[i], strlen(in[i]));
	}
}

static void test_sec_b64url_uses_url_alphabet(void **state)
{
	const uint8_t b[] = { 0xfb, 0xff, 0xbf };
	char enc[8];
	uint8_t dec[8];

	(void)state;
	sec_b64url_encode(b, 3, enc);
	assert_string_equal(enc, "-_-_");
	assert_int_equal(sec_b64url_decode("-_-_", 4, dec), 3);
	assert_memory_equal(dec, b, 3);
}

static void test_sec_b64url_refuses_padding_std_alphabet_and_bad_lengths(void **state)
{
	uint8_t dec[16];

	(void)state;
	assert_int_equal(sec_b64url_decode("Zg==", 4, dec), -1);
	assert_int_equal(sec_b64url_decode("+/+/", 4, dec), -1);
	assert_int_equal(sec_b64url_decode("Z", 1, dec), -1);
	assert_int_equal(sec_b64url_decode("Zm 9", 4, dec), -1);
	assert_int_equal(sec_b64url_decode("Zh", 2, dec), -1); /* non-canonical trailing bits */
}

static void test_sec_ct_eq(void **state)
{
	(void)state;
	assert_true(sec_ct_eq("abc", 3, "abc", 3));
	assert_false(sec_ct_eq("abc", 3, "abd", 3));
	assert_false(sec_ct_eq("abc", 3, "abcd", 4));
	assert_true(sec_ct_eq("", 0, "", 0));
}

static void test_sec_sha256_known_answer(void **state)
{
	uint8_t h[SEC_SHA256_LEN];
	char enc[64];

	(void)state;
	sec_sha256("abc", 3, h);
	sec_b64url_encode(h, sizeof(h), enc);
	assert_string_equal(enc, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

static void test_sec_random_differs(void **state)
{
	uint8_t a[16], b[16];

	(void)state;
	assert_int_equal(sec_random(a, sizeof(a)), 0);
	assert_int_equal(sec_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
}

static void test_sec_hmac256_rfc4231_case2(void **state)
{
	uint8_t m[SEC_SHA256_LEN];
	char enc[64];

	(void)state;
	/* RFC 4231 test case 2, message split in two parts */
	sec_hmac256((const uint8_t *)"Jefe", 4, "what do ya want ", 16, "for nothing?", 12, m);
	sec_b64url_encode(m, sizeof(m), enc);
	assert_string_equal(enc, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
}

static void test_sec_hmac256_long_key_and_matches_openssl(void **state)
{
	uint8_t key[131], m[SEC_SHA256_LEN], want[SEC_SHA256_LEN];
	char enc[64];
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	unsigned int wl = sizeof(want);

	(void)state;
	/* RFC 4231 test case 6: a key longer than the block is hashed first */
	memset(key, 0xaa, sizeof(key));
	sec_hmac256(key, sizeof(key), msg, strlen(msg), NULL, 0, m);
	sec_b64url_encode(m, sizeof(m), enc);
	assert_string_equal(enc, "YOQxWR7gtn8Niiaqy_W3f44LxiE3KMUUBUYEDw7jf1Q");
	/* every key length around the block size, against OpenSSL's own HMAC */
	for (size_t kl = 0; kl <= 70; kl++) {
		for (size_t i = 0; i < kl; i++)
			key[i] = (uint8_t)(i * 7 + kl);
		sec_hmac256(key, kl, "ab", 2, "cd", 2, m);
		HMAC(EVP_sha256(), key, (int)kl, (const uint8_t *)"abcd", 4, want, &wl);
		assert_memory_equal(m, want, sizeof(m));
	}
}

static void test_sec_random_pool_not_shared_across_fork(void **state)
{
	uint8_t first[16], mine[16], child[16];
	int fd[2], st;
	pid_t pid;

	(void)state;
	/* the pool is filled before the fork: the child must not serve the parent's next bytes */
	assert_int_equal(sec_random(first, sizeof(first)), 0);
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t b[16];

		close(fd[0]);
		_exit(sec_random(b, sizeof(b)) == 0 && write(fd[1], b, sizeof(b)) == (ssize_t)sizeof(b)
		              ? 0 : 1);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], child, sizeof(child)), (ssize_t)sizeof(child));
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(sec_random(mine, sizeof(mine)), 0);
	assert_memory_not_equal(mine, child, sizeof(mine));
	assert_memory_not_equal(mine, first, sizeof(mine));
	/* more than a pool's worth in small pieces, and one large request */
	for (int i = 0; i < 200; i++)
		assert_int_equal(sec_random(mine, sizeof(mine)), 0);
	{
		uint8_t big[4096] = { 0 }, zero[64] = { 0 };

		assert_int_equal(sec_random(big, sizeof(big)), 0);
		assert_memory_not_equal(big + 4032, zero, sizeof(zero));
	}
}

static void test_sec_random_digits_are_digits(void **state)
{
	char d[65];
	int seen[10] = { 0 };

	(void)state;
	for (int k = 0; k < 50; k++) {
		assert_int_equal(sec_random_digits(d, 64), 0);
		assert_int_equal(strlen(d), 64);
		for (int i = 0; i < 64; i++) {
			assert_true(d[i] >= '0' && d[i] <= '9');
			seen[d[i] - '0']++;
		}
	}
	for (int i = 0; i < 10; i++) /* 3200 digits: each far above 200 */
		assert_true(seen[i] > 200);
}

static void test_sec_aead_round_trip_and_refusals(void **state)
{
	uint8_t key[32], key2[32], sealed[64 + SEC_AEAD_OVERHEAD], out[64];
	const char *msg = "JBSWY3DPEHPK3PXP";
	size_t n = strlen(msg);

	(void)state;
	assert_int_equal(sec_random(key, sizeof(key)), 0);
	memcpy(key2, key, sizeof(key));
	key2[0] ^= 1;
	assert_int_equal(sec_aead_seal(key, "001085012345", 12, msg, n, sealed), 0);
	assert_int_equal(sec_aead_open(key, "001085012345", 12, sealed, n + SEC_AEAD_OVERHEAD, out), 0);
	assert_memory_equal(out, msg, n);
	/* another citizen's AAD, another key, a flipped bit, a truncated blob: all refused */
	assert_int_equal(sec_aead_open(key, "079191000001", 12, sealed, n + SEC_AEAD_OVERHEAD, out),
	                 E_CRYPTO);
	assert_int_equal(sec_aead_open(key2, "001085012345", 12, sealed, n + SEC_AEAD_OVERHEAD, out),
	                 E_CRYPTO);
	sealed[14] ^= 1;
	assert_int_equal(sec_aead_open(key, "001085012345", 12, sealed, n + SEC_AEAD_OVERHEAD, out),
	                 E_CRYPTO);
	assert_int_equal(sec_aead_open(key, "001085012345", 12, sealed, 10, out), E_CRYPTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sec_b64url_rfc4648_vectors),
		cmocka_unit_test(test_sec_b64url_uses_url_alphabet),
		cmocka_unit_test(test_sec_b64url_refuses_padding_std_alphabet_and_bad_lengths),
		cmocka_unit_test(test_sec_ct_eq),
		cmocka_unit_test(test_sec_sha256_known_answer),
		cmocka_unit_test(test_sec_random_differs),
		cmocka_unit_test(test_sec_hmac256_rfc4231_case2),
		cmocka_unit_test(test_sec_hmac256_long_key_and_matches_openssl),
		cmocka_unit_test(test_sec_random_pool_not_shared_across_fork),
		cmocka_unit_test(test_sec_random_digits_are_digits),
		cmocka_unit_test(test_sec_aead_round_trip_and_refusals),
	};
	return cmocka_run_group_tests_name("sec", tests, NULL, NULL);
}
