/* Unit tests for html.c: everything from a request or a registration is escaped; the pages
 * carry the fields the forms need, in the language asked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "clients.h"
#include "html.h"

static struct arena A;
static char first[4096];

static void test_html_escapes(void **state)
{
	(void)state;
	assert_string_equal(html_esc(&A, "<a href=\"x\">'&'</a>"),
	                    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	assert_string_equal(html_esc(&A, NULL), "");
}

static void test_html_login_escapes_rp_name_and_prefill(void **state)
{
	struct html_login p = { .locale = "en", .tid = "t\"1", .csrf = "c<1",
		                .client_name = "<script>alert(1)</script>",
		                .id_number = "\"><b>", .msg = HTML_MSG_BAD_LOGIN };
	char *s;

	(void)state;
	s = html_login(&A, &p);
	assert_non_null(s);
	assert_null(strstr(s, "<script>"));
	assert_null(strstr(s, "\"><b>"));
	assert_non_null(strstr(s, "&lt;script&gt;"));
	assert_non_null(strstr(s, "name=\"tid\" value=\"t&quot;1\""));
	assert_non_null(strstr(s, "The ID number, password or code is wrong."));
	assert_non_null(strstr(s, "name=\"otp\""));
	assert_non_null(strstr(s, "lang=\"en\""));
	p.locale = "vi";
	p.msg = HTML_MSG_NONE;
	s = html_login(&A, &p);
	assert_non_null(strstr(s, "Số định danh cá nhân"));
	assert_null(strstr(s, "role=\"alert\""));
}

static void test_html_login_qr_block(void **state)
{
	struct html_login p = { .locale = "en", .tid = "t", .csrf = "c", .client_name = "RP",
		                .qid = "AbCdEfGhIjKlMnOpQrStUv", .nonce = "n0nce" };
	char *s;

	(void)state;
	s = html_login(&A, &p);
	assert_non_null(strstr(s, "src=\"/qr/image?qid=AbCdEfGhIjKlMnOpQrStUv\""));
	assert_non_null(strstr(s, "<script nonce=\"n0nce\">"));
	assert_non_null(strstr(s, "id=\"qrp\" hidden")); /* no payload text outside development */
	assert_non_null(strstr(s, "name=\"password\""));
	p.dev_payload = 1;
	p.qr_only = 1;
	s = html_login(&A, &p);
	assert_null(strstr(s, "id=\"qrp\" hidden"));
	assert_null(strstr(s, "name=\"password\"")); /* level 2: the app only */
	assert_non_null(strstr(s, "level-2 account"));
}

static void test_html_consent_lists_only_requested_claims(void **state)
{
	char *s;

	(void)state;
	s = html_consent(&A, "en", "t", "c", "Bank & Co", SCOPE_OPENID | SCOPE_PHONE);
	assert_non_null(s);
	assert_non_null(strstr(s, "Bank &amp; Co"));
	assert_non_null(strstr(s, "Phone number"));
	assert_null(strstr(s, "Personal ID number"));
	assert_null(strstr(s, "Name, date of birth"));
}

static void test_html_error_and_logout(void **state)
{
	char *s;

	(void)state;
	s = html_error(&A, "vi", "T", "<img src=x>");
	assert_null(strstr(s, "<img"));
	s = html_logout(&A, "en", 0, "k", "rp", "https://rp.example/?a=1&b=\"", NULL);
	assert_non_null(strstr(s, "value=\"https://rp.example/?a=1&amp;b=&quot;\""));
	assert_non_null(strstr(s, "action=\"/logout\""));
	s = html_logout(&A, "en", 1, NULL, NULL, NULL, NULL);
	assert_non_null(strstr(s, "Logged out"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escapes),
		cmocka_unit_test(test_html_login_escapes_rp_name_and_prefill),
		cmocka_unit_test(test_html_login_qr_block),
		cmocka_unit_test(test_html_consent_lists_only_requested_claims),
		cmocka_unit_test(test_html_error_and_logout),
	};
	int r;

	arena_init(&A, first, sizeof(first), 1 << 20);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	arena_reset(&A);
	return r;
}
