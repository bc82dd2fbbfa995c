/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_env.c: what every command and hailong-bench start from: the common
 * options (--data-dir, --config, --survey) taken out of the command line,
 * the data folder resolved, the config and the active survey loaded.
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

static int cli_init(hl_cli_t *cli, int argc, char **argv, char ***rest_out, int *n_out)
{
    memset(cli, 0, sizeof *cli);
    cli->prog = argv[0];
    cli->argv = argv;
    cli->sys = hl_platform_sys();
    /* Take the common options out, wherever they stand; keep the rest. */
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) return HL_EXIT_FAIL;
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--data-dir") ? &cli->data_dir_flag
                            : !strcmp(a, "--config") ? &cli->config_path
                            : !strcmp(a, "--survey") ? &cli->survey_path
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
    *rest_out = rest;
    *n_out = n;
    return HL_EXIT_OK;
}

int hl_cli_opts(int argc, char **argv, const char *usage, const hl_cli_opt_t *opts, size_t n,
                const char **pos, size_t *n_pos)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return HL_CLI_HELP;
        }
    }
    if (n_pos) *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t k = 0;
        while (k < n && strcmp(a, opts[k].flag) != 0)
            k++;
        const char *why = "unexpected argument";
        if (k < n && opts[k].on) {
            *opts[k].on = true;
            continue;
        }
        if (k < n && i + 1 < argc) {
            *opts[k].value = argv[++i];
            continue;
        }
        if (k == n && pos && a[0] != '-') {
            pos[(*n_pos)++] = a;
            continue;
        }
        if (k < n) why = "missing value after";
        fprintf(stderr, "hailong %s: %s \"%s\"\n%s", argv[0], why, a, usage);
        return HL_EXIT_USAGE;
    }
    return HL_EXIT_OK;
}

int hl_cli_main(int argc, char **argv, hl_cli_run_fn run)
{
    hl_cli_t cli;
    char **rest = NULL;
    int n = 0;
    int rc = cli_init(&cli, argc, argv, &rest, &n);
    if (rc != HL_EXIT_OK) return rc;
    rc = run(&cli, n, rest);
    hl_survey_free(cli.survey);
    hl_config_free(&cli.cfg);
    free(rest);
    return rc;
}

int hl_cli_device_key(hl_cli_t *cli, hl_store_t *st, bool create, hl_devkey_t *key)
{
    hl_err_t err = {0};
    char pem[HL_DEVKEY_PEM_MAX + 1], shown[PATH_MAX + 16];
    size_t len = 0;
    memset(key, 0, sizeof *key);
    snprintf(shown, sizeof shown, "%s/%s", cli->data_dir, HL_DEVKEY_FILE);
    int rc = hl_platform_device_key_read(cli->data_dir, pem, sizeof pem, &len, &err);
    if (rc == HL_OK) {
        rc = hl_devkey_from_pem(pem, len, shown, key, &err);
    } else if (rc == HL_ERR_NOT_FOUND && create) {
        /* Never a new key over signed responses: their key must come back. */
        int64_t n_signed = 0, n_hmac = 0;
        char fpr[HL_DEVKEY_FPR_HEX + 1] = "";
        rc = st ? hl_store_signers(st, &n_signed, fpr, &n_hmac, &err) : HL_OK;
        if (rc == HL_OK && n_signed > 0) {
            fprintf(stderr,
                    "hailong: the device key %s is missing, but %lld stored response(s) are "
                    "signed with key %s. The kiosk will not make a new key over them (their "
                    "signatures could no longer be checked and every later bundle would name "
                    "another signer). Restore device.key from this kiosk's backup (its "
                    "fingerprint must be %s), or, if it is lost for good, start a new identity "
                    "on purpose with `hailong identity --new --replace-lost-key` and register "
                    "the new key with the province.\n",
                    shown, (long long)n_signed, fpr, fpr);
            explicit_bzero(pem, sizeof pem);
            return HL_EXIT_FAIL;
        }
        if (rc == HL_OK) rc = hl_devkey_generate(&cli->sys, key, &err);
        if (rc == HL_OK) rc = hl_devkey_to_pem(key, pem, sizeof pem, &len, &err);
        if (rc == HL_OK) rc = hl_platform_device_key_create(cli->data_dir, pem, len, &err);
        if (rc == HL_ERR_STATE) { /* another process made one meanwhile: use it */
            hl_devkey_free(key);
            rc = hl_platform_device_key_read(cli->data_dir, pem, sizeof pem, &len, &err);
            if (rc == HL_OK) rc = hl_devkey_from_pem(pem, len, shown, key, &err);
        } else if (rc == HL_OK) {
            fprintf(stderr,
                    "hailong: made the device key %s (fingerprint %s): register it with the "
                    "province, `hailong identity` prints it\n",
                    shown, key->fingerprint);
        }
    } else if (rc == HL_ERR_NOT_FOUND) {
        rc = hl_err_set(&err, HL_ERR_NOT_FOUND,
                        "no device key: %s does not exist (the kiosk makes it at its first "
                        "start; wrong --data-dir?)",
                        shown);
    }
    explicit_bzero(pem, sizeof pem);
    if (rc == HL_OK && st) rc = hl_store_set_signer(st, key, &err);
    if (rc != HL_OK) {
        hl_devkey_free(key);
        fprintf(stderr, "hailong: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    return HL_EXIT_OK;
}
