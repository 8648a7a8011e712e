/* fuzz_sod — level 2 by chip card: chip.c's chip_passive_auth on the EF.SOD and DG1 an app
 * sends (ICAO 9303 passive authentication: the CMS SignedData, the Document Signer's chain to
 * the CSCA, the LDSSecurityObject's DG1 hash, DG1's TD1 MRZ and its check digits), then
 * chip_mrz_matches against a registry record. The trust store is loaded once by chip_csca_load
 * from the fixed test CSCA of sod_pki.h, verifying at a fixed time.
 *
 * The first byte says what the rest is:
 *   'R' L1 L0 SOD DG1 — raw: the SOD as received (L = its length, big-endian), then DG1. Only
 *                       a seed signed by the test Document Signer verifies: mutations explore
 *                       the '77' wrapper and the CMS parsing and checks.
 *   'L' L1 L0 LDS DG1 — the harness signs LDS (the LDSSecurityObject) with the test Document
 *                       Signer into a SOD, so the security object parser gets fuzzed.
 *   'D' DG1           — the harness makes the LDSSecurityObject with DG1's SHA-256 and signs
 *                       it: DG1's parser and the MRZ checks get fuzzed.
 *   'l' and 'd'       — as 'L' and 'D', the SOD wrapped in its '77' file tag.
 * Properties: a passive authentication that succeeds gives an MRZ of A-Z 0-9 with no '<'
 * left at the end of the document number or the name, a sex and 6-character dates of the MRZ
 * alphabet. */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "chip.h"
#include "fuzz.h"
#include "sec.h"
#include "sod_pki.h"

#define VERIFY_AT 1798761600 /* 2027-01-01T00:00:00Z, inside the test certificates' validity */

static X509_STORE *csca;
static X509 *ds;
static EVP_PKEY *ds_key;
static ASN1_OBJECT *lds_oid;

static const struct acct_reg reg = {
	.id = "001085012345", .name = "Nguyễn Văn An", .dob = "1985-03-14", .sex = ACCT_MALE,
	.doc = "085012345",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errbuf eb = { 0 };
	char path[128];
	const char *dir = fuzz_tmpdir("sod");
	BIO *b;
	size_t n = 0;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/csca.pem", dir);
	fuzz_spit(path, CSCA_PEM, strlen(CSCA_PEM));
	if (chip_csca_load(dir, &csca, &n, &eb) != 0 || n != 1) {
		fprintf(stderr, "fuzz_sod: %s\n", eb.msg);
		abort();
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(csca), VERIFY_AT);
	b = BIO_new_mem_buf(DS_PEM, -1);
	ds = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	b = BIO_new_mem_buf(DS_KEY, -1);
	ds_key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	lds_oid = OBJ_txt2obj("2.23.136.1.1.1", 1);
	FUZZ_CHECK(ds != NULL && ds_key != NULL && lds_oid != NULL, "the test PKI does not load");
	return 0;
}

/* A SOD: LDS signed by the test Document Signer, optionally in its '77' tag; heap memory. */
static uint8_t *sod_sign(const uint8_t *lds, size_t n, int wrap, size_t *len)
{
	BIO *in = BIO_new_mem_buf(lds, (int)n);
	CMS_ContentInfo *cms;
	uint8_t *der = NULL, *out;
	int dn;

	FUZZ_CHECK(in != NULL, "out of memory");
	cms = CMS_sign(ds, ds_key, NULL, NULL, CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP);
	FUZZ_CHECK(cms != NULL && CMS_set1_eContentType(cms, lds_oid) == 1 &&
	                   CMS_final(cms, in, NULL, CMS_BINARY) == 1,
	           "CMS signing failed");
	dn = i2d_CMS_ContentInfo(cms, &der);
	FUZZ_CHECK(dn > 0 && dn < 60000, "CMS encoding failed");
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	out = malloc((size_t)dn + 4);
	FUZZ_CHECK(out != NULL, "out of memory");
	if (wrap) { /* 77 82 LL LL: a definite long-form length */
		out[0] = 0x77;
		out[1] = 0x82;
		out[2] = (uint8_t)(dn >> 8);
		out[3] = (uint8_t)dn;
		memcpy(out + 4, der, (size_t)dn);
		*len = (size_t)dn + 4;
	} else {
		memcpy(out, der, (size_t)dn);
		*len = (size_t)dn;
	}
	OPENSSL_free(der);
	ERR_clear_error();
	return out;
}

/* SEQUENCE { 0, SEQUENCE { sha256 }, SEQUENCE { SEQUENCE { 1, OCTET STRING sha256(dg1) } } } */
static size_t lds_make(const uint8_t *dg1, size_t n, uint8_t out[64])
{
	static const uint8_t head[] = {
		0x30, 0x39, 0x02, 0x01, 0x00, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
		0x03, 0x04, 0x02, 0x01, 0x30, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
	};

	memcpy(out, head, sizeof(head));
	sec_sha256(dg1, n, out + sizeof(head));
	return sizeof(head) + SEC_SHA256_LEN;
}

static int mrz_chars(const char *s, int filler)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || (filler && *s == '<')))
			return 0;
	return 1;
}

static void mrz_check(const struct chip_mrz *m)
{
	size_t dl = strlen(m->doc), nl = strlen(m->name);

	FUZZ_CHECK(mrz_chars(m->doc, 1) && (dl == 0 || m->doc[dl - 1] != '<'),
	           "a document number with a trailing filler or a bad character");
	FUZZ_CHECK(mrz_chars(m->name, 1) && (nl == 0 || m->name[nl - 1] != '<'),
	           "an MRZ name with a trailing filler or a bad character");
	FUZZ_CHECK(strlen(m->dob) == 6 && strlen(m->expiry) == 6 && mrz_chars(m->dob, 1) &&
	                   mrz_chars(m->expiry, 1),
	           "an MRZ date that is not 6 characters");
	FUZZ_CHECK(m->sex == 'M' || m->sex == 'F' || m->sex == '<' ||
	                   (m->sex >= 'A' && m->sex <= 'Z') || (m->sex >= '0' && m->sex <= '9'),
	           "an MRZ sex outside the MRZ alphabet");
	chip_mrz_matches(m, &reg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chip_mrz m;
	struct errbuf eb = { 0 };
	uint8_t lds[64], *sod = NULL;
	const uint8_t *dg1;
	size_t sodlen, dg1len, l;
	int r;

	if (size < 1)
		return 0;
	switch (data[0]) {
	case 'R':
	case 'L':
	case 'l':
		if (size < 3 || (l = (size_t)data[1] << 8 | data[2]) > size - 3)
			return 0;
		dg1 = data + 3 + l;
		dg1len = size - 3 - l;
		if (data[0] == 'R') {
			sod = malloc(l + 1); /* its own allocation: ASan sees every overread */
			FUZZ_CHECK(sod != NULL, "out of memory");
			memcpy(sod, data + 3, l);
			sodlen = l;
		} else {
			sod = sod_sign(data + 3, l, data[0] == 'l', &sodlen);
		}
		break;
	case 'D':
	case 'd':
		dg1 = data + 1;
		dg1len = size - 1;
		sod = sod_sign(lds, lds_make(dg1, dg1len, lds), data[0] == 'd', &sodlen);
		break;
	default:
		return 0;
	}
	r = chip_passive_auth(csca, sod, sodlen, dg1, dg1len, &m, &eb);
	FUZZ_CHECK(r == 0 || eb.msg[0] != '\0', "a refusal without a reason");
	if (r == 0)
		mrz_check(&m);
	free(sod);
	return 0;
}
