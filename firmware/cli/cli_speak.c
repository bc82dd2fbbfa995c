/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_speak.c: `hailong speak --lang vi|en --out FILE.wav [--rate WPM]
 * TEXT...`: synthesises TEXT (its words joined by spaces) the way the kiosk
 * speaks it (hl_tts: espeak-ng after hl_say_normalize) and writes the sound
 * to a WAV file (hl_wav_write), printing the text spoken and how long it
 * lasts. For the province to check a survey's wording by ear on any
 * machine, and for the tests: it loads no config and no survey.
 */
#include "cli.h"
#include "hl_say.h"
#include "hl_tts.h"
#include "hl_wav.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEAK_MAX_SECONDS                                                                          \
    600 /* the longest sound speak writes (HL_TTS_TEXT_MAX bytes take ~4 min) */

static const char speak_usage[] =
    "usage: hailong speak --lang vi|en --out FILE.wav [--rate WPM] TEXT...\n"
    "\n"
    "Speaks TEXT (its words joined by spaces) with espeak-ng in the language's\n"
    "voice, the way the kiosk does: numbers, times and dates as words, symbols\n"
    "and emoji dropped (\"Câu 2/5\" is read \"Câu hai trên năm\"). Writes the sound\n"
    "to FILE.wav (16-bit PCM, mono, 22050 Hz) and prints the text spoken and how\n"
    "many seconds it lasts. Needs no config and no survey.\n"
    "  --lang vi|en  the voice: Vietnamese or English\n"
    "  --out FILE    the WAV file to write (replaced atomically)\n"
    "  --rate WPM    words a minute, 80 to 450 (default 175)\n"
    "Example: hailong speak --lang vi --out cau2.wav \"Câu 2/5: Ông/Bà hài lòng không?\"\n"
    "The voices come from the package espeak-ng-data ($ESPEAK_DATA_PATH overrides).\n"
    "Exit codes: 0 ok; 1 synthesis or writing failed; 2 usage (an unknown language,\n"
    "no --out, no TEXT, TEXT not UTF-8, longer than 4096 bytes or with nothing to say).\n";

static int usage_error(const char *what, const char *arg, const char *end)
{
    fprintf(stderr, "hailong speak: %s%s%s\n%s", what, arg ? arg : "", end ? end : "", speak_usage);
    return HL_EXIT_USAGE;
}

/* Checks the options; the text joined into *text (malloc'd). */
static int speak_args(const char *lang_name, const char *out, const char *rate_s,
                      const char **words, size_t n, hl_lang_t *lang, int *rate, char **text)
{
    if (!lang_name) return usage_error("say which voice: --lang vi|en", NULL, NULL);
    if (!hl_lang_parse(lang_name, lang))
        return usage_error("unknown language \"", lang_name, "\" (vi or en)");
    if (!out) return usage_error("say where to write the sound: --out FILE.wav", NULL, NULL);
    *rate = 0;
    if (rate_s) {
        char *end = NULL;
        long r = strtol(rate_s, &end, 10);
        if (!*rate_s || *end || r < HL_TTS_WPM_MIN || r > HL_TTS_WPM_MAX)
            return usage_error("--rate takes words a minute from 80 to 450, not \"", rate_s, "\"");
        *rate = (int)r;
    }
    if (n == 0) return usage_error("give the text to speak", NULL, NULL);
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(words[i]) + 1;
    if (total - 1 > HL_TTS_TEXT_MAX)
        return usage_error("TEXT is longer than 4096 bytes", NULL, NULL);
    *text = malloc(total);
    if (!*text) return HL_EXIT_FAIL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(*text + len, total - len, "%s%s", i ? " " : "", words[i]);
    if (!hl_utf8_valid(*text, len)) {
        free(*text);
        *text = NULL;
        return usage_error("TEXT is not UTF-8", NULL, NULL);
    }
    return HL_EXIT_OK;
}

/* Whether said has something to pronounce: a letter or a digit (any
 * non-ASCII byte is part of a letter here: hl_say keeps letters and drops
 * other symbols), not only pauses. */
static bool speak_has_words(const char *said)
{
    for (const unsigned char *p = (const unsigned char *)said; *p; p++)
        if (*p >= 0x80 || isalnum(*p)) return true;
    return false;
}

/* Synthesises text into a WAV at out; prints what was said and how long. */
static int speak(hl_lang_t lang, int rate, const char *text, const char *out)
{
    char *said = malloc(HL_SAY_SIZE(HL_TTS_TEXT_MAX));
    if (!said) return HL_EXIT_FAIL;
    int src = hl_say_normalize(lang, text, said, HL_SAY_SIZE(HL_TTS_TEXT_MAX));
    if (src != HL_OK || !speak_has_words(said)) {
        free(said);
        return usage_error("TEXT has nothing to say (only symbols or spaces)", NULL, NULL);
    }
    hl_tts_t tts = {0};
    hl_pcm_t pcm = {.max = (size_t)SPEAK_MAX_SECONDS * HL_TTS_RATE};
    hl_err_t err = {0};
    int rc = hl_tts_open(&tts, NULL, &err);
    if (rc == HL_OK) rc = hl_tts_say(&tts, lang, text, rate, hl_pcm_sink, &pcm, &err);
    hl_tts_close(&tts);
    if (rc == HL_OK && pcm.cut)
        rc = hl_err_set(&err, HL_ERR_NOMEM, "the speech is longer than %d s (or memory ran out)",
                        SPEAK_MAX_SECONDS);
    if (rc == HL_OK) rc = hl_wav_write(out, pcm.s, pcm.n, HL_TTS_RATE, &err);
    if (rc == HL_OK) {
        printf("text: %s\n%s: %.2f s\n", said, out, (double)pcm.n / HL_TTS_RATE);
    } else {
        fprintf(stderr, "hailong speak: %s\n", err.msg);
    }
    hl_pcm_free(&pcm);
    free(said);
    if (rc == HL_OK) return HL_EXIT_OK;
    return rc == HL_ERR_USAGE || rc == HL_ERR_INVALID ? HL_EXIT_USAGE : HL_EXIT_FAIL;
}

int hl_cli_speak(hl_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    const char *lang_name = NULL, *out = NULL, *rate_s = NULL;
    const char **words = calloc((size_t)argc, sizeof *words);
    size_t n = 0;
    if (!words) return HL_EXIT_FAIL;
    const hl_cli_opt_t opts[] = {
        {"--lang", NULL, &lang_name}, {"--out", NULL, &out}, {"--rate", NULL, &rate_s}};
    int rc = hl_cli_opts(argc, argv, speak_usage, opts, 3, words, &n);
    if (rc != HL_EXIT_OK) {
        free(words);
        return rc == HL_CLI_HELP ? HL_EXIT_OK : rc;
    }
    hl_lang_t lang = HL_LANG_VI;
    int rate = 0;
    char *text = NULL;
    rc = speak_args(lang_name, out, rate_s, words, n, &lang, &rate, &text);
    if (rc == HL_EXIT_OK) rc = speak(lang, rate, text, out);
    free(text);
    free(words);
    return rc;
}
