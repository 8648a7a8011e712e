/*
 * sms.h — sending SMS one-time codes, by the sender `sms.sender` names:
 *
 * - "outbox" (the default, and what development and the tests use): appends to the Redis stream
 *   eid:sms:outbox (fields `phone`, `text`), capped at about 10,000 entries, which an SMS
 *   gateway's adapter consumes — and which `eid-app --dev-sms` and the tests read.
 * - "webhook": POSTs {"phone", "text", "id" (the request id)} as JSON to `sms.webhook_url`
 *   (fetch.c: TLS verified, `Authorization: Bearer` from `sms.webhook_token_file`), within the
 *   citizen's request, so the app learns at once when no SMS could be sent. A 2xx answer is
 *   "sent"; anything else (another status, timeout, TLS or connection failure) is logged at warn
 *   as `sms_webhook_failed` with the reason and the masked phone — never the text or the code.
 *
 * Does not own: the codes (their generation and MACs belong to the flow that sends them).
 */
#ifndef AUTHD_SMS_H
#define AUTHD_SMS_H

#include "req.h"

/* Sends `text` to `phone` (normalised +84...), then runs `next`, which calls
 * sms_sent_or_fail. STEP_WAIT, or STEP_DONE with a 503 set (Redis refused the outbox at once). */
enum step sms_send(struct req *r, step_fn next, const char *phone, const char *text);

/* In `next`: 1 when the message was queued (outbox) or accepted (webhook, 2xx); else 0 with
 * 503 `sms_unavailable` set on the request. */
int sms_sent_or_fail(struct req *r);

#endif
