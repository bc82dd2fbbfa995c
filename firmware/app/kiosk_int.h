/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_int.h: what the kiosk's files share besides kiosk.h (kiosk.c:
 * wiring, screen, touch, loop; kiosk_workers.c: the USB export and sync
 * workers; kiosk_script.c: the scripted-run verbs; kiosk_pictures.c: a
 * survey's pictures and recordings installed from the stick): their cross
 * calls.
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
