/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_access.c: `hailong-bench access`, the tactile keys and speech
 * (issue 17: a key press to speech starting and to the focus ring drawn,
 * both under 100 ms; memory with speech loaded). A headless kiosk on the
 * config's survey, its speech going into a capture (the headless audio
 * output), on a fake clock so that no timeout interrupts; N presses of the
 * "down" key (the focus to the next target, which says that target) are
 * timed with the real monotonic clock:
 *   key_to_ring_ms    from hl_kiosk_key to the frame with the focus ring
 *                     rebuilt, rendered (hl_render, the renderer of the
 *                     headless goldens) and presented: hl_kiosk_draw
 *   key_to_speech_ms  from hl_kiosk_key to the first samples of what the
 *                     key says reaching the audio output (hl_audio_play,
 *                     stamped there: hl_audio_first_sound); a device adds
 *                     its own buffer (1024 samples, 46 ms at 22050 Hz)
 * each as p50, p90 and max; and memory (the resident set from
 * /proc/self/statm, the malloc heap in use from mallinfo2) with the config
 * and survey loaded, with a kiosk open without speech, with the kiosk open
 * with speech (espeak-ng set up, both voices loaded, the speech thread
 * running), after the first utterance (the first key says the whole screen:
 * the capture's timeline grows to it once; a speaker instead holds a 60 s
 * queue, 2.6 MB, from open) and after the last (at least 100: "utterances"
 * says how many; the growth since the first is what utterances leave
 * behind). One JSON line on stdout, a summary with units and progress on
 * stderr. Figures are printed, never judged.
 */
#include "bench_util.h"
#include "cli.h"
#include "hl_audio.h"
#include "hl_platform.h"
#include "hl_voice.h"
#include "kiosk.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ACCESS_UTTERANCES 100 /* utterances before the last memory figure */

static const char bench_access_usage[] =
    "usage: hailong-bench access [--keys N] [--size WxH] [--dir DIR]\n"
    "Measures the tactile keys and speech on a headless kiosk (the config's survey,\n"
    "speech into a capture) and prints one JSON line: key_to_ring_ms and\n"
    "key_to_speech_ms (p50, p90, max over N presses of the down key: to the frame with\n"
    "the focus ring presented, to the first samples of what the key says reaching the\n"
    "audio output), and memory (rss_mb, heap_mb) with a kiosk without speech, with\n"
    "speech loaded, after the first utterance and after 100.\n"
    "  --keys N    key presses timed (default 100)\n"
    "  --size WxH  the screen (default 1280x800)\n"
    "  --dir DIR   where the scratch data goes (default: a bench-access-XXXXXX folder\n"
    "              under the data directory, removed at the end)\n";

/* Memory at one moment. */
typedef struct access_mem {
    const char *name; /* in the JSON output */
    double rss_mb;    /* resident set */
    double heap_mb;   /* malloc's bytes in use (arena and mmapped), -1 unknown */
} access_mem_t;

static access_mem_t access_mem(const char *name)
{
    access_mem_t m = {name, -1, -1};
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f && fscanf(f, "%ld %ld", &pages, &rss) == 2)
        m.rss_mb = (double)rss * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
    if (f) fclose(f);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    m.heap_mb = (double)(mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0);
#endif
    fprintf(stderr, "bench access: memory %s: RSS %.1f MB, heap %.1f MB\n", name, m.rss_mb,
            m.heap_mb);
    return m;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* p50, p90 and max of n times in ms (sorted in place). */
typedef struct access_fig {
    double p50, p90, max;
} access_fig_t;

static access_fig_t access_fig(double *v, size_t n)
{
    access_fig_t f = {hl_bench_percentile(v, n, 50), hl_bench_percentile(v, n, 90),
                      hl_bench_percentile(v, n, 100)};
    return f;
}

static void print_fig(const char *key, access_fig_t f, size_t n)
{
    printf("\"%s\":{\"p50\":%.3f,\"p90\":%.3f,\"max\":%.3f,\"n\":%zu},", key, f.p50, f.p90, f.max,
           n);
}

/* The run's state: what it opened and measured. */
typedef struct access_run {
    hl_cli_t *cli;           /* the environment (config, survey, data dir) */
    char root[PATH_MAX];     /* the scratch folder */
    int w, h;                /* the screen */
    int keys;                /* presses timed */
    double *ring, *speech;   /* the times, ms (keys each) */
    size_t n_ring, n_speech; /* times held */
    long utterances;         /* said when the last figure was taken */
    access_mem_t mem[5];     /* start, kiosk without speech, speech loaded, after the first
                                utterance and after ACCESS_UTTERANCES */
    hl_fakesys_t clock;      /* the kiosk's clock */
    char capture[PATH_MAX];  /* the audio capture's file */
} access_run_t;

/* Opens a headless kiosk in root/leaf, with speech into the capture when
 * speech is true. */
static int access_open(access_run_t *r, hl_kiosk_t *k, const char *leaf, bool speech)
{
    hl_fakesys_init(&r->clock, r->cli->sys.utc_ms(r->cli->sys.ctx), true, 11);
    if (snprintf(r->cli->data_dir, sizeof r->cli->data_dir, "%.*s/%s", PATH_MAX - 32, r->root,
                 leaf) >= (int)sizeof r->cli->data_dir)
        return HL_EXIT_FAIL;
    hl_kiosk_opts_t o = {.display = {.backend = HL_BACKEND_HEADLESS, .w = r->w, .h = r->h},
                         .sys = hl_fakesys_sys(&r->clock),
                         .audio_capture = speech ? r->capture : NULL};
    int rc = hl_kiosk_open(k, r->cli, &o);
    hl_err_t err = {0};
    if (rc == HL_EXIT_OK && hl_kiosk_draw(k, &err) != HL_OK) {
        fprintf(stderr, "bench access: %s\n", err.msg);
        rc = HL_EXIT_FAIL;
    }
    if (rc == HL_EXIT_OK && speech && !k->access.voice) {
        fprintf(stderr, "bench access: the kiosk opened without speech (see above)\n");
        rc = HL_EXIT_FAIL;
    }
    return rc;
}

/* One press of the down key: the ring's time, and the speech's when what
 * the key says reached the audio output. */
static int access_press(access_run_t *r, hl_kiosk_t *k, bool timed)
{
    uint64_t before = 0, id = 0;
    int64_t first = 0;
    bool had = hl_audio_first_sound(k->access.audio, &before, &first);
    hl_err_t err = {0};
    int64_t t0 = now_ns();
    hl_kiosk_key(k, HL_KEY_DOWN);
    if (hl_kiosk_draw(k, &err) != HL_OK) {
        fprintf(stderr, "bench access: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    int64_t t1 = now_ns();
    hl_kiosk_voice_wait(k); /* the stamp was taken when the sound arrived, not now */
    if (!timed) return HL_EXIT_OK;
    r->ring[r->n_ring++] = (double)(t1 - t0) / 1e6;
    if (hl_audio_first_sound(k->access.audio, &id, &first) && (!had || id != before) && first >= t0)
        r->speech[r->n_speech++] = (double)(first - t0) / 1e6;
    return HL_EXIT_OK;
}

static int access_measure(access_run_t *r)
{
    hl_kiosk_t k;
    memset(&k, 0, sizeof k);
    r->mem[0] = access_mem("start");
    fprintf(stderr, "bench access: a kiosk without speech\n");
    int rc = access_open(r, &k, "no-speech", false);
    if (rc == HL_EXIT_OK) r->mem[1] = access_mem("kiosk_no_speech");
    hl_kiosk_close(&k);
    if (rc != HL_EXIT_OK) return rc;
    fprintf(stderr, "bench access: a kiosk with speech, %d presses of the down key\n", r->keys);
    memset(&k, 0, sizeof k);
    rc = access_open(r, &k, "speech", true);
    if (rc == HL_EXIT_OK) r->mem[2] = access_mem("speech_loaded");
    for (int i = 0; rc == HL_EXIT_OK && i < r->keys; i++) {
        rc = access_press(r, &k, true);
        if (i == 0 && rc == HL_EXIT_OK) r->mem[3] = access_mem("after_1_utterance");
    }
    /* At least ACCESS_UTTERANCES said before the last figure. */
    while (rc == HL_EXIT_OK && hl_voice_count(k.access.voice) < ACCESS_UTTERANCES)
        rc = access_press(r, &k, false);
    r->utterances = hl_voice_count(k.access.voice);
    if (rc == HL_EXIT_OK) r->mem[4] = access_mem("after_utterances");
    hl_kiosk_close(&k);
    return rc;
}

static void access_print(const access_run_t *r, access_fig_t ring, access_fig_t speech)
{
    printf("{\"size\":\"%dx%d\",\"keys\":%d,", r->w, r->h, r->keys);
    print_fig("key_to_ring_ms", ring, r->n_ring);
    print_fig("key_to_speech_ms", speech, r->n_speech);
    printf("\"utterances\":%ld,\"memory\":{", r->utterances);
    for (int i = 0; i < 5; i++) {
        printf("\"%s\":{", r->mem[i].name);
        hl_bench_json_num("rss_mb", r->mem[i].rss_mb, r->mem[i].rss_mb >= 0, false);
        hl_bench_json_num("heap_mb", r->mem[i].heap_mb, r->mem[i].heap_mb >= 0, true);
        printf("}%s", i < 4 ? "," : "}}\n");
    }
    fprintf(stderr,
            "bench access: key to focus ring drawn: p50 %.1f ms, p90 %.1f ms, max %.1f ms (%zu "
            "presses)\n"
            "bench access: key to speech starting:  p50 %.1f ms, p90 %.1f ms, max %.1f ms (%zu "
            "presses)\n",
            ring.p50, ring.p90, ring.max, r->n_ring, speech.p50, speech.p90, speech.max,
            r->n_speech);
    fprintf(stderr,
            "bench access: memory: RSS %.1f MB without speech, %.1f MB with speech loaded, "
            "%.1f MB after 1 and %.1f MB after %ld utterances; heap %.1f, %.1f, %.1f, %.1f MB\n",
            r->mem[1].rss_mb, r->mem[2].rss_mb, r->mem[3].rss_mb, r->mem[4].rss_mb, r->utterances,
            r->mem[1].heap_mb, r->mem[2].heap_mb, r->mem[3].heap_mb, r->mem[4].heap_mb);
}

int hl_cli_bench_access(hl_cli_t *cli, int argc, char **argv)
{
    access_run_t r = {.cli = cli, .w = 1280, .h = 800, .keys = 100};
    const char *dir_flag = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int w = 0, h = 0;
        if (!strcmp(a, "--help")) {
            fputs(bench_access_usage, stdout);
            return HL_EXIT_OK;
        } else if (!strcmp(a, "--keys") && v && atoi(v) > 0 && atoi(v) <= 100000) {
            r.keys = atoi(v);
            i++;
        } else if (!strcmp(a, "--size") && v && sscanf(v, "%dx%d", &w, &h) == 2 && w >= 320 &&
                   h >= 320 && w <= 4096 && h <= 4096) {
            r.w = w, r.h = h;
            i++;
        } else if (!strcmp(a, "--dir") && v && *v) {
            dir_flag = v;
            i++;
        } else {
            fprintf(stderr, "hailong-bench access: unexpected argument \"%s\"\n%s", a,
                    bench_access_usage);
            return HL_EXIT_USAGE;
        }
    }
    if (!dir_flag && hl_cli_resolve_data_dir(cli)) return HL_EXIT_FAIL;
    if (hl_cli_load(cli)) return HL_EXIT_FAIL;
    const char *parent = dir_flag ? dir_flag : cli->data_dir;
    if (hl_bench_make_dirs(parent) != 0 ||
        snprintf(r.root, sizeof r.root, "%.*s/bench-access-XXXXXX", PATH_MAX - 64, parent) >=
            (int)sizeof r.root ||
        !mkdtemp(r.root)) {
        fprintf(stderr, "hailong-bench access: cannot make a folder under %s: %s\n", parent,
                strerror(errno));
        return HL_EXIT_FAIL;
    }
    snprintf(r.capture, sizeof r.capture, "%.*s/said.wav", PATH_MAX - 16, r.root);
    r.ring = calloc((size_t)r.keys, sizeof *r.ring);
    r.speech = calloc((size_t)r.keys, sizeof *r.speech);
    int rc = r.ring && r.speech ? access_measure(&r) : HL_EXIT_FAIL;
    if (rc == HL_EXIT_OK) {
        access_fig_t ring = access_fig(r.ring, r.n_ring), speech = access_fig(r.speech, r.n_speech);
        access_print(&r, ring, speech);
    }
    free(r.ring);
    free(r.speech);
    hl_err_t err = {0};
    if (hl_platform_rmtree(r.root, &err) != HL_OK) fprintf(stderr, "bench access: %s\n", err.msg);
    return rc;
}
