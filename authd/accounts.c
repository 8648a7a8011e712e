/* accounts.c — see accounts.h. */
#include "accounts.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "js.h"
#include "lim.h"
#include "sec.h"

/* Province codes of the 63 provinces and cities that register births (Circular 07/2016/TT-BCA). */
static const short provinces[] = {
	1,  2,  4,  6,  8,  10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33,
	34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66,
	67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
};

int acct_id_syntax_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= ACCT_ID_LEN || !isdigit((unsigned char)s[i]))
			return 0;
	return i == ACCT_ID_LEN;
}

static int days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : d[m - 1];
}

int acct_dob_parse(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return E_INVALID;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return E_INVALID;
	yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	mm = (s[5] - '0') * 10 + (s[6] - '0');
	dd = (s[8] - '0') * 10 + (s[9] - '0');
	if (yy < 1900 || yy > 2399 || mm < 1 || mm > 12 || dd < 1 || dd > days_in(yy, mm))
		return E_INVALID;
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

static int not_future(int y, int m, int d)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	return (y * 10000 + m * 100 + d) <=
	       ((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

int acct_id_check(const char *id, const char *dob, enum acct_sex sex, struct errbuf *eb)
{
	int y, m, d, prov, cs, yy, found = 0;

	if (!acct_id_syntax_ok(id))
		return eb_set(eb, E_INVALID, "id_number: must be 12 digits");
	if (acct_dob_parse(dob, &y, &m, &d) != 0)
		return eb_set(eb, E_INVALID, "date_of_birth: must be a date YYYY-MM-DD");
	if (!not_future(y, m, d))
		return eb_set(eb, E_INVALID, "date_of_birth: in the future");
	prov = (id[0] - '0') * 100 + (id[1] - '0') * 10 + (id[2] - '0');
	for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		found |= provinces[i] == prov;
	if (!found)
		return eb_set(eb, E_INVALID, "id_number: %03d is not a province code", prov);
	cs = id[3] - '0';
	if (1900 + (cs / 2) * 100 != (y / 100) * 100)
		return eb_set(eb, E_INVALID,
		              "id_number: century digit %d says born %d-%d, date_of_birth says %d", cs,
		              1900 + (cs / 2) * 100, 1999 + (cs / 2) * 100, y);
	if ((cs % 2 == 1) != (sex == ACCT_FEMALE))
		return eb_set(eb, E_INVALID, "id_number: sex digit %d says %s, sex says %s", cs,
		              cs % 2 ? "female" : "male", sex == ACCT_FEMALE ? "female" : "male");
	yy = (id[4] - '0') * 10 + (id[5] - '0');
	if (yy != y % 100)
		return eb_set(eb, E_INVALID, "id_number: birth year digits %02d, date_of_birth says %d",
		              yy, y);
	return 0;
}

int acct_phone_normalize(const char *in, char out[ACCT_PHONE_MAX + 1])
{
	char digits[24];
	size_t n = 0;
	const char *p = in;
	const char *national;

	if (*p == '+')
		p++;
	for (; *p != '\0'; p++) {
		if (*p == ' ' || *p == '-' || *p == '.')
			continue;
		if (!isdigit((unsigned char)*p) || n + 1 >= sizeof(digits))
			return E_INVALID;
		digits[n++] = *p;
	}
	digits[n] = '\0';
	if (in[0] == '+' || (n >= 11 && strncmp(digits, "84", 2) == 0 && in[0] != '0'))
		national = strncmp(digits, "84", 2) == 0 ? digits + 2 : NULL;
	else
		national = digits[0] == '0' ? digits + 1 : NULL;
	/* Vietnamese mobile numbers: 9 digits after the country code, first digit 3, 5, 7, 8, 9 */
	if (national == NULL || strlen(national) != 9 || strchr("35789", national[0]) == NULL)
		return E_INVALID;
	memcpy(out, "+84", 3); /* national is exactly 9 digits: 13 bytes with the NUL */
	memcpy(out + 3, national, 10);
	return 0;
}

/* One RFC 4180 field starting at *p; advances past it and its comma. Returns the field length,
 * -1 when malformed or longer than outlen - 1. */
static long csv_field(const char **p, char *out, size_t outlen, int *last)
{
	const char *s = *p;
	size_t n = 0;

	if (*s == '"') {
		s++;
		for (;;) {
			if (*s == '\0')
				return -1;
			if (*s == '"') {
				if (s[1] == '"') {
					s++;
				} else {
					s++;
					break;
				}
			}
			if (n + 1 >= outlen)
				return -1;
			out[n++] = *s++;
		}
		if (*s != ',' && *s != '\0')
			return -1;
	} else {
		while (*s != ',' && *s != '\0') {
			if (*s == '"' || n + 1 >= outlen)
				return -1;
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	*last = *s == '\0';
	*p = *s == ',' ? s + 1 : s;
	return (long)n;
}

static const char CSV_HEADER[] = "id_number,full_name,date_of_birth,sex,residence,phone,"
                                 "document_number";

int acct_csv_header_ok(const char *line)
{
	/* a UTF-8 byte order mark is tolerated: spreadsheets write one */
	if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	return strcmp(line, CSV_HEADER) == 0;
}

/* Printable UTF-8: the fields become JSON strings (userinfo's name and address), so UTF-8 as
 * jansson reads it (js_utf8_ok), and no control characters. */
static int utf8_printable(const char *s)
{
	return js_utf8_ok(s) && !js_has_ctl(s);
}

int acct_reg_parse_csv(const char *line, struct acct_reg *out, struct errbuf *eb)
{
	static const char *const names[] = { "id_number", "full_name", "date_of_birth", "sex",
		                             "residence", "phone", "document_number" };
	char f[7][ACCT_RESIDENCE_MAX + 1];
	struct acct_reg r;
	const char *p = line;
	int last = 0, i, rc;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 7; i++) {
		long n;

		if (last)
			return eb_set(eb, E_INVALID, "expected 7 fields, got %d", i);
		n = csv_field(&p, f[i], sizeof(f[i]), &last);
		if (n < 0)
			return eb_set(eb, E_INVALID, "%s: malformed or too long", names[i]);
		if (n == 0)
			return eb_set(eb, E_INVALID, "%s: empty", names[i]);
		if (!utf8_printable(f[i]))
			return eb_set(eb, E_INVALID, "%s: not printable UTF-8", names[i]);
	}
	if (!last)
		return eb_set(eb, E_INVALID, "more than 7 fields");
	if (strcmp(f[3], "M") == 0)
		r.sex = ACCT_MALE;
	else if (strcmp(f[3], "F") == 0)
		r.sex = ACCT_FEMALE;
	else
		return eb_set(eb, E_INVALID, "sex: must be M or F");
	if ((rc = acct_id_check(f[0], f[2], r.sex, eb)) != 0)
		return rc;
	if (strlen(f[1]) > ACCT_NAME_MAX)
		return eb_set(eb, E_INVALID, "full_name: longer than %d bytes", ACCT_NAME_MAX);
	if (acct_phone_normalize(f[5], r.phone) != 0)
		return eb_set(eb, E_INVALID, "phone: not a Vietnamese mobile number");
	if (strlen(f[6]) > ACCT_DOC_MAX)
		return eb_set(eb, E_INVALID, "document_number: longer than %d bytes", ACCT_DOC_MAX);
	memcpy(r.id, f[0], ACCT_ID_LEN + 1);
	memcpy(r.name, f[1], strlen(f[1]) + 1);
	memcpy(r.dob, f[2], 11);
	memcpy(r.residence, f[4], strlen(f[4]) + 1);
	memcpy(r.doc, f[6], strlen(f[6]) + 1);
	*out = r;
	return 0;
}

/* Decodes one UTF-8 code point (input already validated or not: invalid bytes map to 0xFFFD). */
static uint32_t next_cp(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t c = *p;
	int len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;

	if (len > 1) {
		c &= 0x7f >> len;
		for (int i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				*pp = p + 1;
				return 0xfffd;
			}
			c = c << 6 | (p[i] & 0x3f);
		}
	}
	*pp = p + len;
	return c;
}

/* Lower case for the letters Vietnamese names use (NFC): ASCII, Latin-1, Ă Đ Ĩ Ũ Ơ Ư, and the
 * Latin Extended Additional block U+1EA0..U+1EF9 (upper case at even code points). */
static uint32_t fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c == 0x102 || c == 0x110 || c == 0x128 || c == 0x168 || c == 0x1a0 || c == 0x1af ||
	    (c >= 0x1ea0 && c <= 0x1ef9 && c % 2 == 0))
		return c + 1;
	return c;
}

int acct_name_eq(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

	for (;;) {
		uint32_t x, y;

		while (*p == ' ' || *p == '\t')
			p++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*p == '\0' || *q == '\0')
			return *p == *q;
		/* compare one word */
		while (*p != '\0' && *p != ' ' && *p != '\t' && *q != '\0' && *q != ' ' &&
		       *q != '\t') {
			x = fold(next_cp(&p));
			y = fold(next_cp(&q));
			if (x != y)
				return 0;
		}
		if ((*p == '\0' || *p == ' ' || *p == '\t') != (*q == '\0' || *q == ' ' || *q == '\t'))
			return 0;
	}
}

enum acct_act_verdict acct_activation_decide(const struct acct_claim *c,
                                             const struct acct_reg *reg, const char *status,
                                             long mismatches, long limit)
{
	/* Limited first: once over the limit, nothing is compared, so guessing stops too. */
	if (mismatches >= limit)
		return ACT_LIMITED;
	/* Every detail is compared, whichever differs: one answer for all mismatches. */
	if (reg == NULL || (strcmp(c->phone, reg->phone) != 0) | !acct_name_eq(c->name, reg->name) |
	                           (strcmp(c->dob, reg->dob) != 0))
		return ACT_MISMATCH;
	if (status != NULL && status[0] != '\0')
		return ACT_EXISTS;
	return ACT_OK;
}

void acct_id_mask(const char *id, char out[ACCT_ID_LEN + 1])
{
	size_t n = strlen(id);

	for (size_t i = 0; i < ACCT_ID_LEN; i++)
		out[i] = i < 6 && i < n ? id[i] : '*';
	out[ACCT_ID_LEN] = '\0';
}

void acct_phone_mask(const char *phone, char out[ACCT_PHONE_MAX + 1])
{
	size_t n = strlen(phone);

	snprintf(out, ACCT_PHONE_MAX + 1, "%.3s", phone);
	for (size_t i = 3; i + 4 < n && i < ACCT_PHONE_MAX; i++)
		out[i] = '*';
	if (n >= 7)
		snprintf(out + n - 4, 5, "%s", phone + n - 4);
	else
		out[n < ACCT_PHONE_MAX ? n : ACCT_PHONE_MAX] = '\0';
}

static void chal_mac(const uint8_t pepper[32], const char *id, const uint8_t body[24],
                     uint8_t out[SEC_SHA256_LEN])
{
	uint8_t msg[9 + ACCT_ID_LEN + 24];

	memcpy(msg, "app-login", 9);
	memcpy(msg + 9, id, ACCT_ID_LEN);
	memcpy(msg + 9 + ACCT_ID_LEN, body, 24);
	sec_hmac256(pepper, 32, msg, sizeof(msg), NULL, 0, out);
}

int acct_challenge_make(const uint8_t pepper[32], const char *id, long long now,
                        char out[ACCT_CHAL_LEN + 1])
{
	uint8_t raw[40], mac[SEC_SHA256_LEN];

	if (!acct_id_syntax_ok(id))
		return E_INVALID;
	for (int i = 0; i < 8; i++)
		raw[i] = (uint8_t)((unsigned long long)now >> (56 - 8 * i));
	if (sec_random(raw + 8, 16) != 0)
		return E_CRYPTO;
	chal_mac(pepper, id, raw, mac);
	memcpy(raw + 24, mac, 16);
	sec_b64url_encode(raw, sizeof(raw), out);
	return 0;
}

int acct_challenge_check(const uint8_t pepper[32], const char *id, const char *c, long long now,
                         long long ttl)
{
	uint8_t raw[64], mac[SEC_SHA256_LEN];
	unsigned long long t = 0;

	if (!acct_id_syntax_ok(id) || strlen(c) != ACCT_CHAL_LEN ||
	    sec_b64url_decode(c, ACCT_CHAL_LEN, raw) != 40)
		return E_INVALID;
	chal_mac(pepper, id, raw, mac);
	if (!sec_ct_eq(mac, 16, raw + 24, 16))
		return E_INVALID;
	for (int i = 0; i < 8; i++)
		t = t << 8 | raw[i];
	if ((long long)t > now + 5 || now - (long long)t > ttl)
		return E_INVALID;
	return 0;
}
