/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_voice.h: the kiosk's voice: a worker thread that says what the screen
 * says, from two sources: a survey's recorded human voice for a text where
 * it has one (a WAV file, read and decoded with hl_wav on the worker), else
 * synthesis (hl_tts, espeak-ng); it hands the sound to the audio output
 * (hl_audio.h), so that neither reading nor synthesis blocks the event loop.
 *
 * A request's text is hl_ui_speech's: words to synthesise with recording
 * references between them (HL_SPEECH_REC_OPEN path HL_SPEECH_REC_WORDS
 * words HL_SPEECH_REC_CLOSE, hl_ui_speech.h). The pieces are played in
 * order as one utterance. A recording that cannot be played (missing,
 * not a WAV hailong plays) is said by synthesis of its words instead, and
 * logged once on stderr (the journal): the voice remembers it and does not
 * read it again. The capture's log (hl_audio_begin's text) shows each
 * reference as "[PATH] words", so a test sees which recordings were asked
 * for.
 *
 * One request at a time, the latest wins: hl_voice_say replaces what is
 * waiting and stops what is being said (the citizen acted, the screen
 * changed); hl_voice_stop silences it. Requests are stamped with the
 * kiosk's clock, so a capture places them where the kiosk asked. The text
 * buffers are allocated at open and a recording's file is read into a
 * buffer kept for the next (grown to the largest read): nothing grows per
 * request (hl_wav_parse allocates each recording's decoded samples, freed
 * once it is played).
 */
#ifndef HL_VOICE_H
#define HL_VOICE_H

#include "hl_audio.h"
#include "hl_diag.h"
#include "hl_err.h"
#include "hl_lang.h"
#include "hl_survey.h"

#include <stdbool.h>
#include <stdint.h>

#define HL_VOICE_TEXT_MAX 8192 /* bytes of one request's text (a whole screen) */

typedef struct hl_voice hl_voice_t;

/* Opens espeak-ng (hl_tts) and starts the worker, speaking into audio (not
 * owned; outlives the voice) at rate_wpm (0: the default). HL_ERR_NOT_FOUND
 * with what to install when espeak-ng's data is missing. */
int hl_voice_open(hl_voice_t **out, hl_audio_t *audio, int rate_wpm, hl_err_t *err);

/* Says text (hl_ui_speech's, recordings referenced) in lang from at_ms (the
 * kiosk's clock): what was being said stops. The text is copied (cut at
 * HL_VOICE_TEXT_MAX bytes). */
void hl_voice_say(hl_voice_t *v, int64_t at_ms, hl_lang_t lang, const char *text);

/* Stops what is being said and drops what waits, at at_ms. */
void hl_voice_stop(hl_voice_t *v, int64_t at_ms);

/* Blocks until nothing waits and nothing is being synthesised (scripted
 * runs: the capture then holds what was asked for before the next step). */
void hl_voice_wait(hl_voice_t *v);

/* Utterances asked for since open (for tests and the journal). */
long hl_voice_count(hl_voice_t *v);

/* Reads and decodes every recording of s (hl_wav_read: WAV PCM 16-bit,
 * mono or stereo, 8 to 48 kHz, at most 60 s) and appends a diagnostic for
 * each that cannot be played, at its place in s->file ("the recording
 * cannot be played: FILE: why and what to do"): what `hailong check`, an
 * install and the kiosk's start say. A file named for several texts is
 * decoded once and told once, at its first place. Returns how many files
 * cannot be played. */
size_t hl_voice_check_recordings(const hl_survey_t *s, hl_diags_t *d);

/* Stops the worker and closes espeak-ng; NULL is fine. */
void hl_voice_close(hl_voice_t *v);

#endif
