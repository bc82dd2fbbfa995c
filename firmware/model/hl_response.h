/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_response.h: one citizen's response as the flow builds it, and the unit
 * of work the flow hands to storage.
 *
 * The flow never talks to SQLite: every change it makes to a response is one
 * hl_save_t, handed to an hl_sink_t, and must be committed (durably) before
 * the flow moves on. The store implements the sink; tests can implement it
 * to inject failures.
 */
#ifndef HL_RESPONSE_H
#define HL_RESPONSE_H

#include "hl_err.h"
#include "hl_lang.h"
#include "hl_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hl_resp_status {
    HL_RESP_IN_PROGRESS = 0, /* being answered (or cut off by a crash: see store open) */
    HL_RESP_COMPLETE = 1,    /* reached the end of the survey */
    HL_RESP_PARTIAL = 2      /* timed out, or recovered after a crash / power cut */
} hl_resp_status_t;

/* "in_progress", "complete", "partial". */
const char *hl_resp_status_name(hl_resp_status_t s);

typedef struct hl_response {
    int64_t seq;                /* per-kiosk sequence number; 0 until first stored */
    char uuid[HL_UUID_LEN + 1]; /* random v4 UUID, made when the response starts */
    hl_lang_t lang;             /* language in use now */
    int64_t started_utc_ms;     /* wall clock at the first answer */
    int64_t started_mono_ms;    /* monotonic clock at the first answer */
    bool clock_trusted;         /* platform trusted its wall clock at the start */
    hl_lang_t stored_lang;      /* language last written to storage (store-owned) */
} hl_response_t;

/* One transaction: optionally set one answer, drop answers to questions that
 * became hidden (or were skipped), and possibly finish the response. */
typedef struct hl_save {
    const char *set_qid;          /* question answered, or NULL */
    const char *set_value;        /* its value (hl_survey.h text form) */
    int64_t set_ms;               /* ms since the response started */
    const char *const *drop_qids; /* answers to delete (may include unanswered ids) */
    size_t n_drop;
    hl_resp_status_t status; /* IN_PROGRESS leaves it open; else finishes it */
    int64_t finished_utc_ms; /* when status is not IN_PROGRESS */
    const char *suspect;     /* with the save that creates the response: why fair counting
                                flags it ("min_interval", "max_per_hour"), NULL if not; a
                                flagged response is stored like any other */
} hl_save_t;

typedef struct hl_sink {
    /* Commits *save for resp durably, or changes nothing and fails. When
     * resp->seq is 0 the response is created first and resp->seq set (OUT).
     * When the response is left with no answer at all, it is removed (a
     * response with no answer is never stored) and resp->seq is set back to
     * 0. */
    int (*save)(void *ctx, hl_response_t *resp, const hl_save_t *save, hl_err_t *err);
    void *ctx; /* not owned */
} hl_sink_t;

#endif
