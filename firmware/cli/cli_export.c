/*
 * cli_export.c: `hailong export` and `hailong stats`: reading the store
 * without disturbing a running kiosk (the store is opened read-only; WAL
 * lets it read while the kiosk writes).
 */
#include "cli.h"
#include "hl_export.h"
#include "hl_store.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char export_usage[] =
    "usage: hailong export --format csv --out FILE [--survey-id ID]\n"
    "\n"
    "Writes every stored response of a survey (default: the active survey's id)\n"
    "to FILE, atomically: a reader sees the old file or the new one, never half.\n"
    "CSV is RFC 4180, UTF-8 with a BOM (opens in Excel with Vietnamese intact).\n";

static const char stats_usage[] =
    "usage: hailong stats [--json]\n"
    "\n"
    "Counts of the stored responses: complete, partial, in progress, answers,\n"
    "last sequence number, first and last times, database size.\n";

/* Opens the store read-only; a missing database is reported plainly. */
static int open_for_reading(hl_cli_t *cli, const char *cmd, hl_store_t **st)
{
    if (hl_cli_resolve_data_dir(cli)) return HL_EXIT_FAIL;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", cli->data_dir, HL_STORE_FILE);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr,
                "hailong %s: no responses stored yet: %s does not exist (wrong "
                "--data-dir?)\n",
                cmd, path);
        return HL_EXIT_FAIL;
    }
    hl_err_t err = {0};
    hl_store_opts_t opts = {.read_only = true};
    if (hl_store_open(cli->data_dir, &opts, st, NULL, &err) != HL_OK) {
        fprintf(stderr, "hailong %s: %s\n", cmd, err.msg);
        return HL_EXIT_FAIL;
    }
    return HL_EXIT_OK;
}

int hl_cli_export(hl_cli_t *cli, int argc, char **argv)
{
    const char *format = "csv", *out = NULL, *survey_id = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) {
            fputs(export_usage, stdout);
            return HL_EXIT_OK;
        }
        const char **slot = !strcmp(a, "--format")      ? &format
                            : !strcmp(a, "--out")       ? &out
                            : !strcmp(a, "--survey-id") ? &survey_id
                                                        : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "hailong export: %s \"%s\"\n%s",
                    slot ? "missing value after" : "unexpected argument", a, export_usage);
            return HL_EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    if (strcmp(format, "csv") != 0) {
        fprintf(stderr, "hailong export: unknown format \"%s\" (this version writes csv)\n",
                format);
        return HL_EXIT_USAGE;
    }
    if (!out) {
        fprintf(stderr, "hailong export: --out FILE is required\n%s", export_usage);
        return HL_EXIT_USAGE;
    }
    if (!survey_id) {
        if (hl_cli_load(cli)) return HL_EXIT_FAIL;
        survey_id = cli->survey->id;
    }
    hl_store_t *st = NULL;
    if (open_for_reading(cli, "export", &st)) return HL_EXIT_FAIL;
    hl_err_t err = {0};
    hl_export_result_t res = {0};
    int rc = hl_export_csv(st, survey_id, out, &res, &err);
    hl_store_close(st);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong export: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    printf("exported %lld response%s of survey %s to %s (%d columns, %lld bytes)\n",
           (long long)res.rows, res.rows == 1 ? "" : "s", survey_id, out, res.n_columns,
           (long long)res.bytes);
    return HL_EXIT_OK;
}

static void time_or_dash(int64_t ms, char out[32])
{
    if (ms < 0)
        strcpy(out, "-");
    else
        hl_time_iso8601(ms, out);
}

int hl_cli_stats(hl_cli_t *cli, int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(stats_usage, stdout);
            return HL_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else {
            fprintf(stderr, "hailong stats: unexpected argument \"%s\"\n%s", argv[i], stats_usage);
            return HL_EXIT_USAGE;
        }
    }
    hl_store_t *st = NULL;
    if (open_for_reading(cli, "stats", &st)) return HL_EXIT_FAIL;
    hl_err_t err = {0};
    hl_store_stats_t s;
    int rc = hl_store_stats(st, &s, &err);
    hl_store_close(st);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong stats: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    char first[32], last[32];
    time_or_dash(s.first_started_utc_ms, first);
    time_or_dash(s.last_finished_utc_ms, last);
    if (json) {
        printf("{\"responses\":%lld,\"complete\":%lld,\"partial\":%lld,\"in_progress\":%lld,"
               "\"answers\":%lld,\"last_seq\":%lld,\"first_started_at\":%s%s%s,"
               "\"last_finished_at\":%s%s%s,\"untrusted_clock\":%lld,\"surveys\":%d,"
               "\"db_bytes\":%lld}\n",
               (long long)s.responses, (long long)s.complete, (long long)s.partial,
               (long long)s.in_progress, (long long)s.answers, (long long)s.last_seq,
               s.first_started_utc_ms < 0 ? "" : "\"", s.first_started_utc_ms < 0 ? "null" : first,
               s.first_started_utc_ms < 0 ? "" : "\"", s.last_finished_utc_ms < 0 ? "" : "\"",
               s.last_finished_utc_ms < 0 ? "null" : last, s.last_finished_utc_ms < 0 ? "" : "\"",
               (long long)s.untrusted_clock, s.n_surveys, (long long)s.db_bytes);
        return HL_EXIT_OK;
    }
    printf("responses      %lld (complete %lld, partial %lld, in progress %lld)\n",
           (long long)s.responses, (long long)s.complete, (long long)s.partial,
           (long long)s.in_progress);
    printf("answers        %lld\n", (long long)s.answers);
    printf("last sequence  %lld\n", (long long)s.last_seq);
    printf("first started  %s\n", first);
    printf("last finished  %s\n", last);
    printf("untrusted clock %lld response%s\n", (long long)s.untrusted_clock,
           s.untrusted_clock == 1 ? "" : "s");
    printf("surveys        %d\n", s.n_surveys);
    printf("database       %lld bytes in %s\n", (long long)s.db_bytes, cli->data_dir);
    return HL_EXIT_OK;
}
