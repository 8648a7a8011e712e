/* fuzz_sref — sealed references (sref.c), the first part of every SSO cookie, code, access and
 * refresh token authd hands out: sref_open on any token for each kind, with a fixed data key.
 * Properties: what opens is a 12-digit ID number and the rest after the first '.'; an ID made
 * from the input's digits seals and opens back for its kind and for no other kind. */
#include <string.h>

#include "fuzz.h"
#include "sref.h"

static const uint8_t key[32] = { 0x42, 1, 2, 3 };
static const char *const kinds[] = { "sso", "code", "at", "rt" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, id[ACCT_ID_LEN + 1], mine[ACCT_ID_LEN + 1], ref[SREF_SIZE];
	const char *rest;
	size_t k = 0;

	if (size > 1024)
		return 0;
	s = fuzz_str(data, size);
	for (size_t i = 0; i < 4; i++) {
		if (sref_open(key, kinds[i], s, id, &rest) != 0)
			continue;
		FUZZ_CHECK(strlen(id) == ACCT_ID_LEN && strspn(id, "0123456789") == ACCT_ID_LEN,
		           "an opened reference that is not 12 digits");
		FUZZ_CHECK(rest[0] == '\0' || (rest > s && rest[-1] == '.'), "rest");
	}
	/* the input's digits as an ID number, sealed and opened */
	for (size_t i = 0; i < size && k < ACCT_ID_LEN; i++)
		mine[k++] = (char)('0' + data[i] % 10);
	while (k < ACCT_ID_LEN)
		mine[k++] = '0';
	mine[k] = '\0';
	for (size_t i = 0; i < 4; i++) {
		FUZZ_CHECK(sref_make(key, kinds[i], mine, ref) == 0 && strlen(ref) == SREF_LEN,
		           "sref_make");
		for (size_t j = 0; j < 4; j++)
			FUZZ_CHECK((sref_open(key, kinds[j], ref, id, &rest) == 0) == (i == j) &&
			                   (i != j || (strcmp(id, mine) == 0 && rest[0] == '\0')),
			           "a reference opens for another kind, or not for its own");
	}
	free(s);
	return 0;
}
