/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_merge.h: USB bundles of several kiosks and sticks merged into one
 * folder of verified, de-duplicated responses, with every missing range
 * named (`hailong merge`, and `hailong report --bundles`).
 *
 * Inputs are bundle folders (holding manifest.json) or folders holding them
 * at most three levels down: a stick's root (HAILONG/<kiosk>/<stamp>/), its
 * HAILONG folder or a kiosk's folder. The search follows no symbolic link
 * (a link is named and skipped), skips names starting with '.' and names,
 * escaped, a folder whose name has control characters or is not UTF-8
 * without searching it. A bundle's folder is searched below as well: a
 * stray manifest.json or responses.jsonl hides nothing.
 *
 * Each bundle is checked exactly as `hailong verify-export` does
 * (hl_bundle_verify against the trust list: the manifest's signature by the
 * kiosk's device key that the trust list holds, every file's size and
 * SHA-256, each row's chain and signature). A bundle that fails is rejected
 * whole, with its reason; none of its rows counts. A verified bundle's
 * responses.jsonl is then read once more, its SHA-256 compared with the
 * verified manifest's (a file changed between the two reads rejects the
 * bundle) and its rows compared with the manifest's count and range.
 *
 * De-duplication: a response is one (kiosk, seq). The same row (byte for
 * byte) in several verified bundles, as overlapping exports give it, is kept
 * once and the extra copies counted as duplicates. Different bytes for the
 * same (kiosk, seq), or one response_id at two places, cannot come from one
 * kiosk's signed chain unless its device key was used by someone else (or
 * the kiosk is broken): that is a conflict, reported loudly, and NEITHER
 * copy is kept (a report must not count a response whose content is in
 * dispute); the seq is still "seen", so it is not named missing.
 *
 * Continuity, per kiosk (the manifest's kiosk_id, which its signer
 * vouches for): each verified bundle covers after_seq + 1 .. seq_last
 * entirely (a kiosk removes only empty responses, so seq numbers may skip
 * inside a range; the chain links over them). The kiosk's ranges are
 * joined; a hole between two of them is a gap, named "kiosk X: responses
 * 120–180 missing" (Vietnamese: "máy X: thiếu phiếu 120–180"), unless the
 * rows on both sides link by their chain (nothing finished between them).
 * Responses before the kiosk's first range are taken as collected earlier
 * (last month's bundles), not missing: the kiosk's "after_seq" says where
 * its bundles start. Across the kiosk's rows in seq order, each row's
 * prev_chain must be the chain of the row before it when no gap lies
 * between: otherwise the chain breaks (two different histories), reported
 * like a conflict (the rows are kept: each one verified).
 *
 * Output, written atomically (hl_afile) into out_dir (made when missing,
 * its parent must exist; never a bundle's folder, nor one holding a
 * responses.jsonl without merge.json; never searched for bundles):
 * responses.jsonl (the rows exactly as in the bundles, one a line, ordered
 * by kiosk then seq; an earlier merge's merge.json is removed just before
 * it replaces the old file, so a merge cut short leaves no merge.json
 * beside rows it does not describe), then merge.json:
 *   {"format":1, "created_at", "bundles":[{"path","kiosk_id","seq_first",
 *    "seq_last","responses","verdict":"verified"|"rejected","reason"}],
 *    "kiosks":[{"kiosk_id","responses","seq_first","seq_last","after_seq",
 *    "chain_head","head_seq","verified":true}],
 *    "gaps":[{"kiosk_id","from_seq","to_seq","text","text_vi"}],
 *    "duplicates":N, "conflicts":[{"kiosk_id","seq","response_id","text"}],
 *    "breaks":[{"kiosk_id","seq","text"}], "empty_inputs":["path"]}
 * A rejected bundle's kiosk_id and range are what its manifest claims (null
 * when unreadable): for the reader, never trusted.
 */
#ifndef HL_MERGE_H
#define HL_MERGE_H

#include "hl_bundle.h"
#include "hl_devkey.h"
#include "hl_diag.h"
#include "hl_err.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_MERGE_FORMAT      1                  /* merge.json "format" */
#define HL_MERGE_JSON        "merge.json"       /* the summary, written last */
#define HL_MERGE_JSONL       "responses.jsonl"  /* the merged rows */
#define HL_MERGE_DEPTH       3                  /* folder levels searched below an input */
#define HL_MERGE_BUNDLES_MAX 100000             /* bundles found, at most */
#define HL_MERGE_LINE_MAX    (16 * 1024 * 1024) /* longest row read (the store's content max) */
#define HL_MERGE_REASON_MAX  512                /* a rejection's reason */
#define HL_MERGE_TEXT_MAX    1024               /* a gap's, conflict's or break's text (paths) */

typedef struct hl_merge_opts {
    const char *const *inputs;    /* bundle folders or folders holding them */
    size_t n_inputs;              /* at least one */
    const hl_trust_t *trust;      /* whom to believe; required */
    const unsigned char *old_key; /* HL_BUNDLE_KEY_LEN bytes: the old shared export key, for
                                     rows chained before the device key; NULL: not checked */
    const char *out_dir;          /* where responses.jsonl and merge.json go; NULL: nothing
                                     written (the result alone) */
    int64_t created_utc_ms;       /* merge.json's created_at (the core reads no clock) */
} hl_merge_opts_t;

/* One bundle found, and what became of it. */
typedef struct hl_merge_bundle {
    char *path;                              /* its folder, as found (owned) */
    char kiosk_id[HL_KIOSK_ID_MAX + 1];      /* the manifest's kiosk ("" unreadable) */
    char fingerprint[HL_DEVKEY_FPR_HEX + 1]; /* the signer's key ("" unknown) */
    int64_t after_seq;                       /* the manifest's range */
    int64_t seq_first, seq_last;
    int64_t responses;                /* rows (verified) or the manifest's claim (rejected) */
    int64_t unchecked_rows;           /* rows chained with the old shared key, not checked */
    bool verified;                    /* its rows count */
    char reason[HL_MERGE_REASON_MAX]; /* rejected: why, for a person ("" verified) */
} hl_merge_bundle_t;

/* A kiosk with at least one verified bundle. */
typedef struct hl_merge_kiosk {
    char kiosk_id[HL_KIOSK_ID_MAX + 1];
    int64_t responses;           /* rows kept */
    int64_t seq_first, seq_last; /* of the rows kept (0 none) */
    int64_t after_seq;           /* its bundles start after this seq (earlier: collected before) */
    int64_t head_seq;            /* the newest row seen and its chain value ("" unchained) */
    char chain_head[HL_CHAIN_HEX + 1];
} hl_merge_kiosk_t;

/* Something named per kiosk: a gap (from..to missing), a conflict (seq
 * dropped) or a break (seq does not follow the row before). */
typedef struct hl_merge_note {
    char kiosk_id[HL_KIOSK_ID_MAX + 1];
    int64_t from_seq, to_seq;          /* a gap's range; conflict and break: seq, seq */
    char response_id[HL_UUID_LEN + 1]; /* conflict: the id in dispute ("" for a seq clash) */
    char text[HL_MERGE_TEXT_MAX];      /* English, as printed */
    char text_vi[HL_MERGE_TEXT_MAX];   /* Vietnamese */
} hl_merge_note_t;

typedef struct hl_merge_result {
    hl_merge_bundle_t *bundles; /* every bundle found, in path order (owned) */
    size_t n_bundles;
    size_t n_verified, n_rejected;
    hl_merge_kiosk_t *kiosks; /* by kiosk id (owned) */
    size_t n_kiosks;
    hl_merge_note_t *gaps; /* by kiosk then seq (owned) */
    size_t n_gaps;
    hl_merge_note_t *conflicts; /* owned */
    size_t n_conflicts;
    hl_merge_note_t *breaks; /* owned */
    size_t n_breaks;
    char **empty_inputs; /* inputs in which no bundle was found (owned) */
    size_t n_empty;
    int64_t responses;  /* rows written */
    int64_t duplicates; /* identical copies dropped */
} hl_merge_result_t;

/* Finds, verifies and merges the bundles of opts->inputs and writes
 * out_dir. Every rejected bundle's problems (FILE: what is wrong), each
 * symbolic link skipped and each input without bundles are added to diags
 * (may be NULL). HL_OK once the output is written, even when bundles were
 * rejected or responses are missing: hl_merge_complete says whether it is
 * whole. HL_ERR_USAGE (no input, no trust list), HL_ERR_NOT_FOUND / HL_ERR_IO
 * (an input that is not a readable folder), the output's codes (HL_ERR_FULL,
 * HL_ERR_READONLY, HL_ERR_IO), HL_ERR_NOMEM: err says why and nothing is
 * written. res is filled as far as the merge went; free it with
 * hl_merge_result_free either way. */
int hl_merge_run(const hl_merge_opts_t *opts, hl_merge_result_t *res, hl_diags_t *diags,
                 hl_err_t *err);

/* True when every bundle verified, at least one was found in every input,
 * and no gap, conflict or break was found. */
bool hl_merge_complete(const hl_merge_result_t *res);

void hl_merge_result_free(hl_merge_result_t *res);

#endif
