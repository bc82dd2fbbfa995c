/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_usb.h: the kiosk's USB side, apart from its screen: a thread that
 * sleeps on the mount table and collects the sticks that come and go, and a
 * thread that writes one signed bundle (CSV, JSONL, Excel, manifest) of what
 * was not exported yet to a stick while the screen stays live, records it in
 * the store once durable and unmounts the stick.
 *
 * Its inputs are explicit: the roots and mount table to watch and a wake
 * callback (the event loop's) at open; per export, the store, the signer,
 * the kiosk id, the clock and the stick. The loop takes what happened with
 * hl_usb_take and hl_usb_finished; which stick to write, and what the
 * screen says, are the kiosk's business (kiosk_workers.c). No display, no
 * kiosk: tests drive it alone (tests/test_usb.c).
 *
 * While an export runs the store is the export thread's: the caller must
 * not use it until hl_usb_finished said so.
 */
#ifndef HL_USB_H
#define HL_USB_H

#include "hl_devkey.h"
#include "hl_media.h"
#include "hl_store.h"
#include "hl_sys.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct hl_usb_opts {
    const char *const *roots; /* mount roots to watch (NULL: /media and /run/media) */
    const char *mountinfo;    /* the mount table (NULL: /proc/self/mountinfo) */
    bool watch;               /* watch for sticks (false: exports only) */
    void (*wake)(void *ctx);  /* called from the threads when there is news */
    void *wake_ctx;
} hl_usb_opts_t;

/* One export: what to write and with what. */
typedef struct hl_usb_job {
    hl_store_t *store;            /* the kiosk's store (the thread's until finished) */
    const hl_devkey_t *signer;    /* signs the bundle and the chain */
    const char *kiosk_id;         /* the config's */
    const char *software_version; /* HL_VERSION */
    hl_sys_t sys;                 /* the real clock: the bundle's date */
    hl_medium_t stick;            /* where */
} hl_usb_job_t;

/* How an export ended. */
typedef struct hl_usb_result {
    int rc;          /* hl_rc of the bundle (HL_OK also when there was nothing new) */
    long long count; /* responses in the bundle */
    bool released;   /* the stick was unmounted after it (safe to remove) */
    char msg[512];   /* why it failed */
} hl_usb_result_t;

typedef struct hl_usb {
    hl_usb_opts_t opts;
    hl_media_watch_t *media;           /* owned; NULL when not watching */
    pthread_t media_thread;            /* blocks in poll() on the mount table */
    bool media_thread_on;              /* media_thread runs */
    int media_stop[2];                 /* pipe: a byte stops media_thread (-1: none) */
    pthread_mutex_t mu;                /* guards what is marked (mu) */
    bool mu_ready;                     /* mu initialised */
    hl_medium_t added[HL_MEDIA_MAX];   /* (mu) mounts that appeared */
    size_t n_added;                    /* (mu) */
    hl_medium_t removed[HL_MEDIA_MAX]; /* (mu) mounts that went away */
    size_t n_removed;                  /* (mu) */
    hl_usb_job_t job;                  /* the export running or last run */
    pthread_t thread;                  /* writes the bundle */
    bool running;                      /* thread started and not joined */
    bool finished;                     /* (mu) the thread is done: result below */
    double done;                       /* (mu) share written */
    hl_usb_result_t result;            /* (mu) once finished */
} hl_usb_t;

/* Sets u up and, with opts->watch, starts watching (sticks already there
 * count as come now). HL_OK; a watch that cannot start is an error with a
 * message (exports still work: the caller goes on). */
int hl_usb_open(hl_usb_t *u, const hl_usb_opts_t *opts, hl_err_t *err);

/* Stops watching, waits for an export under way, frees. */
void hl_usb_close(hl_usb_t *u);

/* Looks at the mount table now (a watch whose table cannot signal: tests). */
int hl_usb_rescan(hl_usb_t *u, hl_err_t *err);

/* Takes the sticks that came (*na, up to HL_MEDIA_MAX) and went (*nr). */
void hl_usb_take(hl_usb_t *u, hl_medium_t *added, size_t *na, hl_medium_t *removed, size_t *nr);

/* Starts writing a bundle as job says. HL_ERR_STATE while one runs. */
int hl_usb_export_start(hl_usb_t *u, const hl_usb_job_t *job, hl_err_t *err);

/* The share written so far (0..1) of the export under way. */
double hl_usb_progress(hl_usb_t *u);

/* True once the export under way has ended (wait: wait for it): joins the
 * thread and writes how it ended to out. False while it runs or with none. */
bool hl_usb_finished(hl_usb_t *u, bool wait, hl_usb_result_t *out);

#endif
