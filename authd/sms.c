/* sms.c — see sms.h. */
#include "sms.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "conf.h"
#include "fetch.h"
#include "gen.h"
#include "sec.h"
#include "skeys.h"
#include "store.h"

/* A webhook post under way (r->ctx_sms). */
struct sms_post {
	step_fn next;
	struct fetch_result res;
	int sent;
	char phone[ACCT_PHONE_MAX + 1]; /* masked: all the log may say */
};

static enum step outbox_send(struct req *r, step_fn next, const char *phone, const char *text)
{
	const char *argv[] = { "XADD", SK_SMS_OUTBOX, "MAXLEN", "~", "10000", "*",
		               "phone", phone, "text", text };

	return store_cmdv(r, next, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL);
}

static enum step webhook_done(struct req *r)
{
	struct sms_post *s = r->ctx_sms;
	char status[12];

	s->sent = s->res.fail == FETCH_OK && s->res.status >= 200 && s->res.status <= 299;
	if (!s->sent) {
		snprintf(status, sizeof(status), "%d", s->res.status);
		req_log(LOG_WARN, r, "sms_webhook_failed", "reason",
		        s->res.fail == FETCH_OK ? "status" : fetch_fail_name(s->res.fail), "status",
		        s->res.fail == FETCH_OK ? status : NULL, "phone", s->phone, NULL);
	}
	return s->next(r);
}

static enum step webhook_send(struct req *r, step_fn next, const char *phone, const char *text)
{
	const struct conf *c = r->gen->conf;
	struct sms_post *s = arena_alloc(&r->arena, sizeof(*s));
	struct fetch_header hdrs[2];
	struct fetch_spec spec;
	size_t nh = 0;
	char *body;
	json_t *j;
	enum step st;

	if (s == NULL)
		return req_fail_oom(r);
	s->next = next;
	acct_phone_mask(phone, s->phone);
	r->ctx_sms = s;
	hdrs[nh].name = "X-Request-Id";
	hdrs[nh++].value = r->id;
	if (c->sms_webhook_token != NULL) {
		size_t n = strlen("Bearer ") + strlen(c->sms_webhook_token) + 1;
		char *v = arena_secret(&r->arena, n);

		if (v == NULL)
			return req_fail_oom(r);
		snprintf(v, n, "Bearer %s", c->sms_webhook_token);
		hdrs[nh].name = "Authorization";
		hdrs[nh++].value = v;
	}
	j = json_pack("{s:s, s:s, s:s}", "phone", phone, "text", text, "id", r->id);
	body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (body == NULL)
		return req_fail_oom(r);
	spec = (struct fetch_spec){
		.url = c->sms_webhook,
		.tls = r->gen->sms_tls,
		.ctype = "application/json",
		.body = body,
		.len = strlen(body),
		.headers = hdrs,
		.nheaders = nh,
		.timeout_ms = c->sms_webhook_timeout_ms,
	};
	st = fetch_req(r, webhook_done, &spec, &s->res); /* copies the body */
	sec_wipe(body, strlen(body));                      /* it holds the code */
	free(body);
	return st;
}

enum step sms_send(struct req *r, step_fn next, const char *phone, const char *text)
{
	if (r->gen->conf->sms_sender == CONF_SMS_WEBHOOK)
		return webhook_send(r, next, phone, text);
	return outbox_send(r, next, phone, text);
}

int sms_sent_or_fail(struct req *r)
{
	int sent;

	if (r->gen->conf->sms_sender == CONF_SMS_WEBHOOK)
		sent = r->ctx_sms != NULL && ((const struct sms_post *)r->ctx_sms)->sent;
	else
		sent = r->reply != NULL && r->reply->type == SR_STRING;
	if (!sent)
		req_fail(r, 503, "sms_unavailable", "the SMS could not be sent; try again later");
	return sent;
}
