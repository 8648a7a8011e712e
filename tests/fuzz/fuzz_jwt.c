/* fuzz_jwt — compact JWS from outside: access tokens presented to /userinfo, /introspect and
 * /admin (jws.c's jws_verify_keyset, tok.c's tok_access_verify) and client assertions at /token
 * (private_key_jwt: tok_assertion_verify, which chooses the client's key with jws_kid and checks
 * with jws_verify). The fixtures, made once: a keyset from keys_generate in a temporary
 * directory (ES256 active and next, RS256 active), and a private_key_jwt client registered with
 * that keyset's public JWKS through clients_parse.
 *
 * Two kinds of input:
 *   - anything else: a compact JWS as received, given to every verifier above, and to jws_verify
 *     with our ES256 key (no kid required: the ECDSA r||s → DER path sees the fuzzer's bytes)
 *     and our RS256 key. A forged signature never verifies, so this explores the header checks,
 *     the base64url and JSON parsing, and the signature's shape.
 *   - "S" header-JSON "\n" payload-JSON: the harness encodes both and signs them RS256 with our
 *     key (deterministic: PKCS#1 v1.5), so the claim checks behind the signature get fuzzed too.
 *     In the header, "@RS@" and "@ES@" stand for our RS256 and ES256 kids (random per run).
 *     Properties: what tok_assertion_verify accepts has iss = sub = the client_id, an aud we
 *     named, exp within [now - skew, now + max life + skew], a jti of 1..256 bytes whose hash it
 *     returned; what tok_access_verify accepts is typ at+jwt with our iss, a client_id, a jti of
 *     at most 128 bytes and an exp in the future. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string.h>
#include <strings.h>

#include "clients.h"
#include "fuzz.h"
#include "jws.h"
#include "keys.h"
#include "lim.h"
#include "sec.h"
#include "tok.h"

#define NOW 1750000000LL
#define ISS "https://id.example.vn"
#define CLIENT_ID "fuzz-rp"

static struct keyset *ks;
static const struct key *es, *rs;
static struct client *client;
static const char *const auds[] = { ISS, ISS "/token" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errbuf eb = { 0 };
	json_t *reg, *jwks;
	const char *dir = fuzz_tmpdir("jwt");

	(void)argc;
	(void)argv;
	if (keys_generate(dir, &eb) != 0 || keys_load(dir, &ks, &eb) != 0) {
		fprintf(stderr, "fuzz_jwt: keys: %s\n", eb.msg);
		abort();
	}
	es = keys_active(ks, KEY_ES256);
	rs = keys_active(ks, KEY_RS256);
	FUZZ_CHECK(es != NULL && rs != NULL, "keys_generate made no ES256 or RS256 key");
	jwks = json_loads(ks->jwks, 0, NULL);
	reg = json_pack("{s:s, s:s, s:s, s:o, s:[s]}", "client_id", CLIENT_ID, "client_name",
	                "Fuzz RP", "token_endpoint_auth_method", "private_key_jwt", "jwks", jwks,
	                "grant_types", "client_credentials");
	if (reg == NULL || clients_parse(reg, NULL, &client, &eb) != 0) {
		fprintf(stderr, "fuzz_jwt: client: %s\n", eb.msg);
		abort();
	}
	json_decref(reg);
	return 0;
}

/* The fuzzer's header with "@RS@" / "@ES@" replaced by our kids, heap memory. */
static char *kids_put(const char *h, size_t n, size_t *outn)
{
	char *out = malloc(n / 4 * 43 + n + 1), *o = out;

	FUZZ_CHECK(out != NULL, "out of memory");
	for (size_t i = 0; i < n;) {
		if (n - i >= 4 && (memcmp(h + i, "@RS@", 4) == 0 || memcmp(h + i, "@ES@", 4) == 0)) {
			const char *kid = h[i + 1] == 'R' ? rs->kid : es->kid;

			o = stpcpy(o, kid);
			i += 4;
		} else {
			*o++ = h[i++];
		}
	}
	*o = '\0';
	*outn = (size_t)(o - out);
	return out;
}

/* b64(header) "." b64(payload) "." b64(RS256 signature), heap memory. */
static char *sign_rs256(const char *h, size_t hn, const char *p, size_t pn, size_t *len)
{
	size_t sl = (size_t)EVP_PKEY_get_size(rs->pkey), in = sec_b64url_len(hn) + 1 +
	                                                     sec_b64url_len(pn);
	char *out = malloc(in + 1 + sec_b64url_len(sl) + 1);
	uint8_t sig[LIM_RSA_BITS / 8];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	FUZZ_CHECK(out != NULL && md != NULL, "out of memory");
	sec_b64url_encode(h, hn, out);
	out[sec_b64url_len(hn)] = '.';
	sec_b64url_encode(p, pn, out + sec_b64url_len(hn) + 1);
	FUZZ_CHECK(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, rs->pkey) == 1 &&
	                   EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
	                   EVP_DigestSign(md, sig, &sl, (const uint8_t *)out, in) == 1,
	           "RS256 signing failed");
	EVP_MD_CTX_free(md);
	out[in] = '.';
	sec_b64url_encode(sig, sl, out + in + 1);
	*len = in + 1 + sec_b64url_len(sl);
	return out;
}

static int aud_has(json_t *aud)
{
	size_t i;
	json_t *v;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), auds[0]) == 0 ||
		       strcmp(json_string_value(aud), auds[1]) == 0;
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && aud_has(v))
			return 1;
	return 0;
}

static long long date_of(json_t *claims, const char *name)
{
	json_t *v = json_object_get(claims, name);

	return json_is_integer(v) ? (long long)json_integer_value(v)
	       : json_is_real(v)  ? (long long)json_real_value(v)
	                          : 0;
}

/* What tok_assertion_verify accepted, checked again from the signed payload. */
static void assertion_accepted(const char *payload, size_t pn, const char *hash, long long exp)
{
	json_t *c = json_loadb(payload, pn, JSON_REJECT_DUPLICATES, NULL);
	const char *jti = json_string_value(json_object_get(c, "jti"));
	uint8_t h[SEC_SHA256_LEN];
	char want[TOK_SUB_SIZE];

	FUZZ_CHECK(c != NULL, "an assertion with an unparsable payload was accepted");
	FUZZ_CHECK(json_is_string(json_object_get(c, "iss")) &&
	                   strcmp(json_string_value(json_object_get(c, "iss")), CLIENT_ID) == 0 &&
	                   json_is_string(json_object_get(c, "sub")) &&
	                   strcmp(json_string_value(json_object_get(c, "sub")), CLIENT_ID) == 0,
	           "an assertion whose iss or sub is not the client was accepted");
	FUZZ_CHECK(aud_has(json_object_get(c, "aud")), "an assertion for another aud was accepted");
	FUZZ_CHECK(exp == date_of(c, "exp") && exp + TOK_SKEW >= NOW &&
	                   exp <= NOW + TOK_ASSERTION_MAX_LIFE + TOK_SKEW,
	           "an assertion with a bad exp was accepted");
	FUZZ_CHECK(date_of(c, "iat") <= NOW + TOK_SKEW && date_of(c, "nbf") <= NOW + TOK_SKEW,
	           "an assertion from the future was accepted");
	FUZZ_CHECK(jti != NULL && jti[0] != '\0' && strlen(jti) <= 256,
	           "an assertion without a proper jti was accepted");
	sec_sha256(jti, strlen(jti), h);
	sec_b64url_encode(h, sizeof(h), want);
	FUZZ_CHECK(strcmp(want, hash) == 0, "the jti hash is not the jti's");
	json_decref(c);
}

static void access_accepted(json_t *c, const char *hdr, size_t hn)
{
	json_t *h = json_loadb(hdr, hn, JSON_REJECT_DUPLICATES, NULL);
	const char *typ = json_string_value(json_object_get(h, "typ"));
	json_t *exp = json_object_get(c, "exp");

	FUZZ_CHECK(typ != NULL && (strcasecmp(typ, "at+jwt") == 0 ||
	                           strcasecmp(typ, "application/at+jwt") == 0),
	           "an access token without typ at+jwt was accepted");
	FUZZ_CHECK(json_is_string(json_object_get(c, "iss")) &&
	                   strcmp(json_string_value(json_object_get(c, "iss")), ISS) == 0,
	           "an access token from another issuer was accepted");
	FUZZ_CHECK(json_is_string(json_object_get(c, "client_id")) &&
	                   json_is_string(json_object_get(c, "jti")) &&
	                   strlen(json_string_value(json_object_get(c, "jti"))) <= 128,
	           "an access token without client_id or jti was accepted");
	FUZZ_CHECK(json_is_integer(exp) && json_integer_value(exp) > NOW,
	           "an expired access token was accepted");
	json_decref(h);
}

/* Every verifier on one compact JWS. hdr/payload: what was signed, when the harness signed. */
static void verify_all(const char *jws, size_t len, const char *hdr, size_t hn, const char *pay,
                       size_t pn)
{
	struct errbuf eb = { 0 };
	char kid[KEYS_KID_SIZE], hash[TOK_SUB_SIZE] = "";
	char *z = fuzz_str((const uint8_t *)jws, len);
	json_t *c = NULL;
	long long exp = 0;

	if (jws_kid(jws, len, kid, &eb) == 0)
		FUZZ_CHECK(strlen(kid) >= 1 && strlen(kid) <= LIM_KID, "jws_kid: a bad kid");
	if (jws_verify_keyset(ks, jws, len, NULL, &c, &eb) == 0) {
		FUZZ_CHECK(json_is_object(c) && hdr != NULL, "a forged JWS verified");
		json_decref(c);
	}
	if (jws_verify(jws, len, es->pkey, KEY_ES256, NULL, NULL, &c, &eb) == 0) {
		FUZZ_CHECK(0, "a forged ES256 JWS verified");
	}
	if (jws_verify(jws, len, rs->pkey, KEY_RS256, rs->kid, "JWT", &c, &eb) == 0) {
		FUZZ_CHECK(json_is_object(c) && hdr != NULL, "a forged RS256 JWS verified");
		json_decref(c);
	}
	if (tok_access_verify(ks, ISS, NOW, z, &c) == 0) {
		FUZZ_CHECK(hdr != NULL && strlen(z) == len, "a forged access token verified");
		access_accepted(c, hdr, hn);
		json_decref(c);
	}
	if (tok_assertion_verify(client, jws, len, auds, 2, NOW, hash, &exp, &eb) == 0) {
		FUZZ_CHECK(hdr != NULL, "a forged client assertion verified");
		assertion_accepted(pay, pn, hash, exp);
	}
	free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl;
	char *hdr, *jws;
	size_t hn, len;

	if (size > LIM_JWS + 1)
		return 0; /* refused by length before anything is read (jws.c's split) */
	if (size == 0 || data[0] != 'S') {
		verify_all((const char *)data, size, NULL, 0, NULL, 0);
		return 0;
	}
	if ((nl = memchr(data + 1, '\n', size - 1)) == NULL)
		return 0;
	hdr = kids_put((const char *)data + 1, (size_t)(nl - (const char *)data - 1), &hn);
	jws = sign_rs256(hdr, hn, nl + 1, size - (size_t)(nl + 1 - (const char *)data), &len);
	verify_all(jws, len, hdr, hn, nl + 1, size - (size_t)(nl + 1 - (const char *)data));
	free(jws);
	free(hdr);
	return 0;
}
