/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fixture_speech.h: the set-up the speech tests share (test_tts,
 * test_say, test_wav), written once: a sound's loudness and length; the
 * synthesiser opened on the system's voices with a sound to say into
 * (espeak-ng is set up by the process's first open and never ended, since
 * espeak-ng 1.51 hangs on a second espeak_ng_Terminate: hl_tts.h; every
 * later open reuses it, so each test opens and closes its own); and every
 * text the kiosk says of the bundled surveys (the JSON files in assets/surveys): their
 * own texts, and the screens' words (hl_ui_speech) on every screen and for
 * every target, walked through in both languages as a citizen would answer
 * (once with each question's first option, once with its last, so that
 * questions asked only after a low rating are said too). No SDL.
 */
#ifndef HL_FIXTURE_SPEECH_H
#define HL_FIXTURE_SPEECH_H

#include "hl_lang.h"
#include "hl_tts.h"
#include "hl_wav.h"

#include <stdbool.h>
#include <stddef.h>

#define HL_FIXTURE_SILENCE_RMS 300.0 /* speech is far louder (about 3000); silence is 0 */

/* The loudness of p: the RMS of its samples (0 for none). */
double hl_fixture_rms(const hl_pcm_t *p);

/* p's length in seconds at HL_TTS_RATE. */
double hl_fixture_seconds(const hl_pcm_t *p);

/* A synthesiser and what it said last. */
typedef struct hl_fixture_tts {
    hl_tts_t t;   /* open on the system's voices */
    hl_pcm_t p;   /* the sound of the last hl_fixture_tts_say */
    hl_err_t err; /* the last failed call's message */
} hl_fixture_tts_t;

/* Opens x->t on the system's voices (x zeroed first); a failure fails the
 * test at file:line and returns false. */
bool hl_fixture_tts_open_at(hl_fixture_tts_t *x, const char *file, int line);
#define hl_fixture_tts_open(x) hl_fixture_tts_open_at(x, __FILE__, __LINE__)

/* Says text in lang at wpm (0: the default) into x->p (emptied first);
 * hl_tts_say's code, its message printed on stderr when not HL_OK. */
int hl_fixture_tts_say(hl_fixture_tts_t *x, hl_lang_t lang, const char *text, int wpm);

/* Frees the sound and closes the synthesiser. */
void hl_fixture_tts_close(hl_fixture_tts_t *x);

/* ---- Every text the kiosk says of the bundled surveys ------------------- */

/* One text, as the kiosk hands it to synthesis (before hl_say; a recorded
 * voice's reference, hl_ui_speech.h, by the words said in its place). */
typedef struct hl_fixture_said {
    hl_lang_t lang;  /* the voice it is said in */
    char *text;      /* malloc'd */
    char where[128]; /* where it was first met: "sipas-mot-cua.json screen 3: next" */
} hl_fixture_said_t;

typedef struct hl_fixture_texts {
    hl_fixture_said_t *v; /* the texts, each (lang, text) once */
    size_t n, cap;        /* held, allocated */
    size_t surveys;       /* bundled surveys read */
    size_t screens;       /* screens said (walks together) */
} hl_fixture_texts_t;

/* Fills out (zeroed) with every text of the bundled surveys and every text
 * the screens say walking through them (each screen, each target on it,
 * the keyboard's both pages and capitals, digits typed, "still there?",
 * out of service, the thanks with follow-up codes using every symbol of
 * HL_FOLLOWUP_ALPHABET, the keys' help), in both languages. A survey that
 * does not load, or a walk that gets stuck, fails the test. */
void hl_fixture_speech_texts(hl_fixture_texts_t *out);

void hl_fixture_texts_free(hl_fixture_texts_t *t);

#endif
