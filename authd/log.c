/* log.c — see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_min = LOG_INFO;
static enum log_format log_fmt = LOG_FMT_JSON;
static int log_worker = -1;

static const char *const LVL[] = { "debug", "info", "warn", "error" };

struct line {
	char buf[4096];
	size_t n;
	int cut;
};

void log_setup(enum log_level min, enum log_format fmt)
{
	log_min = min;
	log_fmt = fmt;
}

void log_set_worker(int worker)
{
	log_worker = worker;
}

int log_enabled(enum log_level lvl)
{
	return lvl >= log_min;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, LVL[i]) == 0)
			return i;
	return -1;
}

static void put(struct line *l, const char *s, size_t n)
{
	if (l->n + n >= sizeof(l->buf) - 2) {
		l->cut = 1;
		return;
	}
	memcpy(l->buf + l->n, s, n);
	l->n += n;
}

static void puts_raw(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* JSON string body (without quotes); control bytes escaped, bytes >= 0x80 passed through. */
static void put_esc(struct line *l, const char *s)
{
	char u[8];

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			u[0] = '\\';
			u[1] = (char)c;
			put(l, u, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(u, sizeof(u), "\\u%04x", c);
			put(l, u, 6);
		} else {
			put(l, (const char *)&c, 1);
		}
	}
}

static void field(struct line *l, const char *k, const char *v, int quote)
{
	if (log_fmt == LOG_FMT_JSON) {
		puts_raw(l, ",\"");
		put_esc(l, k);
		puts_raw(l, quote ? "\":\"" : "\":");
		put_esc(l, v);
		if (quote)
			puts_raw(l, "\"");
	} else {
		puts_raw(l, " ");
		put_esc(l, k);
		puts_raw(l, "=");
		if (quote)
			puts_raw(l, "\"");
		put_esc(l, v);
		if (quote)
			puts_raw(l, "\"");
	}
}

static void head(struct line *l, enum log_level lvl, const char *ev, const char *rid)
{
	struct timeval tv;
	struct tm tm;
	char ts[96], w[16];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(tv.tv_usec / 1000));
	l->n = 0;
	l->cut = 0;
	if (log_fmt == LOG_FMT_JSON) {
		puts_raw(l, "{\"ts\":\"");
		puts_raw(l, ts);
		puts_raw(l, "\"");
	} else {
		puts_raw(l, "ts=");
		puts_raw(l, ts);
	}
	field(l, "lvl", LVL[lvl], 1);
	field(l, "ev", ev, 1);
	if (log_worker >= 0) {
		snprintf(w, sizeof(w), "%d", log_worker);
		field(l, "worker", w, 0);
	}
	if (rid != NULL)
		field(l, "req", rid, 1);
}

static void emit(struct line *l)
{
	if (l->cut)
		field(l, "truncated", "true", 0);
	l->n = l->n > sizeof(l->buf) - 2 ? sizeof(l->buf) - 2 : l->n;
	if (log_fmt == LOG_FMT_JSON)
		l->buf[l->n++] = '}';
	l->buf[l->n++] = '\n';
	/* One write per line; a short write on stderr is not worth retrying in a logger. */
	if (write(STDERR_FILENO, l->buf, l->n) < 0)
		return;
}

void log_event(enum log_level lvl, const char *rid, const char *ev, ...)
{
	struct line l;
	va_list ap;
	const char *k;

	if (lvl < log_min)
		return;
	head(&l, lvl, ev, rid);
	va_start(ap, ev);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		if (v != NULL)
			field(&l, k, v, 1);
	}
	va_end(ap);
	emit(&l);
}

void log_access(const struct log_access *a)
{
	struct line l;
	char num[32];

	if (LOG_INFO < log_min)
		return;
	head(&l, LOG_INFO, "access", a->rid);
	field(&l, "method", a->method, 1);
	field(&l, "route", a->route, 1);
	snprintf(num, sizeof(num), "%d", a->status);
	field(&l, "status", num, 0);
	snprintf(num, sizeof(num), "%.3f", a->ms);
	field(&l, "ms", num, 0);
	snprintf(num, sizeof(num), "%u", a->store_rtt);
	field(&l, "redis", num, 0);
	if (a->ip != NULL)
		field(&l, "ip", a->ip, 1);
	if (a->client_id != NULL)
		field(&l, "client_id", a->client_id, 1);
	emit(&l);
}
