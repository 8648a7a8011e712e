/* err.c — see err.h. */
#include "err.h"

#include <stdio.h>
#include <stdlib.h>

int eb_set(struct errbuf *eb, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;

	if (eb == NULL)
		return code;
	if (eb->file != NULL) {
		int k = snprintf(eb->msg, sizeof(eb->msg), "%s: ", eb->file);
		n = k > 0 && (size_t)k < sizeof(eb->msg) ? (size_t)k : 0;
	}
	va_start(ap, fmt);
	vsnprintf(eb->msg + n, sizeof(eb->msg) - n, fmt, ap);
	va_end(ap);
	return code;
}

const char *err_name(int code)
{
	switch (code) {
	case E_OK: return "E_OK";
	case E_NOMEM: return "E_NOMEM";
	case E_INVALID: return "E_INVALID";
	case E_LIMIT: return "E_LIMIT";
	case E_STORE: return "E_STORE";
	case E_INTERNAL: return "E_INTERNAL";
	case E_NOTFOUND: return "E_NOTFOUND";
	case E_IO: return "E_IO";
	case E_CRYPTO: return "E_CRYPTO";
	}
	return "E_UNKNOWN";
}

void bug_fail(const char *file, int line, const char *why)
{
	fprintf(stderr, "{\"lvl\":\"error\",\"ev\":\"bug\",\"file\":\"%s\",\"line\":%d,\"why\":\"%s\"}\n",
	        file, line, why);
	abort();
}
