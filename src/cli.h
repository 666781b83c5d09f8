/* cli — the command line: `kadsim [OPTION…] SCENARIO.ini`, `kadsim demo …`, `kadsim merge …`. */
#pragma once

#include "program.h"

/* The program: parse argv and do what it asks; returns the exit status. main() is this. */
int kadsim_main(int argc, char **argv);

/* The command line, parsed: the options and what is left (the scenario file). */
typedef struct {
    KadsimOptions opt;
    char **rest;
    char **trace_sets;  /* --trace[=SPEC] as [trace] overrides, applied before --set */
} KadsimCommandLine;

/* kadsim_cli_parse(): the line asks for a run. */
#define KADSIM_CLI_GO_ON (-1)

/* Parse argc/argv (GOption) into *cl. Returns KADSIM_CLI_GO_ON, or the exit status to stop
 * with when the line asks for no run (--version) or is wrong (the message is printed).
 * Either way the caller frees with kadsim_cli_clear(). Public so that fuzz/fuzz_cmdline.c
 * runs the program's very parsing. */
int kadsim_cli_parse(int *argc, char ***argv, KadsimCommandLine *cl);
void kadsim_cli_clear(KadsimCommandLine *cl);
