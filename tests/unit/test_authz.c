/* Unit tests for authz.c: the authorization request rules, each refusal and whether it may be
 * redirected; the redirect's encoding; PKCE S256 (RFC 7636 Appendix B). */
#include <jansson.h>

#include "authz.h"
#include "clients.h"
#include "form.h"

#include "testutil.h"

static struct clientset *cs;
static char dir[256];
static struct arena A;
static char first[4096];

static int setup(void **state)
{
	char path[512];
	struct errbuf eb = { 0 };
	static const char rp[] =
	        "{\"client_id\":\"rp\",\"client_name\":\"RP\",\"client_secret_hash\":"
	        "\"sha256:nBxx3A_2AIShsfWhF-mSpIJ49e_GgC7YLS6Yrdn21bo\",\"grant_types\":"
	        "[\"authorization_code\"],\"redirect_uris\":[\"https://rp.example.vn/cb?x=1\"],"
	        "\"scope\":\"openid profile\"}";
	static const char l2[] =
	        "{\"client_id\":\"l2\",\"client_name\":\"L2\",\"client_secret_hash\":"
	        "\"sha256:nBxx3A_2AIShsfWhF-mSpIJ49e_GgC7YLS6Yrdn21bo\",\"grant_types\":"
	        "[\"authorization_code\"],\"redirect_uris\":[\"https://l2.example.vn/cb\"],"
	        "\"scope\":\"openid\",\"require_acr\":\"urn:eid:level:2\"}";

	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "test_authz") == NULL)
		return -1;
	tu_spit(tu_path(path, sizeof(path), dir, "rp.json"), rp, sizeof(rp) - 1);
	tu_spit(tu_path(path, sizeof(path), dir, "l2.json"), l2, sizeof(l2) - 1);
	if (clients_load(dir, &cs, &eb) != 0) {
		fprintf(stderr, "%s\n", eb.msg);
		return -1;
	}
	arena_init(&A, first, sizeof(first), 1 << 20);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_reset(&A);
	clients_free(cs);
	tu_rm_rf(dir);
	return 0;
}

#define GOOD                                                                                       \
	"client_id=rp&redirect_uri=https%3A%2F%2Frp.example.vn%2Fcb%3Fx%3D1&response_type=code"   \
	"&scope=openid+profile&state=s&nonce=n&code_challenge="                                    \
	"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"

static int parse(const char *q, struct authz *az, struct authz_err *e)
{
	struct form *f = arena_alloc(&A, sizeof(*f));
	struct errbuf eb = { 0 };

	assert_int_equal(form_parse(&A, q, strlen(q), f, &eb), 0);
	return authz_parse(cs, f, az, e);
}

static void test_authz_accepts_a_good_request(void **state)
{
	struct authz az;
	struct authz_err e;

	(void)state;
	assert_int_equal(parse(GOOD "&ui_locales=en-US+vi&max_age=60&login_hint=001085012345"
	                            "&whatever=1",
	                       &az, &e),
	                 0);
	assert_string_equal(az.client->id, "rp");
	assert_string_equal(az.state, "s");
	assert_string_equal(az.locale, "en");
	assert_int_equal(az.max_age, 60);
	assert_int_equal(az.acr_min, 1);
	assert_string_equal(az.login_hint, "001085012345");
	/* a UTF-8 nonce is fine */
	assert_int_equal(parse("client_id=rp&redirect_uri=https%3A%2F%2Frp.example.vn%2Fcb%3Fx%3D1"
	                       "&response_type=code&scope=openid&nonce=Ng%E1%BB%8Dc%F0%9F%98%80"
	                       "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	                       "&code_challenge_method=S256",
	                       &az, &e),
	                 0);
	assert_string_equal(az.nonce, "Ng\xe1\xbb\x8d" "c\xf0\x9f\x98\x80");
}

/* OIDC Core §3.1.2.1: max_age=0 is prompt=login; any other max_age leaves prompt alone. */
static void test_authz_max_age_zero_is_prompt_login(void **state)
{
	struct authz az;
	struct authz_err e;

	(void)state;
	assert_int_equal(parse(GOOD "&max_age=0", &az, &e), 0);
	assert_int_equal(az.max_age, 0);
	assert_true(az.prompt & AUTHZ_PROMPT_LOGIN);
	assert_int_equal(parse(GOOD "&max_age=1", &az, &e), 0);
	assert_false(az.prompt & AUTHZ_PROMPT_LOGIN);
	assert_int_equal(parse(GOOD "&max_age=0&prompt=none", &az, &e), 0);
	assert_int_equal(az.prompt, AUTHZ_PROMPT_NONE | AUTHZ_PROMPT_LOGIN); /* → login_required */
}

/* OIDC Core §3.1.2.6: an over-long state is refused, and kept for the error response. */
static void test_authz_long_state_refused_but_echoed(void **state)
{
	struct authz az;
	struct authz_err e;
	char *q = arena_printf(&A, "%.*s", (int)(strstr(GOOD, "&state=s") - GOOD), GOOD);
	char *s = arena_alloc(&A, AUTHZ_STATE_MAX + 2);

	(void)state;
	memset(s, 'x', AUTHZ_STATE_MAX + 1);
	q = arena_printf(&A, "%s%s&state=%s", q, strstr(GOOD, "&state=s") + 8, s);
	assert_int_equal(parse(q, &az, &e), -1);
	assert_false(e.html);
	assert_string_equal(e.error, "invalid_request");
	assert_non_null(az.state);
	assert_int_equal(strlen(az.state), AUTHZ_STATE_MAX + 1);
}

static void test_authz_client_and_redirect_errors_are_shown_not_redirected(void **state)
{
	struct authz az;
	struct authz_err e;

	(void)state;
	assert_int_equal(parse("redirect_uri=https%3A%2F%2Frp.example.vn%2Fcb%3Fx%3D1", &az, &e), -1);
	assert_true(e.html);
	assert_int_equal(parse("client_id=nope&redirect_uri=x", &az, &e), -1);
	assert_true(e.html);
	assert_int_equal(parse("client_id=rp&response_type=code", &az, &e), -1);
	assert_true(e.html);
	/* exact match: no normalization of case, slash or query */
	assert_int_equal(parse("client_id=rp&redirect_uri=https%3A%2F%2Frp.example.vn%2Fcb", &az, &e),
	                 -1);
	assert_true(e.html);
	assert_int_equal(parse("client_id=rp&redirect_uri=https%3A%2F%2FRP.example.vn%2Fcb%3Fx%3D1",
	                       &az, &e),
	                 -1);
	assert_true(e.html);
}

static void test_authz_protocol_errors_are_redirected(void **state)
{
	static const struct {
		const char *extra, *error;
	} t[] = {
		{ "&response_type=token", "unsupported_response_type" },
		{ "&scope=profile", "invalid_scope" },
		{ "&scope=openid+admin", "invalid_scope" },
		{ "&scope=openid+phone", "invalid_scope" },
		{ "&prompt=none+login", "invalid_request" },
		{ "&prompt=sometimes", "invalid_request" },
		{ "&max_age=-1", "invalid_request" },
		{ "&request=eyJ", "request_not_supported" },
		{ "&response_mode=fragment", "invalid_request" },
		/* found by fuzz_authz: the nonce goes into the ID token's JSON as it is */
		{ "&nonce=%FF%FE", "invalid_request" },
		{ "&nonce=%C0%AF", "invalid_request" },          /* overlong '/' */
		{ "&nonce=%ED%A0%80", "invalid_request" },       /* a surrogate */
		{ "&nonce=%F4%90%80%80", "invalid_request" },    /* past U+10FFFF */
		{ "&nonce=%E1%BA", "invalid_request" },          /* cut short */
	};
	struct authz az;
	struct authz_err e;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* the override comes first: the good value then repeats, so rebuild the query */
		char *q = arena_printf(&A, "%s", GOOD);
		const char *name = t[i].extra + 1, *eq = strchr(name, '=');
		char *at = strstr(q, arena_strndup(&A, name, (size_t)(eq - name + 1)));

		if (at != NULL) { /* drop the good one */
			char *end = strchr(at, '&');

			memmove(at, end != NULL ? end + 1 : at + strlen(at),
			        strlen(end != NULL ? end + 1 : at + strlen(at)) + 1);
		}
		q = arena_printf(&A, "%s%s", q, t[i].extra);
		assert_int_equal(parse(q, &az, &e), -1);
		assert_false(e.html);
		assert_string_equal(e.error, t[i].error);
	}
}

static void test_authz_pkce_rules(void **state)
{
	struct authz az;
	struct authz_err e;

	(void)state;
	assert_int_equal(parse("client_id=rp&redirect_uri=https%3A%2F%2Frp.example.vn%2Fcb%3Fx%3D1"
	                       "&response_type=code&scope=openid",
	                       &az, &e),
	                 -1);
	assert_string_equal(e.error, "invalid_request"); /* required by default */
	assert_int_equal(parse("client_id=rp&redirect_uri=https%3A%2F%2Frp.example.vn%2Fcb%3Fx%3D1"
	                       "&response_type=code&scope=openid&code_challenge="
	                       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain",
	                       &az, &e),
	                 -1);
	assert_int_equal(parse("client_id=rp&redirect_uri=https%3A%2F%2Frp.example.vn%2Fcb%3Fx%3D1"
	                       "&response_type=code&scope=openid&code_challenge="
	                       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	                       &az, &e),
	                 -1); /* no method means plain (RFC 7636 §4.3): refused */
	assert_int_equal(parse("client_id=rp&redirect_uri=https%3A%2F%2Frp.example.vn%2Fcb%3Fx%3D1"
	                       "&response_type=code&scope=openid&code_challenge=short"
	                       "&code_challenge_method=S256",
	                       &az, &e),
	                 -1);
	assert_true(authz_pkce_ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	                          "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
	assert_false(authz_pkce_ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	                           "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"));
	assert_false(authz_pkce_ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "short"));
	assert_false(authz_pkce_ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", NULL));
}

static void test_authz_acr_never_lowered(void **state)
{
	struct authz az;
	struct authz_err e;

	(void)state;
	assert_int_equal(parse(GOOD "&acr_values=urn:eid:level:2", &az, &e), 0);
	assert_int_equal(az.acr_min, 2);
	assert_int_equal(parse(GOOD "&acr_values=urn:eid:level:2+urn:eid:level:1", &az, &e), 0);
	assert_int_equal(az.acr_min, 1); /* either satisfies the RP */
	assert_int_equal(parse(GOOD "&acr_values=urn:other", &az, &e), 0);
	assert_int_equal(az.acr_min, 1);
	/* a client registered for level 2 gets level 2 whatever it asks */
	assert_int_equal(parse("client_id=l2&redirect_uri=https%3A%2F%2Fl2.example.vn%2Fcb"
	                       "&response_type=code&scope=openid&acr_values=urn:eid:level:1"
	                       "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	                       "&code_challenge_method=S256",
	                       &az, &e),
	                 0);
	assert_int_equal(az.acr_min, 2);
}

static void test_authz_redirect_encoding(void **state)
{
	const char *pairs[] = { "code", "a b&c", "state", NULL, "iss", "https://id.example.vn",
		                NULL };

	(void)state;
	assert_string_equal(authz_redirect(&A, "https://rp.example.vn/cb?x=1", pairs),
	                    "https://rp.example.vn/cb?x=1&code=a%20b%26c"
	                    "&iss=https%3A%2F%2Fid.example.vn");
	assert_string_equal(authz_redirect(&A, "https://rp.example.vn/cb", pairs),
	                    "https://rp.example.vn/cb?code=a%20b%26c&iss=https%3A%2F%2Fid.example.vn");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authz_accepts_a_good_request),
		cmocka_unit_test(test_authz_max_age_zero_is_prompt_login),
		cmocka_unit_test(test_authz_long_state_refused_but_echoed),
		cmocka_unit_test(test_authz_client_and_redirect_errors_are_shown_not_redirected),
		cmocka_unit_test(test_authz_protocol_errors_are_redirected),
		cmocka_unit_test(test_authz_pkce_rules),
		cmocka_unit_test(test_authz_acr_never_lowered),
		cmocka_unit_test(test_authz_redirect_encoding),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
