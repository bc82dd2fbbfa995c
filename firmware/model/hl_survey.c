/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_survey.c: loading and validating a survey file (format 1), and turning
 * answers into the stored value text.
 *
 * The loader walks the parsed document once, top to bottom, building the
 * model as it checks. A problem never stops the walk: it is recorded with its
 * place (hl_json.h) and the walk goes on, so that a technician sees every
 * problem of a file at once. Only when no problem was found does the caller
 * get the model; otherwise it is freed.
 */
#include "hl_survey.h"
#include "hl_qtype.h"
#include "survey_int.h"

#include "hl_json.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const survey_keys[] = {"format", "id",        "version", "languages", "title",
                                          "thanks", "questions", "consent", "audio",     NULL};
static const char *const question_keys[] = {
    "id",        "type", "required", "text", "options", "max_choices", "min_digits", "max_digits",
    "max_chars", "hint", "show_if",  "body", "image",   "audio",       NULL};
static const char *const option_keys[] = {"id", "label", "audio", NULL};
static const char *const show_if_keys[] = {"question", "any_of", "at_most", "at_least", NULL};

#define DEFAULT_MIN_DIGITS 1
#define DEFAULT_MAX_DIGITS 12
#define DEFAULT_MAX_CHARS  500

/* ---- Types -------------------------------------------------------------- */

const char *hl_qtype_name(hl_qtype_t t)
{
    return hl_qtype_info(t)->name;
}

bool hl_question_answerable(const hl_question_t *q)
{
    return hl_qtype_info(q->type)->answered;
}

bool hl_qtype_auto_advance(hl_qtype_t t)
{
    return hl_qtype_info(t)->auto_advance;
}

static bool qtype_has_options(hl_qtype_t t)
{
    return hl_qtype_info(t)->options;
}

static bool qtype_has_score(hl_qtype_t t)
{
    return hl_qtype_info(t)->scored;
}

/* ---- Freeing ------------------------------------------------------------ */

static void question_free(hl_question_t *q)
{
    hl_text_free(&q->text);
    hl_text_free(&q->hint);
    hl_text_free(&q->body);
    free(q->image);
    free(q->image_rel);
    for (size_t i = 0; i < q->n_options; i++)
        hl_text_free(&q->options[i].label);
    free(q->options);
    for (size_t i = 0; i < q->show_if.n_any_of; i++)
        free(q->show_if.any_of[i]);
    free(q->show_if.any_of);
}

void hl_survey_free(hl_survey_t *s)
{
    if (!s) return;
    hl_text_free(&s->title);
    hl_text_free(&s->thanks);
    hl_text_free(&s->consent);
    for (size_t i = 0; i < s->n_questions; i++)
        question_free(&s->questions[i]);
    free(s->questions);
    for (size_t i = 0; i < s->n_recordings; i++) {
        free(s->recordings[i].path);
        free(s->recordings[i].rel);
        free(s->recordings[i].where);
    }
    free(s->recordings);
    free(s->source);
    free(s->file);
    free(s);
}

/* ---- Validation --------------------------------------------------------- */

/* What the walk knows about each question, for show_if checks on later ones. */
typedef struct survey_check {
    hl_json_doc_t *doc;                    /* not owned */
    hl_survey_t *s;                        /* not owned: the model being built */
    const char *raw_ids[HL_MAX_QUESTIONS]; /* ids as written (strings only), or NULL */
    bool id_ok[HL_MAX_QUESTIONS];          /* id valid (and in q->id) */
    bool type_ok[HL_MAX_QUESTIONS];        /* type known (and in q->type) */
    bool options_ok[HL_MAX_QUESTIONS];     /* options checked and all valid */
    const survey_files_t *files;           /* where notes' pictures are */
    int contact;                           /* index of the (first) contact question, or -1 */
} survey_check_t;

static void check_format(survey_check_t *c, const json_t *root)
{
    json_t *v;
    if (hl_json_get(c->doc, root, "", "format", true, &v) != HL_JSON_FOUND) return;
    if (!json_is_integer(v))
        hl_json_report(c->doc, "", "format", HL_JSON_AT_VALUE,
                       "\"format\" must be the integer 1, not %s", hl_json_kind(v));
    else if (json_integer_value(v) != 1)
        hl_json_report(c->doc, "", "format", HL_JSON_AT_VALUE,
                       "unsupported format %lld: this firmware reads format 1 surveys",
                       (long long)json_integer_value(v));
}

static void check_languages(survey_check_t *c, const json_t *root)
{
    json_t *arr;
    hl_survey_t *s = c->s;
    if (hl_json_get_array(c->doc, root, "", "languages", true,
                          "a list of language codes such as [\"vi\", \"en\"]",
                          &arr) != HL_JSON_FOUND)
        return;
    char list[64];
    hl_json_langs_list(list, sizeof list);
    if (json_array_size(arr) == 0) {
        hl_json_report(c->doc, "", "languages", HL_JSON_AT_VALUE,
                       "\"languages\" is empty: list the survey's languages, the default first "
                       "(supported: %s)",
                       list);
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        char path[HL_JSON_PATH_MAX];
        hl_json_path_index(path, "languages", i);
        hl_lang_t lang;
        if (!json_is_string(v)) {
            hl_json_report(c->doc, path, NULL, HL_JSON_AT_VALUE,
                           "a language must be a code string such as \"vi\", not %s",
                           hl_json_kind(v));
        } else if (!hl_lang_parse(json_string_value(v), &lang)) {
            hl_json_report(c->doc, path, NULL, HL_JSON_AT_VALUE,
                           "unknown language \"%.20s\" (supported: %s)", json_string_value(v),
                           list);
        } else {
            bool dup = false;
            for (size_t k = 0; k < s->n_langs; k++)
                dup = dup || s->langs[k] == lang;
            if (dup)
                hl_json_report(c->doc, path, NULL, HL_JSON_AT_VALUE,
                               "language \"%s\" is listed twice", json_string_value(v));
            else
                s->langs[s->n_langs++] = lang;
        }
    }
}

/* "very_satisfied, satisfied, ..." */
static void options_list(const hl_question_t *q, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    if (q->type == HL_Q_YESNO) {
        snprintf(out, size, "yes, no");
        return;
    }
    for (size_t i = 0; i < q->n_options; i++) {
        int w = snprintf(out + used, size - used, "%s%s", i ? ", " : "", q->options[i].id);
        if (w < 0 || (size_t)w >= size - used) return;
        used += (size_t)w;
    }
}

static void check_options(survey_check_t *c, size_t qi, const json_t *qobj, const char *qpath,
                          bool required)
{
    hl_question_t *q = &c->s->questions[qi];
    bool typed = c->type_ok[qi];
    json_t *arr;
    if (hl_json_get_array(c->doc, qobj, qpath, "options", required,
                          "a list of options such as [{\"id\": \"yes\", \"label\": {...}}]",
                          &arr) != HL_JSON_FOUND)
        return;
    size_t n = json_array_size(arr);
    bool ok = true;
    if (n > HL_MAX_OPTIONS) {
        hl_json_report(c->doc, qpath, "options", HL_JSON_AT_VALUE, "%zu options; the limit is %d",
                       n, HL_MAX_OPTIONS);
        ok = false;
        n = HL_MAX_OPTIONS;
    } else if (typed && q->type == HL_Q_SMILEY && n != 3 && n != 5) {
        hl_json_report(c->doc, qpath, "options", HL_JSON_AT_VALUE,
                       "a smiley question needs 3 or 5 options (best first), not %zu", n);
        ok = false;
    } else if (typed && q->type != HL_Q_SMILEY && n < 2) {
        hl_json_report(c->doc, qpath, "options", HL_JSON_AT_VALUE,
                       "a %s question needs at least 2 options, not %zu", hl_qtype_name(q->type),
                       n);
        ok = false;
    } else if (n == 0) {
        hl_json_report(c->doc, qpath, "options", HL_JSON_AT_VALUE, "\"options\" is empty");
        ok = false;
    }
    if (n == 0) return;
    q->options = calloc(n, sizeof *q->options);
    if (!q->options) {
        c->doc->nomem = true;
        return;
    }
    char opath[HL_JSON_PATH_MAX];
    hl_json_path_key(opath, qpath, "options");
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        char path[HL_JSON_PATH_MAX];
        hl_json_path_index(path, opath, i);
        if (!json_is_object(o)) {
            hl_json_report(c->doc, path, NULL, HL_JSON_AT_VALUE,
                           "an option must be an object such as {\"id\": \"yes\", \"label\": "
                           "{...}}, not %s",
                           hl_json_kind(o));
            ok = false;
            continue;
        }
        if (hl_json_check_keys(c->doc, o, path, option_keys)) ok = false;
        hl_option_t *opt = &q->options[q->n_options];
        if (hl_json_get_id(c->doc, o, path, "id", true, HL_ITEM_ID_MAX, false, "option id",
                           opt->id) == HL_JSON_FOUND) {
            int first = hl_question_find_option(q, opt->id);
            if (first >= 0) {
                char fpath[HL_JSON_PATH_MAX];
                hl_json_place_t pl = {0};
                hl_json_path_index(fpath, opath, (size_t)first);
                hl_json_find(c->doc, fpath, "id", &pl);
                hl_json_report(c->doc, path, "id", HL_JSON_AT_VALUE,
                               "duplicate option id \"%s\" in this question (first at line %d)",
                               opt->id, pl.line);
                ok = false;
                opt->id[0] = '\0';
            }
        } else {
            ok = false;
        }
        if (hl_json_get_text(c->doc, o, path, "label", true, c->s->langs, c->s->n_langs,
                             &opt->label) != HL_JSON_FOUND)
            ok = false;
        survey_audio_option(c->doc, c->s, opt, o, path, c->files);
        if (opt->id[0])
            q->n_options++;
        else
            hl_text_free(&opt->label);
    }
    c->options_ok[qi] = ok;
}

static void check_digits(survey_check_t *c, hl_question_t *q, const json_t *qobj, const char *qpath)
{
    int64_t v;
    bool has_min = false, has_max = false;
    if (hl_json_get_int(c->doc, qobj, qpath, "min_digits", false, 1, HL_NUMBER_MAX_DIGITS, &v) ==
        HL_JSON_FOUND) {
        q->min_digits = (int)v;
        has_min = true;
    }
    if (hl_json_get_int(c->doc, qobj, qpath, "max_digits", false, 1, HL_NUMBER_MAX_DIGITS, &v) ==
        HL_JSON_FOUND) {
        q->max_digits = (int)v;
        has_max = true;
    }
    if (q->min_digits > q->max_digits && (has_min || has_max)) {
        hl_json_report(c->doc, qpath, has_min ? "min_digits" : "max_digits", HL_JSON_AT_VALUE,
                       "\"min_digits\" (%d%s) is more than \"max_digits\" (%d%s)", q->min_digits,
                       has_min ? "" : ", the default", q->max_digits,
                       has_max ? "" : ", the default");
    }
}

/* A text question's "max_chars" and "hint"; neither on other types. */
static void check_text_keys(survey_check_t *c, hl_question_t *q, const json_t *qobj,
                            const char *qpath, bool typed)
{
    q->max_chars = DEFAULT_MAX_CHARS;
    if (typed && q->type == HL_Q_TEXT) {
        int64_t v;
        if (hl_json_get_int(c->doc, qobj, qpath, "max_chars", false, 1, HL_TEXT_ANSWER_MAX, &v) ==
            HL_JSON_FOUND)
            q->max_chars = (int)v;
        hl_json_get_text(c->doc, qobj, qpath, "hint", true, c->s->langs, c->s->n_langs, &q->hint);
        return;
    }
    const char *text_keys[] = {"max_chars", "hint"};
    for (int k = 0; typed && k < 2; k++)
        if (json_object_get(qobj, text_keys[k]))
            hl_json_report(c->doc, qpath, text_keys[k], HL_JSON_AT_KEY,
                           "\"%s\" is not allowed on a %s question: only text questions have it",
                           text_keys[k], hl_qtype_name(q->type));
}

/* The range of scores of a question, for show_if bounds that can never hold. */
static bool score_range(const hl_question_t *q, int64_t *lo, int64_t *hi)
{
    switch (q->type) {
    case HL_Q_SMILEY:
        if (q->n_options == 0) return false;
        *lo = 1;
        *hi = (int64_t)q->n_options;
        return true;
    case HL_Q_STARS:
        *lo = 1, *hi = 5;
        return true;
    case HL_Q_NPS:
        *lo = 0, *hi = 10;
        return true;
    case HL_Q_NUMBER:
        if (q->max_digits < 1 || q->max_digits > HL_NUMBER_MAX_DIGITS) return false;
        *lo = 0;
        *hi = 9;
        for (int i = 1; i < q->max_digits; i++)
            *hi = *hi * 10 + 9;
        return true;
    default:
        return false;
    }
}

static void check_show_if_any_of(survey_check_t *c, hl_question_t *q, int ref, const json_t *sobj,
                                 const char *spath)
{
    json_t *arr;
    if (hl_json_get_array(c->doc, sobj, spath, "any_of", false,
                          "a list of option ids such as [\"dissatisfied\"]", &arr) != HL_JSON_FOUND)
        return;
    size_t n = json_array_size(arr);
    if (n == 0) {
        hl_json_report(c->doc, spath, "any_of", HL_JSON_AT_VALUE,
                       "\"any_of\" is empty: list the option ids that show this question");
        return;
    }
    const hl_question_t *rq = ref >= 0 ? &c->s->questions[ref] : NULL;
    bool check_ids = rq && c->type_ok[ref];
    if (check_ids && !qtype_has_options(rq->type) && rq->type != HL_Q_YESNO) {
        hl_json_report(c->doc, spath, "any_of", HL_JSON_AT_KEY,
                       "\"any_of\" needs a question with options or a yesno question; \"%s\" is "
                       "a %s question: use \"at_most\" or \"at_least\"",
                       rq->id, hl_qtype_name(rq->type));
        return;
    }
    if (check_ids && qtype_has_options(rq->type) && !c->options_ok[ref]) check_ids = false;
    if (n > HL_MAX_OPTIONS) {
        hl_json_report(c->doc, spath, "any_of", HL_JSON_AT_VALUE, "%zu option ids; the limit is %d",
                       n, HL_MAX_OPTIONS);
        return;
    }
    char apath[HL_JSON_PATH_MAX];
    hl_json_path_key(apath, spath, "any_of");
    q->show_if.any_of = calloc(n, sizeof *q->show_if.any_of);
    if (!q->show_if.any_of) {
        c->doc->nomem = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        char path[HL_JSON_PATH_MAX];
        hl_json_path_index(path, apath, i);
        if (!json_is_string(v)) {
            hl_json_report(c->doc, path, NULL, HL_JSON_AT_VALUE,
                           "an option id must be a string, not %s", hl_json_kind(v));
            continue;
        }
        const char *id = json_string_value(v);
        if (check_ids) {
            bool known = rq->type == HL_Q_YESNO ? (!strcmp(id, "yes") || !strcmp(id, "no"))
                                                : hl_question_find_option(rq, id) >= 0;
            if (!known) {
                char list[HL_VALUE_MAX];
                options_list(rq, list, sizeof list);
                hl_json_report(c->doc, path, NULL, HL_JSON_AT_VALUE,
                               "question \"%s\" has no option \"%.40s\" (options: %s)", rq->id, id,
                               list);
                continue;
            }
        }
        bool dup = false;
        for (size_t k = 0; k < q->show_if.n_any_of && !dup; k++)
            dup = strcmp(q->show_if.any_of[k], id) == 0;
        if (dup) {
            hl_json_report(c->doc, path, NULL, HL_JSON_AT_VALUE, "option \"%.40s\" is listed twice",
                           id);
            continue;
        }
        char *copy = strdup(id);
        if (!copy) {
            c->doc->nomem = true;
            return;
        }
        q->show_if.any_of[q->show_if.n_any_of++] = copy;
    }
}

static void check_show_if_bound(survey_check_t *c, hl_question_t *q, int ref, const json_t *sobj,
                                const char *spath, const char *key)
{
    int64_t bound;
    if (hl_json_get_int(c->doc, sobj, spath, key, false, INT64_MIN, INT64_MAX, &bound) !=
        HL_JSON_FOUND)
        return;
    q->show_if.bound = bound;
    if (ref < 0 || !c->type_ok[ref]) return;
    const hl_question_t *rq = &c->s->questions[ref];
    if (!qtype_has_score(rq->type)) {
        hl_json_report(c->doc, spath, key, HL_JSON_AT_KEY,
                       "\"%s\" needs a question with a score (smiley, stars, nps or number); "
                       "\"%s\" is a %s question: use \"any_of\"",
                       key, rq->id, hl_qtype_name(rq->type));
        return;
    }
    int64_t lo, hi;
    bool at_most = strcmp(key, "at_most") == 0;
    if (score_range(rq, &lo, &hi) && (at_most ? bound < lo : bound > hi))
        hl_json_report(c->doc, spath, key, HL_JSON_AT_VALUE,
                       "\"%s\": %lld can never hold: scores of \"%s\" are %lld to %lld", key,
                       (long long)bound, rq->id, (long long)lo, (long long)hi);
}

static void check_show_if(survey_check_t *c, size_t qi, const json_t *qobj, const char *qpath)
{
    hl_question_t *q = &c->s->questions[qi];
    json_t *sobj;
    if (hl_json_get_object(c->doc, qobj, qpath, "show_if", false,
                           "an object such as {\"question\": \"overall\", \"at_most\": 2}",
                           &sobj) != HL_JSON_FOUND)
        return;
    if (qi == 0) {
        hl_json_report(c->doc, qpath, "show_if", HL_JSON_AT_KEY,
                       "the first question cannot have \"show_if\": there is no earlier question "
                       "to refer to");
        return;
    }
    char spath[HL_JSON_PATH_MAX];
    hl_json_path_key(spath, qpath, "show_if");
    hl_json_check_keys(c->doc, sobj, spath, show_if_keys);

    int ref = -1;
    const char *rid;
    if (hl_json_get_string(c->doc, sobj, spath, "question", true, &rid) == HL_JSON_FOUND) {
        int later = -1;
        for (size_t j = 0; j < c->s->n_questions; j++) {
            if (!c->raw_ids[j] || strcmp(c->raw_ids[j], rid) != 0) continue;
            if (j < qi) {
                ref = (int)j;
                break;
            }
            if (later < 0) later = (int)j;
        }
        if (ref < 0 && later == (int)qi) {
            hl_json_report(c->doc, spath, "question", HL_JSON_AT_VALUE,
                           "\"show_if\" refers to this question itself; it may only refer to an "
                           "earlier question");
        } else if (ref < 0 && later >= 0) {
            hl_json_report(c->doc, spath, "question", HL_JSON_AT_VALUE,
                           "\"show_if\" refers to \"%s\", a later question (questions[%d]); it "
                           "may only refer to an earlier question",
                           rid, later);
        } else if (ref < 0) {
            const char *earlier[HL_MAX_QUESTIONS + 1];
            size_t n = 0;
            for (size_t j = 0; j < qi; j++)
                if (c->raw_ids[j]) earlier[n++] = c->raw_ids[j];
            earlier[n] = NULL;
            const char *guess = hl_json_suggest(rid, earlier);
            char hint[64] = "";
            if (guess) snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", guess);
            hl_json_report(c->doc, spath, "question", HL_JSON_AT_VALUE,
                           "\"show_if\" refers to unknown question \"%.40s\"%s", rid, hint);
        } else if (!c->id_ok[ref]) {
            ref = -1; /* its id is already reported */
        } else if (c->type_ok[ref] && c->s->questions[ref].type == HL_Q_NOTE) {
            hl_json_report(c->doc, spath, "question", HL_JSON_AT_VALUE,
                           "\"show_if\" refers to \"%s\", a note: a note has no answer to "
                           "decide on; refer to a question with options or a score",
                           rid);
            ref = -1;
        } else if (c->type_ok[ref] && hl_qtype_info(c->s->questions[ref].type)->own) {
            hl_json_report(c->doc, spath, "question", HL_JSON_AT_VALUE,
                           "\"show_if\" refers to \"%s\", a %s question: a citizen's own "
                           "words cannot decide what is shown; refer to a question with options "
                           "or a score",
                           rid, hl_qtype_name(c->s->questions[ref].type));
            ref = -1;
        }
    }
    q->show_if.question = ref;

    const char *which[3] = {"any_of", "at_most", "at_least"};
    const hl_cond_kind_t kinds[3] = {HL_COND_ANY_OF, HL_COND_AT_MOST, HL_COND_AT_LEAST};
    int chosen = -1;
    for (int k = 0; k < 3; k++) {
        if (!json_object_get(sobj, which[k])) continue;
        if (chosen >= 0) {
            hl_json_report(c->doc, spath, which[k], HL_JSON_AT_KEY,
                           "\"show_if\" takes only one of \"any_of\", \"at_most\" and "
                           "\"at_least\": remove \"%s\" or \"%s\"",
                           which[chosen], which[k]);
            continue;
        }
        chosen = k;
    }
    if (chosen < 0) {
        hl_json_report(c->doc, spath, NULL, HL_JSON_AT_VALUE,
                       "\"show_if\" needs one of \"any_of\", \"at_most\" or \"at_least\"");
        return;
    }
    q->show_if.kind = kinds[chosen];
    if (kinds[chosen] == HL_COND_ANY_OF)
        check_show_if_any_of(c, q, ref, sobj, spath);
    else
        check_show_if_bound(c, q, ref, sobj, spath, which[chosen]);
}

static void check_question(survey_check_t *c, size_t qi, const json_t *qobj)
{
    hl_survey_t *s = c->s;
    hl_question_t *q = &s->questions[qi];
    char qpath[HL_JSON_PATH_MAX];
    hl_json_path_index(qpath, "questions", qi);
    if (!json_is_object(qobj)) {
        hl_json_report(c->doc, qpath, NULL, HL_JSON_AT_VALUE,
                       "a question must be an object such as {\"id\": \"overall\", \"type\": "
                       "\"smiley\", ...}, not %s",
                       hl_json_kind(qobj));
        return;
    }
    hl_json_check_keys(c->doc, qobj, qpath, question_keys);

    /* The exports' own columns: a question may not take one's name. */
    static const char *const fixed_cols[] = {
        "response_id", "seq",      "kiosk_id",   "survey_id",     "survey_version",
        "language",    "status",   "suspect",    "clock_trusted", "officer_id",
        "counter",     "followup", "started_at", "finished_at"};
    if (hl_json_get_id(c->doc, qobj, qpath, "id", true, HL_ITEM_ID_MAX, false, "question id",
                       q->id) == HL_JSON_FOUND) {
        for (size_t k = 0; k < sizeof fixed_cols / sizeof *fixed_cols; k++)
            if (strcmp(q->id, fixed_cols[k]) == 0)
                hl_json_report(c->doc, qpath, "id", HL_JSON_AT_VALUE,
                               "question id \"%s\" is the name of a column every export has "
                               "already: choose another id (such as \"q_%s\")",
                               q->id, q->id);
        int first = -1;
        for (size_t j = 0; j < qi && first < 0; j++)
            if (c->id_ok[j] && strcmp(s->questions[j].id, q->id) == 0) first = (int)j;
        if (first >= 0) {
            char fpath[HL_JSON_PATH_MAX];
            hl_json_place_t pl = {0};
            hl_json_path_index(fpath, "questions", (size_t)first);
            hl_json_find(c->doc, fpath, "id", &pl);
            hl_json_report(c->doc, qpath, "id", HL_JSON_AT_VALUE,
                           "duplicate question id \"%s\" (first at line %d)", q->id, pl.line);
        } else {
            c->id_ok[qi] = true;
        }
    }

    const char *type;
    if (hl_json_get_string(c->doc, qobj, qpath, "type", true, &type) == HL_JSON_FOUND) {
        for (int t = 0; t < HL_Q_TYPE_COUNT && !c->type_ok[qi]; t++) {
            if (strcmp(type, hl_qtype_name((hl_qtype_t)t)) == 0) {
                q->type = (hl_qtype_t)t;
                c->type_ok[qi] = true;
            }
        }
        if (!c->type_ok[qi]) {
            const char *names[HL_Q_TYPE_COUNT + 1];
            char list[128] = "";
            for (int t = 0; t < HL_Q_TYPE_COUNT; t++) {
                names[t] = hl_qtype_name((hl_qtype_t)t);
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", t ? ", " : "", names[t]);
            }
            names[HL_Q_TYPE_COUNT] = NULL;
            const char *guess = hl_json_suggest(type, names);
            char hint[64] = "";
            if (guess) snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", guess);
            hl_json_report(c->doc, qpath, "type", HL_JSON_AT_VALUE,
                           "unknown type \"%.40s\"%s; types: %s", type, hint, list);
        }
    }

    hl_json_get_bool(c->doc, qobj, qpath, "required", false, &q->required);
    if (c->type_ok[qi] && q->type == HL_Q_CONTACT && q->required)
        hl_json_report(c->doc, qpath, "required", HL_JSON_AT_VALUE,
                       "a contact question is always optional (a citizen may give a number, "
                       "never must): remove \"required\" or set it to false");
    hl_json_get_text(c->doc, qobj, qpath, "text", true, s->langs, s->n_langs, &q->text);

    bool typed = c->type_ok[qi];
    if (!typed || qtype_has_options(q->type)) {
        check_options(c, qi, qobj, qpath, typed);
    } else if (json_object_get(qobj, "options")) {
        hl_json_report(c->doc, qpath, "options", HL_JSON_AT_KEY,
                       "\"options\" is not allowed on a %s question: only smiley, choice and "
                       "multi questions have options%s",
                       hl_qtype_name(q->type),
                       q->type == HL_Q_YESNO ? " (a yesno question's answers are yes and no)" : "");
    }

    q->min_digits = DEFAULT_MIN_DIGITS;
    q->max_digits = DEFAULT_MAX_DIGITS;
    q->max_choices = (int)q->n_options;
    if (typed && q->type == HL_Q_MULTI) {
        int64_t v;
        int64_t max = c->options_ok[qi] ? (int64_t)q->n_options : HL_MAX_OPTIONS;
        if (hl_json_get_int(c->doc, qobj, qpath, "max_choices", false, 1, max, &v) == HL_JSON_FOUND)
            q->max_choices = (int)v;
    } else if (typed && json_object_get(qobj, "max_choices")) {
        hl_json_report(c->doc, qpath, "max_choices", HL_JSON_AT_KEY,
                       "\"max_choices\" is not allowed on a %s question: only multi questions "
                       "have it",
                       hl_qtype_name(q->type));
    }
    if (typed && q->type == HL_Q_NUMBER) {
        check_digits(c, q, qobj, qpath);
    } else if (typed) {
        const char *digit_keys[] = {"min_digits", "max_digits"};
        for (int k = 0; k < 2; k++)
            if (json_object_get(qobj, digit_keys[k]))
                hl_json_report(c->doc, qpath, digit_keys[k], HL_JSON_AT_KEY,
                               "\"%s\" is not allowed on a %s question: only number questions "
                               "have it",
                               digit_keys[k], hl_qtype_name(q->type));
    }
    check_text_keys(c, q, qobj, qpath, typed);
    survey_check_note_keys(c->doc, s, q, qobj, qpath, typed, c->files);
    survey_audio_question(c->doc, s, q, qobj, qpath, c->files);
    q->show_if.kind = HL_COND_NONE;
    q->show_if.question = -1;
    check_show_if(c, qi, qobj, qpath);
}

static void check_questions(survey_check_t *c, const json_t *root)
{
    json_t *arr;
    if (hl_json_get_array(c->doc, root, "", "questions", true,
                          "a list of questions such as [{\"id\": \"overall\", ...}]",
                          &arr) != HL_JSON_FOUND)
        return;
    size_t n = json_array_size(arr);
    if (n == 0) {
        hl_json_report(c->doc, "", "questions", HL_JSON_AT_VALUE,
                       "\"questions\" is empty: a survey needs at least one question");
        return;
    }
    if (n > HL_MAX_QUESTIONS) {
        hl_json_report(c->doc, "", "questions", HL_JSON_AT_VALUE,
                       "%zu questions; the limit is %d (a citizen should finish in a minute)", n,
                       HL_MAX_QUESTIONS);
        n = HL_MAX_QUESTIONS; /* check the first ones all the same */
    }
    for (size_t i = 0; i < n; i++) {
        json_t *id = json_is_object(json_array_get(arr, i))
                         ? json_object_get(json_array_get(arr, i), "id")
                         : NULL;
        c->raw_ids[i] = json_is_string(id) ? json_string_value(id) : NULL;
    }
    c->s->questions = calloc(n, sizeof *c->s->questions);
    if (!c->s->questions) {
        c->doc->nomem = true;
        return;
    }
    c->s->n_questions = n;
    bool all_notes = true;
    for (size_t i = 0; i < n; i++) {
        check_question(c, i, json_array_get(arr, i));
        all_notes = all_notes && c->type_ok[i] && c->s->questions[i].type == HL_Q_NOTE;
    }
    if (all_notes)
        hl_json_report(c->doc, "", "questions", HL_JSON_AT_VALUE,
                       "every question is a note: a survey needs at least one question to answer");
    int first_contact = -1;
    for (size_t i = 0; i < n; i++) {
        if (!c->type_ok[i] || c->s->questions[i].type != HL_Q_CONTACT) continue;
        if (first_contact < 0) {
            first_contact = (int)i;
            continue;
        }
        char qpath[HL_JSON_PATH_MAX];
        hl_json_path_index(qpath, "questions", i);
        hl_json_report(c->doc, qpath, "type", HL_JSON_AT_VALUE,
                       "a second contact question (the first is questions[%d]): a survey asks "
                       "for a phone number once",
                       first_contact);
    }
    c->contact = first_contact;
}

/* Every question's type was read (a misspelt "Contact" is reported once,
 * not also as a consent without its question). */
static bool all_types_known(const survey_check_t *c)
{
    for (size_t i = 0; i < c->s->n_questions; i++)
        if (!c->type_ok[i]) return false;
    return true;
}

static void survey_check(hl_json_doc_t *doc, hl_survey_t *s, const survey_files_t *files)
{
    survey_check_t c = {.doc = doc, .s = s, .files = files, .contact = -1};
    const json_t *root = doc->root;
    if (!json_is_object(root)) {
        hl_json_report(doc, "", NULL, HL_JSON_AT_VALUE,
                       "a survey must be a JSON object {\"format\": 1, ...}, not %s",
                       hl_json_kind(root));
        return;
    }
    hl_json_check_keys(doc, root, "", survey_keys);
    check_format(&c, root);
    hl_json_get_id(doc, root, "", "id", true, HL_SURVEY_ID_MAX, true, "survey id", s->id);
    hl_json_get_int(doc, root, "", "version", true, 1, INT64_MAX, &s->version);
    check_languages(&c, root);
    hl_json_get_text(doc, root, "", "title", true, s->langs, s->n_langs, &s->title);
    hl_json_get_text(doc, root, "", "thanks", true, s->langs, s->n_langs, &s->thanks);
    check_questions(&c, root);
    /* The consent goes with a contact question: what the number is for,
     * who sees it, that it serves nothing else. Without one it would never
     * show. */
    if (json_object_get(root, "consent") || c.contact >= 0) {
        int got = hl_json_get_text_max(doc, root, "", "consent", false, s->langs, s->n_langs,
                                       HL_CONSENT_MAX_CHARS, &s->consent);
        if (got == HL_JSON_ABSENT) {
            char qpath[HL_JSON_PATH_MAX];
            hl_json_path_index(qpath, "questions", (size_t)c.contact);
            hl_json_report(doc, qpath, "type", HL_JSON_AT_VALUE,
                           "a contact question needs the survey's \"consent\": add \"consent\": "
                           "{\"vi\": \"...\", ...} at the top of the survey, saying what the "
                           "number is for, who will see it and that it is used for nothing "
                           "else");
        } else if (got == HL_JSON_FOUND && c.contact < 0 && all_types_known(&c)) {
            hl_json_report(doc, "", "consent", HL_JSON_AT_KEY,
                           "\"consent\" is shown with a contact question and this survey has "
                           "none: remove it or add a question of type \"contact\"");
        }
    }
    survey_audio_survey(doc, s, root, files);
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    out[0] = '\0';
    if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL)) return;
    for (unsigned int i = 0; i < md_len && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The folder part of path ("" for none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    size_t n = slash ? (size_t)(slash - path) + (slash == path) : 0;
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, path, n);
        out[n] = '\0';
    }
    return out;
}

/* Validates a loaded document into a survey; consumes doc. Notes' pictures
 * and texts' recordings are read under root (NULL: loaded from memory, not
 * read) in the folder of path; their paths are resolved against the folder
 * of doc->name. */
static int survey_finish(hl_json_doc_t *doc, int rc, const char *root, const char *path,
                         hl_survey_t **out, hl_diags_t *diags)
{
    hl_survey_t *s = NULL;
    survey_files_t files = {root, NULL, NULL};
    if (rc == HL_OK) {
        s = calloc(1, sizeof *s);
        files.rel = dir_of(root ? path : "");
        files.shown = dir_of(doc->name);
        if (files.shown && !files.shown[0] && root) { /* "name" in the current folder */
            free(files.shown);
            files.shown = strdup(".");
        }
        if (!s || !files.rel || !files.shown) rc = HL_ERR_NOMEM;
    }
    if (rc == HL_OK) survey_check(doc, s, &files);
    free(files.rel);
    free(files.shown);
    if (rc == HL_OK && doc->nomem) rc = HL_ERR_NOMEM;
    size_t problems = hl_json_doc_finish(doc, diags);
    if (rc == HL_OK && problems) rc = HL_ERR_INVALID;
    if (rc == HL_OK) {
        sha256_hex(doc->source, doc->len, s->sha256);
        if (!s->sha256[0]) rc = HL_ERR_INTERNAL;
    }
    if (rc != HL_OK) {
        hl_survey_free(s);
        hl_json_doc_free(doc);
        return rc;
    }
    s->source = doc->source;
    s->source_len = doc->len;
    s->file = doc->name;
    doc->source = NULL;
    doc->name = NULL;
    hl_json_doc_free(doc);
    *out = s;
    return HL_OK;
}

int hl_survey_load_file(const char *path, hl_survey_t **out, hl_diags_t *diags)
{
    hl_json_doc_t doc;
    *out = NULL;
    int rc = hl_json_doc_load_file(&doc, path);
    char *dir = dir_of(path);
    if (!dir) rc = HL_ERR_NOMEM;
    const char *name = path ? strrchr(path, '/') : NULL;
    rc = survey_finish(&doc, rc, dir && dir[0] ? dir : ".", name ? name + 1 : path, out, diags);
    free(dir);
    return rc;
}

int hl_survey_load_file_at(const char *root, const char *path, hl_survey_t **out, hl_diags_t *diags)
{
    /* No root: pictures under the file's own folder, not under "." (an
     * absolute path's pictures would be looked for below the current folder). */
    if (!root) return hl_survey_load_file(path, out, diags);
    hl_json_doc_t doc;
    *out = NULL;
    int rc = hl_json_doc_load_file_at(&doc, root, path, 0);
    return survey_finish(&doc, rc, root, path, out, diags);
}

int hl_survey_load_text(const char *name, const char *text, size_t len, hl_survey_t **out,
                        hl_diags_t *diags)
{
    hl_json_doc_t doc;
    *out = NULL;
    int rc = hl_json_doc_load_text(&doc, name, text, len);
    return survey_finish(&doc, rc, NULL, NULL, out, diags);
}

/* ---- Look-ups ----------------------------------------------------------- */

int hl_survey_find_question(const hl_survey_t *s, const char *qid)
{
    for (size_t i = 0; qid && i < s->n_questions; i++)
        if (strcmp(s->questions[i].id, qid) == 0) return (int)i;
    return -1;
}

int hl_question_find_option(const hl_question_t *q, const char *oid)
{
    for (size_t i = 0; oid && i < q->n_options; i++)
        if (strcmp(q->options[i].id, oid) == 0) return (int)i;
    return -1;
}

bool hl_survey_has_lang(const hl_survey_t *s, hl_lang_t lang)
{
    for (size_t i = 0; i < s->n_langs; i++)
        if (s->langs[i] == lang) return true;
    return false;
}

/* ---- Values ------------------------------------------------------------- */

static bool all_digits(const char *v, size_t min_len, size_t max_len)
{
    size_t n = strlen(v);
    if (n < min_len || n > max_len) return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9') return false;
    return true;
}

static bool stars_valid(const char *v)
{
    return v[0] >= '1' && v[0] <= '5' && v[1] == '\0';
}

static bool nps_valid(const char *v)
{
    return (v[0] >= '0' && v[0] <= '9' && v[1] == '\0') || strcmp(v, "10") == 0;
}

static bool number_valid(const hl_question_t *q, const char *v)
{
    return all_digits(v, (size_t)q->min_digits, (size_t)q->max_digits);
}

static int value_no_option(const hl_question_t *q, const char *v, hl_err_t *err)
{
    char list[HL_VALUE_MAX];
    options_list(q, list, sizeof list);
    return hl_err_set(err, HL_ERR_USAGE, "question \"%s\" has no option \"%.40s\" (options: %s)",
                      q->id, v, list);
}

int hl_question_make_value(const hl_question_t *q, const char *const *vals, size_t n,
                           char out[HL_VALUE_MAX], hl_err_t *err)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!vals[i])
            return hl_err_set(err, HL_ERR_USAGE, "question \"%s\": value %zu is missing", q->id,
                              i + 1);
    if (q->type == HL_Q_MULTI) {
        if (n == 0)
            return hl_err_set(err, HL_ERR_USAGE, "question \"%s\" needs at least one choice",
                              q->id);
        if (n > (size_t)q->max_choices)
            return hl_err_set(err, HL_ERR_USAGE,
                              "question \"%s\" allows at most %d choices, not %zu", q->id,
                              q->max_choices, n);
        bool chosen[HL_MAX_OPTIONS] = {false};
        for (size_t i = 0; i < n; i++) {
            int k = hl_question_find_option(q, vals[i]);
            if (k < 0) return value_no_option(q, vals[i], err);
            if (chosen[k])
                return hl_err_set(err, HL_ERR_USAGE,
                                  "question \"%s\": option \"%s\" is chosen twice", q->id, vals[i]);
            chosen[k] = true;
        }
        size_t used = 0;
        for (size_t k = 0; k < q->n_options && k < HL_MAX_OPTIONS; k++) {
            if (!chosen[k]) continue;
            size_t len = strlen(q->options[k].id);
            if (used + len + 2 > HL_VALUE_MAX)
                return hl_err_set(err, HL_ERR_INTERNAL, "question \"%s\": value too long", q->id);
            if (used) out[used++] = '|';
            memcpy(out + used, q->options[k].id, len + 1);
            used += len;
        }
        hl_err_clear(err);
        return HL_OK;
    }
    if (n != 1)
        return hl_err_set(err, HL_ERR_USAGE, "question \"%s\" takes one answer, not %zu", q->id, n);
    const char *v = vals[0];
    if (q->type == HL_Q_TEXT) return hl_text_answer_make(q, v, true, out, err);
    if (q->type == HL_Q_CONTACT && !hl_contact_valid(v))
        return hl_err_set(err, HL_ERR_USAGE,
                          "question \"%s\" takes a phone number of %d digits starting with 0 "
                          "(such as 0912345678)",
                          q->id, HL_CONTACT_DIGITS); /* never quoting the number: a citizen's */
    if (q->type == HL_Q_NOTE)
        return hl_err_set(err, HL_ERR_USAGE, "question \"%s\" is a note: it takes no answer",
                          q->id);
    bool ok;
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
        if (hl_question_find_option(q, v) < 0) return value_no_option(q, v, err);
        break;
    case HL_Q_STARS:
        if (!stars_valid(v))
            return hl_err_set(err, HL_ERR_USAGE,
                              "question \"%s\" takes 1 to 5 stars (\"1\"..\"5\"), not \"%.40s\"",
                              q->id, v);
        break;
    case HL_Q_NPS:
        if (!nps_valid(v))
            return hl_err_set(err, HL_ERR_USAGE,
                              "question \"%s\" takes a score from \"0\" to \"10\", not \"%.40s\"",
                              q->id, v);
        break;
    case HL_Q_YESNO:
        ok = strcmp(v, "yes") == 0 || strcmp(v, "no") == 0;
        if (!ok)
            return hl_err_set(err, HL_ERR_USAGE,
                              "question \"%s\" takes \"yes\" or \"no\", not \"%.40s\"", q->id, v);
        break;
    case HL_Q_NUMBER:
        if (!number_valid(q, v))
            return hl_err_set(err, HL_ERR_USAGE,
                              "question \"%s\" takes %d to %d digits (0-9), not \"%.40s\"", q->id,
                              q->min_digits, q->max_digits, v);
        break;
    case HL_Q_CONTACT:
        break;
    default:
        return hl_err_set(err, HL_ERR_INTERNAL, "question \"%s\" has an unknown type", q->id);
    }
    snprintf(out, HL_VALUE_MAX, "%s", v);
    hl_err_clear(err);
    return HL_OK;
}

bool hl_question_score(const hl_question_t *q, const char *value, int64_t *score)
{
    if (!value) return false;
    switch (q->type) {
    case HL_Q_SMILEY: {
        int k = hl_question_find_option(q, value);
        if (k < 0) return false;
        *score = (int64_t)q->n_options - k;
        return true;
    }
    case HL_Q_STARS:
        if (!stars_valid(value)) return false;
        *score = value[0] - '0';
        return true;
    case HL_Q_NPS:
        if (!nps_valid(value)) return false;
        *score = strtoll(value, NULL, 10);
        return true;
    case HL_Q_NUMBER:
        if (!number_valid(q, value)) return false;
        *score = strtoll(value, NULL, 10); /* at most 18 digits: fits */
        return true;
    default:
        return false;
    }
}

/* True when the stored value contains id (one of the '|'-joined ids for multi). */
static bool value_has(const hl_question_t *q, const char *value, const char *id)
{
    if (q->type != HL_Q_MULTI) return strcmp(value, id) == 0;
    size_t len = strlen(id);
    for (const char *p = value;;) {
        size_t seg = strcspn(p, "|");
        if (seg == len && strncmp(p, id, len) == 0) return true;
        if (!p[seg]) return false;
        p += seg + 1;
    }
}

bool hl_survey_cond_holds(const hl_survey_t *s, const hl_question_t *q, const char *ref_value)
{
    const hl_cond_t *c = &q->show_if;
    if (c->kind == HL_COND_NONE) return true;
    if (!ref_value || c->question < 0 || (size_t)c->question >= s->n_questions) return false;
    const hl_question_t *rq = &s->questions[c->question];
    int64_t score;
    switch (c->kind) {
    case HL_COND_ANY_OF:
        for (size_t i = 0; i < c->n_any_of; i++)
            if (value_has(rq, ref_value, c->any_of[i])) return true;
        return false;
    case HL_COND_AT_MOST:
        return hl_question_score(rq, ref_value, &score) && score <= c->bound;
    case HL_COND_AT_LEAST:
        return hl_question_score(rq, ref_value, &score) && score >= c->bound;
    default:
        return false;
    }
}
