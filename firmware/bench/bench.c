/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench.c: `hailong-bench store`, the storage benchmark.
 *
 * Phase 1 answers N responses through hl_store_save exactly as the flow
 * would (one durable commit per answer, 5 to 8 answers valid for each
 * question type, the last one finishing the response as complete), timing
 * each commit and, interleaved with it, a raw 4 KiB write + fsync to a file
 * in the same folder: the physical floor of one durable write on that
 * medium. Bytes written come from /proc/self/io around the store calls only
 * (and the closing checkpoint): wchar counts what the store hands to the
 * kernel, write_bytes what reached the storage layer.
 * Phase 2 bulk-loads M synthetic responses in batches into a fresh database
 * and times hl_export_csv against the sqlite3 shell running
 * hl_store_export_sql (same columns, same text), alternately, twice each,
 * keeping the faster run of each; it also says whether the data rows match.
 *
 * Everything happens in a fresh folder bench-XXXXXX under the data directory
 * (the kiosk's own medium) or under --dir, removed at the end unless --keep.
 * One JSON line goes to stdout; progress goes to stderr.
 */
#include "bench_util.h"
#include "cli.h"
#include "hl_export.h"
#include "hl_platform.h"
#include "hl_store.h"
#include "hl_store_bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char bench_usage[] =
    "usage: hailong-bench store [--responses N] [--export-responses M] [--dir DIR] [--keep]\n"
    "       hailong-bench export [--responses N] [--bundle-responses M]   (see its --help)\n"
    "       hailong-bench ui [--frames N] [--idle-s S]   (see hailong-bench ui --help)\n"
    "       hailong-bench results [--responses N]   (see hailong-bench results --help)\n"
    "       hailong-bench access [--keys N]   (see hailong-bench access --help)\n"
    "       hailong-bench --config FILE sync [--responses N]   (see its --help)\n"
    "       hailong-bench province-setup | province --kiosks DIR   (see province --help)\n"
    "Measures the response store on the data directory's medium and prints one JSON line:\n"
    "  phase 1: N responses (default 10000) saved one durable commit per answer (each\n"
    "           finished one chained and signed as the kiosk does), with\n"
    "           commit latency next to a raw 4 KiB fsync, and bytes written per response;\n"
    "  phase 2: M synthetic responses (default 1000000) bulk-loaded, then the CSV export\n"
    "           timed against the sqlite3 shell producing the same rows.\n"
    "  --dir DIR  make the bench-XXXXXX folder under DIR instead of the data directory\n"
    "  --keep     keep the folder (databases and CSV files) for inspection\n";

typedef struct hl_bench_opts {
    long responses;        /* phase 1 responses */
    long export_responses; /* phase 2 responses (0 skips phase 2) */
    const char *dir;       /* parent folder, or NULL for the data directory */
    bool keep;             /* do not remove the bench folder */
} hl_bench_opts_t;

/* One reading of /proc/self/io. */
typedef struct hl_io_sample {
    int64_t wchar;       /* bytes passed to write(2) and friends */
    int64_t write_bytes; /* bytes this process caused to be sent to storage */
} hl_io_sample_t;

/* Running totals of phase 1. */
typedef struct hl_bench_p1 {
    double *commit_ms; /* owned: one per save */
    double *fsync_ms;  /* owned: one per save (the probe next to it) */
    size_t n;          /* samples */
    int64_t wchar;     /* bytes written by the store calls */
    int64_t storage;   /* write_bytes of the store calls */
    bool io_ok;        /* /proc/self/io was readable */
    int64_t answers;   /* answers saved */
} hl_bench_p1_t;

/* ---- Small helpers ---------------------------------------------------------- */

static bool io_read(hl_io_sample_t *s)
{
    FILE *f = fopen("/proc/self/io", "r");
    if (!f) return false;
    char line[128];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        long long v;
        if (sscanf(line, "wchar: %lld", &v) == 1) {
            s->wchar = v;
            found++;
        } else if (sscanf(line, "write_bytes: %lld", &v) == 1) {
            s->write_bytes = v;
            found++;
        }
    }
    fclose(f);
    return found == 2;
}

/* What phase 1's timed save needs: the running totals and the probe file. */
typedef struct hl_bench_probe {
    hl_bench_p1_t *p1; /* totals to add to */
    int fd;            /* the fsync probe's file */
} hl_bench_probe_t;

/* hl_bench_save_fn for phase 1: times the save (and its bytes written),
 * then a raw 4 KiB write + fsync of the probe file right after it. */
static int timed_save(void *ctx, hl_store_t *st, hl_response_t *r, const hl_save_t *sv,
                      hl_err_t *err)
{
    hl_bench_probe_t *pr = ctx;
    hl_bench_p1_t *p1 = pr->p1;
    static const char block[4096] = {0}; /* the probe's payload */
    hl_io_sample_t a = {0}, b = {0};
    bool ok = io_read(&a);
    double t0 = hl_bench_now_s();
    int rc = hl_store_save(st, r, sv, err);
    double t1 = hl_bench_now_s();
    ok = io_read(&b) && ok;
    if (rc != HL_OK) return rc;
    p1->io_ok = p1->io_ok && ok;
    p1->wchar += b.wchar - a.wchar;
    p1->storage += b.write_bytes - a.write_bytes;
    p1->commit_ms[p1->n] = (t1 - t0) * 1000.0;
    p1->answers++;

    t0 = hl_bench_now_s();
    if (pwrite(pr->fd, block, sizeof block, 0) != (ssize_t)sizeof block || fsync(pr->fd) != 0)
        return hl_err_set(err, HL_ERR_IO, "fsync probe failed: %s", strerror(errno));
    t1 = hl_bench_now_s();
    p1->fsync_ms[p1->n] = (t1 - t0) * 1000.0;
    p1->n++;
    return HL_OK;
}

/* ---- Phases ----------------------------------------------------------------- */

static int bench_phase1(hl_cli_t *cli, const char *root, const hl_bench_opts_t *o,
                        hl_bench_p1_t *p1, hl_err_t *err)
{
    char dir[PATH_MAX + 16], probe[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/commit", root);
    snprintf(probe, sizeof probe, "%s/fsync-probe", root);
    hl_store_t *st = NULL;
    int fd = -1, rc;
    size_t max = (size_t)o->responses * 8;
    p1->commit_ms = calloc(max, sizeof *p1->commit_ms);
    p1->fsync_ms = calloc(max, sizeof *p1->fsync_ms);
    p1->io_ok = true;
    if (!p1->commit_ms || !p1->fsync_ms) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return hl_err_set(err, HL_ERR_IO, "cannot create %s: %s", probe, strerror(errno));
    rc = hl_store_open(dir, NULL, &st, NULL, err);
    if (rc == HL_OK) rc = hl_store_use_survey(st, cli->survey, cli->cfg.kiosk_id, err);
    /* As the kiosk commits: each finished response chained and signed with
     * a device key (a fresh one, not the kiosk's) in its finishing commit. */
    hl_devkey_t key = {0};
    if (rc == HL_OK) rc = hl_devkey_generate(&cli->sys, &key, err);
    if (rc == HL_OK) rc = hl_store_set_signer(st, &key, err);
    uint64_t rng = 0x2545F4914F6CDD1DULL;
    hl_bench_probe_t pr = {p1, fd};
    double t0 = hl_bench_now_s();
    for (long i = 0; rc == HL_OK && i < o->responses; i++) {
        rc = hl_bench_response(st, cli->survey, &cli->sys, &rng, cli->sys.utc_ms(cli->sys.ctx),
                               HL_RESP_COMPLETE, timed_save, &pr, err);
        if ((i + 1) % 1000 == 0 || i + 1 == o->responses)
            fprintf(stderr, "bench: phase 1: %ld/%ld responses (%.1f s)\n", i + 1, o->responses,
                    hl_bench_now_s() - t0);
    }
    if (st) {
        hl_io_sample_t a = {0}, b = {0};
        bool ok = io_read(&a);
        hl_store_close(st); /* includes the final checkpoint */
        hl_devkey_free(&key);
        ok = io_read(&b) && ok;
        p1->io_ok = p1->io_ok && ok;
        p1->wchar += b.wchar - a.wchar;
        p1->storage += b.write_bytes - a.write_bytes;
    }
    close(fd);
    return rc;
}

static double bench_export(const char *dir, const char *survey_id, const char *out, hl_err_t *err)
{
    hl_store_opts_t ro = {.read_only = true};
    hl_store_t *st = NULL;
    double t0 = hl_bench_now_s();
    int rc = hl_store_open(dir, &ro, &st, NULL, err);
    if (rc == HL_OK) rc = hl_export_csv(st, survey_id, out, NULL, err);
    hl_store_close(st);
    double t1 = hl_bench_now_s();
    return rc == HL_OK ? t1 - t0 : -1;
}

/* True when the CSV's data rows (after BOM and header) equal the shell's output. */
static bool same_rows(const char *csv, const char *shell_out)
{
    FILE *a = fopen(csv, "rb"), *b = fopen(shell_out, "rb");
    bool same = a && b;
    int c;
    while (same && (c = fgetc(a)) != EOF && c != '\n') {
    }
    size_t cap = 1 << 16;
    char *ba = malloc(cap), *bb = malloc(cap);
    same = same && ba && bb;
    while (same) {
        size_t na = fread(ba, 1, cap, a), nb = fread(bb, 1, cap, b);
        if (na != nb || memcmp(ba, bb, na) != 0) same = false;
        if (na == 0) break;
    }
    free(ba);
    free(bb);
    if (a) fclose(a);
    if (b) fclose(b);
    return same;
}

/* ---- The command ------------------------------------------------------------- */

int hl_cli_bench(hl_cli_t *cli, int argc, char **argv)
{
    hl_bench_opts_t o = {.responses = 10000, .export_responses = 1000000};
    if (argc >= 2 && !strcmp(argv[1], "export")) /* its own options and --help */
        return hl_cli_bench_export(cli, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "sync")) return hl_cli_bench_sync(cli, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "results"))
        return hl_cli_bench_results(cli, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "access"))
        return hl_cli_bench_access(cli, argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(bench_usage, stdout);
            return HL_EXIT_OK;
        }
    }
    if (argc >= 2 && !strcmp(argv[1], "ui")) return hl_cli_bench_ui(cli, argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "store") != 0) {
        if (argc < 2)
            fprintf(stderr,
                    "hailong-bench: which benchmark? (store, export, ui, results, access, sync or "
                    "province)\n%s",
                    bench_usage);
        else
            fprintf(stderr, "hailong-bench: unknown benchmark \"%s\"\n%s", argv[1], bench_usage);
        return HL_EXIT_USAGE;
    }
    const hl_bench_count_t counts[] = {{"--responses", 1, &o.responses},
                                       {"--export-responses", 0, &o.export_responses}};
    int rc = hl_bench_args(argc, argv, 2, "hailong-bench", bench_usage, counts, 2, &o.dir, &o.keep);
    if (rc != HL_EXIT_OK) return rc == HL_BENCH_HELP ? HL_EXIT_OK : rc;
    char root[PATH_MAX];
    if (hl_bench_prepare(cli, o.dir, "bench", root, sizeof root) != HL_EXIT_OK) return HL_EXIT_FAIL;

    int exit_code = HL_EXIT_FAIL;
    hl_err_t err = {0};
    hl_bench_p1_t p1 = {0};
    char *sql = NULL;
    double export_s = -1, shell_s = -1;
    bool shell_ok = access(HL_BENCH_SHELL, X_OK) == 0, rows_same = false;

    if (bench_phase1(cli, root, &o, &p1, &err) != HL_OK) {
        fprintf(stderr, "hailong-bench: phase 1 failed: %s\n", err.msg);
        goto done;
    }
    if (o.export_responses > 0) {
        char dir[PATH_MAX + 16], db[PATH_MAX + 32], csv[PATH_MAX + 16], shell_csv[PATH_MAX + 16];
        snprintf(dir, sizeof dir, "%s/export", root);
        snprintf(db, sizeof db, "%s/%s", dir, HL_STORE_FILE);
        snprintf(csv, sizeof csv, "%s/hailong.csv", root);
        snprintf(shell_csv, sizeof shell_csv, "%s/sqlite3.csv", root);
        if (hl_bench_load(cli, dir, o.export_responses, 42, 0, "bench: phase 2", &err) != HL_OK) {
            fprintf(stderr, "hailong-bench: loading failed: %s\n", err.msg);
            goto done;
        }
        hl_store_opts_t ro = {.read_only = true};
        hl_store_t *st = NULL;
        rc = hl_store_open(dir, &ro, &st, NULL, &err);
        if (rc == HL_OK) rc = hl_store_export_sql(st, cli->survey->id, &sql, &err);
        hl_store_close(st);
        if (rc != HL_OK) {
            fprintf(stderr, "hailong-bench: %s\n", err.msg);
            goto done;
        }
        if (!shell_ok)
            fprintf(stderr, "bench: %s is not installed: sqlite3_csv_s is null\n", HL_BENCH_SHELL);
        for (int round = 0; round < 2; round++) {
            double t = bench_export(dir, cli->survey->id, csv, &err);
            if (t < 0) {
                fprintf(stderr, "hailong-bench: export failed: %s\n", err.msg);
                goto done;
            }
            if (export_s < 0 || t < export_s) export_s = t;
            fprintf(stderr, "bench: hl_export_csv run %d: %.3f s\n", round + 1, t);
            if (!shell_ok) continue;
            t = hl_bench_shell(db, sql, shell_csv);
            if (t < 0) {
                fprintf(stderr, "bench: the sqlite3 shell failed: sqlite3_csv_s is null\n");
                shell_ok = false;
                continue;
            }
            if (shell_s < 0 || t < shell_s) shell_s = t;
            fprintf(stderr, "bench: sqlite3 -csv run %d: %.3f s\n", round + 1, t);
        }
        if (shell_ok) {
            rows_same = same_rows(csv, shell_csv);
            fprintf(stderr, "bench: data rows %s the sqlite3 shell's\n",
                    rows_same ? "are identical to" : "DIFFER from");
        }
    }

    double n_resp = (double)o.responses;
    printf("{\"responses\":%ld,\"export_responses\":%ld,\"saves\":%zu,", o.responses,
           o.export_responses, p1.n);
    hl_bench_json_num("answers_per_response", (double)p1.answers / n_resp, true, false);
    printf("\"page_size\":%d,\"sqlite_version\":\"%s\",", HL_STORE_PAGE_SIZE,
           hl_store_sqlite_version());
    hl_bench_json_num("commit_p50_ms", hl_bench_percentile(p1.commit_ms, p1.n, 50), true, false);
    hl_bench_json_num("commit_p99_ms", hl_bench_percentile(p1.commit_ms, p1.n, 99), true, false);
    hl_bench_json_num("commit_max_ms", p1.n ? p1.commit_ms[p1.n - 1] : 0, true, false);
    hl_bench_json_num("fsync_p50_ms", hl_bench_percentile(p1.fsync_ms, p1.n, 50), true, false);
    hl_bench_json_num("fsync_p99_ms", hl_bench_percentile(p1.fsync_ms, p1.n, 99), true, false);
    hl_bench_json_num("fsync_max_ms", p1.n ? p1.fsync_ms[p1.n - 1] : 0, true, false);
    hl_bench_json_num("bytes_written_per_response", (double)p1.wchar / n_resp, p1.io_ok, false);
    hl_bench_json_num("storage_bytes_per_response", (double)p1.storage / n_resp, p1.io_ok, false);
    hl_bench_json_num("export_csv_s", export_s, export_s >= 0, false);
    hl_bench_json_num("sqlite3_csv_s", shell_s, shell_s >= 0, false);
    printf("\"export_rows_identical\":%s,",
           o.export_responses > 0 && shell_s >= 0 ? (rows_same ? "true" : "false") : "null");
    printf("\"dir\":");
    hl_bench_json_str(root);
    printf("}\n");
    fflush(stdout);
    exit_code = HL_EXIT_OK;
done:
    free(sql);
    free(p1.commit_ms);
    free(p1.fsync_ms);
    hl_err_t rmerr = {0};
    if (o.keep)
        fprintf(stderr, "bench: kept %s\n", root);
    else if (hl_platform_rmtree(root, &rmerr) != HL_OK)
        fprintf(stderr, "bench: %s\n", rmerr.msg);
    return exit_code;
}
