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
 *   hailong bench store [--responses N]
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

#define HL_DEFAULT_CONFIG "/etc/hailong/hailong.json"
#define HL_DEFAULT_SURVEY "sipas-mot-cua.json"

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
    "  bench store|export|ui|sync       benchmarks (each prints one JSON line; see --help)\n"
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
    "Each command takes --help. Exit codes: 0 ok, 1 failure, 2 usage, 3 script stopped,\n"
    "4 not verified (signed by a key the trust list does not hold).\n";

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int hl_cli_resolve_data_dir(hl_cli_t *cli)
{
    hl_err_t err = {0};
    if (hl_platform_data_dir(cli->data_dir_flag, cli->data_dir, sizeof cli->data_dir, &err)) {
        fprintf(stderr, "hailong: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    /* A data folder reached through a link (/var/lib/hailong -> a data
     * partition) is resolved once, here, so every file in it is opened by
     * its real path (the store refuses links below it). */
    char real[PATH_MAX];
    if (realpath(cli->data_dir, real) && strlen(real) < sizeof cli->data_dir)
        memcpy(cli->data_dir, real, strlen(real) + 1);
    return HL_EXIT_OK;
}

bool hl_cli_find_survey(const hl_config_t *cfg, char out[PATH_MAX], char *tried, size_t triedsz)
{
    const char *name = cfg->survey ? cfg->survey : HL_DEFAULT_SURVEY;
    char cand[2][PATH_MAX];
    int n = 0;
    if (name[0] == '/') {
        snprintf(cand[n++], PATH_MAX, "%s", name);
    } else {
        if (cfg->dir) snprintf(cand[n++], PATH_MAX, "%s/%s", cfg->dir, name);
        snprintf(cand[n++], PATH_MAX, "%s/surveys/%s", hl_platform_assets_dir(), name);
    }
    for (int i = 0; i < n; i++) {
        if (file_exists(cand[i])) {
            memcpy(out, cand[i], PATH_MAX);
            return true;
        }
    }
    snprintf(tried, triedsz, "survey \"%s\" not found (looked in %s%s%s)", name, cand[0],
             n > 1 ? " and " : "", n > 1 ? cand[1] : "");
    return false;
}

static int resolve_survey(hl_cli_t *cli)
{
    if (cli->survey_path) {
        snprintf(cli->survey_file, sizeof cli->survey_file, "%s", cli->survey_path);
        return HL_EXIT_OK;
    }
    char why[2 * PATH_MAX + 64];
    if (hl_cli_find_survey(&cli->cfg, cli->survey_file, why, sizeof why)) return HL_EXIT_OK;
    fprintf(stderr, "hailong: %s%s%s\n", why, cli->cfg.file ? "; fix \"survey\" in " : "",
            cli->cfg.file ? cli->cfg.file : "");
    return HL_EXIT_FAIL;
}

int hl_cli_load_config(hl_cli_t *cli)
{
    char kiosk_id[41];
    hl_platform_kiosk_id(kiosk_id);
    hl_config_defaults(&cli->cfg, kiosk_id);
    const char *cfg_path = cli->config_path;
    if (!cfg_path) {
        const char *env = getenv("HAILONG_CONFIG");
        if (env && *env)
            cfg_path = env;
        else if (file_exists(HL_DEFAULT_CONFIG))
            cfg_path = HL_DEFAULT_CONFIG;
    }
    if (cfg_path) {
        hl_diags_t d = {0};
        int rc = hl_config_load_file(cfg_path, &cli->cfg, &d);
        hl_diags_print(&d, stderr);
        /* A file that could not be read (permission, a FIFO, too big) has
         * one message saying what to do; "not valid" is for its contents. */
        bool in_text = false;
        for (size_t i = 0; i < d.n; i++)
            in_text = in_text || d.items[i].line > 0;
        hl_diags_free(&d);
        if (rc != HL_OK) {
            if (in_text || rc == HL_ERR_NOMEM)
                fprintf(stderr, "hailong: config %s is not valid; fix it (hailong check %s)\n",
                        cfg_path, cfg_path);
            return HL_EXIT_FAIL;
        }
    }
    return HL_EXIT_OK;
}

int hl_cli_load(hl_cli_t *cli)
{
    if (hl_cli_load_config(cli) != HL_EXIT_OK) return HL_EXIT_FAIL;
    if (resolve_survey(cli) != HL_EXIT_OK) return HL_EXIT_FAIL;
    hl_diags_t d = {0};
    int rc = hl_survey_load_file(cli->survey_file, &cli->survey, &d);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong: survey %s is not valid; fix it (hailong check %s)\n",
                cli->survey_file, cli->survey_file);
        return HL_EXIT_FAIL;
    }
    return HL_EXIT_OK;
}

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

typedef struct command {
    const char *name;
    int (*fn)(hl_cli_t *cli, int argc, char **argv);
} command_t;

static const command_t commands[] = {
    {"run", hl_cli_run},
    {"check", hl_cli_check},
    {"export", hl_cli_export},
    {"stats", hl_cli_stats},
    {"bench", hl_cli_bench},
    {"version", cmd_version},
    {"verify-export", hl_cli_verify_export},
    {"verify", hl_cli_verify},
    {"export-key", hl_cli_export_key},
    {"identity", hl_cli_identity},
    {"set-pin", hl_cli_set_pin},
    {"sync", hl_cli_sync},
};

int main(int argc, char **argv)
{
    hl_cli_t cli;
    memset(&cli, 0, sizeof cli);
    cli.prog = argv[0];
    cli.argv = argv;
    cli.sys = hl_platform_sys();

    /* Take the common options out, wherever they stand; keep the rest. */
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) return HL_EXIT_FAIL;
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--data-dir") ? &cli.data_dir_flag
                            : !strcmp(a, "--config") ? &cli.config_path
                            : !strcmp(a, "--survey") ? &cli.survey_path
                                                     : NULL;
        if (slot) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "hailong: %s needs a value\n", a);
                free(rest);
                return HL_EXIT_USAGE;
            }
            *slot = argv[++i];
            continue;
        }
        rest[n++] = argv[i];
    }
    int rc = HL_EXIT_USAGE;
    if (n == 0 || !strcmp(rest[0], "--help") || !strcmp(rest[0], "help")) {
        fputs(usage_text, n == 0 ? stderr : stdout);
        rc = n == 0 ? HL_EXIT_USAGE : HL_EXIT_OK;
    } else if (!strcmp(rest[0], "--version")) {
        rc = cmd_version(&cli, 1, rest);
    } else {
        const command_t *cmd = NULL;
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (!strcmp(rest[0], commands[i].name)) cmd = &commands[i];
        if (!cmd) {
            fprintf(stderr, "hailong: unknown command \"%s\" (try hailong --help)\n", rest[0]);
        } else {
            rc = cmd->fn(&cli, n, rest);
        }
    }
    hl_survey_free(cli.survey);
    hl_config_free(&cli.cfg);
    free(rest);
    return rc;
}
