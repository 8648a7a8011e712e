/* Unit tests for accounts.c: ID numbers against date of birth and sex, phone numbers, registry
 * CSV rows, and name matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "accounts.h"

static void refused_id(const char *id, const char *dob, enum acct_sex sex, const char *msg)
{
	struct errbuf eb = { 0 };

	assert_int_equal(acct_id_check(id, dob, sex, &eb), E_INVALID);
	if (strstr(eb.msg, msg) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", eb.msg, msg);
}

static void test_accounts_id_accepts_consistent_numbers(void **state)
{
	struct errbuf eb = { 0 };

	(void)state;
	assert_int_equal(acct_id_check("001085012345", "1985-03-14", ACCT_MALE, &eb), 0);
	assert_int_equal(acct_id_check("079191000001", "1991-12-31", ACCT_FEMALE, &eb), 0);
	assert_int_equal(acct_id_check("096203999999", "2003-02-28", ACCT_MALE, &eb), 0);
	assert_int_equal(acct_id_check("048300000007", "2000-02-29", ACCT_FEMALE, &eb), 0);
}

static void test_accounts_id_refusals_say_why(void **state)
{
	(void)state;
	refused_id("00108501234", "1985-03-14", ACCT_MALE, "12 digits");
	refused_id("0010850123456", "1985-03-14", ACCT_MALE, "12 digits");
	refused_id("00108501234a", "1985-03-14", ACCT_MALE, "12 digits");
	refused_id("003085012345", "1985-03-14", ACCT_MALE, "003 is not a province code");
	refused_id("000085012345", "1985-03-14", ACCT_MALE, "000 is not a province code");
	refused_id("001285012345", "1985-03-14", ACCT_MALE, "century digit 2");
	refused_id("001185012345", "1985-03-14", ACCT_MALE, "sex digit 1 says female");
	refused_id("001086012345", "1985-03-14", ACCT_MALE, "birth year digits 86");
	refused_id("001085012345", "1985-02-30", ACCT_MALE, "date_of_birth");
	refused_id("001085012345", "14/03/1985", ACCT_MALE, "date_of_birth");
	refused_id("001385012345", "2385-01-01", ACCT_FEMALE, "in the future");
}

static void test_accounts_dob_calendar(void **state)
{
	int y, m, d;

	(void)state;
	assert_int_equal(acct_dob_parse("2000-02-29", &y, &m, &d), 0);
	assert_int_equal(acct_dob_parse("1900-02-29", &y, &m, &d), E_INVALID);
	assert_int_equal(acct_dob_parse("2023-04-31", &y, &m, &d), E_INVALID);
	assert_int_equal(acct_dob_parse("1899-12-31", &y, &m, &d), E_INVALID);
	assert_int_equal(acct_dob_parse("2023-4-1", &y, &m, &d), E_INVALID);
	assert_int_equal(acct_dob_parse("2023-04-01x", &y, &m, &d), E_INVALID);
}

static void test_accounts_phone_normalised(void **state)
{
	char out[ACCT_PHONE_MAX + 1];

	(void)state;
	assert_int_equal(acct_phone_normalize("0912345678", out), 0);
	assert_string_equal(out, "+84912345678");
	assert_int_equal(acct_phone_normalize("+84 912 345 678", out), 0);
	assert_string_equal(out, "+84912345678");
	assert_int_equal(acct_phone_normalize("84912345678", out), 0);
	assert_string_equal(out, "+84912345678");
	assert_int_equal(acct_phone_normalize("0312-345-678", out), 0);
	assert_int_equal(acct_phone_normalize("091234567", out), E_INVALID);   /* short */
	assert_int_equal(acct_phone_normalize("09123456789", out), E_INVALID); /* long */
	assert_int_equal(acct_phone_normalize("0212345678", out), E_INVALID);  /* landline */
	assert_int_equal(acct_phone_normalize("+33612345678", out), E_INVALID);
	assert_int_equal(acct_phone_normalize("09123a5678", out), E_INVALID);
	assert_int_equal(acct_phone_normalize("", out), E_INVALID);
}

static void test_accounts_csv_row_parsed(void **state)
{
	struct errbuf eb = { 0 };
	struct acct_reg r;

	(void)state;
	assert_true(acct_csv_header_ok(
		"id_number,full_name,date_of_birth,sex,residence,phone,document_number"));
	assert_true(acct_csv_header_ok(
		"\xEF\xBB\xBFid_number,full_name,date_of_birth,sex,residence,phone,document_number"));
	assert_false(acct_csv_header_ok("id,name"));
	assert_int_equal(acct_reg_parse_csv("001085012345,Nguyễn Văn An,1985-03-14,M,\"12 Phố Huế, "
	                                    "Hai Bà Trưng, Hà Nội\",0912345678,001085012345",
	                                    &r, &eb),
	                 0);
	assert_string_equal(r.id, "001085012345");
	assert_string_equal(r.name, "Nguyễn Văn An");
	assert_string_equal(r.residence, "12 Phố Huế, Hai Bà Trưng, Hà Nội");
	assert_string_equal(r.phone, "+84912345678");
	assert_int_equal(r.sex, ACCT_MALE);
	assert_int_equal(acct_reg_parse_csv("001085012345,\"Trần \"\"Bé\"\" An\",1985-03-14,M,Hà "
	                                    "Nội,0912345678,D1",
	                                    &r, &eb),
	                 0);
	assert_string_equal(r.name, "Trần \"Bé\" An");
}

static void refused_row(const char *line, const char *msg)
{
	struct errbuf eb = { 0 };
	struct acct_reg r;

	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(acct_reg_parse_csv(line, &r, &eb), E_INVALID);
	assert_int_equal(r.id[0], 0x5a); /* out untouched */
	if (strstr(eb.msg, msg) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", eb.msg, msg);
}

static void test_accounts_csv_row_refusals(void **state)
{
	(void)state;
	refused_row("001085012345,An,1985-03-14,M,HN,0912345678", "expected 7 fields, got 6");
	refused_row("001085012345,An,1985-03-14,M,HN,0912345678,D1,extra", "more than 7");
	refused_row("001085012345,,1985-03-14,M,HN,0912345678,D1", "full_name: empty");
	refused_row("001085012345,An,1985-03-14,X,HN,0912345678,D1", "sex: must be M or F");
	refused_row("001085012345,An,1985-03-14,F,HN,0912345678,D1", "sex digit 0 says male");
	refused_row("001085012345,An,1985-03-14,M,HN,12345,D1", "phone");
	refused_row("001085012345,\"An,1985-03-14,M,HN,0912345678,D1", "full_name: malformed");
	refused_row("001085012345,A\"n,1985-03-14,M,HN,0912345678,D1", "full_name: malformed");
	refused_row("001085012345,A\x01n,1985-03-14,M,HN,0912345678,D1", "not printable");
	refused_row("001085012345,A\xC3n,1985-03-14,M,HN,0912345678,D1", "not printable");
	/* found by fuzz_registry: UTF-8 that jansson refuses made userinfo drop the claim */
	refused_row("001085012345,A\xE0\x80\x80n,1985-03-14,M,HN,0912345678,D1", "not printable");
	refused_row("001085012345,A\xED\xA0\x80n,1985-03-14,M,HN,0912345678,D1", "not printable");
	refused_row("001085012345,A\xF4\x90\x80\x80,1985-03-14,M,HN,0912345678,D1", "not printable");
	refused_row("001085012345,A\xF7\xBF\xBF\xBF,1985-03-14,M,HN,0912345678,D1", "not printable");
	refused_row("001085012345,An,1985-03-14,M,H\xF0\x80\x80\x80,0912345678,D1", "not printable");
	refused_row("001085012345,An,1985-03-14,M,HN,0912345678,DOC-NUMBER-TOO-LONG",
	            "document_number");
}

static void test_accounts_name_match(void **state)
{
	(void)state;
	assert_true(acct_name_eq("Nguyễn Văn An", "Nguyễn Văn An"));
	assert_true(acct_name_eq("NGUYỄN VĂN AN", "Nguyễn Văn An"));
	assert_true(acct_name_eq("  Nguyễn   Văn An ", "Nguyễn Văn An"));
	assert_true(acct_name_eq("ĐẶNG THỊ ƯỚC", "Đặng Thị Ước"));
	assert_false(acct_name_eq("Nguyen Van An", "Nguyễn Văn An")); /* diacritics count */
	assert_false(acct_name_eq("Nguyễn Văn", "Nguyễn Văn An"));
	assert_false(acct_name_eq("NguyễnVăn An", "Nguyễn Văn An"));
	assert_false(acct_name_eq("", "An"));
}

static const struct acct_reg REG = { .id = "001085012345", .name = "Nguyễn Văn An",
	                              .dob = "1985-03-14", .phone = "+84912345678" };

static void test_accounts_activation_ok_when_all_details_match(void **state)
{
	struct acct_claim c = { "001085012345", "+84912345678", "NGUYỄN VĂN AN", "1985-03-14" };

	(void)state;
	assert_int_equal(acct_activation_decide(&c, &REG, "", 0, 5), ACT_OK);
	assert_int_equal(acct_activation_decide(&c, &REG, "", 4, 5), ACT_OK);
}

static void test_accounts_activation_any_difference_is_one_mismatch(void **state)
{
	struct acct_claim phone = { "001085012345", "+84912345679", "Nguyễn Văn An", "1985-03-14" };
	struct acct_claim name = { "001085012345", "+84912345678", "Nguyễn Văn Ân", "1985-03-14" };
	struct acct_claim dob = { "001085012345", "+84912345678", "Nguyễn Văn An", "1985-03-15" };

	(void)state;
	assert_int_equal(acct_activation_decide(&phone, &REG, "", 0, 5), ACT_MISMATCH);
	assert_int_equal(acct_activation_decide(&name, &REG, "", 0, 5), ACT_MISMATCH);
	assert_int_equal(acct_activation_decide(&dob, &REG, "", 0, 5), ACT_MISMATCH);
	assert_int_equal(acct_activation_decide(&dob, NULL, "", 0, 5), ACT_MISMATCH);
	/* a mismatch does not reveal that an account exists */
	assert_int_equal(acct_activation_decide(&dob, &REG, "active", 0, 5), ACT_MISMATCH);
}

static void test_accounts_activation_limit_comes_first(void **state)
{
	struct acct_claim c = { "001085012345", "+84912345678", "Nguyễn Văn An", "1985-03-14" };

	(void)state;
	assert_int_equal(acct_activation_decide(&c, &REG, "", 5, 5), ACT_LIMITED);
	assert_int_equal(acct_activation_decide(&c, NULL, "active", 9, 5), ACT_LIMITED);
}

static void test_accounts_activation_existing_account(void **state)
{
	struct acct_claim c = { "001085012345", "+84912345678", "Nguyễn Văn An", "1985-03-14" };

	(void)state;
	assert_int_equal(acct_activation_decide(&c, &REG, "active", 0, 5), ACT_EXISTS);
}

static void test_accounts_masks_hide_what_logs_must_not_show(void **state)
{
	char id[ACCT_ID_LEN + 1], ph[ACCT_PHONE_MAX + 1];

	(void)state;
	acct_id_mask("001085012345", id);
	assert_string_equal(id, "001085******");
	acct_phone_mask("+84912345678", ph);
	assert_string_equal(ph, "+84*****5678");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounts_id_accepts_consistent_numbers),
		cmocka_unit_test(test_accounts_id_refusals_say_why),
		cmocka_unit_test(test_accounts_dob_calendar),
		cmocka_unit_test(test_accounts_phone_normalised),
		cmocka_unit_test(test_accounts_csv_row_parsed),
		cmocka_unit_test(test_accounts_csv_row_refusals),
		cmocka_unit_test(test_accounts_name_match),
		cmocka_unit_test(test_accounts_activation_ok_when_all_details_match),
		cmocka_unit_test(test_accounts_activation_any_difference_is_one_mismatch),
		cmocka_unit_test(test_accounts_activation_limit_comes_first),
		cmocka_unit_test(test_accounts_activation_existing_account),
		cmocka_unit_test(test_accounts_masks_hide_what_logs_must_not_show),
	};
	return cmocka_run_group_tests_name("accounts", tests, NULL, NULL);
}
