/* Unit tests for qr.c: the animated payload (format, freshness, tampering) and the SVG image,
 * which must decode back to the payload with an independent reader (zbarimg, after rsvg-convert
 * rasterizes it) when those tools are installed (tools/deps.sh installs them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qr.h"

static const uint8_t SECRET[QR_SECRET_LEN] = { 1, 2, 3, 4, 5 };
static const char QID[] = "AbCdEfGhIjKlMnOpQrStUv";
static struct arena A;
static char first[4096];

static void test_qr_payload_format_and_parse(void **state)
{
	char p[QR_PAYLOAD_MAX], qid[QR_ID_LEN + 1];
	long long t = -1;

	(void)state;
	qr_payload(SECRET, QID, 17, p);
	assert_int_equal(strncmp(p, "EID1.AbCdEfGhIjKlMnOpQrStUv.17.", 31), 0);
	assert_int_equal(strlen(p), 31 + QR_CODE_LEN);
	assert_int_equal(qr_parse(p, qid, &t), 0);
	assert_string_equal(qid, QID);
	assert_int_equal(t, 17);
	assert_int_equal(qr_parse("EID1.short.1.abcdefghijk", qid, &t), -1);
	assert_int_equal(qr_parse("EID2.AbCdEfGhIjKlMnOpQrStUv.1.abcdefghijk", qid, &t), -1);
	assert_int_equal(qr_parse("EID1.AbCdEfGhIjKlMnOpQrStUv.01.abcdefghijk", qid, &t), -1);
	assert_int_equal(qr_parse("EID1.AbCdEfGhIjKlMnOpQrStUv.1.abcdefghij", qid, &t), -1);
	assert_int_equal(qr_parse(NULL, qid, &t), -1);
}

static void test_qr_code_changes_every_second(void **state)
{
	char a[QR_PAYLOAD_MAX], b[QR_PAYLOAD_MAX];

	(void)state;
	qr_payload(SECRET, QID, 5, a);
	qr_payload(SECRET, QID, 6, b);
	assert_string_not_equal(strrchr(a, '.'), strrchr(b, '.'));
}

static void test_qr_fresh_window(void **state)
{
	char p[QR_PAYLOAD_MAX];
	uint8_t other[QR_SECRET_LEN] = { 9 };

	(void)state;
	qr_payload(SECRET, QID, 10, p);
	assert_true(qr_fresh(SECRET, p, 10, 3));
	assert_true(qr_fresh(SECRET, p, 13, 3));
	assert_false(qr_fresh(SECRET, p, 14, 3)); /* photographed and relayed: too old */
	assert_false(qr_fresh(SECRET, p, 9, 3));  /* from the future */
	assert_false(qr_fresh(other, p, 10, 3));  /* another transaction's secret */
	p[strlen(p) - 1] = p[strlen(p) - 1] == 'A' ? 'B' : 'A';
	assert_false(qr_fresh(SECRET, p, 10, 3));
	/* the second is covered by the code: moving it does not make an old code fresh */
	qr_payload(SECRET, QID, 10, p);
	assert_int_equal(strncmp(p + 27, ".10.", 4), 0);
	p[29] = '2'; /* "...Uv.10." -> "...Uv.12." */
	assert_false(qr_fresh(SECRET, p, 12, 3));
}

static void test_qr_svg_decodes_to_the_payload(void **state)
{
	char p[QR_PAYLOAD_MAX], cmd[512], got[256] = "";
	char *svg;
	FILE *f;

	(void)state;
	qr_payload(SECRET, QID, 42, p);
	svg = qr_svg(&A, p);
	assert_non_null(svg);
	assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	if (system("command -v zbarimg >/dev/null && command -v rsvg-convert >/dev/null") != 0) {
		fprintf(stderr, "  (zbarimg or rsvg-convert missing: decode check skipped)\n");
		return;
	}
	f = fopen("/tmp/test_qr.svg", "w");
	assert_non_null(f);
	fputs(svg, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	         "rsvg-convert -w 400 /tmp/test_qr.svg -o /tmp/test_qr.png && "
	         "zbarimg --quiet --raw /tmp/test_qr.png 2>/dev/null");
	f = popen(cmd, "r");
	assert_non_null(f);
	if (fgets(got, sizeof(got), f) == NULL)
		got[0] = '\0';
	pclose(f);
	remove("/tmp/test_qr.svg");
	remove("/tmp/test_qr.png");
	got[strcspn(got, "\n")] = '\0';
	assert_string_equal(got, p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qr_payload_format_and_parse),
		cmocka_unit_test(test_qr_code_changes_every_second),
		cmocka_unit_test(test_qr_fresh_window),
		cmocka_unit_test(test_qr_svg_decodes_to_the_payload),
	};
	int r;

	arena_init(&A, first, sizeof(first), 1 << 20);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	arena_reset(&A);
	return r;
}
