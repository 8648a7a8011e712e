/* Unit tests for the discovery document (ep_discovery_render): required members, endpoints only
 * when routed, signing algorithms from the key set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ep_discovery.h"
#include "keys.h"

struct fx {
	char dir[64];
	struct conf *conf;
	struct keyset *ks;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct errbuf eb = { 0 };
	json_t *j = json_loads("{\"issuer\":\"https://id.example.vn\",\"redis\":{\"host\":\"h\"}}",
	                       0, NULL);

	snprintf(f->dir, sizeof(f->dir), "/tmp/authd-disc-XXXXXX");
	if (mkdtemp(f->dir) == NULL || conf_parse(j, "authd.json", &f->conf, &eb) != 0 ||
	    keys_generate(f->dir, &eb) != 0 || keys_load(f->dir, &f->ks, &eb) != 0) {
		fprintf(stderr, "setup: %s\n", eb.msg);
		return -1;
	}
	json_decref(j);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	keys_free(f->ks);
	conf_free(f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static json_t *render(struct fx *f)
{
	char *s = NULL;
	size_t n = 0;
	json_t *j;

	assert_int_equal(ep_discovery_render(f->conf, f->ks, &s, &n), 0);
	assert_int_equal(strlen(s), n);
	j = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(j);
	return j;
}

static void test_discovery_has_issuer_and_jwks_uri(void **state)
{
	json_t *j = render(*state);

	assert_string_equal(json_string_value(json_object_get(j, "issuer")), "https://id.example.vn");
	assert_string_equal(json_string_value(json_object_get(j, "jwks_uri")),
	                    "https://id.example.vn/jwks");
	json_decref(j);
}

static void test_discovery_lists_only_served_endpoints(void **state)
{
	json_t *j = render(*state);

	assert_string_equal(json_string_value(json_object_get(j, "token_endpoint")),
	                    "https://id.example.vn/token");
	assert_non_null(json_object_get(j, "token_endpoint_auth_methods_supported"));
	assert_null(json_object_get(j, "registration_endpoint"));
	json_decref(j);
}

static void test_discovery_required_members(void **state)
{
	json_t *j = render(*state), *a;

	a = json_object_get(j, "response_types_supported");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "code");
	a = json_object_get(j, "subject_types_supported");
	assert_string_equal(json_string_value(json_array_get(a, 0)), "pairwise");
	a = json_object_get(j, "acr_values_supported");
	assert_int_equal(json_array_size(a), 2);
	assert_true(json_is_false(json_object_get(j, "request_parameter_supported")));
	json_decref(j);
}

static void test_discovery_lists_rs256_only_with_an_active_rs256_key(void **state)
{
	struct fx *f = *state;
	json_t *j = render(f), *a;
	struct key *rs = NULL;

	a = json_object_get(j, "id_token_signing_alg_values_supported");
	assert_int_equal(json_array_size(a), 2);
	json_decref(j);
	for (size_t i = 0; i < f->ks->n; i++)
		if (f->ks->v[i].alg == KEY_RS256)
			rs = &f->ks->v[i];
	assert_non_null(rs);
	rs->state = KEY_RETIRED; /* no active RS256 key now */
	j = render(f);
	a = json_object_get(j, "id_token_signing_alg_values_supported");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "ES256");
	rs->state = KEY_ACTIVE;
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery_has_issuer_and_jwks_uri),
		cmocka_unit_test(test_discovery_lists_only_served_endpoints),
		cmocka_unit_test(test_discovery_required_members),
		cmocka_unit_test(test_discovery_lists_rs256_only_with_an_active_rs256_key),
	};
	return cmocka_run_group_tests_name("discovery", tests, setup, teardown);
}
