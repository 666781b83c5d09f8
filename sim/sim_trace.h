/* sim_trace — trace.csv: every message of chosen operations, one row each (docs/output.md).
 *
 * The [trace] section of a scenario (or --trace on the command line) chooses the operations;
 * sim_trace_open() installs the engine's tracer for them and streams the rows to trace.csv.tmp,
 * renamed to trace.csv by sim_trace_close(), like every file of a results folder. With tracing
 * off nothing is installed: the engine's cost is one test per message.
 *
 * Rows come in the order the engine learns each message's fate: at arrival (delivered, or
 * dropped at a dead host) or at sending (lost). time_ms is always the sending time. */
#pragma once

#include "sim.h"

/* The header of trace.csv, without its line end. */
#define SIM_TRACE_COLUMNS "time_ms,op,from,to,type,hop,bits_to_target,fate"

typedef struct SimTrace SimTrace;

/* Which operations are traced. */
typedef enum {
    SIM_TRACE_NONE,
    SIM_TRACE_ALL,
    SIM_TRACE_FIRST,  /* operations 0 .. first - 1 */
    SIM_TRACE_RANGE,  /* operations from .. to (numbers of ops.csv, both included) */
    SIM_TRACE_KEY,    /* operations on one workload key (ops.csv's key) */
} SimTraceMode;

typedef struct {
    SimTraceMode mode;
    uint64_t from, to;  /* FIRST: 0 .. first - 1; RANGE: as given */
    uint64_t key;
} SimTraceSelection;

/* Declare the [trace] keys. */
void sim_trace_declare(SimConfig *cfg);

/* The overrides ("trace.ops=first", "trace.first=20") that --trace=SPEC stands for; SPEC is
 * NULL or "all", "none", "first:N", "op:A", "op:A-B" or "key:K". NULL-terminated, caller frees
 * with g_strfreev; NULL and a message a user can act on when SPEC is not one of those. */
char **sim_trace_spec_to_overrides(const char *spec, GError **error);

/* The selection [trace] of cfg asks for. */
SimTraceSelection sim_trace_selection(const SimConfig *cfg);

/* Does the selection include operation `op` on workload key `key`? */
gboolean sim_trace_selects(const SimTraceSelection *sel, uint64_t op, uint64_t key);

/* Start tracing the run of sim, which writes its results to `dir`, as its [trace] section
 * says; NULL when that is "none". Either way, trace files of an earlier run in `dir`
 * (trace.csv, sequence*.png/svg/md) are removed, so a folder never shows a trace of another
 * run. A file that cannot be written is reported by sim_trace_close(). */
SimTrace *sim_trace_open(Sim *sim, const char *dir);

/* The same for a caller that picks the rows itself (the demo): opens trace.csv.tmp and writes
 * the header; install no tracer; give rows to sim_trace_write(). */
SimTrace *sim_trace_new(Sim *sim, const char *dir);

/* Append one row. */
void sim_trace_write(SimTrace *trace, const SimTraceRow *row);

/* Rows written so far. */
uint64_t sim_trace_rows(const SimTrace *trace);

/* Stop tracing, flush trace.csv to disk and rename it into place, free. NULL does nothing and
 * succeeds. On failure *error names the file and trace.csv.tmp is removed. */
gboolean sim_trace_close(SimTrace *trace, GError **error);

/* The fate column: "delivered", "lost", "dropped-at-dead-node" or "timed-out" (a reply that
 * arrived after its RPC had timed out). */
const char *sim_trace_fate_name(const SimTraceRow *row);
