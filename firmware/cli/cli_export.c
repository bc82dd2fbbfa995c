/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_export.c: `hailong export`, `hailong verify-export` and `hailong
 * stats`: reading the store without disturbing a running kiosk (the store is
 * opened read-only; WAL lets it read while the kiosk writes), and checking a
 * result bundle anywhere (no store, no config needed). A bundle is the
 * exception: it records itself in the store (what was exported), so the
 * store is opened read-write, which a running kiosk's lock refuses.
 */
#include "cli.h"
#include "hl_bundle.h"
#include "hl_export.h"
#include "hl_platform.h"
#include "hl_store.h"
#include "hl_xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef HL_VERSION
#define HL_VERSION "0.0.0"
#endif

static const char export_usage[] =
    "usage: hailong export --format csv|xlsx|jsonl|bundle --out PATH [--survey-id ID]\n"
    "       hailong export --format bundle --out PATH [--all] [--medium ID]\n"
    "\n"
    "  csv     every stored response of one survey (default: the active survey's\n"
    "          id) to the file PATH: RFC 4180, UTF-8 with a BOM (opens in Excel\n"
    "          with Vietnamese intact).\n"
    "  xlsx    an Excel workbook (constant memory): per survey a responses sheet\n"
    "          (labels in the survey's first language and the codes, frozen header,\n"
    "          real dates) and a summary sheet (counts, percentages, satisfaction\n"
    "          rate, per day); all surveys unless --survey-id is given.\n"
    "  jsonl   one JSON object per response, every field the store keeps, to the\n"
    "          file PATH; all surveys unless --survey-id is given.\n"
    "  bundle  a signed result folder PATH/HAILONG/<kiosk_id>/<UTC time>/ (PATH is\n"
    "          the stick's mount point): responses-<survey>.csv per survey,\n"
    "          responses.xlsx, responses.jsonl and manifest.json (sizes, SHA-256\n"
    "          and chain head, signed with the kiosk's device key; made at the\n"
    "          first start, see hailong identity).\n"
    "          Check it with hailong verify-export.\n"
    "          By default it holds the responses not yet exported (after the\n"
    "          last recorded export); --all holds every response. Only finished\n"
    "          responses go out, up to the first one still in progress. Once the\n"
    "          manifest is written the export is recorded in the store (time,\n"
    "          sequence range, --medium ID or else PATH); a failed export records\n"
    "          nothing. The kiosk must not be running (it holds the store): export\n"
    "          from its screen instead, or stop it first.\n"
    "\n"
    "Files are written atomically: a reader sees the old file or the new one,\n"
    "never half; a bundle without its manifest (cut short) never verifies.\n";

static const char verify_usage[] =
    "usage: hailong verify-export DIR... --trust FILE [--key-file FILE]\n"
    "\n"
    "Checks the result bundle in each DIR (the folder holding manifest.json): the\n"
    "manifest's signature by the kiosk's device key, and that every listed file is\n"
    "there with its size and SHA-256 and nothing else is; then the response chain\n"
    "(tamper evidence): within a bundle, each response of responses.jsonl follows\n"
    "the one before, its chain value is the hash of its content and is signed by\n"
    "the same key, and the ends match the manifest's chain_prev and chain_head;\n"
    "across the bundles given, in sequence order, each one continues the chain head\n"
    "of the one before (a gap is named as missing responses).\n"
    "\n"
    "Whom to believe comes only from --trust FILE: the lines `hailong identity`\n"
    "prints on each kiosk (KIOSK_ID ed25519:PUBLIC_KEY FINGERPRINT, or its --json\n"
    "form, one a line; several kiosks per file). A key found on the stick or in\n"
    "the bundle is never trusted. The signer's kiosk id and fingerprint are always\n"
    "printed. --key-file FILE (the old HAILONG/export.key secret) checks responses\n"
    "chained before the upgrade, and old (format 1) bundles for damage: those are\n"
    "never verified (exit 4), as anyone with that shared key could make them.\n"
    "Exit 0 when everything verifies and the signer is in the trust list; 1 naming\n"
    "each missing, torn, altered or unlisted file, an edited manifest and each\n"
    "response or link that breaks the chain; 4 when intact but signed by a key\n"
    "the trust list does not hold (not verified); 2 on usage errors.\n";

static const char stats_usage[] =
    "usage: hailong stats [--json]\n"
    "\n"
    "Counts of the stored responses: complete, partial, in progress, those\n"
    "flagged suspect by fair counting (and why: min_interval, max_per_hour), answers,\n"
    "last sequence number, first and last times, the last export to a stick\n"
    "and the sequence number exported up to, database size.\n";

/* Opens the store (read-only unless write); a missing database is reported
 * plainly, and so is a running kiosk holding it. */
static int open_store(hl_cli_t *cli, const char *cmd, bool write, hl_store_t **st)
{
    if (hl_cli_resolve_data_dir(cli)) return HL_EXIT_FAIL;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", cli->data_dir, HL_STORE_FILE);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr,
                "hailong %s: no responses stored yet: %s does not exist (wrong "
                "--data-dir?)\n",
                cmd, path);
        return HL_EXIT_FAIL;
    }
    hl_err_t err = {0};
    hl_store_opts_t opts = {.read_only = !write};
    int64_t recovered = 0;
    int rc = hl_store_open(cli->data_dir, &opts, st, &recovered, &err);
    if (rc == HL_ERR_LOCKED) {
        fprintf(stderr,
                "hailong %s: the kiosk is running: export from its screen (insert the stick), "
                "or stop it first (%s)\n",
                cmd, err.msg);
        return HL_EXIT_FAIL;
    }
    if (rc != HL_OK) {
        fprintf(stderr, "hailong %s: %s\n", cmd, err.msg);
        return HL_EXIT_FAIL;
    }
    if (recovered)
        printf("finished %lld response%s left in progress by a stop as partial\n",
               (long long)recovered, recovered == 1 ? "" : "s");
    return HL_EXIT_OK;
}

int hl_cli_export(hl_cli_t *cli, int argc, char **argv)
{
    const char *format = "csv", *out = NULL, *survey_id = NULL, *medium = NULL;
    bool all = false;
    const hl_cli_opt_t flags[] = {{"--all", &all, NULL},
                                  {"--format", NULL, &format},
                                  {"--out", NULL, &out},
                                  {"--survey-id", NULL, &survey_id},
                                  {"--medium", NULL, &medium}};
    int orc = hl_cli_opts(argc, argv, export_usage, flags, 5, NULL, NULL);
    if (orc != HL_EXIT_OK) return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    bool csv = !strcmp(format, "csv"), jsonl = !strcmp(format, "jsonl"),
         xlsx = !strcmp(format, "xlsx"), bundle = !strcmp(format, "bundle");
    if (!csv && !jsonl && !xlsx && !bundle) {
        fprintf(stderr, "hailong export: unknown format \"%s\" (use csv, xlsx, jsonl or bundle)\n",
                format);
        return HL_EXIT_USAGE;
    }
    if (!out) {
        fprintf(stderr,
                "hailong export: --out FILE is required (for --format bundle: the folder to write "
                "under)\n%s",
                export_usage);
        return HL_EXIT_USAGE;
    }
    if (bundle && survey_id) {
        fprintf(stderr, "hailong export: a bundle holds every survey; leave out --survey-id\n");
        return HL_EXIT_USAGE;
    }
    if (!bundle && (all || medium)) {
        fprintf(stderr,
                "hailong export: --all and --medium go with --format bundle (the other formats "
                "always hold every response)\n");
        return HL_EXIT_USAGE;
    }
    if (csv && !survey_id) {
        if (hl_cli_load(cli)) return HL_EXIT_FAIL;
        survey_id = cli->survey->id;
    } else if (bundle) {
        if (hl_cli_load_config(cli)) return HL_EXIT_FAIL;
    }
    hl_store_t *st = NULL;
    hl_devkey_t devkey = {0};
    if (open_store(cli, "export", bundle, &st)) return HL_EXIT_FAIL;
    /* Read-write for a bundle: responses recovered at open get chained and
     * signed, and the device key signs the manifest. */
    if (bundle && hl_cli_device_key(cli, st, true, &devkey) != HL_EXIT_OK) {
        hl_store_close(st);
        return HL_EXIT_FAIL;
    }
    hl_err_t err = {0};
    int rc;
    if (csv) {
        hl_export_result_t res = {0};
        rc = hl_export_csv(st, survey_id, out, &res, &err);
        if (rc == HL_OK)
            printf("exported %lld response%s of survey %s to %s (%d columns, %lld bytes)\n",
                   (long long)res.rows, res.rows == 1 ? "" : "s", survey_id, out, res.n_columns,
                   (long long)res.bytes);
    } else if (xlsx) {
        hl_export_result_t res = {0};
        hl_xlsx_zone_t zone = {hl_platform_tz_offset_ms, cli->sys.utc_ms(cli->sys.ctx)};
        rc = hl_export_xlsx(st, survey_id, out, &zone, &res, &err);
        if (rc == HL_OK)
            printf("exported %lld response%s of %s%s to %s (%lld bytes)\n", (long long)res.rows,
                   res.rows == 1 ? "" : "s", survey_id ? "survey " : "all surveys",
                   survey_id ? survey_id : "", out, (long long)res.bytes);
    } else if (jsonl) {
        hl_jsonl_result_t res = {0};
        rc = hl_export_jsonl(st, survey_id, out, &res, &err);
        if (rc == HL_OK)
            printf("exported %lld response%s of %s%s to %s (%lld bytes)\n", (long long)res.rows,
                   res.rows == 1 ? "" : "s", survey_id ? "survey " : "all surveys",
                   survey_id ? survey_id : "", out, (long long)res.bytes);
    } else {
        hl_xlsx_zone_t zone = {hl_platform_tz_offset_ms, cli->sys.utc_ms(cli->sys.ctx)};
        hl_bundle_extra_t xlsx_extra = {"responses.xlsx", hl_xlsx_bundle_write, &zone};
        int64_t upto = 0;
        rc = all ? HL_OK : hl_store_exported_upto(st, &upto, &err);
        hl_bundle_opts_t opts = {
            .root = out,
            .kiosk_id = cli->cfg.kiosk_id,
            .software_version = HL_VERSION,
            .created_utc_ms = cli->sys.utc_ms(cli->sys.ctx),
            .signer = &devkey,
            .extras = &xlsx_extra,
            .n_extras = 1,
            .after_seq = upto,
            .record = true,
            .medium = medium,
        };
        hl_bundle_result_t res = {0};
        char dir[PATH_MAX];
        if (rc == HL_OK) rc = hl_bundle_write(st, &opts, dir, sizeof dir, &res, &err);
        if (rc == HL_OK)
            printf("exported %lld response%s (seq %lld..%lld) in %d files and a manifest to %s "
                   "(%lld bytes)\n",
                   (long long)res.responses, res.responses == 1 ? "" : "s",
                   (long long)res.seq_first, (long long)res.seq_last, res.n_files, dir,
                   (long long)res.bytes);
        if (rc == HL_OK && res.in_progress_seq)
            printf("response %lld is still in progress: it and later ones go out with the next "
                   "export\n",
                   (long long)res.in_progress_seq);
        if (rc == HL_ERR_NOT_FOUND) {
            /* Nothing new is not a failure: the stick already has it all. */
            if (all)
                printf("nothing to export: no finished responses are stored%s\n",
                       res.in_progress_seq ? " (one is still in progress)" : "");
            else
                printf("no new responses since the last export (seq %lld); use --all for "
                       "everything\n",
                       (long long)upto);
            hl_store_close(st);
            hl_devkey_free(&devkey);
            return HL_EXIT_OK;
        }
    }
    hl_store_close(st);
    hl_devkey_free(&devkey);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong export: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    return HL_EXIT_OK;
}

int hl_cli_verify_export(hl_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    const char *key_file = NULL, *trust_file = NULL;
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    size_t n = 0;
    if (!dirs) return HL_EXIT_FAIL;
    const hl_cli_opt_t opts[] = {{"--key-file", NULL, &key_file}, {"--trust", NULL, &trust_file}};
    int orc = hl_cli_opts(argc, argv, verify_usage, opts, 2, dirs, &n);
    if (orc != HL_EXIT_OK) {
        free(dirs);
        return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    }
    if (n == 0) {
        fprintf(stderr, "hailong verify-export: give the bundle folder\n%s", verify_usage);
        free(dirs);
        return HL_EXIT_USAGE;
    }
    hl_err_t err = {0};
    hl_trust_t trust = {0};
    unsigned char old_key[HL_BUNDLE_KEY_LEN];
    bool have_trust = false, have_old = false;
    if (trust_file) {
        hl_diags_t d = {0};
        int rc = hl_trust_load(trust_file, &trust, &d, &err);
        hl_diags_print(&d, stderr);
        hl_diags_free(&d);
        if (rc != HL_OK) {
            fprintf(stderr, "hailong verify-export: %s\n", err.msg);
            free(dirs);
            return HL_EXIT_FAIL;
        }
        have_trust = true;
    } else {
        fprintf(stderr,
                "hailong verify-export: no trust list (--trust FILE): the signer of each bundle "
                "is named, but no bundle can be \"verified\" without one (collect each kiosk's "
                "`hailong identity` line into a file)\n");
    }
    if (key_file) {
        if (hl_bundle_key_from_file(key_file, old_key, &err) != HL_OK) {
            fprintf(stderr, "hailong verify-export: %s\n", err.msg);
            hl_trust_free(&trust);
            free(dirs);
            return HL_EXIT_FAIL;
        }
        have_old = true;
    }
    hl_bundle_check_t chk = {.trust = have_trust ? &trust : NULL,
                             .old_key = have_old ? old_key : NULL};
    int exit_rc = HL_EXIT_OK;
    for (size_t d = 0; d < n; d++) {
        const char *dir = dirs[d];
        hl_diags_t problems = {0};
        hl_bundle_result_t res = {0};
        int rc = hl_bundle_verify(dir, &chk, &problems, &res, &err);
        hl_diags_print(&problems, stderr);
        hl_diags_free(&problems);
        /* Always say who signed, whatever the outcome. */
        if (res.signer == HL_BUNDLE_SIGNER_DEVICE)
            printf("%s: signed by kiosk %s, device key %s%s\n", dir, res.signer_kiosk,
                   res.fingerprint, res.key_checked ? "" : " (signature not valid)");
        else if (res.signer == HL_BUNDLE_SIGNER_SHARED)
            printf("%s: an old (format 1) bundle, signed with the shared export key%s%s: anyone "
                   "holding that key could have made it\n",
                   dir, res.key_checked ? " " : "", res.key_checked ? res.fingerprint : "");
        if (rc == HL_ERR_UNTRUSTED) {
            fprintf(stderr, "hailong verify-export: NOT VERIFIED: %s\n", err.msg);
            if (exit_rc == HL_EXIT_OK) exit_rc = HL_EXIT_UNTRUSTED;
            continue;
        }
        if (rc != HL_OK) {
            fprintf(stderr, "hailong verify-export: %s\n", err.msg);
            exit_rc = HL_EXIT_FAIL;
            continue;
        }
        printf("%s verifies: %d files, %lld response%s (seq %lld..%lld)%s\n", dir, res.n_files,
               (long long)res.responses, res.responses == 1 ? "" : "s", (long long)res.seq_first,
               (long long)res.seq_last,
               res.signer == HL_BUNDLE_SIGNER_DEVICE ? ", signer in the trust list" : "");
        if (res.unchecked_rows)
            printf("%s: %lld response%s chained before the device key with the old shared key: "
                   "their links were checked, their content not (give --key-file with the old "
                   "HAILONG/export.key to check it)\n",
                   dir, (long long)res.unchecked_rows, res.unchecked_rows == 1 ? "" : "s");
    }
    if (n > 1) {
        /* Across the bundles: each continues the chain of the one before. */
        hl_diags_t problems = {0};
        size_t n_problems = 0;
        int rc = hl_bundle_check_links(dirs, n, &problems, &n_problems, &err);
        hl_diags_print(&problems, stderr);
        hl_diags_free(&problems);
        if (rc != HL_OK) {
            fprintf(stderr, "hailong verify-export: %s\n", err.msg);
            exit_rc = HL_EXIT_FAIL;
        } else {
            printf("the %zu bundles link: each continues the chain of the one before\n", n);
        }
    }
    explicit_bzero(old_key, sizeof old_key);
    hl_trust_free(&trust);
    free(dirs);
    return exit_rc;
}

static void time_or_dash(int64_t ms, char out[32])
{
    if (ms < 0)
        strcpy(out, "-");
    else
        hl_time_iso8601(ms, out);
}

int hl_cli_stats(hl_cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const hl_cli_opt_t opts[] = {{"--json", &json, NULL}};
    int orc = hl_cli_opts(argc, argv, stats_usage, opts, 1, NULL, NULL);
    if (orc != HL_EXIT_OK) return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    hl_store_t *st = NULL;
    if (open_store(cli, "stats", false, &st)) return HL_EXIT_FAIL;
    hl_err_t err = {0};
    hl_store_stats_t s;
    hl_store_fair_t fair = {0};
    int rc = hl_store_stats(st, &s, &err);
    if (rc == HL_OK) rc = hl_store_fair_counts(st, &fair, &err);
    /* Per officer of the config (if it loads: stats work without one). */
    hl_store_counts_t per[HL_MAX_OFFICERS];
    int n_off = 0;
    if (rc == HL_OK && hl_cli_load_config(cli) == HL_EXIT_OK) {
        for (int i = 0; rc == HL_OK && i < cli->cfg.n_officers; i++) {
            hl_tally_query_t q = {NULL, -1, cli->cfg.officers[i].id};
            rc = hl_store_count(st, &q, &per[i], &err);
            n_off = i + 1;
        }
    }
    hl_store_close(st);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong stats: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    char first[32], last[32], exported[32];
    time_or_dash(s.first_started_utc_ms, first);
    time_or_dash(s.last_finished_utc_ms, last);
    time_or_dash(s.last_export_utc_ms, exported);
    if (json) {
        printf("{\"responses\":%lld,\"complete\":%lld,\"partial\":%lld,\"in_progress\":%lld,"
               "\"answers\":%lld,\"comments\":%lld,\"contacts\":%lld,\"followups\":%lld,"
               "\"last_seq\":%lld,\"first_started_at\":%s%s%s,"
               "\"last_finished_at\":%s%s%s,\"untrusted_clock\":%lld,\"surveys\":%d,"
               "\"db_bytes\":%lld,\"exports\":%lld,\"last_export_at\":%s%s%s,"
               "\"exported_upto_seq\":%lld,\"suspect\":%lld,\"suspect_min_interval\":%lld,"
               "\"suspect_max_per_hour\":%lld,\"officers\":[",
               (long long)s.responses, (long long)s.complete, (long long)s.partial,
               (long long)s.in_progress, (long long)s.answers, (long long)s.comments,
               (long long)s.contacts, (long long)s.followups, (long long)s.last_seq,
               s.first_started_utc_ms < 0 ? "" : "\"", s.first_started_utc_ms < 0 ? "null" : first,
               s.first_started_utc_ms < 0 ? "" : "\"", s.last_finished_utc_ms < 0 ? "" : "\"",
               s.last_finished_utc_ms < 0 ? "null" : last, s.last_finished_utc_ms < 0 ? "" : "\"",
               (long long)s.untrusted_clock, s.n_surveys, (long long)s.db_bytes,
               (long long)s.n_exports, s.last_export_utc_ms < 0 ? "" : "\"",
               s.last_export_utc_ms < 0 ? "null" : exported, s.last_export_utc_ms < 0 ? "" : "\"",
               (long long)s.exported_upto_seq, (long long)fair.suspect,
               (long long)fair.min_interval, (long long)fair.max_per_hour);
        for (int i = 0; i < n_off; i++) {
            printf("%s{\"id\":", i ? "," : "");
            printf("\"%s\"", cli->cfg.officers[i].id); /* [a-z0-9_-]: no escaping */
            printf(",\"responses\":%lld,\"complete\":%lld,\"partial\":%lld}",
                   (long long)per[i].responses, (long long)per[i].complete,
                   (long long)per[i].partial);
        }
        printf("]}\n");
        return HL_EXIT_OK;
    }
    printf("responses      %lld (complete %lld, partial %lld, in progress %lld)\n",
           (long long)s.responses, (long long)s.complete, (long long)s.partial,
           (long long)s.in_progress);
    printf("suspect        %lld of %lld flagged by fair counting (min_interval %lld, "
           "max_per_hour %lld); stored and counted in the totals\n",
           (long long)fair.suspect, (long long)s.responses, (long long)fair.min_interval,
           (long long)fair.max_per_hour);
    printf("answers        %lld\n", (long long)s.answers);
    printf("comments       %lld (answers to text questions; read them in an export)\n",
           (long long)s.comments);
    printf("contacts       %lld (phone numbers left; only in exports)\n", (long long)s.contacts);
    printf("follow-up codes %lld\n", (long long)s.followups);
    printf("last sequence  %lld\n", (long long)s.last_seq);
    printf("first started  %s\n", first);
    printf("last finished  %s\n", last);
    printf("untrusted clock %lld response%s\n", (long long)s.untrusted_clock,
           s.untrusted_clock == 1 ? "" : "s");
    printf("surveys        %d\n", s.n_surveys);
    if (s.n_exports)
        printf("last export    %s (%lld export%s; exported up to seq %lld)\n", exported,
               (long long)s.n_exports, s.n_exports == 1 ? "" : "s", (long long)s.exported_upto_seq);
    else
        printf("last export    never (hailong export --format bundle)\n");
    for (int i = 0; i < n_off; i++)
        printf("officer        %s (%s): %lld finished (complete %lld, partial %lld)\n",
               cli->cfg.officers[i].name, cli->cfg.officers[i].id, (long long)per[i].responses,
               (long long)per[i].complete, (long long)per[i].partial);
    printf("database       %lld bytes in %s\n", (long long)s.db_bytes, cli->data_dir);
    return HL_EXIT_OK;
}
