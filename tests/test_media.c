/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_media.c: removable media (platform/hl_media.h): the mount table is
 * parsed (escaped names, mounts outside the roots ignored), changes come out
 * as added/removed between scans, a real mount wakes poll() on
 * /proc/self/mountinfo (root only: the test prints "skipped: ..." and passes
 * otherwise), and a stick is authorised only by a regular HAILONG/export.key
 * reached without following links whose SHA-256 matches.
 */
#include "hl_bundle.h"
#include "hl_fixture.h"
#include "hl_media.h"
#include "hl_sys.h"
#include "hl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A mountinfo line for mount point mp (already escaped) of source dev. */
#define MI_LINE(id, mp, fstype, dev)                                                               \
    id " 25 8:1 / " mp " rw,nosuid,nodev,noexec,relatime shared:1 - " fstype " " dev " rw\n"

static const char table_a[] = MI_LINE("21", "/", "ext4", "/dev/root") /* outside the roots */
    MI_LINE("22", "/media", "tmpfs", "tmpfs")                         /* a root itself: ignored */
    MI_LINE("23", "/media/usb0", "vfat", "/dev/hl-test-sda1")         /* a stick */
    MI_LINE("24", "/run/media/pi/MY\\040STICK", "exfat", "/dev/hl-test-sdb1") /* escaped space */
    MI_LINE("25", "/mediax/usb1", "vfat", "/dev/hl-test-sdc1")                /* not below /media */
    "26 25 0:5 / /proc rw - proc proc rw\n";

static void write_table(const char *path, const char *text)
{
    /* Replaced by rename, the way a changing file would be seen anew. */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    CHECK_INT(rename(tmp, path), 0);
}

static void test_scan_reports_mounts_below_the_roots_with_escapes_decoded(void)
{
    char *dir = hl_test_tmpdir("media");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/mountinfo", dir);
    write_table(path, table_a);
    hl_media_watch_t *w = NULL;
    hl_err_t err = {0};
    CHECK_INT(hl_media_watch_open(NULL, path, &w, &err), HL_OK);
    if (!w) goto out;
    CHECK_INT(hl_media_watch_fd(w), -1); /* a plain file cannot signal */
    hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
    size_t na = 99, nr = 99;
    CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
    CHECK_INT(na, 2);
    CHECK_INT(nr, 0);
    if (na == 2) {
        CHECK_STR(added[0].mount, "/media/usb0");
        CHECK_STR(added[0].fs_type, "vfat");
        CHECK_STR(added[0].source, "/dev/hl-test-sda1");
        CHECK_STR(added[0].id, "/dev/hl-test-sda1"); /* no such device: the source */
        CHECK_STR(added[1].mount, "/run/media/pi/MY STICK");
        CHECK_STR(added[1].fs_type, "exfat");
    }
    /* Nothing changed: nothing reported. */
    CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
    CHECK_INT(na, 0);
    CHECK_INT(nr, 0);
    hl_media_watch_close(w);
out:
    hl_fixture_rm(dir);
}

static void test_scan_reports_added_and_removed_mounts_between_scans(void)
{
    char *dir = hl_test_tmpdir("media");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/mountinfo", dir);
    write_table(path, table_a);
    const char *const roots[] = {"/media/", NULL}; /* trailing slash tolerated */
    hl_media_watch_t *w = NULL;
    hl_err_t err = {0};
    CHECK_INT(hl_media_watch_open(roots, path, &w, &err), HL_OK);
    if (!w) goto out;
    hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
    size_t na, nr;
    CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
    CHECK_INT(na, 1);
    /* usb0 pulled, usb1 and a stick with a tab in its name inserted. */
    write_table(path, MI_LINE("21", "/", "ext4", "/dev/root")
                          MI_LINE("30", "/media/usb1", "ext4", "/dev/hl-test-sdd1")
                              MI_LINE("31", "/media/a\\011b\\134c", "vfat", "/dev/hl-test-sde1"));
    CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
    CHECK_INT(na, 2);
    CHECK_INT(nr, 1);
    if (na == 2) {
        CHECK_STR(added[0].mount, "/media/usb1");
        CHECK_STR(added[1].mount, "/media/a\tb\\c");
    }
    if (nr == 1) CHECK_STR(removed[0].mount, "/media/usb0");
    /* Counts only (NULL arrays) are fine; an unterminated last line counts. */
    write_table(path, "30 25 8:1 / /media/usb1 rw - ext4 /dev/hl-test-sdd1 rw");
    CHECK_INT(hl_media_watch_scan(w, NULL, NULL, removed, &nr, &err), HL_OK);
    CHECK_INT(nr, 1);
    if (nr == 1) CHECK_STR(removed[0].mount, "/media/a\tb\\c");
    write_table(path, "");
    CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
    CHECK_INT(na, 0);
    CHECK_INT(nr, 1);
    hl_media_watch_close(w);
out:
    hl_fixture_rm(dir);
}

static void test_open_refuses_bad_roots_and_a_missing_table(void)
{
    hl_media_watch_t *w = NULL;
    hl_err_t err = {0};
    const char *const relative[] = {"media", NULL};
    CHECK_INT(hl_media_watch_open(relative, NULL, &w, &err), HL_ERR_USAGE);
    CHECK(w == NULL);
    CHECK_INT(hl_media_watch_open(NULL, "/nonexistent/mountinfo", &w, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "/nonexistent/mountinfo");
    CHECK(w == NULL);
}

/* Waits up to ms for POLLPRI on fd. */
static bool wait_pri(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLPRI};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLPRI);
}

static void test_a_real_mount_wakes_poll_and_is_scanned(void)
{
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", __func__);
        return;
    }
    char *tmp = hl_test_tmpdir("media-real");
    char root[PATH_MAX], stick[PATH_MAX + 8];
    if (!realpath(tmp, root)) snprintf(root, sizeof root, "%s", tmp);
    snprintf(stick, sizeof stick, "%s/stick", root);
    CHECK_INT(mkdir(stick, 0700), 0);
    const char *const roots[] = {root, NULL};
    hl_media_watch_t *w = NULL;
    hl_err_t err = {0};
    CHECK_INT(hl_media_watch_open(roots, NULL, &w, &err), HL_OK);
    if (!w) goto out;
    int fd = hl_media_watch_fd(w);
    CHECK(fd >= 0);
    hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
    size_t na, nr;
    CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
    CHECK_INT(na, 0);
    if (mount("tmpfs", stick, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k") != 0) {
        printf("skipped: %s: mount -t tmpfs failed: %s\n", __func__, strerror(errno));
        hl_media_watch_close(w);
        goto out;
    }
    CHECK(wait_pri(fd, 2000));
    CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
    CHECK_INT(na, 1);
    CHECK_INT(nr, 0);
    if (na == 1) {
        CHECK_STR(added[0].mount, stick);
        CHECK_STR(added[0].fs_type, "tmpfs");
        CHECK_STR(added[0].id, "tmpfs");
    }
    /* The scan re-armed the event: nothing more under the root until the
     * next change. (Another test mounting elsewhere at the same moment, as
     * CTest runs tests side by side, may wake poll: then a scan is empty.) */
    if (wait_pri(fd, 50)) {
        CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
        CHECK_INT(na, 0);
        CHECK_INT(nr, 0);
    }
    CHECK_INT(umount(stick), 0);
    CHECK(wait_pri(fd, 2000));
    CHECK_INT(hl_media_watch_scan(w, added, &na, removed, &nr, &err), HL_OK);
    CHECK_INT(na, 0);
    CHECK_INT(nr, 1);
    if (nr == 1) CHECK_STR(removed[0].mount, stick);
    hl_media_watch_close(w);
out:
    hl_fixture_rm(tmp);
}

static const char secret[] = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/* A fresh stick folder with HAILONG/; returns its malloc'd path. */
static char *make_stick(void)
{
    char *dir = hl_test_tmpdir("media-auth");
    char top[PATH_MAX];
    snprintf(top, sizeof top, "%s/HAILONG", dir);
    CHECK_INT(mkdir(top, 0700), 0);
    return dir;
}

static void put_key(const char *stick, const char *text)
{
    char top[PATH_MAX];
    snprintf(top, sizeof top, "%s/HAILONG", stick);
    free(hl_test_write_file(top, "export.key", text));
}

static void test_authorized_only_with_the_matching_key_file(void)
{
    unsigned char key[32];
    hl_bundle_key_from_secret(secret, strlen(secret), key);
    char *stick = make_stick();
    CHECK(!hl_media_authorized(stick, key)); /* no file */
    put_key(stick, secret);
    CHECK(hl_media_authorized(stick, key));
    put_key(stick, "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\n");
    CHECK(hl_media_authorized(stick, key));
    put_key(stick, "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\r\n");
    CHECK(hl_media_authorized(stick, key));
    put_key(stick, "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f1\n");
    CHECK(!hl_media_authorized(stick, key)); /* wrong key */
    put_key(stick, "");
    unsigned char empty_key[32];
    hl_bundle_key_from_secret("", 0, empty_key);
    CHECK(!hl_media_authorized(stick, empty_key)); /* an empty secret never authorises */
    /* Nor a guessable word or anything but 64 hex digits, even when the
     * config holds its hash (the README's old example was "secret"). */
    unsigned char word_key[32];
    hl_bundle_key_from_secret("secret", 6, word_key);
    put_key(stick, "secret\n");
    CHECK(!hl_media_authorized(stick, word_key));
    hl_bundle_key_from_secret(secret, 62, word_key);
    put_key(stick, "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1");
    CHECK(!hl_media_authorized(stick, word_key));
    CHECK(!hl_media_authorized("/nonexistent/stick", key));
    CHECK(!hl_media_authorized(stick, NULL));
    hl_fixture_rm(stick);
}

static void test_links_big_files_and_folders_never_authorize(void)
{
    unsigned char key[32];
    hl_bundle_key_from_secret(secret, strlen(secret), key);
    char path[PATH_MAX], target[PATH_MAX];

    /* HAILONG is a symlink to a folder holding the right key. */
    char *stick = hl_test_tmpdir("media-auth");
    char *elsewhere = make_stick();
    put_key(elsewhere, secret);
    snprintf(target, sizeof target, "%s/HAILONG", elsewhere);
    snprintf(path, sizeof path, "%s/HAILONG", stick);
    CHECK_INT(symlink(target, path), 0);
    CHECK(hl_media_authorized(elsewhere, key));
    CHECK(!hl_media_authorized(stick, key));
    hl_fixture_rm(stick);

    /* export.key is a symlink to the right key. */
    stick = make_stick();
    snprintf(target, sizeof target, "%s/HAILONG/export.key", elsewhere);
    snprintf(path, sizeof path, "%s/HAILONG/export.key", stick);
    CHECK_INT(symlink(target, path), 0);
    CHECK(!hl_media_authorized(stick, key));
    hl_fixture_rm(stick);

    /* Over 4 KiB: the right secret followed by padding lines. */
    stick = make_stick();
    char *big = malloc(5000);
    CHECK(big != NULL);
    if (big) {
        memset(big, '\n', 4097);
        memcpy(big, secret, strlen(secret));
        big[4097] = '\0';
        put_key(stick, big);
        CHECK(!hl_media_authorized(stick, key));
        big[4096] = '\0'; /* exactly 4 KiB is read, but is no 64-hex secret */
        put_key(stick, big);
        unsigned char big_key[32];
        hl_bundle_key_from_secret(big, 4096, big_key);
        CHECK(!hl_media_authorized(stick, big_key));
        free(big);
    }
    hl_fixture_rm(stick);

    /* A folder named export.key. */
    stick = make_stick();
    snprintf(path, sizeof path, "%s/HAILONG/export.key", stick);
    CHECK_INT(mkdir(path, 0700), 0);
    CHECK(!hl_media_authorized(stick, key));
    hl_fixture_rm(stick);

    /* A FIFO named export.key does not hang and does not authorise. */
    stick = make_stick();
    snprintf(path, sizeof path, "%s/HAILONG/export.key", stick);
    CHECK_INT(mkfifo(path, 0600), 0);
    CHECK(!hl_media_authorized(stick, key));
    hl_fixture_rm(stick);

    hl_fixture_rm(elsewhere);
}

/* After an export the stick is unmounted through the mount helper's unit
 * (here a command standing in for systemctl): it gets the mount point; a
 * failing command is an error that says the data is written all the same;
 * a mount the helper did not make is left alone (HL_ERR_NOT_FOUND). */
static void test_release_unmounts_through_the_helper_and_reports_failure(void)
{
    char *dir = hl_test_tmpdir("release");
    char cmd[PATH_MAX + 64], seen[PATH_MAX];
    snprintf(seen, sizeof seen, "%s/seen", dir);
    snprintf(cmd, sizeof cmd, "printf %%s \"$1\" > '%s'", seen);
    hl_medium_t m = {.mount = "/media/hailong-sdb1", .fs_type = "vfat"};
    hl_err_t err = {0};
    unsetenv("HAILONG_USB_RELEASE_CMD");
    hl_medium_t other = {.mount = "/media/usb0"};
    CHECK_INT(hl_media_release(&other, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "not mounted by hailong-usb-mount");
    hl_medium_t odd = {.mount = "/media/hailong-sd;b1"};
    CHECK_INT(hl_media_release(&odd, &err), HL_ERR_NOT_FOUND);

    setenv("HAILONG_USB_RELEASE_CMD", cmd, 1);
    CHECK_INT(hl_media_release(&m, &err), HL_OK);
    char *got = NULL;
    size_t len = 0;
    CHECK_INT(hl_file_read(NULL, seen, 4096, 0, &got, &len, &err), HL_OK);
    CHECK_STR(got, "/media/hailong-sdb1");
    free(got);

    setenv("HAILONG_USB_RELEASE_CMD", "exit 3", 1);
    CHECK_INT(hl_media_release(&m, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "exit 3");
    CHECK_CONTAINS(err.msg, "written out all the same");
    unsetenv("HAILONG_USB_RELEASE_CMD");
    hl_fixture_rm(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_scan_reports_mounts_below_the_roots_with_escapes_decoded),
    HL_TEST(test_scan_reports_added_and_removed_mounts_between_scans),
    HL_TEST(test_open_refuses_bad_roots_and_a_missing_table),
    HL_TEST(test_a_real_mount_wakes_poll_and_is_scanned),
    HL_TEST(test_authorized_only_with_the_matching_key_file),
    HL_TEST(test_links_big_files_and_folders_never_authorize),
    HL_TEST(test_release_unmounts_through_the_helper_and_reports_failure),
};

HL_TEST_MAIN(tests)
