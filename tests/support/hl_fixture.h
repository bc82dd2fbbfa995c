/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fixture.h: the fixtures the tests share, so that they cannot drift
 * apart: a survey built by hand for the store and the exporters (only ids,
 * version, question type and hash matter there), a response to save, a
 * store to save it in, a tmpfs to fill, a bundle's options, a command run
 * and checked, and (hl_fixture_kiosk.h) a whole kiosk on the headless
 * display with a fake clock. No SDL here: a unit test links this without
 * the display.
 */
#ifndef HL_FIXTURE_H
#define HL_FIXTURE_H

#include "hl_bundle.h"
#include "hl_limits.h"
#include "hl_response.h"
#include "hl_store.h"
#include "hl_survey.h"
#include "hl_tech_ui.h"

#include <jansson.h>
#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

/* A survey built by hand. */
typedef struct test_survey {
    hl_survey_t s;                     /* points into the fields below */
    hl_question_t q[HL_MAX_QUESTIONS]; /* questions: ids, type HL_Q_CHOICE */
    char src[128];                     /* stands for the JSON file */
} test_survey_t;

/* Survey id, version, questions qids[0..n): its stand-in source names id,
 * version and n, and its stand-in SHA-256 is a hash of that source, so
 * that two fixtures differ exactly when their source does. */
void survey_make(test_survey_t *t, const char *id, int64_t version, const char *const *qids,
                 size_t n);

/* Response number n (its UUID ends in n), started at started_utc_ms,
 * Vietnamese, clock trusted. */
void hl_fixture_response(hl_response_t *r, int n, int64_t started_utc_ms);

/* ---- A store ------------------------------------------------------------ */

/* The store of dir opened read-write (made when missing) and, with t (may
 * be NULL), t's survey made current for kiosk "kiosk-01"; NULL on failure
 * (the failure recorded). */
hl_store_t *hl_fixture_store(const char *dir, const test_survey_t *t);

/* Saves r's answer val to qid, answered in ms; a failure is recorded. */
void hl_fixture_save(hl_store_t *st, hl_response_t *r, const char *qid, const char *val,
                     int64_t ms);

/* Finishes r with status 61.5 s after it started; a failure is recorded. */
void hl_fixture_finish(hl_store_t *st, hl_response_t *r, hl_resp_status_t status);

/* Stores responses 1..n (started a minute apart from 2023-11-14T22:14:20Z),
 * each complete with a note of note_len letters in qid, in one batch: a
 * store whose exports do not fit a small medium. */
void hl_fixture_fill(hl_store_t *st, int n, const char *qid, size_t note_len);

/* A test's fresh folder, its store and a file to write there. */
typedef struct hl_fx {
    char *dir;      /* the folder (hl_test_tmpdir) */
    hl_store_t *st; /* its store (hl_fixture_store) */
    char *out;      /* dir/out_name, or NULL */
    hl_err_t err;   /* for the test's own calls */
} hl_fx_t;

/* Makes the folder (tagged tag), opens its store with t's survey (t may be
 * NULL) and names out_name (may be NULL) in it. */
void hl_fx_open(hl_fx_t *x, const char *tag, const test_survey_t *t, const char *out_name);

/* Closes the store, removes the folder, frees what hl_fx_open made. */
void hl_fx_close(hl_fx_t *x);

/* ---- Files and media ---------------------------------------------------- */

/* Removes the folder dir (hl_test_rmtree) and frees its path. */
void hl_fixture_rm(char *dir);

/* "dir/name", malloc'd. */
char *hl_fixture_path(const char *dir, const char *name);

/* Entries of dir other than . and .. (-1 when it cannot be opened);
 * *hidden (may be NULL) counts those starting with '.'. */
int hl_fixture_entries(const char *dir, int *hidden);

/* Files in dir whose name starts with '.' (leftover temporaries). */
int hl_fixture_hidden(const char *dir);

/* A fresh folder with a tmpfs of size ("256k") mounted on it, or NULL when
 * that cannot be (not root, the mount refused): the test named test is
 * skipped, and says why. Undone by hl_fixture_tmpfs_free. */
char *hl_fixture_tmpfs(const char *tag, const char *size, const char *test);

/* Unmounts (checked), removes and frees a hl_fixture_tmpfs folder. */
void hl_fixture_tmpfs_free(char *media);

/* ---- A sink that answers as the store does ---------------------------------- */

/* The flow's sink (hl_sink_t) for tests that store nothing: it answers a
 * save as hl_store_save does, so that the flow and the screens see what
 * they would see on the kiosk: a new response gets the next sequence
 * number, its language counts as stored, and a complete finish with a
 * seed gets the follow-up code made from it (hl_followup_make, the first
 * attempt: no code is taken yet). Used alone (a null sink), or first thing
 * inside a test's own recording sink. */
typedef struct hl_fixture_sink {
    int64_t next_seq;             /* the last sequence number handed out */
    int n_saves;                  /* saves answered */
    hl_resp_status_t last_status; /* the status of the last save */
} hl_fixture_sink_t;

int hl_fixture_sink_save(void *ctx, hl_response_t *resp, const hl_save_t *sv, hl_err_t *err);

/* The sink k answers through (hl_fixture_sink_save). */
hl_sink_t hl_fixture_sink(hl_fixture_sink_t *k);

/* ---- Surveys and reliability runs ----------------------------------------- */

#define HL_FIXTURE_SIPAS HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json" /* the bundled one */

/* The survey file at path, loaded; its problems printed and the run
 * aborted when it does not load (a test's own fixture must). */
hl_survey_t *hl_fixture_survey(const char *path);

/* A survey file's text that passes hailong check (two languages, one
 * required yes/no question "overall"), with extra appended to its questions
 * (more questions after a comma) when given; malloc'd. */
char *hl_fixture_survey_text(const char *id, int version, const char *extra);

/* Hex SHA-256 of text's bytes. */
void hl_fixture_sha256_hex(const char *text, char out[65]);

/* An assignment from the centre as a server sends it (sync protocol
 * version 2): {"id", "survey_sha256", "survey", "officers"}, each member
 * left out when NULL (officers: JSON text); malloc'd compact JSON. */
char *hl_fixture_assignment(long long id, const char *sha, const char *survey,
                            const char *officers);

/* The reliability runs' knobs: a whole number from the environment (def
 * when unset), the data folders in RAM (/dev/shm as TMPDIR unless
 * HL_REL_DISK=1: what they measure does not depend on the disk, and each
 * commit's fsync on a slow disk would only make the run long and noisy),
 * and a seeded random number below n. */
long hl_fixture_env_long(const char *name, long def);
void hl_fixture_ram_disk(void);
unsigned hl_fixture_rnd(unsigned *r, unsigned n);

/* ---- Technician screens ----------------------------------------------------- */

/* What the technician screens show, for the screen tests to fill. */
typedef struct hl_fixture_tech {
    hl_tech_t tech;       /* the menu open on its first page */
    hl_results_t results; /* the results page's figures (empty) */
    hl_diags_t errors;    /* an install's problems (none) */
    hl_tech_view_t view;  /* points at the above, cfg and survey */
} hl_fixture_tech_t;

/* The technician menu open on the status page for cfg's kiosk and survey s
 * (cfg's officers), nothing locked; the test fills the figures. */
void hl_fixture_tech_init(hl_fixture_tech_t *t, const hl_config_t *cfg, const hl_survey_t *s);

/* ---- Bundles ------------------------------------------------------------ */

/* The device key made from seed (hl_test_devkey), made once and kept for
 * the run (at most 16 seeds). */
const hl_devkey_t *hl_fixture_devkey(unsigned seed);

#define HL_FIXTURE_CREATED_MS 1700000000000LL /* 2023-11-14T22:13:20Z */

/* The options of a bundle of kiosk "kiosk-01", software 9.8.7, made at
 * HL_FIXTURE_CREATED_MS under root, signed by key, recorded in the store;
 * the caller changes what its test needs. */
hl_bundle_opts_t hl_fixture_bundle_opts(const char *root, const hl_devkey_t *key);

/* Re-signs the bundle in bdir after a test changed it: edit (may be NULL)
 * changes the manifest first; every listed file's size and SHA-256 as they
 * are now; with claim, the signer names key's public key and fingerprint;
 * then signed by key: what someone holding key could make of the folder. */
void hl_fixture_bundle_resign(const char *bdir, void (*edit)(json_t *m), const hl_devkey_t *key,
                              bool claim);

/* ---- Commands ----------------------------------------------------------- */

/* Runs argv (NULL-ended; argv[0] a program) with env as hl_test_run does,
 * under a 600 s watchdog (a hang is killed and fails), and checks, naming file:line on failure,
 * that it exits with code and that its stdout holds out_has and its stderr err_has (each NULL: not
 * checked). Hands stdout and stderr to *out and *err (each may be NULL:
 * freed) for the caller's further checks. Returns the exit code. */
int hl_fixture_expect(const char *file, int line, const char *const *argv, const char *const *env,
                      int code, const char *out_has, const char *err_has, char **out, char **err);

/* The environment of a command run without the installed kiosk's config. */
extern const char *const hl_fixture_no_config[];

#endif
