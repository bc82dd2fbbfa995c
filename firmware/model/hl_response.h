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

/* Follow-up codes: what a citizen who left a comment or a number reads on
 * the thanks screen, to ask about it later and for staff to find it. Six
 * symbols from HL_FOLLOWUP_ALPHABET: the digits 2-9 and the capital letters
 * of the Vietnamese alphabet that no one mistakes for a digit or for each
 * other when read aloud or written down (no 0/O, 1/I/L, 5/S, 8/B, no U/V
 * pair, no F J W Z, which Vietnamese does not use): 24^6, about 191
 * million codes. Shown as two groups of three ("K7M 4P9"), stored without
 * the space; unique per kiosk (the store makes sure). */
#define HL_FOLLOWUP_LEN      6
#define HL_FOLLOWUP_ALPHABET "23456789ACDEGHKMNPQRTVXY"

typedef enum hl_resp_status {
    HL_RESP_IN_PROGRESS = 0, /* being answered (or cut off by a crash: see store open) */
    HL_RESP_COMPLETE = 1,    /* reached the end of the survey */
    HL_RESP_PARTIAL = 2      /* timed out, or recovered after a crash / power cut */
} hl_resp_status_t;

/* "in_progress", "complete", "partial". */
const char *hl_resp_status_name(hl_resp_status_t s);

typedef struct hl_response {
    int64_t seq;                        /* per-kiosk sequence number; 0 until first stored */
    char uuid[HL_UUID_LEN + 1];         /* random v4 UUID, made when the response starts */
    hl_lang_t lang;                     /* language in use now */
    int64_t started_utc_ms;             /* wall clock at the first answer */
    int64_t started_mono_ms;            /* monotonic clock at the first answer */
    bool clock_trusted;                 /* platform trusted its wall clock at the start */
    hl_lang_t stored_lang;              /* language last written to storage (store-owned) */
    char followup[HL_FOLLOWUP_LEN + 1]; /* the follow-up code the store gave it when it
                                           finished ("" none: see hl_save_t.followup_seed) */
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
    uint64_t followup_seed;  /* with a save that finishes it: nonzero gives the response a
                                follow-up code (hl_followup_make from this seed, the first
                                not yet used in the store), written to resp->followup; 0:
                                none */
} hl_save_t;

/* The attempt-th candidate code from seed (a mix of both: different seeds
 * or attempts give unrelated codes). out gets HL_FOLLOWUP_LEN symbols. */
void hl_followup_make(uint64_t seed, unsigned attempt, char out[HL_FOLLOWUP_LEN + 1]);

/* True when s is a code's stored form: HL_FOLLOWUP_LEN symbols of the
 * alphabet. */
bool hl_followup_valid(const char *s);

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
