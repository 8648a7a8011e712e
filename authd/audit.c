/* audit.c — see audit.h. */
#include "audit.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "accounts.h"
#include "gen.h"
#include "http.h"
#include "sec.h"
#include <openssl/evp.h>
#include "skeys.h"
#include "store.h"

#define AUDIT_TRIES 8

/* The last head this worker saw: usually right, so most appends take one round trip. */
static char head_cache[AUDIT_HASH_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

struct audit {
	step_fn next;
	const char *ev, *sub, *ip, *detail;
	char ts[24];
	char prev[AUDIT_HASH_HEX + 1], h[AUDIT_HASH_HEX + 1];
	int tries;
};

void audit_hash(const char *prev, const char *ts, const char *ev, const char *sub,
                const char *ip, const char *detail, char out[AUDIT_HASH_HEX + 1])
{
	const char *parts[] = { "v1", prev, ts, ev, sub, ip, detail };
	uint8_t h[SEC_SHA256_LEN];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (i > 0)
			EVP_DigestUpdate(c, "|", 1);
		EVP_DigestUpdate(c, parts[i], strlen(parts[i]));
	}
	EVP_DigestFinal_ex(c, h, &n);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < SEC_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

void audit_subject(const uint8_t pepper[32], const char *id, char out[AUDIT_SUB_LEN + 1])
{
	uint8_t h[SEC_SHA256_LEN];

	acct_id_mask(id, out);
	out[ACCT_ID_LEN] = '~';
	sec_hmac256(pepper, 32, "audit|", 6, id, strlen(id), h);
	for (int i = 0; i < 6; i++)
		snprintf(out + ACCT_ID_LEN + 1 + 2 * i, 3, "%02x", h[i]);
}

static enum step send(struct req *r, struct audit *a);

static enum step appended(struct req *r)
{
	struct audit *a = r->ctx_audit;
	const struct sreply *x = r->reply;

	if (x != NULL && x->type == SR_ARRAY && x->n == 2 && x->elem[0]->type == SR_STRING &&
	    x->elem[1]->type == SR_STRING) {
		if (strcmp(x->elem[0]->str, "ok") == 0) {
			memcpy(head_cache, a->h, sizeof(head_cache));
			return a->next(r);
		}
		if (strcmp(x->elem[0]->str, "retry") == 0 && x->elem[1]->len == AUDIT_HASH_HEX &&
		    ++a->tries < AUDIT_TRIES) {
			memcpy(head_cache, x->elem[1]->str, sizeof(head_cache));
			return send(r, a);
		}
	}
	log_event(LOG_ERROR, r->id, "audit_append_failed", "audit_ev", a->ev, "sub", a->sub,
	          "detail", a->detail, NULL);
	return a->next(r);
}

static enum step send(struct req *r, struct audit *a)
{
	const char *args[] = { SK_AUDIT, SK_AUDIT_HEAD, a->prev, a->h, "prev", a->prev, "ts", a->ts,
		               "ev", a->ev, "sub", a->sub, "ip", a->ip, "detail", a->detail,
		               "h", a->h };

	memcpy(a->prev, head_cache, sizeof(a->prev));
	audit_hash(a->prev, a->ts, a->ev, a->sub, a->ip, a->detail, a->h);
	return store_eval(r, appended, LUA_AUDIT_APPEND, 2, (int)(sizeof(args) / sizeof(args[0])),
	                  args, NULL);
}

enum step audit_append_id(struct req *r, step_fn next, const char *ev, const char *id,
                          const char *detail)
{
	char *sub = arena_alloc(&r->arena, AUDIT_SUB_LEN + 1);

	if (sub == NULL)
		return next(r);
	audit_subject(r->gen->pepper, id, sub);
	return audit_append(r, next, ev, sub, detail);
}

enum step audit_append(struct req *r, step_fn next, const char *ev, const char *sub,
                       const char *detail)
{
	struct audit *a = arena_alloc(&r->arena, sizeof(*a));
	struct timeval tv;
	enum step s;

	if (a == NULL)
		return next(r);
	gettimeofday(&tv, NULL);
	snprintf(a->ts, sizeof(a->ts), "%lld%03d", (long long)tv.tv_sec, (int)(tv.tv_usec / 1000));
	a->next = next;
	a->ev = ev;
	a->sub = sub;
	a->ip = http_client_ip(r);
	a->detail = detail != NULL ? detail : "";
	r->ctx_audit = a;
	s = send(r, a);
	if (s == STEP_DONE && r->error != NULL && r->status == 503) {
		/* Redis refused at once: record in the log, answer what the operation earned */
		log_event(LOG_ERROR, r->id, "audit_append_failed", "audit_ev", ev, "sub", sub, NULL);
		r->error = NULL;
		r->error_desc = NULL;
		r->status = 0;
		return next(r);
	}
	return s;
}
