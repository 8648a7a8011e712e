/*
 * keys.h — our signing keys and public JWKs. Owns: the key manifest DIR/keys.json and its PEM
 * files, parsed once per generation into EVP_PKEYs; the RFC 7638 thumbprint that is every key's
 * `kid`; the public JWKS bytes rendered once at load; each key's pre-rendered JWS protected
 * headers; parsing a client's public JWK (from its registration); dev key generation.
 *
 * Does not own: signing and verifying (jws.c), which JWKS a client registered (clients.c), when a
 * reload happens (gen.c). Never logs and never writes a private member anywhere but a 0600 PEM.
 *
 * Manifest:  { "keys": [ { "file": "es256-1.pem", "alg": "ES256", "state": "active" }, ... ] }
 * state "active" signs; "next" is published but not used yet, so rotation never breaks an RP;
 * "retired" is published, not used, until the tokens it signed have expired. Exactly one active
 * ES256 key; at most one active RS256; at most one next per alg; at most LIM_KEYS keys. A retired
 * key may carry "retired_at" (unix seconds, written by keys_rotate): when it stopped signing.
 */
#ifndef AUTHD_KEYS_H
#define AUTHD_KEYS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "lim.h"

enum key_alg { KEY_ES256 = 0, KEY_RS256 };
enum key_state { KEY_ACTIVE = 0, KEY_NEXT, KEY_RETIRED };

#define KEYS_KID_SIZE (LIM_KID + 1)   /* a kid and its NUL; ours are 43 chars */
#define KEYS_HDR_SIZE 160             /* a base64url protected header and its NUL */
#define KEYS_HDR_CACHED 3             /* typs with a pre-rendered header: JWT at+jwt logout+jwt */
#define KEYS_FILE_SIZE 256            /* a manifest file name (at most 255 bytes) and its NUL */
#define KEYS_TIME_MAX 253402300799LL  /* retired_at: at most 9999-12-31T23:59:59Z */

struct key {
	enum key_alg alg;
	enum key_state state;
	char kid[KEYS_KID_SIZE];     /* RFC 7638 thumbprint, base64url */
	EVP_PKEY *pkey;              /* the private key; owned */
	char *file;                  /* file name inside the keys directory; owned */
	long long retired_at;        /* retired keys: unix s from the manifest, 0 when not given */
	/* What jws_sign reuses (internal to keys.c/jws.c; read it through keys_header()): */
	EVP_PKEY_CTX *sign_ctx;      /* ES256 only: sign-initialized once at load, then reused */
	char hdr[KEYS_HDR_CACHED][KEYS_HDR_SIZE];
	size_t hdr_len[KEYS_HDR_CACHED];
};

struct keyset {
	struct key *v;               /* in manifest order */
	size_t n;
	char *jwks;                  /* {"keys":[...]}: active, then next, then retired; NUL-ended */
	size_t jwks_len;
	unsigned long serial;        /* which load of this process (caches keyed by a keyset) */
};

/* Loads DIR/keys.json and every key it lists (each PEM parsed once). Returns 0 and a new keyset
 * (free with keys_free), or E_IO / E_INVALID / E_LIMIT / E_NOMEM / E_CRYPTO with one sentence in
 * eb prefixed by the manifest path ("keys/keys.json: keys[1].alg: must be ES256 or RS256");
 * messages about one key name its index and file. eb->file is restored before returning. */
int keys_load(const char *dir, struct keyset **out, struct errbuf *eb);

/* NULL-safe. Frees every key (the private keys are freed by OpenSSL, which wipes them). */
void keys_free(struct keyset *ks);

/* The active key for alg, or NULL (only RS256 may have none). Borrowed: valid until keys_free. */
const struct key *keys_active(const struct keyset *ks, enum key_alg alg);

/* The key (any state) whose kid is `kid`, or NULL (also for kid NULL). Borrowed, as above. */
const struct key *keys_find(const struct keyset *ks, const char *kid);

/* RFC 7638 thumbprint of the public part of an EC P-256 or RSA key (public or private): SHA-256
 * over {"crv","kty","x","y"} / {"e","kty","n"}, base64url, 43 chars and a NUL into out.
 * Returns 0, E_INVALID for another key type, E_NOMEM or E_CRYPTO. */
int keys_thumbprint(const EVP_PKEY *pk, char out[KEYS_KID_SIZE]);

/* "ES256" / "RS256" (static strings); keys_alg_parse: 0, or E_INVALID for anything else. */
const char *keys_alg_name(enum key_alg alg);
int keys_alg_parse(const char *s, enum key_alg *out);

/* 0 when pk suits alg: ES256 an EC key on P-256, RS256 an RSA (not RSA-PSS) key of
 * 2048..LIM_RSA_BITS bits. Else E_INVALID with the reason in eb ("RS256 needs an RSA key of
 * 2048..8192 bits, got 1024"). Public or private keys alike. */
int keys_pkey_check(const EVP_PKEY *pk, enum key_alg alg, struct errbuf *eb);

/* Parses one PUBLIC JWK (a client's key): kty EC with crv P-256 (x, y of exactly 32 bytes, a point
 * on the curve) or kty RSA (2048..LIM_RSA_BITS bits, minimal Base64urlUInt n and e). Refused:
 * private members (d p q dp dq qi oth k), unknown kty/crv, bad base64url, "use" other than "sig",
 * an "alg" other than the key type's (ES256 for EC, RS256 for RSA). Other members are ignored
 * (RFC 7517 §4). `name` prefixes messages ("jwks.keys[1]" -> "jwks.keys[1].crv: must be P-256");
 * NULL for none. On success: *out a new public EVP_PKEY (caller frees), *alg from "alg" or
 * inferred from kty, kid = the "kid" member (1..LIM_KID printable bytes) or else the thumbprint.
 * Returns 0, E_INVALID (eb says why) or E_NOMEM; out-params are untouched on failure. */
int keys_jwk_parse(json_t *jwk, const char *name, EVP_PKEY **out, enum key_alg *alg,
                   char kid[KEYS_KID_SIZE], struct errbuf *eb);

/* Writes k's base64url JWS protected header {"alg":..,"typ":typ,"kid":..} and a NUL into out,
 * *len its length: a copy of the pre-rendered one for "JWT", "at+jwt" and "logout+jwt", else
 * rendered now. Returns 0, or E_INVALID when typ is not 1..LIM_JWS_TYP characters of
 * [A-Za-z0-9+-./] (a typ is a constant of ours: it is never escaped). */
int keys_header(const struct key *k, const char *typ, char out[KEYS_HDR_SIZE], size_t *len);

/* Dev keys. Creates DIR (0700) if missing. If DIR/keys.json is missing, writes es256-1.pem
 * (active), es256-2.pem (next) and rs256-1.pem (active, RSA 2048), each 0600 and created with
 * O_EXCL (an existing PEM is never overwritten: that is an error), then the manifest. If the
 * manifest exists the signing keys are left alone. Independently, the private_key_jwt fixtures
 * of the demo bank and of eidctl (the admin CLI): DIR/<name>.pem (P-256, 0600) if missing, and
 * DIR/<name>.jwks.json (its public JWKS, kid and alg ES256) if missing or if the PEM was just
 * created. Returns 0, or E_IO / E_CRYPTO / E_NOMEM / E_INVALID with a message naming the file. */
int keys_generate(const char *dir, struct errbuf *eb);

/* What a rotation did; file names inside the keys directory, "" when there is none. */
struct keys_rotation {
	char activated[KEYS_FILE_SIZE];     /* the next key that became active */
	char retired[KEYS_FILE_SIZE];       /* the active key that became retired */
	char next[KEYS_FILE_SIZE];          /* the new next key */
	char removed[LIM_KEYS][KEYS_FILE_SIZE];  /* retired keys dropped from the manifest */
	int kept_file[LIM_KEYS];            /* 1: removed[i]'s PEM could not be deleted (left over) */
	size_t nremoved;
};

/* The manifest transformation of one rotation of `alg`, pure (no files): from `manifest` (a
 * manifest keys_load accepted) it builds a new manifest in *out (a new reference; the input is
 * untouched) where
 *   - the `next` key of alg becomes `active`, and the `active` key of alg becomes `retired` with
 *     "retired_at": now. With no next key of alg, the active one stays: only a next is added
 *     (a first rotation of RS256, whose dev keys have no next);
 *   - a new entry {new_file, alg, "next"} is appended;
 *   - retired keys of any alg whose retired_at is at least retire_after_s before now are
 *     dropped: no token they signed can still be valid. A retired key without retired_at stays
 *     (nobody knows when it stopped signing: an operator removes it by hand).
 * Entries keep their order and every other member. `rot` (may be NULL) receives the names.
 * Returns 0, E_INVALID (new_file already listed, not a plain name, a malformed manifest,
 * retire_after_s < 0), E_LIMIT (the result would hold more than LIM_KEYS keys) or E_NOMEM, with
 * a sentence in eb; *out and rot are untouched on failure. */
int keys_manifest_rotate(json_t *manifest, enum key_alg alg, long long now,
                         long long retire_after_s, const char *new_file, json_t **out,
                         struct keys_rotation *rot, struct errbuf *eb);

/* One rotation of `alg` in DIR, as keys_manifest_rotate describes, for `eidctl keys rotate`
 * (never the daemon: a reload, SIGHUP, makes it take effect). Steps, each undone if a later one
 * fails: takes an exclusive lock on DIR (flock; a second rotation at once is refused); loads the
 * current manifest with keys_load (a manifest authd would not load is not rotated); generates a
 * key of alg into a new file "<es256|rs256>-<n>.pem" (n the first number whose name is neither
 * listed nor on disk; 0600, O_EXCL); loads the new manifest as keys_load would (the new PEM
 * included) before writing it; replaces DIR/keys.json atomically (temp file, fsync, rename, fsync
 * of DIR) keeping its mode; the new PEM and manifest take the owner and group of the manifest
 * they replace (root rotating for an authd that runs as its own user); only then deletes the PEM files of the dropped retired keys (a failure there leaves
 * the file, flagged in rot->kept_file, and is not an error: the manifest no longer names it).
 * Returns 0 and fills *rot (may be NULL), or the error of the step that failed (E_IO, E_INVALID,
 * E_LIMIT, E_CRYPTO, E_NOMEM) with one sentence in eb naming the file; DIR is then unchanged. */
int keys_rotate(const char *dir, enum key_alg alg, long long now, long long retire_after_s,
                struct keys_rotation *rot, struct errbuf *eb);

/* Server secrets beside the signing keys: DIR/pepper.key (HMAC key mixed into password,
 * passcode and SMS-code hashes) and DIR/data.key (AES-256-GCM key for secrets at rest, e.g.
 * TOTP seeds). Each file holds 32 random bytes as one line of base64url; keys_generate creates
 * missing ones (0600) and never replaces one. Returns 0 and the bytes, or E_IO / E_INVALID with
 * the file named in eb. */
#define KEYS_SECRET_LEN 32
int keys_secret_load(const char *dir, const char *name, uint8_t out[KEYS_SECRET_LEN],
                     struct errbuf *eb);

#endif
