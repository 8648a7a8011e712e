/*
 * pass.h — passwords (web login) and passcodes (the app's 6 digits): the policies they must
 * meet, and Argon2id hashing with a server pepper: the Argon2id input is HMAC-SHA256(pepper,
 * secret), so a copy of Redis alone cannot be brute-forced (the pepper lives in keys/, not in
 * Redis). pass_hash and pass_verify are thread-safe and slow by design: run them on workq.
 */
#ifndef AUTHD_PASS_H
#define AUTHD_PASS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PASS_ENCODED_MAX 160 /* an encoded Argon2id hash fits */

struct pass_params {
	uint32_t t_cost;     /* iterations */
	uint32_t m_kib;      /* memory, KiB */
	uint32_t lanes;      /* parallelism */
};

/* Password for web login: 8..20 printable ASCII characters with an upper-case letter, a
 * lower-case letter, a digit and a symbol. 0 or E_INVALID with the rule broken in eb. */
int pass_password_policy(const char *pw, struct errbuf *eb);

/* Passcode: exactly 6 digits, not trivial: one digit repeated, a run up or down (123456,
 * 654321), a repeated pair or triple (121212, 123123), or the birth date (dob YYYY-MM-DD) as
 * DDMMYY, MMDDYY, YYMMDD or YYYYMM. 0 or E_INVALID. */
int pass_passcode_policy(const char *pc, const char *dob, struct errbuf *eb);

/* Argon2id of HMAC(pepper, secret) with a random salt, encoded ($argon2id$v=19$...). 0,
 * E_CRYPTO or E_NOMEM. */
int pass_hash(const struct pass_params *p, const uint8_t pepper[32], const char *secret,
              char out[PASS_ENCODED_MAX]);
/* 0 when secret matches, E_CRYPTO when not, E_INVALID for a malformed encoding. */
int pass_verify(const uint8_t pepper[32], const char *secret, const char *encoded);

#endif
