/*
 * qr.h — the animated QR code of a QR login (DESIGN §5.3): the payload a browser shows and the
 * app scans names a login transaction and carries a code that changes every second, an
 * HMAC-SHA256 of the transaction's secret over the seconds elapsed since it started (as BankID's
 * animated QR), so a photographed or relayed code is useless within seconds; and its rendering as
 * an SVG image with libqrencode. Pure: no I/O.
 *
 *   payload = "EID1." qid "." t "." code     qid: 22 base64url characters (16 random bytes)
 *                                            t:   decimal seconds since the transaction began
 *                                            code: the first 11 base64url characters (66 bits)
 *                                                  of HMAC-SHA256(secret, qid "." t)
 *
 * Does not own: the transaction's state (Redis, ep_qr.c), who may scan it, what approval means.
 */
#ifndef AUTHD_QR_H
#define AUTHD_QR_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define QR_ID_LEN 22
#define QR_SECRET_LEN 32
#define QR_CODE_LEN 11
#define QR_PAYLOAD_MAX 64

/* The payload at second t, into out. */
void qr_payload(const uint8_t secret[QR_SECRET_LEN], const char *qid, long long t,
                char out[QR_PAYLOAD_MAX]);

/* Splits a scanned payload: 0 with the transaction id (qid, NUL-terminated), its second and the
 * code's position in `payload`; -1 when it is not a well-formed payload. */
int qr_parse(const char *payload, char qid[QR_ID_LEN + 1], long long *t);

/* 1 when `payload` was made from `secret` and its second is at most `tolerance` seconds older
 * than `elapsed` (now, in seconds since the transaction began) and not in its future; the code
 * is compared in constant time. */
int qr_fresh(const uint8_t secret[QR_SECRET_LEN], const char *payload, long long elapsed,
             long long tolerance);

/* The payload as an SVG image (one path of dark modules, a 4-module quiet zone, error
 * correction M), in arena memory; NULL when encoding fails or memory runs out. */
char *qr_svg(struct arena *a, const char *payload);

#endif
