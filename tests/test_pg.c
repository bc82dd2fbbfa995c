/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_pg.c: the throw-away PostgreSQL cluster the server's tests run
 * against (tests/support/hl_pg.c): it starts as the postgres user when root
 * with fsync on and no TCP, makes databases that are kept apart, answers
 * queries, keeps committed rows across an immediate restart and a kill -9
 * of the postmaster, stops and starts again, runs beside a second cluster
 * on the same port, moves its socket to a short folder when $TMPDIR is
 * long, fails with a message when PostgreSQL is missing or its server
 * does not start (the log's tail), and leaves no folder or process
 * behind. Prints how long a start takes (never asserted).
 */
#include "hl_pg.h"
#include "hl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CHECK_STR of a query's answer, the answer freed. */
#define CHECK_QUERY(conninfo, sql, want)                                                           \
    do {                                                                                           \
        char *got_ = hl_pg_query(conninfo, sql);                                                   \
        CHECK_STR(got_, want);                                                                     \
        free(got_);                                                                                \
    } while (0)

static void test_a_cluster_starts_with_fsync_on_no_tcp_and_answers_a_query(void)
{
    hl_pg_t pg;
    double t0 = now_s();
    CHECK(hl_pg_start(&pg));
    printf("     a start (initdb and postgres ready) took %.2f s\n", now_s() - t0);
    CHECK(pg.pid > 0);
    CHECK_QUERY(pg.conninfo, "SELECT 1 + 1", "2");
    CHECK_QUERY(pg.conninfo, "SHOW fsync", "on");
    CHECK_QUERY(pg.conninfo, "SHOW listen_addresses", "");
    CHECK_QUERY(pg.conninfo, "SHOW max_connections", "200");
    CHECK_QUERY(pg.conninfo, "SELECT current_user", "postgres");
    CHECK_QUERY(pg.conninfo, "SHOW server_encoding", "UTF8");
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want, "host=%s port=5432 user=postgres dbname=postgres", pg.sockdir);
    CHECK_STR(pg.conninfo, want);
    CHECK(strlen(pg.sockdir) + strlen("/.s.PGSQL.5432") < 107);
    struct stat sb;
    CHECK_INT(stat(pg.dir, &sb), 0);
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        CHECK(pw != NULL);
        CHECK_INT(sb.st_uid, pw ? pw->pw_uid : 0);
        CHECK_INT(pg.uid, pw ? pw->pw_uid : 0);
    } else {
        CHECK_INT(sb.st_uid, geteuid());
    }
    hl_pg_destroy(&pg);
}

static void test_two_databases_are_made_and_kept_apart(void)
{
    hl_pg_t pg;
    CHECK(hl_pg_start(&pg));
    char one[PATH_MAX + 128], two[PATH_MAX + 128];
    CHECK(hl_pg_create_db(&pg, "one", one, sizeof one));
    CHECK(hl_pg_create_db(&pg, "two_2", two, sizeof two));
    CHECK_CONTAINS(one, "dbname=one");
    CHECK_CONTAINS(two, "dbname=two_2");
    CHECK_QUERY(one, "CREATE TABLE t (v text); INSERT INTO t VALUES ('in one')", "");
    CHECK_QUERY(one, "SELECT v FROM t", "in one");
    CHECK_QUERY(two, "SELECT to_regclass('t') IS NULL", "t");
    CHECK_QUERY(two, "SELECT current_database()", "two_2");
    CHECK_QUERY(pg.conninfo, "SELECT count(*) FROM pg_database WHERE datname IN ('one', 'two_2')",
                "2");
    /* A failure says so: NULL, and no database for a name that needs quoting. */
    char *bad = hl_pg_query(one, "SELECT * FROM no_such_table");
    CHECK(bad == NULL);
    free(bad);
    char out[64];
    CHECK(!hl_pg_create_db(&pg, "x\"; DROP DATABASE one; --", out, sizeof out));
    CHECK(!hl_pg_create_db(&pg, "one", out, sizeof out)); /* exists */
    CHECK_QUERY(one, "SELECT count(*) FROM t", "1");
    hl_pg_destroy(&pg);
}

static void test_committed_rows_survive_an_immediate_and_a_plain_restart(void)
{
    hl_pg_t pg;
    CHECK(hl_pg_start(&pg));
    CHECK_QUERY(pg.conninfo,
                "CREATE TABLE r (n int PRIMARY KEY); INSERT INTO r SELECT generate_series(1, 100)",
                "");
    pid_t before = pg.pid;
    CHECK(hl_pg_restart(&pg, true));
    CHECK(pg.pid > 0 && pg.pid != before);
    CHECK_QUERY(pg.conninfo, "SELECT count(*) FROM r", "100");
    char *log = hl_test_read_file(pg.log, NULL);
    CHECK_CONTAINS(log, "not properly shut down"); /* the immediate stop was a crash */
    free(log);
    CHECK_QUERY(pg.conninfo, "INSERT INTO r VALUES (101)", "");
    CHECK(hl_pg_restart(&pg, false));
    CHECK_QUERY(pg.conninfo, "SELECT max(n) FROM r", "101");
    hl_pg_destroy(&pg);
}

static void test_committed_rows_survive_a_kill_of_the_postmaster(void)
{
    hl_pg_t pg;
    CHECK(hl_pg_start(&pg));
    CHECK_QUERY(pg.conninfo, "CREATE TABLE k (n int); INSERT INTO k VALUES (7)", "");
    PGconn *held = PQconnectdb(pg.conninfo); /* a backend the kill orphans */
    CHECK(PQstatus(held) == CONNECTION_OK);
    pid_t postmaster = pg.pid;
    CHECK(hl_pg_kill(&pg));
    CHECK_INT(pg.pid, 0);
    CHECK(kill(postmaster, 0) != 0 && errno == ESRCH);
    PGresult *r = PQexec(held, "SELECT 1");
    CHECK(PQresultStatus(r) != PGRES_TUPLES_OK); /* its backend is gone */
    PQclear(r);
    PQfinish(held);
    char *none = hl_pg_query(pg.conninfo, "SELECT 1");
    CHECK(none == NULL);
    free(none);
    CHECK(hl_pg_start_again(&pg));
    CHECK_QUERY(pg.conninfo, "SELECT sum(n) FROM k", "7");
    CHECK(hl_pg_kill(&pg));
    CHECK(hl_pg_kill(&pg)); /* twice is harmless */
    hl_pg_destroy(&pg);
}

static void test_a_stopped_cluster_refuses_connections_until_started_again(void)
{
    hl_pg_t pg;
    CHECK(hl_pg_start(&pg));
    CHECK(!hl_pg_start_again(&pg)); /* it runs */
    CHECK(hl_pg_stop(&pg));
    CHECK_INT(pg.pid, 0);
    CHECK(hl_pg_stop(&pg)); /* twice is harmless */
    char *none = hl_pg_query(pg.conninfo, "SELECT 1");
    CHECK(none == NULL);
    free(none);
    CHECK(hl_pg_start_again(&pg));
    CHECK_QUERY(pg.conninfo, "SELECT 1", "1");
    hl_pg_destroy(&pg);
}

static void test_two_clusters_run_side_by_side_on_the_same_port(void)
{
    hl_pg_t a, b;
    CHECK(hl_pg_start(&a));
    CHECK(hl_pg_start(&b));
    CHECK_INT(a.port, b.port);
    CHECK(strcmp(a.sockdir, b.sockdir) != 0);
    CHECK_QUERY(a.conninfo, "CREATE TABLE w (v text); INSERT INTO w VALUES ('a')", "");
    CHECK_QUERY(b.conninfo, "CREATE TABLE w (v text); INSERT INTO w VALUES ('b')", "");
    CHECK_QUERY(a.conninfo, "SELECT string_agg(v, ',') FROM w", "a");
    CHECK_QUERY(b.conninfo, "SELECT string_agg(v, ',') FROM w", "b");
    CHECK(hl_pg_restart(&a, true)); /* one's crash leaves the other be */
    CHECK_QUERY(b.conninfo, "SELECT v FROM w", "b");
    CHECK_QUERY(a.conninfo, "SELECT v FROM w", "a");
    hl_pg_destroy(&a);
    hl_pg_destroy(&b);
}

static void test_a_long_tmpdir_puts_the_socket_in_a_short_folder(void)
{
    char *outer = hl_test_tmpdir("pglong");
    chmod(outer, 0755); /* the postgres user passes through it when root */
    char deep[PATH_MAX];
    snprintf(deep, sizeof deep, "%s/%s", outer,
             "a-folder-name-long-enough-that-a-socket-under-it-would-not-fit-in-sun-path");
    CHECK_INT(mkdir(deep, 0755), 0);
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", deep, 1);
    hl_pg_t pg;
    CHECK(hl_pg_start(&pg));
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    CHECK(pg.own_sockdir);
    CHECK(strncmp(pg.sockdir, "/tmp/hlpg-", 10) == 0);
    CHECK(strncmp(pg.dir, deep, strlen(deep)) == 0);
    CHECK_QUERY(pg.conninfo, "SELECT 42", "42");
    char sockdir[PATH_MAX];
    snprintf(sockdir, sizeof sockdir, "%s", pg.sockdir);
    hl_pg_destroy(&pg);
    CHECK(access(sockdir, F_OK) != 0 && errno == ENOENT);
    hl_test_rmtree(outer);
    free(outer);
}

static void test_destroy_removes_the_folder_and_ends_the_server(void)
{
    hl_pg_t pg;
    CHECK(hl_pg_start(&pg));
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", pg.tmp);
    pid_t pid = pg.pid;
    CHECK(access(tmp, F_OK) == 0);
    hl_pg_destroy(&pg);
    CHECK(access(tmp, F_OK) != 0 && errno == ENOENT);
    CHECK(kill(pid, 0) != 0 && errno == ESRCH); /* reaped */
    CHECK_INT(pg.pid, 0);
    hl_pg_destroy(&pg); /* twice is harmless */
}

static void test_a_missing_postgresql_fails_and_leaves_nothing(void)
{
    char *empty = hl_test_tmpdir("pgnone");
    setenv("HL_PG_BINDIR", empty, 1);
    hl_pg_t pg;
    CHECK(!hl_pg_start(&pg));
    unsetenv("HL_PG_BINDIR");
    CHECK_INT(pg.pid, 0);
    CHECK_STR(pg.tmp, "");
    char *none = hl_pg_query(pg.conninfo, "SELECT 1"); /* not the system's cluster */
    CHECK(none == NULL);
    free(none);
    hl_pg_destroy(&pg);
    hl_test_rmtree(empty);
    free(empty);
}

/* Runs hl_pg_start with stderr in a file; its result, *said what it printed (malloc'd). */
static bool start_capturing(hl_pg_t *pg, const char *dir, char **said)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/stderr", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    bool ok = hl_pg_start(pg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    *said = hl_test_read_file(path, NULL);
    return ok;
}

static void test_a_server_that_does_not_start_fails_with_its_log_and_leaves_nothing(void)
{
    /* The real initdb (through a link: it finds its own postgres), and in
     * place of postgres a program that says why it fails. */
    char *bin = hl_test_tmpdir("pgbad");
    chmod(bin, 0755); /* the postgres user runs it when root */
    char initdb[PATH_MAX], real[PATH_MAX];
    snprintf(initdb, sizeof initdb, "%s/initdb", bin);
    const char *dir = getenv("HL_PG_BINDIR");
    glob_t g = {0};
    if (dir && *dir)
        snprintf(real, sizeof real, "%s/initdb", dir);
    else if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0)
        snprintf(real, sizeof real, "%s", g.gl_pathv[0]); /* any version will do */
    else
        real[0] = '\0';
    globfree(&g);
    CHECK_INT(symlink(real, initdb), 0);
    char *fake = hl_test_write_file(bin, "postgres",
                                    "#!/bin/sh\necho 'FATAL:  broken on purpose' >&2\nexit 1\n");
    chmod(fake, 0755);
    free(fake);
    setenv("HL_PG_BINDIR", bin, 1);
    hl_pg_t pg;
    char *said = NULL;
    CHECK(!start_capturing(&pg, bin, &said));
    unsetenv("HL_PG_BINDIR");
    CHECK_CONTAINS(said, "postgres exited with 1");
    CHECK_CONTAINS(said, "broken on purpose"); /* the log's tail */
    free(said);
    CHECK_INT(pg.pid, 0);
    CHECK_STR(pg.tmp, ""); /* removed */
    hl_test_rmtree(bin);
    free(bin);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_cluster_starts_with_fsync_on_no_tcp_and_answers_a_query),
    HL_TEST(test_two_databases_are_made_and_kept_apart),
    HL_TEST(test_committed_rows_survive_an_immediate_and_a_plain_restart),
    HL_TEST(test_committed_rows_survive_a_kill_of_the_postmaster),
    HL_TEST(test_a_stopped_cluster_refuses_connections_until_started_again),
    HL_TEST(test_two_clusters_run_side_by_side_on_the_same_port),
    HL_TEST(test_a_long_tmpdir_puts_the_socket_in_a_short_folder),
    HL_TEST(test_destroy_removes_the_folder_and_ends_the_server),
    HL_TEST(test_a_missing_postgresql_fails_and_leaves_nothing),
    HL_TEST(test_a_server_that_does_not_start_fails_with_its_log_and_leaves_nothing),
};
HL_TEST_MAIN(tests)
