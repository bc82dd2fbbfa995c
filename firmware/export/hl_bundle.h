/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_bundle.h: JSON Lines export and the signed result bundle written to a
 * USB stick, and its verification.
 *
 * JSON Lines: one JSON object per response, one a line (LF), UTF-8, with
 * every field the store keeps, named as in the CSV: response_id, seq,
 * kiosk_id, survey_id, survey_version, survey_sha256, language, started_at,
 * finished_at (ISO 8601 UTC with milliseconds, "2023-11-14T22:14:20.000Z";
 * finished_at null while in progress), status, suspect (fair counting's
 * reason, null: not flagged), clock_trusted (true/false), officer_id and
 * counter (who served at the counter when the response started; null: none
 * on duty), chain and prev_chain (the response's chain value and the one it
 * follows, hl_store.h; null while in progress or not chained yet), answers
 * ({qid: {"value": "...", "ms": N}}). Written atomically like the CSV
 * (temporary name in the same folder, fsync, rename, folder fsync).
 *
 * A bundle is a folder ROOT/HAILONG/<kiosk_id>/<YYYYMMDDTHHMMSSZ>/ holding
 * responses-<survey_id>.csv per survey with responses, responses.jsonl (all
 * surveys), any extra files (hooks), and manifest.json, written last:
 *   {"format": 2, "kiosk_id", "software_version", "created_at",
 *    "surveys": [{"id", "version", "sha256"}], "responses", "after_seq",
 *    "seq_first", "seq_last", "chain_head", "chain_prev",
 *    "files": [{"name", "bytes", "sha256"}],
 *    "signer": {"kiosk_id", "algorithm": "ed25519", "public_key", "fingerprint"},
 *    "signature"}
 * signature is the device key's hex Ed25519 signature (hl_devkey.h) of
 * HL_BUNDLE_SIGNED_PREFIX followed by the canonical manifest: the object
 * without "signature" serialised by jansson with JSON_COMPACT |
 * JSON_SORT_KEYS | JSON_ENSURE_ASCII. "signer" names the key, but a verifier
 * trusts it only when its own trust list has that kiosk with that key.
 * Format 1 (before issue 13) had "hmac_sha256" instead, keyed with the
 * shared export key; such bundles are still checked with that key.
 * The stick's HAILONG/export.key only authorises a stick to collect (its
 * SHA-256 is the config's export.key_sha256); it signs nothing.
 * Each folder level is opened with O_NOFOLLOW relative to the one above and
 * each file is created with O_EXCL | O_NOFOLLOW under a temporary name,
 * fsync'd, renamed, and the folder fsync'd: a symlink planted on the stick is
 * never followed, and without manifest.json a bundle never verifies.
 */
#ifndef HL_BUNDLE_H
#define HL_BUNDLE_H

#include "hl_devkey.h"
#include "hl_diag.h"
#include "hl_err.h"
#include "hl_export.h"
#include "hl_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_BUNDLE_FORMAT        2                      /* manifest "format" written by this build */
#define HL_BUNDLE_SIGNED_PREFIX "hailong-manifest-2\n" /* before the canonical manifest */
#define HL_BUNDLE_TOP           "HAILONG"              /* top folder on the stick */
#define HL_BUNDLE_KEY_FILE      "export.key"           /* the stick's secret, in HAILONG/ */
#define HL_BUNDLE_MANIFEST      "manifest.json"        /* written last */
#define HL_BUNDLE_JSONL         "responses.jsonl"      /* all surveys */
#define HL_BUNDLE_KEY_LEN       32                     /* bytes of an export key (SHA-256) */

typedef struct hl_jsonl_result {
    int64_t rows;      /* responses written */
    int64_t bytes;     /* size of the file */
    int64_t seq_first; /* lowest sequence number written, 0 when none */
    int64_t seq_last;  /* highest, 0 when none */
} hl_jsonl_result_t;

/* Writes the JSON Lines of survey_id (NULL: every survey) to out_path
 * atomically. An empty store gives an empty file. res may be NULL. */
int hl_export_jsonl(hl_store_t *st, const char *survey_id, const char *out_path,
                    hl_jsonl_result_t *res, hl_err_t *err);

/* A file added to a bundle by another writer (the XLSX). write must create
 * and fill the file tmp_name inside dirfd (openat with O_CREAT | O_EXCL |
 * O_NOFOLLOW, or a rename onto it; no other file) and return
 * HL_OK or a code with err set; the bundle then fsyncs it, renames it to
 * name, hashes it and lists it. */
typedef struct hl_bundle_extra {
    const char *name; /* final file name, e.g. "responses.xlsx": no '/', not starting with '.' */
    /* Writes tmp_name in dirfd with the responses after_seq < seq <= max_seq. */
    int (*write)(void *ctx, hl_store_t *st, int64_t after_seq, int64_t max_seq, int dirfd,
                 const char *tmp_name, hl_err_t *err);
    void *ctx; /* passed to write; not owned */
} hl_bundle_extra_t;

typedef struct hl_bundle_opts {
    const char *root;                /* folder (the stick's mount) under which HAILONG/ goes */
    const char *kiosk_id;            /* [a-z0-9_-]{1,40}: names the kiosk folder */
    const char *software_version;    /* recorded in the manifest */
    int64_t created_utc_ms;          /* export time: names the folder (the core reads no clock) */
    const hl_devkey_t *signer;       /* the device key that signs the manifest (private);
                                        NULL: refused */
    const hl_bundle_extra_t *extras; /* n_extras more files, may be NULL */
    size_t n_extras;
    int64_t after_seq;  /* only responses with seq > after_seq (0: all); the default export
                           passes hl_store_exported_upto */
    bool record;        /* record the export in the store once the manifest is written
                           (hl_store_record_export: needs a read-write store) */
    const char *medium; /* recorded as the stick: file system UUID or label; NULL: root */
    /* Progress while writing (may be NULL), called on the writing thread with
     * the share done, 0..1: responses.jsonl row by row, then file by file. */
    void (*progress)(void *ctx, double done);
    void *progress_ctx; /* passed to progress; not owned */
} hl_bundle_opts_t;

typedef struct hl_bundle_result {
    int64_t responses; /* responses in the bundle */
    int64_t seq_first; /* sequence range, 0 when empty */
    int64_t seq_last;
    int n_files;             /* files listed in the manifest (without the manifest) */
    int64_t bytes;           /* their total size, manifest included */
    int64_t in_progress_seq; /* write: the response in progress that ended the range, 0 if none */
    /* verify: who signed it, and whether the trust list vouches for them. */
    int format; /* manifest format read (1, 2), 0: unreadable */
    enum {
        HL_BUNDLE_SIGNER_NONE = 0, /* no signature could be read */
        HL_BUNDLE_SIGNER_DEVICE,   /* a device key (format 2) */
        HL_BUNDLE_SIGNER_SHARED    /* the shared export key (format 1) */
    } signer;
    char signer_kiosk[HL_KIOSK_ID_MAX + 1];  /* the kiosk the signer names, "" for shared */
    char fingerprint[HL_DEVKEY_FPR_HEX + 1]; /* its key's fingerprint (shared: the key's id) */
    bool key_checked;                        /* the signature (or HMAC) was checked and holds */
    hl_trust_verdict_t trust;                /* device: what the trust list says */
    int64_t unchecked_rows;                  /* HMAC-era rows not checked (no old key) */
} hl_bundle_result_t;

/* What a bundle is checked against. */
typedef struct hl_bundle_check {
    const hl_trust_t *trust;      /* the user's trust list; NULL: none (nothing is trusted) */
    const unsigned char *old_key; /* HL_BUNDLE_KEY_LEN bytes: the old shared export key, for
                                     format 1 manifests and rows chained before the device key;
                                     NULL: those are not checked */
} hl_bundle_check_t;

/* Writes a bundle of the finished responses after opts->after_seq; out_dir
 * (may be NULL) gets the bundle folder's path.
 * The range: responses are exported once finished (complete or partial), and
 * the range never passes one still in progress, because a response marked
 * exported must not change afterwards: it runs from after_seq + 1 up to the
 * last stored response, or to just before the first one in progress
 * (res->in_progress_seq names it; a later export takes it once finished).
 * The manifest records the range ("after_seq", "seq_first", "seq_last"),
 * and every file holds exactly those responses: responses.jsonl, one CSV per
 * survey in the range, and the extras, whose writer is given the range
 * (hl_xlsx_bundle_write for the command's responses.xlsx).
 * Nothing to export (no finished response in the range): HL_ERR_NOT_FOUND,
 * nothing written, err says after which seq and, when one blocks the range,
 * which response is in progress.
 * With opts->record, the export is recorded in the store after the manifest
 * is on the medium; if only that fails, the bundle stays (it verifies), out_dir
 * and res are filled, and the store's code comes back (the responses are
 * simply exported again next time).
 * On failure (HL_ERR_FULL, HL_ERR_READONLY, HL_ERR_IO, HL_ERR_STATE without
 * a key, HL_ERR_USAGE for bad options, HL_ERR_INVALID when a symlink or a
 * file stands where a folder goes, HL_ERR_NOMEM) the bundle folder and its
 * temporary files are removed as far as the medium allows, there is never a
 * manifest and nothing is recorded. res may be NULL. */
int hl_bundle_write(hl_store_t *st, const hl_bundle_opts_t *opts, char *out_dir,
                    size_t out_dir_size, hl_bundle_result_t *res, hl_err_t *err);

/* Checks the bundle in dir: the manifest's signature (format 2: the
 * device key it names; format 1: the HMAC with chk->old_key), that every
 * listed file exists with its size and SHA-256 and no other file is there,
 * and the chain inside. Every problem is added to problems (file: DIR/NAME,
 * line 0) saying what is wrong: missing, torn (size differs), altered (hash
 * differs), not listed, manifest edited or not signed by the key it names.
 * res (may be NULL) always gets the signer (kiosk id, fingerprint) when the
 * manifest could be read. HL_OK only when all verifies and the trust list
 * has the signer's kiosk with that key; HL_ERR_INVALID with problems;
 * HL_ERR_UNTRUSTED when it is intact but signed by a key the trust list
 * does not vouch for (or a format 1 bundle without the old key);
 * HL_ERR_IO / HL_ERR_NOT_FOUND when dir cannot be read (err says why). */
int hl_bundle_verify(const char *dir, const hl_bundle_check_t *chk, hl_diags_t *problems,
                     hl_bundle_result_t *res, hl_err_t *err);

/* True when text (len bytes, a trailing line break allowed) is an export
 * secret as `hailong export-key --new` makes it: exactly 64 hex digits. A
 * stick whose export.key holds anything else authorises nothing. */
bool hl_bundle_secret_valid(const char *text, size_t len);

/* The export key for a secret: SHA-256 of its text without a trailing line
 * break (LF or CRLF). */
void hl_bundle_key_from_secret(const char *text, size_t len, unsigned char key[HL_BUNDLE_KEY_LEN]);

/* Reads a secret file (at most 4 KiB) and derives its key, for checking
 * what the old shared key signed (format 1 bundles, HMAC-era rows): any
 * non-empty text, as older kiosks accepted. A stick's authorisation is
 * stricter (hl_bundle_secret_valid). HL_ERR_NOT_FOUND, HL_ERR_IO,
 * HL_ERR_INVALID (empty or too big) with err set. */
int hl_bundle_key_from_file(const char *path, unsigned char key[HL_BUNDLE_KEY_LEN], hl_err_t *err);

/* Tamper evidence across bundles (issue 7; docs/tamper-evidence.md). Each
 * manifest carries "chain_head": {"seq", "chain"} (its last response's chain
 * value) and "chain_prev" (the prev_chain of its first response), under the
 * HMAC; hl_bundle_verify also checks responses.jsonl against them (rows in
 * sequence order, each row's prev_chain the previous row's chain, each
 * chain value the hash of the row and signed by the signer). This one reads the manifests of
 * n bundle folders (verify each first: this trusts what they say), orders
 * them by kiosk and sequence range and checks that each bundle continues
 * the one before: its chain_prev is that one's chain head, unless their
 * ranges overlap. A gap (responses in no bundle given) and a broken link
 * are each a problem naming the later bundle's folder. Bundles without the
 * chain fields are left out. HL_OK, or HL_ERR_INVALID with problems. */
int hl_bundle_check_links(const char *const *dirs, size_t n, hl_diags_t *problems,
                          size_t *n_problems, hl_err_t *err);

#endif
