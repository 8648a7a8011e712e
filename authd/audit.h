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

#include "req.h"

#define AUDIT_HASH_HEX 64

/* The entry hash as lower-case hex (out has AUDIT_HASH_HEX + 1 bytes). */
void audit_hash(const char *prev, const char *ts, const char *ev, const char *sub,
                const char *ip, const char *detail, char out[AUDIT_HASH_HEX + 1]);

/* Appends {ev, sub (masked ID number or client id), the request's client address, detail},
 * then runs `next`. If the append fails (Redis down, contention past a few retries) the event
 * is written to the error log instead and `next` still runs: the operation it records has
 * already been committed. */
enum step audit_append(struct req *r, step_fn next, const char *ev, const char *sub,
                       const char *detail);

#endif
