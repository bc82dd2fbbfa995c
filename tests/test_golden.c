/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_golden.c: golden screenshots of every screen and question type, in
 * Vietnamese and English, at 800x480, 1280x800 and 1080x1920, rendered by the
 * headless software renderer and compared pixel for pixel with
 * tests/golden/WxH/LANG/NAME.png. With issue 17's accessibility: every
 * question type with large text (large_NAME) in both languages, the
 * focus ring on each type with speech on (focus_TYPE, in Vietnamese), and
 * the volume control in both languages (volume, large_volume,
 * volume_keyboard).
 *
 * A missing or differing golden fails, and the actual image and a diff image
 * (differing pixels in red over a faded copy) are written to golden-out/ in
 * the build folder. To accept new pictures on purpose, run
 *     bash platform/dev/goldens.sh
 * (it sets HL_UPDATE_GOLDENS=1 and runs this test), then look at them.
 *
 * The comparison is exact unless HL_GOLDEN_TOLERANCE=DELTA:FRACTION is set,
 * which only the arm64 cross build's CTest does (CMakeLists.txt): SDL's
 * software blitters round the anti-aliased edges of text differently on
 * arm64 than on x86-64, where the goldens are made. A pixel then counts as
 * differing only when a colour channel is off by more than DELTA (0-255), and
 * a picture passes when at most FRACTION (0-1) of its pixels differ; a size
 * change or a missing golden still fails. With a tolerance set, each screen
 * size and language prints the largest difference it saw.
 *
 * HL_GOLDEN_SIZES=WxH[,WxH...] compares only those of the three sizes (the
 * arm64 run under qemu, platform/dev/test-arm64.sh, takes 800x480, the Pi
 * panel's, to fit its time); unset or empty: all three.
 */
#include "hl_display.h"
#include "hl_flow.h"
#include "hl_render.h"
#include "hl_strings.h"
#include "hl_tech_ui.h"
#include "hl_ui.h"
#include "hl_fixture.h"
#include "hl_test.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GOLDEN_DIR HL_SOURCE_DIR "/tests/golden"
#define OUT_DIR    "golden-out"
#define ALL_TYPES  HL_TEST_DATA "/ui/all-types.json"
#define ALL_NFD    HL_TEST_DATA "/ui/all-types-nfd.json"

/* HL_GOLDEN_TOLERANCE: how far a picture may be from its golden. */
typedef struct tolerance {
    int delta;       /* largest channel difference a pixel may have and count as equal */
    double fraction; /* largest share of a picture's pixels that may differ by more */
} tolerance_t;

/* What a set of comparisons found (reported when a tolerance is set). */
typedef struct golden_stats {
    int inexact;        /* pictures not exactly equal to their golden */
    int max_delta;      /* largest channel difference seen */
    double max_differs; /* largest share of pixels differing by more than the tolerance */
    double max_any;     /* largest share of pixels differing at all */
} golden_stats_t;

typedef struct shooter {
    hl_display_t *display; /* headless */
    hl_render_t *render;
    hl_scene_t *scene;
    hl_ui_t ui;
    hl_flow_t flow;
    hl_fakesys_t clock;
    hl_fixture_sink_t sink; /* answers as the store would */
    hl_config_t cfg;
    hl_survey_t *survey;
    char size[32];       /* "800x480" */
    const char *lang;    /* "vi", "en" */
    int checked;         /* pictures compared */
    bool compare_only;   /* never write goldens (a variant that must match the originals) */
    tolerance_t tol;     /* from HL_GOLDEN_TOLERANCE; {0, 0}: exact */
    golden_stats_t seen; /* differences found within the tolerance */
} shooter_t;

/* Code points in a UTF-8 string. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool update_mode(void)
{
    const char *v = getenv("HL_UPDATE_GOLDENS");
    return v && !strcmp(v, "1");
}

/* Parses HL_GOLDEN_TOLERANCE ("DELTA:FRACTION", e.g. "64:0.02"); unset or
 * empty: exact. A malformed value fails the test (and compares exactly). */
static tolerance_t golden_tolerance(void)
{
    tolerance_t t = {0, 0.0};
    const char *v = getenv("HL_GOLDEN_TOLERANCE");
    if (!v || !*v) return t;
    char *end = NULL;
    long d = strtol(v, &end, 10);
    double f = -1;
    if (end != v && *end == ':') {
        const char *fs = end + 1;
        f = strtod(fs, &end);
        if (end == fs || *end) f = -1;
    }
    if (d < 0 || d > 255 || !(f >= 0 && f <= 1)) {
        hl_test_fail(__FILE__, __LINE__,
                     "HL_GOLDEN_TOLERANCE=\"%s\": expected DELTA:FRACTION, DELTA 0-255, "
                     "FRACTION 0-1 (e.g. 64:0.02)",
                     v);
        return t;
    }
    t.delta = (int)d;
    t.fraction = f;
    return t;
}

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(buf, 0755);
        *p = '/';
    }
    mkdir(buf, 0755);
}

static SDL_Surface *load_argb(const char *path)
{
    SDL_Surface *raw = IMG_Load(path);
    if (!raw) return NULL;
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    return s;
}

/* Writes a diff picture: differing pixels red, the rest faded. */
static void write_diff(SDL_Surface *want, SDL_Surface *got, const char *path)
{
    SDL_Surface *d =
        SDL_CreateRGBSurfaceWithFormat(0, got->w, got->h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!d) return;
    for (int y = 0; y < got->h; y++) {
        const uint32_t *g = (const uint32_t *)((const uint8_t *)got->pixels + y * got->pitch);
        const uint32_t *w =
            want && y < want->h
                ? (const uint32_t *)((const uint8_t *)want->pixels + y * want->pitch)
                : NULL;
        uint32_t *o = (uint32_t *)((uint8_t *)d->pixels + y * d->pitch);
        for (int x = 0; x < got->w; x++) {
            bool same = w && x < want->w && ((w[x] ^ g[x]) & 0xFFFFFF) == 0;
            uint32_t grey = ((g[x] >> 16 & 255) + (g[x] >> 8 & 255) + (g[x] & 255)) / 3;
            grey = 192 + grey / 4;
            o[x] = same ? (0xFF000000u | grey << 16 | grey << 8 | grey) : 0xFFFF0000u;
        }
    }
    IMG_SavePNG(d, path);
    SDL_FreeSurface(d);
}

/* Draws the scene already built and compares it with its golden. */
static void shot_scene(shooter_t *s, const char *name)
{
    CHECK(!s->scene->overflow);
    hl_err_t err = {0};
    if (hl_render_draw(s->render, s->scene, &err) != HL_OK ||
        hl_display_present(s->display, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "%s/%s/%s: %s", s->size, s->lang, name, err.msg);
        return;
    }
    char golden[1024], out_dir[512], actual[1024], diff[1024];
    snprintf(golden, sizeof golden, "%s/%s/%s/%s.png", GOLDEN_DIR, s->size, s->lang, name);
    snprintf(out_dir, sizeof out_dir, "%s/%s/%s", OUT_DIR, s->size, s->lang);
    mkdirs(out_dir);
    snprintf(actual, sizeof actual, "%s/%s.png", out_dir, name);
    snprintf(diff, sizeof diff, "%s/%s.diff.png", out_dir, name);
    if (hl_display_save_png(s->display, actual, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "%s: %s", actual, err.msg);
        return;
    }
    s->checked++;
    if (update_mode() && !s->compare_only) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s/%s", GOLDEN_DIR, s->size, s->lang);
        mkdirs(dir);
        size_t len = 0;
        char *bytes = hl_test_read_file(actual, &len);
        FILE *f = bytes ? fopen(golden, "wb") : NULL;
        if (!f || fwrite(bytes, 1, len, f) != len)
            hl_test_fail(__FILE__, __LINE__, "cannot write %s: %s", golden, strerror(errno));
        if (f) fclose(f);
        free(bytes);
        return;
    }
    SDL_Surface *got = load_argb(actual);
    SDL_Surface *want = load_argb(golden);
    if (!got) {
        hl_test_fail(__FILE__, __LINE__, "cannot read back %s: %s", actual, IMG_GetError());
    } else if (!want) {
        hl_test_fail(__FILE__, __LINE__,
                     "missing golden %s (actual: %s); if the new picture is right, run "
                     "bash platform/dev/goldens.sh",
                     golden, actual);
    } else {
        long differ = 0, beyond = 0; /* pixels differing at all; by more than tol.delta */
        int max_delta = 0;
        if (want->w != got->w || want->h != got->h) {
            differ = beyond = -1;
        } else {
            for (int y = 0; y < got->h; y++) {
                const uint32_t *g =
                    (const uint32_t *)((const uint8_t *)got->pixels + y * got->pitch);
                const uint32_t *wp =
                    (const uint32_t *)((const uint8_t *)want->pixels + y * want->pitch);
                for (int x = 0; x < got->w; x++) {
                    if (((g[x] ^ wp[x]) & 0xFFFFFF) == 0) continue;
                    int d = 0;
                    for (int sh = 0; sh < 24; sh += 8) {
                        int c = abs((int)(g[x] >> sh & 255) - (int)(wp[x] >> sh & 255));
                        d = c > d ? c : d;
                    }
                    differ++;
                    beyond += d > s->tol.delta;
                    max_delta = d > max_delta ? d : max_delta;
                }
            }
        }
        double pixels = (double)got->w * got->h, share = beyond / pixels;
        if (differ < 0 || share > s->tol.fraction) {
            write_diff(want, got, diff);
            hl_test_fail(__FILE__, __LINE__,
                         "%s differs from its golden (%ld pixels%s; largest channel difference "
                         "%d; %.4f%% of pixels differ by more than %d); actual %s, diff %s; if "
                         "the change is intended, run bash platform/dev/goldens.sh",
                         golden, differ, differ < 0 ? ", other size" : "", max_delta,
                         differ < 0 ? 100.0 : 100 * share, s->tol.delta, actual, diff);
        } else if (differ > 0) {
            s->seen.inexact++;
            s->seen.max_delta = max_delta > s->seen.max_delta ? max_delta : s->seen.max_delta;
            s->seen.max_differs = share > s->seen.max_differs ? share : s->seen.max_differs;
            s->seen.max_any = differ / pixels > s->seen.max_any ? differ / pixels : s->seen.max_any;
        }
    }
    SDL_FreeSurface(got);
    SDL_FreeSurface(want);
}

/* Draws the current state and compares it with its golden. */
static void shot(shooter_t *s, const char *name)
{
    int w, h;
    hl_display_size(s->display, &w, &h);
    hl_ui_build(&s->ui, &s->flow, w, h, s->clock.mono_ms, s->scene);
    shot_scene(s, name);
}

static bool shooter_open_with(shooter_t *s, const char *config, const char *survey, int w, int h,
                              const char *lang)
{
    memset(s, 0, sizeof *s);
    hl_diags_t d = {0};
    hl_config_defaults(&s->cfg, "golden");
    if (hl_config_load_file(config, &s->cfg, &d) != HL_OK ||
        hl_survey_load_file(survey, &s->survey, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        hl_diags_free(&d);
        hl_test_fail(__FILE__, __LINE__, "fixtures do not load");
        return false;
    }
    hl_diags_free(&d);
    hl_err_t err = {0};
    hl_display_opts_t o = {HL_BACKEND_HEADLESS, w, h, 0, false};
    s->scene = calloc(1, sizeof *s->scene);
    if (!s->scene || hl_display_open(&o, &s->display, &err) != HL_OK ||
        hl_render_new(hl_display_renderer(s->display), HL_FONTS_DIR, &s->render, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "screen: %s", err.msg);
        return false;
    }
    hl_fakesys_init(&s->clock, 1795766400000LL, true, 5);
    if (hl_flow_init(&s->flow, s->survey, &s->cfg.timeouts, hl_fakesys_sys(&s->clock),
                     hl_fixture_sink(&s->sink), &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "flow: %s", err.msg);
        return false;
    }
    hl_ui_init(&s->ui, s->survey, &s->cfg, hl_render_measure(s->render), s->cfg.display.dpi);
    snprintf(s->size, sizeof s->size, "%dx%d", w, h);
    s->lang = lang;
    s->tol = golden_tolerance();
    hl_lang_t l = HL_LANG_VI;
    hl_lang_parse(lang, &l);
    if (hl_flow_set_lang(&s->flow, l, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "lang: %s", err.msg);
    return true;
}

static bool shooter_open(shooter_t *s, const char *survey, int w, int h, const char *lang)
{
    return shooter_open_with(s, HL_TEST_DATA "/ui/kiosk.json", survey, w, h, lang);
}

static void shooter_close(shooter_t *s)
{
    if (s->seen.inexact)
        printf("  %s/%s: %d of %d pictures within HL_GOLDEN_TOLERANCE %d:%g, not exact: largest "
               "channel difference %d, at most %.4f%% of pixels differ (%.4f%% by more than %d)\n",
               s->size, s->lang, s->seen.inexact, s->checked, s->tol.delta, s->tol.fraction,
               s->seen.max_delta, 100 * s->seen.max_any, 100 * s->seen.max_differs, s->tol.delta);
    if (s->survey) hl_flow_free(&s->flow);
    hl_render_free(s->render);
    hl_display_close(s->display);
    hl_survey_free(s->survey);
    hl_config_free(&s->cfg);
    free(s->scene);
}

static void tap(shooter_t *s, const char *id)
{
    hl_err_t err = {0};
    int w, h;
    hl_display_size(s->display, &w, &h);
    hl_ui_build(&s->ui, &s->flow, w, h, s->clock.mono_ms, s->scene);
    if (!hl_scene_find(s->scene, id))
        hl_test_fail(__FILE__, __LINE__, "%s/%s: no target %s", s->size, s->lang, id);
    else if (hl_ui_tap(&s->ui, &s->flow, id, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s/%s: tap %s: %s", s->size, s->lang, id, err.msg);
}

static const int sizes[][2] = {{800, 480}, {1280, 800}, {1080, 1920}};
static const char *const langs[] = {"vi", "en"};

/* Whether HL_GOLDEN_SIZES (unset or empty: all) asks for size z; a name in
 * it that is none of the sizes fails the test. */
static bool size_wanted(size_t z)
{
    const char *v = getenv("HL_GOLDEN_SIZES");
    if (!v || !*v) return true;
    bool wanted = false;
    for (const char *p = v; *p;) {
        size_t len = strcspn(p, ",");
        bool known = false;
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            char name[32];
            int n = snprintf(name, sizeof name, "%dx%d", sizes[k][0], sizes[k][1]);
            if ((size_t)n == len && !strncmp(p, name, len)) {
                known = true;
                wanted |= k == z;
            }
        }
        if (!known)
            hl_test_fail(__FILE__, __LINE__,
                         "HL_GOLDEN_SIZES=\"%s\": \"%.*s\" is not one of "
                         "800x480, 1280x800, 1080x1920",
                         v, (int)len, p);
        p += len + (p[len] == ',');
    }
    if (!wanted) printf("  %dx%d skipped (HL_GOLDEN_SIZES=%s)\n", sizes[z][0], sizes[z][1], v);
    return wanted;
}

/* shot, named "large_NAME" with large text on. */
static void shot_as(shooter_t *s, bool large, const char *name)
{
    char full[80];
    snprintf(full, sizeof full, "%s%s", large ? "large_" : "", name);
    shot(s, full);
}

/* Every question type and screen of the fixture survey that has them all;
 * survey is that fixture, or its decomposed (NFD) copy compared with the
 * same goldens. With large (issue 17): the citizen screens with large text,
 * each named large_NAME. */
static void shoot_all_types(int w, int h, const char *lang, const char *survey, bool large)
{
    shooter_t s;
    bool nfd = strstr(survey, "nfd") != NULL;
    if (shooter_open(&s, survey, w, h, lang)) {
        s.compare_only = nfd;
        s.ui.access.large = large;
        shot_as(&s, large, "start_smiley3");
        tap(&s, "answer:mood:ok");
        shot_as(&s, large, "stars");
        tap(&s, "answer:stars:4");
        tap(&s, "back");
        shot_as(&s, large, "stars_chosen");
        tap(&s, "answer:stars:4");
        shot_as(&s, large, "choice");
        tap(&s, "answer:visit:civil");
        shot_as(&s, large, "nps");
        tap(&s, "answer:recommend:8");
        shot_as(&s, large, "yesno");
        tap(&s, "answer:posted:yes");
        tap(&s, "key:1");
        tap(&s, "key:2");
        tap(&s, "key:3");
        shot_as(&s, large, "number");
        tap(&s, "next");
        tap(&s, "answer:tags:fast");
        tap(&s, "answer:tags:clear");
        snprintf(s.ui.pressed, sizeof s.ui.pressed, "answer:tags:helpful");
        shot_as(&s, large, "multi_pressed");
        s.ui.pressed[0] = '\0';
        hl_fakesys_advance(&s.clock, (int64_t)s.cfg.timeouts.idle_s * 1000);
        hl_err_t err = {0};
        hl_flow_tick(&s.flow, &err);
        hl_fakesys_advance(&s.clock, 2500);
        shot_as(&s, large, "still_there");
        tap(&s, "continue");
        tap(&s, "next");
        shot_as(&s, large, "thanks");
        if (!large) { /* not the citizen's screens: no large text */
            s.ui.out_of_service = true;
            shot(&s, "out_of_service");
            s.ui.out_of_service = false;
            s.ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_WRITING, 0.4, 1234, 0};
            shot(&s, "export_writing");
            s.ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_DONE, 1, 1234, 0};
            shot(&s, "export_done");
            s.ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_FAILED, 0.7, 1234, HL_ERR_FULL};
            shot(&s, "export_full");
        }
        CHECK_INT(s.checked, large ? 10 : 14);
    }
    shooter_close(&s);
}

/* Moves the focus n times in dir on the screen as it is now (the first
 * move puts it on the screen's first answer). */
static void focus(shooter_t *s, hl_ui_dir_t dir, int n)
{
    int w, h;
    hl_display_size(s->display, &w, &h);
    for (int i = 0; i < n; i++) {
        hl_ui_build(&s->ui, &s->flow, w, h, s->clock.mono_ms, s->scene);
        if (!hl_ui_focus_move(&s->ui, s->scene, dir))
            hl_test_fail(__FILE__, __LINE__, "%s/%s: nothing to focus", s->size, s->lang);
    }
}

/* The focus ring (issue 17) on each question type, speech on (the volume's
 * buttons and level in the header): on the first answer moved on by one
 * (an answer of each type; a digit), on a chosen option (blue), on a
 * header button over the blue band ("still there?": up from continue),
 * and on the keyboard (its last row holds Listen, the volume and Aa when
 * there is no header). Named focus_TYPE. */
static void shoot_focus(int w, int h, const char *lang)
{
    shooter_t s;
    if (shooter_open(&s, ALL_TYPES, w, h, lang)) {
        s.ui.access.speech = true;
        s.ui.access.volume = 6;
        static const char *const types[7] = {"smiley", "stars",  "choice", "nps",
                                             "yesno",  "number", "multi"};
        static const char *const answers[7] = {"answer:mood:ok",
                                               "answer:stars:4",
                                               "answer:visit:civil",
                                               "answer:recommend:8",
                                               "answer:posted:yes",
                                               NULL,
                                               NULL};
        for (int i = 0; i < 7; i++) {
            char name[40];
            snprintf(name, sizeof name, "focus_%s", types[i]);
            /* The first move puts the focus on the first answer; later
             * screens get it there when they are built (the focus follows
             * the screen), and it moves on by one; on the multi question it
             * stays on its first option, chosen (blue). */
            if (i == 6) tap(&s, "answer:tags:fast");
            focus(&s, HL_UI_FOCUS_NEXT, i == 0 ? 2 : i == 6 ? 0 : 1);
            shot(&s, name);
            if (answers[i]) {
                tap(&s, answers[i]);
            } else if (i == 5) {
                tap(&s, "key:1");
                tap(&s, "key:2");
                tap(&s, "next");
            }
        }
        hl_fakesys_advance(&s.clock, (int64_t)s.cfg.timeouts.idle_s * 1000);
        hl_err_t err = {0};
        hl_flow_tick(&s.flow, &err);
        focus(&s, HL_UI_FOCUS_UP, 1); /* from continue up to the header */
        shot(&s, "focus_still_there");
        CHECK_INT(s.checked, 8);
    }
    shooter_close(&s);
    if (shooter_open(&s, HL_TEST_DATA "/ui/keyboard.json", w, h, lang)) {
        s.ui.access.speech = true;
        tap(&s, "answer:overall:ok");
        tap(&s, "key:o");
        focus(&s, HL_UI_FOCUS_DOWN, 2);
        shot(&s, "focus_text");
        CHECK_INT(s.checked, 1);
    }
    shooter_close(&s);
}

/* The volume control (issue 17), shown while speech is on: its down and up
 * buttons with the level between them as bars, beside Listen and Aa. In
 * the start screen's header, the most crowded one (site, counter, the
 * languages), at level 3 (volume); with large text at the top level
 * (large_volume); and on the keyboard, whose screen at 800x480 has no
 * header and holds them in its last row, at level 0 (volume_keyboard). */
static void shoot_volume(int w, int h, const char *lang)
{
    shooter_t s;
    if (shooter_open(&s, ALL_TYPES, w, h, lang)) {
        s.ui.access.speech = true;
        s.ui.access.volume = 3;
        shot(&s, "volume");
        s.ui.access.large = true;
        s.ui.access.volume = s.ui.access.volume_max;
        shot(&s, "large_volume");
        CHECK_INT(s.checked, 2);
    }
    shooter_close(&s);
    if (shooter_open(&s, HL_TEST_DATA "/ui/keyboard.json", w, h, lang)) {
        s.ui.access.speech = true;
        s.ui.access.volume = 0;
        tap(&s, "answer:overall:ok");
        shot(&s, "volume_keyboard");
        CHECK_INT(s.checked, 1);
    }
    shooter_close(&s);
}

/* Large text (issue 17) on the keyboard with text typed and on the
 * bundled consultation's note. */
static void shoot_large_more(int w, int h, const char *lang)
{
    shooter_t s;
    if (shooter_open(&s, HL_TEST_DATA "/ui/keyboard.json", w, h, lang)) {
        s.ui.access.large = true;
        tap(&s, "answer:overall:ok");
        static const char *const keys[] = {"key:shift", "key:c", "key:a", "key:m",
                                           "key:space", "key:o", "key:n"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            tap(&s, keys[i]);
        shot(&s, "large_keyboard_typed");
        CHECK_INT(s.checked, 1);
    }
    shooter_close(&s);
    if (shooter_open(&s, HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json", w, h, lang)) {
        s.ui.access.large = true;
        shot(&s, "large_note");
    }
    shooter_close(&s);
}

/* The packaged kiosk's first screen (the package's config, no site or
 * counter set): tests/system/vm.py compares the KMS screen of the packaged
 * kiosk booted in a VM with this one. */
static void shoot_stock_start(int w, int h, const char *lang)
{
    shooter_t s;
    if (shooter_open_with(&s, HL_SOURCE_DIR "/platform/packaging/hailong.json",
                          HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json", w, h, lang))
        shot(&s, "stock_start");
    shooter_close(&s);
}

/* The bundled survey's start screen: five faces, site and counter. */
static void shoot_default_start(int w, int h, const char *lang)
{
    shooter_t s;
    if (shooter_open(&s, HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json", w, h, lang)) {
        shot(&s, "start_smiley5");
        tap(&s, "answer:overall:dissatisfied");
        tap(&s, "answer:officer:neutral");
        tap(&s, "answer:procedure_posted:no");
        tap(&s, "answer:result_on_time:no");
        tap(&s, "answer:facilities:not_satisfied");
        tap(&s, "answer:feedback_channel:no");
        shot(&s, "reasons");
    }
    shooter_close(&s);
}

/* The bundled consultation's note (issue 16): its title, body and picture,
 * "Tiếp tục / Continue", on the start screen. */
static void shoot_note(int w, int h, const char *lang)
{
    shooter_t s;
    if (shooter_open(&s, HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json", w, h, lang))
        shot(&s, "note");
    shooter_close(&s);
}

/* The consultation's contact question (issue 16): the consent, digits
 * grouped as typed; the thanks screen with the follow-up code the comment
 * and number earned; back on a number given, it is not shown. */
static void shoot_contact(int w, int h, const char *lang)
{
    shooter_t s;
    if (shooter_open(&s, HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json", w, h, lang)) {
        static const char *const to[] = {"next",
                                         "answer:ung_ho:ung_ho",
                                         "answer:khi_nao_den:ngay_thuong",
                                         "answer:nghi_lam:yes",
                                         "key:o",
                                         "key:k",
                                         "key:done"};
        for (size_t i = 0; i < sizeof to / sizeof *to; i++)
            tap(&s, to[i]);
        for (const char *p = "0912345678"; *p; p++) {
            char key[8] = {'k', 'e', 'y', ':', *p, '\0'};
            tap(&s, key);
        }
        shot(&s, "contact_typed");
        tap(&s, "next");
        shot(&s, "thanks_code");
        CHECK_INT(s.checked, 2);
    }
    shooter_close(&s);
    /* Back on a number given: the keypad empty, the number kept. */
    if (shooter_open(&s, HL_TEST_DATA "/flow/contact.json", w, h, lang)) {
        tap(&s, "answer:overall:4");
        for (const char *p = "0912345678"; *p; p++) {
            char key[8] = {'k', 'e', 'y', ':', *p, '\0'};
            tap(&s, key);
        }
        tap(&s, "next");
        tap(&s, "back");
        shot(&s, "contact_saved");
        CHECK_INT(s.checked, 1);
    }
    shooter_close(&s);
}

/* The text question's keyboard (issue 16): empty with its hint, with text
 * typed (a capital by shift), with a tone applied (Vietnamese), and its
 * digits page. */
static void shoot_keyboard(int w, int h, const char *lang)
{
    shooter_t s;
    if (shooter_open(&s, HL_TEST_DATA "/ui/keyboard.json", w, h, lang)) {
        bool vi = !strcmp(lang, "vi");
        tap(&s, "answer:overall:ok");
        shot(&s, "keyboard_empty");
        static const char *const keys[] = {"key:shift", "key:c", "key:a", "key:m",
                                           "key:space", "key:o", "key:n"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            tap(&s, keys[i]);
        shot(&s, "keyboard_typed");
        if (vi) {
            tap(&s, "key:bksp"); /* "Cam o" */
            tap(&s, "key:bksp");
            tap(&s, "key:bksp");     /* "Cam" */
            tap(&s, "key:tone:hoi"); /* Cảm */
            tap(&s, "key:space");
            tap(&s, "key:o");
            tap(&s, "key:mark:ow");
            tap(&s, "key:n"); /* Cảm ơn */
            shot(&s, "keyboard_tone");
        }
        tap(&s, "key:page");
        shot(&s, "keyboard_page2");
        CHECK_INT(s.checked, vi ? 4 : 3);
    }
    shooter_close(&s);
}

/* ---- Technician mode (issue 6) ------------------------------------------------ */

#define OFFICER_PNG HL_TEST_DATA "/ui/officer.png"

/* Three officers (made up), one with a photo, one whose photo file is
 * missing (a placeholder), one without; "nva" on duty. */
static void add_officers(hl_config_t *cfg)
{
    static const char *const ids[3] = {"nva", "ttb", "lvc"};
    static const char *const names[3] = {"Nguyễn Văn A", "Trần Thị Bích", "Lê Văn Cường"};
    for (int i = 0; i < 3; i++) {
        hl_officer_t *o = &cfg->officers[i];
        memset(o, 0, sizeof *o);
        snprintf(o->id, sizeof o->id, "%s", ids[i]);
        snprintf(o->name, sizeof o->name, "%s", names[i]);
    }
    cfg->officers[0].photo = strdup(OFFICER_PNG);
    cfg->officers[2].photo = strdup(HL_TEST_DATA "/ui/no-such-photo.png");
    cfg->n_officers = 3;
    snprintf(cfg->officer, sizeof cfg->officer, "nva");
}

/* Takes back what add_officers allocated (whoever frees the config). */
static void drop_officers(hl_config_t *cfg)
{
    for (int i = 0; i < cfg->n_officers; i++) {
        free(cfg->officers[i].photo);
        cfg->officers[i].photo = NULL;
    }
    cfg->n_officers = 0;
    cfg->officer[0] = '\0';
}

/* Results as the store would give them for the bundled survey: 50
 * responses today, 46 satisfied. */
static void fill_results(hl_results_t *r, bool enough)
{
    memset(r, 0, sizeof *r);
    r->period = HL_PERIOD_TODAY;
    r->counts = (hl_store_counts_t){enough ? 50 : 3, enough ? 47 : 3, enough ? 3 : 0};
    r->enough = enough;
    r->has_rate = true;
    r->rate_answered = enough ? 50 : 3;
    r->rate_satisfied = enough ? 46 : 2;
    static const int64_t hours[24] = {0, 0, 0, 0, 0, 0, 0, 2, 6, 9, 8, 5,
                                      1, 3, 7, 6, 3, 0, 0, 0, 0, 0, 0, 0};
    for (int h = 0; h < 24; h++)
        r->hourly[h] = enough ? hours[h] : (h == 9 ? 3 : 0);
    static const int64_t overall[5] = {30, 16, 2, 1, 1}, officer[5] = {28, 15, 4, 2, 0};
    static const int64_t yes_no[2] = {41, 8}, fac[3] = {20, 25, 4};
    r->n_questions = 9;
    for (int i = 0; i < 9; i++) {
        hl_results_q_t *q = &r->q[i];
        q->question = i;
        q->charted = i != 8;
        q->answered = enough ? (i == 8 ? 12 : 49) : 3;
        q->enough = enough;
        const int64_t *src = NULL;
        int n = 0;
        if (i == 0) src = overall, n = 5;
        if (i == 1) src = officer, n = 5;
        if (i == 2 || i == 3 || i == 5) src = yes_no, n = 2;
        if (i == 4) src = fac, n = 3;
        q->n_bars = n;
        for (int k = 0; k < n; k++)
            q->bars[k] = src[k];
        if (i == 6) {
            static const int64_t reasons[6] = {3, 5, 2, 1, 0, 1};
            q->n_bars = 6;
            for (int k = 0; k < 6; k++)
                q->bars[k] = reasons[k];
            q->answered = 9;
        }
        if (i == 7) {
            static const int64_t trips[3] = {38, 9, 2};
            q->n_bars = 3;
            for (int k = 0; k < 3; k++)
                q->bars[k] = trips[k];
        }
    }
}

typedef hl_fixture_tech_t tech_fx_t;

static void tech_fx_init(tech_fx_t *x, shooter_t *s)
{
    hl_fixture_tech_init(x, &s->cfg, s->survey);
    hl_tech_view_t *v = &x->view;
    hl_lang_parse(s->lang, &v->lang);
    v->now_utc_ms = 1795766400000LL + 2 * 3600000LL + 35 * 60000LL; /* 09:35 local */
    v->tz_offset_ms = 7 * 3600000LL;
    v->clock_trusted = true;
    v->version = "0.1.0";
    v->stats.responses = 1532;
    v->stats.complete = 1490;
    v->stats.partial = 42;
    v->stats.last_export_utc_ms = v->now_utc_ms - 3 * 86400000LL;
    v->today = (hl_store_counts_t){50, 47, 3};
    v->week = (hl_store_counts_t){312, 301, 11};
    v->sync.configured = true;
    snprintf(v->sync.url, sizeof v->sync.url, "https://khaosat.example.gov.vn/api/v1");
    v->sync.store.pending = 12;
    v->sync.store.last_success_utc_ms = v->now_utc_ms - 25 * 60000LL;
    v->sync.store.last_error_utc_ms = v->now_utc_ms - 5 * 60000LL;
    snprintf(v->sync.store.last_error, sizeof v->sync.store.last_error,
             "could not connect to khaosat.example.gov.vn: timed out after 10 s");
    v->free_bytes = 5LL * 1024 * 1024 * 1024 + 300LL * 1024 * 1024;
    fill_results(&x->results, true);
}

static void tech_shot(shooter_t *s, tech_fx_t *x, const char *name)
{
    int w, h;
    hl_display_size(s->display, &w, &h);
    hl_tech_ui_build(&s->ui, &x->view, w, h, s->scene);
    shot_scene(s, name);
}

/* Every technician screen, and the start screen with the officer on duty. */
static void shoot_technician(int w, int h, const char *lang)
{
    shooter_t s;
    tech_fx_t *x = calloc(1, sizeof *x);
    if (x && shooter_open(&s, HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json", w, h, lang)) {
        add_officers(&s.cfg);
        shot(&s, "start_officer");
        tech_fx_init(x, &s);
        hl_tech_t *t = &x->tech;
        t->mode = HL_TECH_PIN;
        tech_shot(&s, x, "tech_pin");
        t->n_entry = 4;
        memcpy(t->entry, "1234", 5);
        t->msg = HL_TECH_MSG_WRONG;
        t->n_entry = 0;
        t->entry[0] = '\0';
        t->tries_left = 2;
        tech_shot(&s, x, "tech_pin_wrong");
        t->msg = HL_TECH_MSG_LOCKED;
        t->lock.lock_ms = HL_PIN_LOCK_MS;
        t->lock.locked_at_utc_ms = x->view.now_utc_ms - 61500;
        x->view.lock_left_ms = HL_PIN_LOCK_MS - 61500; /* 3:59 left (rounded up) */
        tech_shot(&s, x, "tech_pin_locked");
        t->msg = HL_TECH_MSG_NO_PIN;
        tech_shot(&s, x, "tech_pin_no_pin");
        t->msg = HL_TECH_MSG_NONE;
        t->mode = HL_TECH_MENU;
        t->page = HL_TECH_STATUS;
        tech_shot(&s, x, "tech_status");
        t->page = HL_TECH_RESULTS;
        tech_shot(&s, x, "tech_results");
        fill_results(&x->results, false);
        t->filter = 1;
        tech_shot(&s, x, "tech_results_not_enough");
        t->filter = -1;
        t->page = HL_TECH_OFFICER;
        tech_shot(&s, x, "tech_officer");
        t->page = HL_TECH_SURVEY;
        hl_tech_view_t *v = &x->view;
        v->n_installed = 2;
        v->installed[0] = (hl_tech_survey_item_t){"sipas-mot-cua", 3, "sipas-mot-cua.json", true};
        v->installed[1] =
            (hl_tech_survey_item_t){"sipas-mot-cua", 2, "sipas-mot-cua.v2.json", false};
        v->stick = true;
        v->n_on_stick = 1;
        v->on_stick[0] = (hl_tech_survey_item_t){"", 0, "khao-sat-moi.json", false};
        v->can_rollback = true;
        for (int i = 0; i < 8; i++)
            hl_diags_add(&x->errors, "khao-sat-moi.json", 12 + 7 * i, 5 + i, "questions[1]",
                         "unknown question type \"smily\" (one of smiley, stars, choice, ...)");
        v->errors = &x->errors;
        tech_shot(&s, x, "tech_survey");
        /* 20 files on the stick, its second page (R files a page, as
         * many as the first page shows, as the kiosk counts them). */
        v->errors = NULL;
        v->n_stick_total = 20;
        v->stick_first = 0;
        v->n_on_stick = HL_TECH_MAX_SURVEYS;
        for (int i = 0; i < HL_TECH_MAX_SURVEYS; i++)
            v->on_stick[i] = (hl_tech_survey_item_t){"ks", 1, "khao-sat.json", false};
        hl_tech_ui_build(&s.ui, v, w, h, s.scene);
        int rows = 0;
        for (size_t i = 0; i < s.scene->n_targets; i++)
            rows += !strncmp(s.scene->targets[i].id, "tech:survey:install:", 20);
        v->stick_first = rows;
        for (int i = 0; i < HL_TECH_MAX_SURVEYS; i++) {
            v->on_stick[i] = (hl_tech_survey_item_t){"", 1, "", false};
            snprintf(v->on_stick[i].id, sizeof v->on_stick[i].id, "ks-%d", rows + 1 + i);
            snprintf(v->on_stick[i].file, sizeof v->on_stick[i].file, "khao-sat-%d.json",
                     rows + 1 + i);
        }
        tech_shot(&s, x, "tech_survey_pages");
        v->errors = &x->errors;
        t->page = HL_TECH_TRANSFER;
        v->export_state = (hl_ui_export_t){HL_UI_EXPORT_WRITING, 0.4, 1234, 0};
        tech_shot(&s, x, "tech_transfer");
        t->page = HL_TECH_SETTINGS;
        v->clock_trusted = false;
        v->notice = v->lang == HL_LANG_VI ? "Đã lưu" : "Saved";
        v->notice_is_error = false;
        tech_shot(&s, x, "tech_settings");
        hl_diags_free(&x->errors);
        drop_officers(&s.cfg);
        CHECK_INT(s.checked, 13);
    }
    free(x);
    shooter_close(&s);
}

static void test_technician_screens_match_their_goldens(void)
{
    for (size_t z = 0; z < 2; z++) {
        if (!size_wanted(z)) continue;
        for (size_t l = 0; l < 2; l++)
            shoot_technician(sizes[z][0], sizes[z][1], langs[l]);
    }
}

static void test_every_screen_matches_its_golden_at_800x480(void)
{
    if (!size_wanted(0)) return;
    for (size_t l = 0; l < 2; l++) {
        shoot_all_types(sizes[0][0], sizes[0][1], langs[l], ALL_TYPES, false);
        shoot_all_types(sizes[0][0], sizes[0][1], langs[l], ALL_TYPES, true);
        shoot_large_more(sizes[0][0], sizes[0][1], langs[l]);
        shoot_volume(sizes[0][0], sizes[0][1], langs[l]);
        shoot_default_start(sizes[0][0], sizes[0][1], langs[l]);
        shoot_keyboard(sizes[0][0], sizes[0][1], langs[l]);
        shoot_note(sizes[0][0], sizes[0][1], langs[l]);
        shoot_contact(sizes[0][0], sizes[0][1], langs[l]);
    }
    shoot_focus(sizes[0][0], sizes[0][1], "vi");
}

static void test_every_screen_matches_its_golden_at_1280x800(void)
{
    if (!size_wanted(1)) return;
    for (size_t l = 0; l < 2; l++) {
        shoot_all_types(sizes[1][0], sizes[1][1], langs[l], ALL_TYPES, false);
        shoot_all_types(sizes[1][0], sizes[1][1], langs[l], ALL_TYPES, true);
        shoot_large_more(sizes[1][0], sizes[1][1], langs[l]);
        shoot_volume(sizes[1][0], sizes[1][1], langs[l]);
        shoot_default_start(sizes[1][0], sizes[1][1], langs[l]);
        shoot_keyboard(sizes[1][0], sizes[1][1], langs[l]);
        shoot_note(sizes[1][0], sizes[1][1], langs[l]);
        shoot_contact(sizes[1][0], sizes[1][1], langs[l]);
    }
    shoot_focus(sizes[1][0], sizes[1][1], "vi");
    shoot_stock_start(sizes[1][0], sizes[1][1], "vi");
}

static void test_every_screen_matches_its_golden_at_1080x1920(void)
{
    if (!size_wanted(2)) return;
    for (size_t l = 0; l < 2; l++) {
        shoot_all_types(sizes[2][0], sizes[2][1], langs[l], ALL_TYPES, false);
        shoot_all_types(sizes[2][0], sizes[2][1], langs[l], ALL_TYPES, true);
        shoot_large_more(sizes[2][0], sizes[2][1], langs[l]);
        shoot_volume(sizes[2][0], sizes[2][1], langs[l]);
        shoot_default_start(sizes[2][0], sizes[2][1], langs[l]);
        shoot_keyboard(sizes[2][0], sizes[2][1], langs[l]);
        shoot_note(sizes[2][0], sizes[2][1], langs[l]);
        shoot_contact(sizes[2][0], sizes[2][1], langs[l]);
    }
    shoot_focus(sizes[2][0], sizes[2][1], "vi");
}

static void test_decomposed_survey_text_renders_exactly_like_precomposed(void)
{
    /* The same goldens, from a survey whose texts are all in NFD. */
    for (size_t z = 0; z < 3; z++) {
        if (!size_wanted(z)) continue;
        for (size_t l = 0; l < 2; l++)
            shoot_all_types(sizes[z][0], sizes[z][1], langs[l], ALL_NFD, false);
    }
}

static void test_a_500_character_question_fits_at_800x480_with_its_answers(void)
{
    for (size_t l = 0; l < 2; l++) {
        shooter_t s;
        if (shooter_open(&s, HL_TEST_DATA "/ui/long-text.json", 800, 480, langs[l])) {
            CHECK_INT(utf8_chars(s.survey->questions[0].text.s[l == 0 ? HL_LANG_VI : HL_LANG_EN]),
                      500);
            for (int screen = 0; screen < 2; screen++) {
                shot(&s, screen == 0 ? "long_smiley5" : "long_number");
                const hl_scene_t *sc = s.scene;
                int min = hl_ui_min_target(&s.ui);
                size_t answers = 0;
                for (size_t i = 0; i < sc->n_cmds; i++) {
                    const hl_cmd_t *c = &sc->cmds[i];
                    if (c->kind != HL_CMD_TEXT) continue;
                    CHECK(c->box.x >= 0 && c->box.y >= 0 && c->box.x + c->box.w <= 800 &&
                          c->box.y + c->box.h <= 480);
                    CHECK(c->px >=
                          12); /* hints and labels may be smaller than the question floor */
                }
                for (size_t i = 0; i < sc->n_targets; i++) {
                    const hl_target_t *t = &sc->targets[i];
                    CHECK(t->box.w >= min && t->box.h >= min);
                    answers += !strncmp(t->id, "answer:", 7) || !strncmp(t->id, "key:", 4);
                }
                CHECK(answers == (screen == 0 ? 5u : 11u));
                if (screen == 0) tap(&s, "answer:overall:neutral");
            }
        }
        shooter_close(&s);
    }
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_500_character_question_fits_at_800x480_with_its_answers),
    HL_TEST(test_every_screen_matches_its_golden_at_800x480),
    HL_TEST(test_every_screen_matches_its_golden_at_1280x800),
    HL_TEST(test_every_screen_matches_its_golden_at_1080x1920),
    HL_TEST(test_technician_screens_match_their_goldens),
    /* After the goldens it compares with (goldens.sh rewrites them first). */
    HL_TEST(test_decomposed_survey_text_renders_exactly_like_precomposed),
};

HL_TEST_MAIN(tests)
