/* test_clients.c — relying-party registrations: each accepted shape, then each refusal with the
 * key it names; the directory loader; lookups and the checks endpoints make. JSON in this file
 * is written with ' for " (see jq()). Run from the repository root (it reads clients/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clients.h"
#include "lim.h"
#include "testutil.h"

/* sha256 of TEST_SECRET, base64url. */
#define TEST_SECRET "correct-horse-battery-staple-0123456789"
#define TEST_HASH   "sha256:d3GgzsEnn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu4"

#define EC_PUB                                                                                     \
	"'kty':'EC','crv':'P-256','x':'ErOMpKtY5TFqS9u8O3wNfowD18vbQfTRhsA0R-GGHes',"              \
	"'y':'s_NjBivf2QBPwQlHRWgu_ciESQB_Oh8SokJkWLTLdA0'"
#define EC_D "'d':'3ZbmtEqvwz5EEf9FaMtZcDCD-v8Zlf68YWDDUeH8D3k'"
#define RSA_PUB                                                                                    \
	"'kty':'RSA','e':'AQAB','n':'1dtaXrDYkh4wNSg-yZz_hJpHUSwlNu10mgLQ48o10rF2RGcOD-"           \
	"KDEZb7mlNwmr"                                                                             \
	"LOcl_6bgGK-EC7FHwFrctwMg4Xb4_"                                                            \
	"Di6OqgCelhet49i9InUEHCqDPG8pSwn5pDu5RtndXatSNViB214HaRUqpruV4"                            \
	"cccRt663SYpfyLBtPmSWZnlAyHZf2zIy45GqjOa-jpNOWX__qQby0Loeed3ghb46MEY5Ab4CqLb-agTG_"        \
	"Ub9FXfRS2D"                                                                               \
	"LYh7tlnfpGNs_TADDx5yC353rbb-xuulR6kcvRLpHXfZyJhlKFwxhd4G_e9Je9JiRFfxdL-"                  \
	"ieczC0utzpovgug7RpEnJ"                                                                    \
	"PElAMFQ'"

/* A valid client_secret_basic registration to extend: "{" BASE ",'k':v}". */
#define ID_NAME "'client_id':'rp1','client_name':'RP One'"
#define BASE                                                                                       \
	ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':['https://rp.example/cb']"
#define PKJWT                                                                                      \
	ID_NAME ",'token_endpoint_auth_method':'private_key_jwt','redirect_uris':['https://"       \
		"rp.example/cb']"

#define FILE_NAME "clients/t.json"

static char tmp[64]; /* a fresh directory for tests that write files */

/* ---- helpers ------------------------------------------------------------------------------- */

/* Parses JSON written with ' for ". */
static json_t *jq(const char *s)
{
	char *c = strdup(s);
	json_error_t je;
	json_t *j;

	assert_non_null(c);
	for (char *p = c; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(c, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		print_error("test JSON does not parse: %s: %s\n", je.text, c);
	free(c);
	assert_non_null(j);
	return j;
}

static struct client *parse_ok_at(const char *json, const char *file)
{
	struct errbuf eb = {0};
	struct client *c = NULL;
	json_t *j = jq(json);
	int r = clients_parse(j, file, &c, &eb);

	if (r != 0)
		print_error("unexpected refusal: %s\n", eb.msg);
	json_decref(j);
	assert_int_equal(r, 0);
	assert_non_null(c);
	return c;
}

static struct client *parse_ok(const char *json)
{
	return parse_ok_at(json, FILE_NAME);
}

/* The registration is refused with `code` and a message containing FILE_NAME ": " want;
 * the out-param is untouched. */
static void refused_at(const char *json, const char *file, int code, const char *want)
{
	struct client *sentinel = (struct client *)&tmp, *c = sentinel;
	struct errbuf eb = {0};
	json_t *j = jq(json);
	int r = clients_parse(j, file, &c, &eb);

	json_decref(j);
	if (r == 0)
		client_free(c);
	if (r == 0 || strstr(eb.msg, want) == NULL || strncmp(eb.msg, file, strlen(file)) != 0)
		print_error("r=%d\n  got:  \"%s\"\n  want: \"%s\"\n", r, eb.msg, want);
	assert_int_equal(r, code);
	assert_ptr_equal(c, sentinel);
	assert_int_equal(strncmp(eb.msg, file, strlen(file)), 0);
	assert_non_null(strstr(eb.msg, want));
}

static void refused(const char *json, const char *want)
{
	refused_at(json, FILE_NAME, E_INVALID, want);
}

static void write_file(const char *dir, const char *name, const char *content)
{
	char path[256];

	tu_spit(tu_path(path, sizeof(path), dir, name), content, strlen(content));
}

/* write_file with ' for ". */
static void write_json(const char *dir, const char *name, const char *json)
{
	char *c = strdup(json);

	assert_non_null(c);
	for (char *p = c; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	write_file(dir, name, c);
	free(c);
}

static void subdir(char *out, size_t n, const char *name)
{
	assert_int_equal(mkdir(tu_path(out, n, tmp, name), 0700), 0);
}

static int tmp_setup(void **state)
{
	(void)state;
	return tu_mkdtemp(tmp, sizeof(tmp), "test_clients") == NULL ? -1 : 0;
}

static int tmp_teardown(void **state)
{
	(void)state;
	tu_rm_rf(tmp);
	return 0;
}

static struct clientset *load_ok(const char *dir)
{
	struct errbuf eb = {0};
	struct clientset *cs = NULL;
	int r = clients_load(dir, &cs, &eb);

	if (r != 0)
		print_error("unexpected refusal: %s\n", eb.msg);
	assert_int_equal(r, 0);
	assert_non_null(cs);
	return cs;
}

static void load_refused(const char *dir, int code, const char *want)
{
	struct clientset *sentinel = (struct clientset *)&tmp, *cs = sentinel;
	struct errbuf eb = {0};
	int r = clients_load(dir, &cs, &eb);

	if (r == 0)
		clients_free(cs);
	if (r == 0 || strstr(eb.msg, want) == NULL)
		print_error("r=%d\n  got:  \"%s\"\n  want: \"%s\"\n", r, eb.msg, want);
	assert_int_equal(r, code);
	assert_ptr_equal(cs, sentinel);
	assert_non_null(strstr(eb.msg, want));
}

/* ---- accepted registrations ---------------------------------------------------------------- */

static void test_parse_accepts_minimal_client_secret_basic_with_defaults(void **state)
{
	struct client *c = parse_ok("{" BASE "}");

	(void)state;
	assert_string_equal(c->id, "rp1");
	assert_string_equal(c->name, "RP One");
	assert_string_equal(c->file, FILE_NAME);
	assert_int_equal(c->auth, CLIENT_AUTH_SECRET_BASIC);
	assert_int_equal(c->has_secret, 1);
	assert_null(c->keys);
	assert_int_equal(c->nkeys, 0);
	assert_string_equal(c->redirect_uris[0], "https://rp.example/cb");
	assert_null(c->redirect_uris[1]);
	assert_non_null(c->post_logout_redirect_uris);
	assert_null(c->post_logout_redirect_uris[0]);
	assert_int_equal(c->grants, GRANT_AUTHORIZATION_CODE);
	assert_int_equal(c->scopes, SCOPE_OPENID);
	assert_int_equal(c->id_token_alg, KEY_ES256);
	assert_int_equal(c->require_acr, 0);
	assert_null(c->backchannel_logout_uri);
	assert_int_equal(c->backchannel_logout_session_required, 0);
	assert_string_equal(c->sector, "rp.example");
	assert_int_equal(c->require_pkce, 1);
	assert_int_equal(c->require_par, 0);
	client_free(c);
}

static void test_parse_accepts_client_secret_post(void **state)
{
	struct client *c = parse_ok("{" BASE ",'token_endpoint_auth_method':'client_secret_post'}");

	(void)state;
	assert_int_equal(c->auth, CLIENT_AUTH_SECRET_POST);
	assert_int_equal(c->has_secret, 1);
	assert_int_equal(clients_secret_ok(c, TEST_SECRET, strlen(TEST_SECRET)), 1);
	client_free(c);
}

static void test_parse_accepts_private_key_jwt_with_inline_jwks(void **state)
{
	struct client *c = parse_ok("{" PKJWT ",'jwks':{'keys':[{" EC_PUB ",'kid':'ec-1'},{" RSA_PUB
				    ",'kid':'rsa-1','use':'sig'}]}}");

	(void)state;
	assert_int_equal(c->auth, CLIENT_AUTH_PRIVATE_KEY_JWT);
	assert_int_equal(c->has_secret, 0);
	assert_int_equal(c->nkeys, 2);
	assert_non_null(c->keys[0].pkey);
	assert_int_equal(c->keys[0].alg, KEY_ES256);
	assert_string_equal(c->keys[0].kid, "ec-1");
	assert_int_equal(c->keys[1].alg, KEY_RS256);
	assert_ptr_equal(clients_key_find(c, "rsa-1"), &c->keys[1]);
	assert_ptr_equal(clients_key_find(c, "ec-1"), &c->keys[0]);
	assert_null(clients_key_find(c, "nope"));
	assert_null(clients_key_find(c, NULL)); /* two keys: a kid is needed */
	assert_int_equal(clients_secret_ok(c, TEST_SECRET, strlen(TEST_SECRET)), 0);
	client_free(c);
}

static void test_parse_accepts_single_key_without_kid_lookup(void **state)
{
	struct client *c = parse_ok("{" PKJWT ",'jwks':{'keys':[{" EC_PUB "}]},"
				    "'token_endpoint_auth_signing_alg':'ES256'}");

	(void)state;
	assert_int_equal(c->nkeys, 1);
	assert_true(strlen(c->keys[0].kid) > 0); /* the thumbprint */
	assert_ptr_equal(clients_key_find(c, NULL), &c->keys[0]);
	client_free(c);
}

static void test_parse_accepts_jwks_file_relative_to_the_registration(void **state)
{
	char reg[128], keys[128], file[256];
	struct client *c;

	(void)state;
	subdir(reg, sizeof(reg), "clients");
	subdir(keys, sizeof(keys), "keys");
	write_json(keys, "rp.jwks.json", "{'keys':[{" EC_PUB ",'kid':'from-file'}],'other':1}");
	snprintf(file, sizeof(file), "%s/rp.json", reg);
	c = parse_ok_at("{" PKJWT ",'jwks_file':'../keys/rp.jwks.json'}", file);
	assert_int_equal(c->nkeys, 1);
	assert_string_equal(c->keys[0].kid, "from-file");
	assert_int_equal(c->keys[0].alg, KEY_ES256);
	client_free(c);
}

static void test_parse_accepts_jwks_file_with_absolute_path(void **state)
{
	char json[512];
	struct client *c;

	(void)state;
	write_json(tmp, "abs.jwks.json", "{'keys':[{" RSA_PUB "}]}");
	snprintf(json, sizeof(json), "{" PKJWT ",'jwks_file':'%s/abs.jwks.json'}", tmp);
	c = parse_ok_at(json, "elsewhere/rp.json");
	assert_int_equal(c->nkeys, 1);
	assert_int_equal(c->keys[0].alg, KEY_RS256);
	client_free(c);
}

static void test_parse_accepts_every_field(void **state)
{
	struct client *c = parse_ok(
	    "{'client_id':'Bank_1.x-y','client_name':'Ngân hàng Demo',"
	    "'token_endpoint_auth_method':'private_key_jwt',"
	    "'jwks':{'keys':[{" RSA_PUB "}]},'token_endpoint_auth_signing_alg':'RS256',"
	    "'grant_types':['authorization_code','refresh_token','urn:openid:params:grant-type:"
	    "ciba'],"
	    "'response_types':['code'],"
	    "'redirect_uris':['https://a.bank.example/cb','https://b.bank.example:8443/cb?x=1'],"
	    "'post_logout_redirect_uris':['https://a.bank.example/bye'],"
	    "'scope':'openid profile phone address citizen_id offline_access',"
	    "'id_token_signed_response_alg':'RS256','require_acr':'urn:eid:level:2',"
	    "'backchannel_logout_uri':'https://a.bank.example/bcl',"
	    "'backchannel_logout_session_required':true,'sector_identifier':'Bank.Example',"
	    "'require_pkce':false,'require_pushed_authorization_requests':true}");

	(void)state;
	assert_string_equal(c->id, "Bank_1.x-y");
	assert_string_equal(c->name, "Ngân hàng Demo");
	assert_int_equal(c->grants, GRANT_AUTHORIZATION_CODE | GRANT_REFRESH_TOKEN | GRANT_CIBA);
	assert_int_equal(c->scopes, SCOPE_OPENID | SCOPE_PROFILE | SCOPE_PHONE | SCOPE_ADDRESS |
					SCOPE_CITIZEN_ID | SCOPE_OFFLINE_ACCESS);
	assert_int_equal(c->id_token_alg, KEY_RS256);
	assert_int_equal(c->require_acr, 2);
	assert_string_equal(c->backchannel_logout_uri, "https://a.bank.example/bcl");
	assert_int_equal(c->backchannel_logout_session_required, 1);
	assert_string_equal(c->sector, "bank.example"); /* lower case */
	assert_int_equal(c->require_pkce, 0);
	assert_int_equal(c->require_par, 1);
	assert_string_equal(c->post_logout_redirect_uris[0], "https://a.bank.example/bye");
	client_free(c);
}

static void
test_parse_accepts_admin_client_credentials_client_with_client_id_as_sector(void **state)
{
	struct client *c = parse_ok("{" ID_NAME ",'token_endpoint_auth_method':'private_key_jwt',"
				    "'jwks':{'keys':[{" EC_PUB "}]},'grant_types':['client_credentials'],"
				    "'scope':'admin','admin_role':'officer'}");

	(void)state;
	assert_int_equal(c->grants, GRANT_CLIENT_CREDENTIALS);
	assert_int_equal(c->scopes, SCOPE_ADMIN);
	assert_int_equal(c->role, ROLE_OFFICER);
	assert_null(c->redirect_uris[0]);
	assert_string_equal(c->sector, "rp1");
	client_free(c);
}

static void test_parse_refuses_admin_without_role_or_key_and_role_without_admin(void **state)
{
	(void)state;
	refused("{" ID_NAME ",'token_endpoint_auth_method':'private_key_jwt','jwks':{'keys':[{" EC_PUB
		"}]},'grant_types':['client_credentials'],'scope':'admin'}",
		"admin_role: missing (officer, admin or auditor: scope admin needs one)");
	refused("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','grant_types':"
		"['client_credentials'],'scope':'admin','admin_role':'admin'}",
		"scope: admin needs token_endpoint_auth_method private_key_jwt");
	refused("{" BASE ",'admin_role':'admin'}", "admin_role: only for a client with scope admin");
	refused("{" ID_NAME ",'token_endpoint_auth_method':'private_key_jwt','jwks':{'keys':[{" EC_PUB
		"}]},'grant_types':['client_credentials'],'scope':'admin','admin_role':'root'}",
		"admin_role: unknown value \"root\"");
}

static void test_parse_accepts_http_only_on_loopback_hosts(void **state)
{
	struct client *c =
	    parse_ok("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':"
		     "['http://127.0.0.1:8081/callback','http://127.0.0.1/cb']}");

	(void)state;
	assert_string_equal(c->sector, "127.0.0.1");
	client_free(c);
	c = parse_ok("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':"
		     "['http://[::1]:8081/cb']}");
	assert_string_equal(c->sector, "[::1]");
	client_free(c);
	c = parse_ok("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':"
		     "['http://LocalHost:8081/cb','https://localhost/x']}");
	assert_string_equal(c->sector, "localhost"); /* hosts compare without case */
	client_free(c);
}

static void test_parse_accepts_several_redirect_hosts_with_sector_identifier(void **state)
{
	struct client *c =
	    parse_ok("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "',"
		     "'redirect_uris':['https://a.example/cb','https://b.example/cb'],"
		     "'sector_identifier':'example'}");

	(void)state;
	assert_string_equal(c->sector, "example");
	client_free(c);
}

static void test_parse_restores_the_callers_errbuf_file(void **state)
{
	struct errbuf eb = {"config/authd.json", ""};
	struct client *c = NULL;
	json_t *j = jq("{" BASE ",'bogus':1}");

	(void)state;
	assert_int_equal(clients_parse(j, "clients/x.json", &c, &eb), E_INVALID);
	assert_string_equal(eb.msg, "clients/x.json: bogus: unknown key");
	assert_string_equal(eb.file, "config/authd.json");
	assert_int_equal(clients_parse(j, "clients/x.json", &c, NULL), E_INVALID); /* NULL eb */
	json_decref(j);
}

/* ---- refusals: identity -------------------------------------------------------------------- */

static void test_parse_refuses_a_non_object(void **state)
{
	(void)state;
	refused("['client_id']", "t.json: must be a JSON object");
}

static void test_parse_refuses_missing_client_id(void **state)
{
	(void)state;
	refused("{'client_name':'x','client_secret_hash':'" TEST_HASH "',"
		"'redirect_uris':['https://rp.example/cb']}",
		"clients/t.json: client_id: missing");
}

static void test_parse_refuses_client_id_with_other_characters(void **state)
{
	static const char *const bad[] = {"rp 1", "rp/1", "rp:1", "rp%201", "rp+1", "ví-dụ", "a@b"};
	char json[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{'client_id':'%s','client_name':'x'}", bad[i]);
		refused(json, "client_id: may only contain A-Z a-z 0-9 . _ -");
	}
	refused("{'client_id':'','client_name':'x'}", "client_id: must not be empty");
	refused("{'client_id':'a\\u0001b','client_name':'x'}", "client_id: contains a control");
}

static void test_parse_refuses_too_long_client_id(void **state)
{
	char json[512], id[LIM_CLIENT_ID + 2];

	(void)state;
	memset(id, 'a', LIM_CLIENT_ID);
	id[LIM_CLIENT_ID] = '\0';
	snprintf(json, sizeof(json),
		 "{'client_id':'%s','client_name':'x',"
		 "'client_secret_hash':'" TEST_HASH "','redirect_uris':"
		 "['https://rp.example/cb']}",
		 id);
	client_free(parse_ok(json)); /* exactly at the limit */
	id[LIM_CLIENT_ID] = 'a';
	id[LIM_CLIENT_ID + 1] = '\0';
	snprintf(json, sizeof(json), "{'client_id':'%s','client_name':'x'}", id);
	refused(json, "client_id: longer than 128 bytes");
}

static void test_parse_refuses_empty_blank_or_too_long_client_name(void **state)
{
	char json[512], name[LIM_CLIENT_NAME + 2];

	(void)state;
	refused("{'client_id':'rp1'}", "client_name: missing");
	refused("{'client_id':'rp1','client_name':''}", "client_name: must not be empty");
	refused("{'client_id':'rp1','client_name':'   '}", "client_name: must not be blank");
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(json, sizeof(json), "{'client_id':'rp1','client_name':'%s'}", name);
	refused(json, "client_name: longer than 200 bytes");
}

static void test_parse_refuses_client_name_with_invisible_or_bidi_characters(void **state)
{
	(void)state;
	/* "Bank" then RIGHT-TO-LEFT OVERRIDE: what the citizen reads is not what is registered. */
	refused("{'client_id':'rp1','client_name':'Bank \\u202Egnp.exe'}",
		"client_name: contains an invisible or direction-changing character (U+202E)");
	refused("{'client_id':'rp1','client_name':'Ba\\u200Bnk'}", "(U+200B)");
	refused("{'client_id':'rp1','client_name':'Bank\\u0085'}", "(U+0085)");
	refused("{'client_id':'rp1','client_name':'\\uFEFFBank'}", "(U+FEFF)");
	refused("{'client_id':'rp1','client_name':'Bank\\nTwo'}",
		"client_name: contains a control");
}

static void test_parse_refuses_client_name_that_is_not_utf8(void **state)
{
	static const char *const bad[] = {"Bank\xf0", "Bank\xc3", "Bank\xe1\xba", "\xff",
					  "\xc0\xaf"};
	struct client *c = NULL;

	(void)state;
	/* jansson refuses these when it parses; a caller that built its own json_t might not. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct errbuf eb = {0};
		json_t *j = jq("{'client_id':'rp1'}");

		json_object_set_new(j, "client_name", json_stringn_nocheck(bad[i], strlen(bad[i])));
		assert_int_equal(clients_parse(j, FILE_NAME, &c, &eb), E_INVALID);
		assert_string_equal(eb.msg, FILE_NAME ": client_name: is not valid UTF-8");
		assert_null(c);
		json_decref(j);
	}
}

static void test_parse_refuses_unknown_keys(void **state)
{
	(void)state;
	refused("{" BASE ",'redirect_uri':'https://rp.example/cb'}",
		"clients/t.json: redirect_uri: unknown key");
	refused("{" BASE ",'jwks_uri':'https://rp.example/jwks'}", "jwks_uri: unknown key");
	refused("{" BASE ",'client_secret':'hunter2'}",
		"client_secret: unknown key (register client_secret_hash, never the secret)");
}

static void test_parse_refuses_wrong_types(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
	    {"{'client_id':5,'client_name':'x'}", "client_id: must be a string"},
	    {"{'client_id':'rp1','client_name':null}", "client_name: must be a string"},
	    {"{" ID_NAME ",'token_endpoint_auth_method':3}",
	     "token_endpoint_auth_method: must be a string"},
	    {"{" ID_NAME ",'client_secret_hash':['x']}", "client_secret_hash: must be a string"},
	    {"{" BASE ",'grant_types':'authorization_code'}",
	     "grant_types: must be an array of strings"},
	    {"{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':'https://a/cb'}",
	     "redirect_uris: must be an array of strings"},
	    {"{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':[1]}",
	     "redirect_uris[0]: must be a string"},
	    {"{" BASE ",'scope':['openid']}", "scope: must be a string"},
	    {"{" BASE ",'require_pkce':'yes'}", "require_pkce: must be true or false"},
	    {"{" BASE ",'require_pushed_authorization_requests':1}",
	     "require_pushed_authorization_requests: must be true or false"},
	    {"{" BASE ",'backchannel_logout_uri':'https://rp.example/l',"
	     "'backchannel_logout_session_required':'true'}",
	     "backchannel_logout_session_required: must be true or false"},
	    {"{" PKJWT ",'jwks':[{" EC_PUB "}]}", "jwks: must be an object"},
	    {"{" PKJWT ",'jwks':{'keys':{" EC_PUB "}}}", "jwks.keys: must be an array"},
	    {"{" PKJWT ",'jwks':{'keys':['k']}}", "jwks.keys[0]: must be an object"},
	    {"{" PKJWT ",'jwks_file':7}", "jwks_file: must be a string"},
	    {"{" BASE ",'require_acr':2}", "require_acr: must be a string"},
	    {"{" BASE ",'sector_identifier':true}", "sector_identifier: must be a string"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refused(cases[i].json, cases[i].want);
}

/* ---- refusals: client authentication ------------------------------------------------------- */

static void test_parse_refuses_unknown_auth_method(void **state)
{
	(void)state;
	refused("{" BASE ",'token_endpoint_auth_method':'client_secret_jwt'}",
		"token_endpoint_auth_method: unknown value \"client_secret_jwt\" (expected "
		"\"client_secret_basic\", \"client_secret_post\" or \"private_key_jwt\")");
	refused("{" BASE ",'token_endpoint_auth_method':'none'}",
		"token_endpoint_auth_method: unknown value \"none\"");
}

static void test_parse_refuses_missing_secret_for_client_secret_methods(void **state)
{
	(void)state;
	refused("{" ID_NAME ",'redirect_uris':['https://rp.example/cb']}",
		"client_secret_hash: missing (required for client_secret_basic)");
	refused("{" ID_NAME ",'token_endpoint_auth_method':'client_secret_post',"
		"'redirect_uris':['https://rp.example/cb']}",
		"client_secret_hash: missing (required for client_secret_post)");
}

static void test_parse_refuses_malformed_secret_hash(void **state)
{
	static const char *const bad[] = {
	    "d3GgzsEnn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu4",	   /* no prefix */
	    "sha1:d3GgzsEnn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu4",	   /* other prefix */
	    "SHA256:d3GgzsEnn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu4",  /* prefix is lower case */
	    "sha256:d3GgzsEnn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu",   /* one short */
	    "sha256:d3GgzsEnn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu4A", /* one long */
	    "sha256:d3GgzsEnn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu4=", /* padding */
	    "sha256:d3Ggzs+nn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu4",  /* base64, not base64url */
	    "sha256:d3GgzsEnn4yoeKZsaU8zRLFr7oEox4uO9f0GVrNbAu5",  /* non-canonical last char */
	    "sha256:",
	    "sha256:correct-horse-battery-staple-0123456789", /* the secret itself */
	};
	char json[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{" ID_NAME ",'client_secret_hash':'%s'}", bad[i]);
		refused(json, "client_secret_hash: must be \"sha256:\" followed by the unpadded "
			      "base64url SHA-256 of the secret (43 characters)");
	}
}

static void test_parse_refuses_secret_hash_with_private_key_jwt(void **state)
{
	(void)state;
	refused("{" PKJWT ",'client_secret_hash':'" TEST_HASH "','jwks':{'keys':[{" EC_PUB "}]}}",
		"client_secret_hash: not allowed with private_key_jwt");
}

static void test_parse_refuses_private_key_jwt_without_jwks(void **state)
{
	(void)state;
	refused("{" PKJWT "}", "jwks: missing (private_key_jwt needs jwks or jwks_file)");
}

static void test_parse_refuses_both_jwks_and_jwks_file(void **state)
{
	(void)state;
	refused("{" PKJWT ",'jwks':{'keys':[{" EC_PUB "}]},'jwks_file':'k.json'}",
		"jwks_file: not allowed together with jwks");
}

static void test_parse_refuses_jwks_or_jwks_file_with_client_secret_methods(void **state)
{
	(void)state;
	refused("{" BASE ",'jwks':{'keys':[{" EC_PUB "}]}}",
		"jwks: only allowed with private_key_jwt");
	refused("{" BASE ",'jwks_file':'k.json'}", "jwks_file: only allowed with private_key_jwt");
	refused("{" BASE ",'token_endpoint_auth_signing_alg':'ES256'}",
		"token_endpoint_auth_signing_alg: only allowed with private_key_jwt");
}

static void test_parse_refuses_jwks_with_a_private_key(void **state)
{
	(void)state;
	refused("{" PKJWT ",'jwks':{'keys':[{" EC_PUB "," EC_D "}]}}", "jwks.keys[0].d");
	refused("{" PKJWT ",'jwks':{'keys':[{" EC_PUB "},{" EC_PUB "," EC_D ",'kid':'x'}]}}",
		"jwks.keys[1].d");
}

static void test_parse_refuses_jwks_with_no_keys_or_too_many(void **state)
{
	char json[4096];
	size_t o;

	(void)state;
	refused("{" PKJWT ",'jwks':{}}", "jwks.keys: missing");
	refused("{" PKJWT ",'jwks':{'keys':[]}}", "jwks.keys: must not be empty");
	o = (size_t)snprintf(json, sizeof(json), "{" PKJWT ",'jwks':{'keys':[");
	for (int i = 0; i <= LIM_JWKS_KEYS; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o, "%s{" EC_PUB ",'kid':'k%d'}",
				      i ? "," : "", i);
	snprintf(json + o, sizeof(json) - o, "]}}");
	refused(json, "jwks.keys: more than 8 keys");
}

static void test_parse_refuses_jwks_with_a_duplicate_kid(void **state)
{
	(void)state;
	refused("{" PKJWT ",'jwks':{'keys':[{" EC_PUB ",'kid':'a'},{" RSA_PUB ",'kid':'a'}]}}",
		"jwks.keys[1]: duplicate kid \"a\"");
	refused("{" PKJWT ",'jwks':{'keys':[{" EC_PUB "},{" EC_PUB "}]}}", /* same thumbprint */
		"jwks.keys[1]: duplicate kid");
}

static void test_parse_refuses_signing_alg_that_a_key_does_not_have(void **state)
{
	(void)state;
	refused("{" PKJWT ",'jwks':{'keys':[{" RSA_PUB ",'kid':'r'},{" EC_PUB ",'kid':'e'}]},"
		"'token_endpoint_auth_signing_alg':'RS256'}",
		"token_endpoint_auth_signing_alg: is RS256, but key 1 (kid \"e\") is an ES256 key");
	refused("{" PKJWT ",'jwks':{'keys':[{" EC_PUB
		"}]},'token_endpoint_auth_signing_alg':'HS256'}",
		"token_endpoint_auth_signing_alg: unknown value \"HS256\" (expected \"ES256\" or "
		"\"RS256\")");
	refused("{" PKJWT ",'jwks':{'keys':[{" EC_PUB
		"}]},'token_endpoint_auth_signing_alg':'none'}",
		"token_endpoint_auth_signing_alg: unknown value \"none\"");
}

static void test_parse_refuses_missing_or_broken_jwks_file(void **state)
{
	char reg[128], file[256];

	(void)state;
	subdir(reg, sizeof(reg), "clients");
	snprintf(file, sizeof(file), "%s/rp.json", reg);
	refused_at("{" PKJWT ",'jwks_file':'../keys/none.json'}", file, E_IO,
		   "jwks_file: ../keys/none.json: cannot open: No such file or directory");
	write_file(reg, "broken.jwks.json", "{\"keys\": [");
	refused_at("{" PKJWT ",'jwks_file':'broken.jwks.json'}", file, E_INVALID,
		   "jwks_file: broken.jwks.json: line 1:");
	write_json(reg, "priv.jwks.json", "{'keys':[{" EC_PUB "," EC_D "}]}");
	refused_at("{" PKJWT ",'jwks_file':'priv.jwks.json'}", file, E_INVALID,
		   "jwks_file: priv.jwks.json: keys[0].d");
	write_json(reg, "nokeys.jwks.json", "{'key':[]}");
	refused_at("{" PKJWT ",'jwks_file':'nokeys.jwks.json'}", file, E_INVALID,
		   "jwks_file: nokeys.jwks.json: keys: missing");
}

/* ---- refusals: redirect URIs --------------------------------------------------------------- */

static void test_parse_refuses_bad_redirect_uris(void **state)
{
	static const struct {
		const char *uri, *want;
	} cases[] = {
	    {"https://rp.example/cb#frag", "must not contain a fragment"},
	    {"https://rp.example/cb#", "must not contain a fragment"},
	    {"https://user:pw@rp.example/cb", "must not contain userinfo (user@host)"},
	    {"https://@rp.example/cb", "must not contain userinfo"},
	    {"http://rp.example/cb", "http is only allowed for the loopback hosts"},
	    {"http://127.0.0.2/cb", "http is only allowed for the loopback hosts"},
	    {"http://localhost.evil.example/cb", "http is only allowed for the loopback hosts"},
	    {"http://127.0.0.1.evil.example/cb", "http is only allowed for the loopback hosts"},
	    {"/cb", "must be an absolute URI"},
	    {"rp.example/cb", "must be an absolute URI"},
	    {"//rp.example/cb", "must be an absolute URI"},
	    {"https:/rp.example/cb", "must be an absolute URI with a host"},
	    {"https:rp.example", "must be an absolute URI with a host"},
	    {"https://*.rp.example/cb", "contains '*': wildcards are not allowed"},
	    {"https://rp.example/*", "contains '*': wildcards are not allowed"},
	    {"https://rp.example\\\\@evil.example/cb", "contains a backslash"}, /* JSON \\\\ */
	    {"https://rp.example/c\\\\b", "contains a backslash"},
	    {"https://rp.example/c b", "contains a space"},
	    /* control characters: js_str_list refuses them first, in its own words */
	    {"https://rp.example/cb\\t", "must be 1..2048 printable bytes"},
	    {"https://rp.example/cb\\u007f", "must be 1..2048 printable bytes"},
	    {"https://bánh.example/cb", "contains a non-ASCII byte"},
	    {"https:///cb", "has an empty host"},
	    {"https://:443/cb", "has an empty host"},
	    {"https://rp_example/cb", "has an invalid host"},
	    {"https://rp.example%2f/cb", "has an invalid host"},
	    {"https://[::1/cb", "has a malformed IPv6 host"},
	    {"https://[]/cb", "has a malformed IPv6 host"},
	    {"https://[::1]x/cb", "has an invalid port"},
	    {"https://rp.example:/cb", "has an invalid port"},
	    {"https://rp.example:0/cb", "has an invalid port (1..65535)"},
	    {"https://rp.example:65536/cb", "has an invalid port (1..65535)"},
	    {"https://rp.example:123456/cb", "has an invalid port"},
	    {"https://rp.example:8a/cb", "has an invalid port"},
	    {"https://rp.example/cb?x=[1]", "contains '[' or ']' outside the host"},
	    {"https://rp.example/<script>", "contains '<', which must be percent-encoded"},
	    {"https://rp.example/cb%zz", "has a malformed percent-encoding"},
	    {"https://rp.example/cb%2", "has a malformed percent-encoding"},
	    {"javascript:alert(1)", "must be an absolute URI with a host"},
	    {"ftp://rp.example/cb", "scheme must be https"},
	    {"com.example.app://cb", "scheme must be https"},
	    {"", "must be 1..2048 printable bytes"},
	};
	char json[512], want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json),
			 "{" ID_NAME ",'client_secret_hash':'" TEST_HASH "',"
			 "'redirect_uris':['https://rp.example/ok','%s']}",
			 cases[i].uri);
		snprintf(want, sizeof(want), "clients/t.json: redirect_uris[1]: %s", cases[i].want);
		refused(json, want);
	}
}

static void test_parse_refuses_too_long_redirect_uri(void **state)
{
	size_t n = LIM_URI + 1, o;
	char *json = malloc(n + 256);

	(void)state;
	assert_non_null(json);
	o = (size_t)sprintf(json, "{" BASE ",'post_logout_redirect_uris':['https://rp.example/");
	memset(json + o, 'a', n - strlen("https://rp.example/"));
	o += n - strlen("https://rp.example/");
	strcpy(json + o, "']}");
	refused(json, "post_logout_redirect_uris[0]: must be 1..2048 printable bytes");
	free(json);
}

static void test_parse_refuses_duplicate_or_too_many_redirect_uris(void **state)
{
	char json[4096];
	size_t o;

	(void)state;
	refused("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':"
		"['https://rp.example/cb','https://rp.example/cb']}",
		"redirect_uris[1]: duplicate \"https://rp.example/cb\"");
	o = (size_t)snprintf(json, sizeof(json),
			     "{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':[");
	for (int i = 0; i <= LIM_REDIRECTS; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o, "%s'https://rp.example/%d'",
				      i ? "," : "", i);
	snprintf(json + o, sizeof(json) - o, "]}");
	refused(json, "redirect_uris: more than 32 entries");
}

static void test_parse_refuses_missing_redirect_uris_with_authorization_code(void **state)
{
	(void)state;
	refused("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "'}",
		"redirect_uris: missing (required with the authorization_code grant)");
	refused("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':[]}",
		"redirect_uris: must not be empty (required with the authorization_code grant)");
}

static void test_parse_refuses_bad_post_logout_and_backchannel_uris(void **state)
{
	(void)state;
	refused("{" BASE
		",'post_logout_redirect_uris':['https://rp.example/','http://rp.example/']}",
		"post_logout_redirect_uris[1]: http is only allowed for the loopback hosts");
	refused("{" BASE ",'backchannel_logout_uri':'http://rp.example/bcl'}",
		"backchannel_logout_uri: http is only allowed for the loopback hosts");
	refused("{" BASE ",'backchannel_logout_uri':'https://rp.example/bcl#x'}",
		"backchannel_logout_uri: must not contain a fragment");
	refused("{" BASE ",'backchannel_logout_session_required':true}",
		"backchannel_logout_session_required: needs backchannel_logout_uri");
}

/* ---- refusals: grants and scopes ----------------------------------------------------------- */

static void test_parse_refuses_unknown_or_empty_grant_types(void **state)
{
	(void)state;
	refused("{" BASE ",'grant_types':['authorization_code','password']}",
		"grant_types[1]: unknown grant type \"password\"");
	refused("{" BASE ",'grant_types':['implicit']}",
		"grant_types[0]: unknown grant type \"implicit\"");
	refused("{" BASE ",'grant_types':[]}", "grant_types: must not be empty");
	refused("{" BASE ",'grant_types':['refresh_token','refresh_token']}",
		"grant_types[1]: duplicate \"refresh_token\"");
}

static void test_parse_refuses_response_types_other_than_code(void **state)
{
	(void)state;
	refused("{" BASE ",'response_types':['token']}", "response_types: only [\"code\"]");
	refused("{" BASE ",'response_types':['code id_token']}", "response_types: only [\"code\"]");
	refused("{" BASE ",'response_types':['code','token']}", "response_types: only [\"code\"]");
	refused("{" BASE ",'response_types':[]}", "response_types: only [\"code\"]");
}

static void test_parse_refuses_offline_access_without_refresh_token_grant(void **state)
{
	(void)state;
	refused("{" BASE ",'scope':'openid offline_access'}",
		"scope: offline_access needs the refresh_token grant in grant_types");
}

static void test_parse_refuses_admin_scope_outside_client_credentials_only(void **state)
{
	(void)state;
	refused("{" BASE ",'scope':'openid admin'}",
		"scope: admin is only allowed when grant_types is [\"client_credentials\"]");
	refused("{" BASE ",'grant_types':['authorization_code','client_credentials'],"
		"'scope':'openid admin'}",
		"scope: admin is only allowed when grant_types is [\"client_credentials\"]");
}

static void test_parse_refuses_unknown_or_malformed_scope(void **state)
{
	(void)state;
	refused("{" BASE ",'scope':'openid email'}", "scope: unknown scope \"email\"");
	refused("{" BASE ",'scope':'openid  profile'}", "scope: has an empty scope");
	refused("{" BASE ",'scope':' openid'}", "scope: has an empty scope");
	refused("{" BASE ",'scope':'openid '}", "scope: has an empty scope");
	refused("{" BASE ",'scope':'openid\\u00a0profile'}", "scope: contains a character not");
	refused("{" BASE ",'scope':''}", "scope: must not be empty");
}

static void test_parse_refuses_openid_missing_for_user_grants(void **state)
{
	(void)state;
	refused("{" BASE ",'scope':'profile'}",
		"scope: must include openid (required with the authorization_code grant)");
	refused("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "',"
		"'grant_types':['urn:openid:params:grant-type:ciba'],'scope':'profile'}",
		"scope: must include openid (required with the CIBA grant)");
}

/* ---- refusals: the rest -------------------------------------------------------------------- */

static void test_parse_refuses_several_redirect_hosts_without_sector_identifier(void **state)
{
	(void)state;
	refused("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "','redirect_uris':"
		"['https://a.example/cb','https://A.example/x','https://b.example/cb']}",
		"sector_identifier: missing (redirect_uris use several hosts, a.example and "
		"b.example; OpenID Connect Core §8.1)");
}

static void test_parse_refuses_sector_identifier_that_is_not_a_host_name(void **state)
{
	static const char *const bad[] = {"https://rp.example",
					  "rp.example/x",
					  ".rp.example",
					  "rp..example",
					  "rp.example.",
					  "rp example",
					  "*"};
	char json[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{" BASE ",'sector_identifier':'%s'}", bad[i]);
		refused(json, "sector_identifier: must be a host name");
	}
}

static void test_parse_refuses_unknown_acr_or_id_token_alg(void **state)
{
	(void)state;
	refused("{" BASE ",'require_acr':'urn:eid:level:3'}",
		"require_acr: unknown value \"urn:eid:level:3\" (expected \"urn:eid:level:1\" or "
		"\"urn:eid:level:2\")");
	refused("{" BASE ",'id_token_signed_response_alg':'none'}",
		"id_token_signed_response_alg: unknown value \"none\"");
	refused("{" BASE ",'id_token_signed_response_alg':'HS256'}",
		"id_token_signed_response_alg: unknown value \"HS256\"");
}

/* ---- the directory ------------------------------------------------------------------------- */

static void test_load_reads_only_json_files_and_sorts_by_client_id(void **state)
{
	char sub[128];
	struct clientset *cs;

	(void)state;
	write_json(tmp, "b.json",
		   "{'client_id':'zeta','client_name':'Z','client_secret_hash':'" TEST_HASH
		   "','grant_types':['client_credentials']}");
	write_json(tmp, "a.json",
		   "{'client_id':'alpha','client_name':'A','client_secret_hash':'" TEST_HASH
		   "','grant_types':['client_credentials']}");
	write_file(tmp, "README.md", "not a registration");
	write_file(tmp, "c.json.bak", "{ broken");
	write_file(tmp, "c.json~", "{ broken");
	write_file(tmp, ".hidden.json", "{ broken");
	write_file(tmp, ".json", "{ broken");
	write_file(tmp, "d.JSON", "{ broken");
	subdir(sub, sizeof(sub), "sub");
	write_file(sub, "e.json", "{ broken");
	cs = load_ok(tmp);
	assert_int_equal(cs->n, 2);
	assert_string_equal(cs->v[0]->id, "alpha");
	assert_string_equal(cs->v[1]->id, "zeta");
	assert_non_null(strstr(cs->v[0]->file, "/a.json"));
	clients_free(cs);
}

static void test_load_accepts_an_empty_dir(void **state)
{
	struct clientset *cs = load_ok(tmp);

	(void)state;
	assert_int_equal(cs->n, 0);
	assert_null(clients_find(cs, "demo-rp"));
	clients_free(cs);
	clients_free(NULL);
}

static void test_load_refuses_a_missing_dir(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/nope", tmp);
	load_refused(path, E_IO, "nope: cannot open directory: No such file or directory");
}

static void test_load_refuses_a_client_id_registered_twice_naming_both_files(void **state)
{
	char want[512];

	(void)state;
	write_json(tmp, "one.json", "{" BASE "}");
	write_json(tmp, "mid.json",
		   "{'client_id':'other','client_name':'O','client_secret_hash':'" TEST_HASH
		   "','grant_types':['client_credentials']}");
	write_json(tmp, "two.json",
		   "{'client_id':'rp1','client_name':'RP One again',"
		   "'client_secret_hash':'" TEST_HASH "',"
		   "'grant_types':['client_credentials']}");
	snprintf(want, sizeof(want),
		 "%s/two.json: client_id: \"rp1\" is already registered in "
		 "%s/one.json",
		 tmp, tmp);
	load_refused(tmp, E_INVALID, want);
}

static void test_load_names_the_file_of_a_bad_registration(void **state)
{
	char want[256];

	(void)state;
	write_json(tmp, "a.json", "{" BASE "}");
	write_json(tmp, "bank.json",
		   "{'client_id':'bank','client_name':'Bank','client_secret_hash':'" TEST_HASH
		   "','redirect_uris':['https://b.example/cb',"
		   "'https://b.example/cb#x']}");
	snprintf(want, sizeof(want), "%s/bank.json: redirect_uris[1]: must not contain a fragment",
		 tmp);
	load_refused(tmp, E_INVALID, want);
}

static void test_load_names_the_file_with_a_json_error(void **state)
{
	char want[256];

	(void)state;
	write_file(tmp, "x.json", "{\"client_id\": \"a\", \"client_id\": \"b\"}");
	snprintf(want, sizeof(want), "%s/x.json: line 1:", tmp);
	load_refused(tmp, E_INVALID, want);
	write_file(tmp, "x.json", "[1, 2]");
	snprintf(want, sizeof(want), "%s/x.json: must be a JSON object", tmp);
	load_refused(tmp, E_INVALID, want);
}

static void test_load_with_a_trailing_slash_names_files_cleanly(void **state)
{
	char dir[128], want[256];

	(void)state;
	snprintf(dir, sizeof(dir), "%s//", tmp);
	write_json(tmp, "a.json", "{" BASE ",'scope':'openid email'}");
	snprintf(want, sizeof(want), "%s/a.json: scope: unknown scope \"email\"", tmp);
	load_refused(dir, E_INVALID, want);
}

/* ---- lookups and checks -------------------------------------------------------------------- */

static void test_find_hits_every_client_and_misses_others(void **state)
{
	static const char *const ids[] = {"m", "c", "x", "a", "k", "z", "b"};
	struct clientset *cs;
	char name[32], json[512];

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(name, sizeof(name), "%s.json", ids[i]);
		snprintf(json, sizeof(json),
			 "{'client_id':'%s','client_name':'n','client_secret_hash':"
			 "'" TEST_HASH "','grant_types':['client_credentials']}",
			 ids[i]);
		write_json(tmp, name, json);
	}
	cs = load_ok(tmp);
	assert_int_equal(cs->n, sizeof(ids) / sizeof(ids[0]));
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct client *c = clients_find(cs, ids[i]);

		assert_non_null(c);
		assert_string_equal(c->id, ids[i]);
	}
	assert_null(clients_find(cs, "0"));  /* before the first */
	assert_null(clients_find(cs, "zz")); /* after the last */
	assert_null(clients_find(cs, "d"));  /* between two */
	assert_null(clients_find(cs, "M"));  /* ids are case-sensitive */
	assert_null(clients_find(cs, ""));
	assert_null(clients_find(cs, NULL));
	assert_null(clients_find(NULL, "m"));
	clients_free(cs);
}

static void test_secret_ok_accepts_only_the_exact_secret(void **state)
{
	struct client *c = parse_ok("{" BASE "}");
	struct client *k = parse_ok("{" PKJWT ",'jwks':{'keys':[{" EC_PUB "}]}}");
	const char *s = TEST_SECRET;
	size_t n = strlen(s);

	(void)state;
	assert_int_equal(clients_secret_ok(c, s, n), 1);
	assert_int_equal(clients_secret_ok(c, "correct-horse-battery-staple-0123456788", n), 0);
	assert_int_equal(clients_secret_ok(c, s, n - 1), 0);		   /* a prefix */
	assert_int_equal(clients_secret_ok(c, TEST_SECRET "x", n + 1), 0); /* longer */
	assert_int_equal(clients_secret_ok(c, "", 0), 0);
	assert_int_equal(clients_secret_ok(c, NULL, 0), 0);
	assert_int_equal(clients_secret_ok(c, TEST_HASH, strlen(TEST_HASH)), 0); /* the hash */
	assert_int_equal(clients_secret_ok(NULL, s, n), 0); /* unknown client: same work, no */
	assert_int_equal(clients_secret_ok(k, s, n), 0);    /* no secret registered */
	assert_int_equal(clients_secret_ok(k, "", 0), 0);
	client_free(c);
	client_free(k);
}

static void test_redirect_ok_matches_exactly_only(void **state)
{
	struct client *c =
	    parse_ok("{" ID_NAME ",'client_secret_hash':'" TEST_HASH "',"
		     "'redirect_uris':['https://rp.example/cb','https://rp.example/cb2?a=1'],"
		     "'post_logout_redirect_uris':['https://rp.example/']}");

	(void)state;
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/cb"), 1);
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/cb2?a=1"), 1);
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/cb/"), 0); /* slash */
	assert_int_equal(clients_redirect_ok(c, "https://RP.example/cb"), 0);  /* case */
	assert_int_equal(clients_redirect_ok(c, "HTTPS://rp.example/cb"), 0);
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/CB"), 0);
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/cb?x=1"), 0); /* query */
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/cb2?a=1&b=2"), 0);
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/cb2"), 0);
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/c"), 0); /* prefix */
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/cb#"), 0);
	assert_int_equal(clients_redirect_ok(c, "https://rp.example:443/cb"), 0); /* port */
	assert_int_equal(clients_redirect_ok(c, "https://rp.example/"), 0);	  /* a logout URI */
	assert_int_equal(clients_redirect_ok(c, ""), 0);
	assert_int_equal(clients_redirect_ok(c, NULL), 0);
	assert_int_equal(clients_redirect_ok(NULL, "https://rp.example/cb"), 0);
	assert_int_equal(clients_post_logout_redirect_ok(c, "https://rp.example/"), 1);
	assert_int_equal(clients_post_logout_redirect_ok(c, "https://rp.example"), 0);
	assert_int_equal(clients_post_logout_redirect_ok(c, "https://rp.example/cb"), 0);
	client_free(c);
}

static void test_uri_validate_names_the_caller_key(void **state)
{
	struct errbuf eb = {0};

	(void)state;
	assert_int_equal(clients_uri_validate("https://rp.example/x?y=%20", "issuer", &eb), 0);
	assert_int_equal(clients_uri_validate("https://rp.example#x", "issuer", &eb), E_INVALID);
	assert_string_equal(eb.msg, "issuer: must not contain a fragment");
	assert_int_equal(clients_uri_validate("https://a@rp.example", "x", NULL), E_INVALID);
	assert_int_equal(clients_uri_validate("https://rp.example/\t", "x", &eb), E_INVALID);
	assert_string_equal(eb.msg, "x: contains a control character");
	assert_int_equal(clients_uri_validate("https://rp.example/\x7f", "x", &eb), E_INVALID);
	assert_string_equal(eb.msg, "x: contains a control character");
	assert_int_equal(clients_uri_validate("", "x", &eb), E_INVALID);
	assert_string_equal(eb.msg, "x: must not be empty");
	assert_int_equal(clients_uri_validate("HTTPS://RP.example:8443", "x", &eb), 0);
	assert_int_equal(clients_uri_validate("http://[::1]:1/", "x", &eb), 0);
	assert_int_equal(clients_uri_validate("https://[2001:db8::1]/cb", "x", &eb), 0);
}

static void test_scope_parse_and_render_round_trip(void **state)
{
	struct errbuf eb = {0};
	unsigned bits = 0xdead;
	char buf[128];

	(void)state;
	assert_int_equal(clients_scope_parse("profile openid openid admin", &bits, &eb), 0);
	assert_int_equal(bits, SCOPE_OPENID | SCOPE_PROFILE | SCOPE_ADMIN);
	assert_int_equal(clients_scope_render(bits, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "openid profile admin");
	assert_int_equal(
	    clients_scope_render(CLIENTS_SCOPE_ALL, buf, sizeof(buf)),
	    (int)strlen("openid profile phone address citizen_id offline_access admin"));
	assert_int_equal(clients_scope_render(SCOPE_OPENID, buf, 6), E_LIMIT); /* no room for NUL */
	assert_string_equal(buf, "");
	assert_int_equal(clients_scope_render(SCOPE_OPENID, buf, 7), 6);
	assert_int_equal(clients_scope_render(0, buf, 1), 0);
	bits = 0xdead;
	assert_int_equal(clients_scope_parse("openid Profile", &bits, &eb), E_INVALID);
	assert_string_equal(eb.msg, "unknown scope \"Profile\"");
	assert_int_equal(bits, 0xdead);
	assert_string_equal(clients_scope_name(SCOPE_CITIZEN_ID), "citizen_id");
	assert_null(clients_scope_name(SCOPE_OPENID | SCOPE_PROFILE));
}

/* ---- the committed examples ---------------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
	char buf[4096];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	if (in == NULL)
		print_error("cannot open %s: run the tests from the repository root\n", from);
	assert_non_null(in);
	out = fopen(to, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* The committed registrations, copied from clients/ next to a keys/ dir holding the demo bank's
 * JWKS (what `authd keygen` writes), so bank.json's jwks_file resolves as in a checkout. */
static void test_committed_examples_load(void **state)
{
	static const char *const files[] = {"bank.json", "demo-rp.json", "tax-portal.json"};
	char reg[128], keys[128], from[128], to[256];
	struct clientset *cs;
	const struct client *c;

	(void)state;
	subdir(reg, sizeof(reg), "clients");
	subdir(keys, sizeof(keys), "keys");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(from, sizeof(from), "clients/%s", files[i]);
		snprintf(to, sizeof(to), "%s/%s", reg, files[i]);
		copy_file(from, to);
	}
	write_json(keys, "demo-bank.jwks.json",
		   "{'keys':[{" EC_PUB ",'kid':'demo-bank-1','alg':'ES256','use':'sig'}]}");
	cs = load_ok(reg);
	assert_int_equal(cs->n, 3);

	c = clients_find(cs, "demo-rp");
	assert_non_null(c);
	assert_int_equal(c->auth, CLIENT_AUTH_SECRET_BASIC);
	assert_int_equal(clients_secret_ok(c, "demo-rp-dev-secret-change-me-0123456789abcdef", 45),
			 1);
	assert_int_equal(clients_redirect_ok(c, "http://127.0.0.1:8081/callback"), 1);
	assert_int_equal(clients_post_logout_redirect_ok(c, "http://127.0.0.1:8081/"), 1);
	assert_int_equal(c->grants,
			 GRANT_AUTHORIZATION_CODE | GRANT_REFRESH_TOKEN | GRANT_CLIENT_CREDENTIALS);
	assert_int_equal(c->scopes, SCOPE_OPENID | SCOPE_PROFILE | SCOPE_PHONE | SCOPE_ADDRESS |
					SCOPE_CITIZEN_ID | SCOPE_OFFLINE_ACCESS);
	assert_string_equal(c->sector, "127.0.0.1");

	c = clients_find(cs, "tax-portal");
	assert_non_null(c);
	assert_string_equal(c->name, "Cổng thông tin Thuế (demo)");
	assert_int_equal(clients_secret_ok(c, "tax-portal-dev-secret-change-me-0123456789ab", 44),
			 1);
	assert_int_equal(clients_secret_ok(c, "demo-rp-dev-secret-change-me-0123456789abcdef", 45),
			 0);
	assert_int_equal(c->grants, GRANT_AUTHORIZATION_CODE | GRANT_REFRESH_TOKEN);
	assert_int_equal(c->scopes,
			 SCOPE_OPENID | SCOPE_PROFILE | SCOPE_CITIZEN_ID | SCOPE_OFFLINE_ACCESS);
	assert_string_equal(c->backchannel_logout_uri,
			    "https://thue.example.vn/backchannel-logout");
	assert_string_equal(c->sector, "thue.example.vn");

	c = clients_find(cs, "demo-bank");
	assert_non_null(c);
	assert_int_equal(c->auth, CLIENT_AUTH_PRIVATE_KEY_JWT);
	assert_int_equal(c->nkeys, 1);
	assert_non_null(clients_key_find(c, "demo-bank-1"));
	assert_int_equal(c->grants, GRANT_AUTHORIZATION_CODE | GRANT_REFRESH_TOKEN | GRANT_CIBA);
	assert_int_equal(c->require_acr, 2);
	assert_int_equal(c->require_par, 1);
	assert_int_equal(c->require_pkce, 1);
	clients_free(cs);
}

#define T(f)  cmocka_unit_test(f)
#define TD(f) cmocka_unit_test_setup_teardown(f, tmp_setup, tmp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_parse_accepts_minimal_client_secret_basic_with_defaults),
	    T(test_parse_accepts_client_secret_post),
	    T(test_parse_accepts_private_key_jwt_with_inline_jwks),
	    T(test_parse_accepts_single_key_without_kid_lookup),
	    TD(test_parse_accepts_jwks_file_relative_to_the_registration),
	    TD(test_parse_accepts_jwks_file_with_absolute_path),
	    T(test_parse_accepts_every_field),
	    T(test_parse_accepts_admin_client_credentials_client_with_client_id_as_sector),
	    T(test_parse_refuses_admin_without_role_or_key_and_role_without_admin),
	    T(test_parse_accepts_http_only_on_loopback_hosts),
	    T(test_parse_accepts_several_redirect_hosts_with_sector_identifier),
	    T(test_parse_restores_the_callers_errbuf_file),
	    T(test_parse_refuses_a_non_object),
	    T(test_parse_refuses_missing_client_id),
	    T(test_parse_refuses_client_id_with_other_characters),
	    T(test_parse_refuses_too_long_client_id),
	    T(test_parse_refuses_empty_blank_or_too_long_client_name),
	    T(test_parse_refuses_client_name_with_invisible_or_bidi_characters),
	    T(test_parse_refuses_client_name_that_is_not_utf8),
	    T(test_parse_refuses_unknown_keys),
	    T(test_parse_refuses_wrong_types),
	    T(test_parse_refuses_unknown_auth_method),
	    T(test_parse_refuses_missing_secret_for_client_secret_methods),
	    T(test_parse_refuses_malformed_secret_hash),
	    T(test_parse_refuses_secret_hash_with_private_key_jwt),
	    T(test_parse_refuses_private_key_jwt_without_jwks),
	    T(test_parse_refuses_both_jwks_and_jwks_file),
	    T(test_parse_refuses_jwks_or_jwks_file_with_client_secret_methods),
	    T(test_parse_refuses_jwks_with_a_private_key),
	    T(test_parse_refuses_jwks_with_no_keys_or_too_many),
	    T(test_parse_refuses_jwks_with_a_duplicate_kid),
	    T(test_parse_refuses_signing_alg_that_a_key_does_not_have),
	    TD(test_parse_refuses_missing_or_broken_jwks_file),
	    T(test_parse_refuses_bad_redirect_uris),
	    T(test_parse_refuses_too_long_redirect_uri),
	    T(test_parse_refuses_duplicate_or_too_many_redirect_uris),
	    T(test_parse_refuses_missing_redirect_uris_with_authorization_code),
	    T(test_parse_refuses_bad_post_logout_and_backchannel_uris),
	    T(test_parse_refuses_unknown_or_empty_grant_types),
	    T(test_parse_refuses_response_types_other_than_code),
	    T(test_parse_refuses_offline_access_without_refresh_token_grant),
	    T(test_parse_refuses_admin_scope_outside_client_credentials_only),
	    T(test_parse_refuses_unknown_or_malformed_scope),
	    T(test_parse_refuses_openid_missing_for_user_grants),
	    T(test_parse_refuses_several_redirect_hosts_without_sector_identifier),
	    T(test_parse_refuses_sector_identifier_that_is_not_a_host_name),
	    T(test_parse_refuses_unknown_acr_or_id_token_alg),
	    TD(test_load_reads_only_json_files_and_sorts_by_client_id),
	    TD(test_load_accepts_an_empty_dir),
	    TD(test_load_refuses_a_missing_dir),
	    TD(test_load_refuses_a_client_id_registered_twice_naming_both_files),
	    TD(test_load_names_the_file_of_a_bad_registration),
	    TD(test_load_names_the_file_with_a_json_error),
	    TD(test_load_with_a_trailing_slash_names_files_cleanly),
	    TD(test_find_hits_every_client_and_misses_others),
	    T(test_secret_ok_accepts_only_the_exact_secret),
	    T(test_redirect_ok_matches_exactly_only),
	    T(test_uri_validate_names_the_caller_key),
	    T(test_scope_parse_and_render_round_trip),
	    TD(test_committed_examples_load),
	};

	return cmocka_run_group_tests_name("clients", tests, NULL, NULL);
}
