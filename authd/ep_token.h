/*
 * ep_token.h — the token endpoint (/token) and its companions /introspect (RFC 7662) and /revoke
 * (RFC 7009); and client authentication (RFC 6749 §2.3, OIDC Core §9), which every
 * back-channel endpoint shares: client_secret_basic, client_secret_post and private_key_jwt —
 * exactly the method the client registered, one method per request.
 *
 * Errors follow RFC 6749 §5.2: JSON {"error", "error_description"}, 400, or 401 invalid_client
 * (with WWW-Authenticate: Basic when the client tried Basic), Cache-Control: no-store.
 */
#ifndef AUTHD_EP_TOKEN_H
#define AUTHD_EP_TOKEN_H

#include "req.h"

struct client;

/* Authenticates the client of a form-encoded request (r->form), then runs `next`. The client is
 * then ep_token_client(r). The endpoint's own URL is accepted as a client assertion's aud,
 * beside the issuer and the token endpoint. */
enum step ep_token_client_auth(struct req *r, step_fn next);
const struct client *ep_token_client(const struct req *r);

enum step ep_token(struct req *r);
enum step ep_token_introspect(struct req *r);
enum step ep_token_revoke(struct req *r);

#endif
