/*
 * sref.h — sealed references: how a token or cookie handed to a browser or client names the
 * citizen it belongs to without revealing the ID number. A reference is base64url of
 * AES-256-GCM(keys/data.key, AAD "<kind>", ID number): only authd can open it, it cannot be
 * forged or moved between kinds, and it tells authd which Redis hash slot ({ID}) holds the state,
 * so every check is one atomic script on one slot. Tokens are "<ref>.<rest>".
 *
 * Does not own: what <rest> is (random secrets, grant ids: their owners hash and store them).
 */
#ifndef AUTHD_SREF_H
#define AUTHD_SREF_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"

#define SREF_LEN 54 /* base64url of 12 + 12 + 16 bytes */
#define SREF_SIZE (SREF_LEN + 1)

/* Seals the 12-digit `id` for `kind` ("sso", "code", "at", "rt") into out. 0 or E_CRYPTO. */
int sref_make(const uint8_t key[32], const char *kind, const char *id, char out[SREF_SIZE]);

/* Opens the reference at the start of `tok` (up to the first '.', or all of it): 0 and the ID
 * number in id, and *rest pointing after the '.' ("" when none), or E_INVALID. */
int sref_open(const uint8_t key[32], const char *kind, const char *tok,
              char id[ACCT_ID_LEN + 1], const char **rest);

#endif
