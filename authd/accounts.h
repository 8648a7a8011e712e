/*
 * accounts.h — the population registry and citizen accounts: validating personal ID numbers
 * against date of birth and sex, parsing registry rows, normalising phone numbers. Pure
 * functions (inputs in, verdict out); Redis access is the caller's (store.c, eidctl).
 *
 * A personal identification number (Vietnam, 12 digits) is PPP C YY NNNNNN: the province code
 * where the birth was registered, a digit for century and sex (0/1: 1900s male/female, 2/3:
 * 2000s, 4/5: 2100s, 6/7: 2200s, 8/9: 2300s), the last two digits of the birth year, and a serial.
 */
#ifndef AUTHD_ACCOUNTS_H
#define AUTHD_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ACCT_ID_LEN 12
#define ACCT_NAME_MAX 100      /* bytes of UTF-8 */
#define ACCT_RESIDENCE_MAX 200
#define ACCT_PHONE_MAX 16      /* +84 and up to 10 digits */
#define ACCT_DOC_MAX 16

enum acct_sex { ACCT_MALE = 0, ACCT_FEMALE = 1 };

/* One registry record. Strings are NUL-terminated and owned by the struct (fixed buffers). */
struct acct_reg {
	char id[ACCT_ID_LEN + 1];
	char name[ACCT_NAME_MAX + 1];
	char dob[11];                /* YYYY-MM-DD */
	enum acct_sex sex;
	char residence[ACCT_RESIDENCE_MAX + 1];
	char phone[ACCT_PHONE_MAX + 1];   /* normalised: +84 followed by 9 or 10 digits */
	char doc[ACCT_DOC_MAX + 1];       /* chip-card document number */
};

/* 1 if s is exactly 12 ASCII digits. */
int acct_id_syntax_ok(const char *s);

/* Checks an ID number against a date of birth (YYYY-MM-DD, a real calendar date, not in the
 * future) and sex: known province code, century/sex digit and birth year consistent. 0 or
 * E_INVALID with the reason in eb ("id_number: century/sex digit 2 says born 2000-2099 male"). */
int acct_id_check(const char *id, const char *dob, enum acct_sex sex, struct errbuf *eb);

/* Parses a date YYYY-MM-DD (real calendar date, year 1900..2399). 0 or E_INVALID. */
int acct_dob_parse(const char *s, int *y, int *m, int *d);

/* Normalises a Vietnamese mobile number ("0912 345 678", "+84912345678", "84912345678") to
 * "+84912345678". 0 or E_INVALID. out has ACCT_PHONE_MAX + 1 bytes. */
int acct_phone_normalize(const char *in, char out[ACCT_PHONE_MAX + 1]);

/* The registry CSV: a header line
 *   id_number,full_name,date_of_birth,sex,residence,phone,document_number
 * then one citizen per line (RFC 4180 quoting; UTF-8; sex M or F). acct_csv_header_ok checks
 * the header; acct_reg_parse_csv parses one line (without its line end) into out, validating
 * every field and acct_id_check. 0 or E_INVALID with the field named in eb. */
int acct_csv_header_ok(const char *line);
int acct_reg_parse_csv(const char *line, struct acct_reg *out, struct errbuf *eb);

/* Name comparison for matching a citizen's claim against the registry: equal after collapsing
 * runs of white space and trimming (case and diacritics are significant: they are part of a
 * Vietnamese name). */
int acct_name_eq(const char *a, const char *b);

/* What a citizen claims when starting activation from the app. */
struct acct_claim {
	const char *id;       /* 12 digits */
	const char *phone;    /* normalised */
	const char *name;
	const char *dob;      /* YYYY-MM-DD */
};

enum acct_act_verdict {
	ACT_OK = 0,     /* details match the registry, no account yet: send the SMS code */
	ACT_LIMITED,    /* too many mismatches for this ID number: refuse before comparing */
	ACT_MISMATCH,   /* unknown ID number or any detail differs: "details do not match" */
	ACT_EXISTS,     /* details match but an account exists: recovery or a new device instead */
};

/* Activation start, the decision. `reg` is the registry record (NULL when the ID number is not
 * in the registry); `status` the account's status ("" when there is none). Pure. */
enum acct_act_verdict acct_activation_decide(const struct acct_claim *c,
                                             const struct acct_reg *reg, const char *status,
                                             long mismatches, long limit);

/* App-login challenges, stateless: base64url(time(8) || random(16) || HMAC(pepper,
 * "app-login" || id || time || random)[0..16]). Making one writes nothing, so unknown ID
 * numbers cost and look the same as known ones; single use is enforced at login. */
#define ACCT_CHAL_LEN 54 /* base64url of 40 bytes */
int acct_challenge_make(const uint8_t pepper[32], const char *id, long long now,
                        char out[ACCT_CHAL_LEN + 1]);
/* 0 when `c` was made for `id` by this server and is not older than ttl seconds (nor from the
 * future); E_INVALID otherwise. */
int acct_challenge_check(const uint8_t pepper[32], const char *id, const char *c, long long now,
                         long long ttl);

/* "001085******": what logs and messages may show of an ID number. out has 13 bytes. */
void acct_id_mask(const char *id, char out[ACCT_ID_LEN + 1]);
/* "+84*****5678": what the app may show of the phone the code went to. out has 17 bytes. */
void acct_phone_mask(const char *phone, char out[ACCT_PHONE_MAX + 1]);

#endif
