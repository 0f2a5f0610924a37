/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CUNIT_H
#define WM_CUNIT_H

/*
 * The runner every CUnit suite shares: one suite per executable, the
 * basic interface in verbose mode, and an exit code that is non-zero
 * when any assertion, test or suite failed (meson reads it).
 */

#include <stddef.h>
#include <stdio.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

struct wm_test {
	const char *name;
	CU_TestFunc fn;
};

/* A table entry named after its function. */
#define WM_TEST(fn)     \
	{               \
#fn, fn \
	}

static inline int
wm_cunit_run(const char *suite_name, CU_InitializeFunc init, CU_CleanupFunc clean,
	     const struct wm_test *tests, size_t n)
{
	unsigned int failed;
	CU_pSuite suite;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite(suite_name, init, clean);
	if (suite == NULL)
		goto err;
	for (i = 0; i < n; i++)
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
			goto err;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto err;
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed() +
		 CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed != 0 ? 1 : 0;
err:
	fprintf(stderr, "%s: CUnit error: %s\n", suite_name, CU_get_error_msg());
	CU_cleanup_registry();
	return 1;
}

#endif /* WM_CUNIT_H */
