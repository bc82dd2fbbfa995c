/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_config.c: the kiosk config file: defaults, what a file overrides,
 * every kind of problem with its exact line, column and path, telling a
 * config from a survey, and changing one setting in a file (hl_config_set).
 */
#include "hl_config.h"
#include "hl_err.h"
#include "hl_pin.h"
#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int load(hl_config_t *cfg, const char *text, hl_diags_t *d)
{
    return hl_config_load_text("hailong.json", text, strlen(text), cfg, d);
}

/* A config under test, from fresh defaults (kiosk "k1"), and its problems. */
typedef struct fixture {
    hl_config_t cfg;
    hl_diags_t d;
} fixture_t;

static fixture_t fresh(void)
{
    fixture_t f = {.d = {0}};
    hl_config_defaults(&f.cfg, "k1");
    return f;
}

static void done(fixture_t *f)
{
    hl_config_free(&f->cfg);
    hl_diags_free(&f->d);
}

/* A config text with one problem: what it shows, the text, and where and
 * what the problem is. */
typedef struct problem {
    const char *name, *text;
    int line, col;
    const char *path, *msg;
} problem_t;

/* Loads c->text over fresh defaults expecting exactly its one problem; a
 * failure names the case. */
static void expect_one(const problem_t *c)
{
    char where[200];
    snprintf(where, sizeof where, "%s, case \"%s\"", __FILE__, c->name);
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    int rc = load(&cfg, c->text, &d);
    if (rc != HL_ERR_INVALID || d.n != 1) {
        hl_test_fail(where, __LINE__, "load gave %d with %zu problems; expected %d with 1", rc, d.n,
                     HL_ERR_INVALID);
        hl_diags_print(&d, stderr);
    }
    hl_test_expect_diag(where, __LINE__, &d, 0, c->line, c->col, c->path, c->msg);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

/* ---- Defaults and overrides --------------------------------------------- */

static void test_defaults_are_the_kiosk_id_empty_texts_and_bundled_survey(void)
{
    hl_config_t cfg;
    hl_config_defaults(&cfg, "kiosk-7");
    CHECK_STR(cfg.kiosk_id, "kiosk-7");
    CHECK(cfg.survey == NULL);
    CHECK(cfg.file == NULL);
    CHECK(cfg.dir == NULL);
    CHECK_STR(hl_text_get(&cfg.site, HL_LANG_VI), "");
    CHECK_STR(hl_text_get(&cfg.counter, HL_LANG_EN), "");
    CHECK_INT(cfg.timeouts.idle_s, 30);
    CHECK_INT(cfg.timeouts.warn_s, 10);
    CHECK_INT(cfg.timeouts.thanks_s, 5);
    hl_config_free(&cfg);
}

static void test_full_config_file_overrides_every_default(void)
{
    fixture_t f = fresh();
    hl_config_defaults(&f.cfg, "default-id");
    const char *path = hl_test_data("configs/kiosk.json");
    CHECK_INT(hl_config_load_file(path, &f.cfg, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.kiosk_id, "pt-viettri-01");
    CHECK_STR(hl_text_get(&f.cfg.site, HL_LANG_VI), "Bộ phận Một cửa UBND thành phố Việt Trì");
    CHECK_STR(hl_text_get(&f.cfg.site, HL_LANG_EN),
              "One-stop shop, Viet Tri City People's Committee");
    CHECK_STR(hl_text_get(&f.cfg.counter, HL_LANG_VI), "Quầy 3");
    CHECK_STR(f.cfg.survey, "sipas-mot-cua.json");
    CHECK_STR(f.cfg.file, path);
    CHECK_STR(f.cfg.dir, HL_TEST_DATA "/configs");
    CHECK_INT(f.cfg.timeouts.idle_s, 45);
    CHECK_INT(f.cfg.timeouts.warn_s, 15);
    CHECK_INT(f.cfg.timeouts.thanks_s, 4);
    done(&f);
}

static void test_partial_config_keeps_the_other_defaults(void)
{
    fixture_t f = fresh();
    CHECK_INT(load(&f.cfg, "{\"counter\": {\"en\": \"Counter 2\"}, \"timeouts\": {\"warn_s\": 20}}",
                   &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.kiosk_id, "k1");
    CHECK(f.cfg.survey == NULL);
    CHECK(f.cfg.counter.s[HL_LANG_VI] == NULL);
    CHECK_STR(hl_text_get(&f.cfg.counter, HL_LANG_VI), "Counter 2"); /* falls back */
    CHECK_STR(hl_text_get(&f.cfg.site, HL_LANG_VI), "");
    CHECK_INT(f.cfg.timeouts.idle_s, 30);
    CHECK_INT(f.cfg.timeouts.warn_s, 20);
    CHECK_INT(f.cfg.timeouts.thanks_s, 5);
    CHECK_STR(f.cfg.file, "hailong.json");
    CHECK_STR(f.cfg.dir, ".");
    done(&f);
}

static void test_empty_object_is_a_valid_config(void)
{
    fixture_t f = fresh();
    CHECK_INT(hl_config_load_text("/etc/hailong/hailong.json", "{}", 2, &f.cfg, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.kiosk_id, "k1");
    CHECK_STR(f.cfg.dir, "/etc/hailong");
    CHECK_STR(f.cfg.file, "/etc/hailong/hailong.json");
    done(&f);
}

static void test_loading_again_replaces_what_the_first_file_gave(void)
{
    fixture_t f = fresh();
    CHECK_INT(load(&f.cfg, "{\"site\": {\"vi\": \"A\"}, \"survey\": \"a.json\"}", &f.d), HL_OK);
    const char *second = "{\"site\": {\"en\": \"B\"}, \"survey\": \"b.json\"}";
    CHECK_INT(hl_config_load_text("/x/b.json", second, strlen(second), &f.cfg, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK(f.cfg.site.s[HL_LANG_VI] == NULL); /* a text is replaced as a whole */
    CHECK_STR(hl_text_get(&f.cfg.site, HL_LANG_EN), "B");
    CHECK_STR(f.cfg.survey, "b.json");
    CHECK_STR(f.cfg.dir, "/x");
    done(&f);
}

/* ---- Problems ----------------------------------------------------------- */

static void test_invalid_config_leaves_the_config_unchanged(void)
{
    fixture_t f = fresh();
    CHECK_INT(load(&f.cfg,
                   "{\"kiosk_id\": \"k2\", \"survey\": \"x.json\", \"site\": {\"vi\": \"A\"},\n"
                   " \"timeouts\": {\"idle_s\": 60, \"warn_s\": 1}}",
                   &f.d),
              HL_ERR_INVALID);
    EXPECT_COUNT(&f.d, 1);
    EXPECT_DIAG(&f.d, 0, 2, 39, "timeouts.warn_s",
                "\"warn_s\" must be an integer from 3 to 120, not 1");
    CHECK_STR(f.cfg.kiosk_id, "k1");
    CHECK(f.cfg.survey == NULL);
    CHECK(f.cfg.site.s[HL_LANG_VI] == NULL);
    CHECK(f.cfg.file == NULL);
    CHECK_INT(f.cfg.timeouts.idle_s, 30);
    done(&f);
}

static void test_timeouts_out_of_range_say_the_range(void)
{

    /* The bounds themselves are fine. */
    fixture_t f = fresh();
    CHECK_INT(
        load(&f.cfg, "{\"timeouts\": {\"idle_s\": 600, \"warn_s\": 3, \"thanks_s\": 60}}", &f.d),
        HL_OK);
    CHECK_INT(f.cfg.timeouts.idle_s, 600);
    CHECK_INT(f.cfg.timeouts.warn_s, 3);
    CHECK_INT(f.cfg.timeouts.thanks_s, 60);
    done(&f);
}

static void test_site_and_counter_texts_are_checked(void)
{
    char text[2048];
    char *p = text + sprintf(text, "{\"counter\": {\"en\": \"");
    for (int i = 0; i < 501; i++)
        *p++ = 'x';
    sprintf(p, "\"}}");
    expect_one(&(problem_t){"a counter text of 501 characters", text, 1, 20, "counter.en",
                            "the \"en\" text is 501 characters long"});
}

static void test_survey_name_must_be_non_empty_and_at_most_255_bytes(void)
{
    char text[400];
    char *p = text + sprintf(text, "{\"survey\": \"");
    for (int i = 0; i < 256; i++)
        *p++ = 'a';
    sprintf(p, "\"}");
    expect_one(&(problem_t){"survey of 256 bytes", text, 1, 12, "survey",
                            "\"survey\" is 256 bytes long; the limit is 255"});
    text[12 + 255] = '"';
    text[12 + 256] = '}';
    text[12 + 257] = '\0';
    fixture_t f = fresh();
    CHECK_INT(load(&f.cfg, text, &f.d), HL_OK);
    CHECK_INT(strlen(f.cfg.survey), 255);
    done(&f);
}

static void test_several_problems_in_a_config_file_are_all_reported(void)
{
    fixture_t f = fresh();
    const char *path = hl_test_data("configs/several-problems.json");
    CHECK_INT(hl_config_load_file(path, &f.cfg, &f.d), HL_ERR_INVALID);
    EXPECT_COUNT(&f.d, 8);
    EXPECT_DIAG(&f.d, 0, 2, 15, "kiosk_id", "kiosk id \"PT Viet Tri\" must be 1 to 40 characters");
    EXPECT_DIAG(&f.d, 1, 3, 37, "site.fr", "unknown language \"fr\"");
    EXPECT_DIAG(&f.d, 2, 4, 21, "counter.vi", "the \"vi\" text is empty");
    EXPECT_DIAG(&f.d, 3, 5, 13, "survey", "\"survey\" is empty");
    EXPECT_DIAG(&f.d, 4, 6, 3, "timeout", "unknown key \"timeout\" (did you mean \"timeouts\"?)");
    EXPECT_DIAG(&f.d, 5, 7, 26, "timeouts.idle_s", "\"idle_s\" must be an integer from 5 to 600");
    EXPECT_DIAG(&f.d, 6, 7, 32, "timeouts.warn", "unknown key \"warn\" (did you mean \"warn_s\"?)");
    EXPECT_DIAG(&f.d, 7, 7, 56, "timeouts.thanks_s",
                "\"thanks_s\" must be an integer from 1 to 60, not a string (write the number "
                "without quotes)");
    for (size_t i = 0; i < f.d.n; i++)
        CHECK_STR(f.d.items[i].file, path);
    CHECK_STR(f.cfg.kiosk_id, "k1");
    done(&f);
}

static void test_missing_config_file_is_an_io_error_naming_the_file(void)
{
    fixture_t f = fresh();
    const char *path = hl_test_data("configs/no-such-file.json");
    CHECK_INT(hl_config_load_file(path, &f.cfg, &f.d), HL_ERR_IO);
    EXPECT_COUNT(&f.d, 1);
    if (f.d.n == 1) {
        CHECK_STR(f.d.items[0].file, path);
        CHECK_INT(f.d.items[0].line, 0);
        CHECK_CONTAINS(f.d.items[0].msg, strerror(ENOENT));
    }
    CHECK(f.cfg.file == NULL);
    done(&f);
}

static void test_a_folder_is_not_a_config_file(void)
{
    fixture_t f = fresh();
    CHECK_INT(hl_config_load_file(HL_TEST_DATA "/configs", &f.cfg, &f.d), HL_ERR_IO);
    EXPECT_COUNT(&f.d, 1);
    if (f.d.n) CHECK_CONTAINS(f.d.items[0].msg, strerror(EISDIR));
    done(&f);
}

/* The last ```json block of assets/surveys/README.md is a complete config. */
static void test_readme_example_config_is_valid(void)
{
    char *doc = hl_test_read_file(HL_SOURCE_DIR "/assets/surveys/README.md", NULL);
    CHECK(doc != NULL);
    if (!doc) return;
    char *start = NULL;
    for (char *p = strstr(doc, "```json\n"); p; p = strstr(p + 1, "```json\n"))
        start = p;
    char *end = start ? strstr(start + 8, "```") : NULL;
    CHECK(start && end);
    if (start && end) {
        hl_config_t cfg;
        hl_diags_t d = {0};
        hl_config_defaults(&cfg, "k1");
        CHECK_INT(hl_config_sniff(start + 8, (size_t)(end - start - 8)), 1);
        CHECK_INT(hl_config_load_text("README.md", start + 8, (size_t)(end - start - 8), &cfg, &d),
                  HL_OK);
        EXPECT_COUNT(&d, 0);
        CHECK_STR(cfg.kiosk_id, "pt-viettri-01");
        hl_config_free(&cfg);
        hl_diags_free(&d);
    }
    free(doc);
}

/* ---- Sniffing ----------------------------------------------------------- */

static void test_sniff_tells_a_config_from_a_survey(void)
{
#define SNIFF(s) hl_config_sniff(s, strlen(s))
    CHECK_INT(SNIFF("{\"kiosk_id\": \"k\", \"timeouts\": {}}"), 1);
    CHECK_INT(SNIFF("{}"), 1);
    CHECK_INT(SNIFF("{\"format\": 1}"), 0);
    CHECK_INT(SNIFF("{\"id\": \"x\", \"questions\": []}"), 0);
    /* Not JSON, or not an object: left to the survey validator to report. */
    CHECK_INT(SNIFF("{\"kiosk_id\": "), 0);
    CHECK_INT(SNIFF(""), 0);
    CHECK_INT(SNIFF("[1]"), 0);
    CHECK_INT(hl_config_sniff(NULL, 0), 0);
    CHECK_INT(SNIFF("{\"site\": {\"vi\": \"\xff\"}}"), 0);
    size_t len = 0;
    char *text = hl_test_read_file(hl_test_data("configs/kiosk.json"), &len);
    CHECK(text != NULL);
    if (text) CHECK_INT(hl_config_sniff(text, len), 1);
    free(text);
    text = hl_test_read_file(HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json", &len);
    CHECK(text != NULL);
    if (text) CHECK_INT(hl_config_sniff(text, len), 0);
    free(text);
#undef SNIFF
}

static void test_display_section_sets_dpi_and_rotation(void)
{
    fixture_t f = fresh();
    CHECK_INT(f.cfg.display.dpi, 96);
    CHECK_INT(f.cfg.display.rotation, 0);
    CHECK_INT(load(&f.cfg, "{\"display\": {\"dpi\": 160, \"rotation\": 270}}", &f.d), HL_OK);
    CHECK_INT(f.cfg.display.dpi, 160);
    CHECK_INT(f.cfg.display.rotation, 270);
    done(&f);
}

static void test_display_opening_hours_are_loaded_and_default_to_always_on(void)
{
    fixture_t f = fresh();
    CHECK(!f.cfg.display.hours.set); /* no key: always on, as before */
    CHECK_INT(load(&f.cfg,
                   "{\"display\": {\"dpi\": 120, \"opening_hours\": [\n"
                   "  {\"days\": \"mon-fri\", \"open\": \"07:30\", \"close\": \"11:30\"},\n"
                   "  {\"days\": \"mon-fri\", \"open\": \"13:30\", \"close\": \"17:00\"},\n"
                   "  {\"days\": \"sat\", \"open\": \"07:30\", \"close\": \"11:30\"}]}}",
                   &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(f.cfg.display.dpi, 120);
    CHECK(f.cfg.display.hours.set);
    /* 2026-11-23 is a Monday: open at 07:30 UTC+0, closed at lunch and Sunday. */
    int64_t mon = 1795392000000LL, h = 3600000LL;
    CHECK(hl_hours_is_open(&f.cfg.display.hours, mon + 7 * h + 30 * 60000, 0));
    CHECK(!hl_hours_is_open(&f.cfg.display.hours, mon + 12 * h, 0));
    CHECK(!hl_hours_is_open(&f.cfg.display.hours, mon + 6 * 24 * h + 9 * h, 0));
    /* A later file without the key keeps what the first gave (as every key). */
    CHECK_INT(load(&f.cfg, "{\"display\": {\"dpi\": 96}}", &f.d), HL_OK);
    CHECK(f.cfg.display.hours.set);
    /* A bad list leaves the config as it was. */
    CHECK_INT(load(&f.cfg,
                   "{\"display\": {\"dpi\": 100, \"opening_hours\": [{\"days\": \"sun\", "
                   "\"open\": \"09:00\", \"close\": \"08:00\"}]}}",
                   &f.d),
              HL_ERR_INVALID);
    CHECK_INT(f.cfg.display.dpi, 96);
    CHECK(hl_hours_is_open(&f.cfg.display.hours, mon + 7 * h + 30 * 60000, 0));
    done(&f);
}

static void test_keyboard_is_telex_old_style_unless_the_config_says_otherwise(void)
{
    fixture_t f = fresh();
    CHECK_INT(f.cfg.keyboard.method, HL_COMPOSE_TELEX);
    CHECK(!f.cfg.keyboard.new_style);
    CHECK_INT(load(&f.cfg, "{\"keyboard\": {\"method\": \"vni\", \"new_style\": true}}", &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(f.cfg.keyboard.method, HL_COMPOSE_VNI);
    CHECK(f.cfg.keyboard.new_style);
    CHECK_INT(load(&f.cfg, "{\"keyboard\": {\"method\": \"none\"}}", &f.d), HL_OK);
    CHECK_INT(f.cfg.keyboard.method, HL_COMPOSE_NONE);
    CHECK(f.cfg.keyboard.new_style); /* left out: kept */
    CHECK_INT(load(&f.cfg, "{\"keyboard\": {}}", &f.d), HL_OK);
    CHECK_INT(f.cfg.keyboard.method, HL_COMPOSE_NONE);
    /* A bad method changes nothing. */
    CHECK_INT(load(&f.cfg, "{\"keyboard\": {\"method\": \"Telex\"}}", &f.d), HL_ERR_INVALID);
    CHECK_INT(f.cfg.keyboard.method, HL_COMPOSE_NONE);
    done(&f);
}

/* "accessibility": the Listen button, the default volume (3 dB steps over
 * 24 dB), the keys' map (a keypad's 8 2 4 6 5 + -, arrows, Return...). */
static void test_accessibility_defaults_and_a_key_map_that_replaces_an_actions_keys(void)
{
    fixture_t f = fresh();
    CHECK(f.cfg.access.listen_button);
    CHECK_INT(f.cfg.access.volume, 5);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Keypad 5"), HL_KEY_ENTER);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Keypad 8"), HL_KEY_UP);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Keypad 2"), HL_KEY_DOWN);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Keypad +"), HL_KEY_VOL_UP);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Keypad -"), HL_KEY_VOL_DOWN);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Return"), HL_KEY_ENTER);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "F1"), HL_KEY_HELP);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Q"), HL_KEY_NONE);
    CHECK_INT(hl_access_volume_db(0), -24); /* at least 18 dB of range */
    CHECK_INT(hl_access_volume_db(HL_ACCESS_VOLUME_STEPS), 0);
    CHECK(hl_access_volume_gain(8) == 1.0);
    CHECK(hl_access_volume_gain(7) > 0.70 && hl_access_volume_gain(7) < 0.71);
    CHECK_INT(load(&f.cfg,
                   "{\"accessibility\": {\"listen_button\": false, \"volume\": 2,"
                   " \"keys\": {\"enter\": [\"Keypad Enter\", \"Space\"], \"help\": [\"Q\"]}}}",
                   &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK(!f.cfg.access.listen_button);
    CHECK_INT(f.cfg.access.volume, 2);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Keypad Enter"), HL_KEY_ENTER);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Return"), HL_KEY_NONE); /* replaced */
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Q"), HL_KEY_HELP);
    CHECK_INT(hl_access_key_act(&f.cfg.access, "Keypad 8"), HL_KEY_UP); /* kept */
    done(&f);
}

static void test_storage_require_mount_is_a_bool_defaulting_to_false(void)
{
    fixture_t f = fresh();
    CHECK(!f.cfg.require_mount);
    CHECK_INT(load(&f.cfg, "{\"storage\": {}}", &f.d), HL_OK);
    CHECK(!f.cfg.require_mount);
    CHECK_INT(load(&f.cfg, "{\"storage\": {\"require_mount\": true}}", &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK(f.cfg.require_mount);
    CHECK_INT(load(&f.cfg, "{\"kiosk_id\": \"k2\"}", &f.d), HL_OK); /* left out: kept */
    CHECK(f.cfg.require_mount);
    CHECK_INT(load(&f.cfg, "{\"storage\": {\"require_mount\": false}}", &f.d), HL_OK);
    CHECK(!f.cfg.require_mount);
    done(&f);
}

static void test_storage_problems_are_reported_with_their_place(void)
{
    /* A bad value leaves the config unchanged. */
    fixture_t f = fresh();
    CHECK_INT(load(&f.cfg, "{\"kiosk_id\": \"k9\", \"storage\": {\"require_mount\": null}}", &f.d),
              HL_ERR_INVALID);
    CHECK(!f.cfg.require_mount);
    CHECK_STR(f.cfg.kiosk_id, "k1");
    done(&f);
}

/* Any 64 hex digits: a config never sees the secret, only its hash. */
#define KEY_HEX "9c4e1f0a7b3d2e6f5a8b1c0d9e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f"

static void test_export_key_sha256_is_decoded_into_the_config(void)
{
    fixture_t f = fresh();
    CHECK(!f.cfg.has_export_key);
    CHECK_INT(load(&f.cfg, "{\"export\": {}}", &f.d), HL_OK);
    CHECK(!f.cfg.has_export_key);
    CHECK_INT(load(&f.cfg, "{\"export\": {\"key_sha256\": \"" KEY_HEX "\"}}", &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK(f.cfg.has_export_key);
    CHECK_INT(f.cfg.export_key_sha256[0], 0x9c);
    CHECK_INT(f.cfg.export_key_sha256[1], 0x4e);
    CHECK_INT(f.cfg.export_key_sha256[31], 0x0f);
    done(&f);
}

static void test_export_problems_are_reported_with_their_place(void)
{
    /* A bad key leaves an earlier key in place. */
    fixture_t f = fresh();
    CHECK_INT(load(&f.cfg, "{\"export\": {\"key_sha256\": \"" KEY_HEX "\"}}", &f.d), HL_OK);
    CHECK_INT(load(&f.cfg, "{\"export\": {\"key_sha256\": \"00\"}}", &f.d), HL_ERR_INVALID);
    CHECK(f.cfg.has_export_key);
    CHECK_INT(f.cfg.export_key_sha256[0], 0x9c);
    done(&f);
}

static void test_export_roots_say_where_sticks_are_mounted(void)
{
    fixture_t f = fresh();
    CHECK_INT(f.cfg.n_export_roots, 0); /* the defaults: /media and /run/media */
    CHECK_INT(load(&f.cfg, "{\"export\": {\"roots\": [\"/mnt/usb\", \"/media\"]}}", &f.d), HL_OK);
    CHECK_INT(f.cfg.n_export_roots, 2);
    CHECK_STR(f.cfg.export_roots[0], "/mnt/usb");
    CHECK_STR(f.cfg.export_roots[1], "/media");
    done(&f);
}

/* ---- sync ----------------------------------------------------------------- */

#define PIN_A    "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define PIN_B    "sha256//ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="
#define SYNC_MIN "\"url\": \"https://h.vn/s\", \"token\": \"t0k\""

/* Loads text named name over fresh defaults; the config is left for the caller. */
static int load_named(hl_config_t *cfg, const char *name, const char *text, hl_diags_t *d)
{
    hl_config_defaults(cfg, "k1");
    return hl_config_load_text(name, text, strlen(text), cfg, d);
}

static void test_sync_section_sets_every_field(void)
{
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "/etc/hailong/hailong.json",
                         "{\"sync\": {\n"
                         "  \"url\": \"https://sync.example.vn:8443/hailong/v1?site=3\",\n"
                         "  \"token\": \"Abc.123-_~+/=!\",\n"
                         "  \"ca_file\": \"/etc/ssl/hailong-ca.pem\",\n"
                         "  \"pin\": [\"" PIN_A "\", \"" PIN_B "\"],\n"
                         "  \"interval_s\": 300, \"batch\": 100, \"allow_insecure_http\": false,\n"
                         "  \"connect_timeout_s\": 5, \"timeout_s\": 30\n"
                         "}}",
                         &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK(f.cfg.sync.enabled);
    CHECK_STR(f.cfg.sync.url, "https://sync.example.vn:8443/hailong/v1?site=3");
    CHECK_STR(f.cfg.sync.token, "Abc.123-_~+/=!");
    CHECK_STR(f.cfg.sync.ca_file, "/etc/ssl/hailong-ca.pem");
    CHECK_STR(f.cfg.sync.pin, PIN_A ";" PIN_B);
    CHECK_INT(f.cfg.sync.interval_s, 300);
    CHECK_INT(f.cfg.sync.batch, 100);
    CHECK(!f.cfg.sync.allow_insecure_http);
    CHECK_INT(f.cfg.sync.connect_timeout_s, 5);
    CHECK_INT(f.cfg.sync.timeout_s, 30);
    done(&f);
}

static void test_sync_keys_left_out_take_their_defaults(void)
{
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", "{\"sync\": {" SYNC_MIN "}}", &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK(f.cfg.sync.enabled);
    CHECK_STR(f.cfg.sync.url, "https://h.vn/s");
    CHECK_STR(f.cfg.sync.token, "t0k");
    CHECK_STR(f.cfg.sync.ca_file, "");
    CHECK_STR(f.cfg.sync.pin, "");
    CHECK_INT(f.cfg.sync.interval_s, 60);
    CHECK_INT(f.cfg.sync.batch, 500);
    CHECK(!f.cfg.sync.allow_insecure_http);
    CHECK_INT(f.cfg.sync.connect_timeout_s, 10);
    CHECK_INT(f.cfg.sync.timeout_s, 60);
    /* A later section replaces the whole of an earlier one: no pin or
     * interval is carried over to another server. */
    CHECK_INT(
        load(&f.cfg, "{\"sync\": {" SYNC_MIN ", \"pin\": \"" PIN_A "\", \"interval_s\": 9}}", &f.d),
        HL_OK);
    CHECK_INT(load(&f.cfg, "{\"sync\": {\"url\": \"https://b.vn\", \"token\": \"u\"}}", &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.sync.url, "https://b.vn");
    CHECK_STR(f.cfg.sync.pin, "");
    CHECK_INT(f.cfg.sync.interval_s, 60);
    done(&f);
}

static void test_no_sync_section_leaves_sync_disabled(void)
{
    fixture_t f = fresh();
    CHECK(!f.cfg.sync.enabled);
    CHECK_INT(f.cfg.sync.interval_s, 60);
    CHECK_INT(f.cfg.sync.batch, 500);
    CHECK_INT(f.cfg.sync.connect_timeout_s, 10);
    CHECK_INT(f.cfg.sync.timeout_s, 60);
    CHECK(!f.cfg.sync.allow_insecure_http);
    CHECK_STR(f.cfg.sync.url, "");
    CHECK_STR(f.cfg.sync.token, "");
    CHECK_INT(load(&f.cfg, "{\"kiosk_id\": \"k2\", \"timeouts\": {\"idle_s\": 40}}", &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK(!f.cfg.sync.enabled);
    CHECK_INT(f.cfg.sync.interval_s, 60);
    done(&f);
}

static void test_sync_plain_http_is_refused_unless_allowed(void)
{

    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json",
                         "{\"sync\": {\"url\": \"http://10.0.0.5:8080/s\", \"token\": \"t\", "
                         "\"allow_insecure_http\": true}}",
                         &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK(f.cfg.sync.enabled);
    CHECK(f.cfg.sync.allow_insecure_http);
    CHECK_STR(f.cfg.sync.url, "http://10.0.0.5:8080/s");
    /* The scheme is case-insensitive and kept as written. */
    CHECK_INT(load(&f.cfg,
                   "{\"sync\": {\"url\": \"HTTPS://[2001:db8::1]:443/s\", \"token\": \"t\"}}",
                   &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.sync.url, "HTTPS://[2001:db8::1]:443/s");
    CHECK(!f.cfg.sync.allow_insecure_http);
    done(&f);
}

static void test_sync_url_needs_a_host_and_no_fragment_spaces_or_excess_length(void)
{

    char text[1024];
    char *p = text + sprintf(text, "{\"sync\": {\"url\": \"https://h.vn/");
    for (int i = 0; i < HL_SYNC_URL_MAX - 13; i++)
        *p++ = 'a';
    sprintf(p, "\", \"token\": \"t\"}}"); /* exactly HL_SYNC_URL_MAX bytes */
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", text, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(strlen(f.cfg.sync.url), HL_SYNC_URL_MAX);
    done(&f);
    p = strchr(text + 30, '"');
    memmove(p + 1, p, strlen(p) + 1);
    *p = 'a';
    expect_one(&(problem_t){"url of 513 bytes", text, 1, 18, "sync.url",
                            "\"url\" is 513 bytes long; the limit is 512"});
}

static void test_sync_url_and_token_are_required(void)
{
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", "{\"sync\": {\"interval_s\": 30}}", &f.d),
              HL_ERR_INVALID);
    EXPECT_COUNT(&f.d, 2);
    EXPECT_DIAG(&f.d, 0, 1, 10, "sync.url", "missing key \"url\"");
    EXPECT_DIAG(&f.d, 1, 1, 10, "sync.token", "missing key \"token\"");
    CHECK(!f.cfg.sync.enabled);
    done(&f);
}

/* Every message of d, checked not to show secret. */
static void expect_not_shown(const hl_diags_t *d, const char *secret)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->items[i].msg, secret))
            hl_test_fail(__FILE__, __LINE__, "message shows the token: %s", d->items[i].msg);
}

/* A syntax error next to a string value (a token with a NUL, a missing
 * comma, an unterminated string) names the place but not the string; a
 * key next to the error is still quoted. */
static void test_json_syntax_error_next_to_a_token_does_not_quote_it(void)
{
    static const char *const texts[] = {
        "{\"sync\": {\"url\": \"https://h\", \"token\": \"s3cr3t\\u0000x\"}}",
        "{\"sync\": {\"url\": \"https://h\", \"token\": \"s3cr3t\" \"batch\": 5}}",
        "{\"sync\": {\"url\": \"https://h\", \"token\": \"s3cr3t\n\"}}",
        "{\"sync\": {\"url\": \"https://h\", \"token\": \"s3cr3t\"]}",
        "{\"sync\": {\"url\": \"https://h\", \"token\": abcs3cr3txyz}}",
        "{\"sync\": {\"url\": \"https://h\", \"token\": 12345s3cr3t}}",
        "{\"sync\": {\"url\": \"https://h\", \"token\": trus3cr3t}}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        hl_config_t cfg;
        hl_diags_t d = {0};
        CHECK_INT(load_named(&cfg, "hailong.json", texts[i], &d), HL_ERR_INVALID);
        EXPECT_COUNT(&d, 1);
        CHECK_CONTAINS(d.n ? d.items[0].msg : "", "invalid JSON");
        expect_not_shown(&d, "s3cr3t");
        hl_config_free(&cfg);
        hl_diags_free(&d);
    }
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", "{\"site\": \"x\" \"counter\": \"y\"}", &f.d),
              HL_ERR_INVALID);
    CHECK_CONTAINS(f.d.n ? f.d.items[0].msg : "", "near '\"counter\"'");
    done(&f);
}

static void test_sync_bad_token_names_the_place_never_the_value(void)
{
    static const struct {
        const char *json, *secret, *msg;
    } cases[] = {
        {"{\"sync\": {\"url\": \"https://h\", \"token\": \"s3cr3t-h4ll0ng v4lue\"}}", "s3cr3t",
         "\"token\" must be visible ASCII characters without spaces (it is sent in an HTTP "
         "header); character 15 is not"},
        {"{\"sync\": {\"url\": \"https://h\", \"token\": \"s3cr3t\\u0001x\"}}", "s3cr3t",
         "character 7 is not"},
        {"{\"sync\": {\"url\": \"https://h\", \"token\": \"s3cr3tđ\"}}", "s3cr3t",
         "character 7 is not"},
        {"{\"sync\": {\"url\": \"https://h\", \"token\": \"\"}}", "\"\"", "\"token\" is empty"},
        {"{\"sync\": {\"url\": \"https://h\", \"token\": 12345}}", "12345",
         "\"token\" must be a string, not an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hl_config_t cfg;
        hl_diags_t d = {0};
        CHECK_INT(load_named(&cfg, "hailong.json", cases[i].json, &d), HL_ERR_INVALID);
        EXPECT_COUNT(&d, 1);
        EXPECT_DIAG(&d, 0, 1, 40, "sync.token", cases[i].msg);
        expect_not_shown(&d, cases[i].secret);
        CHECK(!cfg.sync.enabled);
        CHECK_STR(cfg.sync.token, "");
        hl_config_free(&cfg);
        hl_diags_free(&d);
    }

    char text[1024];
    char *p = text + sprintf(text, "{\"sync\": {\"url\": \"https://h\", \"token\": \"");
    for (int i = 0; i < HL_SYNC_TOKEN_MAX + 1; i++)
        *p++ = (char)(i % 3 ? 'a' + i % 26 : i % 2 ? '!' : '~');
    sprintf(p, "\"}}");
    expect_one(&(problem_t){"token of 513 bytes", text, 1, 40, "sync.token",
                            "\"token\" is 513 bytes long; the limit is 512"});
    p[-1] = '"';
    p[0] = '}';
    p[1] = '}';
    p[2] = '\0';
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", text, &f.d), HL_OK); /* exactly 512: fine */
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(strlen(f.cfg.sync.token), HL_SYNC_TOKEN_MAX);
    done(&f);
}

static void test_sync_pin_may_be_a_string_or_a_list(void)
{
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json",
                         "{\"sync\": {" SYNC_MIN ", \"pin\": \"" PIN_A "\"}}", &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.sync.pin, PIN_A);
    CHECK_INT(load(&f.cfg, "{\"sync\": {" SYNC_MIN ", \"pin\": \"" PIN_A ";" PIN_B "\"}}", &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.sync.pin, PIN_A ";" PIN_B);
    CHECK_INT(load(&f.cfg, "{\"sync\": {" SYNC_MIN ", \"pin\": [\"" PIN_B "\"]}}", &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.sync.pin, PIN_B);
    /* Eight pins, the most, fit. */
    char text[1024];
    char *p = text + sprintf(text, "{\"sync\": {" SYNC_MIN ", \"pin\": [");
    for (int i = 0; i < 8; i++)
        p += sprintf(p, "%s\"" PIN_A "\"", i ? ", " : "");
    sprintf(p, "]}}");
    CHECK_INT(load(&f.cfg, text, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(strlen(f.cfg.sync.pin), 8 * 52 + 7);
    done(&f);
}

static void test_sync_bad_pins_are_reported(void)
{
    /* SYNC_MIN is 40 characters: the pin's value starts in column 59. */

    char text[1024];
    char *p = text + sprintf(text, "{\"sync\": {" SYNC_MIN ", \"pin\": \"");
    for (int i = 0; i < 9; i++)
        p += sprintf(p, "%s" PIN_A, i ? ";" : "");
    sprintf(p, "\"}}");
    expect_one(&(problem_t){"nine joined pins", text, 1, 59, "sync.pin",
                            "\"pin\" joins more than 8 pins; give 1 to 8"});
    p = text + sprintf(text, "{\"sync\": {" SYNC_MIN ", \"pin\": [");
    for (int i = 0; i < 9; i++)
        p += sprintf(p, "%s\"" PIN_A "\"", i ? ", " : "");
    sprintf(p, "]}}");
    expect_one(&(problem_t){"nine listed pins", text, 1, 59, "sync.pin",
                            "\"pin\" lists 9 pins: give 1 to 8"});
}

static void test_sync_relative_ca_file_is_resolved_against_the_config_folder(void)
{
    fixture_t f = fresh();
    const char *json = "{\"sync\": {" SYNC_MIN ", \"ca_file\": \"certs/hailong-ca.pem\"}}";
    CHECK_INT(load_named(&f.cfg, "/etc/hailong/hailong.json", json, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.sync.ca_file, "/etc/hailong/certs/hailong-ca.pem");
    CHECK_STR(f.cfg.dir, "/etc/hailong");
    CHECK_INT(hl_config_load_text("hailong.json", json, strlen(json), &f.cfg, &f.d), HL_OK);
    CHECK_STR(f.cfg.sync.ca_file, "./certs/hailong-ca.pem");
    CHECK_INT(hl_config_load_text("/hailong.json", json, strlen(json), &f.cfg, &f.d), HL_OK);
    CHECK_STR(f.cfg.sync.ca_file, "/certs/hailong-ca.pem");
    /* An absolute path is kept; the file need not exist yet. */
    json = "{\"sync\": {" SYNC_MIN ", \"ca_file\": \"/no/such/ca.pem\"}}";
    CHECK_INT(hl_config_load_text("/etc/hailong/hailong.json", json, strlen(json), &f.cfg, &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.sync.ca_file, "/no/such/ca.pem");
    done(&f);

    /* A config read from disk resolves against its own folder. */
    char *dir = hl_test_tmpdir("sync-ca");
    char *path = hl_test_write_file(dir, "hailong.json",
                                    "{\"sync\": {" SYNC_MIN ", \"ca_file\": \"ca.pem\"}}");
    char want[1024];
    snprintf(want, sizeof want, "%s/ca.pem", dir);
    hl_config_defaults(&f.cfg, "k1");
    CHECK_INT(hl_config_load_file(path, &f.cfg, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.sync.ca_file, want);
    done(&f);
    hl_test_rmtree(dir);
    free(path);
    free(dir);

    /* 256 bytes once resolved is the limit: "./" + 254 fits, "./" + 255 does not. */
    char text[1024];
    char *p = text + sprintf(text, "{\"sync\": {" SYNC_MIN ", \"ca_file\": \"");
    for (int i = 0; i < HL_SYNC_PATH_MAX - 2; i++)
        *p++ = 'c';
    sprintf(p, "\"}}");
    CHECK_INT(load_named(&f.cfg, "hailong.json", text, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(strlen(f.cfg.sync.ca_file), HL_SYNC_PATH_MAX);
    done(&f);
    sprintf(p, "c\"}}");
    expect_one(
        &(problem_t){"ca_file of 257 bytes resolved", text, 1, 63, "sync.ca_file",
                     "\"ca_file\" is 257 bytes long once resolved against the config's folder; "
                     "the limit is 256"});
}

static void test_sync_numbers_out_of_range_say_the_range(void)
{

    /* The bounds themselves are fine. */
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json",
                         "{\"sync\": {" SYNC_MIN ", \"interval_s\": 5, \"batch\": 5000, "
                         "\"connect_timeout_s\": 120, \"timeout_s\": 1}}",
                         &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(f.cfg.sync.interval_s, 5);
    CHECK_INT(f.cfg.sync.batch, 5000);
    CHECK_INT(f.cfg.sync.connect_timeout_s, 120);
    CHECK_INT(f.cfg.sync.timeout_s, 1);
    CHECK_INT(load(&f.cfg,
                   "{\"sync\": {" SYNC_MIN ", \"interval_s\": 86400, \"batch\": 1, "
                   "\"connect_timeout_s\": 1, \"timeout_s\": 600}}",
                   &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(f.cfg.sync.interval_s, 86400);
    CHECK_INT(f.cfg.sync.batch, 1);
    CHECK_INT(f.cfg.sync.timeout_s, 600);
    done(&f);
}

static void test_bad_sync_section_leaves_the_whole_config_unchanged(void)
{
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "/a/hailong.json",
                         "{\"sync\": {\"url\": \"https://first.vn\", \"token\": \"one\", "
                         "\"pin\": \"" PIN_A "\"}}",
                         &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    const char *bad = "{\"kiosk_id\": \"k2\", \"timeouts\": {\"idle_s\": 90},\n"
                      " \"sync\": {\"url\": \"https://second.vn\", \"token\": \"two\", "
                      "\"ca_file\": \"ca.pem\", \"batch\": 0}}";
    CHECK_INT(hl_config_load_text("/b/hailong.json", bad, strlen(bad), &f.cfg, &f.d),
              HL_ERR_INVALID);
    EXPECT_COUNT(&f.d, 1);
    EXPECT_DIAG(&f.d, 0, 2, 85, "sync.batch", "\"batch\" must be an integer from 1 to 5000, not 0");
    CHECK_STR(f.cfg.kiosk_id, "k1");
    CHECK_INT(f.cfg.timeouts.idle_s, 30);
    CHECK_STR(f.cfg.dir, "/a");
    CHECK(f.cfg.sync.enabled);
    CHECK_STR(f.cfg.sync.url, "https://first.vn");
    CHECK_STR(f.cfg.sync.token, "one");
    CHECK_STR(f.cfg.sync.pin, PIN_A);
    CHECK_STR(f.cfg.sync.ca_file, "");
    CHECK_INT(f.cfg.sync.batch, 500);
    done(&f);

    /* Nor does a bad sync section enable sync on a fresh config. */
    CHECK_INT(load_named(&f.cfg, "hailong.json",
                         "{\"kiosk_id\": \"k2\", \"sync\": {\"url\": \"http://h\", \"token\": "
                         "\"t\"}}",
                         &f.d),
              HL_ERR_INVALID);
    CHECK(!f.cfg.sync.enabled);
    CHECK_STR(f.cfg.sync.url, "");
    CHECK_STR(f.cfg.kiosk_id, "k1");
    done(&f);
}

/* ---- Officers, language, technician --------------------------------------- */

#define OFFICERS_3                                                                                 \
    "\"officers\": [{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\", \"photo\": "                  \
    "\"photos/nva.png\"}, "                                                                        \
    "{\"id\": \"ttb\", \"name\": \"Trần Thị B\", \"photo\": \"/srv/photos/ttb.jpg\"}, "        \
    "{\"id\": \"l-c_3\", \"name\": \"Lê C\"}]"

static void test_officers_are_loaded_with_photos_resolved_against_the_config_folder(void)
{
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "/etc/hailong/hailong.json",
                         "{" OFFICERS_3 ", \"officer\": \"ttb\"}", &f.d),
              HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(f.cfg.n_officers, 3);
    CHECK_STR(f.cfg.officers[0].id, "nva");
    CHECK_STR(f.cfg.officers[0].name, "Nguyễn Văn A");
    CHECK_STR(f.cfg.officers[0].photo, "/etc/hailong/photos/nva.png");
    CHECK_STR(f.cfg.officers[1].photo, "/srv/photos/ttb.jpg");
    CHECK(f.cfg.officers[2].photo == NULL);
    CHECK_STR(f.cfg.officer, "ttb");
    const hl_officer_t *o = hl_config_officer(&f.cfg, "l-c_3");
    CHECK(o && strcmp(o->name, "Lê C") == 0);
    CHECK(hl_config_officer(&f.cfg, "zzz") == NULL);
    CHECK(hl_config_officer(&f.cfg, "") == NULL);
    hl_config_free(&f.cfg);
    CHECK_INT(f.cfg.n_officers, 0);
    /* A name without a folder resolves against ".", like sync.ca_file. */
    CHECK_INT(load_named(&f.cfg, "hailong.json", "{" OFFICERS_3 "}", &f.d), HL_OK);
    CHECK_STR(f.cfg.officers[0].photo, "./photos/nva.png");
    CHECK_STR(f.cfg.officer, ""); /* nobody on duty unless said */
    hl_config_free(&f.cfg);
    /* "officer": "" says nobody is on duty. */
    CHECK_INT(load_named(&f.cfg, "hailong.json", "{" OFFICERS_3 ", \"officer\": \"\"}", &f.d),
              HL_OK);
    CHECK_STR(f.cfg.officer, "");
    hl_config_free(&f.cfg);
    /* From disk: the file's own folder; the photo need not exist. */
    char *dir = hl_test_tmpdir("officers");
    char *path = hl_test_write_file(dir, "hailong.json", "{" OFFICERS_3 "}");
    char want[1024];
    snprintf(want, sizeof want, "%s/photos/nva.png", dir);
    hl_config_defaults(&f.cfg, "k1");
    CHECK_INT(hl_config_load_file(path, &f.cfg, &f.d), HL_OK);
    CHECK_STR(f.cfg.officers[0].photo, want);
    hl_config_free(&f.cfg);
    EXPECT_COUNT(&f.d, 0);
    hl_diags_free(&f.d);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

static void test_officer_problems_are_reported_with_their_place(void)
{
    /* 120 bytes of name fit; 121 do not (each "ễ" is 3 bytes). */
    char text[2048];
    char *p = text + sprintf(text, "{\"officers\": [{\"id\": \"a\", \"name\": \"");
    for (int i = 0; i < HL_OFFICER_NAME_MAX / 3; i++)
        p += sprintf(p, "ễ");
    sprintf(p, "\"}]}");
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", text, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_INT(strlen(f.cfg.officers[0].name), HL_OFFICER_NAME_MAX);
    hl_config_free(&f.cfg);
    sprintf(p, "x\"}]}");
    expect_one(&(problem_t){"a name of 121 bytes", text, 1, 35, "officers[0].name",
                            "\"name\" is 121 bytes long; the limit is 120"});
    /* 33 officers are too many. */
    p = text + sprintf(text, "{\"officers\": [");
    for (int i = 0; i < HL_MAX_OFFICERS + 1; i++)
        p += sprintf(p, "%s{\"id\": \"o%d\", \"name\": \"O\"}", i ? "," : "", i);
    sprintf(p, "]}");
    expect_one(&(problem_t){"33 officers", text, 1, 14, "officers",
                            "\"officers\" lists 33 officers: give 1 to 32"});
}

static void test_officer_on_duty_must_be_a_listed_officer(void)
{
    /* A later file may name an officer an earlier file listed; a new list
     * without the one on duty leaves nobody on duty. */
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", "{" OFFICERS_3 "}", &f.d), HL_OK);
    const char *duty = "{\"officer\": \"nva\"}";
    CHECK_INT(hl_config_load_text("b.json", duty, strlen(duty), &f.cfg, &f.d), HL_OK);
    CHECK_STR(f.cfg.officer, "nva");
    const char *other = "{\"officers\": [{\"id\": \"x\", \"name\": \"X\"}]}";
    CHECK_INT(hl_config_load_text("c.json", other, strlen(other), &f.cfg, &f.d), HL_OK);
    CHECK_STR(f.cfg.officer, "");
    CHECK_INT(f.cfg.n_officers, 1);
    EXPECT_COUNT(&f.d, 0);
    done(&f);
}

static void test_language_must_be_a_code_the_firmware_knows(void)
{
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", "{\"language\": \"en\"}", &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.language, "en");
    done(&f);
    hl_config_defaults(&f.cfg, "k1");
    CHECK_STR(f.cfg.language, "");
}

/* A well-formed stored PIN hash (fewest iterations: fast). */
static void good_pin_hash(char out[HL_PIN_HASH_MAX])
{
    hl_fakesys_t fs;
    hl_fakesys_init(&fs, 1767225600000LL, true, 42);
    hl_sys_t sys = hl_fakesys_sys(&fs);
    hl_err_t err = {0};
    CHECK_INT(hl_pin_hash("123456", HL_PIN_ITER_MIN, &sys, out, &err), HL_OK);
}

static void test_technician_pin_hash_is_checked_and_never_shown(void)
{
    char hash[HL_PIN_HASH_MAX], text[512];
    good_pin_hash(hash);
    snprintf(text, sizeof text, "{\"technician\": {\"pin_hash\": \"%s\"}}", hash);
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "hailong.json", text, &f.d), HL_OK);
    EXPECT_COUNT(&f.d, 0);
    CHECK_STR(f.cfg.pin_hash, hash);
    hl_config_free(&f.cfg);
    CHECK_INT(load_named(&f.cfg, "hailong.json", "{\"technician\": {}}", &f.d), HL_OK);
    CHECK_STR(f.cfg.pin_hash, "");
    hl_config_free(&f.cfg);
    /* A damaged hash: reported at its place, without its value. */
    char bad[HL_PIN_HASH_MAX];
    snprintf(bad, sizeof bad, "%s", hash);
    bad[strlen(bad) - 2] = '!';
    snprintf(text, sizeof text, "{\"technician\": {\"pin_hash\": \"%s\"}}", bad);
    CHECK_INT(load_named(&f.cfg, "hailong.json", text, &f.d), HL_ERR_INVALID);
    EXPECT_COUNT(&f.d, 1);
    EXPECT_DIAG(&f.d, 0, 1, 29, "technician.pin_hash",
                "\"pin_hash\" is not a PIN hash as hailong set-pin writes it");
    char salt[25];
    snprintf(salt, sizeof salt, "%s", strchr(hash + 14, '$') + 1);
    CHECK(f.d.n == 1 && !strstr(f.d.items[0].msg, salt) && !strstr(f.d.items[0].msg, "!"));
    CHECK_STR(f.cfg.pin_hash, "");
    done(&f);
}

static void test_bad_new_keys_leave_the_whole_config_unchanged(void)
{
    char hash[HL_PIN_HASH_MAX], text[1024];
    good_pin_hash(hash);
    snprintf(text, sizeof text,
             "{" OFFICERS_3 ", \"officer\": \"nva\", \"language\": \"en\", \"technician\": "
             "{\"pin_hash\": \"%s\"}}",
             hash);
    fixture_t f = fresh();
    CHECK_INT(load_named(&f.cfg, "/a/hailong.json", text, &f.d), HL_OK);
    const char *bad = "{\"officers\": [{\"id\": \"x\", \"name\": \"X\", \"photo\": \"x.png\"}], "
                      "\"officer\": \"x\", \"language\": \"vi\", \"technician\": {\"pin_hash\": "
                      "\"nope\"}}";
    CHECK_INT(hl_config_load_text("/b/hailong.json", bad, strlen(bad), &f.cfg, &f.d),
              HL_ERR_INVALID);
    EXPECT_COUNT(&f.d, 1);
    CHECK_INT(f.cfg.n_officers, 3);
    CHECK_STR(f.cfg.officers[0].photo, "/a/photos/nva.png");
    CHECK_STR(f.cfg.officer, "nva");
    CHECK_STR(f.cfg.language, "en");
    CHECK_STR(f.cfg.pin_hash, hash);
    done(&f);
}

/* ---- hl_config_set ------------------------------------------------------------- */

static const char set_base[] = "{\n"
                               "  \"kiosk_id\": \"hall-2\",\n"
                               "  \"site\": {\"vi\": \"Hội trường\", \"en\": \"Hall\"},\n"
                               "  \"officers\": [{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\"}, "
                               "{\"id\": \"ttb\", \"name\": \"Trần Thị B\"}],\n"
                               "  \"officer\": \"nva\",\n"
                               "  \"timeouts\": {\"idle_s\": 45, \"warn_s\": 15}\n"
                               "}\n";

/* Loads path over fresh defaults, expecting it valid. */
static void load_ok(const char *path, hl_config_t *cfg)
{
    hl_diags_t d = {0};
    hl_config_defaults(cfg, "k1");
    CHECK_INT(hl_config_load_file(path, cfg, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    hl_diags_free(&d);
}

/* Where needle first is in hay, or -1. */
static long at(const char *hay, const char *needle)
{
    const char *p = hay ? strstr(hay, needle) : NULL;
    return p ? p - hay : -1;
}

/* Entries in dir other than . and .. */
static int dir_entries(const char *dir)
{
    DIR *dp = opendir(dir);
    int n = 0;
    for (struct dirent *e; dp && (e = readdir(dp)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (dp) closedir(dp);
    return n;
}

static void test_config_set_changes_a_top_level_key_keeping_the_others_in_order(void)
{
    char *dir = hl_test_tmpdir("cfg-set");
    char *path = hl_test_write_file(dir, "hailong.json", set_base);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_config_set(path, "officer", "\"ttb\"", &d, &err), HL_OK);
    EXPECT_COUNT(&d, 0);
    hl_config_t cfg;
    load_ok(path, &cfg);
    CHECK_STR(cfg.officer, "ttb");
    CHECK_STR(cfg.kiosk_id, "hall-2");
    CHECK_INT(cfg.n_officers, 2);
    CHECK_INT(cfg.timeouts.idle_s, 45);
    hl_config_free(&cfg);
    char *text = hl_test_read_file(path, NULL);
    CHECK_CONTAINS(text, "Hội trường"); /* UTF-8 as it was, not \u escapes */
    CHECK_CONTAINS(text, "Nguyễn Văn A");
    long k = at(text, "\"kiosk_id\""), s = at(text, "\"site\""), o = at(text, "\"officers\""),
         on = at(text, "\"officer\":"), t = at(text, "\"timeouts\"");
    CHECK(k >= 0 && k < s && s < o && o < on && on < t);
    CHECK(text && text[strlen(text) - 1] == '\n');
    free(text);
    /* A new top-level key goes last. */
    CHECK_INT(hl_config_set(path, "language", "\"en\"", &d, &err), HL_OK);
    text = hl_test_read_file(path, NULL);
    CHECK(at(text, "\"timeouts\"") < at(text, "\"language\": \"en\""));
    free(text);
    CHECK_INT(dir_entries(dir), 1); /* no temporary file left behind */
    hl_diags_free(&d);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

static void test_config_set_changes_a_section_key_creating_the_section(void)
{
    char *dir = hl_test_tmpdir("cfg-set");
    char *path = hl_test_write_file(dir, "hailong.json", set_base);
    char hash[HL_PIN_HASH_MAX], value[HL_PIN_HASH_MAX + 2];
    good_pin_hash(hash);
    snprintf(value, sizeof value, "\"%s\"", hash);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_config_set(path, "technician.pin_hash", value, &d, &err), HL_OK);
    CHECK_INT(hl_config_set(path, "timeouts.idle_s", "60", &d, &err), HL_OK);
    CHECK_INT(hl_config_set(path, "display.rotation", "180", &d, &err), HL_OK);
    EXPECT_COUNT(&d, 0);
    hl_config_t cfg;
    load_ok(path, &cfg);
    CHECK_STR(cfg.pin_hash, hash);
    CHECK_INT(cfg.timeouts.idle_s, 60);
    CHECK_INT(cfg.timeouts.warn_s, 15); /* the section's other key kept */
    CHECK_INT(cfg.display.rotation, 180);
    CHECK_STR(cfg.officer, "nva");
    hl_config_free(&cfg);
    char *text = hl_test_read_file(path, NULL);
    long idle = at(text, "\"idle_s\": 60"), warn = at(text, "\"warn_s\": 15");
    CHECK(idle >= 0 && idle < warn);
    free(text);
    hl_diags_free(&d);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

static void test_config_set_with_no_value_removes_the_key(void)
{
    char *dir = hl_test_tmpdir("cfg-set");
    char *path = hl_test_write_file(dir, "hailong.json", set_base);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_config_set(path, "officer", NULL, &d, &err), HL_OK);
    CHECK_INT(hl_config_set(path, "timeouts.warn_s", NULL, &d, &err), HL_OK);
    CHECK_INT(hl_config_set(path, "display.dpi", NULL, &d, &err), HL_OK); /* absent: fine */
    EXPECT_COUNT(&d, 0);
    char *text = hl_test_read_file(path, NULL);
    CHECK(at(text, "\"officer\":") < 0);
    CHECK(at(text, "warn_s") < 0);
    CHECK(at(text, "display") < 0);
    CHECK_CONTAINS(text, "\"idle_s\": 45");
    CHECK_CONTAINS(text, "\"officers\"");
    free(text);
    hl_config_t cfg;
    load_ok(path, &cfg);
    CHECK_STR(cfg.officer, "");
    CHECK_INT(cfg.timeouts.warn_s, 10);
    hl_config_free(&cfg);
    hl_diags_free(&d);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

static void test_config_set_refuses_a_value_that_makes_the_config_invalid(void)
{
    char *dir = hl_test_tmpdir("cfg-set");
    char *path = hl_test_write_file(dir, "hailong.json", set_base);
    static const char *const bad[][2] = {
        {"timeouts.idle_s", "0"},         {"officer", "\"zzz\""}, {"colour", "\"red\""},
        {"language", "\"fr\""},           {"officers", "[]"},     {"export.key_sha256", "1"},
        {"technician.pin_hash", "\"x\""},
    };
    static const char *const why[] = {"idle_s",     "not listed",       "unknown key \"colour\"",
                                      "use one of", "lists 0 officers", "must be a string",
                                      "pin_hash"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hl_diags_t d = {0};
        hl_err_t err = {0};
        CHECK_INT(hl_config_set(path, bad[i][0], bad[i][1], &d, &err), HL_ERR_INVALID);
        CHECK(d.n >= 1);
        if (d.n >= 1) CHECK_CONTAINS(d.items[0].msg, why[i]);
        CHECK_CONTAINS(err.msg, "unchanged");
        char *text = hl_test_read_file(path, NULL);
        CHECK_STR(text, set_base); /* byte for byte */
        free(text);
        hl_diags_free(&d);
    }
    /* Not JSON, or not a setting: usage errors, the file untouched. */
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_config_set(path, "officer", "nva", &d, &err), HL_ERR_USAGE);
    CHECK(!strstr(err.msg, "nva"));
    CHECK_INT(hl_config_set(path, "a.b.c", "1", &d, &err), HL_ERR_USAGE);
    CHECK_INT(hl_config_set(path, ".x", "1", &d, &err), HL_ERR_USAGE);
    CHECK_INT(hl_config_set(path, "", "1", &d, &err), HL_ERR_USAGE);
    CHECK_INT(hl_config_set(path, "kiosk_id.x", "1", &d, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "not a section");
    EXPECT_COUNT(&d, 0);
    char *text = hl_test_read_file(path, NULL);
    CHECK_STR(text, set_base);
    free(text);
    CHECK_INT(dir_entries(dir), 1);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

static void test_config_set_leaves_an_invalid_file_untouched(void)
{
    char *dir = hl_test_tmpdir("cfg-set");
    static const char bad[] = "{\n  \"kiosk_id\": \"hall-2\",\n  \"colour\": \"red\"\n}\n";
    char *path = hl_test_write_file(dir, "hailong.json", bad);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_config_set(path, "language", "\"vi\"", &d, &err), HL_ERR_INVALID);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 3, 3, "colour", "unknown key \"colour\"");
    CHECK_CONTAINS(err.msg, "left untouched");
    char *text = hl_test_read_file(path, NULL);
    CHECK_STR(text, bad);
    free(text);
    hl_diags_free(&d);
    /* Not even JSON. */
    char *broken = hl_test_write_file(dir, "broken.json", "{\"kiosk_id\": ");
    CHECK_INT(hl_config_set(broken, "language", "\"vi\"", &d, &err), HL_ERR_INVALID);
    text = hl_test_read_file(broken, NULL);
    CHECK_STR(text, "{\"kiosk_id\": ");
    free(text);
    hl_diags_free(&d);
    /* A folder is not a config file. */
    CHECK(hl_config_set(dir, "language", "\"vi\"", &d, &err) != HL_OK);
    CHECK_CONTAINS(err.msg, "not a regular file");
    hl_diags_free(&d);
    hl_test_rmtree(dir);
    free(broken);
    free(path);
    free(dir);
}

static void test_config_set_keeps_the_file_mode_and_writes_through_a_symlink(void)
{
    char *dir = hl_test_tmpdir("cfg-set");
    char *path = hl_test_write_file(dir, "hailong.json", set_base);
    CHECK_INT(chmod(path, 0600), 0);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_config_set(path, "officer", "\"ttb\"", &d, &err), HL_OK);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    CHECK_INT(chmod(path, 0644), 0);
    char link[1024];
    snprintf(link, sizeof link, "%s/link.json", dir);
    CHECK_INT(symlink(path, link), 0);
    CHECK_INT(hl_config_set(link, "officer", "\"nva\"", &d, &err), HL_OK);
    struct stat lst;
    CHECK_INT(lstat(link, &lst), 0);
    CHECK(S_ISLNK(lst.st_mode)); /* the link stays a link */
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0644);
    hl_config_t cfg;
    load_ok(path, &cfg);
    CHECK_STR(cfg.officer, "nva");
    hl_config_free(&cfg);
    CHECK_INT(dir_entries(dir), 2);
    hl_diags_free(&d);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

static void test_config_set_creates_a_missing_file(void)
{
    char *dir = hl_test_tmpdir("cfg-set");
    char path[1024];
    snprintf(path, sizeof path, "%s/new.json", dir);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_config_set(path, "timeouts.idle_s", "90", &d, &err), HL_OK);
    EXPECT_COUNT(&d, 0);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0640);
    hl_config_t cfg;
    load_ok(path, &cfg);
    CHECK_INT(cfg.timeouts.idle_s, 90);
    hl_config_free(&cfg);
    /* A value that would be invalid creates nothing. */
    char other[1024];
    snprintf(other, sizeof other, "%s/other.json", dir);
    CHECK_INT(hl_config_set(other, "officer", "\"nva\"", &d, &err), HL_ERR_INVALID);
    CHECK(stat(other, &st) != 0 && errno == ENOENT);
    /* Nor does a folder that does not exist. */
    snprintf(other, sizeof other, "%s/no/such/dir/x.json", dir);
    CHECK_INT(hl_config_set(other, "language", "\"vi\"", &d, &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "cannot create a file in");
    hl_diags_free(&d);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Fair counting ------------------------------------------------------- */

static void test_fairness_defaults_are_5_seconds_and_60_per_hour(void)
{
    fixture_t f = fresh();
    CHECK_INT(f.cfg.fair_min_interval_s, 5);
    CHECK_INT(f.cfg.fair_max_per_hour, 60);
    CHECK_INT(load(&f.cfg, "{\"fairness\": {}}", &f.d), HL_OK);
    CHECK_INT(f.cfg.fair_min_interval_s, 5);
    CHECK_INT(f.cfg.fair_max_per_hour, 60);
    CHECK_INT(load(&f.cfg, "{\"timeouts\": {\"idle_s\": 40}}", &f.d), HL_OK);
    CHECK_INT(f.cfg.fair_min_interval_s, 5);
    CHECK_INT(f.cfg.fair_max_per_hour, 60);
    done(&f);
}

static void test_config_set_officers_replaces_the_list_keeping_photos_and_the_duty_if_listed(void)
{
    char *dir = hl_test_tmpdir("cfg-officers");
    static const char base[] =
        "{\n"
        "  \"kiosk_id\": \"hall-2\",\n"
        "  \"officers\": [{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\", "
        "\"photo\": \"photos/nva.png\"}, {\"id\": \"ttb\", \"name\": \"B\"}],\n"
        "  \"officer\": \"nva\"\n"
        "}\n";
    char *path = hl_test_write_file(dir, "hailong.json", base);
    hl_officer_t list[2] = {{.id = "lvc", .name = "Lê Văn C"}, {.id = "nva", .name = "Văn An"}};
    hl_diags_t d = {0};
    hl_err_t err = {0};
    bool cleared = true;
    /* Checked only: the file stays as it was. */
    CHECK_INT(hl_config_set_officers(path, list, 2, true, &cleared, &d, &err), HL_OK);
    CHECK(!cleared);
    char *text = hl_test_read_file(path, NULL);
    CHECK_STR(text, base);
    free(text);
    CHECK_INT(hl_config_set_officers(path, list, 2, false, &cleared, &d, &err), HL_OK);
    CHECK(!cleared);
    hl_config_t cfg;
    load_ok(path, &cfg);
    CHECK_INT(cfg.n_officers, 2);
    CHECK_STR(cfg.officers[0].id, "lvc");
    CHECK(cfg.officers[0].photo == NULL);
    CHECK_STR(cfg.officers[1].name, "Văn An");
    CHECK(cfg.officers[1].photo && strstr(cfg.officers[1].photo, "photos/nva.png"));
    CHECK_STR(cfg.officer, "nva");
    hl_config_free(&cfg);
    text = hl_test_read_file(path, NULL);
    CHECK_CONTAINS(text, "\"photo\": \"photos/nva.png\""); /* as written */
    free(text);
    /* The officer on duty is not listed: nobody on duty. */
    CHECK_INT(hl_config_set_officers(path, list, 1, false, &cleared, &d, &err), HL_OK);
    CHECK(cleared);
    load_ok(path, &cfg);
    CHECK_INT(cfg.n_officers, 1);
    CHECK_STR(cfg.officer, "");
    hl_config_free(&cfg);
    /* A list a config cannot hold is refused, the file untouched; none at all
     * removes the key. */
    char *before = hl_test_read_file(path, NULL);
    hl_officer_t bad[2] = {{.id = "a", .name = "A"}, {.id = "a", .name = "B"}};
    CHECK_INT(hl_config_set_officers(path, bad, 2, false, NULL, &d, &err), HL_ERR_INVALID);
    CHECK(d.n >= 1 && strstr(d.items[0].msg, "listed twice"));
    hl_diags_free(&d);
    text = hl_test_read_file(path, NULL);
    CHECK_STR(text, before);
    free(text);
    free(before);
    CHECK_INT(hl_config_set_officers(path, NULL, 0, false, NULL, &d, &err), HL_OK);
    load_ok(path, &cfg);
    CHECK_INT(cfg.n_officers, 0);
    hl_config_free(&cfg);
    CHECK_INT(dir_entries(dir), 1);
    hl_diags_free(&d);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

static void test_fairness_section_sets_both_rules_and_zero_turns_one_off(void)
{
    fixture_t f = fresh();
    CHECK_INT(load(&f.cfg, "{\"fairness\": {\"min_interval_s\": 10, \"max_per_hour\": 120}}", &f.d),
              HL_OK);
    CHECK_INT(f.cfg.fair_min_interval_s, 10);
    CHECK_INT(f.cfg.fair_max_per_hour, 120);
    CHECK_INT(load(&f.cfg, "{\"fairness\": {\"min_interval_s\": 0}}", &f.d), HL_OK);
    CHECK_INT(f.cfg.fair_min_interval_s, 0);
    CHECK_INT(f.cfg.fair_max_per_hour, 120); /* left out: the value before stays */
    CHECK_INT(load(&f.cfg, "{\"fairness\": {\"max_per_hour\": 0}}", &f.d), HL_OK);
    CHECK_INT(f.cfg.fair_max_per_hour, 0);
    CHECK_INT(
        load(&f.cfg, "{\"fairness\": {\"min_interval_s\": 3600, \"max_per_hour\": 10000}}", &f.d),
        HL_OK);
    CHECK_INT(f.cfg.fair_min_interval_s, 3600);
    CHECK_INT(f.cfg.fair_max_per_hour, 10000);
    EXPECT_COUNT(&f.d, 0);
    done(&f);
}

static void test_fairness_invalid_section_leaves_the_config_unchanged(void)
{
    fixture_t f = fresh();
    CHECK_INT(load(&f.cfg, "{\"fairness\": {\"min_interval_s\": 7, \"max_per_hour\": -5}}", &f.d),
              HL_ERR_INVALID);
    CHECK_INT(f.cfg.fair_min_interval_s, 5);
    CHECK_INT(f.cfg.fair_max_per_hour, 60);
    done(&f);
}

/* ---- Every one-problem config, as a table --------------------------------- */

#define NUM_JSON(kv) "{\"sync\": {" SYNC_MIN ", " kv "}}"
#define PIN_JSON(v)  "{\"sync\": {" SYNC_MIN ", \"pin\": " v "}}"

/* Each case: a config text with one problem, named "<behaviour>: <case>". */
static void test_every_one_problem_config_is_reported_at_its_place(void)
{
    static const problem_t cases[] = {
        /* unknown keys are reported with suggestions */
        {"unknown keys are reported with suggestions: timeout for timeouts",
         "{\n  \"timeout\": {\"idle_s\": 60}\n}", 2, 3, "timeout",
         "unknown key \"timeout\" (did you mean \"timeouts\"?)"},
        {"unknown keys are reported with suggestions: idle for idle_s",
         "{\n  \"timeouts\": {\"idle\": 60}\n}", 2, 16, "timeouts.idle",
         "unknown key \"idle\" (did you mean \"idle_s\"?)"},
        {"unknown keys are reported with suggestions: an unknown key far from any",
         "{\"colour\": \"red\"}", 1, 2, "colour",
         "unknown key \"colour\" (keys allowed here: kiosk_id, site, counter, "
         "survey, timeouts, display, export, sync, officers, officer, language, "
         "technician, fairness, storage, keyboard, accessibility)"},
        /* timeouts out of range say the range */
        {"timeouts out of range say the range: idle_s below 5", "{\"timeouts\": {\"idle_s\": 4}}",
         1, 25, "timeouts.idle_s", "\"idle_s\" must be an integer from 5 to 600, not 4"},
        {"timeouts out of range say the range: idle_s above 600",
         "{\"timeouts\": {\"idle_s\": 601}}", 1, 25, "timeouts.idle_s",
         "\"idle_s\" must be an integer from 5 to 600, not 601"},
        {"timeouts out of range say the range: warn_s above 120",
         "{\"timeouts\": {\"warn_s\": 121}}", 1, 25, "timeouts.warn_s",
         "\"warn_s\" must be an integer from 3 to 120, not 121"},
        {"timeouts out of range say the range: thanks_s of 0", "{\"timeouts\": {\"thanks_s\": 0}}",
         1, 27, "timeouts.thanks_s", "\"thanks_s\" must be an integer from 1 to 60, not 0"},
        {"timeouts out of range say the range: thanks_s not whole",
         "{\"timeouts\": {\"thanks_s\": 2.5}}", 1, 27, "timeouts.thanks_s",
         "\"thanks_s\" must be an integer from 1 to 60, not a real number"},
        /* wrong json types are reported */
        {"wrong json types are reported: a list, not an object", "[]", 1, 1, NULL,
         "a config must be a JSON object"},
        {"wrong json types are reported: timeouts not an object", "{\"timeouts\": 30}", 1, 14,
         "timeouts", "\"timeouts\" must be an object"},
        {"wrong json types are reported: site not an object", "{\"site\": \"Việt Trì\"}", 1, 10,
         "site", "\"site\" must be an object of texts by language"},
        {"wrong json types are reported: survey not a string", "{\"survey\": 3}", 1, 12, "survey",
         "\"survey\" must be a file name string such as \"sipas-mot-cua.json\""},
        {"wrong json types are reported: kiosk_id null", "{\"kiosk_id\": null}", 1, 14, "kiosk_id",
         "\"kiosk_id\" must be a string, not null"},
        /* kiosk id must match its pattern */
        {"kiosk id must match its pattern: kiosk_id with a space and accents",
         "{\"kiosk_id\": \"Quầy 3\"}", 1, 14, "kiosk_id",
         "kiosk id \"Quầy 3\" must be 1 to 40 characters of a-z, 0-9, '_' and '-'"},
        {"kiosk id must match its pattern: kiosk_id empty", "{\"kiosk_id\": \"\"}", 1, 14,
         "kiosk_id", "kiosk id \"\" must be 1 to 40"},
        {"kiosk id must match its pattern: kiosk_id of 41 characters",
         "{\"kiosk_id\": \"a234567890123456789012345678901234567890x\"}", 1, 14, "kiosk_id",
         "must be 1 to 40 characters"},
        /* site and counter texts are checked */
        {"site and counter texts are checked: a site text in French",
         "{\"site\": {\"vi\": \"Một cửa\", \"fr\": \"Guichet\"}}", 1, 28, "site.fr",
         "unknown language \"fr\" (supported: vi, en)"},
        {"site and counter texts are checked: an empty counter text",
         "{\"counter\": {\"vi\": \"  \"}}", 1, 20, "counter.vi", "the \"vi\" text is empty"},
        /* survey name must be non empty and at most 255 bytes */
        {"survey name must be non empty and at most 255 bytes: survey empty", "{\"survey\": \"\"}",
         1, 12, "survey", "\"survey\" is empty"},
        /* invalid json is reported with janssons line and column */
        {"invalid json is reported with janssons line and column: a missing comma",
         "{\n  \"kiosk_id\": \"k\",\n  \"survey\": \"x\"\n  \"site\": {}\n}", 4, 8, NULL,
         "invalid JSON: '}' expected near '\"site\"'"},
        {"invalid json is reported with janssons line and column: a duplicate key",
         "{\"kiosk_id\": \"k\", \"kiosk_id\": \"k\"}", 1, 28, NULL, "duplicate object key"},
        {"invalid json is reported with janssons line and column: invalid UTF-8",
         "{\"site\": {\"vi\": \"Vi\xe1t\"}}", 1, 19, NULL, "UTF-8"},
        /* display problems are reported with their place */
        {"display problems are reported with their place: rotation 45",
         "{\"display\": {\"rotation\": 45}}", 1, 26, "display.rotation", "use 0, 90, 180 or 270"},
        {"display problems are reported with their place: dpi 20", "{\"display\": {\"dpi\": 20}}",
         1, 21, "display.dpi", "dpi"},
        {"display problems are reported with their place: dpj for dpi",
         "{\"display\": {\"dpj\": 96}}", 1, 14, "display.dpj", "dpj"},
        /* display opening hours problems are reported with their place */
        {"display opening hours problems are reported with their place: opening_hours an object",
         "{\"display\": {\"opening_hours\": {}}}", 1, 31, "display.opening_hours",
         "\"opening_hours\" must be a list such as [{\"days\": \"mon-fri\""},
        {"display opening hours problems are reported with their place: opening_hours empty",
         "{\"display\": {\"opening_hours\": []}}", 1, 31, "display.opening_hours",
         "leave the key out to keep the panel on all the time"},
        {"display opening hours problems are reported with their place: a closing time 17h",
         "{\"display\": {\"opening_hours\": [\n"
         "  {\"days\": \"mon-fri\", \"open\": \"07:30\", \"close\": \"17h\"}]}}",
         2, 49, "display.opening_hours[0].close", "must be a time HH:MM"},
        {"display opening hours problems are reported with their place: opening_hour for "
         "opening_hours",
         "{\"display\": {\"opening_hour\": []}}", 1, 14, "display.opening_hour",
         "unknown key \"opening_hour\" (did you mean \"opening_hours\"?)"},
        /* storage problems are reported with their place */
        {"storage problems are reported with their place: require_mount a string",
         "{\"storage\": {\"require_mount\": \"yes\"}}", 1, 31, "storage.require_mount",
         "true or false"},
        {"storage problems are reported with their place: require_mount a number",
         "{\"storage\": {\"require_mount\": 1}}", 1, 31, "storage.require_mount", "true or false"},
        {"storage problems are reported with their place: requires_mount for require_mount",
         "{\n  \"storage\": {\"requires_mount\": true}\n}", 2, 15, "storage.requires_mount",
         "unknown key \"requires_mount\" (did you mean \"require_mount\"?)"},
        {"storage problems are reported with their place: storage not an object",
         "{\"storage\": true}", 1, 13, "storage",
         "\"storage\" must be an object such as {\"require_mount\": true}"},
        /* keyboard problems are reported with their place */
        {"keyboard problems are reported with their place: an unknown method",
         "{\"keyboard\": {\"method\": \"telx\"}}", 1, 25, "keyboard.method",
         "unknown keyboard method \"telx\" (did you mean \"telex\"?): use \"telex\", \"vni\" "
         "or \"none\""},
        {"keyboard problems are reported with their place: a method that is not a string",
         "{\"keyboard\": {\"method\": 1}}", 1, 25, "keyboard.method", "must be a string"},
        {"accessibility problems: volume out of range", "{\"accessibility\": {\"volume\": 9}}", 1,
         30, "accessibility.volume", "must be an integer from 0 to 8"},
        {"accessibility problems: an unknown action",
         "{\"accessibility\": {\"keys\": {\"entr\": [\"Return\"]}}}", 1, 29,
         "accessibility.keys.entr", "unknown key action \"entr\" (did you mean \"enter\"?)"},
        {"accessibility problems: an unknown key name",
         "{\"accessibility\": {\"keys\": {\"enter\": [\"Keypad5\"]}}}", 1, 39,
         "accessibility.keys.enter[0]", "unknown key \"Keypad5\" (did you mean \"Keypad 5\"?)"},
        {"accessibility problems: one key for two actions",
         "{\"accessibility\": {\"keys\": {\"help\": [\"Keypad 5\"]}}}", 1, 37,
         "accessibility.keys.help", "key \"Keypad 5\" is also \"enter\""},
        {"keyboard problems are reported with their place: new_style a string",
         "{\"keyboard\": {\"new_style\": \"yes\"}}", 1, 28, "keyboard.new_style", "true or false"},
        {"keyboard problems are reported with their place: an unknown key",
         "{\n  \"keyboard\": {\"methods\": \"vni\"}\n}", 2, 16, "keyboard.methods",
         "unknown key \"methods\" (did you mean \"method\"?)"},
        {"keyboard problems are reported with their place: keyboard not an object",
         "{\"keyboard\": \"telex\"}", 1, 14, "keyboard", "\"keyboard\" must be an object"},
        /* export problems are reported with their place */
        {"export problems are reported with their place: key_sha256 too short",
         "{\"export\": {\"key_sha256\": \"abc\"}}", 1, 27, "export.key_sha256",
         "\"key_sha256\" must be 64 lower-case hex digits (the SHA-256 of the secret "
         "in the stick's HAILONG/export.key, as sha256sum prints it), not 3 "
         "characters"},
        {"export problems are reported with their place: key_sha256 in capitals",
         "{\"export\": {\"key_sha256\": "
         "\"9C4E1F0A7B3D2E6F5A8B1C0D9E2F3A4B5C6D7E8F9A0B1C2D3E4F5A6B7C8D9E0F\"}}",
         1, 27, "export.key_sha256", "character 2 is 'C'"},
        {"export problems are reported with their place: key_sha256 with a g",
         "{\"export\": {\"key_sha256\": "
         "\"9c4e1f0a7b3d2e6f5a8b1c0d9e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0g\"}}",
         1, 27, "export.key_sha256", "character 64 is 'g'"},
        {"export problems are reported with their place: key for key_sha256",
         "{\"export\": {\"key\": \"x\"}}", 1, 13, "export.key", "unknown key \"key\""},
        {"export problems are reported with their place: export a string",
         "{\"export\": \"" KEY_HEX "\"}", 1, 12, "export",
         "\"export\" must be an object such as {\"key_sha256\""},
        {"export problems are reported with their place: key_sha256 a number",
         "{\"export\": {\"key_sha256\": 7}}", 1, 27, "export.key_sha256",
         "\"key_sha256\" must be a string"},
        /* export roots say where sticks are mounted */
        {"export roots say where sticks are mounted: a relative root",
         "{\"export\": {\"roots\": [\"media\"]}}", 1, 23, "export.roots[0]",
         "absolute folder path"},
        {"export roots say where sticks are mounted: no roots", "{\"export\": {\"roots\": []}}", 1,
         22, "export.roots", "1 to 4"},
        /* sync plain http is refused unless allowed */
        {"sync plain http is refused unless allowed: plain http",
         "{\"sync\": {\"url\": \"http://10.0.0.5/s\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "\"url\" is plain http://, which sends the token and the answers "
         "unencrypted: use https://, or set \"allow_insecure_http\": true for a lab"},
        {"sync plain http is refused unless allowed: plain http, not allowed",
         "{\"sync\": {\"url\": \"http://10.0.0.5/s\", \"token\": \"t\", "
         "\"allow_insecure_http\": false}}",
         1, 18, "sync.url", "unencrypted"},
        {"sync plain http is refused unless allowed: ftp",
         "{\"sync\": {\"url\": \"ftp://h.vn/s\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "\"url\" must start with https://"},
        {"sync plain http is refused unless allowed: no scheme",
         "{\"sync\": {\"url\": \"sync.example.vn\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "\"url\" must start with https://"},
        /* A bad allow_insecure_http is the one problem, not the url too. */
        {"sync plain http is refused unless allowed: a bad allow_insecure_http",
         "{\"sync\": {\"url\": \"http://h/s\", \"token\": \"t\", "
         "\"allow_insecure_http\": \"yes\"}}",
         1, 69, "sync.allow_insecure_http",
         "\"allow_insecure_http\" must be true or false, not a string"},
        /* sync url with user and password is refused */
        {"sync url with user and password is refused: user and password",
         "{\"sync\": {\"url\": \"https://kiosk:pw@h.vn/s\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "\"url\" must not hold a user name or password (user:password@): put the "
         "token in \"token\""},
        {"sync url with user and password is refused: user only",
         "{\"sync\": {\"url\": \"https://kiosk@h.vn\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "put the token in \"token\""},
        /* sync url needs a host and no fragment spaces or excess length */
        {"sync url needs a host and no fragment spaces or excess length: no host",
         "{\"sync\": {\"url\": \"https:///s\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "\"url\" has no host name"},
        {"sync url needs a host and no fragment spaces or excess length: a port only",
         "{\"sync\": {\"url\": \"https://:443/s\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "\"url\" has no host name"},
        {"sync url needs a host and no fragment spaces or excess length: port 99999",
         "{\"sync\": {\"url\": \"https://h.vn:99999/s\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "bad port"},
        {"sync url needs a host and no fragment spaces or excess length: a fragment",
         "{\"sync\": {\"url\": \"https://h.vn/s#top\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "\"url\" must not have a #fragment"},
        {"sync url needs a host and no fragment spaces or excess length: a space",
         "{\"sync\": {\"url\": \"https://h.vn/a b\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "must not contain spaces or control characters; character 15 is one"},
        {"sync url needs a host and no fragment spaces or excess length: a tab",
         "{\"sync\": {\"url\": \"https://h.vn/\\ta\", \"token\": \"t\"}}", 1, 18, "sync.url",
         "character 14"},
        {"sync url needs a host and no fragment spaces or excess length: url empty",
         "{\"sync\": {\"url\": \"\", \"token\": \"t\"}}", 1, 18, "sync.url", "\"url\" is empty"},
        /* sync url and token are required */
        {"sync url and token are required: no url", "{\"sync\": {\"token\": \"t\"}}", 1, 10,
         "sync.url", "missing key \"url\""},
        {"sync url and token are required: no token", "{\"sync\": {\"url\": \"https://h.vn\"}}", 1,
         10, "sync.token", "missing key \"token\""},
        {"sync url and token are required: sync not an object", "{\"sync\": true}", 1, 10, "sync",
         "\"sync\" must be an object such as"},
        /* sync bad pins are reported */
        {"sync bad pins are reported: a pin too short", PIN_JSON("\"sha256//abc=\""), 1, 59,
         "sync.pin",
         "pin 1 of \"pin\" (\"sha256//abc=\") must be \"sha256//\" followed by the "
         "44-character base64 SHA-256 of the server's public key (ending in '=')"},
        {"sync bad pins are reported: a pin without sha256//",
         PIN_JSON("\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\""), 1, 59, "sync.pin",
         "pin 1 of \"pin\""},
        {"sync bad pins are reported: a pin one character too long",
         PIN_JSON("\"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUx\""), 1, 59, "sync.pin",
         "must be \"sha256//\" followed by"},
        {"sync bad pins are reported: a pin with a '-'",
         PIN_JSON("\"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3h-uFU=\""), 1, 59, "sync.pin",
         "must be \"sha256//\" followed by"},
        {"sync bad pins are reported: a space after ';'", PIN_JSON("\"" PIN_A "; " PIN_B "\""), 1,
         59, "sync.pin", "pin 2 of \"pin\" (\" sha256//"},
        {"sync bad pins are reported: an empty second pin", PIN_JSON("\"" PIN_A ";\""), 1, 59,
         "sync.pin", "pin 2 of \"pin\" (\"\")"},
        {"sync bad pins are reported: an empty pin", PIN_JSON("\"\""), 1, 59, "sync.pin",
         "pin 1 of \"pin\" (\"\")"},
        {"sync bad pins are reported: an empty pin list", PIN_JSON("[]"), 1, 59, "sync.pin",
         "\"pin\" lists 0 pins: give 1 to 8, or leave the key out for none"},
        {"sync bad pins are reported: a pin that is a number", PIN_JSON("[\"" PIN_A "\", 7]"), 1,
         116, "sync.pin[1]", "each pin must be a string \"sha256//\""},
        {"sync bad pins are reported: two pins in one list item",
         PIN_JSON("[\"" PIN_A ";" PIN_B "\"]"), 1, 60, "sync.pin[0]",
         "each pin (here \"" PIN_A ";sha256/...\") must be \"sha256//\""},
        {"sync bad pins are reported: pin an object", PIN_JSON("{\"a\": \"" PIN_A "\"}"), 1, 59,
         "sync.pin",
         "\"pin\" must be a string such as \"sha256//<44 base64 characters>\" or a "
         "list of such strings, not an object"},
        /* sync relative ca file is resolved against the config folder */
        {"sync relative ca file is resolved against the config folder: ca_file empty",
         "{\"sync\": {" SYNC_MIN ", \"ca_file\": \"\"}}", 1, 63, "sync.ca_file",
         "\"ca_file\" is empty: give a PEM file, or leave the key out to trust the "
         "system's certificate store"},
        {"sync relative ca file is resolved against the config folder: ca_file a list",
         "{\"sync\": {" SYNC_MIN ", \"ca_file\": [\"a.pem\"]}}", 1, 63, "sync.ca_file",
         "\"ca_file\" must be a string, not an array"},
        /* sync numbers out of range say the range */
        {"sync numbers out of range say the range: interval_s below 5",
         NUM_JSON("\"interval_s\": 4"), 1, 66, "sync.interval_s",
         "\"interval_s\" must be an integer from 5 to 86400, not 4"},
        {"sync numbers out of range say the range: interval_s above 86400",
         NUM_JSON("\"interval_s\": 86401"), 1, 66, "sync.interval_s",
         "\"interval_s\" must be an integer from 5 to 86400, not 86401"},
        {"sync numbers out of range say the range: batch of 0", NUM_JSON("\"batch\": 0"), 1, 61,
         "sync.batch", "\"batch\" must be an integer from 1 to 5000, not 0"},
        {"sync numbers out of range say the range: batch above 5000", NUM_JSON("\"batch\": 5001"),
         1, 61, "sync.batch", "\"batch\" must be an integer from 1 to 5000, not 5001"},
        {"sync numbers out of range say the range: connect_timeout_s of 0",
         NUM_JSON("\"connect_timeout_s\": 0"), 1, 73, "sync.connect_timeout_s",
         "\"connect_timeout_s\" must be an integer from 1 to 120, not 0"},
        {"sync numbers out of range say the range: connect_timeout_s above 120",
         NUM_JSON("\"connect_timeout_s\": 121"), 1, 73, "sync.connect_timeout_s",
         "\"connect_timeout_s\" must be an integer from 1 to 120, not 121"},
        {"sync numbers out of range say the range: timeout_s of 0", NUM_JSON("\"timeout_s\": 0"), 1,
         65, "sync.timeout_s", "\"timeout_s\" must be an integer from 1 to 600, not 0"},
        {"sync numbers out of range say the range: timeout_s above 600",
         NUM_JSON("\"timeout_s\": 601"), 1, 65, "sync.timeout_s",
         "\"timeout_s\" must be an integer from 1 to 600, not 601"},
        {"sync numbers out of range say the range: timeout_s not whole",
         NUM_JSON("\"timeout_s\": 1.5"), 1, 65, "sync.timeout_s", "real number"},
        {"sync numbers out of range say the range: batch a string", NUM_JSON("\"batch\": \"100\""),
         1, 61, "sync.batch", "(write the number without quotes)"},
        /* sync unknown key is reported */
        {"sync unknown key is reported: tokne for token",
         "{\"sync\": {" SYNC_MIN ", \"tokne\": \"x\"}}", 1, 52, "sync.tokne",
         "unknown key \"tokne\" (did you mean \"token\"?)"},
        {"sync unknown key is reported: pins for pin", "{\"sync\": {" SYNC_MIN ", \"pins\": []}}",
         1, 52, "sync.pins", "unknown key \"pins\" (did you mean \"pin\"?)"},
        {"sync unknown key is reported: an unknown key far from any",
         "{\"sync\": {" SYNC_MIN ", \"proxy\": \"http://p\"}}", 1, 52, "sync.proxy",
         "unknown key \"proxy\" (keys allowed here: url, token, ca_file, pin, "
         "interval_s, batch, allow_insecure_http, connect_timeout_s, timeout_s)"},
        /* officer problems are reported with their place */
        {"officer problems are reported with their place: an empty list", "{\"officers\": []}", 1,
         14, "officers", "\"officers\" lists 0 officers: give 1 to 32"},
        {"officer problems are reported with their place: officers an object",
         "{\"officers\": {\"id\": \"a\"}}", 1, 14, "officers", "must be a list"},
        {"officer problems are reported with their place: an officer that is a string",
         "{\"officers\": [\"nva\"]}", 1, 15, "officers[0]",
         "each officer must be an object such as {\"id\": \"nva\""},
        {"officer problems are reported with their place: an id in capitals",
         "{\"officers\": [{\"id\": \"NVA\", \"name\": \"A\"}]}", 1, 22, "officers[0].id",
         "officer id \"NVA\" must be 1 to 32 characters of a-z"},
        {"officer problems are reported with their place: an id listed twice",
         "{\"officers\": [{\"id\": \"a\", \"name\": \"A\"}, {\"id\": \"a\", \"name\": "
         "\"B\"}]}",
         1, 48, "officers[1].id", "officer id \"a\" is listed twice (also officers[0])"},
        {"officer problems are reported with their place: an empty name",
         "{\"officers\": [{\"id\": \"a\", \"name\": \"\"}]}", 1, 35, "officers[0].name",
         "\"name\" is empty"},
        {"officer problems are reported with their place: a name on two lines",
         "{\"officers\": [{\"id\": \"a\", \"name\": \"A\\nB\"}]}", 1, 35, "officers[0].name",
         "one line without control characters or marks that change the text's direction; character "
         "2 (U+000A)"},
        {"officer problems are reported with their place: a direction override in a name",
         "{\"officers\": [{\"id\": \"a\", \"name\": \"An \\u202eB\"}]}", 1, 35, "officers[0].name",
         "character 4 (U+202E)"},
        {"officer problems are reported with their place: no name",
         "{\"officers\": [{\"id\": \"a\"}]}", 1, 15, "officers[0].name", "missing key \"name\""},
        {"officer problems are reported with their place: foto for photo",
         "{\"officers\": [{\"id\": \"a\", \"name\": \"A\", \"foto\": \"x.png\"}]}", 1, 40,
         "officers[0].foto", "unknown key \"foto\" (did you mean \"photo\"?)"},
        {"officer problems are reported with their place: an empty photo",
         "{\"officers\": [{\"id\": \"a\", \"name\": \"A\", \"photo\": \"\"}]}", 1, 49,
         "officers[0].photo", "\"photo\" is empty"},
        {"officer problems are reported with their place: a photo that is a number",
         "{\"officers\": [{\"id\": \"a\", \"name\": \"A\", \"photo\": 7}]}", 1, 49,
         "officers[0].photo", "must be a string"},
        /* officer on duty must be a listed officer */
        {"officer on duty must be a listed officer: one not listed",
         "{\"officers\": [{\"id\": \"a\", \"name\": \"A\"}], \"officer\": \"b\"}", 1, 53, "officer",
         "\"officer\" is \"b\", which is not listed in \"officers\" (listed: a)"},
        {"officer on duty must be a listed officer: none listed", "{\"officer\": \"nva\"}", 1, 13,
         "officer", "\"officer\" is \"nva\" but no officers are listed"},
        {"officer on duty must be a listed officer: a bad id", "{\"officer\": \"Bad Id\"}", 1, 13,
         "officer", "officer id \"Bad Id\" must be 1 to 32 characters"},
        {"officer on duty must be a listed officer: a number", "{\"officer\": 3}", 1, 13, "officer",
         "\"officer\" must be the id of a listed officer such as \"nva\", not an "
         "integer"},
        /* A bad list is reported once, not again through "officer". */
        {"officer on duty must be a listed officer: a bad list with one on duty",
         "{\"officers\": [], \"officer\": \"a\"}", 1, 14, "officers", "lists 0 officers"},
        /* language must be a code the firmware knows */
        {"language must be a code the firmware knows: fr", "{\"language\": \"fr\"}", 1, 14,
         "language", "\"language\" is \"fr\"; use one of: vi, en"},
        {"language must be a code the firmware knows: empty", "{\"language\": \"\"}", 1, 14,
         "language", "use one of: vi, en"},
        {"language must be a code the firmware knows: a list", "{\"language\": [\"vi\"]}", 1, 14,
         "language", "\"language\" must be a string, not an array"},
        /* technician pin hash is checked and never shown */
        {"technician pin hash is checked and never shown: an empty hash",
         "{\"technician\": {\"pin_hash\": \"\"}}", 1, 29, "technician.pin_hash",
         "\"pin_hash\" is empty: set a PIN with hailong set-pin"},
        {"technician pin hash is checked and never shown: a short hash",
         "{\"technician\": {\"pin_hash\": \"1234567\"}}", 1, 29, "technician.pin_hash",
         "is not a PIN hash"},
        {"technician pin hash is checked and never shown: a number",
         "{\"technician\": {\"pin_hash\": 123456}}", 1, 29, "technician.pin_hash",
         "must be a string, not an integer"},
        {"technician pin hash is checked and never shown: pin for pin_hash",
         "{\"technician\": {\"pin\": \"x\"}}", 1, 17, "technician.pin", "unknown key \"pin\""},
        {"technician pin hash is checked and never shown: technician a string",
         "{\"technician\": \"123456\"}", 1, 16, "technician", "must be an object"},
        /* fairness problems are reported with their place */
        {"fairness problems are reported with their place: min_interval_s below 0",
         "{\"fairness\": {\"min_interval_s\": -1}}", 1, 33, "fairness.min_interval_s",
         "min_interval_s"},
        {"fairness problems are reported with their place: min_interval_s above 3600",
         "{\"fairness\": {\"min_interval_s\": 3601}}", 1, 33, "fairness.min_interval_s", "3600"},
        {"fairness problems are reported with their place: max_per_hour above 10000",
         "{\"fairness\": {\"max_per_hour\": 10001}}", 1, 31, "fairness.max_per_hour", "10000"},
        {"fairness problems are reported with their place: max_per_hour a string",
         "{\"fairness\": {\"max_per_hour\": \"60\"}}", 1, 31, "fairness.max_per_hour",
         "max_per_hour"},
        {"fairness problems are reported with their place: min_intervals for min_interval_s",
         "{\"fairness\": {\"min_intervals\": 5}}", 1, 15, "fairness.min_intervals",
         "min_intervals"},
        {"fairness problems are reported with their place: fairness a number", "{\"fairness\": 5}",
         1, 14, "fairness", "fairness"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_one(&cases[i]);
}

static const hl_test_case_t table[] = {
    HL_TEST(test_every_one_problem_config_is_reported_at_its_place),
    HL_TEST(test_fairness_defaults_are_5_seconds_and_60_per_hour),
    HL_TEST(test_fairness_section_sets_both_rules_and_zero_turns_one_off),
    HL_TEST(test_fairness_invalid_section_leaves_the_config_unchanged),
    HL_TEST(test_export_roots_say_where_sticks_are_mounted),
    HL_TEST(test_export_key_sha256_is_decoded_into_the_config),
    HL_TEST(test_export_problems_are_reported_with_their_place),
    HL_TEST(test_display_section_sets_dpi_and_rotation),
    HL_TEST(test_display_opening_hours_are_loaded_and_default_to_always_on),
    HL_TEST(test_storage_require_mount_is_a_bool_defaulting_to_false),
    HL_TEST(test_keyboard_is_telex_old_style_unless_the_config_says_otherwise),
    HL_TEST(test_accessibility_defaults_and_a_key_map_that_replaces_an_actions_keys),
    HL_TEST(test_storage_problems_are_reported_with_their_place),
    HL_TEST(test_defaults_are_the_kiosk_id_empty_texts_and_bundled_survey),
    HL_TEST(test_full_config_file_overrides_every_default),
    HL_TEST(test_partial_config_keeps_the_other_defaults),
    HL_TEST(test_empty_object_is_a_valid_config),
    HL_TEST(test_loading_again_replaces_what_the_first_file_gave),
    HL_TEST(test_invalid_config_leaves_the_config_unchanged),
    HL_TEST(test_timeouts_out_of_range_say_the_range),
    HL_TEST(test_site_and_counter_texts_are_checked),
    HL_TEST(test_survey_name_must_be_non_empty_and_at_most_255_bytes),
    HL_TEST(test_several_problems_in_a_config_file_are_all_reported),
    HL_TEST(test_missing_config_file_is_an_io_error_naming_the_file),
    HL_TEST(test_a_folder_is_not_a_config_file),
    HL_TEST(test_readme_example_config_is_valid),
    HL_TEST(test_sniff_tells_a_config_from_a_survey),
    HL_TEST(test_sync_section_sets_every_field),
    HL_TEST(test_sync_keys_left_out_take_their_defaults),
    HL_TEST(test_no_sync_section_leaves_sync_disabled),
    HL_TEST(test_sync_plain_http_is_refused_unless_allowed),
    HL_TEST(test_sync_url_needs_a_host_and_no_fragment_spaces_or_excess_length),
    HL_TEST(test_sync_url_and_token_are_required),
    HL_TEST(test_sync_bad_token_names_the_place_never_the_value),
    HL_TEST(test_json_syntax_error_next_to_a_token_does_not_quote_it),
    HL_TEST(test_sync_pin_may_be_a_string_or_a_list),
    HL_TEST(test_sync_bad_pins_are_reported),
    HL_TEST(test_sync_relative_ca_file_is_resolved_against_the_config_folder),
    HL_TEST(test_sync_numbers_out_of_range_say_the_range),
    HL_TEST(test_bad_sync_section_leaves_the_whole_config_unchanged),
    HL_TEST(test_officers_are_loaded_with_photos_resolved_against_the_config_folder),
    HL_TEST(test_officer_problems_are_reported_with_their_place),
    HL_TEST(test_officer_on_duty_must_be_a_listed_officer),
    HL_TEST(test_language_must_be_a_code_the_firmware_knows),
    HL_TEST(test_technician_pin_hash_is_checked_and_never_shown),
    HL_TEST(test_bad_new_keys_leave_the_whole_config_unchanged),
    HL_TEST(test_config_set_changes_a_top_level_key_keeping_the_others_in_order),
    HL_TEST(test_config_set_changes_a_section_key_creating_the_section),
    HL_TEST(test_config_set_with_no_value_removes_the_key),
    HL_TEST(test_config_set_refuses_a_value_that_makes_the_config_invalid),
    HL_TEST(test_config_set_leaves_an_invalid_file_untouched),
    HL_TEST(test_config_set_keeps_the_file_mode_and_writes_through_a_symlink),
    HL_TEST(test_config_set_creates_a_missing_file),
    HL_TEST(test_config_set_officers_replaces_the_list_keeping_photos_and_the_duty_if_listed),
};

HL_TEST_MAIN(table)
