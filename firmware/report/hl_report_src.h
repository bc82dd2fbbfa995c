/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_report_src.h: where a report's responses come from.
 *   - a folder written by `hailong merge` (merge.json and responses.jsonl:
 *     the kiosks' JSON Lines rows exactly as in the bundles; docs of the
 *     merge): every row counts for the report's unit (bundles name no
 *     unit), the kiosks' verified chain heads and the gaps come from
 *     merge.json; follow-ups are not known offline;
 *   - PostgreSQL (the province server's database, read-only, in one
 *     REPEATABLE READ snapshot): hailong.responses' raw rows of the unit (or
 *     of every unit: "*") for the month and the five before, the surveys of
 *     those rows (hailong.surveys.body), the newest verified chain head of
 *     each kiosk (hailong.chain_heads), the gaps in its sequence among the
 *     stored responses (hailong.response_ids), and the handled follow-ups
 *     (hailong.followups). The gaps are seq numbers never stored whose
 *     sides do not link by their chain (a kiosk removes responses left
 *     empty: its seq skips with nothing missing); a side without a chain
 *     (unsigned, legacy) proves nothing, so such a skip is a gap.
 *     Everything is read through 006-report.sql's functions: as the
 *     caller's own role (hailong.report_*_set), or for a dashboard session
 *     (hailong.web_report_*: the session must be live and see the unit; the
 *     web role reads no table) on the server's pooled connection.
 * Both parse the same row text (hl_report_parse_row), so the same responses
 * give the same figures whichever the source.
 */
#ifndef HL_REPORT_SRC_H
#define HL_REPORT_SRC_H

#include "hl_report.h"

/* Adds one JSON Lines row (text[0..len)) to r for unit (NULL: the
 * report's). HL_ERR_INVALID with what is wrong when it is not a row. */
int hl_report_add_json(hl_report_t *r, const char *unit, const char *text, size_t len,
                       hl_err_t *err);

/* Reads a merged folder (DIR/merge.json, DIR/responses.jsonl) into r.
 * Errors name the file (and line) and what to do. */
int hl_report_read_merged(hl_report_t *r, const char *dir, hl_err_t *err);

/* Reads r's unit and month (and five months before) from PostgreSQL. */
int hl_report_read_pg(hl_report_t *r, const char *conninfo, hl_err_t *err);

/* The same for the dashboard (/reports/): r's unit (never "*": the
 * province's report is a command) through hailong.web_report_* on c, an
 * open connection (libpq's PGconn) left idle afterwards, for the session
 * whose token's SHA-256 is token_hash ("\\x" and 64 hex digits, bytea's
 * text) at now (ISO 8601). HL_ERR_UNTRUSTED when the session is gone or may
 * not see the unit, HL_ERR_USAGE for "*", HL_ERR_IO for the database. Its
 * statements are bounded (statement_timeout 60 s). */
struct pg_conn;
int hl_report_read_pg_session(hl_report_t *r, struct pg_conn *c, const char *token_hash,
                              const char *now, hl_err_t *err);

#endif
