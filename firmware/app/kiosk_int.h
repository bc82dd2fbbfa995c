/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_int.h: what the kiosk's files share besides kiosk.h (kiosk.c:
 * wiring, screen, touch, loop; kiosk_workers.c: the USB export and sync
 * workers; kiosk_script.c: the scripted-run verbs): their cross calls.
 * Nothing outside firmware/app includes it.
 */
#ifndef HL_KIOSK_INT_H
#define HL_KIOSK_INT_H

#include "kiosk.h"
#include "hl_bundle.h"
#include "hl_platform.h"
#include "hl_xlsx.h"
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
