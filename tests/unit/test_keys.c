/* test_keys.c — signing keys: dev generation, manifest validation, RFC 7638 kids, JWKS render,
 * client JWK parsing. Keys are generated once per run into a mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "keys.h"
#include "sec.h"
#include "testutil.h"

static char dir[64];
static char *manifest;          /* the generated keys.json, restored after each refusal */

/* RFC 7638 §3.1 example key, and its thumbprint. */
static const char *const RFC7638_N =
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
	"JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
	"DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI"
	"4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char *const RFC7638_TP = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

/* ---- helpers ------------------------------------------------------------------------------ */

/* dir/name, in a buffer the next call reuses. */
static char *path_of(const char *name)
{
	static char p[256];

	return tu_path(p, sizeof(p), dir, name);
}

static void write_pem(const char *name, EVP_PKEY *pk)
{
	BIO *b = BIO_new_file(path_of(name), "w");

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL), 1);
	BIO_free(b);
}

/* Writes `json` as the manifest, loads, restores the generated manifest. */
static int try_manifest(const char *json, struct errbuf *eb)
{
	struct keyset *ks = NULL;
	int r;

	tu_spit(path_of("keys.json"), json, strlen(json));
	r = keys_load(dir, &ks, eb);
	tu_spit(path_of("keys.json"), manifest, strlen(manifest));
	if (r == 0)
		keys_free(ks);
	else
		assert_null(ks);
	return r;
}

#define ENTRY(file, alg, state) "{\"file\":\"" file "\",\"alg\":\"" alg "\",\"state\":\"" state "\"}"
#define ES1 ENTRY("es256-1.pem", "ES256", "active")
#define RS1 ENTRY("rs256-1.pem", "RS256", "active")

static void assert_refused(const char *json, int code, const char *want1, const char *want2)
{
	struct errbuf eb = { 0 };
	int r = try_manifest(json, &eb);

	if (r != code || strstr(eb.msg, want1) == NULL || (want2 && strstr(eb.msg, want2) == NULL))
		print_error("manifest %s\n  -> %d \"%s\"\n", json, r, eb.msg);
	assert_int_equal(r, code);
	assert_non_null(strstr(eb.msg, want1));
	if (want2 != NULL)
		assert_non_null(strstr(eb.msg, want2));
	/* "file: key: what": the manifest path leads */
	assert_non_null(strstr(eb.msg, "/keys.json: "));
}

static json_t *jwk_of(const char *json)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);

	if (j == NULL)
		print_error("bad test JSON: %s\n", je.text);
	assert_non_null(j);
	return j;
}

/* A public JWK built from an EVP_PKEY by hand (independent of keys.c's renderer). */
static json_t *jwk_from_rsa(EVP_PKEY *pk)
{
	BIGNUM *n = NULL, *e = NULL;
	unsigned char bn[1024];
	char nb[1400], e64[16];
	int len;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e), 1);
	len = BN_bn2bin(n, bn);
	sec_b64url_encode(bn, (size_t)len, nb);
	len = BN_bn2bin(e, bn);
	sec_b64url_encode(bn, (size_t)len, e64);
	BN_free(n);
	BN_free(e);
	return json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", nb, "e", e64);
}

static int parse_refused(const char *json, const char *want)
{
	struct errbuf eb = { 0 };
	json_t *j = jwk_of(json);
	EVP_PKEY *pk = (EVP_PKEY *)1;    /* outputs must stay untouched on failure */
	enum key_alg alg = (enum key_alg)7;
	char kid[KEYS_KID_SIZE] = "untouched";
	int r = keys_jwk_parse(j, "jwks.keys[0]", &pk, &alg, kid, &eb);

	json_decref(j);
	if (r == 0 || strstr(eb.msg, want) == NULL)
		print_error("jwk %s\n  -> %d \"%s\" (want \"%s\")\n", json, r, eb.msg, want);
	assert_int_equal(r, E_INVALID);
	assert_non_null(strstr(eb.msg, want));
	assert_non_null(strstr(eb.msg, "jwks.keys[0]."));
	assert_ptr_equal(pk, (EVP_PKEY *)1);
	assert_int_equal(alg, 7);
	assert_string_equal(kid, "untouched");
	return r;
}

/* ---- setup -------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	struct errbuf eb = { 0 };
	EVP_PKEY *pk;

	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "test_keys") == NULL)
		return -1;
	rmdir(dir);                     /* keys_generate creates it, 0700 */
	if (keys_generate(dir, &eb) != 0) {
		fprintf(stderr, "keys_generate: %s\n", eb.msg);
		return -1;
	}
	if ((manifest = tu_slurp(path_of("keys.json"), NULL)) == NULL)
		return -1;
	/* Extra PEMs the refusal tests list in their manifests. */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	write_pem("es256-3.pem", pk);
	EVP_PKEY_free(pk);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	write_pem("rsa1024.pem", pk);
	EVP_PKEY_free(pk);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	write_pem("p384.pem", pk);
	EVP_PKEY_free(pk);
	tu_spit(path_of("garbage.pem"),
	        "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", 64);
	{
		size_t n = 0;
		char *c = tu_slurp(path_of("es256-1.pem"), &n);

		if (c == NULL)
			return -1;
		tu_spit(path_of("copy-of-es256-1.pem"), c, n);
		free(c);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rm_rf(dir);
	free(manifest);
	return 0;
}

/* ---- generate + load ---------------------------------------------------------------------- */

static void test_keys_generate_then_load_gives_active_next_and_rsa(void **state)
{
	struct errbuf eb = { 0 };
	struct keyset *ks = NULL;
	const struct key *es, *rs, *next = NULL;
	char tp[KEYS_KID_SIZE];
	struct stat st;

	(void)state;
	assert_int_equal(keys_load(dir, &ks, &eb), 0);
	assert_int_equal(ks->n, 3);
	es = keys_active(ks, KEY_ES256);
	rs = keys_active(ks, KEY_RS256);
	assert_non_null(es);
	assert_non_null(rs);
	assert_string_equal(es->file, "es256-1.pem");
	assert_string_equal(rs->file, "rs256-1.pem");
	for (size_t i = 0; i < ks->n; i++)
		if (ks->v[i].state == KEY_NEXT)
			next = &ks->v[i];
	assert_non_null(next);
	assert_string_equal(next->file, "es256-2.pem");
	assert_int_equal(next->alg, KEY_ES256);
	for (size_t i = 0; i < ks->n; i++) {
		assert_int_equal(strlen(ks->v[i].kid), 43);
		assert_int_equal(keys_thumbprint(ks->v[i].pkey, tp), 0);
		assert_string_equal(ks->v[i].kid, tp);
		assert_ptr_equal(keys_find(ks, ks->v[i].kid), &ks->v[i]);
	}
	assert_string_not_equal(es->kid, next->kid);
	assert_null(keys_find(ks, "nope"));
	assert_null(keys_find(ks, NULL));
	/* private keys are 0600 in a 0700 directory */
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(path_of("es256-1.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(path_of("rs256-1.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(path_of("demo-bank.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(EVP_PKEY_get_bits(rs->pkey), 2048);
	keys_free(ks);
}

static void test_keys_jwks_lists_active_then_next_and_public_members_only(void **state)
{
	static const char *const pub[] = { "kty", "crv", "x", "y", "n", "e", "kid", "use", "alg", NULL };
	struct errbuf eb = { 0 };
	struct keyset *ks = NULL;
	json_t *j, *arr, *k;
	size_t i;

	(void)state;
	assert_int_equal(keys_load(dir, &ks, &eb), 0);
	assert_int_equal(strlen(ks->jwks), ks->jwks_len);
	assert_null(strstr(ks->jwks, "\"d\""));
	assert_null(strstr(ks->jwks, " "));     /* compact */
	j = jwk_of(ks->jwks);
	arr = json_object_get(j, "keys");
	assert_int_equal(json_array_size(arr), 3);
	/* active keys first, in manifest order, then the next key */
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "kid")),
	                    keys_active(ks, KEY_ES256)->kid);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "kid")),
	                    keys_active(ks, KEY_RS256)->kid);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 2), "kid")),
	                    ks->v[1].kid);
	assert_int_equal(ks->v[1].state, KEY_NEXT);
	json_array_foreach(arr, i, k) {
		const char *name;
		json_t *v;
		EVP_PKEY *pk = NULL;
		enum key_alg alg;
		char kid[KEYS_KID_SIZE];
		const struct key *ours;

		json_object_foreach(k, name, v) {
			int ok = 0;

			for (int p = 0; pub[p] != NULL; p++)
				ok |= strcmp(pub[p], name) == 0;
			if (!ok)
				print_error("JWKS member %s\n", name);
			assert_true(ok);
		}
		assert_string_equal(json_string_value(json_object_get(k, "use")), "sig");
		/* each published JWK parses back to the very key we sign with */
		assert_int_equal(keys_jwk_parse(k, NULL, &pk, &alg, kid, &eb), 0);
		ours = keys_find(ks, kid);
		assert_non_null(ours);
		assert_int_equal(alg, ours->alg);
		assert_string_equal(json_string_value(json_object_get(k, "alg")), keys_alg_name(alg));
		assert_int_equal(EVP_PKEY_eq(pk, ours->pkey), 1);
		EVP_PKEY_free(pk);
	}
	json_decref(j);
	keys_free(ks);
}

static void test_keys_thumbprint_matches_rfc7638_example_and_ec_known_answer(void **state)
{
	struct errbuf eb = { 0 };
	char json[1024], kid[KEYS_KID_SIZE], tp[KEYS_KID_SIZE];
	EVP_PKEY *pk = NULL;
	enum key_alg alg;
	json_t *j;

	(void)state;
	snprintf(json, sizeof(json),
	         "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}",
	         RFC7638_N);
	j = jwk_of(json);
	assert_int_equal(keys_jwk_parse(j, NULL, &pk, &alg, kid, &eb), 0);
	assert_int_equal(alg, KEY_RS256);
	assert_string_equal(kid, "2011-04-29");         /* the member wins */
	assert_int_equal(keys_thumbprint(pk, tp), 0);
	assert_string_equal(tp, RFC7638_TP);
	EVP_PKEY_free(pk);
	json_decref(j);
	/* without a kid member, the kid is the thumbprint, and alg is inferred from kty */
	snprintf(json, sizeof(json), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}", RFC7638_N);
	j = jwk_of(json);
	assert_int_equal(keys_jwk_parse(j, NULL, &pk, &alg, kid, &eb), 0);
	assert_string_equal(kid, RFC7638_TP);
	assert_int_equal(alg, KEY_RS256);
	EVP_PKEY_free(pk);
	json_decref(j);
	/* EC: the P-256 key of RFC 7517 A.1 (its "use":"enc" left out); thumbprint computed
	 * independently (Python hashlib over the RFC 7638 canonical form). */
	j = jwk_of("{\"kty\":\"EC\",\"crv\":\"P-256\","
	           "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
	           "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\",\"kid\":\"1\"}");
	assert_int_equal(keys_jwk_parse(j, NULL, &pk, &alg, kid, &eb), 0);
	assert_string_equal(kid, "1");
	assert_int_equal(alg, KEY_ES256);
	assert_int_equal(keys_thumbprint(pk, tp), 0);
	assert_string_equal(tp, "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s");
	EVP_PKEY_free(pk);
	json_decref(j);
}

static void test_keys_alg_names_parse_exactly(void **state)
{
	enum key_alg a = KEY_RS256;

	(void)state;
	assert_int_equal(keys_alg_parse("ES256", &a), 0);
	assert_int_equal(a, KEY_ES256);
	assert_int_equal(keys_alg_parse("RS256", &a), 0);
	assert_int_equal(a, KEY_RS256);
	assert_int_equal(keys_alg_parse("es256", &a), E_INVALID);
	assert_int_equal(keys_alg_parse("none", &a), E_INVALID);
	assert_int_equal(keys_alg_parse("HS256", &a), E_INVALID);
	assert_int_equal(keys_alg_parse("", &a), E_INVALID);
	assert_string_equal(keys_alg_name(KEY_ES256), "ES256");
	assert_string_equal(keys_alg_name(KEY_RS256), "RS256");
}

static void test_keys_header_is_cached_or_rendered_and_refuses_odd_typ(void **state)
{
	static const char *const typs[] = { "JWT", "at+jwt", "logout+jwt", "secevent+jwt" };
	struct errbuf eb = { 0 };
	struct keyset *ks = NULL;
	const struct key *k;
	char hdr[KEYS_HDR_SIZE], want[256], dec[256];
	size_t len = 0;
	long n;

	(void)state;
	assert_int_equal(keys_load(dir, &ks, &eb), 0);
	k = keys_active(ks, KEY_RS256);
	for (size_t i = 0; i < sizeof(typs) / sizeof(typs[0]); i++) {
		assert_int_equal(keys_header(k, typs[i], hdr, &len), 0);
		assert_int_equal(strlen(hdr), len);
		n = sec_b64url_decode(hdr, len, (uint8_t *)dec);
		assert_true(n > 0);
		dec[n] = '\0';
		snprintf(want, sizeof(want), "{\"alg\":\"RS256\",\"typ\":\"%s\",\"kid\":\"%s\"}", typs[i],
		         k->kid);
		assert_string_equal(dec, want);
	}
	assert_int_equal(keys_header(k, "a\"b", hdr, &len), E_INVALID);
	assert_int_equal(keys_header(k, "", hdr, &len), E_INVALID);
	assert_int_equal(keys_header(k, "x\\y", hdr, &len), E_INVALID);
	assert_int_equal(keys_header(k, "123456789012345678901234567890123", hdr, &len), E_INVALID);
	keys_free(ks);
}

/* ---- manifest refusals -------------------------------------------------------------------- */

static void test_keys_refuses_manifest_without_active_es256(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" RS1 "," ENTRY("es256-2.pem", "ES256", "next") "]}", E_INVALID,
	               "no active ES256 key", NULL);
	assert_refused("{\"keys\":[]}", E_INVALID, "no active ES256 key", NULL);
}

static void test_keys_refuses_two_active_es256_keys(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("es256-2.pem", "ES256", "active") "]}",
	               E_INVALID, "keys[1].state: es256-2.pem: a second active ES256 key", "keys[0]");
}

static void test_keys_refuses_two_active_rs256_keys(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	(void)state;
	write_pem("rs256-2.pem", pk);
	EVP_PKEY_free(pk);
	assert_refused("{\"keys\":[" ES1 "," RS1 "," ENTRY("rs256-2.pem", "RS256", "active") "]}",
	               E_INVALID, "keys[2].state: rs256-2.pem: a second active RS256 key", NULL);
	unlink(path_of("rs256-2.pem"));
}

static void test_keys_refuses_two_next_keys_for_one_alg(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("es256-2.pem", "ES256", "next") "," ENTRY(
			       "es256-3.pem", "ES256", "next") "]}",
	               E_INVALID, "keys[2].state: es256-3.pem: a second next ES256 key", NULL);
}

static void test_keys_accepts_retired_keys_and_publishes_them_last(void **state)
{
	struct errbuf eb = { 0 };
	struct keyset *ks = NULL;
	json_t *j;
	const char *m = "{\"keys\":[" ENTRY("es256-3.pem", "ES256", "retired") "," ENTRY(
		"es256-2.pem", "ES256", "retired") "," ES1 "]}";

	(void)state;
	tu_spit(path_of("keys.json"), m, strlen(m));
	assert_int_equal(keys_load(dir, &ks, &eb), 0);
	tu_spit(path_of("keys.json"), manifest, strlen(manifest));
	j = jwk_of(ks->jwks);
	assert_int_equal(json_array_size(json_object_get(j, "keys")), 3);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(json_object_get(j, "keys"), 0), "kid")),
		ks->v[2].kid);
	json_decref(j);
	keys_free(ks);
}

static void test_keys_refuses_unknown_member_in_entry(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 ",{\"file\":\"rs256-1.pem\",\"alg\":\"RS256\","
	               "\"state\":\"active\",\"colour\":\"red\"}]}",
	               E_INVALID, "keys[1].colour: unknown key", NULL);
}

static void test_keys_refuses_unknown_top_level_member(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "],\"kyes\":[]}", E_INVALID, "kyes: unknown key", NULL);
}

static void test_keys_refuses_unknown_state(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("es256-2.pem", "ES256", "standby") "]}",
	               E_INVALID, "keys[1].state: es256-2.pem: must be active, next or retired",
	               "standby");
}

static void test_keys_refuses_unknown_alg(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("rs256-1.pem", "PS256", "active") "]}",
	               E_INVALID, "keys[1].alg: rs256-1.pem: must be ES256 or RS256", NULL);
	assert_refused("{\"keys\":[" ES1 "," ENTRY("rs256-1.pem", "none", "active") "]}", E_INVALID,
	               "keys[1].alg", NULL);
}

static void test_keys_refuses_path_traversal(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ENTRY("../x.pem", "ES256", "active") "]}", E_INVALID,
	               "keys[0].file: must be a plain file name", "../x.pem");
	assert_refused("{\"keys\":[" ENTRY("/etc/ssl/x.pem", "ES256", "active") "]}", E_INVALID,
	               "keys[0].file: must be a plain file name", NULL);
	assert_refused("{\"keys\":[" ENTRY("..", "ES256", "active") "]}", E_INVALID,
	               "keys[0].file: must be a plain file name", NULL);
	assert_refused("{\"keys\":[" ENTRY("", "ES256", "active") "]}", E_INVALID, "keys[0].file",
	               NULL);
}

static void test_keys_refuses_rsa_key_listed_as_es256(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ENTRY("rs256-1.pem", "ES256", "active") "]}", E_INVALID,
	               "keys[0].file: rs256-1.pem: ES256 needs an EC P-256 key", NULL);
	assert_refused("{\"keys\":[" ENTRY("p384.pem", "ES256", "active") "]}", E_INVALID,
	               "keys[0].file: p384.pem: ES256 needs an EC P-256 key", NULL);
}

static void test_keys_refuses_ec_key_listed_as_rs256(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("es256-2.pem", "RS256", "active") "]}",
	               E_INVALID, "keys[1].file: es256-2.pem: RS256 needs an RSA key", NULL);
}

static void test_keys_refuses_rsa_1024(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("rsa1024.pem", "RS256", "active") "]}",
	               E_INVALID, "keys[1].file: rsa1024.pem: RS256 needs an RSA key of 2048..",
	               "got 1024");
}

static void test_keys_refuses_unparsable_pem(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("garbage.pem", "ES256", "next") "]}", E_INVALID,
	               "keys[1].file: garbage.pem: not an unencrypted PEM private key", NULL);
	assert_refused("{\"keys\":[" ES1 "," ENTRY("keys.json", "ES256", "next") "]}", E_INVALID,
	               "keys[1].file: keys.json: not an unencrypted PEM private key", NULL);
}

static void test_keys_refuses_missing_pem_file(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("gone.pem", "ES256", "next") "]}", E_IO,
	               "keys[1].file: gone.pem: cannot open", NULL);
}

static void test_keys_refuses_oversized_pem(void **state)
{
	char *big = malloc(LIM_PEM_FILE + 1);

	(void)state;
	assert_non_null(big);
	memset(big, 'A', LIM_PEM_FILE + 1);
	tu_spit(path_of("big.pem"), big, LIM_PEM_FILE + 1);
	free(big);
	assert_refused("{\"keys\":[" ES1 "," ENTRY("big.pem", "ES256", "next") "]}", E_LIMIT,
	               "keys[1].file: big.pem: larger than", NULL);
	unlink(path_of("big.pem"));
}

static void test_keys_refuses_duplicate_entries(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," RS1 "," ES1 "]}", E_INVALID,
	               "keys[2].file: es256-1.pem: listed twice (also keys[0])", NULL);
	/* the same file as active and as retired is still one key listed twice */
	assert_refused("{\"keys\":[" ES1 "," ENTRY("es256-1.pem", "ES256", "retired") "]}",
	               E_INVALID, "keys[1].file: es256-1.pem: listed twice", NULL);
}

static void test_keys_refuses_same_key_under_two_names(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[" ES1 "," ENTRY("copy-of-es256-1.pem", "ES256", "next") "]}",
	               E_INVALID, "keys[1].file: copy-of-es256-1.pem: the same key as keys[0]",
	               NULL);
}

static void test_keys_refuses_duplicate_json_members(void **state)
{
	(void)state;
	assert_refused("{\"keys\":[{\"file\":\"es256-1.pem\",\"alg\":\"ES256\",\"alg\":\"RS256\","
	               "\"state\":\"active\"}]}",
	               E_INVALID, "duplicate", NULL);
}

static void test_keys_refuses_more_than_lim_keys(void **state)
{
	char m[4096];
	size_t o = 0;

	(void)state;
	o += (size_t)snprintf(m + o, sizeof(m) - o, "{\"keys\":[" ES1);
	for (int i = 0; i < LIM_KEYS; i++)
		o += (size_t)snprintf(m + o, sizeof(m) - o,
		                      ",{\"file\":\"r%d.pem\",\"alg\":\"ES256\",\"state\":\"retired\"}", i);
	snprintf(m + o, sizeof(m) - o, "]}");
	assert_refused(m, E_LIMIT, "keys: more than", NULL);
}

static void test_keys_refuses_wrong_types_in_manifest(void **state)
{
	(void)state;
	assert_refused("{\"keys\":{}}", E_INVALID, "keys: must be an array", NULL);
	assert_refused("{}", E_INVALID, "keys: missing", NULL);
	assert_refused("{\"keys\":[\"es256-1.pem\"]}", E_INVALID, "keys[0]: must be an object", NULL);
	assert_refused("{\"keys\":[{\"file\":\"es256-1.pem\",\"alg\":\"ES256\"}]}", E_INVALID,
	               "keys[0].state: missing", NULL);
	assert_refused("{\"keys\":[{\"file\":1,\"alg\":\"ES256\",\"state\":\"active\"}]}", E_INVALID,
	               "keys[0].file: must be a string", NULL);
}

static void test_keys_missing_manifest_is_an_io_error_and_eb_file_is_restored(void **state)
{
	struct errbuf eb = { .file = "caller" };
	struct keyset *ks = NULL;
	char empty[64];

	(void)state;
	assert_non_null(tu_mkdtemp(empty, sizeof(empty), "test_keys_empty"));
	assert_int_equal(keys_load(empty, &ks, &eb), E_IO);
	assert_null(ks);
	assert_non_null(strstr(eb.msg, "/keys.json: cannot open"));
	assert_string_equal(eb.file, "caller");
	rmdir(empty);
}

/* ---- client JWKs -------------------------------------------------------------------------- */

/* A valid P-256 public JWK whose members the refusals below mutate. */
static char ec_x[48], ec_y[48];

static void ec_members(void)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIGNUM *x = NULL, *y = NULL;
	unsigned char b[32];

	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
	assert_int_equal(BN_bn2binpad(x, b, 32), 32);
	sec_b64url_encode(b, 32, ec_x);
	assert_int_equal(BN_bn2binpad(y, b, 32), 32);
	sec_b64url_encode(b, 32, ec_y);
	BN_free(x);
	BN_free(y);
	EVP_PKEY_free(pk);
}

static char *ec_jwk(const char *extra)
{
	static char j[512];

	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"%s}", ec_x,
	         ec_y, extra);
	return j;
}

static void test_keys_jwk_accepts_ec_p256_and_infers_es256(void **state)
{
	struct errbuf eb = { 0 };
	EVP_PKEY *pk = NULL;
	enum key_alg alg = KEY_RS256;
	char kid[KEYS_KID_SIZE], tp[KEYS_KID_SIZE];
	json_t *j;

	(void)state;
	ec_members();
	j = jwk_of(ec_jwk(",\"use\":\"sig\",\"x5t\":\"ignored\""));
	assert_int_equal(keys_jwk_parse(j, NULL, &pk, &alg, kid, &eb), 0);
	assert_int_equal(alg, KEY_ES256);
	assert_int_equal(keys_thumbprint(pk, tp), 0);
	assert_string_equal(kid, tp);
	assert_int_equal(keys_pkey_check(pk, KEY_ES256, &eb), 0);
	assert_int_equal(keys_pkey_check(pk, KEY_RS256, &eb), E_INVALID);
	EVP_PKEY_free(pk);
	json_decref(j);
}

static void test_keys_jwk_refuses_private_member_d(void **state)
{
	(void)state;
	ec_members();
	parse_refused(ec_jwk(",\"d\":\"AAAA\""), "jwks.keys[0].d: a private key member");
	parse_refused("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"p\":\"AQAB\"}",
	              "jwks.keys[0].p: a private key member");
	parse_refused("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}", "jwks.keys[0].k: a private key member");
}

static void test_keys_jwk_refuses_wrong_crv_and_kty(void **state)
{
	char j[512];

	(void)state;
	ec_members();
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"%s\",\"y\":\"%s\"}", ec_x,
	         ec_y);
	parse_refused(j, "crv: must be P-256");
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"%s\",\"y\":\"%s\"}",
	         ec_x, ec_y);
	parse_refused(j, "crv: must be P-256");
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", ec_x, ec_y);
	parse_refused(j, "crv: must be P-256");
	parse_refused("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}", "kty: must be EC or RSA");
	parse_refused("{\"crv\":\"P-256\"}", "kty: missing");
	parse_refused("{\"kty\":1}", "kty: must be a string");
}

static void test_keys_jwk_refuses_bad_base64url(void **state)
{
	char j[512], bad[48];

	(void)state;
	ec_members();
	/* standard base64 characters, padding, whitespace */
	snprintf(bad, sizeof(bad), "%s", ec_x);
	bad[5] = '+';
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", bad,
	         ec_y);
	parse_refused(j, "x: not base64url");
	snprintf(bad, sizeof(bad), "%s", ec_y);
	bad[0] = ' ';
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", ec_x,
	         bad);
	parse_refused(j, "y: not base64url");
	parse_refused("{\"kty\":\"RSA\",\"n\":\"AQAB==\",\"e\":\"AQAB\"}", "n: not base64url");
	parse_refused("{\"kty\":\"RSA\",\"n\":[],\"e\":\"AQAB\"}", "n: must be a string");
}

static void test_keys_jwk_refuses_point_not_on_curve(void **state)
{
	uint8_t y[33];
	char j[512], y64[48];

	(void)state;
	ec_members();
	assert_int_equal(sec_b64url_decode(ec_y, strlen(ec_y), y), 32);
	y[31] ^= 1;
	sec_b64url_encode(y, 32, y64);
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", ec_x,
	         y64);
	parse_refused(j, "x, y: not a point on P-256");
	/* (0, 0) is not on the curve either */
	parse_refused("{\"kty\":\"EC\",\"crv\":\"P-256\","
	              "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	              "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
	              "not a point on P-256");
}

static void test_keys_jwk_refuses_short_or_long_coordinates(void **state)
{
	char j[512];

	(void)state;
	ec_members();
	/* 31 bytes: RFC 7518 §6.2.1.2 wants the full 32 */
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%.40s\",\"y\":\"%s\"}",
	         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ec_y);
	parse_refused(j, "x: must encode 32 bytes");
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%sAAAA\",\"y\":\"%s\"}",
	         ec_x, ec_y);
	parse_refused(j, "x: must encode 32 bytes");
	snprintf(j, sizeof(j), "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\"}", ec_x);
	parse_refused(j, "y: missing");
}

static void test_keys_jwk_refuses_alg_that_does_not_fit_kty(void **state)
{
	char j[1024];

	(void)state;
	ec_members();
	parse_refused(ec_jwk(",\"alg\":\"RS256\""), "alg: RS256 does not fit a key of kty EC");
	parse_refused(ec_jwk(",\"alg\":\"HS256\""), "alg: must be ES256 or RS256");
	parse_refused(ec_jwk(",\"alg\":\"none\""), "alg: must be ES256 or RS256");
	snprintf(j, sizeof(j), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\",\"alg\":\"ES256\"}",
	         RFC7638_N);
	parse_refused(j, "alg: ES256 does not fit a key of kty RSA");
}

static void test_keys_jwk_refuses_use_enc_and_bad_kid(void **state)
{
	(void)state;
	ec_members();
	parse_refused(ec_jwk(",\"use\":\"enc\""), "use: must be sig");
	parse_refused(ec_jwk(",\"kid\":\"\""), "kid: must be 1..47 printable bytes");
	parse_refused(ec_jwk(",\"kid\":\"0123456789012345678901234567890123456789012345678\""),
	              "kid: must be 1..47 printable bytes");
	parse_refused(ec_jwk(",\"kid\":\"a\\nb\""), "kid: must be 1..47 printable bytes");
	parse_refused(ec_jwk(",\"kid\":7"), "kid: must be a string");
}

static void test_keys_jwk_refuses_rsa_1024_and_non_minimal_integers(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	json_t *j = jwk_from_rsa(pk);
	char *s = json_dumps(j, JSON_COMPACT), jj[1024];

	(void)state;
	parse_refused(s, "n: must be 2048..8192 bits, got 1024");
	free(s);
	json_decref(j);
	EVP_PKEY_free(pk);
	/* Base64urlUInt is minimal: "AAEAAQ" is 65537 with a leading zero octet */
	snprintf(jj, sizeof(jj), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AAEAAQ\"}", RFC7638_N);
	parse_refused(jj, "e: has a leading zero octet");
	snprintf(jj, sizeof(jj), "{\"kty\":\"RSA\",\"n\":\"AA%s\",\"e\":\"AQAB\"}", RFC7638_N);
	parse_refused(jj, "n: has a leading zero octet");
	/* an even exponent is not an RSA public key */
	snprintf(jj, sizeof(jj), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAA\"}", RFC7638_N);
	parse_refused(jj, "not a valid RSA public key");
}

static void test_keys_jwk_refuses_non_object(void **state)
{
	struct errbuf eb = { 0 };
	json_t *j = json_array();
	EVP_PKEY *pk = NULL;
	enum key_alg alg;
	char kid[KEYS_KID_SIZE];

	(void)state;
	assert_int_equal(keys_jwk_parse(j, "jwks.keys[3]", &pk, &alg, kid, &eb), E_INVALID);
	assert_string_equal(eb.msg, "jwks.keys[3]: must be a JSON object");
	assert_null(pk);
	json_decref(j);
}

/* ---- keys_generate ------------------------------------------------------------------------ */

static void test_keys_generate_never_overwrites_an_existing_manifest_or_key(void **state)
{
	static const char *const files[] = { "keys.json", "es256-1.pem", "es256-2.pem",
		                             "rs256-1.pem", "demo-bank.pem", "demo-bank.jwks.json" };
	struct errbuf eb = { 0 };
	char *before[6];

	(void)state;
	for (int i = 0; i < 6; i++)
		assert_non_null(before[i] = tu_slurp(path_of(files[i]), NULL));
	assert_int_equal(keys_generate(dir, &eb), 0);
	for (int i = 0; i < 6; i++) {
		char *after = tu_slurp(path_of(files[i]), NULL);

		assert_string_equal(after, before[i]);
		free(after);
		free(before[i]);
	}
}

static void test_keys_generate_refuses_to_overwrite_a_pem_without_manifest(void **state)
{
	struct errbuf eb = { 0 };
	char d[64], p[128];
	char *c;

	(void)state;
	assert_non_null(tu_mkdtemp(d, sizeof(d), "test_keys_gen"));
	tu_path(p, sizeof(p), d, "es256-1.pem");
	{
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		fputs("precious\n", f);
		fclose(f);
	}
	assert_int_equal(keys_generate(d, &eb), E_IO);
	assert_non_null(strstr(eb.msg, "es256-1.pem: cannot create"));
	assert_non_null(strstr(eb.msg, "refusing to overwrite"));
	c = tu_slurp(p, NULL);
	assert_string_equal(c, "precious\n");
	free(c);
	tu_path(p, sizeof(p), d, "keys.json");
	assert_int_not_equal(access(p, F_OK), 0);    /* no manifest naming a key that is not there */
	tu_rm_rf(d);
}

static void test_keys_generate_writes_demo_bank_jwks_matching_its_pem(void **state)
{
	struct errbuf eb = { 0 };
	BIO *b = BIO_new_file(path_of("demo-bank.pem"), "r");
	EVP_PKEY *priv = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL), *pub = NULL;
	char *s = tu_slurp(path_of("demo-bank.jwks.json"), NULL);
	json_t *j = jwk_of(s), *k;
	char kid[KEYS_KID_SIZE], tp[KEYS_KID_SIZE];
	enum key_alg alg;

	(void)state;
	assert_non_null(priv);
	assert_null(strstr(s, "\"d\""));
	assert_int_equal(json_array_size(json_object_get(j, "keys")), 1);
	k = json_array_get(json_object_get(j, "keys"), 0);
	assert_string_equal(json_string_value(json_object_get(k, "alg")), "ES256");
	assert_int_equal(keys_jwk_parse(k, NULL, &pub, &alg, kid, &eb), 0);
	assert_int_equal(alg, KEY_ES256);
	assert_int_equal(keys_thumbprint(priv, tp), 0);
	assert_string_equal(kid, tp);
	assert_int_equal(EVP_PKEY_eq(pub, priv), 1);
	/* a lost JWKS is re-derived from the PEM, which stays as it was */
	unlink(path_of("demo-bank.jwks.json"));
	assert_int_equal(keys_generate(dir, &eb), 0);
	{
		char *again = tu_slurp(path_of("demo-bank.jwks.json"), NULL);

		assert_string_equal(again, s);
		free(again);
	}
	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);
	BIO_free(b);
	json_decref(j);
	free(s);
}

/* ---- retired_at and rotation -------------------------------------------------------------- */

static void test_keys_accepts_retired_at_on_a_retired_key_only(void **state)
{
	struct errbuf eb = { 0 };
	struct keyset *ks = NULL;
	const char *m = "{\"keys\":[" ES1 ",{\"file\":\"es256-2.pem\",\"alg\":\"ES256\","
	                "\"state\":\"retired\",\"retired_at\":1795000000}]}";

	(void)state;
	tu_spit(path_of("keys.json"), m, strlen(m));
	assert_int_equal(keys_load(dir, &ks, &eb), 0);
	tu_spit(path_of("keys.json"), manifest, strlen(manifest));
	assert_int_equal(ks->v[1].retired_at, 1795000000);
	assert_int_equal(ks->v[0].retired_at, 0);
	keys_free(ks);
	assert_refused("{\"keys\":[{\"file\":\"es256-1.pem\",\"alg\":\"ES256\",\"state\":\"active\","
	               "\"retired_at\":1}]}",
	               E_INVALID, "keys[0].retired_at: es256-1.pem: only a retired key has one", NULL);
	assert_refused("{\"keys\":[" ES1 ",{\"file\":\"es256-2.pem\",\"alg\":\"ES256\","
	               "\"state\":\"retired\",\"retired_at\":\"yesterday\"}]}",
	               E_INVALID, "keys[1].retired_at: must be an integer", NULL);
	assert_refused("{\"keys\":[" ES1 ",{\"file\":\"es256-2.pem\",\"alg\":\"ES256\","
	               "\"state\":\"retired\",\"retired_at\":-5}]}",
	               E_INVALID, "keys[1].retired_at: must be 0..", NULL);
	assert_refused("{\"keys\":[" ES1 ",{\"file\":\"es256-2.pem\",\"alg\":\"ES256\","
	               "\"state\":\"retired\",\"retired_at\":1.5}]}",
	               E_INVALID, "keys[1].retired_at: must be an integer", NULL);
}

/* A fresh directory of dev keys for a rotation test. */
static void rot_dir(char d[64])
{
	struct errbuf eb = { 0 };

	assert_non_null(tu_mkdtemp(d, 64, "test_keys_rot"));
	if (keys_generate(d, &eb) != 0)
		print_error("keys_generate: %s\n", eb.msg);
	assert_int_equal(eb.msg[0], '\0');
}

static const struct key *by_file(const struct keyset *ks, const char *file)
{
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i].file, file) == 0)
			return &ks->v[i];
	return NULL;
}

static struct keyset *load_or_fail(const char *d)
{
	struct errbuf eb = { 0 };
	struct keyset *ks = NULL;

	if (keys_load(d, &ks, &eb) != 0)
		print_error("keys_load: %s\n", eb.msg);
	assert_non_null(ks);
	return ks;
}

static void test_keys_rotate_makes_next_active_retires_active_and_adds_a_new_next(void **state)
{
	struct keys_rotation rot;
	struct errbuf eb = { 0 };
	struct keyset *before, *after;
	char d[64], p[128], kid_active[KEYS_KID_SIZE], kid_next[KEYS_KID_SIZE];
	struct stat st;
	json_t *j;

	(void)state;
	rot_dir(d);
	before = load_or_fail(d);
	snprintf(kid_active, sizeof(kid_active), "%s", by_file(before, "es256-1.pem")->kid);
	snprintf(kid_next, sizeof(kid_next), "%s", by_file(before, "es256-2.pem")->kid);
	keys_free(before);
	assert_int_equal(keys_rotate(d, KEY_ES256, 1800000000, 900, &rot, &eb), 0);
	assert_string_equal(rot.activated, "es256-2.pem");
	assert_string_equal(rot.retired, "es256-1.pem");
	assert_string_equal(rot.next, "es256-3.pem");
	assert_int_equal(rot.nremoved, 0);
	after = load_or_fail(d);
	assert_int_equal(after->n, 4);
	/* the key RPs have cached as next now signs; the old one stays published */
	assert_string_equal(keys_active(after, KEY_ES256)->kid, kid_next);
	assert_int_equal(by_file(after, "es256-1.pem")->state, KEY_RETIRED);
	assert_string_equal(by_file(after, "es256-1.pem")->kid, kid_active);
	assert_int_equal(by_file(after, "es256-1.pem")->retired_at, 1800000000);
	assert_int_equal(by_file(after, "es256-3.pem")->state, KEY_NEXT);
	assert_string_not_equal(by_file(after, "es256-3.pem")->kid, kid_active);
	assert_string_not_equal(by_file(after, "es256-3.pem")->kid, kid_next);
	/* RS256 untouched */
	assert_string_equal(keys_active(after, KEY_RS256)->file, "rs256-1.pem");
	j = jwk_of(after->jwks);
	assert_int_equal(json_array_size(json_object_get(j, "keys")), 4);
	json_decref(j);
	keys_free(after);
	/* private key and manifest 0600; no temp file left */
	assert_int_equal(stat(tu_path(p, sizeof(p), d, "es256-3.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(tu_path(p, sizeof(p), d, "keys.json"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_not_equal(access(tu_path(p, sizeof(p), d, "keys.json.tmp"), F_OK), 0);
	tu_rm_rf(d);
}

static void test_keys_rotate_drops_retired_keys_only_once_their_tokens_expired(void **state)
{
	struct keys_rotation rot;
	struct errbuf eb = { 0 };
	struct keyset *ks;
	char d[64], p[128];

	(void)state;
	rot_dir(d);
	assert_int_equal(keys_rotate(d, KEY_ES256, 1000, 600, &rot, &eb), 0);  /* retires es256-1 */
	assert_int_equal(keys_rotate(d, KEY_ES256, 1599, 600, &rot, &eb), 0);  /* retires es256-2 */
	assert_int_equal(rot.nremoved, 0);         /* es256-1 is 599 s retired: still needed */
	assert_int_equal(access(tu_path(p, sizeof(p), d, "es256-1.pem"), F_OK), 0);
	assert_int_equal(keys_rotate(d, KEY_ES256, 1600, 600, &rot, &eb), 0);  /* retires es256-3 */
	assert_int_equal(rot.nremoved, 1);
	assert_string_equal(rot.removed[0], "es256-1.pem");
	assert_int_equal(rot.kept_file[0], 0);
	assert_int_not_equal(access(tu_path(p, sizeof(p), d, "es256-1.pem"), F_OK), 0);
	assert_string_equal(rot.activated, "es256-4.pem");
	assert_string_equal(rot.next, "es256-5.pem");
	ks = load_or_fail(d);
	assert_null(by_file(ks, "es256-1.pem"));
	assert_int_equal(by_file(ks, "es256-2.pem")->retired_at, 1599);
	assert_int_equal(by_file(ks, "es256-3.pem")->retired_at, 1600);
	assert_int_equal(keys_active(ks, KEY_ES256)->state, KEY_ACTIVE);
	assert_string_equal(keys_active(ks, KEY_ES256)->file, "es256-4.pem");
	keys_free(ks);
	tu_rm_rf(d);
}

static void test_keys_rotate_rs256_without_next_first_adds_one(void **state)
{
	struct keys_rotation rot;
	struct errbuf eb = { 0 };
	struct keyset *ks;
	char d[64], kid[KEYS_KID_SIZE];

	(void)state;
	rot_dir(d);
	assert_int_equal(keys_rotate(d, KEY_RS256, 5000, 600, &rot, &eb), 0);
	assert_string_equal(rot.activated, "");
	assert_string_equal(rot.retired, "");
	assert_string_equal(rot.next, "rs256-2.pem");
	ks = load_or_fail(d);
	assert_string_equal(keys_active(ks, KEY_RS256)->file, "rs256-1.pem");
	assert_int_equal(by_file(ks, "rs256-2.pem")->state, KEY_NEXT);
	assert_int_equal(by_file(ks, "rs256-2.pem")->alg, KEY_RS256);
	assert_int_equal(EVP_PKEY_get_bits(by_file(ks, "rs256-2.pem")->pkey), 2048);
	snprintf(kid, sizeof(kid), "%s", by_file(ks, "rs256-2.pem")->kid);
	assert_string_equal(keys_active(ks, KEY_ES256)->file, "es256-1.pem");  /* ES256 untouched */
	keys_free(ks);
	assert_int_equal(keys_rotate(d, KEY_RS256, 6000, 600, &rot, &eb), 0);
	assert_string_equal(rot.activated, "rs256-2.pem");
	assert_string_equal(rot.retired, "rs256-1.pem");
	assert_string_equal(rot.next, "rs256-3.pem");
	ks = load_or_fail(d);
	assert_string_equal(keys_active(ks, KEY_RS256)->kid, kid);
	keys_free(ks);
	tu_rm_rf(d);
}

/* Root rotating for an authd that runs as its own user: the new files are that user's. */
static void test_keys_rotate_gives_new_files_the_manifests_owner_and_keeps_its_mode(void **state)
{
	struct keys_rotation rot;
	struct errbuf eb = { 0 };
	char d[64], p[128];
	struct stat st;

	(void)state;
	rot_dir(d);
	assert_int_equal(chmod(tu_path(p, sizeof(p), d, "keys.json"), 0640), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(p, 65534, 65534), 0);
	assert_int_equal(keys_rotate(d, KEY_ES256, 1000, 600, &rot, &eb), 0);
	assert_int_equal(stat(tu_path(p, sizeof(p), d, "keys.json"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(st.st_gid, 65534);
	}
	assert_int_equal(stat(tu_path(p, sizeof(p), d, "es256-3.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(st.st_gid, 65534);
	}
	tu_rm_rf(d);
}

static void test_keys_rotate_skips_a_file_name_already_on_disk(void **state)
{
	struct keys_rotation rot;
	struct errbuf eb = { 0 };
	char d[64], p[128], *c;

	(void)state;
	rot_dir(d);
	tu_spit(tu_path(p, sizeof(p), d, "es256-3.pem"), "not ours\n", 9);
	assert_int_equal(keys_rotate(d, KEY_ES256, 1000, 600, &rot, &eb), 0);
	assert_string_equal(rot.next, "es256-4.pem");
	c = tu_slurp(tu_path(p, sizeof(p), d, "es256-3.pem"), NULL);
	assert_string_equal(c, "not ours\n");
	free(c);
	tu_rm_rf(d);
}

static void test_keys_rotate_refuses_a_manifest_authd_would_refuse_and_changes_nothing(void **state)
{
	const char *bad = "{\"keys\":[" ES1 "," ENTRY("es256-2.pem", "ES256", "active") "]}";
	struct errbuf eb = { .file = "caller" };
	char d[64], p[128], *after;

	(void)state;
	rot_dir(d);
	tu_spit(tu_path(p, sizeof(p), d, "keys.json"), bad, strlen(bad));
	assert_int_equal(keys_rotate(d, KEY_ES256, 1000, 600, NULL, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "/keys.json: keys[1].state: es256-2.pem: a second active"));
	assert_string_equal(eb.file, "caller");
	after = tu_slurp(p, NULL);
	assert_string_equal(after, bad);
	free(after);
	assert_int_not_equal(access(tu_path(p, sizeof(p), d, "es256-3.pem"), F_OK), 0);
	tu_rm_rf(d);
}

static void test_keys_rotate_refuses_while_another_rotation_holds_the_lock(void **state)
{
	struct errbuf eb = { 0 };
	char d[64], p[128], *before, *after;
	int fd;

	(void)state;
	rot_dir(d);
	before = tu_slurp(tu_path(p, sizeof(p), d, "keys.json"), NULL);
	fd = open(d, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(keys_rotate(d, KEY_ES256, 1000, 600, NULL, &eb), E_IO);
	assert_non_null(strstr(eb.msg, "another rotation holds the lock"));
	after = tu_slurp(p, NULL);
	assert_string_equal(after, before);
	free(after);
	close(fd);
	assert_int_equal(keys_rotate(d, KEY_ES256, 1000, 600, NULL, &eb), 0);  /* lock released */
	free(before);
	tu_rm_rf(d);
}

static void test_keys_rotate_refuses_a_missing_directory(void **state)
{
	struct errbuf eb = { 0 };

	(void)state;
	assert_int_equal(keys_rotate("/nonexistent/keys", KEY_ES256, 1000, 600, NULL, &eb), E_IO);
	assert_non_null(strstr(eb.msg, "/nonexistent/keys: cannot open"));
}

/* keys_manifest_rotate directly: no files. */
static json_t *rotate_json(const char *in, enum key_alg alg, long long now, long long after,
                           const char *file, struct keys_rotation *rot, int want)
{
	struct errbuf eb = { 0 };
	json_t *m = jwk_of(in), *out = NULL;
	char *before = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS), *again;
	int r = keys_manifest_rotate(m, alg, now, after, file, &out, rot, &eb);

	if (r != want)
		print_error("rotate %s\n  -> %d \"%s\"\n", in, r, eb.msg);
	assert_int_equal(r, want);
	again = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(again, before);     /* the input is never modified */
	free(again);
	free(before);
	json_decref(m);
	if (r != 0)
		assert_null(out);
	return out;
}

static void test_keys_manifest_rotate_keeps_undated_retired_keys_and_other_members(void **state)
{
	struct keys_rotation rot;
	json_t *out;
	char *s;

	(void)state;
	out = rotate_json("{\"keys\":[" ENTRY("old.pem", "ES256", "retired") ","
	                  "{\"file\":\"dated.pem\",\"alg\":\"RS256\",\"state\":\"retired\","
	                  "\"retired_at\":100}," ES1 "," ENTRY("es256-2.pem", "ES256", "next") "]}",
	                  KEY_ES256, 1000, 900, "es256-3.pem", &rot, 0);
	s = json_dumps(out, JSON_COMPACT);
	/* undated "old.pem" stays; "dated.pem" (RS256, 900 s retired) goes, whatever alg rotates */
	assert_string_equal(s, "{\"keys\":[{\"file\":\"old.pem\",\"alg\":\"ES256\",\"state\":\"retired\"},"
	                       "{\"file\":\"es256-1.pem\",\"alg\":\"ES256\",\"state\":\"retired\","
	                       "\"retired_at\":1000},"
	                       "{\"file\":\"es256-2.pem\",\"alg\":\"ES256\",\"state\":\"active\"},"
	                       "{\"file\":\"es256-3.pem\",\"alg\":\"ES256\",\"state\":\"next\"}]}");
	assert_int_equal(rot.nremoved, 1);
	assert_string_equal(rot.removed[0], "dated.pem");
	free(s);
	json_decref(out);
	/* 899 s: not yet */
	out = rotate_json("{\"keys\":[{\"file\":\"dated.pem\",\"alg\":\"RS256\",\"state\":\"retired\","
	                  "\"retired_at\":101}," ES1 "]}",
	                  KEY_ES256, 1000, 900, "es256-2.pem", &rot, 0);
	assert_int_equal(rot.nremoved, 0);
	assert_int_equal(json_array_size(json_object_get(out, "keys")), 3);
	json_decref(out);
}

static void test_keys_manifest_rotate_with_zero_retire_after_keeps_the_key_it_retires(void **state)
{
	struct keys_rotation rot;
	json_t *out;

	(void)state;
	out = rotate_json("{\"keys\":[" ES1 "," ENTRY("es256-2.pem", "ES256", "next") "]}", KEY_ES256,
	                  1000, 0, "es256-3.pem", &rot, 0);
	assert_int_equal(rot.nremoved, 0);
	assert_int_equal(json_array_size(json_object_get(out, "keys")), 3);
	json_decref(out);
}

static void test_keys_manifest_rotate_refusals(void **state)
{
	struct keys_rotation rot = { .next = "untouched" };
	char m[4096];
	size_t o = 0;

	(void)state;
	rotate_json("{\"keys\":[" ES1 "]}", KEY_ES256, 1000, 600, "es256-1.pem", &rot,
	            E_INVALID);                 /* the new name is taken */
	rotate_json("{\"keys\":[" ES1 "]}", KEY_ES256, 1000, 600, "../x.pem", &rot, E_INVALID);
	rotate_json("{\"keys\":[" ES1 "]}", KEY_ES256, 1000, 600, "", &rot, E_INVALID);
	rotate_json("{\"keys\":[" ES1 "]}", KEY_ES256, 1000, -1, "n.pem", &rot, E_INVALID);
	rotate_json("{\"keys\":{}}", KEY_ES256, 1000, 600, "n.pem", &rot, E_INVALID);
	rotate_json("{\"keys\":[{\"file\":\"a.pem\"}]}", KEY_ES256, 1000, 600, "n.pem", &rot,
	            E_INVALID);
	/* LIM_KEYS entries: one more would not load */
	o += (size_t)snprintf(m + o, sizeof(m) - o, "{\"keys\":[" ES1);
	for (int i = 1; i < LIM_KEYS; i++)
		o += (size_t)snprintf(m + o, sizeof(m) - o,
		                      ",{\"file\":\"r%d.pem\",\"alg\":\"ES256\",\"state\":\"retired\"}", i);
	snprintf(m + o, sizeof(m) - o, "]}");
	rotate_json(m, KEY_ES256, 1000, 600, "n.pem", &rot, E_LIMIT);
	assert_string_equal(rot.next, "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_generate_then_load_gives_active_next_and_rsa),
		cmocka_unit_test(test_keys_jwks_lists_active_then_next_and_public_members_only),
		cmocka_unit_test(test_keys_thumbprint_matches_rfc7638_example_and_ec_known_answer),
		cmocka_unit_test(test_keys_alg_names_parse_exactly),
		cmocka_unit_test(test_keys_header_is_cached_or_rendered_and_refuses_odd_typ),
		cmocka_unit_test(test_keys_refuses_manifest_without_active_es256),
		cmocka_unit_test(test_keys_refuses_two_active_es256_keys),
		cmocka_unit_test(test_keys_refuses_two_active_rs256_keys),
		cmocka_unit_test(test_keys_refuses_two_next_keys_for_one_alg),
		cmocka_unit_test(test_keys_accepts_retired_keys_and_publishes_them_last),
		cmocka_unit_test(test_keys_refuses_unknown_member_in_entry),
		cmocka_unit_test(test_keys_refuses_unknown_top_level_member),
		cmocka_unit_test(test_keys_refuses_unknown_state),
		cmocka_unit_test(test_keys_refuses_unknown_alg),
		cmocka_unit_test(test_keys_refuses_path_traversal),
		cmocka_unit_test(test_keys_refuses_rsa_key_listed_as_es256),
		cmocka_unit_test(test_keys_refuses_ec_key_listed_as_rs256),
		cmocka_unit_test(test_keys_refuses_rsa_1024),
		cmocka_unit_test(test_keys_refuses_unparsable_pem),
		cmocka_unit_test(test_keys_refuses_missing_pem_file),
		cmocka_unit_test(test_keys_refuses_oversized_pem),
		cmocka_unit_test(test_keys_refuses_duplicate_entries),
		cmocka_unit_test(test_keys_refuses_same_key_under_two_names),
		cmocka_unit_test(test_keys_refuses_duplicate_json_members),
		cmocka_unit_test(test_keys_refuses_more_than_lim_keys),
		cmocka_unit_test(test_keys_refuses_wrong_types_in_manifest),
		cmocka_unit_test(test_keys_missing_manifest_is_an_io_error_and_eb_file_is_restored),
		cmocka_unit_test(test_keys_jwk_accepts_ec_p256_and_infers_es256),
		cmocka_unit_test(test_keys_jwk_refuses_private_member_d),
		cmocka_unit_test(test_keys_jwk_refuses_wrong_crv_and_kty),
		cmocka_unit_test(test_keys_jwk_refuses_bad_base64url),
		cmocka_unit_test(test_keys_jwk_refuses_point_not_on_curve),
		cmocka_unit_test(test_keys_jwk_refuses_short_or_long_coordinates),
		cmocka_unit_test(test_keys_jwk_refuses_alg_that_does_not_fit_kty),
		cmocka_unit_test(test_keys_jwk_refuses_use_enc_and_bad_kid),
		cmocka_unit_test(test_keys_jwk_refuses_rsa_1024_and_non_minimal_integers),
		cmocka_unit_test(test_keys_jwk_refuses_non_object),
		cmocka_unit_test(test_keys_generate_never_overwrites_an_existing_manifest_or_key),
		cmocka_unit_test(test_keys_generate_refuses_to_overwrite_a_pem_without_manifest),
		cmocka_unit_test(test_keys_generate_writes_demo_bank_jwks_matching_its_pem),
		cmocka_unit_test(test_keys_accepts_retired_at_on_a_retired_key_only),
		cmocka_unit_test(test_keys_rotate_makes_next_active_retires_active_and_adds_a_new_next),
		cmocka_unit_test(test_keys_rotate_drops_retired_keys_only_once_their_tokens_expired),
		cmocka_unit_test(test_keys_rotate_rs256_without_next_first_adds_one),
		cmocka_unit_test(test_keys_rotate_gives_new_files_the_manifests_owner_and_keeps_its_mode),
		cmocka_unit_test(test_keys_rotate_skips_a_file_name_already_on_disk),
		cmocka_unit_test(test_keys_rotate_refuses_a_manifest_authd_would_refuse_and_changes_nothing),
		cmocka_unit_test(test_keys_rotate_refuses_while_another_rotation_holds_the_lock),
		cmocka_unit_test(test_keys_rotate_refuses_a_missing_directory),
		cmocka_unit_test(test_keys_manifest_rotate_keeps_undated_retired_keys_and_other_members),
		cmocka_unit_test(test_keys_manifest_rotate_with_zero_retire_after_keeps_the_key_it_retires),
		cmocka_unit_test(test_keys_manifest_rotate_refusals),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
