/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_crashvfs.c: the power-cut SQLite VFS of hl_crashvfs.h.
 *
 * Every method passes through to the default ("unix") VFS, except that the
 * files SQLite must be able to trust after a power cut (main database, WAL,
 * journals) are tracked by path: before a write or a truncation first
 * changes a 512-byte sector after the file's last sync, the sector's bytes
 * are saved (its pre-image), and a mask records which bytes changed. xSync
 * forgets them (they are durable now) and is not passed down. The cut opens
 * each tracked file with plain POSIX calls and rewrites the changed bytes of
 * each sector as the policy says (the synced bytes, the new ones, or
 * garbage), then sets the file's length (synced or new) and ends the process.
 */
#include "hl_crashvfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CV_SECTOR     HL_CRASHVFS_SECTOR
#define CV_MAX_TRACKS 16 /* durable files known at once (db, -wal, journal, a few dirs) */

/* One sector changed since its file's last sync. */
typedef struct cv_sector {
    int64_t idx;                       /* sector index (offset / CV_SECTOR); -1: free slot */
    unsigned char mask[CV_SECTOR / 8]; /* bit per byte: changed since the last sync */
    unsigned char pre[CV_SECTOR];      /* the bytes at the last sync (valid below synced_size) */
} cv_sector_t;

/* A durable file, by path: what its last sync made durable. */
typedef struct cv_track {
    char *path;          /* owned: the name SQLite opened it by; NULL: free entry */
    int64_t synced_size; /* length at the last sync (or when first opened) */
    cv_sector_t *tab;    /* owned: open-addressing table of changed sectors */
    size_t cap;          /* slots in tab (a power of two, or 0) */
    size_t n;            /* used slots */
    unsigned gen;        /* bumped when the entry is freed: stale handles stop matching */
    int kind;            /* SQLITE_OPEN_MAIN_DB, _WAL, ...: the flag it was opened with */
} cv_track_t;

/* The plan and the tracked files (tests only; single-threaded). */
static struct {
    sqlite3_vfs vfs;                  /* our VFS, registered once */
    sqlite3_vfs *real;                /* the VFS we wrap */
    bool registered;                  /* vfs registered */
    cv_track_t tracks[CV_MAX_TRACKS]; /* durable files seen */
    bool armed;                       /* a cut is planned */
    hl_crash_plan_t plan;             /* the plan (also the policy of hl_crashvfs_apply) */
    long syncs;                       /* xSync calls since arming */
    long counted;                     /* of those, the kind the plan counts */
    uint64_t rng;                     /* splitmix64 state for the cut's choices */
} g_crash = {.plan = {.report_fd = -1}};

typedef struct cv_file {
    sqlite3_file base;  /* our methods */
    sqlite3_file *real; /* the wrapped file, allocated right after this struct */
    int track;          /* index in g_crash.tracks, -1: not a durable file */
    unsigned gen;       /* that entry's gen when the file was opened */
} cv_file_t;

const char *hl_crash_policy_name(hl_crash_policy_t p)
{
    switch (p) {
    case HL_CRASH_KEEP:
        return "keep";
    case HL_CRASH_DROP:
        return "drop";
    case HL_CRASH_GARBLE:
        return "garble";
    default:
        return "?";
    }
}

static uint64_t cv_rand(void)
{
    uint64_t z = (g_crash.rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* ---- Tracking ---------------------------------------------------------------- */

static void track_clear(cv_track_t *t)
{
    if (t->cap > 64) {
        free(t->tab);
        t->tab = NULL;
        t->cap = 0;
    }
    for (size_t i = 0; i < t->cap; i++)
        t->tab[i].idx = -1;
    t->n = 0;
}

static void track_free(cv_track_t *t)
{
    unsigned gen = t->gen + 1;
    free(t->path);
    free(t->tab);
    memset(t, 0, sizeof *t);
    t->gen = gen;
}

static int track_find(const char *path)
{
    for (int i = 0; i < CV_MAX_TRACKS; i++)
        if (g_crash.tracks[i].path && strcmp(g_crash.tracks[i].path, path) == 0) return i;
    return -1;
}

static cv_sector_t *slot_of(cv_sector_t *tab, size_t cap, int64_t idx)
{
    size_t h = (size_t)((uint64_t)idx * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1);
    while (tab[h].idx != -1 && tab[h].idx != idx)
        h = (h + 1) & (cap - 1);
    return &tab[h];
}

/* Grows the table so that one more sector fits at half load. */
static bool track_reserve(cv_track_t *t)
{
    if ((t->n + 1) * 2 <= t->cap) return true;
    size_t nc = t->cap ? t->cap * 2 : 16;
    cv_sector_t *nt = malloc(nc * sizeof *nt);
    if (!nt) return false;
    for (size_t i = 0; i < nc; i++)
        nt[i].idx = -1;
    for (size_t i = 0; i < t->cap; i++)
        if (t->tab[i].idx != -1) *slot_of(nt, nc, t->tab[i].idx) = t->tab[i];
    free(t->tab);
    t->tab = nt;
    t->cap = nc;
    return true;
}

/* The changed-sector record of sector idx, saving its pre-image from the
 * real file when this is its first change since the last sync. */
static cv_sector_t *track_sector(cv_track_t *t, sqlite3_file *real, int64_t idx)
{
    if (!track_reserve(t)) return NULL;
    cv_sector_t *s = slot_of(t->tab, t->cap, idx);
    if (s->idx == idx) return s;
    s->idx = idx;
    memset(s->mask, 0, sizeof s->mask);
    /* A short read zero-fills; bytes past synced_size are never restored. */
    (void)real->pMethods->xRead(real, s->pre, CV_SECTOR, idx * CV_SECTOR);
    t->n++;
    return s;
}

/* Marks bytes [from, to) of the file changed since the last sync. */
static int track_change(cv_track_t *t, sqlite3_file *real, int64_t from, int64_t to)
{
    for (int64_t idx = from / CV_SECTOR; idx * CV_SECTOR < to; idx++) {
        cv_sector_t *s = track_sector(t, real, idx);
        if (!s) return SQLITE_NOMEM;
        int64_t a = from > idx * CV_SECTOR ? from - idx * CV_SECTOR : 0;
        int64_t b = to < (idx + 1) * CV_SECTOR ? to - idx * CV_SECTOR : CV_SECTOR;
        for (int64_t i = a; i < b; i++)
            s->mask[i / 8] |= (unsigned char)(1u << (i % 8));
    }
    return SQLITE_OK;
}

/* ---- The cut ------------------------------------------------------------------- */

typedef enum cv_fate { CV_KEEP = 0, CV_DROP, CV_GARBLE } cv_fate_t;

/* Rewrites one file as the power cut leaves it. */
static void cut_file(cv_track_t *t, hl_crash_stats_t *st)
{
    int fd = open(t->path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return; /* deleted since: nothing of it is left to damage */
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return;
    }
    int64_t cur = (int64_t)sb.st_size, synced = t->synced_size;
    hl_crash_policy_t pol = g_crash.plan.policy;
    int64_t len = cur;
    if (cur != synced) {
        st->resized++;
        bool keep_len = pol == HL_CRASH_KEEP || (pol == HL_CRASH_GARBLE && (cv_rand() & 1));
        len = keep_len ? cur : synced;
        if (keep_len) st->resized_kept++;
    }
    if (t->n > 0 || cur != synced) st->files++;
    for (size_t k = 0; k < t->cap; k++) {
        cv_sector_t *s = &t->tab[k];
        if (s->idx < 0) continue;
        st->sectors++;
        int64_t off = s->idx * CV_SECTOR;
        unsigned char now[CV_SECTOR], out[CV_SECTOR];
        memset(now, 0, sizeof now);
        if (off < cur)
            (void)!pread(fd, now, (size_t)(cur - off < CV_SECTOR ? cur - off : CV_SECTOR), off);
        cv_fate_t fate = pol == HL_CRASH_KEEP   ? CV_KEEP
                         : pol == HL_CRASH_DROP ? CV_DROP
                                                : (cv_fate_t)(cv_rand() % 3);
        int pattern = (int)(cv_rand() % 5);
        int torn_at = 1 + (int)(cv_rand() % (CV_SECTOR - 1));
        bool torn_new_first = cv_rand() & 1;
        if (fate == CV_KEEP) st->kept++;
        if (fate == CV_DROP) st->dropped++;
        if (fate == CV_GARBLE) st->garbled++;
        for (int i = 0; i < CV_SECTOR; i++) {
            int64_t p = off + i;
            /* What survives when the change is kept / lost. A byte past the
             * current end was truncated away: keeping it means the old byte
             * comes back only when the old length does. */
            unsigned char old = p < synced ? s->pre[i] : 0;
            unsigned char neu = p < cur ? now[i] : old;
            if (!(s->mask[i / 8] & (1u << (i % 8)))) {
                out[i] = neu;
                continue;
            }
            switch (fate) {
            case CV_KEEP:
                out[i] = neu;
                break;
            case CV_DROP:
                out[i] = old;
                break;
            case CV_GARBLE:
                switch (pattern) {
                case 0:
                    out[i] = (unsigned char)cv_rand();
                    break;
                case 1:
                    out[i] = 0;
                    break;
                case 2:
                    out[i] = 0xff;
                    break;
                case 3: /* torn: part of the sector new, the rest old */
                    out[i] = ((i < torn_at) == torn_new_first) ? neu : old;
                    break;
                default: /* the new bytes with a few bits flipped */
                    out[i] = neu;
                    if (cv_rand() % 64 == 0) out[i] ^= (unsigned char)(1u << (cv_rand() % 8));
                    break;
                }
                break;
            }
        }
        if (off < len) {
            size_t n = (size_t)(len - off < CV_SECTOR ? len - off : CV_SECTOR);
            (void)!pwrite(fd, out, n, off);
        }
    }
    if (len != cur) (void)!ftruncate(fd, len);
    close(fd);
    track_clear(t);
    t->synced_size = len;
}

void hl_crashvfs_apply(hl_crash_stats_t *out)
{
    hl_crash_stats_t st = {0};
    g_crash.rng = g_crash.plan.seed ^ 0x5DEECE66DULL;
    for (int i = 0; i < CV_MAX_TRACKS; i++)
        if (g_crash.tracks[i].path) cut_file(&g_crash.tracks[i], &st);
    if (out) *out = st;
}

static const char *kind_name(int kind)
{
    return kind == SQLITE_OPEN_MAIN_DB ? "db" : kind == SQLITE_OPEN_WAL ? "wal" : "journal";
}

static void cut_now(const cv_track_t *syncing)
{
    char at[16];
    snprintf(at, sizeof at, "%s", kind_name(syncing->kind));
    hl_crash_stats_t st;
    hl_crashvfs_apply(&st);
    if (g_crash.plan.report_fd >= 0) {
        char line[256];
        int n = snprintf(line, sizeof line,
                         "cut sync=%ld at=%s policy=%s files=%ld sectors=%ld kept=%ld "
                         "dropped=%ld garbled=%ld resized=%ld resized_kept=%ld\n",
                         g_crash.syncs, at, hl_crash_policy_name(g_crash.plan.policy), st.files,
                         st.sectors, st.kept, st.dropped, st.garbled, st.resized, st.resized_kept);
        if (n > 0) (void)!write(g_crash.plan.report_fd, line, (size_t)n);
    }
    _exit(HL_CRASHVFS_EXIT);
}

/* ---- File methods ------------------------------------------------------------ */

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((cv_file_t *)f)->real;
}

static cv_track_t *track_of(sqlite3_file *f)
{
    const cv_file_t *cf = (const cv_file_t *)f;
    if (cf->track < 0) return NULL;
    cv_track_t *t = &g_crash.tracks[cf->track];
    return t->path && t->gen == cf->gen ? t : NULL;
}

static int cf_close(sqlite3_file *f)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
}

static int cf_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}

static int cf_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    cv_track_t *t = track_of(f);
    if (t) {
        int rc = track_change(t, real_of(f), off, off + n);
        if (rc != SQLITE_OK) return rc;
    }
    return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}

static int cf_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    cv_track_t *t = track_of(f);
    if (t) {
        sqlite3_int64 cur = 0;
        int rc = real_of(f)->pMethods->xFileSize(real_of(f), &cur);
        if (rc != SQLITE_OK) return rc;
        if (cur != size) {
            rc = track_change(t, real_of(f), size < cur ? size : cur, size < cur ? cur : size);
            if (rc != SQLITE_OK) return rc;
        }
    }
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int cf_sync(sqlite3_file *f, int flags)
{
    (void)flags;
    cv_track_t *t = track_of(f);
    if (!t) return SQLITE_OK;
    g_crash.syncs++;
    hl_crash_at_t at = g_crash.plan.at;
    if (at == HL_CRASH_AT_ANY || (at == HL_CRASH_AT_DB && t->kind == SQLITE_OPEN_MAIN_DB) ||
        (at == HL_CRASH_AT_WAL && t->kind == SQLITE_OPEN_WAL))
        g_crash.counted++;
    if (g_crash.armed && g_crash.plan.nth_sync > 0 && g_crash.counted == g_crash.plan.nth_sync)
        cut_now(t);
    sqlite3_int64 size = 0;
    int rc = real_of(f)->pMethods->xFileSize(real_of(f), &size);
    if (rc != SQLITE_OK) return rc;
    track_clear(t);
    t->synced_size = size;
    return SQLITE_OK;
}

static int cf_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int cf_lock(sqlite3_file *f, int lock)
{
    return real_of(f)->pMethods->xLock(real_of(f), lock);
}

static int cf_unlock(sqlite3_file *f, int lock)
{
    return real_of(f)->pMethods->xUnlock(real_of(f), lock);
}

static int cf_check_reserved(sqlite3_file *f, int *out)
{
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int cf_file_control(sqlite3_file *f, int op, void *arg)
{
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int cf_sector_size(sqlite3_file *f)
{
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int cf_device_chars(sqlite3_file *f)
{
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int cf_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    return real_of(f)->pMethods->xShmMap(real_of(f), pg, pgsz, extend, pp);
}

static int cf_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}

static void cf_shm_barrier(sqlite3_file *f)
{
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int cf_shm_unmap(sqlite3_file *f, int del)
{
    return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}

/* No memory-mapped reads: every byte SQLite sees comes through xRead. */
static int cf_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    (void)f;
    (void)off;
    (void)amt;
    *pp = NULL;
    return SQLITE_OK;
}

static int cf_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    (void)f;
    (void)off;
    (void)p;
    return SQLITE_OK;
}

static const sqlite3_io_methods cf_methods = {
    3,
    cf_close,
    cf_read,
    cf_write,
    cf_truncate,
    cf_sync,
    cf_file_size,
    cf_lock,
    cf_unlock,
    cf_check_reserved,
    cf_file_control,
    cf_sector_size,
    cf_device_chars,
    cf_shm_map,
    cf_shm_lock,
    cf_shm_barrier,
    cf_shm_unmap,
    cf_fetch,
    cf_unfetch,
};

/* ---- VFS methods --------------------------------------------------------------- */

/* The track of a durable file named path, made on first sight with its
 * current length as the synced one. -1 when the table is full. */
static int track_open(const char *path, sqlite3_file *real, int kind)
{
    int i = track_find(path);
    if (i >= 0) return i;
    for (i = 0; i < CV_MAX_TRACKS; i++) {
        if (g_crash.tracks[i].path) continue;
        cv_track_t *t = &g_crash.tracks[i];
        t->path = strdup(path);
        if (!t->path) return -1;
        sqlite3_int64 size = 0;
        (void)real->pMethods->xFileSize(real, &size);
        t->synced_size = size;
        t->kind = kind;
        return i;
    }
    return -1;
}

static int cv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    cv_file_t *cf = (cv_file_t *)f;
    cf->real = (sqlite3_file *)(cf + 1);
    cf->track = -1;
    memset(cf->real, 0, (size_t)g_crash.real->szOsFile);
    int rc = g_crash.real->xOpen(g_crash.real, name, cf->real, flags, out_flags);
    cf->base.pMethods = cf->real->pMethods ? &cf_methods : NULL;
    int durable = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL |
                  SQLITE_OPEN_SUPER_JOURNAL;
    if (rc == SQLITE_OK && name && cf->real->pMethods && (flags & durable) &&
        !(flags & SQLITE_OPEN_DELETEONCLOSE)) {
        cf->track = track_open(name, cf->real, flags & durable);
        if (cf->track >= 0) cf->gen = g_crash.tracks[cf->track].gen;
        if (cf->track < 0) {
            cf->real->pMethods->xClose(cf->real);
            cf->base.pMethods = NULL;
            return SQLITE_NOMEM;
        }
    }
    return rc;
}

static int cv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    int i = track_find(name);
    if (i >= 0) track_free(&g_crash.tracks[i]);
    return g_crash.real->xDelete(g_crash.real, name, sync_dir);
}

static int cv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return g_crash.real->xAccess(g_crash.real, name, flags, out);
}

static int cv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return g_crash.real->xFullPathname(g_crash.real, name, n, out);
}

static void *cv_dlopen(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return g_crash.real->xDlOpen(g_crash.real, name);
}

static void cv_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    g_crash.real->xDlError(g_crash.real, n, msg);
}

static void (*cv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return g_crash.real->xDlSym(g_crash.real, h, sym);
}

static void cv_dlclose(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    g_crash.real->xDlClose(g_crash.real, h);
}

static int cv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return g_crash.real->xRandomness(g_crash.real, n, out);
}

static int cv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return g_crash.real->xSleep(g_crash.real, us);
}

static int cv_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return g_crash.real->xCurrentTime(g_crash.real, out);
}

static int cv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return g_crash.real->xGetLastError(g_crash.real, n, out);
}

static int cv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return g_crash.real->xCurrentTimeInt64(g_crash.real, out);
}

int hl_crashvfs_register(void)
{
    if (g_crash.registered) return SQLITE_OK;
    int rc = sqlite3_initialize();
    if (rc != SQLITE_OK) return rc;
    g_crash.real = sqlite3_vfs_find("unix");
    if (!g_crash.real || g_crash.real->iVersion < 2) return SQLITE_ERROR;
    sqlite3_vfs *v = &g_crash.vfs;
    memset(v, 0, sizeof *v);
    v->iVersion = 2;
    v->szOsFile = (int)sizeof(cv_file_t) + g_crash.real->szOsFile;
    v->mxPathname = g_crash.real->mxPathname;
    v->zName = HL_CRASHVFS_NAME;
    v->xOpen = cv_open;
    v->xDelete = cv_delete;
    v->xAccess = cv_access;
    v->xFullPathname = cv_full_pathname;
    v->xDlOpen = cv_dlopen;
    v->xDlError = cv_dlerror;
    v->xDlSym = cv_dlsym;
    v->xDlClose = cv_dlclose;
    v->xRandomness = cv_randomness;
    v->xSleep = cv_sleep;
    v->xCurrentTime = cv_current_time;
    v->xGetLastError = cv_last_error;
    v->xCurrentTimeInt64 = cv_current_time64;
    rc = sqlite3_vfs_register(v, 0);
    if (rc == SQLITE_OK) g_crash.registered = true;
    return rc;
}

void hl_crashvfs_arm(const hl_crash_plan_t *plan)
{
    g_crash.plan = *plan;
    g_crash.armed = true;
    g_crash.syncs = 0;
    g_crash.counted = 0;
}

void hl_crashvfs_disarm(void)
{
    g_crash.armed = false;
}

long hl_crashvfs_syncs(void)
{
    return g_crash.syncs;
}

void hl_crashvfs_forget(void)
{
    for (int i = 0; i < CV_MAX_TRACKS; i++) {
        cv_track_t *t = &g_crash.tracks[i];
        if (!t->path) continue;
        struct stat sb;
        track_clear(t);
        t->synced_size = stat(t->path, &sb) == 0 ? (int64_t)sb.st_size : 0;
    }
}
