/*
 * conf.h — authd.json: one table row per key (conf.c), generic code does parsing and checking.
 * Unknown, mistyped, out-of-range or missing keys are errors that read
 * "config/authd.json: listen.port: must be 1..65535, got 70000".
 *
 * Relative paths in the file (keys.dir, clients.dir, tls.*, redis.password_file,
 * sms.webhook_*_file) are taken relative to the working directory authd was started in (the repo
 * root for `make run`).
 *
 * Owns: struct conf and its validation. Does not own: keys or clients (loaded by gen.c from the
 * directories named here).
 */
#ifndef AUTHD_CONF_H
#define AUTHD_CONF_H

#include <stddef.h>

#include <jansson.h>

#include "addr.h"
#include "err.h"

struct fetch_url;

/* sms.sender: where SMS one-time codes go (sms.c). */
enum conf_sms_sender { CONF_SMS_OUTBOX = 0, CONF_SMS_WEBHOOK };

struct conf {
	char *file;

	char *listen_address;
	long long listen_port, listen_backlog;
	char *tls_cert, *tls_key;          /* both or neither */
	char *issuer;                      /* no trailing slash */
	long long workers;                 /* resolved: 0 in the file = number of cores */

	char *redis_host, *redis_socket;   /* exactly one */
	long long redis_port, redis_db;
	char *redis_password_file;
	char *redis_password;              /* read from redis_password_file; wiped on free */
	long long redis_connect_timeout_ms, redis_timeout_ms;

	char *keys_dir, *clients_dir, *csca_dir;

	long long ttl_code, ttl_access, ttl_id, ttl_refresh, ttl_refresh_max;
	long long refresh_grace;

	int log_level, log_format, log_access;

	long long max_body, max_headers, http_timeout;

	long long sms_code_ttl, sms_code_attempts;      /* activation / recovery SMS codes */
	long long act_per_id_hour, act_per_ip_hour;     /* activation mismatches allowed per hour */
	long long auth_fail_per_ip_hour;                /* authentication failures per address/hour */
	long long argon2_t, argon2_m_kib, argon2_lanes; /* password and passcode hashing */
	long long hash_threads, hash_queue;             /* per worker: pool threads, queue bound */
	long long hash_deadline_ms;                     /* a request waiting on the pool */
	long long challenge_ttl, app_session_idle;      /* app login */
	long long sso_idle, sso_max;                    /* browser (SSO) sessions */
	long long ciba_ttl;                             /* a CIBA request's lifetime */
	long long qr_ttl, qr_tolerance, qr_wait;        /* QR login transactions; status long-poll */
	long long audit_summary_s;                      /* tokens_issued entries: how often */
	long long bcl_queue_max, bcl_max_tries, bcl_timeout_ms; /* back-channel logout (bcl.c) */
	char *bcl_ca_file;                              /* its TLS trust; NULL: the system's */
	int qr_show_payload;                            /* development: the payload as text */
	long long pin_failures, lock_first, lock_max;   /* lockout after wrong passcodes */

	int sms_sender;                    /* enum conf_sms_sender */
	char *sms_webhook_url;
	struct fetch_url *sms_webhook;     /* sms_webhook_url parsed; NULL when unset */
	long long sms_webhook_timeout_ms;
	char *sms_webhook_ca_file;         /* NULL: the system trust store */
	char *sms_webhook_token_file;
	char *sms_webhook_token;           /* read from sms_webhook_token_file; wiped on free */

	struct cidrs trusted_proxies;      /* whose X-Forwarded-For is believed */
	struct cidrs metrics_allow;        /* who may read /metrics */
};

/* Reads and validates the file. 0 and a new conf, or E_IO/E_INVALID/E_NOMEM with eb set. */
int conf_load(const char *path, struct conf **out, struct errbuf *eb);
/* Same from an already parsed object; `file` names it in messages. Does not steal j. */
int conf_parse(json_t *j, const char *file, struct conf **out, struct errbuf *eb);
void conf_free(struct conf *c); /* NULL-safe */

#endif
