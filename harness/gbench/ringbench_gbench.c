/* ringbench_gbench.c: the program `ringbench gbench` runs (cmd_gbench.c):
 * Google Benchmark's C++ runtime stays out of ringbench itself. */
#include "cli/commands.h"

int main(int argc, char **argv)
{
	return cmd_gbench(argc, argv);
}
