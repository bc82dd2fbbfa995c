/*
 * test_sys.c: core services without a platform (firmware/core/hl_sys.c,
 * hl_err.c, hl_diag.c, hl_lang.c): the fake clock, UUIDs, ISO 8601 times,
 * error records and diagnostics formatting.
 */
#include "hl_diag.h"
#include "hl_err.h"
#include "hl_lang.h"
#include "hl_sys.h"
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>

static void test_uuid_is_version_4_and_differs_each_time(void)
{
    hl_fakesys_t f;
    hl_fakesys_init(&f, 0, true, 42);
    hl_sys_t s = hl_fakesys_sys(&f);
    char a[37], b[37];
    CHECK_INT(hl_uuid_new(&s, a), 0);
    CHECK_INT(hl_uuid_new(&s, b), 0);
    CHECK_INT(strlen(a), 36);
    CHECK(a[14] == '4');
    CHECK(strchr("89ab", a[19]) != NULL);
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(strcmp(a, b) != 0);
}

static void test_fake_clock_advances_both_clocks(void)
{
    hl_fakesys_t f;
    hl_fakesys_init(&f, 5000, false, 1);
    hl_sys_t s = hl_fakesys_sys(&f);
    int64_t m0 = s.mono_ms(s.ctx);
    hl_fakesys_advance(&f, 250);
    CHECK_INT(s.mono_ms(s.ctx) - m0, 250);
    CHECK_INT(s.utc_ms(s.ctx), 5250);
    CHECK(!s.utc_trusted(s.ctx));
}

static void test_iso8601_round_trips(void)
{
    char buf[32];
    hl_time_iso8601(0, buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    hl_time_iso8601(1795687200123LL, buf);
    CHECK_STR(buf, "2026-11-26T10:00:00Z");
    int64_t ms = 0;
    CHECK(hl_time_parse_iso8601("2026-11-26T10:00:00Z", &ms));
    CHECK_INT(ms, 1795687200000LL);
    CHECK(hl_time_parse_iso8601("2024-02-29T23:59:59Z", &ms));
    hl_time_iso8601(ms, buf);
    CHECK_STR(buf, "2024-02-29T23:59:59Z");
    CHECK(!hl_time_parse_iso8601("2026-11-27 10:00:00", &ms));
    CHECK(!hl_time_parse_iso8601("2026-13-01T00:00:00Z", &ms));
    CHECK(!hl_time_parse_iso8601("2026-11-26T10:00:00Zx", &ms));
}

static void test_error_wrap_prefixes_context_and_keeps_the_code(void)
{
    hl_err_t e = {0};
    CHECK_INT(hl_err_set(&e, HL_ERR_FULL, "disk full at %d%%", 100), HL_ERR_FULL);
    CHECK_INT(hl_err_wrap(&e, "saving answer %s", "overall"), HL_ERR_FULL);
    CHECK_STR(e.msg, "saving answer overall: disk full at 100%");
    CHECK_STR(hl_rc_name(HL_ERR_FULL), "full");
    CHECK_STR(hl_rc_name(999), "unknown");
    hl_err_clear(&e);
    CHECK_INT(e.code, HL_OK);
    CHECK_STR(e.msg, "");
}

static void test_diagnostics_print_file_line_column_and_path_sorted(void)
{
    hl_diags_t d = {0};
    hl_diags_add(&d, "s.json", 9, 3, "questions[1].id", "second %s", "problem");
    hl_diags_add(&d, "s.json", 2, 14, NULL, "first problem");
    hl_diags_add(&d, "s.json", 0, 0, NULL, "cannot open");
    hl_diags_sort(&d);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    hl_diags_print(&d, mem);
    fclose(mem);
    CHECK_STR(buf, "s.json: cannot open\n"
                   "s.json:2:14: first problem\n"
                   "s.json:9:3: second problem (at questions[1].id)\n");
    free(buf);
    hl_diags_free(&d);
    CHECK_INT(d.n, 0);
}

static void test_language_codes_and_text_fallback(void)
{
    hl_lang_t l;
    CHECK(hl_lang_parse("vi", &l) && l == HL_LANG_VI);
    CHECK(hl_lang_parse("en", &l) && l == HL_LANG_EN);
    CHECK(!hl_lang_parse("fr", &l));
    CHECK(!hl_lang_parse(NULL, &l));
    hl_text_t t = {{NULL, NULL}};
    CHECK_STR(hl_text_get(&t, HL_LANG_VI), "");
    t.s[HL_LANG_EN] = strdup("Hello");
    CHECK_STR(hl_text_get(&t, HL_LANG_VI), "Hello");
    hl_text_free(&t);
    CHECK(t.s[HL_LANG_EN] == NULL);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_uuid_is_version_4_and_differs_each_time),
    HL_TEST(test_fake_clock_advances_both_clocks),
    HL_TEST(test_iso8601_round_trips),
    HL_TEST(test_error_wrap_prefixes_context_and_keeps_the_code),
    HL_TEST(test_diagnostics_print_file_line_column_and_path_sorted),
    HL_TEST(test_language_codes_and_text_fallback),
};

HL_TEST_MAIN(tests)
