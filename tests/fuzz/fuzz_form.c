/* fuzz_form — application/x-www-form-urlencoded bodies and query strings: form.c's form_parse
 * and form_get on any bytes (the /token, /par, /introspect, /revoke bodies, the login form, the
 * /authorize query), then properties:
 *   - a parsed form has at most FORM_MAX_PARAMS parameters, each name non-empty, unique, and
 *     free of control characters, as is each value;
 *   - form_get finds each parameter's value (NULL for an empty one);
 *   - encoding every parameter back with authz_urlencode (what authz_redirect uses) and parsing
 *     that again gives the same parameters: the encoder and the parser agree.
 * Memory is a request arena with the daemon's cap (LIM_REQ_MEMORY), reset after each input. */
#include <string.h>

#include "authz.h"
#include "form.h"
#include "fuzz.h"
#include "lim.h"

static int has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* name=value&... of f, each percent-encoded, into arena memory; NULL when it does not fit. */
static char *reencode(struct arena *a, const struct form *f, size_t *len)
{
	size_t n = 1;
	char *out, *p;

	for (size_t i = 0; i < f->n; i++)
		n += 3 * strlen(f->p[i].name) + 3 * strlen(f->p[i].value) + 2;
	if ((out = arena_alloc(a, n)) == NULL)
		return NULL;
	p = out;
	for (size_t i = 0; i < f->n; i++) {
		if (i > 0)
			*p++ = '&';
		p = authz_urlencode(p, f->p[i].name);
		*p++ = '=';
		p = authz_urlencode(p, f->p[i].value);
	}
	*len = (size_t)(p - out);
	return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char first[LIM_ARENA_FIRST];
	struct arena a;
	struct form f, g;
	struct errbuf eb = { 0 };
	char *again;
	size_t len = 0;
	int r;

	arena_init(&a, first, sizeof(first), LIM_REQ_MEMORY);
	if (form_parse(&a, (const char *)data, size, &f, &eb) != 0)
		goto out;
	FUZZ_CHECK(f.n <= FORM_MAX_PARAMS, "more parameters than FORM_MAX_PARAMS");
	for (size_t i = 0; i < f.n; i++) {
		const char *v = form_get(&f, f.p[i].name);

		FUZZ_CHECK(f.p[i].name[0] != '\0', "an empty parameter name was kept");
		FUZZ_CHECK(!has_ctl(f.p[i].name) && !has_ctl(f.p[i].value),
		           "a control character got through");
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(f.p[k].name, f.p[i].name) != 0, "a repeated parameter");
		FUZZ_CHECK(f.p[i].value[0] == '\0' ? v == NULL : v == f.p[i].value,
		           "form_get does not return the parsed value");
	}
	if ((again = reencode(&a, &f, &len)) == NULL)
		goto out; /* past the arena cap: the daemon would answer 413/500 */
	if ((r = form_parse(&a, again, len, &g, &eb)) == E_NOMEM)
		goto out;
	FUZZ_CHECK(r == 0, "a re-encoded form does not parse");
	FUZZ_CHECK(g.n == f.n, "a re-encoded form has another number of parameters");
	for (size_t i = 0; i < f.n; i++)
		FUZZ_CHECK(strcmp(g.p[i].name, f.p[i].name) == 0 &&
		                   strcmp(g.p[i].value, f.p[i].value) == 0,
		           "a re-encoded parameter reads differently");
out:
	arena_reset(&a);
	return 0;
}
