/*
 * eidctl — the administrator's command line (docs/admin-api.md).
 *
 * Over the admin API, as the client a credentials file names (default config/eidctl.json:
 * {"url", "client_id", "key"}; -C names another):
 *   eidctl [-C FILE] [--json] account show|lock|revoke|reinstate|level2 ID [--reason R] [--minutes N]
 *   eidctl [-C FILE] [--json] device retire ID --reason R
 *   eidctl [-C FILE] [--json] sessions ID [--end [SESSION] --reason R]
 *   eidctl [-C FILE] [--json] audit tail [N] | audit filter [--id ID] [--client C] [--ev EV]
 *                             [--since T] [--until T] [--limit N]
 * Each run gets a token first: the discovery document's issuer, then POST /token with
 * grant_type=client_credentials, scope=admin and a client assertion (RFC 7523) signed with the
 * credentials' key (ES256 for an EC P-256 key, RS256 for an RSA key; kid = RFC 7638 thumbprint).
 * --json prints the server's answer as it is; otherwise tables and lines. A refusal prints the
 * server's status, error and error_description.
 *
 * Locally, as the operator of the server (-c config/authd.json):
 *   eidctl [-c FILE] audit verify                 the audit log's hash chain (Redis directly)
 *   eidctl [-c FILE] import-population FILE.csv   load the population registry (Redis directly)
 *   eidctl [-c FILE] keys rotate [--alg ES256|RS256] [--pid-file F]
 *       next key -> active, active -> retired, a new next key, expired retired keys removed, in
 *       the keys directory authd.json names; --pid-file sends SIGHUP to authd's master process
 *   eidctl client secret       a new client secret and the client_secret_hash for a registration
 *
 * Options of a command may come in any order after its word; an option's value is the word that
 * follows it, taken as it is even when it begins with '-' (server-made session identifiers may),
 * and so is the optional SESSION of --end unless it is another option of the command; "--" ends
 * the options. Exit status: 0 done, 1 error or refused, 2 usage, 3 import: some rows rejected
 * (the others loaded); audit verify: 1 when the chain is broken.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <hiredis/hiredis.h>
#include <jwt.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "audit.h"
#include "conf.h"
#include "js.h"
#include "keys.h"
#include "sec.h"
#include "skeys.h"
#include "tool.h"

#define MAX_LINE 2048
#define MAX_ROWS 20000000      /* bound on the input loop */
#define PIPELINE 512           /* rows in flight before reading replies */
#define HTTP_TIMEOUT_S 15
#define ASSERTION_LIFE_S 60
#define JWKS_MAX_AGE_S 300     /* http.c: Cache-Control of /jwks */
#define RETIRE_MARGIN_S 300    /* on top of the access/ID token lifetimes: clock skew, requests in
                                * flight, logout tokens (bcl.c: 120 s) */

static void usage(void)
{
	fprintf(stderr,
	        "usage: eidctl [-C credentials.json] [--json] account show|lock|revoke|reinstate|level2 ID "
	        "[--reason R] [--minutes N]\n"
	        "       eidctl [-C ...] [--json] device retire ID --reason R\n"
	        "       eidctl [-C ...] [--json] sessions ID [--end [SESSION] --reason R]\n"
	        "       eidctl [-C ...] [--json] audit tail [N] | audit filter [--id ID] [--client C] "
	        "[--ev EV] [--since T] [--until T] [--limit N]\n"
	        "       eidctl [-c authd.json] audit verify\n"
	        "       eidctl [-c authd.json] import-population FILE.csv\n"
	        "       eidctl [--json] client secret\n"
	        "       eidctl [-c authd.json] keys rotate [--alg ES256|RS256] [--pid-file F]\n"
	        "T: ms since the epoch, or YYYY-MM-DD[THH:MM[:SS]] (UTC). Defaults: -c "
	        "config/authd.json, -C config/eidctl.json.\n");
}

static void queue_row(redisContext *rc, const struct acct_reg *r)
{
	char key[SK_MAX];

	sk_reg(key, r->id);
	redisAppendCommand(rc, "MULTI");
	redisAppendCommand(rc, "DEL %s", key);
	redisAppendCommand(rc, "HSET %s name %s dob %s sex %s residence %s phone %s doc %s", key,
	                   r->name, r->dob, r->sex == ACCT_FEMALE ? "F" : "M", r->residence,
	                   r->phone, r->doc);
	redisAppendCommand(rc, "EXEC");
}

/* Reads the replies of `rows` queued rows; returns the number that failed. */
static long drain(redisContext *rc, long rows)
{
	long failed = 0;

	for (long i = 0; i < rows; i++) {
		int bad = 0;

		for (int k = 0; k < 4; k++) {
			redisReply *rr = NULL;

			if (redisGetReply(rc, (void **)&rr) != REDIS_OK || rr == NULL) {
				fprintf(stderr, "eidctl: redis: %s\n", rc->errstr);
				exit(1);
			}
			bad |= rr->type == REDIS_REPLY_ERROR ||
			       (k == 3 && rr->type != REDIS_REPLY_ARRAY);
			freeReplyObject(rr);
		}
		failed += bad;
	}
	return failed;
}

static int import_population(const struct conf *c, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[MAX_LINE + 2];
	long lineno = 0, loaded = 0, rejected = 0, queued = 0, failed = 0;
	redisContext *rc;
	char *seen = NULL;    /* ID numbers seen so far, to refuse duplicates within a file */
	size_t nseen = 0, capseen = 0;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	if ((rc = tool_redis(c, "eidctl")) == NULL) {
		fclose(f);
		return 1;
	}
	while (lineno < MAX_ROWS && fgets(line, sizeof(line), f) != NULL) {
		struct errbuf eb = { 0 };
		struct acct_reg r;
		size_t n = strlen(line);
		size_t i;

		lineno++;
		if (n > 0 && line[n - 1] != '\n' && !feof(f)) {
			int ch;

			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			fprintf(stderr, "%s:%ld: line longer than %d bytes\n", path, lineno, MAX_LINE);
			rejected++;
			continue;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (lineno == 1) {
			if (!acct_csv_header_ok(line)) {
				fprintf(stderr,
				        "%s:1: header must be id_number,full_name,date_of_birth,sex,"
				        "residence,phone,document_number\n",
				        path);
				redisFree(rc);
				fclose(f);
				return 1;
			}
			continue;
		}
		if (n == 0)
			continue;
		if (acct_reg_parse_csv(line, &r, &eb) != 0) {
			fprintf(stderr, "%s:%ld: %s\n", path, lineno, eb.msg);
			rejected++;
			continue;
		}
		for (i = 0; i < nseen; i++)
			if (memcmp(seen + i * ACCT_ID_LEN, r.id, ACCT_ID_LEN) == 0)
				break;
		if (i < nseen) {
			fprintf(stderr, "%s:%ld: id_number: %.6s****** appears twice in the file\n",
			        path, lineno, r.id);
			rejected++;
			continue;
		}
		if (nseen == capseen) {
			char *ns = realloc(seen, (capseen = capseen ? capseen * 2 : 1024) * ACCT_ID_LEN);

			if (ns == NULL) {
				fprintf(stderr, "eidctl: out of memory\n");
				exit(1);
			}
			seen = ns;
		}
		memcpy(seen + nseen++ * ACCT_ID_LEN, r.id, ACCT_ID_LEN);
		queue_row(rc, &r);
		loaded++;
		if (++queued == PIPELINE) {
			failed += drain(rc, queued);
			queued = 0;
		}
	}
	failed += drain(rc, queued);
	free(seen);
	redisFree(rc);
	if (f != stdin)
		fclose(f);
	if (failed > 0) {
		fprintf(stderr, "eidctl: redis refused %ld rows\n", failed);
		return 1;
	}
	printf("import-population: %ld loaded, %ld rejected\n", loaded, rejected);
	return rejected > 0 ? 3 : 0;
}

/* One stream entry's fields, by name ("" when absent). */
static const char *field(redisReply *e, const char *name)
{
	redisReply *f = e->element[1];

	for (size_t k = 0; k + 1 < f->elements; k += 2)
		if (strcmp(f->element[k]->str, name) == 0)
			return f->element[k + 1]->str;
	return "";
}

/* Walks the whole stream in order, recomputing each hash and its link to the one before. */
static int audit_verify(redisContext *rc)
{
	char prev[AUDIT_HASH_HEX + 1], h[AUDIT_HASH_HEX + 1], last[64] = "-";
	long n = 0;
	redisReply *head;

	memset(prev, '0', AUDIT_HASH_HEX);
	prev[AUDIT_HASH_HEX] = '\0';
	for (int page = 0; page < 1000000; page++) {
		redisReply *rr = strcmp(last, "-") == 0
		                         ? redisCommand(rc, "XRANGE %s - + COUNT 500", SK_AUDIT)
		                         : redisCommand(rc, "XRANGE %s (%s + COUNT 500", SK_AUDIT, last);
		size_t i;

		if (rr == NULL || rr->type != REDIS_REPLY_ARRAY) {
			fprintf(stderr, "eidctl: redis: %s\n", rc->errstr);
			freeReplyObject(rr);
			return 1;
		}
		for (i = 0; i < rr->elements; i++) {
			redisReply *e = rr->element[i];
			const char *id = e->element[0]->str;

			if (strcmp(field(e, "prev"), prev) != 0) {
				printf("audit: BROKEN at %s (entry %ld): it does not follow the entry before "
				       "it (one was deleted, reordered or inserted)\n", id, n + 1);
				freeReplyObject(rr);
				return 1;
			}
			audit_hash(prev, field(e, "ts"), field(e, "ev"), field(e, "sub"), field(e, "ip"),
			           field(e, "detail"), h);
			if (strcmp(h, field(e, "h")) != 0) {
				printf("audit: BROKEN at %s (entry %ld): its content was edited\n", id, n + 1);
				freeReplyObject(rr);
				return 1;
			}
			memcpy(prev, h, sizeof(prev));
			snprintf(last, sizeof(last), "%s", id);
			n++;
		}
		freeReplyObject(rr);
		if (i < 500)
			break;
	}
	head = redisCommand(rc, "GET %s", SK_AUDIT_HEAD);
	if (head != NULL && head->type == REDIS_REPLY_STRING && strcmp(head->str, prev) != 0) {
		printf("audit: BROKEN after entry %ld: the chain's head is %.12s..., not the last "
		       "entry's hash (entries were deleted at the end)\n", n, head->str);
		freeReplyObject(head);
		return 1;
	}
	freeReplyObject(head);
	printf("audit: %ld entries, chain intact\n", n);
	return 0;
}

static int audit_verify_cmd(const struct conf *c)
{
	redisContext *rc = tool_redis(c, "eidctl");
	int r;

	if (rc == NULL)
		return 1;
	r = audit_verify(rc);
	redisFree(rc);
	return r;
}

/* ---- command words and their options ------------------------------------------------------ */

enum { ARG_NONE, ARG_ONE, ARG_OPTIONAL };

struct args {
	const char *pos[3];          /* positional words after the command's own words */
	int npos;
	const char *reason, *minutes, *session, *id, *client, *ev, *since, *until, *limit, *alg;
	const char *pid_file;
	int end, json;
	unsigned seen;
};

enum {
	O_REASON = 1u << 0, O_MINUTES = 1u << 1, O_END = 1u << 2, O_ID = 1u << 3,
	O_CLIENT = 1u << 4, O_EV = 1u << 5, O_SINCE = 1u << 6, O_UNTIL = 1u << 7,
	O_LIMIT = 1u << 8, O_ALG = 1u << 9, O_PID_FILE = 1u << 10, O_JSON = 1u << 11,
};

static const struct {
	const char *name;
	unsigned bit;
	int arg;
	size_t off;                  /* where the value goes in struct args */
} OPTS[] = {
	{ "--reason", O_REASON, ARG_ONE, offsetof(struct args, reason) },
	{ "--minutes", O_MINUTES, ARG_ONE, offsetof(struct args, minutes) },
	{ "--end", O_END, ARG_OPTIONAL, offsetof(struct args, session) },
	{ "--id", O_ID, ARG_ONE, offsetof(struct args, id) },
	{ "--client", O_CLIENT, ARG_ONE, offsetof(struct args, client) },
	{ "--ev", O_EV, ARG_ONE, offsetof(struct args, ev) },
	{ "--since", O_SINCE, ARG_ONE, offsetof(struct args, since) },
	{ "--until", O_UNTIL, ARG_ONE, offsetof(struct args, until) },
	{ "--limit", O_LIMIT, ARG_ONE, offsetof(struct args, limit) },
	{ "--alg", O_ALG, ARG_ONE, offsetof(struct args, alg) },
	{ "--pid-file", O_PID_FILE, ARG_ONE, offsetof(struct args, pid_file) },
	{ "--json", O_JSON, ARG_NONE, 0 },
};
#define NOPTS (sizeof(OPTS) / sizeof(OPTS[0]))

/* The option w names ("--x" or "--x=value") among those `allowed`, or -1. */
static int opt_find(const char *w, unsigned allowed)
{
	for (size_t k = 0; k < NOPTS; k++) {
		size_t n = strlen(OPTS[k].name);

		if ((allowed & OPTS[k].bit) != 0 && strncmp(w, OPTS[k].name, n) == 0 &&
		    (w[n] == '\0' || (w[n] == '=' && OPTS[k].arg != ARG_NONE)))
			return (int)k;
	}
	return -1;
}

/* Parses the words after a command (argv[0..argc)): options in `allowed` (--json always), at
 * most maxpos positional words. Returns 0, or 2 with the reason printed. */
static int args_parse(int argc, char **argv, unsigned allowed, int maxpos, const char *cmd,
                      struct args *a)
{
	int opts_done = 0;

	allowed |= O_JSON;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i], *eq, *val = NULL;
		int k;

		if (!opts_done && strcmp(w, "--") == 0) {
			opts_done = 1;
			continue;
		}
		if (opts_done || w[0] != '-' || w[1] == '\0') {
			if (a->npos >= maxpos || a->npos >= (int)(sizeof(a->pos) / sizeof(a->pos[0]))) {
				fprintf(stderr, "eidctl: %s: unexpected argument \"%s\"\n", cmd, w);
				return 2;
			}
			a->pos[a->npos++] = w;
			continue;
		}
		if ((k = opt_find(w, allowed)) < 0) {
			fprintf(stderr, "eidctl: %s: unknown option %s\n", cmd, w);
			return 2;
		}
		if ((a->seen & OPTS[k].bit) != 0) {
			fprintf(stderr, "eidctl: %s: %s given twice\n", cmd, OPTS[k].name);
			return 2;
		}
		a->seen |= OPTS[k].bit;
		eq = strchr(w, '=');
		if (OPTS[k].arg == ARG_NONE) {
			a->json = 1;
			continue;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (OPTS[k].arg == ARG_ONE && i + 1 < argc)
			val = argv[++i];        /* as it is, even when it begins with '-' */
		else if (OPTS[k].arg == ARG_OPTIONAL && i + 1 < argc && opt_find(argv[i + 1], allowed) < 0 &&
		         strcmp(argv[i + 1], "--") != 0)
			val = argv[++i];
		if (OPTS[k].arg == ARG_ONE && val == NULL) {
			fprintf(stderr, "eidctl: %s: %s needs a value\n", cmd, OPTS[k].name);
			return 2;
		}
		if (OPTS[k].bit == O_END)
			a->end = 1;
		*(const char **)((char *)a + OPTS[k].off) = val;
	}
	return 0;
}

static int all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* A citizen's ID number: 12 digits (checked here so that a typo never reaches the server). */
static int id_ok(const char *cmd, const char *id)
{
	if (id != NULL && all_digits(id, ACCT_ID_LEN, ACCT_ID_LEN))
		return 1;
	fprintf(stderr, "eidctl: %s: ID must be a %d-digit ID number\n", cmd, ACCT_ID_LEN);
	return 0;
}

/* Every changing call carries a reason, written to the audit log with our client_id. */
static int reason_ok(const char *cmd, const char *reason)
{
	if (reason != NULL && reason[0] != '\0')
		return 1;
	fprintf(stderr, "eidctl: %s: --reason R is required (it goes to the audit log)\n", cmd);
	return 0;
}

/* ---- credentials and token ---------------------------------------------------------------- */

struct api {
	const char *creds_path;
	int json;
	char *url, *client_id, *key;     /* from the credentials file */
	char *token;                      /* the access token, once obtained */
};

static void api_fini(struct api *a)
{
	free(a->url);
	free(a->client_id);
	free(a->key);
	if (a->token != NULL) {
		sec_wipe(a->token, strlen(a->token));
		free(a->token);
	}
}

static int creds_load(struct api *a)
{
	static const char *const allowed[] = { "url", "client_id", "key", NULL };
	struct errbuf eb = { .file = a->creds_path };
	json_t *j = NULL;
	int r;

	if ((r = js_load_file(a->creds_path, 65536, &j, &eb)) == 0 &&
	    (r = js_only_keys(j, allowed, NULL, &eb)) == 0 &&
	    (r = js_str(j, "url", "url", 1, LIM_URI, &a->url, &eb)) == 0 &&
	    (r = js_str(j, "client_id", "client_id", 1, 128, &a->client_id, &eb)) == 0)
		r = js_str(j, "key", "key", 1, LIM_PATH, &a->key, &eb);
	json_decref(j);
	if (r == 0 && strncmp(a->url, "http://", 7) != 0)
		r = eb_set(&eb, E_INVALID, "url: must begin with http:// (this client speaks plain "
		                           "HTTP, to a loopback or tunnelled address)");
	if (r != 0) {
		fprintf(stderr, "eidctl: %s\n", eb.msg);
		return 1;
	}
	for (size_t n = strlen(a->url); n > 0 && a->url[n - 1] == '/'; n--)
		a->url[n - 1] = '\0';
	return 0;
}

/* The server's reason for a refusal: "(401 invalid_client): why". Always returns 1. */
static int refused(const char *what, const char *url, int status, json_t *j, int json)
{
	const char *e = json_string_value(json_object_get(j, "error"));
	const char *d = json_string_value(json_object_get(j, "error_description"));

	if (status == 0)
		fprintf(stderr, "eidctl: %s: %s could not be reached\n", what, url);
	else
		fprintf(stderr, "eidctl: %s refused (%d %s): %s\n", what, status,
		        e != NULL ? e : "error", d != NULL ? d : "no reason given");
	if (json && j != NULL) {
		char *s = json_dumps(j, JSON_INDENT(2));

		if (s != NULL)
			puts(s);
		free(s);
	}
	json_decref(j);
	return 1;
}

static char *read_small(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (f == NULL)
		return NULL;
	if ((buf = calloc(1, max + 1)) != NULL)
		*len = fread(buf, 1, max, f);
	fclose(f);
	return buf;
}

/* An encrypted key fails to load instead of prompting: libjwt signs from the PEM text. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The client assertion (RFC 7523 §3): iss = sub = client_id, aud = the issuer, a fresh jti,
 * 60 s of life; signed with the credentials' key, whose thumbprint is the kid. */
static char *assertion_sign(const struct api *a, const char *issuer)
{
	char kid[KEYS_KID_SIZE], jti[32];
	size_t n = 0;
	char *pem = read_small(a->key, LIM_PEM_FILE, &n), *out = NULL;
	BIO *bio = NULL;
	EVP_PKEY *pk = NULL;
	jwt_t *jwt = NULL;
	jwt_alg_t alg;
	struct stat st;
	long long now = (long long)time(NULL);

	if (pem == NULL) {
		fprintf(stderr, "eidctl: %s: cannot read the key: %s\n", a->key, strerror(errno));
		return NULL;
	}
	if (stat(a->key, &st) == 0 && (st.st_mode & 077) != 0)
		fprintf(stderr, "eidctl: warning: %s can be read by others (chmod 600 it)\n", a->key);
	if ((bio = BIO_new_mem_buf(pem, (int)n)) == NULL ||
	    (pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) == NULL ||
	    keys_thumbprint(pk, kid) != 0) {
		fprintf(stderr, "eidctl: %s: not an unencrypted PEM private key (EC P-256 or RSA)\n",
		        a->key);
		goto out;
	}
	if (keys_pkey_check(pk, KEY_ES256, NULL) == 0)
		alg = JWT_ALG_ES256;
	else if (keys_pkey_check(pk, KEY_RS256, NULL) == 0)
		alg = JWT_ALG_RS256;
	else {
		fprintf(stderr, "eidctl: %s: needs an EC P-256 or an RSA 2048+ key\n", a->key);
		goto out;
	}
	if (sec_random_token(jti, 16) != 0 || jwt_new(&jwt) != 0 ||
	    jwt_add_grant(jwt, "iss", a->client_id) != 0 ||
	    jwt_add_grant(jwt, "sub", a->client_id) != 0 || jwt_add_grant(jwt, "aud", issuer) != 0 ||
	    jwt_add_grant(jwt, "jti", jti) != 0 || jwt_add_grant_int(jwt, "iat", now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", now + ASSERTION_LIFE_S) != 0 ||
	    jwt_add_header(jwt, "kid", kid) != 0 ||
	    jwt_set_alg(jwt, alg, (unsigned char *)pem, (int)n) != 0 ||
	    (out = jwt_encode_str(jwt)) == NULL)
		fprintf(stderr, "eidctl: cannot sign the client assertion\n");
out:
	jwt_free(jwt);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	ERR_clear_error();
	sec_wipe(pem, n);
	free(pem);
	return out;
}

/* url + path (path may carry a query). */
static char *api_url(const struct api *a, const char *path)
{
	size_t n = strlen(a->url) + strlen(path) + 1;
	char *u = malloc(n);

	if (u != NULL)
		snprintf(u, n, "%s%s", a->url, path);
	return u;
}

/* Credentials, discovery (the issuer is the assertion's audience), then the token. */
static int api_login(struct api *a)
{
	char *u = NULL, *assertion = NULL, *enc_a = NULL, *enc_id = NULL, *form = NULL;
	const char *issuer, *at;
	json_t *j = NULL;
	int status, r = 1;
	size_t n;

	if (creds_load(a) != 0)
		return 1;
	if ((u = api_url(a, "/.well-known/openid-configuration")) == NULL)
		goto oom;
	status = tool_http_json("GET", u, NULL, NULL, HTTP_TIMEOUT_S, &j);
	if (status != 200 || (issuer = json_string_value(json_object_get(j, "issuer"))) == NULL) {
		r = refused("discovery", u, status, j, 0);
		j = NULL;
		goto out;
	}
	if ((assertion = assertion_sign(a, issuer)) == NULL)
		goto out;
	json_decref(j);
	j = NULL;
	free(u);
	if ((u = api_url(a, "/token")) == NULL || (enc_a = tool_urlencode(assertion)) == NULL ||
	    (enc_id = tool_urlencode(a->client_id)) == NULL)
		goto oom;
	n = strlen(enc_a) + strlen(enc_id) + 256;
	if ((form = malloc(n)) == NULL)
		goto oom;
	snprintf(form, n,
	         "grant_type=client_credentials&scope=admin&client_id=%s"
	         "&client_assertion_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-bearer"
	         "&client_assertion=%s",
	         enc_id, enc_a);
	status = tool_http_form(u, form, NULL, HTTP_TIMEOUT_S, &j);
	if (status != 200 || (at = json_string_value(json_object_get(j, "access_token"))) == NULL) {
		r = refused("token", u, status, j, 0);
		j = NULL;
		goto out;
	}
	if ((a->token = strdup(at)) == NULL)
		goto oom;
	r = 0;
	goto out;
oom:
	fprintf(stderr, "eidctl: out of memory\n");
out:
	json_decref(j);
	free(u);
	free(form);
	free(enc_a);
	free(enc_id);
	free(assertion);
	return r;
}

/* One admin call: GET (body NULL) or POST a JSON body to /admin/v1/<path>. On 200 returns 0
 * with the answer in *out (printed as it is with --json, and then *out is NULL); otherwise
 * prints the refusal and returns 1. Takes the reference to body. */
static int api_call(struct api *a, const char *what, const char *path, json_t *body, json_t **out)
{
	char full[2048], *u;
	json_t *j = NULL;
	int status;

	*out = NULL;
	snprintf(full, sizeof(full), "/admin/v1/%s", path);
	if (a->token == NULL && api_login(a) != 0) {
		json_decref(body);
		return 1;
	}
	if ((u = api_url(a, full)) == NULL) {
		json_decref(body);
		fprintf(stderr, "eidctl: out of memory\n");
		return 1;
	}
	status = tool_http_json(body != NULL ? "POST" : "GET", u, body, a->token, HTTP_TIMEOUT_S, &j);
	json_decref(body);
	if (status != 200 || j == NULL) {
		int r = refused(what, u, status, j, a->json);

		free(u);
		return r;
	}
	free(u);
	if (a->json) {
		char *s = json_dumps(j, JSON_INDENT(2));

		if (s != NULL)
			puts(s);
		free(s);
		json_decref(j);
		return 0;
	}
	*out = j;
	return 0;
}

/* ---- printing ----------------------------------------------------------------------------- */

/* A member as text: strings as they are, numbers, true/false; "-" when absent or null. */
static const char *val(json_t *o, const char *key, char *buf, size_t n)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, n, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_array(v)) {
		size_t i, o2 = 0;
		json_t *e;

		buf[0] = '\0';
		json_array_foreach(v, i, e) {
			if (json_is_string(e) && o2 < n)
				o2 += (size_t)snprintf(buf + o2, n - o2, "%s%s", i ? " " : "",
				                       json_string_value(e));
		}
		if (buf[0] == '\0')
			snprintf(buf, n, "-");
	} else
		snprintf(buf, n, "-");
	return buf;
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

/* Unix seconds (or ms, ms = 1) as "2026-11-18 09:13:20Z" ("-" for 0). */
static const char *when(long long t, int ms, char *buf, size_t n)
{
	time_t s = (time_t)(ms ? t / 1000 : t);
	struct tm tm;

	if (t <= 0 || gmtime_r(&s, &tm) == NULL) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (ms) {
		char b[32];

		strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(buf, n, "%s.%03lldZ", b, t % 1000);
	} else {
		strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm);
	}
	return buf;
}

/* "sso 1, app 0, grants 2, ciba 0, logout tokens 1" from an "ended" object. */
static const char *ended(json_t *e, char *buf, size_t n)
{
	static const char *const k[] = { "sso", "app", "grants", "ciba", "logout_tokens" };
	static const char *const label[] = { "sso", "app", "grants", "ciba", "logout tokens" };
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]) && o < n; i++)
		if (json_object_get(e, k[i]) != NULL)
			o += (size_t)snprintf(buf + o, n - o, "%s%s %lld", o ? ", " : "", label[i],
			                      num(e, k[i]));
	if (buf[0] == '\0')
		snprintf(buf, n, "nothing");
	return buf;
}

static void print_account(json_t *j)
{
	char b1[64], b2[64], b3[256];
	json_t *lock = json_object_get(j, "lock"), *dev = json_object_get(j, "device"), *lv, *s;
	size_t i;

	printf("%-15s %s  %s\n", "account", val(j, "id", b1, sizeof(b1)),
	       val(j, "name", b3, sizeof(b3)));
	printf("%-15s %s, level %s\n", "status", val(j, "status", b1, sizeof(b1)),
	       val(j, "level", b2, sizeof(b2)));
	if (num(j, "locked_until") <= 0)
		printf("%-15s no\n", "locked");
	else if (json_is_object(lock) && json_object_get(lock, "reason") != NULL)
		printf("%-15s until %s, by %s: %s\n", "locked", when(num(j, "locked_until"), 0, b1, sizeof(b1)),
		       val(lock, "by", b2, sizeof(b2)), val(lock, "reason", b3, sizeof(b3)));
	else
		printf("%-15s until %s, by %s\n", "locked", when(num(j, "locked_until"), 0, b1, sizeof(b1)),
		       json_is_object(lock) ? val(lock, "by", b2, sizeof(b2)) : "-");
	if (json_is_object(dev))
		printf("%-15s %s (%s)\n", "device", val(dev, "id", b1, sizeof(b1)),
		       json_is_true(json_object_get(dev, "bound")) ? "bound" : "not bound");
	else
		printf("%-15s none\n", "device");
	s = json_object_get(j, "sessions");
	printf("%-15s sso %lld, app %lld; grants %lld\n", "sessions", num(s, "sso"), num(s, "app"),
	       num(j, "grants"));
	printf("%-15s %s\n", "last app login", when(num(j, "last_app_login"), 0, b1, sizeof(b1)));
	json_array_foreach(json_object_get(j, "levels"), i, lv)
		printf("%-15s %s by %s (%s) at %s\n", i == 0 ? "levels" : "",
		       val(lv, "level", b1, sizeof(b1)), val(lv, "by", b2, sizeof(b2)),
		       val(lv, "how", b3, sizeof(b3)), when(num(lv, "at"), 0, b3 + 128, 128));
}

static void print_sessions(json_t *j)
{
	char b1[64], b2[64], b3[256], b4[64], b5[64];
	json_t *arr, *e;
	size_t i;

	arr = json_object_get(j, "sso");
	printf("browser (SSO) sessions: %zu\n", json_array_size(arr));
	if (json_array_size(arr) > 0)
		printf("  %-44s %-21s %-16s %-12s %s\n", "session", "auth_time", "acr", "amr", "sid");
	json_array_foreach(arr, i, e)
		printf("  %-44s %-21s %-16s %-12s %s\n", val(e, "session", b3, sizeof(b3)),
		       when(num(e, "auth_time"), 0, b1, sizeof(b1)), val(e, "acr", b2, sizeof(b2)),
		       val(e, "amr", b4, sizeof(b4)), val(e, "sid", b5, sizeof(b5)));
	arr = json_object_get(j, "app");
	printf("app sessions: %zu\n", json_array_size(arr));
	if (json_array_size(arr) > 0)
		printf("  %-44s %-21s %s\n", "session", "created", "device");
	json_array_foreach(arr, i, e)
		printf("  %-44s %-21s %s\n", val(e, "session", b3, sizeof(b3)),
		       when(num(e, "created"), 0, b1, sizeof(b1)), val(e, "device", b2, sizeof(b2)));
	arr = json_object_get(j, "grants");
	printf("grants (what relying parties hold): %zu\n", json_array_size(arr));
	if (json_array_size(arr) > 0)
		printf("  %-24s %-16s %-21s %-24s %s\n", "grant", "client", "created", "sid", "scope");
	json_array_foreach(arr, i, e)
		printf("  %-24s %-16s %-21s %-24s %s\n", val(e, "grant", b2, sizeof(b2)),
		       val(e, "client", b4, sizeof(b4)), when(num(e, "created"), 0, b1, sizeof(b1)),
		       val(e, "sid", b5, sizeof(b5)), val(e, "scope", b3, sizeof(b3)));
}

static void print_audit(json_t *j)
{
	char b1[64], b2[64], b3[128], b4[64], b5[512];
	json_t *e;
	size_t i;

	printf("%-24s %-22s %-26s %-16s %s\n", "time", "event", "subject", "address", "detail");
	json_array_foreach(json_object_get(j, "entries"), i, e)
		printf("%-24s %-22s %-26s %-16s %s\n", when(num(e, "ts"), 1, b1, sizeof(b1)),
		       val(e, "ev", b2, sizeof(b2)), val(e, "sub", b3, sizeof(b3)),
		       val(e, "ip", b4, sizeof(b4)), val(e, "detail", b5, sizeof(b5)));
}

/* ---- admin commands ----------------------------------------------------------------------- */

static int account_cmd(struct api *a, int argc, char **argv)
{
	static const char *const verbs[] = { "show", "lock", "revoke", "reinstate", "level2" };
	struct args g = { 0 };
	char what[32], b1[64], b2[256], q[64];
	const char *verb = argc > 0 ? argv[0] : "";
	json_t *j, *body;
	size_t v;
	int r;

	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcmp(verb, verbs[v]) == 0)
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0])) {
		usage();
		return 2;
	}
	snprintf(what, sizeof(what), "account %s", verb);
	if ((r = args_parse(argc - 1, argv + 1, v == 0 ? 0 : v == 1 ? O_REASON | O_MINUTES : O_REASON,
	                    1, what, &g)) != 0)
		return r;
	a->json |= g.json;
	if (!id_ok(what, g.npos == 1 ? g.pos[0] : NULL))
		return 2;
	if (v == 0) {
		snprintf(q, sizeof(q), "account?id=%s", g.pos[0]);
		if ((r = api_call(a, what, q, NULL, &j)) != 0 || j == NULL)
			return r;
		print_account(j);
		json_decref(j);
		return 0;
	}
	if (!reason_ok(what, g.reason))
		return 2;
	if (g.minutes != NULL && !all_digits(g.minutes, 1, 6)) {
		fprintf(stderr, "eidctl: %s: --minutes must be a number of minutes (1..43200)\n", what);
		return 2;
	}
	if ((body = json_pack("{s:s, s:s}", "id", g.pos[0], "reason", g.reason)) == NULL ||
	    (g.minutes != NULL &&
	     json_object_set_new(body, "minutes", json_integer(atoll(g.minutes))) != 0)) {
		json_decref(body);
		return 1;
	}
	snprintf(q, sizeof(q), "account/%s", verb);
	if ((r = api_call(a, what, q, body, &j)) != 0 || j == NULL)
		return r;
	switch (v) {
	case 1:
		printf("%s: locked until %s; ended %s\n", g.pos[0],
		       when(num(j, "locked_until"), 0, b1, sizeof(b1)),
		       ended(json_object_get(j, "ended"), b2, sizeof(b2)));
		break;
	case 2:
		printf("%s: %s; ended %s\n", g.pos[0], val(j, "status", b1, sizeof(b1)),
		       ended(json_object_get(j, "ended"), b2, sizeof(b2)));
		break;
	case 3:
		printf("%s: %s, not locked\n", g.pos[0], val(j, "status", b1, sizeof(b1)));
		break;
	default:
		printf("%s: level %s\n", g.pos[0], val(j, "level", b1, sizeof(b1)));
	}
	json_decref(j);
	return 0;
}

static int device_cmd(struct api *a, int argc, char **argv)
{
	struct args g = { 0 };
	char b[256];
	json_t *j, *body;
	int r;

	if (argc < 1 || strcmp(argv[0], "retire") != 0) {
		usage();
		return 2;
	}
	if ((r = args_parse(argc - 1, argv + 1, O_REASON, 1, "device retire", &g)) != 0)
		return r;
	a->json |= g.json;
	if (!id_ok("device retire", g.npos == 1 ? g.pos[0] : NULL) || !reason_ok("device retire", g.reason))
		return 2;
	if ((body = json_pack("{s:s, s:s}", "id", g.pos[0], "reason", g.reason)) == NULL)
		return 1;
	if ((r = api_call(a, "device retire", "device/retire", body, &j)) != 0 || j == NULL)
		return r;
	printf("%s: device retired; ended %s\n", g.pos[0],
	       ended(json_object_get(j, "ended"), b, sizeof(b)));
	json_decref(j);
	return 0;
}

static int sessions_cmd(struct api *a, int argc, char **argv)
{
	struct args g = { 0 };
	char b[256], q[64];
	json_t *j, *body;
	int r;

	if ((r = args_parse(argc, argv, O_END | O_REASON, 1, "sessions", &g)) != 0)
		return r;
	a->json |= g.json;
	if (!id_ok("sessions", g.npos == 1 ? g.pos[0] : NULL))
		return 2;
	if (!g.end) {
		if (g.reason != NULL) {
			fprintf(stderr, "eidctl: sessions: --reason goes with --end\n");
			return 2;
		}
		snprintf(q, sizeof(q), "sessions?id=%s", g.pos[0]);
		if ((r = api_call(a, "sessions", q, NULL, &j)) != 0 || j == NULL)
			return r;
		print_sessions(j);
		json_decref(j);
		return 0;
	}
	if (!reason_ok("sessions --end", g.reason))
		return 2;
	if (g.session != NULL && g.session[0] == '\0') {
		fprintf(stderr, "eidctl: sessions: --end SESSION: empty session\n");
		return 2;
	}
	if ((body = json_pack("{s:s, s:s}", "id", g.pos[0], "reason", g.reason)) == NULL ||
	    (g.session != NULL &&
	     json_object_set_new(body, "session", json_string(g.session)) != 0)) {
		json_decref(body);
		return 1;
	}
	if ((r = api_call(a, "sessions --end", "sessions/end", body, &j)) != 0 || j == NULL)
		return r;
	printf("%s: ended %s\n", g.pos[0], ended(json_object_get(j, "ended"), b, sizeof(b)));
	json_decref(j);
	return 0;
}

/* n digits at *p as a number in lo..hi, advancing *p; -1 when not. */
static int digits(const char **p, int n, int lo, int hi)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v >= lo && v <= hi ? v : -1;
}

/* T for --since/--until: ms since the epoch as it is, or YYYY-MM-DD[THH:MM[:SS]][Z] in UTC. */
static int time_ms(const char *s, char out[24])
{
	struct tm tm;
	const char *p = s;

	if (all_digits(s, 1, 15)) {
		snprintf(out, 24, "%s", s);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((tm.tm_year = digits(&p, 4, 1970, 9999)) < 0 || *p++ != '-' ||
	    (tm.tm_mon = digits(&p, 2, 1, 12)) < 0 || *p++ != '-' ||
	    (tm.tm_mday = digits(&p, 2, 1, 31)) < 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if ((tm.tm_hour = digits(&p, 2, 0, 23)) < 0 || *p++ != ':' ||
		    (tm.tm_min = digits(&p, 2, 0, 59)) < 0)
			return -1;
		if (*p == ':' && (p++, (tm.tm_sec = digits(&p, 2, 0, 60)) < 0))
			return -1;
	}
	if (*p == 'Z')
		p++;
	if (*p != '\0')
		return -1;
	snprintf(out, 24, "%lld", (long long)timegm(&tm) * 1000);
	return 0;
}

/* Appends "&name=value" (value percent-encoded) to q. */
static int query_add(char *q, size_t n, const char *name, const char *value)
{
	char *enc;
	size_t o = strlen(q);
	int k;

	if (value == NULL)
		return 0;
	if ((enc = tool_urlencode(value)) == NULL)
		return -1;
	k = snprintf(q + o, n - o, "%s%s=%s", strchr(q, '?') != NULL ? "&" : "?", name, enc);
	free(enc);
	return k < 0 || (size_t)k >= n - o ? -1 : 0;
}

static int audit_api(struct api *a, int argc, char **argv)
{
	struct args g = { 0 };
	const char *verb = argv[0];
	char q[2048] = "audit", since[24], until[24], what[32];
	json_t *j;
	int r, tail = strcmp(verb, "tail") == 0;

	snprintf(what, sizeof(what), "audit %s", verb);
	if ((r = args_parse(argc - 1, argv + 1,
	                    tail ? 0 : O_ID | O_CLIENT | O_EV | O_SINCE | O_UNTIL | O_LIMIT,
	                    tail ? 1 : 0, what, &g)) != 0)
		return r;
	a->json |= g.json;
	if (tail)
		g.limit = g.npos > 0 ? g.pos[0] : "20";
	if (g.limit != NULL && !all_digits(g.limit, 1, 4)) {
		fprintf(stderr, "eidctl: %s: the number of entries must be 1..1000\n", what);
		return 2;
	}
	if (g.id != NULL && !id_ok(what, g.id))
		return 2;
	if ((g.since != NULL && time_ms(g.since, since) != 0) ||
	    (g.until != NULL && time_ms(g.until, until) != 0)) {
		fprintf(stderr, "eidctl: %s: a time is ms since the epoch or YYYY-MM-DD[THH:MM[:SS]] "
		                "(UTC)\n", what);
		return 2;
	}
	if (query_add(q, sizeof(q), "id", g.id) != 0 ||
	    query_add(q, sizeof(q), "client", g.client) != 0 ||
	    query_add(q, sizeof(q), "ev", g.ev) != 0 ||
	    query_add(q, sizeof(q), "since", g.since != NULL ? since : NULL) != 0 ||
	    query_add(q, sizeof(q), "until", g.until != NULL ? until : NULL) != 0 ||
	    query_add(q, sizeof(q), "limit", g.limit) != 0) {
		fprintf(stderr, "eidctl: %s: arguments too long\n", what);
		return 2;
	}
	if ((r = api_call(a, what, q, NULL, &j)) != 0 || j == NULL)
		return r;
	print_audit(j);
	json_decref(j);
	return 0;
}

/* ---- local commands ----------------------------------------------------------------------- */

/* 32 random bytes as base64url (256 bits), and what a registration stores (docs/clients.md). */
static int client_secret(int argc, char **argv, int json)
{
	struct args g = { 0 };
	uint8_t raw[32], h[SEC_SHA256_LEN];
	char secret[48], hash[48];
	int r;

	if (argc < 1 || strcmp(argv[0], "secret") != 0) {
		usage();
		return 2;
	}
	if ((r = args_parse(argc - 1, argv + 1, 0, 0, "client secret", &g)) != 0)
		return r;
	if (sec_random(raw, sizeof(raw)) != 0) {
		fprintf(stderr, "eidctl: no randomness\n");
		return 1;
	}
	sec_b64url_encode(raw, sizeof(raw), secret);
	sec_sha256(secret, strlen(secret), h);
	sec_b64url_encode(h, sizeof(h), hash);
	if (json || g.json)
		printf("{\"client_secret\": \"%s\", \"client_secret_hash\": \"sha256:%s\"}\n", secret,
		       hash);
	else
		printf("client secret (give it to the relying party over a secure channel; it is "
		       "stored nowhere):\n  %s\n"
		       "for its registration (clients/<client_id>.json, token_endpoint_auth_method "
		       "client_secret_basic or client_secret_post):\n  \"client_secret_hash\": "
		       "\"sha256:%s\"\n",
		       secret, hash);
	sec_wipe(raw, sizeof(raw));
	sec_wipe(secret, sizeof(secret));
	return 0;
}

/* The pid in a pid file: one positive decimal number (and a newline). */
static int pid_read(const char *path, pid_t *out)
{
	size_t n = 0;
	char *s = read_small(path, 31, &n), *end;
	long v;
	int bad;

	if (s == NULL)
		return -1;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	errno = 0;
	v = strtol(s, &end, 10);
	bad = errno != 0 || end == s || *end != '\0' || v <= 1 || v > 4194304;
	free(s);
	if (bad)
		return -1;
	*out = (pid_t)v;
	return 0;
}

static int keys_cmd(const struct conf *c, int argc, char **argv)
{
	struct args g = { 0 };
	struct errbuf eb = { 0 };
	struct keys_rotation rot;
	struct keyset *ks = NULL;
	enum key_alg alg = KEY_ES256;
	long long now = (long long)time(NULL);
	long long after = (c->ttl_access > c->ttl_id ? c->ttl_access : c->ttl_id) + RETIRE_MARGIN_S;
	char b[64];
	pid_t pid = 0;
	int r;

	if (argc < 1 || strcmp(argv[0], "rotate") != 0) {
		usage();
		return 2;
	}
	if ((r = args_parse(argc - 1, argv + 1, O_ALG | O_PID_FILE, 0, "keys rotate", &g)) != 0)
		return r;
	if (g.alg != NULL && keys_alg_parse(g.alg, &alg) != 0) {
		fprintf(stderr, "eidctl: keys rotate: --alg must be ES256 or RS256\n");
		return 2;
	}
	if (g.pid_file != NULL && pid_read(g.pid_file, &pid) != 0) {
		fprintf(stderr, "eidctl: %s: not a pid file (one process id)\n", g.pid_file);
		return 1;
	}
	/* A next key becomes active now: an RP that fetched /jwks before it was published does not
	 * know it until its cache expires. The PEM's age is the closest we know to that. */
	if (keys_load(c->keys_dir, &ks, &eb) == 0) {
		for (size_t i = 0; i < ks->n; i++) {
			char p[LIM_PATH + KEYS_FILE_SIZE + 2];
			struct stat st;

			snprintf(p, sizeof(p), "%s/%s", c->keys_dir, ks->v[i].file);
			if (ks->v[i].alg == alg && ks->v[i].state == KEY_NEXT && stat(p, &st) == 0 &&
			    now - (long long)st.st_mtime < JWKS_MAX_AGE_S)
				fprintf(stderr,
				        "eidctl: warning: the next key %s is only %lld s old; relying "
				        "parties cache /jwks for %d s and may not know it yet\n",
				        ks->v[i].file, now - (long long)st.st_mtime, JWKS_MAX_AGE_S);
		}
		keys_free(ks);
		ks = NULL;
	}
	if ((r = keys_rotate(c->keys_dir, alg, now, after, &rot, &eb)) != 0) {
		fprintf(stderr, "eidctl: keys rotate: %s\n", eb.msg);
		return 1;
	}
	printf("keys rotate %s in %s:\n", keys_alg_name(alg), c->keys_dir);
	if (rot.activated[0] != '\0')
		printf("  %-20s next -> active: signs from the next reload\n", rot.activated);
	else
		printf("  (there was no next %s key: the active one stays; rotate again once relying "
		       "parties have the new next key, after %d s)\n", keys_alg_name(alg), JWKS_MAX_AGE_S);
	if (rot.retired[0] != '\0')
		printf("  %-20s active -> retired: still published, dropped by the first rotation "
		       "after %s (%lld s: the longest token lifetime and a margin)\n",
		       rot.retired, when(now + after, 0, b, sizeof(b)), after);
	printf("  %-20s new next key (0600)\n", rot.next);
	for (size_t i = 0; i < rot.nremoved; i++)
		printf("  %-20s retired long enough: removed from the manifest%s\n", rot.removed[i],
		       rot.kept_file[i] ? "; its file could NOT be deleted" : ", file deleted");
	if (keys_load(c->keys_dir, &ks, &eb) == 0) {
		printf("now:\n");
		for (int st = KEY_ACTIVE; st <= KEY_RETIRED; st++)
			for (size_t i = 0; i < ks->n; i++)
				if ((int)ks->v[i].state == st)
					printf("  %-8s %-6s %-20s kid %s\n",
					       st == KEY_ACTIVE ? "active" : st == KEY_NEXT ? "next" : "retired",
					       keys_alg_name(ks->v[i].alg), ks->v[i].file, ks->v[i].kid);
		keys_free(ks);
	}
	if (pid == 0) {
		printf("reload authd to publish and use them: kill -HUP <authd master pid>\n");
		return 0;
	}
	if (kill(pid, SIGHUP) != 0) {
		fprintf(stderr, "eidctl: SIGHUP to %ld: %s (reload authd by hand)\n", (long)pid,
		        strerror(errno));
		return 1;
	}
	printf("sent SIGHUP to %ld: authd reloads (its log says reloaded, or reload_failed)\n",
	       (long)pid);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct api a = { .creds_path = "config/eidctl.json" };
	const char *conf_path = "config/authd.json", *cmd;
	struct errbuf eb = { 0 };
	struct conf *c = NULL;
	int opt, rc;

	/* "+": stop at the command word; the command parses the rest (args_parse). */
	while ((opt = getopt_long(argc, argv, "+c:C:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'C': a.creds_path = optarg; break;
		case 'j': a.json = 1; break;
		default: usage(); return 2;
		}
	}
	if (optind >= argc) {
		usage();
		return 2;
	}
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(cmd, "account") == 0)
		rc = account_cmd(&a, argc, argv);
	else if (strcmp(cmd, "device") == 0)
		rc = device_cmd(&a, argc, argv);
	else if (strcmp(cmd, "sessions") == 0)
		rc = sessions_cmd(&a, argc, argv);
	else if (strcmp(cmd, "audit") == 0 && argc > 0 &&
	         (strcmp(argv[0], "tail") == 0 || strcmp(argv[0], "filter") == 0))
		rc = audit_api(&a, argc, argv);
	else if (strcmp(cmd, "client") == 0)
		rc = client_secret(argc, argv, a.json);
	else if ((strcmp(cmd, "audit") == 0 && argc == 1 && strcmp(argv[0], "verify") == 0) ||
	         (strcmp(cmd, "import-population") == 0 && argc == 1) ||
	         (strcmp(cmd, "keys") == 0 && argc > 0)) {
		if (conf_load(conf_path, &c, &eb) != 0) {
			fprintf(stderr, "eidctl: %s\n", eb.msg);
			return 1;
		}
		rc = strcmp(cmd, "keys") == 0   ? keys_cmd(c, argc, argv)
		     : strcmp(cmd, "audit") == 0 ? audit_verify_cmd(c)
		                                 : import_population(c, argv[0]);
		conf_free(c);
	} else {
		usage();
		rc = 2;
	}
	api_fini(&a);
	return rc;
}
