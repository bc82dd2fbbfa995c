/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_say.c: what is said (firmware/speech/hl_say.c), without espeak:
 * Vietnamese numbers 0 to 1,000,000 read back word by word and the reading
 * rules, English ones, digits, texts with numbers, times, dates and
 * symbols, and the words espeak-ng gets wrong put right (forms of address
 * with a slash, abbreviations, letters alone and capital consonants by
 * their Vietnamese names, marks made plain for the English voice; what
 * espeak makes of the result is test_tts's). Refusals and buffer sizes.
 */
#include "hl_err.h"
#include "hl_say.h"
#include "hl_test.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

static void expect_said(const norm_t *table, size_t n)
{
    char out[1024];
    for (size_t i = 0; i < n; i++) {
        int rc = hl_say_normalize(table[i].lang, table[i].in, out, sizeof out);
        if (rc != HL_OK || strcmp(out, table[i].said) != 0)
            hl_test_fail(__FILE__, __LINE__, "%s \"%s\": rc %d, \"%s\", expected \"%s\"",
                         hl_lang_code(table[i].lang), table[i].in, rc, out, table[i].said);
    }
}

static void test_texts_get_numbers_times_and_dates_as_words_and_lose_symbols(void)
{
    static const norm_t table[] = {
        /* The examples. */
        {HL_LANG_VI, "Câu 2/5", "Câu hai trên năm"},
        {HL_LANG_EN, "Question 2 of 5", "Question two of five"},
        {HL_LANG_EN, "Question 2/5", "Question two of five"},
        {HL_LANG_VI, "Cảm ơn Ông/Bà đã đánh giá!", "Cảm ơn Ông hoặc Bà đã đánh giá!"},
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
        {HL_LANG_VI, "a # b * c @ d = e ~ f", "a b c dê e ép phờ"}, /* letters named */
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
    expect_said(table, sizeof table / sizeof table[0]);
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
    static const char *const worst[] = {
        "%%%%%%%%%%", "777 777 777", "1/1/1111 1/1/1111", "00 00 00 00", "+0+0+0+0", "1:01 1:01",
        "7h 7h 7h",   "&&&&&&&&",    "x x x x x x",       "ĐĐĐĐĐĐ",      "SĐT SĐT",  "em/em/em"};
    for (size_t i = 0; i < sizeof worst / sizeof worst[0]; i++) {
        for (int l = 0; l < HL_LANG_COUNT; l++) {
            char big[512];
            size_t need = HL_SAY_SIZE(strlen(worst[i]));
            CHECK(need <= sizeof big);
            CHECK_INT(hl_say_normalize((hl_lang_t)l, worst[i], big, need), HL_OK);
        }
    }
}

/* ---- hl_say: what espeak-ng gets wrong ------------------------------------ */

/* "Ông/Bà" is one person, either: "Ông hoặc Bà" (espeak would say "Ông
 * Bà", a couple); a slash between other words stays a pause-less space. */
static void test_forms_of_address_with_a_slash_are_read_with_hoac(void)
{
    static const norm_t table[] = {
        {HL_LANG_VI, "Ông/Bà hài lòng không?", "Ông hoặc Bà hài lòng không?"},
        {HL_LANG_VI, "của Ông / Bà", "của Ông hoặc Bà"},
        {HL_LANG_VI, "anh/chị, ÔNG/BÀ", "anh hoặc chị, ÔNG hoặc BÀ"},
        {HL_LANG_VI, "50.000 đồng/lần", "năm mươi nghìn đồng lần"},
        {HL_LANG_VI, "/Bà, Ông/", "Bà, Ông"},
        {HL_LANG_EN, "Mr/Mrs", "Mr Mrs"},
    };
    expect_said(table, sizeof table / sizeof table[0]);
}

/* espeak reads "UBND" as the English word "ub'nd" and spells others with
 * its own letter names: the one-stop shop's abbreviations are written
 * out, other capital consonants spelled by the Vietnamese names; words
 * with a vowel (COVID, KHÔNG) are left to espeak. */
static void test_abbreviations_are_written_out_and_capital_consonants_spelled(void)
{
    static const norm_t table[] = {
        {HL_LANG_VI, "UBND xã", "Ủy ban nhân dân xã"},
        {HL_LANG_VI, "số CCCD, SĐT.", "số căn cước công dân, số điện thoại."},
        {HL_LANG_VI, "HĐND, BHYT", "Hội đồng nhân dân, bảo hiểm y tế"},
        {HL_LANG_VI, "mã GX2", "mã giê ích xì hai"},
        {HL_LANG_VI, "HĐ số 7", "hát đê số bảy"},
        {HL_LANG_VI, "KHÔNG, COVID", "KHÔNG, COVID"},
        {HL_LANG_VI, "Ubnd", "Ubnd"},
        {HL_LANG_EN, "UBND", "UBND"},
    };
    expect_said(table, sizeof table / sizeof table[0]);
}

/* A letter alone (a code spelled "G, X, 2", a keyboard key) gets its
 * Vietnamese name where espeak's is wrong (x "ích", y as i, g "ðê", s
 * with an English s, d as đ); y followed by a word is the word "y". */
static void test_a_letter_alone_gets_its_vietnamese_name_where_espeak_errs(void)
{
    static const norm_t table[] = {
        {HL_LANG_VI, "Mã: G, X, 2, M, A, Y.", "Mã: giê, ích xì, hai, M, A, i dài."},
        {HL_LANG_VI, "x.", "ích xì."},
        {HL_LANG_VI, "d s f z b", "dê ét xì ép phờ dét b"},
        {HL_LANG_VI, "Y hoa.", "i dài hoa."},
        {HL_LANG_VI, "Y tế xã", "Y tế xã"},
        {HL_LANG_VI, "A4", "A bốn"},
        {HL_LANG_EN, "G, X, Y.", "G, X, Y."},
    };
    expect_said(table, sizeof table / sizeof table[0]);
}

/* espeak's English voice spells "Việt" as "V I letter 1EC7 T": an English
 * text gets its letters with marks plain. */
static void test_english_text_gets_letters_with_marks_made_plain(void)
{
    static const norm_t table[] = {
        {HL_LANG_EN, "Tiếng Việt, in use.", "Tieng Viet, in use."},
        {HL_LANG_EN, "Written so far: Cảm ơn ĐÀ NẴNG", "Written so far: Cam on DA NANG"},
        {HL_LANG_EN, "Café naïve", "Cafe naive"},
        {HL_LANG_EN, "Vie\xCC\x82\xCC\xA3t", "Viet"}, /* decomposed marks dropped */
        {HL_LANG_VI, "Tiếng Việt", "Tiếng Việt"},
    };
    expect_said(table, sizeof table / sizeof table[0]);
}

/* espeak would say "seventeen o'clock". */
static void test_english_24_hour_times_are_read_as_hundreds(void)
{
    static const norm_t table[] = {
        {HL_LANG_EN, "13:30–17:00", "thirteen thirty to seventeen hundred"},
        {HL_LANG_EN, "at 0:00 or 24:00", "at midnight or midnight"},
        {HL_LANG_EN, "12:00, 9:00", "twelve o'clock, nine o'clock"},
        {HL_LANG_VI, "17:00", "mười bảy giờ"},
    };
    expect_said(table, sizeof table / sizeof table[0]);
}

static const hl_test_case_t table[] = {
    HL_TEST(test_vietnamese_numbers_follow_the_reading_rules),
    HL_TEST(test_every_vietnamese_number_to_a_million_reads_back_to_itself),
    HL_TEST(test_english_numbers_are_british_words),
    HL_TEST(test_a_number_that_does_not_fit_is_an_error_not_a_cut_text),
    HL_TEST(test_digits_are_read_one_by_one_with_pauses_between_groups),
    HL_TEST(test_texts_get_numbers_times_and_dates_as_words_and_lose_symbols),
    HL_TEST(test_normalize_refuses_what_is_not_utf8_or_does_not_fit),
    HL_TEST(test_forms_of_address_with_a_slash_are_read_with_hoac),
    HL_TEST(test_abbreviations_are_written_out_and_capital_consonants_spelled),
    HL_TEST(test_a_letter_alone_gets_its_vietnamese_name_where_espeak_errs),
    HL_TEST(test_english_text_gets_letters_with_marks_made_plain),
    HL_TEST(test_english_24_hour_times_are_read_as_hundreds),
};

HL_TEST_MAIN(table)
