/* fuzz_addr — client addresses behind proxies: addr.c's addr_cidr_parse (trusted_proxies and
 * metrics.allow in authd.json) and addr_client_ip on the X-Forwarded-For header a client sends.
 * Input: the peer address, a newline, the X-Forwarded-For value, a newline, then CIDR ranges
 * one per line.
 * Properties: a parsed range has its prefix within the family and no host bits, and contains
 * its own network address; the client address is the peer unless the peer is trusted, and
 * otherwise an address from the header that parses and is not trusted, or the peer. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "fuzz.h"
#include "lim.h"

#define NRANGES 8

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr v[NRANGES] = { 0 };
	struct errbuf eb = { 0 };
	char *s, *peer, *xff, *line, *save = NULL, out[64], net[INET6_ADDRSTRLEN];
	size_t n = 0;

	if (size > LIM_XFF + 256)
		return 0;
	s = fuzz_str(data, size);
	peer = s;
	if ((xff = strchr(peer, '\n')) != NULL)
		*xff++ = '\0';
	if (xff != NULL && (line = strchr(xff, '\n')) != NULL) {
		*line++ = '\0';
		for (line = strtok_r(line, "\n", &save); line != NULL && n < NRANGES;
		     line = strtok_r(NULL, "\n", &save)) {
			struct cidr c;

			if (addr_cidr_parse(line, "r", &c, &eb) != 0)
				continue;
			FUZZ_CHECK((c.family == AF_INET && c.bits >= 0 && c.bits <= 32) ||
			                   (c.family == AF_INET6 && c.bits >= 0 && c.bits <= 128),
			           "a prefix length outside its family");
			FUZZ_CHECK(inet_ntop(c.family, c.addr, net, sizeof(net)) != NULL &&
			                   addr_in(net, &c, 1),
			           "a range does not contain its own network address");
			v[n++] = c;
		}
	}
	addr_client_ip(peer, xff, v, n, out, sizeof(out));
	FUZZ_CHECK(strlen(out) < sizeof(out), "addr_client_ip overflowed");
	if (strncmp(out, peer, sizeof(out) - 1) != 0) {
		FUZZ_CHECK(xff != NULL && addr_in(peer, v, n), "an untrusted peer's header believed");
		FUZZ_CHECK(!addr_in(out, v, n) && strstr(xff, out) != NULL,
		           "the client address is trusted or not from the header");
	}
	free(s);
	return 0;
}
