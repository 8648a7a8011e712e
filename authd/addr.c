/* addr.c — see addr.h. */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int parse_ip(const char *s, int *family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(out, mapped, 12) == 0) {
			memmove(out, out + 12, 4);
			memset(out + 4, 0, 12);
			*family = AF_INET;
		} else {
			*family = AF_INET6;
		}
		return 0;
	}
	return -1;
}

int addr_cidr_parse(const char *s, const char *name, struct cidr *out, struct errbuf *eb)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct cidr c;
	int max;

	if (alen == 0 || alen >= sizeof(buf))
		return eb_set(eb, E_INVALID, "%s: not an IP address or CIDR range", name);
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&c, 0, sizeof(c));
	if (parse_ip(buf, &c.family, c.addr) != 0)
		return eb_set(eb, E_INVALID, "%s: not an IP address or CIDR range", name);
	max = c.family == AF_INET ? 32 : 128;
	c.bits = max;
	if (slash != NULL) {
		char *end;
		long b;

		if (!isdigit((unsigned char)slash[1]))
			return eb_set(eb, E_INVALID, "%s: bad prefix length", name);
		b = strtol(slash + 1, &end, 10);
		if (*end != '\0' || b < 0 || b > max)
			return eb_set(eb, E_INVALID, "%s: prefix length must be 0..%d", name, max);
		c.bits = (int)b;
	}
	for (int i = c.bits; i < max; i++)
		if (c.addr[i / 8] & (0x80 >> (i % 8)))
			return eb_set(eb, E_INVALID, "%s: host bits set beyond /%d", name, c.bits);
	*out = c;
	return 0;
}

static int match(int family, const uint8_t a[16], const struct cidr *c)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (family != c->family)
		return 0;
	if (memcmp(a, c->addr, (size_t)full) != 0)
		return 0;
	if (rest != 0) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((a[full] & m) != (c->addr[full] & m))
			return 0;
	}
	return 1;
}

int addr_in(const char *ip, const struct cidr *v, size_t n)
{
	uint8_t a[16];
	int fam;

	if (parse_ip(ip, &fam, a) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (match(fam, a, &v[i]))
			return 1;
	return 0;
}

void addr_client_ip(const char *peer, const char *xff, const struct cidr *v, size_t n, char *out,
                    size_t outlen)
{
	const char *end;

	snprintf(out, outlen, "%s", peer);
	if (xff == NULL || n == 0 || !addr_in(peer, v, n))
		return;
	end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		char item[64];
		size_t len;
		uint8_t a[16];
		int fam;

		while (start > xff && start[-1] != ',')
			start--;
		/* trim spaces around the element */
		{
			const char *s = start, *e = end;

			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			len = (size_t)(e - s);
			if (len == 0 || len >= sizeof(item))
				return; /* malformed: believe nobody further left */
			memcpy(item, s, len);
			item[len] = '\0';
		}
		if (parse_ip(item, &fam, a) != 0)
			return;
		if (!addr_in(item, v, n)) {
			snprintf(out, outlen, "%s", item);
			return;
		}
		end = start > xff ? start - 1 : xff;
	}
}
