/*
 * ep_userinfo.h — /userinfo (OIDC Core §5.3), GET or POST: the bearer is a citizen's access token
 * (RFC 6750: Authorization header, or access_token in a form body), checked like introspection
 * (signature, expiry, its grant alive, the account active, not revoked). Claims by the token's
 * scopes, from the population registry: profile (name, birthdate, gender), phone (phone_number,
 * E.164), address (formatted, country), citizen_id (for clients registered for it).
 * Errors: 401 with WWW-Authenticate: Bearer error="invalid_token"; 403 insufficient_scope.
 */
#ifndef AUTHD_EP_USERINFO_H
#define AUTHD_EP_USERINFO_H

#include "req.h"

enum step ep_userinfo(struct req *r);

#endif
