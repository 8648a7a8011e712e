/*
 * log.h — structured logging: one JSON object per line on stderr (or "text": key=value), with
 * `ts`, `lvl`, `ev` (a stable snake_case event name), `worker`, `req`, then string fields.
 *
 * Never log tokens, codes, passcodes, OTPs, cookies, Authorization, keys or full ID numbers.
 * Each line goes out in one write(2) so lines of different workers do not interleave.
 */
#ifndef AUTHD_LOG_H
#define AUTHD_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_FMT_JSON = 0, LOG_FMT_TEXT };

/* Process-wide settings; workers set `worker` after fork. */
void log_setup(enum log_level min, enum log_format fmt);
void log_set_worker(int worker);
int log_enabled(enum log_level lvl);
/* Parses "debug|info|warn|error"; -1 if none. */
int log_level_parse(const char *s);

/* Fields are NULL-terminated key/value string pairs; a NULL value is skipped. `rid` may be NULL. */
void log_event(enum log_level lvl, const char *rid, const char *ev, ...)
	__attribute__((sentinel));

/* The access line (STYLE §8): written when the request is freed. */
struct log_access {
	const char *rid, *method, *route, *client_id, *ip;
	int status;
	double ms;
	unsigned store_rtt;
};
void log_access(const struct log_access *a);

#endif
