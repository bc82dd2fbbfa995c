/*
 * test_config.c: the kiosk config file: defaults, what a file overrides,
 * every kind of problem with its exact line, column and path, and telling a
 * config from a survey.
 */
#include "hl_config.h"
#include "hl_err.h"
#include "hl_test.h"

#include <errno.h>
#include <stdlib.h>

static int load(hl_config_t *cfg, const char *text, hl_diags_t *d)
{
    return hl_config_load_text("hailong.json", text, strlen(text), cfg, d);
}

/* Loads text over fresh defaults expecting one problem, and checks it. */
#define EXPECT_ONE_PROBLEM(text, line, col, path, msg)                                             \
    do {                                                                                           \
        hl_config_t c_;                                                                            \
        hl_diags_t d_ = {0};                                                                       \
        hl_config_defaults(&c_, "k1");                                                             \
        CHECK_INT(load(&c_, text, &d_), HL_ERR_INVALID);                                           \
        EXPECT_COUNT(&d_, 1);                                                                      \
        EXPECT_DIAG(&d_, 0, line, col, path, msg);                                                 \
        hl_config_free(&c_);                                                                       \
        hl_diags_free(&d_);                                                                        \
    } while (0)

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
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "default-id");
    const char *path = hl_test_data("configs/kiosk.json");
    CHECK_INT(hl_config_load_file(path, &cfg, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    CHECK_STR(cfg.kiosk_id, "pt-viettri-01");
    CHECK_STR(hl_text_get(&cfg.site, HL_LANG_VI), "Bộ phận Một cửa UBND thành phố Việt Trì");
    CHECK_STR(hl_text_get(&cfg.site, HL_LANG_EN),
              "One-stop shop, Viet Tri City People's Committee");
    CHECK_STR(hl_text_get(&cfg.counter, HL_LANG_VI), "Quầy 3");
    CHECK_STR(cfg.survey, "sipas-mot-cua.json");
    CHECK_STR(cfg.file, path);
    CHECK_STR(cfg.dir, HL_TEST_DATA "/configs");
    CHECK_INT(cfg.timeouts.idle_s, 45);
    CHECK_INT(cfg.timeouts.warn_s, 15);
    CHECK_INT(cfg.timeouts.thanks_s, 4);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_partial_config_keeps_the_other_defaults(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(
        load(&cfg, "{\"counter\": {\"en\": \"Counter 2\"}, \"timeouts\": {\"warn_s\": 20}}", &d),
        HL_OK);
    EXPECT_COUNT(&d, 0);
    CHECK_STR(cfg.kiosk_id, "k1");
    CHECK(cfg.survey == NULL);
    CHECK(cfg.counter.s[HL_LANG_VI] == NULL);
    CHECK_STR(hl_text_get(&cfg.counter, HL_LANG_VI), "Counter 2"); /* falls back */
    CHECK_STR(hl_text_get(&cfg.site, HL_LANG_VI), "");
    CHECK_INT(cfg.timeouts.idle_s, 30);
    CHECK_INT(cfg.timeouts.warn_s, 20);
    CHECK_INT(cfg.timeouts.thanks_s, 5);
    CHECK_STR(cfg.file, "hailong.json");
    CHECK_STR(cfg.dir, ".");
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_empty_object_is_a_valid_config(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(hl_config_load_text("/etc/hailong/hailong.json", "{}", 2, &cfg, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    CHECK_STR(cfg.kiosk_id, "k1");
    CHECK_STR(cfg.dir, "/etc/hailong");
    CHECK_STR(cfg.file, "/etc/hailong/hailong.json");
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_loading_again_replaces_what_the_first_file_gave(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(load(&cfg, "{\"site\": {\"vi\": \"A\"}, \"survey\": \"a.json\"}", &d), HL_OK);
    const char *second = "{\"site\": {\"en\": \"B\"}, \"survey\": \"b.json\"}";
    CHECK_INT(hl_config_load_text("/x/b.json", second, strlen(second), &cfg, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    CHECK(cfg.site.s[HL_LANG_VI] == NULL); /* a text is replaced as a whole */
    CHECK_STR(hl_text_get(&cfg.site, HL_LANG_EN), "B");
    CHECK_STR(cfg.survey, "b.json");
    CHECK_STR(cfg.dir, "/x");
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

/* ---- Problems ----------------------------------------------------------- */

static void test_invalid_config_leaves_the_config_unchanged(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(load(&cfg,
                   "{\"kiosk_id\": \"k2\", \"survey\": \"x.json\", \"site\": {\"vi\": \"A\"},\n"
                   " \"timeouts\": {\"idle_s\": 60, \"warn_s\": 1}}",
                   &d),
              HL_ERR_INVALID);
    EXPECT_COUNT(&d, 1);
    EXPECT_DIAG(&d, 0, 2, 39, "timeouts.warn_s",
                "\"warn_s\" must be an integer from 3 to 120, not 1");
    CHECK_STR(cfg.kiosk_id, "k1");
    CHECK(cfg.survey == NULL);
    CHECK(cfg.site.s[HL_LANG_VI] == NULL);
    CHECK(cfg.file == NULL);
    CHECK_INT(cfg.timeouts.idle_s, 30);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_unknown_keys_are_reported_with_suggestions(void)
{
    EXPECT_ONE_PROBLEM("{\n  \"timeout\": {\"idle_s\": 60}\n}", 2, 3, "timeout",
                       "unknown key \"timeout\" (did you mean \"timeouts\"?)");
    EXPECT_ONE_PROBLEM("{\n  \"timeouts\": {\"idle\": 60}\n}", 2, 16, "timeouts.idle",
                       "unknown key \"idle\" (did you mean \"idle_s\"?)");
    EXPECT_ONE_PROBLEM("{\"officers\": []}", 1, 2, "officers",
                       "unknown key \"officers\" (keys allowed here: kiosk_id, site, counter, "
                       "survey, timeouts, display, export)");
}

static void test_timeouts_out_of_range_say_the_range(void)
{
    EXPECT_ONE_PROBLEM("{\"timeouts\": {\"idle_s\": 4}}", 1, 25, "timeouts.idle_s",
                       "\"idle_s\" must be an integer from 5 to 600, not 4");
    EXPECT_ONE_PROBLEM("{\"timeouts\": {\"idle_s\": 601}}", 1, 25, "timeouts.idle_s",
                       "\"idle_s\" must be an integer from 5 to 600, not 601");
    EXPECT_ONE_PROBLEM("{\"timeouts\": {\"warn_s\": 121}}", 1, 25, "timeouts.warn_s",
                       "\"warn_s\" must be an integer from 3 to 120, not 121");
    EXPECT_ONE_PROBLEM("{\"timeouts\": {\"thanks_s\": 0}}", 1, 27, "timeouts.thanks_s",
                       "\"thanks_s\" must be an integer from 1 to 60, not 0");
    EXPECT_ONE_PROBLEM("{\"timeouts\": {\"thanks_s\": 2.5}}", 1, 27, "timeouts.thanks_s",
                       "\"thanks_s\" must be an integer from 1 to 60, not a real number");

    /* The bounds themselves are fine. */
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(load(&cfg, "{\"timeouts\": {\"idle_s\": 600, \"warn_s\": 3, \"thanks_s\": 60}}", &d),
              HL_OK);
    CHECK_INT(cfg.timeouts.idle_s, 600);
    CHECK_INT(cfg.timeouts.warn_s, 3);
    CHECK_INT(cfg.timeouts.thanks_s, 60);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_wrong_json_types_are_reported(void)
{
    EXPECT_ONE_PROBLEM("[]", 1, 1, NULL, "a config must be a JSON object");
    EXPECT_ONE_PROBLEM("{\"timeouts\": 30}", 1, 14, "timeouts", "\"timeouts\" must be an object");
    EXPECT_ONE_PROBLEM("{\"site\": \"Việt Trì\"}", 1, 10, "site",
                       "\"site\" must be an object of texts by language");
    EXPECT_ONE_PROBLEM("{\"survey\": 3}", 1, 12, "survey",
                       "\"survey\" must be a file name string such as \"sipas-mot-cua.json\"");
    EXPECT_ONE_PROBLEM("{\"kiosk_id\": null}", 1, 14, "kiosk_id",
                       "\"kiosk_id\" must be a string, not null");
}

static void test_kiosk_id_must_match_its_pattern(void)
{
    EXPECT_ONE_PROBLEM("{\"kiosk_id\": \"Quầy 3\"}", 1, 14, "kiosk_id",
                       "kiosk id \"Quầy 3\" must be 1 to 40 characters of a-z, 0-9, '_' and '-'");
    EXPECT_ONE_PROBLEM("{\"kiosk_id\": \"\"}", 1, 14, "kiosk_id", "kiosk id \"\" must be 1 to 40");
    EXPECT_ONE_PROBLEM("{\"kiosk_id\": \"a234567890123456789012345678901234567890x\"}", 1, 14,
                       "kiosk_id", "must be 1 to 40 characters");
}

static void test_site_and_counter_texts_are_checked(void)
{
    EXPECT_ONE_PROBLEM("{\"site\": {\"vi\": \"Một cửa\", \"fr\": \"Guichet\"}}", 1, 28, "site.fr",
                       "unknown language \"fr\" (supported: vi, en)");
    EXPECT_ONE_PROBLEM("{\"counter\": {\"vi\": \"  \"}}", 1, 20, "counter.vi",
                       "the \"vi\" text is empty");
    char text[2048];
    char *p = text + sprintf(text, "{\"counter\": {\"en\": \"");
    for (int i = 0; i < 501; i++)
        *p++ = 'x';
    sprintf(p, "\"}}");
    EXPECT_ONE_PROBLEM(text, 1, 20, "counter.en", "the \"en\" text is 501 characters long");
}

static void test_survey_name_must_be_non_empty_and_at_most_255_bytes(void)
{
    EXPECT_ONE_PROBLEM("{\"survey\": \"\"}", 1, 12, "survey", "\"survey\" is empty");
    char text[400];
    char *p = text + sprintf(text, "{\"survey\": \"");
    for (int i = 0; i < 256; i++)
        *p++ = 'a';
    sprintf(p, "\"}");
    EXPECT_ONE_PROBLEM(text, 1, 12, "survey", "\"survey\" is 256 bytes long; the limit is 255");
    text[12 + 255] = '"';
    text[12 + 256] = '}';
    text[12 + 257] = '\0';
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(load(&cfg, text, &d), HL_OK);
    CHECK_INT(strlen(cfg.survey), 255);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_invalid_json_is_reported_with_janssons_line_and_column(void)
{
    EXPECT_ONE_PROBLEM("{\n  \"kiosk_id\": \"k\",\n  \"survey\": \"x\"\n  \"site\": {}\n}", 4, 8,
                       NULL, "invalid JSON: '}' expected near '\"site\"'");
    EXPECT_ONE_PROBLEM("{\"kiosk_id\": \"k\", \"kiosk_id\": \"k\"}", 1, 28, NULL,
                       "duplicate object key");
    EXPECT_ONE_PROBLEM("{\"site\": {\"vi\": \"Vi\xe1t\"}}", 1, 19, NULL, "UTF-8");
}

static void test_several_problems_in_a_config_file_are_all_reported(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    const char *path = hl_test_data("configs/several-problems.json");
    CHECK_INT(hl_config_load_file(path, &cfg, &d), HL_ERR_INVALID);
    EXPECT_COUNT(&d, 8);
    EXPECT_DIAG(&d, 0, 2, 15, "kiosk_id", "kiosk id \"PT Viet Tri\" must be 1 to 40 characters");
    EXPECT_DIAG(&d, 1, 3, 37, "site.fr", "unknown language \"fr\"");
    EXPECT_DIAG(&d, 2, 4, 21, "counter.vi", "the \"vi\" text is empty");
    EXPECT_DIAG(&d, 3, 5, 13, "survey", "\"survey\" is empty");
    EXPECT_DIAG(&d, 4, 6, 3, "timeout", "unknown key \"timeout\" (did you mean \"timeouts\"?)");
    EXPECT_DIAG(&d, 5, 7, 26, "timeouts.idle_s", "\"idle_s\" must be an integer from 5 to 600");
    EXPECT_DIAG(&d, 6, 7, 32, "timeouts.warn", "unknown key \"warn\" (did you mean \"warn_s\"?)");
    EXPECT_DIAG(&d, 7, 7, 56, "timeouts.thanks_s",
                "\"thanks_s\" must be an integer from 1 to 60, not a string (write the number "
                "without quotes)");
    for (size_t i = 0; i < d.n; i++)
        CHECK_STR(d.items[i].file, path);
    CHECK_STR(cfg.kiosk_id, "k1");
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_missing_config_file_is_an_io_error_naming_the_file(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    const char *path = hl_test_data("configs/no-such-file.json");
    CHECK_INT(hl_config_load_file(path, &cfg, &d), HL_ERR_IO);
    EXPECT_COUNT(&d, 1);
    if (d.n == 1) {
        CHECK_STR(d.items[0].file, path);
        CHECK_INT(d.items[0].line, 0);
        CHECK_CONTAINS(d.items[0].msg, strerror(ENOENT));
    }
    CHECK(cfg.file == NULL);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_a_folder_is_not_a_config_file(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(hl_config_load_file(HL_TEST_DATA "/configs", &cfg, &d), HL_ERR_IO);
    EXPECT_COUNT(&d, 1);
    if (d.n) CHECK_CONTAINS(d.items[0].msg, strerror(EISDIR));
    hl_config_free(&cfg);
    hl_diags_free(&d);
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
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(cfg.display.dpi, 96);
    CHECK_INT(cfg.display.rotation, 0);
    CHECK_INT(load(&cfg, "{\"display\": {\"dpi\": 160, \"rotation\": 270}}", &d), HL_OK);
    CHECK_INT(cfg.display.dpi, 160);
    CHECK_INT(cfg.display.rotation, 270);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_display_problems_are_reported_with_their_place(void)
{
    EXPECT_ONE_PROBLEM("{\"display\": {\"rotation\": 45}}", 1, 26, "display.rotation",
                       "use 0, 90, 180 or 270");
    EXPECT_ONE_PROBLEM("{\"display\": {\"dpi\": 20}}", 1, 21, "display.dpi", "dpi");
    EXPECT_ONE_PROBLEM("{\"display\": {\"dpj\": 96}}", 1, 14, "display.dpj", "dpj");
}

#define KEY_HEX "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"

static void test_export_key_sha256_is_decoded_into_the_config(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK(!cfg.has_export_key);
    CHECK_INT(load(&cfg, "{\"export\": {}}", &d), HL_OK);
    CHECK(!cfg.has_export_key);
    CHECK_INT(load(&cfg, "{\"export\": {\"key_sha256\": \"" KEY_HEX "\"}}", &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    CHECK(cfg.has_export_key);
    CHECK_INT(cfg.export_key_sha256[0], 0x2b);
    CHECK_INT(cfg.export_key_sha256[1], 0xb8);
    CHECK_INT(cfg.export_key_sha256[31], 0x5b);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_export_problems_are_reported_with_their_place(void)
{
    EXPECT_ONE_PROBLEM("{\"export\": {\"key_sha256\": \"abc\"}}", 1, 27, "export.key_sha256",
                       "\"key_sha256\" must be 64 lower-case hex digits (the SHA-256 of the secret "
                       "in the stick's HAILONG/export.key, as sha256sum prints it), not 3 "
                       "characters");
    EXPECT_ONE_PROBLEM("{\"export\": {\"key_sha256\": "
                       "\"2BB80D537B1DA3E38BD30361AA855686BDE0EACD7162FEF6A25FE97BF527A25B\"}}",
                       1, 27, "export.key_sha256", "character 2 is 'B'");
    EXPECT_ONE_PROBLEM("{\"export\": {\"key_sha256\": "
                       "\"2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25g\"}}",
                       1, 27, "export.key_sha256", "character 64 is 'g'");
    EXPECT_ONE_PROBLEM("{\"export\": {\"key\": \"x\"}}", 1, 13, "export.key",
                       "unknown key \"key\"");
    EXPECT_ONE_PROBLEM("{\"export\": \"" KEY_HEX "\"}", 1, 12, "export",
                       "\"export\" must be an object such as {\"key_sha256\"");
    EXPECT_ONE_PROBLEM("{\"export\": {\"key_sha256\": 7}}", 1, 27, "export.key_sha256",
                       "\"key_sha256\" must be a string");
    /* A bad key leaves an earlier key in place. */
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(load(&cfg, "{\"export\": {\"key_sha256\": \"" KEY_HEX "\"}}", &d), HL_OK);
    CHECK_INT(load(&cfg, "{\"export\": {\"key_sha256\": \"00\"}}", &d), HL_ERR_INVALID);
    CHECK(cfg.has_export_key);
    CHECK_INT(cfg.export_key_sha256[0], 0x2b);
    hl_config_free(&cfg);
    hl_diags_free(&d);
}

static void test_export_roots_say_where_sticks_are_mounted(void)
{
    hl_config_t cfg;
    hl_diags_t d = {0};
    hl_config_defaults(&cfg, "k1");
    CHECK_INT(cfg.n_export_roots, 0); /* the defaults: /media and /run/media */
    CHECK_INT(load(&cfg, "{\"export\": {\"roots\": [\"/mnt/usb\", \"/media\"]}}", &d), HL_OK);
    CHECK_INT(cfg.n_export_roots, 2);
    CHECK_STR(cfg.export_roots[0], "/mnt/usb");
    CHECK_STR(cfg.export_roots[1], "/media");
    hl_config_free(&cfg);
    hl_diags_free(&d);
    EXPECT_ONE_PROBLEM("{\"export\": {\"roots\": [\"media\"]}}", 1, 23, "export.roots[0]",
                       "absolute folder path");
    EXPECT_ONE_PROBLEM("{\"export\": {\"roots\": []}}", 1, 22, "export.roots", "1 to 4");
}

static const hl_test_case_t table[] = {
    HL_TEST(test_export_roots_say_where_sticks_are_mounted),
    HL_TEST(test_export_key_sha256_is_decoded_into_the_config),
    HL_TEST(test_export_problems_are_reported_with_their_place),
    HL_TEST(test_display_section_sets_dpi_and_rotation),
    HL_TEST(test_display_problems_are_reported_with_their_place),
    HL_TEST(test_defaults_are_the_kiosk_id_empty_texts_and_bundled_survey),
    HL_TEST(test_full_config_file_overrides_every_default),
    HL_TEST(test_partial_config_keeps_the_other_defaults),
    HL_TEST(test_empty_object_is_a_valid_config),
    HL_TEST(test_loading_again_replaces_what_the_first_file_gave),
    HL_TEST(test_invalid_config_leaves_the_config_unchanged),
    HL_TEST(test_unknown_keys_are_reported_with_suggestions),
    HL_TEST(test_timeouts_out_of_range_say_the_range),
    HL_TEST(test_wrong_json_types_are_reported),
    HL_TEST(test_kiosk_id_must_match_its_pattern),
    HL_TEST(test_site_and_counter_texts_are_checked),
    HL_TEST(test_survey_name_must_be_non_empty_and_at_most_255_bytes),
    HL_TEST(test_invalid_json_is_reported_with_janssons_line_and_column),
    HL_TEST(test_several_problems_in_a_config_file_are_all_reported),
    HL_TEST(test_missing_config_file_is_an_io_error_naming_the_file),
    HL_TEST(test_a_folder_is_not_a_config_file),
    HL_TEST(test_readme_example_config_is_valid),
    HL_TEST(test_sniff_tells_a_config_from_a_survey),
};

HL_TEST_MAIN(table)
