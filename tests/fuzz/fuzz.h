/* fuzz.h — what the libFuzzer harnesses (tests/fuzz/fuzz_<input>.c) share: the two entry points
 * libFuzzer calls, and a few helpers. Header-only (`static inline`), like tests/unit/testutil.h.
 *
 * A harness calls the daemon's real functions (linked from libauthd.a) on the fuzzer's bytes and
 * must be deterministic and leak-free: whatever it allocates for one input it frees before
 * returning; fixtures made once (keys, a client, a trust store) live in statics made by
 * LLVMFuzzerInitialize. A broken property the harness checks itself is reported with
 * fuzz_fail(), which aborts: libFuzzer then keeps the input as a crash.
 *
 *   fuzz_str(data, n)        a NUL-terminated malloc'd copy of the input (caller frees); an
 *                            input with a NUL in it is cut there: C strings are what the
 *                            callers pass on.
 *   fuzz_tmpdir(name)        a fresh 0700 directory /tmp/authd-fuzz-<name>.XXXXXX, removed at exit.
 *   fuzz_spit(path, p, n)    writes a whole file (aborts on failure: the harness is broken).
 *   FUZZ_CHECK(cond, why)    aborts with the reason when a property does not hold. */
#ifndef AUTHD_FUZZ_H
#define AUTHD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

__attribute__((noreturn)) static inline void fuzz_fail(const char *file, int line, const char *why)
{
	fprintf(stderr, "%s:%d: property broken: %s\n", file, line, why);
	abort();
}

#define FUZZ_CHECK(cond, why)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, (why));                                      \
	} while (0)

static inline char *fuzz_str(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	FUZZ_CHECK(s != NULL, "out of memory");
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

static inline void fuzz_spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	FUZZ_CHECK(f != NULL, "cannot create a temporary file");
	FUZZ_CHECK(fwrite(p, 1, n, f) == n, "cannot write a temporary file");
	FUZZ_CHECK(fclose(f) == 0, "cannot write a temporary file");
}

static char fuzz_tmp_path[64];

static inline void fuzz_tmp_rm(void)
{
	char cmd[128];

	/* our own mkdtemp name: no quoting issue */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_tmp_path);
	if (fuzz_tmp_path[0] != '\0' && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fuzz_tmp_path);
}

static inline const char *fuzz_tmpdir(const char *name)
{
	snprintf(fuzz_tmp_path, sizeof(fuzz_tmp_path), "/tmp/authd-fuzz-%s.XXXXXX", name);
	FUZZ_CHECK(mkdtemp(fuzz_tmp_path) != NULL, "cannot create a temporary directory");
	atexit(fuzz_tmp_rm);
	return fuzz_tmp_path;
}

#endif
