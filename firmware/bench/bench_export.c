/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_export.c: `hailong-bench export`, the export benchmark.
 *
 * Phase 1 bulk-loads N synthetic responses of the active survey (the same
 * generator and seed as `bench store`) into a fresh database, then times,
 * on the read-only store, hl_export_csv, hl_export_jsonl and hl_export_xlsx
 * (each to a file in the bench folder) and the sqlite3 shell writing the
 * same CSV rows (hl_store_export_sql, -csv, CRLF), giving rows per second
 * for each. Around the XLSX export the process's peak resident set is
 * measured: the peak is reset through /proc/self/clear_refs where the kernel
 * allows it, and VmHWM read after, so peak_rss_mb is the peak of the XLSX
 * export itself (or of the whole process so far when the reset is refused,
 * which xlsx_rss_reset says); xlsx_rss_growth_mb is that peak minus the
 * resident set just before the export.
 * Phase 2 bulk-loads M responses into a second fresh database and times
 * hl_bundle_write of everything to a local folder with a fresh device key, with the
 * responses.xlsx extra plugged in as `hailong export --format bundle` does.
 *
 * Everything happens in a fresh folder bench-export-XXXXXX under the data
 * directory or under --dir, removed at the end unless --keep. One JSON line
 * goes to stdout; progress goes to stderr. Figures are printed, never judged.
 */
#include "bench_util.h"
#include "cli.h"
#include "hl_bundle.h"
#include "hl_export.h"
#include "hl_platform.h"
#include "hl_store.h"
#include "hl_store_bench.h"
#include "hl_xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HL_VERSION
#define HL_VERSION "0.0.0"
#endif

static const char bench_export_usage[] =
    "usage: hailong-bench export [--responses N] [--bundle-responses M] [--dir DIR] [--keep]\n"
    "Measures the result exports and prints one JSON line:\n"
    "  N synthetic responses (default 1000000) bulk-loaded, then hl_export_csv,\n"
    "  hl_export_jsonl, hl_export_xlsx and the sqlite3 shell writing the same CSV rows,\n"
    "  in rows per second (csv_rows_per_s, jsonl_rows_per_s, xlsx_rows_per_s,\n"
    "  sqlite3_csv_rows_per_s) and the peak resident set of the XLSX export\n"
    "  (peak_rss_mb); then M responses (default 100000) in a fresh store and the\n"
    "  wall time of a whole signed bundle (CSV, JSONL, XLSX, manifest) to a local\n"
    "  folder (bundle_100k_s, named for M).\n"
    "  --dir DIR  make the bench-export-XXXXXX folder under DIR instead of the data directory\n"
    "  --keep     keep the folder (databases and exported files) for inspection\n";

typedef struct hl_bench_export_opts {
    long responses;        /* phase 1 responses */
    long bundle_responses; /* phase 2 responses (0 skips phase 2) */
    const char *dir;       /* parent folder, or NULL for the data directory */
    bool keep;             /* do not remove the bench folder */
} hl_bench_export_opts_t;

/* What phase 1 measured; seconds are -1 when not measured. */
typedef struct hl_bench_export_figs {
    int64_t rows;                    /* CSV rows written (responses of the survey) */
    double csv_s, jsonl_s, xlsx_s;   /* the three exports */
    double shell_s;                  /* the sqlite3 shell */
    const char *shell_null;          /* why shell_s is -1, or NULL */
    int64_t csv_bytes, jsonl_bytes;  /* file sizes */
    int64_t xlsx_bytes, shell_bytes; /* file sizes */
    double rss_before_mb;            /* VmRSS just before the XLSX export */
    double peak_rss_mb;              /* VmHWM just after it */
    bool rss_reset;                  /* the peak was reset before the XLSX export */
    double bundle_s;                 /* hl_bundle_write of phase 2 */
    hl_bundle_result_t bundle;       /* what the bundle holds */
} hl_bench_export_figs_t;

/* A "Name:  N kB" line of /proc/self/status in MiB, or -1. */
static double status_mb(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    size_t n = strlen(name);
    double mb = -1;
    while (fgets(line, sizeof line, f)) {
        long long kb;
        if (!strncmp(line, name, n) && line[n] == ':' && sscanf(line + n + 1, "%lld", &kb) == 1) {
            mb = (double)kb / 1024.0;
            break;
        }
    }
    fclose(f);
    return mb;
}

/* Resets the process's peak resident set (VmHWM) to its current size
 * (Linux 4.0 and later); false when the kernel refuses. */
static bool reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

static int64_t file_bytes(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

/* Phase 1: load, then the exports and the shell on the read-only store. */
static int bench_exports(hl_cli_t *cli, const char *root, long n, hl_bench_export_figs_t *f,
                         hl_err_t *err)
{
    char dir[PATH_MAX + 16], db[PATH_MAX + 32], csv[PATH_MAX + 16], jsonl[PATH_MAX + 16],
        xlsx[PATH_MAX + 16], shell_csv[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/export", root);
    snprintf(db, sizeof db, "%s/%s", dir, HL_STORE_FILE);
    snprintf(csv, sizeof csv, "%s/hailong.csv", root);
    snprintf(jsonl, sizeof jsonl, "%s/hailong.jsonl", root);
    snprintf(xlsx, sizeof xlsx, "%s/hailong.xlsx", root);
    snprintf(shell_csv, sizeof shell_csv, "%s/sqlite3.csv", root);
    int rc = hl_bench_load(cli, dir, n, 42, 0, "bench export: phase 1", err);
    if (rc != HL_OK) return rc;

    hl_store_opts_t ro = {.read_only = true};
    hl_store_t *st = NULL;
    char *sql = NULL;
    const char *id = cli->survey->id;
    rc = hl_store_open(dir, &ro, &st, NULL, err);
    if (rc == HL_OK) rc = hl_store_export_sql(st, id, &sql, err);

    hl_export_result_t cres = {0};
    double t0 = hl_bench_now_s();
    if (rc == HL_OK) rc = hl_export_csv(st, id, csv, &cres, err);
    if (rc == HL_OK) {
        f->csv_s = hl_bench_now_s() - t0;
        f->rows = cres.rows;
        f->csv_bytes = cres.bytes;
        fprintf(stderr, "bench export: hl_export_csv: %lld rows in %.3f s\n", (long long)cres.rows,
                f->csv_s);
    }

    hl_jsonl_result_t jres = {0};
    t0 = hl_bench_now_s();
    if (rc == HL_OK) rc = hl_export_jsonl(st, id, jsonl, &jres, err);
    if (rc == HL_OK) {
        f->jsonl_s = hl_bench_now_s() - t0;
        f->jsonl_bytes = jres.bytes;
        fprintf(stderr, "bench export: hl_export_jsonl: %lld rows in %.3f s\n",
                (long long)jres.rows, f->jsonl_s);
    }

    hl_export_result_t xres = {0};
    if (rc == HL_OK) {
        f->rss_before_mb = status_mb("VmRSS");
        f->rss_reset = reset_peak_rss();
        t0 = hl_bench_now_s();
        hl_xlsx_zone_t zone = {hl_platform_tz_offset_ms, cli->sys.utc_ms(cli->sys.ctx)};
        rc = hl_export_xlsx(st, id, xlsx, &zone, &xres, err);
    }
    if (rc == HL_OK) {
        f->xlsx_s = hl_bench_now_s() - t0;
        f->peak_rss_mb = status_mb("VmHWM");
        f->xlsx_bytes = xres.bytes;
        fprintf(stderr, "bench export: hl_export_xlsx: %lld rows in %.3f s, peak RSS %.1f MiB\n",
                (long long)xres.rows, f->xlsx_s, f->peak_rss_mb);
    }
    hl_store_close(st);

    if (rc == HL_OK && access(HL_BENCH_SHELL, X_OK) != 0) {
        f->shell_null = HL_BENCH_SHELL " is not installed";
    } else if (rc == HL_OK) {
        f->shell_s = hl_bench_shell(db, sql, shell_csv);
        f->shell_bytes = file_bytes(shell_csv);
        if (f->shell_s < 0)
            f->shell_null = "the sqlite3 shell failed";
        else
            fprintf(stderr, "bench export: sqlite3 -csv: %.3f s\n", f->shell_s);
    }
    if (f->shell_null)
        fprintf(stderr, "bench export: %s: sqlite3_csv_rows_per_s is null\n", f->shell_null);
    free(sql);
    return rc;
}

/* Phase 2: a fresh store of m responses and one whole bundle of it. */
static int bench_bundle(hl_cli_t *cli, const char *root, long m, hl_bench_export_figs_t *f,
                        hl_err_t *err)
{
    char dir[PATH_MAX + 16], out[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/bundle-store", root);
    snprintf(out, sizeof out, "%s/stick", root);
    int rc = hl_bench_load(cli, dir, m, 42, 0, "bench export: phase 2", err);
    if (rc != HL_OK) return rc;
    if (hl_bench_make_dirs(out) != 0)
        return hl_err_set(err, HL_ERR_IO, "cannot make %s: %s", out, strerror(errno));

    hl_devkey_t key = {0};
    rc = hl_devkey_generate(&cli->sys, &key, err);
    if (rc != HL_OK) return rc;
    hl_xlsx_zone_t zone = {hl_platform_tz_offset_ms, cli->sys.utc_ms(cli->sys.ctx)};
    hl_bundle_extra_t xlsx_extra = {"responses.xlsx", hl_xlsx_bundle_write, &zone};
    hl_bundle_opts_t opts = {
        .root = out,
        .kiosk_id = cli->cfg.kiosk_id,
        .software_version = HL_VERSION,
        .created_utc_ms = cli->sys.utc_ms(cli->sys.ctx),
        .signer = &key,
        .extras = &xlsx_extra,
        .n_extras = 1,
    };
    hl_store_opts_t ro = {.read_only = true};
    hl_store_t *st = NULL;
    char bdir[PATH_MAX];
    rc = hl_store_open(dir, &ro, &st, NULL, err);
    double t0 = hl_bench_now_s();
    if (rc == HL_OK) rc = hl_bundle_write(st, &opts, bdir, sizeof bdir, &f->bundle, err);
    double t1 = hl_bench_now_s();
    hl_store_close(st);
    hl_devkey_free(&key);
    if (rc != HL_OK) return rc;
    f->bundle_s = t1 - t0;
    fprintf(stderr, "bench export: bundle of %lld responses (%d files, %lld bytes) in %.3f s: %s\n",
            (long long)f->bundle.responses, f->bundle.n_files, (long long)f->bundle.bytes,
            f->bundle_s, bdir);
    return HL_OK;
}

/* rows / s, printed as null when s was not measured. */
static void json_rate(const char *key, int64_t rows, double s)
{
    hl_bench_json_num(key, s > 0 ? (double)rows / s : 0, s > 0, false);
}

static void print_line(const hl_bench_export_opts_t *o, const hl_bench_export_figs_t *f,
                       const char *root)
{
    printf("{\"responses\":%ld,\"rows\":%lld,", o->responses, (long long)f->rows);
    json_rate("csv_rows_per_s", f->rows, f->csv_s);
    json_rate("jsonl_rows_per_s", f->rows, f->jsonl_s);
    json_rate("xlsx_rows_per_s", f->rows, f->xlsx_s);
    json_rate("sqlite3_csv_rows_per_s", f->rows, f->shell_s);
    printf("\"sqlite3_csv_null_reason\":");
    if (f->shell_null)
        hl_bench_json_str(f->shell_null);
    else
        printf("null");
    printf(",");
    hl_bench_json_num("csv_s", f->csv_s, f->csv_s >= 0, false);
    hl_bench_json_num("jsonl_s", f->jsonl_s, f->jsonl_s >= 0, false);
    hl_bench_json_num("xlsx_s", f->xlsx_s, f->xlsx_s >= 0, false);
    hl_bench_json_num("sqlite3_csv_s", f->shell_s, f->shell_s >= 0, false);
    printf(
        "\"csv_bytes\":%lld,\"jsonl_bytes\":%lld,\"xlsx_bytes\":%lld,\"sqlite3_csv_bytes\":%lld,",
        (long long)f->csv_bytes, (long long)f->jsonl_bytes, (long long)f->xlsx_bytes,
        (long long)f->shell_bytes);
    hl_bench_json_num("peak_rss_mb", f->peak_rss_mb, f->peak_rss_mb >= 0, false);
    hl_bench_json_num("xlsx_rss_growth_mb", f->peak_rss_mb - f->rss_before_mb,
                      f->rss_reset && f->peak_rss_mb >= 0 && f->rss_before_mb >= 0, false);
    printf("\"xlsx_rss_reset\":%s,", f->rss_reset ? "true" : "false");
    printf("\"bundle_responses\":%ld,", o->bundle_responses);
    char key[48];
    if (o->bundle_responses > 0 && o->bundle_responses % 1000 == 0)
        snprintf(key, sizeof key, "bundle_%ldk_s", o->bundle_responses / 1000);
    else
        snprintf(key, sizeof key, "bundle_%ld_s", o->bundle_responses);
    hl_bench_json_num(key, f->bundle_s, f->bundle_s >= 0, false);
    printf("\"bundle_files\":%d,\"bundle_bytes\":%lld,", f->bundle.n_files,
           (long long)f->bundle.bytes);
    printf("\"sqlite_version\":");
    hl_bench_json_str(hl_store_sqlite_version());
    printf(",\"dir\":");
    hl_bench_json_str(root);
    printf("}\n");
    fflush(stdout);
}

int hl_cli_bench_export(hl_cli_t *cli, int argc, char **argv)
{
    hl_bench_export_opts_t o = {.responses = 1000000, .bundle_responses = 100000};
    const hl_bench_count_t counts[] = {{"--responses", 1, &o.responses},
                                       {"--bundle-responses", 0, &o.bundle_responses}};
    int rc = hl_bench_args(argc, argv, 1, "hailong-bench", bench_export_usage, counts, 2, &o.dir,
                           &o.keep);
    if (rc != HL_EXIT_OK) return rc == HL_BENCH_HELP ? HL_EXIT_OK : rc;
    char root[PATH_MAX];
    if (hl_bench_prepare(cli, o.dir, "bench-export", root, sizeof root) != HL_EXIT_OK)
        return HL_EXIT_FAIL;

    int exit_code = HL_EXIT_FAIL;
    hl_err_t err = {0};
    hl_bench_export_figs_t f = {.csv_s = -1,
                                .jsonl_s = -1,
                                .xlsx_s = -1,
                                .shell_s = -1,
                                .shell_bytes = -1,
                                .rss_before_mb = -1,
                                .peak_rss_mb = -1,
                                .bundle_s = -1};
    if (bench_exports(cli, root, o.responses, &f, &err) != HL_OK) {
        fprintf(stderr, "hailong-bench: export phase failed: %s\n", err.msg);
        goto done;
    }
    if (o.bundle_responses > 0 && bench_bundle(cli, root, o.bundle_responses, &f, &err) != HL_OK) {
        fprintf(stderr, "hailong-bench: bundle phase failed: %s\n", err.msg);
        goto done;
    }
    print_line(&o, &f, root);
    exit_code = HL_EXIT_OK;
done:;
    hl_err_t rmerr = {0};
    if (o.keep)
        fprintf(stderr, "bench export: kept %s\n", root);
    else if (hl_platform_rmtree(root, &rmerr) != HL_OK)
        fprintf(stderr, "bench export: %s\n", rmerr.msg);
    return exit_code;
}
