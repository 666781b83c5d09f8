/* Shared main() for the CUnit test programs: run one suite, exit non-zero on any failure.
 * A test program defines `static CU_TestInfo tests[]` (NULL-terminated, see TEST()) and then
 * writes CUNIT_MAIN("suite name", tests). */
#pragma once

#include <CUnit/Basic.h>
#include <stdlib.h>

#define TEST(fn) { #fn, fn }

static inline int cunit_run(const char *suite_name, CU_TestInfo *tests)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return EXIT_FAILURE;
    CU_SuiteInfo suites[] = { { suite_name, NULL, NULL, NULL, NULL, tests }, CU_SUITE_INFO_NULL };
    if (CU_register_suites(suites) != CUE_SUCCESS)
        return EXIT_FAILURE;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return failed == 0 && run > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#define CUNIT_MAIN(name, tests) \
    int main(void) { return cunit_run(name, tests); }
