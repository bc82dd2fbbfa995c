/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_admin.c: the province's commands on its database: kiosks (register,
 * disable, a new token, a new key, list), surveys (registered for the
 * reports, checked by hailong check's rules), assignments (a survey or an
 * officer list to a unit or a kiosk), the fleet's health, alerts and
 * settings. They run as a role that owns the schema (the database's owner,
 * or postgres), never as the service's role.
 */
#include "hl_devkey.h"
#include "hl_json.h"
#include "hl_push.h"
#include "hl_survey.h"
#include "hl_sys.h"
#include "srv_int.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* The value of --name in argv (from index 0), or NULL. */
static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return NULL;
}

static bool flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], name)) return true;
    return false;
}

/* A public key as `hailong identity` prints it: "ed25519:HEX", the whole
 * line "KIOSK ed25519:HEX FINGERPRINT", or 64 hex digits. */
static int parse_key(const char *s, unsigned char pub[32], char fp[17], hl_err_t *err)
{
    const char *p = strstr(s, "ed25519:");
    p = p ? p + 8 : s;
    char hex[65];
    size_t n = strcspn(p, " \t\n");
    if (n != 64)
        return hl_err_set(err, HL_ERR_USAGE,
                          "--key: want ed25519:<64 hex digits> as `hailong identity` prints "
                          "it on the kiosk");
    memcpy(hex, p, 64);
    hex[64] = '\0';
    if (!hl_hex_decode(hex, pub, 32))
        return hl_err_set(err, HL_ERR_USAGE, "--key: %s is not 64 hex digits", hex);
    hl_devkey_fingerprint(pub, fp);
    return HL_OK;
}

/* A fresh token (64 hex digits) and its SHA-256 as \x hex for bytea. */
static int new_token(char token[65], char hash_lit[67], hl_err_t *err)
{
    unsigned char raw[32], md[32];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return hl_err_set(err, HL_ERR_IO, "no random bytes for a token");
    hl_hex_encode(raw, 32, token);
    if (!EVP_Digest(token, 64, md, NULL, EVP_sha256(), NULL))
        return hl_err_set(err, HL_ERR_INTERNAL, "SHA-256 failed");
    hash_lit[0] = '\\';
    hash_lit[1] = 'x';
    hl_hex_encode(md, 32, hash_lit + 2);
    return HL_OK;
}

static void print_token(const char *kiosk, const char *token)
{
    fprintf(stderr,
            "The kiosk's token, shown once (only its hash is kept). Put it in the kiosk's "
            "config:\n  \"sync\": {\"url\": \"https://<this server>%s\", \"token\": \"...\"}\n"
            "for kiosk %s:\n",
            SRV_PATH, kiosk);
    printf("%s\n", token);
}

static int kiosk_exists(PGconn *c, const char *id, hl_err_t *err)
{
    PGresult *r = NULL;
    const char *v[] = {id};
    int rc = srv_db_params(c, "SELECT 1 FROM hailong.kiosks WHERE id = $1", 1, v, &r, err);
    if (rc != HL_OK) return rc;
    bool found = PQntuples(r) == 1;
    PQclear(r);
    return found ? HL_OK
                 : hl_err_set(err, HL_ERR_NOT_FOUND,
                              "no kiosk %s: `hailong-server kiosk list` shows them", id);
}

int srv_cmd_kiosk(PGconn *c, int argc, char **argv, hl_err_t *err)
{
    const char *verb = argc > 0 ? argv[0] : "";
    const char *id = argc > 1 ? argv[1] : NULL;
    if (!strcmp(verb, "list")) {
        PGresult *r = NULL;
        int rc = srv_db_params(c,
                               "SELECT id, unit, coalesce(commune, ''), coalesce(district, ''), "
                               "CASE WHEN enabled THEN 'enabled' ELSE 'disabled' END, "
                               "coalesce(key_fp, '-') FROM hailong.kiosks ORDER BY unit, id",
                               0, NULL, &r, err);
        if (rc != HL_OK) return rc;
        for (int i = 0; i < PQntuples(r); i++)
            printf("%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                   PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
                   PQgetvalue(r, i, 5));
        PQclear(r);
        return HL_OK;
    }
    if (!id || !hl_push_id_ok(id, 40))
        return hl_err_set(err, HL_ERR_USAGE,
                          "kiosk %s: give the kiosk's id ([a-z0-9_-]{1,40}, its config's "
                          "kiosk_id)",
                          verb);
    if (!strcmp(verb, "add")) {
        const char *unit = opt(argc, argv, "--unit"), *key = opt(argc, argv, "--key");
        if (!unit || !*unit || strlen(unit) > 120)
            return hl_err_set(err, HL_ERR_USAGE,
                              "kiosk add: --unit NAME is required (1 to 120 "
                              "bytes: the office the kiosk serves)");
        if (!key)
            return hl_err_set(err, HL_ERR_USAGE,
                              "kiosk add: --key is required: run `hailong identity` on the "
                              "kiosk and give what it prints");
        unsigned char pub[32];
        char fp[17], pub_lit[67], token[65], hash[67];
        int rc = parse_key(key, pub, fp, err);
        if (rc == HL_OK) rc = new_token(token, hash, err);
        if (rc != HL_OK) return rc;
        pub_lit[0] = '\\';
        pub_lit[1] = 'x';
        hl_hex_encode(pub, 32, pub_lit + 2);
        const char *v[] = {
            id, unit, opt(argc, argv, "--commune"), opt(argc, argv, "--district"), pub_lit,
            fp, hash};
        rc = srv_db_params(c,
                           "INSERT INTO hailong.kiosks (id, unit, commune, district, public_key, "
                           "key_fp, token_hash) VALUES ($1, $2, $3, $4, $5::bytea, $6, "
                           "$7::bytea)",
                           7, v, NULL, err);
        if (rc != HL_OK) {
            if (strstr(err->msg, "duplicate key"))
                return hl_err_set(err, HL_ERR_STATE,
                                  "kiosk %s is registered already: `kiosk token %s` gives it a "
                                  "new token, `kiosk key %s --key ...` a new key",
                                  id, id, id);
            return rc;
        }
        fprintf(stderr, "kiosk %s registered for %s, key %s\n", id, unit, fp);
        print_token(id, token);
        return HL_OK;
    }
    int rc = kiosk_exists(c, id, err);
    if (rc != HL_OK) return rc;
    if (!strcmp(verb, "disable") || !strcmp(verb, "enable")) {
        const char *v[] = {id, !strcmp(verb, "enable") ? "true" : "false"};
        rc = srv_db_params(c,
                           "UPDATE hailong.kiosks SET enabled = $2::boolean, changed_at = now() "
                           "WHERE id = $1",
                           2, v, NULL, err);
        if (rc == HL_OK) fprintf(stderr, "kiosk %s %sd\n", id, verb);
        return rc;
    }
    if (!strcmp(verb, "token")) {
        char token[65], hash[67];
        if ((rc = new_token(token, hash, err)) != HL_OK) return rc;
        const char *v[] = {id, hash};
        rc = srv_db_params(c,
                           "UPDATE hailong.kiosks SET token_hash = $2::bytea, changed_at = now() "
                           "WHERE id = $1",
                           2, v, NULL, err);
        if (rc != HL_OK) return rc;
        fprintf(stderr, "kiosk %s: a new token; the old one no longer works\n", id);
        print_token(id, token);
        return HL_OK;
    }
    if (!strcmp(verb, "key")) {
        const char *key = opt(argc, argv, "--key");
        if (!key) return hl_err_set(err, HL_ERR_USAGE, "kiosk key ID --key ed25519:HEX");
        unsigned char pub[32];
        char fp[17], lit[67];
        if ((rc = parse_key(key, pub, fp, err)) != HL_OK) return rc;
        lit[0] = '\\';
        lit[1] = 'x';
        hl_hex_encode(pub, 32, lit + 2);
        const char *v[] = {id, lit, fp};
        rc = srv_db_params(c,
                           "UPDATE hailong.kiosks SET public_key = $2::bytea, key_fp = $3, "
                           "changed_at = now() WHERE id = $1",
                           3, v, NULL, err);
        if (rc == HL_OK) fprintf(stderr, "kiosk %s: key %s\n", id, fp);
        return rc;
    }
    return hl_err_set(err, HL_ERR_USAGE,
                      "kiosk %s: unknown; use add, list, disable, enable, token or key", verb);
}

/* Loads a survey with hailong check's rules and registers it; *sha gets
 * its SHA-256. for_network: refuse pictures and recordings (a kiosk
 * cannot fetch them over the sync). */
static int survey_register(PGconn *c, const char *path, bool for_network, char sha[65],
                           hl_err_t *err)
{
    hl_survey_t *s = NULL;
    hl_diags_t diags = {0};
    if (hl_survey_load_file(path, &s, &diags) != HL_OK) {
        hl_diags_print(&diags, stderr);
        size_t n = diags.n;
        hl_diags_free(&diags);
        return hl_err_set(err, HL_ERR_INVALID, "%s: %zu problem(s), see above; nothing changed",
                          path, n);
    }
    hl_diags_free(&diags);
    int rc = HL_OK;
    if (for_network) {
        bool media = s->n_recordings > 0;
        for (size_t i = 0; i < s->n_questions; i++)
            if (s->questions[i].image_rel) media = true;
        if (media)
            rc = hl_err_set(err, HL_ERR_INVALID,
                            "%s names pictures or recordings, which kiosks cannot fetch over "
                            "the network: install it from a USB stick, or assign a version "
                            "without them",
                            path);
    }
    if (rc == HL_OK) {
        memcpy(sha, s->sha256, 65);
        const char *v[] = {s->sha256, s->source};
        PGresult *r = NULL;
        rc = srv_db_params(c, "SELECT hailong.register_survey($1, $2)", 2, v, &r, err);
        if (rc == HL_OK) {
            fprintf(stderr, "survey %s version %lld (%.12s…) %s\n", s->id, (long long)s->version,
                    s->sha256,
                    !strcmp(PQgetvalue(r, 0, 0), "t") ? "registered" : "was registered already");
            PQclear(r);
        }
    }
    hl_survey_free(s);
    return rc;
}

int srv_cmd_survey(PGconn *c, int argc, char **argv, hl_err_t *err)
{
    if (argc != 2 || strcmp(argv[0], "add"))
        return hl_err_set(err, HL_ERR_USAGE, "survey add FILE");
    char sha[65];
    return survey_register(c, argv[1], false, sha, err);
}

/* An officer list: [{"id": "...", "name": "..."}], at most 32, ids unique. */
static int officers_load(const char *path, char **out, hl_err_t *err)
{
    json_error_t je;
    json_t *a = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!a)
        return hl_err_set(err, HL_ERR_INVALID, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    int rc = HL_OK;
    if (!json_is_array(a) || json_array_size(a) > 32)
        rc = hl_err_set(err, HL_ERR_INVALID,
                        "%s: want a list of at most 32 officers: [{\"id\": \"...\", \"name\": "
                        "\"...\"}]",
                        path);
    json_t *clean = json_array();
    for (size_t i = 0; rc == HL_OK && i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i);
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *name = json_string_value(json_object_get(o, "name"));
        if (!id || !hl_push_id_ok(id, 32) || !name || !*name || strlen(name) > 120) {
            rc = hl_err_set(err, HL_ERR_INVALID,
                            "%s: officer %zu: want an id of [a-z0-9_-]{1,32} and a name of 1 "
                            "to 120 bytes",
                            path, i + 1);
            break;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(id, json_string_value(json_object_get(json_array_get(a, j), "id"))))
                rc = hl_err_set(err, HL_ERR_INVALID, "%s: officer id %s twice", path, id);
        json_array_append_new(clean, json_pack("{s:s,s:s}", "id", id, "name", name));
    }
    if (rc == HL_OK && !(*out = json_dumps(clean, JSON_COMPACT)))
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    json_decref(clean);
    json_decref(a);
    return rc;
}

int srv_cmd_assign(PGconn *c, int argc, char **argv, hl_err_t *err)
{
    const char *unit = opt(argc, argv, "--unit"), *kiosk = opt(argc, argv, "--kiosk");
    const char *survey = opt(argc, argv, "--survey"), *officers = opt(argc, argv, "--officers");
    if (!!unit == !!kiosk || (!survey && !officers))
        return hl_err_set(err, HL_ERR_USAGE,
                          "assign (--unit NAME | --kiosk ID) [--survey FILE] [--officers "
                          "FILE.json]: one target, and a survey, officers or both");
    int rc;
    if (kiosk && (rc = kiosk_exists(c, kiosk, err)) != HL_OK) return rc;
    char sha[65] = "", *off = NULL;
    if (officers && (rc = officers_load(officers, &off, err)) != HL_OK) return rc;
    if ((rc = srv_db_exec(c, "BEGIN", err)) != HL_OK) goto out;
    if (survey && (rc = survey_register(c, survey, true, sha, err)) != HL_OK) goto rollback;
    const char *v[] = {unit ? "unit" : "kiosk", unit ? unit : kiosk, survey ? sha : NULL, off};
    PGresult *r = NULL;
    rc = srv_db_params(c,
                       "INSERT INTO hailong.assignments (target_kind, target, survey_sha256, "
                       "officers) VALUES ($1, $2, $3, $4::jsonb) RETURNING id",
                       4, v, &r, err);
    if (rc != HL_OK) goto rollback;
    char id[24];
    hl_fmt(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if ((rc = srv_db_exec(c, "COMMIT", err)) != HL_OK) goto out;
    fprintf(stderr,
            "assignment %s: %s%s%s to %s %s; each kiosk installs it after its next sync, when "
            "nobody is answering (`hailong-server fleet` shows its state)\n",
            id, survey ? "survey" : "", survey && officers ? " and " : "",
            officers ? "officers" : "", unit ? "unit" : "kiosk", unit ? unit : kiosk);
    goto out;
rollback:
    srv_db_exec(c, "ROLLBACK", NULL);
out:
    free(off);
    return rc;
}

int srv_cmd_fleet(PGconn *c, int argc, char **argv, hl_err_t *err)
{
    bool json = flag(argc, argv, "--json"), silent = flag(argc, argv, "--silent");
    PGresult *r = NULL;
    int rc = srv_db_params(
        c,
        json ? "SELECT coalesce(json_agg(f ORDER BY f.unit, f.kiosk_id), '[]') FROM "
               "hailong_report.fleet f WHERE NOT $1::boolean OR f.silent"
             : "SELECT kiosk_id, unit, CASE WHEN NOT enabled THEN 'disabled' WHEN silent THEN "
               "'SILENT' ELSE 'ok' END, coalesce(to_char(last_seen AT TIME ZONE 'UTC', "
               "'YYYY-MM-DD HH24:MI:SS\"Z\"'), 'never'), coalesce(software, '-'), "
               "coalesce(survey_id || ' v' || survey_version, '-'), coalesce(pending::text, "
               "'-'), coalesce(pg_size_pretty(disk_free_bytes), '-'), CASE WHEN clock_trusted "
               "THEN 'clock ok' WHEN clock_trusted IS NULL THEN '-' ELSE 'CLOCK UNTRUSTED' END, "
               "coalesce('assignment ' || assignment_id || ' ' || assignment_state, '-'), "
               "coalesce(last_error, ''), open_alerts FROM hailong_report.fleet WHERE NOT "
               "$1::boolean OR silent ORDER BY unit, kiosk_id",
        1, (const char *[]){silent ? "true" : "false"}, &r, err);
    if (rc != HL_OK) return rc;
    if (json) {
        printf("%s\n", PQgetvalue(r, 0, 0));
    } else {
        for (int i = 0; i < PQntuples(r); i++) {
            for (int j = 0; j < PQnfields(r); j++)
                printf("%s%s", j ? "\t" : "", PQgetvalue(r, i, j));
            printf("\n");
        }
    }
    PQclear(r);
    return HL_OK;
}

int srv_cmd_alerts(PGconn *c, int argc, char **argv, hl_err_t *err)
{
    const char *ack = opt(argc, argv, "--ack");
    if (ack) {
        PGresult *r = NULL;
        int rc = srv_db_params(c,
                               "UPDATE hailong.alerts SET acknowledged_at = now() WHERE id = "
                               "$1::bigint AND acknowledged_at IS NULL RETURNING id",
                               1, (const char *[]){ack}, &r, err);
        if (rc != HL_OK) return rc;
        int n = PQntuples(r);
        PQclear(r);
        return n ? HL_OK : hl_err_set(err, HL_ERR_NOT_FOUND, "no open alert %s", ack);
    }
    bool all = flag(argc, argv, "--all"), json = flag(argc, argv, "--json");
    PGresult *r = NULL;
    int rc = srv_db_params(
        c,
        json ? "SELECT coalesce(json_agg(a ORDER BY a.id), '[]') FROM hailong_report.alerts a "
               "WHERE $1::boolean OR a.acknowledged_at IS NULL"
             : "SELECT id, kind, to_char(happened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
               "HH24:MI:SS\"Z\"'), coalesce(kiosk_id, '-'), coalesce(unit, '-'), "
               "coalesce(counter, coalesce('officer ' || officer_id, '-')), details::text FROM "
               "hailong_report.alerts WHERE $1::boolean OR acknowledged_at IS NULL ORDER BY id",
        1, (const char *[]){all ? "true" : "false"}, &r, err);
    if (rc != HL_OK) return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        for (int j = 0; j < PQnfields(r); j++)
            printf("%s%s", j ? "\t" : "", PQgetvalue(r, i, j));
        printf("\n");
    }
    PQclear(r);
    return HL_OK;
}

int srv_cmd_settings(PGconn *c, int argc, char **argv, hl_err_t *err)
{
    if (argc == 2) {
        PGresult *r = NULL;
        int rc = srv_db_params(c,
                               "UPDATE hailong.settings SET value = $2::numeric WHERE key = $1 "
                               "AND $2::numeric >= 0 RETURNING key",
                               2, (const char *[]){argv[0], argv[1]}, &r, err);
        if (rc != HL_OK) return rc;
        int n = PQntuples(r);
        PQclear(r);
        if (!n)
            return hl_err_set(err, HL_ERR_USAGE,
                              "settings %s %s: no such setting, or a negative value "
                              "(`hailong-server settings` lists them)",
                              argv[0], argv[1]);
        return HL_OK;
    }
    if (argc != 0) return hl_err_set(err, HL_ERR_USAGE, "settings [KEY VALUE]");
    PGresult *r = NULL;
    int rc = srv_db_params(c, "SELECT key, value, meaning FROM hailong.settings ORDER BY key", 0,
                           NULL, &r, err);
    if (rc != HL_OK) return rc;
    for (int i = 0; i < PQntuples(r); i++)
        printf("%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    PQclear(r);
    return HL_OK;
}
