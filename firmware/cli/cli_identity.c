/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_identity.c: `hailong identity`: prints the kiosk's id and its device
 * key's public half and fingerprint (hl_devkey.h), as one trust list line
 * (or JSON), for the province's records; `--new` makes the device key on
 * purpose (normally the kiosk makes it at its first start).
 *
 * The private key never leaves the data folder and is never printed. A key
 * is never made over responses signed by another key unless the operator
 * says the old one is lost (--replace-lost-key): the new key then continues
 * the chain from the old head with a signed link, and the province must
 * register the new public key (the old one stays valid for older bundles).
 */
#include "cli.h"
#include "hl_platform.h"
#include "hl_store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char identity_usage[] =
    "usage: hailong identity [--json]\n"
    "       hailong identity --new [--replace-lost-key]\n"
    "\n"
    "Prints this kiosk's identity for the province's trust list, one line:\n"
    "  KIOSK_ID ed25519:PUBLIC_KEY FINGERPRINT\n"
    "(--json: {\"kiosk_id\", \"algorithm\", \"public_key\", \"fingerprint\"}). Collect\n"
    "the lines of every kiosk into one file: `hailong verify-export --trust FILE`\n"
    "believes only the keys it lists. Read the 16-digit fingerprint aloud to\n"
    "compare it on the phone. The private key stays in the data folder.\n"
    "\n"
    "--new makes the device key when there is none (the kiosk does this itself at\n"
    "its first start). If stored responses are signed by a key whose file is lost,\n"
    "it refuses unless --replace-lost-key is given: the new key then links on from\n"
    "the old chain head, and the province must register the new line.\n"
    "Exit 0 ok, 1 failure (no key yet: start the kiosk once, or --new), 2 usage.\n";

static void print_identity(const hl_cli_t *cli, const hl_devkey_t *k, bool json)
{
    if (json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "kiosk_id", cli->cfg.kiosk_id, "algorithm",
                              "ed25519", "public_key", k->pub_hex, "fingerprint", k->fingerprint);
        char *t = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (t) printf("%s\n", t);
        free(t);
        json_decref(o);
        return;
    }
    char line[HL_KIOSK_ID_MAX + HL_DEVKEY_PUB_HEX + HL_DEVKEY_FPR_HEX + 16];
    hl_devkey_trust_line(k, cli->cfg.kiosk_id, line, sizeof line);
    printf("%s\n", line);
}

int hl_cli_identity(hl_cli_t *cli, int argc, char **argv)
{
    bool json = false, make_new = false, replace_lost = false;
    const hl_cli_opt_t opts[] = {{"--json", &json, NULL},
                                 {"--new", &make_new, NULL},
                                 {"--replace-lost-key", &replace_lost, NULL}};
    int orc = hl_cli_opts(argc, argv, identity_usage, opts, 3, NULL, NULL);
    if (orc != HL_EXIT_OK) return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    if (replace_lost && !make_new) {
        fprintf(stderr, "hailong identity: --replace-lost-key goes with --new\n%s", identity_usage);
        return HL_EXIT_USAGE;
    }
    if (hl_cli_resolve_data_dir(cli) || hl_cli_load_config(cli)) return HL_EXIT_FAIL;
    hl_devkey_t key = {0};
    if (!make_new) {
        if (hl_cli_device_key(cli, NULL, false, &key) != HL_EXIT_OK) return HL_EXIT_FAIL;
        print_identity(cli, &key, json);
        hl_devkey_free(&key);
        return HL_EXIT_OK;
    }
    /* --new: refuse over an existing key; over signed responses only when
     * the operator says the old key is lost. */
    char pem[HL_DEVKEY_PEM_MAX + 1];
    size_t len = 0;
    hl_err_t err = {0};
    int rc = hl_platform_device_key_read(cli->data_dir, pem, sizeof pem, &len, &err);
    explicit_bzero(pem, sizeof pem);
    if (rc != HL_ERR_NOT_FOUND) {
        fprintf(stderr,
                "hailong identity: %s/%s exists already: a device key is never replaced "
                "(`hailong identity` prints it)%s%s\n",
                cli->data_dir, HL_DEVKEY_FILE, rc == HL_OK ? "" : "; ", rc == HL_OK ? "" : err.msg);
        return HL_EXIT_FAIL;
    }
    int64_t n_signed = 0, n_hmac = 0;
    char fpr[HL_DEVKEY_FPR_HEX + 1] = "";
    char dbpath[PATH_MAX + 16];
    snprintf(dbpath, sizeof dbpath, "%s/%s", cli->data_dir, HL_STORE_FILE);
    struct stat sb;
    if (stat(dbpath, &sb) == 0) {
        hl_store_t *st = NULL;
        hl_store_opts_t ro = {.read_only = true};
        rc = hl_store_open(cli->data_dir, &ro, &st, NULL, &err);
        if (rc == HL_OK) rc = hl_store_signers(st, &n_signed, fpr, &n_hmac, &err);
        hl_store_close(st);
        if (rc != HL_OK) {
            fprintf(stderr, "hailong identity: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
    }
    if (n_signed > 0 && !replace_lost) {
        fprintf(stderr,
                "hailong identity: %lld stored response(s) are signed with device key %s, whose "
                "file is missing. Restore it from this kiosk's backup; only if it is lost for "
                "good, give --replace-lost-key (the province must then register the new key)\n",
                (long long)n_signed, fpr);
        return HL_EXIT_FAIL;
    }
    /* A data folder not made yet (a kiosk that never started). */
    if (mkdir(cli->data_dir, 0750) != 0 && errno != EEXIST) {
        fprintf(stderr, "hailong identity: cannot make the data folder %s: %s\n", cli->data_dir,
                strerror(errno));
        return HL_EXIT_FAIL;
    }
    rc = hl_devkey_generate(&cli->sys, &key, &err);
    if (rc == HL_OK) rc = hl_devkey_to_pem(&key, pem, sizeof pem, &len, &err);
    if (rc == HL_OK) rc = hl_platform_device_key_create(cli->data_dir, pem, len, &err);
    explicit_bzero(pem, sizeof pem);
    if (rc != HL_OK) {
        hl_devkey_free(&key);
        fprintf(stderr, "hailong identity: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    if (n_signed > 0)
        fprintf(stderr,
                "hailong identity: made a NEW device key %s replacing lost key %s: register the "
                "line below with the province; responses signed by %s stay checkable with its "
                "registered public key\n",
                key.fingerprint, fpr, fpr);
    print_identity(cli, &key, json);
    hl_devkey_free(&key);
    return HL_EXIT_OK;
}
