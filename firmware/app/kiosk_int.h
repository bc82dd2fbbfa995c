/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_int.h: what the kiosk's files share besides kiosk.h (kiosk.c:
 * wiring, screen, touch, loop; kiosk_workers.c: the USB export and sync
 * workers; kiosk_script.c: the scripted-run verbs; kiosk_pictures.c: a
 * survey's pictures and recordings installed from the stick; kiosk_tech.c:
 * the technician's actions and the survey install; kiosk_centre.c: the
 * sync's status and the centre's assignments): their cross calls.
 * Nothing outside firmware/app includes it.
 */
#ifndef HL_KIOSK_INT_H
#define HL_KIOSK_INT_H

#include "kiosk.h"
#include "hl_bundle.h"
#include "hl_platform.h"
#include "hl_xlsx.h"
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kiosk_pictures.c: a survey's files beside it (its notes' pictures and its
 * texts' recordings) copied from the technician's stick next to the survey
 * installed from it, all or none. */
#define KIOSK_PICTURES_MADE  1024        /* files and folders one install may make */
#define KIOSK_PICTURES_NAMES (64 * 1024) /* bytes of their names */

typedef struct kiosk_pictures {
    char dir[PATH_MAX];                    /* the installed surveys' folder they go under */
    int n_made;                            /* entries made */
    size_t names_used;                     /* bytes of names used */
    uint32_t made[KIOSK_PICTURES_MADE];    /* made by this install, in order: where its name
                                              (relative to dir) starts in names */
    bool made_folder[KIOSK_PICTURES_MADE]; /* made[i] is a folder */
    char names[KIOSK_PICTURES_NAMES];      /* the names, each NUL-terminated */
} kiosk_pictures_t;

/* Copies each note picture and each recording of s (loaded with
 * hl_survey_load_file_at from root/src_dir, which checked the paths) from
 * root/src_dir/PATH (no link followed) to dst_dir/PATH, PATH as the survey
 * writes it; a recording must play (hl_wav: the same check as hailong
 * check's). A file already there with the same bytes is kept; one with
 * other content refuses (HL_ERR_STATE). HL_OK, or a code and err naming the
 * file, with all this call made removed. */
int kiosk_pictures_copy(kiosk_pictures_t *p, const hl_survey_t *s, const char *root,
                        const char *src_dir, const char *dst_dir, hl_err_t *err);

/* Removes what kiosk_pictures_copy made (a later step of the install
 * failed); p is then empty. */
void kiosk_pictures_undo(kiosk_pictures_t *p);

/* kiosk_tech.c, shared with kiosk_centre.c: a row in the technician log
 * (and a line in the journal); the config file read again into cli->cfg
 * after a change (false with why when it does not load); the kiosk switched
 * to the survey file at path (checked, taken by the store, recorded in the
 * config, the flow restarted; false with why, the running survey staying);
 * and a survey installed as a USB install does it. */
void kiosk_tech_log(hl_kiosk_t *k, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool kiosk_tech_reload(hl_kiosk_t *k, char *why, size_t whysz);
bool kiosk_tech_switch_survey(hl_kiosk_t *k, const char *path, bool log_install, char *why,
                              size_t whysz);

/* Installs the survey s (loaded and checked by the caller as hailong check
 * does; owned: freed here) the way every install goes: the store must take
 * it (the same id and version with other content is refused), its pictures
 * and recordings are copied from pics_root/pics_dir (NULL: it names none),
 * the file is written to <config folder>/surveys/<id>-v<version>.json (never
 * over another file: one of that name with other content gets the hash in
 * its name), and the kiosk switches to it (kiosk_tech_switch_survey). On
 * any failure the running survey stays, nothing of this install is left,
 * the technician's notice and log say why (origin names where it came
 * from), and why gets it. */
bool kiosk_survey_install(hl_kiosk_t *k, hl_survey_t *s, const char *origin, const char *pics_root,
                          const char *pics_dir, char *why, size_t whysz);

/* kiosk_centre.c: the status the sync sends and the assignments it brings.
 * At open (after the store and the technician mode): the last assignment
 * read, a waiting one taken up; the kiosk's snapshot for the status, filled
 * for the sync worker's start and handed to it whenever the survey, the
 * officer on duty or the clock's trust changes. */
void kiosk_centre_open(hl_kiosk_t *k);
void kiosk_centre_fill(const hl_kiosk_t *k, hl_sync_kiosk_t *out);
void kiosk_centre_snapshot(hl_kiosk_t *k);

/* kiosk.c: the kiosk's monotonic clock now. */
int64_t kiosk_now(const hl_kiosk_t *k);

/* kiosk_workers.c: start the stick watcher, and the sync worker when the
 * config has a sync section. */

void kiosk_usb_open(hl_kiosk_t *k);

void kiosk_sync_start(hl_kiosk_t *k);

/* kiosk.c: the finger under way counts for nothing more. */
void kiosk_touch_cancel(hl_kiosk_t *k);

/* kiosk.c: the current screen built into k->scene (dating a new one for the
 * touch guard). */
void kiosk_build(hl_kiosk_t *k);

/* Applies a citizen action (id: the target it came from, or NULL) as a tap
 * does, speech included (kiosk.c). */
int kiosk_apply(hl_kiosk_t *k, const hl_action_t *a, const char *id, hl_err_t *err);

/* Speech and the tactile keys (kiosk_access.c): opened with the kiosk (no
 * audio when headless without a capture), closed with it; after each
 * citizen action (rc its result, before the screen's name before it); at
 * each build (a new screen is said); at each tick (a response ended: the
 * defaults again); the next time the tick has work (-1 none). */
void kiosk_access_open(hl_kiosk_t *k, const hl_kiosk_opts_t *o, bool headless);
void kiosk_access_close(hl_kiosk_t *k);
void kiosk_access_after(hl_kiosk_t *k, const hl_action_t *a, const char *id, int rc,
                        const char *before, long said_before);
long kiosk_access_said(const hl_kiosk_t *k); /* utterances asked for so far */
void kiosk_access_screen(hl_kiosk_t *k);
void kiosk_access_tick(hl_kiosk_t *k);
int64_t kiosk_access_due(const hl_kiosk_t *k);

#endif
