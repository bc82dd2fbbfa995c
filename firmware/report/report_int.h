/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_int.h: what the files of firmware/report share and nobody else
 * sees: the report's dataset (rows as read, the surveys, provenance,
 * follow-ups), a small string hash, local time, and the report's words in
 * each language.
 */
#ifndef REPORT_INT_H
#define REPORT_INT_H

#include "hl_report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One response as the report keeps it. */
typedef struct rrow {
    char *uuid;          /* owned response_id */
    char *kiosk;         /* owned kiosk id */
    int64_t seq;         /* its sequence number on the kiosk */
    size_t unit;         /* index in the report's units */
    int survey;          /* index in the report's surveys, -1: not given */
    int64_t local_ms;    /* finished, local time (UTC+7) in ms since 1970 */
    int month_back;      /* 0: the report's month, 1..5: months before */
    bool partial;        /* status partial */
    bool suspect;        /* flagged by fair counting */
    char *officer;       /* owned officer id, NULL: none */
    size_t n_answers;    /* answers */
    char **qids, **vals; /* owned: their question ids and values */
} rrow_t;

/* A string-keyed hash of int64 values (open addressing, keys owned). */
typedef struct rhash {
    char **keys;   /* cap slots, NULL: empty */
    int64_t *vals; /* their values */
    size_t cap, n; /* slots (a power of two), used */
} rhash_t;

bool rhash_put(rhash_t *h, const char *key, int64_t val); /* false: out of memory */
bool rhash_get(const rhash_t *h, const char *key, int64_t *val);
void rhash_free(rhash_t *h);

struct hl_report {
    char *unit;                     /* the unit asked for ("*": the province) */
    int year, month;                /* the report's month */
    char month_s[16];               /* "YYYY-MM" */
    hl_survey_t **surveys;          /* owned */
    size_t n_surveys;               /* how many */
    char **units;                   /* owned unit names rows belong to */
    size_t n_units;                 /* how many */
    rrow_t *rows;                   /* owned, in the order added */
    size_t n_rows, cap_rows;        /* used, allocated */
    rhash_t ids;                    /* response_ids added (duplicates refused) */
    int64_t duplicates;             /* responses added twice */
    rhash_t handled;                /* response_id -> handled at (UTC ms) */
    bool followups_known;           /* follow-ups were read (PostgreSQL) */
    hl_rkiosk_t *kiosks;            /* owned provenance: kiosks as given */
    size_t n_kiosks;                /* how many */
    hl_rgap_t *gaps;                /* owned: gaps as given */
    size_t n_gaps;                  /* how many */
    bool have_origin;               /* set_origin was called */
    hl_report_origin_t origin_kind; /* where the responses came from */
    char *origin;                   /* owned: its detail (the merged folder), or NULL */
    hl_rfigures_t fig;              /* the figures (hl_report_compute) */
    bool computed;                  /* fig is up to date */
};

/* Days since 1970-01-01 of a civil date, and back. */
int64_t report_days(int y, int m, int d);
void report_civil(int64_t days, int *y, int *m, int *d);

/* "2023-11-14T22:14:20.123Z" (fractions optional, Z or +hh:mm) to UTC ms;
 * false when malformed. */
bool report_parse_time(const char *s, int64_t *ms);

/* The report's words: a table of keys, each in Vietnamese and English. */
const char *report_word(hl_lang_t lang, const char *key);

/* The main question of survey s (the first smiley, stars or nps), or -1. */
int report_main_question(const hl_survey_t *s);

/* An item's label in lang: an option's label, else its id ("4", "yes"
 * shown as the language's word). */
const char *report_item_label(const hl_question_t *q, size_t i, hl_lang_t lang);

/* Appends printf text to a growing string; false when out of memory. */
typedef struct rbuf {
    char *s;       /* the text, NUL-terminated, owned */
    size_t n, cap; /* length, allocated */
} rbuf_t;
bool rbuf_printf(rbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The provenance as sentences (the footer of every page, the Sources
 * sheet): "N responses from kiosks K1 (seq a-b), ...; chain heads ...;
 * gaps ..." in lang, of the rows of unit (an index in r->units; SIZE_MAX:
 * all) and their kiosks; malloc'd, NULL when out of memory. */
char *report_sources_text(const hl_report_t *r, hl_lang_t lang, size_t unit);

/* The province's overview: how many responses, kiosks and units, and
 * where each unit's provenance is; malloc'd, NULL when out of memory. */
char *report_sources_brief(const hl_report_t *r, hl_lang_t lang);

/* The method's sentence (index definition, min-5 rule) in lang. */
const char *report_method_text(hl_lang_t lang);

/* The month's name "11/2026" and the unit's title in lang. */
void report_month_label(const hl_report_t *r, char *out, size_t cap);

#endif
