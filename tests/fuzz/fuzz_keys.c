/* fuzz_keys — the signing-key manifest keys/keys.json (docs/keys.md): keys.c's keys_load on any
 * manifest, in a temporary directory whose PEM files keys_generate made once (es256-1.pem,
 * es256-2.pem, rs256-1.pem, demo-bank.pem, eidctl.pem; and pepper.key, data.key, the *.jwks.json
 * fixtures, which are not PEM keys), then, for a manifest that loads, keys_manifest_rotate (what
 * `eidctl keys rotate` computes) for each algorithm, and keys_header for a typ from the input.
 * Properties of a keyset that loads: one active ES256 key, at most one active RS256 key and one
 * next key per algorithm, at most LIM_KEYS keys, distinct files and kids, each key found by its
 * kid, a JWKS that parses with one entry per key; a rotation keeps at most LIM_KEYS entries and
 * adds exactly one next key. */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "keys.h"
#include "lim.h"

#define NOW 1750000000LL

static char dir[96], manifest[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errbuf eb = { 0 };

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/keys", fuzz_tmpdir("keys"));
	snprintf(manifest, sizeof(manifest), "%s/keys.json", dir);
	if (keys_generate(dir, &eb) != 0) {
		fprintf(stderr, "fuzz_keys: %s\n", eb.msg);
		abort();
	}
	return 0;
}

static void keyset_check(const struct keyset *ks)
{
	int active[2] = { 0, 0 }, next[2] = { 0, 0 };
	json_t *jwks = json_loads(ks->jwks, JSON_REJECT_DUPLICATES, NULL);

	FUZZ_CHECK(ks->n >= 1 && ks->n <= LIM_KEYS, "a keyset of 0 or more than LIM_KEYS keys");
	for (size_t i = 0; i < ks->n; i++) {
		const struct key *k = &ks->v[i];

		active[k->alg] += k->state == KEY_ACTIVE;
		next[k->alg] += k->state == KEY_NEXT;
		FUZZ_CHECK(keys_find(ks, k->kid) == k, "a key not found by its kid");
		FUZZ_CHECK(keys_pkey_check(k->pkey, k->alg, NULL) == 0, "a key unfit for its alg");
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(ks->v[j].file, k->file) != 0, "a file listed twice");
	}
	FUZZ_CHECK(active[KEY_ES256] == 1 && active[KEY_RS256] <= 1 && next[KEY_ES256] <= 1 &&
	                   next[KEY_RS256] <= 1,
	           "not one active ES256 key, or two active or next keys of one alg");
	FUZZ_CHECK(keys_active(ks, KEY_ES256) != NULL, "keys_active");
	FUZZ_CHECK(json_is_array(json_object_get(jwks, "keys")) &&
	                   json_array_size(json_object_get(jwks, "keys")) == ks->n,
	           "the JWKS does not list every key once");
	json_decref(jwks);
}

static void rotate_check(json_t *m)
{
	for (int alg = KEY_ES256; alg <= KEY_RS256; alg++) {
		struct keys_rotation rot;
		struct errbuf eb = { 0 };
		json_t *out = NULL;
		size_t nexts = 0, i;
		json_t *e;

		if (keys_manifest_rotate(m, (enum key_alg)alg, NOW, 86400, "new-key.pem", &out, &rot,
		                         &eb) != 0)
			continue;
		FUZZ_CHECK(json_array_size(json_object_get(out, "keys")) <= LIM_KEYS &&
		                   rot.nremoved <= LIM_KEYS && strcmp(rot.next, "new-key.pem") == 0,
		           "a rotation past LIM_KEYS");
		json_array_foreach(json_object_get(out, "keys"), i, e)
			nexts += strcmp(json_string_value(json_object_get(e, "file")), "new-key.pem") == 0;
		FUZZ_CHECK(nexts == 1, "a rotation did not add exactly one new key");
		json_decref(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyset *ks = NULL;
	struct errbuf eb = { 0 };
	char hdr[KEYS_HDR_SIZE], typ[LIM_JWS_TYP + 8];
	size_t hl;
	json_t *m;

	fuzz_spit(manifest, data, size);
	if (keys_load(dir, &ks, &eb) != 0) {
		FUZZ_CHECK(ks == NULL && eb.msg[0] != '\0', "a refused manifest without a message");
		return 0;
	}
	keyset_check(ks);
	/* a typ from the input's last bytes: keys_header renders or refuses it */
	snprintf(typ, sizeof(typ), "%.*s", (int)(size < LIM_JWS_TYP + 2 ? size : LIM_JWS_TYP + 2),
	         (const char *)data + (size > LIM_JWS_TYP + 2 ? size - LIM_JWS_TYP - 2 : 0));
	if (keys_header(&ks->v[0], typ, hdr, &hl) == 0)
		FUZZ_CHECK(hl == strlen(hdr) && hl < KEYS_HDR_SIZE, "keys_header");
	m = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(m != NULL, "a manifest that loads does not parse");
	rotate_check(m);
	json_decref(m);
	keys_free(ks);
	return 0;
}
