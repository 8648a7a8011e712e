/* testutil.h — the small file-system helpers the cmocka unit tests share: join a path, make a
 * fresh directory under /tmp, read a whole file, write one, remove a directory tree. Header-only
 * (every function `static inline`, so a test that uses only some of them still builds under
 * -Werror); include it after the test's own includes. It does not hold fixtures, test data or
 * anything that knows about authd's modules: those stay in the test file that needs them.
 *
 *   tu_path(out, n, dir, name)  writes "dir/name" into out[n] and returns out, so it nests in
 *                               a call; a path that does not fit fails the test.
 *   tu_mkdtemp(out, n, name)    creates a 0700 directory "/tmp/<name>.XXXXXX" and leaves its
 *                               path in out[n]; returns out, or NULL (errno set) on failure.
 *   tu_slurp(path, &len)        the whole file, NUL-terminated, malloc'd (caller frees); NULL
 *                               when it cannot be opened. A failed allocation or short read
 *                               fails the test. len may be NULL.
 *   tu_spit(path, data, n)      creates or truncates path and writes n bytes; any failure
 *                               fails the test.
 *   tu_rm_rf(path)              removes path: a file, or a directory and everything below it
 *                               (symlinks are unlinked, not followed). Missing is not an error;
 *                               best effort, never fails the test (it runs in teardowns): an
 *                               entry whose path would not fit in 512 bytes is left alone. */
#ifndef AUTHD_TESTUTIL_H
#define AUTHD_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline char *tu_path(char *out, size_t n, const char *dir, const char *name)
{
	int len = snprintf(out, n, "%s/%s", dir, name);

	assert_true(len >= 0 && (size_t)len < n);
	return out;
}

static inline char *tu_mkdtemp(char *out, size_t n, const char *name)
{
	snprintf(out, n, "/tmp/%s.XXXXXX", name);
	return mkdtemp(out);
}

static inline char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

static inline void tu_spit(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static inline void tu_rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char sub[512];
			int len;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			len = snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			if (len >= 0 && (size_t)len < sizeof(sub))
				tu_rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

#endif
