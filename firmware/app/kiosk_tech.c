/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_tech.c: technician mode in the running kiosk: the hidden gesture and
 * PIN pad (hl_tech), the menu's screens (hl_tech_ui) and what its buttons
 * do: switch the officer on duty, install (with its note pictures:
 * kiosk_pictures.c) or roll back a survey from the technician's stick,
 * export to USB or sync now, change the default language, timeouts,
 * rotation and clock, restart, shut down.
 *
 * Every change goes to the config file through hl_config_set (validated,
 * atomic) and into the store's technician log with the time; a refused value
 * leaves everything as it was and says why on screen. PIN attempts, lockouts
 * and entries are logged too; the lockout state is stored after each PIN so
 * a restart does not reset it. The menu opens only while nobody is
 * answering, so switching the survey or the officer never touches a
 * response in progress.
 * Work here runs on the event loop's thread: config writes and log rows are
 * single commits; the results page's aggregate reads run once per page or
 * filter change, never per frame. In a scripted run (k->fake), powering off
 * and setting the clock are simulated (the fake clock moves), restart ends
 * the run.
 */
#include "kiosk.h"
#include "kiosk_int.h"

#include "hl_afile.h"
#include "hl_platform.h"
#include "hl_results.h"
#include "hl_strings.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HL_VERSION
#define HL_VERSION "0.0.0"
#endif

#define TECH_SURVEY_DIR "surveys" /* installed surveys: <config folder>/surveys/ */
#define TECH_STICK_DIR  "HAILONG/surveys"
#define TECH_LIST_MAX   256 /* *.json files of a folder paged through (the first by name) */

static int64_t tech_mono(const hl_kiosk_t *k)
{
    return k->sys.mono_ms(k->sys.ctx);
}

static int64_t tech_utc(const hl_kiosk_t *k)
{
    return k->sys.utc_ms(k->sys.ctx);
}

/* A sentence of the string table in both languages ("vi / en": the
 * technician may read either), its "%s" (or "%N$s") replaced by the details
 * a, b, c (a path, a reason, a count: shown as given). */
static void tech_say(char *out, size_t size, hl_str_id_t id, const char *a, const char *b,
                     const char *c)
{
    const char *args[3] = {a, b, c};
    char vi[300], en[300];
    hl_str_subst(vi, sizeof vi, hl_str(HL_LANG_VI, id), args, 3);
    hl_str_subst(en, sizeof en, hl_str(HL_LANG_EN, id), args, 3);
    hl_fmt(out, size, "%s / %s", vi, en);
}

/* The notice under the menu's band. */
static void tech_notice3(hl_kiosk_t *k, bool error, hl_str_id_t id, const char *a, const char *b,
                         const char *c)
{
    tech_say(k->menu.notice, sizeof k->menu.notice, id, a, b, c);
    k->menu.notice_error = error;
    k->dirty = true;
}

static void tech_notice(hl_kiosk_t *k, bool error, hl_str_id_t id, const char *detail)
{
    tech_notice3(k, error, id, detail, NULL, NULL);
}

/* A message that is already a sentence (the store's or the platform's). */
static void tech_notice_text(hl_kiosk_t *k, bool error, const char *text)
{
    hl_fmt(k->menu.notice, sizeof k->menu.notice, "%s", text);
    k->menu.notice_error = error;
    k->dirty = true;
}

/* One row in the technician log (and a line on stderr, the journal). */
void kiosk_tech_log(hl_kiosk_t *k, const char *event, const char *fmt, ...)
{
    char detail[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "hailong: technician: %s%s%s\n", event, detail[0] ? ": " : "", detail);
    if (k->usb.io.running) {
        /* The export thread has the store: the row waits for it to finish. */
        if (k->menu.n_log_queue < HL_KIOSK_LOG_QUEUE) {
            hl_kiosk_log_row_t *q = &k->menu.log_queue[k->menu.n_log_queue++];
            q->at_utc_ms = tech_utc(k);
            hl_fmt(q->event, sizeof q->event, "%s", event);
            hl_fmt(q->detail, sizeof q->detail, "%.255s", detail);
        } else {
            fprintf(stderr, "hailong: technician log: too many events during the export\n");
        }
        return;
    }
    hl_err_t err = {0};
    if (hl_store_log(k->store, tech_utc(k), event, detail[0] ? detail : NULL, &err) != HL_OK)
        fprintf(stderr, "hailong: technician log: %s\n", err.msg);
}

void hl_kiosk_tech_after_export(hl_kiosk_t *k)
{
    hl_err_t err = {0};
    for (int i = 0; i < k->menu.n_log_queue; i++) {
        const hl_kiosk_log_row_t *q = &k->menu.log_queue[i];
        if (hl_store_log(k->store, q->at_utc_ms, q->event, q->detail[0] ? q->detail : NULL, &err) !=
            HL_OK)
            fprintf(stderr, "hailong: technician log: %s\n", err.msg);
    }
    k->menu.n_log_queue = 0;
    k->menu.view_valid = false;
    if (k->tech.mode != HL_TECH_OFF) k->dirty = true;
}

static void tech_save_lock(hl_kiosk_t *k)
{
    hl_err_t err = {0};
    if (hl_store_pin_put(k->store, &k->tech.lock, &err) != HL_OK)
        fprintf(stderr, "hailong: keeping the PIN lockout: %s\n", err.msg);
}

/* The counter's name as recorded in responses: the first language's. */
/* The counter's name as responses record it: the Vietnamese name (else the
 * English one), whatever survey runs, cut to 120 bytes on a character
 * boundary. NULL when the config names no counter. */
static const char *tech_counter(const hl_kiosk_t *k, char out[121])
{
    const hl_config_t *cfg = &k->cli->cfg;
    const char *c = cfg->counter.s[HL_LANG_VI];
    if (!c || !*c) c = cfg->counter.s[HL_LANG_EN];
    if (!c || !*c) return NULL;
    size_t n = strlen(c);
    if (n > 120) {
        n = 120;
        while (n > 0 && ((unsigned char)c[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, c, n);
    out[n] = '\0';
    return out;
}

static void tech_apply_duty(hl_kiosk_t *k)
{
    const hl_config_t *cfg = &k->cli->cfg;
    hl_err_t err = {0};
    char counter[121];
    if (hl_store_set_duty(k->store, cfg->officer[0] ? cfg->officer : NULL, tech_counter(k, counter),
                          &err) != HL_OK)
        fprintf(stderr, "hailong: officer on duty: %s\n", err.msg);
    kiosk_centre_snapshot(k); /* the survey or the officer may have changed: the status says */
}

/* The config's default language first among the survey's (the flow starts
 * each response in langs[0]). */
static void tech_apply_language(hl_kiosk_t *k)
{
    hl_survey_t *s = k->cli->survey;
    hl_lang_t want;
    if (!k->cli->cfg.language[0] || !hl_lang_parse(k->cli->cfg.language, &want)) return;
    for (size_t i = 1; i < s->n_langs; i++) {
        if (s->langs[i] != want) continue;
        memmove(&s->langs[1], &s->langs[0], i * sizeof s->langs[0]);
        s->langs[0] = want;
        break;
    }
    if (k->flow.state == HL_STATE_START && !k->flow.started) k->flow.resp.lang = s->langs[0];
}

void hl_kiosk_tech_open(hl_kiosk_t *k)
{
    hl_pin_lock_t lock;
    hl_pin_lock_init(&lock);
    hl_err_t err = {0};
    if (hl_store_pin_get(k->store, &lock, &err) != HL_OK)
        fprintf(stderr, "hailong: reading the PIN lockout: %s\n", err.msg);
    int64_t was = lock.locked_at_utc_ms;
    hl_pin_lock_restore(&lock, tech_mono(k), tech_utc(k));
    hl_tech_init(&k->tech, &lock, k->cli->cfg.n_officers);
    if (lock.lock_ms > 0 && lock.locked_at_utc_ms != was) tech_save_lock(k); /* restarted */
    k->menu.results = calloc(1, sizeof *k->menu.results);
    k->menu.clock_edit_ms = -1;
    tech_apply_duty(k);
    tech_apply_language(k);
}

void hl_kiosk_tech_close(hl_kiosk_t *k)
{
    free(k->menu.results);
    k->menu.results = NULL;
    hl_diags_free(&k->menu.install_errors);
}

/* ---- Config changes ------------------------------------------------------------ */

static const char *tech_config_path(const hl_kiosk_t *k)
{
    return k->cli->cfg.file ? k->cli->cfg.file : NULL;
}

bool kiosk_tech_reload(hl_kiosk_t *k, char *why, size_t whysz)
{
    const char *path = tech_config_path(k);
    if (!path) {
        hl_fmt(why, whysz, "no config file: start the kiosk with --config FILE");
        return false;
    }
    hl_config_t fresh;
    hl_config_defaults(&fresh, k->cli->cfg.kiosk_id);
    hl_diags_t d = {0};
    if (hl_config_load_file(path, &fresh, &d) != HL_OK) {
        hl_fmt(why, whysz, "%s", d.n ? d.items[0].msg : path);
        hl_config_free(&fresh);
        hl_diags_free(&d);
        return false;
    }
    hl_config_free(&k->cli->cfg);
    k->cli->cfg = fresh;
    hl_diags_free(&d);
    tech_apply_duty(k);
    k->tech.n_officers = k->cli->cfg.n_officers;
    return true;
}

/* Writes one setting; on success reloads the config into cli->cfg (so the
 * kiosk sees exactly what the file says) and logs it; why (may be NULL)
 * gets the reason of a failure. */
static bool tech_set_why(hl_kiosk_t *k, const char *key, const char *value_json, hl_str_id_t what,
                         char *why, size_t whysz)
{
    char tmp[512];
    if (!why) why = tmp, whysz = sizeof tmp;
    const char *path = tech_config_path(k);
    if (!path) {
        tech_notice(k, true, HL_STR_TN_NO_CONFIG, NULL);
        hl_fmt(why, whysz, "no config file to save to: start the kiosk with --config FILE");
        return false;
    }
    hl_diags_t d = {0};
    hl_err_t err = {0};
    int rc = hl_config_set(path, key, value_json, &d, &err);
    if (rc != HL_OK) {
        hl_fmt(why, whysz, "%s", d.n ? d.items[0].msg : err.msg);
        tech_notice(k, true, HL_STR_TN_NOT_SAVED, why);
        kiosk_tech_log(k, "config_refused", "%s = %s: %s", key,
                       value_json ? value_json : "(removed)", why);
        hl_diags_free(&d);
        return false;
    }
    hl_diags_free(&d);
    /* A read-only root (its overlay in RAM) forgets the change at reboot:
     * the technician must know before leaving. (Asked now: path belongs to
     * the config freed by the reload.) */
    const char *ram = hl_platform_ram_fs(path);
    if (!kiosk_tech_reload(k, why, whysz)) {
        tech_notice(k, true, HL_STR_TN_SAVED_NO_RELOAD, why);
        kiosk_tech_log(k, "config", "%s = %s (reload failed)", key, value_json ? value_json : "-");
        return false;
    }
    kiosk_tech_log(k, "config", "%s = %s", key, value_json ? value_json : "(removed)");
    if (ram)
        tech_notice(k, true, HL_STR_TN_SAVED_UNTIL_RESTART, ram);
    else
        tech_notice(k, false, what, NULL);
    return true;
}

static bool tech_set(hl_kiosk_t *k, const char *key, const char *value_json, hl_str_id_t what)
{
    return tech_set_why(k, key, value_json, what, NULL, 0);
}

static void tech_duty(hl_kiosk_t *k, const char *id)
{
    const hl_config_t *cfg = &k->cli->cfg;
    if (strcmp(id, "none") != 0 && !hl_config_officer(cfg, id)) {
        tech_notice(k, true, HL_STR_TN_UNKNOWN_OFFICER, id);
        return;
    }
    char before[HL_ITEM_ID_MAX + 1];
    hl_fmt(before, sizeof before, "%s", cfg->officer);
    char json[HL_ITEM_ID_MAX + 8];
    hl_fmt(json, sizeof json, "\"%s\"", id);
    if (!tech_set(k, "officer", strcmp(id, "none") ? json : NULL, HL_STR_TN_OFFICER_SAVED)) return;
    kiosk_tech_log(k, "duty", "%s -> %s", before[0] ? before : "nobody",
                   k->cli->cfg.officer[0] ? k->cli->cfg.officer : "nobody");
    tech_apply_duty(k);
}

static void tech_timeout_step(hl_kiosk_t *k, const char *which, int sign)
{
    hl_timeouts_t t = k->cli->cfg.timeouts;
    int *v = !strcmp(which, "idle") ? &t.idle_s : !strcmp(which, "warn") ? &t.warn_s : &t.thanks_s;
    int step = !strcmp(which, "idle") ? 5 : 1;
    int nv = *v + sign * step;
    char key[32], json[16];
    hl_fmt(key, sizeof key, "timeouts.%s_s", which);
    hl_fmt(json, sizeof json, "%d", nv);
    if (!tech_set(k, key, json, HL_STR_TN_TIMEOUTS_SAVED)) return;
    k->flow.timeouts = k->cli->cfg.timeouts;
}

/* ---- Surveys --------------------------------------------------------------------- */

static bool ends_with_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && !strcmp(name + n - 5, ".json") && name[0] != '.';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Natural order, the same in every locale: runs of digits compare as
 * numbers ("khao-sat-2" before "khao-sat-10"), everything else byte by byte;
 * names equal so ("a01", "a1") fall back to plain byte order. */
static int name_cmp(const void *va, const void *vb)
{
    const unsigned char *a = va, *b = vb;
    while (*a && *b) {
        if (is_digit(*a) && is_digit(*b)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            size_t na = 0, nb = 0;
            while (is_digit(a[na]))
                na++;
            while (is_digit(b[nb]))
                nb++;
            if (na != nb) return na < nb ? -1 : 1;
            int c = memcmp(a, b, na);
            if (c) return c;
            a += na;
            b += nb;
        } else {
            if (*a != *b) return *a < *b ? -1 : 1;
            a++;
            b++;
        }
    }
    if (*a || *b) return *a ? 1 : -1;
    return strcmp(va, vb);
}

/* Lists *.json in dir in natural name order: the files first .. first+max-1
 * into items; returns how many; *total (may be NULL) gets how many there
 * are (at most TECH_LIST_MAX: beyond it, the first by name are kept). root
 * set (a stick): dir is inside it and no link is followed (hl_file_opendir). */
static int tech_list_dir(const char *root, const char *dir, int first, hl_tech_survey_item_t *items,
                         int max, const char *active, int *total)
{
    if (total) *total = 0;
    int dfd = hl_file_opendir(root, dir, NULL);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0) close(dfd);
        return 0;
    }
    char names[TECH_LIST_MAX][128];
    int all = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!ends_with_json(e->d_name) || strlen(e->d_name) >= sizeof names[0]) continue;
        int at = all;
        if (all == TECH_LIST_MAX) { /* full: it replaces the last by name, if before it */
            at = 0;
            for (int i = 1; i < TECH_LIST_MAX; i++)
                if (name_cmp(names[i], names[at]) > 0) at = i;
            if (name_cmp(e->d_name, names[at]) >= 0) continue;
        } else {
            all++;
        }
        memcpy(names[at], e->d_name, strlen(e->d_name) + 1);
    }
    closedir(d);
    qsort(names, (size_t)all, sizeof names[0], name_cmp);
    if (total) *total = all;
    if (first < 0 || first > all) first = all;
    int n = all - first < max ? all - first : max;
    for (int i = 0; i < n; i++) {
        hl_tech_survey_item_t *it = &items[i];
        memset(it, 0, sizeof *it);
        hl_fmt(it->file, sizeof it->file, "%s", names[first + i]);
        char path[PATH_MAX];
        hl_fmt(path, sizeof path, "%s/%s", dir, names[first + i]);
        hl_survey_t *s = NULL;
        if (hl_survey_load_file_at(root, path, &s, NULL) == HL_OK) {
            hl_fmt(it->id, sizeof it->id, "%s", s->id);
            it->version = (long long)s->version;
        }
        hl_survey_free(s);
        char real_a[PATH_MAX], real_b[PATH_MAX];
        it->active =
            active && realpath(path, real_a) && realpath(active, real_b) && !strcmp(real_a, real_b);
    }
    return n;
}

static void tech_installed_dir(const hl_kiosk_t *k, char *out, size_t size)
{
    const char *dir = k->cli->cfg.dir ? k->cli->cfg.dir : ".";
    hl_fmt(out, size, "%s/%s", dir, TECH_SURVEY_DIR);
}

/* Installed surveys: the config's surveys/ folder, then the bundled ones. */
static void tech_list_surveys(hl_kiosk_t *k)
{
    char dir[PATH_MAX];
    tech_installed_dir(k, dir, sizeof dir);
    hl_tech_view_t *v = &k->menu.view;
    v->n_installed =
        tech_list_dir(NULL, dir, 0, v->installed, HL_TECH_MAX_SURVEYS, k->cli->survey_file, NULL);
    char bundled[PATH_MAX];
    hl_fmt(bundled, sizeof bundled, "%s/surveys", hl_platform_assets_dir());
    v->n_installed +=
        tech_list_dir(NULL, bundled, 0, v->installed + v->n_installed,
                      HL_TECH_MAX_SURVEYS - v->n_installed, k->cli->survey_file, NULL);
    v->n_on_stick = 0;
    v->stick = k->menu.has_stick;
    if (k->menu.has_stick) {
        const char *mnt = k->menu.stick.mount;
        /* The page from stick_first (the screen shows as many as fit). */
        v->n_on_stick = tech_list_dir(mnt, TECH_STICK_DIR, k->menu.stick_first, v->on_stick,
                                      HL_TECH_MAX_SURVEYS, NULL, &v->n_stick_total);
        if (k->menu.stick_first >= v->n_stick_total && k->menu.stick_first > 0) {
            k->menu.stick_first = 0; /* fewer files now (another stick): back to the start */
            v->n_on_stick = tech_list_dir(mnt, TECH_STICK_DIR, 0, v->on_stick, HL_TECH_MAX_SURVEYS,
                                          NULL, &v->n_stick_total);
        }
        v->stick_first = k->menu.stick_first;
        hl_err_t err = {0};
        int fd = v->n_on_stick ? -1 : hl_file_opendir(mnt, TECH_STICK_DIR, &err);
        if (fd >= 0) close(fd);
        char why[sizeof k->menu.notice];
        tech_say(why, sizeof why, HL_STR_TN_STICK_UNREADABLE, err.msg, NULL, NULL);
        /* e.g. a link where a folder should be; said once, not at each refresh */
        if (!v->n_on_stick && fd < 0 && err.code != HL_ERR_NOT_FOUND && strcmp(why, k->menu.notice))
            tech_notice_text(k, true, why);
    }
    v->can_rollback = k->menu.prev_survey[0] != '\0';
}

/* The path of installed item i (config surveys/ first, then bundled). */
static bool tech_installed_path(hl_kiosk_t *k, int i, char *out, size_t size)
{
    char dir[PATH_MAX];
    tech_installed_dir(k, dir, sizeof dir);
    hl_tech_survey_item_t items[HL_TECH_MAX_SURVEYS];
    int n = tech_list_dir(NULL, dir, 0, items, HL_TECH_MAX_SURVEYS, NULL, NULL);
    if (i < 0) return false;
    if (i < n) {
        hl_fmt(out, size, "%s/%s", dir, items[i].file);
        return true;
    }
    char bundled[PATH_MAX];
    hl_fmt(bundled, sizeof bundled, "%s/surveys", hl_platform_assets_dir());
    int m = tech_list_dir(NULL, bundled, 0, items, HL_TECH_MAX_SURVEYS - n, NULL, NULL);
    if (i - n < m && i >= n) {
        hl_fmt(out, size, "%s/%s", bundled, items[i - n].file);
        return true;
    }
    return false;
}

bool kiosk_tech_switch_survey(hl_kiosk_t *k, const char *path, bool log_install, char *why,
                              size_t whysz)
{
    char tmp[512];
    if (!why) why = tmp, whysz = sizeof tmp;
    hl_diags_free(&k->menu.install_errors);
    hl_survey_t *s = NULL;
    int rc = hl_survey_load_file(path, &s, &k->menu.install_errors);
    if (rc != HL_OK) {
        const hl_diags_t *d = &k->menu.install_errors;
        char n[24];
        hl_fmt(n, sizeof n, "%zu", d->n);
        tech_notice3(k, true, HL_STR_TN_SURVEY_PROBLEMS, n, d->n == 1 ? "" : "s", NULL);
        hl_fmt(why, whysz, "%s: %zu problem(s); the first: %s", path, d->n,
               d->n ? d->items[0].msg : "unreadable");
        kiosk_tech_log(k, "survey_refused", "%s: %zu problem(s)", path, d->n);
        hl_survey_free(s);
        return false;
    }
    hl_err_t err = {0};
    if (hl_store_use_survey(k->store, s, k->cli->cfg.kiosk_id, &err) != HL_OK) {
        tech_notice(k, true, HL_STR_TN_NOT_USED, err.msg);
        hl_fmt(why, whysz, "%s", err.msg);
        kiosk_tech_log(k, "survey_refused", "%s: %s", path, err.msg);
        hl_store_use_survey(k->store, k->cli->survey, k->cli->cfg.kiosk_id, &err);
        hl_survey_free(s);
        return false;
    }
    /* Recorded in the config: relative to its folder when it is inside. */
    const char *dir = k->cli->cfg.dir;
    const char *rel = path;
    size_t dl = dir ? strlen(dir) : 0;
    if (dir && !strncmp(path, dir, dl) && path[dl] == '/') rel = path + dl + 1;
    char json[PATH_MAX + 8];
    hl_fmt(json, sizeof json, "\"%s\"", rel);
    char prev[PATH_MAX];
    hl_fmt(prev, sizeof prev, "%s", k->cli->survey_file);
    if (!tech_set_why(k, "survey", json, HL_STR_TN_SURVEY_SAVED, why, whysz)) {
        hl_store_use_survey(k->store, k->cli->survey, k->cli->cfg.kiosk_id, &err);
        hl_survey_free(s);
        return false;
    }
    hl_flow_free(&k->flow);
    hl_survey_free(k->cli->survey);
    k->cli->survey = s;
    hl_fmt(k->cli->survey_file, sizeof k->cli->survey_file, "%s", path);
    tech_apply_language(k);
    if (hl_flow_init(&k->flow, s, &k->cli->cfg.timeouts, k->sys, hl_store_sink(k->store), &err) !=
            HL_OK ||
        hl_flow_set_fairness(&k->flow, (int64_t)k->cli->cfg.fair_min_interval_s * 1000,
                             k->cli->cfg.fair_max_per_hour, &err) != HL_OK)
        fprintf(stderr, "hailong: restarting the flow: %s\n", err.msg);
    tech_apply_language(k);
    hl_ui_export_t exp = k->ui.export_state;
    hl_ui_init(&k->ui, s, &k->cli->cfg, hl_render_measure(k->render), k->cli->cfg.display.dpi);
    k->ui.export_state = exp;
    hl_fmt(k->menu.prev_survey, sizeof k->menu.prev_survey, "%s", prev);
    tech_apply_duty(k);
    kiosk_tech_log(k, log_install ? "survey_install" : "survey_use", "%s (%s v%lld), was %s", path,
                   s->id, (long long)s->version, prev);
    char ver[24];
    hl_fmt(ver, sizeof ver, "%lld", (long long)s->version);
    tech_notice3(k, false, HL_STR_TN_NOW_RUNNING, s->id, ver, NULL);
    k->menu.results_valid = false;
    return true;
}

/* Writes the len bytes checked (the survey's source, read once from the
 * stick) to dst atomically (hl_afile: with the folder's sync). */
static bool tech_copy(const char *bytes, size_t len, const char *dst, char *why, size_t whysz)
{
    hl_err_t err = {0};
    if (hl_afile_replace(dst, bytes, len, 0644, &err) == HL_OK) return true;
    hl_fmt(why, whysz, "%s", err.msg);
    return false;
}

bool kiosk_survey_install(hl_kiosk_t *k, hl_survey_t *s, const char *origin, const char *pics_root,
                          const char *pics_dir, char *why, size_t whysz)
{
    /* The store must take it (the same id and version with other content is
     * refused) before any file is written; the running survey stays in use. */
    hl_err_t err = {0};
    int rc = hl_store_use_survey(k->store, s, k->cli->cfg.kiosk_id, &err);
    hl_err_t err2 = {0};
    hl_store_use_survey(k->store, k->cli->survey, k->cli->cfg.kiosk_id, &err2);
    if (rc != HL_OK) {
        tech_notice(k, true, HL_STR_TN_NOT_INSTALLED, err.msg);
        hl_fmt(why, whysz, "%s", err.msg);
        kiosk_tech_log(k, "survey_refused", "%s: %s", origin, err.msg);
        hl_survey_free(s);
        return false;
    }
    char dir[PATH_MAX], dst[PATH_MAX + 200];
    tech_installed_dir(k, dir, sizeof dir);
    mkdir(dir, 0755);
    /* Its note pictures first, where its paths lead from the file's folder:
     * the installed file never names a picture that is not there. None goes
     * over another file (the running survey keeps its own), and any failure
     * below removes what this install made: the old survey stays in use. */
    kiosk_pictures_t pics = {0};
    if (pics_root && kiosk_pictures_copy(&pics, s, pics_root, pics_dir, dir, &err) != HL_OK) {
        tech_notice(k, true, HL_STR_TN_NOT_INSTALLED, err.msg);
        hl_fmt(why, whysz, "%s", err.msg);
        kiosk_tech_log(k, "survey_refused", "%s: %s", origin, err.msg);
        hl_survey_free(s);
        return false;
    }
    /* Named by id and version, never over another file: older versions stay
     * installed (rollback); a file of that name with other content keeps it
     * and this one gets the hash in its name. */
    bool created = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (attempt == 0)
            hl_fmt(dst, sizeof dst, "%s/%s-v%lld.json", dir, s->id, (long long)s->version);
        else
            hl_fmt(dst, sizeof dst, "%s/%s-v%lld-%.8s.json", dir, s->id, (long long)s->version,
                   s->sha256);
        hl_survey_t *there = NULL;
        struct stat sb;
        if (stat(dst, &sb) != 0) {
            if (!tech_copy(s->source, s->source_len, dst, why, whysz)) {
                tech_notice(k, true, HL_STR_TN_NOT_INSTALLED, why);
                kiosk_tech_log(k, "survey_refused", "%s: %s", origin, why);
                kiosk_pictures_undo(&pics);
                hl_survey_free(s);
                return false;
            }
            created = true;
            break;
        }
        bool same =
            hl_survey_load_file(dst, &there, NULL) == HL_OK && !strcmp(there->sha256, s->sha256);
        hl_survey_free(there);
        if (same) break; /* installed already: use it */
        if (attempt == 1) {
            tech_notice(k, true, HL_STR_TN_NOT_INSTALLED_OTHER, dst);
            hl_fmt(why, whysz, "%s exists with other content", dst);
            kiosk_tech_log(k, "survey_refused", "%s: %s", origin, why);
            kiosk_pictures_undo(&pics);
            hl_survey_free(s);
            return false;
        }
    }
    hl_survey_free(s);
    if (!kiosk_tech_switch_survey(k, dst, true, why, whysz)) {
        if (created) unlink(dst);
        kiosk_pictures_undo(&pics);
        return false;
    }
    return true;
}

/* The survey file i of the stick's listing, checked exactly like hailong
 * check (a broken file is never copied), installed with its pictures and
 * recordings (kiosk_survey_install). */
static void tech_install(hl_kiosk_t *k, int i)
{
    if (!k->menu.has_stick) {
        tech_notice(k, true, HL_STR_TN_INSERT_STICK, NULL);
        return;
    }
    hl_tech_survey_item_t items[1]; /* i: the index among all, in the listing's order */
    int n =
        i >= 0 ? tech_list_dir(k->menu.stick.mount, TECH_STICK_DIR, i, items, 1, NULL, NULL) : 0;
    if (n != 1) {
        tech_notice(k, true, HL_STR_TN_SURVEY_GONE_STICK, NULL);
        return;
    }
    char src[PATH_MAX + 160], rel[160], why[PATH_MAX + 200];
    hl_fmt(rel, sizeof rel, "%s/%s", TECH_STICK_DIR, items[0].file);
    hl_fmt(src, sizeof src, "%s/%s", k->menu.stick.mount, rel);
    hl_diags_free(&k->menu.install_errors);
    hl_survey_t *s = NULL;
    if (hl_survey_load_file_at(k->menu.stick.mount, rel, &s, &k->menu.install_errors) != HL_OK) {
        char count[24];
        hl_fmt(count, sizeof count, "%zu", k->menu.install_errors.n);
        tech_notice3(k, true, HL_STR_TN_NOT_INSTALLED_PROBLEMS, items[0].file, count,
                     k->menu.install_errors.n == 1 ? "" : "s");
        kiosk_tech_log(k, "survey_refused", "%s: %zu problem(s)", src, k->menu.install_errors.n);
        hl_survey_free(s);
        return;
    }
    kiosk_survey_install(k, s, src, k->menu.stick.mount, TECH_STICK_DIR, why, sizeof why);
}

/* ---- Clock ------------------------------------------------------------------------ */

static void tech_clock_step(hl_kiosk_t *k, const char *step)
{
    if (k->menu.clock_edit_ms < 0) k->menu.clock_edit_ms = tech_utc(k);
    static const struct {
        const char *id;
        int64_t ms;
    } steps[] = {{"-1d", -86400000}, {"+1d", 86400000}, {"-1h", -3600000},
                 {"+1h", 3600000},   {"-10m", -600000}, {"+10m", 600000}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (!strcmp(step, steps[i].id)) k->menu.clock_edit_ms += steps[i].ms;
    k->dirty = true;
}

static void tech_clock_set(hl_kiosk_t *k)
{
    int64_t want = k->menu.clock_edit_ms >= 0 ? k->menu.clock_edit_ms : tech_utc(k);
    hl_err_t err = {0};
    char when[32];
    hl_time_iso8601(want, when);
    if (k->fake) {
        k->fake->utc_ms = want; /* scripted run: the run's clock moves */
        k->fake->trusted = true;
    } else if (hl_platform_set_time(want, &err) != HL_OK) {
        tech_notice(k, true, HL_STR_TN_CLOCK_NOT_SET, err.msg);
        kiosk_tech_log(k, "clock_refused", "%s: %s", when, err.msg);
        return;
    }
    k->clock.set_by_person = true;
    kiosk_centre_snapshot(k); /* the status's clock_trusted */
    k->menu.clock_edit_ms = -1;
    kiosk_tech_log(k, "clock", "set to %s by the technician", when);
    tech_notice(k, false, HL_STR_TN_CLOCK_SET, when);
}

/* ---- Power ------------------------------------------------------------------------- */

static void tech_restart(hl_kiosk_t *k)
{
    kiosk_tech_log(k, "restart", k->fake ? "scripted run: the run ends" : NULL);
    k->restart = !k->fake;
    k->quit = true;
}

static void tech_shutdown(hl_kiosk_t *k)
{
    if (k->fake) {
        kiosk_tech_log(k, "shutdown", "scripted run: not carried out");
        tech_notice(k, false, HL_STR_TN_SHUTDOWN_SCRIPTED, NULL);
        return;
    }
    hl_err_t err = {0};
    if (hl_platform_poweroff(&err) != HL_OK) {
        tech_notice_text(k, true, err.msg);
        kiosk_tech_log(k, "shutdown_refused", "%s", err.msg);
        return;
    }
    kiosk_tech_log(k, "shutdown", NULL);
    tech_notice(k, false, HL_STR_TN_SHUTDOWN, NULL);
}

/* ---- The menu's actions ------------------------------------------------------------------ */

/* Actions that write the config or the store wait for a running export. */
static bool tech_needs_store(const char *a)
{
    return strncmp(a, "clock:", 6) != 0 && strcmp(a, "sync") != 0 && strncmp(a, "stick:", 6) != 0;
}

static void tech_action(hl_kiosk_t *k, const char *id)
{
    const char *a = id + strlen("tech:");
    k->menu.notice[0] = '\0';
    if (k->usb.io.running && tech_needs_store(a)) {
        tech_notice(k, true, HL_STR_TN_EXPORT_WAIT, NULL);
        return;
    }
    if (!strncmp(a, "survey:", 7) && k->cli->survey_path) {
        tech_notice(k, true, HL_STR_TN_SURVEY_CLI, NULL);
        return;
    }
    if (!strncmp(a, "duty:", 5)) {
        tech_duty(k, a + 5);
    } else if (!strncmp(a, "survey:use:", 11)) {
        char path[PATH_MAX];
        if (tech_installed_path(k, atoi(a + 11), path, sizeof path))
            kiosk_tech_switch_survey(k, path, false, NULL, 0);
        else
            tech_notice(k, true, HL_STR_TN_SURVEY_GONE, NULL);
    } else if (!strcmp(a, "stick:next") || !strcmp(a, "stick:prev")) {
        /* The stick's next or previous page: as many files as the screen shows. */
        int step = k->menu.stick_rows > 0 ? k->menu.stick_rows : 1;
        if (a[6] == 'p')
            k->menu.stick_first = k->menu.stick_first > step ? k->menu.stick_first - step : 0;
        else if (k->menu.stick_first + step < k->menu.view.n_stick_total)
            k->menu.stick_first += step;
    } else if (!strncmp(a, "survey:install:", 15)) {
        tech_install(k, atoi(a + 15));
    } else if (!strcmp(a, "survey:rollback")) {
        if (k->menu.prev_survey[0]) {
            char path[PATH_MAX];
            hl_fmt(path, sizeof path, "%s", k->menu.prev_survey);
            kiosk_tech_switch_survey(k, path, false, NULL, 0);
        }
    } else if (!strcmp(a, "export")) {
        if (!k->menu.has_stick)
            tech_notice(k, true, HL_STR_TN_INSERT_STICK, NULL);
        else if (hl_kiosk_export_now(k)) {
            kiosk_tech_log(k, "export", "to %s", k->menu.stick.mount);
            if (k->fake) hl_kiosk_export_wait(k); /* a scripted run sees the result */
        } else {
            tech_notice(k, true, HL_STR_TN_EXPORT_RUNNING, NULL);
        }
    } else if (!strcmp(a, "sync")) {
        if (!k->syncw) {
            tech_notice(k, true, HL_STR_TN_SYNC_OFF, NULL);
        } else {
            hl_syncw_kick(k->syncw);
            kiosk_tech_log(k, "sync_now", NULL);
            tech_notice(k, false, HL_STR_TN_SYNC_STARTED, NULL);
        }
    } else if (!strncmp(a, "lang:", 5)) {
        char json[16];
        hl_fmt(json, sizeof json, "\"%.5s\"", a + 5);
        if (tech_set(k, "language", json, HL_STR_TN_LANGUAGE_SAVED)) tech_apply_language(k);
    } else if (!strncmp(a, "idle:", 5) || !strncmp(a, "warn:", 5) || !strncmp(a, "thanks:", 7)) {
        char which[8];
        hl_fmt(which, sizeof which, "%.*s", (int)strcspn(a, ":"), a);
        tech_timeout_step(k, which, a[strlen(a) - 1] == '+' ? 1 : -1);
    } else if (!strncmp(a, "rot:", 4)) {
        if (tech_set(k, "display.rotation", a + 4, HL_STR_TN_ROTATION_SAVED)) k->dirty = true;
    } else if (!strcmp(a, "clock:set")) {
        tech_clock_set(k);
    } else if (!strncmp(a, "clock:", 6)) {
        tech_clock_step(k, a + 6);
    } else if (!strcmp(a, "restart")) {
        tech_restart(k);
    } else if (!strcmp(a, "shutdown")) {
        tech_shutdown(k);
    }
}

int hl_kiosk_tech_tap(hl_kiosk_t *k, const char *id, hl_err_t *err)
{
    (void)err;
    hl_tech_page_t page = k->tech.page;
    hl_period_t period = k->tech.period;
    int filter = k->tech.filter;
    hl_tech_event_t ev = hl_tech_tap(&k->tech, id, k->cli->cfg.pin_hash, tech_mono(k), tech_utc(k));
    k->dirty = true;
    k->menu.view_valid = false; /* figures are read again after a tap, not per frame */
    switch (ev) {
    case HL_TECH_EV_PIN_WRONG:
        tech_save_lock(k);
        kiosk_tech_log(k, "pin_wrong", "%d tries left", k->tech.tries_left);
        break;
    case HL_TECH_EV_LOCKED:
        /* A restart deducts the time already past only on a trusted clock. */
        k->tech.lock.clock_trusted = k->sys.utc_trusted(k->sys.ctx);
        tech_save_lock(k);
        kiosk_tech_log(k, "pin_lockout", "locked for %lld s",
                       (long long)(k->tech.lock.lock_ms / 1000));
        break;
    case HL_TECH_EV_REFUSED:
        kiosk_tech_log(k, "pin_refused", "locked: %lld s left",
                       (long long)(hl_pin_lock_left(&k->tech.lock, tech_mono(k)) / 1000));
        break;
    case HL_TECH_EV_PIN_OK:
        tech_save_lock(k);
        kiosk_tech_log(k, "pin_ok", "menu opened");
        k->menu.notice[0] = '\0';
        k->menu.stick_first = 0;
        k->menu.results_valid = false;
        break;
    case HL_TECH_EV_CLOSED:
        kiosk_tech_log(k, "menu_closed", NULL);
        k->menu.notice[0] = '\0';
        hl_diags_free(&k->menu.install_errors);
        break;
    default:
        break;
    }
    if (k->tech.page != page || k->tech.period != period || k->tech.filter != filter) {
        k->menu.results_valid = false;
        k->menu.notice[0] = '\0';
    }
    if (ev == HL_TECH_EV_NONE && k->tech.mode == HL_TECH_MENU && !strncmp(id, "tech:", 5))
        tech_action(k, id);
    return HL_OK;
}

void hl_kiosk_tech_tick(hl_kiosk_t *k)
{
    /* Closed too: a gesture's window runs out (hl_kiosk_timeout counts it). */
    hl_tech_event_t ev = hl_tech_tick(&k->tech, tech_mono(k));
    if (k->tech.mode == HL_TECH_OFF && ev == HL_TECH_EV_NONE) return;
    if (ev == HL_TECH_EV_CLOSED) {
        kiosk_tech_log(k, "menu_closed", "idle");
        k->menu.notice[0] = '\0';
        k->dirty = true;
    } else if (ev != HL_TECH_EV_NONE || k->tech.msg == HL_TECH_MSG_LOCKED) {
        k->dirty = true; /* the lockout's countdown */
    }
}

void hl_kiosk_tech_stick(hl_kiosk_t *k, const hl_medium_t *added, const char *removed_mount)
{
    if (added) {
        k->menu.stick = *added;
        k->menu.has_stick = true;
    } else if (removed_mount && k->menu.has_stick && !strcmp(k->menu.stick.mount, removed_mount)) {
        k->menu.has_stick = false;
    }
    k->menu.stick_first = 0; /* another stick: its first page */
    k->menu.view_valid = false;
    if (k->tech.mode != HL_TECH_OFF) k->dirty = true;
}

/* ---- Building the screens ------------------------------------------------------------ */

/* The store's figures for the page on screen, read only when something may
 * have changed them (view_valid) and never while the export thread holds
 * the store: a frame never waits for SQLite. */
static void tech_refresh(hl_kiosk_t *k)
{
    hl_tech_view_t *v = &k->menu.view;
    const hl_config_t *cfg = &k->cli->cfg;
    hl_err_t err = {0};
    int64_t now = tech_utc(k);
    int64_t day = hl_platform_day_start_ms(now);
    switch (k->tech.page) {
    case HL_TECH_STATUS: {
        hl_tally_query_t q = {.survey_id = NULL, .from_utc_ms = day, .officer_id = NULL};
        if (hl_store_stats(k->store, &v->stats, &err) != HL_OK ||
            hl_store_count(k->store, &q, &v->today, &err) != HL_OK)
            fprintf(stderr, "hailong: status: %s\n", err.msg);
        q.from_utc_ms = day - 6 * 86400000LL;
        if (hl_store_count(k->store, &q, &v->week, &err) != HL_OK)
            fprintf(stderr, "hailong: status: %s\n", err.msg);
        if (hl_sync_status(k->store, &cfg->sync, k->syncw, &v->sync, &err) != HL_OK)
            fprintf(stderr, "hailong: status: %s\n", err.msg);
        v->free_bytes = hl_platform_free_bytes(k->cli->data_dir);
        break;
    }
    case HL_TECH_RESULTS:
        if (!k->menu.results_valid && k->menu.results) {
            const char *officer = k->tech.filter >= 0 && k->tech.filter < cfg->n_officers
                                      ? cfg->officers[k->tech.filter].id
                                      : NULL;
            if (hl_results_compute(k->store, k->cli->survey, k->tech.period, officer, cfg->officers,
                                   cfg->n_officers, day, hl_platform_tz_offset_ms(now),
                                   k->menu.results, &err) == HL_OK)
                k->menu.results_valid = true;
            else
                fprintf(stderr, "hailong: results: %s\n", err.msg);
        }
        break;
    case HL_TECH_SURVEY:
        tech_list_surveys(k);
        break;
    case HL_TECH_TRANSFER:
        if (hl_sync_status(k->store, &cfg->sync, k->syncw, &v->sync, &err) != HL_OK ||
            hl_store_stats(k->store, &v->stats, &err) != HL_OK)
            fprintf(stderr, "hailong: status: %s\n", err.msg);
        break;
    default:
        break;
    }
}

static void tech_gather(hl_kiosk_t *k)
{
    hl_tech_view_t *v = &k->menu.view;
    const hl_config_t *cfg = &k->cli->cfg;
    if (!k->menu.view_valid && !k->usb.io.running && k->tech.mode == HL_TECH_MENU) {
        memset(v, 0, sizeof *v);
        v->free_bytes = -1;
        tech_refresh(k);
        k->menu.view_valid = true;
    }
    /* What costs nothing is taken fresh for every frame. */
    v->tech = &k->tech;
    v->cfg = cfg;
    v->survey = k->cli->survey;
    v->lang = k->flow.resp.lang;
    v->now_utc_ms = k->menu.clock_edit_ms >= 0 && k->tech.page == HL_TECH_SETTINGS
                        ? k->menu.clock_edit_ms
                        : tech_utc(k);
    v->tz_offset_ms = hl_platform_tz_offset_ms(v->now_utc_ms);
    v->clock_trusted = k->clock.set_by_person || k->sys.utc_trusted(k->sys.ctx);
    v->lock_left_ms = hl_pin_lock_left(&k->tech.lock, tech_mono(k));
    v->version = HL_VERSION;
    v->notice = k->menu.notice[0] ? k->menu.notice : NULL;
    v->notice_is_error = k->menu.notice_error;
    v->export_state = k->ui.export_state;
    v->stick = k->menu.has_stick;
    v->results = k->tech.page == HL_TECH_RESULTS && k->menu.results_valid ? k->menu.results : NULL;
    v->errors = k->menu.install_errors.n ? &k->menu.install_errors : NULL;
}

void hl_kiosk_tech_build(hl_kiosk_t *k, int w, int h)
{
    tech_gather(k);
    hl_tech_ui_build(&k->ui, &k->menu.view, w, h, k->scene);
    /* How many stick files a page of this screen holds (the page buttons'
     * step): the files shown, when they are fewer than those listed or as
     * many as a page may list; the last page's few say nothing. */
    int rows = 0;
    for (size_t i = 0; i < k->scene->n_targets; i++)
        rows += !strncmp(k->scene->targets[i].id, "tech:survey:install:", 20);
    const hl_tech_view_t *v = &k->menu.view;
    if (k->tech.page == HL_TECH_SURVEY && k->tech.mode == HL_TECH_MENU && rows > 0 &&
        (rows < v->n_on_stick || rows == HL_TECH_MAX_SURVEYS))
        k->menu.stick_rows = rows;
}
