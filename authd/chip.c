/* chip.c — see chip.h. */
#include "chip.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

#include "sec.h"

#define OID_LDS_SO "2.23.136.1.1.1"

int chip_csca_load(const char *dir, X509_STORE **out, size_t *n, struct errbuf *eb)
{
	X509_STORE *st = X509_STORE_new();
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t k = 0;
	int r = 0;

	if (st == NULL) {
		if (d != NULL)
			closedir(d);
		return E_NOMEM;
	}
	if (d == NULL) {
		X509_STORE_free(st);
		return eb_set(eb, E_IO, "chip.csca_dir: %s: %s", dir, strerror(errno));
	}
	while (r == 0 && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char path[1024];
		FILE *f;
		X509 *x;

		if (len < 5 || strcmp(e->d_name + len - 4, ".pem") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((f = fopen(path, "r")) == NULL) {
			r = eb_set(eb, E_IO, "%s: %s", path, strerror(errno));
			break;
		}
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		if (x == NULL || X509_STORE_add_cert(st, x) != 1) {
			r = eb_set(eb, E_INVALID, "%s: not a PEM certificate", path);
			X509_free(x);
			break;
		}
		X509_free(x);
		k++;
	}
	closedir(d);
	ERR_clear_error();
	if (r != 0) {
		X509_STORE_free(st);
		return r;
	}
	/* Document Signer certificates carry no S/MIME purpose: check the chain, not the purpose. */
	X509_STORE_set_purpose(st, X509_PURPOSE_ANY);
	*out = st;
	*n = k;
	return 0;
}

/* A minimal DER reader: tag, definite length, contents. */
struct der {
	const uint8_t *p, *end;
};

static int der_next(struct der *d, int *tag, const uint8_t **val, size_t *len)
{
	size_t l;

	if (d->end - d->p < 2)
		return -1;
	*tag = *d->p++;
	if ((*tag & 0x1f) == 0x1f)
		return -1; /* multi-byte tags: not in the structures read here */
	l = *d->p++;
	if (l & 0x80) {
		int nb = (int)(l & 0x7f);

		if (nb == 0 || nb > 3 || d->end - d->p < nb)
			return -1;
		for (l = 0; nb > 0; nb--)
			l = l << 8 | *d->p++;
	}
	if ((size_t)(d->end - d->p) < l)
		return -1;
	*val = d->p;
	*len = l;
	d->p += l;
	return 0;
}

/* LDSSecurityObject ::= SEQUENCE { version INTEGER, hashAlgorithm AlgorithmIdentifier,
 *   dataGroupHashValues SEQUENCE OF SEQUENCE { dataGroupNumber INTEGER, hash OCTET STRING } }
 * Finds the digest and the hash of data group 1. */
static int lds_dg1_hash(const uint8_t *buf, size_t n, const EVP_MD **md, const uint8_t **h,
                        size_t *hlen)
{
	struct der top, so, alg, dgs;
	const uint8_t *v;
	size_t l;
	int tag;
	ASN1_OBJECT *oid;
	const unsigned char *q;

	if (buf == NULL || n == 0)
		return -1; /* a signed but empty eContent: the memory BIO has no buffer at all */
	top = (struct der){ buf, buf + n };
	if (der_next(&top, &tag, &v, &l) != 0 || tag != 0x30)
		return -1;
	so = (struct der){ v, v + l };
	if (der_next(&so, &tag, &v, &l) != 0 || tag != 0x02) /* version */
		return -1;
	if (der_next(&so, &tag, &v, &l) != 0 || tag != 0x30) /* hashAlgorithm */
		return -1;
	alg = (struct der){ v, v + l };
	q = alg.p;
	if ((oid = d2i_ASN1_OBJECT(NULL, &q, alg.end - alg.p)) == NULL)
		return -1;
	*md = EVP_get_digestbyobj(oid);
	ASN1_OBJECT_free(oid);
	if (*md == NULL)
		return -1;
	if (der_next(&so, &tag, &v, &l) != 0 || tag != 0x30) /* dataGroupHashValues */
		return -1;
	dgs = (struct der){ v, v + l };
	while (dgs.p < dgs.end) {
		struct der one;
		const uint8_t *nv, *hv;
		size_t nl, hl;

		if (der_next(&dgs, &tag, &v, &l) != 0 || tag != 0x30)
			return -1;
		one = (struct der){ v, v + l };
		if (der_next(&one, &tag, &nv, &nl) != 0 || tag != 0x02 || nl != 1 ||
		    der_next(&one, &tag, &hv, &hl) != 0 || tag != 0x04)
			return -1;
		if (nv[0] == 1) {
			*h = hv;
			*hlen = hl;
			return 0;
		}
	}
	return -1;
}

/* DG1 = '61' L { '5F1F' L MRZ } with a TD1 MRZ of 90 characters. */
static int dg1_mrz(const uint8_t *dg1, size_t n, struct chip_mrz *m, struct errbuf *eb)
{
	char z[91];
	size_t i;
	const char *l1, *l2, *l3;

	if (n < 95 || dg1[0] != 0x61) /* 61 L 5F1F 5A + 90 MRZ characters */
		return eb_set(eb, E_INVALID, "dg1: not a DG1 structure");
	/* find 5F 1F followed by a length of 90 */
	for (i = 2; i + 3 < n; i++)
		if (dg1[i] == 0x5f && dg1[i + 1] == 0x1f && dg1[i + 2] == 90)
			break;
	if (i + 3 + 90 > n)
		return eb_set(eb, E_INVALID, "dg1: no TD1 MRZ (90 characters)");
	memcpy(z, dg1 + i + 3, 90);
	z[90] = '\0';
	for (i = 0; i < 90; i++)
		if (!((z[i] >= 'A' && z[i] <= 'Z') || (z[i] >= '0' && z[i] <= '9') || z[i] == '<'))
			return eb_set(eb, E_INVALID, "dg1: MRZ has a character outside A-Z 0-9 <");
	l1 = z;
	l2 = z + 30;
	l3 = z + 60;
	/* check digits: document number (l1 5..13 → 14), birth date (l2 0..5 → 6), expiry (8..13 → 14) */
	if (chip_check_digit(l1 + 5, 9) != l1[14] || chip_check_digit(l2, 6) != l2[6] ||
	    chip_check_digit(l2 + 8, 6) != l2[14])
		return eb_set(eb, E_INVALID, "dg1: MRZ check digit wrong");
	memset(m, 0, sizeof(*m));
	memcpy(m->doc, l1 + 5, 9);
	memcpy(m->dob, l2, 6);
	m->sex = l2[7];
	memcpy(m->expiry, l2 + 8, 6);
	memcpy(m->name, l3, 30);
	for (i = 9; i > 0 && m->doc[i - 1] == '<'; i--)
		m->doc[i - 1] = '\0';
	for (i = 30; i > 0 && m->name[i - 1] == '<'; i--)
		m->name[i - 1] = '\0';
	return 0;
}

int chip_passive_auth(X509_STORE *csca, const uint8_t *sod, size_t sodlen, const uint8_t *dg1,
                      size_t dg1len, struct chip_mrz *mrz, struct errbuf *eb)
{
	const uint8_t *p = sod, *h = NULL;
	CMS_ContentInfo *cms = NULL;
	BIO *out = NULL;
	BUF_MEM *bm;
	const EVP_MD *md = NULL;
	uint8_t dg1h[EVP_MAX_MD_SIZE];
	unsigned int dg1hl = 0;
	size_t hl = 0;
	char oid[64];
	int r = E_INVALID;

	if (sodlen > CHIP_SOD_MAX || dg1len > CHIP_DG1_MAX)
		return eb_set(eb, E_INVALID, "sod or dg1: too large");
	/* EF.SOD as read from the chip is wrapped in application tag 0x77 */
	if (sodlen > 4 && sod[0] == 0x77) {
		struct der d = { sod, sod + sodlen };
		const uint8_t *v;
		size_t l;
		int tag;

		if (der_next(&d, &tag, &v, &l) != 0)
			return eb_set(eb, E_INVALID, "sod: malformed");
		p = v;
		sodlen = l;
	}
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)sodlen)) == NULL) {
		r = eb_set(eb, E_INVALID, "sod: not a CMS SignedData");
		goto out;
	}
	OBJ_obj2txt(oid, sizeof(oid), CMS_get0_eContentType(cms), 1);
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || strcmp(oid, OID_LDS_SO) != 0) {
		r = eb_set(eb, E_INVALID, "sod: not an LDS security object");
		goto out;
	}
	if ((out = BIO_new(BIO_s_mem())) == NULL) {
		r = E_NOMEM;
		goto out;
	}
	/* signature with the Document Signer certificate in the SOD, chained to a CSCA */
	if (CMS_verify(cms, NULL, csca, NULL, out, CMS_BINARY) != 1) {
		unsigned long e = ERR_peek_last_error();

		r = eb_set(eb, E_CRYPTO, "sod: %s",
		           ERR_GET_REASON(e) == CMS_R_CONTENT_VERIFY_ERROR ||
		                           ERR_GET_REASON(e) == CMS_R_VERIFICATION_FAILURE
		                   ? "the signature does not verify"
		                   : "the Document Signer does not chain to a trusted CSCA");
		goto out;
	}
	BIO_get_mem_ptr(out, &bm);
	if (lds_dg1_hash((const uint8_t *)bm->data, bm->length, &md, &h, &hl) != 0) {
		r = eb_set(eb, E_INVALID, "sod: no data group 1 hash in the security object");
		goto out;
	}
	if (EVP_Digest(dg1, dg1len, dg1h, &dg1hl, md, NULL) != 1 ||
	    !sec_ct_eq(dg1h, dg1hl, h, hl)) {
		r = eb_set(eb, E_CRYPTO, "dg1: its hash is not the one the SOD signs");
		goto out;
	}
	r = dg1_mrz(dg1, dg1len, mrz, eb);
out:
	ERR_clear_error();
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	return r;
}

int chip_check_digit(const char *s, size_t n)
{
	static const int w[3] = { 7, 3, 1 };
	int sum = 0;

	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'A' && s[i] <= 'Z')
			v = s[i] - 'A' + 10;
		else if (s[i] == '<')
			v = 0;
		else
			return -1;
		sum += v * w[i % 3];
	}
	return '0' + sum % 10;
}

/* The base letter of a Vietnamese (NFC) letter, upper case; 0 for anything else non-ASCII. */
static char base_letter(unsigned c)
{
	/* U+1EA0..U+1EF9: Ạ..ỹ in upper/lower pairs */
	static const char ext[] = "AAAAAAAAAAAAAAAAAAAAAAAAEEEEEEEEEEEEEEEEIIIIOOOOOOOOOOOOOOOOOOOOO"
	                          "OOOUUUUUUUUUUUUUUYYYYYYYY";
	/* U+00C0..U+00FF */
	static const char lat1[] = "AAAAAAACEEEEIIIIDNOOOOO\0OUUUUYPSAAAAAAACEEEEIIIIDNOOOOO\0OUUUUYPY";

	if (c < 0x80)
		return (c >= 'a' && c <= 'z') ? (char)(c - 32) : (char)c;
	if (c >= 0x1ea0 && c <= 0x1ef9)
		return ext[c - 0x1ea0];
	if (c >= 0xc0 && c <= 0xff)
		return lat1[c - 0xc0];
	switch (c) {
	case 0x102: case 0x103: return 'A';
	case 0x110: case 0x111: return 'D';
	case 0x128: case 0x129: return 'I';
	case 0x168: case 0x169: return 'U';
	case 0x1a0: case 0x1a1: return 'O';
	case 0x1af: case 0x1b0: return 'U';
	}
	return 0;
}

void chip_mrz_name(const char *name, char out[31])
{
	const unsigned char *p = (const unsigned char *)name;
	size_t o = 0;
	int word = 0, in_word = 0;

	while (*p != '\0' && o < 30) {
		unsigned c = *p;
		int len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
		char b;

		if (len > 1) {
			c &= 0x7f >> len;
			for (int i = 1; i < len && p[i] != '\0'; i++)
				c = c << 6 | (p[i] & 0x3f);
		}
		p += len;
		if (c == ' ' || c == '\t') {
			in_word = 0;
			continue;
		}
		b = base_letter(c);
		if (b < 'A' || b > 'Z')
			continue;
		if (!in_word && word > 0) {
			/* surname, then "<<", then given names separated by "<" */
			out[o++] = '<';
			if (word == 1 && o < 30)
				out[o++] = '<';
		}
		if (!in_word)
			word++;
		in_word = 1;
		if (o < 30)
			out[o++] = b;
	}
	out[o] = '\0';
}

int chip_mrz_matches(const struct chip_mrz *m, const struct acct_reg *reg)
{
	char want[31], dob[7];

	if (strlen(reg->dob) != 10)
		return 0;
	snprintf(dob, sizeof(dob), "%.2s%.2s%.2s", reg->dob + 2, reg->dob + 5, reg->dob + 8);
	chip_mrz_name(reg->name, want);
	return strcmp(m->doc, reg->doc) == 0 && strcmp(m->dob, dob) == 0 &&
	       m->sex == (reg->sex == ACCT_FEMALE ? 'F' : 'M') && strcmp(m->name, want) == 0;
}
