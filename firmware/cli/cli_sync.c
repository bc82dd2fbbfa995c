/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_sync.c: `hailong sync --once` pushes every pending response to the
 * config's server now, in batches, and `hailong sync --status [--json]`
 * prints what is pending and how the last attempts went.
 *
 * --once opens the store read-write (so it refuses while the kiosk runs:
 * the kiosk syncs by itself) and goes on batch after batch while the server
 * confirms them; it stops at the first failure and says why. With nothing
 * pending it sends a heartbeat (the status alone). Each request carries the
 * status as far as the command knows it (the config's survey and officer,
 * the store's figures). An assignment an answer brings is recorded waiting,
 * and the kiosk installs it when it next runs. Exit 0 when nothing is left
 * pending, 1 when something is. --status opens the store read-only, so it
 * works beside a running kiosk.
 */
#include "cli.h"
#include "hl_platform.h"
#include "hl_store.h"
#include "hl_sync.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef HL_VERSION
#define HL_VERSION "0.0.0"
#endif

static const char sync_usage[] =
    "usage: hailong sync --once | --status [--json]\n"
    "\n"
    "  --once     push every pending response to the config's sync.url now; exit 0 when\n"
    "             nothing is left pending, 1 when some is (the reason is printed)\n"
    "  --status   pending count, last attempt, last success, last error and the last\n"
    "             assignment from the centre (waiting, installed or failed)\n"
    "  --json     with --status: one JSON object\n"
    "\n"
    "The config's \"sync\" section says where and how (README \"Network sync\",\n"
    "docs/sync-protocol.md). --once needs the kiosk stopped; --status works beside it.\n";

static bool db_exists(const hl_cli_t *cli)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", cli->data_dir, HL_STORE_FILE);
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void iso_or(int64_t ms, char out[32], const char *none)
{
    if (ms < 0)
        snprintf(out, 32, "%s", none);
    else
        hl_time_iso8601(ms, out);
}

/* What the command knows of the kiosk for the status: the survey the config
 * names (when it loads) and the officer on duty. */
static void cli_kiosk(hl_cli_t *cli, hl_sync_kiosk_t *k)
{
    memset(k, 0, sizeof *k);
    k->started_mono_ms = cli->sys.mono_ms(cli->sys.ctx);
    snprintf(k->officer_id, sizeof k->officer_id, "%s", cli->cfg.officer);
    char path[PATH_MAX], why[2 * PATH_MAX + 64];
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    if (hl_cli_find_survey(&cli->cfg, path, why, sizeof why) &&
        hl_survey_load_file(path, &s, &d) == HL_OK) {
        k->has_survey = true;
        snprintf(k->survey_id, sizeof k->survey_id, "%s", s->id);
        k->survey_version = s->version;
        snprintf(k->survey_sha256, sizeof k->survey_sha256, "%s", s->sha256);
    }
    hl_survey_free(s);
    hl_diags_free(&d);
}

/* An assignment the answer brought, said (the kiosk installs it). */
static void say_assignment(const hl_sync_assignment_t *a)
{
    if (a->kind == HL_SYNC_ASSIGN_BAD) fprintf(stderr, "hailong sync: %s\n", a->error);
    if (a->kind != HL_SYNC_ASSIGN_NEW) return;
    if (a->state == HL_ASSIGN_WAITING)
        printf("assignment %lld received: the kiosk installs it when it next runs and nobody "
               "is answering\n",
               (long long)a->id);
    else
        fprintf(stderr, "hailong sync: assignment %lld refused: %s\n", (long long)a->id, a->error);
}

static int sync_once(hl_cli_t *cli)
{
    const hl_sync_cfg_t *cfg = &cli->cfg.sync;
    if (!db_exists(cli)) {
        printf("no responses stored yet in %s: nothing to push\n", cli->data_dir);
        return HL_EXIT_OK;
    }
    hl_err_t err = {0};
    hl_store_t *st = NULL;
    int rc = hl_store_open(cli->data_dir, NULL, &st, NULL, &err);
    if (rc == HL_ERR_LOCKED) {
        fprintf(stderr,
                "hailong sync: the kiosk is running and pushes by itself (see hailong sync "
                "--status); stop it to push from here (%s)\n",
                err.msg);
        return HL_EXIT_FAIL;
    }
    if (rc != HL_OK) {
        fprintf(stderr, "hailong sync: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    hl_devkey_t devkey = {0};
    if (hl_cli_device_key(cli, st, true, &devkey) != HL_EXIT_OK) {
        hl_store_close(st);
        return HL_EXIT_FAIL;
    }
    hl_sync_t *s = NULL;
    hl_sync_kiosk_t kiosk;
    cli_kiosk(cli, &kiosk);
    hl_sync_opts_t o = {.cfg = cfg,
                        .kiosk_id = cli->cfg.kiosk_id,
                        .software_version = HL_VERSION,
                        .sys = cli->sys,
                        .kiosk = &kiosk,
                        .data_dir = cli->data_dir,
                        .free_bytes = hl_platform_free_bytes};
    if (hl_sync_global_init(&err) != HL_OK || hl_sync_new(&o, &s, &err) != HL_OK) {
        fprintf(stderr, "hailong sync: %s\n", err.msg);
        hl_store_close(st);
        hl_devkey_free(&devkey);
        return HL_EXIT_FAIL;
    }
    int64_t delivered = 0;
    int exit_code = HL_EXIT_OK;
    char reason[600] = "";
    for (;;) {
        hl_sync_outcome_t out;
        rc = hl_sync_push(s, st, &out, &err);
        if (rc != HL_OK) {
            snprintf(reason, sizeof reason, "%s", err.msg);
            exit_code = HL_EXIT_FAIL;
            break;
        }
        if (hl_sync_commit(s, st, &out, &err) != HL_OK) {
            snprintf(reason, sizeof reason, "recording what the server confirmed: %s", err.msg);
            exit_code = HL_EXIT_FAIL;
            break;
        }
        delivered += (int64_t)out.n_delivered;
        say_assignment(&out.assignment);
        if (out.heartbeat) {
            /* Nothing was pending: a refused heartbeat is said, and the
             * pending count decides. */
            if (out.verdict != HL_SYNC_IDLE) fprintf(stderr, "hailong sync: %s\n", out.error);
            break;
        }
        if (out.verdict != HL_SYNC_DELIVERED) {
            snprintf(reason, sizeof reason, "%s", out.error);
            exit_code = HL_EXIT_FAIL;
            break;
        }
        if (!out.more) break; /* all confirmed: the status went with each batch */
    }
    hl_store_sync_t ss = {0};
    int src = hl_store_sync_state(st, &ss, &err);
    hl_sync_free(s);
    hl_store_close(st);
    hl_devkey_free(&devkey);
    hl_sync_global_cleanup();
    char shown[HL_SYNC_URL_MAX + 1];
    hl_sync_shown_url(cfg->url, shown, sizeof shown);
    printf("delivered %lld response%s to %s\n", (long long)delivered, delivered == 1 ? "" : "s",
           shown);
    if (exit_code != HL_EXIT_OK) fprintf(stderr, "hailong sync: %s\n", reason);
    if (src != HL_OK) {
        fprintf(stderr, "hailong sync: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    if (ss.pending > 0) {
        fprintf(stderr, "hailong sync: %lld response%s still pending\n", (long long)ss.pending,
                ss.pending == 1 ? "" : "s");
        return HL_EXIT_FAIL;
    }
    printf("nothing pending\n");
    return HL_EXIT_OK;
}

static int sync_status(hl_cli_t *cli, bool json)
{
    const hl_sync_cfg_t *cfg = &cli->cfg.sync;
    hl_sync_status_t st = {.store = {.oldest_pending_utc_ms = -1,
                                     .last_attempt_utc_ms = -1,
                                     .last_success_utc_ms = -1,
                                     .last_error_utc_ms = -1}};
    hl_err_t err = {0};
    if (db_exists(cli)) {
        hl_store_t *store = NULL;
        hl_store_opts_t so = {.read_only = true};
        int rc = hl_store_open(cli->data_dir, &so, &store, NULL, &err);
        if (rc == HL_OK) rc = hl_sync_status(store, cfg, NULL, &st, &err);
        hl_store_close(store);
        if (rc != HL_OK) {
            fprintf(stderr, "hailong sync: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
    } else if (cfg->enabled) {
        st.configured = true;
        st.insecure = hl_sync_insecure(cfg);
        hl_sync_shown_url(cfg->url, st.url, sizeof st.url);
    }
    const hl_store_sync_t *ss = &st.store;
    const hl_store_assign_t *as = &ss->assign;
    char attempt[32], success[32], errat[32], oldest[32], received[32], done[32];
    iso_or(as->received_utc_ms, received, "-");
    iso_or(as->done_utc_ms, done, "-");
    iso_or(ss->last_attempt_utc_ms, attempt, "never");
    iso_or(ss->last_success_utc_ms, success, "never");
    iso_or(ss->last_error_utc_ms, errat, "-");
    iso_or(ss->oldest_pending_utc_ms, oldest, "-");
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "configured", json_boolean(st.configured));
        json_object_set_new(o, "url", st.configured ? json_string(st.url) : json_null());
        json_object_set_new(o, "insecure_http", json_boolean(st.insecure));
        json_object_set_new(o, "pending", json_integer(ss->pending));
        json_object_set_new(o, "delivered", json_integer(ss->delivered));
        json_object_set_new(o, "oldest_pending_seq", json_integer(ss->oldest_pending_seq));
        json_object_set_new(o, "last_attempt_at",
                            ss->last_attempt_utc_ms < 0 ? json_null() : json_string(attempt));
        json_object_set_new(o, "last_success_at",
                            ss->last_success_utc_ms < 0 ? json_null() : json_string(success));
        json_object_set_new(o, "last_error",
                            ss->last_error[0] ? json_string(ss->last_error) : json_null());
        json_object_set_new(o, "last_error_at",
                            ss->last_error_utc_ms < 0 ? json_null() : json_string(errat));
        json_object_set_new(o, "stopped", json_boolean(st.stopped));
        json_t *a = as->state == HL_ASSIGN_NONE
                        ? json_null()
                        : json_pack("{s:I, s:s, s:o, s:s, s:o}", "id", (json_int_t)as->id, "state",
                                    hl_assign_state_name(as->state), "error",
                                    as->error[0] ? json_string(as->error) : json_null(),
                                    "received_at", received, "done_at",
                                    as->done_utc_ms < 0 ? json_null() : json_string(done));
        json_object_set_new(o, "assignment", a);
        char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!text) {
            fprintf(stderr, "hailong sync: out of memory\n");
            return HL_EXIT_FAIL;
        }
        printf("%s\n", text);
        free(text);
        return HL_EXIT_OK;
    }
    if (st.configured)
        printf("sync           %s (every %d s, %d per batch)%s\n", st.url, cfg->interval_s,
               cfg->batch,
               st.insecure ? " INSECURE: plain http, allowed by allow_insecure_http" : "");
    else
        printf("sync           not configured (no \"sync\" section in the config)\n");
    if (ss->pending)
        printf("pending        %lld (oldest: seq %lld, finished %s)\n", (long long)ss->pending,
               (long long)ss->oldest_pending_seq, oldest);
    else
        printf("pending        0\n");
    printf("delivered      %lld\n", (long long)ss->delivered);
    printf("last attempt   %s\n", attempt);
    printf("last success   %s\n", success);
    if (ss->last_error[0])
        printf("last error     %s: %s\n", errat, ss->last_error);
    else
        printf("last error     none\n");
    if (st.stopped)
        printf("stopped        yes: the server refused this config; fix it (the kiosk then "
               "retries) or run hailong sync --once\n");
    if (as->state == HL_ASSIGN_NONE)
        printf("assignment     none from the centre\n");
    else if (as->state == HL_ASSIGN_WAITING)
        printf("assignment     %lld waiting since %s: installed as soon as nobody is answering "
               "(the kiosk must run)\n",
               (long long)as->id, received);
    else if (as->state == HL_ASSIGN_INSTALLED)
        printf("assignment     %lld installed %s\n", (long long)as->id, done);
    else
        printf("assignment     %lld failed %s: %s\n", (long long)as->id, done, as->error);
    return HL_EXIT_OK;
}

int hl_cli_sync(hl_cli_t *cli, int argc, char **argv)
{
    bool once = false, status = false, json = false;
    const hl_cli_opt_t opts[] = {
        {"--once", &once, NULL}, {"--status", &status, NULL}, {"--json", &json, NULL}};
    int orc = hl_cli_opts(argc, argv, sync_usage, opts, 3, NULL, NULL);
    if (orc != HL_EXIT_OK) return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    if (once == status || (json && !status)) {
        fprintf(stderr, "hailong sync: give --once or --status\n%s", sync_usage);
        return HL_EXIT_USAGE;
    }
    if (hl_cli_load_config(cli) || hl_cli_resolve_data_dir(cli)) return HL_EXIT_FAIL;
    if (status) return sync_status(cli, json);
    if (!cli->cfg.sync.enabled) {
        fprintf(stderr,
                "hailong sync: no \"sync\" section in %s: add one with the server's url and token "
                "(README \"Network sync\")\n",
                cli->cfg.file ? cli->cfg.file : "the config (none given: --config FILE)");
        return HL_EXIT_FAIL;
    }
    return sync_once(cli);
}
