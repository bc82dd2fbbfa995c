/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_compose.c: the Vietnamese input composer (firmware/model/hl_compose.c):
 * every vowel with every mark and tone in Telex, VNI and the keyboard's rows,
 * the same key twice, tones after the final consonant, where the tone goes
 * for every vowel cluster in both styles, qu and gi, ươ, upper case,
 * backspace, words that are not Vietnamese, numbers and punctuation, the
 * limits, bad input, real sentences typed both ways, and `hailong compose`.
 *
 * Expected texts are written out as NFC UTF-8 (checked against Python's
 * unicodedata when written); a table loop names the failing keys.
 */
#include "hl_compose.h"
#include "hl_test.h"

#include <stdlib.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Keys typed and the text they must give. */
typedef struct typing {
    const char *keys;
    const char *want;
} typing_t;

static const char *method_name(hl_compose_method_t m)
{
    return m == HL_COMPOSE_TELEX ? "telex" : m == HL_COMPOSE_VNI ? "vni" : "none";
}

/* Types keys with m (new_style or not) and checks the text is want; a
 * failure names the method and the keys. */
static void expect_typed(int line, hl_compose_method_t m, bool new_style, const char *keys,
                         const char *want)
{
    char out[HL_COMPOSE_MAX_BYTES + 1] = "";
    hl_err_t err = {0};
    int rc = hl_compose_string(m, new_style, keys, out, sizeof out, &err);
    if (rc != HL_OK || strcmp(out, want) != 0)
        hl_test_fail(__FILE__, line, "%s%s \"%s\" gave \"%s\" (%s), expected \"%s\"",
                     method_name(m), new_style ? " new style" : "", keys, out, err.msg, want);
}

/* Checks a whole table typed with m. */
static void expect_table(int line, hl_compose_method_t m, bool new_style, const typing_t *t,
                         size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect_typed(line, m, new_style, t[i].keys, t[i].want);
}

/* Checks a Telex table and a VNI table, the default style. */
#define EXPECT_TELEX_VNI(telex, vni)                                                               \
    do {                                                                                           \
        expect_table(__LINE__, HL_COMPOSE_TELEX, false, telex, N(telex));                          \
        expect_table(__LINE__, HL_COMPOSE_VNI, false, vni, N(vni));                                \
    } while (0)

/* Types keys into c one code point at a time (keys are ASCII or UTF-8 the
 * composer accepts); fails the test on a refused key. */
static void type_into(int line, hl_compose_t *c, const char *keys)
{
    for (const unsigned char *p = (const unsigned char *)keys; *p;) {
        uint32_t cp = *p++;
        if (cp >= 0x80) { /* two or three bytes: all the tests use */
            int more = cp >= 0xE0 ? 2 : 1;
            cp &= more == 2 ? 0x0F : 0x1F;
            while (more--)
                cp = (cp << 6) | (*p++ & 0x3Fu);
        }
        int rc = hl_compose_key(c, cp);
        if (rc != HL_OK) hl_test_fail(__FILE__, line, "key U+%04X of \"%s\": %d", cp, keys, rc);
    }
}

/* Code points in s. */
static size_t chars_in(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ---- Every vowel, every mark, every tone --------------------------------- */

/* The 12 vowels by tone (none, sắc, huyền, hỏi, ngã, nặng), lower and upper. */
static const char *const lower_rows[12] = {"aáàảãạ", "ăắằẳẵặ", "âấầẩẫậ", "eéèẻẽẹ",
                                           "êếềểễệ", "iíìỉĩị", "oóòỏõọ", "ôốồổỗộ",
                                           "ơớờởỡợ", "uúùủũụ", "ưứừửữự", "yýỳỷỹỵ"};
static const char *const upper_rows[12] = {"AÁÀẢÃẠ", "ĂẮẰẲẴẶ", "ÂẤẦẨẪẬ", "EÉÈẺẼẸ",
                                           "ÊẾỀỂỄỆ", "IÍÌỈĨỊ", "OÓÒỎÕỌ", "ÔỐỒỔỖỘ",
                                           "ƠỚỜỞỠỢ", "UÚÙỦŨỤ", "ƯỨỪỬỮỰ", "YÝỲỶỸỴ"};
/* How each vowel is typed: Telex, VNI, and as a base letter plus a mark row key. */
static const char *const telex_vowel[12] = {"a", "aw", "aa", "e", "ee", "i",
                                            "o", "oo", "ow", "u", "uw", "y"};
static const char *const vni_vowel[12] = {"a", "a8", "a6", "e", "e6", "i",
                                          "o", "o6", "o7", "u", "u7", "y"};
static const hl_mark_t vowel_mark[12] = {HL_MARK_NONE, HL_MARK_BREVE,      HL_MARK_CIRCUMFLEX,
                                         HL_MARK_NONE, HL_MARK_CIRCUMFLEX, HL_MARK_NONE,
                                         HL_MARK_NONE, HL_MARK_CIRCUMFLEX, HL_MARK_HORN,
                                         HL_MARK_NONE, HL_MARK_HORN,       HL_MARK_NONE};
static const int base_row[12] = {0, 0, 0, 3, 3, 5, 6, 6, 6, 9, 9, 11}; /* ă: the a row */
static const char telex_tone[HL_TONE_COUNT] = {0, 's', 'f', 'r', 'x', 'j'};
static const char vni_tone[HL_TONE_COUNT] = {0, '1', '2', '3', '4', '5'};

/* The t-th letter of a row (each a 1- to 3-byte code point) into out. */
static const char *row_letter(const char *row, int t, char out[8])
{
    const unsigned char *p = (const unsigned char *)row;
    for (int k = 0; k < t; k++)
        do
            p++;
        while ((*p & 0xC0) == 0x80);
    size_t n = 1;
    while ((p[n] & 0xC0) == 0x80)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static void test_every_vowel_takes_every_tone_in_telex_and_vni(void)
{
    for (int v = 0; v < 12; v++)
        for (int t = 0; t < HL_TONE_COUNT; t++) {
            char keys[16], up[16], want[8], want_up[8];
            row_letter(lower_rows[v], t, want);
            row_letter(upper_rows[v], t, want_up);
            snprintf(keys, sizeof keys, "%s%.1s", telex_vowel[v], &telex_tone[t]);
            expect_typed(__LINE__, HL_COMPOSE_TELEX, false, keys, want);
            snprintf(up, sizeof up, "%s", keys);
            up[0] = (char)(up[0] - 0x20); /* "Aws": upper case kept */
            expect_typed(__LINE__, HL_COMPOSE_TELEX, false, up, want_up);
            snprintf(keys, sizeof keys, "%s%.1s", vni_vowel[v], &vni_tone[t]);
            expect_typed(__LINE__, HL_COMPOSE_VNI, false, keys, want);
            snprintf(up, sizeof up, "%c%s", keys[0] - 0x20, keys + 1);
            expect_typed(__LINE__, HL_COMPOSE_VNI, false, up, want_up);
        }
}

static void test_the_tone_may_come_before_the_mark(void)
{
    for (int v = 0; v < 12; v++)
        for (int t = 1; t < HL_TONE_COUNT; t++) {
            if (vowel_mark[v] == HL_MARK_NONE) continue;
            char keys[16], want[8];
            row_letter(lower_rows[v], t, want);
            /* "asw": the tone on a, then the breve. */
            snprintf(keys, sizeof keys, "%c%c%s", telex_vowel[v][0], telex_tone[t],
                     telex_vowel[v] + 1);
            expect_typed(__LINE__, HL_COMPOSE_TELEX, false, keys, want);
            snprintf(keys, sizeof keys, "%c%c%s", vni_vowel[v][0], vni_tone[t], vni_vowel[v] + 1);
            expect_typed(__LINE__, HL_COMPOSE_VNI, false, keys, want);
        }
}

static void test_the_tone_and_mark_rows_make_every_vowel(void)
{
    for (int v = 0; v < 12; v++)
        for (int t = 0; t < HL_TONE_COUNT; t++)
            for (int order = 0; order < 2; order++) {
                hl_compose_t c;
                char base[8], want[8];
                hl_compose_init(&c, order ? HL_COMPOSE_TELEX : HL_COMPOSE_NONE, false, 0);
                type_into(__LINE__, &c, row_letter(lower_rows[base_row[v]], 0, base));
                int r1 = order ? hl_compose_tone(&c, (hl_tone_t)t)
                               : (vowel_mark[v] ? hl_compose_mark(&c, vowel_mark[v]) : HL_OK);
                int r2 = order ? (vowel_mark[v] ? hl_compose_mark(&c, vowel_mark[v]) : HL_OK)
                               : hl_compose_tone(&c, (hl_tone_t)t);
                if (r1 != HL_OK || r2 != HL_OK ||
                    strcmp(hl_compose_text(&c), row_letter(lower_rows[v], t, want)) != 0)
                    hl_test_fail(__FILE__, __LINE__,
                                 "row keys on %s (tone %d, mark %d, %s): "
                                 "\"%s\" (%d %d), expected \"%s\"",
                                 base, t, vowel_mark[v], order ? "tone first" : "mark first",
                                 hl_compose_text(&c), r1, r2, want);
            }
}

/* ---- Keys twice, tones late, where the tone goes ------------------------- */

static void test_a_tone_or_mark_key_twice_types_the_letter(void)
{
    static const typing_t telex[] = {
        {"ass", "as"},       {"aff", "af"},   {"arr", "ar"},   {"axx", "ax"},
        {"ajj", "aj"},       {"aaa", "aa"},   {"eee", "ee"},   {"ooo", "oo"},
        {"aww", "aw"},       {"oww", "ow"},   {"uww", "uw"},   {"ddd", "dd"},
        {"asss", "ass"},     {"aaaa", "aaa"}, {"dddd", "ddd"}, {"toanss", "toans"},
        {"tieeng", "tiêng"}, {"uoww", "uow"}, {"ASS", "AS"},   {"asf", "à"},
        {"asz", "a"},        {"aszz", "az"},  {"az", "az"},    {"asfr", "ả"},
        {"xoww", "xow"}};
    static const typing_t vni[] = {{"a11", "a1"}, {"a22", "a2"},  {"a33", "a3"},   {"a44", "a4"},
                                   {"a55", "a5"}, {"a66", "a6"},  {"a88", "a8"},   {"o77", "o7"},
                                   {"u77", "u7"}, {"d99", "d9"},  {"uo77", "uo7"}, {"a111", "a11"},
                                   {"a12", "à"},  {"a10", "a"},   {"a0", "a0"},    {"a100", "a0"},
                                   {"e66", "e6"}, {"a1 1", "á 1"}};
    EXPECT_TELEX_VNI(telex, vni);
}

static void test_tones_and_marks_may_follow_the_final_consonant(void)
{
    static const typing_t telex[] = {
        {"toans", "toán"},     {"vieetj", "việt"},     {"nguyeenx", "nguyễn"}, {"tieengs", "tiếng"},
        {"dduwowcj", "được"},  {"hoafn", "hoàn"},      {"tieseng", "tiếng"},   {"muoosn", "muốn"},
        {"truongw", "trương"}, {"nguoiwf", "người"},   {"dduwocj", "được"},    {"ruwouj", "rượu"},
        {"banj", "bạn"},       {"thuongwf", "thường"}, {"hocj", "học"},        {"mootj", "một"},
        {"dduongwf", "đường"}, {"tapf", "tapf"},       {"cacr", "cacr"},       {"hocs", "hóc"},
        {"sachx", "sachx"}};
    static const typing_t vni[] = {
        {"toan1", "toán"},   {"viet65", "việt"},     {"nguyen64", "nguyễn"}, {"tieng61", "tiếng"},
        {"duoc795", "được"}, {"truong72", "trường"}, {"d9uong72", "đường"},  {"tap2", "tap2"},
        {"hoc5", "học"},     {"duong927", "đường"}};
    EXPECT_TELEX_VNI(telex, vni);
}

/* Telex keys, and the text in the old style (the default) and the new. */
typedef struct placing {
    const char *keys;
    const char *old_style;
    const char *new_style;
} placing_t;

static void test_the_tone_goes_where_vietnamese_puts_it_in_every_vowel_cluster(void)
{
    static const placing_t cases[] = {
        /* Open syllables: the first vowel of the pair, or the marked one. */
        {"mais", "mái", "mái"},
        {"chaos", "cháo", "cháo"},
        {"saus", "sáu", "sáu"},
        {"tayf", "tày", "tày"},
        {"keof", "kèo", "kèo"},
        {"leeuf", "lều", "lều"},
        {"mias", "mía", "mía"},
        {"chiuj", "chịu", "chịu"},
        {"oir", "ỏi", "ỏi"},
        {"tooir", "tổi", "tổi"},
        {"mowis", "mới", "mới"},
        {"muaf", "mùa", "mùa"},
        {"cuwar", "cửa", "cửa"},
        {"guwir", "gửi", "gửi"},
        {"huwux", "hữu", "hữu"},
        {"tuis", "túi", "túi"},
        {"caaus", "cấu", "cấu"},
        {"daayj", "dậy", "dậy"},
        {"thuees", "thuế", "thuế"},
        {"xuaan", "xuân", "xuân"},
        {"thuowr", "thưở", "thưở"},
        /* oa oe uy open: the one choice of style. */
        {"hoaf", "hòa", "hoà"},
        {"khoer", "khỏe", "khoẻ"},
        {"thuyr", "thủy", "thuỷ"},
        {"tuyf", "tùy", "tuỳ"},
        {"hoas", "hóa", "hoá"},
        {"loef", "lòe", "loè"},
        {"Uyr", "Ủy", "Uỷ"},
        {"Khanhs Hoaf", "Khánh Hòa", "Khánh Hoà"},
        /* Three vowels: the marked one, else the middle one. */
        {"ngoaif", "ngoài", "ngoài"},
        {"xoays", "xoáy", "xoáy"},
        {"khuaays", "khuấy", "khuấy"},
        {"hieeur", "hiểu", "hiểu"},
        {"yeeus", "yếu", "yếu"},
        {"nguowif", "người", "người"},
        {"ruowuj", "rượu", "rượu"},
        {"muoois", "muối", "muối"},
        {"khuyur", "khuỷu", "khuỷu"},
        {"ngoeoj", "ngoẹo", "ngoẹo"},
        {"uyeenr", "uyển", "uyển"},
        {"khuyeens", "khuyến", "khuyến"},
        /* Closed syllables: the marked vowel, else the last one. */
        {"toans", "toán", "toán"},
        {"hoafn", "hoàn", "hoàn"},
        {"loets", "loét", "loét"},
        {"huynhf", "huỳnh", "huỳnh"},
        {"huyts", "huýt", "huýt"},
        {"khoanhr", "khoảnh", "khoảnh"},
        {"tuaanf", "tuần", "tuần"},
        {"tieengs", "tiếng", "tiếng"},
        {"muoons", "muốn", "muốn"},
        {"luowngj", "lượng", "lượng"},
        {"kieemr", "kiểm", "kiểm"},
        {"yeens", "yến", "yến"},
        {"hoawcj", "hoặc", "hoặc"},
        {"xoawns", "xoắn", "xoắn"},
        {"tuyeenr", "tuyển", "tuyển"},
        {"thuaanj", "thuận", "thuận"},
        {"nghieengx", "nghiễng", "nghiễng"}};
    for (size_t i = 0; i < N(cases); i++) {
        expect_typed(__LINE__, HL_COMPOSE_TELEX, false, cases[i].keys, cases[i].old_style);
        expect_typed(__LINE__, HL_COMPOSE_TELEX, true, cases[i].keys, cases[i].new_style);
    }
}

static void test_a_word_in_either_style_gets_its_tone_moved_or_changed(void)
{
    static const struct {
        const char *text, *keys;
        bool new_style;
        const char *want;
    } cases[] = {{"hoà", "s", false, "hóa"},  {"hoà", "n", false, "hoàn"},
                 {"hòa", "n", false, "hoàn"}, {"hòa", "r", true, "hoả"},
                 {"hòa", "i", true, "hoài"},  {"thuỷ", "z", false, "thuy"},
                 {"thủy", "x", true, "thuỹ"}, {"khoẻ", "j", false, "khọe"},
                 {"gì", "a", false, "già"},   {"hoà", "f", false, "hoaf"}};
    for (size_t i = 0; i < N(cases); i++) {
        hl_compose_t c;
        hl_compose_init(&c, HL_COMPOSE_TELEX, cases[i].new_style, 0);
        CHECK_INT(hl_compose_set_text(&c, cases[i].text), HL_OK);
        type_into(__LINE__, &c, cases[i].keys);
        if (strcmp(hl_compose_text(&c), cases[i].want) != 0)
            hl_test_fail(__FILE__, __LINE__, "\"%s\" + \"%s\": \"%s\", expected \"%s\"",
                         cases[i].text, cases[i].keys, hl_compose_text(&c), cases[i].want);
    }
    /* The tone row on a word of the other style. */
    hl_compose_t c;
    hl_compose_init(&c, HL_COMPOSE_NONE, false, 0);
    CHECK_INT(hl_compose_set_text(&c, "Khánh hoà"), HL_OK);
    CHECK_INT(hl_compose_tone(&c, HL_TONE_SAC), HL_OK);
    CHECK_STR(hl_compose_text(&c), "Khánh hóa");
}

static void test_qu_and_gi_are_onsets(void)
{
    static const typing_t telex[] = {
        {"quys", "quý"},      {"quas", "quá"},     {"giaf", "già"},          {"giuwx", "giữ"},
        {"ginf", "gìn"},      {"gif", "gì"},       {"gifa", "già"},          {"quoocs", "quốc"},
        {"quyeets", "quyết"}, {"giuwax", "giữa"},  {"gieengs", "giếng"},     {"quaan", "quân"},
        {"quawn", "quăn"},    {"Quangr", "Quảng"}, {"gioongs", "giống"},     {"quyeenr", "quyển"},
        {"giups", "giúp"},    {"quf", "quf"},      {"Giuwx ginf", "Giữ gìn"}};
    static const typing_t vni[] = {
        {"quy1", "quý"}, {"gia2", "già"}, {"giu74", "giữ"}, {"gin2", "gìn"}, {"quo6c1", "quốc"}};
    EXPECT_TELEX_VNI(telex, vni);
}

static void test_uo_and_a_horn_key_give_uo_with_two_horns(void)
{
    static const typing_t telex[] = {
        {"huow", "hươ"},    {"truowngf", "trường"}, {"nguowif", "người"}, {"dduwowcj", "được"},
        {"uow", "ươ"},      {"uwow", "ươ"},         {"uwo", "ưo"},        {"uwon", "ươn"},
        {"ruowuj", "rượu"}, {"uowo", "uô"},         {"muwowif", "mười"},  {"huowngs", "hướng"}};
    static const typing_t vni[] = {{"uo7", "ươ"},        {"u7o7", "ươ"},
                                   {"huo7", "hươ"},      {"truo7ng2", "trường"},
                                   {"nguo7i2", "người"}, {"ruo7u5", "rượu"}};
    EXPECT_TELEX_VNI(telex, vni);
}

static void test_upper_case_is_kept(void)
{
    static const typing_t telex[] = {{"DD", "Đ"},
                                     {"Dd", "Đ"},
                                     {"dD", "đ"},
                                     {"AA", "Â"},
                                     {"Aa", "Â"},
                                     {"aA", "â"},
                                     {"AW", "Ă"},
                                     {"OW", "Ơ"},
                                     {"UW", "Ư"},
                                     {"AS", "Á"},
                                     {"ASS", "AS"},
                                     {"DDD", "DD"},
                                     {"Vieetj Nam", "Việt Nam"},
                                     {"VIEETJ NAM", "VIỆT NAM"},
                                     {"DDUWOWNGF", "ĐƯỜNG"},
                                     {"Ddaf Nawngx", "Đà Nẵng"},
                                     {"NGUYEENX", "NGUYỄN"},
                                     {"HOAF", "HÒA"},
                                     {"HoAf", "HòA"}};
    static const typing_t vni[] = {
        {"D9", "Đ"}, {"VIE65T", "VIỆT"}, {"A6", "Â"}, {"O7", "Ơ"}, {"Vie65t Nam", "Việt Nam"}};
    EXPECT_TELEX_VNI(telex, vni);
}

static void test_dd_is_d_bar_at_the_start_of_a_word(void)
{
    static const typing_t telex[] = {{"ddi", "đi"},       {"dd", "đ"},    {"dduwowngf", "đường"},
                                     {"ddoongf", "đồng"}, {"did", "did"}, {"dad", "dad"},
                                     {"add", "add"},      {"ddaf", "đà"}};
    static const typing_t vni[] = {
        {"d9i", "đi"}, {"di9", "đi"}, {"duong972", "đường"}, {"a9", "a9"}, {"9", "9"}};
    EXPECT_TELEX_VNI(telex, vni);
}

/* ---- What is left alone -------------------------------------------------- */

static void test_a_key_that_cannot_compose_is_typed_as_it_is(void)
{
    static const typing_t telex[] = {{"s", "s"},   {"bs", "bs"}, {"z", "z"},     {"w", "w"},
                                     {"tw", "tw"}, {"f", "f"},   {"xa", "xa"},   {"ra", "ra"},
                                     {"j", "j"},   {"ai", "ai"}, {"aiw", "aiw"}, {"iw", "iw"},
                                     {"ew", "ew"}, {"yw", "yw"}, {"oee", "oee"}};
    static const typing_t vni[] = {{"1", "1"},   {"x2", "x2"}, {"a0", "a0"}, {"b6", "b6"},
                                   {"e8", "e8"}, {"i7", "i7"}, {"6", "6"}};
    EXPECT_TELEX_VNI(telex, vni);
}

static void test_words_that_are_not_vietnamese_are_left_alone(void)
{
    static const typing_t telex[] = {{"dress", "dress"},
                                     {"class", "class"},
                                     {"banana", "banana"},
                                     {"data", "data"},
                                     {"web", "web"},
                                     {"wifi", "wifi"},
                                     {"www", "www"},
                                     {"email", "email"},
                                     {"Facebook", "Facebook"},
                                     {"zalo", "zalo"},
                                     {"http", "http"},
                                     {"COVID", "COVID"},
                                     {"ok", "ok"},
                                     {"tapf", "tapf"},
                                     {"Word", "Word"},
                                     {"gmail.com", "gmail.com"},
                                     {"abcdefghijklmnop", "abcdefghijklmnop"}};
    static const typing_t vni[] = {
        {"Covid19", "Covid19"}, {"B52", "B52"}, {"mp3", "mp3"}, {"COVID-19", "COVID-19"}};
    EXPECT_TELEX_VNI(telex, vni);
}

static void test_numbers_punctuation_and_spaces_end_the_word(void)
{
    static const typing_t ok[] = {{"2024", "2024"},
                                  {"10:30", "10:30"},
                                  {"as,s", "á,s"},
                                  {"hoaf.", "hòa."},
                                  {"100%", "100%"},
                                  {"a s", "a s"},
                                  {"as\nbaf", "á\nbà"},
                                  {"as\tbaf", "á\tbà"},
                                  {"(Vieetj)", "(Việt)"},
                                  {"so61", "so61"},
                                  {"tel: 0901234567", "tel: 0901234567"}};
    static const typing_t vni[] = {{"2024", "2024"},   {"a1.", "á."},
                                   {"So61 3", "Số 3"}, {"nam8 2025", "năm 2025"},
                                   {"10:30", "10:30"}, {"a 1", "a 1"}};
    expect_table(__LINE__, HL_COMPOSE_TELEX, false, ok, N(ok));
    expect_table(__LINE__, HL_COMPOSE_VNI, false, vni, N(vni));
}

static void test_none_types_every_key_as_it_is(void)
{
    static const typing_t none[] = {{"aas", "aas"},       {"café", "café"}, {"a1", "a1"},
                                    {"Vieetj", "Vieetj"}, {"Việt", "Việt"}, {"hòan", "hòan"},
                                    {"ddi", "ddi"}};
    expect_table(__LINE__, HL_COMPOSE_NONE, false, none, N(none));
    expect_table(__LINE__, HL_COMPOSE_NONE, true, none, N(none));
}

/* ---- Backspace ------------------------------------------------------------ */

static void test_backspace_takes_the_tone_before_the_letter(void)
{
    hl_compose_t c;
    hl_compose_init(&c, HL_COMPOSE_TELEX, false, 0);
    type_into(__LINE__, &c, "as");
    CHECK_STR(hl_compose_text(&c), "á");
    CHECK_INT(hl_compose_backspace(&c), HL_OK);
    CHECK_STR(hl_compose_text(&c), "a");
    CHECK_INT(hl_compose_backspace(&c), HL_OK);
    CHECK_STR(hl_compose_text(&c), "");
    CHECK_INT(hl_compose_backspace(&c), HL_ERR_STATE);
    /* Each key, backwards: được, đươc, đươ, đưo, đư, đu, đ, d. */
    static const char *const steps[] = {"được", "đươc", "đươ", "đưo", "đư", "đu", "đ", "d", ""};
    type_into(__LINE__, &c, "dduwowcj");
    for (size_t i = 0; i < N(steps); i++) {
        if (strcmp(hl_compose_text(&c), steps[i]) != 0)
            hl_test_fail(__FILE__, __LINE__, "backspace %zu: \"%s\", expected \"%s\"", i,
                         hl_compose_text(&c), steps[i]);
        hl_compose_backspace(&c);
    }
    /* The rows' keys too, and a key that went back then forward. */
    type_into(__LINE__, &c, "toan");
    CHECK_INT(hl_compose_tone(&c, HL_TONE_SAC), HL_OK);
    CHECK_STR(hl_compose_text(&c), "toán");
    CHECK_INT(hl_compose_backspace(&c), HL_OK);
    CHECK_STR(hl_compose_text(&c), "toan");
    type_into(__LINE__, &c, "ss");
    CHECK_STR(hl_compose_text(&c), "toans");
    CHECK_INT(hl_compose_backspace(&c), HL_OK);
    CHECK_STR(hl_compose_text(&c), "toán");
}

static void test_backspace_beyond_the_history_removes_whole_code_points(void)
{
    hl_compose_t c;
    hl_compose_init(&c, HL_COMPOSE_TELEX, false, 0);
    CHECK_INT(hl_compose_set_text(&c, "Việt"), HL_OK); /* no history */
    CHECK_INT(hl_compose_backspace(&c), HL_OK);
    CHECK_STR(hl_compose_text(&c), "Việ");
    CHECK_INT(hl_compose_backspace(&c), HL_OK);
    CHECK_STR(hl_compose_text(&c), "Vi"); /* ệ as a whole: never half a sequence */
    /* 60 keys, more than the history holds: the last 32 are taken back
     * exactly (down to "á á á á á á á á á a": the 29th key was the tenth
     * s), then each backspace removes a code point, leaving valid text. */
    hl_compose_init(&c, HL_COMPOSE_TELEX, false, 0);
    for (int i = 0; i < 20; i++)
        type_into(__LINE__, &c, "as ");
    CHECK_INT(c.chars, 40);
    int n = 0;
    while (hl_compose_backspace(&c) == HL_OK) {
        n++;
        char out[HL_COMPOSE_MAX_BYTES + 1];
        hl_err_t err = {0};
        if (hl_compose_string(HL_COMPOSE_NONE, false, hl_compose_text(&c), out, sizeof out, &err) !=
                HL_OK ||
            c.chars != chars_in(hl_compose_text(&c)))
            hl_test_fail(__FILE__, __LINE__, "after %d backspaces: \"%s\" %s", n,
                         hl_compose_text(&c), err.msg);
        if (n == HL_COMPOSE_UNDO) CHECK_STR(hl_compose_text(&c), "á á á á á á á á á a");
    }
    CHECK_INT(n, HL_COMPOSE_UNDO + 19);
    CHECK_STR(hl_compose_text(&c), "");
    CHECK_INT(c.chars, 0);
}

/* ---- The keyboard's rows ---------------------------------------------------- */

/* A key of the keyboard's tone or mark row pressed on a text: the code and
 * the text it must leave. */
typedef struct row_case {
    const char *text;
    int key; /* an hl_tone_t or an hl_mark_t */
    int rc;
    const char *want;
} row_case_t;

static int press_tone(hl_compose_t *c, int key)
{
    return hl_compose_tone(c, (hl_tone_t)key);
}

static int press_mark(hl_compose_t *c, int key)
{
    return hl_compose_mark(c, (hl_mark_t)key);
}

/* Presses each case's key on its text, with method m for even cases and
 * NONE for odd ones (the rows work whatever the method). */
static void expect_rows(int line, const char *row, int (*press)(hl_compose_t *, int),
                        hl_compose_method_t m, const row_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hl_compose_t c;
        hl_compose_init(&c, i % 2 ? HL_COMPOSE_NONE : m, false, 0);
        CHECK_INT(hl_compose_set_text(&c, cases[i].text), HL_OK);
        int rc = press(&c, cases[i].key);
        if (rc != cases[i].rc || strcmp(hl_compose_text(&c), cases[i].want) != 0)
            hl_test_fail(__FILE__, line, "%s %d on \"%s\": %d \"%s\", expected %d \"%s\"", row,
                         cases[i].key, cases[i].text, rc, hl_compose_text(&c), cases[i].rc,
                         cases[i].want);
    }
}

static void test_the_tone_row_places_the_tone_or_says_why_not(void)
{
    static const row_case_t cases[] = {{"", HL_TONE_SAC, HL_ERR_STATE, ""},
                                       {"b", HL_TONE_SAC, HL_ERR_STATE, "b"},
                                       {"anh ", HL_TONE_SAC, HL_ERR_STATE, "anh "},
                                       {"tap", HL_TONE_HUYEN, HL_ERR_STATE, "tap"},
                                       {"tap", HL_TONE_SAC, HL_OK, "táp"},
                                       {"hoa", HL_TONE_HUYEN, HL_OK, "hòa"},
                                       {"hello", HL_TONE_SAC, HL_ERR_STATE, "hello"},
                                       {"á", HL_TONE_NONE, HL_OK, "a"},
                                       {"á", HL_TONE_SAC, HL_OK, "á"},
                                       {"a", HL_TONE_NONE, HL_OK, "a"},
                                       {"nguoi", HL_TONE_HUYEN, HL_OK, "nguòi"},
                                       {"người", HL_TONE_HOI, HL_OK, "ngưởi"},
                                       {"tiêng", HL_TONE_SAC, HL_OK, "tiếng"},
                                       {"2024", HL_TONE_SAC, HL_ERR_STATE, "2024"},
                                       {"a", 9, HL_ERR_USAGE, "a"},
                                       {"quy", HL_TONE_SAC, HL_OK, "quý"},
                                       {"gi", HL_TONE_HUYEN, HL_OK, "gì"},
                                       {"Việt Nam", HL_TONE_NGA, HL_OK, "Việt Nãm"}};
    expect_rows(__LINE__, "tone", press_tone, HL_COMPOSE_TELEX, cases, N(cases));
}

static void test_the_mark_row_makes_the_letter_or_says_why_not(void)
{
    static const row_case_t cases[] = {{"d", HL_MARK_DBAR, HL_OK, "đ"},
                                       {"di", HL_MARK_DBAR, HL_OK, "đi"},
                                       {"D", HL_MARK_DBAR, HL_OK, "Đ"},
                                       {"a", HL_MARK_BREVE, HL_OK, "ă"},
                                       {"a", HL_MARK_CIRCUMFLEX, HL_OK, "â"},
                                       {"o", HL_MARK_HORN, HL_OK, "ơ"},
                                       {"u", HL_MARK_HORN, HL_OK, "ư"},
                                       {"uo", HL_MARK_HORN, HL_OK, "ươ"},
                                       {"truong", HL_MARK_HORN, HL_OK, "trương"},
                                       {"tien", HL_MARK_CIRCUMFLEX, HL_OK, "tiên"},
                                       {"nguoi", HL_MARK_HORN, HL_OK, "ngươi"},
                                       {"hoa", HL_MARK_BREVE, HL_OK, "hoă"},
                                       {"á", HL_MARK_CIRCUMFLEX, HL_OK, "ấ"},
                                       {"toàn", HL_MARK_CIRCUMFLEX, HL_ERR_STATE, "toàn"},
                                       {"ươ", HL_MARK_HORN, HL_OK, "ươ"},
                                       {"b", HL_MARK_HORN, HL_ERR_STATE, "b"},
                                       {"", HL_MARK_BREVE, HL_ERR_STATE, ""},
                                       {"e", HL_MARK_BREVE, HL_ERR_STATE, "e"},
                                       {"i", HL_MARK_HORN, HL_ERR_STATE, "i"},
                                       {"ba", HL_MARK_DBAR, HL_ERR_STATE, "ba"},
                                       {"a", HL_MARK_NONE, HL_ERR_USAGE, "a"},
                                       {"a", 9, HL_ERR_USAGE, "a"},
                                       {"muon", HL_MARK_CIRCUMFLEX, HL_OK, "muôn"},
                                       {"hello", HL_MARK_HORN, HL_ERR_STATE, "hello"},
                                       {"dduowng", HL_MARK_HORN, HL_ERR_STATE, "dduowng"},
                                       {"mưa", HL_MARK_HORN, HL_OK, "mưa"}};
    expect_rows(__LINE__, "mark", press_mark, HL_COMPOSE_VNI, cases, N(cases));
}

/* ---- Limits and bad input --------------------------------------------------- */

static void test_a_key_over_max_chars_is_refused_and_the_text_kept(void)
{
    hl_compose_t c;
    hl_compose_init(&c, HL_COMPOSE_TELEX, false, 5);
    type_into(__LINE__, &c, "tieeng");
    CHECK_INT(hl_compose_key(&c, 'y'), HL_ERR_FULL); /* a 6th character */
    CHECK_STR(hl_compose_text(&c), "tiêng");
    CHECK_INT(hl_compose_key(&c, 's'), HL_OK); /* a tone adds no character */
    CHECK_STR(hl_compose_text(&c), "tiếng");
    CHECK_INT(hl_compose_key(&c, 's'), HL_ERR_FULL); /* "tiêngs" would be 6 */
    CHECK_STR(hl_compose_text(&c), "tiếng");
    CHECK_INT(hl_compose_backspace(&c), HL_OK); /* the refused keys left no history */
    CHECK_STR(hl_compose_text(&c), "tiêng");
    /* 0 and above the maximum mean the maximum. */
    hl_compose_init(&c, HL_COMPOSE_NONE, false, 0);
    CHECK_INT(c.max_chars, HL_COMPOSE_MAX_CHARS);
    for (int i = 0; i < HL_COMPOSE_MAX_CHARS; i++)
        CHECK_INT(hl_compose_key(&c, 'x'), HL_OK);
    CHECK_INT(hl_compose_key(&c, 'x'), HL_ERR_FULL);
    CHECK_INT(c.len, HL_COMPOSE_MAX_CHARS);
    hl_compose_init(&c, HL_COMPOSE_NONE, false, 99999);
    CHECK_INT(c.max_chars, HL_COMPOSE_MAX_CHARS);
    /* set_text over the limit changes nothing. */
    hl_compose_init(&c, HL_COMPOSE_NONE, false, 3);
    CHECK_INT(hl_compose_set_text(&c, "abcd"), HL_ERR_FULL);
    CHECK_INT(hl_compose_set_text(&c, "abc"), HL_OK);
    CHECK_STR(hl_compose_text(&c), "abc");
}

static void test_a_key_over_the_byte_capacity_is_refused(void)
{
    hl_compose_t c;
    hl_compose_init(&c, HL_COMPOSE_TELEX, false, 0);
    for (int i = 0; i < 1499; i++) /* 4-byte code points: 5,996 bytes */
        CHECK_INT(hl_compose_key(&c, 0x1F600), HL_OK);
    type_into(__LINE__, &c, "xoon"); /* xôn: 6,000 bytes */
    CHECK_INT(c.len, HL_COMPOSE_MAX_BYTES);
    CHECK_INT(hl_compose_key(&c, 's'), HL_ERR_FULL); /* xốn would be 6,001 */
    CHECK_INT(hl_compose_key(&c, '.'), HL_ERR_FULL);
    CHECK_INT(hl_compose_tone(&c, HL_TONE_SAC), HL_ERR_FULL);
    CHECK_INT(c.len, HL_COMPOSE_MAX_BYTES);
    CHECK_STR(hl_compose_text(&c) + 5996, "xôn");
    CHECK_INT(hl_compose_backspace(&c), HL_OK); /* then room again */
    CHECK_INT(hl_compose_key(&c, '.'), HL_OK);
    CHECK_STR(hl_compose_text(&c) + 5996, "xô.");
}

static void test_invalid_utf8_is_refused_with_its_byte_offset(void)
{
    static const struct {
        const char *keys;
        const char *says;
    } cases[] = {{"ab\xC3", "byte 2"},          {"\xFF", "byte 0"},
                 {"Vi\xC3\xAA\xC3t", "byte 4"}, {"a\xC0\x80", "byte 1"},
                 {"\xED\xA0\x80", "byte 0"},    {"ok \xF4\x90\x80\x80", "byte 3"},
                 {"a\x01", "byte 1"},           {"x\xCC\x81", "byte 1"},
                 {"a\xCC\x88", "byte 1"},       {"\xEF\xBF\xBE", "byte 0"}};
    for (size_t i = 0; i < N(cases); i++) {
        char out[64] = "unchanged";
        hl_err_t err = {0};
        int rc = hl_compose_string(HL_COMPOSE_TELEX, false, cases[i].keys, out, sizeof out, &err);
        if (rc != HL_ERR_INVALID || !strstr(err.msg, cases[i].says))
            hl_test_fail(__FILE__, __LINE__, "case %zu: %d \"%s\", expected %d naming \"%s\"", i,
                         rc, err.msg, HL_ERR_INVALID, cases[i].says);
    }
    char small[4];
    hl_err_t err = {0};
    CHECK_INT(hl_compose_string(HL_COMPOSE_TELEX, false, "tieengs", small, sizeof small, &err),
              HL_ERR_FULL);
    hl_compose_t c;
    hl_compose_init(&c, HL_COMPOSE_NONE, false, 0);
    CHECK_INT(hl_compose_key(&c, 0), HL_ERR_INVALID);
    CHECK_INT(hl_compose_key(&c, 0xD800), HL_ERR_INVALID);
    CHECK_INT(hl_compose_key(&c, 0x110000), HL_ERR_INVALID);
    CHECK_INT(hl_compose_key(&c, 0xFFFF), HL_ERR_INVALID);
    CHECK_INT(hl_compose_key(&c, 0x85), HL_ERR_INVALID);
    CHECK_INT(hl_compose_set_text(&c, "a\xC3"), HL_ERR_INVALID);
    CHECK_STR(hl_compose_text(&c), "");
}

static void test_combining_vietnamese_marks_join_the_letter_before(void)
{
    static const typing_t keys[] = {{"a\xCC\x81", "á"},         {"o\xCC\x9B\xCC\x81", "ớ"},
                                    {"e\xCC\x82\xCC\xA3", "ệ"}, {"Vie\xCC\x82\xCC\xA3t", "Việt"},
                                    {"A\xCC\x86\xCC\x80", "Ằ"}, {"u\xCC\x9B", "ư"}};
    for (int m = HL_COMPOSE_NONE; m <= HL_COMPOSE_VNI; m++)
        expect_table(__LINE__, (hl_compose_method_t)m, false, keys, N(keys));
    /* An earlier answer set as the text is held to the same rules. */
    hl_compose_t c;
    hl_compose_init(&c, HL_COMPOSE_TELEX, false, 0);
    CHECK_INT(hl_compose_set_text(&c, "Vie\xCC\x82\xCC\xA3t Nam"), HL_OK);
    CHECK_STR(hl_compose_text(&c), "Việt Nam");
    CHECK_INT(hl_compose_set_text(&c, "a\x01"), HL_ERR_INVALID);
    CHECK_STR(hl_compose_text(&c), "Việt Nam");
    type_into(__LINE__, &c, "s"); /* and typing goes on in Telex */
    CHECK_STR(hl_compose_text(&c), "Việt Nám");
    /* Text the world sends: other scripts and symbols pass. */
    static const typing_t other[] = {{"日本", "日本"}, {"€ 5", "€ 5"}, {"naïve", "naïve"}};
    expect_table(__LINE__, HL_COMPOSE_TELEX, false, other, N(other));
}

static void test_method_names_parse(void)
{
    hl_compose_method_t m = HL_COMPOSE_NONE;
    CHECK(hl_compose_method_parse("telex", &m) && m == HL_COMPOSE_TELEX);
    CHECK(hl_compose_method_parse("VNI", &m) && m == HL_COMPOSE_VNI);
    CHECK(hl_compose_method_parse("none", &m) && m == HL_COMPOSE_NONE);
    CHECK(!hl_compose_method_parse("viqr", &m));
    CHECK(!hl_compose_method_parse("", &m));
}

/* Whether the text's invariants hold: its length, its count of code points
 * and its bytes typed again as they are give the same text. */
static bool text_sound(const hl_compose_t *c)
{
    char again[HL_COMPOSE_MAX_BYTES + 1];
    hl_err_t err = {0};
    return c->len == strlen(c->text) && c->chars == chars_in(c->text) && c->chars <= c->max_chars &&
           hl_compose_string(HL_COMPOSE_NONE, false, c->text, again, sizeof again, &err) == HL_OK &&
           !strcmp(again, c->text);
}

/* One step of random typing: r < 80 a key, < 88 the tone row, < 94 the
 * mark row, else backspace. */
static int random_step(hl_compose_t *c, unsigned r, uint32_t key)
{
    return r < 80   ? hl_compose_key(c, key)
           : r < 88 ? hl_compose_tone(c, (hl_tone_t)(r % HL_TONE_COUNT))
           : r < 94 ? hl_compose_mark(c, (hl_mark_t)(1 + r % 4))
                    : hl_compose_backspace(c);
}

static void test_random_typing_keeps_the_text_sound_and_backspace_undoes_each_key(void)
{
    static const uint32_t keys[] = {
        'a', 'e', 'o', 'u', 'i', 'y', 'd', 'w', 's', 'f', 'r', 'x',  'j',   'z',   'n',     'g',
        'h', 't', 'c', 'q', 'k', 'A', 'D', 'W', 'O', '0', '1', '2',  '5',   '6',   '7',     '8',
        '9', ' ', '.', ',', 'p', 'm', 'l', 'b', 'v', 'E', 'U', 0xE1, 0x1B0, 0x111, 0x1F600, 0x301};
    uint32_t seed = 20240917u;
    for (int m = HL_COMPOSE_NONE; m <= HL_COMPOSE_VNI; m++) {
        hl_compose_t c;
        hl_compose_init(&c, (hl_compose_method_t)m, m == HL_COMPOSE_VNI, 300);
        for (int step = 0; step < 6000; step++) {
            if (step % 500 == 499) /* full (300 characters) for some steps: start again */
                hl_compose_init(&c, (hl_compose_method_t)m, m == HL_COMPOSE_VNI, 300);
            seed = seed * 1103515245u + 12345u; /* the same steps on every run */
            unsigned r = (seed >> 16) % 100, pick = (seed >> 8) % N(keys);
            char before[HL_COMPOSE_MAX_BYTES + 1], after[HL_COMPOSE_MAX_BYTES + 1];
            memcpy(before, c.text, c.len + 1);
            int rc = random_step(&c, r, keys[pick]);
            if (!text_sound(&c) || (rc != HL_OK && strcmp(before, c.text) != 0)) {
                hl_test_fail(__FILE__, __LINE__, "%s step %d (%u): \"%s\" -> %d \"%s\"",
                             method_name((hl_compose_method_t)m), step, r, before, rc, c.text);
                return;
            }
            if (r >= 94 || rc != HL_OK || !strcmp(before, c.text)) continue;
            memcpy(after, c.text, c.len + 1);
            hl_compose_backspace(&c); /* takes exactly that step back */
            if (strcmp(before, c.text) != 0 || !text_sound(&c)) {
                hl_test_fail(__FILE__, __LINE__, "%s step %d: \"%s\" -> \"%s\", back \"%s\"",
                             method_name((hl_compose_method_t)m), step, before, after, c.text);
                return;
            }
            random_step(&c, r, keys[pick]); /* again: the same text, and on from there */
            if (strcmp(after, c.text) != 0)
                hl_test_fail(__FILE__, __LINE__, "%s step %d again: \"%s\", expected \"%s\"",
                             method_name((hl_compose_method_t)m), step, c.text, after);
        }
    }
}

/* ---- Sentences ------------------------------------------------------------ */

/* What people write at the kiosk, and how they type it. */
static const struct {
    const char *text;  /* the NFC text */
    const char *telex; /* typed in Telex: marks at the vowel, the tone at the word's end */
    const char *vni;   /* typed in VNI likewise */
} sentences[] = {
    {"Cán bộ tiếp nhận hồ sơ rất nhiệt tình.",
     "Cans booj tieeps nhaanj hoof sow raats nhieetj tinhf.",
     "Can1 bo65 tie6p1 nha6n5 ho62 so7 ra6t1 nhie6t5 tinh2."},
    {"Thủ tục còn rườm rà, phải đi lại nhiều lần.",
     "Thur tucj conf ruowmf raf, phair ddi laij nhieeuf laanf.",
     "Thu3 tuc5 con2 ruo7m2 ra2, phai3 d9i lai5 nhie6u2 la6n2."},
    {"Nên có thêm ghế ngồi chờ cho người già.",
     "Neen cos theem ghees ngooif chowf cho nguowif giaf.",
     "Ne6n co1 the6m ghe61 ngo6i2 cho72 cho nguo7i2 gia2."},
    {"Tôi rất hài lòng với thái độ phục vụ.", "Tooi raats haif longf vowis thais ddooj phucj vuj.",
     "To6i ra6t1 hai2 long2 vo7i1 thai1 d9o65 phuc5 vu5."},
    {"Thời gian chờ đợi quá lâu, gần hai tiếng đồng hồ.",
     "Thowif gian chowf ddowij quas laau, gaanf hai tieengs ddoongf hoof.",
     "Tho7i2 gian cho72 d9o7i5 qua1 la6u, ga6n2 hai tie6ng1 d9o6ng2 ho62."},
    {"Nhân viên hướng dẫn tận tình, dễ hiểu.",
     "Nhaan vieen huowngs daanx taanj tinhf, deex hieeur.",
     "Nha6n vie6n huo7ng1 da6n4 ta6n5 tinh2, de64 hie6u3."},
    {"Phòng chờ sạch sẽ, thoáng mát.", "Phongf chowf sachj sex, thoangs mats.",
     "Phong2 cho72 sach5 se4, thoang1 mat1."},
    {"Đề nghị niêm yết công khai lệ phí.", "Ddeef nghij nieem yeets coong khai leej phis.",
     "D9e62 nghi5 nie6m ye6t1 co6ng khai le65 phi1."},
    {"Ủy ban nhân dân tỉnh Khánh Hòa.", "Uyr ban nhaan daan tinhr Khanhs Hoaf.",
     "Uy3 ban nha6n da6n tinh3 Khanh1 Hoa2."},
    {"Sở Tư pháp tỉnh Thanh Hóa.", "Sowr Tuw phaps tinhr Thanh Hoas.",
     "So73 Tu7 phap1 tinh3 Thanh Hoa1."},
    {"Thành phố Hồ Chí Minh.", "Thanhf phoos Hoof Chis Minh.", "Thanh2 pho61 Ho62 Chi1 Minh."},
    {"Huyện Hòa Bình, tỉnh Bạc Liêu.", "Huyeenj Hoaf Binhf, tinhr Bacj Lieeu.",
     "Huye6n5 Hoa2 Binh2, tinh3 Bac5 Lie6u."},
    {"Ông Nguyễn Văn Quyết và bà Trần Thị Thủy.",
     "Oong Nguyeenx Vawn Quyeets vaf baf Traanf Thij Thuyr.",
     "O6ng Nguye6n4 Va8n Quye6t1 va2 ba2 Tra6n2 Thi5 Thuy3."},
    {"Chị Lê Thị Huỳnh Hoa ở Quảng Ngãi.", "Chij Lee Thij Huynhf Hoa owr Quangr Ngaix.",
     "Chi5 Le6 Thi5 Huynh2 Hoa o73 Quang3 Ngai4."},
    {"Xin cảm ơn quý khách đã góp ý.", "Xin camr own quys khachs ddax gops ys.",
     "Xin cam3 o7n quy1 khach1 d9a4 gop1 y1."},
    {"Cần bổ sung giấy tờ nào khi làm căn cước?",
     "Caanf boor sung giaays towf naof khi lamf cawn cuowcs?",
     "Ca6n2 bo63 sung gia6y1 to72 nao2 khi lam2 ca8n cuo7c1?"},
    {"Hồ sơ được trả đúng hẹn, không phải chờ thêm.",
     "Hoof sow dduowcj trar ddungs henj, khoong phair chowf theem.",
     "Ho62 so7 d9uo7c5 tra3 d9ung1 hen5, kho6ng phai3 cho72 the6m."},
    {"Mong cơ quan sớm giải quyết khiếu nại của tôi.",
     "Mong cow quan sowms giair quyeets khieeus naij cuar tooi.",
     "Mong co7 quan so7m1 giai3 quye6t1 khie6u1 nai5 cua3 to6i."},
    {"Bãi gửi xe chật, trời mưa không có mái che.",
     "Baix guwir xe chaatj, trowif muwa khoong cos mais che.",
     "Bai4 gu7i3 xe cha6t5, tro7i2 mu7a kho6ng co1 mai1 che."},
    {"Tôi muốn hỏi về thủ tục đăng ký khai sinh cho con.",
     "Tooi muoons hoir veef thur tucj ddawng kys khai sinh cho con.",
     "To6i muo6n1 hoi3 ve62 thu3 tuc5 d9a8ng ky1 khai sinh cho con."},
    {"Nhân viên trả lời điện thoại chậm, gọi nhiều lần không được.",
     "Nhaan vieen trar lowif ddieenj thoaij chaamj, goij nhieeuf laanf khoong dduowcj.",
     "Nha6n vie6n tra3 lo7i2 d9ie6n5 thoai5 cha6m5, goi5 nhie6u2 la6n2 kho6ng d9uo7c5."},
    {"Cán bộ một cửa làm việc chuyên nghiệp và khách quan.",
     "Cans booj mootj cuwar lamf vieecj chuyeen nghieepj vaf khachs quan.",
     "Can1 bo65 mo6t5 cu7a3 lam2 vie6c5 chuye6n nghie6p5 va2 khach1 quan."},
    {"Phải nộp bản sao có chứng thực hay bản chính?",
     "Phair noopj banr sao cos chuwngs thuwcj hay banr chinhs?",
     "Phai3 no6p5 ban3 sao co1 chu7ng1 thu7c5 hay ban3 chinh1?"},
    {"Hướng dẫn trên mạng chưa rõ ràng, khó hiểu.",
     "Huowngs daanx treen mangj chuwa rox rangf, khos hieeur.",
     "Huo7ng1 da6n4 tre6n mang5 chu7a ro4 rang2, kho1 hie6u3."},
    {"Người khuyết tật cần lối đi riêng và thang máy.",
     "Nguowif khuyeets taatj caanf loois ddi rieeng vaf thang mays.",
     "Nguo7i2 khuye6t1 ta6t5 ca6n2 lo6i1 d9i rie6ng va2 thang may1."},
    {"Tôi đã được giải thích cặn kẽ, rất cảm ơn.",
     "Tooi ddax dduowcj giair thichs cawnj kex, raats camr own.",
     "To6i d9a4 d9uo7c5 giai3 thich1 ca8n5 ke4, ra6t1 cam3 o7n."},
    {"Khuya rồi mà vẫn còn xếp hàng dài.", "Khuya rooif maf vaanx conf xeeps hangf daif.",
     "Khuya ro6i2 ma2 va6n4 con2 xe6p1 hang2 dai2."},
    {"Sửa chữa nhà vệ sinh, thiếu nước rửa tay.",
     "Suwar chuwax nhaf veej sinh, thieeus nuowcs ruwar tay.",
     "Su7a3 chu7a4 nha2 ve65 sinh, thie6u1 nuo7c1 ru7a3 tay."},
    {"Thủ tục chuyển nhượng quyền sử dụng đất mất ba tháng.",
     "Thur tucj chuyeenr nhuowngj quyeenf suwr dungj ddaats maats ba thangs.",
     "Thu3 tuc5 chuye6n3 nhuo7ng5 quye6n2 su73 dung5 d9a6t1 ma6t1 ba thang1."},
    {"Đồng chí trưởng phòng tiếp dân rất chu đáo.",
     "Ddoongf chis truowngr phongf tieeps daan raats chu ddaos.",
     "D9o6ng2 chi1 truo7ng3 phong2 tie6p1 da6n ra6t1 chu d9ao1."},
    {"Thành phố Đà Nẵng, quận Hải Châu.", "Thanhf phoos Ddaf Nawngx, quaanj Hair Chaau.",
     "Thanh2 pho61 D9a2 Na8ng4, qua6n5 Hai3 Cha6u."},
    {"Tỉnh Thừa Thiên Huế, thị xã Hương Thủy.", "Tinhr Thuwaf Thieen Huees, thij xax Huowng Thuyr.",
     "Tinh3 Thu7a2 Thie6n Hue61, thi5 xa4 Huo7ng Thuy3."},
    {"Giữ gìn trật tự nơi công cộng.", "Giuwx ginf traatj tuwj nowi coong coongj.",
     "Giu74 gin2 tra6t5 tu75 no7i co6ng co6ng5."},
    {"Anh ấy khuấy cà phê rồi uống một ngụm.",
     "Anh aays khuaays caf phee rooif uoongs mootj ngumj.",
     "Anh a6y1 khua6y1 ca2 phe6 ro6i2 uo6ng1 mo6t5 ngum5."},
    {"Chúng tôi yêu cầu niêm yết lịch làm việc buổi sáng.",
     "Chungs tooi yeeu caauf nieem yeets lichj lamf vieecj buooir sangs.",
     "Chung1 to6i ye6u ca6u2 nie6m ye6t1 lich5 lam2 vie6c5 buo6i3 sang1."},
    {"Ngoài giờ hành chính có ai trực không?", "Ngoaif giowf hanhf chinhs cos ai truwcj khoong?",
     "Ngoai2 gio72 hanh2 chinh1 co1 ai tru7c5 kho6ng?"},
    {"Bà cụ bảy mươi tuổi phải đứng chờ suốt buổi.",
     "Baf cuj bayr muowi tuooir phair dduwngs chowf suoots buooir.",
     "Ba2 cu5 bay3 muo7i tuo6i3 phai3 d9u7ng1 cho72 suo6t1 buo6i3."},
    {"Biểu mẫu khó điền, chữ quá nhỏ, người lớn tuổi không đọc được.",
     "Bieeur maaux khos ddieenf, chuwx quas nhor, nguowif lowns tuooir khoong ddocj dduowcj.",
     "Bie6u3 ma6u4 kho1 d9ie6n2, chu74 qua1 nho3, nguo7i2 lo7n1 tuo6i3 kho6ng d9oc5 d9uo7c5."},
    {"Chúc mừng năm mới 2025: an khang thịnh vượng!",
     "Chucs muwngf nawm mowis 2025: an khang thinhj vuowngj!",
     "Chuc1 mu7ng2 na8m mo7i1 2025: an khang thinh5 vuo7ng5!"},
    {"Ai cũng khỏe mạnh, vui vẻ; cảm ơn quầy số 3.",
     "Ai cungx khoer manhj, vui ver; camr own quaayf soos 3.",
     "Ai cung4 khoe3 manh5, vui ve3; cam3 o7n qua6y2 so61 3."},
    {"Nguyễn Thị Minh Khai, phường Bến Nghé, quận 1.",
     "Nguyeenx Thij Minh Khai, phuowngf Beens Nghes, quaanj 1.",
     "Nguye6n4 Thi5 Minh Khai, phuo7ng2 Be6n1 Nghe1, qua6n5 1."},
    {"Lãnh đạo phường xử lý kiến nghị rất nhanh.",
     "Lanhx ddaoj phuowngf xuwr lys kieens nghij raats nhanh.",
     "Lanh4 d9ao5 phuo7ng2 xu73 ly1 kie6n1 nghi5 ra6t1 nhanh."},
    {"Ứng dụng dịch vụ công trực tuyến còn lỗi.",
     "Uwngs dungj dichj vuj coong truwcj tuyeens conf looix.",
     "U7ng1 dung5 dich5 vu5 co6ng tru7c5 tuye6n1 con2 lo6i4."},
    {"TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH QUẢNG NINH",
     "TRUNG TAAM PHUCJ VUJ HANHF CHINHS COONG TINHR QUANGR NINH",
     "TRUNG TA6M PHUC5 VU5 HANH2 CHINH1 CO6NG TINH3 QUANG3 NINH"},
};

static void test_sentences_typed_in_telex_come_out_byte_for_byte(void)
{
    for (size_t i = 0; i < N(sentences); i++)
        expect_typed(__LINE__, HL_COMPOSE_TELEX, false, sentences[i].telex, sentences[i].text);
}

static void test_sentences_typed_in_vni_come_out_byte_for_byte(void)
{
    for (size_t i = 0; i < N(sentences); i++)
        expect_typed(__LINE__, HL_COMPOSE_VNI, false, sentences[i].vni, sentences[i].text);
}

static void test_sentences_typed_as_they_are_stay_as_they_are(void)
{
    for (size_t i = 0; i < N(sentences); i++)
        expect_typed(__LINE__, HL_COMPOSE_NONE, false, sentences[i].text, sentences[i].text);
}

/* ---- hailong compose ----------------------------------------------------------- */

/* Runs hailong with args and no config to be found; checks its exit code and
 * that stdout is out (NULL: not checked) and stderr holds err (NULL: no check). */
static void expect_cli(int line, int code, const char *out, const char *err,
                       const char *const *argv)
{
    static const char *const env[] = {"HAILONG_CONFIG=/nonexistent/hailong.json",
                                      "HAILONG_DATA_DIR=/nonexistent/hailong", NULL};
    char *o = NULL, *e = NULL;
    int rc = hl_test_run(argv, env, &o, &e);
    if (rc != code || (out && (!o || strcmp(o, out) != 0)) || (err && (!e || !strstr(e, err))))
        hl_test_fail(__FILE__, line, "hailong %s %s: exit %d, stdout \"%s\", stderr \"%s\"",
                     argv[1], argv[2] ? argv[2] : "", rc, o ? o : "", e ? e : "");
    free(o);
    free(e);
}

static void test_hailong_compose_types_telex_and_vni_without_a_config(void)
{
    expect_cli(
        __LINE__, 0, "Việt Nam\n", NULL,
        (const char *const[]){HL_BIN, "compose", "--method", "telex", "Vieetj", "Nam", NULL});
    expect_cli(
        __LINE__, 0, "Cán bộ tiếp nhận hồ sơ rất nhiệt tình.\n", NULL,
        (const char *const[]){HL_BIN, "compose", "--method", "telex", sentences[0].telex, NULL});
    expect_cli(__LINE__, 0, "Nên có thêm ghế ngồi chờ cho người già.\n", NULL,
               (const char *const[]){HL_BIN, "compose", "--method", "vni", sentences[2].vni, NULL});
    expect_cli(__LINE__, 0, "Khánh Hoà\n", NULL,
               (const char *const[]){HL_BIN, "compose", "--new-style", "--method", "telex",
                                     "Khanhs", "Hoaf", NULL});
}

static void test_hailong_compose_usage_errors_exit_2(void)
{
    expect_cli(__LINE__, 2, "", "--method telex|vni|none",
               (const char *const[]){HL_BIN, "compose", "Vieetj", NULL});
    expect_cli(__LINE__, 2, "", "unknown method \"viqr\"",
               (const char *const[]){HL_BIN, "compose", "--method", "viqr", "a", NULL});
    expect_cli(__LINE__, 2, "", "give the text",
               (const char *const[]){HL_BIN, "compose", "--method", "vni", NULL});
    expect_cli(__LINE__, 2, "", "missing value after \"--method\"",
               (const char *const[]){HL_BIN, "compose", "--method", NULL});
    expect_cli(__LINE__, 2, "", "invalid UTF-8 at byte 5",
               (const char *const[]){HL_BIN, "compose", "--method", "telex", "ab", "cd\xC3", NULL});
    expect_cli(__LINE__, 0, NULL, NULL, (const char *const[]){HL_BIN, "compose", "--help", NULL});
}

static const hl_test_case_t table[] = {
    HL_TEST(test_every_vowel_takes_every_tone_in_telex_and_vni),
    HL_TEST(test_the_tone_may_come_before_the_mark),
    HL_TEST(test_the_tone_and_mark_rows_make_every_vowel),
    HL_TEST(test_a_tone_or_mark_key_twice_types_the_letter),
    HL_TEST(test_tones_and_marks_may_follow_the_final_consonant),
    HL_TEST(test_the_tone_goes_where_vietnamese_puts_it_in_every_vowel_cluster),
    HL_TEST(test_a_word_in_either_style_gets_its_tone_moved_or_changed),
    HL_TEST(test_qu_and_gi_are_onsets),
    HL_TEST(test_uo_and_a_horn_key_give_uo_with_two_horns),
    HL_TEST(test_upper_case_is_kept),
    HL_TEST(test_dd_is_d_bar_at_the_start_of_a_word),
    HL_TEST(test_a_key_that_cannot_compose_is_typed_as_it_is),
    HL_TEST(test_words_that_are_not_vietnamese_are_left_alone),
    HL_TEST(test_numbers_punctuation_and_spaces_end_the_word),
    HL_TEST(test_none_types_every_key_as_it_is),
    HL_TEST(test_backspace_takes_the_tone_before_the_letter),
    HL_TEST(test_backspace_beyond_the_history_removes_whole_code_points),
    HL_TEST(test_the_tone_row_places_the_tone_or_says_why_not),
    HL_TEST(test_the_mark_row_makes_the_letter_or_says_why_not),
    HL_TEST(test_a_key_over_max_chars_is_refused_and_the_text_kept),
    HL_TEST(test_a_key_over_the_byte_capacity_is_refused),
    HL_TEST(test_invalid_utf8_is_refused_with_its_byte_offset),
    HL_TEST(test_combining_vietnamese_marks_join_the_letter_before),
    HL_TEST(test_method_names_parse),
    HL_TEST(test_random_typing_keeps_the_text_sound_and_backspace_undoes_each_key),
    HL_TEST(test_sentences_typed_in_telex_come_out_byte_for_byte),
    HL_TEST(test_sentences_typed_in_vni_come_out_byte_for_byte),
    HL_TEST(test_sentences_typed_as_they_are_stay_as_they_are),
    HL_TEST(test_hailong_compose_types_telex_and_vni_without_a_config),
    HL_TEST(test_hailong_compose_usage_errors_exit_2),
};

HL_TEST_MAIN(table)
