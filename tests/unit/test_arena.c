/* Unit tests for arena.c: alignment, zeroing, the cap, deferred cleanups, secrets wiped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arena.h"
#include "lim.h"

static int order[8], norder;

static void rec(void *p)
{
	order[norder++] = (int)(intptr_t)p;
}

static void test_arena_memory_is_zeroed_and_aligned(void **state)
{
	char first[256];
	struct arena a;

	(void)state;
	memset(first, 0xaa, sizeof(first));
	arena_init(&a, first, sizeof(first), LIM_REQ_MEMORY);
	for (int i = 1; i < 100; i++) {
		unsigned char *p = arena_alloc(&a, (size_t)i);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (int k = 0; k < i; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0xff, (size_t)i);
	}
	arena_reset(&a);
}

static void test_arena_uses_first_block_before_heap(void **state)
{
	char first[1024];
	struct arena a;
	char *p;

	(void)state;
	arena_init(&a, first, sizeof(first), LIM_REQ_MEMORY);
	p = arena_alloc(&a, 100);
	assert_true(p >= first && p < first + sizeof(first));
	assert_int_equal(a.used, 0);
	p = arena_alloc(&a, 4000); /* does not fit: a heap block */
	assert_false(p >= first && p < first + sizeof(first));
	assert_true(a.used > 0);
	arena_reset(&a);
	assert_int_equal(a.used, 0);
	p = arena_alloc(&a, 16);
	assert_true(p >= first && p < first + sizeof(first));
	arena_reset(&a);
}

static void test_arena_refuses_past_its_cap(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a, NULL, 0, 3 * LIM_ARENA_BLOCK);
	assert_non_null(arena_alloc(&a, LIM_ARENA_BLOCK));
	assert_non_null(arena_alloc(&a, LIM_ARENA_BLOCK));
	assert_non_null(arena_alloc(&a, LIM_ARENA_BLOCK));
	assert_null(arena_alloc(&a, LIM_ARENA_BLOCK));
	assert_null(arena_alloc(&a, SIZE_MAX - 8)); /* no overflow to a tiny allocation */
	arena_reset(&a);
	assert_non_null(arena_alloc(&a, 10));
	arena_reset(&a);
}

static void test_arena_strings(void **state)
{
	struct arena a;
	char *s;

	(void)state;
	arena_init(&a, NULL, 0, LIM_REQ_MEMORY);
	s = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(s, "abc");
	s = arena_printf(&a, "%s-%d", "x", 42);
	assert_string_equal(s, "x-42");
	s = arena_strdup(&a, "");
	assert_string_equal(s, "");
	arena_reset(&a);
}

static void test_arena_defers_run_newest_first_on_reset(void **state)
{
	struct arena a;

	(void)state;
	norder = 0;
	arena_init(&a, NULL, 0, LIM_REQ_MEMORY);
	assert_int_equal(arena_defer(&a, rec, (void *)1), 0);
	assert_int_equal(arena_defer(&a, rec, (void *)2), 0);
	assert_int_equal(arena_defer(&a, rec, (void *)3), 0);
	assert_int_equal(norder, 0);
	arena_reset(&a);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[2], 1);
	arena_reset(&a); /* nothing runs twice */
	assert_int_equal(norder, 3);
}

static void test_arena_secret_is_wiped_on_reset(void **state)
{
	char first[2048];
	struct arena a;
	unsigned char *p;

	(void)state;
	arena_init(&a, first, sizeof(first), LIM_REQ_MEMORY);
	p = arena_secret(&a, 32);
	assert_non_null(p);
	memset(p, 0x5a, 32);
	arena_reset(&a);
	for (int i = 0; i < 32; i++) /* first block memory stays readable after reset */
		assert_int_equal(p[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_memory_is_zeroed_and_aligned),
		cmocka_unit_test(test_arena_uses_first_block_before_heap),
		cmocka_unit_test(test_arena_refuses_past_its_cap),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_arena_defers_run_newest_first_on_reset),
		cmocka_unit_test(test_arena_secret_is_wiped_on_reset),
	};
	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
