/* sref.c — see sref.h. */
#include "sref.h"

#include <string.h>

#include "err.h"
#include "sec.h"

int sref_make(const uint8_t key[32], const char *kind, const char *id, char out[SREF_SIZE])
{
	uint8_t sealed[ACCT_ID_LEN + SEC_AEAD_OVERHEAD];

	if (strlen(id) != ACCT_ID_LEN ||
	    sec_aead_seal(key, kind, strlen(kind), id, ACCT_ID_LEN, sealed) != 0)
		return E_CRYPTO;
	sec_b64url_encode(sealed, sizeof(sealed), out);
	return 0;
}

int sref_open(const uint8_t key[32], const char *kind, const char *tok,
              char id[ACCT_ID_LEN + 1], const char **rest)
{
	uint8_t sealed[ACCT_ID_LEN + SEC_AEAD_OVERHEAD + 2];
	const char *dot = strchr(tok, '.');
	size_t n = dot != NULL ? (size_t)(dot - tok) : strlen(tok);

	if (n != SREF_LEN ||
	    sec_b64url_decode(tok, n, sealed) != ACCT_ID_LEN + SEC_AEAD_OVERHEAD ||
	    sec_aead_open(key, kind, strlen(kind), sealed, ACCT_ID_LEN + SEC_AEAD_OVERHEAD,
	                  (uint8_t *)id) != 0)
		return E_INVALID;
	id[ACCT_ID_LEN] = '\0';
	if (strspn(id, "0123456789") != ACCT_ID_LEN)
		return E_INVALID;
	*rest = dot != NULL ? dot + 1 : "";
	return 0;
}
