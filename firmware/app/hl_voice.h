/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_voice.h: the kiosk's voice: a worker thread that synthesises what the
 * screen says (hl_tts, espeak-ng) and hands the sound to the audio output
 * (hl_audio.h), so that synthesis never blocks the event loop.
 *
 * One request at a time, the latest wins: hl_voice_say replaces what is
 * waiting and stops what is being said (the citizen acted, the screen
 * changed); hl_voice_stop silences it. Requests are stamped with the
 * kiosk's clock, so a capture places them where the kiosk asked. The text
 * buffer is allocated at open: nothing is allocated per request.
 */
#ifndef HL_VOICE_H
#define HL_VOICE_H

#include "hl_audio.h"
#include "hl_err.h"
#include "hl_lang.h"

#include <stdbool.h>
#include <stdint.h>

#define HL_VOICE_TEXT_MAX 8192 /* bytes of one request's text (a whole screen) */

typedef struct hl_voice hl_voice_t;

/* Opens espeak-ng (hl_tts) and starts the worker, speaking into audio (not
 * owned; outlives the voice) at rate_wpm (0: the default). HL_ERR_NOT_FOUND
 * with what to install when espeak-ng's data is missing. */
int hl_voice_open(hl_voice_t **out, hl_audio_t *audio, int rate_wpm, hl_err_t *err);

/* Says text in lang from at_ms (the kiosk's clock): what was being said
 * stops. The text is copied (cut at HL_VOICE_TEXT_MAX bytes). */
void hl_voice_say(hl_voice_t *v, int64_t at_ms, hl_lang_t lang, const char *text);

/* Stops what is being said and drops what waits, at at_ms. */
void hl_voice_stop(hl_voice_t *v, int64_t at_ms);

/* Blocks until nothing waits and nothing is being synthesised (scripted
 * runs: the capture then holds what was asked for before the next step). */
void hl_voice_wait(hl_voice_t *v);

/* Utterances asked for since open (for tests and the journal). */
long hl_voice_count(hl_voice_t *v);

/* Stops the worker and closes espeak-ng; NULL is fine. */
void hl_voice_close(hl_voice_t *v);

#endif
