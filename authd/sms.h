/*
 * sms.h — sending SMS one-time codes. The sender appends to the Redis stream eid:sms:outbox
 * (fields `phone`, `text`), which an SMS gateway's adapter consumes — and which `eid-app
 * --dev-sms` and the tests read in development. The stream is capped (about 10,000 entries).
 *
 * Does not own: the codes (their generation and MACs belong to the flow that sends them).
 */
#ifndef AUTHD_SMS_H
#define AUTHD_SMS_H

#include "req.h"

/* Queues `text` for `phone` (normalised +84...). STEP_WAIT, or STEP_DONE with 503 set. */
enum step sms_send(struct req *r, step_fn next, const char *phone, const char *text);

/* 1 when the recorded reply says the message was queued. */
int sms_sent(const struct req *r);

#endif
