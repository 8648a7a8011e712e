/* tok.c — see tok.h. */
#include "tok.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clients.h"
#include "jws.h"
#include "sec.h"

#define TOK_CLAIMS_MAX 4096

int tok_json_str(char **p, const char *end, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *o = *p;

	if (o >= end)
		return E_LIMIT;
	*o++ = '"';
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if (end - o < 7)
			return E_LIMIT;
		if (*c == '"' || *c == '\\') {
			*o++ = '\\';
			*o++ = (char)*c;
		} else if (*c < 0x20 || *c == 0x7f) {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[*c >> 4];
			*o++ = hex[*c & 15];
		} else {
			*o++ = (char)*c;
		}
	}
	if (end - o < 2)
		return E_LIMIT;
	*o++ = '"';
	*o = '\0';
	*p = o;
	return 0;
}

/* Appends printf output; E_LIMIT when it does not fit. */
static int put(char **p, const char *end, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(char **p, const char *end, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*p, (size_t)(end - *p), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= end - *p)
		return E_LIMIT;
	*p += n;
	return 0;
}

/* ,"name":"value" when value is set. */
static int put_str(char **p, const char *end, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return 0;
	if (put(p, end, ",\"%s\":", name) != 0)
		return E_LIMIT;
	return tok_json_str(p, end, value);
}

/* {"iss":..,"sub":..,"aud":.. — how every token we sign begins. */
static int head(char **p, const char *end, const char *iss, const char *sub, const char *aud)
{
	if (put(p, end, "{\"iss\":") != 0 || tok_json_str(p, end, iss) != 0 ||
	    put_str(p, end, "sub", sub) != 0 || put_str(p, end, "aud", aud) != 0)
		return E_LIMIT;
	return 0;
}

int tok_access_sign(const struct keyset *ks, enum key_alg alg, const char *iss,
                    const struct tok_access *t, struct arena *a, char **out, size_t *outlen)
{
	const struct key *k = keys_active(ks, alg);
	char buf[TOK_CLAIMS_MAX], *p = buf;
	const char *end = buf + sizeof(buf);

	if (k == NULL)
		return E_NOTFOUND;
	if (head(&p, end, iss, t->sub, t->client_id) != 0 ||
	    put_str(&p, end, "client_id", t->client_id) != 0 ||
	    put(&p, end, ",\"iat\":%lld,\"exp\":%lld", t->iat, t->exp) != 0 ||
	    put_str(&p, end, "jti", t->jti) != 0 || put_str(&p, end, "scope", t->scope) != 0 ||
	    (t->auth_time > 0 && put(&p, end, ",\"auth_time\":%lld", t->auth_time) != 0) ||
	    put_str(&p, end, "acr", t->acr) != 0 ||
	    (t->amr_json != NULL && put(&p, end, ",\"amr\":%s", t->amr_json) != 0) ||
	    put_str(&p, end, "sid", t->sid) != 0 || put(&p, end, "}") != 0)
		return E_LIMIT;
	return jws_sign(k, "at+jwt", buf, (size_t)(p - buf), a, out, outlen);
}

/* Access tokens verified lately, by SHA-256 of the token: a resource server (an RP's API behind
 * /introspect, /userinfo) presents the same token many times in its few minutes, and the ECDSA
 * verification is most of the cost of answering. Direct-mapped, overwritten on collision; an
 * entry is good for the keyset it was verified with and until the token's exp. Per process and
 * loop thread only (a worker's). The claims are shared: callers must not modify them. */
#define TOK_CACHE_SLOTS 4096

static struct tok_cached {
	uint8_t h[SEC_SHA256_LEN];
	unsigned long ks_serial;
	long long exp;
	json_t *claims;
} tok_cache[TOK_CACHE_SLOTS];

static struct tok_cached *cache_slot(const uint8_t h[SEC_SHA256_LEN])
{
	return &tok_cache[(h[0] | (unsigned)h[1] << 8) % TOK_CACHE_SLOTS];
}

void tok_cache_clear(void)
{
	for (size_t i = 0; i < TOK_CACHE_SLOTS; i++) {
		json_decref(tok_cache[i].claims);
		tok_cache[i].claims = NULL;
	}
}

int tok_access_verify(const struct keyset *ks, const char *iss, long long now, const char *tok,
                      json_t **out)
{
	struct errbuf eb = { 0 };
	json_t *c = NULL, *exp;
	const char *i, *jti, *cid;
	uint8_t h[SEC_SHA256_LEN];
	struct tok_cached *e;

	if (tok == NULL)
		return E_INVALID;
	sec_sha256(tok, strlen(tok), h);
	e = cache_slot(h);
	if (e->claims != NULL && e->ks_serial == ks->serial && e->exp > now &&
	    memcmp(e->h, h, sizeof(h)) == 0 &&
	    strcmp(json_string_value(json_object_get(e->claims, "iss")), iss) == 0) {
		*out = json_incref(e->claims);
		return 0;
	}
	if (jws_verify_keyset(ks, tok, strlen(tok), "at+jwt", &c, &eb) != 0)
		return E_INVALID;
	i = json_string_value(json_object_get(c, "iss"));
	jti = json_string_value(json_object_get(c, "jti"));
	cid = json_string_value(json_object_get(c, "client_id"));
	exp = json_object_get(c, "exp");
	if (i == NULL || strcmp(i, iss) != 0 || jti == NULL || strlen(jti) > 128 || cid == NULL ||
	    !json_is_integer(exp) || json_integer_value(exp) <= (json_int_t)now) {
		json_decref(c);
		return E_INVALID;
	}
	json_decref(e->claims);
	memcpy(e->h, h, sizeof(h));
	e->ks_serial = ks->serial;
	e->exp = (long long)json_integer_value(exp);
	e->claims = json_incref(c);
	*out = c;
	return 0;
}

int tok_logout_sign(const struct keyset *ks, enum key_alg alg, const char *iss,
                    const struct tok_logout *t, struct arena *a, char **out, size_t *outlen)
{
	const struct key *k = keys_active(ks, alg);
	char buf[TOK_CLAIMS_MAX], *p = buf;
	const char *end = buf + sizeof(buf);

	if (k == NULL)
		return E_NOTFOUND;
	if (head(&p, end, iss, t->sub, t->client_id) != 0 ||
	    put(&p, end, ",\"iat\":%lld,\"exp\":%lld", t->iat, t->exp) != 0 ||
	    put_str(&p, end, "jti", t->jti) != 0 || put_str(&p, end, "sid", t->sid) != 0 ||
	    put(&p, end, ",\"events\":{\"http://schemas.openid.net/event/backchannel-logout\":{}}}") !=
	            0)
		return E_LIMIT;
	return jws_sign(k, "logout+jwt", buf, (size_t)(p - buf), a, out, outlen);
}

int tok_id_sign(const struct keyset *ks, enum key_alg alg, const char *iss, const struct tok_id *t,
                struct arena *a, char **out, size_t *outlen)
{
	const struct key *k = keys_active(ks, alg);
	char buf[TOK_CLAIMS_MAX], *p = buf, at_hash[24] = "";
	const char *end = buf + sizeof(buf);

	if (k == NULL)
		return E_NOTFOUND;
	if (t->access_token != NULL) {
		uint8_t h[SEC_SHA256_LEN];

		/* the left half of the hash with the ID token's own algorithm's hash: SHA-256 for
		 * both ES256 and RS256 */
		sec_sha256(t->access_token, strlen(t->access_token), h);
		sec_b64url_encode(h, sizeof(h) / 2, at_hash);
	}
	if (head(&p, end, iss, t->sub, t->client_id) != 0 ||
	    put_str(&p, end, "azp", t->client_id) != 0 ||
	    put(&p, end, ",\"iat\":%lld,\"exp\":%lld", t->iat, t->exp) != 0 ||
	    (t->auth_time > 0 && put(&p, end, ",\"auth_time\":%lld", t->auth_time) != 0) ||
	    put_str(&p, end, "nonce", t->nonce) != 0 || put_str(&p, end, "acr", t->acr) != 0 ||
	    (t->amr_json != NULL && put(&p, end, ",\"amr\":%s", t->amr_json) != 0) ||
	    put_str(&p, end, "at_hash", at_hash) != 0 || put_str(&p, end, "sid", t->sid) != 0 ||
	    put(&p, end, "}") != 0)
		return E_LIMIT;
	return jws_sign(k, "JWT", buf, (size_t)(p - buf), a, out, outlen);
}

void tok_pairwise_sub(const uint8_t pepper[32], const char *sector, const char *id,
                      char out[TOK_SUB_SIZE])
{
	static const char label[] = "authd pairwise sub v1";
	uint8_t k[SEC_SHA256_LEN], mac[SEC_SHA256_LEN];

	sec_hmac256(pepper, 32, label, sizeof(label) - 1, NULL, 0, k);
	/* sector NUL id: the NUL keeps ("ab", "c") and ("a", "bc") apart */
	sec_hmac256(k, sizeof(k), sector, strlen(sector) + 1, id, strlen(id), mac);
	sec_b64url_encode(mac, sizeof(mac), out);
	sec_wipe(k, sizeof(k));
}

static int aud_ok(json_t *aud, const char *const *auds, size_t naud)
{
	size_t i;
	json_t *v;

	if (json_is_string(aud)) {
		for (size_t k = 0; k < naud; k++)
			if (strcmp(json_string_value(aud), auds[k]) == 0)
				return 1;
		return 0;
	}
	if (!json_is_array(aud))
		return 0;
	json_array_foreach(aud, i, v) {
		if (json_is_string(v) && aud_ok(v, auds, naud))
			return 1;
	}
	return 0;
}

/* A NumericDate claim: absent (*out = 0) or an integer/real of at most TOK_TIME_MAX either
 * way; E_INVALID otherwise. The bound keeps the conversion of a real defined (1e300 does not fit
 * a long long) and exp + TOK_SKEW from overflowing. */
static int numeric_date(json_t *claims, const char *name, long long *out)
{
	json_t *v = json_object_get(claims, name);
	double d;

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_number(v))
		return E_INVALID;
	d = json_number_value(v);
	if (!(d >= -TOK_TIME_MAX && d <= TOK_TIME_MAX))
		return E_INVALID;
	*out = json_is_integer(v) ? (long long)json_integer_value(v) : (long long)d;
	return 0;
}

int tok_assertion_verify(const struct client *c, const char *jwt, size_t len,
                         const char *const *auds, size_t naud, long long now,
                         char jti_hash[TOK_SUB_SIZE], long long *exp, struct errbuf *eb)
{
	char kid[KEYS_KID_SIZE];
	const struct client_key *ck;
	json_t *claims = NULL;
	const char *iss, *sub, *jti;
	long long e, iat, nbf;
	uint8_t h[SEC_SHA256_LEN];
	int r;

	if (c->nkeys == 0)
		return eb_set(eb, E_INVALID, "the client has no registered keys");
	r = jws_kid(jwt, len, kid, eb);
	if (r != 0 && r != E_NOTFOUND)
		return r;
	if ((ck = clients_key_find(c, r == 0 ? kid : NULL)) == NULL)
		return eb_set(eb, E_INVALID, "no registered key matches the assertion's kid");
	if ((r = jws_verify(jwt, len, ck->pkey, ck->alg, NULL, NULL, &claims, eb)) != 0)
		return r;
	r = E_INVALID;
	iss = json_string_value(json_object_get(claims, "iss"));
	sub = json_string_value(json_object_get(claims, "sub"));
	jti = json_string_value(json_object_get(claims, "jti"));
	if (iss == NULL || sub == NULL || strcmp(iss, c->id) != 0 || strcmp(sub, c->id) != 0)
		eb_set(eb, r, "iss and sub must both be the client_id");
	else if (!aud_ok(json_object_get(claims, "aud"), auds, naud))
		eb_set(eb, r, "aud must be this server's issuer or endpoint");
	else if (numeric_date(claims, "exp", &e) != 0 || e == 0)
		eb_set(eb, r, "exp is required (a NumericDate)");
	else if (e + TOK_SKEW < now)
		eb_set(eb, r, "the assertion has expired");
	else if (e > now + TOK_ASSERTION_MAX_LIFE + TOK_SKEW)
		eb_set(eb, r, "exp is too far in the future (at most %d s)", TOK_ASSERTION_MAX_LIFE);
	else if (numeric_date(claims, "iat", &iat) != 0 || iat > now + TOK_SKEW)
		eb_set(eb, r, "iat is in the future");
	else if (numeric_date(claims, "nbf", &nbf) != 0 || nbf > now + TOK_SKEW)
		eb_set(eb, r, "the assertion is not valid yet");
	else if (jti == NULL || jti[0] == '\0' || strlen(jti) > 256)
		eb_set(eb, r, "jti is required (1..256 bytes)");
	else
		r = 0;
	if (r == 0) {
		sec_sha256(jti, strlen(jti), h);
		sec_b64url_encode(h, sizeof(h), jti_hash);
		*exp = e;
	}
	json_decref(claims);
	return r;
}
