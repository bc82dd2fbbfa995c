/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_web_staff.c: `hailong-server staff`, the dashboard's accounts, run by
 * the province's administrator as the database's owner:
 *   staff add LOGIN --name NAME --role province|unit [--unit UNIT]
 *   staff passwd LOGIN       (also unlocks and re-enables the account)
 *   staff disable LOGIN      (its sessions end at once)
 *   staff list
 * The password is read from stdin (one line; never an argument, which
 * other users could see in ps), at least 8 characters, and stored as
 * PBKDF2-HMAC-SHA256 with a random 16-byte salt and SRV_WEB_ITER
 * iterations. hailong.web_staff_set writes and logs the change.
 */
#include "hl_sys.h"
#include "srv_web_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* One line of stdin, without its end of line; false when empty or long. */
static bool read_password(char *out, size_t cap, hl_err_t *err)
{
    if (!fgets(out, (int)cap, stdin)) {
        hl_err_set(err, HL_ERR_USAGE, "staff: give the password on stdin (one line)");
        return false;
    }
    size_t n = strcspn(out, "\r\n");
    if (out[n] == '\0' && n + 1 >= cap) {
        hl_err_set(err, HL_ERR_USAGE, "staff: the password is too long (%zu bytes at most)",
                   cap - 2);
        return false;
    }
    out[n] = '\0';
    if (strlen(out) < 8) {
        hl_err_set(err, HL_ERR_USAGE, "staff: the password needs at least 8 characters");
        return false;
    }
    return true;
}

static void hexa(const unsigned char *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    out[0] = '\\';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = d[b[i] >> 4];
        out[3 + 2 * i] = d[b[i] & 15];
    }
    out[2 + 2 * n] = '\0';
}

/* The salt and key of a new password, as bytea parameters. */
static int derive(const char *password, char salt_hex[36], char key_hex[68], hl_err_t *err)
{
    unsigned char salt[16], key[32];
    if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt)
        return hl_err_set(err, HL_ERR_IO, "no random bytes for a salt");
    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, SRV_WEB_ITER,
                          EVP_sha256(), sizeof key, key) != 1)
        return hl_err_set(err, HL_ERR_INTERNAL, "PBKDF2 failed");
    hexa(salt, sizeof salt, salt_hex);
    hexa(key, sizeof key, key_hex);
    OPENSSL_cleanse(key, sizeof key);
    return HL_OK;
}

static int staff_list(PGconn *c, hl_err_t *err)
{
    PGresult *r = NULL;
    int rc = srv_db_params(c,
                           "SELECT login, role, coalesce(unit, '-'), CASE WHEN disabled THEN "
                           "'disabled' WHEN locked_until > now() THEN 'locked' ELSE 'active' END, "
                           "name FROM hailong.staff ORDER BY login",
                           0, NULL, &r, err);
    if (rc != HL_OK) return rc;
    for (int i = 0; i < PQntuples(r); i++)
        printf("%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
    PQclear(r);
    return HL_OK;
}

int srv_cmd_staff(PGconn *c, int argc, char **argv, hl_err_t *err)
{
    const char *verb = argc ? argv[0] : "";
    if (!strcmp(verb, "list")) return staff_list(c, err);
    if (strcmp(verb, "add") && strcmp(verb, "passwd") && strcmp(verb, "disable"))
        return hl_err_set(err, HL_ERR_USAGE, "staff %s: use add, passwd, disable or list", verb);
    if (argc < 2 || argv[1][0] == '-')
        return hl_err_set(err, HL_ERR_USAGE, "staff %s: which LOGIN?", verb);
    const char *login = argv[1], *name = NULL, *role = NULL, *unit = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v || strcmp(verb, "add"))
            return hl_err_set(err, HL_ERR_USAGE, "staff %s: unexpected %s", verb, a);
        i++;
        if (!strcmp(a, "--name"))
            name = v;
        else if (!strcmp(a, "--role"))
            role = v;
        else if (!strcmp(a, "--unit"))
            unit = v;
        else
            return hl_err_set(err, HL_ERR_USAGE, "staff add: unknown option %s", a);
    }
    if (!strcmp(verb, "add")) {
        if (!name || !role)
            return hl_err_set(err, HL_ERR_USAGE, "staff add: --name and --role are needed");
        if (strcmp(role, "province") && strcmp(role, "unit"))
            return hl_err_set(err, HL_ERR_USAGE, "staff add: --role province or unit");
        if (!strcmp(role, "unit") != !!unit)
            return hl_err_set(err, HL_ERR_USAGE,
                              "staff add: --unit goes with --role unit, and only with it");
        if (unit && !srv_web_valid_unit(unit))
            return hl_err_set(err, HL_ERR_USAGE, "staff add: --unit: 1 to 120 bytes of text");
    }
    char password[256], salt[36] = "", key[68] = "";
    if (strcmp(verb, "disable")) {
        if (!read_password(password, sizeof password, err)) return err->code;
        int rc = derive(password, salt, key, err);
        OPENSSL_cleanse(password, sizeof password);
        if (rc != HL_OK) return rc;
    }
    char iter[16];
    hl_fmt(iter, sizeof iter, "%d", SRV_WEB_ITER);
    const char *v[] = {
        login, name, role, unit, salt[0] ? salt : NULL, salt[0] ? iter : NULL, key[0] ? key : NULL,
        verb};
    PGresult *r = NULL;
    int rc = srv_db_params(c,
                           "SELECT hailong.web_staff_set($1, $2, $3, $4, $5::bytea, $6::integer, "
                           "$7::bytea, $8)",
                           8, v, &r, err);
    if (rc != HL_OK) return hl_err_wrap(err, "staff %s %s", verb, login);
    bool done = !strcmp(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    if (!done) return hl_err_set(err, HL_ERR_NOT_FOUND, "staff %s: no account %s", verb, login);
    printf("staff %s: %s\n", verb, login);
    return HL_OK;
}
