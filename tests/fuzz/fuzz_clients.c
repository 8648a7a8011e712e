/* fuzz_clients — relying-party registrations (the *.json files of clients/, docs/clients.md): clients.c's
 * clients_load over a directory holding the input, so the whole path runs — js_load_file (size
 * limit, duplicate keys), clients_parse (the field table, URIs, scopes, grants, the secret hash,
 * inline JWKS and jwks_file through keys_jwk_parse, the cross-field rules), the sorted set and
 * its duplicate-id check.
 *
 * The input is one registration, or two separated by a line "---" (two files: a.json and
 * b.json). The harness's temporary directory has clients/ (where they are written) and keys/
 * made by keys_generate, so "jwks_file": "../keys/demo-bank.jwks.json" works as in the repo's
 * own clients/.
 *
 * Properties of a set that loads: clients_find finds each client by id and the ids are
 * distinct; an id is 1..LIM_CLIENT_ID of [A-Za-z0-9._-]; every redirect URI passes
 * clients_uri_validate and clients_redirect_ok; private_key_jwt clients have 1..LIM_JWKS_KEYS
 * keys and no secret, the others a secret and no keys; grants are never empty; offline_access
 * needs the refresh_token grant; admin needs exactly client_credentials, private_key_jwt and a
 * role; the scope bits survive clients_scope_render → clients_scope_parse; the sector is a
 * lower-case host name, or the client_id. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clients.h"
#include "fuzz.h"
#include "lim.h"

static char clients_dir[128], file_a[sizeof(clients_dir) + 8], file_b[sizeof(clients_dir) + 8];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errbuf eb = { 0 };
	char keys[128];
	const char *dir = fuzz_tmpdir("clients");

	(void)argc;
	(void)argv;
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	snprintf(clients_dir, sizeof(clients_dir), "%s/clients", dir);
	snprintf(file_a, sizeof(file_a), "%s/a.json", clients_dir);
	snprintf(file_b, sizeof(file_b), "%s/b.json", clients_dir);
	if (keys_generate(keys, &eb) != 0 || mkdir(clients_dir, 0700) != 0) {
		fprintf(stderr, "fuzz_clients: %s\n", eb.msg);
		abort();
	}
	return 0;
}

static void client_check(const struct clientset *cs, const struct client *c)
{
	struct errbuf eb = { 0 };
	char scopes[256];
	unsigned back = 0;

	FUZZ_CHECK(clients_find(cs, c->id) == c, "clients_find does not find a client by its id");
	FUZZ_CHECK(strlen(c->id) >= 1 && strlen(c->id) <= LIM_CLIENT_ID &&
	                   strspn(c->id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                                 "0123456789._-") == strlen(c->id),
	           "a client_id outside [A-Za-z0-9._-]");
	FUZZ_CHECK(c->name != NULL && c->name[0] != '\0', "a client without a name");
	for (size_t i = 0; c->redirect_uris[i] != NULL; i++)
		FUZZ_CHECK(clients_uri_validate(c->redirect_uris[i], "r", &eb) == 0 &&
		                   clients_redirect_ok(c, c->redirect_uris[i]),
		           "a registered redirect URI does not validate or match");
	for (size_t i = 0; c->post_logout_redirect_uris[i] != NULL; i++)
		FUZZ_CHECK(clients_uri_validate(c->post_logout_redirect_uris[i], "p", &eb) == 0 &&
		                   clients_post_logout_redirect_ok(c, c->post_logout_redirect_uris[i]),
		           "a registered logout URI does not validate or match");
	if (c->auth == CLIENT_AUTH_PRIVATE_KEY_JWT)
		FUZZ_CHECK(c->nkeys >= 1 && c->nkeys <= LIM_JWKS_KEYS && !c->has_secret,
		           "private_key_jwt with a secret or without keys");
	else
		FUZZ_CHECK(c->nkeys == 0 && c->has_secret, "a secret client without a secret");
	FUZZ_CHECK(c->grants != 0, "a client without grants");
	FUZZ_CHECK(!(c->grants & GRANT_AUTHORIZATION_CODE) || c->redirect_uris[0] != NULL,
	           "the code grant without a redirect URI");
	FUZZ_CHECK(!(c->scopes & SCOPE_OFFLINE_ACCESS) || (c->grants & GRANT_REFRESH_TOKEN),
	           "offline_access without the refresh_token grant");
	FUZZ_CHECK(!(c->scopes & SCOPE_ADMIN) ||
	                   (c->grants == GRANT_CLIENT_CREDENTIALS &&
	                    c->auth == CLIENT_AUTH_PRIVATE_KEY_JWT && c->role != ROLE_NONE),
	           "an admin client reachable otherwise than by a key and client_credentials");
	FUZZ_CHECK((c->role != ROLE_NONE) == !!(c->scopes & SCOPE_ADMIN),
	           "admin_role without scope admin");
	FUZZ_CHECK(c->require_acr >= 0 && c->require_acr <= 2, "require_acr out of range");
	FUZZ_CHECK(c->backchannel_logout_uri != NULL || !c->backchannel_logout_session_required,
	           "a logout session requirement without a logout URI");
	FUZZ_CHECK(c->sector != NULL && c->sector[0] != '\0', "a client without a sector");
	/* a host name, lower case; or, without redirect URIs, the client_id as it is */
	for (const char *s = c->sector; strcmp(c->sector, c->id) != 0 && *s != '\0'; s++)
		FUZZ_CHECK(!(*s >= 'A' && *s <= 'Z'), "a host sector with upper case");
	if (c->scopes != 0) {
		FUZZ_CHECK(clients_scope_render(c->scopes, scopes, sizeof(scopes)) > 0 &&
		                   clients_scope_parse(scopes, &back, &eb) == 0 && back == c->scopes,
		           "scope bits do not survive render and parse");
	}
	for (size_t i = 0; i < c->nkeys; i++)
		FUZZ_CHECK(clients_key_find(c, c->keys[i].kid) != NULL &&
		                   keys_pkey_check(c->keys[i].pkey, c->keys[i].alg, NULL) == 0,
		           "a registered key cannot be found by kid or is unfit for its alg");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clientset *cs = NULL;
	struct errbuf eb = { 0 };
	const uint8_t *sep = NULL;

	for (size_t i = 0; i + 5 <= size; i++)
		if (memcmp(data + i, "\n---\n", 5) == 0) {
			sep = data + i;
			break;
		}
	if (sep != NULL) {
		fuzz_spit(file_a, data, (size_t)(sep - data));
		fuzz_spit(file_b, sep + 5, size - (size_t)(sep + 5 - data));
	} else {
		fuzz_spit(file_a, data, size);
		unlink(file_b);
	}
	if (clients_load(clients_dir, &cs, &eb) != 0) {
		FUZZ_CHECK(cs == NULL && eb.msg[0] != '\0', "a refused registration without a message");
		return 0;
	}
	FUZZ_CHECK(cs->n == (sep != NULL ? 2u : 1u), "a registration went missing");
	for (size_t i = 0; i < cs->n; i++) {
		if (i > 0)
			FUZZ_CHECK(strcmp(cs->v[i - 1]->id, cs->v[i]->id) < 0, "ids not sorted or repeated");
		client_check(cs, cs->v[i]);
	}
	clients_free(cs);
	return 0;
}
