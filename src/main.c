/* kadsim — main(): the program is src/cli.c (kadsim_main), in the program's library so that
 * tests and fuzz targets reach it without compiling anything twice. */
#include "cli.h"

int main(int argc, char **argv)
{
    return kadsim_main(argc, argv);
}
