/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_centre.c: what the province's centre sees of the kiosk, and what
 * it assigns to it, through the network sync (docs/sync-protocol.md,
 * "Version 2").
 *
 * The status: the sync worker builds it on its own thread from its
 * read-only store and a snapshot of what only the event loop knows (the
 * survey it runs, the officer on duty, a clock set by hand, the start),
 * handed over under the worker's lock whenever one of them changes
 * (kiosk_centre_snapshot): the worker never reads the kiosk's state.
 * Assignments: the worker checks an assignment an answer brings (its hash,
 * hailong check's rules, no pictures or recordings, the officer list by the
 * config's rules) and the event loop records it, waiting, with that answer
 * (hl_sync_commit). It is installed here at the next moment the kiosk is
 * idle, exactly as a USB install (kiosk_survey_install), and its officer
 * list replaces the config's (hl_config_set_officers: validated, atomic,
 * photos kept where ids match, nobody on duty when the officer on duty is
 * not listed). On any failure the running survey and officers stay and the
 * state says failed with why. The state lives in the store, so a restart
 * reports it and never installs it twice; the technician log and the
 * journal say what happened, like a USB install.
 */
#include "kiosk_int.h"

#include "hl_platform.h"

#include <jansson.h>

void kiosk_centre_fill(const hl_kiosk_t *k, hl_sync_kiosk_t *out)
{
    memset(out, 0, sizeof *out);
    out->started_mono_ms = k->centre.started_ms;
    out->clock_set = k->clock.set_by_person;
    const hl_survey_t *s = k->cli->survey;
    if (s) {
        out->has_survey = true;
        hl_fmt(out->survey_id, sizeof out->survey_id, "%s", s->id);
        out->survey_version = s->version;
        hl_fmt(out->survey_sha256, sizeof out->survey_sha256, "%s", s->sha256);
    }
    hl_fmt(out->officer_id, sizeof out->officer_id, "%s", k->cli->cfg.officer);
}

void kiosk_centre_snapshot(hl_kiosk_t *k)
{
    if (!k->syncw) return;
    hl_sync_kiosk_t s;
    kiosk_centre_fill(k, &s);
    hl_syncw_set_kiosk(k->syncw, &s);
}

void kiosk_centre_open(hl_kiosk_t *k)
{
    k->centre.started_ms = k->cli->sys.mono_ms(k->cli->sys.ctx);
    k->centre.waiting_id = -1;
    k->centre.seen_id = -1;
    hl_store_assign_t a;
    hl_err_t err = {0};
    if (hl_store_assign_get(k->store, &a, &err) != HL_OK) {
        fprintf(stderr, "hailong: sync: reading the last assignment: %s\n", err.msg);
        return;
    }
    k->centre.seen_id = a.id;
    if (a.state != HL_ASSIGN_WAITING) return;
    k->centre.waiting_id = a.id; /* received before a restart: installed when idle */
    fprintf(stderr,
            "hailong: sync: assignment %lld waits to be installed when nobody is "
            "answering\n",
            (long long)a.id);
}

void hl_kiosk_centre_check(hl_kiosk_t *k)
{
    hl_store_assign_t a;
    hl_err_t err = {0};
    if (hl_store_assign_get(k->store, &a, &err) != HL_OK) {
        fprintf(stderr, "hailong: sync: reading the last assignment: %s\n", err.msg);
        return;
    }
    if (a.state == HL_ASSIGN_NONE || a.id == k->centre.seen_id) return;
    k->centre.seen_id = a.id;
    k->centre.waiting_id = -1; /* a newer one replaces one still waiting */
    if (a.state == HL_ASSIGN_WAITING) {
        k->centre.waiting_id = a.id;
        kiosk_tech_log(k, "assign_received",
                       "assignment %lld from the centre: installed when nobody is answering",
                       (long long)a.id);
    } else if (a.state == HL_ASSIGN_FAILED) {
        kiosk_tech_log(k, "assign_failed", "assignment %lld: %s", (long long)a.id, a.error);
    }
}

/* The officer list the worker checked, read back from the store (bounded
 * again: it is a file another program could change). */
static bool centre_officers(const char *json, hl_officer_t *list, int *n, char *why, size_t whysz)
{
    json_error_t je;
    json_t *arr = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    size_t i, count = json_array_size(arr);
    bool ok = json_is_array(arr) && count <= HL_MAX_OFFICERS;
    const json_t *o;
    json_array_foreach(ok ? arr : NULL, i, o)
    {
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *name = json_string_value(json_object_get(o, "name"));
        if (!id || !name || strlen(id) > HL_ITEM_ID_MAX || strlen(name) > HL_OFFICER_NAME_MAX) {
            ok = false;
            break;
        }
        memset(&list[i], 0, sizeof list[i]);
        hl_fmt(list[i].id, sizeof list[i].id, "%s", id);
        hl_fmt(list[i].name, sizeof list[i].name, "%s", name);
    }
    json_decref(arr);
    *n = ok ? (int)count : -1;
    if (!ok) hl_fmt(why, whysz, "the stored officer list cannot be read: the store was changed");
    return ok;
}

/* The first problem of d in a sentence. */
static void centre_problem(const hl_diags_t *d, const char *what, char *why, size_t whysz)
{
    const hl_diag_t *it = d->n ? &d->items[0] : NULL;
    hl_fmt(why, whysz, "%s: %zu problem(s); the first: %s%s%s%s", what, d->n,
           it ? it->msg : "unreadable", it && it->path ? " (at " : "",
           it && it->path ? it->path : "", it && it->path ? ")" : "");
}

/* Carries out assignment id: the survey (text of slen bytes, NULL: none)
 * and the officers (JSON list, NULL: none). Everything is checked before
 * anything changes; the officer list is written last, and if that fails
 * the survey goes back to the one before. False with why. */
static bool centre_apply(hl_kiosk_t *k, int64_t id, const char *survey, size_t slen,
                         const char *officers, char *why, size_t whysz)
{
    hl_officer_t list[HL_MAX_OFFICERS];
    int n = -1;
    if (officers && !centre_officers(officers, list, &n, why, whysz)) return false;
    /* A copy: installing the survey reloads the config (and frees its file's name). */
    char path[PATH_MAX];
    hl_fmt(path, sizeof path, "%s", k->cli->cfg.file ? k->cli->cfg.file : "");
    if (!path[0]) {
        hl_fmt(why, whysz,
               "the kiosk runs without a config file: nothing can be installed "
               "(start it with --config FILE)");
        return false;
    }
    if (survey && k->cli->survey_path) {
        hl_fmt(why, whysz,
               "the kiosk runs the survey given on its command line (--survey): "
               "start it without --survey to take surveys from the centre");
        return false;
    }
    hl_diags_t d = {0};
    hl_err_t err = {0};
    if (n >= 0 && hl_config_set_officers(path, list, n, true, NULL, &d, &err) != HL_OK) {
        hl_fmt(why, whysz, "the officer list: %s", d.n ? d.items[0].msg : err.msg);
        hl_diags_free(&d);
        return false;
    }
    hl_diags_free(&d);
    char prev[PATH_MAX], origin[48];
    hl_fmt(prev, sizeof prev, "%s", k->cli->survey_file);
    hl_fmt(origin, sizeof origin, "assignment %lld", (long long)id);
    if (survey) {
        hl_survey_t *s = NULL;
        if (hl_survey_load_text(origin, survey, slen, &s, &d) != HL_OK) {
            centre_problem(&d, "the survey does not pass hailong check", why, whysz);
            kiosk_tech_log(k, "survey_refused", "%s: %zu problem(s)", origin, d.n);
            hl_diags_free(&d);
            return false;
        }
        hl_diags_free(&d);
        const char *file = hl_survey_first_file(s);
        if (file) {
            hl_fmt(why, whysz,
                   "the survey names %.200s: pictures and recordings come by USB "
                   "stick; install it from one",
                   file);
            hl_survey_free(s);
            return false;
        }
        if (!kiosk_survey_install(k, s, origin, NULL, NULL, why, whysz)) return false;
    }
    if (n < 0) return true;
    bool cleared = false;
    int rc = hl_config_set_officers(path, list, n, false, &cleared, &d, &err);
    if (rc != HL_OK)
        hl_fmt(why, whysz, "the officer list: %s", d.n ? d.items[0].msg : err.msg);
    else if (!kiosk_tech_reload(k, why, whysz))
        rc = HL_ERR_INVALID;
    hl_diags_free(&d);
    if (rc != HL_OK) {
        if (survey && !kiosk_tech_switch_survey(k, prev, false, NULL, 0))
            fprintf(stderr, "hailong: sync: %s: going back to %s failed too\n", origin, prev);
        return false;
    }
    kiosk_tech_log(k, "officers", "%d officer(s) from %s%s", n, origin,
                   cleared ? "; the officer on duty is not among them: nobody on duty now" : "");
    return true;
}

/* Installs the waiting assignment id now (the kiosk is idle). */
static void centre_install(hl_kiosk_t *k, int64_t id)
{
    char *survey = NULL, *officers = NULL;
    size_t slen = 0;
    hl_err_t err = {0};
    int rc = hl_store_assign_payload(k->store, id, &survey, &slen, &officers, &err);
    if (rc == HL_ERR_NOT_FOUND) { /* carried out already (another run) or replaced */
        k->centre.waiting_id = -1;
        return;
    }
    if (rc != HL_OK) {
        fprintf(stderr, "hailong: sync: reading assignment %lld: %s (tried again in %d s)\n",
                (long long)id, err.msg, HL_KIOSK_RETRY_MS / 1000);
        k->centre.retry_at_ms = kiosk_now(k) + HL_KIOSK_RETRY_MS;
        return;
    }
    char why[HL_ASSIGN_ERROR_MAX + 1] = "";
    bool ok = centre_apply(k, id, survey, slen, officers, why, sizeof why);
    free(survey);
    free(officers);
    k->centre.waiting_id = -1;
    k->centre.retry_at_ms = 0;
    if (!ok && !why[0]) hl_fmt(why, sizeof why, "it could not be installed (no reason given)");
    /* Recorded even when it failed: a restart neither installs it again nor
     * forgets why. A store that cannot record it is said; the next run tries
     * the same assignment again. */
    if (hl_store_assign_done(k->store, id, ok ? HL_ASSIGN_INSTALLED : HL_ASSIGN_FAILED,
                             ok ? NULL : why, k->sys.utc_ms(k->sys.ctx), &err) != HL_OK)
        fprintf(stderr, "hailong: sync: recording assignment %lld as %s: %s\n", (long long)id,
                ok ? "installed" : "failed", err.msg);
    if (ok)
        kiosk_tech_log(k, "assign_installed", "assignment %lld from the centre", (long long)id);
    else
        kiosk_tech_log(k, "assign_failed", "assignment %lld: %s; the kiosk keeps what it ran",
                       (long long)id, why);
    kiosk_centre_snapshot(k);
    hl_syncw_kick(k->syncw); /* the centre hears of it with the next request, now */
    k->menu.view_valid = false;
    k->dirty = true;
}

/* Nobody can be disturbed: the start screen untouched, no technician
 * screen, no export, in service. */
static bool centre_idle(const hl_kiosk_t *k)
{
    return hl_kiosk_idle(k) && k->tech.mode == HL_TECH_OFF && !k->usb.io.running &&
           k->ui.export_state.phase == HL_UI_EXPORT_NONE && !k->ui.out_of_service &&
           !k->has_failed && !k->quit;
}

void hl_kiosk_centre_tick(hl_kiosk_t *k)
{
    if (k->centre.waiting_id < 0 || !centre_idle(k)) return;
    if (k->centre.retry_at_ms && kiosk_now(k) < k->centre.retry_at_ms) return;
    centre_install(k, k->centre.waiting_id);
}

int64_t hl_kiosk_assignment_waiting(const hl_kiosk_t *k)
{
    return k->centre.waiting_id;
}
