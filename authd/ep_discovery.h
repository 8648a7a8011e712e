/*
 * ep_discovery.h — discovery (/.well-known/openid-configuration), JWKS, /healthz, /readyz and
 * /metrics. Discovery and JWKS bytes are rendered once per generation (ep_discovery_render, called
 * by gen.c) and sent by reference.
 */
#ifndef AUTHD_EP_DISCOVERY_H
#define AUTHD_EP_DISCOVERY_H

#include <stddef.h>

#include "err.h"
#include "req.h"

struct conf;
struct keyset;

/* Renders the OpenID Provider metadata for this config and key set. Endpoints are listed only
 * when a route serves them, so discovery never promises what authd cannot do. Returns 0 and a
 * heap string (caller frees) or E_NOMEM. */
int ep_discovery_render(const struct conf *c, const struct keyset *ks, char **out, size_t *len);

enum step ep_discovery_config(struct req *r);
enum step ep_discovery_jwks(struct req *r);
enum step ep_discovery_healthz(struct req *r);
enum step ep_discovery_readyz(struct req *r);
enum step ep_discovery_metrics(struct req *r);

#endif
