/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_faultvfs.c: the fault-injecting SQLite VFS of hl_faultvfs.h.
 *
 * Every method passes through to the default ("unix") VFS; the file
 * methods of xWrite, xSync, xRead and xTruncate first count the call and,
 * when the armed fault says so, return its code without touching the file.
 * A short read must zero-fill its buffer, so a failed read returns an error
 * code rather than SQLITE_IOERR_SHORT_READ.
 */
#include "hl_faultvfs.h"

#include <sqlite3.h>
#include <string.h>

/* The fault plan and counters (tests only; single-threaded). */
static struct {
    sqlite3_vfs vfs;                /* our VFS, registered once */
    sqlite3_vfs *real;              /* the VFS we wrap */
    bool registered;                /* vfs registered */
    long counts[HL_FAULT_OP_COUNT]; /* calls per kind since reset */
    bool armed;                     /* a fault is planned */
    hl_fault_op_t op;               /* kind it counts */
    long base;                      /* counts[op] when armed */
    long nth;                       /* fails the nth call after base */
    bool persistent;                /* and every later one */
    int rc;                         /* code returned by a failed call */
    bool fired;                     /* the fault happened */
} g_fault;

typedef struct hl_fault_file {
    sqlite3_file base;  /* our methods */
    sqlite3_file *real; /* the wrapped file, allocated right after this struct */
} hl_fault_file_t;

/* Counts a call of kind op; returns the code to fail it with, or SQLITE_OK. */
static int fault_check(hl_fault_op_t op)
{
    g_fault.counts[op]++;
    bool change = op == HL_FAULT_WRITE || op == HL_FAULT_SYNC || op == HL_FAULT_TRUNCATE;
    if (change) g_fault.counts[HL_FAULT_CHANGE]++;
    if (!g_fault.armed) return SQLITE_OK;
    if (g_fault.op != op && !(g_fault.op == HL_FAULT_CHANGE && change)) return SQLITE_OK;
    long k = g_fault.counts[g_fault.op] - g_fault.base;
    if (k == g_fault.nth || (g_fault.persistent && k > g_fault.nth)) {
        g_fault.fired = true;
        return g_fault.rc;
    }
    return SQLITE_OK;
}

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((hl_fault_file_t *)f)->real;
}

/* ---- File methods ------------------------------------------------------- */

static int ff_close(sqlite3_file *f)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
}

static int ff_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    int rc = fault_check(HL_FAULT_READ);
    if (rc != SQLITE_OK) return rc;
    return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}

static int ff_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    int rc = fault_check(HL_FAULT_WRITE);
    if (rc != SQLITE_OK) return rc;
    return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}

static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    int rc = fault_check(HL_FAULT_TRUNCATE);
    if (rc != SQLITE_OK) return rc;
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int ff_sync(sqlite3_file *f, int flags)
{
    int rc = fault_check(HL_FAULT_SYNC);
    if (rc != SQLITE_OK) return rc;
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}

static int ff_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int ff_lock(sqlite3_file *f, int lock)
{
    return real_of(f)->pMethods->xLock(real_of(f), lock);
}

static int ff_unlock(sqlite3_file *f, int lock)
{
    return real_of(f)->pMethods->xUnlock(real_of(f), lock);
}

static int ff_check_reserved(sqlite3_file *f, int *out)
{
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int ff_file_control(sqlite3_file *f, int op, void *arg)
{
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int ff_sector_size(sqlite3_file *f)
{
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int ff_device_chars(sqlite3_file *f)
{
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int ff_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    return real_of(f)->pMethods->xShmMap(real_of(f), pg, pgsz, extend, pp);
}

static int ff_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}

static void ff_shm_barrier(sqlite3_file *f)
{
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int ff_shm_unmap(sqlite3_file *f, int del)
{
    return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}

static int ff_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    return real_of(f)->pMethods->xFetch(real_of(f), off, amt, pp);
}

static int ff_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

static const sqlite3_io_methods ff_methods = {
    3,
    ff_close,
    ff_read,
    ff_write,
    ff_truncate,
    ff_sync,
    ff_file_size,
    ff_lock,
    ff_unlock,
    ff_check_reserved,
    ff_file_control,
    ff_sector_size,
    ff_device_chars,
    ff_shm_map,
    ff_shm_lock,
    ff_shm_barrier,
    ff_shm_unmap,
    ff_fetch,
    ff_unfetch,
};

/* ---- VFS methods --------------------------------------------------------- */

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    hl_fault_file_t *ff = (hl_fault_file_t *)f;
    ff->real = (sqlite3_file *)(ff + 1);
    memset(ff->real, 0, (size_t)g_fault.real->szOsFile);
    int rc = g_fault.real->xOpen(g_fault.real, name, ff->real, flags, out_flags);
    ff->base.pMethods = ff->real->pMethods ? &ff_methods : NULL;
    return rc;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return g_fault.real->xDelete(g_fault.real, name, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return g_fault.real->xAccess(g_fault.real, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return g_fault.real->xFullPathname(g_fault.real, name, n, out);
}

static void *fv_dlopen(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return g_fault.real->xDlOpen(g_fault.real, name);
}

static void fv_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    g_fault.real->xDlError(g_fault.real, n, msg);
}

static void (*fv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return g_fault.real->xDlSym(g_fault.real, h, sym);
}

static void fv_dlclose(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    g_fault.real->xDlClose(g_fault.real, h);
}

static int fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return g_fault.real->xRandomness(g_fault.real, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return g_fault.real->xSleep(g_fault.real, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return g_fault.real->xCurrentTime(g_fault.real, out);
}

static int fv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return g_fault.real->xGetLastError(g_fault.real, n, out);
}

static int fv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return g_fault.real->xCurrentTimeInt64(g_fault.real, out);
}

int hl_faultvfs_register(void)
{
    if (g_fault.registered) return SQLITE_OK;
    int rc = sqlite3_initialize();
    if (rc != SQLITE_OK) return rc;
    g_fault.real = sqlite3_vfs_find("unix");
    if (!g_fault.real || g_fault.real->iVersion < 2) return SQLITE_ERROR;
    sqlite3_vfs *v = &g_fault.vfs;
    memset(v, 0, sizeof *v);
    v->iVersion = 2;
    v->szOsFile = (int)sizeof(hl_fault_file_t) + g_fault.real->szOsFile;
    v->mxPathname = g_fault.real->mxPathname;
    v->zName = HL_FAULTVFS_NAME;
    v->xOpen = fv_open;
    v->xDelete = fv_delete;
    v->xAccess = fv_access;
    v->xFullPathname = fv_full_pathname;
    v->xDlOpen = fv_dlopen;
    v->xDlError = fv_dlerror;
    v->xDlSym = fv_dlsym;
    v->xDlClose = fv_dlclose;
    v->xRandomness = fv_randomness;
    v->xSleep = fv_sleep;
    v->xCurrentTime = fv_current_time;
    v->xGetLastError = fv_last_error;
    v->xCurrentTimeInt64 = fv_current_time64;
    rc = sqlite3_vfs_register(v, 0);
    if (rc == SQLITE_OK) g_fault.registered = true;
    return rc;
}

void hl_faultvfs_arm(hl_fault_op_t op, long nth, bool persistent, int sqlite_rc)
{
    g_fault.armed = true;
    g_fault.op = op;
    g_fault.base = g_fault.counts[op];
    g_fault.nth = nth;
    g_fault.persistent = persistent;
    g_fault.rc = sqlite_rc;
    g_fault.fired = false;
}

void hl_faultvfs_disarm(void)
{
    g_fault.armed = false;
}

bool hl_faultvfs_fired(void)
{
    return g_fault.fired;
}

long hl_faultvfs_count(hl_fault_op_t op)
{
    return (op >= 0 && op < HL_FAULT_OP_COUNT) ? g_fault.counts[op] : 0;
}

void hl_faultvfs_reset_counts(void)
{
    memset(g_fault.counts, 0, sizeof g_fault.counts);
    g_fault.base = 0;
}
