/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_audio.h: where speech goes: the kiosk's speaker or headset jack (SDL's
 * audio: the Pi's 3.5 mm jack or HDMI), or, in a headless run, a capture:
 * a timeline of what would have been played, written as a WAV file when
 * the run ends, with a log line per utterance (when it started, when it
 * stopped, its language and text), so tests hear what a citizen would.
 *
 * Audio is 16-bit mono PCM at the rate given at open. hl_audio_play
 * queues samples and returns at once (the device plays them from its own
 * thread); any thread may call the functions (one mutex). The capture
 * places an utterance at the time the kiosk asked for it (its clock, a
 * scripted run's clock included), not when the samples were ready, so a
 * capture is the same run after run.
 */
#ifndef HL_AUDIO_H
#define HL_AUDIO_H

#include "hl_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_audio hl_audio_t;

/* Opens the default audio device at rate Hz (NULL capture_wav), or a
 * capture written to capture_wav (and a JSON line per utterance to
 * capture_log, may be NULL) at close, its timeline starting at origin_ms of
 * the kiosk's monotonic clock (no device at all: headless runs). HL_ERR_IO
 * when no device opens (the kiosk then runs without speech and says so). */
int hl_audio_open(hl_audio_t **out, int rate, const char *capture_wav, const char *capture_log,
                  int64_t origin_ms, hl_err_t *err);

/* Starts utterance `id` at time at_ms (the kiosk's monotonic clock): what
 * was playing stops; later hl_audio_play calls with this id add to it, with
 * another id are dropped (a stale utterance). lang and text go to the
 * capture's log. */
void hl_audio_begin(hl_audio_t *a, uint64_t id, int64_t at_ms, const char *lang, const char *text);

/* Adds n samples to utterance id (queued; returns at once). */
void hl_audio_play(hl_audio_t *a, uint64_t id, const int16_t *pcm, size_t n);

/* Stops what is playing at at_ms (the citizen acted): the queue is
 * dropped; a capture cuts the utterance there. */
void hl_audio_stop(hl_audio_t *a, int64_t at_ms);

/* The gain applied to what plays from now on (0..1]. */
void hl_audio_set_gain(hl_audio_t *a, double gain);

/* Samples queued and not played yet (a capture: 0). */
size_t hl_audio_pending(hl_audio_t *a);

/* When the first samples of the latest utterance that had any reached
 * hl_audio_play (queued for the device, or placed in the capture): that
 * utterance's id and the real monotonic clock then (CLOCK_MONOTONIC, in
 * ns; not the kiosk's clock of at_ms, which may be a fake one). False
 * before any. For the benchmarks (hailong-bench access: a key to speech
 * starting); read it once the voice is idle (hl_voice_wait), since the
 * next utterance replaces it. */
bool hl_audio_first_sound(hl_audio_t *a, uint64_t *id, int64_t *mono_ns);

/* Writes the capture (if any) and closes; err says why a capture could
 * not be written. */
int hl_audio_close(hl_audio_t *a, hl_err_t *err);

#endif
