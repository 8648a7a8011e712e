/*
 * ep_qr.h — the QR login, the app's side (the browser's is in ep_authorize.c): the app, with its
 * session as bearer, posts the payload it scanned (POST /app/v1/qr/scan) and is told who asks —
 * the RP's name, the claims, the level, and when and from which address the browser started
 * the login, against cross-device consent phishing —, then approves or denies with a JWS of its
 * bound device key over the transaction, the RP and a server nonce (POST /app/v1/qr/decide).
 * A transaction is bound to the first account that scans it, decided once, and expires
 * (qr.expires_s); a code older than qr.tolerance_s is refused.
 */
#ifndef AUTHD_EP_QR_H
#define AUTHD_EP_QR_H

#include "req.h"

enum step ep_qr_scan(struct req *r);
enum step ep_qr_decide(struct req *r);

#endif
