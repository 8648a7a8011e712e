/*
 * ep_authorize.h — the browser side of OpenID Connect: /authorize (GET and POST), the login form
 * (POST /login: ID number + password + a TOTP code from the app or an SMS code), the consent
 * page (POST /consent), the SSO session cookie, and the redirect back with code, state and iss.
 *
 * State: a pending request is kept in Redis (eid:authz:<h>, 10 minutes) and bound to the browser
 * that started it by a cookie; the forms carry a CSRF token derived from its id. The SSO session
 * (eid:{ID}:sso:<h>) slides its idle expiry and is refused past sessions.max_s from the login.
 * Codes (eid:{ID}:code:<h>) live tokens.code_ttl_s.
 *
 * Does not own: parameter rules (authz.c), pages (html.c), redemption (ep_token.c).
 */
#ifndef AUTHD_EP_AUTHORIZE_H
#define AUTHD_EP_AUTHORIZE_H

#include "req.h"

enum step ep_authorize(struct req *r);
enum step ep_authorize_login(struct req *r);
enum step ep_authorize_consent(struct req *r);
/* POST /par (RFC 9126): a client-authenticated authorization request, validated now, answered
 * 201 with a single-use request_uri for /authorize. */
enum step ep_authorize_par(struct req *r);
/* GET/POST /logout (OpenID Connect RP-Initiated Logout 1.0): with a valid id_token_hint the SSO
 * session ends at once; without one the citizen confirms (a CSRF-protected form). Redirects only
 * to a post_logout_redirect_uri registered for the client the hint (or client_id) names. */
enum step ep_authorize_logout(struct req *r);

/* The QR login's browser side (qr.c; the app's side is ep_qr.c), each bound to the browser by
 * its tx cookie: GET /qr/image?qid= (SVG of the payload of this second), /qr/status?qid=
 * (pending, scanned, approved, denied, expired), /qr/payload?qid= (the payload as text, only with
 * qr.show_payload, for development), /qr/complete?qid= (collects an approval once: an SSO
 * session at the level the app's account has, then consent or the code; a denial goes back to
 * the RP with access_denied). */
enum step ep_authorize_qr_image(struct req *r);
enum step ep_authorize_qr_payload(struct req *r);
enum step ep_authorize_qr_status(struct req *r);
enum step ep_authorize_qr_complete(struct req *r);

#endif
