/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_stats.c: the dashboard's rollups (firmware/server/sql/004-stats.sql)
 * against the raw tables, on a throw-away PostgreSQL (hl_pg.h) migrated by
 * the real `hailong-server db migrate`.
 *
 * Responses are inserted by SQL (and once through the real hailong.ingest),
 * spread over three units, two surveys (a smiley and a stars main question),
 * counters and officers present or not, partial and suspect ones, across the
 * end of October in local time (Asia/Ho_Chi_Minh: 17:00 UTC is the next local
 * day). Each figure of the rollups is compared with the same figure computed
 * here from hailong.responses and hailong.answers by a query written
 * independently (the satisfied answers spelled out, not read from the
 * rollups' tables): every row of one must be a row of the other. Then: a
 * refresh redoes only the (unit, day) pairs it must, a late response updates
 * its old day, a refresh running beside a push and another refresh loses
 * nothing, a survey registered after its responses counts them, the page
 * functions clip weeks to the month and leave out days after "now", and the
 * web role reads the rollups and calls the page functions, and can
 * neither change the rollups nor call their internals; the service's own
 * thread (srv_stats.c) refreshes them.
 */
#include "hl_pg.h"
#include "hl_test.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static hl_pg_t pg;
static bool pg_up;
static int db_counter; /* databases made so far (t1, t2, ...) */

/* A fresh database copied from a template migrated by the real command. */
static void db_make(char *out, size_t cap)
{
    if (!pg_up) CHECK(pg_up = hl_pg_start(&pg));
    if (!db_counter) {
        char tmpl[PATH_MAX + 200];
        CHECK(hl_pg_create_db(&pg, "tmpl", tmpl, sizeof tmpl));
        const char *argv[] = {HL_SERVER_BIN, "db", "migrate", "--db", tmpl, NULL};
        char *o = NULL, *e = NULL;
        int rc = hl_test_run_watchdog(argv, NULL, &o, &e, 300);
        if (rc) printf("migrate: %s %s\n", o ? o : "", e ? e : "");
        CHECK_INT(rc, 0);
        CHECK_CONTAINS(o, "applied 004-stats.sql");
        free(o);
        free(e);
    }
    char sql[96];
    snprintf(sql, sizeof sql, "CREATE DATABASE t%d TEMPLATE tmpl", ++db_counter);
    free(hl_pg_query(pg.conninfo, sql));
    snprintf(out, cap, "host=%s port=%d user=postgres dbname=t%d", pg.sockdir, pg.port, db_counter);
}

static long long qnum(const char *db, const char *sql)
{
    char *v = hl_pg_query(db, sql);
    if (!v) hl_test_fail(__FILE__, __LINE__, "query failed: %s", sql);
    long long n = v ? atoll(v) : -1;
    free(v);
    return n;
}

static void qok(const char *db, const char *sql)
{
    char *v = hl_pg_query(db, sql);
    if (!v) hl_test_fail(__FILE__, __LINE__, "query failed: %s", sql);
    free(v);
}

/* Two surveys: s1's main question a 5-face smiley (best first) with reasons
 * after a low rating and a comment box; s2's a stars question. */
static const char surveys_sql[] =
    "INSERT INTO hailong.kiosks (id, unit, token_hash) SELECT 'k' || i, "
    "  (ARRAY['u-a','u-b','u-c'])[1 + i % 3], sha256(convert_to('k' || i, 'UTF8')) "
    "  FROM generate_series(0, 5) i;"
    "SELECT hailong.register_survey(repeat('1', 64), $s$"
    "{\"id\": \"s1\", \"version\": 1, \"questions\": ["
    " {\"id\": \"overall\", \"type\": \"smiley\", \"options\": [{\"id\": \"vs\"}, {\"id\": \"s\"},"
    "  {\"id\": \"n\"}, {\"id\": \"d\"}, {\"id\": \"vd\"}]},"
    " {\"id\": \"reasons\", \"type\": \"multi\", \"show_if\": {\"question\": \"overall\","
    "  \"at_most\": 2}, \"options\": [{\"id\": \"slow\"}, {\"id\": \"rude\"}, {\"id\": "
    "\"other\"}]},"
    " {\"id\": \"trips\", \"type\": \"choice\", \"options\": [{\"id\": \"once\"}, {\"id\": "
    "\"more\"}]},"
    " {\"id\": \"comment\", \"type\": \"text\"}]}$s$);";
static const char survey2_sql[] = "SELECT hailong.register_survey(repeat('2', 64), $s$"
                                  "{\"id\": \"s2\", \"version\": 3, \"questions\": ["
                                  " {\"id\": \"posted\", \"type\": \"yesno\"},"
                                  " {\"id\": \"rating\", \"type\": \"stars\"}]}$s$);";

/* n responses numbered from `from`, one every 7 min 13 s from 2026-10-29
 * 00:00 UTC (ten days: across the local midnights and the end of October),
 * with their answers; every field varies with the number. */
static void insert_responses(const char *db, int from, int n)
{
    char sql[4096];
    snprintf(
        sql, sizeof sql,
        "CREATE TEMP TABLE g AS SELECT g, (ARRAY['u-a','u-b','u-c'])[1 + g %% 3] AS unit,"
        "  'k' || (g %% 6) AS kiosk, CASE WHEN g %% 10 = 0 THEN 's2' ELSE 's1' END AS sid,"
        "  timestamptz '2026-10-29 00:00Z' + g * interval '7 minutes 13 seconds' AS fin"
        "  FROM generate_series(%d, %d) g;"
        "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id,"
        "  survey_version, survey_sha256, language, started_at, finished_at, status, suspect,"
        "  clock_trusted, officer_id, counter, signed, negative, raw)"
        " SELECT md5(g::text)::uuid, kiosk, g, unit, sid, 1,"
        "  repeat(CASE sid WHEN 's1' THEN '1' ELSE '2' END, 64), 'vi', fin, fin,"
        "  CASE WHEN g %% 9 = 0 THEN 'partial' ELSE 'complete' END,"
        "  CASE WHEN g %% 13 = 0 THEN 'fast' END, true,"
        "  CASE WHEN g %% 4 = 0 THEN NULL ELSE 'o' || (g %% 3) END,"
        "  CASE WHEN g %% 5 < 2 THEN NULL ELSE 'c' || (g %% 2) END, true,"
        "  g %% 5 >= 3, '{}' FROM g;"
        "INSERT INTO hailong.answers (response_id, unit, finished_at, question_id, value, ms)"
        " SELECT md5(g::text)::uuid, unit, fin, a.q, a.v, 100 FROM g CROSS JOIN LATERAL ("
        "  VALUES (CASE sid WHEN 's1' THEN 'overall' ELSE 'rating' END,"
        "          CASE WHEN g %% 11 = 0 THEN NULL WHEN sid = 's2' THEN (1 + g / 10 %% 5)::text"
        "               ELSE (ARRAY['vs','s','n','d','vd'])[1 + g %% 5] END),"
        "   ('reasons', CASE WHEN sid = 's1' AND g %% 5 >= 3 AND g %% 11 <> 0 THEN"
        "               (ARRAY['slow|rude','other'])[1 + g %% 2] END),"
        "   ('trips', CASE WHEN sid = 's1' THEN (ARRAY['once','more'])[1 + g %% 2] END),"
        "   ('posted', CASE WHEN sid = 's2' THEN 'yes' END),"
        "   ('comment', CASE WHEN sid = 's1' AND g %% 17 = 0 THEN 'slow'"
        "                    WHEN sid = 's1' AND g %% 19 = 0 THEN '  ' END)) a(q, v)"
        " WHERE a.v IS NOT NULL;"
        "DROP TABLE g;",
        from, from + n - 1);
    qok(db, sql);
}

/* The raw figures per (unit, local day, place, officer, local hour,
 * survey), computed without the rollups' helper tables. */
static const char raw_cells[] =
    "SELECT r.unit, (r.finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,"
    " coalesce(r.counter, r.kiosk_id) AS place, coalesce(r.officer_id, '') AS officer,"
    " extract(hour FROM r.finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::int AS hour, r.survey_id,"
    " count(*)::int AS responses, count(*) FILTER (WHERE r.status = 'complete')::int AS complete,"
    " count(*) FILTER (WHERE r.status = 'partial')::int AS partial,"
    " count(*) FILTER (WHERE r.suspect IS NOT NULL)::int AS suspect,"
    " count(*) FILTER (WHERE r.negative)::int AS negative,"
    " count(a.value)::int AS rated,"
    " count(*) FILTER (WHERE a.value IN ('vs', 's') AND r.survey_id = 's1'"
    "   OR a.value IN ('4', '5') AND r.survey_id = 's2')::int AS satisfied"
    " FROM hailong.responses r LEFT JOIN hailong.answers a ON a.response_id = r.response_id"
    "  AND a.question_id = CASE r.survey_id WHEN 's1' THEN 'overall' ELSE 'rating' END"
    "  AND r.survey_sha256 IN (SELECT sha256 FROM hailong.surveys)"
    " GROUP BY 1, 2, 3, 4, 5, 6";
static const char rollup_cells[] =
    "SELECT unit, day, place, officer, hour::int, survey_id, responses, complete, partial,"
    " suspect, negative, rated, satisfied FROM hailong.stats_cell";

/* Rows in one query's answer and not the other's, both ways (0: equal). */
static long long differ(const char *db, const char *a, const char *b)
{
    size_t cap = strlen(a) + strlen(b) * 2 + strlen(a) + 200;
    char *sql = malloc(cap);
    snprintf(sql, cap,
             "SELECT (SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) x)"
             " + (SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) y)",
             a, b, b, a);
    long long n = qnum(db, sql);
    free(sql);
    return n;
}

static const char raw_unit_day[] =
    "SELECT r.unit, (r.finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,"
    " count(*)::int, count(*) FILTER (WHERE r.status = 'partial')::int,"
    " count(*) FILTER (WHERE r.suspect IS NOT NULL)::int,"
    " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM hailong.answers a"
    "   WHERE a.response_id = r.response_id AND a.question_id = 'comment'"
    "     AND btrim(a.value) <> ''))::int"
    " FROM hailong.responses r GROUP BY 1, 2";
static const char rollup_unit_day[] =
    "SELECT unit, day, responses, partial, suspect, comments FROM hailong.stats_unit_day";

static const char raw_questions[] =
    "SELECT r.unit, (r.finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, r.survey_id,"
    " a.question_id, v.value, count(*)::int FROM hailong.responses r"
    " JOIN hailong.answers a ON a.response_id = r.response_id"
    " JOIN hailong.survey_questions q ON q.sha256 = r.survey_sha256"
    "  AND q.question_id = a.question_id"
    " CROSS JOIN LATERAL (SELECT '' UNION ALL SELECT unnest(string_to_array(a.value, '|'))) "
    "v(value)"
    " WHERE a.question_id <> 'comment' GROUP BY 1, 2, 3, 4, 5";
static const char rollup_questions[] =
    "SELECT unit, day, survey_id, question_id, value, n FROM hailong.stats_question_day";

static void check_all_equal(const char *db)
{
    CHECK_INT(differ(db, raw_cells, rollup_cells), 0);
    CHECK_INT(differ(db, raw_unit_day, rollup_unit_day), 0);
    CHECK_INT(differ(db, raw_questions, rollup_questions), 0);
}

static void test_every_rollup_figure_equals_the_raw_tables_across_units_and_local_days(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    qok(db, survey2_sql);
    insert_responses(db, 1, 2000);
    CHECK(qnum(db, "SELECT hailong.refresh_stats()") > 20);
    check_all_equal(db);
    /* not vacuous: every kind of row is there */
    CHECK_INT(qnum(db, "SELECT sum(responses) FROM hailong.stats_cell"), 2000);
    CHECK(qnum(db, "SELECT count(*) FROM hailong.stats_cell WHERE officer = ''") > 0);
    CHECK(qnum(db, "SELECT count(*) FROM hailong.stats_cell WHERE place LIKE 'k%'") > 0);
    CHECK(qnum(db, "SELECT sum(partial) FROM hailong.stats_cell") > 0);
    CHECK(qnum(db, "SELECT sum(suspect) FROM hailong.stats_cell") > 0);
    CHECK(qnum(db, "SELECT sum(satisfied) FROM hailong.stats_cell WHERE survey_id = 's2'") > 0);
    CHECK(qnum(db, "SELECT sum(rated) - sum(satisfied) FROM hailong.stats_cell") > 0);
    CHECK(qnum(db, "SELECT sum(responses) - sum(rated) FROM hailong.stats_cell") > 0);
    CHECK(qnum(db, "SELECT sum(comments) FROM hailong.stats_unit_day") > 0);
    CHECK(qnum(db, "SELECT count(*) FROM hailong.stats_question_day WHERE value = 'rude'") > 0);
    /* response 540 finished 2026-10-31 16:57 UTC: 23:57 local, Oct 31, in u-a at
     * kiosk k0 without counter or officer, survey s2; 541 at 17:04 UTC: 00:04
     * local, Nov 1, in u-b at kiosk k1, officer o1 */
    CHECK_INT(qnum(db, "SELECT responses FROM hailong.stats_cell WHERE unit = 'u-a' AND "
                       "day = '2026-10-31' AND hour = 23 AND place = 'k0' AND officer = '' "
                       "AND survey_id = 's2'"),
              1);
    CHECK_INT(qnum(db, "SELECT responses FROM hailong.stats_cell WHERE unit = 'u-b' AND "
                       "day = '2026-11-01' AND hour = 0 AND place = 'k1' AND officer = 'o1' "
                       "AND survey_id = 's1'"),
              1);
    /* nothing left to do */
    CHECK_INT(qnum(db, "SELECT hailong.refresh_stats()"), 0);
    CHECK_INT(qnum(db, "SELECT count(*) FROM hailong.stats_touched"), 0);
}

/* "unit day xmin" of every unit-day row: which rows a refresh rewrote. */
static char *unit_day_versions(const char *db)
{
    return hl_pg_query(db, "SELECT string_agg(unit || ' ' || day || ' ' || xmin, ',' "
                           "ORDER BY unit, day) FROM hailong.stats_unit_day");
}

static void test_a_refresh_redoes_only_the_days_that_received_responses(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    insert_responses(db, 1, 1000);
    CHECK(qnum(db, "SELECT hailong.refresh_stats()") > 0);
    char *before = unit_day_versions(db);
    /* one response for u-b on local Nov 2, one for u-c on Nov 3 */
    qok(db, "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, "
            "survey_version, survey_sha256, language, started_at, finished_at, status, "
            "clock_trusted, signed, raw) VALUES "
            "(gen_random_uuid(), 'k1', 90001, 'u-b', 's1', 1, repeat('1', 64), 'vi', "
            "'2026-11-02 03:00Z', '2026-11-02 03:00Z', 'complete', true, true, '{}'), "
            "(gen_random_uuid(), 'k2', 90002, 'u-c', 's1', 1, repeat('1', 64), 'vi', "
            "'2026-11-02 18:00Z', '2026-11-02 18:00Z', 'complete', true, true, '{}')");
    CHECK_INT(qnum(db, "SELECT hailong.refresh_stats()"), 2);
    CHECK_INT(qnum(db, "SELECT pairs FROM hailong.stats_state"), 2);
    char *after = unit_day_versions(db);
    /* the same rows, and every one but the two kept its version */
    CHECK(before && after);
    int changed = 0, rows = 0;
    char *sb = NULL, *sa = NULL;
    for (char *b = strtok_r(before, ",", &sb), *a = strtok_r(after, ",", &sa); b && a;
         b = strtok_r(NULL, ",", &sb), a = strtok_r(NULL, ",", &sa)) {
        rows++;
        if (strcmp(a, b)) {
            changed++;
            CHECK(!strncmp(a, "u-b 2026-11-02 ", 15) || !strncmp(a, "u-c 2026-11-03 ", 15));
        }
    }
    CHECK(rows > 10);
    CHECK_INT(changed, 2);
    free(before);
    free(after);
    check_all_equal(db);
}

static void test_a_late_response_for_an_old_day_updates_that_day(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    insert_responses(db, 1, 600);
    qnum(db, "SELECT hailong.refresh_stats()");
    long long was = qnum(db, "SELECT responses FROM hailong.stats_unit_day "
                             "WHERE unit = 'u-a' AND day = '2026-10-30'");
    CHECK(was > 0);
    /* received today, finished on a day refreshed long ago */
    qok(db, "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, "
            "survey_version, survey_sha256, language, started_at, finished_at, status, "
            "clock_trusted, signed, raw) VALUES (gen_random_uuid(), 'k0', 90001, 'u-a', 's1', 1, "
            "repeat('1', 64), 'vi', '2026-10-30 02:00Z', '2026-10-30 02:00Z', 'partial', true, "
            "true, '{}')");
    CHECK_INT(qnum(db, "SELECT hailong.refresh_stats()"), 1);
    CHECK_INT(qnum(db, "SELECT responses FROM hailong.stats_unit_day "
                       "WHERE unit = 'u-a' AND day = '2026-10-30'"),
              was + 1);
    check_all_equal(db);
}

/* Sends sql on c without waiting; the answer is read by finish(). */
static PGconn *connect_db(const char *db)
{
    PGconn *c = PQconnectdb(db);
    CHECK(PQstatus(c) == CONNECTION_OK);
    return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        hl_test_fail(__FILE__, __LINE__, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static void finish(PGconn *c)
{
    PGresult *r;
    while ((r = PQgetResult(c))) {
        int st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            hl_test_fail(__FILE__, __LINE__, "%s", PQresultErrorMessage(r));
        PQclear(r);
    }
}

/* Waits (a condition, bounded against a hang only) until a session of this
 * database waits for a lock. */
static bool a_session_waits(const char *db)
{
    for (int i = 0; i < 12000; i++) {
        if (qnum(db, "SELECT count(*) FROM pg_locks WHERE NOT granted") > 0) return true;
        usleep(10000);
    }
    return false;
}

static void test_refreshes_beside_each_other_and_beside_a_push_lose_nothing(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    insert_responses(db, 1, 800);
    PGconn *push = connect_db(db), *r1 = connect_db(db), *r2 = connect_db(db);
    /* a push in flight (uncommitted) while a refresh runs and commits: its
     * (unit, day) stays logged for the next refresh */
    exec_ok(push, "BEGIN");
    exec_ok(push, "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, "
                  "survey_version, survey_sha256, language, started_at, finished_at, status, "
                  "clock_trusted, signed, raw) VALUES (gen_random_uuid(), 'k0', 90001, 'u-a', "
                  "'s1', 1, repeat('1', 64), 'vi', '2026-10-29 03:00Z', '2026-10-29 03:00Z', "
                  "'complete', true, true, '{}')");
    /* two refreshes at once: the second waits for the first's lock */
    exec_ok(r1, "BEGIN");
    exec_ok(r1, "SELECT hailong.refresh_stats()");
    CHECK(PQsendQuery(r2, "SELECT hailong.refresh_stats()"));
    CHECK(a_session_waits(db));
    exec_ok(r1, "COMMIT");
    finish(r2);
    exec_ok(push, "COMMIT");
    /* the response committed after both took their pairs: still to do */
    CHECK(qnum(db, "SELECT count(*) FROM hailong.stats_touched") > 0);
    CHECK_INT(qnum(db, "SELECT hailong.refresh_stats()"), 1);
    check_all_equal(db);
    /* a push begun before a refresh that commits while the refresh is still
     * open, to a pair that refresh recomputed: a second refresh takes the
     * pair again, after the first commits (not beside it: its rows would
     * collide with the first's) */
    exec_ok(push, "BEGIN");
    exec_ok(push, "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, "
                  "survey_version, survey_sha256, language, started_at, finished_at, status, "
                  "clock_trusted, signed, raw) VALUES (gen_random_uuid(), 'k0', 90003, 'u-a', "
                  "'s1', 1, repeat('1', 64), 'vi', '2026-10-29 04:00Z', '2026-10-29 04:00Z', "
                  "'partial', true, true, '{}')");
    qok(db, "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, "
            "survey_version, survey_sha256, language, started_at, finished_at, status, "
            "clock_trusted, signed, raw) VALUES (gen_random_uuid(), 'k0', 90004, 'u-a', 's1', "
            "1, repeat('1', 64), 'vi', '2026-10-29 05:00Z', '2026-10-29 05:00Z', 'complete', "
            "true, true, '{}')");
    exec_ok(r1, "BEGIN");
    exec_ok(r1, "SELECT hailong.refresh_stats()");
    exec_ok(push, "COMMIT");
    CHECK(PQsendQuery(r2, "SELECT hailong.refresh_stats()"));
    CHECK(a_session_waits(db));
    exec_ok(r1, "COMMIT");
    finish(r2);
    CHECK_INT(qnum(db, "SELECT hailong.refresh_stats()"), 0);
    check_all_equal(db);
    /* a refresh that took a pair while a push of the same pair commits
     * midway: the push's log row stays, nothing lost either */
    insert_responses(db, 5000, 50);
    exec_ok(r1, "BEGIN");
    exec_ok(r1, "SELECT hailong.refresh_stats(1)");
    PGresult *took = PQexec(r1, "SELECT unit, day FROM hailong.stats_unit_day "
                                "WHERE xmin::text = (txid_current() % 4294967296)::text");
    CHECK_INT(PQntuples(took), 1);
    if (PQntuples(took) == 1) {
        char sql[768];
        snprintf(sql, sizeof sql,
                 "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, "
                 "survey_version, survey_sha256, language, started_at, finished_at, status, "
                 "clock_trusted, signed, raw) VALUES (gen_random_uuid(), 'k0', 90002, '%s', "
                 "'s1', 1, repeat('1', 64), 'vi', hailong.local_start('%s') + interval '12 h', "
                 "hailong.local_start('%s') + interval '12 h', 'complete', true, true, '{}')",
                 PQgetvalue(took, 0, 0), PQgetvalue(took, 0, 1), PQgetvalue(took, 0, 1));
        qok(db, sql);
    }
    PQclear(took);
    exec_ok(r1, "COMMIT");
    CHECK(qnum(db, "SELECT count(*) FROM hailong.stats_touched") > 0);
    while (qnum(db, "SELECT hailong.refresh_stats()") > 0) {
    }
    check_all_equal(db);
    PQfinish(push);
    PQfinish(r1);
    PQfinish(r2);
}

static void test_a_bounded_refresh_does_the_oldest_pairs_and_leaves_the_rest(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    insert_responses(db, 1, 900);
    long long pairs = qnum(db, "SELECT count(DISTINCT (unit, day)) FROM hailong.stats_touched");
    CHECK(pairs > 10);
    CHECK_INT(qnum(db, "SELECT hailong.refresh_stats(5)"), 5);
    CHECK_INT(qnum(db, "SELECT count(*) FROM hailong.stats_unit_day"), 5);
    CHECK_INT(qnum(db, "SELECT hailong.refresh_stats()"), pairs - 5);
    check_all_equal(db);
}

static void test_a_survey_registered_after_its_responses_counts_their_ratings(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    insert_responses(db, 1, 500); /* s2's responses: its survey not registered yet */
    qnum(db, "SELECT hailong.refresh_stats()");
    CHECK_INT(qnum(db, "SELECT sum(rated) FROM hailong.stats_cell WHERE survey_id = 's2'"), 0);
    CHECK(qnum(db, "SELECT sum(responses) FROM hailong.stats_cell WHERE survey_id = 's2'") > 0);
    qok(db, survey2_sql);
    CHECK(qnum(db, "SELECT hailong.refresh_stats()") > 0);
    CHECK(qnum(db, "SELECT sum(rated) FROM hailong.stats_cell WHERE survey_id = 's2'") > 0);
    char *sat = hl_pg_query(db, "SELECT string_agg(value, ',' ORDER BY value) FROM "
                                "hailong.survey_satisfied WHERE sha256 = repeat('2', 64)");
    CHECK_STR(sat, "4,5");
    free(sat);
    check_all_equal(db);
}

static void test_a_push_through_ingest_logs_its_days_for_the_refresh(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    qok(db, "SELECT hailong.ingest('k0', ARRAY['{\"response_id\": "
            "\"8c1c3a5e-0000-4000-8000-000000000001\", \"seq\": 1, \"survey_id\": \"s1\", "
            "\"survey_version\": 1, \"survey_sha256\": \"" /* s1 */
            "1111111111111111111111111111111111111111111111111111111111111111\", \"language\": "
            "\"vi\", \"started_at\": \"2026-10-31T16:58:00Z\", \"finished_at\": "
            "\"2026-10-31T17:00:00Z\", \"status\": \"complete\", \"clock_trusted\": true, "
            "\"counter\": \"c9\", \"answers\": {\"overall\": {\"value\": \"s\", \"ms\": 900}}}'],"
            " ARRAY[false], ARRAY[NULL::text], NULL, NULL, NULL, NULL, NULL, NULL, '{}')");
    CHECK_INT(qnum(db, "SELECT hailong.refresh_stats()"), 1);
    CHECK_INT(qnum(db, "SELECT satisfied FROM hailong.stats_cell WHERE unit = 'u-a' AND "
                       "day = '2026-11-01' AND hour = 0 AND place = 'c9'"),
              1);
    check_all_equal(db);
}

static void test_the_page_functions_clip_weeks_to_the_month_and_stop_at_now(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    qok(db, survey2_sql);
    insert_responses(db, 1, 2000); /* to 2026-11-08 */
    qnum(db, "SELECT hailong.refresh_stats()");
    /* November 2026 begins on a Sunday: its weeks are Nov 1 (one day), 2, 9... */
    const char *ov = "FROM hailong.dash_overview('2026-11-01', '2026-11-05 12:00+07')";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT string_agg(key, ',' ORDER BY key) %s WHERE kind = 'week'",
             ov);
    char *weeks = hl_pg_query(db, sql);
    CHECK_STR(weeks, "2026-11-01,2026-11-02");
    free(weeks);
    /* the weeks add up to the province, so do the units; Nov 6 on are left out */
    snprintf(sql, sizeof sql,
             "SELECT sum(responses) FILTER (WHERE kind = 'week') - sum(responses) FILTER "
             "(WHERE kind = 'province') + sum(responses) FILTER (WHERE kind = 'unit') - "
             "sum(responses) FILTER (WHERE kind = 'province') %s",
             ov);
    CHECK_INT(qnum(db, sql), 0);
    snprintf(sql, sizeof sql, "SELECT responses %s WHERE kind = 'province'", ov);
    CHECK_INT(qnum(db, sql),
              qnum(db, "SELECT count(*) FROM hailong.responses WHERE finished_at >= "
                       "'2026-11-01 00:00+07' AND finished_at < '2026-11-06 00:00+07'"));
    snprintf(sql, sizeof sql, "SELECT satisfied %s WHERE kind = 'unit' AND key = 'u-b'", ov);
    CHECK_INT(qnum(db, sql),
              qnum(db, "SELECT sum(satisfied) FROM hailong.stats_cell WHERE unit = 'u-b' AND "
                       "day BETWEEN '2026-11-01' AND '2026-11-05'"));
    /* a unit's parts: counters and hours add up to it, officers to less */
    const char *un = "FROM hailong.dash_unit('u-a', '2026-11-01', '2026-11-30 12:00+07')";
    snprintf(sql, sizeof sql,
             "SELECT (sum(responses) FILTER (WHERE kind = 'counter') = sum(responses) FILTER "
             "(WHERE kind = 'unit'))::int + (sum(responses) FILTER (WHERE kind = 'hour') = "
             "sum(responses) FILTER (WHERE kind = 'unit'))::int + (sum(responses) FILTER "
             "(WHERE kind = 'officer') < sum(responses) FILTER (WHERE kind = 'unit'))::int + "
             "(sum(responses) FILTER (WHERE kind = 'week') = sum(responses) FILTER "
             "(WHERE kind = 'unit'))::int %s",
             un);
    CHECK_INT(qnum(db, sql), 4);
    snprintf(sql, sizeof sql, "SELECT responses %s WHERE kind = 'unit'", un);
    CHECK_INT(qnum(db, sql),
              qnum(db, "SELECT count(*) FROM hailong.responses WHERE unit = 'u-a' AND "
                       "finished_at >= '2026-11-01 00:00+07'"));
    /* distributions: the reasons, a multi answer counted per option */
    const char *qs = "FROM hailong.dash_questions('u-b', '2026-11-01', '2026-11-30 12:00+07')";
    snprintf(sql, sizeof sql,
             "SELECT count(*) %s WHERE question_id = 'reasons' AND role = 'reasons' AND "
             "type = 'multi'",
             qs);
    CHECK_INT(qnum(db, sql), 3);
    snprintf(sql, sizeof sql,
             "SELECT (sum(n) > max(answered))::int %s WHERE question_id = 'reasons'", qs);
    CHECK_INT(qnum(db, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT question_id) %s WHERE role = 'main' AND "
             "question_id IN ('overall', 'rating')",
             qs);
    CHECK_INT(qnum(db, sql), 2);
    snprintf(sql, sizeof sql, "SELECT sum(n) - max(answered) %s WHERE question_id = 'overall'", qs);
    CHECK_INT(qnum(db, sql), 0);
    /* fleet and alerts at a pinned now */
    qok(db, "INSERT INTO hailong.alerts (kind, happened_at, recorded_at, kiosk_id, unit) VALUES "
            "('negative_burst', '2026-11-02Z', '2026-11-02Z', 'k0', 'u-a'), "
            "('negative_burst', '2026-11-20Z', '2026-11-20Z', 'k0', 'u-a')");
    CHECK_INT(qnum(db, "SELECT count(*) FROM hailong.dash_alerts('2026-11-10Z')"), 1);
    CHECK_INT(qnum(db, "SELECT open_alerts FROM hailong.dash_fleet('2026-11-10Z') "
                       "WHERE kiosk_id = 'k0'"),
              1);
    CHECK_INT(qnum(db, "SELECT count(*) FROM hailong.dash_fleet('2026-11-10Z', 'u-b')"), 2);
}

static void test_the_web_role_reads_the_pages_functions_and_no_table(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    insert_responses(db, 1, 300);
    qok(db, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'stats_web') "
            "THEN CREATE ROLE stats_web LOGIN IN ROLE hailong_web; END IF; END $$");
    char web[PATH_MAX + 240];
    snprintf(web, sizeof web, "%s user=stats_web", db);
    CHECK(qnum(db, "SELECT hailong.refresh_stats()") > 0);
    CHECK(qnum(web, "SELECT count(*) FROM hailong.dash_overview('2026-10-01', now())") > 3);
    CHECK_INT(qnum(web, "SELECT sum(responses) FROM hailong.dash_overview('2026-10-01', now()) "
                        "WHERE kind = 'unit'"),
              qnum(db, "SELECT count(*) FROM hailong.responses WHERE finished_at < "
                       "'2026-11-01 00:00+07'"));
    /* refused: hl_pg_query answers NULL (its message on stderr): no table,
     * not even the rollups, and no refresh (the service's) */
    char *v = hl_pg_query(web, "SELECT count(*) FROM hailong.stats_unit_day");
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(web, "SELECT hailong.refresh_stats()");
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(web, "SELECT count(*) FROM hailong.stats_touched");
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(web, "DELETE FROM hailong.stats_unit_day");
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(web, "SELECT hailong.stats_recompute(false)");
    CHECK(v == NULL);
    free(v);
}

/* The service's own thread refreshes at its start and every 30 s: figures
 * appear with nobody calling refresh_stats, and a stop is prompt. */
static void test_the_service_refreshes_the_rollups_by_itself(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    insert_responses(db, 1, 400);
    char *dir = hl_test_tmpdir("stats-serve");
    char pf[PATH_MAX], log[PATH_MAX];
    snprintf(pf, sizeof pf, "%s/port", dir);
    snprintf(log, sizeof log, "%s/server.log", dir);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        const char *argv[] = {HL_SERVER_BIN, "serve", "--listen",  "127.0.0.1:0", "--port-file", pf,
                              "--db",        db,      "--threads", "2",           NULL};
        hl_test_execv(argv);
        _exit(127);
    }
    /* a condition, bounded against a hang only */
    bool done = false;
    for (int i = 0; i < 12000 && !done; i++) {
        done = qnum(db, "SELECT count(*) FROM hailong.stats_touched") == 0 &&
               qnum(db, "SELECT (refreshed_at IS NOT NULL)::int FROM hailong.stats_state") == 1;
        if (!done) usleep(10000);
    }
    CHECK(done);
    check_all_equal(db);
    CHECK_INT(qnum(db, "SELECT sum(responses) FROM hailong.stats_unit_day"), 400);
    kill(pid, SIGTERM);
    int st = -1;
    CHECK_INT(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *text = hl_test_read_file(log, NULL);
    CHECK(text && !strstr(text, "not refreshed"));
    free(text);
    hl_test_rmtree(dir);
    free(dir);
}

/* n responses of unit u-d on 2026-11-10 (UTC) by officer (NULL: none). */
static void insert_officer(const char *db, int first, int n, const char *officer)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id,"
             "  survey_version, survey_sha256, language, started_at, finished_at, status,"
             "  clock_trusted, officer_id, signed, negative, raw)"
             " SELECT md5('om' || g)::uuid, 'k0', g, 'u-d', 's1', 1, repeat('1', 64), 'vi',"
             "  timestamptz '2026-11-10 03:00Z' + g * interval '1 minute',"
             "  timestamptz '2026-11-10 03:00Z' + g * interval '1 minute', 'complete', true,"
             "  %s%s%s, true, false, '{}' FROM generate_series(%d, %d) g",
             officer ? "'" : "", officer ? officer : "NULL", officer ? "'" : "", first,
             first + n - 1);
    qok(db, sql);
}

static void test_the_bi_view_of_officers_hides_one_more_when_subtraction_would_tell(void)
{
    char db[PATH_MAX + 200];
    db_make(db, sizeof db);
    qok(db, surveys_sql);
    insert_officer(db, 1, 8, "an");
    insert_officer(db, 101, 6, "binh");
    insert_officer(db, 201, 3, "cuong");
    /* 17 - 8 - 6 would be cuong's 3: binh (the smaller shown) is left out too. */
    CHECK_INT(qnum(db, "SELECT count(*) FROM hailong_report.officer_month WHERE unit = 'u-d'"), 1);
    CHECK_INT(qnum(db, "SELECT responses FROM hailong_report.officer_month "
                       "WHERE unit = 'u-d' AND officer_id = 'an'"),
              8);
    /* Two more of cuong's: 5, shown, and nothing is left to tell. */
    insert_officer(db, 301, 2, "cuong");
    CHECK_INT(qnum(db, "SELECT count(*) FROM hailong_report.officer_month WHERE unit = 'u-d'"), 3);
    /* Three served by no officer: 22 - 19 = 3 would be theirs: the smallest
     * shown (cuong, 5) goes. */
    insert_officer(db, 401, 3, NULL);
    CHECK_INT(qnum(db, "SELECT count(*) FROM hailong_report.officer_month WHERE unit = 'u-d'"), 2);
    CHECK_INT(qnum(db, "SELECT count(*) FROM hailong_report.officer_month "
                       "WHERE unit = 'u-d' AND officer_id = 'cuong'"),
              0);
}

static void cleanup(void)
{
    if (pg_up) hl_pg_destroy(&pg);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_every_rollup_figure_equals_the_raw_tables_across_units_and_local_days),
    HL_TEST(test_a_refresh_redoes_only_the_days_that_received_responses),
    HL_TEST(test_a_late_response_for_an_old_day_updates_that_day),
    HL_TEST(test_refreshes_beside_each_other_and_beside_a_push_lose_nothing),
    HL_TEST(test_a_bounded_refresh_does_the_oldest_pairs_and_leaves_the_rest),
    HL_TEST(test_a_survey_registered_after_its_responses_counts_their_ratings),
    HL_TEST(test_a_push_through_ingest_logs_its_days_for_the_refresh),
    HL_TEST(test_the_page_functions_clip_weeks_to_the_month_and_stop_at_now),
    HL_TEST(test_the_web_role_reads_the_pages_functions_and_no_table),
    HL_TEST(test_the_service_refreshes_the_rollups_by_itself),
    HL_TEST(test_the_bi_view_of_officers_hides_one_more_when_subtraction_would_tell),
};

int main(int argc, char **argv)
{
    atexit(cleanup);
    return hl_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
