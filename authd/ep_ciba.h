/*
 * ep_ciba.h — Client-Initiated Backchannel Authentication (OpenID Connect CIBA Core 1.0, poll
 * mode): a registered client (the bank) asks at /bc-authorize for a citizen by ID number
 * (`login_hint`), with a `binding_message` the app shows; the citizen's app lists the requests
 * (GET /app/v1/ciba/pending) and approves or denies one with a signature of its bound device key
 * (POST /app/v1/ciba/decide); the client polls /token with the CIBA grant (ep_token.c).
 *
 * An approval is worth the account's level: `acr` urn:eid:level:N, `amr` ["hwk","pin"] (the app
 * session was opened with the passcode and the device key). A request needing a higher level than
 * the account has is denied, never silently lowered.
 */
#ifndef AUTHD_EP_CIBA_H
#define AUTHD_EP_CIBA_H

#include "req.h"

enum step ep_ciba_authorize(struct req *r);
enum step ep_ciba_pending(struct req *r);
enum step ep_ciba_decide(struct req *r);

#define CIBA_INTERVAL 5 /* s: the polling interval granted (CIBA Core §7.3) */

#endif
