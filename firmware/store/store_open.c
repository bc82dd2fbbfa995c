/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_open.c: opening and closing the store: the folder and its lock,
 * inspection before any write, migration, recovery of responses cut off,
 * the connection's settings; errors mapped to hl_rc; the cached
 * statements.
 */
#include "store_int.h"

/* ---- Cached statements ---------------------------------------------------- */

const char *const store_stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_SAVEPOINT] = "SAVEPOINT hl_save",
    [ST_RELEASE] = "RELEASE hl_save",
    [ST_INSERT_RESPONSE] =
        "INSERT INTO responses(seq, uuid, kiosk_id, survey, lang,"
        " started_utc_ms, clock_trusted, officer_id, counter, suspect) VALUES (1 +"
        " max(coalesce((SELECT max(seq) FROM responses), 0),"
        " (SELECT seq FROM seq_floor WHERE id = 1)), ?1, ?2, ?3, ?4, ?5, ?6,"
        " ?7, ?8, ?9)",
    /* A slot taken by another question (the survey changed under an open
     * response) updates nothing: the save fails instead of mixing answers. */
    [ST_UPSERT_ANSWER] = "INSERT INTO answers(id, seq, qid, value, ms)"
                         " VALUES (?1 * 64 + ?5, ?1, ?2, ?3, ?4)"
                         " ON CONFLICT(id) DO UPDATE SET value = excluded.value,"
                         " ms = excluded.ms WHERE qid = excluded.qid",
    [ST_DELETE_ANSWER] = "DELETE FROM answers WHERE id BETWEEN ?1 * 64 AND ?1 * 64 + 63"
                         " AND qid = ?2",
    [ST_UPDATE_LANG] = "UPDATE responses SET lang = ?2 WHERE seq = ?1",
    [ST_HAS_ANSWERS] = "SELECT EXISTS (SELECT 1 FROM answers"
                       " WHERE id BETWEEN ?1 * 64 AND ?1 * 64 + 63)",
    [ST_DELETE_RESPONSE] = "DELETE FROM responses WHERE seq = ?1",
    [ST_FINISH_RESPONSE] = "UPDATE responses SET status = ?2, finished_utc_ms = ?3,"
                           " finish_reason = ?4, followup = ?5 WHERE seq = ?1 AND status = 0",
    [ST_FOLLOWUP_USED] = "SELECT EXISTS (SELECT 1 FROM responses WHERE followup = ?1)",
    /* Checked before a save changes anything (save_precheck). */
    [ST_RESPONSE_STATE] = "SELECT survey, status FROM responses WHERE seq = ?1",
};
/* ---- Errors --------------------------------------------------------------- */

/* Maps a SQLite result code (extended codes on) to an hl_rc and writes
 * "<what>: <sqlite message> (<what to do>)". errno_hint is the OS error
 * behind the failure when known (0 otherwise). */
static int map_sqlite(int src, int errno_hint, const char *path, const char *what,
                      const char *sqlmsg, hl_err_t *err)
{
    int prim = src & 0xff;
    int code;
    char advice[PATH_MAX + 160];
    switch (prim) {
    case SQLITE_FULL:
        code = HL_ERR_FULL;
        snprintf(advice, sizeof advice,
                 "the disk is full: free space or export and clear old data");
        break;
    case SQLITE_IOERR:
        if (src == SQLITE_IOERR_NOMEM) {
            code = HL_ERR_NOMEM;
            snprintf(advice, sizeof advice, "out of memory: restart the kiosk");
        } else {
            code = HL_ERR_IO;
            snprintf(advice, sizeof advice,
                     "the storage failed to read or write: check the SD card or disk "
                     "(it may be failing, loose or removed)");
        }
        break;
    case SQLITE_READONLY:
        code = HL_ERR_READONLY;
        snprintf(advice, sizeof advice,
                 "the database or its folder is read-only: check permissions and that the "
                 "medium is not mounted read-only");
        break;
    case SQLITE_CANTOPEN:
        if (errno_hint == EACCES || errno_hint == EROFS || errno_hint == EPERM) {
            code = HL_ERR_READONLY;
            snprintf(advice, sizeof advice,
                     "cannot open %s for writing: check permissions and that the medium is "
                     "not mounted read-only",
                     path);
        } else if (errno_hint == ENOSPC) {
            code = HL_ERR_FULL;
            snprintf(advice, sizeof advice,
                     "the disk is full: free space or export and clear old data");
        } else {
            code = HL_ERR_IO;
            snprintf(advice, sizeof advice, "cannot open %s: check the data folder and the disk",
                     path);
        }
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = HL_ERR_LOCKED;
        snprintf(advice, sizeof advice,
                 "another program is using the database: wait for the export to end or close "
                 "the other program, then retry");
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        code = HL_ERR_CORRUPT;
        snprintf(advice, sizeof advice,
                 "%s is damaged or not a hailong database: stop the kiosk, move it aside "
                 "(keep it for recovery) and start again with a new one",
                 path);
        break;
    case SQLITE_NOMEM:
        code = HL_ERR_NOMEM;
        snprintf(advice, sizeof advice, "out of memory: restart the kiosk");
        break;
    case SQLITE_CONSTRAINT:
        /* Our own checks run first (save_precheck): reaching a UNIQUE, CHECK
         * or trigger rule means a bug or a file changed by another program,
         * not a step the kiosk should have refused. */
        code = HL_ERR_INTERNAL;
        snprintf(advice, sizeof advice,
                 "the database refused the change by its integrity rules: this is a bug in "
                 "hailong or %s was changed by another program; please report it with the file",
                 path);
        break;
    default:
        code = HL_ERR_INTERNAL;
        snprintf(advice, sizeof advice, "unexpected SQLite error %d: please report it", src);
        break;
    }
    return hl_err_set(err, code, "%s: %s (%s)", what, sqlmsg ? sqlmsg : sqlite3_errstr(src),
                      advice);
}

/* The same for a failure on the store's connection. */
int store_fail(hl_store_t *st, int src, const char *what, hl_err_t *err)
{
    return map_sqlite(src, sqlite3_system_errno(st->db), st->path, what, sqlite3_errmsg(st->db),
                      err);
}

int store_errno_code(int e)
{
    if (e == ENOSPC || e == EDQUOT) return HL_ERR_FULL;
    if (e == EROFS || e == EACCES || e == EPERM) return HL_ERR_READONLY;
    if (e == ENOMEM) return HL_ERR_NOMEM;
    return HL_ERR_IO;
}
/* ---- Small helpers -------------------------------------------------------- */

int store_stmt_get(hl_store_t *st, hl_stmt_id_t id, sqlite3_stmt **out, hl_err_t *err)
{
    if (!st->stmts[id]) {
        int rc = sqlite3_prepare_v3(st->db, store_stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &st->stmts[id], NULL);
        if (rc != SQLITE_OK) return store_fail(st, rc, "preparing a statement", err);
    }
    *out = st->stmts[id];
    return HL_OK;
}

/* Steps a statement that returns no row, then resets it (bindings cleared). */
int store_stmt_done(hl_store_t *st, sqlite3_stmt *s, const char *what, hl_err_t *err)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return HL_OK;
    return store_fail(st, rc, what, err);
}

int store_run_cached(hl_store_t *st, hl_stmt_id_t id, const char *what, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_stmt_get(st, id, &s, err);
    if (rc != HL_OK) return rc;
    return store_stmt_done(st, s, what, err);
}

int store_exec_sql(hl_store_t *st, const char *sql, const char *what, hl_err_t *err)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) return store_fail(st, rc, what, err);
    return HL_OK;
}

/* Prepares sql (no parameters) and steps to its first row: HL_OK with *row
 * on it (the caller reads its columns and finalizes it); HL_OK with *row
 * NULL when there is none and none_ok; else the failure, named by what. */
int store_row(hl_store_t *st, const char *sql, bool none_ok, const char *what, sqlite3_stmt **row,
              hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    *row = NULL;
    int src = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        *row = s;
        return HL_OK;
    }
    int rc = src == SQLITE_DONE && none_ok ? HL_OK : store_fail(st, src, what, err);
    sqlite3_finalize(s);
    return rc;
}

/* One integer from a query (first column of the first row; 0 without rows). */
int store_query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) return rc;
    *out = 0;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* Explicit rollback after a failure (SQLite may or may not have done it). */
void store_rollback_quietly(hl_store_t *st)
{
    if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* mkdir -p with mode 0750 for the parts that are missing. */
static int make_dirs(const char *dir, hl_err_t *err)
{
    char buf[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return hl_err_set(err, HL_ERR_USAGE, "data directory \"%s\" is empty or too long", dir);
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0750) != 0 && errno != EEXIST) {
            int e = errno;
            return hl_err_set(err, store_errno_code(e),
                              "cannot create data directory %s: %s (check the path, its "
                              "permissions and free space)",
                              buf, strerror(e));
        }
        buf[i] = c;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return hl_err_set(err, HL_ERR_IO, "data directory %s is not a directory", dir);
    return HL_OK;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}
/* ---- Opening: the folder, the lock, inspection before any write ------------- */

/* A read-write store needs a writable folder (SQLite creates -wal and -shm
 * next to the database) and a writable database: said plainly here rather
 * than as SQLite's "unable to open database file" later. */
static int check_writable(const char *dir, const char *path, hl_err_t *err)
{
    struct statvfs vs;
    int e = 0;
    if ((statvfs(dir, &vs) == 0 && (vs.f_flag & ST_RDONLY)) ||
        (access(dir, W_OK) != 0 && (e = errno) == EROFS))
        return hl_err_set(err, HL_ERR_READONLY,
                          "the data folder %s is on a read-only file system: remount it "
                          "read-write or choose another --data-dir",
                          dir);
    if (e)
        return hl_err_set(err, store_errno_code(e),
                          "the data folder %s is not writable by this user (%s): fix its owner "
                          "or permissions, or choose another --data-dir",
                          dir, strerror(e));
    if (access(path, W_OK) != 0 && errno != ENOENT) {
        e = errno;
        return hl_err_set(err, store_errno_code(e),
                          "%s is not writable by this user (%s): fix its owner or permissions, "
                          "or choose another --data-dir",
                          path, strerror(e));
    }
    return HL_OK;
}

/* Takes <dir>/hailong.lock with flock(LOCK_EX | LOCK_NB) for the store's
 * lifetime, so that a second read-write store on the folder (a second
 * `hailong run` beside the kiosk) fails before it migrates or recovers
 * anything; the holder's pid is written in the file for the message. The
 * kernel drops the lock when the process dies, so a stale file is harmless. */
static int lock_take(hl_store_t *st, const char *dir, hl_err_t *err)
{
    char *lpath = path_join(dir, HL_STORE_LOCK);
    if (!lpath) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
    int rc = HL_OK;
    int fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) {
        int e = errno;
        rc = hl_err_set(err, store_errno_code(e),
                        "cannot open the lock file %s: %s (check the data folder's permissions)",
                        lpath, strerror(e));
        goto done;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            char buf[32] = {0};
            ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
            long pid = got > 0 ? strtol(buf, NULL, 10) : 0;
            char who[48] = "";
            if (pid > 0) snprintf(who, sizeof who, " (pid %ld)", pid);
            rc = hl_err_set(err, HL_ERR_LOCKED,
                            "another hailong is using %s%s: only one kiosk may write to a data "
                            "folder; stop the other one or give this one another --data-dir",
                            dir, who);
        } else {
            rc = hl_err_set(err, HL_ERR_IO,
                            "cannot lock %s: %s (put the data folder on a local disk)", lpath,
                            strerror(e));
        }
        close(fd);
        goto done;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    /* The pid is for messages only: failing to write it is not an error. */
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n) (void)ftruncate(fd, 0);
    st->lock_fd = fd;
done:
    free(lpath);
    return rc;
}

/* What a read-only connection opens (a URI, malloc'd in *target). SQLite
 * reads a WAL database through its -shm, which it creates when missing; on a
 * read-only medium (or a folder we cannot write) it cannot, and the open
 * fails. Then, with no -wal holding changes, the file is opened immutable
 * (nothing can change it there); with a non-empty -wal it must be read too,
 * so mode=ro is tried and *wal_pending tells the caller to explain a
 * failure. */
static int ro_target(const char *dir, const char *path, char **target, bool *wal_pending,
                     hl_err_t *err)
{
    *target = NULL;
    *wal_pending = false;
    struct statvfs vs;
    bool dir_rw = !(statvfs(dir, &vs) == 0 && (vs.f_flag & ST_RDONLY)) && access(dir, W_OK) == 0;
    size_t plen = strlen(path);
    char *side = malloc(plen + 8);
    if (!side) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
    snprintf(side, plen + 8, "%s-shm", path);
    bool shm = access(side, F_OK) == 0;
    snprintf(side, plen + 8, "%s-wal", path);
    struct stat sb;
    bool wal = stat(side, &sb) == 0 && sb.st_size > 0;
    free(side);
    bool no_shm = !dir_rw && !shm; /* SQLite cannot create the -shm it needs */
    *wal_pending = no_shm && wal;
    const char *query = no_shm && !wal ? "immutable=1" : "mode=ro";

    /* file: URI: '%', '?' and '#' escaped; an absolute path gets an empty
     * authority ("file:///..."). */
    char *t = malloc(plen * 3 + 32);
    if (!t) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
    size_t n = (size_t)sprintf(t, path[0] == '/' ? "file://" : "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            n += (size_t)sprintf(t + n, "%%%02X", (unsigned char)*p);
        else
            t[n++] = *p;
    }
    sprintf(t + n, "?%s", query);
    *target = t;
    return HL_OK;
}

/* Looks at an existing file without changing it: the SQLite magic, then a
 * read-only connection for application_id, user_version and the tables
 * (opening target, a URI from ro_target, when given). *version gets the
 * schema version (0 for a missing or empty file). */
static int store_inspect(const char *path, const char *target, const char *vfs, bool *exists,
                         int *version, hl_err_t *err)
{
    static const char magic[16] = "SQLite format 3";
    *exists = false;
    *version = 0;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT) return HL_OK;
        int e = errno;
        return hl_err_set(err, store_errno_code(e), "cannot look at %s: %s", path, strerror(e));
    }
    *exists = true;
    if (!S_ISREG(sb.st_mode))
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s is not a regular file: move it aside and start again", path);
    if (sb.st_size == 0) return HL_OK;

    unsigned char head[100];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return hl_err_set(err, store_errno_code(e), "cannot read %s: %s", path, strerror(e));
    }
    ssize_t got = read(fd, head, sizeof head);
    close(fd);
    /* A power cut in the middle of a checkpoint can leave the file's first
     * page torn while the -wal still holds its committed copy: SQLite
     * recovers that, so with a -wal the verdict is SQLite's own below. */
    char side[PATH_MAX];
    struct stat wsb;
    bool has_wal = snprintf(side, sizeof side, "%s-wal", path) < (int)sizeof side &&
                   stat(side, &wsb) == 0 && wsb.st_size > 0;
    bool hot_journal = snprintf(side, sizeof side, "%s-journal", path) < (int)sizeof side &&
                       stat(side, &wsb) == 0 && wsb.st_size > 0;
    bool torn = got != (ssize_t)sizeof head || memcmp(head, magic, sizeof magic) != 0;
    if (hot_journal || (torn && has_wal)) {
        /* Cut off mid-write (a checkpoint, or the first start's switch to
         * WAL): only a read-write SQLite connection can recover it, which
         * the open does next; store_migrate then checks whose file it is
         * before anything is written. Found by the power-cut suite. */
        *version = -1;
        return HL_OK;
    }
    if (torn)
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s is not a SQLite database (damaged or another file): it was left "
                          "untouched; move it aside (keep it for recovery) and start again",
                          path);

    sqlite3 *db = NULL;
    int64_t app = 0, uv = 0, tables = 0;
    int rc = sqlite3_open_v2(target ? target : path, &db,
                             SQLITE_OPEN_READONLY | (target ? SQLITE_OPEN_URI : 0), vfs);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, HL_STORE_BUSY_MS);
        rc = store_query_int(db, "PRAGMA application_id", &app);
    }
    if (rc == SQLITE_OK) rc = store_query_int(db, "PRAGMA user_version", &uv);
    if (rc == SQLITE_OK)
        rc = store_query_int(db,
                             "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                             " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                             &tables);
    if (rc != SQLITE_OK) {
        int res = map_sqlite(rc, db ? sqlite3_system_errno(db) : 0, path, "inspecting the database",
                             db ? sqlite3_errmsg(db) : NULL, err);
        sqlite3_close(db);
        return res;
    }
    sqlite3_close(db);

    if (app == HL_STORE_APP_ID) {
        if (uv > HL_STORE_SCHEMA_VERSION)
            return hl_err_set(err, HL_ERR_CORRUPT,
                              "%s was written by a newer hailong (schema %lld, this build knows "
                              "%d): it was left untouched; install the newer firmware, or move "
                              "it aside to start a new one",
                              path, (long long)uv, HL_STORE_SCHEMA_VERSION);
        if (uv < 1 && tables > 0)
            return hl_err_set(err, HL_ERR_CORRUPT,
                              "%s has hailong's id but no schema version: it was left "
                              "untouched; move it aside (keep it for recovery) and start again",
                              path);
    } else if (app != 0 || uv != 0 || tables > 0) {
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s belongs to another program (application_id 0x%08llx, "
                          "user_version %lld, %lld tables): it was left untouched; move it "
                          "aside and start again",
                          path, (unsigned long long)(uint32_t)app, (long long)uv,
                          (long long)tables);
    }
    *version = (int)uv;
    return HL_OK;
}

/* Applies the migration steps from the file's version to ours in one
 * transaction, then stamps application_id and user_version. */
static int store_migrate(hl_store_t *st, hl_err_t *err)
{
    int rc = store_exec_sql(st, "BEGIN IMMEDIATE", "starting the schema upgrade", err);
    if (rc != HL_OK) return rc;
    int64_t uv = 0, app = 0;
    int src = store_query_int(st->db, "PRAGMA user_version", &uv);
    if (src == SQLITE_OK) src = store_query_int(st->db, "PRAGMA application_id", &app);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "reading the schema version", err);
        goto fail;
    }
    if (uv > HL_STORE_SCHEMA_VERSION || uv < 0 || (app != 0 && app != HL_STORE_APP_ID)) {
        rc = hl_err_set(err, HL_ERR_CORRUPT,
                        "%s changed while opening (schema %lld, application_id 0x%08llx): move "
                        "it aside and start again",
                        st->path, (long long)uv, (unsigned long long)(uint32_t)app);
        goto fail;
    }
    if (uv == HL_STORE_SCHEMA_VERSION && app == HL_STORE_APP_ID) {
        store_rollback_quietly(st);
        return HL_OK;
    }
    for (int64_t v = uv; v < HL_STORE_SCHEMA_VERSION; v++) {
        char what[96];
        snprintf(what, sizeof what, "upgrading the database schema from %lld to %lld", (long long)v,
                 (long long)v + 1);
        rc = store_exec_sql(st, store_migrations[v], what, err);
        if (rc != HL_OK) goto fail;
    }
    char stamp[96];
    snprintf(stamp, sizeof stamp, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             HL_STORE_APP_ID, HL_STORE_SCHEMA_VERSION);
    rc = store_exec_sql(st, stamp, "stamping the schema version", err);
    if (rc != HL_OK) goto fail;
    rc = store_exec_sql(st, "COMMIT", "committing the schema upgrade", err);
    if (rc != HL_OK) goto fail;
    return HL_OK;
fail:
    store_rollback_quietly(st);
    return rc;
}

/* Finishes responses a crash or power cut left in progress as partial. */
static int store_recover(hl_store_t *st, int64_t *recovered, hl_err_t *err)
{
    int rc = store_exec_sql(st, "BEGIN IMMEDIATE", "starting recovery", err);
    if (rc != HL_OK) return rc;
    /* A response without answers is never stored; remove any left by an
     * older build so that it is not counted. */
    rc = store_exec_sql(st,
                        "DELETE FROM responses WHERE status = 0 AND NOT EXISTS"
                        " (SELECT 1 FROM answers a WHERE a.id BETWEEN responses.seq * 64"
                        " AND responses.seq * 64 + 63)",
                        "removing empty responses", err);
    if (rc != HL_OK) goto fail;
    rc =
        store_exec_sql(st,
                       "UPDATE responses SET status = 2, finish_reason = 'recovered',"
                       " finished_utc_ms = started_utc_ms + coalesce((SELECT max(ms) FROM answers a"
                       " WHERE a.id BETWEEN responses.seq * 64 AND responses.seq * 64 + 63), 0)"
                       " WHERE status = 0",
                       "finishing responses cut off by a restart", err);
    if (rc != HL_OK) goto fail;
    int64_t n = sqlite3_changes64(st->db);
    rc = store_exec_sql(st, "COMMIT", "committing recovery", err);
    if (rc != HL_OK) goto fail;
    if (recovered) *recovered = n;
    return HL_OK;
fail:
    store_rollback_quietly(st);
    return rc;
}

/* Per-connection settings. page_size only matters for a new file. */
static int store_configure(hl_store_t *st, hl_err_t *err)
{
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, HL_STORE_BUSY_MS);
    char sql[256];
    if (st->read_only) {
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", st->cache_kib);
        return store_exec_sql(st, sql, "configuring the database", err);
    }
    snprintf(sql, sizeof sql,
             "PRAGMA page_size = %d; PRAGMA cache_size = -%d; PRAGMA foreign_keys = ON;"
             " PRAGMA journal_size_limit = %d",
             HL_STORE_PAGE_SIZE, st->cache_kib, HL_STORE_WAL_LIMIT);
    int rc = store_exec_sql(st, sql, "configuring the database", err);
    if (rc != HL_OK) return rc;

    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(s, 0);
        if (!mode || strcmp(mode, "wal") != 0) {
            sqlite3_finalize(s);
            return hl_err_set(err, HL_ERR_IO,
                              "%s: the file system does not support SQLite's WAL mode (got "
                              "\"%s\"): put the data directory on a local disk",
                              st->path, mode ? mode : "?");
        }
        src = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (src != SQLITE_OK) return store_fail(st, src, "switching to WAL mode", err);
    /* synchronous is per connection and must follow journal_mode. */
    return store_exec_sql(st, "PRAGMA synchronous = FULL", "configuring the database", err);
}

int hl_store_open(const char *data_dir, const hl_store_opts_t *opts, hl_store_t **out,
                  int64_t *recovered, hl_err_t *err)
{
    const char *vfs = opts ? opts->vfs : NULL;
    bool ro = opts ? opts->read_only : false;
    int rc = HL_OK;
    if (out) *out = NULL;
    if (recovered) *recovered = 0;
    if (!data_dir || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_open: missing argument");

    hl_store_t *st = calloc(1, sizeof *st);
    if (!st) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
    st->lock_fd = -1;
    st->read_only = ro;
    st->cache_kib = opts && opts->cache_kib > 0 ? opts->cache_kib : HL_STORE_CACHE_KIB;
    char *target = NULL; /* read-only stores: the URI SQLite opens (ro_target) */
    bool wal_pending = false;
    st->path = path_join(data_dir, HL_STORE_FILE);
    if (!st->path) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
        goto fail;
    }
    if (!ro) {
        /* In this order: nothing is written (recovery least of all) before
         * this process is known to be the folder's only writer. */
        rc = make_dirs(data_dir, err);
        if (rc == HL_OK) rc = check_writable(data_dir, st->path, err);
        if (rc == HL_OK) rc = lock_take(st, data_dir, err);
        if (rc != HL_OK) goto fail;
    } else {
        rc = ro_target(data_dir, st->path, &target, &wal_pending, err);
        if (rc != HL_OK) goto fail;
    }
    /* A link is never followed: SQLite would put -wal and -shm beside the
     * link, not the file, and the identity check below could not hold. */
    struct stat lsb;
    if (lstat(st->path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
        rc = hl_err_set(err, HL_ERR_USAGE,
                        "%s is a symbolic link: the database is never opened through a link; set "
                        "the data folder (--data-dir or HAILONG_DATA_DIR) to the real folder "
                        "holding the file instead",
                        st->path);
        goto fail;
    }
    bool exists;
    int version;
    rc = store_inspect(st->path, target, vfs, &exists, &version, err);
    if (rc != HL_OK) goto fail;
    if (ro && !exists) {
        rc = hl_err_set(err, HL_ERR_NOT_FOUND, "no database at %s: nothing has been stored yet",
                        st->path);
        goto fail;
    }
    if (ro && version != HL_STORE_SCHEMA_VERSION) {
        rc = hl_err_set(err, HL_ERR_STATE,
                        "%s has schema version %d, not %d: start the kiosk once so that it "
                        "upgrades the database, then retry",
                        st->path, version, HL_STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (!exists) {
        /* Created here so that the file (and SQLite's -wal/-shm, which copy
         * its mode) is 0640 rather than SQLite's 0644. */
        int fd = open(st->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0 && errno != EEXIST) {
            int e = errno;
            rc = hl_err_set(err, store_errno_code(e),
                            "cannot create %s: %s (check the data folder)", st->path, strerror(e));
            goto fail;
        }
        if (fd >= 0) {
            (void)fchmod(fd, 0640);
            close(fd);
            fsync_dir(data_dir);
        }
    }

    int flags = (ro ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI : SQLITE_OPEN_READWRITE) |
                SQLITE_OPEN_NOFOLLOW;
    int src = sqlite3_open_v2(ro ? target : st->path, &st->db, flags, vfs);
    if (src != SQLITE_OK) {
        rc = st->db ? store_fail(st, src, "opening the database", err)
                    : hl_err_set(err, HL_ERR_NOMEM, "out of memory opening %s", st->path);
        goto fail;
    }
    rc = store_configure(st, err);
    if (rc != HL_OK) goto fail;
    if (!ro) {
        rc = store_migrate(st, err);
        if (rc != HL_OK) goto fail;
        rc = store_recover(st, recovered, err);
        if (rc != HL_OK) goto fail;
        /* The file SQLite has open (just opened, a link refused): what
         * hl_store_check_file compares with. */
        struct stat fsb;
        if (lstat(st->path, &fsb) == 0 && S_ISREG(fsb.st_mode)) {
            st->file_known = true;
            st->file_dev = fsb.st_dev;
            st->file_ino = fsb.st_ino;
        }
    }
    free(target);
    hl_err_clear(err);
    *out = st;
    return HL_OK;
fail:
    if (wal_pending && (rc == HL_ERR_IO || rc == HL_ERR_READONLY))
        rc = hl_err_set(err, HL_ERR_READONLY,
                        "%s-wal holds changes not yet merged into %s, and the folder %s is "
                        "read-only, so SQLite cannot read them here: remount it read-write (or "
                        "copy the folder to a writable disk) and retry",
                        st->path, st->path, data_dir);
    free(target);
    hl_store_close(st);
    return rc;
}

void hl_store_close(hl_store_t *st)
{
    if (!st) return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    if (st->db) {
        store_rollback_quietly(st); /* an unfinished batch is not kept */
        if (!st->read_only)
            sqlite3_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(st->db);
    }
    if (st->lock_fd >= 0) close(st->lock_fd); /* releases the flock */
    free(st->qids);
    free(st->path);
    free(st);
}

const char *hl_store_path(const hl_store_t *st)
{
    return st->path;
}

const char *hl_store_sqlite_version(void)
{
    return sqlite3_libversion();
}
