/* fuzz_registry — the population registry CSV that `eidctl registry import` loads (docs/
 * admin-api.md): accounts.c's acct_csv_header_ok on the first line and acct_reg_parse_csv on
 * every other line (RFC 4180 quoting, UTF-8, acct_id_check, acct_phone_normalize), then what
 * the daemon does with a record: chip_mrz_name / chip_mrz_matches (level 2), acct_name_eq,
 * acct_activation_decide, acct_id_mask and acct_phone_mask.
 * Properties of a record that parses: a 12-digit ID number, a real date, M or F, a +84 phone,
 * and text fields that JSON can carry (the name and residence become userinfo claims:
 * json_string must accept them); a name equals itself; the MRZ name is at most 30 characters of
 * A-Z and '<'. */
#include <jansson.h>
#include <string.h>

#include "accounts.h"
#include "chip.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void record_check(const struct acct_reg *r)
{
	char mrz[31], idm[ACCT_ID_LEN + 1], phm[ACCT_PHONE_MAX + 1];
	struct chip_mrz m = { .sex = 'M' };
	struct acct_claim c = { r->id, r->phone, r->name, r->dob };
	json_t *j;
	int y, mo, d;

	FUZZ_CHECK(acct_id_syntax_ok(r->id), "an ID number that is not 12 digits");
	FUZZ_CHECK(acct_dob_parse(r->dob, &y, &mo, &d) == 0, "a date of birth that does not parse");
	FUZZ_CHECK(r->sex == ACCT_MALE || r->sex == ACCT_FEMALE, "a sex");
	FUZZ_CHECK(strncmp(r->phone, "+84", 3) == 0 && strlen(r->phone) == 12, "a phone");
	FUZZ_CHECK(strlen(r->name) <= ACCT_NAME_MAX && strlen(r->doc) <= ACCT_DOC_MAX,
	           "a field longer than its limit");
	j = json_pack("{s:s, s:s, s:s}", "name", r->name, "residence", r->residence, "doc", r->doc);
	FUZZ_CHECK(j != NULL, "a registry field JSON cannot carry (not UTF-8)");
	json_decref(j);
	FUZZ_CHECK(acct_name_eq(r->name, r->name), "a name differs from itself");
	chip_mrz_name(r->name, mrz);
	FUZZ_CHECK(strlen(mrz) <= 30 && strspn(mrz, "ABCDEFGHIJKLMNOPQRSTUVWXYZ<") == strlen(mrz),
	           "an MRZ name outside A-Z and '<'");
	snprintf(m.doc, sizeof(m.doc), "%.9s", r->doc);
	memcpy(m.name, mrz, sizeof(m.name));
	chip_mrz_matches(&m, r);
	FUZZ_CHECK(acct_activation_decide(&c, r, "", 0, 5) == ACT_OK,
	           "a claim equal to its own registry record is not ACT_OK");
	acct_id_mask(r->id, idm);
	acct_phone_mask(r->phone, phm);
	FUZZ_CHECK(strlen(idm) == ACCT_ID_LEN && strlen(phm) == strlen(r->phone), "a mask");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *line, *save = NULL;
	int first = 1;

	for (line = strtok_r(s, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct acct_reg r;
		struct errbuf eb = { 0 };
		size_t n = strlen(line);

		if (n > 0 && line[n - 1] == '\r') /* eidctl strips CRLF the same way */
			line[n - 1] = '\0';
		if (first) {
			first = 0;
			if (acct_csv_header_ok(line))
				continue;
		}
		if (acct_reg_parse_csv(line, &r, &eb) == 0)
			record_check(&r);
		else
			FUZZ_CHECK(eb.msg[0] != '\0', "a refused line without a message");
	}
	free(s);
	return 0;
}
