/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_tts.c: espeak-ng driven in its synchronous mode (ENOUTPUT_MODE_
 * SYNCHRONOUS: espeak_ng_Synthesize returns when the text is spoken, the
 * sound handed to a callback chunk by chunk). espeak's callback carries no
 * context of its own: the hl_tts_t travels as the message's user_data and
 * comes back in each callback's event list. espeak's errors (status codes)
 * become hl_rc codes with espeak's own words and what to install.
 * hl_tts_phonemes asks espeak_TextToPhonemes for the same normalized text,
 * clause by clause, so that tests can check what espeak would say.
 *
 * espeak is set up once per process and never ended: in espeak-ng 1.51,
 * espeak_ng_Terminate leaves the flag "a command is running" of its command
 * thread set, so after a second espeak_ng_Initialize the next
 * espeak_ng_Terminate waits for that thread forever (seen here: two
 * open/close cycles hang). The process's exit frees it.
 */
#include "hl_tts.h"

#include "hl_say.h"

#include <espeak-ng/espeak_ng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(sizeof(short) == sizeof(int16_t), "espeak's samples are 16-bit");

#define TTS_TEXT_BYTES HL_SAY_SIZE(HL_TTS_TEXT_MAX) /* t->text's size */

static const char *const voice_name[HL_LANG_COUNT] = {[HL_LANG_VI] = "vi", [HL_LANG_EN] = "en"};
static const char *const voice_title[HL_LANG_COUNT] = {
    [HL_LANG_VI] = "Vietnamese", [HL_LANG_EN] = "English"};

static const char install_hint[] =
    "install the package espeak-ng-data (apt install espeak-ng-data), or set ESPEAK_DATA_PATH "
    "to the folder holding espeak-ng-data";

/* espeak's words for status s. */
static void status_text(espeak_ng_STATUS s, char *buf, size_t n)
{
    buf[0] = '\0';
    espeak_ng_GetStatusCodeMessage(s, buf, n);
    if (!buf[0]) snprintf(buf, n, "status 0x%x", (unsigned)s);
}

/* The same test espeak makes: dir/espeak-ng-data or dir itself holding
 * phontab (without it espeak falls back to other folders, or crashes). */
static bool data_in(const char *dir)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/espeak-ng-data/phontab", dir);
    if (access(p, R_OK) == 0) return true;
    snprintf(p, sizeof p, "%s/phontab", dir);
    return access(p, R_OK) == 0;
}

/* espeak's synth callback: wav NULL at the end; n may be 0. Returns 1 to
 * stop synthesis. */
static int synth_cb(short *wav, int n, espeak_EVENT *events)
{
    hl_tts_t *t = events ? events->user_data : NULL;
    if (!t || !t->sink) return 1;
    if (!wav || n <= 0) return 0;
    if (t->stopped) return 1;
    t->samples += (size_t)n;
    if (t->sink(t->sink_ctx, (const int16_t *)wav, (size_t)n) == HL_PCM_GO) return 0;
    t->stopped = true;
    return 1;
}

/* The folder espeak reads its data from ("" before any). */
static const char *espeak_data(void)
{
    const char *path = NULL;
    espeak_Info(&path);
    return path ? path : "";
}

static int set_voice(hl_tts_t *t, hl_lang_t lang, hl_err_t *err)
{
    espeak_ng_STATUS s = espeak_ng_SetVoiceByName(voice_name[lang]);
    if (s != ENS_OK) {
        char why[200];
        status_text(s, why, sizeof why);
        t->voice = -1;
        return hl_err_set(err, s == ENS_VOICE_NOT_FOUND ? HL_ERR_NOT_FOUND : HL_ERR_INTERNAL,
                          "espeak-ng has no %s voice (\"%s\") in its data at %s: %s (%s)",
                          voice_title[lang], voice_name[lang], espeak_data(), why, install_hint);
    }
    t->voice = (int)lang;
    return HL_OK;
}

/* Whether espeak already reads its data from dir (dir/espeak-ng-data, or dir). */
static bool espeak_reads(const char *dir)
{
    char sub[PATH_MAX + 32];
    snprintf(sub, sizeof sub, "%s/espeak-ng-data", dir);
    return !strcmp(espeak_data(), sub) || !strcmp(espeak_data(), dir);
}

/* Sets espeak up the first time in the process (its sample rate is 0 until
 * then); a later open reuses it (see hl_tts.h). */
static int espeak_start(const char *data_path, hl_err_t *err)
{
    char why[200];
    if (espeak_ng_GetSampleRate() != 0) {
        if (!data_path || espeak_reads(data_path)) return HL_OK;
        return hl_err_set(err, HL_ERR_STATE,
                          "espeak-ng was set up from %s in this process and cannot be set up "
                          "again from %s: give every hl_tts_open of a process the same folder",
                          espeak_data(), data_path);
    }
    espeak_ng_InitializePath(data_path);
    espeak_ng_ERROR_CONTEXT ctx = NULL;
    espeak_ng_STATUS s = espeak_ng_Initialize(&ctx);
    espeak_ng_ClearErrorContext(&ctx);
    if (s == ENS_OK) return HL_OK;
    status_text(s, why, sizeof why);
    return hl_err_set(err,
                      (s & ENS_GROUP_MASK) == ENS_GROUP_ERRNO ? HL_ERR_NOT_FOUND : HL_ERR_INTERNAL,
                      "espeak-ng cannot start from %s: %s (%s)",
                      espeak_data()[0] ? espeak_data() : "its data folder", why, install_hint);
}

int hl_tts_open(hl_tts_t *t, const char *data_path, hl_err_t *err)
{
    if (t->open) return hl_err_set(err, HL_ERR_STATE, "speech synthesis is already open");
    memset(t, 0, sizeof *t);
    t->voice = -1;
    if (data_path) {
        if (strlen(data_path) >= sizeof t->data_path || !data_in(data_path))
            return hl_err_set(err, HL_ERR_NOT_FOUND,
                              "%s: no espeak-ng data there (neither espeak-ng-data/phontab nor "
                              "phontab): give the folder that holds espeak-ng-data, or none for "
                              "the system's (%s)",
                              data_path, install_hint);
        snprintf(t->data_path, sizeof t->data_path, "%s", data_path);
    }
    t->text = malloc(TTS_TEXT_BYTES);
    if (!t->text) return hl_err_set(err, HL_ERR_NOMEM, "out of memory for speech synthesis");
    int rc = espeak_start(data_path, err);
    espeak_ng_STATUS s =
        rc == HL_OK ? espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL) : ENS_OK;
    if (s != ENS_OK) {
        char why[200];
        status_text(s, why, sizeof why);
        rc = hl_err_set(err, HL_ERR_INTERNAL, "espeak-ng cannot synthesise to memory: %s", why);
    } else if (rc == HL_OK && espeak_ng_GetSampleRate() != HL_TTS_RATE) {
        rc = hl_err_set(err, HL_ERR_INTERNAL,
                        "espeak-ng synthesises at %d Hz, hailong expects %d Hz: voice data of "
                        "another build? (%s)",
                        espeak_ng_GetSampleRate(), HL_TTS_RATE, install_hint);
    }
    if (rc == HL_OK) espeak_SetSynthCallback(synth_cb);
    for (int l = 0; rc == HL_OK && l < HL_LANG_COUNT; l++)
        rc = set_voice(t, (hl_lang_t)l, err);
    if (rc != HL_OK) {
        free(t->text);
        t->text = NULL;
        return rc;
    }
    t->open = true;
    return HL_OK;
}

/* What hl_tts_say and hl_tts_phonemes check first (wpm 0: no rate), then
 * utf8 normalized into t->text with lang's voice set. */
static int tts_prepare(hl_tts_t *t, hl_lang_t lang, const char *utf8, bool have_sink, int wpm,
                       hl_err_t *err)
{
    if (!t->open) return hl_err_set(err, HL_ERR_STATE, "speech synthesis is not open");
    if (t->busy)
        return hl_err_set(err, HL_ERR_STATE, "hl_tts_say called from its own sound callback");
    if (lang < 0 || lang >= HL_LANG_COUNT)
        return hl_err_set(err, HL_ERR_USAGE, "no voice for language %d", (int)lang);
    if (!have_sink || !utf8) return hl_err_set(err, HL_ERR_USAGE, "no text or no sound callback");
    if (wpm && (wpm < HL_TTS_WPM_MIN || wpm > HL_TTS_WPM_MAX))
        return hl_err_set(err, HL_ERR_USAGE, "speech rate %d words a minute is not within %d-%d",
                          wpm, HL_TTS_WPM_MIN, HL_TTS_WPM_MAX);
    size_t len = strlen(utf8);
    if (len > HL_TTS_TEXT_MAX)
        return hl_err_set(err, HL_ERR_USAGE,
                          "a text of %zu bytes is too long to speak (at most %d)", len,
                          HL_TTS_TEXT_MAX);
    int rc = hl_say_normalize(lang, utf8, t->text, TTS_TEXT_BYTES);
    if (rc == HL_ERR_INVALID) return hl_err_set(err, rc, "the text to speak is not UTF-8");
    if (rc != HL_OK)
        return hl_err_set(err, HL_ERR_INTERNAL, "the text to speak did not fit its buffer (%s)",
                          hl_rc_name(rc));
    if (t->text[0] && t->voice != (int)lang) return set_voice(t, lang, err);
    return HL_OK;
}

int hl_tts_say(hl_tts_t *t, hl_lang_t lang, const char *utf8, int rate_wpm, hl_pcm_sink_fn sink,
               void *ctx, hl_err_t *err)
{
    int wpm = rate_wpm ? rate_wpm : HL_TTS_WPM_DEFAULT;
    int rc = tts_prepare(t, lang, utf8, sink != NULL, wpm, err);
    if (rc != HL_OK) return rc;
    t->stopped = false;
    t->samples = 0;
    if (!t->text[0]) return HL_OK;
    char why[200];
    espeak_ng_STATUS s = espeak_ng_SetParameter(espeakRATE, wpm, 0);
    if (s != ENS_OK) {
        status_text(s, why, sizeof why);
        return hl_err_set(err, HL_ERR_INTERNAL, "espeak-ng refused the rate %d: %s", wpm, why);
    }
    t->sink = sink;
    t->sink_ctx = ctx;
    t->busy = true;
    s = espeak_ng_Synthesize(t->text, strlen(t->text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
                             NULL, t);
    t->busy = false;
    t->sink = NULL;
    t->sink_ctx = NULL;
    if (s == ENS_OK || (s == ENS_SPEECH_STOPPED && t->stopped)) return HL_OK;
    status_text(s, why, sizeof why);
    return hl_err_set(err, HL_ERR_INTERNAL, "espeak-ng failed to speak a %s text: %s",
                      voice_title[lang], why);
}

int hl_tts_phonemes(hl_tts_t *t, hl_lang_t lang, const char *utf8, bool ipa, char *out, size_t size,
                    hl_err_t *err)
{
    if (size) out[0] = '\0';
    int rc = tts_prepare(t, lang, utf8, true, 0, err);
    if (rc != HL_OK) return rc;
    size_t n = 0;
    const void *p = t->text[0] ? t->text : NULL;
    while (p) { /* espeak answers a clause at a time and moves p on (NULL at the end) */
        const char *ph = espeak_TextToPhonemes(&p, espeakCHARS_UTF8, ipa ? espeakPHONEMES_IPA : 0);
        size_t k = ph ? strlen(ph) : 0;
        if (n + k + 2 > size) {
            if (size) out[0] = '\0';
            return hl_err_set(err, HL_ERR_FULL,
                              "the phonemes of a %zu-byte text did not fit %zu bytes", strlen(utf8),
                              size);
        }
        if (n) out[n++] = '\n';
        memcpy(out + n, ph ? ph : "", k);
        n += k;
        out[n] = '\0';
    }
    return HL_OK;
}

void hl_tts_close(hl_tts_t *t)
{
    /* Not espeak_ng_Terminate: see hl_tts.h. */
    free(t->text);
    memset(t, 0, sizeof *t);
    t->voice = -1;
}
