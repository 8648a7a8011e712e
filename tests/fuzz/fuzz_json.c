/* fuzz_json — the JSON request bodies of the app and admin APIs (docs/app-api.md,
 * docs/admin-api.md): the bytes go into an evhttp request as an application/json body and
 * through http.c's http_json_body (jansson, duplicate members refused, one object), then through
 * what the endpoints do with the members, in the daemon's own functions:
 *   - http_json_need on every string member an endpoint reads, with that endpoint's limit
 *     (property: a member it accepts is 1..max bytes of a string without control characters or
 *     NUL; a refusal sets 400 invalid_request);
 *   - the checks that follow: acct_id_syntax_ok / acct_id_check (id_number), acct_phone_normalize,
 *     acct_dob_parse, acct_name_eq and acct_activation_decide against a registry record,
 *     pass_password_policy, pass_passcode_policy, acct_challenge_check, acct_id_mask /
 *     acct_phone_mask, qr_parse (payload), base64url decoding of sod / dg1 (level 2 by chip);
 *   - keys_jwk_parse and keys_thumbprint on device_key (activation: the app's public key);
 *   - js.c's strict getters (js_str, js_int, js_bool, js_str_list, js_only_keys), what config
 *     files and registrations go through, on the same object.
 * Each input gets a fresh request (its arena is reset, its evhttp request freed). */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "chip.h"
#include "fuzz.h"
#include "http.h"
#include "js.h"
#include "keys.h"
#include "pass.h"
#include "qr.h"
#include "req.h"
#include "sec.h"

#define NOW 1750000000LL /* a fixed clock: the harness must be deterministic */

static const uint8_t pepper[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

/* The registry record claims are compared with. */
static const struct acct_reg reg = {
	.id = "001085012345", .name = "Nguyễn Văn An", .dob = "1985-03-14", .sex = ACCT_MALE,
	.phone = "+84912345678", .doc = "085012345",
};

/* Every string member an endpoint reads with http_json_need, and its limit there. */
static const struct {
	const char *key;
	size_t max;
} members[] = {
	{ "id_number", ACCT_ID_LEN }, { "phone", 32 },          { "full_name", ACCT_NAME_MAX },
	{ "date_of_birth", 10 },      { "activation_id", 64 },  { "recovery_id", 64 },
	{ "operation_id", 64 },       { "code", 16 },           { "device_name", 64 },
	{ "selfie_hash", 64 },        { "password", 64 },       { "passcode", 16 },
	{ "challenge", ACCT_CHAL_LEN }, { "signature", LIM_JWS }, { "payload", QR_PAYLOAD_MAX },
	{ "qid", QR_ID_LEN },         { "decision", 16 },       { "id", 64 },
	{ "reason", 800 },            { "sod", (CHIP_SOD_MAX * 4 + 2) / 3 },
	{ "dg1", (CHIP_DG1_MAX * 4 + 2) / 3 },
};
#define NMEMBERS (sizeof(members) / sizeof(members[0]))

static int has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* A member http_json_need accepted, or NULL (the refusal checked). */
static const char *need(struct req *r, const char *key, size_t max)
{
	const char *s = NULL;

	r->status = 0;
	r->error = NULL;
	if (http_json_need(r, key, max, &s) != 0) {
		FUZZ_CHECK(r->status == 400 && r->error != NULL && r->error_desc != NULL,
		           "a refused member did not set 400 invalid_request");
		return NULL;
	}
	FUZZ_CHECK(s != NULL && s[0] != '\0' && strlen(s) <= max && !has_ctl(s),
	           "http_json_need accepted a bad member");
	return s;
}

static void members_check(struct req *r)
{
	const char *v[NMEMBERS];
	char phone[ACCT_PHONE_MAX + 1], mask[ACCT_PHONE_MAX + 1], idmask[ACCT_ID_LEN + 1];
	struct errbuf eb = { 0 };
	int y, m, d;

	for (size_t i = 0; i < NMEMBERS; i++)
		v[i] = need(r, members[i].key, members[i].max);
	/* activation / recovery start: id_number, phone, full_name, date_of_birth */
	if (v[0] != NULL && acct_id_syntax_ok(v[0])) {
		acct_id_mask(v[0], idmask);
		FUZZ_CHECK(strlen(idmask) == ACCT_ID_LEN, "acct_id_mask");
		if (v[3] != NULL) {
			acct_id_check(v[0], v[3], ACCT_MALE, &eb);
			acct_id_check(v[0], v[3], ACCT_FEMALE, &eb);
		}
		if (v[12] != NULL)
			acct_challenge_check(pepper, v[0], v[12], NOW, 120);
	}
	if (v[1] != NULL && acct_phone_normalize(v[1], phone) == 0) {
		FUZZ_CHECK(strncmp(phone, "+84", 3) == 0 && strlen(phone) <= ACCT_PHONE_MAX,
		           "acct_phone_normalize gave a number that is not +84...");
		acct_phone_mask(phone, mask);
		if (v[0] != NULL && acct_id_syntax_ok(v[0]) && v[2] != NULL && v[3] != NULL) {
			struct acct_claim c = { v[0], phone, v[2], v[3] };

			acct_activation_decide(&c, &reg, "", 0, 5);
			acct_activation_decide(&c, &reg, "active", 0, 5);
		}
	}
	if (v[3] != NULL && acct_dob_parse(v[3], &y, &m, &d) == 0)
		FUZZ_CHECK(y >= 1900 && y <= 2399 && m >= 1 && m <= 12 && d >= 1 && d <= 31,
		           "acct_dob_parse accepted an impossible date");
	if (v[2] != NULL) {
		char mrz[31];

		FUZZ_CHECK(acct_name_eq(v[2], v[2]), "acct_name_eq: a name differs from itself");
		acct_name_eq(v[2], reg.name);
		chip_mrz_name(v[2], mrz);
		FUZZ_CHECK(strlen(mrz) <= 30, "chip_mrz_name longer than 30");
	}
	if (v[10] != NULL)
		pass_password_policy(v[10], &eb);
	if (v[11] != NULL) {
		pass_passcode_policy(v[11], NULL, &eb);
		pass_passcode_policy(v[11], v[3] != NULL ? v[3] : reg.dob, &eb);
	}
	if (v[14] != NULL) {
		char qid[QR_ID_LEN + 1];
		long long t;

		if (qr_parse(v[14], qid, &t) == 0)
			FUZZ_CHECK(strlen(qid) == QR_ID_LEN && t >= 0, "qr_parse");
	}
	for (size_t i = NMEMBERS - 2; i < NMEMBERS; i++) {
		uint8_t *buf;
		size_t n;

		if (v[i] == NULL)
			continue;
		n = strlen(v[i]);
		buf = malloc(n * 3 / 4 + 3);
		FUZZ_CHECK(buf != NULL, "out of memory");
		FUZZ_CHECK(sec_b64url_decode(v[i], n, buf) <= (long)(n * 3 / 4 + 3), "b64 overrun");
		free(buf);
	}
}

/* js.c's strict getters (what config files and registrations go through) on the same object:
 * what they accept is within their limits. */
static void getters_check(json_t *j)
{
	static const char *const allowed[] = { "id_number", "phone", "full_name", "minutes", NULL };
	struct errbuf eb = { 0 };
	char *s = NULL, **l = NULL;
	long long n = 0;
	int b = 0;

	if (js_str(j, "full_name", "full_name", 1, ACCT_NAME_MAX, &s, &eb) == 0 && s != NULL) {
		FUZZ_CHECK(s[0] != '\0' && strlen(s) <= ACCT_NAME_MAX && !js_has_ctl(s) &&
		                   js_utf8_ok(s),
		           "js_str accepted a bad string");
		free(s);
	}
	if (js_int(j, "minutes", "minutes", 0, 1, 43200, &n, &eb) == 0)
		FUZZ_CHECK(n >= 0 && n <= 43200, "js_int out of range");
	js_bool(j, "require_pkce", "require_pkce", 0, &b, &eb);
	if (js_str_list(j, "redirect_uris", "redirect_uris", 0, 4, 64, &l, &eb) == 0 && l != NULL) {
		size_t k = js_list_len(l);

		FUZZ_CHECK(k <= 4, "js_str_list: too many entries");
		for (size_t i = 0; i < k; i++) {
			FUZZ_CHECK(l[i][0] != '\0' && strlen(l[i]) <= 64 && !js_has_ctl(l[i]),
			           "js_str_list accepted a bad entry");
			for (size_t m = 0; m < i; m++)
				FUZZ_CHECK(strcmp(l[m], l[i]) != 0, "js_str_list: a duplicate");
		}
		js_list_free(l);
	}
	js_only_keys(j, allowed, "body.", &eb);
}

/* activation complete: device_key, a public P-256 JWK */
static void device_key_check(struct req *r)
{
	json_t *jwk = json_object_get(r->json, "device_key");
	struct errbuf eb = { 0 };
	char kid[KEYS_KID_SIZE], tp[KEYS_KID_SIZE];
	EVP_PKEY *pk = NULL;
	enum key_alg alg;

	if (!json_is_object(jwk))
		return;
	if (keys_jwk_parse(jwk, "device_key", &pk, &alg, kid, &eb) != 0) {
		FUZZ_CHECK(pk == NULL && eb.msg[0] != '\0', "a refused JWK without a reason");
		return;
	}
	FUZZ_CHECK(keys_pkey_check(pk, alg, NULL) == 0, "a parsed JWK unfit for its alg");
	FUZZ_CHECK(keys_thumbprint(pk, tp) == 0 && strlen(tp) == 43, "keys_thumbprint");
	EVP_PKEY_free(pk);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req *r = calloc(1, sizeof(*r));
	struct evhttp_request *ev = evhttp_request_new(NULL, NULL);

	FUZZ_CHECK(r != NULL && ev != NULL, "out of memory");
	FUZZ_CHECK(evhttp_add_header(evhttp_request_get_input_headers(ev), "Content-Type",
	                             "application/json") == 0 &&
	                   evbuffer_add(evhttp_request_get_input_buffer(ev), data, size) == 0,
	           "cannot build a request");
	arena_init(&r->arena, r->first, sizeof(r->first), LIM_REQ_MEMORY);
	r->ev = ev;
	if (http_json_body(r) == 0) {
		FUZZ_CHECK(json_is_object(r->json), "http_json_body accepted a non-object");
		members_check(r);
		device_key_check(r);
		getters_check(r->json);
	} else {
		FUZZ_CHECK(r->status == 400 || r->status == 500, "a refused body without an error");
	}
	arena_reset(&r->arena);
	evhttp_request_free(ev);
	free(r);
	return 0;
}
