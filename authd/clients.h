/*
 * clients.h — relying-party registrations: load and validate the clients directory (*.json, one
 * JSON object per file, with RFC 7591 / OIDC Dynamic Client Registration / RFC 9126 metadata
 * names), look a client up by id, and the checks every endpoint makes against a registration:
 * client secret, exact redirect URI, scopes the client may request, its public keys.
 * The reference of the format is docs/clients.md.
 *
 * Owns: struct client, struct clientset, the scope table, the redirect-URI rules.
 * Does not own: client assertions (tok.c verifies them with the keys parsed here), the protocol
 * errors endpoints send (ep_*.c), and the generation that keeps a clientset alive (gen.c).
 *
 * Everything here is immutable once loaded: a clientset is built at start or reload, shared
 * read-only by every request of its generation, and freed with it.
 */
#ifndef AUTHD_CLIENTS_H
#define AUTHD_CLIENTS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"
#include "sec.h"

/* token_endpoint_auth_method. */
enum client_auth {
	CLIENT_AUTH_SECRET_BASIC = 0,
	CLIENT_AUTH_SECRET_POST,
	CLIENT_AUTH_PRIVATE_KEY_JWT,
};

/* grant_types, as a bit set. */
enum client_grant {
	GRANT_AUTHORIZATION_CODE = 1u << 0,
	GRANT_REFRESH_TOKEN = 1u << 1,
	GRANT_CLIENT_CREDENTIALS = 1u << 2,
	GRANT_CIBA = 1u << 3, /* urn:openid:params:grant-type:ciba */
};

/* Scopes authd knows, as a bit set; names in clients_scope_name(). */
enum client_scope {
	SCOPE_OPENID = 1u << 0,
	SCOPE_PROFILE = 1u << 1,
	SCOPE_PHONE = 1u << 2,
	SCOPE_ADDRESS = 1u << 3,
	SCOPE_CITIZEN_ID = 1u << 4,
	SCOPE_OFFLINE_ACCESS = 1u << 5,
	SCOPE_ADMIN = 1u << 6,
};
#define CLIENTS_SCOPE_COUNT 7
#define CLIENTS_SCOPE_ALL   ((1u << CLIENTS_SCOPE_COUNT) - 1)

/* What an admin client (scope admin) may do at /admin/v1 (docs/admin-api.md). */
enum client_role {
	ROLE_NONE = 0,
	ROLE_OFFICER, /* look up accounts and sessions; raise to level 2 after an in-person check */
	ROLE_ADMIN,   /* all an officer may, and lock, revoke, reinstate, retire, end sessions */
	ROLE_AUDITOR, /* read the audit log, nothing else */
};

/* One public key of a private_key_jwt client: alg comes from the key, never from a token. */
struct client_key {
	EVP_PKEY *pkey;
	enum key_alg alg;
	char kid[KEYS_KID_SIZE]; /* the JWK's "kid", or its RFC 7638 thumbprint */
};

struct client {
	char *id;   /* client_id: [A-Za-z0-9._-], 1..LIM_CLIENT_ID */
	char *name; /* client_name: UTF-8, shown to citizens; escape to render */
	char *file; /* the registration's path, for messages */
	enum client_auth auth;
	int has_secret; /* 1 for client_secret_*: secret_hash is set */
	uint8_t secret_hash[SEC_SHA256_LEN];
	struct client_key *keys; /* private_key_jwt: 1..LIM_JWKS_KEYS keys; else NULL, 0 */
	size_t nkeys;
	char **redirect_uris;		  /* NULL-terminated, never NULL (may be empty) */
	char **post_logout_redirect_uris; /* NULL-terminated, never NULL (may be empty) */
	unsigned grants;		  /* enum client_grant bits, never 0 */
	unsigned scopes;		  /* enum client_scope bits this client may request */
	enum key_alg id_token_alg;	  /* id_token_signed_response_alg */
	int require_acr;		  /* 0: none; 1 or 2: the minimum urn:eid:level:N */
	char *backchannel_logout_uri;	  /* or NULL */
	int backchannel_logout_session_required;
	char *sector;	  /* pairwise-sub sector: a host in lower case, or the client_id */
	int require_pkce; /* default 1; 0 only for conformance testing */
	int require_par;  /* require_pushed_authorization_requests */
	enum client_role role; /* admin_role: set exactly when scope has admin */
};

/* Sorted by id (clients_find is a binary search); client ids are unique. */
struct clientset {
	struct client **v;
	size_t n;
};

/* Loads every "*.json" file of `dir` (hidden files and other names are ignored), in sorted name
 * order, at most LIM_CLIENTS of them; an empty directory gives an empty set. Any error stops the
 * load and leaves one sentence in eb naming the file and the key, e.g.
 * "clients/bank.json: redirect_uris[1]: must not contain a fragment"; a client_id registered twice
 * names both files. eb->file is not used (each message carries its own path).
 * Returns 0 and a new set in *out (free with clients_free), or E_IO, E_INVALID, E_LIMIT, E_NOMEM,
 * E_CRYPTO; *out is untouched on failure. */
int clients_load(const char *dir, struct clientset **out, struct errbuf *eb);

/* NULL-safe; frees the clients and their keys. */
void clients_free(struct clientset *cs);

/* Validates one registration `j` (a JSON object; borrowed). `file` is its path: messages start
 * with it (eb->file is set to it for the call and restored), and a relative jwks_file is resolved
 * against its directory (against the working directory if `file` is NULL or has no '/').
 * Returns 0 and a new client in *out (free with client_free), or an error with eb set; *out is
 * untouched on failure. */
int clients_parse(json_t *j, const char *file, struct client **out, struct errbuf *eb);

/* NULL-safe. */
void client_free(struct client *c);

/* Borrowed pointer valid while `cs` lives, or NULL (also for a NULL set or id). */
const struct client *clients_find(const struct clientset *cs, const char *id);

/* 1 if `secret` (len bytes) is the client's secret, else 0 (no secret registered, empty secret,
 * wrong secret). Compares SHA-256 digests in constant time. A NULL client is allowed and does the
 * same work before answering 0, so an unknown client_id takes the known one's path and time. */
int clients_secret_ok(const struct client *c, const char *secret, size_t len);

/* 1 if `uri` is byte-for-byte one of the client's redirect_uris (no normalization: case,
 * trailing slash and query all count), else 0. NULL-safe. */
int clients_redirect_ok(const struct client *c, const char *uri);
/* The same against post_logout_redirect_uris. */
int clients_post_logout_redirect_ok(const struct client *c, const char *uri);

/* The public key to verify a client assertion: the key whose kid is `kid`, or, when `kid` is
 * NULL, the only key if there is exactly one. Borrowed (lives with the client), or NULL. */
const struct client_key *clients_key_find(const struct client *c, const char *kid);

/* Validates `uri` against the registration rules (RFC 9700 / OAuth 2.0 Security BCP): absolute,
 * at most LIM_URI bytes, ASCII without spaces, control characters, backslashes or '*', no
 * userinfo, no fragment, a non-empty host (DNS name, IPv4 or [IPv6]) and an optional port
 * 1..65535, scheme https — or http for the loopback hosts 127.0.0.1, [::1] and localhost.
 * Returns 0, or E_INVALID with "<name>: what is wrong" in eb. */
int clients_uri_validate(const char *uri, const char *name, struct errbuf *eb);

/* Parses a space-separated scope string (RFC 6749 §3.3: tokens separated by single spaces;
 * repeats are allowed and count once) into enum client_scope bits. Returns 0 and *out, or
 * E_INVALID with "unknown scope \"x\"" (or what else is wrong) in eb; *out untouched on failure. */
int clients_scope_parse(const char *s, unsigned *out, struct errbuf *eb);

/* "openid", "profile", ... for one bit; NULL for anything else. */
const char *clients_scope_name(enum client_scope s);

/* Writes the names of `bits` (unknown bits ignored) space-separated in table order into out,
 * NUL-terminated. Returns the length, or E_LIMIT if `outlen` is too small (out is then ""). */
int clients_scope_render(unsigned bits, char *out, size_t outlen);

#endif
