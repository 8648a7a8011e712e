/* test_rp.c — the demo relying party's decisions (tools/lib/rp.c): PKCE S256 against RFC 7636
 * Appendix B, at_hash against OIDC Core's example, ID token verification with each refusal an RP
 * needs (alg none, HS256 keyed with the public key, an alg that is not the key's, unknown kid,
 * wrong iss/aud/azp, expired, nonce, at_hash, acr), JWK Set and discovery parsing, the URLs and
 * bodies the RP sends, the single-use pending-login table, sessions, cookies and HTML escaping.
 * Tokens are signed here with libjwt 1.10 (or EVP, for exact bytes) on fresh keys, and by authd's
 * own jws.c with keys from `authd keygen`, read back through authd's rendered JWKS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "arena.h"
#include "jws.h"
#include "keys.h"
#include "lim.h"
#include "rp.h"
#include "sec.h"
#include "testutil.h"

#define ISS "https://id.example.vn"
#define CID "demo-rp"
#define NONCE "n-0S6_WzA2Mj"
#define NOW 1760000000

static EVP_PKEY *ec, *rs, *ec2;
static char *ec_priv, *rs_priv, *ec2_priv, *ec_pub;
static json_t *ec_jwk, *rs_jwk;
static struct rp_keys keys; /* ec (kid "ec-1") and rs (kid "rs-1") */

/* ---- helpers ------------------------------------------------------------------------------ */

static char *pem(EVP_PKEY *pk, int priv)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	assert_int_equal(priv ? PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL)
	                      : PEM_write_bio_PUBKEY(b, pk),
	                 1);
	n = BIO_get_mem_data(b, &data);
	data = strndup(data, (size_t)n);
	BIO_free(b);
	return data;
}

static void b64_bn(EVP_PKEY *pk, const char *param, size_t pad, char *out)
{
	BIGNUM *bn = NULL;
	uint8_t buf[600];
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, param, &bn), 1);
	n = pad ? BN_bn2binpad(bn, buf, (int)pad) : BN_bn2bin(bn, buf);
	assert_true(n > 0);
	sec_b64url_encode(buf, (size_t)n, out);
	BN_free(bn);
}

static json_t *jwk_of(EVP_PKEY *pk, const char *kid)
{
	char a[900], b[900];

	if (EVP_PKEY_is_a(pk, "EC")) {
		b64_bn(pk, OSSL_PKEY_PARAM_EC_PUB_X, 32, a);
		b64_bn(pk, OSSL_PKEY_PARAM_EC_PUB_Y, 32, b);
		return json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", a, "y",
		                 b, "kid", kid);
	}
	b64_bn(pk, OSSL_PKEY_PARAM_RSA_N, 0, a);
	b64_bn(pk, OSSL_PKEY_PARAM_RSA_E, 0, b);
	return json_pack("{s:s, s:s, s:s, s:s}", "kty", "RSA", "n", a, "e", b, "kid", kid);
}

/* A valid claim set at NOW with `edits` (a JSON object) merged over it; null deletes a claim. */
static char *claims(const char *edits)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "iss", ISS, "sub",
	                      "pairwise-sub-1", "aud", CID, "exp", (json_int_t)NOW + 300, "iat",
	                      (json_int_t)NOW - 5, "auth_time", (json_int_t)NOW - 20, "nonce", NONCE,
	                      "acr", "urn:eid:level:1");
	const char *k;
	json_t *v, *e;
	char *s;

	if (edits != NULL) {
		e = json_loads(edits, 0, NULL);
		assert_non_null(e);
		json_object_foreach(e, k, v)
		{
			if (json_is_null(v))
				json_object_del(c, k);
			else
				json_object_set(c, k, v);
		}
		json_decref(e);
	}
	s = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return s;
}

/* A token libjwt signs: alg with key (PEM, or the HMAC secret), kid and extra headers optional. */
static char *sign(jwt_alg_t alg, const char *key, const char *kid, const char *headers,
                  const char *payload)
{
	jwt_t *j = NULL;
	char *s;

	assert_int_equal(jwt_new(&j), 0);
	assert_int_equal(jwt_add_grants_json(j, payload), 0);
	if (kid != NULL)
		assert_int_equal(jwt_add_header(j, "kid", kid), 0);
	if (headers != NULL)
		assert_int_equal(jwt_add_headers_json(j, headers), 0);
	assert_int_equal(jwt_set_alg(j, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0),
	                 0);
	s = jwt_encode_str(j);
	assert_non_null(s);
	jwt_free(j);
	return s;
}

/* The ES256 token with a valid claim set edited by `edits`. Caller frees. */
static char *es_token(const char *edits)
{
	char *c = claims(edits), *t = sign(JWT_ALG_ES256, ec_priv, "ec-1", NULL, c);

	free(c);
	return t;
}

/* Hand-made token from header and payload JSON and a raw signature part. */
static char *craft(const char *hdr, const char *payload, const char *sig)
{
	char *h = malloc(sec_b64url_len(strlen(hdr)) + 1);
	char *p = malloc(sec_b64url_len(strlen(payload)) + 1);
	char *t = malloc(strlen(hdr) * 2 + strlen(payload) * 2 + strlen(sig) + 8);

	sec_b64url_encode(hdr, strlen(hdr), h);
	sec_b64url_encode(payload, strlen(payload), p);
	sprintf(t, "%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	return t;
}

/* header.payload exactly as given, signed with the EC key by EVP (libjwt 1.10 rewrites "typ"
 * and re-serializes the claims). Caller frees. */
static char *es_raw(const char *hdr, const char *payload)
{
	char *tok = craft(hdr, payload, ""), sigb64[100], *t;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned char der[80], raw[64];
	const unsigned char *dp = der;
	size_t dl = sizeof(der);
	ECDSA_SIG *es;
	const BIGNUM *r, *s;

	tok[strlen(tok) - 1] = '\0'; /* drop the trailing '.' */
	assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, ec), 1);
	assert_int_equal(EVP_DigestSign(m, der, &dl, (unsigned char *)tok, strlen(tok)), 1);
	es = d2i_ECDSA_SIG(NULL, &dp, (long)dl);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	BN_bn2binpad(r, raw, 32);
	BN_bn2binpad(s, raw + 32, 32);
	sec_b64url_encode(raw, 64, sigb64);
	t = malloc(strlen(tok) + sizeof(sigb64) + 2);
	sprintf(t, "%s.%s", tok, sigb64);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(m);
	free(tok);
	return t;
}

static struct rp_expect expect(void)
{
	struct rp_expect x = { ISS, CID, NONCE, NULL, NULL, NOW };

	return x;
}

static void accepted(const char *tok, const struct rp_expect *x)
{
	struct errbuf eb = { 0 };
	json_t *c = NULL;
	int r = rp_idtoken_verify(tok, &keys, x, &c, &eb);

	if (r != 0)
		print_error("refused: %s\n", eb.msg);
	assert_int_equal(r, 0);
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c, "sub")), "pairwise-sub-1");
	json_decref(c);
}

/* Expects rp_idtoken_verify to refuse with `code` and `want` in its sentence; claims untouched. */
static void refused_x(const char *tok, const struct rp_expect *x, int code, const char *want)
{
	struct errbuf eb = { 0 };
	json_t *c = NULL;
	int r = rp_idtoken_verify(tok, &keys, x, &c, &eb);

	if (r != code || strstr(eb.msg, want) == NULL)
		print_error("-> %d \"%s\" (want %d \"%s\")\n", r, eb.msg, code, want);
	assert_int_equal(r, code);
	assert_non_null(strstr(eb.msg, want));
	assert_null(c);
}

static void refused(const char *tok, int code, const char *want)
{
	struct rp_expect x = expect();

	refused_x(tok, &x, code, want);
}

/* The ES256 token with `edits` must be refused, saying `want`. */
static void claim_refused(const char *edits, const char *want)
{
	char *t = es_token(edits);

	refused(t, E_INVALID, want);
	free(t);
}

static int group_setup(void **state)
{
	json_t *set;
	struct errbuf eb = { 0 };

	(void)state;
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	rs = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (ec == NULL || ec2 == NULL || rs == NULL)
		return -1;
	ec_priv = pem(ec, 1);
	ec2_priv = pem(ec2, 1);
	rs_priv = pem(rs, 1);
	ec_pub = pem(ec, 0);
	ec_jwk = jwk_of(ec, "ec-1");
	rs_jwk = jwk_of(rs, "rs-1");
	set = json_pack("{s:[O,O]}", "keys", ec_jwk, rs_jwk);
	if (rp_jwks_parse(set, &keys, &eb) != 0) {
		fprintf(stderr, "jwks: %s\n", eb.msg);
		return -1;
	}
	json_decref(set);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rp_keys_fini(&keys);
	json_decref(ec_jwk);
	json_decref(rs_jwk);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec2);
	EVP_PKEY_free(rs);
	free(ec_priv);
	free(ec2_priv);
	free(rs_priv);
	free(ec_pub);
	return 0;
}

/* ---- PKCE, at_hash ------------------------------------------------------------------------ */

static void test_rp_pkce_s256_matches_rfc7636_appendix_b(void **state)
{
	static const uint8_t raw[32] = { 116, 24,  223, 180, 151, 153, 224, 37,  79,  250, 96,
		                         125, 216, 173, 187, 186, 22,  212, 37,  77,  105, 214,
		                         191, 240, 91,  88,  5,   88,  83,  132, 141, 121 };
	char v[RP_TOKEN_SIZE], c[RP_TOKEN_SIZE];

	(void)state;
	rp_pkce_verifier(raw, v);
	assert_string_equal(v, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
	assert_int_equal(rp_pkce_challenge(v, c), 0);
	assert_string_equal(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void test_rp_pkce_challenge_refuses_a_verifier_outside_rfc7636(void **state)
{
	char c[RP_TOKEN_SIZE] = "untouched", v[130];

	(void)state;
	/* 42 characters: one short */
	assert_int_equal(rp_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX", c),
	                 E_INVALID);
	/* '+' and '/' are base64, not unreserved */
	assert_int_equal(rp_pkce_challenge("dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk", c),
	                 E_INVALID);
	memset(v, 'a', 129);
	v[129] = '\0';
	assert_int_equal(rp_pkce_challenge(v, c), E_INVALID);
	assert_string_equal(c, "untouched");
	v[128] = '\0'; /* 128 is the longest allowed; '.' and '~' are unreserved */
	v[0] = '.';
	v[1] = '~';
	assert_int_equal(rp_pkce_challenge(v, c), 0);
}

static void test_rp_at_hash_matches_the_oidc_core_example(void **state)
{
	char h[RP_AT_HASH_SIZE];

	(void)state;
	/* OpenID Connect Core 1.0, Appendix A.3 */
	rp_at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", h);
	assert_string_equal(h, "77QmUPtjPfzWtF2AnpK9RQ");
}

/* ---- ID token: signatures ----------------------------------------------------------------- */

static void test_rp_idtoken_es256_and_rs256_accepted(void **state)
{
	char *c = claims(NULL);
	char *e = sign(JWT_ALG_ES256, ec_priv, "ec-1", NULL, c);
	char *r = sign(JWT_ALG_RS256, rs_priv, "rs-1", NULL, c);
	char *t = sign(JWT_ALG_ES256, ec_priv, "ec-1", "{\"typ\":\"application/JWT\"}", c);
	struct rp_expect x = expect();

	(void)state;
	accepted(e, &x);
	accepted(r, &x);
	accepted(t, &x);
	free(c);
	free(e);
	free(r);
	free(t);
}

static void test_rp_idtoken_refuses_alg_none(void **state)
{
	char *c = claims(NULL);
	char *none = sign(JWT_ALG_NONE, NULL, "ec-1", NULL, c);
	char *bare = craft("{\"alg\":\"none\",\"kid\":\"ec-1\"}", c, "");
	char *sig = craft("{\"alg\":\"none\",\"kid\":\"ec-1\"}", c, "AAAA");

	(void)state;
	refused(none, E_INVALID, "not 3 non-empty base64url parts");
	refused(bare, E_INVALID, "not 3 non-empty base64url parts");
	/* even with something in the signature part, the key decides: ES256 */
	refused(sig, E_INVALID, "alg \"none\" refused, the key is ES256");
	free(c);
	free(none);
	free(bare);
	free(sig);
}

/* The classic key confusion: HS256 with the provider's PUBLIC key PEM as the HMAC secret.
 * libjwt 1.10 alone would accept it (it takes alg from the header). */
static void test_rp_idtoken_refuses_hs256_keyed_with_the_public_key(void **state)
{
	char *c = claims(NULL);
	char *t = sign(JWT_ALG_HS256, keys.k[0].pem, "ec-1", NULL, c);
	char *u = sign(JWT_ALG_HS256, ec_pub, NULL, NULL, c);
	struct rp_keys one = { .n = 1 };
	struct errbuf eb = { 0 };
	json_t *out = NULL;
	struct rp_expect x = expect();
	jwt_t *j = NULL;

	(void)state;
	/* what an RP that trusted the header would do: */
	assert_int_equal(jwt_decode(&j, t, (const unsigned char *)keys.k[0].pem,
	                            (int)strlen(keys.k[0].pem)),
	                 0);
	jwt_free(j);
	refused(t, E_INVALID, "alg \"HS256\" refused, the key is ES256");
	one.k[0] = keys.k[0]; /* a one-key set: the kid-less token picks it, and is refused still */
	assert_int_equal(rp_idtoken_verify(u, &one, &x, &out, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "alg \"HS256\" refused"));
	assert_null(out);
	free(c);
	free(t);
	free(u);
}

static void test_rp_idtoken_refuses_an_alg_that_is_not_the_keys(void **state)
{
	char *c = claims(NULL);
	/* signed with the RSA key, but naming the EC key, and the other way round */
	char *a = sign(JWT_ALG_RS256, rs_priv, "ec-1", NULL, c);
	char *b = sign(JWT_ALG_ES256, ec_priv, "rs-1", NULL, c);
	char *e384 = craft("{\"alg\":\"ES384\",\"kid\":\"ec-1\"}", c, "AAAA");

	(void)state;
	refused(a, E_INVALID, "alg \"RS256\" refused, the key is ES256");
	refused(b, E_INVALID, "alg \"ES256\" refused, the key is RS256");
	refused(e384, E_INVALID, "alg \"ES384\" refused");
	free(c);
	free(a);
	free(b);
	free(e384);
}

static void test_rp_idtoken_refuses_a_bad_signature(void **state)
{
	char *c = claims(NULL), *other = claims("{\"sub\":\"someone-else\"}");
	char *t = sign(JWT_ALG_ES256, ec_priv, "ec-1", NULL, c);
	char *wrong = sign(JWT_ALG_ES256, ec2_priv, "ec-1", NULL, c);
	char *u = sign(JWT_ALG_ES256, ec_priv, "ec-1", NULL, other);
	char *swapped = malloc(strlen(t) + strlen(u));
	char *p1 = strchr(t, '.'), *p2 = strchr(u, '.');

	(void)state;
	refused(wrong, E_CRYPTO, "signature does not verify");
	/* t's header and signature around u's payload */
	sprintf(swapped, "%.*s.%.*s%s", (int)(p1 - t), t, (int)(strrchr(u, '.') - p2 - 1), p2 + 1,
	        strrchr(t, '.'));
	refused(swapped, E_CRYPTO, "signature does not verify");
	free(c);
	free(other);
	free(t);
	free(wrong);
	free(u);
	free(swapped);
}

static void test_rp_idtoken_refuses_es256_signature_of_the_wrong_length(void **state)
{
	char *c = claims(NULL);
	char sig[90];
	char *t;

	(void)state;
	memset(sig, 'A', 84); /* 63 bytes */
	sig[84] = '\0';
	t = craft("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", c, sig);
	refused(t, E_INVALID, "ES256 signature is not 64 bytes");
	free(t);
	memset(sig, 'A', 88); /* 66 bytes */
	sig[88] = '\0';
	t = craft("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", c, sig);
	refused(t, E_INVALID, "ES256 signature is not 64 bytes");
	free(c);
	free(t);
}

static void test_rp_idtoken_kid_picks_the_key_and_unknown_kid_asks_for_a_refetch(void **state)
{
	char *c = claims(NULL);
	char *unknown = sign(JWT_ALG_ES256, ec_priv, "ec-rotated", NULL, c);
	char *nokid = sign(JWT_ALG_ES256, ec_priv, NULL, NULL, c);
	char *numkid = sign(JWT_ALG_ES256, ec_priv, NULL, "{\"kid\":7}", c);
	struct rp_keys one = { .n = 1 };
	struct rp_expect x = expect();

	(void)state;
	refused(unknown, E_NOTFOUND, "no provider key has kid \"ec-rotated\"");
	refused(nokid, E_INVALID, "no kid, and the provider has 2 keys");
	refused(numkid, E_INVALID, "kid is not a string");
	one.k[0] = keys.k[0];
	{
		struct errbuf eb = { 0 };
		json_t *out = NULL;

		assert_int_equal(rp_idtoken_verify(nokid, &one, &x, &out, &eb), 0);
		json_decref(out);
	}
	free(c);
	free(unknown);
	free(nokid);
	free(numkid);
}

static void test_rp_idtoken_refuses_other_token_types_and_crit(void **state)
{
	char *c = claims(NULL);
	char *at = es_raw("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"typ\":\"at+jwt\"}", c);
	char *lo = es_raw("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"typ\":\"logout+jwt\"}", c);
	char *jwt = es_raw("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"typ\":\"jwt\"}", c);
	struct rp_expect x = expect();
	char *cr = sign(JWT_ALG_ES256, ec_priv, "ec-1", "{\"crit\":[\"exp\"]}", c);

	(void)state;
	refused(at, E_INVALID, "typ is not JWT");
	refused(lo, E_INVALID, "typ is not JWT");
	refused(cr, E_INVALID, "crit refused");
	accepted(jwt, &x); /* case-insensitive (RFC 7515 §4.1.9) */
	free(jwt);
	free(c);
	free(at);
	free(lo);
	free(cr);
}

static void test_rp_idtoken_refuses_malformed_tokens(void **state)
{
	char *t = es_token(NULL), *s;
	char *dup = craft("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"alg\":\"HS256\"}", "{}", "AAAA");
	char *big = malloc(RP_JWT_MAX + 2);

	(void)state;
	refused("", E_INVALID, "not 3 non-empty base64url parts");
	refused("a.b", E_INVALID, "not 3 non-empty base64url parts");
	refused("a.b.c.d", E_INVALID, "not 3 base64url parts");
	refused("a.b+.c", E_INVALID, "not 3 base64url parts");
	refused(dup, E_INVALID, "header: not a JSON object");
	refused("bm90IGpzb24.e30.AAAA", E_INVALID, "header: not a JSON object");
	s = malloc(strlen(t) + 2);
	sprintf(s, "%s=", t); /* padding is not base64url */
	refused(s, E_INVALID, "not 3 base64url parts");
	memset(big, 'A', RP_JWT_MAX + 1);
	big[RP_JWT_MAX + 1] = '\0';
	refused(big, E_INVALID, "longer than");
	free(t);
	free(s);
	free(dup);
	free(big);
}

static void test_rp_idtoken_refuses_duplicate_claims(void **state)
{
	/* libjwt keeps the last "sub"; a strict parser refuses the token instead of guessing */
	const char *payload = "{\"iss\":\"" ISS "\",\"sub\":\"a\",\"aud\":\"" CID "\",\"exp\":1760000300,"
	                      "\"iat\":1759999995,\"nonce\":\"" NONCE "\",\"sub\":\"b\"}";
	char *t;

	(void)state;
	/* libjwt re-serializes what it signs; sign these exact bytes instead */
	t = es_raw("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", payload);
	refused(t, E_INVALID, "payload: not a JSON object (or duplicate members)");
	free(t);
}

/* ---- ID token: claims --------------------------------------------------------------------- */

static void test_rp_idtoken_refuses_wrong_iss(void **state)
{
	(void)state;
	claim_refused("{\"iss\":\"https://evil.example\"}",
	              "iss: \"https://evil.example\" is not the issuer " ISS);
	claim_refused("{\"iss\":\"" ISS "/\"}", "is not the issuer"); /* exact: no trailing slash */
	claim_refused("{\"iss\":null}", "iss: missing");
	claim_refused("{\"iss\":7}", "iss: missing or not a string");
}

static void test_rp_idtoken_refuses_wrong_aud_and_azp(void **state)
{
	char *t;
	struct rp_expect x = expect();

	(void)state;
	claim_refused("{\"aud\":\"bank\"}", "aud: does not contain our client_id demo-rp");
	claim_refused("{\"aud\":[\"bank\",\"tax-portal\"],\"azp\":\"demo-rp\"}",
	              "aud: does not contain our client_id");
	claim_refused("{\"aud\":[]}", "aud: missing, empty");
	claim_refused("{\"aud\":null}", "aud: missing");
	claim_refused("{\"aud\":[\"demo-rp\",5]}", "aud[1]: not a string");
	claim_refused("{\"azp\":\"bank\"}", "azp: is not our client_id");
	claim_refused("{\"azp\":3}", "azp: is not our client_id");
	/* several audiences: azp is then required, and must be us */
	claim_refused("{\"aud\":[\"demo-rp\",\"bank\"]}", "azp: missing while aud has 2 members");
	claim_refused("{\"aud\":[\"demo-rp\",\"bank\"],\"azp\":\"bank\"}", "azp: is not our");
	t = es_token("{\"aud\":[\"demo-rp\",\"bank\"],\"azp\":\"demo-rp\"}");
	accepted(t, &x);
	free(t);
	t = es_token("{\"aud\":[\"demo-rp\"]}");
	accepted(t, &x);
	free(t);
}

static void test_rp_idtoken_refuses_expired_and_future_tokens(void **state)
{
	char *t;
	struct rp_expect x = expect();

	(void)state;
	claim_refused("{\"exp\":1759999939}", "exp: expired 61 s ago"); /* NOW - 61 */
	claim_refused("{\"exp\":null}", "exp: missing");
	claim_refused("{\"exp\":\"1760000300\"}", "exp: not a number");
	claim_refused("{\"iat\":1760000061}", "iat: 61 s in the future");
	claim_refused("{\"iat\":1759999399}", "iat: issued 601 s ago");
	claim_refused("{\"iat\":null}", "iat: missing");
	claim_refused("{\"nbf\":1760000061}", "nbf: not valid for another 61 s");
	claim_refused("{\"auth_time\":\"yesterday\"}", "auth_time: not a number");
	/* within the skew */
	t = es_token("{\"exp\":1759999970,\"iat\":1760000050,\"nbf\":1760000050}");
	accepted(t, &x);
	free(t);
}

static void test_rp_idtoken_refuses_nonce_mismatch(void **state)
{
	(void)state;
	claim_refused("{\"nonce\":\"n-from-another-login\"}",
	              "nonce: not the one this login sent");
	claim_refused("{\"nonce\":\"" NONCE "x\"}", "nonce: not the one");
	claim_refused("{\"nonce\":null}", "nonce: missing");
}

static void test_rp_idtoken_refuses_bad_sub(void **state)
{
	char big[300];

	(void)state;
	claim_refused("{\"sub\":null}", "sub: missing");
	claim_refused("{\"sub\":\"\"}", "sub: missing or not a string of 1..255");
	memset(big, 'a', 256);
	strcpy(big + 256, "\"}");
	{
		char edits[320] = "{\"sub\":\"";

		strcat(edits, big);
		claim_refused(edits, "sub: missing or not a string of 1..255");
	}
}

static void test_rp_idtoken_checks_at_hash_when_present(void **state)
{
	struct rp_expect x = expect();
	char h[RP_AT_HASH_SIZE], edits[80], *t;

	(void)state;
	x.access_token = "the-access-token";
	rp_at_hash(x.access_token, h);
	snprintf(edits, sizeof(edits), "{\"at_hash\":\"%s\"}", h);
	t = es_token(edits);
	accepted(t, &x);
	x.access_token = "another-access-token";
	refused_x(t, &x, E_INVALID, "at_hash: does not match the access token");
	x.access_token = NULL;
	refused_x(t, &x, E_INVALID, "at_hash: present without an access token");
	free(t);
	x.access_token = "the-access-token";
	t = es_token("{\"at_hash\":12}");
	refused_x(t, &x, E_INVALID, "at_hash: not a string");
	free(t);
	t = es_token(NULL); /* optional in the code flow */
	accepted(t, &x);
	free(t);
}

static void test_rp_idtoken_acr_at_least_what_was_asked(void **state)
{
	struct rp_expect x = expect();
	char *l1 = es_token(NULL), *l2 = es_token("{\"acr\":\"urn:eid:level:2\"}");
	char *none = es_token("{\"acr\":null}"), *odd = es_token("{\"acr\":\"urn:other\"}");

	(void)state;
	accepted(l1, &x); /* nothing asked: anything goes */
	accepted(none, &x);
	x.acr = "urn:eid:level:1";
	accepted(l1, &x);
	accepted(l2, &x);
	refused_x(none, &x, E_INVALID, "acr: missing, urn:eid:level:1 was asked for");
	refused_x(odd, &x, E_INVALID, "acr: \"urn:other\" is below the urn:eid:level:1");
	x.acr = "urn:eid:level:2";
	accepted(l2, &x);
	refused_x(l1, &x, E_INVALID, "acr: \"urn:eid:level:1\" is below the urn:eid:level:2");
	free(l1);
	free(l2);
	free(none);
	free(odd);
}

/* ---- against authd's own signer ---------------------------------------------------------- */

/* authd's keys (keys_generate), its rendered JWKS, its jws_sign: the RP reads and verifies them
 * with its own JWK code and libjwt, an independent implementation of the same RFCs. */
static void test_rp_verifies_id_tokens_that_authd_signs(void **state)
{
	struct errbuf eb = { 0 };
	struct keyset *ks = NULL;
	struct rp_keys rk = { 0 };
	struct rp_expect x = expect();
	struct arena a;
	char dir[64], *c = claims(NULL);
	json_t *set, *out = NULL;
	size_t nes = 0, nrs = 0;

	(void)state;
	arena_init(&a, NULL, 0, LIM_REQ_MEMORY);
	assert_non_null(tu_mkdtemp(dir, sizeof(dir), "test_rp"));
	if (keys_generate(dir, &eb) != 0 || keys_load(dir, &ks, &eb) != 0)
		fail_msg("authd keys: %s", eb.msg);
	set = json_loadb(ks->jwks, ks->jwks_len, 0, NULL);
	assert_int_equal(rp_jwks_parse(set, &rk, &eb), 0);
	assert_int_equal(rk.n, ks->n); /* every published key is usable by an RP */
	for (size_t i = 0; i < ks->n; i++) {
		const struct key *k = &ks->v[i];
		char *tok = NULL, *at = NULL;
		size_t len;

		nes += k->alg == KEY_ES256;
		nrs += k->alg == KEY_RS256;
		assert_int_equal(jws_sign(k, "JWT", c, strlen(c), &a, &tok, &len), 0);
		if (rp_idtoken_verify(tok, &rk, &x, &out, &eb) != 0)
			fail_msg("key %zu (%s): %s", i, k->kid, eb.msg);
		json_decref(out);
		out = NULL;
		/* an access token from the same key is not an ID token */
		assert_int_equal(jws_sign(k, "at+jwt", c, strlen(c), &a, &at, &len), 0);
		assert_int_equal(rp_idtoken_verify(at, &rk, &x, &out, &eb), E_INVALID);
		assert_non_null(strstr(eb.msg, "typ is not JWT"));
		assert_null(out);
	}
	assert_true(nes >= 1 && nrs >= 1);
	rp_keys_fini(&rk);
	json_decref(set);
	keys_free(ks);
	tu_rm_rf(dir);
	arena_reset(&a);
	free(c);
}

/* ---- JWK Set, discovery ------------------------------------------------------------------- */

static void test_rp_jwks_keeps_usable_keys_and_skips_others(void **state)
{
	EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	json_t *w = jwk_of(weak, "weak");
	json_t *enc = json_deep_copy(ec_jwk);
	json_t *set;
	struct rp_keys ks = { 0 };
	struct errbuf eb = { 0 };

	(void)state;
	json_object_set_new(enc, "use", json_string("enc"));
	json_object_set_new(enc, "kid", json_string("enc-1"));
	set = json_pack("{s:[O, O, {s:s, s:s, s:s}, O, {s:s,s:s,s:s,s:s}], s:s}", "keys", w, enc,
	                "kty", "OKP", "crv", "Ed25519", "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
	                ec_jwk, "kty", "EC", "crv", "P-384", "x", "AA", "y", "AA", "other", "ignored");
	assert_int_equal(rp_jwks_parse(set, &ks, &eb), 0);
	assert_int_equal(ks.n, 1);
	assert_string_equal(ks.k[0].kid, "ec-1");
	assert_int_equal(ks.k[0].alg, RP_ES256);
	assert_non_null(strstr(ks.k[0].pem, "BEGIN PUBLIC KEY"));
	rp_keys_fini(&ks);
	json_decref(set);
	json_decref(w);
	json_decref(enc);
	EVP_PKEY_free(weak);
}

static void jwks_refused(json_t *set, const char *want)
{
	struct rp_keys ks = { .n = 99 };
	struct errbuf eb = { 0 };

	assert_int_equal(rp_jwks_parse(set, &ks, &eb), E_INVALID);
	if (strstr(eb.msg, want) == NULL)
		print_error("\"%s\" (want \"%s\")\n", eb.msg, want);
	assert_non_null(strstr(eb.msg, want));
	assert_int_equal(ks.n, 99); /* untouched */
	json_decref(set);
}

static void test_rp_jwks_refuses_private_keys_bad_points_and_empty_sets(void **state)
{
	json_t *priv = json_deep_copy(ec_jwk), *off = json_deep_copy(ec_jwk);
	json_t *alg = json_deep_copy(ec_jwk);
	char y[64];

	(void)state;
	json_object_set_new(priv, "d", json_string("AAAA"));
	jwks_refused(json_pack("{s:[O,O]}", "keys", rs_jwk, priv), "keys[1]: holds private key");
	/* a point not on P-256: x with y of another point */
	strcpy(y, json_string_value(json_object_get(ec_jwk, "x")));
	json_object_set_new(off, "y", json_string(y));
	jwks_refused(json_pack("{s:[O]}", "keys", off), "keys[0]: x/y are not a point on P-256");
	json_object_set_new(alg, "alg", json_string("ES384"));
	jwks_refused(json_pack("{s:[O]}", "keys", alg), "no ES256 (EC P-256) or RS256");
	jwks_refused(json_pack("{s:[]}", "keys"), "no ES256");
	jwks_refused(json_pack("{s:{}}", "keys"), "not a JSON object with a \"keys\" array");
	jwks_refused(json_pack("[]"), "not a JSON object");
	jwks_refused(json_pack("{s:[{s:s}]}", "keys", "crv", "P-256"), "keys[0]: not a JWK");
	jwks_refused(json_pack("{s:[{s:s,s:s,s:s,s:s,s:i}]}", "keys", "kty", "EC", "crv", "P-256",
	                       "x", "AA", "y", "AA", "kid", 1),
	             "kid must be a string");
	json_decref(priv);
	json_decref(off);
	json_decref(alg);
}

static void test_rp_discovery_needs_the_exact_issuer_and_a_jwks_uri(void **state)
{
	struct rp_op op = { 0 };
	struct errbuf eb = { 0 };
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:b}", "issuer", ISS, "jwks_uri", ISS "/jwks",
	                      "token_endpoint", ISS "/token", "end_session_endpoint",
	                      "http://127.0.0.1:8080/logout",
	                      "authorization_response_iss_parameter_supported", 1);

	(void)state;
	assert_int_equal(rp_discovery_parse(d, ISS, &op, &eb), 0);
	assert_string_equal(op.jwks_uri, ISS "/jwks");
	assert_string_equal(op.token_endpoint, ISS "/token");
	assert_null(op.authorization_endpoint); /* not offered yet: the caller refuses to log in */
	assert_null(op.userinfo_endpoint);
	assert_int_equal(op.iss_param, 1);
	rp_op_fini(&op);
	/* an issuer that differs by one byte is another provider */
	assert_int_equal(rp_discovery_parse(d, ISS "/", &op, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "is not the configured"));
	assert_null(op.issuer);
	json_object_set_new(d, "userinfo_endpoint", json_string("http://id.example.vn/userinfo"));
	assert_int_equal(rp_discovery_parse(d, ISS, &op, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "userinfo_endpoint: http:// is only allowed on a loopback"));
	json_object_del(d, "userinfo_endpoint");
	json_object_set_new(d, "authorization_response_iss_parameter_supported", json_string("yes"));
	assert_int_equal(rp_discovery_parse(d, ISS, &op, &eb), E_INVALID);
	json_object_del(d, "authorization_response_iss_parameter_supported");
	json_object_del(d, "jwks_uri");
	assert_int_equal(rp_discovery_parse(d, ISS, &op, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "jwks_uri: missing"));
	assert_null(op.issuer);
	json_decref(d);
}

static void test_rp_url_check_https_or_loopback_http(void **state)
{
	static const char *const ok[] = { "https://id.example.vn", "https://id.example.vn:8443/a?b=c",
		                          "http://127.0.0.1:8080", "http://localhost/x",
		                          "http://[::1]:8080/", "https://[2001:db8::1]/", NULL };
	static const char *const bad[] = { "http://id.example.vn/", "ftp://x/", "https://",
		                           "https://a@b/", "https://a/#f", "https://a b/",
		                           "https://a:0/", "https://a:65536/", "https://a:x/",
		                           "http://127.0.0.1.evil.example/", "//a/", "https://[::1/",
		                           NULL };
	struct errbuf eb = { 0 };
	char o[64];

	(void)state;
	for (const char *const *u = ok; *u != NULL; u++) {
		if (rp_url_check("u", *u, &eb) != 0)
			print_error("%s: %s\n", *u, eb.msg);
		assert_int_equal(rp_url_check("u", *u, &eb), 0);
	}
	for (const char *const *u = bad; *u != NULL; u++) {
		if (rp_url_check("u", *u, &eb) != E_INVALID)
			print_error("accepted: %s\n", *u);
		assert_int_equal(rp_url_check("u", *u, &eb), E_INVALID);
	}
	assert_int_equal(rp_url_is_loopback("http://127.0.0.1:8081/callback"), 1);
	assert_int_equal(rp_url_is_loopback("https://thue.example.vn/"), 0);
	assert_int_equal(rp_url_origin("http://127.0.0.1:8081/callback?x", o, sizeof(o)), 0);
	assert_string_equal(o, "http://127.0.0.1:8081");
	assert_int_equal(rp_url_origin("https://a.example", o, sizeof(o)), 0);
	assert_string_equal(o, "https://a.example");
	assert_int_equal(rp_url_origin("https://a.example", o, 8), E_LIMIT);
}

/* ---- what the RP sends -------------------------------------------------------------------- */

static void test_rp_authorize_url_carries_pkce_state_nonce(void **state)
{
	struct rp_authz a = { "http://127.0.0.1:8080/authorize", CID,
		              "http://127.0.0.1:8081/callback", "openid profile", "st", "no",
		              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", NULL, NULL };
	char *u = rp_authorize_url(&a);

	(void)state;
	assert_string_equal(u, "http://127.0.0.1:8080/authorize?response_type=code&client_id=demo-rp"
	                       "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8081%2Fcallback"
	                       "&scope=openid%20profile&state=st&nonce=no"
	                       "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	                       "&code_challenge_method=S256");
	free(u);
	a.endpoint = "https://id.example.vn/authorize?tenant=a&b";
	a.acr = "urn:eid:level:2";
	a.prompt = "login consent";
	u = rp_authorize_url(&a);
	assert_non_null(strstr(u, "/authorize?tenant=a&b&response_type=code&"));
	assert_non_null(strstr(u, "&acr_values=urn%3Aeid%3Alevel%3A2&prompt=login%20consent"));
	free(u);
}

static void test_rp_prompt_values(void **state)
{
	(void)state;
	assert_true(rp_prompt_ok("login"));
	assert_true(rp_prompt_ok("none"));
	assert_true(rp_prompt_ok("login consent"));
	assert_true(rp_prompt_ok("select_account"));
	assert_false(rp_prompt_ok(""));
	assert_false(rp_prompt_ok("none login")); /* none stands alone */
	assert_false(rp_prompt_ok("login  consent"));
	assert_false(rp_prompt_ok("login "));
	assert_false(rp_prompt_ok(" login"));
	assert_false(rp_prompt_ok("create"));
	assert_false(rp_prompt_ok("login\"><script>"));
}

static void test_rp_token_request_body_and_basic_auth(void **state)
{
	char *b = rp_token_body("c/o+de", "http://127.0.0.1:8081/callback", "v-._~");
	char *h = rp_basic_auth(CID, "demo-rp-dev-secret-change-me-0123456789abcdef");
	char *odd = rp_basic_auth("a:b", "s p%");

	(void)state;
	assert_string_equal(b, "grant_type=authorization_code&code=c%2Fo%2Bde"
	                       "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8081%2Fcallback"
	                       "&code_verifier=v-._~");
	/* printf 'demo-rp:demo-rp-dev-secret-change-me-0123456789abcdef' | base64 -w0 */
	assert_string_equal(h, "Basic ZGVtby1ycDpkZW1vLXJwLWRldi1zZWNyZXQtY2hhbmdlLW1lLTAxMjM0NTY3"
	                       "ODlhYmNkZWY=");
	/* RFC 6749 §2.3.1: both form-urlencoded first ("a%3Ab:s%20p%25") */
	assert_string_equal(odd, "Basic YSUzQWI6cyUyMHAlMjU=");
	free(b);
	free(h);
	free(odd);
}

static void test_rp_logout_url(void **state)
{
	char *u = rp_logout_url("http://127.0.0.1:8080/logout", "h.p.s", "http://127.0.0.1:8081/",
	                        CID);

	(void)state;
	assert_string_equal(u, "http://127.0.0.1:8080/logout?id_token_hint=h.p.s"
	                       "&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8081%2F"
	                       "&client_id=demo-rp");
	free(u);
}

static void test_rp_token_response_and_userinfo_sub(void **state)
{
	json_t *ok = json_pack("{s:s, s:s, s:s, s:i}", "access_token", "at", "token_type", "bearer",
	                       "id_token", "a.b.c", "expires_in", 300);
	json_t *mac = json_pack("{s:s, s:s, s:s}", "access_token", "at", "token_type", "mac",
	                        "id_token", "a.b.c");
	json_t *noid = json_pack("{s:s, s:s}", "access_token", "at", "token_type", "Bearer");
	json_t *ui = json_pack("{s:s, s:s}", "sub", "pairwise-sub-1", "name", "Nguyễn Văn An");
	struct rp_tokens t = { 0 };
	struct errbuf eb = { 0 };

	(void)state;
	assert_int_equal(rp_token_parse(ok, &t, &eb), 0);
	assert_string_equal(t.access_token, "at");
	assert_string_equal(t.id_token, "a.b.c");
	assert_int_equal(rp_token_parse(mac, &t, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "token_type is not Bearer"));
	assert_int_equal(rp_token_parse(noid, &t, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "id_token missing"));
	assert_int_equal(rp_userinfo_check(ui, "pairwise-sub-1", &eb), 0);
	assert_int_equal(rp_userinfo_check(ui, "pairwise-sub-2", &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "sub is not the ID token's sub"));
	json_object_del(ui, "sub");
	assert_int_equal(rp_userinfo_check(ui, "pairwise-sub-1", &eb), E_INVALID);
	json_decref(ok);
	json_decref(mac);
	json_decref(noid);
	json_decref(ui);
}

/* ---- pending logins, sessions ------------------------------------------------------------- */

static struct rp_login login(const char *state, time_t at)
{
	struct rp_login l = { .at = at };

	snprintf(l.state, sizeof(l.state), "%s", state);
	snprintf(l.nonce, sizeof(l.nonce), "nonce-of-%s", state);
	return l;
}

static void test_rp_pending_state_is_single_use_and_expires(void **state)
{
	static struct rp_pending t;
	struct rp_login a = login("state-a", NOW), b = login("state-b", NOW), out;

	(void)state;
	rp_pending_put(&t, &a);
	rp_pending_put(&t, &b);
	assert_int_equal(rp_pending_take(&t, "state-a", NOW + 5, &out), 0);
	assert_string_equal(out.nonce, "nonce-of-state-a");
	assert_int_equal(rp_pending_take(&t, "state-a", NOW + 6, &out), E_NOTFOUND); /* replay */
	assert_int_equal(rp_pending_take(&t, "state-", NOW + 6, &out), E_NOTFOUND);
	assert_int_equal(rp_pending_take(&t, "state-bb", NOW + 6, &out), E_NOTFOUND);
	/* b comes back too late: refused, and gone */
	assert_int_equal(rp_pending_take(&t, "state-b", NOW + RP_PENDING_TTL + 1, &out), E_NOTFOUND);
	assert_int_equal(rp_pending_take(&t, "state-b", NOW + 7, &out), E_NOTFOUND);
}

static void test_rp_pending_table_is_bounded_and_evicts_the_oldest(void **state)
{
	static struct rp_pending t;
	struct rp_login out;
	char s[32];

	(void)state;
	for (int i = 0; i < RP_PENDING_MAX + 1; i++) {
		struct rp_login l;

		snprintf(s, sizeof(s), "s%d", i);
		l = login(s, NOW + i);
		rp_pending_put(&t, &l);
	}
	assert_int_equal(rp_pending_take(&t, "s0", NOW + 300, &out), E_NOTFOUND);
	assert_int_equal(rp_pending_take(&t, "s1", NOW + 300, &out), 0);
	snprintf(s, sizeof(s), "s%d", RP_PENDING_MAX);
	assert_int_equal(rp_pending_take(&t, s, NOW + 300, &out), 0);
}

static void test_rp_sessions_find_expire_and_end(void **state)
{
	static struct rp_sessions t;
	char sid[RP_TOKEN_SIZE], sid2[RP_TOKEN_SIZE], first[RP_TOKEN_SIZE];
	struct rp_session *s;

	(void)state;
	assert_int_equal(rp_sess_new(&t, NOW, json_pack("{s:s}", "sub", "x"), NULL, "a.b.c", sid),
	                 0);
	assert_int_equal(strlen(sid), 43);
	s = rp_sess_find(&t, sid, NOW + 10);
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s->claims, "sub")), "x");
	assert_string_equal(s->id_token, "a.b.c");
	assert_null(rp_sess_find(&t, "not-a-session", NOW + 10));
	/* idle: each find moves `seen`; past RP_SESSION_IDLE of silence it is gone */
	assert_non_null(rp_sess_find(&t, sid, NOW + RP_SESSION_IDLE));
	assert_null(rp_sess_find(&t, sid, NOW + 2 * RP_SESSION_IDLE + 1));
	assert_null(rp_sess_find(&t, sid, NOW + 10));
	/* absolute: even when used all the time */
	assert_int_equal(rp_sess_new(&t, NOW, NULL, NULL, NULL, sid2), 0);
	for (time_t at = NOW; at < NOW + RP_SESSION_MAX_AGE; at += RP_SESSION_IDLE / 2)
		assert_non_null(rp_sess_find(&t, sid2, at));
	assert_null(rp_sess_find(&t, sid2, NOW + RP_SESSION_MAX_AGE + 1));
	/* ended */
	assert_int_equal(rp_sess_new(&t, NOW, NULL, NULL, NULL, sid), 0);
	rp_sess_end(rp_sess_find(&t, sid, NOW));
	assert_null(rp_sess_find(&t, sid, NOW));
	/* bounded: the oldest goes */
	for (int i = 0; i < RP_SESSIONS_MAX + 1; i++)
		assert_int_equal(rp_sess_new(&t, NOW + i, NULL, NULL, NULL, i == 0 ? first : sid), 0);
	assert_null(rp_sess_find(&t, first, NOW + RP_SESSIONS_MAX + 1));
	assert_non_null(rp_sess_find(&t, sid, NOW + RP_SESSIONS_MAX + 1));
	rp_sess_fini(&t);
	assert_null(rp_sess_find(&t, sid, NOW + RP_SESSIONS_MAX + 1));
}

/* ---- cookies, HTML ------------------------------------------------------------------------ */

static void test_rp_cookie_get(void **state)
{
	char v[16] = "untouched";

	(void)state;
	assert_int_equal(rp_cookie_get("a=1; rp_sid=abc; b=2", "rp_sid", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(rp_cookie_get("rp_sid=xyz", "rp_sid", v, sizeof(v)), 0);
	assert_string_equal(v, "xyz");
	assert_int_equal(rp_cookie_get("xrp_sid=1; rp_sidx=2", "rp_sid", v, sizeof(v)), E_NOTFOUND);
	assert_int_equal(rp_cookie_get(NULL, "rp_sid", v, sizeof(v)), E_NOTFOUND);
	assert_int_equal(rp_cookie_get("rp_sid=1; rp_sid=2", "rp_sid", v, sizeof(v)), E_INVALID);
	assert_int_equal(rp_cookie_get("rp_sid=0123456789abcdef", "rp_sid", v, sizeof(v)), E_LIMIT);
	assert_int_equal(rp_cookie_get("rp_sid=", "rp_sid", v, sizeof(v)), 0);
	assert_string_equal(v, "");
}

static void test_rp_html_escape(void **state)
{
	char *s = rp_html_escape("<script>alert('x')</script> & \"q\" Đăng nhập");
	char *e = rp_html_escape("");

	(void)state;
	assert_string_equal(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; "
	                       "Đăng nhập");
	assert_string_equal(e, "");
	free(s);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rp_pkce_s256_matches_rfc7636_appendix_b),
		cmocka_unit_test(test_rp_pkce_challenge_refuses_a_verifier_outside_rfc7636),
		cmocka_unit_test(test_rp_at_hash_matches_the_oidc_core_example),
		cmocka_unit_test(test_rp_idtoken_es256_and_rs256_accepted),
		cmocka_unit_test(test_rp_idtoken_refuses_alg_none),
		cmocka_unit_test(test_rp_idtoken_refuses_hs256_keyed_with_the_public_key),
		cmocka_unit_test(test_rp_idtoken_refuses_an_alg_that_is_not_the_keys),
		cmocka_unit_test(test_rp_idtoken_refuses_a_bad_signature),
		cmocka_unit_test(test_rp_idtoken_refuses_es256_signature_of_the_wrong_length),
		cmocka_unit_test(test_rp_idtoken_kid_picks_the_key_and_unknown_kid_asks_for_a_refetch),
		cmocka_unit_test(test_rp_idtoken_refuses_other_token_types_and_crit),
		cmocka_unit_test(test_rp_idtoken_refuses_malformed_tokens),
		cmocka_unit_test(test_rp_idtoken_refuses_duplicate_claims),
		cmocka_unit_test(test_rp_idtoken_refuses_wrong_iss),
		cmocka_unit_test(test_rp_idtoken_refuses_wrong_aud_and_azp),
		cmocka_unit_test(test_rp_idtoken_refuses_expired_and_future_tokens),
		cmocka_unit_test(test_rp_idtoken_refuses_nonce_mismatch),
		cmocka_unit_test(test_rp_idtoken_refuses_bad_sub),
		cmocka_unit_test(test_rp_idtoken_checks_at_hash_when_present),
		cmocka_unit_test(test_rp_idtoken_acr_at_least_what_was_asked),
		cmocka_unit_test(test_rp_verifies_id_tokens_that_authd_signs),
		cmocka_unit_test(test_rp_jwks_keeps_usable_keys_and_skips_others),
		cmocka_unit_test(test_rp_jwks_refuses_private_keys_bad_points_and_empty_sets),
		cmocka_unit_test(test_rp_discovery_needs_the_exact_issuer_and_a_jwks_uri),
		cmocka_unit_test(test_rp_url_check_https_or_loopback_http),
		cmocka_unit_test(test_rp_authorize_url_carries_pkce_state_nonce),
		cmocka_unit_test(test_rp_prompt_values),
		cmocka_unit_test(test_rp_token_request_body_and_basic_auth),
		cmocka_unit_test(test_rp_logout_url),
		cmocka_unit_test(test_rp_token_response_and_userinfo_sub),
		cmocka_unit_test(test_rp_pending_state_is_single_use_and_expires),
		cmocka_unit_test(test_rp_pending_table_is_bounded_and_evicts_the_oldest),
		cmocka_unit_test(test_rp_sessions_find_expire_and_end),
		cmocka_unit_test(test_rp_cookie_get),
		cmocka_unit_test(test_rp_html_escape),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
