/* test_jws.c — compact JWS sign/verify on pre-parsed keys, cross-checked with libjwt 1.10 both
 * ways, and every refusal a verifier of someone else's token needs (alg none, HMAC keyed with a
 * public key, alg/key mismatch, kid, crit, shape, signature length). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jwt.h>
#include <openssl/pem.h>

#include "arena.h"
#include "jws.h"
#include "keys.h"
#include "lim.h"
#include "sec.h"
#include "testutil.h"

static char dir[64];
static struct keyset *ks;
static const struct key *es, *rs, *es_next;
static EVP_PKEY *es_pub, *rs_pub;              /* public-only, as a client registration gives */
static char *es_priv_pem, *rs_priv_pem;        /* for libjwt */
static char *es_pub_pem, *rs_pub_pem;
static struct arena arena;

static const char PAYLOAD[] = "{\"iss\":\"https://id.example\",\"sub\":\"citizen-1\",\"n\":1}";

/* ---- helpers ------------------------------------------------------------------------------ */

static char *pub_pem(EVP_PKEY *pk, EVP_PKEY **pub)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;

	PEM_write_bio_PUBKEY(b, pk);
	n = BIO_get_mem_data(b, &data);
	s = strndup(data, (size_t)n);
	BIO_free(b);
	b = BIO_new_mem_buf(s, -1);
	*pub = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	return s;
}

/* noinline: inlined, gcc 12 -O3 takes `out` for a pointer to itself (-Wdangling-pointer). */
__attribute__((noinline)) static char *sign(const struct key *k, const char *typ,
                                            const char *payload)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(jws_sign(k, typ, payload, strlen(payload), &arena, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	return out;
}

static int verify(const char *tok, EVP_PKEY *pub, enum key_alg alg, const char *kid,
                  const char *typ, json_t **payload, struct errbuf *eb)
{
	return jws_verify(tok, strlen(tok), pub, alg, kid, typ, payload, eb);
}

/* Expects a refusal with `code` and `want` in the message, and the payload untouched. */
static void refused(const char *tok, EVP_PKEY *pub, enum key_alg alg, const char *kid, int code,
                    const char *want)
{
	struct errbuf eb = { 0 };
	json_t *p = NULL;
	int r = verify(tok, pub, alg, kid, NULL, &p, &eb);

	if (r != code || strstr(eb.msg, want) == NULL)
		print_error("%s\n  -> %d \"%s\" (want %d \"%s\")\n", tok, r, eb.msg, code, want);
	assert_int_equal(r, code);
	assert_non_null(strstr(eb.msg, want));
	assert_null(p);
}

static void payload_is_ours(json_t *p)
{
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "sub")), "citizen-1");
	assert_int_equal(json_integer_value(json_object_get(p, "n")), 1);
	json_decref(p);
}

static char *b64(const void *data, size_t n)
{
	char *s = arena_alloc(&arena, sec_b64url_len(n) + 1);

	sec_b64url_encode(data, n, s);
	return s;
}

static char *b64s(const char *s)
{
	return b64(s, strlen(s));
}

/* header.payload.signature from JSON texts and raw signature bytes. */
static char *craft(const char *hdr, const char *payload, const void *sig, size_t sn)
{
	return arena_printf(&arena, "%s.%s.%s", b64s(hdr), b64s(payload), b64(sig, sn));
}

/* Part i (0..2) of a compact JWS, decoded. */
static size_t part(const char *tok, int i, uint8_t *out)
{
	const char *p = tok, *e;
	long n;

	for (; i > 0; i--)
		p = strchr(p, '.') + 1;
	e = strchr(p, '.');
	n = sec_b64url_decode(p, e != NULL ? (size_t)(e - p) : strlen(p), out);
	assert_true(n >= 0);
	return (size_t)n;
}

/* The token with its signature replaced. */
static char *with_sig(const char *tok, const void *sig, size_t sn)
{
	const char *dot = strrchr(tok, '.');

	return arena_printf(&arena, "%.*s.%s", (int)(dot - tok), tok, b64(sig, sn));
}

/* A token libjwt 1.10 signs; kid and extra headers (JSON) optional. Caller frees. */
static char *libjwt_sign(jwt_alg_t alg, const char *key, const char *kid, const char *headers)
{
	jwt_t *j = NULL;
	char *s;

	assert_int_equal(jwt_new(&j), 0);
	assert_int_equal(jwt_add_grants_json(j, PAYLOAD), 0);
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

/* libjwt's independent verdict on a good token (its alg comes from the header: only for good
 * tokens, never as a refusal oracle). */
static void libjwt_accepts(const char *tok, const char *pem, jwt_alg_t alg)
{
	jwt_t *j = NULL;

	assert_int_equal(jwt_decode(&j, tok, (const unsigned char *)pem, (int)strlen(pem)), 0);
	assert_int_equal(jwt_get_alg(j), alg);
	assert_string_equal(jwt_get_grant(j, "sub"), "citizen-1");
	jwt_free(j);
}

/* ---- setup -------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	struct errbuf eb = { 0 };
	char p[128];

	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "test_jws") == NULL || keys_generate(dir, &eb) != 0 ||
	    keys_load(dir, &ks, &eb) != 0) {
		fprintf(stderr, "setup: %s\n", eb.msg);
		return -1;
	}
	es = keys_active(ks, KEY_ES256);
	rs = keys_active(ks, KEY_RS256);
	for (size_t i = 0; i < ks->n; i++)
		if (ks->v[i].state == KEY_NEXT)
			es_next = &ks->v[i];
	es_priv_pem = tu_slurp(tu_path(p, sizeof(p), dir, es->file), NULL);
	rs_priv_pem = tu_slurp(tu_path(p, sizeof(p), dir, rs->file), NULL);
	es_pub_pem = pub_pem(es->pkey, &es_pub);
	rs_pub_pem = pub_pem(rs->pkey, &rs_pub);
	arena_init(&arena, NULL, 0, LIM_REQ_MEMORY);
	return es_next != NULL && es_priv_pem && rs_priv_pem && es_pub && rs_pub ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	arena_reset(&arena);
	EVP_PKEY_free(es_pub);
	EVP_PKEY_free(rs_pub);
	free(es_priv_pem);
	free(rs_priv_pem);
	free(es_pub_pem);
	free(rs_pub_pem);
	keys_free(ks);
	tu_rm_rf(dir);
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	arena_reset(&arena);
	return 0;
}

/* ---- sign and verify ---------------------------------------------------------------------- */

static void test_jws_es256_sign_then_verify(void **state)
{
	struct errbuf eb = { 0 };
	char *tok = sign(es, "JWT", PAYLOAD), want[256];
	uint8_t buf[512];
	size_t n;
	json_t *p = NULL;

	(void)state;
	/* header exactly {"alg","typ","kid"}, payload our bytes, signature 64 raw bytes */
	n = part(tok, 0, buf);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", es->kid);
	assert_string_equal((char *)buf, want);
	n = part(tok, 1, buf);
	assert_memory_equal(buf, PAYLOAD, strlen(PAYLOAD));
	assert_int_equal(n, strlen(PAYLOAD));
	assert_int_equal(part(tok, 2, buf), 64);
	assert_int_equal(verify(tok, es_pub, KEY_ES256, es->kid, "JWT", &p, &eb), 0);
	payload_is_ours(p);
	assert_int_equal(jws_verify_keyset(ks, tok, strlen(tok), NULL, &p, &eb), 0);
	payload_is_ours(p);
}

static void test_jws_rs256_sign_then_verify(void **state)
{
	struct errbuf eb = { 0 };
	char *tok = sign(rs, "at+jwt", PAYLOAD);
	uint8_t buf[512];
	json_t *p = NULL;

	(void)state;
	assert_int_equal(part(tok, 2, buf), 256);
	assert_int_equal(verify(tok, rs_pub, KEY_RS256, rs->kid, "at+jwt", &p, &eb), 0);
	payload_is_ours(p);
	assert_int_equal(jws_verify_keyset(ks, tok, strlen(tok), "at+jwt", &p, &eb), 0);
	payload_is_ours(p);
}

static void test_jws_keyset_verifies_tokens_of_the_next_key(void **state)
{
	struct errbuf eb = { 0 };
	char *tok = sign(es_next, "logout+jwt", PAYLOAD);
	json_t *p = NULL;

	(void)state;
	assert_int_equal(jws_verify_keyset(ks, tok, strlen(tok), "logout+jwt", &p, &eb), 0);
	payload_is_ours(p);
}

static void test_jws_sign_renders_uncommon_typ_and_refuses_bad_ones(void **state)
{
	struct errbuf eb = { 0 };
	char *tok = sign(es, "secevent+jwt", PAYLOAD), *out = NULL;
	uint8_t buf[256];
	size_t n, len = 0;
	json_t *p = NULL;

	(void)state;
	n = part(tok, 0, buf);
	buf[n] = '\0';
	assert_non_null(strstr((char *)buf, "\"typ\":\"secevent+jwt\""));
	assert_int_equal(verify(tok, es_pub, KEY_ES256, NULL, "secevent+jwt", &p, &eb), 0);
	json_decref(p);
	assert_int_equal(jws_sign(es, "a\"b", "{}", 2, &arena, &out, &len), E_INVALID);
	assert_int_equal(jws_sign(es, "", "{}", 2, &arena, &out, &len), E_INVALID);
	assert_null(out);
}

static void test_jws_sign_refuses_a_token_longer_than_lim_jws(void **state)
{
	char *big = malloc(LIM_JWS), *out = NULL;
	size_t len = 0;

	(void)state;
	memset(big, 'a', LIM_JWS);
	/* base64url grows 4/3: 12 KiB of payload no longer fits 16 KiB of token */
	assert_int_equal(jws_sign(es, "JWT", big, 12 * 1024, &arena, &out, &len), E_LIMIT);
	assert_int_equal(jws_sign(es, "JWT", big, LIM_JWS, &arena, &out, &len), E_LIMIT);
	assert_null(out);
	free(big);
}

static void test_jws_sign_fails_cleanly_when_the_arena_is_full(void **state)
{
	struct arena small;
	char *out = NULL;
	size_t len = 0;

	(void)state;
	arena_init(&small, NULL, 0, 64);
	assert_int_equal(jws_sign(es, "JWT", PAYLOAD, strlen(PAYLOAD), &small, &out, &len), E_NOMEM);
	assert_null(out);
	arena_reset(&small);
}

static void test_jws_typ_is_checked_when_asked(void **state)
{
	struct errbuf eb = { 0 };
	char *at = sign(es, "at+jwt", PAYLOAD), *id = sign(es, "JWT", PAYLOAD);
	json_t *p = NULL;

	(void)state;
	/* RFC 7515 §4.1.9: case-insensitive, "application/" optional */
	assert_int_equal(verify(at, es_pub, KEY_ES256, NULL, "application/AT+JWT", &p, &eb), 0);
	json_decref(p);
	p = NULL;
	/* an ID token cannot pass for an access token */
	assert_int_equal(verify(id, es_pub, KEY_ES256, NULL, "at+jwt", &p, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "typ"));
	assert_null(p);
	assert_int_equal(jws_verify_keyset(ks, id, strlen(id), "at+jwt", &p, &eb), E_INVALID);
	assert_null(p);
}

/* ---- libjwt cross-checks ------------------------------------------------------------------ */

static void test_jws_libjwt_verifies_what_we_sign(void **state)
{
	(void)state;
	for (int i = 0; i < 20; i++) {
		libjwt_accepts(sign(es, "JWT", PAYLOAD), es_pub_pem, JWT_ALG_ES256);
		libjwt_accepts(sign(rs, "JWT", PAYLOAD), rs_pub_pem, JWT_ALG_RS256);
	}
}

static void test_jws_we_verify_what_libjwt_signs(void **state)
{
	struct errbuf eb = { 0 };
	json_t *p = NULL;

	(void)state;
	for (int i = 0; i < 20; i++) {
		char *e = libjwt_sign(JWT_ALG_ES256, es_priv_pem, es->kid, NULL);
		char *r = libjwt_sign(JWT_ALG_RS256, rs_priv_pem, NULL, NULL);

		assert_int_equal(verify(e, es_pub, KEY_ES256, es->kid, "JWT", &p, &eb), 0);
		payload_is_ours(p);
		assert_int_equal(jws_verify_keyset(ks, e, strlen(e), NULL, &p, &eb), 0);
		payload_is_ours(p);
		assert_int_equal(verify(r, rs_pub, KEY_RS256, rs->kid, NULL, &p, &eb), 0);
		payload_is_ours(p);
		free(e);
		free(r);
	}
}

/* r or s below 2^247 (1 signature in 256): its DER INTEGER is shorter than 32 bytes and carries
 * no sign byte, so the JWS form must add the leading zero, and the way back must strip it (a
 * value whose second byte has the high bit set would be valid DER either way and prove less). */
static int short_half(const uint8_t sig[64])
{
	return (sig[0] == 0 && sig[1] < 0x80) || (sig[32] == 0 && sig[33] < 0x80);
}

static void test_jws_es256_short_r_or_s_is_zero_padded_both_ways(void **state)
{
	struct errbuf eb = { 0 };
	uint8_t sig[80];
	json_t *p = NULL;
	int ours = 0, theirs = 0;

	(void)state;
	for (int i = 0; i < 20000 && !ours; i++) {
		char *tok = sign(es, "JWT", PAYLOAD);

		assert_int_equal(part(tok, 2, sig), 64);
		if (short_half(sig)) {
			ours = 1;
			libjwt_accepts(tok, es_pub_pem, JWT_ALG_ES256);
			assert_int_equal(verify(tok, es_pub, KEY_ES256, NULL, NULL, &p, &eb), 0);
			payload_is_ours(p);
		}
		arena_reset(&arena);
	}
	for (int i = 0; i < 20000 && !theirs; i++) {
		char *tok = libjwt_sign(JWT_ALG_ES256, es_priv_pem, NULL, NULL);

		assert_int_equal(part(tok, 2, sig), 64);
		if (short_half(sig)) {
			theirs = 1;
			assert_int_equal(verify(tok, es_pub, KEY_ES256, NULL, NULL, &p, &eb), 0);
			payload_is_ours(p);
		}
		free(tok);
		arena_reset(&arena);
	}
	assert_true(ours);
	assert_true(theirs);
}

/* ---- refusals ----------------------------------------------------------------------------- */

static void test_jws_refuses_tampered_payload(void **state)
{
	char *tok = sign(es, "JWT", PAYLOAD), *dot1 = strchr(tok, '.'), *dot2 = strrchr(tok, '.');
	char *bad = arena_printf(&arena, "%.*s.%s%s", (int)(dot1 - tok), tok,
	                         b64s("{\"iss\":\"https://id.example\",\"sub\":\"citizen-2\",\"n\":1}"),
	                         dot2);

	(void)state;
	refused(bad, es_pub, KEY_ES256, NULL, E_CRYPTO, "signature does not verify");
	tok = sign(rs, "JWT", PAYLOAD);
	/* one character of the payload changed */
	tok[strchr(tok, '.') - tok + 5] ^= 1;
	refused(tok, rs_pub, KEY_RS256, NULL, E_CRYPTO, "signature does not verify");
}

static void test_jws_refuses_tampered_signature(void **state)
{
	uint8_t sig[600];
	char *tok = sign(es, "JWT", PAYLOAD);
	size_t n = part(tok, 2, sig);

	(void)state;
	sig[10] ^= 0x01;
	refused(with_sig(tok, sig, n), es_pub, KEY_ES256, NULL, E_CRYPTO, "does not verify");
	/* r and s swapped */
	sig[10] ^= 0x01;
	{
		uint8_t sw[64];

		memcpy(sw, sig + 32, 32);
		memcpy(sw + 32, sig, 32);
		refused(with_sig(tok, sw, 64), es_pub, KEY_ES256, NULL, E_CRYPTO, "does not verify");
	}
	memset(sig, 0, 64);             /* r = s = 0 */
	refused(with_sig(tok, sig, 64), es_pub, KEY_ES256, NULL, E_CRYPTO, "does not verify");
	tok = sign(rs, "JWT", PAYLOAD);
	n = part(tok, 2, sig);
	sig[n - 1] ^= 0x80;
	refused(with_sig(tok, sig, n), rs_pub, KEY_RS256, NULL, E_CRYPTO, "does not verify");
	/* a genuine signature, by another key of ours */
	tok = sign(es, "JWT", PAYLOAD);
	n = part(sign(es_next, "JWT", PAYLOAD), 2, sig);
	refused(with_sig(tok, sig, n), es_pub, KEY_ES256, NULL, E_CRYPTO, "does not verify");
	refused(sign(es_next, "JWT", PAYLOAD), es_pub, KEY_ES256, NULL, E_CRYPTO, "does not verify");
}

static void test_jws_refuses_alg_none(void **state)
{
	char *none = libjwt_sign(JWT_ALG_NONE, NULL, NULL, NULL);

	(void)state;
	refused(none, es_pub, KEY_ES256, NULL, E_INVALID, "header: alg \"none\" refused");
	refused(none, rs_pub, KEY_RS256, NULL, E_INVALID, "header: alg \"none\" refused");
	free(none);
	/* hand-made, with and without a signature part, alg spelled oddly */
	refused(arena_printf(&arena, "%s.%s.", b64s("{\"alg\":\"none\"}"), b64s(PAYLOAD)), es_pub,
	        KEY_ES256, NULL, E_INVALID, "alg \"none\" refused");
	refused(arena_printf(&arena, "%s.%s", b64s("{\"alg\":\"none\"}"), b64s(PAYLOAD)), es_pub,
	        KEY_ES256, NULL, E_INVALID, "3 parts");
	refused(craft("{\"alg\":\"None\"}", PAYLOAD, "", 0), es_pub, KEY_ES256, NULL, E_INVALID,
	        "alg \"None\" refused");
	refused(craft("{\"alg\":\"es256\"}", PAYLOAD, "", 0), es_pub, KEY_ES256, NULL, E_INVALID,
	        "alg \"es256\" refused");
	refused(craft("{\"typ\":\"JWT\"}", PAYLOAD, "", 0), es_pub, KEY_ES256, NULL, E_INVALID,
	        "alg missing");
	refused(craft("{\"alg\":null}", PAYLOAD, "", 0), es_pub, KEY_ES256, NULL, E_INVALID,
	        "alg not a string");
	/* the keyset does not help a token with no signature either */
	{
		struct errbuf eb = { 0 };
		json_t *p = NULL;
		char *t = arena_printf(&arena, "%s.%s.",
		                       b64s(arena_printf(&arena, "{\"alg\":\"none\",\"kid\":\"%s\"}", es->kid)),
		                       b64s(PAYLOAD));

		assert_int_equal(jws_verify_keyset(ks, t, strlen(t), NULL, &p, &eb), E_INVALID);
		assert_non_null(strstr(eb.msg, "alg \"none\" refused"));
		assert_null(p);
	}
}

/* The classic key confusion: HS256 with the server's PUBLIC key text as the HMAC secret. A
 * verifier that takes alg from the header and "the key" from its registration accepts it. */
static void test_jws_refuses_hs256_keyed_with_the_public_key_pem(void **state)
{
	char *e = libjwt_sign(JWT_ALG_HS256, es_pub_pem, es->kid, NULL);
	char *r = libjwt_sign(JWT_ALG_HS256, rs_pub_pem, rs->kid, NULL);
	struct errbuf eb = { 0 };
	json_t *p = NULL;

	(void)state;
	refused(e, es_pub, KEY_ES256, es->kid, E_INVALID, "alg \"HS256\" refused, the key is ES256");
	refused(r, rs_pub, KEY_RS256, rs->kid, E_INVALID, "alg \"HS256\" refused, the key is RS256");
	assert_int_equal(jws_verify_keyset(ks, e, strlen(e), NULL, &p, &eb), E_INVALID);
	assert_null(p);
	assert_int_equal(jws_verify_keyset(ks, r, strlen(r), NULL, &p, &eb), E_INVALID);
	assert_null(p);
	free(e);
	free(r);
}

static void test_jws_refuses_header_alg_that_is_not_the_keys(void **state)
{
	char *tok = sign(es, "JWT", PAYLOAD);
	char *rtok = sign(rs, "JWT", PAYLOAD);

	(void)state;
	/* header ES256, key RS256 */
	refused(tok, rs_pub, KEY_RS256, NULL, E_INVALID, "alg \"ES256\" refused, the key is RS256");
	refused(rtok, es_pub, KEY_ES256, NULL, E_INVALID, "alg \"RS256\" refused, the key is ES256");
	/* the caller's alg is checked against its key too: an RSA key cannot be used as ES256 */
	refused(tok, rs_pub, KEY_ES256, NULL, E_INVALID, "ES256 needs an EC P-256 key");
	refused(rtok, es_pub, KEY_RS256, NULL, E_INVALID, "RS256 needs an RSA key");
}

static void test_jws_refuses_wrong_kid(void **state)
{
	struct errbuf eb = { 0 };
	json_t *p = NULL;
	char *tok = sign(es, "JWT", PAYLOAD);
	char *other = libjwt_sign(JWT_ALG_ES256, es_priv_pem, "someone-else", NULL);
	char *nokid = libjwt_sign(JWT_ALG_ES256, es_priv_pem, NULL, NULL);
	char *numkid = libjwt_sign(JWT_ALG_ES256, es_priv_pem, NULL, "{\"kid\":7}");

	(void)state;
	/* pinned kid: a header kid must equal it */
	refused(tok, es_pub, KEY_ES256, es_next->kid, E_INVALID, "kid does not match the key");
	refused(other, es_pub, KEY_ES256, es->kid, E_INVALID, "kid does not match the key");
	refused(numkid, es_pub, KEY_ES256, es->kid, E_INVALID, "kid not a string");
	/* a header without kid is accepted: the caller chose the key */
	assert_int_equal(verify(nokid, es_pub, KEY_ES256, es->kid, NULL, &p, &eb), 0);
	payload_is_ours(p);
	/* keyset: the kid chooses the key, so an unknown or missing kid is refused */
	p = NULL;
	assert_int_equal(jws_verify_keyset(ks, other, strlen(other), NULL, &p, &eb), E_NOTFOUND);
	assert_non_null(strstr(eb.msg, "kid is none of our keys"));
	assert_null(p);
	assert_int_equal(jws_verify_keyset(ks, nokid, strlen(nokid), NULL, &p, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "kid missing"));
	assert_null(p);
	/* a kid naming our RS256 key on an ES256 token: the key's alg decides, so refused */
	{
		char *mis = libjwt_sign(JWT_ALG_ES256, es_priv_pem, rs->kid, NULL);

		assert_int_equal(jws_verify_keyset(ks, mis, strlen(mis), NULL, &p, &eb), E_INVALID);
		assert_non_null(strstr(eb.msg, "alg \"ES256\" refused, the key is RS256"));
		assert_null(p);
		free(mis);
	}
	/* the next key's kid on a token of the active key: signature fails */
	{
		char *mis = libjwt_sign(JWT_ALG_ES256, es_priv_pem, es_next->kid, NULL);

		assert_int_equal(jws_verify_keyset(ks, mis, strlen(mis), NULL, &p, &eb), E_CRYPTO);
		assert_null(p);
		free(mis);
	}
	free(other);
	free(nokid);
	free(numkid);
}

static void test_jws_refuses_wrong_number_of_parts(void **state)
{
	char *tok = sign(es, "JWT", PAYLOAD);
	const char *dot2 = strrchr(tok, '.');

	(void)state;
	refused(arena_printf(&arena, "%.*s", (int)(dot2 - tok), tok), es_pub, KEY_ES256, NULL,
	        E_INVALID, "must have 3 parts, got 2");
	refused(arena_printf(&arena, "%s.%s", tok, b64s("x")), es_pub, KEY_ES256, NULL, E_INVALID,
	        "must have 3 parts, got 4");
	/* JWE compact form has 5 */
	refused(arena_printf(&arena, "%s.a.b", tok), es_pub, KEY_ES256, NULL, E_INVALID, "got 5");
	refused("", es_pub, KEY_ES256, NULL, E_INVALID, "got 1");
	refused("..", es_pub, KEY_ES256, NULL, E_INVALID, "header: not JSON");
}

static void test_jws_refuses_bad_base64url(void **state)
{
	char *tok = sign(es, "JWT", PAYLOAD), *t;
	size_t d1 = (size_t)(strchr(tok, '.') - tok), d2 = (size_t)(strrchr(tok, '.') - tok);

	(void)state;
	t = arena_strdup(&arena, tok);
	t[3] = '+';
	refused(t, es_pub, KEY_ES256, NULL, E_INVALID, "header: not base64url");
	/* padding is not base64url */
	refused(arena_printf(&arena, "%.*s=%s", (int)d1, tok, tok + d1), es_pub, KEY_ES256, NULL,
	        E_INVALID, "header: not base64url");
	t = arena_strdup(&arena, tok);
	t[d2 + 4] = '/';
	refused(t, es_pub, KEY_ES256, NULL, E_INVALID, "signature: not base64url");
	refused(arena_printf(&arena, "%s=", tok), es_pub, KEY_ES256, NULL, E_INVALID,
	        "signature: not base64url");
	/* the payload is read only after the signature verifies: a bad one fails there first */
	t = arena_strdup(&arena, tok);
	t[d1 + 2] = '*';
	refused(t, es_pub, KEY_ES256, NULL, E_CRYPTO, "does not verify");
	/* an embedded NUL inside the length */
	{
		struct errbuf eb = { 0 };
		json_t *p = NULL;

		t = arena_strdup(&arena, tok);
		t[2] = '\0';
		assert_int_equal(jws_verify(t, strlen(tok), es_pub, KEY_ES256, NULL, NULL, &p, &eb),
		                 E_INVALID);
		assert_null(p);
	}
}

static void test_jws_refuses_es256_signature_of_63_and_65_bytes(void **state)
{
	uint8_t sig[80] = { 0 };
	char *tok = sign(es, "JWT", PAYLOAD);

	(void)state;
	assert_int_equal(part(tok, 2, sig), 64);
	refused(with_sig(tok, sig, 63), es_pub, KEY_ES256, NULL, E_INVALID,
	        "signature: must be 64 bytes for ES256, got 63");
	sig[64] = 0;
	refused(with_sig(tok, sig, 65), es_pub, KEY_ES256, NULL, E_INVALID,
	        "signature: must be 64 bytes for ES256, got 65");
	/* DER, as EVP makes it, is not the JWS form */
	refused(with_sig(tok, sig, 70), es_pub, KEY_ES256, NULL, E_INVALID, "got 70");
	refused(with_sig(tok, sig, 0), es_pub, KEY_ES256, NULL, E_INVALID, "got 0");
	tok = sign(rs, "JWT", PAYLOAD);
	refused(with_sig(tok, sig, 64), rs_pub, KEY_RS256, NULL, E_INVALID,
	        "must be 256 bytes for RS256, got 64");
}

static void test_jws_refuses_crit_header(void **state)
{
	char *c = libjwt_sign(JWT_ALG_ES256, es_priv_pem, es->kid, "{\"crit\":[\"exp\"]}");
	char *e = libjwt_sign(JWT_ALG_ES256, es_priv_pem, es->kid, "{\"crit\":[]}");

	(void)state;
	/* correctly signed: refused for crit alone */
	libjwt_accepts(c, es_pub_pem, JWT_ALG_ES256);
	refused(c, es_pub, KEY_ES256, NULL, E_INVALID, "header: crit is not supported");
	refused(e, es_pub, KEY_ES256, NULL, E_INVALID, "header: crit is not supported");
	free(c);
	free(e);
}

static void test_jws_refuses_malformed_header_and_payload_json(void **state)
{
	uint8_t sig[64] = { 1 };
	char *tok;

	(void)state;
	/* duplicate members: {"alg":"none","alg":"ES256"} means different things to different parsers */
	refused(craft("{\"alg\":\"none\",\"alg\":\"ES256\"}", PAYLOAD, sig, 64), es_pub, KEY_ES256,
	        NULL, E_INVALID, "header: not JSON");
	refused(craft("[\"ES256\"]", PAYLOAD, sig, 64), es_pub, KEY_ES256, NULL, E_INVALID,
	        "header: not a JSON object");
	refused(craft("{\"alg\":\"ES256\"} x", PAYLOAD, sig, 64), es_pub, KEY_ES256, NULL, E_INVALID,
	        "header: not JSON");
	refused(craft("{\"alg\":\"ES256\",\"kid\":\"a\\u0000b\"}", PAYLOAD, sig, 64), es_pub,
	        KEY_ES256, NULL, E_INVALID, "header: not JSON");
	/* validly signed payloads that are not one JSON object */
	refused(sign(es, "JWT", "[1,2]"), es_pub, KEY_ES256, NULL, E_INVALID,
	        "payload: not a JSON object");
	refused(sign(es, "JWT", "{\"sub\":\"a\",\"sub\":\"b\"}"), es_pub, KEY_ES256, NULL, E_INVALID,
	        "payload: not JSON");
	refused(sign(es, "JWT", ""), es_pub, KEY_ES256, NULL, E_INVALID, "payload: not JSON");
	tok = sign(es, "JWT", "{} {}");
	refused(tok, es_pub, KEY_ES256, NULL, E_INVALID, "payload: not JSON");
}

static void test_jws_refuses_token_longer_than_lim_jws(void **state)
{
	char *big = arena_alloc(&arena, LIM_JWS + 2);

	(void)state;
	memset(big, 'A', LIM_JWS + 1);
	big[10] = '.';
	big[20] = '.';
	refused(big, es_pub, KEY_ES256, NULL, E_LIMIT, "longer than 16384 bytes");
}

static void test_jws_kid_reads_the_unverified_header(void **state)
{
	struct errbuf eb = { 0 };
	char kid[KEYS_KID_SIZE] = "", *tok = sign(rs, "JWT", PAYLOAD);
	char *nokid = libjwt_sign(JWT_ALG_ES256, es_priv_pem, NULL, NULL);
	char *longkid = libjwt_sign(JWT_ALG_ES256, es_priv_pem,
	                            "0123456789012345678901234567890123456789012345678", NULL);

	(void)state;
	assert_int_equal(jws_kid(tok, strlen(tok), kid, &eb), 0);
	assert_string_equal(kid, rs->kid);
	assert_int_equal(jws_kid(nokid, strlen(nokid), kid, &eb), E_NOTFOUND);
	assert_int_equal(jws_kid(longkid, strlen(longkid), kid, &eb), E_INVALID);
	assert_int_equal(jws_kid("a.b", 3, kid, &eb), E_INVALID);
	assert_string_equal(kid, rs->kid);              /* untouched on failure */
	free(nokid);
	free(longkid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_teardown(f, test_teardown)
		T(test_jws_es256_sign_then_verify),
		T(test_jws_rs256_sign_then_verify),
		T(test_jws_keyset_verifies_tokens_of_the_next_key),
		T(test_jws_sign_renders_uncommon_typ_and_refuses_bad_ones),
		T(test_jws_sign_refuses_a_token_longer_than_lim_jws),
		T(test_jws_sign_fails_cleanly_when_the_arena_is_full),
		T(test_jws_typ_is_checked_when_asked),
		T(test_jws_libjwt_verifies_what_we_sign),
		T(test_jws_we_verify_what_libjwt_signs),
		T(test_jws_es256_short_r_or_s_is_zero_padded_both_ways),
		T(test_jws_refuses_tampered_payload),
		T(test_jws_refuses_tampered_signature),
		T(test_jws_refuses_alg_none),
		T(test_jws_refuses_hs256_keyed_with_the_public_key_pem),
		T(test_jws_refuses_header_alg_that_is_not_the_keys),
		T(test_jws_refuses_wrong_kid),
		T(test_jws_refuses_wrong_number_of_parts),
		T(test_jws_refuses_bad_base64url),
		T(test_jws_refuses_es256_signature_of_63_and_65_bytes),
		T(test_jws_refuses_crit_header),
		T(test_jws_refuses_malformed_header_and_payload_json),
		T(test_jws_refuses_token_longer_than_lim_jws),
		T(test_jws_kid_reads_the_unverified_header),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
