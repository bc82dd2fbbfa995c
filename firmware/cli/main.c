/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c: the `hailong` command line: option parsing shared by every
 * subcommand, config and survey resolution, and dispatch.
 *
 *   hailong run [--headless --script FILE]
 *   hailong check FILE...
 *   hailong export --format csv|xlsx|jsonl|bundle --out PATH [--survey-id ID]
 *   hailong verify-export DIR... --trust FILE [--key-file FILE]
 *   hailong verify [--trust FILE] [--key-file FILE]
 *   hailong identity [--json] | --new [--replace-lost-key]
 *   hailong export-key --new
 *   hailong set-pin [--iterations N]
 *   hailong stats [--json]
 *   hailong sync --once | --status [--json]
 *   hailong speak --lang vi|en --out FILE.wav [--rate WPM] TEXT...
 *   hailong merge --trust FILE --out DIR [--key-file FILE] BUNDLE_DIR...
 *   hailong report --unit UNIT --month YYYY-MM [--pdf FILE] [--xlsx FILE] (--db CONNINFO |
 *                  --merged DIR | --bundles --trust FILE DIR...) [--lang vi|en]
 *   hailong version
 *   common: --data-dir DIR  --config FILE  --survey FILE
 *
 * Exit codes are in cli.h. Messages go to stderr, results to stdout.
 */
#include "cli.h"
#include "hl_platform.h"
#include "hl_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HL_VERSION
#define HL_VERSION "0.0.0"
#endif

static const char usage_text[] =
    "usage: hailong COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run [--headless --script FILE]   run the kiosk, or play a scripted session headless\n"
    "  check FILE...                    validate survey and config files\n"
    "  export --format csv|xlsx|jsonl|bundle --out PATH [--survey-id ID]\n"
    "                                   write the stored responses (a file, or a signed\n"
    "                                   bundle folder for a USB stick)\n"
    "  verify-export DIR... --trust FILE [--key-file FILE]\n"
    "                                   check bundles against a trust list: names the signer,\n"
    "                                   missing, torn, altered files, and breaks in the\n"
    "                                   response chain within and across\n"
    "  verify [--trust FILE] [--key-file FILE]\n"
    "                                   check the stored responses' tamper-evident chain:\n"
    "                                   names edited, deleted, inserted, reordered ones\n"
    "  identity [--json]                print the kiosk id, device public key and fingerprint\n"
    "                                   (a trust list line for the province)\n"
    "  export-key --new                 make the USB export secret (printed once) and store\n"
    "                                   its hash in the config\n"
    "  set-pin [--iterations N]         set the technician PIN (read from stdin) in the config\n"
    "  stats [--json]                   counts of stored responses\n"
    "  sync --once | --status [--json]  push pending responses to the server now, or show\n"
    "                                   what is pending and the last error\n"
    "  compose --method telex|vni|none TEXT...  type TEXT with a Vietnamese input method\n"
    "  speak --lang vi|en --out FILE.wav TEXT...  write TEXT spoken by the kiosk's voice\n"
    "  merge --trust FILE --out DIR BUNDLE_DIR...\n"
    "                                   verify the USB bundles of several kiosks and sticks\n"
    "                                   and merge them into one folder (duplicates dropped,\n"
    "                                   missing responses named) for hailong report\n"
    "  report --unit UNIT --month YYYY-MM [--pdf FILE] [--xlsx FILE]\n"
    "         (--db CONNINFO | --merged DIR | --bundles --trust FILE DIR...)\n"
    "                                   the month's satisfaction report of a unit (or '*':\n"
    "                                   the province) as PDF and Excel, min-5 rule applied\n"
    "  version                          print the version\n"
    "\n"
    "common options:\n"
    "  --data-dir DIR   where the database lives (default $HAILONG_DATA_DIR, else\n"
    "                   /var/lib/hailong if writable, else $XDG_DATA_HOME/hailong)\n"
    "  --config FILE    config file (default $HAILONG_CONFIG, else " HL_DEFAULT_CONFIG
    " if present)\n"
    "  --survey FILE    survey file (default: the config's, else the bundled " HL_DEFAULT_SURVEY
    ")\n"
    "\n"
    "Benchmarks are a program of their own: hailong-bench --help.\n"
    "Each command takes --help. Exit codes: 0 ok, 1 failure, 2 usage, 3 script stopped,\n"
    "4 not verified (signed by a key the trust list does not hold), 5 merged but\n"
    "incomplete (a bundle rejected or responses missing).\n";

static int cmd_version(hl_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    if (argc > 1 && !strcmp(argv[1], "--help")) {
        printf("usage: hailong version\nPrints the firmware version and schema version.\n");
        return HL_EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "hailong version: unexpected argument \"%s\"\n", argv[1]);
        return HL_EXIT_USAGE;
    }
    printf("hailong %s (database schema %d)\n", HL_VERSION, HL_STORE_SCHEMA_VERSION);
    return HL_EXIT_OK;
}

/* cli_speak.c (not in cli.h yet: see there). */

typedef struct command {
    const char *name;
    int (*fn)(hl_cli_t *cli, int argc, char **argv);
} command_t;

static const command_t commands[] = {
    {"run", hl_cli_run},           {"check", hl_cli_check},
    {"export", hl_cli_export},     {"stats", hl_cli_stats},
    {"version", cmd_version},      {"verify-export", hl_cli_verify_export},
    {"verify", hl_cli_verify},     {"export-key", hl_cli_export_key},
    {"identity", hl_cli_identity}, {"set-pin", hl_cli_set_pin},
    {"sync", hl_cli_sync},         {"compose", hl_cli_compose},
    {"speak", hl_cli_speak},       {"merge", hl_cli_merge},
    {"report", hl_cli_report},
};

static int dispatch(hl_cli_t *cli, int n, char **rest)
{
    if (n == 0 || !strcmp(rest[0], "--help") || !strcmp(rest[0], "help")) {
        fputs(usage_text, n == 0 ? stderr : stdout);
        return n == 0 ? HL_EXIT_USAGE : HL_EXIT_OK;
    }
    if (!strcmp(rest[0], "--version")) return cmd_version(cli, 1, rest);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(rest[0], commands[i].name)) return commands[i].fn(cli, n, rest);
    fprintf(stderr, "hailong: unknown command \"%s\" (try hailong --help)\n", rest[0]);
    return HL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    return hl_cli_main(argc, argv, dispatch);
}
