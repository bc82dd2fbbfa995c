/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_bundle.c: libFuzzer target for the export manifest verifier.
 *
 * The input is a manifest.json. On the first call the target makes a temp
 * folder of its own (/dev/shm/hl-fuzz-bundle-XXXXXX, else in /tmp; one per
 * process, removed at exit) and copies the fixed file set into it: the data files of a real
 * bundle (tests/fuzz/bundle/files: responses.jsonl, the survey's CSV and
 * responses.xlsx, made by `hailong export --format bundle` from
 * assets/scripts/demo.txt before issue 13). Each input is written there as
 * manifest.json and checked by hl_bundle_verify as `hailong verify-export
 * --trust FILE --key-file FILE` checks it, res filled: against a trust list
 * holding kiosk fuzz-01 with the fuzz device key (FUZZ_PUBLIC_KEY) and the
 * old shared key that bundle was signed with (the SHA-256 of the secret
 * "fuzz-secret-hailong"): JSON parsing, the format, the signer and the
 * Ed25519 signature over the canonical form (format 2) or the HMAC (format
 * 1), every listed file's name, size and hash, the chain fields, the
 * unlisted-file scan, the trust verdict and the figures. It aborts when the
 * verdict contradicts itself: HL_OK with a problem, or HL_OK for a signer the
 * trust list does not vouch for. The seed manifests real-manifest*.json
 * (format 1) and v2-manifest*.json (format 2, signed by the fuzz device key;
 * made by bundle/make-seeds.py) verify, so the fuzzer starts from both
 * success paths. Seeds: tests/fuzz/bundle/corpus; dictionary: bundle/bundle.dict.
 */
#include "hl_fuzz.h"

#include "hl_bundle.h"
#include "hl_devkey.h"
#include "hl_diag.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HL_FUZZ_BUNDLE_FILES
#error "HL_FUZZ_BUNDLE_FILES (the fixed file set's folder) must be defined"
#endif

/* The old shared secret the format 1 seeds are signed with. */
#define FUZZ_SECRET "fuzz-secret-hailong"

/* The trust list: kiosk fuzz-01 with the fuzz device key (its private seed is
 * SHA-256("fuzz-device-key-hailong"), see bundle/make-seeds.py), as
 * `hailong identity` prints it. */
#define FUZZ_TRUST                                                                                 \
    "fuzz-01 ed25519:d61191f343555ec1b450d2c5c5aadbd8b19ede9b9f807bcbd27e13558f30e05e "            \
    "781ca16a3bd6a1d4\n"

/* The fixed file set, copied into the temp folder once. */
static const char *const fuzz_files[] = {"responses-sipas-mot-cua.csv", "responses.jsonl",
                                         "responses.xlsx", NULL};

/* The per-process folder, "" until made. */
static char fuzz_dir[64];

/* Writes len bytes to dir/name (created or truncated); 0 or -1. */
static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    /* A new file rather than a truncated one: ext4 flushes a file truncated
     * and rewritten when it is closed (auto_da_alloc), 50 ms an input. */
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd);
}

/* Removes the temp folder and what the target put there (atexit). */
static void fuzz_cleanup(void)
{
    if (!fuzz_dir[0]) return;
    char path[512];
    for (size_t i = 0; fuzz_files[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, fuzz_files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, HL_BUNDLE_MANIFEST);
    unlink(path);
    rmdir(fuzz_dir);
}

/* Makes the temp folder with the fixed files; exits when it cannot. */
static void fuzz_setup(void)
{
    /* tmpfs when there is one: the folder is rewritten on every input. */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/hl-fuzz-bundle-XXXXXX", base);
    if (!mkdtemp(fuzz_dir)) {
        perror("mkdtemp");
        exit(1);
    }
    atexit(fuzz_cleanup);
    for (size_t i = 0; fuzz_files[i]; i++) {
        char src[512];
        snprintf(src, sizeof src, "%s/%s", HL_FUZZ_BUNDLE_FILES, fuzz_files[i]);
        FILE *f = fopen(src, "rb");
        if (!f) {
            perror(src);
            exit(1);
        }
        char buf[65536];
        size_t n = fread(buf, 1, sizeof buf, f);
        int bad = ferror(f) || !feof(f);
        fclose(f);
        if (bad || write_file(fuzz_dir, fuzz_files[i], buf, n) != 0) {
            fprintf(stderr, "%s: cannot copy (larger than 64 KiB or unwritable)\n", src);
            exit(1);
        }
    }
}

/* The trust list, parsed once and kept for the process (exits when refused). */
static const hl_trust_t *fuzz_trust(void)
{
    static hl_trust_t trust;
    if (trust.n == 0) {
        hl_diags_t d = {0};
        hl_err_t err = {0};
        if (hl_trust_parse(FUZZ_TRUST, strlen(FUZZ_TRUST), "fuzz-trust", &trust, &d, &err) !=
            HL_OK) {
            fprintf(stderr, "fuzz trust list: %s\n", err.msg);
            exit(1);
        }
        hl_diags_free(&d);
    }
    return &trust;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char old_key[HL_BUNDLE_KEY_LEN];
    if (!fuzz_dir[0]) {
        fuzz_setup();
        hl_bundle_key_from_secret(FUZZ_SECRET, strlen(FUZZ_SECRET), old_key);
    }
    if (write_file(fuzz_dir, HL_BUNDLE_MANIFEST, data, size) != 0) {
        perror("manifest.json");
        exit(1);
    }
    hl_bundle_check_t chk = {.trust = fuzz_trust(), .old_key = old_key};
    hl_diags_t problems = {0};
    hl_bundle_result_t res;
    hl_err_t err = {0};
    int rc = hl_bundle_verify(fuzz_dir, &chk, &problems, &res, &err);
    /* "Verified" must mean it: no problem, and a signer vouched for. */
    bool vouched =
        (res.signer == HL_BUNDLE_SIGNER_DEVICE && res.key_checked && res.trust == HL_TRUST_OK) ||
        (res.signer == HL_BUNDLE_SIGNER_SHARED && res.key_checked);
    if (rc == HL_OK && (problems.n != 0 || !vouched)) {
        fprintf(stderr, "fuzz_bundle: HL_OK with %zu problems, signer %d, checked %d, trust %d\n",
                problems.n, (int)res.signer, (int)res.key_checked, (int)res.trust);
        abort();
    }
    if (rc == HL_ERR_UNTRUSTED && problems.n != 0) {
        fprintf(stderr, "fuzz_bundle: untrusted with %zu problems\n", problems.n);
        abort();
    }
    hl_diags_free(&problems);
    return 0;
}
