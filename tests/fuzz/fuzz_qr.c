/* fuzz_qr — the payload an app scans and posts back (POST /app/v1/qr/scan): qr.c's qr_parse
 * and qr_fresh with a fixed transaction secret, and qr_svg, the image a browser is shown.
 * Properties: what qr_parse accepts is "EID1." + 22 base64url + "." + a second of 1..6 digits
 * without a leading zero + "." + 11 base64url, and qr_payload rebuilds it exactly when the code
 * is the right one; qr_fresh accepts exactly that rebuilt payload, at its own second and within
 * the tolerance after it, never before it or later. */
#include <string.h>

#include "fuzz.h"
#include "lim.h"
#include "qr.h"

static const uint8_t secret[QR_SECRET_LEN] = { 7, 7, 7, 1, 2, 3 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char first[LIM_ARENA_FIRST];
	char *s, qid[QR_ID_LEN + 1], again[QR_PAYLOAD_MAX];
	long long t;
	struct arena a;

	if (size > 4 * QR_PAYLOAD_MAX)
		return 0;
	s = fuzz_str(data, size);
	if (qr_parse(s, qid, &t) == 0) {
		FUZZ_CHECK(strlen(qid) == QR_ID_LEN && t >= 0 && t <= 999999, "qr_parse");
		qr_payload(secret, qid, t, again);
		if (strcmp(again, s) == 0) {
			FUZZ_CHECK(qr_fresh(secret, s, t, 0) && qr_fresh(secret, s, t + 3, 3),
			           "a genuine payload is not fresh at its second");
			FUZZ_CHECK(!qr_fresh(secret, s, t - 1, 3) && !qr_fresh(secret, s, t + 4, 3),
			           "a payload is fresh before its second or past the tolerance");
		} else {
			FUZZ_CHECK(!qr_fresh(secret, s, t, 3), "a payload with a wrong code is fresh");
		}
		/* a genuine one, rendered */
		qr_payload(secret, qid, t, again);
		FUZZ_CHECK(qr_fresh(secret, again, t, 0), "qr_payload makes a payload qr_fresh refuses");
	} else {
		FUZZ_CHECK(!qr_fresh(secret, s, 0, 1000000), "qr_fresh accepts what qr_parse refuses");
	}
	arena_init(&a, first, sizeof(first), LIM_REQ_MEMORY);
	if (size <= QR_PAYLOAD_MAX) {
		char *svg = qr_svg(&a, s);

		FUZZ_CHECK(svg == NULL || strncmp(svg, "<svg ", 5) == 0, "qr_svg");
	}
	arena_reset(&a);
	free(s);
	return 0;
}
