/*
 * cli_key.c: `hailong export-key --new`: makes the kiosk's USB export
 * secret, prints it once, and stores only its SHA-256 in the config file as
 * "export": {"key_sha256": "..."}.
 *
 * The config is validated first and left untouched when it is not valid (so
 * nothing in it is lost); otherwise it is loaded with jansson keeping every
 * other key in its order, the one value is set, and the file is replaced
 * atomically (temporary file in the same folder, fsync, rename, folder
 * fsync) with its mode and owner kept. A missing config is created holding
 * just the export section. The secret is printed only after the hash is
 * safely stored: a secret shown on screen always works.
 */
#include "cli.h"
#include "hl_bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HL_KEY_DEFAULT_CONFIG "/etc/hailong/hailong.json" /* as in main.c */
#define HL_KEY_SECRET_BYTES   32                          /* random bytes in a secret */

static const char key_usage[] =
    "usage: hailong export-key --new [--config FILE]\n"
    "\n"
    "Makes a new USB export secret (32 random bytes, printed once as 64 hex\n"
    "digits on stdout) and writes its SHA-256 into the config file as\n"
    "\"export\": {\"key_sha256\": ...}, keeping everything else in the file.\n"
    "Write the secret to HAILONG/export.key on each technician's stick: a\n"
    "stick without it is ignored. Sticks holding an older secret stop working.\n"
    "FILE defaults to $HAILONG_CONFIG, else " HL_KEY_DEFAULT_CONFIG "; a missing\n"
    "file is created with just that section; an invalid one is left untouched\n"
    "(exit 1: fix it with hailong check FILE first). Restart the kiosk to use\n"
    "the new key.\n";

/* Formats n bytes as lower-case hex into out (2n+1 bytes). */
static void hl_key_hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Writes len bytes to fd, retrying short writes. 0 or -1 (errno set). */
static int hl_key_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Replaces path with text atomically, giving it mode (and owner uid/gid when
 * keep_owner). Prints what failed and returns HL_EXIT_FAIL. */
static int hl_key_replace_file(const char *path, const char *text, mode_t mode, bool keep_owner,
                               uid_t uid, gid_t gid)
{
    char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(base, sizeof base, "%s", path);
    const char *d = dirname(dir);
    const char *b = basename(base);
    if (snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", d, b) >= (int)sizeof tmp) {
        fprintf(stderr, "hailong export-key: config path too long: %s\n", path);
        return HL_EXIT_FAIL;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr,
                "hailong export-key: cannot create a file in %s: %s (run as the config's owner, "
                "e.g. with sudo, or create the folder)\n",
                d, strerror(errno));
        return HL_EXIT_FAIL;
    }
    int e = 0;
    if (fchmod(fd, mode) != 0) e = errno;
    if (!e && keep_owner && fchown(fd, uid, gid) != 0 && errno != EPERM) e = errno;
    if (!e && hl_key_write_all(fd, text, strlen(text)) != 0) e = errno;
    if (!e && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        unlink(tmp);
        fprintf(stderr, "hailong export-key: cannot write %s: %s; the config is unchanged\n", path,
                strerror(e));
        return HL_EXIT_FAIL;
    }
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        fprintf(stderr,
                "hailong export-key: cannot sync folder %s: %s; the new config may not survive "
                "a power cut: run sync\n",
                d, strerror(errno));
        if (dfd >= 0) close(dfd);
        return HL_EXIT_FAIL;
    }
    close(dfd);
    return HL_EXIT_OK;
}

/* Builds the new config text: the file's JSON (or {} when it does not
 * exist) with export.key_sha256 set to hash_hex. NULL after a message. */
static char *hl_key_new_config_text(const char *path, bool exists, const char *hash_hex)
{
    json_t *root = NULL;
    if (exists) {
        json_error_t jerr;
        root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!root || !json_is_object(root)) {
            fprintf(stderr, "hailong export-key: cannot read %s as JSON: %s; it is unchanged\n",
                    path, root ? "not an object" : jerr.text);
            json_decref(root);
            return NULL;
        }
    } else {
        root = json_object();
    }
    json_t *exp = json_object_get(root, "export");
    if (!json_is_object(exp)) {
        exp = json_object();
        json_object_set_new(root, "export", exp);
    }
    char *text = NULL;
    if (exp && json_object_set_new(exp, "key_sha256", json_string(hash_hex)) == 0)
        text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text) {
        fprintf(stderr, "hailong export-key: out of memory building the config\n");
        return NULL;
    }
    size_t len = strlen(text);
    char *with_nl = realloc(text, len + 2);
    if (!with_nl) {
        free(text);
        fprintf(stderr, "hailong export-key: out of memory building the config\n");
        return NULL;
    }
    memcpy(with_nl + len, "\n", 2);
    return with_nl;
}

/* Checks an existing config with the kiosk's own validator; prints every
 * problem. */
static bool hl_key_config_valid(const char *path)
{
    hl_config_t cfg;
    hl_config_defaults(&cfg, "kiosk");
    hl_diags_t d = {0};
    int rc = hl_config_load_file(path, &cfg, &d);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    hl_config_free(&cfg);
    if (rc == HL_OK) return true;
    fprintf(stderr,
            "hailong export-key: config %s is not valid, so it was left untouched and no secret "
            "was made; fix it (hailong check %s) and run this again\n",
            path, path);
    return false;
}

int hl_cli_export_key(hl_cli_t *cli, int argc, char **argv)
{
    bool make_new = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(key_usage, stdout);
            return HL_EXIT_OK;
        } else if (!strcmp(argv[i], "--new")) {
            make_new = true;
        } else {
            fprintf(stderr, "hailong export-key: unexpected argument \"%s\"\n%s", argv[i],
                    key_usage);
            return HL_EXIT_USAGE;
        }
    }
    if (!make_new) {
        fprintf(stderr,
                "hailong export-key: say --new to make a new secret (sticks holding the old "
                "one stop working)\n%s",
                key_usage);
        return HL_EXIT_USAGE;
    }
    const char *given = cli->config_path;
    if (!given) {
        const char *env = getenv("HAILONG_CONFIG");
        given = env && *env ? env : HL_KEY_DEFAULT_CONFIG;
    }
    /* Write through a symlinked config to the file it names. */
    char path[PATH_MAX];
    struct stat st;
    bool exists = stat(given, &st) == 0;
    if (!exists && errno != ENOENT) {
        fprintf(stderr, "hailong export-key: cannot reach %s: %s; give --config FILE\n", given,
                strerror(errno));
        return HL_EXIT_FAIL;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "hailong export-key: %s is not a regular file; give --config FILE\n",
                given);
        return HL_EXIT_FAIL;
    }
    if (exists ? !realpath(given, path)
               : snprintf(path, sizeof path, "%s", given) >= (int)sizeof path) {
        fprintf(stderr, "hailong export-key: cannot resolve %s: %s\n", given, strerror(errno));
        return HL_EXIT_FAIL;
    }
    if (exists && !hl_key_config_valid(path)) return HL_EXIT_FAIL;

    unsigned char raw[HL_KEY_SECRET_BYTES], key[HL_BUNDLE_KEY_LEN];
    char secret[2 * HL_KEY_SECRET_BYTES + 1], hash[2 * HL_BUNDLE_KEY_LEN + 1];
    if (cli->sys.random(cli->sys.ctx, raw, sizeof raw) != 0) {
        fprintf(stderr, "hailong export-key: no random bytes from the system (getrandom): %s\n",
                strerror(errno));
        return HL_EXIT_FAIL;
    }
    hl_key_hex(raw, sizeof raw, secret);
    explicit_bzero(raw, sizeof raw);
    hl_bundle_key_from_secret(secret, strlen(secret), key);
    hl_key_hex(key, sizeof key, hash);
    explicit_bzero(key, sizeof key);

    int rc = HL_EXIT_FAIL;
    char *text = hl_key_new_config_text(path, exists, hash);
    if (text) {
        mode_t mode = exists ? (st.st_mode & 07777) : 0644;
        rc = hl_key_replace_file(path, text, mode, exists, exists ? st.st_uid : 0,
                                 exists ? st.st_gid : 0);
        free(text);
    }
    if (rc == HL_EXIT_OK) {
        printf("%s\n", secret);
        fflush(stdout);
        fprintf(stderr,
                "hailong export-key: the line above is the new export secret; it is shown only "
                "this once.\n"
                "Write it to HAILONG/export.key on each technician's USB stick, e.g.\n"
                "  mkdir -p /media/usb0/HAILONG && echo SECRET > /media/usb0/HAILONG/export.key\n"
                "Its SHA-256 is now export.key_sha256 in %s; restart the kiosk to use it.\n"
                "Sticks holding an older secret no longer work.\n",
                path);
    }
    explicit_bzero(secret, sizeof secret);
    return rc;
}
