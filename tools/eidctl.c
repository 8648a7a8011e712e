/*
 * eidctl — the administrator's command line. For now: loading the population registry.
 *
 *   eidctl [-c config/authd.json] import-population FILE.csv
 *   eidctl [-c config/authd.json] audit verify       check the audit log's hash chain
 *   eidctl [-c config/authd.json] audit tail [N]     the last N (20) audit entries
 *
 * Connects to the Redis that authd.json names (redis.host/port or redis.unix_socket, password
 * file, db). Each valid row replaces that citizen's registry record atomically (MULTI/EXEC);
 * rows that fail validation are reported with their line number and skipped; the rest load.
 * Exit status: 0 all rows loaded / chain intact, 3 some rows rejected (the others loaded),
 * 1 error or a broken chain, 2 usage.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "accounts.h"
#include "audit.h"
#include "conf.h"
#include "skeys.h"
#include "tool.h"

#define MAX_LINE 2048
#define MAX_ROWS 20000000      /* bound on the input loop */
#define PIPELINE 512           /* rows in flight before reading replies */

static void usage(void)
{
	fprintf(stderr, "usage: eidctl [-c config/authd.json] import-population FILE.csv\n"
	                "       eidctl [-c config/authd.json] audit verify | tail [N]\n");
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

static int audit_tail(redisContext *rc, long count)
{
	redisReply *rr = redisCommand(rc, "XREVRANGE %s + - COUNT %ld", SK_AUDIT, count);

	if (rr == NULL || rr->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "eidctl: redis: %s\n", rc->errstr);
		freeReplyObject(rr);
		return 1;
	}
	printf("%-20s %-22s %-14s %-16s %s\n", "id", "event", "subject", "address", "detail");
	for (size_t i = rr->elements; i > 0; i--) {
		redisReply *e = rr->element[i - 1];

		printf("%-20s %-22s %-14s %-16s %s\n", e->element[0]->str, field(e, "ev"),
		       field(e, "sub"), field(e, "ip"), field(e, "detail"));
	}
	freeReplyObject(rr);
	return 0;
}

static int audit_cmd(const struct conf *c, int argc, char **argv)
{
	redisContext *rc;
	int r;

	if (argc < 1 || (strcmp(argv[0], "verify") != 0 && strcmp(argv[0], "tail") != 0)) {
		usage();
		return 2;
	}
	if ((rc = tool_redis(c, "eidctl")) == NULL)
		return 1;
	r = strcmp(argv[0], "verify") == 0 ? audit_verify(rc)
	                                   : audit_tail(rc, argc > 1 ? atol(argv[1]) : 20);
	redisFree(rc);
	return r;
}

int main(int argc, char **argv)
{
	const char *conf_path = "config/authd.json";
	struct errbuf eb = { 0 };
	struct conf *c = NULL;
	int opt, rc;

	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		if (opt != 'c') {
			usage();
			return 2;
		}
		conf_path = optarg;
	}
	if (argc - optind < 2 ||
	    (strcmp(argv[optind], "import-population") != 0 && strcmp(argv[optind], "audit") != 0)) {
		usage();
		return 2;
	}
	if (conf_load(conf_path, &c, &eb) != 0) {
		fprintf(stderr, "eidctl: %s\n", eb.msg);
		return 1;
	}
	rc = strcmp(argv[optind], "audit") == 0 ? audit_cmd(c, argc - optind - 1, argv + optind + 1)
	                                        : import_population(c, argv[optind + 1]);
	conf_free(c);
	return rc;
}
