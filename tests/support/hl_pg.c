/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_pg.c: the throw-away PostgreSQL cluster of hl_pg.h.
 *
 * Every program (initdb, postgres) is exec'd directly, without a shell:
 * stdin from /dev/null, stdout and stderr to a file (initdb's output, the
 * server's log), every other fd closed (a pipe end it kept would hide an EOF
 * the test waits for), all signals unblocked, and, as root, the postgres
 * user's credentials taken in the child before the exec. The postmaster
 * stays this process's child: a stop is a signal and a waitpid, a start
 * waits for PQping to answer, both bounded against a hang (minutes).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* close_range */
#endif
#include "hl_pg.h"

#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <libpq-fe.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG_WAIT_MS  300000 /* a deadline against a hang only: a start takes about a second */
#define PG_INITDB_S 600    /* initdb's watchdog (alarm) */
#define PG_PORT     5432   /* the socket folder is private: any port will do */

/* snprintf that reports truncation: true, or false with a message on stderr. */
__attribute__((format(printf, 3, 4))) static bool fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "hl_pg: path or argument too long: %s\n", buf);
        return false;
    }
    return true;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- Finding PostgreSQL ---------------------------------------------------- */

/* HL_PG_BINDIR, or the newest /usr/lib/postgresql/N/bin holding initdb. */
static bool find_bindir(char *out, size_t cap)
{
    const char *env = getenv("HL_PG_BINDIR");
    if (env && *env) {
        char initdb[PATH_MAX];
        if (!fmt(initdb, sizeof initdb, "%s/initdb", env)) return false;
        if (access(initdb, X_OK) != 0) {
            fprintf(stderr, "hl_pg: HL_PG_BINDIR=%s has no initdb: %s\n", env, strerror(errno));
            return false;
        }
        return fmt(out, cap, "%s", env);
    }
    static const char prefix[] = "/usr/lib/postgresql/";
    glob_t g;
    long best = -1;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            const char *p = g.gl_pathv[i];
            char *end = NULL;
            long v = strtol(p + sizeof prefix - 1, &end, 10);
            if (end && *end == '/' && v > best && access(p, X_OK) == 0) {
                best = v;
                if (!fmt(out, cap, "%.*s", (int)(strlen(p) - strlen("/initdb")), p)) best = -1;
            }
        }
        globfree(&g);
    }
    if (best < 0) {
        fprintf(stderr,
                "hl_pg: PostgreSQL is missing: no /usr/lib/postgresql/N/bin/initdb (install "
                "postgresql-15, or set HL_PG_BINDIR)\n");
        return false;
    }
    return true;
}

/* Who runs initdb and postgres: the postgres user when we are root. */
static bool find_user(hl_pg_t *pg)
{
    if (geteuid() != 0) {
        pg->uid = geteuid();
        pg->gid = getegid();
        return true;
    }
    struct passwd *pw = getpwnam("postgres");
    if (!pw) {
        fprintf(stderr, "hl_pg: running as root, and there is no postgres user to run the server "
                        "as (it comes with the postgresql package)\n");
        return false;
    }
    pg->uid = pw->pw_uid;
    pg->gid = pw->pw_gid;
    return true;
}

/* chown path to the server's user when we are root. */
static bool give(const hl_pg_t *pg, const char *path)
{
    if (geteuid() != 0 || chown(path, pg->uid, pg->gid) == 0) return true;
    fprintf(stderr, "hl_pg: chown %s: %s\n", path, strerror(errno));
    return false;
}

/* Says which folder above path (if any) the server's user cannot search:
 * the likely cause of a failure as root with $TMPDIR somewhere private. */
static void hint_reach(const hl_pg_t *pg, const char *path)
{
    if (geteuid() != 0) return;
    char p[PATH_MAX];
    if (!fmt(p, sizeof p, "%s", path)) return;
    for (char *slash = strrchr(p, '/'); slash && slash != p; slash = strrchr(p, '/')) {
        *slash = '\0';
        struct stat sb;
        if (stat(p, &sb) != 0) continue;
        bool x = (sb.st_uid == pg->uid)   ? (sb.st_mode & S_IXUSR)
                 : (sb.st_gid == pg->gid) ? (sb.st_mode & S_IXGRP)
                                          : (sb.st_mode & S_IXOTH);
        if (!x)
            fprintf(stderr,
                    "hl_pg: the postgres user cannot enter %s (mode %o): set TMPDIR to a "
                    "folder it can reach\n",
                    p, (unsigned)(sb.st_mode & 07777));
    }
}

/* Prints the last lines of the server's log. */
static void print_log_tail(const hl_pg_t *pg)
{
    char *text = hl_test_read_file(pg->log, NULL);
    if (!text) {
        fprintf(stderr, "hl_pg: no server log at %s\n", pg->log);
        return;
    }
    const char *from = text + strlen(text);
    for (int lines = 0; from > text && lines <= 30; from--)
        if (from[-1] == '\n') lines++;
    fprintf(stderr, "hl_pg: the end of %s:\n%s\n", pg->log, from);
    free(text);
}

/* ---- Running the programs ---------------------------------------------------- */

/* Forks and execs argv as the server's user with stdout and stderr on out_fd;
 * the child gets deathsig when this thread ends, and alarm(alarm_s) when
 * alarm_s > 0. The child's pid, or -1. */
static pid_t spawn(const hl_pg_t *pg, const char *const *argv, int out_fd, int deathsig,
                   unsigned alarm_s)
{
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "hl_pg: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid > 0) return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) _exit(126);
    if (close_range(3, ~0U, 0) != 0) {
        for (int fd = 3; fd < 4096; fd++)
            close(fd);
    }
    if (geteuid() == 0 && (setgroups(1, &pg->gid) != 0 || setgid(pg->gid) != 0 ||
                           setuid(pg->uid) != 0 || getuid() == 0)) {
        fprintf(stderr, "hl_pg: cannot become uid %u: %s\n", (unsigned)pg->uid, strerror(errno));
        _exit(126);
    }
    /* After the credentials change, which clears it. */
    prctl(PR_SET_PDEATHSIG, deathsig);
    if (getppid() != parent) _exit(126); /* the test ended before prctl */
    if (alarm_s) alarm(alarm_s);
    hl_test_execv(argv);
    fprintf(stderr, "hl_pg: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Waits up to ms for the child pid to end: true once reaped, *status its status. */
static bool reap(pid_t pid, long ms, int *status)
{
    long until = now_ms() + ms;
    for (;;) {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got == pid) return true;
        if (got < 0 && errno != EINTR) {
            *status = 0;
            return true; /* not our child (any more) */
        }
        if (now_ms() >= until) return false;
        sleep_ms(10);
    }
}

/* Describes a wait status. */
static void say_status(const char *what, int status)
{
    if (WIFEXITED(status))
        fprintf(stderr, "hl_pg: %s exited with %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        fprintf(stderr, "hl_pg: %s was killed by signal %d\n", what, WTERMSIG(status));
}

/* initdb into pg->dir; its output printed when it fails. */
static bool run_initdb(const hl_pg_t *pg)
{
    char initdb[PATH_MAX + 16], out[PATH_MAX + 16];
    if (!fmt(initdb, sizeof initdb, "%s/initdb", pg->bindir) ||
        !fmt(out, sizeof out, "%s/initdb.out", pg->tmp))
        return false;
    locale_t utf8 = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
    const char *loc = utf8 ? "--locale=C.UTF-8" : "--locale=C";
    if (utf8) freelocale(utf8);
    /* --no-sync: initdb's closing sync of its files guards against a crash
     * of the machine only, which no test makes; it took 2 of initdb's 4.7 s
     * on a busy disk. The server itself runs with fsync on. */
    const char *argv[] = {initdb,         "-D", pg->dir, "-U", "postgres",
                          "--auth=trust", "-E", "UTF8",  loc,  "--no-instructions",
                          "--no-sync",    NULL};
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "hl_pg: %s: %s\n", out, strerror(errno));
        return false;
    }
    pid_t pid = spawn(pg, argv, fd, SIGKILL, PG_INITDB_S);
    close(fd);
    if (pid < 0) return false;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    say_status("initdb", status);
    char *text = hl_test_read_file(out, NULL);
    fprintf(stderr, "hl_pg: %s -D %s said:\n%s\n", initdb, pg->dir, text ? text : "(nothing)");
    free(text);
    hint_reach(pg, pg->dir);
    return false;
}

/* Starts postgres on pg->dir and waits until it accepts connections. */
static bool run_server(hl_pg_t *pg)
{
    char postgres[PATH_MAX + 16], sockopt[PATH_MAX + 32], portopt[32];
    if (!fmt(postgres, sizeof postgres, "%s/postgres", pg->bindir) ||
        !fmt(sockopt, sizeof sockopt, "unix_socket_directories=%s", pg->sockdir) ||
        !fmt(portopt, sizeof portopt, "port=%d", pg->port))
        return false;
    /* No TCP, the socket in its private folder, fsync on (the tests check
     * durability), room for a server's pool and many tests' connections. */
    const char *settings[] = {
        "listen_addresses=",   sockopt, portopt, "fsync=on", "max_connections=200",
        "shared_buffers=128MB"};
    const char *argv[3 + 2 * sizeof settings / sizeof settings[0] + 1];
    size_t argc = 0;
    argv[argc++] = postgres;
    argv[argc++] = "-D";
    argv[argc++] = pg->dir;
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        argv[argc++] = "-c";
        argv[argc++] = settings[i];
    }
    argv[argc] = NULL;
    int fd = open(pg->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "hl_pg: %s: %s\n", pg->log, strerror(errno));
        return false;
    }
    bool owned = give(pg, pg->log);
    pid_t pid = owned ? spawn(pg, argv, fd, SIGQUIT, 0) : -1;
    close(fd);
    if (pid < 0) return false;
    char ping[sizeof pg->conninfo + 32];
    if (!fmt(ping, sizeof ping, "%s connect_timeout=60", pg->conninfo)) ping[0] = '\0';
    long until = now_ms() + PG_WAIT_MS;
    for (;;) {
        int status = 0;
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid) {
            say_status("postgres", status);
            print_log_tail(pg);
            return false;
        }
        if (PQping(ping) == PQPING_OK) break;
        if (now_ms() >= until) {
            fprintf(stderr, "hl_pg: postgres did not accept connections within %d s\n",
                    PG_WAIT_MS / 1000);
            print_log_tail(pg);
            kill(pid, SIGKILL);
            reap(pid, PG_WAIT_MS, &status);
            return false;
        }
        sleep_ms(10);
    }
    pg->pid = pid;
    return true;
}

/* Sends sig to the postmaster and reaps it; SIGKILL after the deadline. */
static bool stop_with(hl_pg_t *pg, int sig)
{
    if (pg->pid <= 0) return true;
    int status = 0;
    bool ok = true;
    kill(pg->pid, sig);
    if (!reap(pg->pid, PG_WAIT_MS, &status)) {
        fprintf(stderr, "hl_pg: postgres did not stop within %d s on signal %d; killed\n",
                PG_WAIT_MS / 1000, sig);
        print_log_tail(pg);
        kill(pg->pid, SIGKILL);
        reap(pg->pid, PG_WAIT_MS, &status);
        ok = false;
    }
    pg->pid = 0;
    return ok;
}

/* The processes whose working folder is cwd (a cluster's are in its data
 * folder), SIGKILLed when kill_them; how many. */
static int cluster_procs(const char *cwd, bool kill_them)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end = NULL;
        long pid = strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end || pid == (long)getpid()) continue;
        char link[64], where[PATH_MAX];
        snprintf(link, sizeof link, "/proc/%ld/cwd", pid);
        ssize_t len = readlink(link, where, sizeof where - 1);
        if (len <= 0) continue; /* gone, a zombie, or not ours to see */
        where[len] = '\0';
        if (strcmp(where, cwd) != 0) continue;
        n++;
        if (kill_them) kill((pid_t)pid, SIGKILL);
    }
    closedir(d);
    return n;
}

/* ---- The API ------------------------------------------------------------------ */

bool hl_pg_start(hl_pg_t *pg)
{
    memset(pg, 0, sizeof *pg);
    if (!find_bindir(pg->bindir, sizeof pg->bindir) || !find_user(pg)) return false;
    char *tmp = hl_test_tmpdir("pg");
    bool ok = fmt(pg->tmp, sizeof pg->tmp, "%s", tmp);
    free(tmp);
    if (!ok) return false;
    pg->port = PG_PORT;
    ok = give(pg, pg->tmp) && fmt(pg->dir, sizeof pg->dir, "%s/data", pg->tmp) &&
         fmt(pg->log, sizeof pg->log, "%s/server.log", pg->dir);
    /* The socket's path must fit sun_path, and the folder must need no
     * quoting in unix_socket_directories (a list) or the conninfo. */
    char sock[PATH_MAX + 32];
    if (ok && (!fmt(sock, sizeof sock, "%s/s/.s.PGSQL.%d", pg->tmp, pg->port) ||
               strlen(sock) >= sizeof(((struct sockaddr_un *)0)->sun_path) - 8 ||
               strpbrk(pg->tmp, " ,'\\\"\t\n"))) {
        char fallback[] = "/tmp/hlpg-XXXXXX";
        ok = mkdtemp(fallback) != NULL;
        if (!ok) fprintf(stderr, "hl_pg: mkdtemp %s: %s\n", fallback, strerror(errno));
        pg->own_sockdir = ok;
        ok = ok && fmt(pg->sockdir, sizeof pg->sockdir, "%s", fallback);
    } else if (ok) {
        ok = fmt(pg->sockdir, sizeof pg->sockdir, "%s/s", pg->tmp) && mkdir(pg->sockdir, 0700) == 0;
        if (!ok) fprintf(stderr, "hl_pg: mkdir %s: %s\n", pg->sockdir, strerror(errno));
    }
    ok = ok && give(pg, pg->sockdir) &&
         fmt(pg->conninfo, sizeof pg->conninfo, "host=%s port=%d user=postgres dbname=postgres",
             pg->sockdir, pg->port);
    ok = ok && run_initdb(pg) && run_server(pg);
    if (!ok) hl_pg_destroy(pg);
    return ok;
}

char *hl_pg_query(const char *conninfo, const char *sql)
{
    /* Without a host libpq would try the system's cluster: never from a test. */
    if (!conninfo || !strstr(conninfo, "host=/")) {
        fprintf(stderr, "hl_pg_query: \"%s\" names no socket folder (did the cluster start?)\n",
                conninfo ? conninfo : "(null)");
        return NULL;
    }
    size_t len = strlen(conninfo) + 32;
    char *ci = malloc(len);
    if (!ci) abort();
    snprintf(ci, len, "%s connect_timeout=120", conninfo);
    PGconn *c = PQconnectdb(ci);
    free(ci);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "hl_pg_query: cannot connect to %s: %s", conninfo, PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    char *out = NULL;
    PGresult *r = PQexec(c, "SET statement_timeout = '5min'");
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
        PQclear(r);
        r = PQexec(c, sql);
    }
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        const char *v = PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "";
        out = strdup(v);
        if (!out) abort();
    } else {
        fprintf(stderr, "hl_pg_query: %s: %s", sql,
                r ? PQresultErrorMessage(r) : PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
    return out;
}

bool hl_pg_create_db(hl_pg_t *pg, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    if (n == 0 || n > 63 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n) {
        fprintf(stderr, "hl_pg_create_db: \"%s\": a name of letters, digits and '_' only\n", name);
        return false;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
    char *got = hl_pg_query(pg->conninfo, sql);
    if (!got) return false;
    free(got);
    return fmt(out, cap, "host=%s port=%d user=postgres dbname=%s", pg->sockdir, pg->port, name);
}

bool hl_pg_stop(hl_pg_t *pg)
{
    return stop_with(pg, SIGINT);
}

bool hl_pg_start_again(hl_pg_t *pg)
{
    if (pg->pid > 0) {
        fprintf(stderr, "hl_pg_start_again: the cluster is running (pid %ld)\n", (long)pg->pid);
        return false;
    }
    return run_server(pg);
}

bool hl_pg_restart(hl_pg_t *pg, bool immediate)
{
    bool stopped = stop_with(pg, immediate ? SIGQUIT : SIGINT);
    return hl_pg_start_again(pg) && stopped;
}

bool hl_pg_kill(hl_pg_t *pg)
{
    if (pg->pid <= 0) return true;
    int status = 0;
    kill(pg->pid, SIGKILL);
    reap(pg->pid, PG_WAIT_MS, &status);
    pg->pid = 0;
    char cwd[PATH_MAX];
    if (!realpath(pg->dir, cwd)) {
        fprintf(stderr, "hl_pg_kill: %s: %s\n", pg->dir, strerror(errno));
        return false;
    }
    for (long until = now_ms() + PG_WAIT_MS; cluster_procs(cwd, false) > 0; sleep_ms(10)) {
        if (now_ms() >= until) {
            fprintf(stderr, "hl_pg_kill: the postmaster's children outlived it by %d s; killed\n",
                    PG_WAIT_MS / 1000);
            cluster_procs(cwd, true);
            return false;
        }
    }
    return true;
}

void hl_pg_destroy(hl_pg_t *pg)
{
    stop_with(pg, SIGQUIT);
    if (pg->tmp[0]) hl_test_rmtree(pg->tmp);
    if (pg->own_sockdir) hl_test_rmtree(pg->sockdir);
    memset(pg, 0, sizeof *pg);
}
