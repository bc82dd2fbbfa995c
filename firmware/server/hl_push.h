/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_push.h: one kiosk push as the province server reads it
 * (docs/sync-protocol.md), before anything reaches the database.
 *
 * Nothing in a request is trusted. hl_push_parse bounds the body's depth,
 * parses it, and cuts each response out of the body by its byte span, so
 * the database stores the kiosk's JSON Lines row exactly as sent (a JSON
 * library would reorder or re-escape it). Each row's fields are checked;
 * a row that is malformed, another kiosk's, or whose chain value or
 * signature does not check out is kept apart (quarantine) with the reason,
 * never counted; a request without a usable response_id in every row is
 * refused whole. hl_push_verify checks, with the kiosk's registered key,
 * each row's chain value against its bytes and its signature, and the
 * request's chain head. The status is rebuilt from its known fields only.
 * Used by the service (srv_http.c) and the fuzz target.
 */
#ifndef HL_PUSH_H
#define HL_PUSH_H

#include "hl_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_PUSH_DEPTH_MAX 16   /* deepest nesting of objects and arrays in a request */
#define HL_PUSH_ROWS_MAX  5000 /* responses in one request (the kiosk sends up to 1000) */
#define HL_PUSH_STR_MAX   512  /* bytes of a status string */

typedef struct hl_push_row {
    size_t off, len;      /* the row's bytes in the body */
    char response_id[37]; /* lower case */
    char kiosk_id[41];    /* "" when missing or malformed (then quarantined) */
    int64_t seq;
    char chain[65], prev_chain[65]; /* "" when null */
    char chain_sig[129];            /* "" when null */
    size_t cut_off, cut_len;        /* the ,"chain":..,"prev_chain":..,"chain_sig":.. bytes
                                       in the row (cut_len 0: not found) */
    bool is_signed;                 /* the chain value and signature checked out */
    const char *quarantine;         /* NULL, or why the row is kept apart (static text) */
} hl_push_row_t;

typedef struct hl_push {
    char kiosk_id[41];
    char batch_id[33];
    hl_push_row_t *rows; /* owned */
    size_t n_rows;
    bool has_head;
    int64_t head_seq;
    char head_chain[65];
    char head_sig[129];          /* "" when null */
    char head_key[17];           /* "" when null */
    const char *head_verdict;    /* after hl_push_verify: "verified", "unsigned", "forged", or NULL
                                    without a head */
    char head_note[160];         /* why a head is forged */
    char *status;                /* owned: the checked status as compact JSON ("{}" when none) */
    int64_t assignment_reported; /* status.assignment.id, -1 when none */
} hl_push_t;

/* Parses body (len bytes; the caller bounds len). HL_ERR_INVALID with err
 * naming the place (for a 400 answer) when the body is not a push: not JSON,
 * too deep, no kiosk_id or batch_id, responses not an array, a row without
 * a UUID response_id, more than HL_PUSH_ROWS_MAX rows. HL_ERR_NOMEM. The
 * rows point into body, which must outlive p. */
int hl_push_parse(const char *body, size_t len, hl_push_t *p, hl_err_t *err);
void hl_push_free(hl_push_t *p);

/* Checks the rows and the head against the kiosk the token belongs to and
 * its public key (32 bytes, NULL when none is registered) with fingerprint
 * key_fp: sets each row's quarantine and is_signed, and head_verdict. */
void hl_push_verify(hl_push_t *p, const char *body, const char *kiosk_id,
                    const unsigned char *public_key, const char *key_fp);

/* An id as kiosks, officers and the province's commands write it: 1 to max
 * characters of a-z, 0-9, '_' and '-'. */
bool hl_push_id_ok(const char *s, size_t max);

/* Parses "YYYY-MM-DDTHH:MM:SS.mmmZ" (the kiosk's form; also without the
 * milliseconds) strictly: a real calendar date from 1970 to 9999. */
bool hl_push_time_ok(const char *s);

#endif
