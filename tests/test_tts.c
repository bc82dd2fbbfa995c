/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_tts.c: synthesis with espeak-ng (firmware/speech/hl_tts.c): a
 * Vietnamese and an English sentence are speech of a plausible length,
 * stopped by its sink and spoken again after, two languages that sound
 * different, a slower rate longer, refusals with a code and a message, a
 * missing voice named with its package; what espeak would say of every
 * text the kiosk says of the bundled surveys (its phonemes: no digit left,
 * no switch out of Vietnamese, no word spelled letter by letter, the tones
 * and vowels as written; a short report printed); and `hailong speak`.
 * Prints how long a typical question takes to synthesise (median of 5),
 * never asserted. espeak-ng is set up once per process (hl_tts.h): each
 * test opens and closes its own hl_tts_t on it (hl_fixture_speech.h).
 */
#include "hl_fixture.h"
#include "hl_fixture_speech.h"
#include "hl_say.h"
#include "hl_test.h"
#include "hl_tts.h"
#include "hl_ui_speech.h"
#include "hl_wav.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VI_SENTENCE "Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hành chính hôm nay?"
#define EN_SENTENCE "How satisfied are you with the service you received today?"

/* ---- Synthesis ------------------------------------------------------------ */

static void test_a_vietnamese_and_an_english_sentence_are_speech_of_a_plausible_length(void)
{
    hl_fixture_tts_t x;
    if (!hl_fixture_tts_open(&x)) return;
    static const struct {
        hl_lang_t lang;
        const char *text;
        int words;
    } cases[] = {{HL_LANG_VI, VI_SENTENCE, 16}, {HL_LANG_EN, EN_SENTENCE, 10}};
    for (size_t i = 0; i < 2; i++) {
        CHECK_INT(hl_fixture_tts_say(&x, cases[i].lang, cases[i].text, 0), HL_OK);
        double expect = cases[i].words * 60.0 / HL_TTS_WPM_DEFAULT;
        printf("  %s: %.2f s (%d words at %d wpm: %.2f s), RMS %.0f\n", hl_lang_code(cases[i].lang),
               hl_fixture_seconds(&x.p), cases[i].words, HL_TTS_WPM_DEFAULT, expect,
               hl_fixture_rms(&x.p));
        CHECK(hl_fixture_rms(&x.p) > HL_FIXTURE_SILENCE_RMS);
        CHECK(hl_fixture_seconds(&x.p) > expect / 3 && hl_fixture_seconds(&x.p) < expect * 3);
        CHECK(!x.t.stopped);
        CHECK_INT(x.t.samples, x.p.n);
    }
    hl_fixture_tts_close(&x);
}

/* A sink that stops once it holds at least half a second. */
static int stop_after_half_a_second(void *ctx, const int16_t *pcm, size_t n)
{
    hl_pcm_sink(ctx, pcm, n);
    return ((hl_pcm_t *)ctx)->n >= HL_TTS_RATE / 2 ? HL_PCM_STOP : HL_PCM_GO;
}

static void test_synthesis_stops_when_the_sink_says_stop_and_speaks_again_after(void)
{
    hl_fixture_tts_t x;
    hl_pcm_t whole = {0}, cut = {0};
    if (!hl_fixture_tts_open(&x)) return;
    CHECK_INT(hl_fixture_tts_say(&x, HL_LANG_VI, VI_SENTENCE, 0), HL_OK);
    whole = x.p;
    x.p = (hl_pcm_t){0};
    CHECK_INT(hl_tts_say(&x.t, HL_LANG_VI, VI_SENTENCE, 0, stop_after_half_a_second, &cut, &x.err),
              HL_OK);
    CHECK(x.t.stopped);
    CHECK_INT(x.t.samples, cut.n);
    /* Stopped within one chunk (at most about 60 ms) of the half second. */
    CHECK(cut.n >= HL_TTS_RATE / 2 && cut.n < HL_TTS_RATE / 2 + HL_TTS_RATE / 10);
    CHECK(cut.n < whole.n / 2);
    /* Then the whole sentence again (within 2%: espeak's pitch flutter
     * varies the samples a little from one say to the next). */
    CHECK_INT(hl_fixture_tts_say(&x, HL_LANG_VI, VI_SENTENCE, 0), HL_OK);
    CHECK(!x.t.stopped);
    CHECK(x.p.n > whole.n * 49 / 50 && x.p.n < whole.n * 51 / 50);
    CHECK(hl_fixture_rms(&x.p) > HL_FIXTURE_SILENCE_RMS);
    hl_pcm_free(&whole);
    hl_pcm_free(&cut);
    hl_fixture_tts_close(&x);
}

/* How far apart two sounds' loudness envelopes are (RMS of 20 ms frames):
 * 0 the same, 1 nothing in common. */
static double envelope_distance(const hl_pcm_t *a, const hl_pcm_t *b)
{
    size_t frame = HL_TTS_RATE / 50, na = a->n / frame, nb = b->n / frame;
    double diff = 0, sum = 0;
    for (size_t f = 0; f < (na > nb ? na : nb); f++) {
        double ea = 0, eb = 0;
        for (size_t i = f * frame; i < (f + 1) * frame; i++) {
            if (f < na) ea += (double)a->s[i] * a->s[i];
            if (f < nb) eb += (double)b->s[i] * b->s[i];
        }
        ea = sqrt(ea / (double)frame), eb = sqrt(eb / (double)frame);
        diff += fabs(ea - eb);
        sum += ea + eb;
    }
    return sum > 0 ? diff / sum : 0;
}

static void test_the_two_languages_sound_different(void)
{
    hl_fixture_tts_t x;
    hl_pcm_t vi = {0}, vi2 = {0}, en = {0};
    if (!hl_fixture_tts_open(&x)) return;
    /* The same letters in both voices, and in Vietnamese twice. */
    static const char text[] = "Bình thường, ba, hai, một";
    hl_pcm_t *into[3] = {&vi, &en, &vi2};
    static const hl_lang_t langs[3] = {HL_LANG_VI, HL_LANG_EN, HL_LANG_VI};
    for (int i = 0; i < 3; i++) {
        CHECK_INT(hl_fixture_tts_say(&x, langs[i], text, 0), HL_OK);
        *into[i] = x.p;
        x.p = (hl_pcm_t){0};
    }
    CHECK(hl_fixture_rms(&vi) > HL_FIXTURE_SILENCE_RMS &&
          hl_fixture_rms(&en) > HL_FIXTURE_SILENCE_RMS);
    double same = envelope_distance(&vi, &vi2), other = envelope_distance(&vi, &en);
    printf("  vi %.2f s, again %.2f s, en %.2f s; envelope distance vi-vi %.3f, vi-en %.3f\n",
           hl_fixture_seconds(&vi), hl_fixture_seconds(&vi2), hl_fixture_seconds(&en), same, other);
    CHECK(other > 0.2);
    CHECK(other > 3 * same);
    hl_pcm_free(&vi);
    hl_pcm_free(&vi2);
    hl_pcm_free(&en);
    hl_fixture_tts_close(&x);
}

static void test_a_slower_rate_speaks_longer(void)
{
    hl_fixture_tts_t x;
    if (!hl_fixture_tts_open(&x)) return;
    CHECK_INT(hl_fixture_tts_say(&x, HL_LANG_EN, EN_SENTENCE, 100), HL_OK);
    double slow = hl_fixture_seconds(&x.p);
    CHECK_INT(hl_fixture_tts_say(&x, HL_LANG_EN, EN_SENTENCE, 300), HL_OK);
    double fast = hl_fixture_seconds(&x.p);
    printf("  100 wpm %.2f s, 300 wpm %.2f s\n", slow, fast);
    CHECK(slow > 1.8 * fast);
    hl_fixture_tts_close(&x);
}

/* A sink that calls hl_tts_say again (refused) and records the code. */
typedef struct reenter {
    hl_tts_t *t; /* the synthesiser */
    int rc;      /* what the inner call answered */
} reenter_t;

static int null_sink(void *ctx, const int16_t *pcm, size_t n)
{
    (void)ctx, (void)pcm, (void)n;
    return HL_PCM_GO;
}

static int reenter_sink(void *ctx, const int16_t *pcm, size_t n)
{
    (void)pcm, (void)n;
    reenter_t *r = ctx;
    hl_err_t err = {0};
    r->rc = hl_tts_say(r->t, HL_LANG_VI, "một", 0, null_sink, NULL, &err);
    return HL_PCM_STOP;
}

static void test_synthesis_refuses_bad_calls_with_a_code_and_a_message(void)
{
    hl_tts_t closed = {0};
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_tts_say(&closed, HL_LANG_VI, "một", 0, hl_pcm_sink, &p, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "not open");
    hl_fixture_tts_t x;
    if (!hl_fixture_tts_open(&x)) return;
    hl_tts_t *t = &x.t;
    CHECK_INT(hl_tts_open(t, NULL, &err), HL_ERR_STATE);
    CHECK_INT(hl_tts_say(t, (hl_lang_t)5, "một", 0, hl_pcm_sink, &p, &err), HL_ERR_USAGE);
    CHECK_INT(hl_tts_say(t, HL_LANG_VI, "một", 50, hl_pcm_sink, &p, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "80-450");
    CHECK_INT(hl_tts_say(t, HL_LANG_VI, "một", 0, NULL, &p, &err), HL_ERR_USAGE);
    CHECK_INT(hl_tts_say(t, HL_LANG_VI, "a\xFF", 0, hl_pcm_sink, &p, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "UTF-8");
    char *longtext = malloc(HL_TTS_TEXT_MAX + 2);
    if (longtext) {
        memset(longtext, 'a', HL_TTS_TEXT_MAX + 1);
        longtext[HL_TTS_TEXT_MAX + 1] = '\0';
        CHECK_INT(hl_tts_say(t, HL_LANG_EN, longtext, 0, hl_pcm_sink, &p, &err), HL_ERR_USAGE);
        CHECK_CONTAINS(err.msg, "too long");
        free(longtext);
    }
    /* Nothing to say: no sound, no error. */
    CHECK_INT(hl_tts_say(t, HL_LANG_VI, "😀 ★ #", 0, hl_pcm_sink, &p, &err), HL_OK);
    CHECK_INT(p.n, 0);
    CHECK_INT(t->samples, 0);
    /* From its own sink. */
    reenter_t r = {t, HL_OK};
    CHECK_INT(hl_tts_say(t, HL_LANG_VI, "một hai ba", 0, reenter_sink, &r, &err), HL_OK);
    CHECK_INT(r.rc, HL_ERR_STATE);
    /* Still works. */
    CHECK_INT(hl_fixture_tts_say(&x, HL_LANG_VI, "một hai ba", 0), HL_OK);
    CHECK(hl_fixture_rms(&x.p) > HL_FIXTURE_SILENCE_RMS);
    hl_pcm_free(&p);
    hl_fixture_tts_close(&x);
    hl_tts_close(t); /* twice is harmless */
}

/* The system's espeak-ng-data folder, or NULL. */
static const char *system_espeak_data(void)
{
    /* This program's own architecture first: under qemu (the arm64 run) the
     * build machine's folder is there too. */
    static const char *const dirs[] = {
#if defined(__aarch64__)
        "/usr/lib/aarch64-linux-gnu/espeak-ng-data",
#elif defined(__arm__)
        "/usr/lib/arm-linux-gnueabihf/espeak-ng-data",
#endif
        "/usr/lib/x86_64-linux-gnu/espeak-ng-data",
        "/usr/lib/aarch64-linux-gnu/espeak-ng-data",
        "/usr/lib/arm-linux-gnueabihf/espeak-ng-data",
        "/usr/share/espeak-ng-data"
    };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s/phontab", dirs[i]);
        if (access(p, R_OK) == 0) return dirs[i];
    }
    return NULL;
}

static void link_in(const char *from_dir, const char *name, const char *to_dir)
{
    char src[PATH_MAX], dst[PATH_MAX];
    int a = snprintf(src, sizeof src, "%s/%s", from_dir, name);
    int b = snprintf(dst, sizeof dst, "%s/%s", to_dir, name);
    CHECK(a > 0 && (size_t)a < sizeof src && b > 0 && (size_t)b < sizeof dst);
    CHECK(symlink(src, dst) == 0);
}

static void test_missing_voice_data_names_the_package_to_install(void)
{
    hl_tts_t t = {0};
    hl_err_t err = {0};
    char *dir = hl_test_tmpdir("speech-data");
    CHECK_INT(hl_tts_open(&t, dir, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, dir);
    CHECK_CONTAINS(err.msg, "espeak-ng-data");
    CHECK(!t.open);
    /* espeak's data without the Vietnamese voice: English only. */
    const char *sys = system_espeak_data();
    if (!sys) {
        printf("  skipped the voice check: no espeak-ng-data found\n");
        hl_fixture_rm(dir);
        return;
    }
    char data[512], lang[520];
    snprintf(data, sizeof data, "%s/espeak-ng-data", dir);
    snprintf(lang, sizeof lang, "%s/lang", data);
    CHECK(mkdir(data, 0755) == 0 && mkdir(lang, 0755) == 0);
    static const char *const files[] = {"phontab", "phonindex", "phondata", "intonations",
                                        "en_dict"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        link_in(sys, files[i], data);
    char syslang[512];
    snprintf(syslang, sizeof syslang, "%s/lang", sys);
    link_in(syslang, "gmw", lang);
    /* A fresh process set up from it (hailong speak, $ESPEAK_DATA_PATH)
     * names the voice and the package. */
    char *out = hl_fixture_path(dir, "x.wav"), env_data[600];
    snprintf(env_data, sizeof env_data, "ESPEAK_DATA_PATH=%s", dir);
    const char *const env[] = {"HAILONG_CONFIG=/nonexistent/hailong.json", env_data, NULL};
    hl_fixture_expect(
        __FILE__, __LINE__,
        (const char *const[]){HL_BIN, "speak", "--lang", "en", "--out", out, "hello", NULL}, env, 1,
        NULL, "no Vietnamese voice (\"vi\") in its data at", NULL, NULL);
    hl_fixture_expect(
        __FILE__, __LINE__,
        (const char *const[]){HL_BIN, "speak", "--lang", "en", "--out", out, "hello", NULL}, env, 1,
        NULL, "apt install espeak-ng-data", NULL, NULL);
    CHECK(access(out, F_OK) != 0);
    /* In this process espeak is set up from the system's data: another
     * folder is refused, the same one (or none) reused. */
    hl_fixture_tts_t x;
    if (hl_fixture_tts_open(&x)) hl_fixture_tts_close(&x);
    CHECK_INT(hl_tts_open(&t, dir, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "cannot be set up again");
    CHECK(!t.open);
    CHECK_INT(hl_tts_open(&t, NULL, &err), HL_OK); /* the system's: the one set up */
    hl_tts_close(&t);
    free(out);
    hl_fixture_rm(dir);
}

static void test_every_text_of_the_bundled_survey_is_spoken_in_both_languages(void)
{
    hl_survey_t *s = hl_fixture_survey(HL_FIXTURE_SIPAS);
    hl_fixture_tts_t x;
    if (!hl_fixture_tts_open(&x)) {
        hl_survey_free(s);
        return;
    }
    size_t texts = 0;
    double total = 0;
    for (int l = 0; l < HL_LANG_COUNT; l++) {
        for (size_t q = 0; q < s->n_questions; q++) {
            const hl_question_t *qu = &s->questions[q];
            for (size_t o = 0; o <= qu->n_options; o++) {
                const char *text = o == 0 ? hl_text_get(&qu->text, (hl_lang_t)l)
                                          : hl_text_get(&qu->options[o - 1].label, (hl_lang_t)l);
                if (!text[0]) continue;
                int rc = hl_fixture_tts_say(&x, (hl_lang_t)l, text, 0);
                if (rc != HL_OK || hl_fixture_rms(&x.p) < HL_FIXTURE_SILENCE_RMS)
                    hl_test_fail(__FILE__, __LINE__, "%s \"%s\": rc %d, RMS %.0f",
                                 hl_lang_code((hl_lang_t)l), text, rc, hl_fixture_rms(&x.p));
                texts++;
                total += hl_fixture_seconds(&x.p);
            }
        }
    }
    printf("  %zu texts, %.1f s of speech\n", texts, total);
    CHECK(texts > 20);
    hl_fixture_tts_close(&x);
    hl_survey_free(s);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A figure for the team's notes (printed, never asserted). */
static void test_print_how_long_a_typical_question_takes_to_synthesise(void)
{
    hl_fixture_tts_t x;
    if (!hl_fixture_tts_open(&x)) return;
    static const struct {
        hl_lang_t lang;
        const char *text;
    } q[] = {{HL_LANG_VI, VI_SENTENCE}, {HL_LANG_EN, EN_SENTENCE}};
    for (size_t k = 0; k < 2; k++) {
        double ms[5];
        for (int i = 0; i < 5; i++) {
            double t0 = now_ms();
            CHECK_INT(hl_fixture_tts_say(&x, q[k].lang, q[k].text, 0), HL_OK);
            ms[i] = now_ms() - t0;
        }
        qsort(ms, 5, sizeof ms[0], cmp_double);
        printf("  figure: synthesis of a %s question (%.2f s of speech): %.1f ms, median of 5 "
               "(%.0fx faster than it plays)\n",
               hl_lang_code(q[k].lang), hl_fixture_seconds(&x.p), ms[2],
               ms[2] > 0 ? hl_fixture_seconds(&x.p) * 1000.0 / ms[2] : 0);
    }
    hl_fixture_tts_close(&x);
}

/* ---- What espeak makes of what the kiosk says ------------------------------ */

static void test_phonemes_show_tones_language_switches_and_refusals(void)
{
    hl_tts_t closed = {0};
    char out[2048];
    hl_err_t err = {0};
    CHECK_INT(hl_tts_phonemes(&closed, HL_LANG_VI, "một", false, out, sizeof out, &err),
              HL_ERR_STATE);
    hl_fixture_tts_t x;
    if (!hl_fixture_tts_open(&x)) return;
    hl_tts_t *t = &x.t;
    CHECK_INT(hl_tts_phonemes(t, HL_LANG_VI, "một", false, out, sizeof out, &err), HL_OK);
    CHECK_CONTAINS(out, "m'o6t"); /* nặng: tone 6 */
    CHECK_INT(hl_tts_phonemes(t, HL_LANG_VI, "Câu 2.", true, out, sizeof out, &err), HL_OK);
    CHECK_CONTAINS(out, "hˈaːj"); /* normalized first: "hai" */
    CHECK_INT(hl_tts_phonemes(t, HL_LANG_VI, "English, một", false, out, sizeof out, &err), HL_OK);
    CHECK_CONTAINS(out, "(en)");
    CHECK_CONTAINS(out, "\n"); /* a clause a line */
    CHECK_INT(hl_tts_phonemes(t, HL_LANG_EN, "one", false, out, sizeof out, &err), HL_OK);
    CHECK_CONTAINS(out, "w'0n");
    CHECK_INT(hl_tts_phonemes(t, HL_LANG_VI, "😀", false, out, sizeof out, &err), HL_OK);
    CHECK_STR(out, "");
    CHECK_INT(hl_tts_phonemes(t, HL_LANG_VI, "một hai ba", false, out, 6, &err), HL_ERR_FULL);
    CHECK_STR(out, "");
    CHECK_INT(hl_tts_phonemes(t, HL_LANG_VI, "a\xFF", false, out, sizeof out, &err),
              HL_ERR_INVALID);
    CHECK_INT(hl_tts_phonemes(t, (hl_lang_t)7, "a", false, out, sizeof out, &err), HL_ERR_USAGE);
    /* Synthesis afterwards is unchanged. */
    CHECK_INT(hl_fixture_tts_say(&x, HL_LANG_VI, "một hai ba", 0), HL_OK);
    CHECK(hl_fixture_rms(&x.p) > HL_FIXTURE_SILENCE_RMS);
    hl_fixture_tts_close(&x);
}

/* A follow-up code is spelled "G, X, 2, ..." (hl_ui_speech): each letter
 * must be heard by its Vietnamese name. espeak's own names are wrong for
 * some: X "ích" (not "ích xì"), Y "i" (the same as I), G with an English
 * "th" sound, D as Đ. What espeak says of the letters, by the syllables
 * their names must hold. */
static void test_a_spelled_codes_letters_are_heard_by_their_vietnamese_names(void)
{
    static const struct {
        const char *text; /* a code's letter as hl_ui_speech spells it */
        const char *want; /* in espeak's phonemes of it (ASCII) */
    } letters[] = {
        {"X,", "'i3c"}, {"X,", "s'i2"},   /* ích xì */
        {"Y.", "'i"},   {"Y.", "z'a:2j"}, /* i dài */
        {"G,", "z'e"},                    /* giê */
        {"D,", "z'e"},                    /* dê */
        {"H,", "h'a"},                    /* hát */
        {"K,", "k'a:"},                   /* ca */
        {"M,", "m@:2"},                   /* em mờ */
        {"Q,", "kw'i"},                   /* quy */
        {"C,", "s'e"},                    /* xê */
    };
    hl_fixture_tts_t x;
    if (!hl_fixture_tts_open(&x)) return;
    char ph[256];
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++) {
        int rc = hl_tts_phonemes(&x.t, HL_LANG_VI, letters[i].text, false, ph, sizeof ph, &x.err);
        if (rc != HL_OK || !strstr(ph, letters[i].want) || strchr(ph, '('))
            hl_test_fail(__FILE__, __LINE__, "\"%s\": rc %d, [%s], expected to hold %s",
                         letters[i].text, rc, ph, letters[i].want);
    }
    hl_fixture_tts_close(&x);
}

/* The Vietnamese vowels without a tone mark (row 0) and with each
 * (huyền, sắc, hỏi, ngã, nặng: espeak's tone digits 2 to 6), letter k of
 * every row the same vowel. */
static const char *const vi_tone_rows[6] = {"aăâeêioôơuưy", "àằầèềìòồờùừỳ", "áắấéếíóốớúứý",
                                            "ảẳẩẻểỉỏổởủửỷ", "ãẵẫẽễĩõỗỡũữỹ", "ạặậẹệịọộợụựỵ"};

static uint32_t cp_at(const char *s, size_t *n)
{
    const unsigned char *u = (const unsigned char *)s;
    *n = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
    uint32_t cp = *n == 1 ? u[0] : u[0] & (0x7Fu >> *n);
    for (size_t j = 1; j < *n; j++)
        cp = (cp << 6) | (u[j] & 0x3Fu);
    return cp;
}

/* Where cp is in the UTF-8 string s (its k-th code point), or -1. */
static int cp_index(const char *s, uint32_t cp)
{
    size_t m;
    for (int k = 0; *s; s += m, k++)
        if (cp_at(s, &m) == cp) return k;
    return -1;
}

/* The k-th code point of the UTF-8 string s. */
static uint32_t cp_nth(const char *s, int k)
{
    size_t m;
    for (; k > 0; k--)
        cp_at(s, &m), s += m;
    return cp_at(s, &m);
}

static size_t cp_put(char *b, uint32_t cp)
{
    if (cp < 0x80) return b[0] = (char)cp, 1;
    if (cp < 0x800) return b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F)), 2;
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* word in lower case without its tone mark into plain (UTF-8, size
 * bytes); returns the tone written: 0 none (level), else espeak's digit 2
 * to 6. */
static int vi_plain(const char *word, char *plain, size_t size)
{
    int tone = 0;
    size_t o = 0, n;
    for (const char *p = word; *p && o + 4 < size; p += n) {
        uint32_t cp = hl_say_lower(cp_at(p, &n)), base = cp;
        for (int r = 1; r < 6; r++) {
            int k = cp_index(vi_tone_rows[r], cp);
            if (k < 0) continue;
            base = cp_nth(vi_tone_rows[0], k);
            tone = r + 1;
            break;
        }
        o += cp_put(plain + o, base);
    }
    plain[o] = '\0';
    return tone;
}

/* The vowels the issue names, by how espeak's Vietnamese phonemes write
 * them ("người" is "N'y@2j_|"). */
static const struct {
    const char *letters; /* in the word without its tone mark */
    const char *unless;  /* ... unless the word holds this (NULL: none) */
    const char *phoneme; /* then espeak's phonemes hold this */
    const char *name;    /* for the report */
} vi_vowels[] = {
    {"ươ", NULL, "y@", "ươ"}, {"uô", NULL, "u@", "uô"}, {"iê", "gi", "iE", "iê"},
    {"yê", NULL, "iE", "yê"}, {"ơ", "ươ", "@:", "ơ"},   {"ư", "ươ", "y", "ư"},
    {"ă", NULL, "a", "ă"},    {"â", NULL, "@", "â"},
};

/* Whether ph holds what vowel k of vi_vowels asks; ă and â short: not
 * followed by ':' (ơ is "@:", a is "a:"). */
static bool vowel_heard(size_t k, const char *ph)
{
    const char *want = vi_vowels[k].phoneme;
    bool is_short = !strcmp(want, "a") || !strcmp(want, "@");
    for (const char *p = strstr(ph, want); p; p = strstr(p + 1, want))
        if (!is_short || p[strlen(want)] != ':') return true;
    return false;
}

/* Syllables in espeak's ASCII phonemes: each starts with a stress mark. */
static int syllables(const char *ph)
{
    int n = 0;
    for (const char *p = ph; *p; p++)
        n += *p == '\'' || *p == ',';
    return n;
}

/* Words espeak may read in English in a Vietnamese text: the language
 * button says each language's own name. */
static bool english_allowed(const char *word)
{
    return !strcmp(word, "English");
}

/* One Vietnamese word met in the texts, checked once. */
typedef struct vi_word {
    char w[64];        /* the word as normalized */
    const char *where; /* where it was first met */
} vi_word_t;

typedef struct said_check {
    hl_tts_t *t;              /* open */
    vi_word_t *words;         /* the distinct Vietnamese words */
    size_t n_words, cap;      /* held, allocated */
    size_t digits, marks;     /* texts with a digit left; English texts with letters with marks */
    size_t switches, allowed; /* words read in another language; those allowed */
    size_t spelled, tones, vowels; /* words spelled, a tone or vowel not as written */
    size_t failures;               /* reported so far (at most 20 printed) */
    char *ph;                      /* a whole text's phonemes */
    size_t ph_size;                /* its bytes */
    const char *example[sizeof vi_vowels / sizeof vi_vowels[0]]; /* a word for each vowel */
} said_check_t;

static void check_fail(said_check_t *c, const char *fmt, const char *a, const char *b,
                       const char *d)
{
    if (c->failures++ < 20) hl_test_fail(__FILE__, __LINE__, fmt, a, b, d);
}

static void word_add(said_check_t *c, const char *w, size_t n, const char *where)
{
    if (n == 0 || n >= sizeof c->words[0].w) return;
    for (size_t i = 0; i < c->n_words; i++)
        if (strlen(c->words[i].w) == n && !memcmp(c->words[i].w, w, n)) return;
    if (c->n_words == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 512;
        c->words = realloc(c->words, c->cap * sizeof *c->words);
        if (!c->words) abort();
    }
    memcpy(c->words[c->n_words].w, w, n);
    c->words[c->n_words].w[n] = '\0';
    c->words[c->n_words++].where = where;
}

/* A Vietnamese word through espeak alone: not another language (but the
 * allowed), not spelled (one syllable), its tone and vowels as written. */
static void check_word(said_check_t *c, const vi_word_t *vw)
{
    char ph[512], plain[96];
    hl_err_t err = {0};
    if (hl_tts_phonemes(c->t, HL_LANG_VI, vw->w, false, ph, sizeof ph, &err) != HL_OK) {
        check_fail(c, "\"%s\" (%s): %s", vw->w, vw->where, err.msg);
        return;
    }
    if (strchr(ph, '(')) {
        c->switches++;
        if (english_allowed(vw->w))
            c->allowed++;
        else
            check_fail(c, "\"%s\" (%s): espeak reads it in another language: %s", vw->w, vw->where,
                       ph);
        return;
    }
    size_t letters = 0, m;
    for (const char *p = vw->w; *p; p += m, letters++)
        cp_at(p, &m);
    if (letters > 1 && syllables(ph) > 1) {
        c->spelled++;
        check_fail(c, "\"%s\" (%s): espeak spells it letter by letter: %s", vw->w, vw->where, ph);
        return;
    }
    if (letters == 1) return; /* a letter alone: its name's tones ("em mờ"), not its own */
    int tone = vi_plain(vw->w, plain, sizeof plain), heard = 0;
    for (const char *p = ph; *p; p++)
        if (*p >= '2' && *p <= '6') heard = *p - '0';
    if (heard != tone) {
        c->tones++;
        char t[40];
        snprintf(t, sizeof t, "written %d, heard %d", tone, heard);
        check_fail(c, "\"%s\" (%s): tone %s", vw->w, vw->where, t);
    }
    for (size_t k = 0; k < sizeof vi_vowels / sizeof vi_vowels[0]; k++) {
        if (!strstr(plain, vi_vowels[k].letters)) continue;
        if (vi_vowels[k].unless && strstr(plain, vi_vowels[k].unless)) continue;
        if (!vowel_heard(k, ph)) {
            c->vowels++;
            check_fail(c, "\"%s\" (%s): the vowel is not espeak's: %s", vw->w, vw->where, ph);
        } else if (!c->example[k]) {
            c->example[k] = vw->w;
        }
    }
}

/* A text as the kiosk hands it to speech: hl_say's words hold no digit; an
 * English one no letter with marks (espeak's English voice spells them);
 * a Vietnamese one, whole, switches language only for the allowed words;
 * its words are gathered to be checked one by one. */
static void check_text(said_check_t *c, const hl_fixture_said_t *s, char *norm, size_t size)
{
    if (hl_say_normalize(s->lang, s->text, norm, size) != HL_OK) {
        check_fail(c, "\"%s\" (%s): hl_say refuses it%s", s->text, s->where, "");
        return;
    }
    if (strpbrk(norm, "0123456789")) {
        c->digits++;
        check_fail(c, "\"%s\" (%s): a digit is left for espeak: \"%s\"", s->text, s->where, norm);
    }
    if (s->lang == HL_LANG_EN) {
        for (const char *p = norm; *p; p++)
            if ((unsigned char)*p >= 0x80) {
                c->marks++;
                check_fail(c, "\"%s\" (%s): the English voice spells \"%s\"", s->text, s->where, p);
                break;
            }
        return;
    }
    hl_err_t err = {0};
    int allowed = 0, marked = 0;
    for (const char *p = norm; *p;) {
        size_t n = 0;
        while (p[n] &&
               ((unsigned char)p[n] >= 0x80 || ((p[n] | 0x20) >= 'a' && (p[n] | 0x20) <= 'z')))
            n++;
        if (n) {
            char w[64];
            snprintf(w, sizeof w, "%.*s", (int)n, p);
            allowed += english_allowed(w);
            word_add(c, p, n, s->where);
            p += n;
        } else {
            p++;
        }
    }
    if (strlen(s->text) > HL_TTS_TEXT_MAX) return; /* the voice says it in pieces: words only */
    if (hl_tts_phonemes(c->t, HL_LANG_VI, s->text, false, c->ph, c->ph_size, &err) != HL_OK) {
        check_fail(c, "\"%s\" (%s): %s", s->text, s->where, err.msg);
        return;
    }
    for (const char *p = strchr(c->ph, '('); p; p = strchr(p + 1, '('))
        marked += strncmp(p, "(vi)", 4) != 0;
    if (marked > allowed)
        check_fail(c, "\"%s\" (%s): espeak switches language: %s", s->text, s->where, c->ph);
}

/* The issue: espeak-ng's Vietnamese reads numbers and some vowels badly.
 * Every text the kiosk says of the bundled surveys (theirs, and the
 * screens' words on every screen and target) goes through hl_say and
 * espeak's phonemes; a short report is printed. */
static void test_espeak_reads_every_text_the_kiosk_says_as_written(void)
{
    hl_fixture_texts_t all;
    hl_fixture_speech_texts(&all);
    hl_fixture_tts_t x;
    if (!hl_fixture_tts_open(&x)) {
        hl_fixture_texts_free(&all);
        return;
    }
    said_check_t c = {.t = &x.t, .ph_size = 1 << 16};
    size_t vi = 0, size = HL_SAY_SIZE(HL_UI_SPEECH_MAX);
    char *norm = malloc(size);
    c.ph = malloc(c.ph_size);
    bool list = getenv("HL_TEST_SAID") != NULL; /* every text and what espeak is given */
    for (size_t i = 0; norm && c.ph && i < all.n; i++) {
        vi += all.v[i].lang == HL_LANG_VI;
        check_text(&c, &all.v[i], norm, size);
        if (list)
            printf("  %s (%s): %s\n    => %s\n", hl_lang_code(all.v[i].lang), all.v[i].where,
                   all.v[i].text, norm);
    }
    for (size_t i = 0; i < c.n_words; i++)
        check_word(&c, &c.words[i]);
    printf("  %zu texts said (%zu Vietnamese, %zu English) of %zu bundled surveys, %zu screens; "
           "%zu distinct Vietnamese words through espeak\n",
           all.n, vi, all.n - vi, all.surveys, all.screens, c.n_words);
    printf("  digits left %zu; English texts with marked letters %zu; words read in another "
           "language %zu (%zu allowed: \"English\", the language button); spelled %zu; tone "
           "not as written %zu; vowel not as written %zu\n",
           c.digits, c.marks, c.switches, c.allowed, c.spelled, c.tones, c.vowels);
    printf("  as espeak says them:");
    for (size_t k = 0; k < sizeof vi_vowels / sizeof vi_vowels[0]; k++) {
        char ipa[256];
        hl_err_t err = {0};
        if (c.example[k] &&
            hl_tts_phonemes(&x.t, HL_LANG_VI, c.example[k], true, ipa, sizeof ipa, &err) == HL_OK)
            printf(" %s \"%s\" [%s];", vi_vowels[k].name, c.example[k], ipa);
    }
    printf("\n");
    CHECK(all.n > 300);
    CHECK(c.n_words > 200);
    CHECK(all.surveys >= 2);
    free(norm);
    free(c.ph);
    free(c.words);
    hl_fixture_tts_close(&x);
    hl_fixture_texts_free(&all);
}

/* ---- hailong speak ------------------------------------------------------- */

static const char *const no_config[] = {"HAILONG_CONFIG=/nonexistent/hailong.json",
                                        "HAILONG_DATA_DIR=/nonexistent/hailong", NULL};

static void test_hailong_speak_writes_a_wav_of_the_spoken_text(void)
{
    char *dir = hl_test_tmpdir("speech-cli");
    char *out = hl_fixture_path(dir, "cau2.wav");
    char *o = NULL;
    hl_fixture_expect(__FILE__, __LINE__,
                      (const char *const[]){HL_BIN, "speak", "--lang", "vi", "--out", out,
                                            "Câu 2/5:", "Ông/Bà hài lòng không? 😀", NULL},
                      no_config, 0, "text: Câu hai trên năm: Ông hoặc Bà hài lòng không?\n", NULL,
                      &o, NULL);
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_wav_read(NULL, out, &p, &err), HL_OK);
    CHECK(hl_fixture_rms(&p) > HL_FIXTURE_SILENCE_RMS);
    char line[64];
    snprintf(line, sizeof line, "cau2.wav: %.2f s\n", hl_fixture_seconds(&p));
    CHECK_CONTAINS(o, line);
    free(o);
    hl_fixture_expect(__FILE__, __LINE__,
                      (const char *const[]){HL_BIN, "speak", "--rate", "120", "--lang", "en",
                                            "--out", out, "Question 2 of 5", NULL},
                      no_config, 0, "text: Question two of five\n", NULL, NULL, NULL);
    CHECK_INT(hl_wav_read(NULL, out, &p, &err), HL_OK);
    CHECK(hl_fixture_rms(&p) > HL_FIXTURE_SILENCE_RMS);
    hl_pcm_free(&p);
    free(out);
    hl_fixture_rm(dir);
}

static void test_hailong_speak_refuses_bad_options_with_usage(void)
{
    char *dir = hl_test_tmpdir("speech-cli");
    char *out = hl_fixture_path(dir, "x.wav");
    static const struct {
        const char *args[6]; /* after "speak", NULL-ended */
        const char *err;     /* what stderr says */
    } bad[] = {
        {{"--lang", "xx", "--out", "OUT", "hi", NULL}, "unknown language \"xx\" (vi or en)"},
        {{"--out", "OUT", "hi", NULL}, "--lang vi|en"},
        {{"--lang", "vi", "hi", NULL}, "--out FILE.wav"},
        {{"--lang", "vi", "--out", "OUT", NULL}, "give the text"},
        {{"--lang", "vi", "--out", "OUT", "--rate", "20"}, "--rate takes"},
        {{"--lang", "vi", "--out", "OUT", "😀 ★", NULL}, "nothing to say"},
        {{"--lang", "vi", "--out", "OUT", "a\xC3", NULL}, "not UTF-8"},
        {{"--lang", "vi", "--out", "OUT", "--loud", NULL}, "unexpected argument \"--loud\""},
        {{"--lang", "vi", "--out", "DIR", "hi", NULL}, "is a folder"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[10] = {HL_BIN, "speak"};
        size_t n = 2;
        for (size_t k = 0; k < 6 && bad[i].args[k]; k++) {
            const char *a = bad[i].args[k];
            argv[n++] = !strcmp(a, "OUT") ? out : !strcmp(a, "DIR") ? dir : a;
        }
        argv[n] = NULL;
        hl_fixture_expect(__FILE__, __LINE__, argv, no_config, 2, NULL, bad[i].err, NULL, NULL);
    }
    CHECK(access(out, F_OK) != 0);
    hl_fixture_expect(__FILE__, __LINE__, (const char *const[]){HL_BIN, "speak", "--help", NULL},
                      no_config, 0, "usage: hailong speak", NULL, NULL, NULL);
    hl_fixture_expect(__FILE__, __LINE__, (const char *const[]){HL_BIN, "--help", NULL}, no_config,
                      0, "speak --lang vi|en", NULL, NULL, NULL);
    free(out);
    hl_fixture_rm(dir);
}

static const hl_test_case_t table[] = {
    HL_TEST(test_a_vietnamese_and_an_english_sentence_are_speech_of_a_plausible_length),
    HL_TEST(test_synthesis_stops_when_the_sink_says_stop_and_speaks_again_after),
    HL_TEST(test_the_two_languages_sound_different),
    HL_TEST(test_a_slower_rate_speaks_longer),
    HL_TEST(test_synthesis_refuses_bad_calls_with_a_code_and_a_message),
    HL_TEST(test_missing_voice_data_names_the_package_to_install),
    HL_TEST(test_every_text_of_the_bundled_survey_is_spoken_in_both_languages),
    HL_TEST(test_print_how_long_a_typical_question_takes_to_synthesise),
    HL_TEST(test_phonemes_show_tones_language_switches_and_refusals),
    HL_TEST(test_a_spelled_codes_letters_are_heard_by_their_vietnamese_names),
    HL_TEST(test_espeak_reads_every_text_the_kiosk_says_as_written),
    HL_TEST(test_hailong_speak_writes_a_wav_of_the_spoken_text),
    HL_TEST(test_hailong_speak_refuses_bad_options_with_usage),
};

HL_TEST_MAIN(table)
