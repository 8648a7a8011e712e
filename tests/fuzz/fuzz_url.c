/* fuzz_url — the URL parsers: fetch.c's fetch_url_parse (sms.webhook_url, the issuer; the
 * back-channel logout calls) and clients.c's clients_uri_validate (redirect and logout URIs of
 * a registration), on any string.
 * Properties: a parsed outbound URL has a non-empty lower-case host without brackets, a port
 * 1..65535, a path beginning with '/', https or a loopback host, and no userinfo or fragment;
 * a URI clients_uri_validate accepts is printable ASCII without spaces, backslashes, '#' or
 * '*', and https or http on a loopback host. */
#include <string.h>
#include <strings.h>

#include "clients.h"
#include "fetch.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fetch_url u;
	struct errbuf eb = { 0 };
	char *s;

	if (size > LIM_URI + 16)
		return 0;
	s = fuzz_str(data, size);
	if (fetch_url_parse(s, "url", &u, &eb) == 0) {
		FUZZ_CHECK(u.host[0] != '\0' && strpbrk(u.host, "[]@/?#ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
		                                        NULL,
		           "a host that is empty, bracketed or not lower case");
		FUZZ_CHECK(u.port >= 1 && u.port <= 65535, "a port out of range");
		FUZZ_CHECK(u.path[0] == '/', "a path not starting with '/'");
		FUZZ_CHECK(u.https || u.loopback, "plain http to a host that is not loopback");
		FUZZ_CHECK(strchr(s, '#') == NULL, "a fragment");
	} else {
		FUZZ_CHECK(eb.msg[0] != '\0', "a refusal without a message");
	}
	if (clients_uri_validate(s, "redirect_uris[0]", &eb) == 0) {
		for (const char *p = s; *p != '\0'; p++)
			FUZZ_CHECK(*p > 0x20 && *p < 0x7f && !strchr("\\#* \"<>^`{|}", *p),
			           "a registered URI with a character it must not have");
		FUZZ_CHECK(strncasecmp(s, "https://", 8) == 0 ||
		                   strncasecmp(s, "http://127.0.0.1", 16) == 0 ||
		                   strncasecmp(s, "http://[::1]", 12) == 0 ||
		                   strncasecmp(s, "http://localhost", 16) == 0,
		           "a registered URI that is neither https nor loopback http");
	}
	free(s);
	return 0;
}
