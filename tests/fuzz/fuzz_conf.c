/* fuzz_conf — authd.json: conf.c's conf_load on any file contents (js_load_file: size limit,
 * duplicate keys; the schema table, the cross-field checks, the CIDR lists through addr.c, the
 * SMS webhook URL through fetch_url_parse, the secret files). Each input is written to a
 * temporary file, loaded, and freed.
 *
 * "@DIR@" in the input stands for the harness's temporary directory, which holds a few files
 * the config may name: redis.pw (a password line), token (a bearer token), bad-token (not one),
 * ca.pem, cert.pem, key.pem (any readable files), and empty (an empty file).
 *
 * Properties of a config that loads: exactly one of redis.host and redis.unix_socket; TLS cert
 * and key both or neither; refresh_ttl <= refresh_max_ttl; 1..64 workers; the issuer is https or
 * http on a loopback host (127.0.0.1, [::1], localhost), is a URL fetch_url_parse also accepts
 * (a host, an optional port), and has no query, fragment or trailing '/'; a webhook sender has
 * a parsed webhook URL. */
#include <string.h>

#include "conf.h"
#include "fetch.h"
#include "fuzz.h"

static const char *dir;
static char path[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[128];
	static const struct {
		const char *name, *text;
	} files[] = {
		{ "redis.pw", "s3cret-pw\n" }, { "token", "gw-Token_1.2~3+4/5==\n" },
		{ "bad-token", "not a token\n" }, { "ca.pem", "-----BEGIN CERTIFICATE-----\n" },
		{ "cert.pem", "x" }, { "key.pem", "x" }, { "empty", "" },
	};

	(void)argc;
	(void)argv;
	dir = fuzz_tmpdir("conf");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i].name);
		fuzz_spit(p, files[i].text, strlen(files[i].text));
	}
	snprintf(path, sizeof(path), "%s/authd.json", dir);
	return 0;
}

/* The input with "@DIR@" replaced, heap memory. */
static char *dir_put(const uint8_t *data, size_t n, size_t *outn)
{
	size_t dl = strlen(dir);
	char *out = malloc(n / 5 * dl + n + 1), *o = out;

	FUZZ_CHECK(out != NULL, "out of memory");
	for (size_t i = 0; i < n;) {
		if (n - i >= 5 && memcmp(data + i, "@DIR@", 5) == 0) {
			memcpy(o, dir, dl);
			o += dl;
			i += 5;
		} else {
			*o++ = (char)data[i++];
		}
	}
	*outn = (size_t)(o - out);
	return out;
}

static void issuer_check(const char *iss)
{
	struct fetch_url u;
	struct errbuf eb = { 0 };
	size_t n = strlen(iss);

	FUZZ_CHECK(fetch_url_parse(iss, "issuer", &u, &eb) == 0,
	           "an issuer that is not a URL with a host was accepted");
	FUZZ_CHECK(u.https || u.loopback, "an http issuer on a host that is not loopback");
	FUZZ_CHECK(strpbrk(iss, "?#") == NULL && iss[n - 1] != '/',
	           "an issuer with a query, fragment or trailing slash");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	struct errbuf eb = { 0 };
	size_t n;
	char *text = dir_put(data, size, &n);

	fuzz_spit(path, text, n);
	free(text);
	if (conf_load(path, &c, &eb) != 0) {
		FUZZ_CHECK(c == NULL && eb.msg[0] != '\0', "a refused config without a message");
		return 0;
	}
	FUZZ_CHECK((c->redis_host == NULL) != (c->redis_socket == NULL), "redis: not exactly one");
	FUZZ_CHECK((c->tls_cert == NULL) == (c->tls_key == NULL), "tls: only one of cert and key");
	FUZZ_CHECK(c->ttl_refresh <= c->ttl_refresh_max, "refresh_ttl above refresh_max_ttl");
	FUZZ_CHECK(c->workers >= 1 && c->workers <= 64, "workers out of range");
	FUZZ_CHECK(c->sms_sender != CONF_SMS_WEBHOOK || c->sms_webhook != NULL,
	           "a webhook sender without a webhook URL");
	issuer_check(c->issuer);
	conf_free(c);
	return 0;
}
