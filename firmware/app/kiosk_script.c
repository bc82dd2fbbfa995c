/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_script.c: the scripted-run verbs (tap, type, shot, size, press,
 * release, expect-*, stick, unstick, live, hang, targets, sync): the test
 * harness and `hailong run --headless --script` drive the real kiosk
 * through them. The product's event loop never reaches them: only
 * hl_script_run calls them, through the callbacks below.
 */
#include "kiosk_int.h"

static const char *const script_verbs[] = {"tap",           "shot",
                                           "size",          "sync",
                                           "press",         "release",
                                           "expect-target", "expect-no-target",
                                           "expect-text",   "expect-no-text",
                                           "stick",         "unstick",
                                           "live",          "hang",
                                           "expect-panel",  "targets",
                                           "type",          "key",
                                           "expect-focus",  NULL};

/* `key NAME`: the tactile keys by what they do (the config maps real keys
 * to these). */
static const struct {
    const char *name;
    hl_key_act_t act;
} script_keys[] = {{"up", HL_KEY_UP},        {"down", HL_KEY_DOWN},   {"left", HL_KEY_LEFT},
                   {"right", HL_KEY_RIGHT},  {"enter", HL_KEY_ENTER}, {"back", HL_KEY_BACK},
                   {"help", HL_KEY_HELP},    {"vol+", HL_KEY_VOL_UP}, {"vol-", HL_KEY_VOL_DOWN},
                   {"repeat", HL_KEY_REPEAT}};

static hl_key_act_t script_key(const char *name)
{
    for (size_t i = 0; i < sizeof script_keys / sizeof *script_keys; i++)
        if (!strcmp(script_keys[i].name, name)) return script_keys[i].act;
    return HL_KEY_NONE;
}

const char *const *hl_kiosk_script_verbs(void)
{
    return script_verbs;
}

/* ---- Scripted runs: tap, shot, size ---------------------------------------- */

/* Whether every character of the `type` step's words (joined by single
 * spaces) has a key on the keyboard (hl_ui_kb_spell): checked when the
 * script loads, so that text no finger could type stops it with exit 2. */
static bool type_typeable(const hl_script_step_t *st)
{
    for (int i = 1; i < st->argc; i++) {
        const unsigned char *p = (const unsigned char *)st->argv[i];
        while (*p) {
            uint32_t cp = *p;
            int n = cp < 0x80         ? 1
                    : (cp >> 5) == 6  ? 2
                    : (cp >> 4) == 14 ? 3
                    : (cp >> 3) == 30 ? 4
                                      : 0;
            if (!n) return false;
            cp = n == 1 ? cp : cp & (0x7Fu >> n);
            for (int k = 1; k < n; k++) {
                if ((p[k] & 0xC0) != 0x80) return false;
                cp = (cp << 6) | (p[k] & 0x3Fu);
            }
            hl_ui_spell_t sp;
            if (!hl_ui_kb_spell(cp, &sp)) return false;
            p += n;
        }
    }
    return true;
}

static bool parse_int(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 100000) return false;
    *out = (int)v;
    return true;
}

static bool parse_size(const char *s, int *w, int *h)
{
    char tail;
    return sscanf(s, "%dx%d%c", w, h, &tail) == 2 && *w >= 320 && *h >= 240 && *w <= 7680 &&
           *h <= 7680;
}

const char *hl_kiosk_script_check(void *ctx, const hl_script_step_t *st)
{
    const char *const *shots_dir = ctx;
    const char *v = st->argv[0];
    int a, b;
    if (!strcmp(v, "size")) {
        if (st->argc != 2 || !parse_size(st->argv[1], &a, &b))
            return "size takes WxH from 320x240 to 7680x7680, e.g. size 800x480";
    } else if (!strcmp(v, "tap")) {
        if (st->argc == 3 ? !parse_int(st->argv[1], &a) || !parse_int(st->argv[2], &b)
                          : st->argc != 2)
            return "tap takes a target id (tap answer:overall:satisfied) or pixels (tap X Y)";
    } else if (!strcmp(v, "shot")) {
        const char *name = st->argc == 2 ? st->argv[1] : "";
        if (!*name || name[0] == '.' ||
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
                strlen(name))
            return "shot takes one name of letters, digits, - _ . (shot start)";
        if (!shots_dir || !*shots_dir) return "shot needs --screenshots DIR on the command line";
    } else if (!strcmp(v, "sync")) {
        if (st->argc > 2 || (st->argc == 2 && (!parse_int(st->argv[1], &a) || a < 1)))
            return "sync takes at most a number of seconds to wait (sync 60)";
    } else if (!strcmp(v, "press") || !strcmp(v, "release")) {
        if (st->argc != 3 || !parse_int(st->argv[1], &a) || !parse_int(st->argv[2], &b))
            return "press and release take pixels: press X Y (a finger down), release X Y (up)";
    } else if (!strcmp(v, "type")) {
        if (st->argc < 2)
            return "type takes the text to type on the keyboard (type Cán bộ tận tình)";
        if (!type_typeable(st))
            return "the keyboard has no key for a character of this text (it types letters, "
                   "Vietnamese ones in NFC too, digits, space and . , ? ! - ( ) : ; / \" ' @ %)";
    } else if (!strcmp(v, "key")) {
        if (st->argc != 2 || script_key(st->argv[1]) == HL_KEY_NONE)
            return "key takes one of up, down, left, right, enter, back, help, vol+, vol-, repeat";
    } else if (!strcmp(v, "expect-focus")) {
        if (st->argc != 2) return "expect-focus takes one target id (expect-focus next)";
    } else if (!strcmp(v, "targets")) {
        if (st->argc != 1) return "targets takes nothing (it prints the screen's touch targets)";
    } else if (!strcmp(v, "expect-target") || !strcmp(v, "expect-no-target")) {
        if (st->argc != 2) return "expect-target takes one target id (expect-target pin:ok)";
    } else if (!strcmp(v, "expect-text") || !strcmp(v, "expect-no-text")) {
        if (st->argc < 2) return "expect-text takes the words to find on screen";
    } else if (!strcmp(v, "expect-panel")) {
        if (st->argc != 2 || (strcmp(st->argv[1], "on") && strcmp(st->argv[1], "off")))
            return "expect-panel takes on or off (expect-panel off)";
    } else if (!strcmp(v, "live") || !strcmp(v, "hang")) {
        if (st->argc != 2 || !parse_int(st->argv[1], &a))
            return "live and hang take milliseconds of real time, up to 100000 (live 1000)";
    } else if (!strcmp(v, "stick") || !strcmp(v, "unstick")) {
        if (st->argc != 2 || st->argv[1][0] != '/')
            return "stick and unstick take the absolute folder a stick is mounted at";
    }
    return NULL;
}

/* `sync [SECONDS]`: pushes now and waits (real time, up to secs) until the
 * worker finds nothing pending (its round is then a heartbeat), recording
 * each outcome as the event loop
 * would; retries follow the worker's back-off. HL_ERR_STATE without a sync
 * section, when the server refused the config, or on time out. */
static int kiosk_script_sync(hl_kiosk_t *k, int secs, hl_err_t *err)
{
    if (!k->syncw)
        return hl_err_set(err, HL_ERR_STATE, "sync: the config has no working \"sync\" section");
    hl_syncw_info_t info;
    hl_syncw_info(k->syncw, &info);
    /* A round already reading when the kick comes may have read before the
     * last answers were stored: then wait for the round after it. */
    int64_t need = info.rounds + (info.pushing || hl_syncw_has_outcome(k->syncw) ? 2 : 1);
    hl_syncw_kick(k->syncw);
    int64_t deadline = k->cli->sys.mono_ms(k->cli->sys.ctx) + (int64_t)secs * 1000;
    for (;;) {
        hl_kiosk_sync_commit(k);
        hl_syncw_info(k->syncw, &info);
        if (info.rounds >= need && !info.pushing && !hl_syncw_has_outcome(k->syncw)) {
            /* Nothing was pending: the round was a heartbeat (answered or not). */
            if (info.last_heartbeat) return HL_OK;
            if (info.last_verdict == HL_SYNC_STOP || info.stopped)
                return hl_err_set(err, HL_ERR_STATE,
                                  "sync: the server refused this config (hailong sync --status)");
        }
        int64_t now = k->cli->sys.mono_ms(k->cli->sys.ctx);
        if (now >= deadline)
            return hl_err_set(err, HL_ERR_STATE,
                              "sync: responses still pending after %d s (hailong sync --status)",
                              secs);
        int64_t left = deadline - now;
        hl_syncw_wait(k->syncw, left < 50 ? (int)left : 50);
    }
}

/* ---- `type TEXT`: the keyboard's keys, one by one, as a finger presses them */

/* The draft now, "" when none. */
static const char *type_value(const hl_kiosk_t *k)
{
    const char *v = hl_flow_value(&k->flow, k->flow.cur);
    return v ? v : "";
}

/* Whether the draft is want's first len bytes; else the step stops, naming
 * what the keyboard made of it. */
static int type_check(const hl_kiosk_t *k, const char *want, size_t len, hl_err_t *err)
{
    const char *v = type_value(k);
    if (strlen(v) == len && !memcmp(v, want, len)) return HL_OK;
    size_t from = len > 40 ? len - 40 : 0, vlen = strlen(v), vfrom = vlen > 40 ? vlen - 40 : 0;
    while (from > 0 && ((unsigned char)want[from] & 0xC0) == 0x80)
        from--;
    while (vfrom > 0 && ((unsigned char)v[vfrom] & 0xC0) == 0x80)
        vfrom--;
    const hl_keyboard_cfg_t *kc = &k->cli->cfg.keyboard;
    return hl_err_set(err, HL_ERR_USAGE,
                      "the keyboard made \"%s%s\" of \"%s%.*s\" (keyboard.method %s, "
                      "new_style %s: the tone goes where the composer puts it; a capital needs "
                      "its own word)",
                      vfrom ? "..." : "", v + vfrom, from ? "..." : "", (int)(len - from),
                      want + from,
                      kc->method == HL_COMPOSE_TELEX ? "telex"
                      : kc->method == HL_COMPOSE_VNI ? "vni"
                                                     : "none",
                      kc->new_style ? "true" : "false");
}

/* Presses the key of one character (shift and page first as needed);
 * again when the composer took it for a command (Telex "ss": s). */
static int type_key(hl_kiosk_t *k, const hl_ui_spell_t *sp, const char *want, size_t len,
                    hl_err_t *err)
{
    for (int round = 0; round < 2; round++) {
        int rc = HL_OK;
        if (sp->symbols != k->ui.kb.symbols) rc = hl_kiosk_tap_id(k, "key:page", err);
        if (rc == HL_OK && sp->letter && sp->upper != k->ui.kb.shift)
            rc = hl_kiosk_tap_id(k, "key:shift", err);
        if (rc == HL_OK) rc = hl_kiosk_tap_id(k, sp->key, err);
        if (rc == HL_OK && sp->mark[0]) rc = hl_kiosk_tap_id(k, sp->mark, err);
        if (rc != HL_OK) return rc;
        if (sp->mark[0] || type_check(k, want, len, err) == HL_OK) break;
    }
    return type_check(k, want, len, err);
}

/* Types text after the draft: each character by its key (a capital with
 * shift, a digit or punctuation on the second page), a Vietnamese letter
 * as its plain letter then its modified-letter key, and the word's tone key
 * once the word is typed. The draft is checked after every key: a text the
 * keyboard makes otherwise (a tone the composer places elsewhere) stops the
 * step, naming it. */
static int kiosk_script_type(hl_kiosk_t *k, const hl_script_step_t *st, hl_err_t *err)
{
    kiosk_build(k);
    hl_ui_kb_sync(&k->ui, &k->flow);
    if (k->ui.kb.q < 0 || k->tech.mode != HL_TECH_OFF || k->power.off ||
        k->ui.export_state.phase != HL_UI_EXPORT_NONE || k->ui.out_of_service)
        return hl_err_set(err, HL_ERR_STATE, "no keyboard on screen (state %s)",
                          hl_state_name(k->flow.state));
    char want[HL_VALUE_MAX];
    size_t base = (size_t)snprintf(want, sizeof want, "%s", type_value(k)), n = base;
    for (int i = 1; i < st->argc && n < sizeof want; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", i > 1 ? " " : "", st->argv[i]);
    if (n >= sizeof want)
        return hl_err_set(err, HL_ERR_USAGE, "the text is longer than a text answer holds");
    char bare[HL_VALUE_MAX]; /* what the draft holds now: the word's tone not yet pressed */
    memcpy(bare, want, base);
    size_t at = base, blen = base;
    char tone[24] = "";
    while (at <= n) {
        uint32_t cp = 0;
        int len = 0;
        if (at < n) {
            const unsigned char *p = (const unsigned char *)want + at;
            len = p[0] < 0x80 ? 1 : (p[0] >> 5) == 6 ? 2 : (p[0] >> 4) == 14 ? 3 : 4;
            cp = len == 1 ? p[0] : p[0] & (0x7Fu >> len);
            for (int j = 1; j < len; j++)
                cp = (cp << 6) | (p[j] & 0x3Fu);
        }
        hl_ui_spell_t sp;
        bool ok = at < n && hl_ui_kb_spell(cp, &sp);
        if (at < n && !ok) return hl_err_set(err, HL_ERR_USAGE, "no key for U+%04X", (unsigned)cp);
        if (tone[0] && (at == n || !sp.letter)) { /* the word is typed: its tone */
            int rc = hl_kiosk_tap_id(k, tone, err);
            if (rc == HL_OK) rc = type_check(k, want, at, err);
            if (rc != HL_OK) return rc;
            tone[0] = '\0';
            memcpy(bare, want, at);
            blen = at;
        }
        if (at == n) break;
        if ((sp.mark[0] || sp.tone[0]) && !k->ui.kb.vi)
            return hl_err_set(err, HL_ERR_USAGE,
                              "\"%.*s\" needs the Vietnamese keyboard's tone and letter "
                              "keys: the keyboard on screen is English",
                              len, want + at);
        /* The draft after this key: the text so far with the word's tone
         * still to come, and this letter without its tone. */
        char b[8];
        int bl = 0;
        uint32_t c = sp.bare;
        if (c < 0x80) {
            b[bl++] = (char)c;
        } else if (c < 0x800) {
            b[bl++] = (char)(0xC0 | (c >> 6));
            b[bl++] = (char)(0x80 | (c & 0x3F));
        } else {
            b[bl++] = (char)(0xE0 | (c >> 12));
            b[bl++] = (char)(0x80 | ((c >> 6) & 0x3F));
            b[bl++] = (char)(0x80 | (c & 0x3F));
        }
        if (blen + (size_t)bl >= sizeof bare)
            return hl_err_set(err, HL_ERR_USAGE, "the text is too long");
        memcpy(bare + blen, b, (size_t)bl);
        blen += (size_t)bl;
        int rc = type_key(k, &sp, bare, blen, err);
        if (rc != HL_OK) return rc;
        if (sp.tone[0]) snprintf(tone, sizeof tone, "%s", sp.tone);
        at += (size_t)len;
    }
    return HL_OK;
}

int hl_kiosk_script_step(void *ctx, const hl_script_step_t *st, hl_err_t *err)
{
    hl_kiosk_t *k = ctx;
    const char *problem = hl_kiosk_script_check(&k->shots_dir, st);
    if (problem) return hl_err_set(err, HL_ERR_USAGE, "%s", problem);
    const char *v = st->argv[0];
    if (!strcmp(v, "size")) {
        int w = 0, h = 0;
        parse_size(st->argv[1], &w, &h);
        k->dirty = true;
        return hl_display_resize(k->display, w, h, err);
    }
    if (!strcmp(v, "shot")) {
        int rc = hl_kiosk_draw(k, err);
        if (rc) return rc;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.png", k->shots_dir, st->argv[1]);
        return hl_display_save_png(k->display, path, err);
    }
    if (!strcmp(v, "sync")) {
        int secs = 60;
        if (st->argc == 2) parse_int(st->argv[1], &secs);
        return kiosk_script_sync(k, secs, err);
    }
    if (!strcmp(v, "press") || !strcmp(v, "release")) {
        int x = 0, y = 0;
        parse_int(st->argv[1], &x);
        parse_int(st->argv[2], &y);
        kiosk_build(k);
        hl_kiosk_touch(k, v[0] == 'p' ? HL_INPUT_DOWN : HL_INPUT_UP, x, y);
        return HL_OK;
    }
    if (!strcmp(v, "targets")) {
        /* The screen's touch targets on stdout, for a driver that taps a
         * real screen from outside (tests/system): one line each. */
        kiosk_build(k);
        printf("screen %s %dx%d\n", k->scene->screen, k->scene->w, k->scene->h);
        for (size_t i = 0; i < k->scene->n_targets; i++) {
            const hl_target_t *t = &k->scene->targets[i];
            printf("target %s %d %d %d %d\n", t->id, t->box.x, t->box.y, t->box.w, t->box.h);
        }
        fflush(stdout);
        return HL_OK;
    }
    if (!strcmp(v, "expect-target") || !strcmp(v, "expect-no-target")) {
        kiosk_build(k);
        bool there = hl_scene_find(k->scene, st->argv[1]) != NULL;
        if (there != (v[7] == 't'))
            return hl_err_set(err, HL_ERR_STATE, "expected target \"%s\" %s on screen", st->argv[1],
                              there ? "not to be" : "to be");
        return HL_OK;
    }
    if (!strcmp(v, "expect-panel")) {
        bool want_on = !strcmp(st->argv[1], "on"), on = hl_display_panel_on(k->display);
        if (on != want_on)
            return hl_err_set(err, HL_ERR_STATE, "expected the panel %s, but it is %s",
                              want_on ? "on" : "off", on ? "on" : "off");
        return HL_OK;
    }
    if (!strcmp(v, "live")) {
        /* The real event loop, for MS of real time (input, workers, watchdog). */
        int ms = 0;
        parse_int(st->argv[1], &ms);
        return hl_kiosk_loop_for(k, ms) == HL_EXIT_OK
                   ? HL_OK
                   : hl_err_set(err, HL_ERR_STATE, "live: the event loop failed");
    }
    if (!strcmp(v, "hang")) {
        /* The loop stops turning for MS of real time, as a hung one would: no
         * input, no WATCHDOG=1 (the watchdog test). */
        int ms = 0;
        parse_int(st->argv[1], &ms);
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        return HL_OK;
    }
    if (!strcmp(v, "stick") || !strcmp(v, "unstick")) {
        /* A stick mounted (or pulled) at the folder: as the USB watch reports it. */
        if (v[0] == 'u') {
            hl_kiosk_media_removed(k, st->argv[1]);
            return HL_OK;
        }
        hl_medium_t m;
        memset(&m, 0, sizeof m);
        snprintf(m.mount, sizeof m.mount, "%s", st->argv[1]);
        snprintf(m.fs_type, sizeof m.fs_type, "vfat");
        snprintf(m.source, sizeof m.source, "script");
        snprintf(m.id, sizeof m.id, "SCRIPT");
        hl_kiosk_media_added(k, &m);
        hl_kiosk_export_wait(k); /* an authorised stick is written at once: wait for it */
        return HL_OK;
    }
    if (!strcmp(v, "expect-text") || !strcmp(v, "expect-no-text")) {
        bool want_it = !strcmp(v, "expect-text");
        char want[512] = "";
        for (int i = 1; i < st->argc; i++) {
            size_t n = strlen(want);
            snprintf(want + n, sizeof want - n, "%s%s", i > 1 ? " " : "", st->argv[i]);
        }
        kiosk_build(k);
        for (size_t i = 0; i < k->scene->n_cmds; i++) {
            const hl_cmd_t *c = &k->scene->cmds[i];
            if (c->kind != HL_CMD_TEXT || !c->text) continue;
            char line[1024];
            snprintf(line, sizeof line, "%.*s", c->len, c->text);
            if (strstr(line, want))
                return want_it ? HL_OK
                               : hl_err_set(err, HL_ERR_STATE,
                                            "expected the text \"%s\" not to be on screen", want);
        }
        return want_it ? hl_err_set(err, HL_ERR_STATE, "expected the text \"%s\" on screen", want)
                       : HL_OK;
    }
    if (!strcmp(v, "type")) return kiosk_script_type(k, st, err);
    if (!strcmp(v, "key")) {
        hl_kiosk_key(k, script_key(st->argv[1]));
        hl_kiosk_voice_wait(k); /* what the key made the kiosk say is in the capture */
        return HL_OK;
    }
    if (!strcmp(v, "expect-focus")) {
        kiosk_build(k);
        const char *f = hl_kiosk_ui(k)->access.focus;
        if (strcmp(f, st->argv[1]) != 0)
            return hl_err_set(err, HL_ERR_STATE,
                              "expected the focus on \"%s\", but it is on %s%s%s", st->argv[1],
                              f[0] ? "\"" : "", f[0] ? f : "nothing", f[0] ? "\"" : "");
        return HL_OK;
    }
    if (!strcmp(v, "tap")) {
        /* As a finger's: the touch guard ignores a tap too soon after a new
         * screen (on the script's clock). Not an error: a script shows the
         * ghost ignored, then a deliberate tap after a wait counting. */
        long guarded = k->touch.guarded;
        int rc = HL_OK;
        if (st->argc == 2) {
            rc = hl_kiosk_tap_id(k, st->argv[1], err);
        } else {
            int x = 0, y = 0;
            parse_int(st->argv[1], &x);
            parse_int(st->argv[2], &y);
            kiosk_build(k);
            hl_kiosk_touch(k, HL_INPUT_DOWN, x, y);
            hl_kiosk_touch(k, HL_INPUT_UP, x, y);
        }
        hl_kiosk_voice_wait(k); /* what the tap made the kiosk say is in the capture */
        if (k->touch.guarded == guarded) return rc;
        fprintf(stderr,
                "hailong: line %d: tap ignored: the screen changed %lld ms before it (a tap "
                "counts from %d ms after a change, as a finger's; put a wait before a tap that is "
                "meant)\n",
                st->line, (long long)(kiosk_now(k) - k->touch.screen_at_ms), HL_TOUCH_GUARD_MS);
        hl_err_clear(err);
        return HL_OK;
    }
    return hl_err_set(err, HL_ERR_USAGE, "unknown step \"%s\"", v);
}
