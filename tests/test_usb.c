/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_usb.c: the kiosk's USB side (hl_usb) alone, without a screen or a
 * kiosk: sticks coming and going in a mount table the test writes, and a
 * bundle written by the export thread to a folder standing for a stick,
 * recorded in the store; a stick that cannot take it fails with the reason
 * and records nothing.
 */
#include "hl_fixture.h"
#include "hl_store.h"
#include "hl_test.h"
#include "hl_usb.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const qids[] = {"q_service", "q_staff"};

typedef struct ux {
    char *dir;            /* the test's folder */
    char stick[PATH_MAX]; /* a folder standing for a mounted stick */
    test_survey_t sv;
    hl_fakesys_t clock;
    hl_devkey_t key;
    hl_store_t *st;
    hl_usb_t usb;
    atomic_int wakes; /* the threads' wake-ups */
    hl_err_t err;
} ux_t;

static void ux_wake(void *ctx)
{
    ux_t *u = ctx;
    atomic_fetch_add(&u->wakes, 1);
}

/* A store holding n finished responses, signed; the USB side open without
 * a watch. */
static ux_t *ux_new(int n)
{
    ux_t *u = calloc(1, sizeof *u);
    u->dir = hl_test_tmpdir("usb");
    snprintf(u->stick, sizeof u->stick, "%s/stick", u->dir);
    mkdir(u->stick, 0700);
    survey_make(&u->sv, "svc", 1, qids, 2);
    hl_fakesys_init(&u->clock, 1700000000000LL, true, 5);
    hl_sys_t sys = hl_fakesys_sys(&u->clock);
    char data[PATH_MAX];
    snprintf(data, sizeof data, "%s/data", u->dir);
    if (hl_devkey_generate(&sys, &u->key, &u->err) != HL_OK ||
        hl_store_open(data, NULL, &u->st, NULL, &u->err) != HL_OK ||
        hl_store_set_signer(u->st, &u->key, &u->err) != HL_OK ||
        hl_store_use_survey(u->st, &u->sv.s, "kiosk-usb", &u->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "set-up: %s", u->err.msg);
    for (int i = 1; i <= n; i++) {
        hl_response_t r;
        hl_fixture_response(&r, i, 1700000000000LL + i * 60000LL);
        hl_save_t a = {.set_qid = "q_service", .set_value = "good", .set_ms = 900};
        hl_save_t end = {.status = HL_RESP_COMPLETE, .finished_utc_ms = r.started_utc_ms + 5000};
        if (hl_store_save(u->st, &r, &a, &u->err) != HL_OK ||
            hl_store_save(u->st, &r, &end, &u->err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "save: %s", u->err.msg);
    }
    hl_usb_opts_t o = {.wake = ux_wake, .wake_ctx = u};
    if (hl_usb_open(&u->usb, &o, &u->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "open: %s", u->err.msg);
    return u;
}

static void ux_free(ux_t *u)
{
    hl_usb_close(&u->usb);
    hl_store_close(u->st);
    hl_devkey_free(&u->key);
    hl_test_rmtree(u->dir);
    free(u->dir);
    free(u);
}

static hl_usb_job_t ux_job(ux_t *u, const char *mount)
{
    hl_usb_job_t j = {.store = u->st,
                      .signer = &u->key,
                      .kiosk_id = "kiosk-usb",
                      .software_version = "test",
                      .sys = hl_fakesys_sys(&u->clock)};
    snprintf(j.stick.mount, sizeof j.stick.mount, "%.*s", (int)sizeof j.stick.mount - 1, mount);
    snprintf(j.stick.id, sizeof j.stick.id, "test-stick");
    return j;
}

/* Runs one export to mount and waits for it. */
static hl_usb_result_t ux_export(ux_t *u, const char *mount)
{
    hl_usb_job_t j = ux_job(u, mount);
    hl_usb_result_t r = {.rc = -1};
    CHECK_INT(hl_usb_export_start(&u->usb, &j, &u->err), HL_OK);
    CHECK(hl_usb_finished(&u->usb, true, &r));
    CHECK(!hl_usb_finished(&u->usb, true, &r)); /* joined: nothing runs now */
    return r;
}

/* What the store says was exported up to. */
static int64_t ux_upto(ux_t *u)
{
    int64_t upto = -1;
    if (hl_store_exported_upto(u->st, &upto, &u->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "exported_upto: %s", u->err.msg);
    return upto;
}

static void test_an_export_writes_a_bundle_and_records_it_in_the_store(void)
{
    ux_t *u = ux_new(3);
    hl_usb_result_t r = ux_export(u, u->stick);
    CHECK_INT(r.rc, HL_OK);
    CHECK_INT(r.count, 3);
    CHECK(!r.released); /* not a mount the kiosk's helper made: it stays mounted */
    CHECK_STR(r.msg, "");
    CHECK(atomic_load(&u->wakes) > 0);
    CHECK(hl_usb_progress(&u->usb) >= 1.0);
    CHECK_INT(ux_upto(u), 3);
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/HAILONG", u->stick);
    struct stat sb;
    CHECK_INT(stat(probe, &sb), 0); /* the bundles' folder on the stick */
    /* Nothing new since: done, with no responses. */
    CHECK_INT(ux_export(u, u->stick).count, 0);
    ux_free(u);
}

static void test_a_stick_that_cannot_take_the_bundle_fails_and_records_nothing(void)
{
    ux_t *u = ux_new(2);
    char gone[PATH_MAX + 16];
    snprintf(gone, sizeof gone, "%s/pulled", u->dir); /* no such folder: the stick was pulled */
    hl_usb_result_t r = ux_export(u, gone);
    CHECK(r.rc != HL_OK && r.msg[0] != '\0' && r.count == 0);
    CHECK_INT(ux_upto(u), 0); /* the next stick gets them all */
    r = ux_export(u, u->stick);
    CHECK(r.rc == HL_OK && r.count == 2);
    ux_free(u);
}

static void test_a_second_export_is_refused_until_the_first_is_taken(void)
{
    ux_t *u = ux_new(1);
    hl_usb_job_t j = ux_job(u, u->stick);
    CHECK_INT(hl_usb_export_start(&u->usb, &j, &u->err), HL_OK);
    CHECK_INT(hl_usb_export_start(&u->usb, &j, &u->err), HL_ERR_STATE);
    CHECK_CONTAINS(u->err.msg, "under way");
    hl_usb_result_t r;
    CHECK(hl_usb_finished(&u->usb, true, &r));
    CHECK_INT(r.count, 1);
    ux_free(u);
}

static void test_sticks_that_come_and_go_are_collected_for_the_loop(void)
{
    char *dir = hl_test_tmpdir("usb-watch");
    char root[PATH_MAX], line[3 * PATH_MAX];
    snprintf(root, sizeof root, "%s/media", dir);
    /* One stick there at start. */
    snprintf(line, sizeof line,
             "21 25 8:1 / / rw shared:1 - ext4 /dev/root rw\n"
             "23 25 8:17 / %s/usb0 rw,relatime shared:1 - vfat /dev/hl-test-sda1 rw\n",
             root);
    char *table = hl_test_write_file(dir, "mountinfo", line);
    const char *roots[] = {root, NULL};
    hl_usb_t usb;
    hl_err_t err = {0};
    hl_usb_opts_t o = {.roots = roots, .mountinfo = table, .watch = true};
    CHECK_INT(hl_usb_open(&usb, &o, &err), HL_OK);
    hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
    size_t na = 0, nr = 0;
    hl_usb_take(&usb, added, &na, removed, &nr);
    CHECK_INT(na, 1);
    CHECK_INT(nr, 0);
    if (na == 1) CHECK_CONTAINS(added[0].mount, "/media/usb0");
    hl_usb_take(&usb, added, &na, removed, &nr);
    CHECK_INT(na + nr, 0); /* taken once */
    /* It goes, another comes. */
    snprintf(line, sizeof line,
             "21 25 8:1 / / rw shared:1 - ext4 /dev/root rw\n"
             "24 25 8:33 / %s/usb1 rw,relatime shared:1 - exfat /dev/hl-test-sdb1 rw\n",
             root);
    free(hl_test_write_file(dir, "mountinfo", line));
    CHECK_INT(hl_usb_rescan(&usb, &err), HL_OK);
    hl_usb_take(&usb, added, &na, removed, &nr);
    CHECK_INT(na, 1);
    CHECK_INT(nr, 1);
    if (na == 1) CHECK_CONTAINS(added[0].mount, "/media/usb1");
    if (nr == 1) CHECK_CONTAINS(removed[0].mount, "/media/usb0");
    hl_usb_close(&usb);
    hl_test_rmtree(dir);
    free(table);
    free(dir);
}

static void test_a_mount_table_that_cannot_be_read_is_said(void)
{
    hl_usb_t usb;
    hl_err_t err = {0};
    hl_usb_opts_t o = {.mountinfo = "/nonexistent/mountinfo", .watch = true};
    CHECK_INT(hl_usb_open(&usb, &o, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "/nonexistent/mountinfo");
    CHECK_INT(hl_usb_rescan(&usb, &err), HL_ERR_STATE);
    hl_usb_close(&usb); /* what did start is undone */
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_an_export_writes_a_bundle_and_records_it_in_the_store),
    HL_TEST(test_a_stick_that_cannot_take_the_bundle_fails_and_records_nothing),
    HL_TEST(test_a_second_export_is_refused_until_the_first_is_taken),
    HL_TEST(test_sticks_that_come_and_go_are_collected_for_the_loop),
    HL_TEST(test_a_mount_table_that_cannot_be_read_is_said),
};

HL_TEST_MAIN(tests)
