/*
 * audit.h — the append-only, hash-chained audit log of security events (DESIGN §6): a Redis
 * stream whose entries each carry `prev` (the previous entry's hash) and `h`, the SHA-256 of
 *     "v1|" prev "|" ts "|" ev "|" sub "|" ip "|" detail
 * so that a deleted, reordered or edited entry breaks the chain (`eidctl audit verify`). The
 * stream is capped by nothing: retention is an operator's decision (export, then trim).
 *
 * Owns: the entry format and its hash (audit_hash, shared with eidctl), the append with
 * optimistic retry. Does not own: what is worth auditing (the flows decide).
 */
#ifndef AUTHD_AUDIT_H
#define AUTHD_AUDIT_H

#include <stdint.h>

#include "req.h"

#define AUDIT_HASH_HEX 64

/* The entry hash as lower-case hex (out has AUDIT_HASH_HEX + 1 bytes). */
void audit_hash(const char *prev, const char *ts, const char *ev, const char *sub,
                const char *ip, const char *detail, char out[AUDIT_HASH_HEX + 1]);

/* A citizen's `sub` in the log: the masked ID number, '~', and 12 hex digits of
 * HMAC-SHA256(pepper, "audit|" ID): "001085******~3f9a0c1b2d4e". The log never holds a whole ID
 * number, yet an administrator who knows one finds its entries exactly (the filter computes the
 * same string); without the pepper the digits cannot be searched back to an ID. Pure. */
#define AUDIT_SUB_LEN 25
void audit_subject(const uint8_t pepper[32], const char *id, char out[AUDIT_SUB_LEN + 1]);

/* audit_append for an event of a citizen's account (sub = audit_subject of `id`). */
enum step audit_append_id(struct req *r, step_fn next, const char *ev, const char *id,
                          const char *detail);

/* The same for an event no request carries (a reload, a key change, a token summary): sent at
 * once, retried on contention from the callback; a failure goes to the error log. ip is "-".
 * The strings are copied (ev 47, sub 63, detail 511 bytes at most). */
struct store;
void audit_append_bg(struct store *s, const char *ev, const char *sub, const char *detail);

/* Token issuance summaries: each token response counts one for its client; the worker appends
 * "tokens_issued" (sub authd-w<N>, detail "client=count,...") every audit.token_summary_s
 * (60 s) when any were. */
void audit_count_token(const char *client_id);
void audit_flush_tokens(struct store *s, int worker);

/* Appends {ev, sub (masked ID number or client id), the request's client address, detail},
 * then runs `next`. If the append fails (Redis down, contention past a few retries) the event
 * is written to the error log instead and `next` still runs: the operation it records has
 * already been committed. */
enum step audit_append(struct req *r, step_fn next, const char *ev, const char *sub,
                       const char *detail);

#endif
