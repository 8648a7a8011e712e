/*
 * js.h — strict getters over jansson objects for config files and registrations: each checks
 * presence, type, length and range, and on failure fills the errbuf with "key: what is wrong".
 * Keys are spelled as the caller passes them (dotted paths are the caller's business).
 *
 * Returned strings are heap copies owned by the caller (free()); lists are NULL-terminated heap
 * arrays freed with js_list_free(). Out-params are written only on success.
 */
#ifndef AUTHD_JS_H
#define AUTHD_JS_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

/* `name` is the key as shown in messages. required=0 and absent: returns 0, *out untouched. */
int js_str(json_t *obj, const char *key, const char *name, int required, size_t maxlen, char **out,
           struct errbuf *eb);
int js_int(json_t *obj, const char *key, const char *name, int required, long long min,
           long long max, long long *out, struct errbuf *eb);
int js_bool(json_t *obj, const char *key, const char *name, int required, int *out,
            struct errbuf *eb);
/* Array of distinct non-empty strings, at most maxn items of at most maxlen bytes each. */
int js_str_list(json_t *obj, const char *key, const char *name, int required, size_t maxn,
                size_t maxlen, char ***out, struct errbuf *eb);
void js_list_free(char **l);
size_t js_list_len(char *const *l);
int js_list_has(char *const *l, const char *s);

/* Refuses keys of `obj` not in the NULL-terminated `allowed` list: "name: unknown key". */
int js_only_keys(json_t *obj, const char *const *allowed, const char *prefix, struct errbuf *eb);

/* Loads a JSON object from a file of at most `maxlen` bytes; duplicate keys are refused.
 * Returns 0 and a new reference, or E_IO/E_INVALID with "line L: ..." in eb. */
int js_load_file(const char *path, size_t maxlen, json_t **out, struct errbuf *eb);

/* A string contains a control character or is not valid UTF-8 (jansson guarantees UTF-8). */
int js_has_ctl(const char *s);

/* 1 if s is UTF-8 as jansson and RFC 8259 §8.1 read it (no stray continuation bytes, overlong
 * forms, surrogates or code points past U+10FFFF), so json_string() takes it; else 0. For text
 * that did not come through jansson but will go into JSON. */
int js_utf8_ok(const char *s);

#endif
