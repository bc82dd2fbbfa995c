/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_tts.h: speech synthesis with espeak-ng's library (Debian's
 * libespeak-ng, voices "vi" and "en"), without an audio device: the sound
 * goes to a callback as 16-bit mono PCM at HL_TTS_RATE (22050 Hz, espeak's
 * own rate), in chunks of at most about 60 ms. The callback may answer
 * HL_PCM_STOP: synthesis ends there (the citizen acted), so speech can be
 * interrupted between two chunks. Playback (SDL audio), the queue and the
 * worker thread are the kiosk's; recorded voices come from hl_wav.h.
 *
 * The text is first turned into what espeak reads well (hl_say_normalize:
 * numbers as words, symbols dropped), so a screen's text can be passed as
 * it is.
 *
 * espeak-ng keeps its state in globals of its own (the one exception to "no
 * mutable globals", and not ours to change): there is ONE hl_tts_t per
 * process, opened, used and closed by ONE thread (the kiosk's speech
 * worker; `hailong speak` and the tests on their main thread). A second
 * hl_tts_t open at the same time, or calls from two threads, are undefined.
 * hl_tts_say blocks until the text is synthesised or stopped (faster than
 * it plays: see the figure test_tts prints), so the event loop never
 * calls it itself.
 *
 * espeak-ng itself is set up by the first hl_tts_open of the process and
 * stays until the process ends (espeak-ng 1.51 cannot be ended and set up
 * again: its second espeak_ng_Terminate deadlocks): hl_tts_close frees the
 * hl_tts_t only, a later hl_tts_open reuses espeak and its data folder. The
 * same text does not give the same samples twice (espeak varies the pitch a
 * little, "flutter", from a counter that runs on): compare sounds by their
 * length and loudness, never sample for sample.
 */
#ifndef HL_TTS_H
#define HL_TTS_H

#include "hl_err.h"
#include "hl_lang.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_TTS_RATE        22050 /* samples a second of every PCM here: espeak-ng's native rate */
#define HL_TTS_WPM_DEFAULT 175   /* words a minute when rate_wpm is 0 (espeak's normal) */
#define HL_TTS_WPM_MIN     80    /* slowest rate espeak accepts */
#define HL_TTS_WPM_MAX     450   /* fastest */
#define HL_TTS_TEXT_MAX    4096  /* bytes of text one hl_tts_say takes, at most */

/* What a PCM callback answers. */
enum { HL_PCM_GO = 0, HL_PCM_STOP = 1 };

/* Receives n (>= 1) samples of 16-bit mono PCM at HL_TTS_RATE, valid during
 * the call only; returns HL_PCM_GO for more, HL_PCM_STOP to end there. */
typedef int (*hl_pcm_sink_fn)(void *ctx, const int16_t *pcm, size_t n);

/* The synthesiser: espeak-ng set up for synchronous synthesis to a callback. */
typedef struct hl_tts {
    bool open;                /* hl_tts_open succeeded and hl_tts_close was not called */
    bool busy;                /* inside hl_tts_say (the sink must not call it again) */
    int voice;                /* the hl_lang_t whose voice espeak has set, -1 none */
    hl_pcm_sink_fn sink;      /* the running say's callback */
    void *sink_ctx;           /* its context */
    bool stopped;             /* the last say was stopped by its sink */
    size_t samples;           /* samples the last say handed to its sink */
    char *text;               /* normalized text, HL_SAY_SIZE(HL_TTS_TEXT_MAX) bytes (owned) */
    char data_path[PATH_MAX]; /* the espeak-ng data folder given to open, "" the system's */
} hl_tts_t;

/* Opens t (zeroed, {0}, or closed) for synthesis. data_path: the folder
 * holding espeak-ng-data (or that folder itself); NULL for the system's
 * ($ESPEAK_DATA_PATH, else the package's). Sets espeak up when this is the
 * process's first open (later ones reuse it: a data_path other than the
 * first is HL_ERR_STATE), checks that both voices (vi, en) are there and
 * that espeak synthesises at HL_TTS_RATE. Codes: HL_ERR_NOT_FOUND (no data,
 * no voice: the message names the package to install), HL_ERR_STATE
 * (already open; another data folder), HL_ERR_NOMEM, HL_ERR_INTERNAL
 * (espeak failed). */
int hl_tts_open(hl_tts_t *t, const char *data_path, hl_err_t *err);

/* Synthesises utf8 (hl_say_normalize'd first) in lang's voice at rate_wpm
 * words a minute (0: HL_TTS_WPM_DEFAULT; else HL_TTS_WPM_MIN..MAX), handing
 * the sound to sink(ctx, ...) until done or the sink answers HL_PCM_STOP
 * (then t->stopped). HL_OK in both cases; t->samples counts what the sink
 * got. A text with nothing to say (only symbols) calls no sink and is
 * HL_OK. Codes: HL_ERR_USAGE (unknown lang, rate out of range, no sink,
 * text longer than HL_TTS_TEXT_MAX bytes), HL_ERR_INVALID (not UTF-8),
 * HL_ERR_STATE (not open, or called from its own sink), HL_ERR_INTERNAL
 * (espeak failed). */
int hl_tts_say(hl_tts_t *t, hl_lang_t lang, const char *utf8, int rate_wpm, hl_pcm_sink_fn sink,
               void *ctx, hl_err_t *err);

/* What hl_tts_say would say, as phonemes instead of sound: utf8
 * hl_say_normalize'd, then espeak-ng's espeak_TextToPhonemes in lang's
 * voice, one line per clause, into out (size bytes, NUL-terminated). ipa
 * false: espeak's ASCII names, a stress mark (' or ,) before each
 * syllable's vowel and a Vietnamese tone as a digit after the vowel (2
 * huyền, 3 sắc, 4 hỏi, 5 ngã, 6 nặng; none, 1 or 7 for the level tone):
 * "một hai" is "m'o6t[_| h'a:j_|"; ipa true: IPA ("mˈo6t̪ hˈaːj"). A word
 * espeak reads in another language is marked the way espeak marks it:
 * "(en)'INglIS(vi)". For checking what a text will sound like (tests; no
 * sound is made). Same threads rule as hl_tts_say. Codes: those of
 * hl_tts_say, and HL_ERR_FULL (out "") when out is too small. */
int hl_tts_phonemes(hl_tts_t *t, hl_lang_t lang, const char *utf8, bool ipa, char *out, size_t size,
                    hl_err_t *err);

/* Frees what open made (espeak stays set up: see above); safe on a closed
 * or zeroed t. */
void hl_tts_close(hl_tts_t *t);

#endif
