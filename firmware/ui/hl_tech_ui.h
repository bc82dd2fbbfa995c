/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_tech_ui.h: the technician screens, built as scenes like the survey's
 * (hl_ui.h): the PIN pad (with its wrong-PIN and lockout notices), and the
 * menu: a row of page tabs and "Back to survey" on every page, then the
 * page: status, results (bar charts with their numbers, the satisfaction
 * rate, responses per hour of today, per officer), officer on duty, survey
 * (installed ones, those on the stick, the check's errors with their line
 * numbers), transfer (USB export and sync now), settings (default language,
 * timeouts, date and time when the clock is not trusted, rotation, restart,
 * shut down).
 *
 * Everything shown comes in an hl_tech_view_t the kiosk gathers (figures
 * read through the core, never SQLite); this module draws nothing itself,
 * allocates nothing and includes no SDL. Targets are at least
 * hl_ui_min_target; texts are built-in words (hl_strings.h) in the view's
 * language. Individual responses are never shown; a breakdown with too few
 * responses says "not enough answers" (hl_results.h).
 */
#ifndef HL_TECH_UI_H
#define HL_TECH_UI_H

#include "hl_config.h"
#include "hl_diag.h"
#include "hl_results.h"
#include "hl_scene.h"
#include "hl_store.h"
#include "hl_sync.h"
#include "hl_tech.h"
#include "hl_ui.h"

#define HL_TECH_MAX_SURVEYS 8 /* surveys listed (installed, and on the stick) */
#define HL_TECH_MAX_ERRORS  6 /* check errors shown for a survey that failed */

/* A survey file the menu lists. */
typedef struct hl_tech_survey_item {
    char id[HL_SURVEY_ID_MAX + 1]; /* survey id ("" when the file does not load) */
    long long version;
    char file[128]; /* the file's name, as shown */
    bool active;    /* the survey the kiosk runs now */
} hl_tech_survey_item_t;

typedef struct hl_tech_view {
    const hl_tech_t *tech;     /* mode, page, PIN entry and notices, results filter */
    const hl_config_t *cfg;    /* kiosk id, site, counter, officers, officer on duty, timeouts */
    const hl_survey_t *survey; /* the survey running now (titles, questions, options) */
    hl_lang_t lang;            /* the screens' language */
    int64_t now_utc_ms;        /* shown on the status and clock settings */
    int64_t tz_offset_ms;      /* local time = UTC + this */
    bool clock_trusted;        /* the platform trusts its clock */
    int64_t lock_left_ms;      /* PIN pad: the lockout's time left (hl_pin_lock_left) */
    /* Status. */
    const char *version;     /* software version */
    hl_store_stats_t stats;  /* totals, last USB export */
    hl_store_counts_t today; /* finished responses today */
    hl_store_counts_t week;  /* the last 7 days */
    hl_sync_status_t sync;   /* pending, last success, last error (sync.configured false:
                                "not configured") */
    long long free_bytes;    /* free space of the data partition, -1 unknown */
    /* Results (page RESULTS). */
    const hl_results_t *results; /* for tech->period and tech->filter; NULL: not computed */
    /* Survey (page SURVEY). */
    hl_tech_survey_item_t installed[HL_TECH_MAX_SURVEYS];
    int n_installed;
    hl_tech_survey_item_t on_stick[HL_TECH_MAX_SURVEYS]; /* HAILONG/surveys/ on the stick:
                                                            files stick_first.. in natural name
                                                            order (the screen shows as many as
                                                            fit, with page buttons) */
    int n_on_stick;
    int stick_first;          /* the index among all of on_stick[0] (tech:survey:install:N is
                                 stick_first + i; tech:stick:prev|next turn the page) */
    int n_stick_total;        /* *.json files on the stick, every page */
    bool stick;               /* an authorised stick is in */
    bool can_rollback;        /* a previous survey is kept */
    const hl_diags_t *errors; /* the last install's problems (file:line:col message), or NULL */
    /* Transfer (page TRANSFER). */
    hl_ui_export_t export_state; /* the USB export in progress or its result */
    /* Every page: the last action's outcome ("Saved", or why not), or NULL. */
    const char *notice;
    bool notice_is_error;
} hl_tech_view_t;

/* Builds the screen for v->tech->mode (PIN or MENU) at w x h. */
void hl_tech_ui_build(hl_ui_t *ui, const hl_tech_view_t *v, int w, int h, hl_scene_t *out);

#endif
