/* fuzz_html — the pages authd shows (html.c): html_esc, and html_login, html_consent,
 * html_error and html_logout with their request- and registration-supplied values taken from
 * the input (lines: client_name, id_number, tid, csrf, state, post_logout_redirect_uri, title,
 * detail, phone; the first byte's bits pick the locale, the message and the flags).
 * Properties: html_esc's output has no < > " ' and every & starts one of its five entities,
 * and unescaping it gives the input back; a page rendered with the input's values has exactly
 * as many < > " ' characters as the same page rendered with harmless values: no value can open
 * or close a tag or an attribute. */
#include <string.h>

#include "fuzz.h"
#include "html.h"
#include "lim.h"

#define NFIELDS 9

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void esc_check(struct arena *a, const char *s)
{
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	static const char raw[] = "&<>\"'";
	const char *e = html_esc(a, s), *p;
	char *back, *o;

	if (e == NULL)
		return; /* the arena's cap */
	FUZZ_CHECK(strpbrk(e, "<>\"'") == NULL, "html_esc left a < > \" or '");
	back = o = arena_alloc(a, strlen(e) + 1);
	if (back == NULL)
		return;
	for (p = e; *p != '\0';) {
		size_t k;

		if (*p != '&') {
			*o++ = *p++;
			continue;
		}
		for (k = 0; k < 5; k++)
			if (strncmp(p, ent[k], strlen(ent[k])) == 0)
				break;
		FUZZ_CHECK(k < 5, "html_esc left a bare &");
		*o++ = raw[k];
		p += strlen(ent[k]);
	}
	*o = '\0';
	FUZZ_CHECK(strcmp(back, s) == 0, "html_esc does not unescape to its input");
}

struct counts {
	size_t lt, gt, dq, sq;
};

static struct counts count(const char *s)
{
	struct counts c = { 0, 0, 0, 0 };

	for (; s != NULL && *s != '\0'; s++) {
		c.lt += *s == '<';
		c.gt += *s == '>';
		c.dq += *s == '"';
		c.sq += *s == '\'';
	}
	return c;
}

/* Every page with the values v[], in arena memory joined by NULs into one string per page. */
static void pages(struct arena *a, unsigned bits, const char *const *v, char *out[5])
{
	const char *loc = bits & 1 ? "en" : "vi";
	struct html_login l = {
		.locale = loc, .tid = v[2], .csrf = v[3], .client_name = v[0], .id_number = v[1],
		.msg = (enum html_msg)((bits >> 1) % 9), .phone = v[8],
		.qid = bits & 0x20 ? "AbCdEfGhIjKlMnOpQrStUv" : NULL, .nonce = "n0nce",
		.qr_only = !!(bits & 0x40), .dev_payload = !!(bits & 0x80),
	};

	out[0] = html_login(a, &l);
	out[1] = html_consent(a, loc, v[2], v[3], v[0], bits * 0x1234567u);
	out[2] = html_error(a, loc, v[6], v[7]);
	out[3] = html_logout(a, loc, 0, v[3], v[0], v[5], v[4]);
	out[4] = html_logout(a, loc, 1, v[3], v[0], v[5], v[4]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char first[LIM_ARENA_FIRST];
	static const char *const harmless[NFIELDS] = { "x", "x", "x", "x", "x", "x", "x", "x", "x" };
	const char *v[NFIELDS];
	char *s, *p, *got[5], *want[5];
	struct arena a;
	unsigned bits;
	size_t k = 0;

	if (size < 1 || size > 8192)
		return 0;
	bits = data[0];
	s = fuzz_str(data + 1, size - 1);
	for (p = s; k < NFIELDS; k++) {
		v[k] = p;
		if ((p = strchr(p, '\n')) == NULL) {
			for (k++; k < NFIELDS; k++)
				v[k] = "";
			break;
		}
		*p++ = '\0';
	}
	arena_init(&a, first, sizeof(first), LIM_REQ_MEMORY);
	for (k = 0; k < NFIELDS; k++)
		esc_check(&a, v[k]);
	for (k = 0; k < NFIELDS; k++) /* empty values take other branches: keep them comparable */
		if (v[k][0] == '\0')
			v[k] = "x";
	pages(&a, bits, v, got);
	pages(&a, bits, harmless, want);
	for (k = 0; k < 5; k++) {
		struct counts g, w;

		if (got[k] == NULL || want[k] == NULL)
			continue; /* the arena's cap */
		g = count(got[k]);
		w = count(want[k]);
		FUZZ_CHECK(g.lt == w.lt && g.gt == w.gt && g.dq == w.dq && g.sq == w.sq,
		           "a value changed the page's markup");
	}
	arena_reset(&a);
	free(s);
	return 0;
}
