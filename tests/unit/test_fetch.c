/* Unit tests for fetch.c: outbound URL syntax (what sms.webhook_url and, later, back-channel
 * logout URIs must look like), the client TLS context's trust store, and calls on a real event
 * loop against a loopback evhttp server: status, timeout, cancel, worker exit, a lookup that
 * never answers, refused connections, oversized answers. (TLS handshakes: tests/e2e.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fetch.h"
#include "testutil.h"

static void accepted(const char *s, int https, const char *host, int port, const char *path)
{
	struct errbuf eb = { 0 };
	struct fetch_url u;

	if (fetch_url_parse(s, "k", &u, &eb) != 0)
		fail_msg("%s refused: %s", s, eb.msg);
	assert_int_equal(u.https, https);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	assert_string_equal(u.path, path);
}

/* Refused with `msg` in the message, which names the key; the output is left untouched. */
static void refused(const char *s, const char *msg)
{
	struct errbuf eb = { 0 };
	struct fetch_url u;

	memset(&u, 0x5a, sizeof(u));
	assert_int_equal(fetch_url_parse(s, "sms.webhook_url", &u, &eb), E_INVALID);
	assert_int_equal(u.https, 0x5a5a5a5a);
	if (strncmp(eb.msg, "sms.webhook_url: ", 17) != 0 || strstr(eb.msg, msg) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", s, eb.msg, msg);
}

static void test_fetch_url_accepts_https_hosts_ports_paths(void **state)
{
	(void)state;
	accepted("https://sms.example.vn", 1, "sms.example.vn", 443, "/");
	accepted("https://sms.example.vn/", 1, "sms.example.vn", 443, "/");
	accepted("https://SMS.Example.VN:8443/v1/send?account=eid&x=%20", 1, "sms.example.vn", 8443,
	         "/v1/send?account=eid&x=%20");
	accepted("https://sms.example.vn?x=1", 1, "sms.example.vn", 443, "/?x=1");
	accepted("https://10.1.2.3:9443/send", 1, "10.1.2.3", 9443, "/send");
	accepted("https://[2001:db8::5]/send", 1, "2001:db8::5", 443, "/send");
	accepted("https://gw-1.sms-provider.example/a", 1, "gw-1.sms-provider.example", 443, "/a");
}

static void test_fetch_url_marks_literals_and_loopback(void **state)
{
	struct errbuf eb = { 0 };
	struct fetch_url u;

	(void)state;
	assert_int_equal(fetch_url_parse("https://10.1.2.3/", "k", &u, &eb), 0);
	assert_true(u.ip);
	assert_false(u.loopback);
	assert_int_equal(fetch_url_parse("https://[::1]:8443/", "k", &u, &eb), 0);
	assert_true(u.ip);
	assert_true(u.loopback);
	assert_int_equal(fetch_url_parse("https://localhost/", "k", &u, &eb), 0);
	assert_false(u.ip);
	assert_true(u.loopback);
	assert_int_equal(fetch_url_parse("https://sms.example.vn/", "k", &u, &eb), 0);
	assert_false(u.ip);
	assert_false(u.loopback);
}

static void test_fetch_url_http_only_for_loopback(void **state)
{
	(void)state;
	accepted("http://127.0.0.1:9000/sms", 0, "127.0.0.1", 9000, "/sms");
	accepted("http://[::1]/sms", 0, "::1", 80, "/sms");
	accepted("http://LOCALHOST:9000", 0, "localhost", 9000, "/");
	/* found by fuzz_url: IPv6 literals kept their case */
	accepted("https://[2001:DB8::A]:8443/x", 1, "2001:db8::a", 8443, "/x");
	refused("http://sms.example.vn/send", "http is allowed only for a loopback host");
	refused("http://10.0.0.1/send", "http is allowed only for a loopback host");
	refused("http://127.0.0.2/send", "http is allowed only for a loopback host");
	refused("http://localhost.example.vn/", "http is allowed only for a loopback host");
}

static void test_fetch_url_refusals(void **state)
{
	char long_url[LIM_URI + 32];

	(void)state;
	refused("", "must be an https:// URL");
	refused("ftp://sms.example.vn/", "must be an https:// URL");
	refused("HTTPS://sms.example.vn/", "must be an https:// URL");
	refused("sms.example.vn/send", "must be an https:// URL");
	refused("https://", "must have a host");
	refused("https:///send", "must have a host");
	refused("https://:443/send", "must have a host");
	refused("https://user:pw@sms.example.vn/", "must not contain userinfo");
	refused("https://sms.example.vn@evil.example/", "must not contain userinfo");
	refused("https://sms.example.vn/send#frag", "must not contain a fragment");
	refused("https://sms.example.vn/a b", "must not contain spaces");
	refused("https://sms.example.vn/a\tb", "must not contain spaces");
	refused("https://sms.example.vn\\@evil/", "backslashes");
	refused("https://sms.exämple.vn/", "non-ASCII");
	refused("https://sms.example.vn:/", "malformed port");
	refused("https://sms.example.vn:0/", "port must be 1..65535");
	refused("https://sms.example.vn:65536/", "port must be 1..65535");
	refused("https://sms.example.vn:443443/", "malformed port");
	refused("https://sms.example.vn:44a/", "malformed port");
	refused("https://sms.example.vn:-1/", "malformed port");
	refused("https://sms_gw.example.vn/", "not a DNS name or an IP address");
	refused("https://sms..example.vn/", "not a DNS name or an IP address");
	refused("https://sms.example.vn./", "not a DNS name or an IP address");
	refused("https://-sms.example.vn/", "not a DNS name or an IP address");
	refused("https://sms-.example.vn/", "not a DNS name or an IP address");
	refused("https://10.1.2/", "not a DNS name or an IP address");
	refused("https://256.1.2.3/", "not a DNS name or an IP address");
	refused("https://[2001:db8::5/", "malformed IPv6 host");
	refused("https://[]/", "malformed IPv6 host");
	refused("https://[zz::1]/", "malformed IPv6 host");
	refused("https://[::1]x/", "malformed port");
	memset(long_url, 'a', sizeof(long_url) - 1);
	long_url[sizeof(long_url) - 1] = '\0';
	memcpy(long_url, "https://x.vn/", 13);
	refused(long_url, "longer than");
}

/* A self-signed CA certificate in PEM, written to `path`. */
static void write_ca(const char *path)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *f;

	assert_non_null(k);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"test CA", -1, -1,
	                           0);
	assert_int_equal(X509_set_issuer_name(x, n), 1);
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_fetch_tls_context_trusts_a_ca_file_or_the_system(void **state)
{
	char dir[64], ca[128];
	struct errbuf eb = { 0 };
	SSL_CTX *ctx = NULL;

	(void)state;
	assert_non_null(tu_mkdtemp(dir, sizeof(dir), "authd-fetch"));
	write_ca(tu_path(ca, sizeof(ca), dir, "ca.pem"));
	assert_int_equal(fetch_tls_new(ca, "sms.webhook_ca_file", &ctx, &eb), 0);
	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER);
	assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
	SSL_CTX_free(ctx);
	ctx = NULL;
	assert_int_equal(fetch_tls_new(NULL, "sms.webhook_url", &ctx, &eb), 0);
	assert_int_equal(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER);
	SSL_CTX_free(ctx);
	tu_rm_rf(dir);
}

static void test_fetch_tls_context_refuses_a_file_without_certificates(void **state)
{
	char dir[64], p[128];
	struct errbuf eb = { 0 };
	SSL_CTX *ctx = (SSL_CTX *)0x1;
	static const char *bad[] = {
		"", "not a certificate\n",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	};

	(void)state;
	assert_non_null(tu_mkdtemp(dir, sizeof(dir), "authd-fetch"));
	tu_path(p, sizeof(p), dir, "ca.pem");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tu_spit(p, bad[i], strlen(bad[i]));
		assert_int_equal(fetch_tls_new(p, "sms.webhook_ca_file", &ctx, &eb), E_INVALID);
		assert_ptr_equal(ctx, (SSL_CTX *)0x1);
		assert_non_null(strstr(eb.msg, "sms.webhook_ca_file: "));
		assert_non_null(strstr(eb.msg, "no PEM CA certificate could be loaded"));
	}
	assert_int_equal(fetch_tls_new("/nonexistent/ca.pem", "sms.webhook_ca_file", &ctx, &eb),
	                 E_INVALID);
	assert_ptr_equal(ctx, (SSL_CTX *)0x1);
	tu_rm_rf(dir);
}

static void test_fetch_fail_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(fetch_fail_name(FETCH_OK), "ok");
	assert_string_equal(fetch_fail_name(FETCH_DNS), "dns");
	assert_string_equal(fetch_fail_name(FETCH_CONNECT), "connect");
	assert_string_equal(fetch_fail_name(FETCH_TLS), "tls");
	assert_string_equal(fetch_fail_name(FETCH_TIMEOUT), "timeout");
	assert_string_equal(fetch_fail_name(FETCH_PROTOCOL), "protocol");
	assert_string_equal(fetch_fail_name(FETCH_CANCELLED), "cancelled");
	assert_string_equal(fetch_fail_name(FETCH_NOMEM), "nomem");
}

/* --- calls, on a real event loop against a loopback evhttp server on the same base --- */

struct srv {
	struct event_base *base;
	struct evhttp *http;
	struct fetch *f;
	int port;
	const char *mode; /* "204", "500", "hang", "bigheader" */
	int got;          /* requests the server saw */
	char ctype[64], auth[64], host[64], body[128];
	int silent_fd;    /* a UDP "name server" that never answers */
	char dir[64];
};

struct done {
	int n;
	struct fetch_result res;
};

static void copy_header(struct evhttp_request *req, const char *name, char *out, size_t n)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), name);

	snprintf(out, n, "%s", v != NULL ? v : "");
}

static void srv_cb(struct evhttp_request *req, void *arg)
{
	struct srv *s = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);

	s->got++;
	copy_header(req, "Content-Type", s->ctype, sizeof(s->ctype));
	copy_header(req, "Authorization", s->auth, sizeof(s->auth));
	copy_header(req, "Host", s->host, sizeof(s->host));
	if (n >= sizeof(s->body))
		n = sizeof(s->body) - 1;
	evbuffer_copyout(in, s->body, n);
	s->body[n] = '\0';
	if (strcmp(s->mode, "hang") == 0)
		return; /* evhttp frees it when the client goes */
	if (strcmp(s->mode, "bigheader") == 0) {
		char big[9000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		evhttp_add_header(evhttp_request_get_output_headers(req), "X-Big", big);
	}
	evhttp_send_reply(req, atoi(s->mode), "whatever", NULL);
}

static int srv_setup(void **state)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct evhttp_bound_socket *b;
	struct sockaddr *sap;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char conf[128], line[64];

	assert_non_null(s);
	assert_non_null(s->base = event_base_new());
	assert_non_null(s->http = evhttp_new(s->base));
	evhttp_set_gencb(s->http, srv_cb, s);
	assert_non_null(b = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0));
	sap = (struct sockaddr *)&sa;
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(b), sap, &len), 0);
	s->port = ntohs(sa.sin_port);
	/* the resolver's only name server: bound, never read */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s->silent_fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
	len = sizeof(sa);
	assert_int_equal(bind(s->silent_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s->silent_fd, (struct sockaddr *)&sa, &len), 0);
	assert_non_null(tu_mkdtemp(s->dir, sizeof(s->dir), "authd-fetch"));
	snprintf(line, sizeof(line), "nameserver 127.0.0.1:%d\n", ntohs(sa.sin_port));
	tu_spit(tu_path(conf, sizeof(conf), s->dir, "resolv.conf"), line, strlen(line));
	assert_int_equal(fetch_new(s->base, conf, &s->f), 0);
	s->mode = "204";
	*state = s;
	return 0;
}

static int srv_teardown(void **state)
{
	struct srv *s = *state;

	fetch_free(s->f);
	evhttp_free(s->http);
	event_base_free(s->base);
	close(s->silent_fd);
	tu_rm_rf(s->dir);
	free(s);
	return 0;
}

static void on_done(const struct fetch_result *res, void *arg)
{
	struct done *d = arg;

	d->n++;
	d->res = *res;
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop until *until is nonzero or `ms` pass; returns the milliseconds it took. */
static long run_until(struct srv *s, const int *until, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 }, t0, t1;
	int expired = 0;
	struct event *guard = evtimer_new(s->base, on_guard, &expired);

	assert_non_null(guard);
	evtimer_add(guard, &tv);
	gettimeofday(&t0, NULL);
	while (*until == 0 && !expired)
		event_base_loop(s->base, EVLOOP_ONCE);
	gettimeofday(&t1, NULL);
	event_free(guard);
	return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
}

static struct fetch_url url_to(const char *host, int port, const char *path)
{
	struct fetch_url u;

	memset(&u, 0, sizeof(u));
	snprintf(u.host, sizeof(u.host), "%s", host);
	snprintf(u.path, sizeof(u.path), "%s", path);
	u.port = port;
	u.ip = strcmp(host, "127.0.0.1") == 0;
	return u;
}

static const struct fetch_header AUTH[] = { { "Authorization", "Bearer t0ken" } };

static struct fetch_spec spec_for(const struct fetch_url *u, long long timeout_ms)
{
	return (struct fetch_spec){ .url = u, .ctype = "application/json", .body = "{\"a\":1}",
		                    .len = 7, .headers = AUTH, .nheaders = 1,
		                    .timeout_ms = timeout_ms };
}

static void test_fetch_posts_the_body_and_reports_the_status(void **state)
{
	struct srv *s = *state;
	struct fetch_url u = url_to("127.0.0.1", s->port, "/send?x=1");
	struct fetch_spec sp = spec_for(&u, 2000);
	struct done d = { 0 };
	char host[32];

	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), 0);
	assert_int_equal(d.n, 0); /* never from inside fetch_post */
	run_until(s, &d.n, 3000);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.res.fail, FETCH_OK);
	assert_int_equal(d.res.status, 204);
	assert_int_equal(s->got, 1);
	assert_string_equal(s->ctype, "application/json");
	assert_string_equal(s->auth, "Bearer t0ken");
	assert_string_equal(s->body, "{\"a\":1}");
	snprintf(host, sizeof(host), "127.0.0.1:%d", s->port);
	assert_string_equal(s->host, host);
	/* a status that is not 2xx is still an answer: what it means is the caller's business */
	s->mode = "500";
	d.n = 0;
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), 0);
	run_until(s, &d.n, 3000);
	assert_int_equal(d.res.fail, FETCH_OK);
	assert_int_equal(d.res.status, 500);
}

static void test_fetch_a_silent_server_times_out(void **state)
{
	struct srv *s = *state;
	struct fetch_url u = url_to("127.0.0.1", s->port, "/");
	struct fetch_spec sp = spec_for(&u, 200);
	struct done d = { 0 };
	long ms;

	s->mode = "hang";
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), 0);
	ms = run_until(s, &d.n, 3000);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.res.fail, FETCH_TIMEOUT);
	assert_int_equal(d.res.status, 0);
	assert_int_equal(s->got, 1);
	assert_true(ms >= 190 && ms < 1500);
}

static void test_fetch_cancel_answers_from_the_loop(void **state)
{
	struct srv *s = *state;
	struct fetch_url u = url_to("127.0.0.1", s->port, "/");
	struct fetch_spec sp = spec_for(&u, 5000);
	struct fetch_call *c = NULL;
	struct done d = { 0 };

	s->mode = "hang";
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, &c), 0);
	run_until(s, &s->got, 3000);
	assert_int_equal(s->got, 1);
	fetch_cancel(c);
	assert_int_equal(d.n, 0); /* the caller may still be using what the callback frees */
	run_until(s, &d.n, 1000);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.res.fail, FETCH_CANCELLED);
}

static void test_fetch_free_ends_the_calls_in_flight(void **state)
{
	struct srv *s = *state;
	struct fetch_url u = url_to("127.0.0.1", s->port, "/"),
	                 v = url_to("sms.example.vn", 80, "/"); /* its lookup never answers */
	struct fetch_spec sp = spec_for(&u, 5000), sq = spec_for(&v, 5000);
	struct done d = { 0 }, e = { 0 };

	s->mode = "hang";
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), 0);
	assert_int_equal(fetch_post(s->f, &sq, on_done, &e, NULL), 0);
	run_until(s, &s->got, 3000);
	fetch_free(s->f);
	s->f = NULL;
	assert_int_equal(d.n, 1);
	assert_int_equal(d.res.fail, FETCH_CANCELLED);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.res.fail, FETCH_CANCELLED);
}

static void test_fetch_a_lookup_that_never_answers_times_out(void **state)
{
	struct srv *s = *state;
	struct fetch_url u = url_to("sms.example.vn", 80, "/");
	struct fetch_spec sp = spec_for(&u, 200);
	struct done d = { 0 };
	int turns = 0;

	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), 0);
	run_until(s, &d.n, 3000);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.res.fail, FETCH_TIMEOUT);
	/* the cancelled lookup comes back through the loop and frees what is left of the call
	 * (ASan builds check that nothing leaks) */
	run_until(s, &turns, 100);
}

static void test_fetch_connection_refused(void **state)
{
	struct srv *s = *state;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	struct fetch_url u;
	struct fetch_spec sp;
	struct done d = { 0 };

	/* a port that was just free: bound, never listened on, closed */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	u = url_to("127.0.0.1", port, "/");
	sp = spec_for(&u, 2000);
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), 0);
	run_until(s, &d.n, 3000);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.res.fail, FETCH_CONNECT);
}

static void test_fetch_oversized_answer_headers_fail(void **state)
{
	struct srv *s = *state;
	struct fetch_url u = url_to("127.0.0.1", s->port, "/");
	struct fetch_spec sp = spec_for(&u, 2000);
	struct done d = { 0 };

	s->mode = "bigheader";
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), 0);
	run_until(s, &d.n, 3000);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.res.fail, FETCH_PROTOCOL);
}

static void test_fetch_refuses_bad_specs_at_once(void **state)
{
	struct srv *s = *state;
	struct fetch_url u = url_to("127.0.0.1", s->port, "/");
	struct fetch_spec sp = spec_for(&u, 2000);
	struct done d = { 0 };
	int turns = 0;

	u.https = 1; /* https needs a TLS context */
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), E_INVALID);
	u.https = 0;
	sp.timeout_ms = FETCH_TIMEOUT_MIN_MS - 1;
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), E_INVALID);
	sp.timeout_ms = FETCH_TIMEOUT_MAX_MS + 1;
	assert_int_equal(fetch_post(s->f, &sp, on_done, &d, NULL), E_INVALID);
	run_until(s, &turns, 50);
	assert_int_equal(d.n, 0);
	assert_int_equal(s->got, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_url_accepts_https_hosts_ports_paths),
		cmocka_unit_test(test_fetch_url_marks_literals_and_loopback),
		cmocka_unit_test(test_fetch_url_http_only_for_loopback),
		cmocka_unit_test(test_fetch_url_refusals),
		cmocka_unit_test(test_fetch_tls_context_trusts_a_ca_file_or_the_system),
		cmocka_unit_test(test_fetch_tls_context_refuses_a_file_without_certificates),
		cmocka_unit_test(test_fetch_fail_names_are_stable),
		cmocka_unit_test_setup_teardown(test_fetch_posts_the_body_and_reports_the_status,
		                                srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_a_silent_server_times_out, srv_setup,
		                                srv_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_cancel_answers_from_the_loop, srv_setup,
		                                srv_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_free_ends_the_calls_in_flight, srv_setup,
		                                srv_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_a_lookup_that_never_answers_times_out,
		                                srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_connection_refused, srv_setup,
		                                srv_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_oversized_answer_headers_fail, srv_setup,
		                                srv_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_refuses_bad_specs_at_once, srv_setup,
		                                srv_teardown),
	};
	return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
