/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_crashvfs.h: a SQLite VFS for tests that simulates power cuts, the way
 * SQLite's own crash tests do (src/test6.c, the "crash" VFS).
 *
 * "hl-crash" wraps the default "unix" VFS. Writes go to the real files at
 * once (so SQLite reads back what it wrote), but the VFS remembers, per
 * 512-byte sector, what each durable file (main database, WAL, rollback
 * journal) held at its last xSync and which bytes changed since: those
 * changes are the ones a power cut may lose. xSync makes a file's changes
 * durable; it is not passed down (the machine running the test never loses
 * power, so a real fsync would only cost time). Truncations are undone like
 * writes; creating and deleting files is taken as durable at once (SQLite
 * syncs the directory for those that matter).
 *
 * A test arms a plan: at the Nth xSync counted from arming (before that sync
 * takes effect) the VFS cuts the power: every file's unsynced changes are
 *   HL_CRASH_KEEP    all written out (a no-op cut: the process just stops),
 *   HL_CRASH_DROP    all lost: each file is byte for byte as of its last sync,
 *   HL_CRASH_GARBLE  decided per sector: kept, lost, or garbled (random bytes,
 *                    zeros, 0xff, a torn sector half new and half old, or a
 *                    few flipped bits); a file's length change is kept or
 *                    lost at random.
 * Only bytes written since the last sync ever change (SQLite's unix VFS
 * promises powersafe overwrite: a sector's other bytes stay as they were).
 * It then writes one report line to the plan's fd ("cut sync=N at=db|wal|
 * journal policy=... files=... sectors=... kept=... dropped=... garbled=...
 * resized=... resized_kept=...", at: the file whose sync was cut) and ends
 * the process with
 * _exit(HL_CRASHVFS_EXIT): no atexit handlers, no stdio flush, nothing
 * closed - as close to pulling the plug as a process can get. Run the code
 * under test in a forked child.
 *
 * The state is one file-static struct: tests are single-threaded.
 */
#ifndef HL_CRASHVFS_H
#define HL_CRASHVFS_H

#include <stdint.h>

#define HL_CRASHVFS_NAME   "hl-crash"
#define HL_CRASHVFS_EXIT   86  /* exit status of a process the VFS cut */
#define HL_CRASHVFS_SECTOR 512 /* granularity of the keep / drop / garble choice */

typedef enum hl_crash_policy {
    HL_CRASH_KEEP = 0, /* unsynced changes all reach the disk */
    HL_CRASH_DROP,     /* unsynced changes are all lost */
    HL_CRASH_GARBLE,   /* per sector: kept, lost or garbled */
    HL_CRASH_POLICY_COUNT
} hl_crash_policy_t;

/* "keep", "drop", "garble". */
const char *hl_crash_policy_name(hl_crash_policy_t p);

/* Which syncs a plan counts. */
typedef enum hl_crash_at {
    HL_CRASH_AT_ANY = 0, /* every durable file's */
    HL_CRASH_AT_DB,      /* the main database's only (in WAL mode: checkpoints) */
    HL_CRASH_AT_WAL      /* the WAL's only (commits) */
} hl_crash_at_t;

typedef struct hl_crash_plan {
    long nth_sync;            /* cut at this xSync (1-based, counted from arming); 0: never */
    hl_crash_at_t at;         /* which syncs nth_sync counts */
    hl_crash_policy_t policy; /* what happens to unsynced changes */
    uint64_t seed;            /* per-sector choices and garbage bytes */
    int report_fd;            /* >= 0: the cut writes one line about itself here */
} hl_crash_plan_t;

/* What one cut did to the unsynced changes it found. */
typedef struct hl_crash_stats {
    long files;        /* files with unsynced changes */
    long sectors;      /* sectors with unsynced changes */
    long kept;         /* of those: written out as they were */
    long dropped;      /* lost: back to the synced bytes (or zeros past the synced end) */
    long garbled;      /* garbled */
    long resized;      /* files whose length changed since their last sync */
    long resized_kept; /* of those: the new length survived */
} hl_crash_stats_t;

/* Registers the VFS (idempotent). Returns a SQLite result code. */
int hl_crashvfs_register(void);

/* Arms a cut (replacing any earlier plan) and restarts the sync count. */
void hl_crashvfs_arm(const hl_crash_plan_t *plan);
void hl_crashvfs_disarm(void);

/* xSync calls on durable files since the last arming (all kinds). */
long hl_crashvfs_syncs(void);

/* Applies the armed plan's policy to every file now, in this process and
 * without exiting, then takes the result as synced (for tests of the VFS
 * itself; SQLite connections open on the files are not told). */
void hl_crashvfs_apply(hl_crash_stats_t *out);

/* Forgets every file's unsynced changes, as if all were synced. */
void hl_crashvfs_forget(void);

#endif
