/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_speech.c: speech without a screen or an audio device: what is said
 * (hl_say: Vietnamese numbers 0 to 1,000,000 read back word by word,
 * English ones, digits, texts with numbers, times, dates and symbols), the
 * synthesis (hl_tts: not silence, a plausible length, stopped by its sink,
 * two languages that sound different, refusals and a missing voice named
 * with its package), WAV files (hl_wav: written and read back, a 44.1 kHz
 * stereo recording mixed and resampled, each kind of bad file refused with
 * its name and what to do) and `hailong speak`. Prints how long a typical
 * question takes to synthesise (median of 5), never asserted.
 */
#include "hl_fixture.h"
#include "hl_say.h"
#include "hl_test.h"
#include "hl_tts.h"
#include "hl_wav.h"

#include <math.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- hl_say: numbers ------------------------------------------------------ */

typedef struct said {
    int64_t v;        /* the number */
    const char *text; /* how it is read */
} said_t;

static void expect_number(int line, hl_lang_t lang, int64_t v, const char *want)
{
    char out[HL_SAY_NUMBER_MAX];
    int rc = hl_say_number(lang, v, out, sizeof out);
    if (rc != HL_OK || strcmp(out, want) != 0)
        hl_test_fail(__FILE__, line, "%s %lld: rc %d, \"%s\", expected \"%s\"", hl_lang_code(lang),
                     (long long)v, rc, out, want);
}

static void test_vietnamese_numbers_follow_the_reading_rules(void)
{
    // clang-format off
    static const said_t table[] = {
        {0, "không"}, {1, "một"}, {4, "bốn"}, {5, "năm"}, {10, "mười"}, {11, "mười một"},
        {14, "mười bốn"}, {15, "mười lăm"}, {20, "hai mươi"}, {21, "hai mươi mốt"},
        {24, "hai mươi tư"}, {25, "hai mươi lăm"}, {31, "ba mươi mốt"}, {55, "năm mươi lăm"},
        {99, "chín mươi chín"}, {100, "một trăm"}, {101, "một trăm linh một"},
        {104, "một trăm linh bốn"}, {105, "một trăm linh năm"}, {110, "một trăm mười"},
        {111, "một trăm mười một"}, {115, "một trăm mười lăm"}, {121, "một trăm hai mươi mốt"},
        {999, "chín trăm chín mươi chín"}, {1000, "một nghìn"},
        {1001, "một nghìn không trăm linh một"}, {1005, "một nghìn không trăm linh năm"},
        {1010, "một nghìn không trăm mười"}, {1015, "một nghìn không trăm mười lăm"},
        {1100, "một nghìn một trăm"}, {1234, "một nghìn hai trăm ba mươi tư"},
        {2024, "hai nghìn không trăm hai mươi tư"}, {10000, "mười nghìn"},
        {15000, "mười lăm nghìn"}, {21000, "hai mươi mốt nghìn"}, {100000, "một trăm nghìn"},
        {105000, "một trăm linh năm nghìn"}, {1000000, "một triệu"},
        {1000005, "một triệu không trăm linh năm"},
        {1005000, "một triệu không trăm linh năm nghìn"}, {2500000, "hai triệu năm trăm nghìn"},
        {1000000000, "một tỷ"}, {1005000000, "một tỷ không trăm linh năm triệu"},
        {1000000000000, "một nghìn tỷ"}, {-5, "âm năm"}, {-21, "âm hai mươi mốt"}};
    // clang-format on
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        expect_number(__LINE__, HL_LANG_VI, table[i].v, table[i].text);
    expect_number(__LINE__, HL_LANG_VI, INT64_MAX,
                  "chín tỷ hai trăm hai mươi ba triệu ba trăm bảy mươi hai nghìn không trăm ba "
                  "mươi sáu tỷ tám trăm năm mươi tư triệu bảy trăm bảy mươi lăm nghìn tám trăm "
                  "linh bảy");
}

/* Reads Vietnamese number words back to a value, checking on the way the
 * rules: mốt and tư only after mươi, lăm only after mươi or mười, linh only
 * after trăm, never một/bốn/năm right after mươi nor năm after mười. -1 when
 * a word or an order is wrong. */
static int64_t vi_read_back(const char *text)
{
    static const struct {
        const char *w; /* a number word */
        int d;         /* its digit */
    } words[] = {{"không", 0}, {"một", 1}, {"mốt", 1}, {"hai", 2}, {"ba", 3},
                 {"bốn", 4},   {"tư", 4},  {"năm", 5}, {"lăm", 5}, {"sáu", 6},
                 {"bảy", 7},   {"tám", 8}, {"chín", 9}};
    char buf[HL_SAY_NUMBER_MAX], prev[32] = "";
    snprintf(buf, sizeof buf, "%s", text);
    int64_t total = 0, group = 0, cur = 0;
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        int d = -1;
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
            if (!strcmp(w, words[k].w)) d = words[k].d;
        bool muoi = !strcmp(prev, "mươi"), muoi10 = !strcmp(prev, "mười");
        if (muoi && (!strcmp(w, "một") || !strcmp(w, "bốn") || !strcmp(w, "năm"))) return -1;
        if ((muoi10 && !strcmp(w, "năm")) || (!strcmp(w, "lăm") && !muoi && !muoi10)) return -1;
        if ((!strcmp(w, "mốt") || !strcmp(w, "tư")) && !muoi) return -1;
        if (!strcmp(w, "linh") && strcmp(prev, "trăm") != 0) return -1;
        if (d >= 0)
            cur += d;
        else if (!strcmp(w, "mười"))
            cur += 10;
        else if (!strcmp(w, "mươi"))
            cur *= 10;
        else if (!strcmp(w, "trăm"))
            group += cur * 100, cur = 0;
        else if (!strcmp(w, "nghìn"))
            total += (group + cur) * 1000, group = cur = 0;
        else if (!strcmp(w, "triệu"))
            total += (group + cur) * 1000000, group = cur = 0;
        else if (strcmp(w, "linh") != 0)
            return -1;
        snprintf(prev, sizeof prev, "%s", w);
    }
    return total + group + cur;
}

static void test_every_vietnamese_number_to_a_million_reads_back_to_itself(void)
{
    char out[HL_SAY_NUMBER_MAX];
    int bad = 0;
    for (int64_t v = 0; v <= 1000000 && bad < 5; v++) {
        int rc = hl_say_number(HL_LANG_VI, v, out, sizeof out);
        int64_t back = vi_read_back(out);
        if (rc != HL_OK || back != v) {
            hl_test_fail(__FILE__, __LINE__, "%lld reads \"%s\", back %lld", (long long)v, out,
                         (long long)back);
            bad++;
        }
    }
}

static void test_english_numbers_are_british_words(void)
{
    // clang-format off
    static const said_t table[] = {
        {0, "zero"}, {1, "one"}, {13, "thirteen"}, {21, "twenty-one"}, {40, "forty"},
        {99, "ninety-nine"}, {100, "one hundred"}, {101, "one hundred and one"},
        {105, "one hundred and five"}, {110, "one hundred and ten"}, {1000, "one thousand"},
        {1005, "one thousand and five"}, {1100, "one thousand one hundred"},
        {1234, "one thousand two hundred and thirty-four"}, {10000, "ten thousand"},
        {1000000, "one million"}, {1000021, "one million and twenty-one"},
        {2000000005, "two billion and five"}, {-7, "minus seven"}};
    // clang-format on
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        expect_number(__LINE__, HL_LANG_EN, table[i].v, table[i].text);
    expect_number(__LINE__, HL_LANG_EN, INT64_MIN,
                  "minus nine quintillion two hundred and twenty-three quadrillion three hundred "
                  "and seventy-two trillion thirty-six billion eight hundred and fifty-four "
                  "million seven hundred and seventy-five thousand eight hundred and eight");
}

static void test_a_number_that_does_not_fit_is_an_error_not_a_cut_text(void)
{
    char out[HL_SAY_NUMBER_MAX], small[12];
    CHECK_INT(hl_say_number(HL_LANG_VI, 21, small, sizeof small), HL_ERR_FULL);
    CHECK_STR(small, "");
    CHECK_INT(hl_say_number(HL_LANG_EN, 21, small, sizeof small), HL_OK); /* "twenty-one" fits */
    CHECK_INT(hl_say_number((hl_lang_t)9, 1, out, sizeof out), HL_ERR_USAGE);
    /* The longest readings fit HL_SAY_NUMBER_MAX. */
    static const int64_t longest[] = {INT64_MIN, INT64_MAX, -777777777777777777LL,
                                      -999999999999999999LL, -878878878878878878LL};
    for (size_t i = 0; i < sizeof longest / sizeof longest[0]; i++)
        for (int l = 0; l < HL_LANG_COUNT; l++)
            CHECK_INT(hl_say_number((hl_lang_t)l, longest[i], out, sizeof out), HL_OK);
}

static void test_digits_are_read_one_by_one_with_pauses_between_groups(void)
{
    char out[256];
    CHECK_INT(hl_say_digits(HL_LANG_VI, "0912345678", out, sizeof out), HL_OK);
    CHECK_STR(out, "không chín một hai ba bốn năm sáu bảy tám");
    CHECK_INT(hl_say_digits(HL_LANG_EN, "0912345678", out, sizeof out), HL_OK);
    CHECK_STR(out, "zero nine one two three four five six seven eight");
    CHECK_INT(hl_say_digits(HL_LANG_VI, "0912 345-678", out, sizeof out), HL_OK);
    CHECK_STR(out, "không chín một hai, ba bốn năm, sáu bảy tám");
    CHECK_INT(hl_say_digits(HL_LANG_VI, "+84 912", out, sizeof out), HL_OK);
    CHECK_STR(out, "cộng tám bốn, chín một hai");
    CHECK_INT(hl_say_digits(HL_LANG_EN, "5", out, sizeof out), HL_OK);
    CHECK_STR(out, "five");
    CHECK_INT(hl_say_digits(HL_LANG_VI, "", out, sizeof out), HL_OK);
    CHECK_STR(out, "");
    CHECK_INT(hl_say_digits(HL_LANG_VI, "12a", out, sizeof out), HL_ERR_INVALID);
    CHECK_STR(out, "");
    CHECK_INT(hl_say_digits(HL_LANG_VI, "1--2", out, sizeof out), HL_ERR_INVALID);
    CHECK_INT(hl_say_digits(HL_LANG_VI, "12 ", out, sizeof out), HL_ERR_INVALID);
    CHECK_INT(hl_say_digits(HL_LANG_VI, "0912345678", out, 20), HL_ERR_FULL);
}

/* ---- hl_say: texts -------------------------------------------------------- */

typedef struct norm {
    hl_lang_t lang;   /* the text's language */
    const char *in;   /* a screen's text */
    const char *said; /* what espeak is given */
} norm_t;

static void test_texts_get_numbers_times_and_dates_as_words_and_lose_symbols(void)
{
    static const norm_t table[] = {
        /* The issue's examples. */
        {HL_LANG_VI, "Câu 2/5", "Câu hai trên năm"},
        {HL_LANG_EN, "Question 2 of 5", "Question two of five"},
        {HL_LANG_EN, "Question 2/5", "Question two of five"},
        {HL_LANG_VI, "Cảm ơn Ông/Bà đã đánh giá!", "Cảm ơn Ông Bà đã đánh giá!"},
        {HL_LANG_VI, "Giờ làm việc 7:30–11:30",
         "Giờ làm việc bảy giờ ba mươi đến mười một giờ ba mươi"},
        {HL_LANG_VI, "7h30 - 17h", "bảy giờ ba mươi đến mười bảy giờ"},
        {HL_LANG_VI, "lúc 8:05", "lúc tám giờ năm phút"},
        {HL_LANG_VI, "lúc 8:00.", "lúc tám giờ."},
        {HL_LANG_EN, "from 7:30 to 11:05", "from seven thirty to eleven oh five"},
        {HL_LANG_EN, "at 9:00", "at nine o'clock"},
        /* Numbers in sentences. */
        {HL_LANG_VI, "(chọn tối đa 3 ý)", "(chọn tối đa ba ý)"},
        {HL_LANG_VI, "1 lần", "một lần"},
        {HL_LANG_VI, "3 lần trở lên", "ba lần trở lên"},
        {HL_LANG_VI, "21 người, 105 ngày", "hai mươi mốt người, một trăm linh năm ngày"},
        {HL_LANG_VI, "phí 1.500.000 đồng", "phí một triệu năm trăm nghìn đồng"},
        {HL_LANG_EN, "a fee of 1,500,000 dong", "a fee of one million five hundred thousand dong"},
        {HL_LANG_VI, "2,5 km", "hai phẩy năm km"},
        {HL_LANG_VI, "3,14", "ba phẩy mười bốn"},
        {HL_LANG_VI, "1,05", "một phẩy không năm"},
        {HL_LANG_VI, "phiên bản 1.5", "phiên bản một chấm năm"},
        {HL_LANG_EN, "3.14", "three point one four"},
        {HL_LANG_VI, "50%", "năm mươi phần trăm"},
        {HL_LANG_EN, "50% & more", "fifty percent and more"},
        {HL_LANG_VI, "từ 1-2 ngày", "từ một đến hai ngày"},
        {HL_LANG_VI, "Câu 1. Tiếp", "Câu một. Tiếp"},
        {HL_LANG_VI, "A4", "A bốn"},
        {HL_LANG_VI, "3lần", "ba lần"},
        {HL_LANG_VI, "COVID-19", "COVID mười chín"},
        {HL_LANG_EN, "the 2nd and 3rd time", "the 2nd and 3rd time"},
        {HL_LANG_VI, "năm 2024", "năm hai nghìn không trăm hai mươi tư"},
        /* Phone numbers and codes: digit by digit. */
        {HL_LANG_VI, "Gọi 0912345678", "Gọi không chín một hai ba bốn năm sáu bảy tám"},
        {HL_LANG_VI, "gọi 0912 345 678 nhé", "gọi không chín một hai, ba bốn năm, sáu bảy tám nhé"},
        {HL_LANG_EN, "call +84 912 345 678",
         "call plus eight four, nine one two, three four five, "
         "six seven eight"},
        {HL_LANG_VI, "mã 12345678901", "mã một hai ba bốn năm sáu bảy tám chín không một"},
        {HL_LANG_VI, "007", "không không bảy"},
        /* Dates. */
        {HL_LANG_VI, "ngày 01/07/2024", "ngày một tháng bảy năm hai nghìn không trăm hai mươi tư"},
        {HL_LANG_VI, "hạn 30/4/2025",
         "hạn ngày ba mươi tháng tư năm hai nghìn không trăm hai "
         "mươi lăm"},
        {HL_LANG_EN, "on 1/7/2024", "on the first of July, two thousand and twenty-four"},
        {HL_LANG_EN, "by 21-12-2025",
         "by the twenty-first of December, two thousand and "
         "twenty-five"},
        {HL_LANG_VI, "32/13/2024",
         "ba mươi hai trên mười ba trên hai nghìn không trăm hai mươi "
         "tư"},
        /* Symbols and emoji espeak would spell out; pauses. */
        {HL_LANG_VI, "Tốt 😀👍 lắm ★", "Tốt lắm"},
        {HL_LANG_VI, "a # b * c @ d = e ~ f", "a b c d e f"},
        {HL_LANG_EN, "Rate us → ❤️ #1", "Rate us one"},
        {HL_LANG_VI, "Một cửa – liên thông", "Một cửa, liên thông"},
        {HL_LANG_VI, "Dòng một\nDòng hai.\nBa", "Dòng một, Dòng hai. Ba"},
        {HL_LANG_EN, "“Other” … don’t", "\"Other\" ... don't"},
        {HL_LANG_VI, "  nhiều   khoảng\ttrắng  ", "nhiều khoảng trắng"},
        {HL_LANG_EN, "e-mail", "e-mail"},
        {HL_LANG_VI, "中文 Việt Nam", "Việt Nam"},
        {HL_LANG_VI, "Vie\xCC\x82\xCC\xA3t", "Vie\xCC\x82\xCC\xA3t"}, /* decomposed marks kept */
        {HL_LANG_VI, "", ""},
        {HL_LANG_VI, "😀", ""},
    };
    char out[1024];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        int rc = hl_say_normalize(table[i].lang, table[i].in, out, sizeof out);
        if (rc != HL_OK || strcmp(out, table[i].said) != 0)
            hl_test_fail(__FILE__, __LINE__, "%s \"%s\": rc %d, \"%s\", expected \"%s\"",
                         hl_lang_code(table[i].lang), table[i].in, rc, out, table[i].said);
    }
}

static void test_normalize_refuses_what_is_not_utf8_or_does_not_fit(void)
{
    char out[64];
    CHECK_INT(hl_say_normalize(HL_LANG_VI, "ab\xC3", out, sizeof out), HL_ERR_INVALID);
    CHECK_STR(out, "");
    CHECK_INT(hl_say_normalize(HL_LANG_VI, "Câu 1234567", out, 16), HL_ERR_FULL);
    CHECK_STR(out, "");
    CHECK_INT(hl_say_normalize((hl_lang_t)-1, "a", out, sizeof out), HL_ERR_USAGE);
    /* HL_SAY_SIZE holds the worst cases. */
    static const char *const worst[] = {"%%%%%%%%%%",  "777 777 777", "1/1/1111 1/1/1111",
                                        "00 00 00 00", "+0+0+0+0",    "1:01 1:01",
                                        "7h 7h 7h",    "&&&&&&&&"};
    for (size_t i = 0; i < sizeof worst / sizeof worst[0]; i++) {
        for (int l = 0; l < HL_LANG_COUNT; l++) {
            char big[512];
            size_t need = HL_SAY_SIZE(strlen(worst[i]));
            CHECK(need <= sizeof big);
            CHECK_INT(hl_say_normalize((hl_lang_t)l, worst[i], big, need), HL_OK);
        }
    }
}

/* ---- hl_tts --------------------------------------------------------------- */

#define VI_SENTENCE "Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hành chính hôm nay?"
#define EN_SENTENCE "How satisfied are you with the service you received today?"
#define SILENCE_RMS 300.0 /* speech is far louder (about 3000); silence is 0 */

static double rms(const hl_pcm_t *p)
{
    double sum = 0;
    for (size_t i = 0; i < p->n; i++)
        sum += (double)p->s[i] * p->s[i];
    return p->n ? sqrt(sum / (double)p->n) : 0;
}

static double seconds(const hl_pcm_t *p)
{
    return (double)p->n / HL_TTS_RATE;
}

/* Opens t on the system's voices; a failure fails the test. */
static bool tts_open(hl_tts_t *t)
{
    hl_err_t err = {0};
    int rc = hl_tts_open(t, NULL, &err);
    if (rc != HL_OK) hl_test_fail(__FILE__, __LINE__, "hl_tts_open: %s", err.msg);
    return rc == HL_OK;
}

/* Says text in lang into p (emptied first); the code of hl_tts_say. */
static int say(hl_tts_t *t, hl_lang_t lang, const char *text, int wpm, hl_pcm_t *p)
{
    hl_err_t err = {0};
    hl_pcm_free(p);
    int rc = hl_tts_say(t, lang, text, wpm, hl_pcm_sink, p, &err);
    if (rc != HL_OK) fprintf(stderr, "hl_tts_say: %s\n", err.msg);
    return rc;
}

static void test_a_vietnamese_and_an_english_sentence_are_speech_of_a_plausible_length(void)
{
    hl_tts_t t = {0};
    hl_pcm_t p = {0};
    if (!tts_open(&t)) return;
    static const struct {
        hl_lang_t lang;
        const char *text;
        int words;
    } cases[] = {{HL_LANG_VI, VI_SENTENCE, 16}, {HL_LANG_EN, EN_SENTENCE, 10}};
    for (size_t i = 0; i < 2; i++) {
        CHECK_INT(say(&t, cases[i].lang, cases[i].text, 0, &p), HL_OK);
        double expect = cases[i].words * 60.0 / HL_TTS_WPM_DEFAULT;
        printf("  %s: %.2f s (%d words at %d wpm: %.2f s), RMS %.0f\n", hl_lang_code(cases[i].lang),
               seconds(&p), cases[i].words, HL_TTS_WPM_DEFAULT, expect, rms(&p));
        CHECK(rms(&p) > SILENCE_RMS);
        CHECK(seconds(&p) > expect / 3 && seconds(&p) < expect * 3);
        CHECK(!t.stopped);
        CHECK_INT(t.samples, p.n);
    }
    hl_pcm_free(&p);
    hl_tts_close(&t);
}

/* A sink that stops once it holds at least half a second. */
static int stop_after_half_a_second(void *ctx, const int16_t *pcm, size_t n)
{
    hl_pcm_sink(ctx, pcm, n);
    return ((hl_pcm_t *)ctx)->n >= HL_TTS_RATE / 2 ? HL_PCM_STOP : HL_PCM_GO;
}

static void test_synthesis_stops_when_the_sink_says_stop_and_speaks_again_after(void)
{
    hl_tts_t t = {0};
    hl_pcm_t whole = {0}, cut = {0}, again = {0};
    if (!tts_open(&t)) return;
    CHECK_INT(say(&t, HL_LANG_VI, VI_SENTENCE, 0, &whole), HL_OK);
    hl_err_t err = {0};
    CHECK_INT(hl_tts_say(&t, HL_LANG_VI, VI_SENTENCE, 0, stop_after_half_a_second, &cut, &err),
              HL_OK);
    CHECK(t.stopped);
    CHECK_INT(t.samples, cut.n);
    /* Stopped within one chunk (at most about 60 ms) of the half second. */
    CHECK(cut.n >= HL_TTS_RATE / 2 && cut.n < HL_TTS_RATE / 2 + HL_TTS_RATE / 10);
    CHECK(cut.n < whole.n / 2);
    /* Then the whole sentence again (within 2%: espeak's pitch flutter
     * varies the samples a little from one say to the next). */
    CHECK_INT(say(&t, HL_LANG_VI, VI_SENTENCE, 0, &again), HL_OK);
    CHECK(!t.stopped);
    CHECK(again.n > whole.n * 49 / 50 && again.n < whole.n * 51 / 50);
    CHECK(rms(&again) > SILENCE_RMS);
    hl_pcm_free(&whole);
    hl_pcm_free(&cut);
    hl_pcm_free(&again);
    hl_tts_close(&t);
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
    hl_tts_t t = {0};
    hl_pcm_t vi = {0}, vi2 = {0}, en = {0};
    if (!tts_open(&t)) return;
    /* The same letters in both voices, and in Vietnamese twice. */
    static const char text[] = "Bình thường, ba, hai, một";
    CHECK_INT(say(&t, HL_LANG_VI, text, 0, &vi), HL_OK);
    CHECK_INT(say(&t, HL_LANG_EN, text, 0, &en), HL_OK);
    CHECK_INT(say(&t, HL_LANG_VI, text, 0, &vi2), HL_OK);
    CHECK(rms(&vi) > SILENCE_RMS && rms(&en) > SILENCE_RMS);
    double same = envelope_distance(&vi, &vi2), other = envelope_distance(&vi, &en);
    printf("  vi %.2f s, again %.2f s, en %.2f s; envelope distance vi-vi %.3f, vi-en %.3f\n",
           seconds(&vi), seconds(&vi2), seconds(&en), same, other);
    CHECK(other > 0.2);
    CHECK(other > 3 * same);
    hl_pcm_free(&vi);
    hl_pcm_free(&vi2);
    hl_pcm_free(&en);
    hl_tts_close(&t);
}

static void test_a_slower_rate_speaks_longer(void)
{
    hl_tts_t t = {0};
    hl_pcm_t slow = {0}, fast = {0};
    if (!tts_open(&t)) return;
    CHECK_INT(say(&t, HL_LANG_EN, EN_SENTENCE, 100, &slow), HL_OK);
    CHECK_INT(say(&t, HL_LANG_EN, EN_SENTENCE, 300, &fast), HL_OK);
    printf("  100 wpm %.2f s, 300 wpm %.2f s\n", seconds(&slow), seconds(&fast));
    CHECK(seconds(&slow) > 1.8 * seconds(&fast));
    hl_pcm_free(&slow);
    hl_pcm_free(&fast);
    hl_tts_close(&t);
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
    hl_tts_t t = {0};
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_tts_say(&t, HL_LANG_VI, "một", 0, hl_pcm_sink, &p, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "not open");
    if (!tts_open(&t)) return;
    CHECK_INT(hl_tts_open(&t, NULL, &err), HL_ERR_STATE);
    CHECK_INT(hl_tts_say(&t, (hl_lang_t)5, "một", 0, hl_pcm_sink, &p, &err), HL_ERR_USAGE);
    CHECK_INT(hl_tts_say(&t, HL_LANG_VI, "một", 50, hl_pcm_sink, &p, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "80-450");
    CHECK_INT(hl_tts_say(&t, HL_LANG_VI, "một", 0, NULL, &p, &err), HL_ERR_USAGE);
    CHECK_INT(hl_tts_say(&t, HL_LANG_VI, "a\xFF", 0, hl_pcm_sink, &p, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "UTF-8");
    char *longtext = malloc(HL_TTS_TEXT_MAX + 2);
    if (longtext) {
        memset(longtext, 'a', HL_TTS_TEXT_MAX + 1);
        longtext[HL_TTS_TEXT_MAX + 1] = '\0';
        CHECK_INT(hl_tts_say(&t, HL_LANG_EN, longtext, 0, hl_pcm_sink, &p, &err), HL_ERR_USAGE);
        CHECK_CONTAINS(err.msg, "too long");
        free(longtext);
    }
    /* Nothing to say: no sound, no error. */
    CHECK_INT(hl_tts_say(&t, HL_LANG_VI, "😀 ★ #", 0, hl_pcm_sink, &p, &err), HL_OK);
    CHECK_INT(p.n, 0);
    CHECK_INT(t.samples, 0);
    /* From its own sink. */
    reenter_t r = {&t, HL_OK};
    CHECK_INT(hl_tts_say(&t, HL_LANG_VI, "một hai ba", 0, reenter_sink, &r, &err), HL_OK);
    CHECK_INT(r.rc, HL_ERR_STATE);
    /* Still works. */
    CHECK_INT(say(&t, HL_LANG_VI, "một hai ba", 0, &p), HL_OK);
    CHECK(rms(&p) > SILENCE_RMS);
    hl_pcm_free(&p);
    hl_tts_close(&t);
    hl_tts_close(&t); /* twice is harmless */
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
    if (tts_open(&t)) hl_tts_close(&t);
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
    hl_tts_t t = {0};
    hl_pcm_t p = {0};
    if (!tts_open(&t)) {
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
                int rc = say(&t, (hl_lang_t)l, text, 0, &p);
                if (rc != HL_OK || rms(&p) < SILENCE_RMS)
                    hl_test_fail(__FILE__, __LINE__, "%s \"%s\": rc %d, RMS %.0f",
                                 hl_lang_code((hl_lang_t)l), text, rc, rms(&p));
                texts++;
                total += seconds(&p);
            }
        }
    }
    printf("  %zu texts, %.1f s of speech\n", texts, total);
    CHECK(texts > 20);
    hl_pcm_free(&p);
    hl_tts_close(&t);
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
    hl_tts_t t = {0};
    hl_pcm_t p = {0};
    if (!tts_open(&t)) return;
    static const struct {
        hl_lang_t lang;
        const char *text;
    } q[] = {{HL_LANG_VI, VI_SENTENCE}, {HL_LANG_EN, EN_SENTENCE}};
    for (size_t k = 0; k < 2; k++) {
        double ms[5];
        for (int i = 0; i < 5; i++) {
            double t0 = now_ms();
            CHECK_INT(say(&t, q[k].lang, q[k].text, 0, &p), HL_OK);
            ms[i] = now_ms() - t0;
        }
        qsort(ms, 5, sizeof ms[0], cmp_double);
        printf("  figure: synthesis of a %s question (%.2f s of speech): %.1f ms, median of 5 "
               "(%.0fx faster than it plays)\n",
               hl_lang_code(q[k].lang), seconds(&p), ms[2],
               ms[2] > 0 ? seconds(&p) * 1000.0 / ms[2] : 0);
    }
    hl_pcm_free(&p);
    hl_tts_close(&t);
}

/* ---- hl_wav --------------------------------------------------------------- */

/* A WAV file's bytes, built by hand. */
typedef struct wav_bytes {
    unsigned char *b; /* the bytes (malloc'd) */
    size_t n;         /* how many */
    size_t cap;       /* bytes allocated */
} wav_bytes_t;

static void put(wav_bytes_t *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->n + n)
            cap *= 2;
        unsigned char *b = realloc(w->b, cap);
        if (!b) abort();
        w->b = b;
        w->cap = cap;
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_u32(wav_bytes_t *w, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(w, b, 4);
}

static void put_u16(wav_bytes_t *w, unsigned v)
{
    unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(w, b, 2);
}

/* A WAV: tag, channels, rate, bits; frames frames of sample(i, channel);
 * a LIST chunk of odd size before the data when list. The RIFF size is
 * fixed at the end. */
static wav_bytes_t wav_make(unsigned tag, unsigned channels, unsigned rate, unsigned bits,
                            size_t frames, int16_t (*sample)(size_t, unsigned), bool list)
{
    wav_bytes_t w = {0};
    unsigned align = channels * bits / 8;
    bool ext = tag == 0xFFFE; /* WAVE_FORMAT_EXTENSIBLE, the PCM sub-format */
    put(&w, "RIFF\0\0\0\0WAVEfmt ", 16);
    put_u32(&w, ext ? 40 : 16);
    put_u16(&w, tag);
    put_u16(&w, channels);
    put_u32(&w, rate);
    put_u32(&w, rate * align);
    put_u16(&w, align);
    put_u16(&w, bits);
    if (ext) /* cbSize 22, valid bits, channel mask, the PCM GUID */
        put(&w, "\x16\0\x10\0\x04\0\0\0\x01\0\0\0\0\0\x10\0\x80\0\0\xAA\0\x38\x9B\x71", 24);
    if (list) {
        put(&w, "LIST", 4);
        put_u32(&w, 5);
        put(&w, "INFOx\0", 6); /* 5 bytes and the pad byte */
    }
    put(&w, "data", 4);
    put_u32(&w, (uint32_t)(frames * align));
    for (size_t i = 0; i < frames; i++)
        for (unsigned c = 0; c < channels; c++) {
            if (bits == 16)
                put_u16(&w, (uint16_t)sample(i, c));
            else
                put(&w, "\x80\x80\x80\x80", bits / 8);
        }
    uint32_t riff = (uint32_t)(w.n - 8);
    w.b[4] = (unsigned char)riff;
    w.b[5] = (unsigned char)(riff >> 8);
    w.b[6] = (unsigned char)(riff >> 16);
    w.b[7] = (unsigned char)(riff >> 24);
    return w;
}

/* A 441 Hz sine at 44100 Hz, amplitude 10000, on both channels. */
static int16_t sine441(size_t i, unsigned c)
{
    (void)c;
    return (int16_t)lround(10000.0 * sin(2 * M_PI * 441.0 * (double)i / 44100.0));
}

/* Opposite channels: mixed to silence. */
static int16_t opposite(size_t i, unsigned c)
{
    (void)i;
    return c == 0 ? 8000 : -8000;
}

static int16_t ramp(size_t i, unsigned c)
{
    (void)c;
    return (int16_t)(i * 3 % 20000);
}

static char *write_bytes(const char *dir, const char *name, const wav_bytes_t *w)
{
    char *path = hl_fixture_path(dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(w->b, 1, w->n, f) == w->n);
    if (f) fclose(f);
    return path;
}

static void test_a_written_wav_reads_back_sample_for_sample(void)
{
    char *dir = hl_test_tmpdir("speech-wav");
    char *path = hl_fixture_path(dir, "round.wav");
    hl_pcm_t in = {0}, out = {0};
    for (size_t i = 0; i < 30000; i++) {
        int16_t s = (int16_t)((i * 7919) % 65536 - 32768);
        hl_pcm_sink(&in, &s, 1);
    }
    hl_err_t err = {0};
    CHECK_INT(hl_wav_write(path, in.s, in.n, HL_TTS_RATE, &err), HL_OK);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 44 + 60000);
    CHECK_INT(hl_fixture_hidden(dir), 0); /* no temporary file left */
    CHECK_INT(hl_wav_read(NULL, path, &out, &err), HL_OK);
    CHECK_INT(out.n, in.n);
    CHECK(out.n == in.n && !memcmp(out.s, in.s, in.n * sizeof *in.s));
    /* Through the stick's walk too (root and a relative path). */
    CHECK_INT(hl_wav_read(dir, "round.wav", &out, &err), HL_OK);
    CHECK_INT(out.n, in.n);
    /* Refusals of the writer. */
    CHECK_INT(hl_wav_write(dir, in.s, in.n, HL_TTS_RATE, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "folder");
    CHECK_INT(hl_wav_write(path, in.s, in.n, 0, &err), HL_ERR_USAGE);
    char *nowhere = hl_fixture_path(dir, "no/such/folder.wav");
    CHECK(hl_wav_write(nowhere, in.s, in.n, HL_TTS_RATE, &err) != HL_OK);
    CHECK_CONTAINS(err.msg, "folder.wav");
    free(nowhere);
    hl_pcm_free(&in);
    hl_pcm_free(&out);
    free(path);
    hl_fixture_rm(dir);
}

static void test_a_44100_hz_stereo_wav_is_mixed_to_mono_and_resampled(void)
{
    char *dir = hl_test_tmpdir("speech-wav");
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    wav_bytes_t w = wav_make(1, 2, 44100, 16, 44100, sine441, true);
    char *path = write_bytes(dir, "voice.wav", &w);
    CHECK_INT(hl_wav_read(NULL, path, &p, &err), HL_OK);
    CHECK_INT(p.n, HL_TTS_RATE); /* one second */
    /* The same 441 Hz sine at 22050 Hz: 50 samples a period. */
    int worst = 0;
    for (size_t i = 0; i < p.n; i++) {
        int want = (int)lround(10000.0 * sin(2 * M_PI * 441.0 * (double)i / HL_TTS_RATE));
        int d = abs(p.s[i] - want);
        if (d > worst) worst = d;
    }
    CHECK(worst <= 2);
    free(w.b);
    /* Opposite channels mix to silence. */
    w = wav_make(1, 2, 44100, 16, 4410, opposite, false);
    CHECK_INT(hl_wav_parse(w.b, w.n, "opposite.wav", &p, &err), HL_OK);
    CHECK_INT(p.n, 2205);
    CHECK_INT(rms(&p) == 0, 1);
    free(w.b);
    /* 8000 Hz mono up to 22050 Hz, interpolated between the samples. */
    w = wav_make(1, 1, 8000, 16, 8000, ramp, false);
    CHECK_INT(hl_wav_parse(w.b, w.n, "phone.wav", &p, &err), HL_OK);
    CHECK_INT(p.n, HL_TTS_RATE);
    CHECK_INT(p.s[0], 0);
    CHECK_INT(p.s[HL_TTS_RATE - 1] >= ramp(7998, 0) && p.s[HL_TTS_RATE - 1] <= ramp(7999, 0), 1);
    free(w.b);
    /* WAVE_FORMAT_EXTENSIBLE with the PCM sub-format, 22050 Hz: as it is. */
    w = wav_make(0xFFFE, 1, 22050, 16, 100, ramp, false);
    CHECK_INT(hl_wav_parse(w.b, w.n, "extensible.wav", &p, &err), HL_OK);
    CHECK(p.n == 100 && p.s[99] == ramp(99, 0));
    free(w.b);
    hl_pcm_free(&p);
    free(path);
    hl_fixture_rm(dir);
}

/* Expects bytes w refused as HL_ERR_INVALID with a message naming the file
 * and holding what. */
static void expect_refused(int line, const wav_bytes_t *w, size_t len, const char *what)
{
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    int rc = hl_wav_parse(w->b, len, "bad.wav", &p, &err);
    if (rc != HL_ERR_INVALID || !strstr(err.msg, "bad.wav: ") || !strstr(err.msg, what) || p.n != 0)
        hl_test_fail(__FILE__, line, "rc %d, \"%s\", expected \"%s\"", rc, err.msg, what);
    hl_pcm_free(&p);
}

static void test_bad_wavs_are_refused_saying_what_is_wrong_and_what_to_do(void)
{
    wav_bytes_t w = wav_make(1, 1, 22050, 16, 1000, ramp, false);
    expect_refused(__LINE__, &w, w.n - 1, "cut short");
    expect_refused(__LINE__, &w, 30, "cut short");
    expect_refused(__LINE__, &w, 8, "not a WAV file");
    /* The data chunk says more than the file holds. */
    w.b[40] = 0xFF, w.b[41] = 0xFF;
    expect_refused(__LINE__, &w, w.n, "\"data\" chunk says");
    free(w.b);
    static const struct {
        unsigned tag, channels, rate, bits; /* the fmt chunk */
        size_t frames;                      /* the sound */
        const char *what;                   /* what the message says */
    } bad[] = {{3, 1, 22050, 32, 100, "not PCM but 32-bit float"},
               {3, 1, 22050, 32, 100, "Signed 16-bit PCM"},
               {0x55, 1, 22050, 16, 100, "MP3"},
               {1, 1, 22050, 8, 100, "8-bit samples"},
               {1, 3, 22050, 16, 100, "3 channels"},
               {1, 1, 96000, 16, 100, "96000 Hz"},
               {1, 1, 22050, 16, 0, "no sound"},
               {1, 1, 8000, 16, 8000 * 61, "lasts 61.0 s"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w = wav_make(bad[i].tag, bad[i].channels, bad[i].rate, bad[i].bits, bad[i].frames, ramp,
                     false);
        expect_refused(__LINE__, &w, w.n, bad[i].what);
        free(w.b);
    }
    w = wav_make(1, 2, 22050, 16, 10, ramp, false);
    w.b[32] = 2; /* block align of mono in a stereo file */
    expect_refused(__LINE__, &w, w.n, "damaged");
    free(w.b);
    /* No data chunk; a fmt chunk too short. */
    w = (wav_bytes_t){0};
    put(&w, "RIFF\x04\0\0\0WAVE", 12);
    expect_refused(__LINE__, &w, w.n, "without its fmt chunk");
    free(w.b);
    w = (wav_bytes_t){0};
    put(&w, "RIFF\x10\0\0\0WAVEfmt \x04\0\0\0\x01\0\x01\0", 24);
    expect_refused(__LINE__, &w, w.n, "too short");
    free(w.b);
}

static void test_a_wav_file_too_big_or_missing_is_refused_with_its_name(void)
{
    char *dir = hl_test_tmpdir("speech-wav");
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    char *missing = hl_fixture_path(dir, "missing.wav");
    CHECK_INT(hl_wav_read(NULL, missing, &p, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, missing);
    /* Over HL_WAV_MAX_BYTES: refused before it is read. */
    char *big = hl_fixture_path(dir, "big.wav");
    FILE *f = fopen(big, "wb");
    CHECK(f && ftruncate(fileno(f), HL_WAV_MAX_BYTES + 1) == 0);
    if (f) fclose(f);
    CHECK_INT(hl_wav_read(NULL, big, &p, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, big);
    CHECK_CONTAINS(err.msg, "larger than the limit");
    /* A folder. */
    CHECK(hl_wav_read(NULL, dir, &p, &err) != HL_OK);
    CHECK_INT(p.n, 0);
    free(missing);
    free(big);
    hl_fixture_rm(dir);
}

static void test_the_capture_sink_stops_at_its_maximum(void)
{
    hl_pcm_t p = {.max = 1000};
    int16_t chunk[600] = {0};
    CHECK_INT(hl_pcm_sink(&p, chunk, 600), HL_PCM_GO);
    CHECK_INT(hl_pcm_sink(&p, chunk, 600), HL_PCM_STOP);
    CHECK_INT(p.n, 1000);
    CHECK(p.cut);
    CHECK_INT(hl_pcm_sink(&p, chunk, 1), HL_PCM_STOP);
    CHECK_INT(p.n, 1000);
    hl_pcm_free(&p);
    CHECK_INT(p.n, 0);
    CHECK_INT(p.max, 1000);
    CHECK(!p.cut);
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
                      no_config, 0, "text: Câu hai trên năm: Ông Bà hài lòng không?\n", NULL, &o,
                      NULL);
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_wav_read(NULL, out, &p, &err), HL_OK);
    CHECK(rms(&p) > SILENCE_RMS);
    char line[64];
    snprintf(line, sizeof line, "cau2.wav: %.2f s\n", seconds(&p));
    CHECK_CONTAINS(o, line);
    free(o);
    hl_fixture_expect(__FILE__, __LINE__,
                      (const char *const[]){HL_BIN, "speak", "--rate", "120", "--lang", "en",
                                            "--out", out, "Question 2 of 5", NULL},
                      no_config, 0, "text: Question two of five\n", NULL, NULL, NULL);
    CHECK_INT(hl_wav_read(NULL, out, &p, &err), HL_OK);
    CHECK(rms(&p) > SILENCE_RMS);
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
    HL_TEST(test_vietnamese_numbers_follow_the_reading_rules),
    HL_TEST(test_every_vietnamese_number_to_a_million_reads_back_to_itself),
    HL_TEST(test_english_numbers_are_british_words),
    HL_TEST(test_a_number_that_does_not_fit_is_an_error_not_a_cut_text),
    HL_TEST(test_digits_are_read_one_by_one_with_pauses_between_groups),
    HL_TEST(test_texts_get_numbers_times_and_dates_as_words_and_lose_symbols),
    HL_TEST(test_normalize_refuses_what_is_not_utf8_or_does_not_fit),
    HL_TEST(test_a_vietnamese_and_an_english_sentence_are_speech_of_a_plausible_length),
    HL_TEST(test_synthesis_stops_when_the_sink_says_stop_and_speaks_again_after),
    HL_TEST(test_the_two_languages_sound_different),
    HL_TEST(test_a_slower_rate_speaks_longer),
    HL_TEST(test_synthesis_refuses_bad_calls_with_a_code_and_a_message),
    HL_TEST(test_missing_voice_data_names_the_package_to_install),
    HL_TEST(test_every_text_of_the_bundled_survey_is_spoken_in_both_languages),
    HL_TEST(test_print_how_long_a_typical_question_takes_to_synthesise),
    HL_TEST(test_a_written_wav_reads_back_sample_for_sample),
    HL_TEST(test_a_44100_hz_stereo_wav_is_mixed_to_mono_and_resampled),
    HL_TEST(test_bad_wavs_are_refused_saying_what_is_wrong_and_what_to_do),
    HL_TEST(test_a_wav_file_too_big_or_missing_is_refused_with_its_name),
    HL_TEST(test_the_capture_sink_stops_at_its_maximum),
    HL_TEST(test_hailong_speak_writes_a_wav_of_the_spoken_text),
    HL_TEST(test_hailong_speak_refuses_bad_options_with_usage),
};

HL_TEST_MAIN(table)
