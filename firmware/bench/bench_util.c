/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_util.c: helpers shared by the benchmarks: clock, percentiles, the
 * synthetic response generator and bulk loader, the sqlite3 shell runner,
 * JSON output and option parsing.
 */
#include "bench_util.h"
#include "cli.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

double hl_bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double hl_bench_percentile(double *v, size_t n, double p)
{
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

uint64_t hl_bench_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

void hl_bench_value(const hl_question_t *q, uint64_t *rng, char out[HL_VALUE_MAX])
{
    size_t n = q->n_options;
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
        snprintf(out, HL_VALUE_MAX, "%s", n ? q->options[hl_bench_rng(rng) % n].id : "1");
        return;
    case HL_Q_MULTI: {
        size_t max = q->max_choices > 0 ? (size_t)q->max_choices : n;
        size_t k = n ? 1 + hl_bench_rng(rng) % (max ? max : 1) : 0;
        size_t start = n ? hl_bench_rng(rng) % n : 0;
        size_t len = 0;
        out[0] = '\0';
        for (size_t i = start; i < n && k; i++, k--) /* consecutive: in option order */
            len += (size_t)snprintf(out + len, HL_VALUE_MAX - len, "%s%s", len ? "|" : "",
                                    q->options[i].id);
        if (!len) snprintf(out, HL_VALUE_MAX, "%s", n ? q->options[0].id : "1");
        return;
    }
    case HL_Q_STARS:
        snprintf(out, HL_VALUE_MAX, "%d", (int)(1 + hl_bench_rng(rng) % 5));
        return;
    case HL_Q_NPS:
        snprintf(out, HL_VALUE_MAX, "%d", (int)(hl_bench_rng(rng) % 11));
        return;
    case HL_Q_YESNO:
        snprintf(out, HL_VALUE_MAX, "%s", hl_bench_rng(rng) % 2 ? "yes" : "no");
        return;
    case HL_Q_NUMBER: {
        int lo = q->min_digits > 0 ? q->min_digits : 1;
        int hi = q->max_digits >= lo ? q->max_digits : lo;
        int d = lo + (int)(hl_bench_rng(rng) % (uint64_t)(hi - lo + 1));
        for (int i = 0; i < d && i < HL_NUMBER_MAX_DIGITS; i++)
            out[i] = (char)('0' + hl_bench_rng(rng) % 10);
        out[d < HL_NUMBER_MAX_DIGITS ? d : HL_NUMBER_MAX_DIGITS] = '\0';
        return;
    }
    case HL_Q_TEXT: /* a comment of the length citizens write */
        snprintf(out, HL_VALUE_MAX, "%s",
                 hl_bench_rng(rng) % 2 ? "Cán bộ hướng dẫn tận tình, thủ tục nhanh gọn."
                                       : "Phòng chờ hơi nóng, nên có thêm quạt và ghế ngồi.");
        return;
    case HL_Q_NOTE: /* read, never answered */
        out[0] = '\0';
        return;
    case HL_Q_CONTACT: /* a mobile number: 09 and eight digits */
        snprintf(out, HL_VALUE_MAX, "09%08u", (unsigned)(hl_bench_rng(rng) % 100000000u));
        return;
    case HL_Q_TYPE_COUNT:
        break;
    }
    snprintf(out, HL_VALUE_MAX, "1");
}

int hl_bench_response(hl_store_t *st, const hl_survey_t *s, const hl_sys_t *sys, uint64_t *rng,
                      int64_t started, hl_resp_status_t end, hl_bench_save_fn save, void *ctx,
                      hl_err_t *err)
{
    hl_response_t r;
    memset(&r, 0, sizeof r);
    if (hl_uuid_new(sys, r.uuid) != 0)
        return hl_err_set(err, HL_ERR_IO, "no random bytes for a response id");
    r.lang = s->n_langs ? s->langs[hl_bench_rng(rng) % s->n_langs] : HL_LANG_VI;
    r.stored_lang = r.lang;
    r.started_utc_ms = started;
    r.clock_trusted = true;
    size_t want = 5 + (size_t)(hl_bench_rng(rng) % 4), answerable = 0;
    for (size_t i = 0; i < s->n_questions; i++)
        answerable += hl_question_answerable(&s->questions[i]);
    if (want > answerable) want = answerable;
    int64_t ms = 0;
    char value[HL_VALUE_MAX];
    for (size_t i = 0, at = 0; i < want; at++) {
        const hl_question_t *q = &s->questions[at];
        if (!hl_question_answerable(q)) continue; /* a note: nothing stored */
        hl_bench_value(q, rng, value);
        ms += 1500 + (int64_t)(hl_bench_rng(rng) % 4500);
        hl_save_t sv = {.set_qid = q->id, .set_value = value, .set_ms = ms};
        if (i + 1 == want) {
            sv.status = end;
            sv.finished_utc_ms = started + ms;
        }
        int rc = save ? save(ctx, st, &r, &sv, err) : hl_store_save(st, &r, &sv, err);
        if (rc != HL_OK) return rc;
        i++;
    }
    return HL_OK;
}

int hl_bench_load(hl_cli_t *cli, const char *dir, long m, uint64_t id_seed, int officers,
                  const char *label, hl_err_t *err)
{
    hl_store_t *st = NULL;
    int rc = hl_store_open(dir, NULL, &st, NULL, err);
    if (rc == HL_OK) rc = hl_store_use_survey(st, cli->survey, cli->cfg.kiosk_id, err);
    hl_fakesys_t fake;
    hl_fakesys_init(&fake, 0, true, id_seed ? id_seed : 42);
    hl_sys_t sys = hl_fakesys_sys(&fake);
    if (!id_seed) sys.random = cli->sys.random; /* response ids truly random */
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    int64_t t = cli->sys.utc_ms(cli->sys.ctx) - (int64_t)m * 90000;
    double t0 = hl_bench_now_s();
    for (long i = 0; rc == HL_OK && i < m; i += HL_BENCH_BATCH) {
        if (officers > 0) {
            char officer[24];
            snprintf(officer, sizeof officer, "off_%ld", (i / HL_BENCH_BATCH) % officers);
            rc = hl_store_set_duty(st, officer, "Quầy 1", err);
        }
        if (rc == HL_OK) rc = hl_store_batch_begin(st, err);
        for (long j = i; rc == HL_OK && j < m && j < i + HL_BENCH_BATCH; j++) {
            t += 30000 + (int64_t)(hl_bench_rng(&rng) % 120000);
            hl_resp_status_t end = hl_bench_rng(&rng) % 10 ? HL_RESP_COMPLETE : HL_RESP_PARTIAL;
            rc = hl_bench_response(st, cli->survey, &sys, &rng, t, end, NULL, NULL, err);
        }
        if (rc == HL_OK) rc = hl_store_batch_end(st, err);
        long done = i + HL_BENCH_BATCH < m ? i + HL_BENCH_BATCH : m;
        if (done % 100000 == 0 || done == m)
            fprintf(stderr, "%s: loaded %ld/%ld responses (%.1f s)\n", label, done, m,
                    hl_bench_now_s() - t0);
    }
    hl_store_close(st);
    return rc;
}

double hl_bench_shell(const char *db, const char *sql, const char *out_path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    char *argv[] = {(char *)HL_BENCH_SHELL,
                    (char *)"-csv",
                    (char *)"-newline",
                    (char *)"\r\n",
                    (char *)db,
                    (char *)sql,
                    NULL};
    char *envp[] = {NULL};
    pid_t pid;
    double t0 = hl_bench_now_s();
    int rc = posix_spawn(&pid, HL_BENCH_SHELL, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    double t1 = hl_bench_now_s();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t1 - t0 : -1;
}

int hl_bench_make_dirs(const char *dir)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0750) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return (mkdir(buf, 0750) != 0 && errno != EEXIST) ? -1 : 0;
}

void hl_bench_json_num(const char *key, double v, bool valid, bool last)
{
    if (valid)
        printf("\"%s\":%.3f%s", key, v, last ? "" : ",");
    else
        printf("\"%s\":null%s", key, last ? "" : ",");
}

void hl_bench_json_str(const char *s)
{
    putchar('"');
    for (const char *p = s; *p; p++)
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if ((unsigned char)*p < 0x20)
            printf("\\u%04x", (unsigned char)*p);
        else
            putchar(*p);
    putchar('"');
}

int hl_bench_parse_count(const char *flag, const char *v, long min, const char *usage, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || n < min || n > 100000000L) {
        fprintf(stderr, "hailong-bench: %s needs a whole number from %ld\n%s", flag, min, usage);
        return HL_EXIT_USAGE;
    }
    *out = n;
    return HL_EXIT_OK;
}

int hl_bench_args(int argc, char **argv, int first, const char *name, const char *usage,
                  const hl_bench_count_t *counts, size_t n_counts, const char **dir, bool *keep)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            fputs(usage, stdout);
            return HL_BENCH_HELP;
        }
        if (!strcmp(a, "--keep")) {
            *keep = true;
            continue;
        }
        if (!strcmp(a, "--dir") && v && *v) {
            *dir = argv[++i];
            continue;
        }
        size_t k = 0;
        while (k < n_counts && strcmp(a, counts[k].flag) != 0)
            k++;
        if (k == n_counts) {
            fprintf(stderr, "%s: unknown option \"%s\"\n%s", name, a, usage);
            return HL_EXIT_USAGE;
        }
        int rc = hl_bench_parse_count(a, v, counts[k].min, usage, counts[k].out);
        if (rc != HL_EXIT_OK) return rc;
        i++;
    }
    return HL_EXIT_OK;
}

int hl_bench_prepare(struct hl_cli *cli, const char *dir, const char *prefix, char *root,
                     size_t root_size)
{
    if (!cli->data_dir[0] && !dir && hl_cli_resolve_data_dir(cli) != HL_EXIT_OK)
        return HL_EXIT_FAIL;
    if (!cli->survey && hl_cli_load(cli) != HL_EXIT_OK) return HL_EXIT_FAIL;
#ifdef __GLIBC__
    /* SQLite allocates and frees a 64 KiB statement journal per save; with
     * glibc's default trim threshold the heap top is given back and taken
     * again each time (brk + page faults), which doubled the bulk load's
     * time. Keep the heap: this tunes the benchmark process only. */
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);
#endif
    const char *parent = dir ? dir : cli->data_dir;
    if (hl_bench_make_dirs(parent) != 0 ||
        snprintf(root, root_size, "%s/%s-XXXXXX", parent, prefix) >= (int)root_size ||
        !mkdtemp(root)) {
        fprintf(stderr, "hailong-bench: cannot make a folder under %s: %s\n", parent,
                strerror(errno));
        return HL_EXIT_FAIL;
    }
    fprintf(stderr, "%s: working in %s (survey %s v%lld, %zu questions)\n", prefix, root,
            cli->survey->id, (long long)cli->survey->version, cli->survey->n_questions);
    return HL_EXIT_OK;
}
