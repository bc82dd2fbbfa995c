/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h: what the `hailong` subcommands share: resolved options, the loaded
 * config and survey, and the exit codes.
 *
 * Exit codes: 0 success; 1 validation failure or runtime error (message on
 * stderr); 2 usage error; 3 a scripted run stopped (failed expect or a step
 * the kiosk would not allow); 4 verify-export/verify: intact but signed by a
 * key the given trust list does not hold; 5 merge: the merged folder was
 * written but is incomplete (a bundle rejected, responses missing).
 */
#ifndef HL_CLI_H
#define HL_CLI_H

#include "hl_config.h"
#include "hl_devkey.h"
#include "hl_survey.h"
#include "hl_sys.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define HL_DEFAULT_CONFIG "/etc/hailong/hailong.json" /* the config when none is named */
#define HL_DEFAULT_SURVEY "sipas-mot-cua.json"        /* the bundled survey */

enum {
    HL_EXIT_OK = 0,
    HL_EXIT_FAIL = 1,
    HL_EXIT_USAGE = 2,
    HL_EXIT_SCRIPT = 3,
    HL_EXIT_UNTRUSTED = 4, /* verify-export / verify: intact, but the signer is not trusted */
    HL_EXIT_INCOMPLETE = 5 /* merge: written, but a bundle was rejected or responses are missing */
};

typedef struct hl_cli {
    const char *prog;           /* argv[0] for messages */
    char **argv;                /* the whole command line (restart re-executes it) */
    const char *data_dir_flag;  /* --data-dir as given, or NULL */
    const char *config_path;    /* --config as given, or NULL */
    const char *survey_path;    /* --survey as given, or NULL */
    char data_dir[PATH_MAX];    /* resolved by hl_cli_resolve_data_dir */
    char survey_file[PATH_MAX]; /* resolved by hl_cli_load */
    hl_config_t cfg;            /* loaded by hl_cli_load */
    hl_survey_t *survey;        /* owned; loaded by hl_cli_load */
    hl_sys_t sys;               /* real platform services */
} hl_cli_t;

/* A program's whole main (hailong, hailong-bench): sets a hl_cli_t up from
 * the command line (argv[0] the program), taking the common options out
 * wherever they stand, calls run with what is left (n entries, rest[0] the
 * command; n may be 0), then frees what the loads made. Prints a message
 * and returns HL_EXIT_USAGE when an option lacks its value; else run's
 * exit code. */
typedef int (*hl_cli_run_fn)(hl_cli_t *cli, int n, char **rest);
int hl_cli_main(int argc, char **argv, hl_cli_run_fn run);

/* Resolves cli->data_dir; prints a message and returns an exit code on failure. */
int hl_cli_resolve_data_dir(hl_cli_t *cli);

/* Loads the config (or defaults) only; prints diagnostics and returns
 * HL_EXIT_FAIL when it is not valid. */
int hl_cli_load_config(hl_cli_t *cli);

/* Loads the config (or defaults) and the active survey; prints diagnostics
 * and returns HL_EXIT_FAIL on failure. */
int hl_cli_load(hl_cli_t *cli);

/* Loads the kiosk's device key (<data_dir>/device.key) into *key and, when
 * st is not NULL, makes it st's signer (chaining what is not chained yet).
 * With create, a missing key is made, unless st holds responses signed by
 * a key: then it refuses (a lost key is restored, never silently
 * replaced). The caller frees *key with hl_devkey_free after closing st.
 * Prints a message and returns HL_EXIT_FAIL on failure. Call after
 * hl_cli_resolve_data_dir. */
struct hl_store;
int hl_cli_device_key(hl_cli_t *cli, struct hl_store *st, bool create, hl_devkey_t *key);

/* Finds the survey file a config names (default: the bundled one): an
 * absolute path, else next to the config file, else in the assets' surveys/.
 * False with a message in `tried` when none exists. */
bool hl_cli_find_survey(const hl_config_t *cfg, char out[PATH_MAX], char *tried, size_t triedsz);

/* A subcommand's option: a flag that sets *on, or one that takes the next
 * argument into *value (exactly one of the two is non-NULL). */
typedef struct hl_cli_opt {
    const char *flag;
    bool *on;
    const char **value;
} hl_cli_opt_t;

#define HL_CLI_HELP (-1) /* hl_cli_opts: --help was given and usage printed */

/* Parses a subcommand's argv[1..] (argv[0] its name) against opts; --help
 * anywhere prints usage and returns HL_CLI_HELP. Arguments not starting
 * with "-" go to pos (*n_pos of them; pos NULL: none allowed). Anything else
 * is refused with a message naming the command and usage: HL_EXIT_USAGE. */
int hl_cli_opts(int argc, char **argv, const char *usage, const hl_cli_opt_t *opts, size_t n,
                const char **pos, size_t *n_pos);

/* Subcommands: argv[0] is the subcommand name; common options already taken
 * out. Each returns an exit code. */
int hl_cli_run(hl_cli_t *cli, int argc, char **argv);
int hl_cli_check(hl_cli_t *cli, int argc, char **argv);
int hl_cli_export(hl_cli_t *cli, int argc, char **argv);
int hl_cli_stats(hl_cli_t *cli, int argc, char **argv);
int hl_cli_verify_export(hl_cli_t *cli, int argc, char **argv);
int hl_cli_verify(hl_cli_t *cli, int argc, char **argv);
int hl_cli_export_key(hl_cli_t *cli, int argc, char **argv);
int hl_cli_identity(hl_cli_t *cli, int argc, char **argv);
int hl_cli_set_pin(hl_cli_t *cli, int argc, char **argv);
int hl_cli_sync(hl_cli_t *cli, int argc, char **argv);
int hl_cli_compose(hl_cli_t *cli, int argc, char **argv);
int hl_cli_merge(hl_cli_t *cli, int argc, char **argv);
int hl_cli_speak(hl_cli_t *cli, int argc, char **argv); /* hailong speak: a text to a WAV */
/* hailong report: a unit's month as PDF and XLSX (cli_report.c) */
int hl_cli_report(hl_cli_t *cli, int argc, char **argv);

#endif
