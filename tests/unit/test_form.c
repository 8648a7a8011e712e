/* Unit tests for form.c: strict application/x-www-form-urlencoded parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "form.h"

static struct arena A;
static char first[4096];

static int parse(const char *s, struct form *f)
{
	struct errbuf eb = { 0 };

	arena_reset(&A);
	arena_init(&A, first, sizeof(first), 1 << 20);
	return form_parse(&A, s, strlen(s), f, &eb);
}

static void test_form_decodes_plus_and_percent(void **state)
{
	struct form f;

	(void)state;
	assert_int_equal(parse("grant_type=authorization_code&redirect_uri=https%3A%2F%2Frp.example"
	                       "%2Fcb&scope=openid+profile&x=%e1%BA%A1",
	                       &f),
	                 0);
	assert_int_equal(f.n, 4);
	assert_string_equal(form_get(&f, "grant_type"), "authorization_code");
	assert_string_equal(form_get(&f, "redirect_uri"), "https://rp.example/cb");
	assert_string_equal(form_get(&f, "scope"), "openid profile");
	assert_string_equal(form_get(&f, "x"), "\xe1\xba\xa1");
	assert_null(form_get(&f, "nope"));
}

static void test_form_empty_value_counts_as_absent(void **state)
{
	struct form f;

	(void)state;
	assert_int_equal(parse("state=&nonce&&code=abc&", &f), 0);
	assert_null(form_get(&f, "state"));
	assert_null(form_get(&f, "nonce"));
	assert_string_equal(form_get(&f, "code"), "abc");
	assert_int_equal(parse("", &f), 0);
	assert_int_equal(f.n, 0);
}

static void test_form_refuses_repeated_parameter(void **state)
{
	struct form f;

	(void)state;
	assert_int_equal(parse("code=a&code=b", &f), E_INVALID);
	/* the same name spelled with an escape is the same parameter */
	assert_int_equal(parse("code=a&c%6Fde=b", &f), E_INVALID);
	assert_int_equal(parse("code=&code=b", &f), E_INVALID);
}

static void test_form_refuses_bad_encoding_and_controls(void **state)
{
	struct form f;

	(void)state;
	assert_int_equal(parse("a=%zz", &f), E_INVALID);
	assert_int_equal(parse("a=%4", &f), E_INVALID);
	assert_int_equal(parse("a=%", &f), E_INVALID);
	assert_int_equal(parse("a=x%00y", &f), E_INVALID);
	assert_int_equal(parse("a=x%0d%0aSet-Cookie:1", &f), E_INVALID);
	assert_int_equal(parse("a=%7f", &f), E_INVALID);
}

/* Found by fuzz_form: a form larger than the request's memory read as "malformed" (400); the
 * caller answers E_NOMEM with 500 (http.c form_set). */
static void test_form_out_of_memory_is_not_malformed(void **state)
{
	static char small[64];
	struct arena a;
	struct form f;
	struct errbuf eb = { 0 };
	char big[40000];

	(void)state;
	memset(big, 'x', sizeof(big));
	memcpy(big, "a=", 2);
	arena_init(&a, small, sizeof(small), 32 * 1024);
	assert_int_equal(form_parse(&a, big, sizeof(big), &f, &eb), E_NOMEM);
	arena_reset(&a);
	arena_init(&a, small, sizeof(small), 32 * 1024);
	assert_int_equal(form_parse(&a, "a=%zz", 5, &f, &eb), E_INVALID);
	arena_reset(&a);
}

static void test_form_limits_parameter_count(void **state)
{
	char buf[FORM_MAX_PARAMS * 8 + 16], *p = buf;
	struct form f;

	(void)state;
	for (int i = 0; i <= FORM_MAX_PARAMS; i++)
		p += sprintf(p, "p%d=1&", i);
	assert_int_equal(parse(buf, &f), E_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_decodes_plus_and_percent),
		cmocka_unit_test(test_form_empty_value_counts_as_absent),
		cmocka_unit_test(test_form_refuses_repeated_parameter),
		cmocka_unit_test(test_form_refuses_bad_encoding_and_controls),
		cmocka_unit_test(test_form_limits_parameter_count),
		cmocka_unit_test(test_form_out_of_memory_is_not_malformed),
	};

	arena_init(&A, first, sizeof(first), 1 << 20);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
