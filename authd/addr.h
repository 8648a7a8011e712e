/*
 * addr.h — IP addresses and CIDR ranges: parsing the `trusted_proxies` list and deciding which
 * address a request comes from. Pure functions, no sockets.
 *
 * Does not own: how the peer address is obtained (http.c) or any rate limit keyed on it.
 */
#ifndef AUTHD_ADDR_H
#define AUTHD_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	int bits;
};

struct cidrs {
	struct cidr *v;
	size_t n;
};

/* "10.0.0.0/8", "::1", "192.168.1.5" (a single address = /32 or /128). Host bits must be zero.
 * 0 or E_INVALID with a sentence naming `name`. */
int addr_cidr_parse(const char *s, const char *name, struct cidr *out, struct errbuf *eb);

/* 1 if the textual address `ip` is inside one of the n ranges; 0 otherwise or if unparsable.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched as IPv4. */
int addr_in(const char *ip, const struct cidr *v, size_t n);

/* The client address of a request (RFC 7239 reasoning applied to X-Forwarded-For): when the
 * peer is a trusted proxy, walk X-Forwarded-For from the right, skipping trusted proxies, and
 * take the first untrusted, well-formed address; otherwise (or when XFF is absent/malformed) the
 * peer itself. Writes into out (size outlen >= 46). */
void addr_client_ip(const char *peer, const char *xff, const struct cidr *v, size_t n, char *out,
                    size_t outlen);

#endif
