/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_main.c: hailong-bench, the benchmarks as a program of their own
 * (shipped in the package, so that a technician can measure the kiosk's own
 * card): the same common options as hailong (--data-dir, --config,
 * --survey), then the benchmark and its options. Each prints one JSON line
 * on stdout; progress goes to stderr. The kiosk's own program, hailong,
 * carries no benchmark code.
 *
 *   hailong-bench store [--responses N] [--export-responses M]
 *   hailong-bench export [--responses N] [--bundle-responses M]
 *   hailong-bench ui [--frames N] [--idle-s S]
 *   hailong-bench results [--responses N]
 *   hailong-bench access [--keys N] [--size WxH]
 *   hailong-bench sync [--responses N]   (a config whose sync names a server)
 *   hailong-bench province-setup --kiosks DIR | province --kiosks DIR [--url URL] ...
 */
#include "bench_util.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The province server's load generator (bench_province.c). */
int hl_cli_bench_province(hl_cli_t *cli, int argc, char **argv);

/* hl_cli_bench reads argv[1] as the benchmark's name. */
static int run(hl_cli_t *cli, int n, char **rest)
{
    if (n >= 1 && (!strcmp(rest[0], "province") || !strcmp(rest[0], "province-setup")))
        return hl_cli_bench_province(cli, n, rest);
    char **args = calloc((size_t)n + 2, sizeof *args);
    if (!args) return HL_EXIT_FAIL;
    args[0] = "hailong-bench";
    memcpy(args + 1, rest, (size_t)n * sizeof *args);
    int rc = hl_cli_bench(cli, n + 1, args);
    free(args);
    return rc;
}

int main(int argc, char **argv)
{
    return hl_cli_main(argc, argv, run);
}
