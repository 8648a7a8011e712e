/* Unit tests for conf.c: the schema table, defaults, and each refusal naming its key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fetch.h"
#include "testutil.h"

static const char *BASE = "{\"issuer\":\"https://id.example.vn\",\"redis\":{\"host\":\"127.0.0.1\"}}";

/* Parses BASE with `patch` (a JSON object merged at the top level, recursively for objects). */
static int parse_with(const char *patch, struct conf **out, struct errbuf *eb)
{
	json_t *j = json_loads(BASE, 0, NULL), *p = patch ? json_loads(patch, 0, NULL) : NULL;
	int r;

	assert_non_null(j);
	if (patch != NULL) {
		assert_non_null(p);
		assert_int_equal(json_object_update_recursive(j, p), 0);
	}
	r = conf_parse(j, "authd.json", out, eb);
	json_decref(j);
	json_decref(p);
	return r;
}

static void refused_with(const char *patch, int code, const char *msg)
{
	struct errbuf eb = { 0 };
	struct conf *c = (struct conf *)0x1;

	assert_int_equal(parse_with(patch, &c, &eb), code);
	assert_ptr_equal(c, (struct conf *)0x1); /* out untouched */
	if (strstr(eb.msg, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", eb.msg, msg);
}

static void refused(const char *patch, const char *msg)
{
	refused_with(patch, E_INVALID, msg);
}

static void test_conf_defaults_apply(void **state)
{
	struct errbuf eb = { 0 };
	struct conf *c = NULL;

	(void)state;
	assert_int_equal(parse_with(NULL, &c, &eb), 0);
	assert_string_equal(c->listen_address, "127.0.0.1");
	assert_int_equal(c->listen_port, 8080);
	assert_int_equal(c->redis_port, 6379);
	assert_int_equal(c->ttl_code, 60);
	assert_string_equal(c->keys_dir, "keys");
	assert_true(c->workers >= 1);
	assert_int_equal(c->metrics_allow.n, 2);
	assert_null(c->tls_cert);
	conf_free(c);
}

static void test_conf_values_override_defaults(void **state)
{
	struct errbuf eb = { 0 };
	struct conf *c = NULL;

	(void)state;
	assert_int_equal(parse_with("{\"listen\":{\"port\":9000},\"workers\":3,"
	                            "\"log\":{\"level\":\"warn\",\"format\":\"text\",\"access\":false},"
	                            "\"trusted_proxies\":[\"10.0.0.0/8\",\"::1\"]}",
	                            &c, &eb),
	                 0);
	assert_int_equal(c->listen_port, 9000);
	assert_int_equal(c->workers, 3);
	assert_int_equal(c->log_access, 0);
	assert_int_equal(c->trusted_proxies.n, 2);
	conf_free(c);
}

static void test_conf_refuses_unknown_keys(void **state)
{
	(void)state;
	refused("{\"colour\":1}", "authd.json: colour: unknown key");
	refused("{\"listen\":{\"prot\":1}}", "authd.json: listen.prot: unknown key");
	refused("{\"listen\":5}", "listen: must be an object");
}

static void test_conf_refuses_wrong_types(void **state)
{
	(void)state;
	refused("{\"listen\":{\"port\":\"8080\"}}", "listen.port: must be an integer");
	refused("{\"log\":{\"access\":1}}", "log.access: must be true or false");
	refused("{\"keys\":{\"dir\":7}}", "keys.dir: must be a string");
	refused("{\"log\":{\"level\":\"loud\"}}", "log.level: must be one of");
	refused("{\"trusted_proxies\":\"10.0.0.0/8\"}", "trusted_proxies: must be an array");
}

static void test_conf_refuses_out_of_range(void **state)
{
	(void)state;
	refused("{\"listen\":{\"port\":70000}}", "listen.port: must be 1..65535, got 70000");
	refused("{\"listen\":{\"port\":0}}", "listen.port: must be 1..65535, got 0");
	refused("{\"tokens\":{\"code_ttl_s\":61}}", "tokens.code_ttl_s: must be 5..60, got 61");
	refused("{\"workers\":-1}", "workers: must be 0..64");
	refused("{\"tokens\":{\"refresh_ttl_s\":90000,\"refresh_max_ttl_s\":80000}}",
	        "refresh_ttl_s: must not exceed");
}

static void test_conf_refuses_empty_and_control_strings(void **state)
{
	(void)state;
	refused("{\"keys\":{\"dir\":\"\"}}", "keys.dir: must not be empty");
	refused("{\"keys\":{\"dir\":\"a\\nb\"}}", "keys.dir: contains a control character");
}

static void test_conf_issuer_rules(void **state)
{
	struct errbuf eb = { 0 };
	struct conf *c = NULL;

	(void)state;
	refused("{\"issuer\":\"ftp://x\"}", "issuer: must be an https URL");
	refused("{\"issuer\":\"http://id.example.vn\"}", "http is allowed only for a loopback");
	refused("{\"issuer\":\"https://id.example.vn/\"}", "must not end with '/'");
	refused("{\"issuer\":\"https://id.example.vn?x=1\"}", "must not contain a query");
	refused("{\"issuer\":\"https://id.example.vn#f\"}", "must not contain a query");
	refused("{\"issuer\":\"https://u@id.example.vn\"}", "no userinfo");
	refused("{\"issuer\":\"https://\"}", "must have a host");
	/* found by fuzz_conf: only the host's first bytes were looked at */
	refused("{\"issuer\":\"http://[::1]x.example\"}", "issuer: malformed port");
	refused("{\"issuer\":\"https://id_1.example.vn\"}", "issuer: host is not a DNS name");
	refused("{\"issuer\":\"https://id.example.vn:https\"}", "issuer: malformed port");
	refused("{\"issuer\":\"https://id.example.vn:0\"}", "issuer: port must be 1..65535");
	assert_int_equal(parse_with("{\"issuer\":\"http://[::1]:8080\"}", &c, &eb), 0);
	conf_free(c);
	assert_int_equal(parse_with("{\"issuer\":\"http://127.0.0.1:8080\"}", &c, &eb), 0);
	conf_free(c);
	assert_int_equal(parse_with("{\"issuer\":\"https://id.example.vn/realm\"}", &c, &eb), 0);
	conf_free(c);
}

static void test_conf_missing_issuer_is_named(void **state)
{
	struct errbuf eb = { 0 };
	struct conf *c = NULL;
	json_t *j = json_loads("{\"redis\":{\"host\":\"h\"}}", 0, NULL);

	(void)state;
	assert_int_equal(conf_parse(j, "authd.json", &c, &eb), E_INVALID);
	assert_string_equal(eb.msg, "authd.json: issuer: missing");
	json_decref(j);
}

static void test_conf_cross_field_checks(void **state)
{
	(void)state;
	refused("{\"redis\":{\"unix_socket\":\"/tmp/r.sock\"}}", "set exactly one of redis.host");
	refused("{\"tls\":{\"cert\":\"/nonexistent.pem\"}}", "set both tls.cert and tls.key");
}

static void test_conf_load_reports_json_line(void **state)
{
	char path[] = "/tmp/authd-conf-XXXXXX";
	int fd = mkstemp(path);
	struct errbuf eb = { 0 };
	struct conf *c = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, "{\n\"issuer\": \n", 13) == 13);
	close(fd);
	assert_int_not_equal(conf_load(path, &c, &eb), 0);
	assert_non_null(strstr(eb.msg, path));
	assert_non_null(strstr(eb.msg, "line "));
	unlink(path);
	assert_int_equal(conf_load("/nonexistent/authd.json", &c, &eb), E_IO);
	assert_non_null(strstr(eb.msg, "/nonexistent/authd.json: cannot open"));
}

static void test_conf_refuses_duplicate_keys(void **state)
{
	char path[] = "/tmp/authd-conf-XXXXXX";
	int fd = mkstemp(path);
	const char *s = "{\"issuer\":\"https://a.vn\",\"issuer\":\"https://b.vn\"}";
	struct errbuf eb = { 0 };
	struct conf *c = NULL;

	(void)state;
	assert_true(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
	assert_int_equal(conf_load(path, &c, &eb), E_INVALID);
	assert_non_null(strstr(eb.msg, "duplicate"));
	unlink(path);
}

static void test_conf_sms_defaults_to_the_outbox(void **state)
{
	struct errbuf eb = { 0 };
	struct conf *c = NULL;

	(void)state;
	assert_int_equal(parse_with(NULL, &c, &eb), 0);
	assert_int_equal(c->sms_sender, CONF_SMS_OUTBOX);
	assert_null(c->sms_webhook_url);
	assert_null(c->sms_webhook);
	assert_null(c->sms_webhook_token);
	assert_int_equal(c->sms_webhook_timeout_ms, 3000);
	conf_free(c);
}

static void test_conf_sms_webhook_parses_url_and_reads_token(void **state)
{
	char dir[64], tok[128], patch[512];
	struct errbuf eb = { 0 };
	struct conf *c = NULL;

	(void)state;
	assert_non_null(tu_mkdtemp(dir, sizeof(dir), "authd-conf"));
	tu_spit(tu_path(tok, sizeof(tok), dir, "token"), "gw-Token_1.2~3+4/5==\n", 21);
	snprintf(patch, sizeof(patch),
	         "{\"sms\":{\"sender\":\"webhook\","
	         "\"webhook_url\":\"https://SMS.example.vn:8443/send\","
	         "\"webhook_timeout_ms\":1500,\"webhook_token_file\":\"%s\"}}",
	         tok);
	assert_int_equal(parse_with(patch, &c, &eb), 0);
	assert_int_equal(c->sms_sender, CONF_SMS_WEBHOOK);
	assert_non_null(c->sms_webhook);
	assert_true(c->sms_webhook->https);
	assert_string_equal(c->sms_webhook->host, "sms.example.vn");
	assert_int_equal(c->sms_webhook->port, 8443);
	assert_string_equal(c->sms_webhook->path, "/send");
	assert_int_equal(c->sms_webhook_timeout_ms, 1500);
	assert_string_equal(c->sms_webhook_token, "gw-Token_1.2~3+4/5=="); /* newline dropped */
	conf_free(c);
	tu_rm_rf(dir);
}

static void test_conf_sms_refusals_name_the_key(void **state)
{
	char dir[64], tok[128], patch[512];

	(void)state;
	refused("{\"sms\":{\"sender\":\"pigeon\"}}", "sms.sender: must be one of outbox, webhook");
	refused("{\"sms\":{\"sender\":1}}", "sms.sender: must be one of outbox, webhook");
	refused("{\"sms\":{\"sender\":\"webhook\"}}",
	        "sms.webhook_url: required when sms.sender is webhook");
	refused("{\"sms\":{\"sender\":\"webhook\",\"webhook_url\":\"http://sms.example.vn/send\"}}",
	        "authd.json: sms.webhook_url: http is allowed only for a loopback host");
	/* a wrong URL is refused even while the outbox is in use */
	refused("{\"sms\":{\"webhook_url\":\"https://u:p@sms.example.vn/\"}}",
	        "sms.webhook_url: must not contain userinfo");
	refused("{\"sms\":{\"webhook_url\":\"\"}}", "sms.webhook_url: must not be empty");
	refused("{\"sms\":{\"webhook_timeout_ms\":99}}",
	        "sms.webhook_timeout_ms: must be 100..10000");
	refused("{\"sms\":{\"webhook_timeout_ms\":10001}}",
	        "sms.webhook_timeout_ms: must be 100..10000");
	refused("{\"sms\":{\"webhook_ca_file\":\"/etc/hostname\"}}",
	        "sms.webhook_ca_file: set only together with sms.webhook_url");
	refused("{\"sms\":{\"webhook_token_file\":\"/etc/hostname\"}}",
	        "sms.webhook_token_file: set only together with sms.webhook_url");
	refused_with("{\"sms\":{\"webhook_url\":\"https://sms.example.vn/\","
	             "\"webhook_ca_file\":\"/nonexistent/ca.pem\"}}",
	             E_IO, "sms.webhook_ca_file: /nonexistent/ca.pem: No such file");
	refused_with("{\"sms\":{\"webhook_url\":\"https://sms.example.vn/\","
	             "\"webhook_token_file\":\"/nonexistent/t\"}}",
	             E_IO, "sms.webhook_token_file: cannot open /nonexistent/t");
	refused("{\"sms\":{\"webhook\":{\"url\":\"https://sms.example.vn/\"}}}",
	        "sms.webhook: unknown key");
	assert_non_null(tu_mkdtemp(dir, sizeof(dir), "authd-conf"));
	tu_path(tok, sizeof(tok), dir, "token");
	snprintf(patch, sizeof(patch),
	         "{\"sms\":{\"webhook_url\":\"https://sms.example.vn/\","
	         "\"webhook_token_file\":\"%s\"}}",
	         tok);
	tu_spit(tok, "two words\n", 10);
	refused(patch, "sms.webhook_token_file: ");
	tu_spit(tok, "a=b\n", 4);
	refused(patch, "must hold a bearer token");
	tu_spit(tok, "\n", 1);
	refused(patch, "must hold one line");
	tu_spit(tok, "line1\nline2\n", 12);
	refused(patch, "sms.webhook_token_file: ");
	tu_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_defaults_apply),
		cmocka_unit_test(test_conf_values_override_defaults),
		cmocka_unit_test(test_conf_refuses_unknown_keys),
		cmocka_unit_test(test_conf_refuses_wrong_types),
		cmocka_unit_test(test_conf_refuses_out_of_range),
		cmocka_unit_test(test_conf_refuses_empty_and_control_strings),
		cmocka_unit_test(test_conf_issuer_rules),
		cmocka_unit_test(test_conf_missing_issuer_is_named),
		cmocka_unit_test(test_conf_cross_field_checks),
		cmocka_unit_test(test_conf_load_reports_json_line),
		cmocka_unit_test(test_conf_refuses_duplicate_keys),
		cmocka_unit_test(test_conf_sms_defaults_to_the_outbox),
		cmocka_unit_test(test_conf_sms_webhook_parses_url_and_reads_token),
		cmocka_unit_test(test_conf_sms_refusals_name_the_key),
	};
	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
