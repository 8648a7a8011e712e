/* conf.c — see conf.h. */
#include "conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "js.h"
#include "lim.h"
#include "log.h"
#include "sec.h"

/* CK_LOGLEVEL, CK_LOGFMT, CK_SMS_SENDER: one of a list of names, stored as its index (int). */
enum conf_type { CK_INT, CK_STR, CK_BOOL, CK_URL, CK_LOGLEVEL, CK_LOGFMT, CK_SMS_SENDER, CK_CIDRS };

static const char *const LOG_LEVELS[] = { "debug", "info", "warn", "error", NULL }; /* LOG_* */
static const char *const LOG_FORMATS[] = { "json", "text", NULL };         /* LOG_FMT_* */
static const char *const SMS_SENDERS[] = { "outbox", "webhook", NULL };    /* CONF_SMS_* */

struct conf_key {
	const char *key;
	enum conf_type type;
	size_t off;
	long long min, max; /* CK_INT: range; CK_STR: max length in max */
	const char *def;    /* JSON text of the default; NULL = required */
};

#define O(f) offsetof(struct conf, f)
static const struct conf_key conf_keys[] = {
	{ "listen.address", CK_STR, O(listen_address), 0, 255, "\"127.0.0.1\"" },
	{ "listen.port", CK_INT, O(listen_port), 1, 65535, "8080" },
	{ "listen.backlog", CK_INT, O(listen_backlog), 16, 65535, "1024" },
	{ "tls.cert", CK_STR, O(tls_cert), 0, LIM_PATH, "null" },
	{ "tls.key", CK_STR, O(tls_key), 0, LIM_PATH, "null" },
	{ "issuer", CK_URL, O(issuer), 0, 512, NULL },
	{ "workers", CK_INT, O(workers), 0, 64, "0" },
	{ "trusted_proxies", CK_CIDRS, O(trusted_proxies), 0, LIM_TRUSTED_PROXIES, "[]" },
	{ "metrics.allow", CK_CIDRS, O(metrics_allow), 0, LIM_TRUSTED_PROXIES,
	  "[\"127.0.0.0/8\", \"::1\"]" },
	{ "redis.host", CK_STR, O(redis_host), 0, 255, "null" },
	{ "redis.port", CK_INT, O(redis_port), 1, 65535, "6379" },
	{ "redis.unix_socket", CK_STR, O(redis_socket), 0, 107, "null" },
	{ "redis.password_file", CK_STR, O(redis_password_file), 0, LIM_PATH, "null" },
	{ "redis.db", CK_INT, O(redis_db), 0, 15, "0" },
	{ "redis.connect_timeout_ms", CK_INT, O(redis_connect_timeout_ms), 10, 60000, "1000" },
	{ "redis.timeout_ms", CK_INT, O(redis_timeout_ms), 10, 60000, "1000" },
	{ "keys.dir", CK_STR, O(keys_dir), 0, LIM_PATH, "\"keys\"" },
	{ "clients.dir", CK_STR, O(clients_dir), 0, LIM_PATH, "\"clients\"" },
	{ "chip.csca_dir", CK_STR, O(csca_dir), 0, LIM_PATH, "\"config/csca\"" },
	/* RFC 6749 §4.1.2 recommends at most 10 minutes for codes; DESIGN §7 says <= 60 s. */
	{ "tokens.code_ttl_s", CK_INT, O(ttl_code), 5, 60, "60" },
	{ "tokens.access_ttl_s", CK_INT, O(ttl_access), 30, 3600, "300" },
	{ "tokens.id_ttl_s", CK_INT, O(ttl_id), 30, 3600, "300" },
	{ "tokens.refresh_ttl_s", CK_INT, O(ttl_refresh), 60, 90LL * 86400, "1209600" },
	{ "tokens.refresh_max_ttl_s", CK_INT, O(ttl_refresh_max), 60, 365LL * 86400, "2592000" },
	/* a client's concurrent retries with the refresh token it just rotated */
	{ "tokens.refresh_grace_s", CK_INT, O(refresh_grace), 0, 300, "10" },
	/* NIST SP 800-63B AAL2: re-authenticate after 12 hours, and after 30 minutes idle */
	{ "ciba.expires_s", CK_INT, O(ciba_ttl), 30, 600, "120" },
	{ "qr.expires_s", CK_INT, O(qr_ttl), 30, 600, "120" },
	/* how old a scanned code may be: the scan's round trip plus a photo's worth of delay */
	{ "qr.tolerance_s", CK_INT, O(qr_tolerance), 1, 10, "3" },
	{ "qr.wait_s", CK_INT, O(qr_wait), 1, 60, "25" },
	{ "audit.token_summary_s", CK_INT, O(audit_summary_s), 1, 3600, "60" },
	{ "backchannel.queue_max", CK_INT, O(bcl_queue_max), 100, 10000000, "100000" },
	{ "backchannel.max_tries", CK_INT, O(bcl_max_tries), 1, 20, "10" },
	{ "backchannel.timeout_ms", CK_INT, O(bcl_timeout_ms), FETCH_TIMEOUT_MIN_MS, 30000, "5000" },
	{ "backchannel.ca_file", CK_STR, O(bcl_ca_file), 0, LIM_PATH, "null" },
	{ "qr.show_payload", CK_BOOL, O(qr_show_payload), 0, 0, "false" },
	{ "sessions.idle_s", CK_INT, O(sso_idle), 60, 86400, "1800" },
	{ "sessions.max_s", CK_INT, O(sso_max), 300, 30LL * 86400, "43200" },
	{ "log.level", CK_LOGLEVEL, O(log_level), 0, 0, "\"info\"" },
	{ "log.format", CK_LOGFMT, O(log_format), 0, 0, "\"json\"" },
	{ "log.access", CK_BOOL, O(log_access), 0, 0, "true" },
	{ "limits.body_bytes", CK_INT, O(max_body), 1024, LIM_HTTP_BODY_MAX, "65536" },
	{ "limits.header_bytes", CK_INT, O(max_headers), 1024, LIM_HTTP_HEADERS_MAX, "8192" },
	{ "limits.timeout_s", CK_INT, O(http_timeout), 1, 300, "10" },
	{ "accounts.sms_code_ttl_s", CK_INT, O(sms_code_ttl), 60, 900, "300" },
	{ "accounts.sms_code_attempts", CK_INT, O(sms_code_attempts), 1, 10, "5" },
	{ "accounts.activation_mismatches_per_id_hour", CK_INT, O(act_per_id_hour), 1, 100, "5" },
	/* OWASP Password Storage Cheat Sheet minimum for Argon2id: m=19 MiB, t=2, p=1. */
	{ "accounts.argon2.t_cost", CK_INT, O(argon2_t), 2, 16, "2" },
	{ "accounts.argon2.m_kib", CK_INT, O(argon2_m_kib), 19456, 4194304, "19456" },
	{ "accounts.argon2.lanes", CK_INT, O(argon2_lanes), 1, 16, "1" },
	{ "accounts.hash_threads", CK_INT, O(hash_threads), 1, 64, "2" },
	{ "accounts.hash_queue", CK_INT, O(hash_queue), 1, 100000, "256" },
	{ "accounts.hash_deadline_ms", CK_INT, O(hash_deadline_ms), 100, 60000, "3000" },
	{ "accounts.app_challenge_ttl_s", CK_INT, O(challenge_ttl), 30, 600, "120" },
	/* NIST SP 800-63B AAL2: re-authenticate after 30 minutes of inactivity */
	{ "accounts.app_session_idle_s", CK_INT, O(app_session_idle), 60, 86400, "1800" },
	{ "accounts.passcode_failures", CK_INT, O(pin_failures), 3, 10, "5" },
	{ "accounts.lock_first_s", CK_INT, O(lock_first), 30, 86400, "300" },
	{ "accounts.lock_max_s", CK_INT, O(lock_max), 60, 30LL * 86400, "86400" },
	{ "accounts.activation_mismatches_per_ip_hour", CK_INT, O(act_per_ip_hour), 1, 100000,
	  "30" },
	/* wrong passcodes, passwords, SMS codes and device signatures from one client address */
	{ "accounts.auth_failures_per_ip_hour", CK_INT, O(auth_fail_per_ip_hour), 1, 1000000,
	  "100" },
	{ "sms.sender", CK_SMS_SENDER, O(sms_sender), 0, 0, "\"outbox\"" },
	{ "sms.webhook_url", CK_STR, O(sms_webhook_url), 0, LIM_URI, "null" },
	/* the citizen's request waits on the gateway: keep it well inside the client's patience */
	{ "sms.webhook_timeout_ms", CK_INT, O(sms_webhook_timeout_ms), FETCH_TIMEOUT_MIN_MS, 10000,
	  "3000" },
	{ "sms.webhook_ca_file", CK_STR, O(sms_webhook_ca_file), 0, LIM_PATH, "null" },
	{ "sms.webhook_token_file", CK_STR, O(sms_webhook_token_file), 0, LIM_PATH, "null" },
};
#undef O
#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static const struct conf_key *key_find(const char *path)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(conf_keys[i].key, path) == 0)
			return &conf_keys[i];
	return NULL;
}

static int is_prefix_of_key(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < NKEYS; i++)
		if (strncmp(conf_keys[i].key, path, n) == 0 && conf_keys[i].key[n] == '.')
			return 1;
	return 0;
}

/* Every member of the tree must be a known key, or an object on the way to one. */
static int check_unknown(json_t *obj, const char *prefix, struct errbuf *eb)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		char path[256];
		int r;

		if (snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", k) >=
		    (int)sizeof(path))
			return eb_set(eb, E_INVALID, "%s...: key path too long", prefix);
		if (key_find(path) != NULL)
			continue;
		if (!is_prefix_of_key(path))
			return eb_set(eb, E_INVALID, "%s: unknown key", path);
		if (!json_is_object(v))
			return eb_set(eb, E_INVALID, "%s: must be an object", path);
		if ((r = check_unknown(v, path, eb)) != 0)
			return r;
	}
	return 0;
}

/* Finds a dotted path in the tree; NULL if absent (intermediate objects were checked). */
static json_t *lookup(json_t *root, const char *path)
{
	char buf[256];
	char *save = NULL, *tok;
	json_t *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save)) {
		if (!json_is_object(cur))
			return NULL;
		if ((cur = json_object_get(cur, tok)) == NULL)
			return NULL;
	}
	return cur;
}

/* issuer (OIDC Discovery §3): https, no query or fragment; http only on a loopback host so
 * `make run` works without TLS. No trailing slash: endpoints are issuer + "/path". */
static int check_issuer(const char *s, struct errbuf *eb)
{
	struct fetch_url u;
	const char *host;
	size_t hl;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return eb_set(eb, E_INVALID, "issuer: must be an https URL");
	if (strpbrk(s, "?#") != NULL || strchr(s, ' ') != NULL || strchr(s, '\\') != NULL)
		return eb_set(eb, E_INVALID, "issuer: must not contain a query, fragment or space");
	hl = strcspn(host, ":/");
	if (hl == 0 || memchr(host, '@', hl) != NULL || strchr(host, '@') != NULL)
		return eb_set(eb, E_INVALID, "issuer: must have a host and no userinfo");
	if (s[4] == ':' && !((hl == 9 && strncmp(host, "localhost", 9) == 0) ||
	                     (hl == 9 && strncmp(host, "127.0.0.1", 9) == 0) ||
	                     strncmp(host, "[::1]", 5) == 0))
		return eb_set(eb, E_INVALID, "issuer: http is allowed only for a loopback host");
	if (s[strlen(s) - 1] == '/')
		return eb_set(eb, E_INVALID, "issuer: must not end with '/'");
	/* The checks above only look at the host's first bytes: "http://[::1]x.example" passed as
	 * loopback and "https://a_b" or "https://h:port" as hosts. The outbound-URL grammar decides
	 * the rest: a DNS name, IPv4 or [IPv6] host and a numeric port 1..65535. */
	return fetch_url_parse(s, "issuer", &u, eb);
}

static int set_one(struct conf *c, const struct conf_key *k, json_t *v, struct errbuf *eb)
{
	void *f = (char *)c + k->off;

	switch (k->type) {
	case CK_INT: {
		long long n;

		if (!json_is_integer(v))
			return eb_set(eb, E_INVALID, "%s: must be an integer", k->key);
		n = json_integer_value(v);
		if (n < k->min || n > k->max)
			return eb_set(eb, E_INVALID, "%s: must be %lld..%lld, got %lld", k->key,
			              k->min, k->max, n);
		*(long long *)f = n;
		return 0;
	}
	case CK_BOOL:
		if (!json_is_boolean(v))
			return eb_set(eb, E_INVALID, "%s: must be true or false", k->key);
		*(int *)f = json_is_true(v);
		return 0;
	case CK_STR:
	case CK_URL: {
		const char *s;

		if (json_is_null(v))
			return 0;
		if (!json_is_string(v))
			return eb_set(eb, E_INVALID, "%s: must be a string", k->key);
		s = json_string_value(v);
		if (json_string_length(v) == 0)
			return eb_set(eb, E_INVALID, "%s: must not be empty", k->key);
		if (json_string_length(v) > (size_t)k->max)
			return eb_set(eb, E_INVALID, "%s: longer than %lld bytes", k->key, k->max);
		if (strlen(s) != json_string_length(v) || js_has_ctl(s))
			return eb_set(eb, E_INVALID, "%s: contains a control character", k->key);
		if (k->type == CK_URL) {
			int r = check_issuer(s, eb);

			if (r != 0)
				return r;
		}
		if ((*(char **)f = strdup(s)) == NULL)
			return E_NOMEM;
		return 0;
	}
	case CK_LOGLEVEL:
	case CK_LOGFMT:
	case CK_SMS_SENDER: {
		const char *const *names = k->type == CK_LOGLEVEL  ? LOG_LEVELS
		                           : k->type == CK_LOGFMT  ? LOG_FORMATS
		                                                   : SMS_SENDERS;
		const char *s = json_string_value(v);
		char all[128] = "";

		for (int i = 0; names[i] != NULL; i++) {
			size_t n = strlen(all);

			if (s != NULL && strcmp(s, names[i]) == 0) {
				*(int *)f = i;
				return 0;
			}
			snprintf(all + n, sizeof(all) - n, "%s%s", i ? ", " : "", names[i]);
		}
		return eb_set(eb, E_INVALID, "%s: must be one of %s", k->key, all);
	}
	case CK_CIDRS: {
		struct cidrs *cs = f;
		size_t i;
		json_t *it;

		if (!json_is_array(v))
			return eb_set(eb, E_INVALID, "%s: must be an array of strings", k->key);
		if (json_array_size(v) > (size_t)k->max)
			return eb_set(eb, E_INVALID, "%s: more than %lld entries", k->key, k->max);
		if (json_array_size(v) == 0)
			return 0;
		if ((cs->v = calloc(json_array_size(v), sizeof(*cs->v))) == NULL)
			return E_NOMEM;
		json_array_foreach(v, i, it) {
			char name[64];
			int r;

			snprintf(name, sizeof(name), "%s[%zu]", k->key, i);
			if (!json_is_string(it))
				return eb_set(eb, E_INVALID, "%s: must be a string", name);
			r = addr_cidr_parse(json_string_value(it), name, &cs->v[i], eb);
			if (r != 0)
				return r;
			cs->n++;
		}
		return 0;
	}
	}
	return E_INTERNAL;
}

static int read_secret_file(const char *path, const char *name, char **out, struct errbuf *eb)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	size_t n;

	if (f == NULL)
		return eb_set(eb, E_IO, "%s: cannot open %s: %s", name, path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 0 || n == sizeof(buf) - 1 || js_has_ctl(buf)) {
		sec_wipe(buf, sizeof(buf));
		return eb_set(eb, E_INVALID, "%s: %s must hold one line of 1..510 bytes", name, path);
	}
	*out = strdup(buf);
	sec_wipe(buf, sizeof(buf));
	return *out == NULL ? E_NOMEM : 0;
}

static int file_readable(const char *path, const char *name, struct errbuf *eb)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return eb_set(eb, E_IO, "%s: %s: %s", name, path, strerror(errno));
	if (!S_ISREG(st.st_mode) || access(path, R_OK) != 0)
		return eb_set(eb, E_IO, "%s: %s: not a readable file", name, path);
	return 0;
}

/* RFC 6750 §2.1 b64token: what may follow "Bearer " in an Authorization header. */
static int bearer_token_ok(const char *t)
{
	size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                     "0123456789-._~+/");

	return n > 0 && t[n + strspn(t + n, "=")] == '\0';
}

static int check_sms(struct conf *c, struct errbuf *eb)
{
	int r;

	if (c->sms_sender == CONF_SMS_WEBHOOK && c->sms_webhook_url == NULL)
		return eb_set(eb, E_INVALID,
		              "sms.webhook_url: required when sms.sender is webhook");
	if (c->sms_webhook_url == NULL &&
	    (c->sms_webhook_ca_file != NULL || c->sms_webhook_token_file != NULL))
		return eb_set(eb, E_INVALID, "%s: set only together with sms.webhook_url",
		              c->sms_webhook_ca_file != NULL ? "sms.webhook_ca_file"
		                                             : "sms.webhook_token_file");
	if (c->sms_webhook_url == NULL)
		return 0;
	if ((c->sms_webhook = malloc(sizeof(*c->sms_webhook))) == NULL)
		return E_NOMEM;
	if ((r = fetch_url_parse(c->sms_webhook_url, "sms.webhook_url", c->sms_webhook, eb)) != 0)
		return r;
	if (c->sms_webhook_ca_file != NULL &&
	    (r = file_readable(c->sms_webhook_ca_file, "sms.webhook_ca_file", eb)) != 0)
		return r;
	if (c->sms_webhook_token_file != NULL) {
		if ((r = read_secret_file(c->sms_webhook_token_file, "sms.webhook_token_file",
		                          &c->sms_webhook_token, eb)) != 0)
			return r;
		if (!bearer_token_ok(c->sms_webhook_token))
			return eb_set(eb, E_INVALID,
			              "sms.webhook_token_file: %s must hold a bearer token "
			              "(letters, digits, -._~+/ and trailing =)",
			              c->sms_webhook_token_file);
	}
	return 0;
}

static int cross_check(struct conf *c, struct errbuf *eb)
{
	int r;

	if ((c->redis_host == NULL) == (c->redis_socket == NULL))
		return eb_set(eb, E_INVALID, "redis: set exactly one of redis.host and redis.unix_socket");
	if ((c->tls_cert == NULL) != (c->tls_key == NULL))
		return eb_set(eb, E_INVALID, "tls: set both tls.cert and tls.key, or neither");
	if (c->tls_cert != NULL && ((r = file_readable(c->tls_cert, "tls.cert", eb)) != 0 ||
	                            (r = file_readable(c->tls_key, "tls.key", eb)) != 0))
		return r;
	if (c->ttl_refresh > c->ttl_refresh_max)
		return eb_set(eb, E_INVALID,
		              "tokens.refresh_ttl_s: must not exceed tokens.refresh_max_ttl_s");
	if (c->redis_password_file != NULL &&
	    (r = read_secret_file(c->redis_password_file, "redis.password_file",
	                          &c->redis_password, eb)) != 0)
		return r;
	if ((r = check_sms(c, eb)) != 0)
		return r;
	if (c->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->workers = n > 0 ? (n > 64 ? 64 : n) : 1;
	}
	return 0;
}

int conf_parse(json_t *j, const char *file, struct conf **out, struct errbuf *eb)
{
	struct conf *c;
	int r;

	eb->file = file;
	if (!json_is_object(j))
		return eb_set(eb, E_INVALID, "must be a JSON object");
	if ((r = check_unknown(j, "", eb)) != 0)
		return r;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return E_NOMEM;
	if ((c->file = strdup(file)) == NULL) {
		r = E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		json_t *v = lookup(j, k->key), *def = NULL;

		if (v == NULL) {
			if (k->def == NULL) {
				r = eb_set(eb, E_INVALID, "%s: missing", k->key);
				goto out;
			}
			def = v = json_loads(k->def, JSON_DECODE_ANY, NULL);
			BUG_ON(def == NULL, "bad default in conf_keys");
		}
		r = set_one(c, k, v, eb);
		json_decref(def);
		if (r != 0)
			goto out;
	}
	if ((r = cross_check(c, eb)) != 0)
		goto out;
	*out = c;
	c = NULL;
	r = 0;
out:
	conf_free(c);
	return r;
}

int conf_load(const char *path, struct conf **out, struct errbuf *eb)
{
	json_t *j = NULL;
	int r;

	eb->file = path;
	if ((r = js_load_file(path, LIM_CONF_FILE, &j, eb)) != 0)
		return r;
	r = conf_parse(j, path, out, eb);
	json_decref(j);
	return r;
}

void conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		if (conf_keys[i].type == CK_STR || conf_keys[i].type == CK_URL)
			free(*(char **)((char *)c + conf_keys[i].off));
	if (c->redis_password != NULL) {
		sec_wipe(c->redis_password, strlen(c->redis_password));
		free(c->redis_password);
	}
	if (c->sms_webhook_token != NULL) {
		sec_wipe(c->sms_webhook_token, strlen(c->sms_webhook_token));
		free(c->sms_webhook_token);
	}
	free(c->sms_webhook);
	free(c->trusted_proxies.v);
	free(c->metrics_allow.v);
	free(c->file);
	free(c);
}
