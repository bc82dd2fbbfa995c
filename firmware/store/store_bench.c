/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_bench.c: what only the benchmarks (and their tests) ask of the
 * store (hl_store_bench.h): the CSV export as SQL for the sqlite3 shell, the
 * yardstick hailong-bench measures the exporter against.
 */
#include "hl_store_bench.h"
#include "store_int.h"

int hl_store_export_sql(hl_store_t *st, const char *survey_id, char **sql, hl_err_t *err)
{
    *sql = NULL;
    char **cols = NULL;
    size_t n = 0;
    int rc = hl_store_survey_columns(st, survey_id, &cols, &n, err);
    if (rc != HL_OK) return rc;
    /* Same columns and text as hl_export_csv's data rows; times are
     * truncated to seconds as in hl_time_iso8601 (for times after 1970). */
    sqlite3_str *b = sqlite3_str_new(NULL);
    sqlite3_str_appendall(
        b, "SELECT r.uuid, r.seq, r.kiosk_id, s.survey_id, s.version, r.lang,"
           " strftime('%Y-%m-%dT%H:%M:%SZ', r.started_utc_ms / 1000, 'unixepoch'),"
           " strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_utc_ms / 1000, 'unixepoch'),"
           " CASE r.status WHEN 1 THEN 'complete' WHEN 2 THEN 'partial' ELSE 'in_progress' END,"
           " r.suspect, r.clock_trusted, r.officer_id, r.counter, r.followup");
    for (size_t i = 0; i < n; i++)
        sqlite3_str_appendf(b,
                            ", (SELECT a.value FROM answers a WHERE a.id BETWEEN r.seq * 64"
                            " AND r.seq * 64 + 63 AND a.qid = %Q)",
                            cols[i]);
    sqlite3_str_appendf(b,
                        " FROM responses r CROSS JOIN surveys s ON s.sid = r.survey"
                        " WHERE s.survey_id = %Q ORDER BY r.seq;",
                        survey_id);
    hl_store_free_ids(cols, n);
    char *text = sqlite3_str_finish(b);
    if (!text) return hl_err_set(err, HL_ERR_NOMEM, "out of memory building the export SQL");
    *sql = strdup(text);
    sqlite3_free(text);
    if (!*sql) return hl_err_set(err, HL_ERR_NOMEM, "out of memory building the export SQL");
    return HL_OK;
}
