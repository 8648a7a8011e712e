/* fuzz_authz — the /authorize request as the browser brings it: the query string through
 * form_parse, then authz.c's authz_parse against a fixed set of registrations (loaded once with
 * clients_load), then what the endpoint builds from an accepted request: the redirect back
 * (authz_redirect with code, state and iss) and an ID token carrying the request's nonce
 * (tok_id_sign, RS256 with a keyset from keys_generate), verified again with jws_verify_keyset.
 *
 * Properties:
 *   - an error is shown as a page (html) unless client_id and redirect_uri were proven, and
 *     then only to a registered redirect URI;
 *   - an accepted request names a registered client and one of its exact redirect URIs; its
 *     scopes include openid, are registered for the client and never admin; PKCE is S256 with
 *     43 base64url characters unless the client is exempt; state and nonce are at most
 *     AUTHZ_STATE_MAX bytes; prompt=none stands alone; the level is 1..2 and at least the
 *     client's; the locale is vi or en;
 *   - the redirect begins with the redirect URI and its parameters parse back to the same code,
 *     state and iss;
 *   - the ID token for the request signs and verifies, and its nonce claim is the nonce sent:
 *     whatever a client may put in a nonce, it gets a token its JSON parser can read. */
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "authz.h"
#include "clients.h"
#include "form.h"
#include "fuzz.h"
#include "jws.h"
#include "keys.h"
#include "lim.h"
#include "tok.h"

#define ISS "https://id.example.vn"
#define NOW 1750000000LL

static struct clientset *cs;
static struct keyset *ks;

static const char *const regs[][2] = {
	{ "rp.json",
	  "{\"client_id\":\"rp\",\"client_name\":\"RP\",\"client_secret_hash\":"
	  "\"sha256:nBxx3A_2AIShsfWhF-mSpIJ49e_GgC7YLS6Yrdn21bo\",\"grant_types\":"
	  "[\"authorization_code\",\"refresh_token\"],\"redirect_uris\":[\"https://rp.example.vn/cb\","
	  "\"https://rp.example.vn/cb?x=1\"],\"scope\":\"openid profile phone address citizen_id "
	  "offline_access\",\"require_acr\":\"urn:eid:level:1\"}" },
	{ "nopkce.json",
	  "{\"client_id\":\"nopkce\",\"client_name\":\"No PKCE\",\"client_secret_hash\":"
	  "\"sha256:nBxx3A_2AIShsfWhF-mSpIJ49e_GgC7YLS6Yrdn21bo\",\"redirect_uris\":"
	  "[\"http://127.0.0.1:8081/callback\"],\"scope\":\"openid profile\",\"require_pkce\":false,"
	  "\"require_acr\":\"urn:eid:level:2\"}" },
	{ "m2m.json",
	  "{\"client_id\":\"m2m\",\"client_name\":\"Machine\",\"client_secret_hash\":"
	  "\"sha256:nBxx3A_2AIShsfWhF-mSpIJ49e_GgC7YLS6Yrdn21bo\",\"grant_types\":"
	  "[\"client_credentials\"],\"redirect_uris\":[\"https://m2m.example.vn/cb\"]}" },
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errbuf eb = { 0 };
	char keys[128], clients[128], p[192];
	const char *dir = fuzz_tmpdir("authz");

	(void)argc;
	(void)argv;
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	snprintf(clients, sizeof(clients), "%s/clients", dir);
	FUZZ_CHECK(mkdir(clients, 0700) == 0, "cannot create the clients directory");
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", clients, regs[i][0]);
		fuzz_spit(p, regs[i][1], strlen(regs[i][1]));
	}
	if (clients_load(clients, &cs, &eb) != 0 || keys_generate(keys, &eb) != 0 ||
	    keys_load(keys, &ks, &eb) != 0) {
		fprintf(stderr, "fuzz_authz: %s\n", eb.msg);
		abort();
	}
	return 0;
}

static void accepted(const struct authz *az)
{
	const struct client *c = az->client;

	FUZZ_CHECK(c != NULL && clients_find(cs, c->id) == c, "an unregistered client");
	FUZZ_CHECK(clients_redirect_ok(c, az->redirect_uri), "an unregistered redirect URI");
	FUZZ_CHECK(c->grants & GRANT_AUTHORIZATION_CODE, "a client without the code grant");
	FUZZ_CHECK((az->scopes & SCOPE_OPENID) && (az->scopes & ~c->scopes) == 0 &&
	                   !(az->scopes & SCOPE_ADMIN),
	           "scopes not openid, not registered, or admin");
	if (az->code_challenge != NULL)
		FUZZ_CHECK(strlen(az->code_challenge) == 43 &&
		                   strspn(az->code_challenge,
		                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		                          "0123456789-_") == 43,
		           "a code_challenge that is not 43 base64url characters");
	else
		FUZZ_CHECK(!c->require_pkce, "no PKCE for a client that needs it");
	FUZZ_CHECK((az->state == NULL || strlen(az->state) <= AUTHZ_STATE_MAX) &&
	                   (az->nonce == NULL || strlen(az->nonce) <= AUTHZ_STATE_MAX),
	           "state or nonce too long");
	FUZZ_CHECK(!(az->prompt & AUTHZ_PROMPT_NONE) || az->prompt == AUTHZ_PROMPT_NONE,
	           "prompt=none with another value");
	FUZZ_CHECK(az->acr_min >= 1 && az->acr_min <= AUTHZ_LEVEL_MAX &&
	                   az->acr_min >= c->require_acr,
	           "a level below the client's or out of range");
	FUZZ_CHECK(az->max_age >= -1, "a negative max_age");
	FUZZ_CHECK(strcmp(az->locale, "vi") == 0 || strcmp(az->locale, "en") == 0, "a locale");
	FUZZ_CHECK(az->login_hint == NULL || strlen(az->login_hint) == 12, "a login_hint");
}

/* The redirect with code, state and iss; its parameters must read back the same. */
static void redirect_check(struct arena *a, const char *ru, const char *state)
{
	const char *pairs[] = { "code", "c0de.x", "state", state, "iss", ISS, NULL };
	char *to = authz_redirect(a, ru, pairs);
	const char *q, *amp;
	struct form f;
	struct errbuf eb = { 0 };
	size_t rl = strlen(ru);

	if (to == NULL)
		return; /* the arena's cap */
	FUZZ_CHECK(strncmp(to, ru, rl) == 0 && (to[rl] == '?' || to[rl] == '&'),
	           "the redirect does not begin with the redirect URI");
	/* our parameters start at the separator we added: skip a query the URI had */
	q = to + rl + 1;
	FUZZ_CHECK(form_parse(a, q, strlen(q), &f, &eb) == 0, "our redirect parameters do not parse");
	FUZZ_CHECK(strcmp(form_get(&f, "code"), "c0de.x") == 0 && strcmp(form_get(&f, "iss"), ISS) == 0,
	           "code or iss does not read back");
	amp = form_get(&f, "state");
	FUZZ_CHECK(state == NULL ? amp == NULL : amp != NULL && strcmp(amp, state) == 0,
	           "state does not read back");
}

/* The ID token for the request: it must sign, verify, and carry the nonce unchanged. */
static void id_token_check(struct arena *a, const struct authz *az)
{
	static const char acr[][16] = { "", "urn:eid:level:1", "urn:eid:level:2" };
	struct tok_id t = {
		.sub = "QmFzZTY0dXJsU3ViamVjdElkZW50aWZpZXJfMDEyMzQ", .client_id = az->client->id,
		.nonce = az->nonce, .acr = acr[az->acr_min], .amr_json = "[\"pwd\",\"otp\"]",
		.sid = "sid-1", .access_token = "at", .iat = NOW, .exp = NOW + 300, .auth_time = NOW,
	};
	struct errbuf eb = { 0 };
	char *tok;
	size_t len;
	json_t *claims = NULL;
	int r = tok_id_sign(ks, KEY_RS256, ISS, &t, a, &tok, &len);

	if (r == E_NOMEM)
		return; /* the arena's cap */
	FUZZ_CHECK(r == 0, "an accepted request's ID token does not sign");
	r = jws_verify_keyset(ks, tok, len, "JWT", &claims, &eb);
	if (r != 0)
		fprintf(stderr, "fuzz_authz: %s\n", eb.msg);
	FUZZ_CHECK(r == 0, "our own ID token does not verify");
	FUZZ_CHECK(az->nonce == NULL
	                   ? json_object_get(claims, "nonce") == NULL
	                   : json_is_string(json_object_get(claims, "nonce")) &&
	                             strcmp(json_string_value(json_object_get(claims, "nonce")),
	                                    az->nonce) == 0,
	           "the nonce claim is not the nonce sent");
	json_decref(claims);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char first[LIM_ARENA_FIRST];
	struct arena a;
	struct form f;
	struct authz az;
	struct authz_err e = { 0 };
	struct errbuf eb = { 0 };

	arena_init(&a, first, sizeof(first), LIM_REQ_MEMORY);
	if (form_parse(&a, (const char *)data, size, &f, &eb) != 0)
		goto out;
	if (authz_parse(cs, &f, &az, &e) != 0) {
		FUZZ_CHECK(e.error != NULL && e.desc != NULL, "a refusal without error or description");
		if (!e.html) {
			FUZZ_CHECK(az.client != NULL && clients_redirect_ok(az.client, az.redirect_uri),
			           "an error redirected to an unproven redirect URI");
			redirect_check(&a, az.redirect_uri, az.state);
		}
		goto out;
	}
	accepted(&az);
	redirect_check(&a, az.redirect_uri, az.state);
	id_token_check(&a, &az);
out:
	arena_reset(&a);
	return 0;
}
