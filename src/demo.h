/* demo — `kadsim demo [OPTION…] KEY VALUE`: store a value in a small Kademlia network, get it
 * back from a node far from the key, tell what happened in plain words and draw the get as a
 * sequence diagram (docs/tutorial.md). */
#pragma once

/* argv[0] is "demo". Returns the exit status: 0 when the value came back equal to VALUE, 1 when
 * it did not (the reason is printed), 2 for a usage error. */
int kadsim_demo_main(int argc, char **argv);
