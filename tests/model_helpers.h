/* Helpers shared by the tests of the world models (test_sim_latency, _loss, _churn, _workload,
 * _dist): build a configuration or a whole Sim with the fake protocol from INI text, and
 * check that a bad setting fails with a message that names what it should. */
#pragma once

#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "fake_protocol.h"
#include "sim.h"

#define ASSERT_REL(x, expected, tol) \
    CU_ASSERT(fabs((double) (x) - (double) (expected)) <= (tol) * fabs((double) (expected)))

/* A configuration from INI text, NULL and *error if it does not load. */
static inline SimConfig *model_cfg_new(const char *ini, GError **error)
{
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    fake_protocol_class.declare(cfg);
    if (!sim_config_load_data(cfg, "test.ini", ini, error)) {
        sim_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* A simulation of the fake protocol, and the configuration it reads. */
typedef struct {
    SimConfig *cfg;
    Sim *sim;
} ModelWorld;

/* Build it; NULL and *error when the configuration or a model is refused. */
static inline Sim *model_world_try(ModelWorld *w, const char *ini, GError **error)
{
    w->sim = NULL;
    w->cfg = model_cfg_new(ini, error);
    if (w->cfg)
        w->sim = sim_new(w->cfg, &fake_protocol_class, error);
    return w->sim;
}

/* Build it, failing the test (with the message) when it cannot be built. */
static inline Sim *model_world_new(ModelWorld *w, const char *ini)
{
    GError *err = NULL;
    if (!model_world_try(w, ini, &err))
        fprintf(stderr, "\n%s\n", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->sim);
    return w->sim;
}

static inline void model_world_free(ModelWorld *w)
{
    sim_free(w->sim);
    sim_config_free(w->cfg);
}

/* Building a Sim from `ini` fails with a message holding every needle (NULL-terminated). */
static inline void model_expect_error(const char *ini, ...)
{
    ModelWorld w;
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(model_world_try(&w, ini, &err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    va_list ap;
    va_start(ap, ini);
    for (const char *needle; (needle = va_arg(ap, const char *));) {
        if (!strstr(err->message, needle))
            fprintf(stderr, "\n'%s' not in: %s\n", needle, err->message);
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, needle));
    }
    va_end(ap);
    g_error_free(err);
    model_world_free(&w);
}

/* A file holding `text` in a fresh temporary folder; its path (free with model_temp_remove). */
static inline char *model_temp_file(const char *name, const char *text)
{
    char *dir = g_dir_make_tmp("kadsim-test-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char *path = g_build_filename(dir, name, NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, -1, NULL));
    g_free(dir);
    return path;
}

static inline void model_temp_remove(char *path)
{
    char *dir = g_path_get_dirname(path);
    remove(path);
    g_rmdir(dir);
    g_free(dir);
    g_free(path);
}

/* With KADSIM_TEST_VERBOSE=1 in the environment, print a measured statistic beside its
 * theoretical value: docs/models.md quotes these lines. */
static inline void model_report(const char *what, double measured, double expected)
{
    if (g_getenv("KADSIM_TEST_VERBOSE"))
        fprintf(stderr, "\n  %-52s measured %-12.6g theory %-12.6g (%+.3f%%)", what, measured,
                expected, expected != 0 ? 100 * (measured - expected) / expected : 0.0);
}
