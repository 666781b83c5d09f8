/* replay_main — run a fuzz target on input files without libFuzzer: `make check` replays the
 * seed corpus and every input that once crashed (tests/data/fuzz/) this way, in the normal and
 * the sanitizer builds. Usage: fuzz_X_replay FILE... */
#include "config.h"

#include <glib.h>
#include <stdio.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        char *data = NULL;
        gsize size = 0;
        GError *error = NULL;
        if (!g_file_get_contents(argv[i], &data, &size, &error)) {
            fprintf(stderr, "%s: %s\n", argv[0], error->message);
            g_error_free(error);
            return 99;  /* a missing input is a broken test set-up, not a bug found */
        }
        LLVMFuzzerTestOneInput((const uint8_t *) data, size);
        g_free(data);
    }
    fprintf(stderr, "%s: %d inputs replayed\n", argv[0], argc - 1);
    return 0;
}
