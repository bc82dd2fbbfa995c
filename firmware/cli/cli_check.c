/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_check.c: `hailong check FILE...`: validates survey and config files
 * and reports every problem as FILE:LINE:COLUMN: message (at path). A
 * survey's recordings are decoded too (hl_voice_check_recordings): a WAV
 * the kiosk cannot play is a problem at its path's place.
 */
#include "cli.h"
#include "hl_platform.h"
#include "hl_voice.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char check_usage[] =
    "usage: hailong check FILE...\n"
    "\n"
    "Validates each survey or config file (told apart by their keys) and prints\n"
    "every problem as FILE:LINE:COLUMN: message (at path); a survey's pictures\n"
    "and recordings are read and checked too. Exit 0 when all are valid (one\n"
    "summary line each), 1 when any is not.\n";

/* The file's bytes (never blocking on a FIFO or a device: hl_file_read), or
 * NULL with the reason in d. */
static char *read_all(const char *path, size_t *len, hl_diags_t *d)
{
    hl_err_t err = {0};
    char *buf = NULL;
    if (hl_file_read(NULL, path, HL_MAX_FILE_BYTES, 0, &buf, len, &err) != HL_OK) {
        hl_diags_add(d, path, 0, 0, NULL, "%s", err.msg);
        return NULL;
    }
    return buf;
}

static void print_survey_summary(const char *path, const hl_survey_t *s)
{
    printf("%s: ok: survey \"%s\" version %lld, %zu questions, languages", path, s->id,
           (long long)s->version, s->n_questions);
    for (size_t i = 0; i < s->n_langs; i++)
        printf("%s %s", i ? "," : "", hl_lang_code(s->langs[i]));
    if (s->n_recordings)
        printf(", %zu recording%s", s->n_recordings, s->n_recordings == 1 ? "" : "s");
    printf("\n");
}

/* A survey file loaded and its recordings decoded: the kiosk plays them. */
static int load_survey(const char *path, hl_survey_t **s, hl_diags_t *d)
{
    int rc = hl_survey_load_file(path, s, d);
    if (rc == HL_OK && hl_voice_check_recordings(*s, d) > 0) {
        hl_diags_sort(d); /* a valid survey left no other problem in d */
        hl_survey_free(*s);
        *s = NULL;
        rc = HL_ERR_INVALID;
    }
    return rc;
}

/* A config is only good if the survey it names is found and valid too. */
static int check_config_survey(const char *path, hl_config_t *cfg, hl_diags_t *d)
{
    if (!cfg->survey) return HL_OK;
    char found[PATH_MAX], why[2 * PATH_MAX + 64];
    if (!hl_cli_find_survey(cfg, found, why, sizeof why)) {
        hl_diags_add(d, path, 0, 0, "survey", "%s", why);
        return HL_ERR_NOT_FOUND;
    }
    hl_survey_t *s = NULL;
    int rc = load_survey(found, &s, d);
    hl_survey_free(s);
    return rc;
}

int hl_cli_check(hl_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    if (argc < 2) {
        fprintf(stderr, "hailong check: name at least one file\n%s", check_usage);
        return HL_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(check_usage, stdout);
            return HL_EXIT_OK;
        }
        if (!strncmp(argv[i], "--", 2)) {
            fprintf(stderr, "hailong check: unknown option \"%s\"\n%s", argv[i], check_usage);
            return HL_EXIT_USAGE;
        }
    }
    int exit_code = HL_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *path = argv[i];
        hl_diags_t d = {0};
        size_t len = 0;
        char *text = read_all(path, &len, &d);
        int rc = HL_ERR_IO;
        if (text && hl_config_sniff(text, len)) {
            hl_config_t cfg;
            char host_id[41];
            hl_platform_kiosk_id(host_id);
            hl_config_defaults(&cfg, host_id);
            rc = hl_config_load_file(path, &cfg, &d);
            if (rc == HL_OK) rc = check_config_survey(path, &cfg, &d);
            if (rc == HL_OK)
                printf("%s: ok: config for kiosk \"%s\", survey %s, timeouts idle %d s, "
                       "still-there %d s, thanks %d s\n",
                       path, cfg.kiosk_id, cfg.survey ? cfg.survey : "(bundled default)",
                       cfg.timeouts.idle_s, cfg.timeouts.warn_s, cfg.timeouts.thanks_s);
            hl_config_free(&cfg);
        } else if (text) {
            hl_survey_t *s = NULL;
            rc = load_survey(path, &s, &d);
            if (rc == HL_OK) print_survey_summary(path, s);
            hl_survey_free(s);
        }
        free(text);
        hl_diags_print(&d, stderr);
        if (rc != HL_OK) {
            fprintf(stderr, "%s: not valid (%zu problem%s above)\n", path, d.n,
                    d.n == 1 ? "" : "s");
            exit_code = HL_EXIT_FAIL;
        }
        hl_diags_free(&d);
    }
    return exit_code;
}
