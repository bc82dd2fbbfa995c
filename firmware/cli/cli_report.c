/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_report.c: `hailong report`: the monthly report of a unit (or of the
 * province, --unit '*') as a PDF and/or an Excel workbook (hl_report.h),
 * from PostgreSQL (--db), a folder written by `hailong merge` (--merged),
 * or bundles merged here in a temporary folder (--bundles ... --trust). The
 * survey files (--survey, repeatable) give the labels and the main
 * question; from PostgreSQL the stored surveys are read as well.
 */
#include "cli.h"
#include "hl_afile.h"
#include "hl_merge.h"
#include "hl_platform.h"
#include "hl_report.h"
#include "hl_report_src.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char report_usage[] =
    "usage: hailong report --unit UNIT --month YYYY-MM [--pdf OUT.pdf] [--xlsx OUT.xlsx]\n"
    "                      (--db CONNINFO | --merged DIR | --bundles --trust FILE DIR...)\n"
    "                      [--survey FILE]... [--lang vi|en]\n"
    "\n"
    "Writes the month's satisfaction report of UNIT (local time, UTC+7): a PDF\n"
    "(a page for the unit's head, one per officer; the method and the responses'\n"
    "origin on every page) and/or an Excel workbook with the same figures. Every\n"
    "breakdown follows the min-5 rule: a figure of fewer than 5 responses, or one\n"
    "that would tell a hidden one by subtraction, is hidden.\n"
    "  --unit UNIT      the unit; '*' = the whole province, a section per unit (--db only)\n"
    "  --month YYYY-MM  the month (the trend also shows the five months before)\n"
    "  --pdf FILE       the PDF to write (replaced atomically)\n"
    "  --xlsx FILE      the workbook to write (replaced atomically)\n"
    "  --db CONNINFO    read the province server's PostgreSQL (a read-only role will do)\n"
    "  --merged DIR     read a folder written by hailong merge (every response counts for\n"
    "                   UNIT: bundles name no unit; follow-ups are not known offline)\n"
    "  --bundles        the arguments are bundle folders (or sticks): merge them here,\n"
    "                   checked against --trust FILE, as hailong merge does\n"
    "  --survey FILE    a survey file for labels and the main question (repeatable);\n"
    "                   without one (and from bundles) questions are named by their ids\n"
    "  --lang vi|en     the report's language (default vi: \"87,5\")\n"
    "Exit codes: 0 written; 1 a source or file could not be read or written\n"
    "(nothing half-written); 2 usage.\n";

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "hailong report: %s%s\n%s", what, arg ? arg : "", report_usage);
    return HL_EXIT_USAGE;
}

static const char *fonts_dir(void)
{
    const char *env = getenv("HAILONG_FONTS_DIR");
#ifdef HL_FONTS_DIR
    return (env && *env) ? env : HL_FONTS_DIR;
#else
    return (env && *env) ? env : "/usr/share/hailong/fonts";
#endif
}

/* Every --survey of the command line (the common options keep the last). */
static int load_surveys(hl_cli_t *cli, hl_report_t *r)
{
    for (int i = 1; cli->argv[i]; i++) {
        if (strcmp(cli->argv[i], "--survey") || !cli->argv[i + 1]) continue;
        const char *path = cli->argv[++i];
        hl_survey_t *s = NULL;
        hl_diags_t d = {0};
        int rc = hl_survey_load_file(path, &s, &d);
        hl_diags_print(&d, stderr);
        hl_diags_free(&d);
        if (rc != HL_OK) {
            fprintf(stderr, "hailong report: survey %s is not valid; fix it (hailong check %s)\n",
                    path, path);
            return HL_EXIT_FAIL;
        }
        hl_err_t err = {0};
        if (hl_report_add_survey(r, s, &err) != HL_OK) {
            fprintf(stderr, "hailong report: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
    }
    return HL_EXIT_OK;
}

/* Merges the bundles into a temporary folder and reads it. */
static int read_bundles(hl_cli_t *cli, hl_report_t *r, const char *trust_file,
                        const char *const *dirs, size_t n, hl_err_t *err)
{
    hl_trust_t trust = {0};
    hl_diags_t d = {0};
    int rc = hl_trust_load(trust_file, &trust, &d, err);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    if (rc != HL_OK) return rc;
    const char *t = getenv("TMPDIR");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/hailong-report-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmp)) {
        hl_trust_free(&trust);
        return hl_errno_set(errno, "making a temporary folder", tmp, err);
    }
    char out[4200];
    snprintf(out, sizeof out, "%s/merged", tmp);
    hl_merge_opts_t mo = {.inputs = dirs,
                          .n_inputs = n,
                          .trust = &trust,
                          .out_dir = out,
                          .created_utc_ms = cli->sys.utc_ms(cli->sys.ctx)};
    hl_merge_result_t res;
    rc = hl_merge_run(&mo, &res, &d, err);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    if (rc == HL_OK && !hl_merge_complete(&res))
        fprintf(stderr, "hailong report: the bundles are incomplete (see above); the report "
                        "counts the verified responses and names the gaps\n");
    hl_merge_result_free(&res);
    hl_trust_free(&trust);
    if (rc == HL_OK) rc = hl_report_read_merged(r, out, err);
    hl_err_t rm = {0};
    hl_platform_rmtree(tmp, &rm);
    return rc;
}

int hl_cli_report(hl_cli_t *cli, int argc, char **argv)
{
    const char *unit = NULL, *month = NULL, *pdf = NULL, *xlsx = NULL, *db = NULL, *merged = NULL,
               *trust = NULL, *lang_s = NULL;
    bool bundles = false;
    const char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
    size_t n = 0;
    if (!dirs) return HL_EXIT_FAIL;
    const hl_cli_opt_t opts[] = {
        {"--unit", NULL, &unit},       {"--month", NULL, &month}, {"--pdf", NULL, &pdf},
        {"--xlsx", NULL, &xlsx},       {"--db", NULL, &db},       {"--merged", NULL, &merged},
        {"--bundles", &bundles, NULL}, {"--trust", NULL, &trust}, {"--lang", NULL, &lang_s}};
    int orc = hl_cli_opts(argc, argv, report_usage, opts, sizeof opts / sizeof opts[0], dirs, &n);
    if (orc != HL_EXIT_OK) {
        free(dirs);
        return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    }
    hl_report_opts_t ro = {.lang = HL_LANG_VI, .fonts_dir = fonts_dir()};
    int sources = (db != NULL) + (merged != NULL) + bundles;
    int urc = HL_EXIT_OK;
    if (!unit)
        urc = usage_error("name the unit: --unit UNIT (or '*' for the province)", NULL);
    else if (!month)
        urc = usage_error("name the month: --month YYYY-MM", NULL);
    else if (!pdf && !xlsx)
        urc = usage_error("say what to write: --pdf FILE and/or --xlsx FILE", NULL);
    else if (sources != 1)
        urc = usage_error("give one source: --db CONNINFO, --merged DIR or --bundles", NULL);
    else if (bundles && (!trust || !n))
        urc = usage_error("--bundles needs --trust FILE and at least one bundle folder", NULL);
    else if (!bundles && n)
        urc = usage_error("unexpected argument ", dirs[0]);
    else if (lang_s && !hl_lang_parse(lang_s, &ro.lang))
        urc = usage_error("--lang is vi or en, not ", lang_s);
    else if (!strcmp(unit, HL_REPORT_PROVINCE) && !db)
        urc = usage_error("--unit '*' (the province) needs --db: bundles name no unit", NULL);
    if (urc != HL_EXIT_OK) {
        free(dirs);
        return urc;
    }
    hl_err_t err = {0};
    hl_report_t *r = hl_report_new(unit, month, &err);
    if (!r) {
        free(dirs);
        return usage_error(err.msg, NULL);
    }
    int rc = load_surveys(cli, r) == HL_EXIT_OK ? HL_OK : HL_ERR_INVALID;
    if (rc == HL_OK) {
        if (db)
            rc = hl_report_read_pg(r, db, &err);
        else if (merged)
            rc = hl_report_read_merged(r, merged, &err);
        else
            rc = read_bundles(cli, r, trust, dirs, n, &err);
    }
    if (rc == HL_OK) rc = hl_report_compute(r, &err);
    if (rc == HL_OK && pdf) rc = hl_report_pdf(r, &ro, pdf, &err);
    if (rc == HL_OK && xlsx) rc = hl_report_xlsx(r, &ro, xlsx, &err);
    if (rc == HL_OK) {
        const hl_rfigures_t *f = hl_report_figures(r);
        printf("%s %s: %lld responses%s%s%s%s\n", unit, month, (long long)f->total.n,
               pdf ? ", " : "", pdf ? pdf : "", xlsx ? ", " : "", xlsx ? xlsx : "");
    } else if (err.code) {
        fprintf(stderr, "hailong report: %s\n", err.msg);
    }
    hl_report_free(r);
    free(dirs);
    return rc == HL_OK ? HL_EXIT_OK : HL_EXIT_FAIL;
}
