/* fuzz — the libFuzzer entry points of kadsim's fuzz targets (fuzz/fuzz_*.c). The same target
 * is linked with libFuzzer by `make fuzz` (clang) and with fuzz/replay_main.c by `make check`
 * (any compiler), which replays the seed and regression inputs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Once, before the first input (argc/argv: the fuzzer's own command line). Returns 0. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* One input. Returns 0; a bug aborts (assertion, sanitizer report). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
