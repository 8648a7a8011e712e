/* Unit tests for tok.c: JSON string escaping, pairwise subjects, access-token claims, and the
 * client-assertion checks (each refusal its own test). */
#include <jansson.h>
#include <time.h>

#include "clients.h"
#include "jws.h"
#include "keys.h"
#include "tok.h"

#include "testutil.h"

static char dir[256];
static struct keyset *ks;
static struct client *bank; /* private_key_jwt with our own ES256 public key */
static struct arena A;
static char first[4096];
static const char *const AUDS[] = { "https://id.example.vn", "https://id.example.vn/token" };

static int setup(void **state)
{
	struct errbuf eb = { 0 };
	json_t *jwks, *reg;

	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "test_tok") == NULL || keys_generate(dir, &eb) != 0 ||
	    keys_load(dir, &ks, &eb) != 0)
		return -1;
	jwks = json_loads(ks->jwks, 0, NULL);
	reg = json_pack("{s:s, s:s, s:s, s:s, s:{s:[O]}, s:[s], s:[s]}", "client_id", "bank",
	                "client_name", "Bank", "scope", "openid",
	                "token_endpoint_auth_method", "private_key_jwt", "jwks", "keys",
	                json_array_get(json_object_get(jwks, "keys"), 0), "grant_types",
	                "authorization_code", "redirect_uris", "https://bank.example.vn/cb");
	json_decref(jwks);
	if (reg == NULL || clients_parse(reg, NULL, &bank, &eb) != 0) {
		fprintf(stderr, "setup: %s\n", eb.msg);
		json_decref(reg);
		return -1;
	}
	json_decref(reg);
	arena_init(&A, first, sizeof(first), 1 << 20);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_reset(&A);
	tok_cache_clear();
	client_free(bank);
	keys_free(ks);
	tu_rm_rf(dir);
	return 0;
}

static const char *sign_claims(const char *claims)
{
	char *out;
	size_t n;

	assert_int_equal(jws_sign(keys_active(ks, KEY_ES256), "JWT", claims, strlen(claims), &A,
	                          &out, &n),
	                 0);
	return out;
}

static int verify(const char *jwt, char *why, size_t whylen)
{
	struct errbuf eb = { 0 };
	char h[TOK_SUB_SIZE];
	long long exp;
	int r = tok_assertion_verify(bank, jwt, strlen(jwt), AUDS, 2, (long long)time(NULL), h,
	                             &exp, &eb);

	snprintf(why, whylen, "%s", eb.msg);
	return r;
}

static const char *claims_with(const char *extra_aud, long long exp_in, const char *more)
{
	long long now = (long long)time(NULL);

	return arena_printf(&A, "{\"iss\":\"bank\",\"sub\":\"bank\",\"aud\":%s,\"exp\":%lld%s}",
	                    extra_aud, now + exp_in, more);
}

static void test_tok_json_str_escapes(void **state)
{
	char buf[64], *p = buf;

	(void)state;
	assert_int_equal(tok_json_str(&p, buf + sizeof(buf), "a\"b\\c\n\x01"), 0);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\u000a\\u0001\"");
	p = buf;
	assert_int_equal(tok_json_str(&p, buf + 8, "0123456789"), E_LIMIT);
}

static void test_tok_pairwise_sub_is_stable_per_sector(void **state)
{
	uint8_t pepper[32] = { 1, 2, 3 };
	char a[TOK_SUB_SIZE], b[TOK_SUB_SIZE], c[TOK_SUB_SIZE];

	(void)state;
	tok_pairwise_sub(pepper, "thue.example.vn", "001085012345", a);
	tok_pairwise_sub(pepper, "thue.example.vn", "001085012345", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 43);
	tok_pairwise_sub(pepper, "bank.example.vn", "001085012345", c);
	assert_string_not_equal(a, c);
	/* the separator keeps ("ab", "c") apart from ("a", "bc") */
	tok_pairwise_sub(pepper, "ab", "c", b);
	tok_pairwise_sub(pepper, "a", "bc", c);
	assert_string_not_equal(b, c);
	assert_null(strstr(a, "001085012345"));
}

static void test_tok_access_token_claims(void **state)
{
	struct tok_access t = { .sub = "s\"ub", .client_id = "rp", .scope = "openid profile",
		                .jti = "j1", .iat = 1000, .exp = 1300, .auth_time = 990,
		                .acr = "urn:eid:level:1", .amr_json = "[\"pwd\",\"otp\"]" };
	struct errbuf eb = { 0 };
	json_t *c = NULL;
	char *at;
	size_t n;

	(void)state;
	assert_int_equal(tok_access_sign(ks, KEY_ES256, "https://id.example.vn", &t, &A, &at, &n), 0);
	assert_int_equal(jws_verify_keyset(ks, at, n, "at+jwt", &c, &eb), 0);
	assert_string_equal(json_string_value(json_object_get(c, "sub")), "s\"ub");
	assert_string_equal(json_string_value(json_object_get(c, "aud")), "rp");
	assert_string_equal(json_string_value(json_object_get(c, "scope")), "openid profile");
	assert_int_equal(json_integer_value(json_object_get(c, "exp")), 1300);
	assert_int_equal(json_array_size(json_object_get(c, "amr")), 2);
	assert_null(json_object_get(c, "sid"));
	json_decref(c);
	/* an ID-token verifier (typ JWT) must not accept it */
	assert_int_not_equal(jws_verify_keyset(ks, at, n, "JWT", &c, &eb), 0);
}

static void test_tok_access_verify_accepts_ours_and_refuses_the_rest(void **state)
{
	struct tok_access t = { .sub = "rp", .client_id = "rp", .jti = "j1", .iat = 1000,
		                .exp = 1300 };
	struct tok_id it = { .sub = "rp", .client_id = "rp", .iat = 1000, .exp = 1300 };
	json_t *c = NULL;
	char *at, *idt;
	size_t n;

	(void)state;
	assert_int_equal(tok_access_sign(ks, KEY_ES256, "https://id.example.vn", &t, &A, &at, &n), 0);
	assert_int_equal(tok_access_verify(ks, "https://id.example.vn", 1299, at, &c), 0);
	assert_string_equal(json_string_value(json_object_get(c, "client_id")), "rp");
	json_decref(c);
	c = NULL;
	/* expired (exp is not after now), another issuer, an ID token, garbage */
	assert_int_equal(tok_access_verify(ks, "https://id.example.vn", 1300, at, &c), E_INVALID);
	assert_int_equal(tok_access_verify(ks, "https://other.example.vn", 1000, at, &c), E_INVALID);
	assert_int_equal(tok_id_sign(ks, KEY_ES256, "https://id.example.vn", &it, &A, &idt, &n), 0);
	assert_int_equal(tok_access_verify(ks, "https://id.example.vn", 1000, idt, &c), E_INVALID);
	assert_int_equal(tok_access_verify(ks, "https://id.example.vn", 1000, "a.b.c", &c), E_INVALID);
	assert_null(c);
	/* no jti */
	t.jti = NULL;
	assert_int_equal(tok_access_sign(ks, KEY_ES256, "https://id.example.vn", &t, &A, &at, &n), 0);
	assert_int_equal(tok_access_verify(ks, "https://id.example.vn", 1000, at, &c), E_INVALID);
}

static void test_tok_logout_token_claims(void **state)
{
	struct tok_logout t = { .sub = "pairwise", .client_id = "rp", .sid = "s1", .jti = "j9",
		                .iat = 1000, .exp = 1120 };
	struct errbuf eb = { 0 };
	json_t *c = NULL;
	char *lt;
	size_t n;

	(void)state;
	assert_int_equal(tok_logout_sign(ks, KEY_ES256, "https://id.example.vn", &t, &A, &lt, &n), 0);
	/* typ logout+jwt: neither an ID token nor an access token verifier takes it */
	assert_int_not_equal(jws_verify_keyset(ks, lt, n, "JWT", &c, &eb), 0);
	assert_int_not_equal(jws_verify_keyset(ks, lt, n, "at+jwt", &c, &eb), 0);
	assert_int_equal(jws_verify_keyset(ks, lt, n, "logout+jwt", &c, &eb), 0);
	assert_string_equal(json_string_value(json_object_get(c, "iss")), "https://id.example.vn");
	assert_string_equal(json_string_value(json_object_get(c, "aud")), "rp");
	assert_string_equal(json_string_value(json_object_get(c, "sub")), "pairwise");
	assert_string_equal(json_string_value(json_object_get(c, "sid")), "s1");
	assert_string_equal(json_string_value(json_object_get(c, "jti")), "j9");
	assert_true(json_is_object(json_object_get(json_object_get(c, "events"),
	                                           "http://schemas.openid.net/event/backchannel-logout")));
	assert_null(json_object_get(c, "nonce"));
	json_decref(c);
}

static void test_tok_assertion_accepts_a_good_one(void **state)
{
	char why[512];
	const char *a = sign_claims(claims_with("\"https://id.example.vn/token\"", 60, ",\"jti\":\"x1\""));

	(void)state;
	assert_int_equal(verify(a, why, sizeof(why)), 0);
	a = sign_claims(claims_with("[\"other\",\"https://id.example.vn\"]", 60, ",\"jti\":\"x2\""));
	assert_int_equal(verify(a, why, sizeof(why)), 0);
}

static void test_tok_assertion_refuses_wrong_aud(void **state)
{
	char why[512];

	(void)state;
	assert_int_equal(verify(sign_claims(claims_with("\"https://evil.example\"", 60,
	                                                 ",\"jti\":\"x\"")),
	                        why, sizeof(why)),
	                 E_INVALID);
	assert_non_null(strstr(why, "aud"));
	assert_int_equal(verify(sign_claims(claims_with("[]", 60, ",\"jti\":\"x\"")), why,
	                        sizeof(why)),
	                 E_INVALID);
}

static void test_tok_assertion_refuses_bad_times(void **state)
{
	char why[512];

	(void)state;
	assert_int_equal(verify(sign_claims(claims_with("\"https://id.example.vn\"", -120,
	                                                 ",\"jti\":\"x\"")),
	                        why, sizeof(why)),
	                 E_INVALID);
	assert_non_null(strstr(why, "expired"));
	assert_int_equal(verify(sign_claims(claims_with("\"https://id.example.vn\"", 3600,
	                                                 ",\"jti\":\"x\"")),
	                        why, sizeof(why)),
	                 E_INVALID);
	assert_int_equal(verify(sign_claims(arena_printf(&A,
	                                                 "{\"iss\":\"bank\",\"sub\":\"bank\","
	                                                 "\"aud\":\"https://id.example.vn\","
	                                                 "\"jti\":\"x\"}")),
	                        why, sizeof(why)),
	                 E_INVALID);
	assert_non_null(strstr(why, "exp"));
	assert_int_equal(verify(sign_claims(claims_with("\"https://id.example.vn\"", 60,
	                                                 ",\"jti\":\"x\",\"nbf\":9999999999")),
	                        why, sizeof(why)),
	                 E_INVALID);
	/* found by fuzz_jwt: NumericDates that do not fit a long long (UB converting 1e300; exp +
	 * skew overflowing) are refused, not wrapped into the past */
	assert_int_equal(verify(sign_claims(claims_with("\"https://id.example.vn\"", 60,
	                                                 ",\"jti\":\"x\",\"nbf\":1e300")),
	                        why, sizeof(why)),
	                 E_INVALID);
	assert_non_null(strstr(why, "not valid yet"));
	assert_int_equal(verify(sign_claims("{\"iss\":\"bank\",\"sub\":\"bank\",\"aud\":"
	                                    "\"https://id.example.vn\",\"jti\":\"x\","
	                                    "\"exp\":9223372036854775807}"),
	                        why, sizeof(why)),
	                 E_INVALID);
	assert_non_null(strstr(why, "exp is required (a NumericDate)"));
	assert_int_equal(verify(sign_claims(claims_with("\"https://id.example.vn\"", 60,
	                                                 ",\"jti\":\"x\",\"iat\":-1.5e19")),
	                        why, sizeof(why)),
	                 E_INVALID);
	/* a real NumericDate in range is fine */
	assert_int_equal(verify(sign_claims(arena_printf(&A,
	                                                 "{\"iss\":\"bank\",\"sub\":\"bank\","
	                                                 "\"aud\":\"https://id.example.vn\","
	                                                 "\"jti\":\"x\",\"exp\":%lld.5}",
	                                                 (long long)time(NULL) + 60)),
	                        why, sizeof(why)),
	                 0);
}

static void test_tok_assertion_refuses_wrong_issuer_or_no_jti(void **state)
{
	char why[512];
	long long now = (long long)time(NULL);

	(void)state;
	assert_int_equal(verify(sign_claims(claims_with("\"https://id.example.vn\"", 60, "")), why,
	                        sizeof(why)),
	                 E_INVALID);
	assert_non_null(strstr(why, "jti"));
	assert_int_equal(verify(sign_claims(arena_printf(&A,
	                                                 "{\"iss\":\"other\",\"sub\":\"bank\","
	                                                 "\"aud\":\"https://id.example.vn\","
	                                                 "\"exp\":%lld,\"jti\":\"x\"}",
	                                                 now + 60)),
	                        why, sizeof(why)),
	                 E_INVALID);
}

static void test_tok_assertion_refuses_tampering(void **state)
{
	char why[512], *a;

	(void)state;
	a = arena_strdup(&A, sign_claims(claims_with("\"https://id.example.vn\"", 60,
	                                             ",\"jti\":\"x\"")));
	a[strlen(a) - 10] = a[strlen(a) - 10] == 'A' ? 'B' : 'A';
	assert_int_not_equal(verify(a, why, sizeof(why)), 0);
	assert_int_not_equal(verify("a.b", why, sizeof(why)), 0);
	assert_int_not_equal(verify("", why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tok_json_str_escapes),
		cmocka_unit_test(test_tok_pairwise_sub_is_stable_per_sector),
		cmocka_unit_test(test_tok_access_token_claims),
		cmocka_unit_test(test_tok_access_verify_accepts_ours_and_refuses_the_rest),
		cmocka_unit_test(test_tok_logout_token_claims),
		cmocka_unit_test(test_tok_assertion_accepts_a_good_one),
		cmocka_unit_test(test_tok_assertion_refuses_wrong_aud),
		cmocka_unit_test(test_tok_assertion_refuses_bad_times),
		cmocka_unit_test(test_tok_assertion_refuses_wrong_issuer_or_no_jti),
		cmocka_unit_test(test_tok_assertion_refuses_tampering),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
