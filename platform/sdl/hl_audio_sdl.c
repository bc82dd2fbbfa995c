/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_audio_sdl.c: speech out through SDL's audio device, or into a capture
 * (hl_audio.h).
 *
 * The device: a ring of samples allocated at open (HL_AUDIO_RING_S seconds),
 * filled by hl_audio_play and drained by SDL's audio thread in its
 * callback, with the gain applied there; SDL_LockAudioDevice guards both
 * ends. A full ring drops the rest of an utterance (a minute of speech is
 * far more than one screen says).
 *
 * The capture: a growing timeline of samples; an utterance is written at
 * the position of the time it began (relative to origin_ms), cut where the
 * next one begins or where hl_audio_stop says; written as a 16-bit mono WAV
 * through hl_afile at close, with one JSON line per utterance in the log.
 *
 * Both stamp the real time at which an utterance's first samples arrive
 * (hl_audio_first_sound, for the benchmarks), in atomics: the voice's
 * thread writes them, the benchmark's reads them.
 */
#include "hl_audio.h"
#include "hl_afile.h"
#include "hl_wav.h"

#include <SDL.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HL_AUDIO_RING_S   60     /* seconds of speech the device's queue holds */
#define HL_AUDIO_CAP_MAX  (3600) /* seconds a capture may span (an hour of a scripted run) */
#define HL_AUDIO_UTT_MAX  256    /* utterances a capture logs */
#define HL_AUDIO_TEXT_MAX 480    /* bytes of an utterance's text kept for the log */

typedef struct hl_utt {
    uint64_t id;                      /* the utterance */
    int64_t start_ms, end_ms;         /* on the timeline; end_ms -1 while it may grow */
    size_t samples;                   /* samples written */
    char lang[8];                     /* "vi", "en" */
    char text[HL_AUDIO_TEXT_MAX + 1]; /* what was said (cut) */
} hl_utt_t;

struct hl_audio {
    int rate;                       /* samples per second */
    double gain;                    /* applied as samples leave (device) or land (capture) */
    uint64_t id;                    /* the utterance playing; later ids win */
    SDL_AudioDeviceID dev;          /* 0: a capture */
    int16_t *ring;                  /* device: the queue */
    size_t ring_cap, head, len;     /* its size, first sample, samples held */
    bool capture;                   /* a capture, not a device */
    char *wav, *log;                /* owned: the capture's files */
    int64_t origin_ms;              /* the timeline's 0 */
    int16_t *tl;                    /* owned: the timeline */
    size_t tl_len, tl_cap;          /* samples used, allocated */
    size_t pos;                     /* where the current utterance writes next */
    size_t cut;                     /* where the current utterance must stop (SIZE_MAX: none) */
    hl_utt_t utt[HL_AUDIO_UTT_MAX]; /* the log */
    int n_utt;                      /* entries used */
    atomic_bool sounded;            /* an utterance's first samples have arrived */
    _Atomic uint64_t first_id;      /* the latest such utterance */
    _Atomic int64_t first_ns;       /* CLOCK_MONOTONIC when its first samples arrived */
};

/* The first samples of utterance id arrive now (hl_audio_first_sound). */
static void first_sound(hl_audio_t *a, uint64_t id)
{
    if (atomic_load(&a->sounded) && atomic_load(&a->first_id) == id) return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    atomic_store(&a->first_ns, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
    atomic_store(&a->first_id, id);
    atomic_store(&a->sounded, true);
}

static void audio_callback(void *ctx, Uint8 *stream, int len)
{
    hl_audio_t *a = ctx;
    int16_t *out = (int16_t *)(void *)stream;
    size_t n = (size_t)len / sizeof *out;
    for (size_t i = 0; i < n; i++) {
        if (a->len == 0) {
            out[i] = 0;
            continue;
        }
        double v = a->ring[a->head] * a->gain;
        out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
        a->head = (a->head + 1) % a->ring_cap;
        a->len--;
    }
}

int hl_audio_open(hl_audio_t **out, int rate, const char *capture_wav, const char *capture_log,
                  int64_t origin_ms, hl_err_t *err)
{
    *out = NULL;
    if (rate < 8000 || rate > 48000)
        return hl_err_set(err, HL_ERR_USAGE, "audio: %d Hz is not a speech rate", rate);
    hl_audio_t *a = calloc(1, sizeof *a);
    if (!a) return hl_err_set(err, HL_ERR_NOMEM, "out of memory for audio");
    a->rate = rate;
    a->gain = 1.0;
    a->origin_ms = origin_ms;
    a->cut = SIZE_MAX;
    if (capture_wav) {
        a->capture = true;
        a->wav = strdup(capture_wav);
        a->log = capture_log ? strdup(capture_log) : NULL;
        if (!a->wav || (capture_log && !a->log)) {
            hl_audio_close(a, NULL);
            return hl_err_set(err, HL_ERR_NOMEM, "out of memory for the audio capture");
        }
        *out = a;
        return HL_OK;
    }
    a->ring_cap = (size_t)rate * HL_AUDIO_RING_S;
    a->ring = calloc(a->ring_cap, sizeof *a->ring);
    if (!a->ring) {
        free(a);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory for the audio queue");
    }
    if (!SDL_WasInit(SDL_INIT_AUDIO) && SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        int rc = hl_err_set(err, HL_ERR_IO,
                            "no audio: %s (speech is off; connect a speaker or headset to the "
                            "jack or HDMI and check `aplay -l`)",
                            SDL_GetError());
        free(a->ring);
        free(a);
        return rc;
    }
    SDL_AudioSpec want = {0}, have;
    want.freq = rate;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 1024;
    want.callback = audio_callback;
    want.userdata = a;
    a->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0); /* SDL converts to the device */
    if (!a->dev) {
        int rc = hl_err_set(err, HL_ERR_IO,
                            "no audio device: %s (speech is off; connect a speaker or headset "
                            "and check `aplay -l`)",
                            SDL_GetError());
        free(a->ring);
        free(a);
        return rc;
    }
    SDL_PauseAudioDevice(a->dev, 0);
    *out = a;
    return HL_OK;
}

/* The timeline position of time ms. */
static size_t cap_pos(const hl_audio_t *a, int64_t ms)
{
    int64_t d = ms - a->origin_ms;
    if (d < 0) d = 0;
    if (d > (int64_t)HL_AUDIO_CAP_MAX * 1000) d = (int64_t)HL_AUDIO_CAP_MAX * 1000;
    return (size_t)(d * a->rate / 1000);
}

static hl_utt_t *cap_current(hl_audio_t *a)
{
    return a->n_utt > 0 && a->utt[a->n_utt - 1].id == a->id ? &a->utt[a->n_utt - 1] : NULL;
}

/* Ends the utterance being captured at timeline sample `at` (no later
 * sample of it is written). */
static void cap_end(hl_audio_t *a, size_t at)
{
    hl_utt_t *u = cap_current(a);
    if (!u || u->end_ms >= 0) return;
    size_t start = cap_pos(a, u->start_ms);
    size_t end = start + u->samples;
    if (at < end) {
        if (a->tl_len > at && a->tl_len <= end) a->tl_len = at;
        for (size_t i = at; i < end && i < a->tl_cap; i++)
            a->tl[i] = 0;
        u->samples = at > start ? at - start : 0;
    }
    u->end_ms = u->start_ms + (int64_t)u->samples * 1000 / a->rate;
    a->cut = at;
}

void hl_audio_begin(hl_audio_t *a, uint64_t id, int64_t at_ms, const char *lang, const char *text)
{
    if (!a) return;
    if (!a->capture) {
        SDL_LockAudioDevice(a->dev);
        a->id = id;
        a->len = 0; /* what was playing stops */
        SDL_UnlockAudioDevice(a->dev);
        return;
    }
    cap_end(a, cap_pos(a, at_ms));
    a->id = id;
    a->pos = cap_pos(a, at_ms);
    a->cut = SIZE_MAX;
    if (a->n_utt == HL_AUDIO_UTT_MAX) return; /* the log is full: the audio still goes in */
    hl_utt_t *u = &a->utt[a->n_utt++];
    memset(u, 0, sizeof *u);
    u->id = id;
    u->start_ms = at_ms;
    u->end_ms = -1;
    snprintf(u->lang, sizeof u->lang, "%s", lang ? lang : "");
    snprintf(u->text, sizeof u->text, "%s", text ? text : "");
}

void hl_audio_play(hl_audio_t *a, uint64_t id, const int16_t *pcm, size_t n)
{
    if (!a || !pcm) return;
    if (!a->capture) {
        SDL_LockAudioDevice(a->dev);
        if (id == a->id && n > 0) first_sound(a, id);
        if (id == a->id)
            for (size_t i = 0; i < n && a->len < a->ring_cap; i++)
                a->ring[(a->head + a->len++) % a->ring_cap] = pcm[i];
        SDL_UnlockAudioDevice(a->dev);
        return;
    }
    if (id != a->id || a->cut != SIZE_MAX) return;
    if (n > 0) first_sound(a, id);
    size_t end = a->pos + n, max = (size_t)a->rate * HL_AUDIO_CAP_MAX;
    if (end > max) end = max;
    if (end > a->tl_cap) {
        size_t cap = a->tl_cap ? a->tl_cap : (size_t)a->rate * 10;
        while (cap < end)
            cap *= 2;
        int16_t *t = realloc(a->tl, cap * sizeof *t);
        if (!t) return; /* the capture misses it; hl_audio_close says nothing of it */
        memset(t + a->tl_cap, 0, (cap - a->tl_cap) * sizeof *t);
        a->tl = t;
        a->tl_cap = cap;
    }
    for (size_t i = a->pos; i < end; i++) {
        double v = pcm[i - a->pos] * a->gain;
        a->tl[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    hl_utt_t *u = cap_current(a);
    if (u) u->samples += end - a->pos;
    a->pos = end;
    if (end > a->tl_len) a->tl_len = end;
}

void hl_audio_stop(hl_audio_t *a, int64_t at_ms)
{
    if (!a) return;
    if (!a->capture) {
        SDL_LockAudioDevice(a->dev);
        a->len = 0;
        a->id++; /* samples still coming for it are stale */
        SDL_UnlockAudioDevice(a->dev);
        return;
    }
    cap_end(a, cap_pos(a, at_ms));
}

void hl_audio_set_gain(hl_audio_t *a, double gain)
{
    if (!a) return;
    if (gain < 0) gain = 0;
    if (gain > 1) gain = 1;
    if (!a->capture) SDL_LockAudioDevice(a->dev);
    a->gain = gain;
    if (!a->capture) SDL_UnlockAudioDevice(a->dev);
}

size_t hl_audio_pending(hl_audio_t *a)
{
    if (!a || a->capture) return 0;
    SDL_LockAudioDevice(a->dev);
    size_t n = a->len;
    SDL_UnlockAudioDevice(a->dev);
    return n;
}

bool hl_audio_first_sound(hl_audio_t *a, uint64_t *id, int64_t *mono_ns)
{
    if (!a || !atomic_load(&a->sounded)) return false;
    *id = atomic_load(&a->first_id);
    *mono_ns = atomic_load(&a->first_ns);
    return true;
}

/* The capture's WAV: the timeline, written as `hailong speak` writes its
 * sound (hl_wav_write: 16-bit mono, through the atomic writer). */
static int cap_write_wav(hl_audio_t *a, hl_err_t *err)
{
    return hl_wav_write(a->wav, a->tl, a->tl_len, (unsigned)a->rate, err);
}

/* A JSON string of s into out (quotes, backslashes and controls escaped). */
static size_t json_str(char *out, size_t size, const char *s)
{
    size_t n = 0;
    if (n + 1 < size) out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 8 < size; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p < 0x20) {
            n += (size_t)snprintf(out + n, size - n, "\\u%04x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    if (n + 1 < size) out[n++] = '"';
    out[n] = '\0';
    return n;
}

static int cap_write_log(hl_audio_t *a, hl_err_t *err)
{
    size_t cap = (size_t)a->n_utt * (HL_AUDIO_TEXT_MAX * 6 + 160) + 1;
    char *buf = malloc(cap);
    if (!buf) return hl_err_set(err, HL_ERR_NOMEM, "out of memory writing %s", a->log);
    size_t n = 0;
    for (int i = 0; i < a->n_utt; i++) {
        hl_utt_t *u = &a->utt[i];
        if (u->end_ms < 0) u->end_ms = u->start_ms + (int64_t)u->samples * 1000 / a->rate;
        n += (size_t)snprintf(buf + n, cap - n,
                              "{\"start_ms\":%lld,\"end_ms\":%lld,\"samples\":%zu,\"lang\":",
                              (long long)(u->start_ms - a->origin_ms),
                              (long long)(u->end_ms - a->origin_ms), u->samples);
        n += json_str(buf + n, cap - n, u->lang);
        n += (size_t)snprintf(buf + n, cap - n, ",\"text\":");
        n += json_str(buf + n, cap - n, u->text);
        n += (size_t)snprintf(buf + n, cap - n, "}\n");
    }
    int rc = hl_afile_replace(a->log, buf, n, 0644, err);
    free(buf);
    return rc;
}

int hl_audio_close(hl_audio_t *a, hl_err_t *err)
{
    if (!a) return HL_OK;
    int rc = HL_OK;
    if (a->dev) SDL_CloseAudioDevice(a->dev);
    if (a->capture && a->wav) {
        cap_end(a, a->pos);
        rc = cap_write_wav(a, err);
        if (rc == HL_OK && a->log) rc = cap_write_log(a, err);
    }
    free(a->ring);
    free(a->tl);
    free(a->wav);
    free(a->log);
    free(a);
    return rc;
}
