/* Unit tests for chip.c's pure parts: ICAO 9303 check digits, the MRZ name form, registry match.
 * Passive authentication itself runs against real CMS in tests/e2e (suite level2_chip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "chip.h"

static void test_chip_check_digits_icao_examples(void **state)
{
	(void)state;
	/* ICAO Doc 9303 specimen: document L898902C3, born 740812, expires 120415 */
	assert_int_equal(chip_check_digit("L898902C3", 9), '6');
	assert_int_equal(chip_check_digit("740812", 6), '2');
	assert_int_equal(chip_check_digit("120415", 6), '9');
	assert_int_equal(chip_check_digit("<<<<<<", 6), '0');
	assert_int_equal(chip_check_digit("ab", 2), -1);
}

static void test_chip_mrz_name_strips_vietnamese_diacritics(void **state)
{
	char out[31];

	(void)state;
	chip_mrz_name("Nguyễn Văn An", out);
	assert_string_equal(out, "NGUYEN<<VAN<AN");
	chip_mrz_name("Đặng Thị Ước", out);
	assert_string_equal(out, "DANG<<THI<UOC");
	chip_mrz_name("  Hồ   Minh Sơn ", out);
	assert_string_equal(out, "HO<<MINH<SON");
	chip_mrz_name("Trương Nguyễn Hoàng Khánh Linh Phương Thảo", out); /* cut at 30 */
	assert_int_equal(strlen(out), 30);
	assert_string_equal(out, "TRUONG<<NGUYEN<HOANG<KHANH<LIN");
	chip_mrz_name("Lý", out);
	assert_string_equal(out, "LY");
}

static void test_chip_mrz_matches_registry(void **state)
{
	struct acct_reg reg = { .id = "001085012345", .name = "Nguyễn Văn An", .dob = "1985-03-14",
		                .sex = ACCT_MALE, .doc = "085012345" };
	struct chip_mrz m = { .doc = "085012345", .dob = "850314", .sex = 'M',
		              .name = "NGUYEN<<VAN<AN" };
	struct chip_mrz bad;

	(void)state;
	assert_true(chip_mrz_matches(&m, &reg));
	bad = m;
	strcpy(bad.doc, "085012346");
	assert_false(chip_mrz_matches(&bad, &reg));
	bad = m;
	strcpy(bad.dob, "850315");
	assert_false(chip_mrz_matches(&bad, &reg));
	bad = m;
	bad.sex = 'F';
	assert_false(chip_mrz_matches(&bad, &reg));
	bad = m;
	strcpy(bad.name, "NGUYEN<<VAN<ANH");
	assert_false(chip_mrz_matches(&bad, &reg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chip_check_digits_icao_examples),
		cmocka_unit_test(test_chip_mrz_name_strips_vietnamese_diacritics),
		cmocka_unit_test(test_chip_mrz_matches_registry),
	};
	return cmocka_run_group_tests_name("chip", tests, NULL, NULL);
}
