/* js.c — see js.h. */
#include "js.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int js_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int js_utf8_ok(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s != '\0') {
		unsigned long cp;
		int n;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			cp = *s & 0x1fu, n = 1;
		else if (*s >= 0xe0 && *s <= 0xef)
			cp = *s & 0x0fu, n = 2;
		else if (*s >= 0xf0 && *s <= 0xf4)
			cp = *s & 0x07u, n = 3;
		else
			return 0;
		for (int i = 1; i <= n; i++) { /* stops at the NUL: never steps over it */
			if ((s[i] & 0xc0u) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3fu);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

int js_str(json_t *obj, const char *key, const char *name, int required, size_t maxlen, char **out,
           struct errbuf *eb)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;
	char *c;

	if (v == NULL)
		return required ? eb_set(eb, E_INVALID, "%s: missing", name) : 0;
	if (!json_is_string(v))
		return eb_set(eb, E_INVALID, "%s: must be a string", name);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0)
		return eb_set(eb, E_INVALID, "%s: must not be empty", name);
	if (n > maxlen)
		return eb_set(eb, E_INVALID, "%s: longer than %zu bytes", name, maxlen);
	if (strlen(s) != n || js_has_ctl(s))
		return eb_set(eb, E_INVALID, "%s: contains a control character", name);
	if ((c = strdup(s)) == NULL)
		return E_NOMEM;
	*out = c;
	return 0;
}

int js_int(json_t *obj, const char *key, const char *name, int required, long long min,
           long long max, long long *out, struct errbuf *eb)
{
	json_t *v = json_object_get(obj, key);
	long long n;

	if (v == NULL)
		return required ? eb_set(eb, E_INVALID, "%s: missing", name) : 0;
	if (!json_is_integer(v))
		return eb_set(eb, E_INVALID, "%s: must be an integer", name);
	n = json_integer_value(v);
	if (n < min || n > max)
		return eb_set(eb, E_INVALID, "%s: must be %lld..%lld, got %lld", name, min, max, n);
	*out = n;
	return 0;
}

int js_bool(json_t *obj, const char *key, const char *name, int required, int *out,
            struct errbuf *eb)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return required ? eb_set(eb, E_INVALID, "%s: missing", name) : 0;
	if (!json_is_boolean(v))
		return eb_set(eb, E_INVALID, "%s: must be true or false", name);
	*out = json_is_true(v);
	return 0;
}

void js_list_free(char **l)
{
	if (l == NULL)
		return;
	for (char **p = l; *p != NULL; p++)
		free(*p);
	free(l);
}

size_t js_list_len(char *const *l)
{
	size_t n = 0;

	while (l != NULL && l[n] != NULL)
		n++;
	return n;
}

int js_list_has(char *const *l, const char *s)
{
	for (; l != NULL && *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

int js_str_list(json_t *obj, const char *key, const char *name, int required, size_t maxn,
                size_t maxlen, char ***out, struct errbuf *eb)
{
	json_t *v = json_object_get(obj, key), *it;
	char **l;
	size_t i, n;
	int r = E_INVALID;

	if (v == NULL)
		return required ? eb_set(eb, E_INVALID, "%s: missing", name) : 0;
	if (!json_is_array(v))
		return eb_set(eb, E_INVALID, "%s: must be an array of strings", name);
	n = json_array_size(v);
	if (n > maxn)
		return eb_set(eb, E_INVALID, "%s: more than %zu entries", name, maxn);
	if ((l = calloc(n + 1, sizeof(*l))) == NULL)
		return E_NOMEM;
	json_array_foreach(v, i, it) {
		const char *s;

		if (!json_is_string(it)) {
			eb_set(eb, E_INVALID, "%s[%zu]: must be a string", name, i);
			goto out;
		}
		s = json_string_value(it);
		if (json_string_length(it) == 0 || json_string_length(it) > maxlen ||
		    strlen(s) != json_string_length(it) || js_has_ctl(s)) {
			eb_set(eb, E_INVALID, "%s[%zu]: must be 1..%zu printable bytes", name, i,
			       maxlen);
			goto out;
		}
		if (js_list_has(l, s)) {
			eb_set(eb, E_INVALID, "%s[%zu]: duplicate \"%s\"", name, i, s);
			goto out;
		}
		if ((l[i] = strdup(s)) == NULL) {
			r = E_NOMEM;
			goto out;
		}
	}
	*out = l;
	l = NULL;
	r = 0;
out:
	js_list_free(l);
	return r;
}

int js_only_keys(json_t *obj, const char *const *allowed, const char *prefix, struct errbuf *eb)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		const char *const *a;

		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, k) == 0)
				break;
		if (*a == NULL)
			return eb_set(eb, E_INVALID, "%s%s: unknown key", prefix ? prefix : "", k);
	}
	return 0;
}

int js_load_file(const char *path, size_t maxlen, json_t **out, struct errbuf *eb)
{
	FILE *f;
	struct stat st;
	json_error_t je;
	json_t *j;

	if ((f = fopen(path, "rb")) == NULL)
		return eb_set(eb, E_IO, "cannot open: %s", strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return eb_set(eb, E_IO, "not a regular file");
	}
	if ((size_t)st.st_size > maxlen) {
		fclose(f);
		return eb_set(eb, E_INVALID, "larger than %zu bytes", maxlen);
	}
	j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (j == NULL)
		return eb_set(eb, E_INVALID, "line %d: %s", je.line, je.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return eb_set(eb, E_INVALID, "must be a JSON object");
	}
	*out = j;
	return 0;
}
