/* audit.c — see audit.h. */
#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "accounts.h"
#include "gen.h"
#include "http.h"
#include "lim.h"
#include "log.h"
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

/* --- appends for no request (reloads, key changes, token summaries) --- */

struct bg {
	struct store *s;
	char ts[24], ev[48], sub[64], detail[512];
	char prev[AUDIT_HASH_HEX + 1], h[AUDIT_HASH_HEX + 1];
	int tries;
};

static int bg_send(struct bg *b);

static void bg_appended(void *arg, const struct sreply *x)
{
	struct bg *b = arg;

	if (x != NULL && x->type == SR_ARRAY && x->n == 2 && x->elem[0]->type == SR_STRING &&
	    x->elem[1]->type == SR_STRING) {
		if (strcmp(x->elem[0]->str, "ok") == 0) {
			memcpy(head_cache, b->h, sizeof(head_cache));
			free(b);
			return;
		}
		if (strcmp(x->elem[0]->str, "retry") == 0 && x->elem[1]->len == AUDIT_HASH_HEX &&
		    ++b->tries < AUDIT_TRIES) {
			memcpy(head_cache, x->elem[1]->str, sizeof(head_cache));
			if (bg_send(b) == 0)
				return;
		}
	}
	log_event(LOG_ERROR, NULL, "audit_append_failed", "audit_ev", b->ev, "sub", b->sub,
	          "detail", b->detail, NULL);
	free(b);
}

static int bg_send(struct bg *b)
{
	const char *args[] = { SK_AUDIT, SK_AUDIT_HEAD, b->prev, b->h, "prev", b->prev, "ts", b->ts,
		               "ev", b->ev, "sub", b->sub, "ip", "-", "detail", b->detail,
		               "h", b->h };

	memcpy(b->prev, head_cache, sizeof(b->prev));
	audit_hash(b->prev, b->ts, b->ev, b->sub, "-", b->detail, b->h);
	return store_eval_fn(b->s, LUA_AUDIT_APPEND, 2, (int)(sizeof(args) / sizeof(args[0])), args,
	                     bg_appended, b);
}

void audit_append_bg(struct store *s, const char *ev, const char *sub, const char *detail)
{
	struct bg *b = calloc(1, sizeof(*b));
	struct timeval tv;

	if (b == NULL) {
		log_event(LOG_ERROR, NULL, "audit_append_failed", "audit_ev", ev, NULL);
		return;
	}
	gettimeofday(&tv, NULL);
	snprintf(b->ts, sizeof(b->ts), "%lld%03d", (long long)tv.tv_sec, (int)(tv.tv_usec / 1000));
	b->s = s;
	snprintf(b->ev, sizeof(b->ev), "%s", ev);
	snprintf(b->sub, sizeof(b->sub), "%s", sub);
	snprintf(b->detail, sizeof(b->detail), "%s", detail != NULL ? detail : "");
	if (bg_send(b) != 0) {
		log_event(LOG_ERROR, NULL, "audit_append_failed", "audit_ev", ev, "sub", sub, "detail",
		          b->detail, NULL);
		free(b);
	}
}

/* --- token issuance summaries: counted per client, appended once a minute per worker --- */

#define TALLY_MAX 64 /* clients counted by name; the rest as "other" */

static struct {
	char client[LIM_CLIENT_ID + 1];
	unsigned long n;
} tally[TALLY_MAX];
static int ntally;
static unsigned long tally_other;

void audit_count_token(const char *client_id)
{
	for (int i = 0; i < ntally; i++)
		if (strcmp(tally[i].client, client_id) == 0) {
			tally[i].n++;
			return;
		}
	if (ntally < TALLY_MAX && strlen(client_id) <= LIM_CLIENT_ID) {
		snprintf(tally[ntally].client, sizeof(tally[ntally].client), "%s", client_id);
		tally[ntally++].n = 1;
		return;
	}
	tally_other++;
}

void audit_flush_tokens(struct store *s, int worker)
{
	char detail[512], sub[32];
	size_t o = 0;

	if (ntally == 0 && tally_other == 0)
		return;
	for (int i = 0; i < ntally && o < sizeof(detail); i++)
		o += (size_t)snprintf(detail + o, sizeof(detail) - o, "%s%s=%lu", o ? "," : "",
		                      tally[i].client, tally[i].n);
	if (tally_other > 0 && o < sizeof(detail))
		snprintf(detail + o, sizeof(detail) - o, "%sother=%lu", o ? "," : "", tally_other);
	snprintf(sub, sizeof(sub), "authd-w%d", worker);
	audit_append_bg(s, "tokens_issued", sub, detail);
	ntally = 0;
	tally_other = 0;
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
