/* pass.c — see pass.h. */
#include "pass.h"

#include <argon2.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sec.h"

#define SALT_LEN 16
#define HASH_LEN 32

int pass_password_policy(const char *pw, struct errbuf *eb)
{
	size_t n = strlen(pw);
	int up = 0, lo = 0, dg = 0, sym = 0;

	if (n < 8 || n > 20)
		return eb_set(eb, E_INVALID, "password: must be 8 to 20 characters");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pw[i];

		if (c < 0x20 || c > 0x7e)
			return eb_set(eb, E_INVALID,
			              "password: use letters without accents, digits and symbols");
		up |= isupper(c) != 0;
		lo |= islower(c) != 0;
		dg |= isdigit(c) != 0;
		sym |= !isalnum(c);
	}
	if (!up || !lo || !dg || !sym)
		return eb_set(eb, E_INVALID,
		              "password: needs an upper-case letter, a lower-case letter, a digit "
		              "and a symbol");
	return 0;
}

static int is_run(const char *s)
{
	int up = 1, down = 1;

	for (int i = 1; i < 6; i++) {
		up &= s[i] == s[i - 1] + 1;
		down &= s[i] == s[i - 1] - 1;
	}
	return up || down;
}

int pass_passcode_policy(const char *pc, const char *dob, struct errbuf *eb)
{
	char forms[4][7];

	if (strlen(pc) != 6)
		return eb_set(eb, E_INVALID, "passcode: must be 6 digits");
	for (int i = 0; i < 6; i++)
		if (!isdigit((unsigned char)pc[i]))
			return eb_set(eb, E_INVALID, "passcode: must be 6 digits");
	if (strspn(pc, (char[]){ pc[0], 0 }) == 6 || is_run(pc))
		return eb_set(eb, E_INVALID, "passcode: too easy to guess");
	if (memcmp(pc, pc + 2, 4) == 0 || memcmp(pc, pc + 3, 3) == 0)
		return eb_set(eb, E_INVALID, "passcode: too easy to guess");
	if (dob != NULL && strlen(dob) == 10) {
		/* dob = YYYY-MM-DD */
		snprintf(forms[0], 7, "%.2s%.2s%.2s", dob + 8, dob + 5, dob + 2); /* DDMMYY */
		snprintf(forms[1], 7, "%.2s%.2s%.2s", dob + 5, dob + 8, dob + 2); /* MMDDYY */
		snprintf(forms[2], 7, "%.2s%.2s%.2s", dob + 2, dob + 5, dob + 8); /* YYMMDD */
		snprintf(forms[3], 7, "%.4s%.2s", dob, dob + 5);                  /* YYYYMM */
		for (int i = 0; i < 4; i++)
			if (strcmp(pc, forms[i]) == 0)
				return eb_set(eb, E_INVALID, "passcode: must not be your birth date");
	}
	return 0;
}

int pass_hash(const struct pass_params *p, const uint8_t pepper[32], const char *secret,
              char out[PASS_ENCODED_MAX])
{
	uint8_t pre[SEC_SHA256_LEN], salt[SALT_LEN];
	int rc;

	if (sec_random(salt, sizeof(salt)) != 0)
		return E_CRYPTO;
	sec_hmac256(pepper, 32, secret, strlen(secret), NULL, 0, pre);
	rc = argon2id_hash_encoded(p->t_cost, p->m_kib, p->lanes, pre, sizeof(pre), salt,
	                           sizeof(salt), HASH_LEN, out, PASS_ENCODED_MAX);
	sec_wipe(pre, sizeof(pre));
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return E_NOMEM;
	return rc == ARGON2_OK ? 0 : E_CRYPTO;
}

int pass_verify(const uint8_t pepper[32], const char *secret, const char *encoded)
{
	uint8_t pre[SEC_SHA256_LEN];
	int rc;

	if (strncmp(encoded, "$argon2id$", 10) != 0)
		return E_INVALID;
	sec_hmac256(pepper, 32, secret, strlen(secret), NULL, 0, pre);
	/* argon2's verify compares in constant time */
	rc = argon2id_verify(encoded, pre, sizeof(pre));
	sec_wipe(pre, sizeof(pre));
	if (rc == ARGON2_OK)
		return 0;
	return rc == ARGON2_VERIFY_MISMATCH ? E_CRYPTO : E_INVALID;
}
