/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_sync.c: `hailong-bench sync`, the network sync benchmark.
 *
 * It needs a server: the config's "sync" section names it (the test
 * receiver, started by tests/support/bench_sync.sh, which also writes the
 * config). For each backlog size (a tenth of N, then N) it bulk-loads that
 * many synthetic responses (with truly random ids, so the server sees new
 * ones) into a fresh store, then runs the kiosk itself in a child process
 * (exec of /proc/self/exe: `hailong run --headless --script` with one step,
 * `sync 3600`, so the sync worker thread pushes and the kiosk's thread
 * records each answer), and takes its wall time and, from wait4's rusage,
 * its peak resident set: peak_rss_mb is the memory of a kiosk process
 * draining that backlog, and the two sizes side by side show whether memory
 * grows with the backlog.
 * responses_per_s is N divided by the drain time of the N backlog. One JSON
 * line goes to stdout, progress to stderr; figures are printed, never
 * judged.
 */
#include "bench_util.h"
#include "cli.h"
#include "hl_platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char bench_sync_usage[] =
    "usage: hailong-bench --config FILE sync [--responses N] [--dir DIR] [--keep]\n"
    "Measures the network sync against the server of the config's \"sync\" section\n"
    "(bash tests/support/bench_sync.sh starts the test receiver and runs this):\n"
    "  a backlog of N/10 then N synthetic responses (default 100000), each drained by a\n"
    "  kiosk child (hailong run --headless, a script of one step: sync); prints one JSON\n"
    "  line with responses_per_s (N over its drain time), drain_s, peak_rss_mb (the\n"
    "  kiosk's peak resident set draining N) and small_peak_rss_mb (draining N/10),\n"
    "  with the batch size.\n"
    "  --dir DIR  make the bench-sync-XXXXXX folder under DIR instead of the data directory\n"
    "  --keep     keep the folder for inspection\n";

typedef struct drain {
    double seconds;
    double peak_rss_mb;
    int exit_code;
} drain_t;

/* Loads n responses into root/name and drains them with a child. */
static int drain_backlog(hl_cli_t *cli, const char *root, const char *name, long n, drain_t *d)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    hl_err_t err = {0};
    if (hl_bench_load(cli, dir, n, 0, 0, "bench sync", &err) != HL_OK) {
        fprintf(stderr, "hailong-bench: loading %ld responses: %s\n", n, err.msg);
        return HL_EXIT_FAIL;
    }
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/%s.txt", root, name);
    FILE *f = fopen(script, "w");
    bool written = f && fputs("sync 3600\n", f) >= 0;
    if (f && fclose(f) != 0) written = false;
    if (!written) {
        fprintf(stderr, "hailong-bench: cannot write %s: %s\n", script, strerror(errno));
        return HL_EXIT_FAIL;
    }
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        fprintf(stderr, "hailong-bench: /proc/self/exe: %s\n", strerror(errno));
        return HL_EXIT_FAIL;
    }
    self[len] = '\0';
    /* The kiosk is the hailong program next to this one (the build folder,
     * or /usr/bin once installed). */
    char *slash = strrchr(self, '/');
    if (!slash || (size_t)(slash - self) + sizeof "/hailong" > sizeof self) {
        fprintf(stderr, "hailong-bench: cannot find hailong next to %s\n", self);
        return HL_EXIT_FAIL;
    }
    memcpy(slash, "/hailong", sizeof "/hailong");
    fprintf(stderr, "bench sync: draining %ld responses to %s\n", n, cli->cfg.sync.url);
    double t0 = hl_bench_now_s();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "hailong-bench: fork: %s\n", strerror(errno));
        return HL_EXIT_FAIL;
    }
    if (pid == 0) {
        dup2(2, 1); /* its report joins the progress on stderr; stdout keeps the JSON line */
        char *argv[] = {self,  "--data-dir", dir,        "--config", (char *)cli->cfg.file,
                        "run", "--headless", "--script", script,     NULL};
        execv(self, argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    d->seconds = hl_bench_now_s() - t0;
    d->peak_rss_mb = (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
    d->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (d->exit_code != 0)
        fprintf(stderr, "hailong-bench: the kiosk child exited with %d\n", d->exit_code);
    return d->exit_code == 0 ? HL_EXIT_OK : HL_EXIT_FAIL;
}

int hl_cli_bench_sync(hl_cli_t *cli, int argc, char **argv)
{
    long n = 100000;
    const char *parent = NULL;
    bool keep = false;
    const hl_bench_count_t counts[] = {{"--responses", 10, &n}};
    int rc =
        hl_bench_args(argc, argv, 1, "hailong-bench", bench_sync_usage, counts, 1, &parent, &keep);
    if (rc != HL_EXIT_OK) return rc == HL_BENCH_HELP ? HL_EXIT_OK : rc;
    char root[PATH_MAX];
    if (hl_bench_prepare(cli, parent, "bench-sync", root, sizeof root) != HL_EXIT_OK)
        return HL_EXIT_FAIL;
    int exit_code = HL_EXIT_FAIL;
    if (!cli->cfg.sync.enabled || !cli->cfg.file) {
        fprintf(stderr, "hailong-bench sync: the config has no \"sync\" section: run "
                        "bash tests/support/bench_sync.sh (it starts the test receiver)\n");
        goto done;
    }
    drain_t small = {0}, big = {0};
    if (drain_backlog(cli, root, "small", n / 10, &small) != HL_EXIT_OK ||
        drain_backlog(cli, root, "big", n, &big) != HL_EXIT_OK)
        goto done;
    printf("{\"bench\":\"sync\",\"responses\":%ld,\"batch\":%d,", n, cli->cfg.sync.batch);
    hl_bench_json_num("responses_per_s", (double)n / big.seconds, big.seconds > 0, false);
    hl_bench_json_num("drain_s", big.seconds, true, false);
    hl_bench_json_num("peak_rss_mb", big.peak_rss_mb, true, false);
    printf("\"small_responses\":%ld,", n / 10);
    hl_bench_json_num("small_responses_per_s", (double)(n / 10) / small.seconds, small.seconds > 0,
                      false);
    hl_bench_json_num("small_peak_rss_mb", small.peak_rss_mb, true, true);
    printf("}\n");
    exit_code = HL_EXIT_OK;
done:;
    hl_err_t rmerr = {0};
    if (keep)
        fprintf(stderr, "bench sync: kept %s\n", root);
    else if (hl_platform_rmtree(root, &rmerr) != HL_OK)
        fprintf(stderr, "bench sync: %s\n", rmerr.msg);
    return exit_code;
}
