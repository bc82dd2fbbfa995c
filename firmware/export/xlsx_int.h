/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xlsx_int.h: what the workbook's two files share (hl_xlsx.c writes the
 * response and summary sheets, hl_xlsx_comments.c the comments sheet): the
 * export's state, the words a reader sees and the helpers both use.
 * Nothing outside firmware/export includes it.
 */
#ifndef HL_XLSX_INT_H
#define HL_XLSX_INT_H

#include "hl_qtype.h"
#include "hl_xlsx.h"

#include <xlsxwriter.h>

#include <sys/stat.h>

#define HL_XLSX_FIXED_COLS                                                                         \
    13 /* response_id .. status, suspect, clock_trusted, officer_id, counter, followup */
#define HL_XLSX_SHEET_MAX 31 /* Excel's limit on a sheet name */

/* A question column pair and its summary counts. */
typedef struct hl_xq {
    const char *qid;        /* not owned: hl_xsurvey_t.cols */
    const hl_question_t *q; /* in the newest stored version, or NULL */
    size_t n_opts;          /* counted options: survey options, 5 stars, 11 nps, yes/no */
    int64_t *counts;        /* owned: responses per option */
    int64_t answered;       /* responses that answered the question */
} hl_xq_t;

/* Responses of one local day. */
typedef struct hl_xday {
    int64_t day;      /* local days since 1970-01-01 */
    int64_t complete; /* finished complete */
    int64_t partial;  /* finished partial */
} hl_xday_t;

/* One survey's sheets and running counts. */
typedef struct hl_xsurvey {
    char id[HL_SURVEY_ID_MAX + 1]; /* survey id */
    hl_survey_t *sv;               /* owned: newest stored version, NULL if unparsable */
    hl_lang_t lang;                /* label language: the survey's default */
    char **cols;                   /* owned: question ids (hl_store_survey_columns) */
    size_t n_cols;                 /* question columns */
    hl_xq_t *qs;                   /* owned: n_cols questions */
    hl_row_col_t *sorted;          /* owned: columns sorted by id */
    const char **cells;            /* owned: the row's value per column */
    lxw_worksheet *ws;             /* responses sheet (owned by the workbook) */
    lxw_worksheet *sum;            /* summary sheet (owned by the workbook) */
    lxw_worksheet *com;            /* comments sheet (owned by the workbook), NULL: no text
                                      or contact question in the newest version */
    lxw_row_t com_row;             /* next row of com */
    int rating_col;                /* index in qs of the comments' rating, -1: none */
    int n_text;                    /* text questions among the columns */
    int contact_col;               /* index in qs of the contact question, -1: none */
    lxw_row_t row;                 /* next row of ws */
    int64_t total, complete, partial, in_progress; /* responses by status */
    int sat_q;                                     /* index in qs of the first smiley, -1 */
    hl_xday_t *days;                               /* owned: sorted by day */
    size_t n_days, cap_days;                       /* days used, allocated */
} hl_xsurvey_t;

#define HL_XLSX_SCRATCH_MAX 64 /* scratch files tracked for closing after a failure */

/* A sheet's scratch file as it was before workbook_close. */
typedef struct hl_xscratch {
    FILE *f;        /* libxlsxwriter's FILE */
    struct stat sb; /* its device and inode */
} hl_xscratch_t;

/* The export in progress. */
#define XLSX_PAST_RANGE (-2) /* xlsx_row: past max_seq, end the walk (not an hl_rc) */

typedef struct hl_xlsx {
    int64_t max_seq;            /* rows with a higher sequence number are left out */
    hl_store_t *st;             /* not owned */
    lxw_workbook *wb;           /* owned until workbook_close */
    lxw_format *f_head;         /* bold header, wrapped */
    lxw_format *f_head_num;     /* bold, right-aligned: a header over numbers */
    lxw_format *f_wrap;         /* wrapped text at the top: labels, question texts */
    lxw_format *f_pct_top;      /* 0.0% at the top of a tall row */
    lxw_format *f_time;         /* yyyy-mm-dd hh:mm:ss */
    lxw_format *f_date;         /* yyyy-mm-dd */
    lxw_format *f_pct;          /* 0.0% */
    lxw_format *f_top;          /* at the top of a tall row (the comments sheet) */
    lxw_format *f_time_top;     /* yyyy-mm-dd hh:mm:ss at the top of a tall row */
    hl_xsurvey_t **sv;          /* owned: surveys met so far */
    size_t n_sv, cap_sv;        /* surveys used, allocated */
    hl_xsurvey_t *last;         /* survey of the previous row (cache) */
    char *buf;                  /* owned: joined multi labels */
    size_t cap_buf;             /* bytes allocated in buf */
    int64_t rows;               /* responses written */
    const hl_xlsx_zone_t *zone; /* local time, or NULL: UTC */
    char zone_name[16];         /* "UTC+07:00": the offset at zone->now_utc_ms */
    hl_err_t *err;              /* caller's error record */
    hl_xscratch_t scratch[HL_XLSX_SCRATCH_MAX]; /* scratch files before workbook_close */
    size_t n_scratch;                           /* entries in scratch */
} hl_xlsx_t;

/* The words a reader sees, in the survey's default language (core cannot
 * include firmware/ui's hl_strings). */
typedef enum hl_xword {
    XW_RESPONSE_ID,
    XW_SEQ,
    XW_KIOSK,
    XW_VERSION,
    XW_LANGUAGE,
    XW_STARTED,
    XW_FINISHED,
    XW_STATUS,
    XW_SUSPECT,
    XW_CLOCK,
    XW_OFFICER,
    XW_COUNTER,
    XW_COMPLETE,
    XW_PARTIAL,
    XW_IN_PROGRESS,
    XW_MIN_INTERVAL,
    XW_MAX_PER_HOUR,
    XW_SURVEY,
    XW_RESPONSES,
    XW_SAT_RATE,
    XW_SAT_MEANS,
    XW_NO_SMILEY,
    XW_QUESTION_ID,
    XW_QUESTION,
    XW_OPTION_CODE,
    XW_OPTION,
    XW_COUNT,
    XW_SHARE,
    XW_ANSWERED,
    XW_DATE,
    XW_PAGE,
    XW_COMMENTS_SHEET,
    XW_TIME,
    XW_RATING,
    XW_COMMENT,
    XW_FOLLOWUP,
    XW_PHONE,
    XW_COUNT_OF
} hl_xword_t;

/* Word w in lang (vi when lang is unknown). */
const char *xlsx_word(hl_lang_t lang, hl_xword_t w);

/* libxlsxwriter's failure e while doing what, as an hl_rc in x->err. */
int xlsx_fail(hl_xlsx_t *x, lxw_error e, const char *what);

/* utc_ms in the workbook's local time, whole seconds. */
lxw_datetime xlsx_datetime(const hl_xlsx_zone_t *z, int64_t utc_ms);

/* A valid, unused sheet name from id + suffix (cut, "~N" while taken). */
void xlsx_sheet_name(lxw_workbook *wb, const char *id, const char *suffix, char out[32]);

/* Landscape A4, fitted to the width, row 0 repeated, "Trang N/M". */
lxw_error xlsx_sheet_print(lxw_worksheet *ws, hl_lang_t lang);

/* Lines that text takes wrapped at about per_line characters, 1..max. */
int xlsx_wrap_lines(const char *text, int per_line, int max);

/* Index among q's counted options of the stored value v[0..len), or -1. */
int xlsx_option_index(const hl_xq_t *q, const char *v, size_t len);

/* "Có"/"Không", "Yes"/"No". */
const char *xlsx_yesno_label(hl_lang_t lang, bool yes);

/* The comments sheet of survey s, added after its summary when its newest
 * version has a text question (s->com stays NULL otherwise). */
int xlsx_comments_open(hl_xlsx_t *x, hl_xsurvey_t *s);

/* One row per text answer of r (cells already in s->cells). */
lxw_error xlsx_comments_row(hl_xlsx_t *x, hl_xsurvey_t *s, const hl_row_t *r);

#endif
