/* jws.c — see jws.h. */
#include "jws.h"

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lim.h"
#include "sec.h"

#define ES256_HALF 32                   /* bytes in r, in s */
#define ES256_RAW (2 * ES256_HALF)      /* JWS form: r || s */
#define ES256_DER_MAX 72                /* SEQUENCE { INTEGER r, INTEGER s }, 33-byte ints */
#define SIG_MAX (LIM_RSA_BITS / 8)      /* the largest signature we make or accept */

/* ---- ECDSA: DER <-> raw r||s -------------------------------------------------------------- */

/* One DER INTEGER at der[*p] into a 32-byte big-endian field, left-padded with zeros (a short r
 * or s is common: 1 in 256 signatures). Fails on anything that is not a positive INTEGER of at
 * most 32 significant bytes. */
static int der_int(const uint8_t *der, size_t n, size_t *p, uint8_t out[ES256_HALF])
{
	const uint8_t *v;
	size_t l;

	if (*p + 2 > n || der[*p] != 0x02 || der[*p + 1] >= 0x80)
		return -1;
	l = der[*p + 1];
	if (l == 0 || *p + 2 + l > n)
		return -1;
	v = der + *p + 2;
	*p += 2 + l;
	if (v[0] & 0x80)
		return -1;              /* negative */
	while (l > 0 && v[0] == 0) {   /* the sign byte, or a zero value */
		v++;
		l--;
	}
	if (l > ES256_HALF)
		return -1;
	memset(out, 0, ES256_HALF - l);
	memcpy(out + ES256_HALF - l, v, l);
	return 0;
}

/* EVP's DER signature -> JWS r||s. P-256 DER always fits the one-byte (short) length form. */
static int der_to_raw(const uint8_t *der, size_t n, uint8_t raw[ES256_RAW])
{
	size_t p = 2;

	if (n < 2 || der[0] != 0x30 || der[1] >= 0x80 || (size_t)der[1] != n - 2)
		return -1;
	if (der_int(der, n, &p, raw) != 0 || der_int(der, n, &p, raw + ES256_HALF) != 0 || p != n)
		return -1;
	return 0;
}

/* A 32-byte big-endian unsigned value as a minimal DER INTEGER; returns the bytes written. */
static size_t int_der(const uint8_t v[ES256_HALF], uint8_t *out)
{
	size_t l = ES256_HALF, o = 0;

	while (l > 1 && *v == 0) {
		v++;
		l--;
	}
	out[o++] = 0x02;
	out[o++] = (uint8_t)(l + (v[0] & 0x80 ? 1 : 0));
	if (v[0] & 0x80)
		out[o++] = 0x00;        /* keep it positive */
	memcpy(out + o, v, l);
	return o + l;
}

/* JWS r||s -> DER for EVP. Content is at most 2 * 35 = 70 bytes: short length form. */
static size_t raw_to_der(const uint8_t raw[ES256_RAW], uint8_t der[ES256_DER_MAX])
{
	size_t n = 2;

	n += int_der(raw, der + n);
	n += int_der(raw + ES256_HALF, der + n);
	der[0] = 0x30;
	der[1] = (uint8_t)(n - 2);
	return n;
}

/* ---- sign --------------------------------------------------------------------------------- */

/* Signs the SHA-256 digest h into sig (raw r||s for ES256); *n is the signature length. */
static int sign_digest(const struct key *k, const uint8_t h[SEC_SHA256_LEN], uint8_t *sig,
                       size_t *n)
{
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t der[ES256_DER_MAX];
	size_t dn = sizeof(der);
	int r = E_CRYPTO;

	if (k->alg == KEY_ES256) {
		BUG_ON(k->sign_ctx == NULL, "ES256 key without a signing context (not from keys_load)");
		if (EVP_PKEY_sign(k->sign_ctx, der, &dn, h, SEC_SHA256_LEN) != 1 ||
		    der_to_raw(der, dn, sig) != 0)
			goto out;
		*n = ES256_RAW;
	} else {
		/* PKCS#1 v1.5 with SHA-256 (RFC 7518 §3.3); EVP adds the DigestInfo. */
		size_t sn = SIG_MAX;

		if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
		    EVP_PKEY_sign_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1 ||
		    EVP_PKEY_sign(ctx, sig, &sn, h, SEC_SHA256_LEN) != 1)
			goto out;
		*n = sn;
	}
	r = 0;
out:
	if (r != 0)
		ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int jws_sign(const struct key *k, const char *typ, const char *payload, size_t len,
             struct arena *a, char **out, size_t *outlen)
{
	char hdr[KEYS_HDR_SIZE];
	uint8_t h[SEC_SHA256_LEN], sig[SIG_MAX];
	size_t hl, pl, signed_len, siglen, sn, total;
	char *buf;
	int r;

	if ((r = keys_header(k, typ, hdr, &hl)) != 0)
		return r;
	if (len > LIM_JWS)
		return E_LIMIT;         /* also keeps the length arithmetic below far from overflow */
	siglen = k->alg == KEY_ES256 ? ES256_RAW : (size_t)EVP_PKEY_get_size(k->pkey);
	BUG_ON(siglen > SIG_MAX, "signing key larger than LIM_RSA_BITS");
	pl = sec_b64url_len(len);
	signed_len = hl + 1 + pl;
	total = signed_len + 1 + sec_b64url_len(siglen);
	if (total > LIM_JWS)
		return E_LIMIT;
	if ((buf = arena_alloc(a, total + 1)) == NULL)
		return E_NOMEM;
	/* header '.' payload — the JWS Signing Input (RFC 7515 §5.1) — then '.' signature */
	memcpy(buf, hdr, hl);
	buf[hl] = '.';
	sec_b64url_encode(payload, len, buf + hl + 1);
	buf[signed_len] = '.';
	sec_sha256(buf, signed_len, h);
	if ((r = sign_digest(k, h, sig, &sn)) != 0)
		return r;
	BUG_ON(sn != siglen, "signature length");
	sec_b64url_encode(sig, sn, buf + signed_len + 1);
	*out = buf;
	*outlen = total;
	return 0;
}

/* ---- verify ------------------------------------------------------------------------------- */

struct parts {
	const char *h, *p, *s;          /* base64url header, payload, signature */
	size_t hl, pl, sl;
	size_t signed_len;              /* header '.' payload */
};

static int split(const char *c, size_t len, struct parts *pt, struct errbuf *eb)
{
	const char *d1, *d2;
	size_t dots = 0;

	if (len > LIM_JWS)
		return eb_set(eb, E_LIMIT, "JWS: longer than %d bytes", LIM_JWS);
	for (size_t i = 0; i < len; i++)
		dots += c[i] == '.';
	if (dots != 2)
		return eb_set(eb, E_INVALID, "JWS: must have 3 parts, got %zu", dots + 1);
	d1 = memchr(c, '.', len);
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - c));
	pt->h = c;
	pt->hl = (size_t)(d1 - c);
	pt->p = d1 + 1;
	pt->pl = (size_t)(d2 - pt->p);
	pt->s = d2 + 1;
	pt->sl = len - (size_t)(pt->s - c);
	pt->signed_len = (size_t)(d2 - c);
	return 0;
}

/* base64url part -> a JSON object (duplicate members refused: {"alg":"none","alg":"ES256"}
 * must not mean different things to different parsers). */
static int part_json(const char *b64, size_t n, const char *what, json_t **out,
                     struct errbuf *eb)
{
	uint8_t *buf = malloc(n / 4 * 3 + 3);
	json_error_t je;
	json_t *j = NULL;
	long k;
	int r = E_INVALID;

	if (buf == NULL)
		return E_NOMEM;
	if ((k = sec_b64url_decode(b64, n, buf)) < 0) {
		eb_set(eb, r, "%s: not base64url", what);
		goto out;
	}
	if ((j = json_loadb((const char *)buf, (size_t)k, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		eb_set(eb, r, "%s: not JSON (%s)", what, je.text);
		goto out;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		eb_set(eb, r, "%s: not a JSON object", what);
		goto out;
	}
	*out = j;
	r = 0;
out:
	free(buf);
	return r;
}

/* RFC 7515 §4.1.9: media types compare case-insensitively, "application/" may be left out. */
static int typ_eq(const char *got, const char *want)
{
	static const char app[] = "application/";

	if (strncasecmp(got, app, sizeof(app) - 1) == 0)
		got += sizeof(app) - 1;
	if (strncasecmp(want, app, sizeof(app) - 1) == 0)
		want += sizeof(app) - 1;
	return strcasecmp(got, want) == 0;
}

/* An attacker's string, shown in a message only when short and printable. */
static const char *shown(const char *s)
{
	if (strlen(s) > 16)
		return "(long)";
	for (const char *p = s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			return "(unprintable)";
	return s;
}

static int header_check(json_t *hdr, enum key_alg alg, const char *kid, const char *typ,
                        struct errbuf *eb)
{
	json_t *v;
	const char *s;

	/* RFC 7515 §4.1.11: extensions listed in crit MUST be understood; we understand none. */
	if (json_object_get(hdr, "crit") != NULL)
		return eb_set(eb, E_INVALID, "header: crit is not supported");
	v = json_object_get(hdr, "alg");
	if (!json_is_string(v))
		return eb_set(eb, E_INVALID, "header: alg %s", v == NULL ? "missing" : "not a string");
	/* The key decides the algorithm (RFC 8725 §3.1); this single exact comparison is what
	 * refuses "none", every HS* and anything else. */
	s = json_string_value(v);
	if (strcmp(s, keys_alg_name(alg)) != 0)
		return eb_set(eb, E_INVALID, "header: alg \"%s\" refused, the key is %s", shown(s),
		              keys_alg_name(alg));
	v = json_object_get(hdr, "kid");
	if (v != NULL && !json_is_string(v))
		return eb_set(eb, E_INVALID, "header: kid not a string");
	if (v != NULL && kid != NULL && strcmp(json_string_value(v), kid) != 0)
		return eb_set(eb, E_INVALID, "header: kid does not match the key");
	if (typ != NULL) {
		v = json_object_get(hdr, "typ");
		if (!json_is_string(v))
			return eb_set(eb, E_INVALID, "header: typ %s, %s expected",
			              v == NULL ? "missing" : "not a string", typ);
		if (!typ_eq(json_string_value(v), typ))
			return eb_set(eb, E_INVALID, "header: typ \"%s\", %s expected",
			              shown(json_string_value(v)), typ);
	}
	return 0;
}

static int sig_check(const char *compact, const struct parts *pt, EVP_PKEY *pub,
                     enum key_alg alg, struct errbuf *eb)
{
	uint8_t sig[SIG_MAX + 3], der[ES256_DER_MAX];
	const uint8_t *s = sig;
	size_t want, sn;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	long k;
	int r;

	if ((r = keys_pkey_check(pub, alg, eb)) != 0)
		return r;
	want = alg == KEY_ES256 ? ES256_RAW : (size_t)EVP_PKEY_get_size(pub);
	if (pt->sl > sec_b64url_len(SIG_MAX))
		return eb_set(eb, E_INVALID, "signature: must be %zu bytes for %s", want,
		              keys_alg_name(alg));
	if ((k = sec_b64url_decode(pt->s, pt->sl, sig)) < 0)
		return eb_set(eb, E_INVALID, "signature: not base64url");
	/* RFC 7518 §3.4: ES256 is exactly r||s, 64 bytes; RS256 exactly the modulus length. */
	if ((size_t)k != want)
		return eb_set(eb, E_INVALID, "signature: must be %zu bytes for %s, got %ld", want,
		              keys_alg_name(alg), k);
	sn = (size_t)k;
	if (alg == KEY_ES256) {
		sn = raw_to_der(sig, der);
		s = der;
	}
	r = E_NOMEM;
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto out;
	r = E_CRYPTO;
	if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pub) != 1 ||
	    (alg == KEY_RS256 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)) {
		eb_set(eb, r, "cannot set up verification");
		goto out;
	}
	if (EVP_DigestVerify(md, s, sn, (const uint8_t *)compact, pt->signed_len) != 1) {
		eb_set(eb, r, "signature does not verify");
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		ERR_clear_error();
	EVP_MD_CTX_free(md);
	return r;
}

/* Header parsed; the rest of jws_verify. */
static int verify_rest(const char *compact, const struct parts *pt, json_t *hdr, EVP_PKEY *pub,
                       enum key_alg alg, const char *kid, const char *typ, json_t **payload,
                       struct errbuf *eb)
{
	int r;

	if ((r = header_check(hdr, alg, kid, typ, eb)) != 0 ||
	    (r = sig_check(compact, pt, pub, alg, eb)) != 0)
		return r;
	/* Only now is the payload read at all. */
	return part_json(pt->p, pt->pl, "payload", payload, eb);
}

int jws_verify(const char *compact, size_t len, EVP_PKEY *pub, enum key_alg alg, const char *kid,
               const char *typ, json_t **payload, struct errbuf *eb)
{
	struct parts pt;
	json_t *hdr = NULL;
	int r;

	if ((r = split(compact, len, &pt, eb)) != 0 ||
	    (r = part_json(pt.h, pt.hl, "header", &hdr, eb)) != 0)
		return r;
	r = verify_rest(compact, &pt, hdr, pub, alg, kid, typ, payload, eb);
	json_decref(hdr);
	return r;
}

/* The header's kid: 0, E_NOTFOUND (absent) or E_INVALID. */
static int header_kid(json_t *hdr, const char **kid, struct errbuf *eb)
{
	json_t *v = json_object_get(hdr, "kid");

	if (v == NULL)
		return eb_set(eb, E_NOTFOUND, "header: kid missing");
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > LIM_KID ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return eb_set(eb, E_INVALID, "header: kid must be 1..%d bytes", LIM_KID);
	*kid = json_string_value(v);
	return 0;
}

int jws_verify_keyset(const struct keyset *ks, const char *compact, size_t len, const char *typ,
                      json_t **payload, struct errbuf *eb)
{
	struct parts pt;
	json_t *hdr = NULL;
	const struct key *k;
	const char *kid = NULL;
	int r;

	if ((r = split(compact, len, &pt, eb)) != 0 ||
	    (r = part_json(pt.h, pt.hl, "header", &hdr, eb)) != 0)
		return r;
	if ((r = header_kid(hdr, &kid, eb)) != 0) {
		r = E_INVALID;          /* we always send a kid: a token without one is not ours */
		goto out;
	}
	if ((k = keys_find(ks, kid)) == NULL) {
		r = eb_set(eb, E_NOTFOUND, "header: kid is none of our keys");
		goto out;
	}
	r = verify_rest(compact, &pt, hdr, k->pkey, k->alg, k->kid, typ, payload, eb);
out:
	json_decref(hdr);
	return r;
}

int jws_kid(const char *compact, size_t len, char kid[KEYS_KID_SIZE], struct errbuf *eb)
{
	struct parts pt;
	json_t *hdr = NULL;
	const char *s = NULL;
	int r;

	if ((r = split(compact, len, &pt, eb)) != 0 ||
	    (r = part_json(pt.h, pt.hl, "header", &hdr, eb)) != 0)
		return r;
	if ((r = header_kid(hdr, &s, eb)) == 0)
		memcpy(kid, s, strlen(s) + 1);
	json_decref(hdr);
	return r;
}
