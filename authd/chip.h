/*
 * chip.h — level 2 by chip card: ICAO 9303 passive authentication of the chip's EF.SOD and DG1,
 * and matching DG1's machine-readable zone (MRZ) against the population registry.
 *
 *   1. EF.SOD is a CMS SignedData (optionally in its '77' file tag) whose content type is
 *      id-icao-ldsSecurityObject (2.23.136.1.1.1); its signature verifies with the Document
 *      Signer certificate it carries, and that certificate chains to a CSCA trust anchor.
 *   2. The LDSSecurityObject's hash of data group 1 equals the hash of the DG1 sent.
 *   3. DG1 holds a TD1 MRZ (3 x 30 characters) whose check digits are right.
 *
 * Owns: the CSCA trust store (per generation), SOD/DG1 parsing and checking, the MRZ name form.
 * Does not own: who may raise a level, or writing it (ep_app.c, Lua).
 */
#ifndef AUTHD_CHIP_H
#define AUTHD_CHIP_H

#include <openssl/x509.h>
#include <stddef.h>

#include "accounts.h"
#include "err.h"

#define CHIP_SOD_MAX (32 * 1024)
#define CHIP_DG1_MAX 256

/* What DG1's MRZ says (TD1). Strings are NUL-terminated, '<' fillers removed at the end. */
struct chip_mrz {
	char doc[10];      /* document number (9) */
	char dob[7];       /* YYMMDD */
	char sex;          /* 'M', 'F' or '<' */
	char expiry[7];    /* YYMMDD */
	char name[31];     /* line 3: SURNAME<<GIVEN<NAMES */
};

/* Loads every *.pem certificate in dir into a new trust store. A missing directory is an error;
 * an empty one gives a store that trusts nothing. *n = number of anchors. */
int chip_csca_load(const char *dir, X509_STORE **out, size_t *n, struct errbuf *eb);

/* Passive authentication (steps 1–3 above). 0 and *mrz, or E_CRYPTO (signature, chain or hash
 * does not verify) / E_INVALID (malformed) with the reason in eb. */
int chip_passive_auth(X509_STORE *csca, const uint8_t *sod, size_t sodlen, const uint8_t *dg1,
                      size_t dg1len, struct chip_mrz *mrz, struct errbuf *eb);

/* The TD1 MRZ name for a registry name: diacritics removed (Vietnamese letters), upper case,
 * first word the surname: "Nguyễn Văn An" → "NGUYEN<<VAN<AN", at most 30 characters. */
void chip_mrz_name(const char *name, char out[31]);

/* ICAO 9303 check digit (weights 7, 3, 1) over s: '0'..'9' or -1 for an invalid character. */
int chip_check_digit(const char *s, size_t n);

/* Does the MRZ describe this registry record? Document number, date of birth (YYMMDD), sex and
 * the MRZ name must all agree. Pure. */
int chip_mrz_matches(const struct chip_mrz *m, const struct acct_reg *reg);

#endif
