/* Unit tests for route.c: matching, 404 vs 405 with Allow, HEAD on GET routes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "route.h"

static void test_route_matches_method_and_exact_path(void **state)
{
	int st = 0;
	const char *allow = NULL;
	const struct route *rt;

	(void)state;
	rt = route_match("GET", "/jwks", &st, &allow);
	assert_non_null(rt);
	assert_string_equal(rt->path, "/jwks");
	rt = route_match("GET", "/.well-known/openid-configuration", &st, &allow);
	assert_non_null(rt);
	assert_int_equal(rt->flags, 0);
	rt = route_match("GET", "/readyz", &st, &allow);
	assert_non_null(rt);
	assert_true(rt->flags & R_STORE);
}

static void test_route_head_is_served_by_get_routes(void **state)
{
	int st = 0;
	const char *allow = NULL;

	(void)state;
	assert_non_null(route_match("HEAD", "/jwks", &st, &allow));
}

static void test_route_unknown_path_is_404(void **state)
{
	int st = 0;
	const char *allow = "x";

	(void)state;
	assert_null(route_match("GET", "/jwks/", &st, &allow));
	assert_int_equal(st, 404);
	assert_null(allow);
	assert_null(route_match("GET", "/JWKS", &st, &allow));
	assert_int_equal(st, 404);
	assert_null(route_match("GET", "/jwks%00", &st, &allow));
	assert_null(route_match("GET", "", &st, &allow));
	assert_int_equal(st, 404);
}

static void test_route_wrong_method_is_405_with_allow(void **state)
{
	int st = 0;
	const char *allow = NULL;

	(void)state;
	assert_null(route_match("POST", "/jwks", &st, &allow));
	assert_int_equal(st, 405);
	assert_string_equal(allow, "GET, HEAD");
	assert_null(route_match("DELETE", "/metrics", &st, &allow));
	assert_int_equal(st, 405);
}

static void test_route_metrics_is_restricted(void **state)
{
	int st = 0;
	const char *allow = NULL;
	const struct route *rt = route_match("GET", "/metrics", &st, &allow);

	(void)state;
	assert_non_null(rt);
	assert_true(rt->flags & R_METRICS);
}

static void test_route_table_paths_are_unique_per_method(void **state)
{
	(void)state;
	for (size_t i = 0; i < route_count(); i++) {
		assert_int_equal(route_index(route_at(i)), i);
		assert_true(route_has(route_at(i)->path));
		for (size_t j = i + 1; j < route_count(); j++)
			assert_false(strcmp(route_at(i)->path, route_at(j)->path) == 0 &&
			             strcmp(route_at(i)->method, route_at(j)->method) == 0);
	}
	assert_null(route_at(route_count()));
	assert_true(route_has("/token"));
	assert_false(route_has("/register")); /* never served: discovery must not list it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_matches_method_and_exact_path),
		cmocka_unit_test(test_route_head_is_served_by_get_routes),
		cmocka_unit_test(test_route_unknown_path_is_404),
		cmocka_unit_test(test_route_wrong_method_is_405_with_allow),
		cmocka_unit_test(test_route_metrics_is_restricted),
		cmocka_unit_test(test_route_table_paths_are_unique_per_method),
	};
	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
