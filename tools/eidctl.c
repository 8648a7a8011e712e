/*
 * eidctl — the administrator's command line. For now: loading the population registry.
 *
 *   eidctl [-c config/authd.json] import-population FILE.csv
 *
 * Connects to the Redis that authd.json names (redis.host/port or redis.unix_socket, password
 * file, db). Each valid row replaces that citizen's registry record atomically (MULTI/EXEC);
 * rows that fail validation are reported with their line number and skipped; the rest load.
 * Exit status: 0 all rows loaded, 3 some rows rejected (the others loaded), 1 error, 2 usage.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "accounts.h"
#include "conf.h"
#include "skeys.h"
#include "tool.h"

#define MAX_LINE 2048
#define MAX_ROWS 20000000      /* bound on the input loop */
#define PIPELINE 512           /* rows in flight before reading replies */

static void usage(void)
{
	fprintf(stderr, "usage: eidctl [-c config/authd.json] import-population FILE.csv\n");
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
	if (argc - optind != 2 || strcmp(argv[optind], "import-population") != 0) {
		usage();
		return 2;
	}
	if (conf_load(conf_path, &c, &eb) != 0) {
		fprintf(stderr, "eidctl: %s\n", eb.msg);
		return 1;
	}
	rc = import_population(c, argv[optind + 1]);
	conf_free(c);
	return rc;
}
