/* sms.c — see sms.h. */
#include "sms.h"

#include <string.h>

#include "skeys.h"
#include "store.h"

enum step sms_send(struct req *r, step_fn next, const char *phone, const char *text)
{
	const char *argv[] = { "XADD", SK_SMS_OUTBOX, "MAXLEN", "~", "10000", "*",
		               "phone", phone, "text", text };

	return store_cmdv(r, next, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL);
}

int sms_sent(const struct req *r)
{
	return r->reply != NULL && r->reply->type == SR_STRING;
}
