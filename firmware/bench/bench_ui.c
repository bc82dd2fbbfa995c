/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_ui.c: `hailong-bench ui`, the screen benchmark, at 1280x800 in the
 * headless software renderer. Prints one JSON line:
 *   first_frame_ms        process start to the first frame presented: the
 *                         benchmark starts itself again (fork + exec) and the
 *                         child reports its first frame on a pipe (median of 5)
 *   frame_p50_ms/p99_ms   per screen kind: build the scene, draw, present
 *   tap_to_frame_p99_ms   a touch-down to the presented frame showing its feedback
 *   keyboard              per size (800x480, 1280x800): key_to_frame_p50_ms/p99_ms, a
 *                         key of the text question's keyboard lifted (the key acts)
 *                         to the presented frame showing the text changed, over
 *                         --keys N presses (default 300) typing Vietnamese with the
 *                         tone and letter keys
 *   idle_cpu_pct          CPU used by the real event loop on the start screen over
 *                         --idle-s seconds (default 10) of the real clock
 *   peak_rss_mb           the process's peak resident set size
 * Figures are printed, never judged: compare them with the goals in README.
 */
#include "bench_util.h"
#include "cli.h"
#include "hl_platform.h"
#include "kiosk.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_W          1280
#define BENCH_H          800
#define FIRST_FRAME_RUNS 5

static const char bench_ui_usage[] =
    "usage: hailong-bench ui [--frames N] [--keys N] [--idle-s S] [--dir DIR]\n"
    "Measures the kiosk screen at 1280x800 in the headless software renderer and\n"
    "prints one JSON line: first_frame_ms, frame_p50_ms/frame_p99_ms per screen kind,\n"
    "tap_to_frame_p99_ms, idle_cpu_pct (real clock, S seconds, default 10), peak_rss_mb.\n"
    "  --frames N  frames timed per screen kind (default 200)\n"
    "  --keys N    keyboard presses timed at 800x480 and at 1280x800 (default 300)\n"
    "  --dir DIR   where the scratch database goes (default: a bench-ui-XXXXXX folder\n"
    "              under the data directory, removed at the end)\n"
    "HL_BENCH_TRACE=1 in the environment prints where the first frame's time goes.\n";

/* One survey with every question type, so that every screen kind is timed. */
static const char bench_survey[] =
    "{\"format\":1,\"id\":\"bench-ui\",\"version\":1,\"languages\":[\"vi\",\"en\"],"
    "\"title\":{\"vi\":\"Đánh giá mức độ hài lòng\",\"en\":\"Rate our service\"},"
    "\"thanks\":{\"vi\":\"Xin cảm ơn quý vị!\",\"en\":\"Thank you!\"},\"questions\":["
    "{\"id\":\"smiley5\",\"type\":\"smiley\",\"required\":true,"
    "\"text\":{\"vi\":\"Ông/bà hài lòng với dịch vụ hôm nay không?\",\"en\":\"How satisfied "
    "are you with today's service?\"},\"options\":["
    "{\"id\":\"a\",\"label\":{\"vi\":\"Rất hài lòng\",\"en\":\"Very satisfied\"}},"
    "{\"id\":\"b\",\"label\":{\"vi\":\"Hài lòng\",\"en\":\"Satisfied\"}},"
    "{\"id\":\"c\",\"label\":{\"vi\":\"Bình thường\",\"en\":\"Neutral\"}},"
    "{\"id\":\"d\",\"label\":{\"vi\":\"Không hài lòng\",\"en\":\"Dissatisfied\"}},"
    "{\"id\":\"e\",\"label\":{\"vi\":\"Rất không hài lòng\",\"en\":\"Very dissatisfied\"}}]},"
    "{\"id\":\"smiley3\",\"type\":\"smiley\",\"text\":{\"vi\":\"Thái độ của công chức?\","
    "\"en\":\"The officer's attitude?\"},\"options\":["
    "{\"id\":\"a\",\"label\":{\"vi\":\"Rất hài lòng\",\"en\":\"Very satisfied\"}},"
    "{\"id\":\"b\",\"label\":{\"vi\":\"Hài lòng\",\"en\":\"Satisfied\"}},"
    "{\"id\":\"c\",\"label\":{\"vi\":\"Chưa hài lòng\",\"en\":\"Not satisfied\"}}]},"
    "{\"id\":\"stars\",\"type\":\"stars\",\"text\":{\"vi\":\"Cơ sở vật chất?\","
    "\"en\":\"The waiting area?\"}},"
    "{\"id\":\"choice\",\"type\":\"choice\",\"text\":{\"vi\":\"Số lần đi lại?\","
    "\"en\":\"How many trips?\"},\"options\":["
    "{\"id\":\"one\",\"label\":{\"vi\":\"1 lần\",\"en\":\"Once\"}},"
    "{\"id\":\"two\",\"label\":{\"vi\":\"2 lần\",\"en\":\"Twice\"}},"
    "{\"id\":\"more\",\"label\":{\"vi\":\"3 lần trở lên\",\"en\":\"Three or more\"}}]},"
    "{\"id\":\"multi\",\"type\":\"multi\",\"max_choices\":2,\"text\":{\"vi\":\"Lý do?\","
    "\"en\":\"Why?\"},\"options\":["
    "{\"id\":\"slow\",\"label\":{\"vi\":\"Thời gian xử lý lâu\",\"en\":\"Slow\"}},"
    "{\"id\":\"unclear\",\"label\":{\"vi\":\"Hướng dẫn chưa rõ\",\"en\":\"Unclear\"}},"
    "{\"id\":\"other\",\"label\":{\"vi\":\"Khác\",\"en\":\"Other\"}}]},"
    "{\"id\":\"nps\",\"type\":\"nps\",\"text\":{\"vi\":\"Ông/bà có giới thiệu không?\","
    "\"en\":\"Would you recommend us?\"}},"
    "{\"id\":\"yesno\",\"type\":\"yesno\",\"text\":{\"vi\":\"Thủ tục được niêm yết?\","
    "\"en\":\"Was the procedure posted?\"}},"
    "{\"id\":\"number\",\"type\":\"number\",\"min_digits\":4,\"max_digits\":12,"
    "\"text\":{\"vi\":\"Mã hồ sơ (không bắt buộc)\",\"en\":\"Case code (optional)\"}}]}";

typedef struct screen_case {
    const char *name;   /* screen kind in the JSON output */
    const char *answer; /* answer given to leave it ("" for none) */
} screen_case_t;

static const screen_case_t screens[] = {
    {"start", "a"},    {"smiley", "b"}, {"stars", "4"},   {"choice", "two"},
    {"multi", "slow"}, {"nps", "9"},    {"yesno", "yes"}, {"number", "1234"},
};

/* A comment question after one rating: the keyboard's screen. */
static const char bench_kb_survey[] =
    "{\"format\":1,\"id\":\"bench-keyboard\",\"version\":1,\"languages\":[\"vi\",\"en\"],"
    "\"title\":{\"vi\":\"Góp ý\",\"en\":\"Comments\"},\"thanks\":{\"vi\":\"Xin cảm ơn!\","
    "\"en\":\"Thank you!\"},\"questions\":[{\"id\":\"overall\",\"type\":\"stars\","
    "\"text\":{\"vi\":\"Chấm điểm\",\"en\":\"Rate us\"}},{\"id\":\"comment\",\"type\":"
    "\"text\",\"max_chars\":2000,\"text\":{\"vi\":\"Ông/Bà có góp ý gì để chúng tôi phục "
    "vụ tốt hơn?\",\"en\":\"How could we serve you better?\"},\"hint\":{\"vi\":\"Viết góp "
    "ý tại đây\",\"en\":\"Write here\"}}]}";

/* "cán bộ tận tình ": letters, the tone and letter rows, space. */
static const char *const bench_kb_keys[] = {
    "key:c", "key:a",          "key:n",         "key:tone:sac", "key:space", "key:b",
    "key:o", "key:mark:oo",    "key:tone:nang", "key:space",    "key:t",     "key:a",
    "key:n", "key:tone:nang",  "key:space",     "key:t",        "key:i",     "key:n",
    "key:h", "key:tone:huyen", "key:space"};

/* Presses n keys of the keyboard at w x h as a finger does (down, a frame
 * of feedback, up) and times each from the lift to the presented frame
 * showing what it typed; p50 and p99 in ms. */
static int time_keys(hl_cli_t *cli, const hl_survey_t *kb, const char *root, int w, int h, int n,
                     double *times, double *p50, double *p99)
{
    hl_kiosk_t k;
    hl_fakesys_t clock;
    hl_fakesys_init(&clock, cli->sys.utc_ms(cli->sys.ctx), true, 11);
    hl_survey_t *active = cli->survey;
    cli->survey = (hl_survey_t *)kb;
    snprintf(cli->data_dir, sizeof cli->data_dir, "%.*s/kb-%dx%d", PATH_MAX - 32, root, w, h);
    hl_kiosk_opts_t o = {.display = {.backend = HL_BACKEND_HEADLESS, .w = w, .h = h},
                         .sys = hl_fakesys_sys(&clock)};
    int rc = hl_kiosk_open(&k, cli, &o);
    cli->survey = active;
    hl_err_t err = {0};
    const char *v = "4";
    if (rc == HL_EXIT_OK && hl_flow_answer(&k.flow, "overall", &v, 1, &err) != HL_OK) {
        fprintf(stderr, "bench ui: %s\n", err.msg);
        rc = HL_EXIT_FAIL;
    }
    if (rc == HL_EXIT_OK && hl_kiosk_draw(&k, &err) != HL_OK) rc = HL_EXIT_FAIL;
    hl_fakesys_advance(&clock, HL_TOUCH_GUARD_MS);
    size_t nk = sizeof bench_kb_keys / sizeof bench_kb_keys[0];
    for (int i = 0; rc == HL_EXIT_OK && i < n; i++) {
        const hl_target_t *t = hl_scene_find(k.scene, bench_kb_keys[(size_t)i % nk]);
        if (!t) {
            fprintf(stderr, "bench ui: no key %s\n", bench_kb_keys[(size_t)i % nk]);
            rc = HL_EXIT_FAIL;
            break;
        }
        int x = t->box.x + t->box.w / 2, y = t->box.y + t->box.h / 2;
        hl_kiosk_touch(&k, HL_INPUT_DOWN, x, y);
        if (hl_kiosk_draw(&k, &err) != HL_OK) rc = HL_EXIT_FAIL;
        double t0 = hl_bench_now_s();
        hl_kiosk_touch(&k, HL_INPUT_UP, x, y);
        if (hl_kiosk_draw(&k, &err) != HL_OK) rc = HL_EXIT_FAIL;
        times[i] = (hl_bench_now_s() - t0) * 1000.0;
    }
    if (rc != HL_EXIT_OK && err.msg[0]) fprintf(stderr, "bench ui: %s\n", err.msg);
    if (rc == HL_EXIT_OK) {
        *p50 = hl_bench_percentile(times, (size_t)n, 50);
        *p99 = hl_bench_percentile(times, (size_t)n, 99);
    }
    hl_kiosk_close(&k);
    return rc;
}

/* Times n frames of the current screen; returns p50 and p99 in ms. */
static int time_frames(hl_kiosk_t *k, int n, double *times, double *p50, double *p99)
{
    hl_err_t err = {0};
    /* One frame first: its text is rasterised once (first_frame_ms covers a
     * cold start); the figures are the steady redraws of that screen. */
    if (hl_kiosk_draw(k, &err) != HL_OK) {
        fprintf(stderr, "bench ui: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    for (int i = 0; i < n; i++) {
        k->dirty = true;
        double t0 = hl_bench_now_s();
        if (hl_kiosk_draw(k, &err) != HL_OK) {
            fprintf(stderr, "bench ui: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
        times[i] = (hl_bench_now_s() - t0) * 1000.0;
    }
    *p50 = hl_bench_percentile(times, (size_t)n, 50);
    *p99 = hl_bench_percentile(times, (size_t)n, 99);
    return HL_EXIT_OK;
}

typedef struct quit_timer {
    hl_display_t *display; /* to wake */
    int seconds;           /* how long to let the loop idle */
} quit_timer_t;

static void *quit_later(void *arg)
{
    quit_timer_t *q = arg;
    sleep((unsigned)q->seconds);
    hl_display_request_quit(q->display);
    return NULL;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Child mode: start, present the first frame, say so on stdout, exit. */
static int first_frame_child(hl_cli_t *cli, const char *dir)
{
    bool trace = getenv("HL_BENCH_TRACE") != NULL;
    double t0 = hl_bench_now_s();
    snprintf(cli->data_dir, sizeof cli->data_dir, "%s", dir);
    if (hl_cli_load(cli)) return HL_EXIT_FAIL;
    double t1 = hl_bench_now_s();
    hl_kiosk_t k;
    hl_kiosk_opts_t o = {.display = {.backend = HL_BACKEND_HEADLESS, .w = BENCH_W, .h = BENCH_H},
                         .sys = cli->sys};
    int rc = hl_kiosk_open(&k, cli, &o);
    double t2 = hl_bench_now_s();
    hl_err_t err = {0};
    if (rc == HL_EXIT_OK && hl_kiosk_draw(&k, &err) == HL_OK) {
        if (trace)
            fprintf(stderr, "bench ui: child: config+survey %.1f ms, open %.1f ms, draw %.1f ms\n",
                    (t1 - t0) * 1e3, (t2 - t1) * 1e3, (hl_bench_now_s() - t2) * 1e3);
        fputs("1", stdout);
        fflush(stdout);
    } else {
        rc = HL_EXIT_FAIL;
    }
    hl_kiosk_close(&k);
    return rc;
}

static double first_frame_ms(const char *dir)
{
    double runs[FIRST_FRAME_RUNS];
    int ok = 0;
    for (int i = 0; i < FIRST_FRAME_RUNS; i++) {
        int fds[2];
        if (pipe(fds) != 0) break;
        double t0 = hl_bench_now_s();
        pid_t pid = fork();
        if (pid == 0) {
            dup2(fds[1], 1);
            close(fds[0]);
            close(fds[1]);
            execl("/proc/self/exe", "hailong-bench", "ui", "--first-frame-child", dir,
                  (char *)NULL);
            _exit(127);
        }
        close(fds[1]);
        char c = 0;
        ssize_t got = pid > 0 ? read(fds[0], &c, 1) : -1;
        double t1 = hl_bench_now_s();
        close(fds[0]);
        int status = 0;
        if (pid > 0) waitpid(pid, &status, 0);
        if (got == 1 && c == '1') runs[ok++] = (t1 - t0) * 1000.0;
    }
    return ok ? hl_bench_percentile(runs, (size_t)ok, 50) : -1;
}

int hl_cli_bench_ui(hl_cli_t *cli, int argc, char **argv)
{
    int frames = 200, idle_s = 10, keys = 300;
    const char *dir_flag = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            fputs(bench_ui_usage, stdout);
            return HL_EXIT_OK;
        } else if (!strcmp(a, "--first-frame-child") && v) {
            return first_frame_child(cli, v);
        } else if (!strcmp(a, "--frames") && v && atoi(v) > 0 && atoi(v) <= 100000) {
            frames = atoi(v);
            i++;
        } else if (!strcmp(a, "--keys") && v && atoi(v) > 0 && atoi(v) <= 100000) {
            keys = atoi(v);
            i++;
        } else if (!strcmp(a, "--idle-s") && v && atoi(v) >= 1 && atoi(v) <= 600) {
            idle_s = atoi(v);
            i++;
        } else if (!strcmp(a, "--dir") && v && *v) {
            dir_flag = v;
            i++;
        } else {
            fprintf(stderr, "hailong-bench ui: unexpected argument \"%s\"\n%s", a, bench_ui_usage);
            return HL_EXIT_USAGE;
        }
    }
    if (!dir_flag && hl_cli_resolve_data_dir(cli)) return HL_EXIT_FAIL;
    const char *parent = dir_flag ? dir_flag : cli->data_dir;
    static const char leaf[] = "/bench-ui-XXXXXX";
    size_t plen = strlen(parent);
    if (plen + sizeof leaf > PATH_MAX) {
        fprintf(stderr, "hailong-bench ui: folder path too long: %s\n", parent);
        return HL_EXIT_USAGE;
    }
    char root[PATH_MAX];
    memcpy(root, parent, plen);
    memcpy(root + plen, leaf, sizeof leaf);
    mkdir(parent, 0750);
    if (!mkdtemp(root)) {
        fprintf(stderr, "hailong-bench ui: cannot make a folder under %s: %s\n", parent,
                strerror(errno));
        return HL_EXIT_FAIL;
    }
    int exit_code = HL_EXIT_FAIL;
    double *times = calloc((size_t)(frames > keys ? frames : keys), sizeof *times);
    hl_kiosk_t k;
    memset(&k, 0, sizeof k);
    hl_survey_t *survey = NULL;
    hl_diags_t d = {0};
    if (!times || hl_survey_load_text("bench-ui.json", bench_survey, sizeof bench_survey - 1,
                                      &survey, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        goto done;
    }
    if (hl_cli_load(cli)) goto done;

    fprintf(stderr, "bench ui: first frame (%d runs)\n", FIRST_FRAME_RUNS);
    double first = first_frame_ms(root);

    /* Frames of every screen kind, on a fake clock so timeouts wait for us. */
    hl_fakesys_t clock;
    hl_fakesys_init(&clock, cli->sys.utc_ms(cli->sys.ctx), true, 7);
    hl_survey_t *active = cli->survey;
    cli->survey = survey;
    memcpy(cli->data_dir, root, strlen(root) + 1);
    hl_kiosk_opts_t o = {.display = {.backend = HL_BACKEND_HEADLESS, .w = BENCH_W, .h = BENCH_H},
                         .sys = hl_fakesys_sys(&clock)};
    int rc = hl_kiosk_open(&k, cli, &o);
    cli->survey = active;
    if (rc != HL_EXIT_OK) goto done;
    hl_err_t err = {0};
    size_t n_screens = sizeof screens / sizeof screens[0];
    double p50[16], p99[16];
    const char *names[16];
    size_t n = 0;
    for (size_t i = 0; i < n_screens; i++, n++) {
        names[n] = screens[i].name;
        if (time_frames(&k, frames, times, &p50[n], &p99[n])) goto done;
        const char *v = screens[i].answer;
        int arc = hl_flow_answer(&k.flow, survey->questions[i].id, &v, 1, &err);
        if (arc == HL_OK && !hl_qtype_auto_advance(survey->questions[i].type))
            arc = hl_flow_next(&k.flow, &err);
        if (arc != HL_OK) {
            fprintf(stderr, "bench ui: %s\n", err.msg);
            goto done;
        }
    }
    names[n] = "thanks";
    if (time_frames(&k, frames, times, &p50[n], &p99[n])) goto done;
    n++;
    hl_fakesys_advance(&clock, 5000);
    hl_kiosk_tick(&k);
    const char *first_answer = "a";
    hl_flow_answer(&k.flow, survey->questions[0].id, &first_answer, 1, &err);
    hl_fakesys_advance(&clock, (int64_t)cli->cfg.timeouts.idle_s * 1000);
    hl_kiosk_tick(&k);
    names[n] = "still_there";
    if (time_frames(&k, frames, times, &p50[n], &p99[n])) goto done;
    n++;
    k.ui.out_of_service = true;
    names[n] = "out_of_service";
    if (time_frames(&k, frames, times, &p50[n], &p99[n])) goto done;
    n++;
    k.ui.out_of_service = false;
    hl_flow_continue(&k.flow, &err);

    /* Touch-down to the frame that shows it (once the screen has been up
     * for the touch guard: a touch sooner shows nothing). */
    const hl_target_t *t = NULL;
    hl_kiosk_draw(&k, &err);
    hl_fakesys_advance(&clock, HL_TOUCH_GUARD_MS);
    for (size_t i = 0; i < k.scene->n_targets && !t; i++)
        if (!strncmp(k.scene->targets[i].id, "answer:", 7)) t = &k.scene->targets[i];
    double tap_p99 = -1;
    if (t) {
        hl_rect_t box = t->box;
        for (int i = 0; i < frames; i++) {
            double t0 = hl_bench_now_s();
            hl_kiosk_touch(&k, HL_INPUT_DOWN, box.x + box.w / 2, box.y + box.h / 2);
            hl_kiosk_draw(&k, &err);
            times[i] = (hl_bench_now_s() - t0) * 1000.0;
            hl_kiosk_touch(&k, HL_INPUT_MOVE, -1, -1); /* slide off: no answer */
            hl_kiosk_touch(&k, HL_INPUT_UP, -1, -1);
            hl_kiosk_draw(&k, &err);
        }
        tap_p99 = hl_bench_percentile(times, (size_t)frames, 99);
    }
    hl_kiosk_close(&k);

    /* The keyboard: a key lifted to the frame showing what it typed. */
    static const int kb_sizes[2][2] = {{800, 480}, {1280, 800}};
    double kb_p50[2], kb_p99[2];
    hl_survey_t *kb = NULL;
    if (hl_survey_load_text("bench-keyboard.json", bench_kb_survey, sizeof bench_kb_survey - 1, &kb,
                            &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        goto done;
    }
    fprintf(stderr, "bench ui: %d keyboard presses at 800x480 and 1280x800\n", keys);
    for (int z = 0; z < 2; z++)
        if (time_keys(cli, kb, root, kb_sizes[z][0], kb_sizes[z][1], keys, times, &kb_p50[z],
                      &kb_p99[z]) != HL_EXIT_OK) {
            hl_survey_free(kb);
            goto done;
        }
    hl_survey_free(kb);

    /* Idle on the start screen, real clock, the real event loop. */
    fprintf(stderr, "bench ui: idle on the start screen for %d s\n", idle_s);
    hl_kiosk_opts_t io = {.display = {.backend = HL_BACKEND_HEADLESS, .w = BENCH_W, .h = BENCH_H},
                          .sys = cli->sys};
    /* A fresh folder: the timed kiosk above left its response open. */
    char idle_dir[PATH_MAX];
    if (snprintf(idle_dir, sizeof idle_dir, "%.*s/idle", PATH_MAX - 8, root) >=
        (int)sizeof idle_dir)
        goto done;
    memcpy(cli->data_dir, idle_dir, strlen(idle_dir) + 1);
    if (hl_kiosk_open(&k, cli, &io) != HL_EXIT_OK) goto done;
    quit_timer_t qt = {k.display, idle_s};
    pthread_t th;
    hl_kiosk_draw(&k, &err);
    double c0 = cpu_s(), w0 = hl_bench_now_s();
    if (pthread_create(&th, NULL, quit_later, &qt) != 0) goto done;
    hl_kiosk_loop(&k);
    pthread_join(th, NULL);
    double idle_pct = (cpu_s() - c0) / (hl_bench_now_s() - w0) * 100.0;

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"size\":\"%dx%d\",\"frames_per_screen\":%d,\"first_frame_ms\":%.2f,", BENCH_W,
           BENCH_H, frames, first);
    const double *tables[2] = {p50, p99};
    for (int t2 = 0; t2 < 2; t2++) {
        printf("\"%s\":{", t2 ? "frame_p99_ms" : "frame_p50_ms");
        for (size_t i = 0; i < n; i++)
            printf("\"%s\":%.3f%s", names[i], tables[t2][i], i + 1 < n ? "," : "},");
    }
    printf("\"tap_to_frame_p99_ms\":%.3f,\"keyboard\":{", tap_p99);
    for (int z = 0; z < 2; z++)
        printf(
            "\"%dx%d\":{\"keys\":%d,\"key_to_frame_p50_ms\":%.3f,\"key_to_frame_p99_ms\":%.3f}%s",
            kb_sizes[z][0], kb_sizes[z][1], keys, kb_p50[z], kb_p99[z], z ? "}," : ",");
    printf("\"idle_cpu_pct\":%.3f,\"peak_rss_mb\":%.1f}\n", idle_pct,
           (double)ru.ru_maxrss / 1024.0);
    exit_code = HL_EXIT_OK;
done:
    hl_kiosk_close(&k);
    hl_diags_free(&d);
    hl_survey_free(survey);
    free(times);
    hl_err_t rmerr = {0};
    if (hl_platform_rmtree(root, &rmerr) != HL_OK) fprintf(stderr, "bench ui: %s\n", rmerr.msg);
    return exit_code;
}
