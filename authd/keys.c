/* keys.c — see keys.h. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "js.h"
#include "sec.h"

#define MANIFEST "keys.json"
#define P256_COORD 32                           /* bytes in a P-256 x or y */
#define KEY_FILE_MAX 255                        /* a file name in the manifest */
#define GEN_PATH (LIM_PATH + 32)                /* dir + "/" + a file keys_generate writes */

/* The typs whose protected headers are rendered at load, in hdr[] order. */
static const char *const CACHED_TYPS[KEYS_HDR_CACHED] = { "JWT", "at+jwt", "logout+jwt" };

/* The longest header: {"alg":"ES256","typ":"<LIM_JWS_TYP>","kid":"<LIM_KID>"} in base64url. */
#define HDR_JSON_MAX (sizeof("{\"alg\":\"ES256\",\"typ\":\"\",\"kid\":\"\"}") - 1 + LIM_JWS_TYP + LIM_KID)
_Static_assert((HDR_JSON_MAX + 2) / 3 * 4 + 1 <= KEYS_HDR_SIZE, "KEYS_HDR_SIZE too small");

static const char *const STATE_NAMES[] = { "active", "next", "retired" };

const char *keys_alg_name(enum key_alg alg)
{
	return alg == KEY_RS256 ? "RS256" : "ES256";
}

int keys_alg_parse(const char *s, enum key_alg *out)
{
	if (strcmp(s, "ES256") == 0)
		*out = KEY_ES256;
	else if (strcmp(s, "RS256") == 0)
		*out = KEY_RS256;
	else
		return E_INVALID;
	return 0;
}

/* ---- key type checks ---------------------------------------------------------------------- */

static int is_p256(const EVP_PKEY *pk)
{
	char name[64];
	int nid;

	if (!EVP_PKEY_is_a(pk, "EC") ||
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
	                                   NULL) != 1) {
		ERR_clear_error();       /* explicit-parameter curves have no group name */
		return 0;
	}
	if ((nid = OBJ_sn2nid(name)) == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid == NID_X9_62_prime256v1;
}

int keys_pkey_check(const EVP_PKEY *pk, enum key_alg alg, struct errbuf *eb)
{
	int bits;

	if (alg == KEY_ES256)
		return is_p256(pk) ? 0 : eb_set(eb, E_INVALID, "ES256 needs an EC P-256 key");
	/* "RSA" only: an RSA-PSS key is restricted to PSS and cannot make RS256 signatures. */
	if (!EVP_PKEY_is_a(pk, "RSA"))
		return eb_set(eb, E_INVALID, "RS256 needs an RSA key");
	bits = EVP_PKEY_get_bits(pk);
	if (bits < 2048 || bits > LIM_RSA_BITS)
		return eb_set(eb, E_INVALID, "RS256 needs an RSA key of 2048..%d bits, got %d",
		              LIM_RSA_BITS, bits);
	return 0;
}

/* ---- public members, thumbprint, JWK render ----------------------------------------------- */

/* The public members of a key as base64url: EC a = x, b = y; RSA a = n, b = e. */
struct pub {
	enum key_alg alg;
	char *a, *b;
};

static void pub_fini(struct pub *p)
{
	free(p->a);
	free(p->b);
	p->a = p->b = NULL;
}

/* BN -> base64url, big-endian; pad > 0 left-pads to that many bytes (EC coordinates, RFC 7518
 * §6.2.1.2), pad == 0 gives the minimal form (Base64urlUInt, RFC 7518 §2). */
static int bn_b64(const BIGNUM *bn, int pad, char **out)
{
	int n = pad > 0 ? pad : BN_num_bytes(bn);
	unsigned char *bin;
	char *s;
	int r = E_NOMEM;

	if (n == 0)
		n = 1;                  /* zero is "AA" */
	if ((bin = calloc(1, (size_t)n)) == NULL)
		return E_NOMEM;
	if ((s = malloc(sec_b64url_len((size_t)n) + 1)) == NULL)
		goto out;
	if (BN_bn2binpad(bn, bin, n) != n) {
		free(s);
		r = E_CRYPTO;
		goto out;
	}
	sec_b64url_encode(bin, (size_t)n, s);
	*out = s;
	r = 0;
out:
	free(bin);
	return r;
}

static int pub_get(const EVP_PKEY *pk, struct pub *p)
{
	BIGNUM *a = NULL, *b = NULL;
	int r = E_CRYPTO;

	memset(p, 0, sizeof(*p));
	if (is_p256(pk)) {
		p->alg = KEY_ES256;
		if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &a) != 1 ||
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &b) != 1)
			goto out;
		if ((r = bn_b64(a, P256_COORD, &p->a)) != 0 || (r = bn_b64(b, P256_COORD, &p->b)) != 0)
			goto out;
	} else if (EVP_PKEY_is_a(pk, "RSA")) {
		p->alg = KEY_RS256;
		if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &a) != 1 ||
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &b) != 1)
			goto out;
		if ((r = bn_b64(a, 0, &p->a)) != 0 || (r = bn_b64(b, 0, &p->b)) != 0)
			goto out;
	} else {
		r = E_INVALID;
		goto out;
	}
	r = 0;
out:
	if (r != 0) {
		pub_fini(p);
		ERR_clear_error();
	}
	BN_free(a);
	BN_free(b);
	return r;
}

/* RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. Values are
 * base64url, so nothing needs escaping. */
static int pub_thumbprint(const struct pub *p, char out[KEYS_KID_SIZE])
{
	uint8_t h[SEC_SHA256_LEN];
	size_t n = strlen(p->a) + strlen(p->b) + 64;
	char *json;
	int k;

	if ((json = malloc(n)) == NULL)
		return E_NOMEM;
	if (p->alg == KEY_ES256)
		k = snprintf(json, n, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		             p->a, p->b);
	else
		k = snprintf(json, n, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", p->b, p->a);
	BUG_ON(k < 0 || (size_t)k >= n, "thumbprint buffer");
	sec_sha256(json, (size_t)k, h);
	free(json);
	sec_b64url_encode(h, sizeof(h), out);
	return 0;
}

int keys_thumbprint(const EVP_PKEY *pk, char out[KEYS_KID_SIZE])
{
	struct pub p;
	int r;

	if ((r = pub_get(pk, &p)) != 0)
		return r;
	r = pub_thumbprint(&p, out);
	pub_fini(&p);
	return r;
}

/* The public JWK of pk as a new json_t: kty, crv, x, y (or kty, n, e), kid, use, alg. */
static int jwk_render(const EVP_PKEY *pk, const char *kid, json_t **out)
{
	struct pub p;
	json_t *j;
	int r;

	if ((r = pub_get(pk, &p)) != 0)
		return r;
	if (p.alg == KEY_ES256)
		j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x",
		              p.a, "y", p.b, "kid", kid, "use", "sig", "alg", "ES256");
	else
		j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "n", p.a, "e", p.b, "kid",
		              kid, "use", "sig", "alg", "RS256");
	pub_fini(&p);
	if (j == NULL)
		return E_NOMEM;
	*out = j;
	return 0;
}

/* {"keys":[...]} as malloc'ed compact bytes. */
static int jwks_dump(json_t *keys, char **out, size_t *len)
{
	json_t *root = json_pack("{s:O}", "keys", keys);
	char *s;

	if (root == NULL)
		return E_NOMEM;
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (s == NULL)
		return E_NOMEM;
	*out = s;
	*len = strlen(s);
	return 0;
}

/* Public keys only, active first (the key RPs meet most), then next, then retired. */
static int jwks_render(struct keyset *ks)
{
	json_t *arr = json_array(), *jwk;
	int r = E_NOMEM;

	if (arr == NULL)
		return E_NOMEM;
	for (int st = KEY_ACTIVE; st <= KEY_RETIRED; st++)
		for (size_t i = 0; i < ks->n; i++) {
			if ((int)ks->v[i].state != st)
				continue;
			if ((r = jwk_render(ks->v[i].pkey, ks->v[i].kid, &jwk)) != 0)
				goto out;
			if (json_array_append_new(arr, jwk) != 0) {
				r = E_NOMEM;
				goto out;
			}
		}
	r = jwks_dump(arr, &ks->jwks, &ks->jwks_len);
out:
	json_decref(arr);
	return r;
}

/* ---- JWS protected headers ---------------------------------------------------------------- */

static int typ_ok(const char *typ)
{
	size_t n = strlen(typ);

	if (n == 0 || n > LIM_JWS_TYP)
		return 0;
	for (; *typ != '\0'; typ++) {
		char c = *typ;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '-' || c == '.' || c == '/'))
			return 0;
	}
	return 1;
}

/* typ is checked and the kid is ours (base64url): the JSON needs no escaping. */
static size_t header_render(enum key_alg alg, const char *typ, const char *kid,
                            char out[KEYS_HDR_SIZE])
{
	char json[HDR_JSON_MAX + 1];
	int n = snprintf(json, sizeof(json), "{\"alg\":\"%s\",\"typ\":\"%s\",\"kid\":\"%s\"}",
	                 keys_alg_name(alg), typ, kid);

	BUG_ON(n < 0 || (size_t)n >= sizeof(json), "header too long");
	sec_b64url_encode(json, (size_t)n, out);
	return sec_b64url_len((size_t)n);
}

int keys_header(const struct key *k, const char *typ, char out[KEYS_HDR_SIZE], size_t *len)
{
	for (int i = 0; i < KEYS_HDR_CACHED; i++)
		if (strcmp(typ, CACHED_TYPS[i]) == 0) {
			memcpy(out, k->hdr[i], k->hdr_len[i] + 1);
			*len = k->hdr_len[i];
			return 0;
		}
	if (!typ_ok(typ))
		return E_INVALID;
	*len = header_render(k->alg, typ, k->kid, out);
	return 0;
}

/* ---- files -------------------------------------------------------------------------------- */

/* Reads a regular file of at most max bytes into a NUL-terminated heap buffer. */
static int file_read(const char *path, size_t max, char **out, size_t *len, struct errbuf *eb,
                     const char *name)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, r = E_IO;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return eb_set(eb, E_IO, "%s: cannot open: %s", name, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		eb_set(eb, E_IO, "%s: not a regular file", name);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		r = eb_set(eb, E_LIMIT, "%s: larger than %zu bytes", name, max);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = E_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			eb_set(eb, E_IO, "%s: cannot read: %s", name, k < 0 ? strerror(errno) : "short");
			goto out;
		}
		got += (size_t)k;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

/* Never prompt for a pass phrase on the terminal: an encrypted PEM simply fails to load. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Reads and parses one PEM private key; `name` is how messages call the file. */
static int pem_load(const char *path, const char *name, EVP_PKEY **out, struct errbuf *eb)
{
	char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *pk = NULL;
	int r;

	if ((r = file_read(path, LIM_PEM_FILE, &buf, &len, eb, name)) != 0)
		return r;
	r = E_NOMEM;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto out;
	if ((pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) == NULL) {
		r = eb_set(eb, E_INVALID, "%s: not an unencrypted PEM private key", name);
		goto out;
	}
	*out = pk;
	r = 0;
out:
	BIO_free(bio);
	sec_wipe(buf, len);
	free(buf);
	ERR_clear_error();
	return r;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Creates path (O_EXCL: never replaces a file) with mode and data, synced to disk. */
static int file_create(const char *path, mode_t mode, const char *data, size_t n,
                       struct errbuf *eb)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return eb_set(eb, E_IO, "%s: cannot create: %s%s", path, strerror(errno),
		              errno == EEXIST ? " (refusing to overwrite it)" : "");
	if (write_all(fd, data, n) != 0 || fsync(fd) != 0) {
		eb_set(eb, E_IO, "%s: cannot write: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return E_IO;
	}
	if (close(fd) != 0)
		return eb_set(eb, E_IO, "%s: cannot write: %s", path, strerror(errno));
	return 0;
}

/* Gives path the owner and group of `like` (NULL, or already ours: nothing to do). */
static int file_own_like(const char *path, const struct stat *like, struct errbuf *eb)
{
	if (like == NULL || (like->st_uid == geteuid() && like->st_gid == getegid()))
		return 0;
	if (chown(path, like->st_uid, like->st_gid) != 0)
		return eb_set(eb, E_IO, "%s: cannot give it the owner %ld:%ld: %s", path,
		              (long)like->st_uid, (long)like->st_gid, strerror(errno));
	return 0;
}

/* Writes path via path.tmp and rename(2), so a reader never sees half a file. `like` (may be
 * NULL): the file takes its owner and group before it appears under its name. */
static int file_replace(const char path[GEN_PATH], mode_t mode, const struct stat *like,
                        const char *data, size_t n, struct errbuf *eb)
{
	char tmp[GEN_PATH + sizeof(".tmp")];
	int r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);                    /* a leftover of an interrupted run */
	if ((r = file_create(tmp, mode, data, n, eb)) != 0)
		return r;
	if ((r = file_own_like(tmp, like, eb)) != 0) {
		unlink(tmp);
		return r;
	}
	if (rename(tmp, path) != 0) {
		eb_set(eb, E_IO, "%s: cannot rename: %s", path, strerror(errno));
		unlink(tmp);
		return E_IO;
	}
	return 0;
}

/* Writes pk as a PKCS#8 PEM into a new 0600 file. The PEM passes through secure memory. */
static int pem_create(const char *path, EVP_PKEY *pk, struct errbuf *eb)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	long n;
	int r;

	if (bio == NULL)
		return E_NOMEM;
	if (PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(bio, &data)) <= 0) {
		BIO_free(bio);
		ERR_clear_error();
		return eb_set(eb, E_CRYPTO, "%s: cannot encode the key", path);
	}
	r = file_create(path, 0600, data, (size_t)n, eb);
	BIO_free(bio);
	return r;
}

/* ---- load --------------------------------------------------------------------------------- */

static void key_fini(struct key *k)
{
	EVP_PKEY_CTX_free(k->sign_ctx);
	EVP_PKEY_free(k->pkey);
	free(k->file);
}

void keys_free(struct keyset *ks)
{
	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->n; i++)
		key_fini(&ks->v[i]);
	free(ks->v);
	free(ks->jwks);
	free(ks);
}

const struct key *keys_active(const struct keyset *ks, enum key_alg alg)
{
	for (size_t i = 0; i < ks->n; i++)
		if (ks->v[i].alg == alg && ks->v[i].state == KEY_ACTIVE)
			return &ks->v[i];
	return NULL;
}

const struct key *keys_find(const struct keyset *ks, const char *kid)
{
	if (kid == NULL)
		return NULL;
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i].kid, kid) == 0)
			return &ks->v[i];
	return NULL;
}

/* A plain file name inside the keys directory: no directory part, no "." or ".." (and no hidden
 * file, which rules both out), nothing that could escape. */
static int plain_name(const char *s)
{
	return s[0] != '.' && strchr(s, '/') == NULL && strchr(s, '\\') == NULL;
}

/* Everything a key needs after its PEM parsed: type check, kid, headers, sign context. */
static int key_prepare(struct key *k, size_t i, struct errbuf *eb)
{
	struct errbuf why = { 0 };
	int r;

	if (keys_pkey_check(k->pkey, k->alg, &why) != 0)
		return eb_set(eb, E_INVALID, "keys[%zu].file: %s: %s", i, k->file, why.msg);
	if ((r = keys_thumbprint(k->pkey, k->kid)) != 0)
		return eb_set(eb, r, "keys[%zu].file: %s: cannot compute the thumbprint", i, k->file);
	for (int t = 0; t < KEYS_HDR_CACHED; t++)
		k->hdr_len[t] = header_render(k->alg, CACHED_TYPS[t], k->kid, k->hdr[t]);
	/* jws_sign hashes, then signs the digest on this context: sign_init once per generation
	 * instead of once per token (the provider lookup and context set-up are ~10% of an ES256
	 * signature). RS256 gains nothing and builds its own context per call. */
	if (k->alg == KEY_ES256) {
		if ((k->sign_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
		    EVP_PKEY_sign_init(k->sign_ctx) != 1) {
			ERR_clear_error();
			return eb_set(eb, E_CRYPTO, "keys[%zu].file: %s: cannot set up signing", i,
			              k->file);
		}
	}
	return 0;
}

/* One manifest entry into ks->v[i] (already zeroed). Counts and duplicates are checked against
 * the entries before it, so the message names the second of two conflicting keys. */
static int entry_load(const char *dir, json_t *e, size_t i, struct keyset *ks, struct errbuf *eb)
{
	static const char *const allowed[] = { "file", "alg", "state", "retired_at", NULL };
	struct key *k = &ks->v[i];
	char name[32], pfx[48], what[48 + KEY_FILE_MAX + 2], path[LIM_PATH + KEY_FILE_MAX + 2];
	char *alg = NULL, *state = NULL;
	int r, st;

	snprintf(name, sizeof(name), "keys[%zu]", i);
	snprintf(pfx, sizeof(pfx), "%s.", name);
	if (!json_is_object(e))
		return eb_set(eb, E_INVALID, "%s: must be an object", name);
	if ((r = js_only_keys(e, allowed, pfx, eb)) != 0)
		return r;
	snprintf(pfx, sizeof(pfx), "%s.file", name);
	if ((r = js_str(e, "file", pfx, 1, KEY_FILE_MAX, &k->file, eb)) != 0)
		return r;
	if (!plain_name(k->file))
		return eb_set(eb, E_INVALID, "%s.file: must be a plain file name inside %s, got \"%s\"",
		              name, dir, k->file);
	snprintf(pfx, sizeof(pfx), "%s.alg", name);
	if ((r = js_str(e, "alg", pfx, 1, 16, &alg, eb)) != 0)
		goto out;
	if (keys_alg_parse(alg, &k->alg) != 0) {
		r = eb_set(eb, E_INVALID, "%s.alg: %s: must be ES256 or RS256", name, k->file);
		goto out;
	}
	snprintf(pfx, sizeof(pfx), "%s.state", name);
	if ((r = js_str(e, "state", pfx, 1, 16, &state, eb)) != 0)
		goto out;
	for (st = KEY_ACTIVE; st <= KEY_RETIRED; st++)
		if (strcmp(state, STATE_NAMES[st]) == 0)
			break;
	if (st > KEY_RETIRED) {
		r = eb_set(eb, E_INVALID, "%s.state: %s: must be active, next or retired, got \"%s\"",
		           name, k->file, state);
		goto out;
	}
	k->state = (enum key_state)st;
	/* When the key stopped signing (keys_rotate writes it): only a retired key has one. */
	if (json_object_get(e, "retired_at") != NULL && k->state != KEY_RETIRED) {
		r = eb_set(eb, E_INVALID, "%s.retired_at: %s: only a retired key has one", name,
		           k->file);
		goto out;
	}
	snprintf(pfx, sizeof(pfx), "%s.retired_at", name);
	if ((r = js_int(e, "retired_at", pfx, 0, 0, KEYS_TIME_MAX, &k->retired_at, eb)) != 0)
		goto out;
	for (size_t j = 0; j < i; j++) {
		const struct key *o = &ks->v[j];

		if (strcmp(o->file, k->file) == 0) {
			r = eb_set(eb, E_INVALID, "%s.file: %s: listed twice (also keys[%zu])", name,
			           k->file, j);
			goto out;
		}
		/* One active key per alg (which one would sign?), one next (which one comes next?). */
		if (o->alg == k->alg && o->state == k->state && k->state != KEY_RETIRED) {
			r = eb_set(eb, E_INVALID,
			           "%s.state: %s: a second %s %s key (keys[%zu] %s is %s already)", name,
			           k->file, STATE_NAMES[st], alg, j, o->file, STATE_NAMES[st]);
			goto out;
		}
	}
	/* Only now, the cheap checks passed, is the key read. */
	snprintf(path, sizeof(path), "%s/%s", dir, k->file);
	snprintf(what, sizeof(what), "%s.file: %s", name, k->file);
	if ((r = pem_load(path, what, &k->pkey, eb)) != 0 || (r = key_prepare(k, i, eb)) != 0)
		goto out;
	for (size_t j = 0; j < i; j++)
		if (strcmp(ks->v[j].kid, k->kid) == 0) {
			r = eb_set(eb, E_INVALID, "%s.file: %s: the same key as keys[%zu] %s (kid %s)",
			           name, k->file, j, ks->v[j].file, k->kid);
			goto out;
		}
	r = 0;
out:
	free(alg);
	free(state);
	return r;
}

/* A parsed manifest (root) into a new keyset: every entry, its PEM, the JWKS. Messages are
 * prefixed by whatever eb->file the caller set. */
static int manifest_load(const char *dir, json_t *root, struct keyset **out, struct errbuf *eb)
{
	static const char *const allowed[] = { "keys", NULL };
	struct keyset *ks = NULL;
	json_t *arr;
	size_t n;
	int r;

	if ((r = js_only_keys(root, allowed, NULL, eb)) != 0)
		return r;
	r = E_INVALID;
	arr = json_object_get(root, "keys");
	if (!json_is_array(arr)) {
		eb_set(eb, r, "keys: %s", arr == NULL ? "missing" : "must be an array");
		goto out;
	}
	if ((n = json_array_size(arr)) > LIM_KEYS) {
		r = eb_set(eb, E_LIMIT, "keys: more than %d keys", LIM_KEYS);
		goto out;
	}
	r = E_NOMEM;
	if ((ks = calloc(1, sizeof(*ks))) == NULL ||
	    (n > 0 && (ks->v = calloc(n, sizeof(*ks->v))) == NULL))
		goto out;
	for (size_t i = 0; i < n; i++) {
		ks->n = i + 1;          /* keys_free then frees what entry i took, even on failure */
		if ((r = entry_load(dir, json_array_get(arr, i), i, ks, eb)) != 0)
			goto out;
	}
	if (keys_active(ks, KEY_ES256) == NULL) {
		r = eb_set(eb, E_INVALID, "keys: no active ES256 key (exactly one is required)");
		goto out;
	}
	if ((r = jwks_render(ks)) != 0) {
		eb_set(eb, r, "keys: cannot render the JWKS");
		goto out;
	}
	{
		static unsigned long loads;

		ks->serial = ++loads;
	}
	*out = ks;
	ks = NULL;
	r = 0;
out:
	keys_free(ks);
	return r;
}

int keys_load(const char *dir, struct keyset **out, struct errbuf *eb)
{
	const char *saved = eb != NULL ? eb->file : NULL;
	char mpath[LIM_PATH + sizeof(MANIFEST) + 1];
	json_t *root = NULL;
	int r;

	if (strlen(dir) > LIM_PATH)
		return eb_set(eb, E_INVALID, "keys.dir: longer than %d bytes", LIM_PATH);
	snprintf(mpath, sizeof(mpath), "%s/%s", dir, MANIFEST);
	if (eb != NULL)
		eb->file = mpath;
	if ((r = js_load_file(mpath, LIM_CONF_FILE, &root, eb)) == 0)
		r = manifest_load(dir, root, out, eb);
	json_decref(root);
	if (eb != NULL)
		eb->file = saved;
	return r;
}

/* ---- client JWKs -------------------------------------------------------------------------- */

/* Decodes member `key` of jwk: a base64url string of 1..max decoded bytes. exact: must be max. */
static int b64_member(json_t *jwk, const char *pfx, const char *key, size_t max, int exact,
                      uint8_t *buf, size_t *len, struct errbuf *eb)
{
	json_t *v = json_object_get(jwk, key);
	size_t n;
	long k;

	if (v == NULL)
		return eb_set(eb, E_INVALID, "%s%s: missing", pfx, key);
	if (!json_is_string(v))
		return eb_set(eb, E_INVALID, "%s%s: must be a string", pfx, key);
	n = json_string_length(v);
	if (n == 0 || n > sec_b64url_len(max))
		return eb_set(eb, E_INVALID, "%s%s: must encode %s%zu bytes", pfx, key,
		              exact ? "" : "1..", max);
	if ((k = sec_b64url_decode(json_string_value(v), n, buf)) < 0)
		return eb_set(eb, E_INVALID, "%s%s: not base64url", pfx, key);
	if ((size_t)k > max || (exact && (size_t)k != max))
		return eb_set(eb, E_INVALID, "%s%s: must encode %s%zu bytes, got %ld", pfx, key,
		              exact ? "" : "1..", max, k);
	*len = (size_t)k;
	return 0;
}

/* A string member, absent (returns 0, *out NULL) or 1..max printable bytes. */
static int str_member(json_t *jwk, const char *pfx, const char *key, size_t max,
                      const char **out, struct errbuf *eb)
{
	json_t *v = json_object_get(jwk, key);
	const char *s;

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return eb_set(eb, E_INVALID, "%s%s: must be a string", pfx, key);
	s = json_string_value(v);
	if (json_string_length(v) == 0 || json_string_length(v) > max ||
	    strlen(s) != json_string_length(v) || js_has_ctl(s))
		return eb_set(eb, E_INVALID, "%s%s: must be 1..%zu printable bytes", pfx, key, max);
	*out = s;
	return 0;
}

/* EVP_PKEY_fromdata then a public-key check (on the curve, in the group; RSA n odd, e sane). */
static int pkey_from(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pk = NULL;
	int r = E_NOMEM;

	if (params == NULL || (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL)
		goto out;
	r = E_INVALID;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1)
		goto out;
	*out = pk;
	pk = NULL;
	r = 0;
out:
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	ERR_clear_error();
	return r;
}

static int jwk_ec(json_t *jwk, const char *pfx, EVP_PKEY **out, struct errbuf *eb)
{
	uint8_t pt[1 + 2 * P256_COORD], c[P256_COORD + 3];
	const char *crv;
	OSSL_PARAM_BLD *bld;
	size_t n;
	int r;

	if ((r = str_member(jwk, pfx, "crv", 16, &crv, eb)) != 0)
		return r;
	if (crv == NULL || strcmp(crv, "P-256") != 0)
		return eb_set(eb, E_INVALID, "%scrv: must be P-256", pfx);
	/* RFC 7518 §6.2.1.2: coordinates are full-length, 32 bytes each. */
	pt[0] = 0x04;                   /* SEC 1 uncompressed point: 04 || x || y */
	if ((r = b64_member(jwk, pfx, "x", P256_COORD, 1, c, &n, eb)) != 0)
		return r;
	memcpy(pt + 1, c, P256_COORD);
	if ((r = b64_member(jwk, pfx, "y", P256_COORD, 1, c, &n, eb)) != 0)
		return r;
	memcpy(pt + 1 + P256_COORD, c, P256_COORD);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return E_NOMEM;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1,
	                                    0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)) != 1)
		r = E_NOMEM;
	else
		r = pkey_from("EC", bld, out);
	OSSL_PARAM_BLD_free(bld);
	if (r == E_INVALID)
		eb_set(eb, r, "%sx, y: not a point on P-256", pfx);
	return r;
}

static int jwk_rsa(json_t *jwk, const char *pfx, EVP_PKEY **out, struct errbuf *eb)
{
	uint8_t nb[LIM_RSA_BITS / 8 + 3], eb8[8 + 3];
	size_t nlen, elen;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int r, bits;

	if ((r = b64_member(jwk, pfx, "n", LIM_RSA_BITS / 8, 0, nb, &nlen, eb)) != 0 ||
	    (r = b64_member(jwk, pfx, "e", 8, 0, eb8, &elen, eb)) != 0)
		return r;
	/* RFC 7518 §2 Base64urlUInt: the minimum number of octets, so one key has one spelling. */
	if (nlen > 1 && nb[0] == 0)
		return eb_set(eb, E_INVALID, "%sn: has a leading zero octet", pfx);
	if (elen > 1 && eb8[0] == 0)
		return eb_set(eb, E_INVALID, "%se: has a leading zero octet", pfx);
	r = E_NOMEM;
	if ((n = BN_bin2bn(nb, (int)nlen, NULL)) == NULL || (e = BN_bin2bn(eb8, (int)elen, NULL)) == NULL)
		goto out;
	if ((bits = BN_num_bits(n)) < 2048 || bits > LIM_RSA_BITS) {
		r = eb_set(eb, E_INVALID, "%sn: must be 2048..%d bits, got %d", pfx, LIM_RSA_BITS,
		           bits);
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto out;
	if ((r = pkey_from("RSA", bld, out)) == E_INVALID)
		eb_set(eb, r, "%sn, e: not a valid RSA public key", pfx);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return r;
}

int keys_jwk_parse(json_t *jwk, const char *name, EVP_PKEY **out, enum key_alg *alg,
                   char kid[KEYS_KID_SIZE], struct errbuf *eb)
{
	/* Private members of EC, RSA and oct keys (RFC 7518 §6). */
	static const char *const priv[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL };
	char pfx[128];
	const char *kty, *use, *a, *k;
	enum key_alg ka, want;
	EVP_PKEY *pk = NULL;
	int r;

	snprintf(pfx, sizeof(pfx), "%s%s", name != NULL ? name : "", name != NULL ? "." : "");
	if (!json_is_object(jwk))
		return eb_set(eb, E_INVALID, "%s: must be a JSON object", name != NULL ? name : "jwk");
	for (int i = 0; priv[i] != NULL; i++)
		if (json_object_get(jwk, priv[i]) != NULL)
			return eb_set(eb, E_INVALID,
			              "%s%s: a private key member; register the public key only", pfx,
			              priv[i]);
	if ((r = str_member(jwk, pfx, "kty", 8, &kty, eb)) != 0 ||
	    (r = str_member(jwk, pfx, "use", 8, &use, eb)) != 0 ||
	    (r = str_member(jwk, pfx, "alg", 16, &a, eb)) != 0 ||
	    (r = str_member(jwk, pfx, "kid", LIM_KID, &k, eb)) != 0)
		return r;
	if (kty == NULL)
		return eb_set(eb, E_INVALID, "%skty: missing", pfx);
	if (strcmp(kty, "EC") == 0)
		want = KEY_ES256;
	else if (strcmp(kty, "RSA") == 0)
		want = KEY_RS256;
	else
		return eb_set(eb, E_INVALID, "%skty: must be EC or RSA, got \"%s\"", pfx, kty);
	if (use != NULL && strcmp(use, "sig") != 0)
		return eb_set(eb, E_INVALID, "%suse: must be sig", pfx);
	if (a != NULL && keys_alg_parse(a, &ka) != 0)
		return eb_set(eb, E_INVALID, "%salg: must be ES256 or RS256, got \"%s\"", pfx, a);
	if (a != NULL && ka != want)
		return eb_set(eb, E_INVALID, "%salg: %s does not fit a key of kty %s", pfx, a, kty);
	if ((r = want == KEY_ES256 ? jwk_ec(jwk, pfx, &pk, eb) : jwk_rsa(jwk, pfx, &pk, eb)) != 0)
		return r;
	if (k != NULL)
		snprintf(kid, KEYS_KID_SIZE, "%s", k);
	else if ((r = keys_thumbprint(pk, kid)) != 0) {
		EVP_PKEY_free(pk);
		return eb_set(eb, r, "%skid: cannot compute the thumbprint", pfx);
	}
	*alg = want;
	*out = pk;
	return 0;
}

/* ---- dev keys ----------------------------------------------------------------------------- */

static int gen_key(enum key_alg alg, EVP_PKEY **out, struct errbuf *eb)
{
	EVP_PKEY *pk = alg == KEY_ES256 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
	                                : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	if (pk == NULL) {
		ERR_clear_error();
		return eb_set(eb, E_CRYPTO, "cannot generate a %s key", keys_alg_name(alg));
	}
	*out = pk;
	return 0;
}

static int gen_signing_keys(const char *dir, struct errbuf *eb)
{
	static const struct {
		const char *file;
		enum key_alg alg;
		enum key_state state;
	} dev[] = {
		{ "es256-1.pem", KEY_ES256, KEY_ACTIVE },
		{ "es256-2.pem", KEY_ES256, KEY_NEXT },
		{ "rs256-1.pem", KEY_RS256, KEY_ACTIVE },
	};
	char path[GEN_PATH];
	json_t *arr = json_array(), *root = NULL;
	char *s = NULL;
	int r = E_NOMEM;

	if (arr == NULL)
		return E_NOMEM;
	for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
		EVP_PKEY *pk = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, dev[i].file);
		if ((r = gen_key(dev[i].alg, &pk, eb)) != 0)
			goto out;
		r = pem_create(path, pk, eb);
		EVP_PKEY_free(pk);
		if (r != 0)
			goto out;
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "file", dev[i].file, "alg",
		                                         keys_alg_name(dev[i].alg), "state",
		                                         STATE_NAMES[dev[i].state])) != 0) {
			r = E_NOMEM;
			goto out;
		}
	}
	r = E_NOMEM;
	if ((root = json_pack("{s:O}", "keys", arr)) == NULL ||
	    (s = json_dumps(root, JSON_INDENT(2))) == NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	/* Last, so that a manifest exists only once every key it names does. */
	r = file_replace(path, 0600, NULL, s, strlen(s), eb);
out:
	free(s);
	json_decref(root);
	json_decref(arr);
	return r;
}

/* A dev client's key pair: DIR/<name>.pem (private, 0600) and DIR/<name>.jwks.json (public,
 * what its registration's jwks_file names). */
static int gen_client_key(const char *dir, const char *name, struct errbuf *eb)
{
	char pem[GEN_PATH], jwks[GEN_PATH], kid[KEYS_KID_SIZE];
	struct stat st;
	EVP_PKEY *pk = NULL;
	json_t *arr = NULL, *jwk = NULL;
	char *s = NULL;
	size_t len;
	int r;

	snprintf(pem, sizeof(pem), "%s/%s.pem", dir, name);
	snprintf(jwks, sizeof(jwks), "%s/%s.jwks.json", dir, name);
	if (stat(pem, &st) != 0) {
		/* A fresh PEM then replaces whatever JWKS was there: a stale one would not match. */
		if ((r = gen_key(KEY_ES256, &pk, eb)) != 0 || (r = pem_create(pem, pk, eb)) != 0)
			goto out;
	} else if (stat(jwks, &st) == 0) {
		return 0;               /* both there: nothing to do */
	} else if ((r = pem_load(pem, pem, &pk, eb)) != 0) {
		goto out;
	}
	if ((r = keys_pkey_check(pk, KEY_ES256, eb)) != 0 || (r = keys_thumbprint(pk, kid)) != 0 ||
	    (r = jwk_render(pk, kid, &jwk)) != 0)
		goto out;
	if ((arr = json_array()) == NULL || json_array_append(arr, jwk) != 0) {
		r = E_NOMEM;
		goto out;
	}
	if ((r = jwks_dump(arr, &s, &len)) != 0)
		goto out;
	r = file_replace(jwks, 0644, NULL, s, len, eb);
out:
	free(s);
	json_decref(jwk);
	json_decref(arr);
	EVP_PKEY_free(pk);
	return r;
}

/* A missing server secret is created; an existing one is left alone. */
static int gen_secret(const char *dir, const char *name, struct errbuf *eb)
{
	char path[GEN_PATH], text[64];
	uint8_t raw[KEYS_SECRET_LEN];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) == 0)
		return 0;
	if (sec_random(raw, sizeof(raw)) != 0)
		return eb_set(eb, E_CRYPTO, "%s: no randomness", path);
	sec_b64url_encode(raw, sizeof(raw), text);
	strcat(text, "\n");
	r = file_create(path, 0600, text, strlen(text), eb);
	sec_wipe(raw, sizeof(raw));
	sec_wipe(text, sizeof(text));
	return r;
}

int keys_secret_load(const char *dir, const char *name, uint8_t out[KEYS_SECRET_LEN],
                     struct errbuf *eb)
{
	char path[GEN_PATH], text[80];
	uint8_t raw[64];
	size_t n;
	long k;
	FILE *f;

	if (strlen(dir) > LIM_PATH)
		return eb_set(eb, E_INVALID, "keys.dir: longer than %d bytes", LIM_PATH);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return eb_set(eb, E_IO, "%s: cannot open: %s (authd keygen creates it)", path,
		              strerror(errno));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	k = sec_b64url_decode(text, n, raw);
	sec_wipe(text, sizeof(text));
	if (k != KEYS_SECRET_LEN) {
		sec_wipe(raw, sizeof(raw));
		return eb_set(eb, E_INVALID, "%s: must hold %d bytes as one line of base64url", path,
		              KEYS_SECRET_LEN);
	}
	memcpy(out, raw, KEYS_SECRET_LEN);
	sec_wipe(raw, sizeof(raw));
	return 0;
}

int keys_generate(const char *dir, struct errbuf *eb)
{
	char mpath[LIM_PATH + sizeof(MANIFEST) + 1];
	struct stat st;
	int r;

	if (strlen(dir) > LIM_PATH)
		return eb_set(eb, E_INVALID, "keys.dir: longer than %d bytes", LIM_PATH);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return eb_set(eb, E_IO, "%s: cannot create: %s", dir, strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return eb_set(eb, E_IO, "%s: not a directory", dir);
	snprintf(mpath, sizeof(mpath), "%s/%s", dir, MANIFEST);
	if (stat(mpath, &st) != 0) {
		if (errno != ENOENT)
			return eb_set(eb, E_IO, "%s: %s", mpath, strerror(errno));
		if ((r = gen_signing_keys(dir, eb)) != 0)
			return r;
	}
	if ((r = gen_secret(dir, "pepper.key", eb)) != 0 ||
	    (r = gen_secret(dir, "data.key", eb)) != 0)
		return r;
	if ((r = gen_client_key(dir, "demo-bank", eb)) != 0)
		return r;
	return gen_client_key(dir, "eidctl", eb); /* the administrator's CLI (clients/eidctl.json) */
}

/* ---- rotation ----------------------------------------------------------------------------- */

static const char *entry_str(json_t *e, const char *key)
{
	return json_string_value(json_object_get(e, key));
}

/* A retired entry whose retired_at lies at least retire_after_s in the past. */
static int entry_expired(json_t *e, long long now, long long retire_after_s)
{
	json_t *at = json_object_get(e, "retired_at");

	return strcmp(entry_str(e, "state"), "retired") == 0 && json_is_integer(at) &&
	       now - (long long)json_integer_value(at) >= retire_after_s;
}

int keys_manifest_rotate(json_t *manifest, enum key_alg alg, long long now,
                         long long retire_after_s, const char *new_file, json_t **out,
                         struct keys_rotation *rot, struct errbuf *eb)
{
	const char *an = keys_alg_name(alg);
	struct keys_rotation done;
	json_t *arr = json_object_get(manifest, "keys"), *copy = NULL, *narr = NULL, *e;
	int has_next = 0, r = E_INVALID;
	size_t i;

	memset(&done, 0, sizeof(done));
	if (retire_after_s < 0)
		return eb_set(eb, E_INVALID, "retire_after_s: must be 0 or more, got %lld",
		              retire_after_s);
	if (new_file[0] == '\0' || strlen(new_file) >= KEYS_FILE_SIZE || !plain_name(new_file))
		return eb_set(eb, E_INVALID, "%s: must be a plain file name", new_file);
	if (!json_is_array(arr))
		return eb_set(eb, E_INVALID, "keys: must be an array");
	if (json_array_size(arr) > LIM_KEYS)
		return eb_set(eb, E_LIMIT, "keys: more than %d keys", LIM_KEYS);
	json_array_foreach(arr, i, e) {
		const char *f = entry_str(e, "file"), *a = entry_str(e, "alg"), *st = entry_str(e, "state");

		if (f == NULL || a == NULL || st == NULL || strlen(f) >= KEYS_FILE_SIZE)
			return eb_set(eb, E_INVALID, "keys[%zu]: must have a file name, alg and state", i);
		if (strcmp(f, new_file) == 0)
			return eb_set(eb, E_INVALID, "keys[%zu].file: %s: already listed", i, f);
		has_next |= strcmp(a, an) == 0 && strcmp(st, "next") == 0;
	}
	r = E_NOMEM;
	if ((copy = json_deep_copy(manifest)) == NULL || (narr = json_array()) == NULL)
		goto out;
	json_array_foreach(json_object_get(copy, "keys"), i, e) {
		const char *f = entry_str(e, "file"), *st = entry_str(e, "state");
		int mine = strcmp(entry_str(e, "alg"), an) == 0;

		/* Checked on the state before this rotation: the key it retires now stays. */
		if (entry_expired(e, now, retire_after_s)) {
			snprintf(done.removed[done.nremoved++], KEYS_FILE_SIZE, "%s", f);
			continue;
		}
		if (mine && has_next && strcmp(st, "active") == 0) {
			snprintf(done.retired, sizeof(done.retired), "%s", f);
			if (json_object_set_new(e, "state", json_string("retired")) != 0 ||
			    json_object_set_new(e, "retired_at", json_integer(now)) != 0)
				goto out;
		} else if (mine && strcmp(st, "next") == 0) {
			snprintf(done.activated, sizeof(done.activated), "%s", f);
			if (json_object_set_new(e, "state", json_string("active")) != 0)
				goto out;
		}
		if (json_array_append(narr, e) != 0)
			goto out;
	}
	if (json_array_size(narr) + 1 > LIM_KEYS) {
		r = eb_set(eb, E_LIMIT,
		           "keys: a new next key would make more than %d keys (remove retired ones)",
		           LIM_KEYS);
		goto out;
	}
	if (json_array_append_new(narr, json_pack("{s:s, s:s, s:s}", "file", new_file, "alg", an,
	                                          "state", "next")) != 0 ||
	    json_object_set(copy, "keys", narr) != 0)
		goto out;
	snprintf(done.next, sizeof(done.next), "%s", new_file);
	*out = copy;
	copy = NULL;
	if (rot != NULL)
		*rot = done;
	r = 0;
out:
	json_decref(narr);
	json_decref(copy);
	return r;
}

/* The first "<alg>-<n>.pem" neither listed in the manifest nor present in dir. */
static int rotate_name(const char *dir, json_t *manifest, enum key_alg alg,
                       char out[KEYS_FILE_SIZE], struct errbuf *eb)
{
	const char *pfx = alg == KEY_RS256 ? "rs256" : "es256";
	char path[GEN_PATH];
	struct stat st;

	for (int n = 1; n <= 10000; n++) {
		json_t *e;
		size_t i;
		int listed = 0;

		snprintf(out, KEYS_FILE_SIZE, "%s-%d.pem", pfx, n);
		json_array_foreach(json_object_get(manifest, "keys"), i, e)
			listed |= entry_str(e, "file") != NULL && strcmp(entry_str(e, "file"), out) == 0;
		snprintf(path, sizeof(path), "%s/%s", dir, out);
		if (!listed && lstat(path, &st) != 0 && errno == ENOENT)
			return 0;
	}
	return eb_set(eb, E_IO, "%s: no free file name %s-<n>.pem", dir, pfx);
}

int keys_rotate(const char *dir, enum key_alg alg, long long now, long long retire_after_s,
                struct keys_rotation *rot, struct errbuf *eb)
{
	const char *saved = eb != NULL ? eb->file : NULL;
	char mpath[GEN_PATH], path[GEN_PATH], file[KEYS_FILE_SIZE];
	struct keys_rotation done;
	struct keyset *ks = NULL;
	struct stat mst;
	json_t *root = NULL, *nroot = NULL;
	EVP_PKEY *pk = NULL;
	char *s = NULL;
	int dfd, created = 0, r;

	if (strlen(dir) > LIM_PATH)
		return eb_set(eb, E_INVALID, "keys.dir: longer than %d bytes", LIM_PATH);
	snprintf(mpath, sizeof(mpath), "%s/%s", dir, MANIFEST);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return eb_set(eb, E_IO, "%s: cannot open: %s", dir, strerror(errno));
	/* Two rotations at once would both read the same manifest and one would be lost. */
	if (flock(dfd, LOCK_EX | LOCK_NB) != 0) {
		r = eb_set(eb, E_IO, "%s: %s", dir,
		           errno == EWOULDBLOCK ? "another rotation holds the lock" : strerror(errno));
		goto out;
	}
	/* A manifest authd would refuse is not rotated: the operator repairs it first. */
	if ((r = keys_load(dir, &ks, eb)) != 0)
		goto out;
	keys_free(ks);
	ks = NULL;
	if (eb != NULL)
		eb->file = mpath;
	if ((r = js_load_file(mpath, LIM_CONF_FILE, &root, eb)) != 0 ||
	    (r = rotate_name(dir, root, alg, file, eb)) != 0 ||
	    (r = keys_manifest_rotate(root, alg, now, retire_after_s, file, &nroot, &done, eb)) != 0)
		goto out;
	if (eb != NULL)
		eb->file = saved;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((r = gen_key(alg, &pk, eb)) != 0 || (r = pem_create(path, pk, eb)) != 0)
		goto out;
	created = 1;
	/* Run by root for an authd that runs as its own user: the new files are that user's too. */
	if (stat(mpath, &mst) != 0) {
		r = eb_set(eb, E_IO, "%s: %s", mpath, strerror(errno));
		goto out;
	}
	if ((r = file_own_like(path, &mst, eb)) != 0)
		goto out;
	/* The new manifest, new key included, must load before it replaces the old one. */
	if (eb != NULL)
		eb->file = mpath;
	if ((r = manifest_load(dir, nroot, &ks, eb)) != 0)
		goto out;
	if (eb != NULL)
		eb->file = saved;
	if ((s = json_dumps(nroot, JSON_INDENT(2))) == NULL) {
		r = E_NOMEM;
		goto out;
	}
	if ((r = file_replace(mpath, mst.st_mode & 0777, &mst, s, strlen(s), eb)) != 0)
		goto out;
	created = 0;                    /* the manifest names it now */
	/* The rename is durable once the directory is synced; a failure here changes nothing the
	 * running authd or the next reload sees. */
	(void)fsync(dfd);
	for (size_t i = 0; i < done.nremoved; i++) {
		char old[LIM_PATH + KEYS_FILE_SIZE + 2];     /* a listed name may be 255 bytes */

		snprintf(old, sizeof(old), "%s/%s", dir, done.removed[i]);
		done.kept_file[i] = unlink(old) != 0 && errno != ENOENT;
	}
	if (rot != NULL)
		*rot = done;
	r = 0;
out:
	if (created) {
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		unlink(path);
	}
	if (eb != NULL)
		eb->file = saved;
	free(s);
	EVP_PKEY_free(pk);
	keys_free(ks);
	json_decref(nroot);
	json_decref(root);
	close(dfd);                     /* releases the lock */
	return r;
}
