/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_survey.c: the survey loader's checks (each problem with its exact
 * line, column and path), the bundled default survey, and answer values,
 * scores and show_if conditions.
 *
 * Inline surveys are built from the macros below so that lines are easy to
 * count: HEAD fills lines 1-8 and the first question is on line 9. Columns
 * count characters, not bytes ("Khảo sát" is 8 characters, 11 bytes).
 */
#include "hl_survey.h"
#include "hl_test.h"

#include <errno.h>
#include <stdlib.h>

/* ---- Building blocks ---------------------------------------------------- */

// clang-format off
#define HEAD_FV(format, version)                                  \
    "{\n"                                                         \
    "  \"format\": " format ",\n"                                 \
    "  \"id\": \"test-survey\",\n"                                \
    "  \"version\": " version ",\n"                               \
    "  \"languages\": [\"vi\", \"en\"],\n"                        \
    "  \"title\": {\"vi\": \"Khảo sát\", \"en\": \"Survey\"},\n"  \
    "  \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thanks\"},\n"   \
    "  \"questions\": [\n"
#define HEAD HEAD_FV("1", "1")
#define TAIL "  ]\n}\n"
#define TEXT "\"text\": {\"vi\": \"Câu hỏi\", \"en\": \"Question\"}"
#define OPT(id) "{\"id\": \"" id "\", \"label\": {\"vi\": \"" id "\", \"en\": \"" id "\"}}"
#define OPTS3 "[" OPT("good") ", " OPT("ok") ", " OPT("bad") "]"
#define OPTS5 "[" OPT("very_satisfied") ", " OPT("satisfied") ", " OPT("neutral") ", " \
              OPT("dissatisfied") ", " OPT("very_dissatisfied") "]"
/* A valid first question, on line 9 (a smiley with options good, ok, bad). */
#define Q_OVERALL_LAST "    {\"id\": \"overall\", \"type\": \"smiley\", " TEXT ", \"options\": " OPTS3 "}\n"
#define Q_OVERALL "    {\"id\": \"overall\", \"type\": \"smiley\", " TEXT ", \"options\": " OPTS3 "},\n"
#define Q_YESNO(id) "    {\"id\": \"" id "\", \"type\": \"yesno\", " TEXT "}"

/* Every type, and a condition on each kind of question. */
static const char full_survey[] =
    HEAD
    "    {\"id\": \"overall\", \"type\": \"smiley\", \"required\": true, " TEXT ", \"options\": " OPTS5 "},\n"
    "    {\"id\": \"rating\", \"type\": \"stars\", " TEXT "},\n"
    "    {\"id\": \"trips\", \"type\": \"choice\", " TEXT ", \"options\": [" OPT("once") ", " OPT("twice") "]},\n"
    "    {\"id\": \"reasons\", \"type\": \"multi\", \"max_choices\": 2, " TEXT ", \"options\": ["
        OPT("slow") ", " OPT("rude") ", " OPT("unclear") ", " OPT("other") "]},\n"
    "    {\"id\": \"nps\", \"type\": \"nps\", " TEXT "},\n"
    Q_YESNO("posted") ",\n"
    "    {\"id\": \"code\", \"type\": \"number\", \"min_digits\": 4, \"max_digits\": 6, " TEXT "},\n"
    "    {\"id\": \"low\", \"type\": \"yesno\", " TEXT ", \"show_if\": {\"question\": \"overall\", \"at_most\": 2}},\n"
    "    {\"id\": \"high\", \"type\": \"yesno\", " TEXT ", \"show_if\": {\"question\": \"overall\", \"at_least\": 4}},\n"
    "    {\"id\": \"why\", \"type\": \"yesno\", " TEXT ", \"show_if\": {\"question\": \"reasons\", \"any_of\": [\"slow\", \"rude\"]}},\n"
    "    {\"id\": \"not_posted\", \"type\": \"yesno\", " TEXT ", \"show_if\": {\"question\": \"posted\", \"any_of\": [\"no\"]}},\n"
    "    {\"id\": \"big_code\", \"type\": \"yesno\", " TEXT ", \"show_if\": {\"question\": \"code\", \"at_least\": 5000}},\n"
    "    {\"id\": \"plain\", \"type\": \"number\", " TEXT "}\n"
    TAIL;
// clang-format on

static int load(const char *text, hl_survey_t **s, hl_diags_t *d)
{
    return hl_survey_load_text("t.json", text, strlen(text), s, d);
}

/* Loads text expecting it to be rejected; returns with d filled. */
#define LOAD_BAD(text, d)                                                                          \
    do {                                                                                           \
        hl_survey_t *s_ = NULL;                                                                    \
        CHECK_INT(load(text, &s_, d), HL_ERR_INVALID);                                             \
        CHECK(s_ == NULL);                                                                         \
        hl_survey_free(s_);                                                                        \
    } while (0)

static hl_survey_t *load_full(void)
{
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    CHECK_INT(load(full_survey, &s, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    hl_diags_free(&d);
    if (!s) abort();
    return s;
}

static const hl_question_t *question(const hl_survey_t *s, const char *id)
{
    int i = hl_survey_find_question(s, id);
    if (i < 0) abort();
    return &s->questions[i];
}

/* ---- Valid surveys ------------------------------------------------------ */

static void test_default_survey_loads_without_diagnostics(void)
{
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    const char *path = HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json";
    CHECK_INT(hl_survey_load_file(path, &s, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    if (s) {
        CHECK_STR(s->id, "sipas-mot-cua");
        CHECK_INT(s->version, 1);
        CHECK_INT(s->n_langs, 2);
        CHECK_INT(s->langs[0], HL_LANG_VI);
        CHECK_STR(s->file, path);
        CHECK_INT(strlen(s->sha256), 64);
        CHECK_STR(hl_text_get(&s->title, HL_LANG_VI), "Đánh giá mức độ hài lòng");
        /* The first question is the overall rating, 5 levels, required. */
        const hl_question_t *q = &s->questions[0];
        CHECK_STR(q->id, "overall");
        CHECK_INT(q->type, HL_Q_SMILEY);
        CHECK(q->required);
        CHECK_INT(q->n_options, 5);
        CHECK_STR(hl_text_get(&q->options[0].label, HL_LANG_VI), "Rất hài lòng");
        CHECK_STR(hl_text_get(&q->options[4].label, HL_LANG_VI), "Rất không hài lòng");
        /* Reasons only after a low overall rating, at most 3 of them. */
        const hl_question_t *r = question(s, "reasons");
        CHECK_INT(r->type, HL_Q_MULTI);
        CHECK_INT(r->max_choices, 3);
        CHECK_INT(r->show_if.kind, HL_COND_AT_MOST);
        CHECK_INT(r->show_if.question, 0);
        CHECK_INT(r->show_if.bound, 2);
        const hl_question_t *c = question(s, "case_code");
        CHECK_INT(c->type, HL_Q_NUMBER);
        CHECK(!c->required);
        CHECK_INT(c->min_digits, 4);
        CHECK_INT(c->max_digits, 12);
        CHECK_INT(question(s, "trips")->type, HL_Q_CHOICE);
        /* Only the first question is required. */
        for (size_t i = 1; i < s->n_questions; i++)
            CHECK(!s->questions[i].required);
    }
    hl_survey_free(s);
    hl_diags_free(&d);
}

static void test_sha256_is_that_of_the_file_bytes(void)
{
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    const char *path = hl_test_data("surveys/minimal.json");
    CHECK_INT(hl_survey_load_file(path, &s, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    if (s) {
        /* Computed with sha256sum tests/data/surveys/minimal.json. */
        CHECK_STR(s->sha256, "584cded6a9548a8761c5c6d3219f033925afe36f50bbd8536e79086fe358b82a");
        size_t len = 0;
        char *bytes = hl_test_read_file(path, &len);
        CHECK_INT(s->source_len, len);
        CHECK(bytes && memcmp(s->source, bytes, len) == 0 && s->source[len] == '\0');
        free(bytes);
    }
    hl_survey_free(s);
    hl_diags_free(&d);
}

static void test_valid_survey_builds_the_model_with_defaults(void)
{
    hl_survey_t *s = load_full();
    CHECK_STR(s->id, "test-survey");
    CHECK_STR(s->file, "t.json");
    CHECK_INT(s->n_questions, 13);
    CHECK_STR(hl_text_get(&s->title, HL_LANG_EN), "Survey");
    CHECK_STR(hl_text_get(&s->thanks, HL_LANG_VI), "Cảm ơn");
    CHECK(question(s, "overall")->required);
    CHECK(!question(s, "rating")->required); /* default false */
    CHECK_INT(question(s, "rating")->n_options, 0);
    CHECK(question(s, "rating")->options == NULL);
    CHECK_INT(question(s, "reasons")->max_choices, 2);
    CHECK_INT(question(s, "trips")->max_choices, 2); /* n_options when absent */
    CHECK_INT(question(s, "plain")->min_digits, 1);  /* defaults 1 and 12 */
    CHECK_INT(question(s, "plain")->max_digits, 12);
    CHECK_INT(question(s, "rating")->show_if.kind, HL_COND_NONE);
    CHECK_INT(question(s, "rating")->show_if.question, -1);
    const hl_cond_t *c = &question(s, "why")->show_if;
    CHECK_INT(c->kind, HL_COND_ANY_OF);
    CHECK_INT(c->question, 3);
    CHECK_INT(c->n_any_of, 2);
    CHECK_STR(c->any_of[0], "slow");
    CHECK_STR(c->any_of[1], "rude");
    CHECK_INT(question(s, "high")->show_if.kind, HL_COND_AT_LEAST);
    CHECK_INT(question(s, "high")->show_if.bound, 4);
    hl_survey_free(s);
}

static void test_lookups_and_type_names(void)
{
    hl_survey_t *s = load_full();
    CHECK_INT(hl_survey_find_question(s, "overall"), 0);
    CHECK_INT(hl_survey_find_question(s, "nope"), -1);
    CHECK_INT(hl_question_find_option(question(s, "overall"), "neutral"), 2);
    CHECK_INT(hl_question_find_option(question(s, "overall"), "nope"), -1);
    CHECK_INT(hl_question_find_option(question(s, "rating"), "1"), -1);
    CHECK(hl_survey_has_lang(s, HL_LANG_VI));
    CHECK(hl_survey_has_lang(s, HL_LANG_EN));
    const char *names[] = {"smiley", "stars", "choice", "multi", "nps", "yesno", "number"};
    for (int t = 0; t < HL_Q_TYPE_COUNT; t++)
        CHECK_STR(hl_qtype_name((hl_qtype_t)t), names[t]);
    CHECK(hl_qtype_auto_advance(HL_Q_SMILEY));
    CHECK(hl_qtype_auto_advance(HL_Q_STARS));
    CHECK(hl_qtype_auto_advance(HL_Q_CHOICE));
    CHECK(hl_qtype_auto_advance(HL_Q_NPS));
    CHECK(hl_qtype_auto_advance(HL_Q_YESNO));
    CHECK(!hl_qtype_auto_advance(HL_Q_MULTI));
    CHECK(!hl_qtype_auto_advance(HL_Q_NUMBER));
    hl_survey_free(s);
}

static void test_single_language_survey_needs_only_that_language(void)
{
    // clang-format off
    static const char text[] =
        "{\"format\": 1, \"id\": \"vi-only\", \"version\": 7, \"languages\": [\"vi\"],\n"
        " \"title\": {\"vi\": \"Khảo sát\"}, \"thanks\": {\"vi\": \"Cảm ơn\"},\n"
        " \"questions\": [{\"id\": \"q\", \"type\": \"yesno\", \"text\": {\"vi\": \"Câu hỏi\"}}]}\n";
    // clang-format on
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    CHECK_INT(load(text, &s, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    if (s) {
        CHECK_INT(s->version, 7);
        CHECK(!hl_survey_has_lang(s, HL_LANG_EN));
        /* A missing language falls back to the first available text. */
        CHECK_STR(hl_text_get(&s->title, HL_LANG_EN), "Khảo sát");
    }
    hl_survey_free(s);
    hl_diags_free(&d);
}

/* ---- File and JSON problems --------------------------------------------- */

static void test_missing_file_is_an_io_error_naming_the_file(void)
{
    hl_diags_t d = {0};
    hl_survey_t *s = (hl_survey_t *)&d; /* must be reset to NULL */
    const char *path = hl_test_data("surveys/no-such-file.json");
    CHECK_INT(hl_survey_load_file(path, &s, &d), HL_ERR_IO);
    CHECK(s == NULL);
    EXPECT_COUNT(&d, 1);
    if (d.n == 1) {
        CHECK_STR(d.items[0].file, path);
        CHECK_INT(d.items[0].line, 0);
        CHECK_CONTAINS(d.items[0].msg, strerror(ENOENT));
    }
    hl_diags_free(&d);
}

static void test_invalid_json_reports_janssons_line_and_column(void)
{
    hl_diags_t d = {0};
    LOAD_BAD("{\n  \"format\": 1,\n  \"id\": tru\n}\n", &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 3, 11, NULL, "invalid JSON: invalid token near 'tru'");
    hl_diags_free(&d);
}

static void test_a_nul_in_a_survey_is_named_in_plain_words_not_janssons_flag(void)
{
    hl_diags_t d = {0};
    LOAD_BAD("{\n  \"format\": 1,\n  \"id\": \"a\\u0000b\"\n}\n", &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 3, 18, NULL,
                "invalid JSON: a text holds a NUL character (\\u0000), which is not allowed: "
                "remove it");
    CHECK(d.n && !strstr(d.items[0].msg, "JSON_ALLOW_NUL"));
    hl_diags_free(&d);
}

/* A file that does not parse could be a config holding a token: the text
 * at the error is never quoted, only a misspelt literal like 'tru'. */
static void test_a_syntax_error_never_quotes_an_unquoted_word(void)
{
    hl_diags_t d = {0};
    LOAD_BAD("{\n  \"format\": 1,\n  \"token\": SECRETTOKEN\n}\n", &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 3, 22, NULL, "invalid JSON: invalid token (the text there is not shown)");
    hl_diags_free(&d);
}

static void test_invalid_utf8_is_reported_where_it_is(void)
{
    hl_diags_t d = {0};
    LOAD_BAD("{\n  \"format\": 1,\n  \"id\": \"a\xff"
             "b\"\n}\n",
             &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 3, 10, NULL, "unable to decode byte 0xff");
    if (d.n) CHECK_CONTAINS(d.items[0].msg, "UTF-8");
    hl_diags_free(&d);

    /* A truncated sequence inside a Vietnamese text ("ả" is E1 BA A3). */
    hl_diags_t d2 = {0};
    LOAD_BAD("{\"title\": {\"vi\": \"Kh\xe1\xba\"}}", &d2);
    EXPECT_COUNT(&d2, 1);
    if (d2.n) CHECK_CONTAINS(d2.items[0].msg, "UTF-8");
    hl_diags_free(&d2);
}

static void test_duplicate_key_is_an_error(void)
{
    hl_diags_t d = {0};
    LOAD_BAD("{\n  \"format\": 1,\n  \"format\": 1\n}\n", &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 3, 10, NULL, "duplicate object key");
    hl_diags_free(&d);
}

static void test_top_level_must_be_an_object(void)
{
    hl_diags_t d = {0};
    LOAD_BAD("\n  [1, 2]\n", &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 2, 3, NULL, "a survey must be a JSON object");
    hl_diags_free(&d);
}

static void test_file_over_one_mib_is_rejected(void)
{
    size_t len = 1024 * 1024 + 1;
    char *text = malloc(len);
    if (!text) abort();
    memset(text, ' ', len);
    text[0] = '{';
    text[len - 1] = '}';
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    CHECK_INT(hl_survey_load_text("big.json", text, len, &s, &d), HL_ERR_INVALID);
    CHECK(s == NULL);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 0, 0, NULL, "1 MiB");
    free(text);
    hl_diags_free(&d);
}

static void test_file_over_one_mib_on_disk_is_rejected(void)
{
    char *dir = hl_test_tmpdir("survey-big");
    size_t len = 1024 * 1024 + 10;
    char *text = malloc(len + 1);
    if (!text) abort();
    memset(text, ' ', len);
    text[0] = '{';
    text[len - 1] = '}';
    text[len] = '\0';
    char *path = hl_test_write_file(dir, "big.json", text);
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    CHECK_INT(hl_survey_load_file(path, &s, &d), HL_ERR_INVALID);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 0, 0, NULL, "the file is larger than the limit of 1 MiB");
    hl_diags_free(&d);
    free(text);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_empty_file_and_byte_order_mark_are_invalid_json(void)
{
    hl_diags_t d = {0};
    LOAD_BAD("", &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 1, 1, NULL, "invalid JSON: '[' or '{' expected near end of file");
    hl_diags_free(&d);

    hl_diags_t d2 = {0};
    LOAD_BAD("\xef\xbb\xbf{}", &d2);
    EXPECT_COUNT(&d2, 1);
    EXPECT_DIAG(&d2, 0, 1, 1, NULL, "remove the byte order mark");
    hl_diags_free(&d2);
}

/* The first ```json block of assets/surveys/README.md is a complete survey. */
static void test_readme_example_survey_is_valid(void)
{
    char *doc = hl_test_read_file(HL_SOURCE_DIR "/assets/surveys/README.md", NULL);
    CHECK(doc != NULL);
    if (!doc) return;
    char *start = strstr(doc, "```json\n");
    char *end = start ? strstr(start + 8, "```") : NULL;
    CHECK(start && end);
    if (start && end) {
        hl_diags_t d = {0};
        hl_survey_t *s = NULL;
        CHECK_INT(hl_survey_load_text("README.md", start + 8, (size_t)(end - start - 8), &s, &d),
                  HL_OK);
        EXPECT_COUNT(&d, 0);
        hl_survey_free(s);
        hl_diags_free(&d);
    }
    free(doc);
}

/* ---- Keys --------------------------------------------------------------- */

static void test_unknown_key_reported_with_its_line_and_column(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        Q_OVERALL
        "    {\"id\": \"reasons\", \"type\": \"multi\", " TEXT ",\n"
        "     \"optoins\": [" OPT("a") ", " OPT("b") "]}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 2);
    /* The missing key points at the question's brace, the unknown one at itself. */
    EXPECT_DIAG(&d, 0, 10, 5, "questions[1].options", "missing key \"options\"");
    EXPECT_DIAG(&d, 1, 11, 6, "questions[1].optoins",
                "unknown key \"optoins\" (did you mean \"options\"?)");
    hl_diags_free(&d);
}

static void test_unknown_key_without_a_near_match_lists_the_allowed_keys(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD Q_OVERALL_LAST "  ],\n  \"colour\": \"red\"\n}\n", &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 11, 3, "colour",
                "unknown key \"colour\" (keys allowed here: format, id, version, languages, "
                "title, thanks, questions)");
    hl_diags_free(&d);
}

static void test_missing_top_level_keys_point_at_the_opening_brace(void)
{
    hl_diags_t d = {0};
    LOAD_BAD("  {\"format\": 1, \"id\": \"x\"}", &d);
    EXPECT_COUNT(&d, 5);
    EXPECT_DIAG(&d, 0, 1, 3, "version", "missing key \"version\"");
    EXPECT_DIAG(&d, 1, 1, 3, "languages", "missing key \"languages\"");
    EXPECT_DIAG(&d, 2, 1, 3, "title", "missing key \"title\"");
    EXPECT_DIAG(&d, 3, 1, 3, "thanks", "missing key \"thanks\"");
    EXPECT_DIAG(&d, 4, 1, 3, "questions", "missing key \"questions\"");
    hl_diags_free(&d);
}

static void test_key_with_a_dot_is_still_found(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD Q_OVERALL_LAST "  ],\n  \"a.b[0]\": 1, \"x\\u00e9\": 2\n}\n", &d);
    EXPECT_COUNT(&d, 2);
    EXPECT_DIAG(&d, 0, 11, 3, "a.b[0]", "unknown key \"a.b[0]\"");
    EXPECT_DIAG(&d, 1, 11, 16, "xé", "unknown key \"xé\"");
    hl_diags_free(&d);
}

/* ---- Texts and languages ------------------------------------------------ */

static void test_missing_translation_is_reported_at_the_text(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        "    {\"id\": \"overall\", \"type\": \"yesno\",\n"
        "     \"text\": {\"vi\": \"Câu hỏi\"}}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 10, 14, "questions[0].text", "missing translation for \"en\"");
    hl_diags_free(&d);
}

static void test_text_in_an_unknown_language_is_placed_in_characters(void)
{
    // clang-format off
    static const char text[] =
        "{\n"
        "  \"format\": 1,\n"
        "  \"id\": \"test-survey\",\n"
        "  \"version\": 1,\n"
        "  \"languages\": [\"vi\", \"en\"],\n"
        "  \"title\": {\"vi\": \"Khảo sát\", \"fr\": \"Survey\"},\n"
        "  \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thanks\"},\n"
        "  \"questions\": [\n"
        Q_OVERALL_LAST
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 2);
    EXPECT_DIAG(&d, 0, 6, 12, "title", "missing translation for \"en\"");
    /* "fr" is the 31st character of its line (the 34th byte). */
    EXPECT_DIAG(&d, 1, 6, 31, "title.fr", "unknown language \"fr\" (supported: vi, en)");
    hl_diags_free(&d);
}

static void test_text_in_an_undeclared_language_is_an_error(void)
{
    // clang-format off
    static const char text[] =
        "{\"format\": 1, \"id\": \"x\", \"version\": 1, \"languages\": [\"vi\"],\n"
        " \"title\": {\"vi\": \"Khảo sát\", \"en\": \"Survey\"}, \"thanks\": {\"vi\": \"Cảm ơn\"},\n"
        " \"questions\": [{\"id\": \"q\", \"type\": \"yesno\", \"text\": {\"vi\": \"Câu\"}}]}\n";
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 2, 30, "title.en", "text in \"en\", which \"languages\" does not declare");
    hl_diags_free(&d);
}

static void test_empty_and_too_long_texts_are_errors(void)
{
    /* 500 characters of "ệ" (3 bytes each) are fine, 501 are not. */
    char *text = malloc(8192);
    if (!text) abort();
    for (int n = 500; n <= 501; n++) {
        char *p = text;
        p += sprintf(p, "%s",
                     HEAD_FV("1", "1") "    {\"id\": \"q\", \"type\": \"yesno\", "
                                       "\"text\": {\"vi\": \"");
        for (int i = 0; i < n; i++)
            p += sprintf(p, "ệ");
        sprintf(p, "\", \"en\": \" \\t\"}}\n" TAIL);
        hl_diags_t d = {0};
        LOAD_BAD(text, &d);
        EXPECT_COUNT(&d, n == 500 ? 1 : 2);
        size_t i = 0;
        if (n == 501)
            EXPECT_DIAG(&d, i++, 9, 49, "questions[0].text.vi",
                        "the \"vi\" text is 501 characters long; the limit is 500");
        EXPECT_DIAG(&d, i, 9, 559 + (n - 500), "questions[0].text.en", "the \"en\" text is empty");
        hl_diags_free(&d);
    }
    free(text);
}

static void test_languages_must_be_known_unique_and_not_empty(void)
{
    hl_diags_t d = {0};
    // clang-format off
    LOAD_BAD("{\"format\": 1, \"id\": \"x\", \"version\": 1,\n"
             " \"languages\": [\"vi\", \"fr\", \"vi\", 3],\n"
             " \"title\": {\"vi\": \"T\"}, \"thanks\": {\"vi\": \"C\"},\n"
             " \"questions\": [{\"id\": \"q\", \"type\": \"yesno\", \"text\": {\"vi\": \"Q\"}}]}\n",
             &d);
    // clang-format on
    EXPECT_COUNT(&d, 3);
    EXPECT_DIAG(&d, 0, 2, 22, "languages[1]", "unknown language \"fr\" (supported: vi, en)");
    EXPECT_DIAG(&d, 1, 2, 28, "languages[2]", "language \"vi\" is listed twice");
    EXPECT_DIAG(&d, 2, 2, 34, "languages[3]", "a language must be a code string");
    hl_diags_free(&d);

    hl_diags_t d2 = {0};
    LOAD_BAD("{\"format\": 1, \"id\": \"x\", \"version\": 1, \"languages\": [],\n"
             " \"title\": {\"vi\": \"T\"}, \"thanks\": {\"vi\": \"C\"},\n"
             " \"questions\": [{\"id\": \"q\", \"type\": \"yesno\", \"text\": {\"vi\": \"Q\"}}]}\n",
             &d2);
    EXPECT_COUNT(&d2, 1);
    EXPECT_DIAG(&d2, 0, 1, 53, "languages", "\"languages\" is empty");
    hl_diags_free(&d2);
}

/* ---- Top-level values --------------------------------------------------- */

static void test_version_must_be_a_positive_integer(void)
{
    static const char *const texts[] = {
        HEAD_FV("1", "0") Q_OVERALL_LAST TAIL,    HEAD_FV("1", "-3") Q_OVERALL_LAST TAIL,
        HEAD_FV("1", "3.0") Q_OVERALL_LAST TAIL,  HEAD_FV("1", "\"3\"") Q_OVERALL_LAST TAIL,
        HEAD_FV("1", "null") Q_OVERALL_LAST TAIL,
    };
    static const char *const msgs[] = {"not 0", "not -3", "not a real number",
                                       "not a string (write the number without quotes)",
                                       "not null"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        hl_diags_t d = {0};
        LOAD_BAD(texts[i], &d);
        EXPECT_COUNT(&d, 1);
        EXPECT_DIAG(&d, 0, 4, 14, "version", "\"version\" must be a positive integer");
        EXPECT_DIAG(&d, 0, 4, 14, "version", msgs[i]);
        hl_diags_free(&d);
    }
}

static void test_format_other_than_1_is_rejected(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD_FV("2", "1") Q_OVERALL_LAST TAIL, &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 2, 13, "format", "unsupported format 2: this firmware reads format 1");
    hl_diags_free(&d);

    hl_diags_t d2 = {0};
    LOAD_BAD(HEAD_FV("\"1\"", "1") Q_OVERALL_LAST TAIL, &d2);
    EXPECT_COUNT(&d2, 1);
    EXPECT_DIAG(&d2, 0, 2, 13, "format", "\"format\" must be the integer 1, not a string");
    hl_diags_free(&d2);
}

static void test_ids_outside_their_pattern_are_errors(void)
{
    // clang-format off
    static const char text[] =
        "{\n"
        "  \"format\": 1,\n"
        "  \"id\": \"Test Survey\",\n"
        "  \"version\": 1,\n"
        "  \"languages\": [\"vi\", \"en\"],\n"
        "  \"title\": {\"vi\": \"Khảo sát\", \"en\": \"Survey\"},\n"
        "  \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thanks\"},\n"
        "  \"questions\": [\n"
        "    {\"id\": \"over-all\", \"type\": \"smiley\", " TEXT ",\n"
        "     \"options\": [" OPT("good") ", " OPT("ok") ",\n"
        "       " OPT("a23456789_123456789_123456789_123") "]}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 3);
    EXPECT_DIAG(&d, 0, 3, 9, "id",
                "survey id \"Test Survey\" must be 1 to 40 characters of a-z, 0-9, '_' and '-'");
    EXPECT_DIAG(&d, 1, 9, 12, "questions[0].id",
                "question id \"over-all\" must be 1 to 32 characters of a-z, 0-9, '_' (lower");
    EXPECT_DIAG(&d, 2, 11, 15, "questions[0].options[2].id",
                "option id \"a23456789_123456789_123456789_123\" must be 1 to 32 characters");
    hl_diags_free(&d);
}

static void test_wrong_json_types_are_reported(void)
{
    // clang-format off
    static const char text[] =
        "{\n"
        "  \"format\": 1,\n"
        "  \"id\": 5,\n"
        "  \"version\": 1,\n"
        "  \"languages\": \"vi\",\n"
        "  \"title\": \"Khảo sát\",\n"
        "  \"thanks\": {\"vi\": 1},\n"
        "  \"questions\": [\n"
        "    {\"id\": \"q\", \"type\": \"yesno\", \"required\": \"true\", " TEXT "},\n"
        "    \"q2\",\n"
        "    {\"id\": \"q3\", \"type\": [\"yesno\"], " TEXT ", \"show_if\": []}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 8);
    EXPECT_DIAG(&d, 0, 3, 9, "id", "\"id\" must be a string, not an integer");
    EXPECT_DIAG(&d, 1, 5, 16, "languages", "\"languages\" must be a list of language codes");
    EXPECT_DIAG(&d, 2, 6, 12, "title", "\"title\" must be an object of texts by language");
    EXPECT_DIAG(&d, 3, 7, 20, "thanks.vi", "the \"vi\" text must be a string, not an integer");
    EXPECT_DIAG(&d, 4, 9, 46, "questions[0].required",
                "\"required\" must be true or false, not a string (write it without quotes)");
    EXPECT_DIAG(&d, 5, 10, 5, "questions[1]", "a question must be an object");
    EXPECT_DIAG(&d, 6, 11, 26, "questions[2].type", "\"type\" must be a string, not an array");
    EXPECT_DIAG(&d, 7, 11, 93, "questions[2].show_if", "\"show_if\" must be an object");
    hl_diags_free(&d);
}

/* ---- Questions ---------------------------------------------------------- */

static void test_duplicate_question_id_names_the_first_line(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD Q_OVERALL "    {\"id\": \"overall\", \"type\": \"stars\", " TEXT "}\n" TAIL, &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 10, 12, "questions[1].id",
                "duplicate question id \"overall\" (first at line 9)");
    hl_diags_free(&d);
}

static void test_duplicate_option_id_is_reported(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        "    {\"id\": \"trips\", \"type\": \"choice\", " TEXT ", \"options\": [\n"
        "       " OPT("once") ",\n"
        "       " OPT("twice") ",\n"
        "       " OPT("once") "]}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 12, 15, "questions[0].options[2].id",
                "duplicate option id \"once\" in this question (first at line 10)");
    hl_diags_free(&d);
}

static void test_unknown_type_is_reported_with_a_suggestion(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD "    {\"id\": \"q\", \"type\": \"smily\", " TEXT "}\n" TAIL, &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 9, 25, "questions[0].type",
                "unknown type \"smily\" (did you mean \"smiley\"?); types: smiley, stars, choice, "
                "multi, nps, yesno, number");
    hl_diags_free(&d);
}

static void test_smiley_needs_three_or_five_options(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD "    {\"id\": \"q\", \"type\": \"smiley\", " TEXT
                  ", \"options\": [" OPT("a") ", " OPT("b") ", " OPT("c") ", " OPT("d") "]}\n" TAIL,
             &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 9, 91, "questions[0].options",
                "a smiley question needs 3 or 5 options (best first), not 4");
    hl_diags_free(&d);
}

static void test_options_and_type_specific_keys_only_where_they_belong(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        Q_OVERALL
        "    {\"id\": \"r\", \"type\": \"stars\", " TEXT ", \"options\": [],\n"
        "     \"max_choices\": 2, \"min_digits\": 2},\n"
        "    {\"id\": \"c\", \"type\": \"choice\", " TEXT "},\n"
        "    {\"id\": \"y\", \"type\": \"yesno\", " TEXT ", \"options\": [" OPT("a") ", " OPT("b") "]}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 5);
    EXPECT_DIAG(&d, 0, 10, 79, "questions[1].options",
                "\"options\" is not allowed on a stars question: only smiley, choice and multi");
    EXPECT_DIAG(&d, 1, 11, 6, "questions[1].max_choices",
                "\"max_choices\" is not allowed on a stars question");
    EXPECT_DIAG(&d, 2, 11, 24, "questions[1].min_digits",
                "\"min_digits\" is not allowed on a stars question");
    EXPECT_DIAG(&d, 3, 12, 5, "questions[2].options", "missing key \"options\"");
    EXPECT_DIAG(&d, 4, 13, 79, "questions[3].options",
                "(a yesno question's answers are yes and no)");
    hl_diags_free(&d);
}

static void test_max_choices_and_digit_bounds_are_checked(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        Q_OVERALL
        "    {\"id\": \"m\", \"type\": \"multi\", \"max_choices\": 3, \"options\": [" OPT("a") ", " OPT("b") "], " TEXT "},\n"
        "    {\"id\": \"n\", \"type\": \"number\", \"min_digits\": 8, \"max_digits\": 4, " TEXT "},\n"
        "    {\"id\": \"p\", \"type\": \"number\", \"max_digits\": 19, " TEXT "},\n"
        "    {\"id\": \"o\", \"type\": \"number\", \"min_digits\": 13, " TEXT "}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 4);
    EXPECT_DIAG(&d, 0, 10, 49, "questions[1].max_choices",
                "\"max_choices\" must be an integer from 1 to 2, not 3");
    EXPECT_DIAG(&d, 1, 11, 49, "questions[2].min_digits",
                "\"min_digits\" (8) is more than \"max_digits\" (4)");
    EXPECT_DIAG(&d, 2, 12, 49, "questions[3].max_digits",
                "\"max_digits\" must be an integer from 1 to 18, not 19");
    EXPECT_DIAG(&d, 3, 13, 49, "questions[4].min_digits",
                "\"min_digits\" (13) is more than \"max_digits\" (12, the default)");
    hl_diags_free(&d);
}

static void test_question_count_limits(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD TAIL, &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 8, 16, "questions", "\"questions\" is empty");
    hl_diags_free(&d);

    /* 41 valid questions: only the count is wrong. */
    char *text = malloc(16384);
    if (!text) abort();
    char *p = text + sprintf(text, "%s", HEAD);
    for (int i = 0; i < 41; i++)
        p += sprintf(p, "    {\"id\": \"q%d\", \"type\": \"yesno\", %s}%s\n", i, TEXT,
                     i < 40 ? "," : "");
    sprintf(p, "%s", TAIL);
    hl_diags_t d2 = {0};
    LOAD_BAD(text, &d2);
    EXPECT_COUNT(&d2, 1);
    EXPECT_DIAG(&d2, 0, 8, 16, "questions", "41 questions; the limit is 40");
    hl_diags_free(&d2);

    /* 21 options. */
    p = text + sprintf(text, "%s    {\"id\": \"c\", \"type\": \"choice\", %s, \"options\": [\n",
                       HEAD, TEXT);
    for (int i = 0; i < 21; i++)
        p += sprintf(p, "      {\"id\": \"o%d\", \"label\": {\"vi\": \"x\", \"en\": \"x\"}}%s\n", i,
                     i < 20 ? "," : "");
    sprintf(p, "    ]}\n%s", TAIL);
    hl_diags_t d3 = {0};
    LOAD_BAD(text, &d3);
    EXPECT_COUNT(&d3, 1);
    EXPECT_DIAG(&d3, 0, 9, 91, "questions[0].options", "21 options; the limit is 20");
    hl_diags_free(&d3);
    free(text);
}

/* ---- show_if ------------------------------------------------------------ */

static void test_show_if_on_the_first_question_is_an_error(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD "    {\"id\": \"q\", \"type\": \"yesno\", " TEXT ",\n"
                  "     \"show_if\": {\"question\": \"q\", \"any_of\": [\"yes\"]}}\n" TAIL,
             &d);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 10, 6, "questions[0].show_if", "the first question cannot have \"show_if\"");
    hl_diags_free(&d);
}

static void test_show_if_to_an_unknown_later_or_same_question(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        Q_OVERALL
        "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"overal\", \"at_most\": 2}},\n"
        "    {\"id\": \"b\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"c\", \"any_of\": [\"yes\"]}},\n"
        "    {\"id\": \"c\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"c\", \"any_of\": [\"yes\"]}}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 3);
    EXPECT_DIAG(&d, 0, 11, 30, "questions[1].show_if.question",
                "\"show_if\" refers to unknown question \"overal\" (did you mean \"overall\"?)");
    EXPECT_DIAG(&d, 1, 13, 30, "questions[2].show_if.question",
                "\"show_if\" refers to \"c\", a later question (questions[3]); it may only refer "
                "to an earlier question");
    EXPECT_DIAG(&d, 2, 15, 30, "questions[3].show_if.question",
                "\"show_if\" refers to this question itself");
    hl_diags_free(&d);
}

static void test_show_if_comparisons_need_a_scored_question(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        Q_OVERALL
        "    {\"id\": \"trips\", \"type\": \"choice\", " TEXT ", \"options\": [" OPT("once") ", " OPT("twice") "]},\n"
        "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"trips\", \"at_least\": 2}},\n"
        "    {\"id\": \"b\", \"type\": \"stars\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"overall\", \"at_most\": \"2\"}},\n"
        "    {\"id\": \"c\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"b\", \"any_of\": [\"5\"]}},\n"
        "    {\"id\": \"d\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"overall\", \"at_most\": 0}}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 4);
    EXPECT_DIAG(&d, 0, 12, 39, "questions[2].show_if.at_least",
                "\"at_least\" needs a question with a score (smiley, stars, nps or number); "
                "\"trips\" is a choice question: use \"any_of\"");
    EXPECT_DIAG(&d, 1, 14, 52, "questions[3].show_if.at_most",
                "\"at_most\" must be an integer, not a string");
    EXPECT_DIAG(&d, 2, 16, 35, "questions[4].show_if.any_of",
                "\"any_of\" needs a question with options or a yesno question; \"b\" is a stars "
                "question: use \"at_most\" or \"at_least\"");
    EXPECT_DIAG(&d, 3, 18, 52, "questions[5].show_if.at_most",
                "\"at_most\": 0 can never hold: scores of \"overall\" are 1 to 3");
    hl_diags_free(&d);
}

static void test_show_if_any_of_must_name_options_of_the_question(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        Q_OVERALL
        Q_YESNO("posted") ",\n"
        "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"overall\", \"any_of\": [\"bad\", \"happy\"]}},\n"
        "    {\"id\": \"b\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"posted\", \"any_of\": [\"no\", \"maybe\", \"no\"]}},\n"
        "    {\"id\": \"c\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"posted\", \"any_of\": []}}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 4);
    EXPECT_DIAG(&d, 0, 12, 59, "questions[2].show_if.any_of[1]",
                "question \"overall\" has no option \"happy\" (options: good, ok, bad)");
    EXPECT_DIAG(&d, 1, 14, 57, "questions[3].show_if.any_of[1]",
                "question \"posted\" has no option \"maybe\" (options: yes, no)");
    EXPECT_DIAG(&d, 2, 14, 66, "questions[3].show_if.any_of[2]", "option \"no\" is listed twice");
    EXPECT_DIAG(&d, 3, 16, 50, "questions[4].show_if.any_of", "\"any_of\" is empty");
    hl_diags_free(&d);
}

static void test_show_if_needs_exactly_one_condition(void)
{
    // clang-format off
    static const char text[] =
        HEAD
        Q_OVERALL
        "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"overall\"}},\n"
        "    {\"id\": \"b\", \"type\": \"yesno\", " TEXT ",\n"
        "     \"show_if\": {\"question\": \"overall\", \"at_most\": 1, \"at_least\": 1, \"when\": 1}}\n"
        TAIL;
    // clang-format on
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 3);
    EXPECT_DIAG(&d, 0, 11, 17, "questions[1].show_if",
                "\"show_if\" needs one of \"any_of\", \"at_most\" or \"at_least\"");
    EXPECT_DIAG(&d, 1, 13, 55, "questions[2].show_if.at_least",
                "\"show_if\" takes only one of \"any_of\", \"at_most\" and \"at_least\"");
    EXPECT_DIAG(&d, 2, 13, 70, "questions[2].show_if.when", "unknown key \"when\"");
    hl_diags_free(&d);
}

/* ---- Many problems ------------------------------------------------------ */

static void test_several_problems_in_one_file_are_all_reported(void)
{
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    const char *path = hl_test_data("surveys/several-problems.json");
    CHECK_INT(hl_survey_load_file(path, &s, &d), HL_ERR_INVALID);
    CHECK(s == NULL);
    EXPECT_COUNT(&d, 7);
    EXPECT_DIAG(&d, 0, 4, 14, "version", "\"version\" must be a positive integer");
    EXPECT_DIAG(&d, 1, 7, 13, "thanks", "missing translation for \"en\"");
    EXPECT_DIAG(&d, 2, 11, 17, "questions[0].options", "a smiley question needs 3 or 5 options");
    EXPECT_DIAG(&d, 3, 17, 8, "questions[1].options[0].label", "missing key \"label\"");
    EXPECT_DIAG(&d, 4, 17, 23, "questions[1].options[0].lable",
                "unknown key \"lable\" (did you mean \"label\"?)");
    EXPECT_DIAG(&d, 5, 20, 12, "questions[2].id",
                "duplicate question id \"overall\" (first at line 9)");
    EXPECT_DIAG(&d, 6, 21, 14, "questions[2].type", "unknown type \"slider\"");
    for (size_t i = 0; i < d.n; i++)
        CHECK_STR(d.items[i].file, path);
    hl_diags_free(&d);
}

static void test_diagnostics_print_as_file_line_column_message_path(void)
{
    hl_diags_t d = {0};
    LOAD_BAD(HEAD Q_OVERALL_LAST "  ],\n  \"titel\": 1\n}\n", &d);
    FILE *f = tmpfile();
    if (!f) abort();
    hl_diags_print(&d, f);
    rewind(f);
    char line[512] = "";
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "t.json:11:3: unknown key \"titel\" (did you mean \"title\"?) (at titel)\n");
    fclose(f);
    hl_diags_free(&d);
}

static void test_a_flood_of_problems_is_cut_short(void)
{
    /* 300 unknown keys: the first 100 are kept, then one closing line. */
    char *text = malloc(16384);
    if (!text) abort();
    char *p = text + sprintf(text, "%s", HEAD Q_OVERALL_LAST "  ]");
    for (int i = 0; i < 300; i++)
        p += sprintf(p, ",\n  \"k%d\": 1", i);
    sprintf(p, "\n}\n");
    hl_diags_t d = {0};
    LOAD_BAD(text, &d);
    EXPECT_COUNT(&d, 101);
    EXPECT_DIAG(&d, 0, 11, 3, "k0", "unknown key \"k0\"");
    EXPECT_DIAG(&d, 100, 0, 0, NULL, "too many problems: 200 more not shown");
    hl_diags_free(&d);
    free(text);
}

static void test_diagnostics_of_earlier_files_are_kept(void)
{
    hl_diags_t d = {0};
    hl_diags_add(&d, "other.json", 99, 1, NULL, "earlier problem");
    LOAD_BAD(HEAD_FV("1", "0") Q_OVERALL_LAST TAIL, &d);
    EXPECT_COUNT(&d, 2);
    EXPECT_DIAG(&d, 0, 99, 1, NULL, "earlier problem");
    EXPECT_DIAG(&d, 1, 4, 14, "version", "positive integer");
    hl_diags_free(&d);
}

/* ---- Values ------------------------------------------------------------- */

static int make(const hl_question_t *q, const char *const *vals, size_t n, char *out, hl_err_t *err)
{
    return hl_question_make_value(q, vals, n, out, err);
}

#define VALS(...)    ((const char *const[]){__VA_ARGS__})
#define NVALS(...)   (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define MAKE(q, ...) make(q, VALS(__VA_ARGS__), NVALS(__VA_ARGS__), out, &err)

static void test_make_value_accepts_one_known_option_for_smiley_and_choice(void)
{
    hl_survey_t *s = load_full();
    char out[HL_VALUE_MAX];
    hl_err_t err = {0};
    CHECK_INT(MAKE(question(s, "overall"), "neutral"), HL_OK);
    CHECK_STR(out, "neutral");
    CHECK_INT(err.code, HL_OK);
    CHECK_INT(MAKE(question(s, "trips"), "twice"), HL_OK);
    CHECK_STR(out, "twice");

    CHECK_INT(MAKE(question(s, "overall"), "happy"), HL_ERR_USAGE);
    CHECK_INT(err.code, HL_ERR_USAGE);
    CHECK_STR(err.msg, "question \"overall\" has no option \"happy\" (options: very_satisfied, "
                       "satisfied, neutral, dissatisfied, very_dissatisfied)");
    CHECK_STR(out, "");
    CHECK_INT(MAKE(question(s, "trips"), "once", "twice"), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "question \"trips\" takes one answer, not 2");
    CHECK_INT(make(question(s, "trips"), NULL, 0, out, &err), HL_ERR_USAGE);
    CHECK_INT(MAKE(question(s, "trips"), NULL), HL_ERR_USAGE);
    hl_survey_free(s);
}

static void test_make_value_joins_multi_choices_in_survey_order(void)
{
    hl_survey_t *s = load_full();
    const hl_question_t *q = question(s, "reasons"); /* slow, rude, unclear, other; max 2 */
    char out[HL_VALUE_MAX];
    hl_err_t err = {0};
    CHECK_INT(MAKE(q, "other", "slow"), HL_OK);
    CHECK_STR(out, "slow|other");
    CHECK_INT(MAKE(q, "unclear"), HL_OK);
    CHECK_STR(out, "unclear");

    CHECK_INT(make(q, NULL, 0, out, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "question \"reasons\" needs at least one choice");
    CHECK_INT(MAKE(q, "slow", "rude", "other"), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "question \"reasons\" allows at most 2 choices, not 3");
    CHECK_INT(MAKE(q, "slow", "slow"), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "option \"slow\" is chosen twice");
    CHECK_INT(MAKE(q, "slow", "late"), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "question \"reasons\" has no option \"late\"");
    hl_survey_free(s);
}

static void test_make_value_checks_stars_nps_yesno_and_number(void)
{
    hl_survey_t *s = load_full();
    char out[HL_VALUE_MAX];
    hl_err_t err = {0};
    const hl_question_t *stars = question(s, "rating"), *nps = question(s, "nps");
    const hl_question_t *yn = question(s, "posted"), *num = question(s, "code");

    static const char *const good_stars[] = {"1", "2", "3", "4", "5"};
    for (size_t i = 0; i < 5; i++) {
        CHECK_INT(MAKE(stars, good_stars[i]), HL_OK);
        CHECK_STR(out, good_stars[i]);
    }
    static const char *const bad_stars[] = {"0", "05", "6", "x", "", "1 ", "-1"};
    for (size_t i = 0; i < sizeof bad_stars / sizeof bad_stars[0]; i++) {
        CHECK_INT(MAKE(stars, bad_stars[i]), HL_ERR_USAGE);
        CHECK_CONTAINS(err.msg, "question \"rating\" takes 1 to 5 stars");
    }
    CHECK_INT(MAKE(nps, "0"), HL_OK);
    CHECK_INT(MAKE(nps, "10"), HL_OK);
    CHECK_STR(out, "10");
    static const char *const bad_nps[] = {"11", "010", "00", "-0", "1.5", ""};
    for (size_t i = 0; i < sizeof bad_nps / sizeof bad_nps[0]; i++) {
        CHECK_INT(MAKE(nps, bad_nps[i]), HL_ERR_USAGE);
        CHECK_CONTAINS(err.msg, "question \"nps\" takes a score from \"0\" to \"10\"");
    }
    CHECK_INT(MAKE(yn, "yes"), HL_OK);
    CHECK_INT(MAKE(yn, "no"), HL_OK);
    CHECK_STR(out, "no");
    CHECK_INT(MAKE(yn, "Yes"), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "question \"posted\" takes \"yes\" or \"no\", not \"Yes\"");

    CHECK_INT(MAKE(num, "0012"), HL_OK); /* digits as typed, leading zeros kept */
    CHECK_STR(out, "0012");
    CHECK_INT(MAKE(num, "123456"), HL_OK);
    static const char *const bad_num[] = {"123", "1234567", "12a4", "-1234", " 1234", ""};
    for (size_t i = 0; i < sizeof bad_num / sizeof bad_num[0]; i++) {
        CHECK_INT(MAKE(num, bad_num[i]), HL_ERR_USAGE);
        CHECK_CONTAINS(err.msg, "question \"code\" takes 4 to 6 digits");
    }
    hl_survey_free(s);
}

static void test_score_is_rank_from_the_worst_for_smiley_and_the_value_otherwise(void)
{
    hl_survey_t *s = load_full();
    int64_t v = -1;
    const hl_question_t *overall = question(s, "overall");
    CHECK(hl_question_score(overall, "very_satisfied", &v));
    CHECK_INT(v, 5);
    CHECK(hl_question_score(overall, "dissatisfied", &v));
    CHECK_INT(v, 2);
    CHECK(hl_question_score(overall, "very_dissatisfied", &v));
    CHECK_INT(v, 1);
    CHECK(!hl_question_score(overall, "happy", &v));
    CHECK(hl_question_score(question(s, "rating"), "4", &v));
    CHECK_INT(v, 4);
    CHECK(!hl_question_score(question(s, "rating"), "05", &v));
    CHECK(hl_question_score(question(s, "nps"), "10", &v));
    CHECK_INT(v, 10);
    CHECK(hl_question_score(question(s, "nps"), "0", &v));
    CHECK_INT(v, 0);
    CHECK(hl_question_score(question(s, "code"), "004711", &v));
    CHECK_INT(v, 4711);
    CHECK(!hl_question_score(question(s, "code"), "12", &v));
    CHECK(!hl_question_score(question(s, "trips"), "once", &v));
    CHECK(!hl_question_score(question(s, "reasons"), "slow", &v));
    CHECK(!hl_question_score(question(s, "posted"), "yes", &v));
    CHECK(!hl_question_score(overall, NULL, &v));
    hl_survey_free(s);
}

static void test_number_score_holds_eighteen_digits(void)
{
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    CHECK_INT(load(HEAD "    {\"id\": \"n\", \"type\": \"number\", \"max_digits\": 18, " TEXT
                        "}\n" TAIL,
                   &s, &d),
              HL_OK);
    if (s) {
        int64_t v = 0;
        CHECK(hl_question_score(&s->questions[0], "999999999999999999", &v));
        CHECK_INT(v, 999999999999999999LL);
    }
    hl_survey_free(s);
    hl_diags_free(&d);
}

static void test_cond_holds_follows_show_if(void)
{
    hl_survey_t *s = load_full();
    const hl_question_t *low = question(s, "low"), *high = question(s, "high");
    const hl_question_t *why = question(s, "why"), *not_posted = question(s, "not_posted");
    const hl_question_t *big = question(s, "big_code");

    /* No condition: always shown, whatever the value. */
    CHECK(hl_survey_cond_holds(s, question(s, "rating"), NULL));
    /* Unanswered or hidden reference: a conditional question is hidden. */
    CHECK(!hl_survey_cond_holds(s, low, NULL));
    CHECK(!hl_survey_cond_holds(s, why, NULL));

    CHECK(hl_survey_cond_holds(s, low, "dissatisfied"));      /* 2 <= 2 */
    CHECK(hl_survey_cond_holds(s, low, "very_dissatisfied")); /* 1 */
    CHECK(!hl_survey_cond_holds(s, low, "neutral"));          /* 3 */
    CHECK(hl_survey_cond_holds(s, high, "satisfied"));        /* 4 >= 4 */
    CHECK(!hl_survey_cond_holds(s, high, "neutral"));
    CHECK(!hl_survey_cond_holds(s, low, "garbage"));

    CHECK(hl_survey_cond_holds(s, why, "rude"));
    CHECK(hl_survey_cond_holds(s, why, "slow|other"));
    CHECK(hl_survey_cond_holds(s, why, "unclear|rude"));
    CHECK(!hl_survey_cond_holds(s, why, "unclear|other"));
    CHECK(!hl_survey_cond_holds(s, why, "slo"));

    CHECK(hl_survey_cond_holds(s, not_posted, "no"));
    CHECK(!hl_survey_cond_holds(s, not_posted, "yes"));

    CHECK(hl_survey_cond_holds(s, big, "5000"));
    CHECK(hl_survey_cond_holds(s, big, "012345"));
    CHECK(!hl_survey_cond_holds(s, big, "4999"));
    hl_survey_free(s);
}

static void test_show_if_bound_a_number_can_never_reach_is_reported(void)
{
    static const char text[] =
        "{\"format\":1,\"id\":\"n\",\"version\":1,\"languages\":[\"en\"],"
        "\"title\":{\"en\":\"T\"},\"thanks\":{\"en\":\"T\"},\"questions\":["
        "{\"id\":\"code\",\"type\":\"number\",\"max_digits\":3,\"text\":{\"en\":\"C\"}},"
        "{\"id\":\"a\",\"type\":\"yesno\",\"text\":{\"en\":\"A\"},"
        "\"show_if\":{\"question\":\"code\",\"at_least\":1000}},"
        "{\"id\":\"b\",\"type\":\"yesno\",\"text\":{\"en\":\"B\"},"
        "\"show_if\":{\"question\":\"code\",\"at_least\":999}}]}";
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    CHECK_INT(hl_survey_load_text("n.json", text, strlen(text), &s, &d), HL_ERR_INVALID);
    CHECK_INT(d.n, 1);
    if (d.n >= 1) {
        CHECK_STR(d.items[0].path, "questions[1].show_if.at_least");
        CHECK_CONTAINS(d.items[0].msg, "scores of \"code\" are 0 to 999");
    }
    hl_diags_free(&d);
    hl_survey_free(s);
}

static const hl_test_case_t table[] = {
    HL_TEST(test_show_if_bound_a_number_can_never_reach_is_reported),
    HL_TEST(test_default_survey_loads_without_diagnostics),
    HL_TEST(test_sha256_is_that_of_the_file_bytes),
    HL_TEST(test_valid_survey_builds_the_model_with_defaults),
    HL_TEST(test_lookups_and_type_names),
    HL_TEST(test_single_language_survey_needs_only_that_language),
    HL_TEST(test_missing_file_is_an_io_error_naming_the_file),
    HL_TEST(test_invalid_json_reports_janssons_line_and_column),
    HL_TEST(test_a_nul_in_a_survey_is_named_in_plain_words_not_janssons_flag),
    HL_TEST(test_a_syntax_error_never_quotes_an_unquoted_word),
    HL_TEST(test_invalid_utf8_is_reported_where_it_is),
    HL_TEST(test_duplicate_key_is_an_error),
    HL_TEST(test_top_level_must_be_an_object),
    HL_TEST(test_file_over_one_mib_is_rejected),
    HL_TEST(test_file_over_one_mib_on_disk_is_rejected),
    HL_TEST(test_empty_file_and_byte_order_mark_are_invalid_json),
    HL_TEST(test_readme_example_survey_is_valid),
    HL_TEST(test_unknown_key_reported_with_its_line_and_column),
    HL_TEST(test_unknown_key_without_a_near_match_lists_the_allowed_keys),
    HL_TEST(test_missing_top_level_keys_point_at_the_opening_brace),
    HL_TEST(test_key_with_a_dot_is_still_found),
    HL_TEST(test_missing_translation_is_reported_at_the_text),
    HL_TEST(test_text_in_an_unknown_language_is_placed_in_characters),
    HL_TEST(test_text_in_an_undeclared_language_is_an_error),
    HL_TEST(test_empty_and_too_long_texts_are_errors),
    HL_TEST(test_languages_must_be_known_unique_and_not_empty),
    HL_TEST(test_version_must_be_a_positive_integer),
    HL_TEST(test_format_other_than_1_is_rejected),
    HL_TEST(test_ids_outside_their_pattern_are_errors),
    HL_TEST(test_wrong_json_types_are_reported),
    HL_TEST(test_duplicate_question_id_names_the_first_line),
    HL_TEST(test_duplicate_option_id_is_reported),
    HL_TEST(test_unknown_type_is_reported_with_a_suggestion),
    HL_TEST(test_smiley_needs_three_or_five_options),
    HL_TEST(test_options_and_type_specific_keys_only_where_they_belong),
    HL_TEST(test_max_choices_and_digit_bounds_are_checked),
    HL_TEST(test_question_count_limits),
    HL_TEST(test_show_if_on_the_first_question_is_an_error),
    HL_TEST(test_show_if_to_an_unknown_later_or_same_question),
    HL_TEST(test_show_if_comparisons_need_a_scored_question),
    HL_TEST(test_show_if_any_of_must_name_options_of_the_question),
    HL_TEST(test_show_if_needs_exactly_one_condition),
    HL_TEST(test_several_problems_in_one_file_are_all_reported),
    HL_TEST(test_diagnostics_print_as_file_line_column_message_path),
    HL_TEST(test_a_flood_of_problems_is_cut_short),
    HL_TEST(test_diagnostics_of_earlier_files_are_kept),
    HL_TEST(test_make_value_accepts_one_known_option_for_smiley_and_choice),
    HL_TEST(test_make_value_joins_multi_choices_in_survey_order),
    HL_TEST(test_make_value_checks_stars_nps_yesno_and_number),
    HL_TEST(test_score_is_rank_from_the_worst_for_smiley_and_the_value_otherwise),
    HL_TEST(test_number_score_holds_eighteen_digits),
    HL_TEST(test_cond_holds_follows_show_if),
};

HL_TEST_MAIN(table)
