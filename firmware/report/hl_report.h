/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_report.h: the monthly report of a unit (or of the whole province): a
 * dataset built row by row, its figures, and those figures written as a
 * PDF (cairo + pango, A4) and as an Excel workbook (libxlsxwriter). Both
 * `hailong report` and hailong-server's dashboard
 * (/reports/<unit>/<month>.pdf|.xlsx, srv_web_report.c) link it: plain C17 over base and
 * model, never SQLite, the store or SDL.
 *
 * A report is made in four steps: hl_report_new names the unit ("*": the
 * province, one section per unit) and the month (YYYY-MM, local time
 * Asia/Ho_Chi_Minh, UTC+7 without DST); the surveys (for the labels, the
 * question types and the main question), the responses, the provenance
 * (kiosks, sequence ranges, chain heads, gaps) and the follow-ups are
 * added; hl_report_compute works the figures out; hl_report_pdf and
 * hl_report_xlsx write them (atomically). The sources that fill a report
 * (a folder written by `hailong merge`, PostgreSQL) are in hl_report_src.
 *
 * Figures of a unit and a month:
 *   - the satisfaction index = 100 x satisfied / rated: rated = responses
 *     that answered their survey's main question (the first smiley, stars
 *     or nps question), satisfied = an answer in its top two levels (the
 *     two best faces, 4-5 stars, nps 9-10); partial share = status partial
 *     / responses; suspect share = suspect set / responses;
 *   - the trend: the month's weeks (its days split by ISO week, clipped to
 *     the month: a week never straddles two months) and the previous five
 *     months that have responses;
 *   - each choice-like question's distribution (smiley, stars, nps, choice,
 *     multi, yesno; never text, contact or number); the "reasons": choice
 *     or multi questions shown only after the main question's answer (a
 *     show_if on it), counted among those who were asked;
 *   - the officers' results; comments (responses with a text answer), how
 *     many were handled and the median time to handle them.
 * The min-5 rule (hl_min5.h) hides what could tell who answered: weeks and
 * officers are each one hl_min5_parts breakdown of the unit-month, units
 * one of the province-month (a unit the province's overview hides is hidden
 * in its own section too), a distribution is shown only when at least
 * HL_MIN5 responses answered its question, an index only when at least
 * HL_MIN5 responses rated. Hidden figures are printed as such, never as 0.
 */
#ifndef HL_REPORT_H
#define HL_REPORT_H

#include "hl_err.h"
#include "hl_lang.h"
#include "hl_row.h"
#include "hl_survey.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_REPORT_PREV_MONTHS 5               /* months of trend before the report's month */
#define HL_REPORT_TZ_MS       (7 * 3600000LL) /* Asia/Ho_Chi_Minh: UTC+7, no DST */
#define HL_REPORT_PROVINCE    "*"             /* hl_report_new's unit for the whole province */

typedef struct hl_report hl_report_t;

/* One group's figures (a unit-month, a week, a month, an officer). */
typedef struct hl_rfig {
    int64_t n;         /* responses */
    int64_t rated;     /* responses that answered their survey's main question */
    int64_t satisfied; /* of those, answers in the top two levels */
    int64_t partial;   /* status partial */
    int64_t suspect;   /* fair counting flagged them */
    bool shown;        /* the min-5 rule lets the group's figures be shown */
} hl_rfig_t;

/* A group of a breakdown: its key and its figures. */
typedef struct hl_rgroup {
    char key[48]; /* week: "YYYY-MM-DD" (its first day in the month), month: "YYYY-MM",
                     officer: its id, unit: its name (truncated for the key only) */
    char *name;   /* owned: the full name (officer id, unit), or NULL: key */
    hl_rfig_t f;  /* its figures */
} hl_rgroup_t;

/* How often one value was answered. */
typedef struct hl_rvalue {
    const char *id; /* the stored value (option id, "1".."5", "yes"), the survey's */
    int64_t n;      /* answers with it (multi: each option chosen counts) */
} hl_rvalue_t;

/* A choice-like question's distribution in a unit-month. */
typedef struct hl_rquestion {
    const hl_survey_t *survey; /* the survey that has it (the first given) */
    const hl_question_t *q;    /* the question */
    bool reason;               /* asked only after the main question's answer */
    int64_t answered;          /* responses that answered it */
    bool shown;                /* answered >= HL_MIN5 */
    hl_rvalue_t *values;       /* owned: every item of the question, in its order */
    size_t n_values;
} hl_rquestion_t;

/* A unit's figures for the month. */
typedef struct hl_runit {
    char *unit;                              /* owned: its name (the label given) */
    hl_rfig_t month;                         /* the unit-month: the whole */
    hl_rgroup_t weeks[6];                    /* the month's clipped ISO weeks */
    size_t n_weeks;                          /* 4 to 6 */
    hl_rgroup_t prev[HL_REPORT_PREV_MONTHS]; /* earlier months with responses, oldest first */
    size_t n_prev;                           /* how many of them had responses */
    hl_rgroup_t *officers;                   /* owned: officers with responses, by id */
    size_t n_officers;                       /* how many */
    hl_rquestion_t *questions;               /* owned: choice-like questions (and reasons) */
    size_t n_questions;                      /* how many */
    int64_t unrated_survey;                  /* responses of a survey the report was not given */
    int64_t comments;                        /* responses with a comment (a text answer) */
    int64_t handled;                         /* of those, handled (hailong.followups) */
    double median_handle_s;                  /* median seconds from finish to handled; -1 none */
    hl_rquestion_t *officer_main;            /* owned: per officer, the main question's
                                                distribution (n_officers entries, each shown
                                                with its officer) */
} hl_runit_t;

/* The whole report's figures (hl_report_compute). */
typedef struct hl_rfigures {
    bool province;     /* the report is the province's (unit "*") */
    hl_rfig_t total;   /* every response of the month */
    hl_runit_t *units; /* owned: one unit, or each unit of the province by name */
    size_t n_units;    /* how many */
    bool have_surveys; /* some response's survey was given (else: no index, no questions) */
} hl_rfigures_t;

/* A kiosk whose responses the report counts (from merge.json, or from
 * hailong.responses and hailong.chain_heads). */
typedef struct hl_rkiosk {
    char *kiosk_id;              /* owned */
    int64_t seq_first, seq_last; /* the sequence numbers of its responses read */
    int64_t responses;           /* how many */
    char *chain_head;            /* owned hex chain head verified for it, NULL: none */
    int64_t head_seq;            /* the head's sequence number */
} hl_rkiosk_t;

/* Responses missing from a kiosk's sequence. */
typedef struct hl_rgap {
    char *kiosk_id;           /* owned */
    int64_t from_seq, to_seq; /* the missing sequence numbers, both included */
} hl_rgap_t;

/* Starts a report of unit ("*": the province) for month "YYYY-MM"; NULL
 * with err set (HL_ERR_USAGE: a malformed month, an empty unit). */
hl_report_t *hl_report_new(const char *unit, const char *month, hl_err_t *err);
void hl_report_free(hl_report_t *r);

/* Gives the report a survey (owned from now on, freed with the report):
 * responses are matched to it by SHA-256, else by id and version. */
int hl_report_add_survey(hl_report_t *r, hl_survey_t *s, hl_err_t *err);

/* Adds one response (copied). unit: the unit it belongs to (only a province
 * report reads it; NULL: the report's). Responses not finished, or
 * finished outside the month and its five months before, are skipped. The
 * same response_id twice: the second is ignored (counted in duplicates). */
int hl_report_add(hl_report_t *r, const char *unit, const hl_row_t *row, hl_err_t *err);

/* Provenance: a kiosk read, a gap in its sequence. */
int hl_report_add_kiosk(hl_report_t *r, const hl_rkiosk_t *k, hl_err_t *err);
int hl_report_add_gap(hl_report_t *r, const char *kiosk_id, int64_t from_seq, int64_t to_seq,
                      hl_err_t *err);

/* Where the responses came from (said in the footer): PostgreSQL, or a
 * merged folder named by detail (copied; NULL: not named). */
typedef enum hl_report_origin {
    HL_REPORT_FROM_DB = 0, /* hailong-server's PostgreSQL */
    HL_REPORT_FROM_MERGED  /* a folder of hailong merge */
} hl_report_origin_t;
int hl_report_set_origin(hl_report_t *r, hl_report_origin_t kind, const char *detail,
                         hl_err_t *err);

/* Follow-ups: known says whether they are (PostgreSQL: yes; bundles: "not
 * known offline"); then each handled response with when it was handled. */
void hl_report_followups_known(hl_report_t *r, bool known);
int hl_report_handled(hl_report_t *r, const char *response_id, int64_t handled_utc_ms,
                      hl_err_t *err);

/* Works the figures out (again, after more adds). */
int hl_report_compute(hl_report_t *r, hl_err_t *err);

/* The figures (after hl_report_compute), the provenance, and the counts. */
const hl_rfigures_t *hl_report_figures(const hl_report_t *r);
const hl_rkiosk_t *hl_report_kiosks(const hl_report_t *r, size_t *n);
const hl_rgap_t *hl_report_gaps(const hl_report_t *r, size_t *n);
int64_t hl_report_duplicates(const hl_report_t *r);

/* The index of f (100 x satisfied / rated) when it may be shown: f shown
 * and at least HL_MIN5 rated; false: hidden (or nothing rated). */
bool hl_report_index(const hl_rfig_t *f, double *index);

/* Every figure as "KEY VALUE" lines, keys as the dashboard's data-k
 * (unit/<u>/responses, unit/<u>/index, week/<date>/index, month/<YYYY-MM>/
 * index, officer/<id>/index, q/<qid>/<value>/n, ...), VALUE the exact
 * number with '.' or "hidden": for tests and comparisons; malloc'd. */
char *hl_report_dump(const hl_report_t *r);

/* Writing: language (Vietnamese by default), the fonts' folder (holding
 * NotoSans-Regular.ttf and NotoSans-Bold.ttf). */
typedef struct hl_report_opts {
    hl_lang_t lang;        /* HL_LANG_VI: "87,5"; HL_LANG_EN: "87.5" */
    const char *fonts_dir; /* the project's fonts/ */
} hl_report_opts_t;

/* Writes the PDF (A4 portrait: a page for the unit head, one per officer,
 * a footer on every page) / the workbook to path atomically; nothing is
 * left at path on failure (an earlier file stays as it was). */
int hl_report_pdf(const hl_report_t *r, const hl_report_opts_t *o, const char *path, hl_err_t *err);
int hl_report_xlsx(const hl_report_t *r, const hl_report_opts_t *o, const char *path,
                   hl_err_t *err);

/* A number with one decimal the language's way: "87,5" (vi), "87.5" (en). */
void hl_report_fmt1(hl_lang_t lang, double v, char *out, size_t cap);

#endif
