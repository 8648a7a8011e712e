/* Unit tests for addr.c: CIDR parsing and the client-address decision behind proxies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "addr.h"

static void test_addr_cidr_accepts_v4_v6_and_single_addresses(void **state)
{
	struct errbuf eb = { 0 };
	struct cidr c;

	(void)state;
	assert_int_equal(addr_cidr_parse("10.0.0.0/8", "p", &c, &eb), 0);
	assert_int_equal(c.bits, 8);
	assert_int_equal(addr_cidr_parse("192.168.1.5", "p", &c, &eb), 0);
	assert_int_equal(c.bits, 32);
	assert_int_equal(addr_cidr_parse("fd00::/8", "p", &c, &eb), 0);
	assert_int_equal(addr_cidr_parse("::1", "p", &c, &eb), 0);
	assert_int_equal(c.bits, 128);
	assert_int_equal(addr_cidr_parse("0.0.0.0/0", "p", &c, &eb), 0);
}

static void test_addr_cidr_refusals_name_the_entry(void **state)
{
	static const char *bad[] = { "", "10.0.0.0/33", "10.0.0.1/8", "10.0.0.0/", "10.0.0.0/x",
		                     "10.0.0.0/8x", "300.1.1.1", "host.example", "::1/129",
		                     "10.0.0.0/-1", NULL };
	struct errbuf eb = { 0 };
	struct cidr c;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		memset(eb.msg, 0, sizeof(eb.msg));
		assert_int_equal(addr_cidr_parse(bad[i], "trusted_proxies[3]", &c, &eb), E_INVALID);
		assert_non_null(strstr(eb.msg, "trusted_proxies[3]"));
	}
}

static void test_addr_in_matches_ranges_and_mapped_v4(void **state)
{
	struct errbuf eb = { 0 };
	struct cidr v[2];

	(void)state;
	assert_int_equal(addr_cidr_parse("10.0.0.0/8", "p", &v[0], &eb), 0);
	assert_int_equal(addr_cidr_parse("2001:db8::/32", "p", &v[1], &eb), 0);
	assert_true(addr_in("10.255.1.2", v, 2));
	assert_true(addr_in("::ffff:10.1.2.3", v, 2));
	assert_true(addr_in("2001:db8::7", v, 2));
	assert_false(addr_in("11.0.0.1", v, 2));
	assert_false(addr_in("2001:db9::1", v, 2));
	assert_false(addr_in("garbage", v, 2));
	assert_false(addr_in("10.0.0.1", v, 0));
}

static void test_addr_client_ip_ignores_xff_from_untrusted_peers(void **state)
{
	struct errbuf eb = { 0 };
	struct cidr proxy;
	char out[64];

	(void)state;
	assert_int_equal(addr_cidr_parse("127.0.0.1", "p", &proxy, &eb), 0);
	addr_client_ip("203.0.113.9", "10.1.1.1", &proxy, 1, out, sizeof(out));
	assert_string_equal(out, "203.0.113.9");
	addr_client_ip("127.0.0.1", NULL, &proxy, 1, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	addr_client_ip("127.0.0.1", "10.1.1.1", &proxy, 0, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
}

static void test_addr_client_ip_takes_rightmost_untrusted(void **state)
{
	struct errbuf eb = { 0 };
	struct cidr v[2];
	char out[64];

	(void)state;
	assert_int_equal(addr_cidr_parse("127.0.0.1", "p", &v[0], &eb), 0);
	assert_int_equal(addr_cidr_parse("10.0.0.0/8", "p", &v[1], &eb), 0);
	addr_client_ip("127.0.0.1", "198.51.100.7", v, 2, out, sizeof(out));
	assert_string_equal(out, "198.51.100.7");
	/* a spoofed left entry is ignored: the rightmost untrusted wins */
	addr_client_ip("127.0.0.1", "1.2.3.4, 198.51.100.7, 10.0.0.5", v, 2, out, sizeof(out));
	assert_string_equal(out, "198.51.100.7");
	/* malformed element: believe nobody beyond the peer */
	addr_client_ip("127.0.0.1", "junk", v, 2, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	addr_client_ip("127.0.0.1", "1.2.3.4,,", v, 2, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	addr_client_ip("127.0.0.1", " 2001:db8::1 ", v, 2, out, sizeof(out));
	assert_string_equal(out, "2001:db8::1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_cidr_accepts_v4_v6_and_single_addresses),
		cmocka_unit_test(test_addr_cidr_refusals_name_the_entry),
		cmocka_unit_test(test_addr_in_matches_ranges_and_mapped_v4),
		cmocka_unit_test(test_addr_client_ip_ignores_xff_from_untrusted_peers),
		cmocka_unit_test(test_addr_client_ip_takes_rightmost_untrusted),
	};
	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
