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
#include "hl_qtype.h"
#include "hl_survey.h"
#include "hl_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
static void load_bad(const char *text, hl_diags_t *d)
{
    hl_survey_t *s = NULL;
    CHECK_INT(load(text, &s, d), HL_ERR_INVALID);
    CHECK(s == NULL);
    hl_survey_free(s);
}

/* Loads text named name expecting it valid, without a problem; the survey
 * (NULL when it failed). With name NULL, text is the path of a file. */
static hl_survey_t *load_ok(const char *name, const char *text, size_t len)
{
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    int rc =
        name ? hl_survey_load_text(name, text, len, &s, &d) : hl_survey_load_file(text, &s, &d);
    CHECK_INT(rc, HL_OK);
    EXPECT_COUNT(&d, 0);
    hl_diags_free(&d);
    return s;
}

static hl_survey_t *load_full(void)
{
    hl_survey_t *s = load_ok("t.json", full_survey, strlen(full_survey));
    if (!s) abort();
    return s;
}

static const hl_question_t *question(const hl_survey_t *s, const char *id)
{
    int i = hl_survey_find_question(s, id);
    if (i < 0) abort();
    return &s->questions[i];
}

/* ---- Rejected surveys, as tables ---------------------------------------- */

/* A problem expected at line:col and path (NULL: none), its message holding
 * msg. Line ANY checks only path and message; line ALSO is no problem of its
 * own: the one before also holds msg. */
#define ANY  (-1)
#define ALSO (-2)
typedef struct want {
    int line, col;
    const char *path, *msg;
} want_t;

/* A survey that must be rejected: what it shows, its text, and every
 * problem in order (the list ends at the first without msg). */
typedef struct bad {
    const char *name, *text;
    want_t want[9];
} bad_t;

/* Loads c->text expecting it rejected with exactly c->want; every failure
 * names the case. */
static void expect_bad(const bad_t *c)
{
    char where[200];
    snprintf(where, sizeof where, "%s, case \"%s\"", __FILE__, c->name);
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    int rc = load(c->text, &s, &d);
    size_t n = 0;
    for (const want_t *w = c->want; w->msg; w++)
        n += w->line != ALSO;
    if (rc != HL_ERR_INVALID || s || d.n != n) {
        hl_test_fail(where, __LINE__, "load gave %d with %zu problems, expected %d with %zu", rc,
                     d.n, HL_ERR_INVALID, n);
        hl_diags_print(&d, stderr);
    }
    size_t i = 0;
    for (const want_t *w = c->want; w->msg; w++) {
        size_t at = w->line == ALSO ? i - 1 : i;
        if (at >= d.n) break; /* the count is wrong: said above */
        const hl_diag_t *it = &d.items[at];
        if (w->line >= 0)
            hl_test_expect_diag(where, __LINE__, &d, i, w->line, w->col, w->path, w->msg);
        else if ((w->line == ANY &&
                  (w->path ? !it->path || strcmp(it->path, w->path) != 0 : it->path != NULL)) ||
                 !strstr(it->msg, w->msg))
            hl_test_fail(where, __LINE__, "diagnostic \"%s\" (at %s) does not hold \"%s\"", it->msg,
                         it->path ? it->path : "-", w->msg);
        i += w->line != ALSO;
    }
    hl_survey_free(s);
    hl_diags_free(&d);
}

#define EXPECT_ALL_BAD(cases)                                                                      \
    for (size_t i_ = 0; i_ < sizeof(cases) / sizeof((cases)[0]); i_++)                             \
    expect_bad(&(cases)[i_])

/* ---- Valid surveys ------------------------------------------------------ */

static void test_default_survey_loads_without_diagnostics(void)
{
    const char *path = HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json";
    hl_survey_t *s = load_ok(NULL, path, 0);
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
}

static void test_sha256_is_that_of_the_file_bytes(void)
{
    const char *path = hl_test_data("surveys/minimal.json");
    hl_survey_t *s = load_ok(NULL, path, 0);
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
    const char *names[HL_Q_TYPE_COUNT] = {"smiley", "stars",  "choice", "multi", "nps",
                                          "yesno",  "number", "text",   "note",  "contact"};
    /* An answer moves on by itself but for multi, number and text. */
    static const bool advances[HL_Q_TYPE_COUNT] = {
        [HL_Q_SMILEY] = true, [HL_Q_STARS] = true, [HL_Q_CHOICE] = true,
        [HL_Q_NPS] = true,    [HL_Q_YESNO] = true,
    };
    for (int t = 0; t < HL_Q_TYPE_COUNT; t++) {
        CHECK_STR(hl_qtype_name((hl_qtype_t)t), names[t]);
        if (hl_qtype_auto_advance((hl_qtype_t)t) != advances[t])
            hl_test_fail(__FILE__, __LINE__, "type %s: auto-advance should be %d", names[t],
                         advances[t]);
    }
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
    hl_survey_t *s = load_ok("t.json", text, strlen(text));
    if (s) {
        CHECK_INT(s->version, 7);
        CHECK(!hl_survey_has_lang(s, HL_LANG_EN));
        /* A missing language falls back to the first available text. */
        CHECK_STR(hl_text_get(&s->title, HL_LANG_EN), "Khảo sát");
    }
    hl_survey_free(s);
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
    if (start && end) hl_survey_free(load_ok("README.md", start + 8, (size_t)(end - start - 8)));
    free(doc);
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

static const char nul_text[] = "{\n  \"format\": 1,\n  \"id\": \"a\\u0000b\"\n}\n";

static void test_json_problems_are_reported_where_they_are(void)
{
    static const bad_t cases[] = {
        {"invalid JSON reports Jansson's line and column",
         "{\n  \"format\": 1,\n  \"id\": tru\n}\n",
         {{3, 11, NULL, "invalid JSON: invalid token near 'tru'"}}},
        {"a duplicate key is an error",
         "{\n  \"format\": 1,\n  \"format\": 1\n}\n",
         {{3, 10, NULL, "duplicate object key"}}},
        {"the top level must be an object",
         "\n  [1, 2]\n",
         {{2, 3, NULL, "a survey must be a JSON object"}}},
        {"a NUL in a survey is named in plain words, not Jansson's flag",
         nul_text,
         {{3, 18, NULL,
           "invalid JSON: a text holds a NUL character (\\u0000), which is not allowed: "
           "remove it"}}},
        /* A file that does not parse could be a config holding a token: the
         * text at the error is never quoted, only a misspelt literal like 'tru'. */
        {"a syntax error never quotes an unquoted word",
         "{\n  \"format\": 1,\n  \"token\": SECRETTOKEN\n}\n",
         {{3, 22, NULL, "invalid JSON: invalid token (the text there is not shown)"}}},
        /* A truncated sequence inside a Vietnamese text ("ả" is E1 BA A3). */
        {"a truncated UTF-8 sequence",
         "{\"title\": {\"vi\": \"Kh\xe1\xba\"}}",
         {{ANY, 0, NULL, "UTF-8"}}},
        {"an empty file is invalid JSON",
         "",
         {{1, 1, NULL, "invalid JSON: '[' or '{' expected near end of file"}}},
        {"invalid UTF-8 is reported where it is",
         "{\n  \"format\": 1,\n  \"id\": \"a\xff"
         "b\"\n}\n",
         {{3, 10, NULL, "unable to decode byte 0xff"}, {ALSO, 0, NULL, "UTF-8"}}},
        {"a byte order mark is invalid JSON",
         "\xef\xbb\xbf{}",
         {{1, 1, NULL, "remove the byte order mark"}}},
    };
    EXPECT_ALL_BAD(cases);
    /* Jansson's own name for the NUL flag is not shown. */
    hl_diags_t d = {0};
    load_bad(nul_text, &d);
    CHECK(d.n && !strstr(d.items[0].msg, "JSON_ALLOW_NUL"));
    hl_diags_free(&d);
}

/* Text of len bytes: an object padded with spaces (malloc'd). */
static char *padded_object(size_t len)
{
    char *text = malloc(len + 1);
    if (!text) abort();
    memset(text, ' ', len);
    text[0] = '{';
    text[len - 1] = '}';
    text[len] = '\0';
    return text;
}

static void test_file_over_one_mib_is_rejected(void)
{
    char *text = padded_object(1024 * 1024 + 1);
    expect_bad(&(bad_t){"a text of 1 MiB and a byte", text, {{0, 0, NULL, "1 MiB"}}});
    free(text);
}

static void test_file_over_one_mib_on_disk_is_rejected(void)
{
    char *dir = hl_test_tmpdir("survey-big");
    char *text = padded_object(1024 * 1024 + 10);
    char *path = hl_test_write_file(dir, "big.json", text);
    free(text);
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    CHECK_INT(hl_survey_load_file(path, &s, &d), HL_ERR_INVALID);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 0, 0, NULL, "the file is larger than the limit of 1 MiB");
    hl_diags_free(&d);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

/* ---- Keys --------------------------------------------------------------- */

static void test_keys_are_checked_where_they_stand(void)
{
    // clang-format off
    static const bad_t cases[] = {
        /* The missing key points at the question's brace, the unknown one at itself. */
        {"an unknown key is reported with its line and column",
         HEAD
         Q_OVERALL
         "    {\"id\": \"reasons\", \"type\": \"multi\", " TEXT ",\n"
         "     \"optoins\": [" OPT("a") ", " OPT("b") "]}\n"
         TAIL,
         {{10, 5, "questions[1].options", "missing key \"options\""},
          {11, 6, "questions[1].optoins", "unknown key \"optoins\" (did you mean \"options\"?)"}}},
        {"an unknown key without a near match lists the allowed keys",
         HEAD Q_OVERALL_LAST "  ],\n  \"colour\": \"red\"\n}\n",
         {{11, 3, "colour", "unknown key \"colour\" (keys allowed here: format, id, version, "
                            "languages, title, thanks, questions, consent, audio)"}}},
        {"missing top-level keys point at the opening brace",
         "  {\"format\": 1, \"id\": \"x\"}",
         {{1, 3, "version", "missing key \"version\""},
          {1, 3, "languages", "missing key \"languages\""},
          {1, 3, "title", "missing key \"title\""},
          {1, 3, "thanks", "missing key \"thanks\""},
          {1, 3, "questions", "missing key \"questions\""}}},
        {"a key with a dot is still found",
         HEAD Q_OVERALL_LAST "  ],\n  \"a.b[0]\": 1, \"x\\u00e9\": 2\n}\n",
         {{11, 3, "a.b[0]", "unknown key \"a.b[0]\""},
          {11, 16, "xé", "unknown key \"xé\""}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
}

/* ---- Texts and languages ------------------------------------------------ */

/* What follows "languages" in a Vietnamese-only survey with one question. */
#define VI_ONLY_REST                                                                               \
    " \"title\": {\"vi\": \"T\"}, \"thanks\": {\"vi\": \"C\"},\n"                                  \
    " \"questions\": [{\"id\": \"q\", \"type\": \"yesno\", \"text\": {\"vi\": \"Q\"}}]}\n"

static void test_texts_and_languages_are_checked(void)
{
    // clang-format off
    static const bad_t cases[] = {
        {"a missing translation is reported at the text",
         HEAD
         "    {\"id\": \"overall\", \"type\": \"yesno\",\n"
         "     \"text\": {\"vi\": \"Câu hỏi\"}}\n"
         TAIL,
         {{10, 14, "questions[0].text", "missing translation for \"en\""}}},
        /* "fr" is the 31st character of its line (the 34th byte). */
        {"a text in an unknown language is placed in characters",
         "{\n"
         "  \"format\": 1,\n"
         "  \"id\": \"test-survey\",\n"
         "  \"version\": 1,\n"
         "  \"languages\": [\"vi\", \"en\"],\n"
         "  \"title\": {\"vi\": \"Khảo sát\", \"fr\": \"Survey\"},\n"
         "  \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thanks\"},\n"
         "  \"questions\": [\n"
         Q_OVERALL_LAST
         TAIL,
         {{6, 12, "title", "missing translation for \"en\""},
          {6, 31, "title.fr", "unknown language \"fr\" (supported: vi, en)"}}},
        {"a text in an undeclared language is an error",
         "{\"format\": 1, \"id\": \"x\", \"version\": 1, \"languages\": [\"vi\"],\n"
         " \"title\": {\"vi\": \"Khảo sát\", \"en\": \"Survey\"}, \"thanks\": {\"vi\": \"Cảm ơn\"},\n"
         " \"questions\": [{\"id\": \"q\", \"type\": \"yesno\", \"text\": {\"vi\": \"Câu\"}}]}\n",
         {{2, 30, "title.en", "text in \"en\", which \"languages\" does not declare"}}},
        {"languages must be known and unique",
         "{\"format\": 1, \"id\": \"x\", \"version\": 1,\n"
         " \"languages\": [\"vi\", \"fr\", \"vi\", 3],\n" VI_ONLY_REST,
         {{2, 22, "languages[1]", "unknown language \"fr\" (supported: vi, en)"},
          {2, 28, "languages[2]", "language \"vi\" is listed twice"},
          {2, 34, "languages[3]", "a language must be a code string"}}},
        {"languages must not be empty",
         "{\"format\": 1, \"id\": \"x\", \"version\": 1, \"languages\": [],\n" VI_ONLY_REST,
         {{1, 53, "languages", "\"languages\" is empty"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
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
        const want_t long_vi = {9, 49, "questions[0].text.vi",
                                "the \"vi\" text is 501 characters long; the limit is 500"};
        const want_t empty_en = {9, 559 + (n - 500), "questions[0].text.en",
                                 "the \"en\" text is empty"};
        expect_bad(n == 500 ? &(bad_t){"500 characters", text, {empty_en}}
                            : &(bad_t){"501 characters", text, {long_vi, empty_en}});
    }
    free(text);
}

/* A text a screen cannot show: a control character (a tab, a carriage
 * return, DEL), a direction override (U+202E); a line break is fine (a NUL
 * is refused by the JSON reader already). */
static void test_texts_with_control_or_direction_characters_are_refused(void)
{
    // clang-format off
    static const bad_t cases[] = {
        {"tab, right-to-left override, DEL; a line break passes",
         HEAD
         "    {\"id\": \"a\", \"type\": \"yesno\", \"text\": {\"vi\": \"Có\\tkhông\", \"en\": \"Yes\\nor no\"}},\n"
         "    {\"id\": \"b\", \"type\": \"yesno\", \"text\": {\"vi\": \"Có \\u202egnôhk\", \"en\": \"x\\u007fy\"}}\n"
         TAIL,
         {{9, 49, "questions[0].text.vi", "holds the character U+0009"},
          {10, 49, "questions[1].text.vi", "holds the character U+202E"},
          {10, 73, "questions[1].text.en", "holds the character U+007F"}}},
        {"a C1 control, a line separator, RLM and ALM",
         HEAD
         "    {\"id\": \"a\", \"type\": \"yesno\", \"text\": {\"vi\": \"C\\u0085ó\", \"en\": \"Yes\\u2028no\"}},\n"
         "    {\"id\": \"b\", \"type\": \"yesno\", \"text\": {\"vi\": \"Có\\u200f\", \"en\": \"x\\u061cy\"}}\n"
         TAIL,
         {{9, 49, "questions[0].text.vi", "holds the character U+0085"},
          {ANY, 0, "questions[0].text.en", "holds the character U+2028"},
          {10, 49, "questions[1].text.vi", "holds the character U+200F"},
          {ANY, 0, "questions[1].text.en", "holds the character U+061C"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
}

/* ---- Top-level values --------------------------------------------------- */

static void test_top_level_values_are_checked(void)
{
#define VERSION_NOT(v, why)                                                                        \
    {                                                                                              \
        "version " v, HEAD_FV("1", v) Q_OVERALL_LAST TAIL,                                         \
        {                                                                                          \
            {4, 14, "version", "\"version\" must be a positive integer"},                          \
            {                                                                                      \
                ALSO, 0, NULL, why                                                                 \
            }                                                                                      \
        }                                                                                          \
    }
    // clang-format off
    static const bad_t cases[] = {
        VERSION_NOT("0", "not 0"),
        VERSION_NOT("-3", "not -3"),
        VERSION_NOT("3.0", "not a real number"),
        VERSION_NOT("\"3\"", "not a string (write the number without quotes)"),
        VERSION_NOT("null", "not null"),
        {"a format other than 1 is rejected", HEAD_FV("2", "1") Q_OVERALL_LAST TAIL,
         {{2, 13, "format", "unsupported format 2: this firmware reads format 1"}}},
        {"the format must be an integer", HEAD_FV("\"1\"", "1") Q_OVERALL_LAST TAIL,
         {{2, 13, "format", "\"format\" must be the integer 1, not a string"}}},
        {"ids outside their pattern are errors",
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
         TAIL,
         {{3, 9, "id", "survey id \"Test Survey\" must be 1 to 40 characters of a-z, 0-9, '_' and '-'"},
          {9, 12, "questions[0].id",
           "question id \"over-all\" must be 1 to 32 characters of a-z, 0-9, '_' (lower"},
          {11, 15, "questions[0].options[2].id",
           "option id \"a23456789_123456789_123456789_123\" must be 1 to 32 characters"}}},
        {"wrong JSON types are reported",
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
         TAIL,
         {{3, 9, "id", "\"id\" must be a string, not an integer"},
          {5, 16, "languages", "\"languages\" must be a list of language codes"},
          {6, 12, "title", "\"title\" must be an object of texts by language"},
          {7, 20, "thanks.vi", "the \"vi\" text must be a string, not an integer"},
          {9, 46, "questions[0].required",
           "\"required\" must be true or false, not a string (write it without quotes)"},
          {10, 5, "questions[1]", "a question must be an object"},
          {11, 26, "questions[2].type", "\"type\" must be a string, not an array"},
          {11, 93, "questions[2].show_if", "\"show_if\" must be an object"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
#undef VERSION_NOT
}

/* ---- Questions ---------------------------------------------------------- */

static void test_questions_are_checked(void)
{
    // clang-format off
    static const bad_t cases[] = {
        {"a duplicate question id names the first line",
         HEAD Q_OVERALL "    {\"id\": \"overall\", \"type\": \"stars\", " TEXT "}\n" TAIL,
         {{10, 12, "questions[1].id", "duplicate question id \"overall\" (first at line 9)"}}},
        {"a duplicate option id is reported",
         HEAD
         "    {\"id\": \"trips\", \"type\": \"choice\", " TEXT ", \"options\": [\n"
         "       " OPT("once") ",\n"
         "       " OPT("twice") ",\n"
         "       " OPT("once") "]}\n"
         TAIL,
         {{12, 15, "questions[0].options[2].id",
           "duplicate option id \"once\" in this question (first at line 10)"}}},
        {"an unknown type is reported with a suggestion",
         HEAD "    {\"id\": \"q\", \"type\": \"smily\", " TEXT "}\n" TAIL,
         {{9, 25, "questions[0].type",
           "unknown type \"smily\" (did you mean \"smiley\"?); types: smiley, stars, choice, "
           "multi, nps, yesno, number"}}},
        {"a smiley needs three or five options",
         HEAD "    {\"id\": \"q\", \"type\": \"smiley\", " TEXT
         ", \"options\": [" OPT("a") ", " OPT("b") ", " OPT("c") ", " OPT("d") "]}\n" TAIL,
         {{9, 91, "questions[0].options",
           "a smiley question needs 3 or 5 options (best first), not 4"}}},
        {"options and type-specific keys only where they belong",
         HEAD
         Q_OVERALL
         "    {\"id\": \"r\", \"type\": \"stars\", " TEXT ", \"options\": [],\n"
         "     \"max_choices\": 2, \"min_digits\": 2},\n"
         "    {\"id\": \"c\", \"type\": \"choice\", " TEXT "},\n"
         "    {\"id\": \"y\", \"type\": \"yesno\", " TEXT ", \"options\": [" OPT("a") ", " OPT("b") "]}\n"
         TAIL,
         {{10, 79, "questions[1].options",
           "\"options\" is not allowed on a stars question: only smiley, choice and multi"},
          {11, 6, "questions[1].max_choices", "\"max_choices\" is not allowed on a stars question"},
          {11, 24, "questions[1].min_digits", "\"min_digits\" is not allowed on a stars question"},
          {12, 5, "questions[2].options", "missing key \"options\""},
          {13, 79, "questions[3].options", "(a yesno question's answers are yes and no)"}}},
        {"max_choices and digit bounds are checked",
         HEAD
         Q_OVERALL
         "    {\"id\": \"m\", \"type\": \"multi\", \"max_choices\": 3, \"options\": [" OPT("a") ", " OPT("b") "], " TEXT "},\n"
         "    {\"id\": \"n\", \"type\": \"number\", \"min_digits\": 8, \"max_digits\": 4, " TEXT "},\n"
         "    {\"id\": \"p\", \"type\": \"number\", \"max_digits\": 19, " TEXT "},\n"
         "    {\"id\": \"o\", \"type\": \"number\", \"min_digits\": 13, " TEXT "}\n"
         TAIL,
         {{10, 49, "questions[1].max_choices", "\"max_choices\" must be an integer from 1 to 2, not 3"},
          {11, 49, "questions[2].min_digits", "\"min_digits\" (8) is more than \"max_digits\" (4)"},
          {12, 49, "questions[3].max_digits", "\"max_digits\" must be an integer from 1 to 18, not 19"},
          {13, 49, "questions[4].min_digits",
           "\"min_digits\" (13) is more than \"max_digits\" (12, the default)"}}},
        {"no questions", HEAD TAIL, {{8, 16, "questions", "\"questions\" is empty"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
}

static void test_question_and_option_counts_are_limited(void)
{
    /* 41 valid questions: only the count is wrong. */
    char *text = malloc(16384);
    if (!text) abort();
    char *p = text + sprintf(text, "%s", HEAD);
    for (int i = 0; i < 41; i++)
        p += sprintf(p, "    {\"id\": \"q%d\", \"type\": \"yesno\", %s}%s\n", i, TEXT,
                     i < 40 ? "," : "");
    sprintf(p, "%s", TAIL);
    expect_bad(
        &(bad_t){"41 questions", text, {{8, 16, "questions", "41 questions; the limit is 40"}}});
    /* 21 options. */
    p = text + sprintf(text, "%s    {\"id\": \"c\", \"type\": \"choice\", %s, \"options\": [\n",
                       HEAD, TEXT);
    for (int i = 0; i < 21; i++)
        p += sprintf(p, "      {\"id\": \"o%d\", \"label\": {\"vi\": \"x\", \"en\": \"x\"}}%s\n", i,
                     i < 20 ? "," : "");
    sprintf(p, "    ]}\n%s", TAIL);
    expect_bad(&(bad_t){
        "21 options", text, {{9, 91, "questions[0].options", "21 options; the limit is 20"}}});
    free(text);
}

/* ---- show_if ------------------------------------------------------------ */

static void test_show_if_conditions_are_checked(void)
{
    // clang-format off
    static const bad_t cases[] = {
        {"show_if on the first question is an error",
         HEAD "    {\"id\": \"q\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"q\", \"any_of\": [\"yes\"]}}\n" TAIL,
         {{10, 6, "questions[0].show_if", "the first question cannot have \"show_if\""}}},
        {"show_if to an unknown, later or the same question",
         HEAD
         Q_OVERALL
         "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"overal\", \"at_most\": 2}},\n"
         "    {\"id\": \"b\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"c\", \"any_of\": [\"yes\"]}},\n"
         "    {\"id\": \"c\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"c\", \"any_of\": [\"yes\"]}}\n"
         TAIL,
         {{11, 30, "questions[1].show_if.question",
           "\"show_if\" refers to unknown question \"overal\" (did you mean \"overall\"?)"},
          {13, 30, "questions[2].show_if.question",
           "\"show_if\" refers to \"c\", a later question (questions[3]); it may only refer "
           "to an earlier question"},
          {15, 30, "questions[3].show_if.question", "\"show_if\" refers to this question itself"}}},
        {"show_if comparisons need a scored question",
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
         TAIL,
         {{12, 39, "questions[2].show_if.at_least",
           "\"at_least\" needs a question with a score (smiley, stars, nps or number); "
           "\"trips\" is a choice question: use \"any_of\""},
          {14, 52, "questions[3].show_if.at_most", "\"at_most\" must be an integer, not a string"},
          {16, 35, "questions[4].show_if.any_of",
           "\"any_of\" needs a question with options or a yesno question; \"b\" is a stars "
           "question: use \"at_most\" or \"at_least\""},
          {18, 52, "questions[5].show_if.at_most",
           "\"at_most\": 0 can never hold: scores of \"overall\" are 1 to 3"}}},
        {"show_if any_of must name options of the question",
         HEAD
         Q_OVERALL
         Q_YESNO("posted") ",\n"
         "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"overall\", \"any_of\": [\"bad\", \"happy\"]}},\n"
         "    {\"id\": \"b\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"posted\", \"any_of\": [\"no\", \"maybe\", \"no\"]}},\n"
         "    {\"id\": \"c\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"posted\", \"any_of\": []}}\n"
         TAIL,
         {{12, 59, "questions[2].show_if.any_of[1]",
           "question \"overall\" has no option \"happy\" (options: good, ok, bad)"},
          {14, 57, "questions[3].show_if.any_of[1]",
           "question \"posted\" has no option \"maybe\" (options: yes, no)"},
          {14, 66, "questions[3].show_if.any_of[2]", "option \"no\" is listed twice"},
          {16, 50, "questions[4].show_if.any_of", "\"any_of\" is empty"}}},
        {"show_if needs exactly one condition",
         HEAD
         Q_OVERALL
         "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"overall\"}},\n"
         "    {\"id\": \"b\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"overall\", \"at_most\": 1, \"at_least\": 1, \"when\": 1}}\n"
         TAIL,
         {{11, 17, "questions[1].show_if",
           "\"show_if\" needs one of \"any_of\", \"at_most\" or \"at_least\""},
          {13, 55, "questions[2].show_if.at_least",
           "\"show_if\" takes only one of \"any_of\", \"at_most\" and \"at_least\""},
          {13, 70, "questions[2].show_if.when", "unknown key \"when\""}}},
        {"a show_if bound a number can never reach is reported",
         "{\"format\":1,\"id\":\"n\",\"version\":1,\"languages\":[\"en\"],"
         "\"title\":{\"en\":\"T\"},\"thanks\":{\"en\":\"T\"},\"questions\":["
         "{\"id\":\"code\",\"type\":\"number\",\"max_digits\":3,\"text\":{\"en\":\"C\"}},"
         "{\"id\":\"a\",\"type\":\"yesno\",\"text\":{\"en\":\"A\"},"
         "\"show_if\":{\"question\":\"code\",\"at_least\":1000}},"
         "{\"id\":\"b\",\"type\":\"yesno\",\"text\":{\"en\":\"B\"},"
         "\"show_if\":{\"question\":\"code\",\"at_least\":999}}]}",
         {{ANY, 0, "questions[1].show_if.at_least", "scores of \"code\" are 0 to 999"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
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
    load_bad(HEAD Q_OVERALL_LAST "  ],\n  \"titel\": 1\n}\n", &d);
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
    load_bad(text, &d);
    free(text);
    EXPECT_COUNT(&d, 101);
    EXPECT_DIAG(&d, 0, 11, 3, "k0", "unknown key \"k0\"");
    EXPECT_DIAG(&d, 100, 0, 0, NULL, "too many problems: 200 more not shown");
    hl_diags_free(&d);
}

static void test_diagnostics_of_earlier_files_are_kept(void)
{
    hl_diags_t d = {0};
    hl_diags_add(&d, "other.json", 99, 1, NULL, "earlier problem");
    load_bad(HEAD_FV("1", "0") Q_OVERALL_LAST TAIL, &d);
    EXPECT_COUNT(&d, 2);
    EXPECT_DIAG(&d, 0, 99, 1, NULL, "earlier problem");
    EXPECT_DIAG(&d, 1, 4, 14, "version", "positive integer");
    hl_diags_free(&d);
}

/* ---- Values ------------------------------------------------------------- */

/* The full survey, the value last made from it and the error of the last try. */
typedef struct made {
    hl_survey_t *s;
    char out[HL_VALUE_MAX];
    hl_err_t err;
} made_t;

static int make(made_t *m, const hl_question_t *q, const char *const *vals, size_t n)
{
    return hl_question_make_value(q, vals, n, m->out, &m->err);
}

#define VALS(...)    ((const char *const[]){__VA_ARGS__})
#define NVALS(...)   (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define MAKE(q, ...) make(&m, q, VALS(__VA_ARGS__), NVALS(__VA_ARGS__))

static void test_make_value_accepts_one_known_option_for_smiley_and_choice(void)
{
    made_t m = {.s = load_full()};
    CHECK_INT(MAKE(question(m.s, "overall"), "neutral"), HL_OK);
    CHECK_STR(m.out, "neutral");
    CHECK_INT(m.err.code, HL_OK);
    CHECK_INT(MAKE(question(m.s, "trips"), "twice"), HL_OK);
    CHECK_STR(m.out, "twice");

    CHECK_INT(MAKE(question(m.s, "overall"), "happy"), HL_ERR_USAGE);
    CHECK_INT(m.err.code, HL_ERR_USAGE);
    CHECK_STR(m.err.msg, "question \"overall\" has no option \"happy\" (options: very_satisfied, "
                         "satisfied, neutral, dissatisfied, very_dissatisfied)");
    CHECK_STR(m.out, "");
    CHECK_INT(MAKE(question(m.s, "trips"), "once", "twice"), HL_ERR_USAGE);
    CHECK_CONTAINS(m.err.msg, "question \"trips\" takes one answer, not 2");
    CHECK_INT(make(&m, question(m.s, "trips"), NULL, 0), HL_ERR_USAGE);
    CHECK_INT(MAKE(question(m.s, "trips"), NULL), HL_ERR_USAGE);
    hl_survey_free(m.s);
}

static void test_make_value_joins_multi_choices_in_survey_order(void)
{
    made_t m = {.s = load_full()};
    const hl_question_t *q = question(m.s, "reasons"); /* slow, rude, unclear, other; max 2 */
    CHECK_INT(MAKE(q, "other", "slow"), HL_OK);
    CHECK_STR(m.out, "slow|other");
    CHECK_INT(MAKE(q, "unclear"), HL_OK);
    CHECK_STR(m.out, "unclear");

    CHECK_INT(make(&m, q, NULL, 0), HL_ERR_USAGE);
    CHECK_CONTAINS(m.err.msg, "question \"reasons\" needs at least one choice");
    CHECK_INT(MAKE(q, "slow", "rude", "other"), HL_ERR_USAGE);
    CHECK_CONTAINS(m.err.msg, "question \"reasons\" allows at most 2 choices, not 3");
    CHECK_INT(MAKE(q, "slow", "slow"), HL_ERR_USAGE);
    CHECK_CONTAINS(m.err.msg, "option \"slow\" is chosen twice");
    CHECK_INT(MAKE(q, "slow", "late"), HL_ERR_USAGE);
    CHECK_CONTAINS(m.err.msg, "question \"reasons\" has no option \"late\"");
    hl_survey_free(m.s);
}

static void test_make_value_checks_stars_nps_yesno_and_number(void)
{
    /* Each value alone of question qid: made as it is (refused NULL), or
     * refused with an error holding refused. Numbers keep their digits as
     * typed, leading zeros too. */
    static const struct {
        const char *qid, *values[8], *refused;
    } cases[] = {
        {"rating", {"1", "2", "3", "4", "5"}, NULL},
        {"rating", {"0", "05", "6", "x", "", "1 ", "-1"}, "question \"rating\" takes 1 to 5 stars"},
        {"nps", {"0", "10"}, NULL},
        {"nps",
         {"11", "010", "00", "-0", "1.5", ""},
         "question \"nps\" takes a score from \"0\" to \"10\""},
        {"posted", {"yes", "no"}, NULL},
        {"posted", {"Yes"}, "question \"posted\" takes \"yes\" or \"no\", not \"Yes\""},
        {"code", {"0012", "123456"}, NULL},
        {"code",
         {"123", "1234567", "12a4", "-1234", " 1234", ""},
         "question \"code\" takes 4 to 6 digits"},
    };
    made_t m = {.s = load_full()};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const hl_question_t *q = question(m.s, cases[i].qid);
        for (const char *const *v = cases[i].values; *v; v++) {
            int rc = MAKE(q, *v);
            bool ok = cases[i].refused ? rc == HL_ERR_USAGE && strstr(m.err.msg, cases[i].refused)
                                       : rc == HL_OK && strcmp(m.out, *v) == 0;
            if (!ok)
                hl_test_fail(__FILE__, __LINE__, "%s \"%s\": rc %d, value \"%s\", error \"%s\"",
                             cases[i].qid, *v, rc, m.out, m.err.msg);
        }
    }
    hl_survey_free(m.s);
}

static void test_score_is_rank_from_the_worst_for_smiley_and_the_value_otherwise(void)
{
    /* score -1: the value has none. */
    static const struct {
        const char *qid, *value;
        int64_t score;
    } cases[] = {
        {"overall", "very_satisfied", 5},
        {"overall", "dissatisfied", 2},
        {"overall", "very_dissatisfied", 1},
        {"overall", "happy", -1},
        {"rating", "4", 4},
        {"rating", "05", -1},
        {"nps", "10", 10},
        {"nps", "0", 0},
        {"code", "004711", 4711},
        {"code", "12", -1},
        {"trips", "once", -1},
        {"reasons", "slow", -1},
        {"posted", "yes", -1},
        {"overall", NULL, -1},
    };
    hl_survey_t *s = load_full();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = -1;
        bool has = hl_question_score(question(s, cases[i].qid), cases[i].value, &v);
        if (has != (cases[i].score >= 0) || (has && v != cases[i].score))
            hl_test_fail(__FILE__, __LINE__, "score of %s \"%s\": %s %lld, expected %lld",
                         cases[i].qid, cases[i].value ? cases[i].value : "(null)",
                         has ? "scored" : "none", (long long)v, (long long)cases[i].score);
    }
    hl_survey_free(s);
}

static void test_number_score_holds_eighteen_digits(void)
{
    static const char text[] =
        HEAD "    {\"id\": \"n\", \"type\": \"number\", \"max_digits\": 18, " TEXT "}\n" TAIL;
    hl_survey_t *s = load_ok("t.json", text, strlen(text));
    if (s) {
        int64_t v = 0;
        CHECK(hl_question_score(&s->questions[0], "999999999999999999", &v));
        CHECK_INT(v, 999999999999999999LL);
    }
    hl_survey_free(s);
}

static void test_cond_holds_follows_show_if(void)
{
    /* No condition: always shown, whatever the value. Unanswered (NULL) or
     * hidden reference: a conditional question is hidden. low is overall at
     * most 2 (dissatisfied 2, very_dissatisfied 1, neutral 3), high at least
     * 4 (satisfied 4). */
    static const struct {
        const char *qid, *ref;
        bool holds;
    } cases[] = {
        {"rating", NULL, true},
        {"low", NULL, false},
        {"why", NULL, false},
        {"low", "dissatisfied", true},
        {"low", "very_dissatisfied", true},
        {"low", "neutral", false},
        {"high", "satisfied", true},
        {"high", "neutral", false},
        {"low", "garbage", false},
        {"why", "rude", true},
        {"why", "slow|other", true},
        {"why", "unclear|rude", true},
        {"why", "unclear|other", false},
        {"why", "slo", false},
        {"not_posted", "no", true},
        {"not_posted", "yes", false},
        {"big_code", "5000", true},
        {"big_code", "012345", true},
        {"big_code", "4999", false},
    };
    hl_survey_t *s = load_full();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (hl_survey_cond_holds(s, question(s, cases[i].qid), cases[i].ref) != cases[i].holds)
            hl_test_fail(__FILE__, __LINE__, "%s shown after \"%s\" should be %d", cases[i].qid,
                         cases[i].ref ? cases[i].ref : "(null)", cases[i].holds);
    hl_survey_free(s);
}

/* ---- Text questions ------------------------------------------------------ */

// clang-format off
#define HINT "\"hint\": {\"vi\": \"Góp ý của Ông/Bà\", \"en\": \"Your suggestion\"}"
static const char text_survey[] =
    HEAD
    "    {\"id\": \"overall\", \"type\": \"stars\", \"required\": true, " TEXT "},\n"
    "    {\"id\": \"comment\", \"type\": \"text\", " TEXT ", " HINT ",\n"
    "     \"show_if\": {\"question\": \"overall\", \"at_most\": 2}},\n"
    "    {\"id\": \"short\", \"type\": \"text\", \"required\": true, \"max_chars\": 5, " TEXT ", " HINT "}\n"
    TAIL;
// clang-format on

static void test_text_question_loads_with_its_hint_and_default_max_chars(void)
{
    hl_survey_t *s = load_ok("t.json", text_survey, strlen(text_survey));
    if (!s) return;
    const hl_question_t *c = question(s, "comment"), *sh = question(s, "short");
    CHECK_INT(c->type, HL_Q_TEXT);
    CHECK_STR(hl_qtype_name(c->type), "text");
    CHECK_INT(c->max_chars, 500);
    CHECK(!c->required);
    CHECK_STR(hl_text_get(&c->hint, HL_LANG_VI), "Góp ý của Ông/Bà");
    CHECK_STR(hl_text_get(&c->hint, HL_LANG_EN), "Your suggestion");
    CHECK_INT(sh->max_chars, 5);
    CHECK(sh->required);
    CHECK(c->options == NULL && c->n_options == 0);
    /* Shown only after a low rating. */
    CHECK(hl_survey_cond_holds(s, c, "2"));
    CHECK(!hl_survey_cond_holds(s, c, "3"));
    CHECK(!hl_survey_cond_holds(s, c, NULL));
    /* Not scored, not charted, typed then "next". */
    const hl_qtype_info_t *t = hl_qtype_info(HL_Q_TEXT);
    CHECK(!t->scored && !t->charted && !t->auto_advance && !t->options);
    CHECK_INT(t->draft, HL_DRAFT_TEXT);
    CHECK(!hl_qtype_auto_advance(HL_Q_TEXT));
    CHECK_INT(hl_question_n_items(c), 0);
    int64_t score = 0;
    CHECK(!hl_question_score(c, "rất tốt", &score));
    hl_survey_free(s);
}

static void test_text_question_problems_are_reported_where_they_are(void)
{
    // clang-format off
    static const bad_t cases[] = {
        {"max_chars out of range",
         HEAD Q_OVERALL
         "    {\"id\": \"c\", \"type\": \"text\", \"max_chars\": 0, " TEXT ", " HINT "},\n"
         "    {\"id\": \"d\", \"type\": \"text\", \"max_chars\": 2001, " TEXT ", " HINT "}\n" TAIL,
         {{10, 46, "questions[1].max_chars", "\"max_chars\" must be an integer from 1 to 2000, not 0"},
          {11, 46, "questions[2].max_chars", "not 2001"}}},
        {"max_chars not an integer",
         HEAD Q_OVERALL
         "    {\"id\": \"c\", \"type\": \"text\", \"max_chars\": \"500\", " TEXT ", " HINT "},\n"
         "    {\"id\": \"d\", \"type\": \"text\", \"max_chars\": 12.5, " TEXT ", " HINT "}\n" TAIL,
         {{10, 46, "questions[1].max_chars", "not a string"},
          {11, 46, "questions[2].max_chars", "not a real number"}}},
        {"hint missing, or missing a language",
         HEAD Q_OVERALL
         "    {\"id\": \"c\", \"type\": \"text\", " TEXT "},\n"
         "    {\"id\": \"d\", \"type\": \"text\", " TEXT ", \"hint\": {\"vi\": \"Góp ý\"}}\n" TAIL,
         {{10, 5, "questions[1].hint", "missing key \"hint\""},
          {ANY, 0, "questions[2].hint", "missing translation for \"en\""}}},
        {"options on a text question",
         HEAD Q_OVERALL
         "    {\"id\": \"c\", \"type\": \"text\", " TEXT ", " HINT ", \"options\": " OPTS3 "}\n" TAIL,
         {{ANY, 0, "questions[1].options",
           "\"options\" is not allowed on a text question: only smiley, choice and multi"}}},
        {"max_chars and hint on other types",
         HEAD Q_OVERALL
         "    {\"id\": \"c\", \"type\": \"stars\", \"max_chars\": 20, " TEXT ", " HINT "}\n" TAIL,
         {{10, 34, "questions[1].max_chars",
           "\"max_chars\" is not allowed on a stars question: only text questions have it"},
          {ANY, 0, "questions[1].hint", "\"hint\" is not allowed on a stars question"}}},
        {"show_if referring to a text question",
         HEAD Q_OVERALL
         "    {\"id\": \"c\", \"type\": \"text\", " TEXT ", " HINT "},\n"
         "    {\"id\": \"d\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"c\", \"any_of\": [\"yes\"]}},\n"
         "    {\"id\": \"e\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"c\", \"at_least\": 1}}\n" TAIL,
         {{12, 30, "questions[2].show_if.question",
           "\"show_if\" refers to \"c\", a text question: a citizen's own words cannot decide"},
          {14, 30, "questions[3].show_if.question", "a text question"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
}

/* ---- Contact questions ---------------------------------------------------- */

// clang-format off
#define CONSENT_TAIL                                                                    \
    "  ],\n"                                                                            \
    "  \"consent\": {\"vi\": \"Số điện thoại chỉ dùng để liên hệ lại.\",\n"             \
    "              \"en\": \"Your number is only used to reach you.\"}\n}\n"
#define LONG_301 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define Q_PHONE "    {\"id\": \"phone\", \"type\": \"contact\", " TEXT "}\n"
static const char contact_survey[] = HEAD Q_OVERALL Q_PHONE CONSENT_TAIL;
// clang-format on

static void test_contact_question_loads_optional_with_the_surveys_consent(void)
{
    made_t m = {.s = load_ok("c.json", contact_survey, strlen(contact_survey))};
    if (!m.s) return;
    const hl_question_t *p = question(m.s, "phone");
    CHECK_INT(p->type, HL_Q_CONTACT);
    CHECK_STR(hl_qtype_name(p->type), "contact");
    CHECK(!p->required);
    CHECK_STR(hl_text_get(&m.s->consent, HL_LANG_VI), "Số điện thoại chỉ dùng để liên hệ lại.");
    CHECK_STR(hl_text_get(&m.s->consent, HL_LANG_EN), "Your number is only used to reach you.");
    const hl_qtype_info_t *t = hl_qtype_info(HL_Q_CONTACT);
    CHECK(t->own && t->answered && !t->charted && !t->scored && !t->auto_advance);
    CHECK_INT(t->draft, HL_DRAFT_DIGITS);
    CHECK(hl_qtype_info(HL_Q_TEXT)->own && !hl_qtype_info(HL_Q_NUMBER)->own);
    /* Ten digits starting with 0; the message never repeats the number. */
    CHECK_INT(MAKE(p, "0912345678"), HL_OK);
    CHECK_STR(m.out, "0912345678");
    const char *bad[] = {"987654321", "09123456789", "1912345678", "09123a5678", "", "0912 45678"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(MAKE(p, bad[i]), HL_ERR_USAGE);
        CHECK_CONTAINS(m.err.msg, "10 digits starting with 0");
        if (bad[i][0] && strstr(m.err.msg, bad[i]))
            hl_test_fail(__FILE__, __LINE__, "the message repeats the number: %s", m.err.msg);
    }
    CHECK(hl_contact_valid("0387654321") && !hl_contact_valid(NULL));
    hl_survey_free(m.s);
}

static void test_contact_question_problems_are_reported_where_they_are(void)
{
    // clang-format off
    static const bad_t cases[] = {
        {"a contact question without consent",
         HEAD Q_OVERALL Q_PHONE TAIL,
         {{10, 29, "questions[1].type", "a contact question needs the survey's \"consent\""}}},
        {"a required contact question",
         HEAD Q_OVERALL
         "    {\"id\": \"phone\", \"type\": \"contact\", \"required\": true, " TEXT "}\n"
         CONSENT_TAIL,
         {{10, 52, "questions[1].required", "a contact question is always optional"}}},
        {"two contact questions",
         HEAD Q_OVERALL
         "    {\"id\": \"phone\", \"type\": \"contact\", " TEXT "},\n"
         "    {\"id\": \"phone2\", \"type\": \"contact\", " TEXT "}\n" CONSENT_TAIL,
         {{11, 30, "questions[2].type", "a second contact question (the first is questions[1])"}}},
        {"consent without a contact question",
         HEAD Q_OVERALL_LAST CONSENT_TAIL,
         {{11, 3, "consent", "\"consent\" is shown with a contact question and this survey has none"}}},
        {"a misspelt contact type: one problem, not also a consent without its question",
         HEAD Q_OVERALL "    {\"id\": \"phone\", \"type\": \"Contact\", " TEXT "}\n" CONSENT_TAIL,
         {{10, 29, "questions[1].type", "unknown type \"Contact\" (did you mean \"contact\"?)"}}},
        {"a consent longer than 300 characters",
         HEAD Q_OVERALL Q_PHONE "  ],\n  \"consent\": {\"vi\": \"" LONG_301 "\", \"en\": \"Ok\"}\n}\n",
         {{12, 21, "consent.vi", "the \"vi\" text is 301 characters long; the limit is 300"}}},
        {"a question id that is an export column",
         HEAD Q_OVERALL "    {\"id\": \"followup\", \"type\": \"yesno\", " TEXT "},\n"
         "    {\"id\": \"status\", \"type\": \"yesno\", " TEXT "}\n" TAIL,
         {{10, 12, "questions[1].id", "question id \"followup\" is the name of a column every export has already"},
          {11, 12, "questions[2].id", "(such as \"q_status\")"}}},
        {"consent missing a language",
         HEAD Q_OVERALL Q_PHONE "  ],\n  \"consent\": {\"vi\": \"Chỉ để liên hệ.\"}\n}\n",
         {{ANY, 0, "consent", "missing translation for \"en\""}}},
        {"show_if referring to a contact question, digits on it",
         HEAD Q_OVERALL
         "    {\"id\": \"phone\", \"type\": \"contact\", \"max_digits\": 10, " TEXT "},\n"
         "    {\"id\": \"d\", \"type\": \"yesno\", " TEXT ",\n"
         "     \"show_if\": {\"question\": \"phone\", \"at_least\": 1}}\n" CONSENT_TAIL,
         {{10, 40, "questions[1].max_digits", "\"max_digits\" is not allowed on a contact question"},
          {12, 30, "questions[2].show_if.question", "a contact question: a citizen's own words"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
}

/* A text over the bytes a text answer holds (characters of 4 bytes) says
 * bytes, not characters. */
static void test_a_text_of_four_byte_characters_is_refused_by_its_bytes(void)
{
    static const char big_survey[] = HEAD
        "    {\"id\": \"c\", \"type\": \"text\", \"max_chars\": 2000, " TEXT ", " HINT "}\n" TAIL;
    made_t m = {.s = load_ok("t.json", big_survey, strlen(big_survey))};
    if (!m.s) return;
    char *text = malloc(1600 * 4 + 1);
    if (!text) abort();
    for (int i = 0; i < 1600; i++)
        memcpy(text + 4 * i, "\xF0\x9F\x99\x82", 4); /* U+1F642 */
    text[1600 * 4] = '\0';
    CHECK_INT(MAKE(question(m.s, "c"), text), HL_ERR_USAGE);
    CHECK_CONTAINS(m.err.msg, "6400 bytes, more than a text answer holds (6000 bytes");
    free(text);
    hl_survey_free(m.s);
}

static void test_make_value_keeps_a_text_as_typed_trimmed_and_nfc(void)
{
    made_t m = {.s = load_ok("t.json", text_survey, strlen(text_survey))};
    if (!m.s) return;
    const hl_question_t *c = question(m.s, "comment"), *sh = question(m.s, "short");
    /* Commas, quotes, a line break and Vietnamese kept; both ends trimmed. */
    CHECK_INT(MAKE(c, "  Thủ tục nhanh, cán bộ \"rất\" nhiệt tình\nCảm ơn! \n "), HL_OK);
    CHECK_STR(m.out, "Thủ tục nhanh, cán bộ \"rất\" nhiệt tình\nCảm ơn!");
    /* A decomposed accent (NFD) is stored composed (NFC). */
    CHECK_INT(MAKE(c, "Thu\xcc\x89 tu\xcc\xa3\x63"), HL_OK);
    CHECK_STR(m.out, "Thủ tục");
    /* max_chars counts code points: 5 Vietnamese letters fit, 6 do not. */
    CHECK_INT(MAKE(sh, "Việt "), HL_OK);
    CHECK_STR(m.out, "Việt");
    CHECK_INT(MAKE(sh, "ỗỗỗỗỗ"), HL_OK);
    CHECK_INT(MAKE(sh, "ỗỗỗỗỗỗ"), HL_ERR_USAGE);
    CHECK_STR(m.err.msg, "question \"short\": the text is longer than its 5 characters");
    CHECK_STR(m.out, "");
    /* Refused: blank, invalid UTF-8, control characters other than a line
     * break, a stray combining mark; the message never quotes the text. */
    CHECK_INT(MAKE(c, " \n  "), HL_ERR_USAGE);
    CHECK(strstr(m.err.msg, "the text is empty") != NULL);
    static const char *const refused[] = {"ab\xff", "\xc3\x28", "a\x01z",   "a\tb",
                                          "a\rb",   "x\x7fy",   "\xcc\x81", "\xed\xa0\x80"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (MAKE(c, refused[i]) != HL_ERR_USAGE || m.out[0] ||
            !strstr(m.err.msg, "not valid UTF-8"))
            hl_test_fail(__FILE__, __LINE__, "text %zu was not refused as it should (%s)", i,
                         m.err.msg);
    }
    /* Longer than any text answer in bytes: refused before it is read. */
    char big[HL_TEXT_ANSWER_BYTES + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(MAKE(c, big), HL_ERR_USAGE);
    CHECK_INT(MAKE(c, "one", "two"), HL_ERR_USAGE);
    hl_survey_free(m.s);
}

static void test_text_drafts_must_be_nfc_and_within_max_chars(void)
{
    hl_survey_t *s = load_ok("t.json", text_survey, strlen(text_survey));
    if (!s) return;
    const hl_question_t *sh = question(s, "short");
    char out[HL_VALUE_MAX];
    hl_err_t err = {0};
    /* As typed: spaces kept at the ends, a decomposed accent refused. */
    CHECK_INT(hl_text_answer_make(sh, " ab ", false, out, &err), HL_OK);
    CHECK_STR(out, " ab ");
    CHECK_INT(hl_text_answer_make(sh, "Thu\xcc\x89", false, out, &err), HL_ERR_USAGE);
    CHECK(strstr(err.msg, "not in NFC") != NULL);
    CHECK_INT(hl_text_answer_make(sh, "abcdef", false, out, &err), HL_ERR_USAGE);
    CHECK(hl_text_answer_blank(" \n "));
    CHECK(hl_text_answer_blank(""));
    CHECK(!hl_text_answer_blank(" a "));
    hl_survey_free(s);
}

/* ---- Notes ---------------------------------------------------------------- */

#define BODY "\"body\": {\"vi\": \"Đoạn một.\\nĐoạn hai.\", \"en\": \"One.\\nTwo.\"}"

/* Writes a file of n bytes (a picture: NUL bytes inside). */
static void write_bytes(const char *dir, const char *name, const void *b, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n) abort();
    fclose(f);
}

/* The header of a w x h PNG: all the loader reads. */
static void write_png(const char *dir, const char *name, int w, int h)
{
    unsigned char b[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
                           0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    b[16] = (unsigned char)(w >> 24), b[17] = (unsigned char)(w >> 16);
    b[18] = (unsigned char)(w >> 8), b[19] = (unsigned char)w;
    b[20] = (unsigned char)(h >> 24), b[21] = (unsigned char)(h >> 16);
    b[22] = (unsigned char)(h >> 8), b[23] = (unsigned char)h;
    write_bytes(dir, name, b, sizeof b);
}

static void test_a_note_loads_with_its_body_and_picture_beside_the_file(void)
{
    char *dir = hl_test_tmpdir("note");
    write_png(dir, "gio.png", 640, 400);
    /* A JPEG's frame header: 300 x 200. */
    static const unsigned char jpg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 4,  0, 0, 0xFF, 0xC0, 0,
                                        11,   8,    0,    200,  1, 44, 3, 0, 0,    0,    0};
    write_bytes(dir, "anh.jpg", jpg, sizeof jpg);
    char *path = hl_test_write_file(
        dir, "s.json",
        HEAD
        "    {\"id\": \"intro\", \"type\": \"note\", " TEXT ", " BODY ", \"image\": \"gio.png\"},\n"
        "    {\"id\": \"overall\", \"type\": \"smiley\", " TEXT ", \"options\": " OPTS3 "},\n"
        "    {\"id\": \"pic\", \"type\": \"note\", " TEXT ", " BODY
        ", \"image\": \"anh.jpg\", \"show_if\": {\"question\": \"overall\", \"at_most\": 1}},\n"
        "    {\"id\": \"after\", \"type\": \"note\", " TEXT ", " BODY ",\n"
        "     \"show_if\": {\"question\": \"overall\", \"at_most\": 1}}\n" TAIL);
    hl_survey_t *s = load_ok(NULL, path, 0);
    if (s) {
        const hl_question_t *n = question(s, "intro");
        CHECK_INT(n->type, HL_Q_NOTE);
        CHECK(!hl_question_answerable(n) && hl_question_answerable(question(s, "overall")));
        CHECK_STR(hl_text_get(&n->body, HL_LANG_VI), "Đoạn một.\nĐoạn hai.");
        CHECK(n->image && strstr(n->image, "/gio.png") && !strncmp(n->image, dir, strlen(dir)));
        CHECK_STR(n->image_rel, "gio.png"); /* as written: what an install copies */
        CHECK_INT(n->image_w, 640);
        CHECK_INT(n->image_h, 400);
        CHECK_INT(question(s, "pic")->image_w, 300);
        CHECK_INT(question(s, "pic")->image_h, 200);
        CHECK(question(s, "after")->image == NULL);
        CHECK(!n->required);
        char out[HL_VALUE_MAX];
        hl_err_t err = {0};
        const char *v[1] = {"x"};
        CHECK_INT(hl_question_make_value(n, v, 1, out, &err), HL_ERR_USAGE);
        CHECK(strstr(err.msg, "a note: it takes no answer") != NULL);
        const hl_qtype_info_t *t = hl_qtype_info(HL_Q_NOTE);
        CHECK(!t->answered && !t->charted && !t->scored && !t->auto_advance);
    }
    hl_survey_free(s);
    /* Without a root, an absolute path's pictures are beside the file too
     * (not below the current folder), as the technician's list loads them. */
    hl_diags_t d = {0};
    CHECK(path[0] == '/');
    CHECK_INT(hl_survey_load_file_at(NULL, path, &s, &d), HL_OK);
    if (s) CHECK_INT(question(s, "intro")->image_w, 640);
    hl_survey_free(s);
    hl_diags_free(&d);
    /* From memory (a stored survey) the picture is not looked for. */
    s = load_ok("stored/s.json",
                HEAD "    {\"id\": \"intro\", \"type\": \"note\", " TEXT ", " BODY
                     ", \"image\": \"nowhere.png\"},\n" Q_OVERALL_LAST TAIL,
                strlen(HEAD "    {\"id\": \"intro\", \"type\": \"note\", " TEXT ", " BODY
                            ", \"image\": \"nowhere.png\"},\n" Q_OVERALL_LAST TAIL));
    if (s) CHECK_STR(s->questions[0].image, "stored/nowhere.png");
    if (s) CHECK_STR(s->questions[0].image_rel, "nowhere.png");
    hl_survey_free(s);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_note_problems_are_reported_where_they_are(void)
{
    // clang-format off
    static const bad_t cases[] = {
        {"body missing, or missing a language",
         HEAD "    {\"id\": \"a\", \"type\": \"note\", " TEXT "},\n"
         "    {\"id\": \"b\", \"type\": \"note\", " TEXT ", \"body\": {\"vi\": \"Một\"}},\n" Q_OVERALL_LAST TAIL,
         {{9, 5, "questions[0].body", "missing key \"body\""},
          {ANY, 0, "questions[1].body", "missing translation for \"en\""}}},
        {"required on a note",
         HEAD "    {\"id\": \"a\", \"type\": \"note\", \"required\": true, " TEXT ", " BODY "},\n" Q_OVERALL_LAST TAIL,
         {{9, 33, "questions[0].required", "\"required\" makes no sense on a note"}}},
        {"show_if referring to a note",
         HEAD "    {\"id\": \"a\", \"type\": \"note\", " TEXT ", " BODY "},\n"
         "    {\"id\": \"d\", \"type\": \"yesno\", " TEXT ", \"show_if\": {\"question\": \"a\", \"any_of\": [\"yes\"]}}\n" TAIL,
         {{10, 103, "questions[1].show_if.question", "\"show_if\" refers to \"a\", a note: a note has no answer"}}},
        {"picture paths leaving the folder",
         HEAD "    {\"id\": \"a\", \"type\": \"note\", " TEXT ", " BODY ", \"image\": \"/etc/x.png\"},\n"
         "    {\"id\": \"b\", \"type\": \"note\", " TEXT ", " BODY ", \"image\": \"../x.png\"},\n"
         "    {\"id\": \"c\", \"type\": \"note\", " TEXT ", " BODY ", \"image\": \"a/../../x.png\"},\n"
         "    {\"id\": \"e\", \"type\": \"note\", " TEXT ", " BODY ", \"image\": \"\"},\n" Q_OVERALL_LAST TAIL,
         {{ANY, 0, "questions[0].image", "is an absolute path"},
          {ANY, 0, "questions[1].image", "leaves the survey's folder"},
          {ANY, 0, "questions[2].image", "leaves the survey's folder"},
          {ANY, 0, "questions[3].image", "is empty"}}},
        {"body and image on other types, options on a note",
         HEAD "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ", " BODY ", \"image\": \"x.png\"},\n"
         "    {\"id\": \"b\", \"type\": \"note\", " TEXT ", " BODY ", \"options\": " OPTS3 "}\n" TAIL,
         {{ANY, 0, "questions[0].body", "\"body\" is not allowed on a yesno question: only notes"},
          {ANY, 0, "questions[0].image", "\"image\" is not allowed on a yesno question"},
          {ANY, 0, "questions[1].options", "\"options\" is not allowed on a note question"}}},
        {"only notes",
         HEAD "    {\"id\": \"a\", \"type\": \"note\", " TEXT ", " BODY "}\n" TAIL,
         {{ANY, 0, "questions", "every question is a note"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
}

/* A picture that is missing, not a picture, too big, or a link: refused by
 * the file's load (hailong check), with the place of "image". */
static void test_a_note_picture_must_be_a_png_or_jpeg_file_in_the_folder(void)
{
    char *dir = hl_test_tmpdir("note");
    write_png(dir, "huge.png", 4000, 300);
    write_bytes(dir, "text.png", "hello, not a picture", 20);
    write_png(dir, "ok.png", 64, 64);
    char link[1024];
    snprintf(link, sizeof link, "%s/link.png", dir);
    if (symlink("ok.png", link) != 0) abort();
    const char *pics[4] = {"missing.png", "huge.png", "text.png", "link.png"};
    const char *msgs[4] = {"the picture cannot be used", "is 4000 x 300 pixels; the limit is 2048",
                           "is not a PNG or JPEG picture", "the picture cannot be used"};
    for (int i = 0; i < 4; i++) {
        char json[2048];
        snprintf(json, sizeof json,
                 HEAD "    {\"id\": \"a\", \"type\": \"note\", " TEXT ", " BODY
                      ",\n     \"image\": \"%s\"},\n" Q_OVERALL_LAST TAIL,
                 pics[i]);
        char *path = hl_test_write_file(dir, "s.json", json);
        hl_diags_t d = {0};
        hl_survey_t *s = NULL;
        CHECK_INT(hl_survey_load_file(path, &s, &d), HL_ERR_INVALID);
        EXPECT_COUNT(&d, 1);
        if (d.n == 1) {
            CHECK_INT(d.items[0].line, 10);
            CHECK_INT(d.items[0].col, 15);
            CHECK_STR(d.items[0].path, "questions[0].image");
            if (!strstr(d.items[0].msg, msgs[i]))
                hl_test_fail(__FILE__, __LINE__, "%s: \"%s\" lacks \"%s\"", pics[i], d.items[0].msg,
                             msgs[i]);
        }
        hl_survey_free(s);
        hl_diags_free(&d);
        free(path);
    }
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Recordings ---------------------------------------------------------- */

/* The first bytes of a WAV file: all the loader reads (the sound is
 * hl_wav's to check). */
static void write_riff(const char *dir, const char *name)
{
    static const char head[16] = {'R', 'I', 'F', 'F', 4,   0,   0,   0,
                                  'W', 'A', 'V', 'E', 'f', 'm', 't', ' '};
    write_bytes(dir, name, head, sizeof head);
}

// clang-format off
#define OPT_GOOD_REC "{\"id\": \"good\", \"label\": {\"vi\": \"good\", \"en\": \"good\"}, " \
                     "\"audio\": {\"label\": {\"vi\": \"giong/tot.wav\"}}}"
static const char audio_survey[] =
    HEAD
    "    {\"id\": \"overall\", \"type\": \"smiley\", " TEXT ", \"audio\": {\"text\": {\"vi\": \"giong/cau-1.wav\", \"en\": \"giong/cau-1-en.wav\"}},\n"
    "     \"options\": [" OPT_GOOD_REC ", " OPT("ok") ", " OPT("bad") "]},\n"
    "    {\"id\": \"comment\", \"type\": \"text\", " TEXT ", " HINT ", \"audio\": {\"hint\": {\"en\": \"goi-y.wav\"}}},\n"
    "    {\"id\": \"intro\", \"type\": \"note\", " TEXT ", " BODY ", \"audio\": {\"body\": {\"vi\": \"giong/trang.wav\"}}}\n"
    "  ],\n"
    "  \"audio\": {\"title\": {\"vi\": \"giong/tieu-de.wav\"}, \"thanks\": {\"en\": \"cam-on.WAV\"}}\n"
    "}\n";
// clang-format on

/* rec is dir/rel (dir NULL: rel exactly). */
static void expect_rec(int at, const char *rec, const char *dir, const char *rel)
{
    char want[1200];
    snprintf(want, sizeof want, "%s%s%s", dir ? dir : "", dir ? "/" : "", rel);
    if (!rec || strcmp(rec, want) != 0)
        hl_test_fail(__FILE__, at, "recording \"%s\", expected \"%s\"", rec ? rec : "(none)", want);
}

/* Every text may have a recording per language, a language without one has
 * none (it is synthesised); each is found by its text and listed with its
 * path as written and its place, so that check and install find it. */
static void test_recordings_are_found_by_their_texts_and_listed_with_their_places(void)
{
    char *dir = hl_test_tmpdir("audio");
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/giong", dir);
    mkdir(sub, 0755);
    const char *files[] = {"giong/cau-1.wav", "giong/cau-1-en.wav", "giong/tot.wav", "goi-y.wav",
                           "giong/trang.wav", "giong/tieu-de.wav",  "cam-on.WAV"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        write_riff(dir, files[i]);
    char *path = hl_test_write_file(dir, "s.json", audio_survey);
    hl_survey_t *s = load_ok(NULL, path, 0);
    if (s) {
        const hl_question_t *q = question(s, "overall");
        expect_rec(__LINE__, hl_survey_audio(s, &s->title, HL_LANG_VI), dir, "giong/tieu-de.wav");
        CHECK(hl_survey_audio(s, &s->title, HL_LANG_EN) == NULL);
        expect_rec(__LINE__, hl_survey_audio(s, &s->thanks, HL_LANG_EN), dir, "cam-on.WAV");
        CHECK(hl_survey_audio(s, &s->thanks, HL_LANG_VI) == NULL);
        expect_rec(__LINE__, hl_survey_audio(s, &q->text, HL_LANG_VI), dir, "giong/cau-1.wav");
        expect_rec(__LINE__, hl_survey_audio(s, &q->text, HL_LANG_EN), dir, "giong/cau-1-en.wav");
        expect_rec(__LINE__, hl_survey_audio(s, &q->options[0].label, HL_LANG_VI), dir,
                   "giong/tot.wav");
        CHECK(hl_survey_audio(s, &q->options[1].label, HL_LANG_VI) == NULL);
        CHECK(hl_survey_audio(s, &q->options[0].label, HL_LANG_EN) == NULL);
        expect_rec(__LINE__, hl_survey_audio(s, &question(s, "comment")->hint, HL_LANG_EN), dir,
                   "goi-y.wav");
        CHECK(hl_survey_audio(s, &question(s, "comment")->text, HL_LANG_VI) == NULL);
        expect_rec(__LINE__, hl_survey_audio(s, &question(s, "intro")->body, HL_LANG_VI), dir,
                   "giong/trang.wav");
        CHECK(hl_survey_audio(s, &s->consent, HL_LANG_VI) == NULL);
        CHECK_INT(s->n_recordings, 7);
        /* The list: as written, with its place (the value of the path). */
        const hl_recording_t *r = NULL;
        for (size_t i = 0; i < s->n_recordings; i++)
            if (s->recordings[i].text == &q->text && s->recordings[i].lang == HL_LANG_EN)
                r = &s->recordings[i];
        CHECK(r != NULL);
        if (r) {
            CHECK_STR(r->rel, "giong/cau-1-en.wav");
            CHECK_STR(r->where, "questions[0].audio.text.en");
            CHECK_INT(r->line, 9);
            CHECK_INT(r->col, 136);
            expect_rec(__LINE__, r->path, dir, "giong/cau-1-en.wav");
        }
    }
    hl_survey_free(s);
    /* From memory (a stored survey) only the form is checked: no file read. */
    s = load_ok("stored/s.json", audio_survey, strlen(audio_survey));
    if (s)
        expect_rec(__LINE__, hl_survey_audio(s, &s->title, HL_LANG_VI), NULL,
                   "stored/giong/tieu-de.wav");
    hl_survey_free(s);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_recording_problems_are_reported_where_they_are(void)
{
    // clang-format off
    static const bad_t cases[] = {
        {"audio that is not an object",
         HEAD "    {\"id\": \"overall\", \"type\": \"smiley\", " TEXT ", \"audio\": \"q1.wav\", \"options\": " OPTS3 "}\n" TAIL,
         {{9, 95, "questions[0].audio", "\"audio\" must be an object of recordings by text"}}},
        {"an unknown text, a text the question does not have, a recording not by language",
         HEAD "    {\"id\": \"overall\", \"type\": \"smiley\", " TEXT ",\n"
         "     \"audio\": {\"txet\": {\"vi\": \"a.wav\"}, \"hint\": {\"vi\": \"b.wav\"}, \"body\": \"c.wav\"},\n"
         "     \"options\": " OPTS3 "}\n" TAIL,
         {{10, 16, "questions[0].audio.txet", "unknown key \"txet\" (did you mean \"text\"?)"},
          {10, 41, "questions[0].audio.hint", "a recording of \"hint\", which this question has no text for"},
          {10, 66, "questions[0].audio.body", "a recording of \"body\", which this question has no text for"}}},
        {"an option's recording of another text",
         HEAD "    {\"id\": \"overall\", \"type\": \"smiley\", " TEXT ", \"options\": [\n"
         "      {\"id\": \"good\", \"label\": {\"vi\": \"Tốt\", \"en\": \"Good\"}, \"audio\": {\"text\": {\"vi\": \"a.wav\"}}},\n"
         "      " OPT("ok") ", " OPT("bad") "]}\n" TAIL,
         {{10, 70, "questions[0].options[0].audio.text", "unknown key \"text\" (keys allowed here: label)"}}},
        {"the consent's recording in a survey without consent",
         HEAD Q_OVERALL_LAST "  ],\n  \"audio\": {\"consent\": {\"vi\": \"dong-y.wav\"}}\n}\n",
         {{11, 13, "audio.consent", "a recording of \"consent\", which the survey has no text for"}}},
        {"languages unknown, recordings not strings",
         HEAD "    {\"id\": \"overall\", \"type\": \"smiley\", " TEXT ", \"options\": " OPTS3 ",\n"
         "     \"audio\": {\"text\": {\"fr\": \"a.wav\", \"vi\": 3, \"en\": [\"b.wav\"]}}}\n"
         "  ],\n  \"audio\": {\"title\": \"t.wav\"}\n}\n",
         {{10, 25, "questions[0].audio.text.fr", "unknown language \"fr\" (supported: vi, en)"},
          {10, 46, "questions[0].audio.text.vi", "the \"vi\" recording must be the path of a WAV file such as \"giong/cau-1.wav\", not an integer"},
          {10, 55, "questions[0].audio.text.en", "not an array"},
          {12, 22, "audio.title", "the recordings of \"title\" must be an object of WAV files by language"}}},
        {"a language the survey does not declare",
         "{\n  \"format\": 1,\n  \"id\": \"test-survey\",\n  \"version\": 1,\n  \"languages\": [\"vi\"],\n"
         "  \"title\": {\"vi\": \"Khảo sát\"},\n  \"thanks\": {\"vi\": \"Cảm ơn\"},\n  \"questions\": [\n"
         "    {\"id\": \"q\", \"type\": \"yesno\", \"text\": {\"vi\": \"Câu hỏi\"}, \"audio\": {\"text\": {\"en\": \"q.wav\"}}}\n" TAIL,
         {{9, 80, "questions[0].audio.text.en", "a recording in \"en\", which \"languages\" does not declare: add \"en\" to \"languages\" or remove this recording"}}},
        {"paths leaving the folder, empty, not WAV, with a control character",
         HEAD "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ", \"audio\": {\"text\": {\"vi\": \"/etc/a.wav\", \"en\": \"../a.wav\"}}},\n"
         "    {\"id\": \"b\", \"type\": \"yesno\", " TEXT ", \"audio\": {\"text\": {\"vi\": \"\", \"en\": \"b.mp3\"}}},\n"
         "    {\"id\": \"c\", \"type\": \"yesno\", " TEXT ", \"audio\": {\"text\": {\"vi\": \"c\\u0001.wav\", \"en\": \"c.wav.bak\"}}},\n"
         "    {\"id\": \"d\", \"type\": \"yesno\", " TEXT ", \"audio\": {\"text\": {\"vi\": \"d//d.wav\", \"en\": \"x/../../d.wav\"}}}\n" TAIL,
         {{9, 104, "questions[0].audio.text.vi", "the \"vi\" recording is an absolute path: give a path relative to the survey's folder, such as \"giong/cau-1.wav\""},
          {9, 124, "questions[0].audio.text.en", "the \"en\" recording leaves the survey's folder (\"..\"): put the recording in the survey's folder"},
          {10, 104, "questions[1].audio.text.vi", "the \"vi\" recording is empty: give a WAV file in the survey's folder"},
          {10, 114, "questions[1].audio.text.en", "the \"en\" recording does not name a .wav file"},
          {11, 104, "questions[2].audio.text.vi", "the \"vi\" recording holds a control character"},
          {11, 125, "questions[2].audio.text.en", "the \"en\" recording does not name a .wav file"},
          {12, 104, "questions[3].audio.text.vi", "has an empty part"},
          {12, 122, "questions[3].audio.text.en", "leaves the survey's folder"}}},
    };
    // clang-format on
    EXPECT_ALL_BAD(cases);
}

/* A recording that is missing, too big, not a WAV file, a link or a folder:
 * refused by the file's load (hailong check), at the place of its path. */
static void test_a_recording_must_be_a_wav_file_in_the_folder(void)
{
    char *dir = hl_test_tmpdir("audio");
    write_bytes(dir, "text.wav", "hello, not a recording", 22);
    write_riff(dir, "ok.wav");
    char big[1200], link[1200], folder[1200];
    snprintf(big, sizeof big, "%s/big.wav", dir);
    write_riff(dir, "big.wav");
    if (truncate(big, HL_AUDIO_FILE_BYTES + 1) != 0) abort(); /* sparse: nothing written */
    snprintf(link, sizeof link, "%s/link.wav", dir);
    if (symlink("ok.wav", link) != 0) abort();
    snprintf(folder, sizeof folder, "%s/folder.wav", dir);
    mkdir(folder, 0755);
    const char *recs[5] = {"missing.wav", "big.wav", "text.wav", "link.wav", "folder.wav"};
    const char *msgs[5] = {"the recording cannot be used: ", "the recording cannot be used: ",
                           "\"text.wav\" is not a WAV file (no RIFF/WAVE header): save the "
                           "recording as WAV, 16-bit PCM",
                           "the recording cannot be used: ", "the recording cannot be used: "};
    const char *why[5] = {"does not exist", "larger than the limit of 12 MiB", "", "link", ""};
    for (int i = 0; i < 5; i++) {
        char json[2048];
        snprintf(json, sizeof json,
                 HEAD "    {\"id\": \"a\", \"type\": \"yesno\", " TEXT ",\n"
                      "     \"audio\": {\"text\": {\"en\": \"%s\"}}},\n" Q_OVERALL_LAST TAIL,
                 recs[i]);
        char *path = hl_test_write_file(dir, "s.json", json);
        hl_diags_t d = {0};
        hl_survey_t *s = NULL;
        CHECK_INT(hl_survey_load_file(path, &s, &d), HL_ERR_INVALID);
        EXPECT_COUNT(&d, 1);
        if (d.n == 1) {
            CHECK_INT(d.items[0].line, 10);
            CHECK_INT(d.items[0].col, 31);
            CHECK_STR(d.items[0].path, "questions[0].audio.text.en");
            if (!strstr(d.items[0].msg, msgs[i]) || !strstr(d.items[0].msg, why[i]))
                hl_test_fail(__FILE__, __LINE__, "%s: \"%s\" lacks \"%s\" or \"%s\"", recs[i],
                             d.items[0].msg, msgs[i], why[i]);
        }
        hl_survey_free(s);
        hl_diags_free(&d);
        free(path);
    }
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t table[] = {
    HL_TEST(test_default_survey_loads_without_diagnostics),
    HL_TEST(test_sha256_is_that_of_the_file_bytes),
    HL_TEST(test_valid_survey_builds_the_model_with_defaults),
    HL_TEST(test_lookups_and_type_names),
    HL_TEST(test_single_language_survey_needs_only_that_language),
    HL_TEST(test_readme_example_survey_is_valid),
    HL_TEST(test_missing_file_is_an_io_error_naming_the_file),
    HL_TEST(test_json_problems_are_reported_where_they_are),
    HL_TEST(test_file_over_one_mib_is_rejected),
    HL_TEST(test_file_over_one_mib_on_disk_is_rejected),
    HL_TEST(test_keys_are_checked_where_they_stand),
    HL_TEST(test_texts_and_languages_are_checked),
    HL_TEST(test_empty_and_too_long_texts_are_errors),
    HL_TEST(test_top_level_values_are_checked),
    HL_TEST(test_questions_are_checked),
    HL_TEST(test_question_and_option_counts_are_limited),
    HL_TEST(test_show_if_conditions_are_checked),
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
    HL_TEST(test_text_question_loads_with_its_hint_and_default_max_chars),
    HL_TEST(test_text_question_problems_are_reported_where_they_are),
    HL_TEST(test_contact_question_loads_optional_with_the_surveys_consent),
    HL_TEST(test_texts_with_control_or_direction_characters_are_refused),
    HL_TEST(test_a_text_of_four_byte_characters_is_refused_by_its_bytes),
    HL_TEST(test_contact_question_problems_are_reported_where_they_are),
    HL_TEST(test_make_value_keeps_a_text_as_typed_trimmed_and_nfc),
    HL_TEST(test_text_drafts_must_be_nfc_and_within_max_chars),
    HL_TEST(test_a_note_loads_with_its_body_and_picture_beside_the_file),
    HL_TEST(test_note_problems_are_reported_where_they_are),
    HL_TEST(test_a_note_picture_must_be_a_png_or_jpeg_file_in_the_folder),
    HL_TEST(test_recordings_are_found_by_their_texts_and_listed_with_their_places),
    HL_TEST(test_recording_problems_are_reported_where_they_are),
    HL_TEST(test_a_recording_must_be_a_wav_file_in_the_folder),
};

HL_TEST_MAIN(table)
