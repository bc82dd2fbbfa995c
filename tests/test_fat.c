/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_fat.c: the signed result bundle (firmware/export/hl_bundle.c) written
 * to a real FAT file system, as on a USB stick.
 *
 * The kernel here cannot loop-mount vfat, so a FAT image made with mkfs.vfat
 * is mounted read-write in user space with fusefat (FUSE) in a temporary
 * folder. A bundle written there (its responses chained and signed, the
 * manifest signed by the test kiosk's device key) verifies against a trust
 * list holding that key while mounted; after unmounting,
 * fsck.fat finds the image consistent and mtools (an independent FAT
 * reader) copies the whole HAILONG/ tree back out, where the bundle verifies
 * again: the bytes on the image are complete, every file keeps its long
 * (non-8.3) name, and the manifest is right. A bundle that does not fit on a
 * small FAT12 image fails without a manifest, marks nothing exported and
 * leaves no file or temporary file on the image. fusefat reports a full FAT
 * as EPERM, not ENOSPC, so the code there is HL_ERR_READONLY or HL_ERR_FULL
 * (HL_ERR_FULL itself is tested on a full tmpfs in test_bundle.c).
 * The 64 MiB image is FAT32 (mtools refuses FAT32 below 65525 clusters,
 * which a 32 MiB image at 512-byte clusters is). Without mkfs.vfat, fsck.fat,
 * mcopy, fusefat or fusermount, or when FUSE cannot mount (no /dev/fuse, not
 * permitted), each test prints why and is skipped.
 */
#include "hl_bundle.h"
#include "hl_fixture.h"
#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CREATED_MS HL_FIXTURE_CREATED_MS /* 2023-11-14T22:13:20Z */
#define BUNDLE_REL "HAILONG/kiosk-01/20231114T221320Z"
#define NOTE       "Cán bộ \"rất\" nhiệt tình, C:\\tmp\r\nline two"

static const char *const qids[] = {"q_service", "q_note"};

/* Stores n finished responses of a survey whose id is longer than 8.3, each
 * with the note text (NULL: NOTE). */
static hl_store_t *store_with(const char *dir, int n, const char *note)
{
    test_survey_t sv;
    survey_make(&sv, "citizen_services", 1, qids, 2);
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    if (hl_store_open(dir, NULL, &st, NULL, &err) != HL_OK ||
        hl_store_use_survey(st, &sv.s, "kiosk-01", &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "store: %s", err.msg);
        hl_store_close(st);
        return NULL;
    }
    hl_store_batch_begin(st, NULL);
    for (int i = 1; i <= n; i++) {
        hl_response_t r;
        memset(&r, 0, sizeof r);
        snprintf(r.uuid, sizeof r.uuid, "00000000-0000-4000-8000-%012d", i);
        r.started_utc_ms = CREATED_MS - 3600000LL + i * 1000LL;
        r.clock_trusted = true;
        hl_save_t a = {.set_qid = "q_service", .set_value = "satisfied", .set_ms = 800};
        hl_save_t b = {.set_qid = "q_note", .set_value = note ? note : NOTE, .set_ms = 5000};
        hl_save_t c = {.status = HL_RESP_COMPLETE, .finished_utc_ms = r.started_utc_ms + 9000};
        if (hl_store_save(st, &r, &a, &err) != HL_OK || hl_store_save(st, &r, &b, &err) != HL_OK ||
            hl_store_save(st, &r, &c, &err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "save: %s", err.msg);
    }
    hl_store_batch_end(st, NULL);
    return st;
}

static int write_bundle(hl_store_t *st, const char *root, const hl_devkey_t *key, char *out,
                        size_t out_size, hl_bundle_result_t *res, hl_err_t *err)
{
    hl_bundle_opts_t o = hl_fixture_bundle_opts(root, key);
    o.medium = "HAILONG-T";
    return hl_bundle_write(st, &o, out, out_size, res, err);
}

/* Files under dir, recursively, other than folders (-1: cannot be opened). */
static int files_under(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *p = hl_fixture_path(dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            int k = files_under(p);
            n += k > 0 ? k : 0;
        } else {
            n++;
        }
        free(p);
    }
    closedir(d);
    return n;
}

/* ---- The FAT tools --------------------------------------------------------- */

/* A tool's path (a static buffer per tool), or NULL when it is not installed. */
static const char *tool(const char *name)
{
    static char buf[6][64]; /* test-only: one slot per tool name below */
    static const char *const names[] = {"mkfs.vfat", "fsck.fat",   "mcopy",
                                        "fusefat",   "fusermount", "fusermount3"};
    static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(names[i], name) != 0) continue;
        for (size_t j = 0; j < 4; j++) {
            snprintf(buf[i], sizeof buf[i], "%s/%s", dirs[j], name);
            if (access(buf[i], X_OK) == 0) return buf[i];
        }
    }
    return NULL;
}

static const char *unmounter(void)
{
    return tool("fusermount") ? tool("fusermount") : tool("fusermount3");
}

/* NULL when every tool is there; otherwise the first missing one. */
static const char *missing_tool(void)
{
    const char *const need[] = {"mkfs.vfat", "fsck.fat", "mcopy", "fusefat"};
    for (size_t i = 0; i < 4; i++)
        if (!tool(need[i])) return need[i];
    return unmounter() ? NULL : "fusermount";
}

/* Runs a tool; on failure records it with its output. */
static bool run_ok(const char *const *argv, int line)
{
    char *out = NULL, *errout = NULL;
    int rc = hl_test_run(argv, NULL, &out, &errout);
    if (rc != 0)
        hl_test_fail(__FILE__, line, "%s %s exited %d: %s%s", argv[0], argv[1], rc, out ? out : "",
                     errout ? errout : "");
    free(out);
    free(errout);
    return rc == 0;
}

/* Makes an empty FAT image of size bytes (fat: "32", or NULL for mkfs's
 * choice, FAT12 for small images) labelled HAILONG-T. */
static bool image_make(const char *img, off_t size, const char *fat)
{
    int fd = open(img, O_WRONLY | O_CREAT | O_EXCL, 0600); /* sparse */
    bool sized = fd >= 0 && ftruncate(fd, size) == 0;
    if (fd >= 0) close(fd);
    if (!sized) return false;
    const char *mk32[] = {tool("mkfs.vfat"), "-F", "32", "-n", "HAILONG-T", img, NULL};
    const char *mk[] = {tool("mkfs.vfat"), "-n", "HAILONG-T", img, NULL};
    return run_ok(fat ? mk32 : mk, __LINE__);
}

static bool mounted_at(const char *mnt, const char *parent)
{
    struct stat a, b;
    return stat(mnt, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* Mounts img read-write at mnt (a folder in parent) with fusefat in the
 * foreground as a child; returns its pid, or -1 with why (the tool's own
 * words when it gave up). */
static pid_t fat_mount(const char *img, const char *mnt, const char *parent, char *why,
                       size_t why_size)
{
    char *log = hl_fixture_path(parent, "fusefat.log");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int lg = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(lg, 1);
        dup2(lg, 2);
        execl(tool("fusefat"), "fusefat", "-f", "-s", "-o", "rw+", img, mnt, (char *)NULL);
        perror("fusefat");
        _exit(127);
    }
    /* Up to 120 s: a deadline only against a hang (a busy machine can be
     * slow to start it); the mount or fusefat's exit ends the wait. */
    for (int i = 0; pid > 0 && i < 12000; i++) {
        if (mounted_at(mnt, parent)) {
            free(log);
            return pid;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            char *text = hl_test_read_file(log, NULL);
            snprintf(why, why_size, "fusefat gave up (exit %d): %s",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, text ? text : "");
            free(text);
            free(log);
            return -1;
        }
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    snprintf(why, why_size, "fusefat did not mount within 120 s");
    free(log);
    return -1;
}

/* Unmounts and waits for fusefat to finish writing the image and exit (it
 * does once unmounted, however long a busy machine makes that take). */
static void fat_unmount(const char *mnt, pid_t pid, int line)
{
    const char *um[] = {unmounter(), "-u", mnt, NULL};
    if (!run_ok(um, line)) { /* recorded as a failure; fusefat still serves the mount */
        kill(pid, SIGTERM);
    }
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

/* A temporary folder with an image and mnt/ mounted on it. */
typedef struct fat_fixture {
    char *dir; /* temporary folder holding the image and the mount point */
    char *img; /* the FAT image */
    char *mnt; /* where fusefat mounts it */
    pid_t pid; /* the fusefat process */
} fat_fixture_t;

/* Makes the fixture with a fresh image (size bytes, FAT32 when fat is "32")
 * mounted; false after printing why the test is skipped or recording a
 * failure, with nothing left to tear down. */
static bool fat_setup(fat_fixture_t *f, const char *test, off_t size, const char *fat)
{
    memset(f, 0, sizeof *f);
    const char *miss = missing_tool();
    if (miss) {
        printf("skipped: %s: %s is not installed (platform/dev/deps.sh installs it)\n", test, miss);
        return false;
    }
    f->dir = hl_test_tmpdir("fat");
    f->img = hl_fixture_path(f->dir, "stick.img");
    f->mnt = hl_fixture_path(f->dir, "mnt");
    char why[512] = "";
    if (mkdir(f->mnt, 0700) != 0 || !image_make(f->img, size, fat)) {
        hl_test_fail(__FILE__, __LINE__, "cannot make the FAT image");
        f->pid = -1;
    } else if ((f->pid = fat_mount(f->img, f->mnt, f->dir, why, sizeof why)) < 0) {
        printf("skipped: %s: cannot mount a FAT image with FUSE here (/dev/fuse %s): %s\n", test,
               access("/dev/fuse", R_OK | W_OK) == 0 ? "usable" : "not usable", why);
    }
    if (f->pid > 0) return true;
    hl_fixture_rm(f->dir);
    free(f->img);
    free(f->mnt);
    return false;
}

static void fat_teardown(fat_fixture_t *f)
{
    hl_fixture_rm(f->dir);
    free(f->img);
    free(f->mnt);
}

/* fsck.fat -n finds no error on the unmounted image. */
static void expect_fsck_clean(const char *img, int line)
{
    const char *ck[] = {tool("fsck.fat"), "-n", img, NULL};
    run_ok(ck, line);
}

/* mtools copies ::HAILONG out of img into out/ (made here). */
static bool mcopy_out(const char *img, const char *out, int line)
{
    if (mkdir(out, 0700) != 0) return false;
    const char *mc[] = {tool("mcopy"), "-s", "-n", "-i", img, "::HAILONG", out, NULL};
    return run_ok(mc, line);
}

/* The test kiosk's device key, and a trust list holding kiosk-01 with it. */
static void key_init(hl_devkey_t *key, hl_trust_t *trust)
{
    hl_test_devkey(key, 1);
    char line[256];
    hl_devkey_trust_line(key, "kiosk-01", line, sizeof line);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    if (hl_trust_parse(line, strlen(line), "trust", trust, &d, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "trust list: %s", err.msg);
    hl_diags_free(&d);
}

/* The store's responses chained and signed with key, as the kiosk does. */
static void store_sign(hl_store_t *st, const hl_devkey_t *key)
{
    hl_err_t err = {0};
    if (st && hl_store_set_signer(st, key, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "signer: %s", err.msg);
}

/* ---- Tests ----------------------------------------------------------------- */

static void test_bundle_on_a_fat_image_verifies_mounted_and_after_mtools_reads_it_back(void)
{
    fat_fixture_t f;
    if (!fat_setup(&f, __func__, 64 << 20, "32")) return;
    hl_devkey_t tk = {0};
    hl_trust_t trust = {0};
    key_init(&tk, &trust);
    hl_bundle_check_t chk = {.trust = &trust};
    char *sdir = hl_fixture_path(f.dir, "store");
    mkdir(sdir, 0700);
    hl_store_t *st = store_with(sdir, 3, NULL);
    store_sign(st, &tk);
    hl_err_t err = {0};
    char out[4096] = "";
    hl_bundle_result_t res;
    CHECK_INT(write_bundle(st, f.mnt, &tk, out, sizeof out, &res, &err), HL_OK);
    if (err.msg[0]) printf("  %s\n", err.msg);
    char *want = hl_fixture_path(f.mnt, BUNDLE_REL);
    CHECK_STR(out, want);
    CHECK_INT(res.responses, 3);
    CHECK_INT(res.n_files, 2); /* responses-citizen_services.csv, responses.jsonl */
    int64_t upto = -1;
    CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
    CHECK_INT(upto, 3);

    hl_diags_t probs = {0};
    hl_bundle_result_t vres;
    CHECK_INT(hl_bundle_verify(want, &chk, &probs, &vres, &err), HL_OK); /* on the mount */
    if (probs.n) hl_diags_print(&probs, stderr);
    hl_diags_free(&probs);
    CHECK_INT(vres.responses, 3);
    CHECK_STR(vres.signer_kiosk, "kiosk-01");
    CHECK_STR(vres.fingerprint, tk.fingerprint);
    fat_unmount(f.mnt, f.pid, __LINE__);
    CHECK(!mounted_at(f.mnt, f.dir));
    expect_fsck_clean(f.img, __LINE__);

    char *back = hl_fixture_path(f.dir, "back");
    if (mcopy_out(f.img, back, __LINE__)) {
        char *copy = hl_fixture_path(back, BUNDLE_REL);
        const char *const names[] = {"responses-citizen_services.csv", "responses.jsonl",
                                     "manifest.json"};
        for (size_t i = 0; i < 3; i++) { /* long names survive on FAT */
            char *p = hl_fixture_path(copy, names[i]);
            if (access(p, F_OK) != 0) hl_test_fail(__FILE__, __LINE__, "%s not on the image", p);
            free(p);
        }
        CHECK_INT(files_under(back), 3); /* nothing else: no temporary file left */
        CHECK_INT(hl_bundle_verify(copy, &chk, &probs, &vres, &err), HL_OK);
        if (probs.n) hl_diags_print(&probs, stderr);
        hl_diags_free(&probs);
        CHECK_INT(vres.responses, 3);

        char *jsonl = hl_fixture_path(copy, "responses.jsonl"); /* the copy fails when altered */
        FILE *fp = fopen(jsonl, "r+b");
        CHECK(fp != NULL);
        if (fp) {
            fputc('X', fp);
            fclose(fp);
        }
        /* Altered, and its first row no longer parses: both name that file. */
        CHECK_INT(hl_bundle_verify(copy, &chk, &probs, NULL, &err), HL_ERR_INVALID);
        CHECK(probs.n >= 1);
        bool altered = false;
        for (size_t i = 0; i < probs.n; i++) {
            CHECK_CONTAINS(probs.items[i].file, "responses.jsonl");
            altered = altered || strstr(probs.items[i].msg, "altered");
        }
        CHECK(altered);
        hl_diags_free(&probs);
        free(jsonl);
        free(copy);
    }
    free(back);
    free(want);
    hl_store_close(st);
    hl_devkey_free(&tk);
    hl_trust_free(&trust);
    free(sdir);
    fat_teardown(&f);
}

static void test_bundle_too_big_for_a_small_fat_image_fails_and_leaves_nothing_on_it(void)
{
    fat_fixture_t f;
    if (!fat_setup(&f, __func__, 256 << 10, NULL)) return; /* FAT12, ~240 KB free */
    hl_devkey_t tk = {0};
    hl_trust_t trust = {0};
    key_init(&tk, &trust);
    char *sdir = hl_fixture_path(f.dir, "store");
    mkdir(sdir, 0700);
    char note[600];
    memset(note, 'n', sizeof note - 1);
    note[sizeof note - 1] = '\0';
    hl_store_t *st = store_with(sdir, 300, note); /* JSON Lines ~230 KB, with the CSV > 400 KB */
    store_sign(st, &tk);
    hl_err_t err = {0};
    char out[4096] = "x";
    int rc = write_bundle(st, f.mnt, &tk, out, sizeof out, NULL, &err);
    printf("  full FAT image: %s (%s)\n", hl_rc_name(rc), err.msg);
    CHECK(rc == HL_ERR_FULL || rc == HL_ERR_READONLY); /* fusefat: EPERM when full */
    CHECK_STR(out, "");
    int64_t upto = -1;
    CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
    CHECK_INT(upto, 0); /* a failed bundle marks nothing */
    char *bdir = hl_fixture_path(f.mnt, BUNDLE_REL);
    char *man = hl_fixture_path(bdir, HL_BUNDLE_MANIFEST);
    CHECK(access(man, F_OK) != 0);
    char *top = hl_fixture_path(f.mnt, HL_BUNDLE_TOP); /* fusefat lists the volume label in / */
    CHECK_INT(files_under(top), 0);                    /* no file, no temporary file */
    free(top);
    fat_unmount(f.mnt, f.pid, __LINE__);
    expect_fsck_clean(f.img, __LINE__); /* nor lost clusters */
    char *back = hl_fixture_path(f.dir, "back");
    if (mcopy_out(f.img, back, __LINE__)) CHECK_INT(files_under(back), 0);
    free(back);
    free(man);
    free(bdir);
    hl_store_close(st);
    hl_devkey_free(&tk);
    hl_trust_free(&trust);
    free(sdir);
    fat_teardown(&f);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_bundle_on_a_fat_image_verifies_mounted_and_after_mtools_reads_it_back),
    HL_TEST(test_bundle_too_big_for_a_small_fat_image_fails_and_leaves_nothing_on_it),
};
HL_TEST_MAIN(tests)
