/* rp.c — see rp.h. */
#include "rp.h"

#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sec.h"

/* ---- small helpers ------------------------------------------------------------------------- */

/* A growing string; once `oom` is set every append is a no-op and sb_done returns NULL. */
struct sb {
	char *p;
	size_t n, cap;
	int oom;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Appends "&name=" + urlenc(value) ("?"/"" instead of "&" as sep says). */
static void sb_param(struct sb *b, const char *sep, const char *name, const char *value)
{
	char *v = rp_urlenc(value);

	if (v == NULL) {
		b->oom = 1;
		return;
	}
	sb_str(b, sep);
	sb_str(b, name);
	sb_str(b, "=");
	sb_str(b, v);
	sec_wipe(v, strlen(v));
	free(v);
}

static char *sb_done(struct sb *b)
{
	if (b->oom || b->p == NULL) {
		if (b->p != NULL)
			sec_wipe(b->p, b->n);
		free(b->p);
		return NULL;
	}
	return b->p;
}

static int is_unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static int is_b64url(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* ---- PKCE, at_hash ------------------------------------------------------------------------- */

void rp_pkce_verifier(const uint8_t raw[32], char out[RP_TOKEN_SIZE])
{
	sec_b64url_encode(raw, 32, out);
}

int rp_pkce_challenge(const char *verifier, char out[RP_TOKEN_SIZE])
{
	size_t n = strlen(verifier);
	uint8_t h[SEC_SHA256_LEN];

	/* RFC 7636 §4.1: code-verifier = 43*128unreserved */
	if (n < 43 || n > 128)
		return E_INVALID;
	for (size_t i = 0; i < n; i++)
		if (!is_unreserved((unsigned char)verifier[i]))
			return E_INVALID;
	sec_sha256(verifier, n, h);
	sec_b64url_encode(h, sizeof(h), out);
	return 0;
}

void rp_at_hash(const char *access_token, char out[RP_AT_HASH_SIZE])
{
	uint8_t h[SEC_SHA256_LEN];

	sec_sha256(access_token, strlen(access_token), h);
	sec_b64url_encode(h, SEC_SHA256_LEN / 2, out);
}

/* ---- URLs ---------------------------------------------------------------------------------- */

/* Splits an absolute http(s) URL: scheme length (4/5), authority [a, a + alen), host
 * [h, h + hlen). 0 or E_INVALID with the reason in *why. */
struct url_parts {
	int https;
	const char *auth, *host;
	size_t alen, hlen;
};

static int url_split(const char *url, struct url_parts *u, const char **why)
{
	const char *p, *end;

	if (strncmp(url, "https://", 8) == 0) {
		u->https = 1;
		p = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		u->https = 0;
		p = url + 7;
	} else {
		*why = "must start with https:// (or http:// on a loopback host)";
		return E_INVALID;
	}
	end = p + strcspn(p, "/?");
	u->auth = p;
	u->alen = (size_t)(end - p);
	if (memchr(p, '@', u->alen) != NULL) {
		*why = "must not contain userinfo (user@)";
		return E_INVALID;
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', u->alen);

		if (rb == NULL) {
			*why = "has an unterminated [IPv6] host";
			return E_INVALID;
		}
		u->host = p;
		u->hlen = (size_t)(rb - p) + 1;
	} else {
		const char *colon = memchr(p, ':', u->alen);

		u->host = p;
		u->hlen = colon != NULL ? (size_t)(colon - p) : u->alen;
	}
	if (u->hlen == 0) {
		*why = "has no host";
		return E_INVALID;
	}
	if (u->hlen < u->alen) {
		const char *port = u->host + u->hlen;
		size_t plen = u->alen - u->hlen;
		long v = 0;

		if (port[0] != ':' || plen < 2 || plen > 6) {
			*why = "has a malformed port";
			return E_INVALID;
		}
		for (size_t i = 1; i < plen; i++) {
			if (port[i] < '0' || port[i] > '9') {
				*why = "has a malformed port";
				return E_INVALID;
			}
			v = v * 10 + (port[i] - '0');
		}
		if (v < 1 || v > 65535) {
			*why = "has a port outside 1..65535";
			return E_INVALID;
		}
	}
	return 0;
}

static int host_is_loopback(const struct url_parts *u)
{
	return (u->hlen == 9 && memcmp(u->host, "127.0.0.1", 9) == 0) ||
	       (u->hlen == 5 && memcmp(u->host, "[::1]", 5) == 0) ||
	       (u->hlen == 9 && strncasecmp(u->host, "localhost", 9) == 0);
}

int rp_url_check(const char *what, const char *url, struct errbuf *eb)
{
	struct url_parts u;
	const char *why = NULL;
	size_t n = strlen(url);

	if (n > RP_URL_MAX)
		return eb_set(eb, E_INVALID, "%s: longer than %d bytes", what, RP_URL_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c >= 0x7f)
			return eb_set(eb, E_INVALID, "%s: must be printable ASCII without spaces",
			              what);
		if (c == '#')
			return eb_set(eb, E_INVALID, "%s: must not contain a fragment", what);
	}
	if (url_split(url, &u, &why) != 0)
		return eb_set(eb, E_INVALID, "%s: %s", what, why);
	if (!u.https && !host_is_loopback(&u))
		return eb_set(eb, E_INVALID, "%s: http:// is only allowed on a loopback host", what);
	return 0;
}

int rp_url_is_loopback(const char *url)
{
	struct url_parts u;
	const char *why;

	return url_split(url, &u, &why) == 0 && host_is_loopback(&u);
}

int rp_url_origin(const char *url, char *out, size_t n)
{
	struct url_parts u;
	const char *why;
	size_t len;

	if (url_split(url, &u, &why) != 0)
		return E_INVALID;
	len = (size_t)(u.auth + u.alen - url);
	if (len + 1 > n)
		return E_LIMIT;
	memcpy(out, url, len);
	out[len] = '\0';
	return 0;
}

char *rp_urlenc(const char *s)
{
	static const char HEX[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (is_unreserved(c)) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = HEX[c >> 4];
			*o++ = HEX[c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* ---- discovery ----------------------------------------------------------------------------- */

/* An optional URL member: absent → NULL; present → a string passing rp_url_check, strdup'd. */
static int meta_url(const json_t *doc, const char *name, int required, char **out,
                    struct errbuf *eb)
{
	const json_t *v = json_object_get(doc, name);

	*out = NULL;
	if (v == NULL) {
		if (required)
			return eb_set(eb, E_INVALID, "discovery: %s: missing", name);
		return 0;
	}
	if (!json_is_string(v))
		return eb_set(eb, E_INVALID, "discovery: %s: not a string", name);
	if (rp_url_check(name, json_string_value(v), eb) != 0) {
		char msg[sizeof(eb->msg)];

		snprintf(msg, sizeof(msg), "%s", eb->msg);
		return eb_set(eb, E_INVALID, "discovery: %s", msg);
	}
	if ((*out = strdup(json_string_value(v))) == NULL)
		return E_NOMEM;
	return 0;
}

int rp_discovery_parse(const json_t *doc, const char *issuer, struct rp_op *op,
                       struct errbuf *eb)
{
	struct rp_op o = { 0 };
	const json_t *iss = json_object_get(doc, "issuer");
	const json_t *isp;
	int r;

	if (!json_is_object(doc))
		return eb_set(eb, E_INVALID, "discovery: not a JSON object");
	if (!json_is_string(iss))
		return eb_set(eb, E_INVALID, "discovery: issuer: missing or not a string");
	/* OIDC Discovery §4.3: exactly the issuer we asked, or an impostor could name itself */
	if (strcmp(json_string_value(iss), issuer) != 0)
		return eb_set(eb, E_INVALID, "discovery: issuer \"%.200s\" is not the configured %.200s",
		              json_string_value(iss), issuer);
	if ((o.issuer = strdup(issuer)) == NULL) {
		r = E_NOMEM;
		goto out;
	}
	if ((r = meta_url(doc, "jwks_uri", 1, &o.jwks_uri, eb)) != 0 ||
	    (r = meta_url(doc, "authorization_endpoint", 0, &o.authorization_endpoint, eb)) != 0 ||
	    (r = meta_url(doc, "token_endpoint", 0, &o.token_endpoint, eb)) != 0 ||
	    (r = meta_url(doc, "userinfo_endpoint", 0, &o.userinfo_endpoint, eb)) != 0 ||
	    (r = meta_url(doc, "end_session_endpoint", 0, &o.end_session_endpoint, eb)) != 0)
		goto out;
	isp = json_object_get(doc, "authorization_response_iss_parameter_supported");
	if (isp != NULL && !json_is_boolean(isp)) {
		r = eb_set(eb, E_INVALID,
		           "discovery: authorization_response_iss_parameter_supported: not a boolean");
		goto out;
	}
	o.iss_param = json_is_true(isp);
	*op = o;
	memset(&o, 0, sizeof(o)); /* the caller owns the strings */
	r = 0;
out:
	rp_op_fini(&o);
	return r;
}

void rp_op_fini(struct rp_op *op)
{
	free(op->issuer);
	free(op->authorization_endpoint);
	free(op->token_endpoint);
	free(op->userinfo_endpoint);
	free(op->jwks_uri);
	free(op->end_session_endpoint);
	memset(op, 0, sizeof(*op));
}

/* ---- JWK Set ------------------------------------------------------------------------------- */

/* A base64url member decoded into out (room for cap bytes); its length, or -1. */
static long b64_member(const json_t *jwk, const char *name, uint8_t *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(jwk, name));
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n / 4 * 3 + 3 > cap)
		return -1;
	return sec_b64url_decode(s, n, out);
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL), *chk = NULL;
	EVP_PKEY *pk = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
	/* an EC point must lie on the curve (invalid-curve attacks); RSA n, e must be sane */
	if (pk != NULL && ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
	                   EVP_PKEY_public_check(chk) != 1)) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static EVP_PKEY *jwk_ec(const json_t *jwk)
{
	uint8_t pt[1 + 64], buf[48];
	OSSL_PARAM params[3];
	char group[] = "prime256v1";

	pt[0] = 0x04; /* uncompressed point: x || y */
	if (b64_member(jwk, "x", buf, sizeof(buf)) != 32)
		return NULL;
	memcpy(pt + 1, buf, 32);
	if (b64_member(jwk, "y", buf, sizeof(buf)) != 32)
		return NULL;
	memcpy(pt + 33, buf, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	return pkey_fromdata("EC", params);
}

/* RSA public key of 2048..8192 bits; *bits set when n could be read (to tell "too small"). */
static EVP_PKEY *jwk_rsa(const json_t *jwk, int *bits)
{
	uint8_t *nb = malloc(1100), eb[16];
	long nl = nb != NULL ? b64_member(jwk, "n", nb, 1100) : -1;
	long el = b64_member(jwk, "e", eb, sizeof(eb));
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pk = NULL;

	*bits = 0;
	if (nl <= 0 || el <= 0 || (n = BN_bin2bn(nb, (int)nl, NULL)) == NULL ||
	    (e = BN_bin2bn(eb, (int)el, NULL)) == NULL)
		goto out;
	*bits = BN_num_bits(n);
	if (*bits < 2048 || *bits > 8192)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	pk = pkey_fromdata("RSA", params);
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	return pk;
}

static char *pubkey_pem(EVP_PKEY *pk)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long n;

	if (b != NULL && PEM_write_bio_PUBKEY(b, pk) == 1 && (n = BIO_get_mem_data(b, &data)) > 0)
		s = strndup(data, (size_t)n);
	BIO_free(b);
	return s;
}

static const char *const PRIVATE_MEMBERS[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL };

static void key_free(struct rp_key *k)
{
	free(k->kid);
	free(k->pem);
	memset(k, 0, sizeof(*k));
}

int rp_jwks_parse(const json_t *jwks, struct rp_keys *out, struct errbuf *eb)
{
	struct rp_keys ks = { 0 };
	const json_t *keys = json_object_get(jwks, "keys"), *jwk;
	size_t i;
	int r = E_INVALID;

	if (!json_is_object(jwks) || !json_is_array(keys))
		return eb_set(eb, E_INVALID, "jwks: not a JSON object with a \"keys\" array");
	json_array_foreach(keys, i, jwk)
	{
		const char *kty = json_string_value(json_object_get(jwk, "kty"));
		const char *crv = json_string_value(json_object_get(jwk, "crv"));
		const char *use = json_string_value(json_object_get(jwk, "use"));
		const char *alg = json_string_value(json_object_get(jwk, "alg"));
		const json_t *kid = json_object_get(jwk, "kid");
		EVP_PKEY *pk = NULL;
		struct rp_key k = { 0 };
		int bits = 0;

		if (!json_is_object(jwk) || kty == NULL) {
			r = eb_set(eb, E_INVALID, "jwks: keys[%zu]: not a JWK (no kty)", i);
			goto out;
		}
		/* a published private key means anyone can sign: trust none of this set */
		for (const char *const *m = PRIVATE_MEMBERS; *m != NULL; m++) {
			if (json_object_get(jwk, *m) != NULL) {
				r = eb_set(eb, E_INVALID,
				           "jwks: keys[%zu]: holds private key material (\"%s\")", i, *m);
				goto out;
			}
		}
		if (kid != NULL && (!json_is_string(kid) || json_string_length(kid) == 0 ||
		                    json_string_length(kid) > 256)) {
			r = eb_set(eb, E_INVALID, "jwks: keys[%zu]: kid must be a string of 1..256 bytes",
			           i);
			goto out;
		}
		if (json_object_get(jwk, "use") != NULL && (use == NULL || strcmp(use, "sig") != 0))
			continue; /* an encryption key */
		if (strcmp(kty, "EC") == 0 && crv != NULL && strcmp(crv, "P-256") == 0) {
			if (alg != NULL && strcmp(alg, "ES256") != 0)
				continue;
			if ((pk = jwk_ec(jwk)) == NULL) {
				r = eb_set(eb, E_INVALID,
				           "jwks: keys[%zu]: x/y are not a point on P-256 (32 bytes each)", i);
				goto out;
			}
			k.alg = RP_ES256;
		} else if (strcmp(kty, "RSA") == 0) {
			if (alg != NULL && strcmp(alg, "RS256") != 0)
				continue;
			if ((pk = jwk_rsa(jwk, &bits)) == NULL) {
				if (bits != 0 && (bits < 2048 || bits > 8192))
					continue; /* too weak (or too big) to use: as if not there */
				r = eb_set(eb, E_INVALID, "jwks: keys[%zu]: n/e are not an RSA public key",
				           i);
				goto out;
			}
			k.alg = RP_RS256;
		} else {
			continue; /* OKP, oct without k, P-384, ...: not for us */
		}
		if (ks.n == RP_MAX_KEYS) {
			EVP_PKEY_free(pk);
			r = eb_set(eb, E_INVALID, "jwks: more than %d usable keys", RP_MAX_KEYS);
			goto out;
		}
		k.pem = pubkey_pem(pk);
		EVP_PKEY_free(pk);
		if (k.pem == NULL || (kid != NULL && (k.kid = strdup(json_string_value(kid))) == NULL)) {
			key_free(&k);
			r = E_NOMEM;
			goto out;
		}
		ks.k[ks.n++] = k;
	}
	if (ks.n == 0) {
		r = eb_set(eb, E_INVALID, "jwks: no ES256 (EC P-256) or RS256 (RSA) signing key");
		goto out;
	}
	*out = ks;
	memset(&ks, 0, sizeof(ks));
	r = 0;
out:
	rp_keys_fini(&ks);
	return r;
}

void rp_keys_fini(struct rp_keys *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		key_free(&ks->k[i]);
	ks->n = 0;
}

/* ---- the ID token -------------------------------------------------------------------------- */

static const char *const ALG_NAME[] = { [RP_ES256] = "ES256", [RP_RS256] = "RS256" };
static const jwt_alg_t ALG_JWT[] = { [RP_ES256] = JWT_ALG_ES256, [RP_RS256] = JWT_ALG_RS256 };

/* Levels of assurance we know, lowest first. */
static int acr_rank(const char *acr)
{
	if (strcmp(acr, "urn:eid:level:1") == 0)
		return 1;
	if (strcmp(acr, "urn:eid:level:2") == 0)
		return 2;
	return 0;
}

static int num_claim(const json_t *c, const char *name, int required, double *out,
                     struct errbuf *eb)
{
	const json_t *v = json_object_get(c, name);

	if (v == NULL) {
		if (required)
			return eb_set(eb, E_INVALID, "ID token: %s: missing", name);
		return 1;
	}
	if (!json_is_number(v))
		return eb_set(eb, E_INVALID, "ID token: %s: not a number", name);
	*out = json_number_value(v);
	return 0;
}

int rp_idtoken_check(const json_t *c, const struct rp_expect *x, struct errbuf *eb)
{
	const json_t *aud = json_object_get(c, "aud"), *v;
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *sub = json_string_value(json_object_get(c, "sub"));
	const char *azp = json_string_value(json_object_get(c, "azp"));
	const char *nonce = json_string_value(json_object_get(c, "nonce"));
	const char *ath = json_string_value(json_object_get(c, "at_hash"));
	const char *acr = json_string_value(json_object_get(c, "acr"));
	double now = (double)x->now, exp = 0, iat = 0, t = 0;
	size_t naud = 0, i;
	int found = 0, r;

	if (!json_is_object(c))
		return eb_set(eb, E_INVALID, "ID token: the payload is not a JSON object");
	if (iss == NULL)
		return eb_set(eb, E_INVALID, "ID token: iss: missing or not a string");
	if (strcmp(iss, x->issuer) != 0)
		return eb_set(eb, E_INVALID, "ID token: iss: \"%.200s\" is not the issuer %.200s", iss,
		              x->issuer);
	if (json_is_string(aud)) {
		naud = 1;
		found = strcmp(json_string_value(aud), x->client_id) == 0;
	} else if (json_is_array(aud) && json_array_size(aud) > 0) {
		naud = json_array_size(aud);
		json_array_foreach(aud, i, v)
		{
			if (!json_is_string(v))
				return eb_set(eb, E_INVALID, "ID token: aud[%zu]: not a string", i);
			found |= strcmp(json_string_value(v), x->client_id) == 0;
		}
	} else {
		return eb_set(eb, E_INVALID, "ID token: aud: missing, empty or not a string/array");
	}
	if (!found)
		return eb_set(eb, E_INVALID, "ID token: aud: does not contain our client_id %.128s",
		              x->client_id);
	if (json_object_get(c, "azp") != NULL && (azp == NULL || strcmp(azp, x->client_id) != 0))
		return eb_set(eb, E_INVALID, "ID token: azp: is not our client_id %.128s",
		              x->client_id);
	/* OIDC Core §3.1.3.7 (4): several audiences — the token must say whom it was issued to */
	if (naud > 1 && azp == NULL)
		return eb_set(eb, E_INVALID, "ID token: azp: missing while aud has %zu members", naud);
	if (sub == NULL || sub[0] == '\0' || strlen(sub) > 255)
		return eb_set(eb, E_INVALID, "ID token: sub: missing or not a string of 1..255 bytes");
	if ((r = num_claim(c, "exp", 1, &exp, eb)) != 0)
		return r;
	if (exp <= now - RP_SKEW)
		return eb_set(eb, E_INVALID, "ID token: exp: expired %.0f s ago", now - exp);
	if ((r = num_claim(c, "iat", 1, &iat, eb)) != 0)
		return r;
	if (iat > now + RP_SKEW)
		return eb_set(eb, E_INVALID, "ID token: iat: %.0f s in the future", iat - now);
	if (iat < now - RP_IAT_MAX_AGE)
		return eb_set(eb, E_INVALID, "ID token: iat: issued %.0f s ago (more than %d)",
		              now - iat, RP_IAT_MAX_AGE);
	if ((r = num_claim(c, "nbf", 0, &t, eb)) < 0)
		return r;
	if (r == 0 && t > now + RP_SKEW)
		return eb_set(eb, E_INVALID, "ID token: nbf: not valid for another %.0f s", t - now);
	if ((r = num_claim(c, "auth_time", 0, &t, eb)) < 0)
		return r;
	/* the nonce binds the token to this browser's login (OIDC Core §3.1.3.7 (11)) */
	if (nonce == NULL)
		return eb_set(eb, E_INVALID, "ID token: nonce: missing or not a string");
	if (!sec_ct_eq(nonce, strlen(nonce), x->nonce, strlen(x->nonce)))
		return eb_set(eb, E_INVALID, "ID token: nonce: not the one this login sent");
	if (json_object_get(c, "at_hash") != NULL) {
		char want[RP_AT_HASH_SIZE];

		if (ath == NULL)
			return eb_set(eb, E_INVALID, "ID token: at_hash: not a string");
		if (x->access_token == NULL)
			return eb_set(eb, E_INVALID, "ID token: at_hash: present without an access token");
		rp_at_hash(x->access_token, want);
		if (!sec_ct_eq(ath, strlen(ath), want, strlen(want)))
			return eb_set(eb, E_INVALID,
			              "ID token: at_hash: does not match the access token");
	}
	if (json_object_get(c, "acr") != NULL && acr == NULL)
		return eb_set(eb, E_INVALID, "ID token: acr: not a string");
	if (x->acr != NULL) {
		int want = acr_rank(x->acr);

		if (acr == NULL)
			return eb_set(eb, E_INVALID, "ID token: acr: missing, %.64s was asked for",
			              x->acr);
		if (want != 0 ? acr_rank(acr) < want : strcmp(acr, x->acr) != 0)
			return eb_set(eb, E_INVALID, "ID token: acr: \"%.64s\" is below the %.64s asked for",
			              acr, x->acr);
	}
	return 0;
}

/* A base64url part decoded and parsed as a JSON object (duplicate members refused). */
static json_t *part_json(const char *s, size_t n)
{
	uint8_t *buf = malloc(n / 4 * 3 + 3);
	json_t *j = NULL;
	long len;

	if (buf != NULL && (len = sec_b64url_decode(s, n, buf)) >= 0)
		j = json_loadb((const char *)buf, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* RFC 7515 §4.1.9: compared case-insensitively, "application/" may be omitted. */
static int typ_is_jwt(const char *typ)
{
	if (strncasecmp(typ, "application/", 12) == 0)
		typ += 12;
	return strcasecmp(typ, "JWT") == 0;
}

/* The one key the header's kid (or its absence) names. */
static int pick_key(const struct rp_keys *ks, const json_t *hdr, const struct rp_key **out,
                    struct errbuf *eb)
{
	const json_t *kid = json_object_get(hdr, "kid");
	const struct rp_key *k = NULL;
	size_t hits = 0;

	if (kid == NULL) {
		/* OIDC Core §10.1: with several keys in the set, a kid MUST be given */
		if (ks->n != 1)
			return eb_set(eb, ks->n == 0 ? E_NOTFOUND : E_INVALID,
			              "ID token: header: no kid, and the provider has %zu keys", ks->n);
		*out = &ks->k[0];
		return 0;
	}
	if (!json_is_string(kid))
		return eb_set(eb, E_INVALID, "ID token: header: kid is not a string");
	for (size_t i = 0; i < ks->n; i++) {
		if (ks->k[i].kid != NULL && strcmp(ks->k[i].kid, json_string_value(kid)) == 0) {
			k = &ks->k[i];
			hits++;
		}
	}
	if (hits == 0)
		return eb_set(eb, E_NOTFOUND, "ID token: header: no provider key has kid \"%.64s\"",
		              json_string_value(kid));
	if (hits > 1)
		return eb_set(eb, E_INVALID, "ID token: header: kid \"%.64s\" names %zu keys",
		              json_string_value(kid), hits);
	*out = k;
	return 0;
}

int rp_idtoken_verify(const char *compact, const struct rp_keys *ks, const struct rp_expect *x,
                      json_t **claims, struct errbuf *eb)
{
	size_t len = strnlen(compact, RP_JWT_MAX + 1), dots[2], nd = 0;
	json_t *hdr = NULL, *payload = NULL;
	const struct rp_key *k = NULL;
	const json_t *typ;
	const char *alg;
	jwt_t *jwt = NULL;
	size_t siglen;
	int r = E_INVALID;

	if (len > RP_JWT_MAX)
		return eb_set(eb, E_INVALID, "ID token: longer than %d bytes", RP_JWT_MAX);
	for (size_t i = 0; i < len; i++) {
		if (compact[i] == '.') {
			if (nd == 2)
				return eb_set(eb, E_INVALID, "ID token: not 3 base64url parts");
			dots[nd++] = i;
		} else if (!is_b64url((unsigned char)compact[i])) {
			return eb_set(eb, E_INVALID, "ID token: not 3 base64url parts");
		}
	}
	if (nd != 2 || dots[0] == 0 || dots[1] == dots[0] + 1 || dots[1] + 1 == len)
		return eb_set(eb, E_INVALID, "ID token: not 3 non-empty base64url parts");
	if ((hdr = part_json(compact, dots[0])) == NULL)
		return eb_set(eb, E_INVALID, "ID token: header: not a JSON object (or duplicate members)");
	if ((alg = json_string_value(json_object_get(hdr, "alg"))) == NULL) {
		r = eb_set(eb, E_INVALID, "ID token: header: alg missing or not a string");
		goto out;
	}
	if (json_object_get(hdr, "crit") != NULL) {
		r = eb_set(eb, E_INVALID, "ID token: header: crit refused (no extension understood)");
		goto out;
	}
	typ = json_object_get(hdr, "typ");
	if (typ != NULL && (!json_is_string(typ) || !typ_is_jwt(json_string_value(typ)))) {
		r = eb_set(eb, E_INVALID, "ID token: header: typ is not JWT (another kind of token?)");
		goto out;
	}
	if ((r = pick_key(ks, hdr, &k, eb)) != 0)
		goto out;
	/* The algorithm is the key's. libjwt 1.10 verifies with whatever the header says, "none"
	 * (no check at all) and HS256 (an HMAC keyed with our public key's PEM) included. */
	if (strcmp(alg, ALG_NAME[k->alg]) != 0) {
		r = eb_set(eb, E_INVALID, "ID token: header: alg \"%.16s\" refused, the key is %s", alg,
		           ALG_NAME[k->alg]);
		goto out;
	}
	siglen = len - dots[1] - 1;
	if (k->alg == RP_ES256 && siglen != 86) { /* RFC 7518 §3.4: r || s, 64 bytes */
		r = eb_set(eb, E_INVALID, "ID token: ES256 signature is not 64 bytes");
		goto out;
	}
	if (jwt_decode(&jwt, compact, (const unsigned char *)k->pem, (int)strlen(k->pem)) != 0 ||
	    jwt == NULL) {
		r = eb_set(eb, E_CRYPTO, "ID token: the signature does not verify with the %s key%s%.64s",
		           ALG_NAME[k->alg], k->kid ? " " : "", k->kid ? k->kid : "");
		goto out;
	}
	if (jwt_get_alg(jwt) != ALG_JWT[k->alg]) { /* belt and braces: what libjwt actually used */
		r = eb_set(eb, E_INVALID, "ID token: libjwt verified with another alg than %s",
		           ALG_NAME[k->alg]);
		goto out;
	}
	/* The claims from the signed bytes, parsed strictly (libjwt keeps the last of duplicates) */
	if ((payload = part_json(compact + dots[0] + 1, dots[1] - dots[0] - 1)) == NULL) {
		r = eb_set(eb, E_INVALID, "ID token: payload: not a JSON object (or duplicate members)");
		goto out;
	}
	if ((r = rp_idtoken_check(payload, x, eb)) != 0)
		goto out;
	*claims = payload;
	payload = NULL;
	r = 0;
out:
	if (jwt != NULL)
		jwt_free(jwt);
	json_decref(payload);
	json_decref(hdr);
	return r;
}

/* ---- token and userinfo responses ---------------------------------------------------------- */

int rp_token_parse(const json_t *resp, struct rp_tokens *t, struct errbuf *eb)
{
	const char *at = json_string_value(json_object_get(resp, "access_token"));
	const char *it = json_string_value(json_object_get(resp, "id_token"));
	const char *tt = json_string_value(json_object_get(resp, "token_type"));

	if (!json_is_object(resp))
		return eb_set(eb, E_INVALID, "token response: not a JSON object");
	if (at == NULL || at[0] == '\0')
		return eb_set(eb, E_INVALID, "token response: access_token missing");
	if (tt == NULL || strcasecmp(tt, "Bearer") != 0)
		return eb_set(eb, E_INVALID, "token response: token_type is not Bearer");
	if (it == NULL || it[0] == '\0')
		return eb_set(eb, E_INVALID, "token response: id_token missing (was openid granted?)");
	t->access_token = at;
	t->id_token = it;
	return 0;
}

int rp_userinfo_check(const json_t *ui, const char *sub, struct errbuf *eb)
{
	const char *s = json_string_value(json_object_get(ui, "sub"));

	if (!json_is_object(ui))
		return eb_set(eb, E_INVALID, "userinfo: not a JSON object");
	if (s == NULL)
		return eb_set(eb, E_INVALID, "userinfo: sub missing or not a string");
	/* OIDC Core §5.3.2: otherwise the response is about someone else and MUST NOT be used */
	if (strcmp(s, sub) != 0)
		return eb_set(eb, E_INVALID, "userinfo: sub is not the ID token's sub");
	return 0;
}

/* ---- what the RP sends --------------------------------------------------------------------- */

char *rp_authorize_url(const struct rp_authz *a)
{
	struct sb b = { 0 };
	size_t n = strlen(a->endpoint);
	const char *sep = "?";

	if (strchr(a->endpoint, '?') != NULL)
		sep = n > 0 && (a->endpoint[n - 1] == '?' || a->endpoint[n - 1] == '&') ? "" : "&";
	sb_str(&b, a->endpoint);
	sb_param(&b, sep, "response_type", "code");
	sb_param(&b, "&", "client_id", a->client_id);
	sb_param(&b, "&", "redirect_uri", a->redirect_uri);
	sb_param(&b, "&", "scope", a->scope);
	sb_param(&b, "&", "state", a->state);
	sb_param(&b, "&", "nonce", a->nonce);
	sb_param(&b, "&", "code_challenge", a->challenge);
	sb_param(&b, "&", "code_challenge_method", "S256");
	if (a->acr != NULL)
		sb_param(&b, "&", "acr_values", a->acr);
	if (a->prompt != NULL)
		sb_param(&b, "&", "prompt", a->prompt);
	return sb_done(&b);
}

int rp_prompt_ok(const char *prompt)
{
	static const char *const ok[] = { "none", "login", "consent", "select_account", NULL };
	const char *p = prompt;
	int words = 0, none = 0;

	if (*p == '\0')
		return 0;
	while (*p != '\0') {
		size_t n = strcspn(p, " ");
		int known = 0;

		if (n == 0)
			return 0; /* leading, trailing or double space */
		for (const char *const *w = ok; *w != NULL; w++)
			if (strlen(*w) == n && strncmp(p, *w, n) == 0)
				known = 1;
		if (!known)
			return 0;
		none |= n == 4 && strncmp(p, "none", 4) == 0;
		words++;
		p += n;
		if (*p == ' ' && *++p == '\0')
			return 0;
	}
	return !(none && words > 1); /* OIDC Core §3.1.2.1: none with another value is an error */
}

char *rp_token_body(const char *code, const char *redirect_uri, const char *verifier)
{
	struct sb b = { 0 };

	sb_param(&b, "", "grant_type", "authorization_code");
	sb_param(&b, "&", "code", code);
	sb_param(&b, "&", "redirect_uri", redirect_uri);
	sb_param(&b, "&", "code_verifier", verifier);
	return sb_done(&b);
}

char *rp_basic_auth(const char *client_id, const char *secret)
{
	char *id = rp_urlenc(client_id), *sec = rp_urlenc(secret), *plain = NULL, *out = NULL;
	size_t n = 0;

	if (id != NULL && sec != NULL) {
		n = strlen(id) + 1 + strlen(sec);
		plain = malloc(n + 1);
		out = plain != NULL ? malloc(6 + (n + 2) / 3 * 4 + 1) : NULL;
	}
	if (out != NULL) {
		snprintf(plain, n + 1, "%s:%s", id, sec);
		memcpy(out, "Basic ", 6);
		EVP_EncodeBlock((unsigned char *)out + 6, (const unsigned char *)plain, (int)n);
	}
	if (sec != NULL)
		sec_wipe(sec, strlen(sec));
	if (plain != NULL)
		sec_wipe(plain, n);
	free(id);
	free(sec);
	free(plain);
	return out;
}

char *rp_logout_url(const char *endpoint, const char *id_token, const char *post_logout,
                    const char *client_id)
{
	struct sb b = { 0 };

	sb_str(&b, endpoint);
	sb_param(&b, strchr(endpoint, '?') != NULL ? "&" : "?", "id_token_hint", id_token);
	if (post_logout != NULL)
		sb_param(&b, "&", "post_logout_redirect_uri", post_logout);
	sb_param(&b, "&", "client_id", client_id);
	return sb_done(&b);
}

/* ---- pending logins ------------------------------------------------------------------------ */

void rp_pending_put(struct rp_pending *t, const struct rp_login *l)
{
	struct rp_login *slot = NULL, *oldest = &t->v[0];

	for (size_t i = 0; i < RP_PENDING_MAX && slot == NULL; i++) {
		if (!t->v[i].used || l->at - t->v[i].at > RP_PENDING_TTL)
			slot = &t->v[i];
		else if (t->v[i].at < oldest->at)
			oldest = &t->v[i];
	}
	if (slot == NULL)
		slot = oldest; /* every login is live: the one closest to expiring goes */
	sec_wipe(slot, sizeof(*slot));
	*slot = *l;
	slot->used = 1;
}

int rp_pending_take(struct rp_pending *t, const char *state, time_t now, struct rp_login *out)
{
	size_t n = strlen(state);

	for (size_t i = 0; i < RP_PENDING_MAX; i++) {
		struct rp_login *l = &t->v[i];
		int live;

		if (!l->used || !sec_ct_eq(l->state, strlen(l->state), state, n))
			continue;
		live = now - l->at <= RP_PENDING_TTL && now >= l->at - RP_SKEW;
		if (live)
			*out = *l;
		sec_wipe(l, sizeof(*l)); /* single use, whatever the outcome */
		return live ? 0 : E_NOTFOUND;
	}
	return E_NOTFOUND;
}

/* ---- sessions ------------------------------------------------------------------------------ */

void rp_sess_end(struct rp_session *s)
{
	if (s == NULL)
		return;
	json_decref(s->claims);
	json_decref(s->userinfo);
	if (s->id_token != NULL) {
		sec_wipe(s->id_token, strlen(s->id_token));
		free(s->id_token);
	}
	sec_wipe(s, sizeof(*s));
}

static int sess_expired(const struct rp_session *s, time_t now)
{
	return now - s->seen > RP_SESSION_IDLE || now - s->created > RP_SESSION_MAX_AGE;
}

int rp_sess_new(struct rp_sessions *t, time_t now, json_t *claims, json_t *userinfo,
                const char *id_token, char sid[RP_TOKEN_SIZE])
{
	struct rp_session *slot = NULL, *oldest = &t->v[0];
	char *tok = NULL;
	char id[RP_TOKEN_SIZE];
	int r = E_NOMEM;

	if ((id_token != NULL && (tok = strdup(id_token)) == NULL))
		goto fail;
	if ((r = sec_random_token(id, 32)) != 0)
		goto fail;
	for (size_t i = 0; i < RP_SESSIONS_MAX && slot == NULL; i++) {
		if (!t->v[i].used || sess_expired(&t->v[i], now))
			slot = &t->v[i];
		else if (t->v[i].created < oldest->created)
			oldest = &t->v[i];
	}
	if (slot == NULL)
		slot = oldest;
	if (slot->used)
		rp_sess_end(slot);
	sec_sha256(id, strlen(id), slot->id_hash);
	slot->created = slot->seen = now;
	slot->claims = claims;
	slot->userinfo = userinfo;
	slot->id_token = tok;
	slot->used = 1;
	memcpy(sid, id, RP_TOKEN_SIZE);
	sec_wipe(id, sizeof(id));
	return 0;
fail:
	free(tok);
	json_decref(claims);
	json_decref(userinfo);
	return r;
}

struct rp_session *rp_sess_find(struct rp_sessions *t, const char *sid, time_t now)
{
	uint8_t h[SEC_SHA256_LEN];

	sec_sha256(sid, strlen(sid), h);
	for (size_t i = 0; i < RP_SESSIONS_MAX; i++) {
		struct rp_session *s = &t->v[i];

		if (!s->used || !sec_ct_eq(s->id_hash, sizeof(s->id_hash), h, sizeof(h)))
			continue;
		if (sess_expired(s, now)) {
			rp_sess_end(s);
			return NULL;
		}
		s->seen = now;
		return s;
	}
	return NULL;
}

void rp_sess_fini(struct rp_sessions *t)
{
	for (size_t i = 0; i < RP_SESSIONS_MAX; i++)
		if (t->v[i].used)
			rp_sess_end(&t->v[i]);
}

/* ---- cookies, HTML ------------------------------------------------------------------------- */

int rp_cookie_get(const char *header, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name), hits = 0, vlen = 0;
	const char *val = NULL, *p = header;

	if (header == NULL)
		return E_NOTFOUND;
	while (*p != '\0') {
		size_t len;
		const char *eq;

		p += strspn(p, " \t;");
		len = strcspn(p, ";");
		eq = memchr(p, '=', len);
		if (eq != NULL && (size_t)(eq - p) == nl && strncmp(p, name, nl) == 0) {
			val = eq + 1;
			vlen = len - nl - 1;
			while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
				vlen--;
			hits++;
		}
		p += len;
	}
	if (hits == 0)
		return E_NOTFOUND;
	if (hits > 1)
		return E_INVALID;
	if (vlen + 1 > n)
		return E_LIMIT;
	memcpy(out, val, vlen);
	out[vlen] = '\0';
	return 0;
}

char *rp_html_escape(const char *s)
{
	struct sb b = { 0 };

	sb_add(&b, "", 0);
	for (const char *p = s; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			sb_str(&b, "&amp;");
			break;
		case '<':
			sb_str(&b, "&lt;");
			break;
		case '>':
			sb_str(&b, "&gt;");
			break;
		case '"':
			sb_str(&b, "&quot;");
			break;
		case '\'':
			sb_str(&b, "&#39;");
			break;
		default:
			sb_add(&b, p, 1);
		}
	}
	return sb_done(&b);
}
