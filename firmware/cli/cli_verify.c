/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_verify.c: `hailong verify`: checks the chain of the local database
 * (tamper evidence, docs/tamper-evidence.md) and names every response that
 * was edited, deleted, inserted or reordered, by sequence number.
 *
 * The store is opened read-only (it works beside a running kiosk). Signed
 * responses are checked with the device key: the data folder's device.key,
 * or, for a copy of the database checked elsewhere, the public key that
 * --trust FILE holds for this kiosk. Responses chained before device keys
 * are checked with the old shared key: the config's export key, else the
 * data folder's chain.key, or --key-file (a stick's old HAILONG/export.key).
 * Exit 0 when the chain is intact, 1 with problems or when the check cannot
 * run, 2 on usage errors, 4 when --trust does not hold this kiosk's key.
 */
#include "cli.h"
#include "hl_bundle.h"
#include "hl_platform.h"
#include "hl_store.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char verify_usage[] =
    "usage: hailong verify [--trust FILE] [--key-file FILE]\n"
    "\n"
    "Checks the tamper-evident chain of the stored responses: each finished\n"
    "response carries the SHA-256 of its content and the previous one's chain\n"
    "value, signed by the kiosk's device key. Prints the kiosk id and the device\n"
    "key's fingerprint, every response that was edited, deleted, inserted or\n"
    "reordered, by sequence number, then the chain head (the newest chain value:\n"
    "compare it with one recorded outside the kiosk, in a bundle's manifest or by\n"
    "the sync server, to detect the removal of the newest responses).\n"
    "\n"
    "--trust FILE also checks that the device key is the one registered for this\n"
    "kiosk (lines of `hailong identity`). Responses chained before the device key\n"
    "(an upgraded kiosk) are checked with the old shared key: the config's export\n"
    "key, else the data folder's chain.key, or --key-file FILE (a stick's old\n"
    "HAILONG/export.key); without it their links are checked, not their content.\n"
    "Exit 0 when the chain is intact, 1 with problems, 4 when the device key is\n"
    "not in the trust list given, 2 on usage errors.\n";

/* What a problem means, as printed after its sequence number. */
static const char *problem_text(hl_chain_problem_t what)
{
    switch (what) {
    case HL_CHAIN_EDITED:
        return "edited (its content does not match its chain value or signature)";
    case HL_CHAIN_DELETED:
        return "a response before it was deleted (its prev_chain names another)";
    case HL_CHAIN_INSERTED:
        return "inserted (no valid chain value, or nothing links to it)";
    case HL_CHAIN_REORDERED:
        return "reordered (linked out of sequence order)";
    case HL_CHAIN_OTHER_KEY:
        return "signed by another device key (not checked: a replaced key? give --trust)";
    case HL_CHAIN_UNCHECKED:
        return "not checked";
    }
    return "problem";
}

/* Prints problems; unchecked rows are summed, not listed one by one. */
static void print_problem(void *ctx, int64_t seq, hl_chain_problem_t what, const char *detail)
{
    (void)ctx;
    if (what == HL_CHAIN_UNCHECKED) return;
    printf("seq %lld: %s%s%s\n", (long long)seq, problem_text(what), detail && *detail ? "; " : "",
           detail && *detail ? detail : "");
}

int hl_cli_verify(hl_cli_t *cli, int argc, char **argv)
{
    const char *key_file = NULL, *trust_file = NULL;
    const hl_cli_opt_t flags[] = {{"--key-file", NULL, &key_file}, {"--trust", NULL, &trust_file}};
    int orc = hl_cli_opts(argc, argv, verify_usage, flags, 2, NULL, NULL);
    if (orc != HL_EXIT_OK) return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    if (hl_cli_resolve_data_dir(cli)) return HL_EXIT_FAIL;
    hl_err_t err = {0};
    /* The old shared key, for responses chained before the device key. */
    unsigned char key[HL_BUNDLE_KEY_LEN];
    const char *key_from = NULL;
    if (key_file) {
        if (hl_bundle_key_from_file(key_file, key, &err) != HL_OK) {
            fprintf(stderr, "hailong verify: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
        key_from = key_file;
    } else {
        if (hl_cli_load_config(cli)) return HL_EXIT_FAIL;
        if (cli->cfg.has_export_key) {
            memcpy(key, cli->cfg.export_key_sha256, sizeof key);
            key_from = "the config's export key";
        } else if (hl_platform_chain_key_read(cli->data_dir, key, &err) == HL_OK) {
            key_from = HL_CHAIN_KEY_FILE;
        }
    }

    /* The province's trust list, when given: checks the device key, and
     * rows signed by a replaced key of this kiosk that it holds. */
    hl_trust_t trust = {0};
    bool have_trust = false;
    if (trust_file) {
        hl_diags_t d = {0};
        int trc = hl_trust_load(trust_file, &trust, &d, &err);
        hl_diags_print(&d, stderr);
        hl_diags_free(&d);
        if (trc != HL_OK) {
            fprintf(stderr, "hailong verify: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
        have_trust = true;
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", cli->data_dir, HL_STORE_FILE);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr,
                "hailong verify: no responses stored yet: %s does not exist (wrong --data-dir?)\n",
                path);
        hl_trust_free(&trust);
        return HL_EXIT_FAIL;
    }
    hl_store_t *st = NULL;
    hl_store_opts_t opts = {.read_only = true};
    int rc = hl_store_open(cli->data_dir, &opts, &st, NULL, &err);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong verify: %s\n", err.msg);
        hl_trust_free(&trust);
        return HL_EXIT_FAIL;
    }
    /* The device key: read, never made here. */
    hl_devkey_t dev = {0};
    int64_t n_signed = 0, n_hmac = 0;
    char signed_by[HL_DEVKEY_FPR_HEX + 1] = "";
    rc = hl_store_signers(st, &n_signed, signed_by, &n_hmac, &err);
    /* The key file when here (on the kiosk), else the public key the trust
     * list holds for this kiosk (a copy of the database checked elsewhere):
     * the one that signed the newest response, or its only one. */
    bool have_dev = false;
    if (rc == HL_OK && have_trust) {
        const hl_trust_entry_t *pick = NULL;
        for (size_t i = 0; i < trust.n; i++)
            if (!strcasecmp(trust.e[i].kiosk_id, cli->cfg.kiosk_id) &&
                (!pick || !strcmp(trust.e[i].fingerprint, signed_by)))
                pick = &trust.e[i];
        hl_err_t kerr = {0};
        char pem[HL_DEVKEY_PEM_MAX + 1];
        size_t plen = 0;
        bool has_file = hl_platform_device_key_read(cli->data_dir, pem, sizeof pem, &plen, &kerr) !=
                        HL_ERR_NOT_FOUND;
        explicit_bzero(pem, sizeof pem);
        if (!has_file && pick) have_dev = hl_devkey_from_public(pick->pub, &dev, &kerr) == HL_OK;
    }
    if (!have_dev)
        have_dev = rc == HL_OK && hl_cli_device_key(cli, NULL, false, &dev) == HL_EXIT_OK;
    if (rc == HL_OK && !have_dev && n_signed > 0) {
        fprintf(stderr,
                "hailong verify: %lld stored response(s) are signed with device key %s, but its "
                "key file is missing: restore %s/%s from this kiosk's backup to check them\n",
                (long long)n_signed, signed_by, cli->data_dir, HL_DEVKEY_FILE);
        hl_store_close(st);
        hl_trust_free(&trust);
        return HL_EXIT_FAIL;
    }
    if (have_dev)
        printf("kiosk          %s\ndevice key     %s (ed25519:%s)\n", cli->cfg.kiosk_id,
               dev.fingerprint, dev.pub_hex);
    hl_chain_counts_t counts = {0};
    int64_t head_seq = 0;
    char head[HL_CHAIN_HEX + 1] = "", sig[HL_DEVKEY_SIG_HEX + 1] = "",
                             fpr[HL_DEVKEY_FPR_HEX + 1] = "";
    hl_chain_check_t chk = {.device = have_dev ? &dev : NULL,
                            .hmac_key = key_from ? key : NULL,
                            .trust = have_trust ? &trust : NULL};
    if (rc == HL_OK) rc = hl_store_verify_chain(st, &chk, print_problem, NULL, &counts, &err);
    if (rc == HL_OK) rc = hl_store_chain_head_signed(st, &head_seq, head, sig, fpr, &err);
    hl_store_close(st);
    memset(key, 0, sizeof key);
    if (rc != HL_OK) {
        hl_devkey_free(&dev);
        hl_trust_free(&trust);
        fprintf(stderr, "hailong verify: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    /* The head's own signature (or the signed link to an old head). */
    bool head_signed = have_dev && sig[0] && !strcmp(fpr, dev.fingerprint) &&
                       hl_devkey_verify_chain(&dev, cli->cfg.kiosk_id, head_seq, head, sig);
    printf("chain head     seq %lld %s (%s)\n", (long long)head_seq, head,
           head_seq == 0 ? "no response yet"
           : head_signed ? "signed by this device key"
           : sig[0]      ? "signature NOT valid for this device key"
                         : "not signed: chained before the device key");
    int exit_rc = HL_EXIT_OK;
    if (sig[0] && !head_signed && have_dev) counts.problems++;
    if (counts.unchecked)
        printf("%zu response(s) chained before the device key with the old shared key were not "
               "checked%s: give --key-file with the old HAILONG/export.key\n",
               counts.unchecked, key_from ? " (not the key given)" : "");
    if (counts.problems) {
        printf("%zu problem%s found: the stored responses were changed outside the kiosk\n",
               counts.problems, counts.problems == 1 ? "" : "s");
        exit_rc = HL_EXIT_FAIL;
    } else {
        printf("the chain is intact%s%s%s; the removal of the newest responses shows only "
               "against a head recorded outside the kiosk (a bundle's manifest, the sync "
               "server)\n",
               key_from && n_hmac ? " (older responses checked with " : "",
               key_from && n_hmac ? key_from : "", key_from && n_hmac ? ")" : "");
    }
    if (have_trust && have_dev) {
        if (hl_trust_check(&trust, cli->cfg.kiosk_id, dev.pub) != HL_TRUST_OK) {
            printf("NOT TRUSTED: the trust list %s does not hold kiosk %s with device key %s\n",
                   trust_file, cli->cfg.kiosk_id, dev.fingerprint);
            if (exit_rc == HL_EXIT_OK) exit_rc = HL_EXIT_UNTRUSTED;
        } else {
            printf("the device key is the one the trust list %s holds for kiosk %s\n", trust_file,
                   cli->cfg.kiosk_id);
        }
    }
    hl_trust_free(&trust);
    hl_devkey_free(&dev);
    return exit_rc;
}
