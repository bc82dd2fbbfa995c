/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_panel.c: panel power for the kms backend (platform/sdl/hl_panel.c)
 * without a panel: the sysfs backlight against a fake sysfs tree
 * ($HAILONG_SYSFS_ROOT), with bl_power, without it (brightness saved and
 * restored), without anything saved, and files that cannot be read or
 * written (the message names the file); DPMS given something that is not a
 * DRM device.
 */
#include "hl_panel.h"
#include "hl_test.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fake sysfs root holding class/backlight/<dev>. */
typedef struct fake_sys {
    char *root;     /* the sysfs root (owned) */
    char dev[1024]; /* root/class/backlight/<dev> */
} fake_sys_t;

static void fake_init(fake_sys_t *f, const char *dev)
{
    f->root = hl_test_tmpdir("panel-sysfs");
    char p[1024];
    snprintf(p, sizeof p, "%s/class", f->root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/class/backlight", f->root);
    mkdir(p, 0755);
    snprintf(f->dev, sizeof f->dev, "%s/class/backlight/%s", f->root, dev);
    mkdir(f->dev, 0755);
}

/* Writes a file of the device. */
static void fake_put(fake_sys_t *f, const char *name, const char *text)
{
    free(hl_test_write_file(f->dev, name, text));
}

/* The device file's content, without its line break ("" when missing). */
static const char *fake_get(fake_sys_t *f, const char *name)
{
    static char buf[64];
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", f->dev, name);
    char *t = hl_test_read_file(p, NULL);
    snprintf(buf, sizeof buf, "%s", t ? t : "");
    free(t);
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

static void fake_free(fake_sys_t *f)
{
    hl_test_rmtree(f->root);
    free(f->root);
}

static void test_sysfs_root_is_the_environment_else_sys(void)
{
    unsetenv("HAILONG_SYSFS_ROOT");
    CHECK_STR(hl_panel_sysfs_root(), "/sys");
    setenv("HAILONG_SYSFS_ROOT", "", 1);
    CHECK_STR(hl_panel_sysfs_root(), "/sys");
    setenv("HAILONG_SYSFS_ROOT", "/tmp/fake-sys", 1);
    CHECK_STR(hl_panel_sysfs_root(), "/tmp/fake-sys");
    unsetenv("HAILONG_SYSFS_ROOT");
}

static void test_the_first_backlight_by_name_with_a_brightness_is_found(void)
{
    fake_sys_t f;
    fake_init(&f, "rpi_backlight");
    fake_put(&f, "brightness", "200\n");
    fake_put(&f, "max_brightness", "255\n");
    char p[1200];
    snprintf(p, sizeof p, "%s/class/backlight/10-0045", f.root); /* before by name, no brightness */
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/class/backlight/zz_panel", f.root);
    mkdir(p, 0755);
    free(hl_test_write_file(p, "brightness", "1\n"));
    hl_backlight_t b;
    CHECK(hl_backlight_find(f.root, &b));
    CHECK_STR(b.dir, f.dev);
    CHECK(!b.has_bl_power);
    CHECK_INT(b.saved, -1);
    fake_put(&f, "bl_power", "0\n");
    CHECK(hl_backlight_find(f.root, &b));
    CHECK(b.has_bl_power);
    fake_free(&f);
    /* No backlight class at all (a desktop, an HDMI screen): none. */
    char *empty = hl_test_tmpdir("panel-nosys");
    CHECK(!hl_backlight_find(empty, &b));
    CHECK_STR(b.dir, "");
    hl_err_t err = {0};
    CHECK_INT(hl_backlight_set(&b, false, &err), HL_ERR_NOT_FOUND);
    hl_test_rmtree(empty);
    free(empty);
}

static void test_bl_power_turns_the_light_off_with_4_and_on_with_0(void)
{
    fake_sys_t f;
    fake_init(&f, "rpi_backlight");
    fake_put(&f, "brightness", "180\n");
    fake_put(&f, "max_brightness", "255\n");
    fake_put(&f, "bl_power", "0\n");
    hl_backlight_t b;
    hl_err_t err = {0};
    CHECK(hl_backlight_find(f.root, &b));
    CHECK_INT(hl_backlight_set(&b, false, &err), HL_OK);
    CHECK_STR(fake_get(&f, "bl_power"), "4");
    CHECK_STR(fake_get(&f, "brightness"), "180"); /* the level is left alone */
    CHECK_INT(hl_backlight_set(&b, true, &err), HL_OK);
    CHECK_STR(fake_get(&f, "bl_power"), "0");
    CHECK_STR(fake_get(&f, "brightness"), "180");
    fake_free(&f);
}

static void test_without_bl_power_brightness_goes_to_0_and_back_to_the_saved_level(void)
{
    fake_sys_t f;
    fake_init(&f, "intel_backlight");
    fake_put(&f, "brightness", "1234\n");
    fake_put(&f, "max_brightness", "4882\n");
    hl_backlight_t b;
    hl_err_t err = {0};
    CHECK(hl_backlight_find(f.root, &b));
    CHECK_INT(hl_backlight_set(&b, false, &err), HL_OK);
    CHECK_STR(fake_get(&f, "brightness"), "0");
    CHECK_INT(b.saved, 1234);
    /* A second off keeps the level saved by the first. */
    CHECK_INT(hl_backlight_set(&b, false, &err), HL_OK);
    CHECK_INT(b.saved, 1234);
    CHECK_INT(hl_backlight_set(&b, true, &err), HL_OK);
    CHECK_STR(fake_get(&f, "brightness"), "1234");
    fake_free(&f);
}

static void test_without_a_saved_level_on_lights_a_dark_panel_at_max_only(void)
{
    fake_sys_t f;
    fake_init(&f, "intel_backlight");
    fake_put(&f, "max_brightness", "255\n");
    hl_backlight_t b;
    hl_err_t err = {0};
    /* Left dark by a crash while off: full brightness at the next start. */
    fake_put(&f, "brightness", "0\n");
    CHECK(hl_backlight_find(f.root, &b));
    CHECK_INT(hl_backlight_set(&b, true, &err), HL_OK);
    CHECK_STR(fake_get(&f, "brightness"), "255");
    /* Already lit at a level someone chose: kept. */
    fake_put(&f, "brightness", "90\n");
    CHECK(hl_backlight_find(f.root, &b));
    CHECK_INT(hl_backlight_set(&b, true, &err), HL_OK);
    CHECK_STR(fake_get(&f, "brightness"), "90");
    fake_free(&f);
}

static void test_missing_or_garbled_files_are_errors_naming_the_file(void)
{
    fake_sys_t f;
    fake_init(&f, "intel_backlight");
    fake_put(&f, "brightness", "0\n");
    hl_backlight_t b;
    hl_err_t err = {0};
    CHECK(hl_backlight_find(f.root, &b));
    /* Dark, nothing saved, and no max_brightness to go back to. */
    CHECK_INT(hl_backlight_set(&b, true, &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "cannot read ");
    CHECK_CONTAINS(err.msg, "/class/backlight/intel_backlight/max_brightness");
    fake_put(&f, "brightness", "bright\n");
    CHECK_INT(hl_backlight_set(&b, false, &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "intel_backlight/brightness holds \"bright");
    fake_free(&f);
}

static void test_a_read_only_file_is_an_error_naming_it(void)
{
    fake_sys_t f;
    fake_init(&f, "rpi_backlight");
    fake_put(&f, "brightness", "200\n");
    fake_put(&f, "bl_power", "0\n");
    bool mounted = false;
    if (geteuid() == 0) {
        /* Root writes through permission bits: make the file system itself
         * read-only (a tmpfs over the device folder, filled, remounted ro). */
        if (mount("tmpfs", f.dev, "tmpfs", 0, "size=64k") != 0) {
            printf("skipped: %s: mount -t tmpfs failed: %s\n", __func__, strerror(errno));
            fake_free(&f);
            return;
        }
        mounted = true;
        fake_put(&f, "brightness", "200\n");
        fake_put(&f, "bl_power", "0\n");
        CHECK_INT(mount("tmpfs", f.dev, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k"), 0);
    } else {
        char p[1200];
        snprintf(p, sizeof p, "%s/bl_power", f.dev);
        CHECK_INT(chmod(p, 0444), 0);
    }
    hl_backlight_t b;
    hl_err_t err = {0};
    CHECK(hl_backlight_find(f.root, &b));
    int rc = hl_backlight_set(&b, false, &err);
    CHECK_INT(rc, mounted ? HL_ERR_READONLY : HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "cannot write 4 to ");
    CHECK_CONTAINS(err.msg, "/class/backlight/rpi_backlight/bl_power");
    CHECK_CONTAINS(err.msg, mounted ? "read-only" : "needs write access");
    CHECK_STR(fake_get(&f, "bl_power"), "0"); /* unchanged */
    if (mounted) umount(f.dev);
    fake_free(&f);
}

static void test_dpms_on_something_that_is_not_a_drm_device_says_so(void)
{
    int p[2];
    CHECK_INT(pipe(p), 0);
    hl_err_t err = {0};
    CHECK_INT(hl_dpms_set(p[0], false, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "cannot turn the panel off with DPMS");
    CHECK_CONTAINS(err.msg, "is not a KMS device");
    close(p[0]);
    close(p[1]);
    CHECK_INT(hl_dpms_set(-1, true, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "cannot turn the panel on with DPMS");
}

static const hl_test_case_t table[] = {
    HL_TEST(test_sysfs_root_is_the_environment_else_sys),
    HL_TEST(test_the_first_backlight_by_name_with_a_brightness_is_found),
    HL_TEST(test_bl_power_turns_the_light_off_with_4_and_on_with_0),
    HL_TEST(test_without_bl_power_brightness_goes_to_0_and_back_to_the_saved_level),
    HL_TEST(test_without_a_saved_level_on_lights_a_dark_panel_at_max_only),
    HL_TEST(test_missing_or_garbled_files_are_errors_naming_the_file),
    HL_TEST(test_a_read_only_file_is_an_error_naming_it),
    HL_TEST(test_dpms_on_something_that_is_not_a_drm_device_says_so),
};

HL_TEST_MAIN(table)
