/* form.c — see form.h. */
#include "form.h"

#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* form_decode with the reason: 0 and *out, E_INVALID (bad encoding, a control character) or
 * E_NOMEM (the arena's cap), so that a body too large for the arena is not "malformed". */
static int decode(struct arena *a, const char *s, size_t len, int plus, char **out)
{
	char *buf = arena_alloc(a, len + 1), *o = buf;

	if (buf == NULL)
		return E_NOMEM;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return E_INVALID;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return E_INVALID;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		/* control characters (NUL, CR, LF, ...) never belong in a parameter */
		if (c < 0x20 || c == 0x7f)
			return E_INVALID;
		*o++ = (char)c;
	}
	*o = '\0';
	*out = buf;
	return 0;
}

char *form_decode(struct arena *a, const char *s, size_t len, int plus)
{
	char *out = NULL;

	return decode(a, s, len, plus, &out) == 0 ? out : NULL;
}

int form_parse(struct arena *a, const char *s, size_t len, struct form *f, struct errbuf *eb)
{
	size_t i = 0;

	f->n = 0;
	while (i < len) {
		const char *seg = s + i, *amp = memchr(seg, '&', len - i), *eq;
		size_t seglen = amp != NULL ? (size_t)(amp - seg) : len - i;
		char *name = NULL, *value = NULL;
		int r;

		i += seglen + 1;
		if (seglen == 0)
			continue; /* "a=1&&b=2", a trailing '&' */
		eq = memchr(seg, '=', seglen);
		r = decode(a, seg, eq != NULL ? (size_t)(eq - seg) : seglen, 1, &name);
		if (r == 0 && eq != NULL)
			r = decode(a, eq + 1, seglen - (size_t)(eq + 1 - seg), 1, &value);
		else if (r == 0 && (value = arena_strdup(a, "")) == NULL)
			r = E_NOMEM;
		if (r == E_NOMEM)
			return eb_set(eb, E_NOMEM, "form: larger than the request's memory");
		if (r != 0)
			return eb_set(eb, E_INVALID, "malformed form encoding");
		if (name[0] == '\0')
			continue;
		for (size_t k = 0; k < f->n; k++)
			if (strcmp(f->p[k].name, name) == 0)
				return eb_set(eb, E_INVALID, "parameter %.40s sent more than once", name);
		if (f->n == FORM_MAX_PARAMS)
			return eb_set(eb, E_LIMIT, "too many parameters");
		f->p[f->n].name = name;
		f->p[f->n].value = value;
		f->n++;
	}
	return 0;
}

const char *form_get(const struct form *f, const char *name)
{
	if (f == NULL)
		return NULL;
	for (size_t k = 0; k < f->n; k++)
		if (strcmp(f->p[k].name, name) == 0)
			return f->p[k].value[0] != '\0' ? f->p[k].value : NULL;
	return NULL;
}
