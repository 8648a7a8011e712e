/* replay.c — a main() for the fuzz harnesses without libFuzzer, so any compiler (gcc with ASan
 * and UBSan: `make fuzz-replay`) can run their corpora and kept crashes: each argument is a
 * file, or a directory whose files are run (not recursively); arguments starting with '-'
 * (libFuzzer's options, which tests/fuzz/run.sh passes) are ignored. Calls
 * LLVMFuzzerInitialize once, then LLVMFuzzerTestOneInput once per file, each input in a heap
 * buffer of exactly its size (so ASan sees an overread by one byte). A crash ends the process;
 * otherwise it prints "N inputs" and exits 0, or 1 if a file could not be read. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: cannot read\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "Running: %s\n", path);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	size_t runs = 0;
	int bad = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char path[4096];

		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: missing\n", argv[i]);
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i]) != 0;
			runs++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			bad = 1;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' ||
			    snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name) >= (int)sizeof(path))
				continue;
			bad |= run_file(path) != 0;
			runs++;
		}
		closedir(d);
	}
	printf("%zu inputs\n", runs);
	return bad;
}
