/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_chain.c: tamper evidence: each finished response's chain value
 * and the device key's signature, the link to an older HMAC chain, and
 * the verification that names what was edited, deleted, inserted or
 * reordered.
 */
#include "store_int.h"

/* ---- Tamper evidence ------------------------------------------------------------ */

/* The chain (hl_store.h, "Tamper evidence"): each finished response's chain
 * is the hex SHA-256 of its canonical content (hl_jsonl_put_row_canonical:
 * the JSON Lines object without the chain fields, built from the row as
 * hl_store_foreach reads it) followed by prev_chain, the chain of the
 * finished response before it by seq (64 '0' for the first); chain_sig is
 * the device key's Ed25519 signature over the chain statement
 * "hailong-chain-1 KIOSK_ID SEQ CHAIN" (hl_devkey.h), and chain_key the
 * device key's fingerprint. Rows chained before schema 6 hold an HMAC-SHA256
 * chain keyed with the old shared key (chain_sig NULL, chain_key that key's
 * id); the first signed row follows the last of them, so its signature
 * covers the old head: the signed link between the two eras.
 *
 * Chaining runs strictly in seq order: store_chain_pending links every finished
 * response after the newest chained one, in seq order, and stops at the
 * first response still in progress (the ones after it wait until it is
 * finished or removed), so no two responses ever name the same prev_chain.
 * It runs in the transaction that finishes a response and in
 * hl_store_set_signer. Recovery at open runs before anyone can set the
 * key: responses it finishes, and responses finished while no key was set,
 * keep chain NULL until the key is set, and hl_store_set_signer chains them
 * all, in seq order, in one transaction. Once set, responses_keep_finished
 * refuses any change to the row, chain included.
 *
 * hl_store_verify_chain walks the finished responses in seq order with the
 * chain value it expects next (that of the last linked response; 64 '0' at
 * the start), and reports, by seq:
 *   INSERTED   chain NULL ("not chained": a row added by another program, or
 *              finished while no key was set and not chained since); an
 *              unsigned row after a signed one; or a row that is neither
 *              linked to the one before it nor valid (a forged row).
 *              Inserted rows are skipped: the next one is expected to link
 *              to the row before them.
 *   OTHER_KEY  signed by another device key (its fingerprint differs): not
 *              checked, the walk goes on from its chain value.
 *   UNCHECKED  an HMAC-era row when the old key is not given: its link is
 *              followed, its content not checked (not a problem).
 *   EDITED     linked to the response before it, but its hash (or MAC) over
 *              its content, or its signature, does not match: an answer, a
 *              time, the status or any other exported field changed after it
 *              was chained.
 *   DELETED    not linked to the response before it, valid itself, and no
 *              stored response has the chain value it names: the
 *              response(s) between were removed ("the response(s) before seq
 *              N are missing"; reported at the first response after them).
 *   REORDERED  it names the chain value of a response other than the one
 *              before it (a later one, or an earlier one): rows were moved
 *              (seqs swapped). A moved row's hash fails too (seq is part of
 *              the content); it is reported once, as REORDERED. A row that
 *              follows one of the last 16 rows found moved is linked.
 * Limits: a finished row without a chain after the chain head is chained
 * by the next hl_store_set_signer as if recovered, so a row inserted at the
 * end while the kiosk is off is accepted then; removing the newest
 * responses leaves a shorter, valid chain: for both, only a chain head
 * recorded outside the kiosk (in manifests and by the sync server) shows it.
 * Someone who holds the device key (root on the kiosk) can rebuild a valid
 * chain. In-progress responses are not covered until finished. */

#define CHAIN_ZERO        "0000000000000000000000000000000000000000000000000000000000000000"
#define CHAIN_BATCH       64                 /* responses linked per walk */
#define CHAIN_CONTENT_MAX (16 * 1024 * 1024) /* largest canonical content */
#define CHAIN_STOP        (-1)               /* chain_row: a response in progress, stop */
#define CHAIN_FULL        (-2)               /* chain_row: the batch is full */

/* hex = SHA-256(canonical content of r || prev), or with hmac_key the
 * HMAC-SHA256 of the same (schema 5's chain); false when out of memory. */
static bool chain_value(const unsigned char *hmac_key, const hl_row_t *r, const char *prev,
                        char hex[HL_CHAIN_HEX + 1])
{
    hl_fdbuf_t o = {.fd = -1, .limit = CHAIN_CONTENT_MAX};
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    bool ok = hl_jsonl_put_row_canonical(&o, r) && hl_fdbuf_put(&o, prev, strlen(prev));
    if (ok && hmac_key)
        ok = HMAC(EVP_sha256(), hmac_key, 32, (const unsigned char *)o.buf, o.len, mac, &n) &&
             n == 32;
    else if (ok)
        ok = EVP_Digest(o.buf, o.len, mac, &n, EVP_sha256(), NULL) && n == 32;
    if (ok) hl_hex_encode(mac, 32, hex);
    free(o.buf);
    return ok;
}

/* One batch of responses to link, as chain_row collects it. */
typedef struct hl_chain_batch {
    const hl_store_t *st;
    char prev[HL_CHAIN_HEX + 1];                   /* chain value the next response follows */
    int64_t seq[CHAIN_BATCH];                      /* responses linked, in seq order */
    char chain[CHAIN_BATCH][HL_CHAIN_HEX + 1];     /* their chain values */
    char prevs[CHAIN_BATCH][HL_CHAIN_HEX + 1];     /* the values they follow */
    char sigs[CHAIN_BATCH][HL_DEVKEY_SIG_HEX + 1]; /* the device key's signatures */
    size_t n;                                      /* entries used */
    bool nomem;                                    /* chain_value failed */
    hl_err_t *err;                                 /* for a failed signature */
} hl_chain_batch_t;

static int chain_row(void *ctx, const hl_row_t *r)
{
    hl_chain_batch_t *b = ctx;
    if (r->status == HL_RESP_IN_PROGRESS) return CHAIN_STOP;
    if (r->chain) { /* cannot happen after the head; followed as it is */
        snprintf(b->prev, sizeof b->prev, "%s", r->chain);
        return HL_OK;
    }
    if (!chain_value(NULL, r, b->prev, b->chain[b->n])) {
        b->nomem = true;
        return HL_ERR_NOMEM;
    }
    int rc = hl_devkey_sign_chain(b->st->signer, r->kiosk_id, r->seq, b->chain[b->n], b->sigs[b->n],
                                  b->err);
    if (rc != HL_OK) return rc;
    b->seq[b->n] = r->seq;
    memcpy(b->prevs[b->n], b->prev, sizeof b->prev);
    memcpy(b->prev, b->chain[b->n], sizeof b->prev);
    return ++b->n == CHAIN_BATCH ? CHAIN_FULL : HL_OK;
}

/* The newest chained response: *seq (0 when none), its chain value (64 '0'
 * when none) and, when sig is not NULL, its signature and the signing key's
 * fingerprint (an HMAC-era head: its signed link's, if any; "" when
 * unsigned). */
static int chain_head_read(hl_store_t *st, int64_t *seq, char hex[HL_CHAIN_HEX + 1],
                           char sig[HL_DEVKEY_SIG_HEX + 1], char fpr[HL_DEVKEY_FPR_HEX + 1],
                           hl_err_t *err)
{
    *seq = 0;
    memcpy(hex, CHAIN_ZERO, HL_CHAIN_HEX + 1);
    if (sig) sig[0] = '\0';
    if (fpr) fpr[0] = '\0';
    sqlite3_stmt *s = NULL;
    int rc =
        store_row(st,
                  "SELECT r.seq, r.chain, r.chain_sig, r.chain_key, l.sig, l.key FROM responses"
                  " r LEFT JOIN chain_links l ON l.seq = r.seq AND l.chain = r.chain"
                  " WHERE r.chain IS NOT NULL ORDER BY r.seq DESC, l.rowid DESC LIMIT 1",
                  true, "reading the chain head", &s, err);
    if (s) {
        *seq = sqlite3_column_int64(s, 0);
        store_column_text_copy(s, 1, hex, HL_CHAIN_HEX + 1);
        bool own = sqlite3_column_type(s, 2) != SQLITE_NULL;
        if (sig && (own || sqlite3_column_type(s, 4) != SQLITE_NULL))
            store_column_text_copy(s, own ? 2 : 4, sig, HL_DEVKEY_SIG_HEX + 1);
        if (fpr && (own || sqlite3_column_type(s, 5) != SQLITE_NULL))
            store_column_text_copy(s, own ? 3 : 5, fpr, HL_DEVKEY_FPR_HEX + 1);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Links every finished response after the chain head, in seq order, up to
 * the first one in progress; inside the caller's transaction. */
int store_chain_pending(hl_store_t *st, hl_err_t *err)
{
    hl_chain_batch_t *b = malloc(sizeof *b);
    sqlite3_stmt *u = NULL;
    if (!b) return hl_err_set(err, HL_ERR_NOMEM, "out of memory chaining responses");
    int64_t cursor = 0;
    int rc = chain_head_read(st, &cursor, b->prev, NULL, NULL, err);
    if (rc != HL_OK) goto done;
    int src = sqlite3_prepare_v2(st->db,
                                 "UPDATE responses SET chain = ?2, prev_chain = ?3, chain_key = ?4,"
                                 " chain_sig = ?5 WHERE seq = ?1 AND status <> 0 AND chain IS NULL",
                                 -1, &u, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "chaining responses", err);
        goto done;
    }
    for (;;) {
        b->st = st;
        b->n = 0;
        b->nomem = false;
        b->err = err;
        rc = store_walk_responses(st, "?1", "", NULL, cursor, CHAIN_BATCH, true, chain_row, b, err);
        bool more = rc == CHAIN_FULL;
        if (rc == CHAIN_STOP || rc == CHAIN_FULL) rc = HL_OK;
        if (rc != HL_OK) {
            if (b->nomem) rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory chaining responses");
            goto done;
        }
        for (size_t i = 0; i < b->n; i++) {
            sqlite3_bind_int64(u, 1, b->seq[i]);
            sqlite3_bind_text(u, 2, b->chain[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 3, b->prevs[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 4, st->signer->fingerprint, -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 5, b->sigs[i], -1, SQLITE_STATIC);
            char what[96];
            snprintf(what, sizeof what, "chaining response %lld", (long long)b->seq[i]);
            if ((rc = store_stmt_done(st, u, what, err)) != HL_OK) goto done;
            if (sqlite3_changes(st->db) != 1) {
                rc = hl_err_set(err, HL_ERR_INTERNAL,
                                "response %lld could not be chained: %s was changed by another "
                                "program (or this is a bug in hailong); please report it",
                                (long long)b->seq[i], st->path);
                goto done;
            }
        }
        if (!more) break;
        cursor = b->seq[b->n - 1];
    }
done:
    sqlite3_finalize(u);
    free(b);
    return rc;
}

/* When the chain head is an HMAC-era response not yet linked with this
 * device key, signs it into chain_links (inside the caller's transaction):
 * the signed link from the old chain to the new one. */
static int chain_link_old_head(hl_store_t *st, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(
        st->db,
        "SELECT r.seq, r.chain, r.kiosk_id FROM responses r WHERE r.chain IS NOT NULL"
        " AND r.chain_sig IS NULL AND r.seq = (SELECT max(seq) FROM responses WHERE chain IS NOT"
        " NULL) AND NOT EXISTS (SELECT 1 FROM chain_links l WHERE l.seq = r.seq AND l.key = ?1)",
        -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_bind_text(s, 1, st->signer->fingerprint, -1, SQLITE_STATIC);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    if (src == SQLITE_DONE) {
        sqlite3_finalize(s);
        return HL_OK;
    }
    if (src != SQLITE_ROW) {
        int rc = store_fail(st, src, "reading the chain head to link", err);
        sqlite3_finalize(s);
        return rc;
    }
    int64_t seq = sqlite3_column_int64(s, 0);
    char chain[HL_CHAIN_HEX + 1], kiosk[HL_SURVEY_ID_MAX + 1], sig[HL_DEVKEY_SIG_HEX + 1];
    store_column_text_copy(s, 1, chain, sizeof chain);
    store_column_text_copy(s, 2, kiosk, sizeof kiosk);
    sqlite3_finalize(s);
    int rc = hl_devkey_sign_chain(st->signer, kiosk, seq, chain, sig, err);
    if (rc != HL_OK) return rc;
    src = sqlite3_prepare_v2(
        st->db, "INSERT INTO chain_links(seq, chain, key, sig) VALUES (?1, ?2, ?3, ?4)", -1, &s,
        NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "linking the chain head", err);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_text(s, 2, chain, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, st->signer->fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, sig, -1, SQLITE_STATIC);
    rc = store_stmt_done(st, s, "linking the chain head", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_set_signer(hl_store_t *st, const hl_devkey_t *key, hl_err_t *err)
{
    if (!st || !key || !key->pkey || !key->has_private)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_set_signer: no private key");
    st->signer = key;
    /* A read-only store only reads. */
    if (st->read_only) {
        hl_err_clear(err);
        return HL_OK;
    }
    if (st->batch_lost)
        return hl_err_set(err, HL_ERR_STATE, "the batch was rolled back after an error: end it");
    int rc = store_tx_begin(st, err);
    if (rc == HL_OK) rc = chain_link_old_head(st, err);
    if (rc == HL_OK) rc = store_chain_pending(st, err);
    if (rc == HL_OK) rc = store_tx_commit(st, err);
    if (rc != HL_OK) {
        store_tx_rollback(st);
        st->signer = NULL;
        return rc;
    }
    hl_err_clear(err);
    return HL_OK;
}

int hl_store_chain_head(hl_store_t *st, int64_t *seq, char hex[HL_CHAIN_HEX + 1], hl_err_t *err)
{
    if (!st || !seq || !hex)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_chain_head: no argument");
    return chain_head_read(st, seq, hex, NULL, NULL, err);
}

int hl_store_chain_head_signed(hl_store_t *st, int64_t *seq, char hex[HL_CHAIN_HEX + 1],
                               char sig[HL_DEVKEY_SIG_HEX + 1], char fpr[HL_DEVKEY_FPR_HEX + 1],
                               hl_err_t *err)
{
    if (!st || !seq || !hex || !sig || !fpr)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_chain_head_signed: no argument");
    return chain_head_read(st, seq, hex, sig, fpr, err);
}

int hl_store_hmac_until(hl_store_t *st, int64_t *seq, hl_err_t *err)
{
    if (!st || !seq) return hl_err_set(err, HL_ERR_USAGE, "hl_store_hmac_until: no argument");
    *seq = 0;
    sqlite3_stmt *s = NULL;
    /* No row (removed behind the store's back), or no signed link where
     * the old chain is said to end (the era moved to cover stripped rows):
     * 0, every response must be signed, so nothing passes for an old one. */
    int rc = store_row(st,
                       "SELECT coalesce((SELECT e.hmac_until FROM chain_era e WHERE e.id = 1"
                       " AND EXISTS (SELECT 1 FROM chain_links l WHERE l.seq = e.hmac_until)), 0)",
                       false, "reading where signatures begin", &s, err);
    if (s) *seq = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_signers(hl_store_t *st, int64_t *n_signed, char fpr[HL_DEVKEY_FPR_HEX + 1],
                     int64_t *n_hmac, hl_err_t *err)
{
    if (!st || !n_signed || !fpr || !n_hmac)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_signers: no argument");
    *n_signed = *n_hmac = 0;
    fpr[0] = '\0';
    sqlite3_stmt *s = NULL;
    int rc = store_row(st,
                       "SELECT count(chain_sig), count(chain) - count(chain_sig),"
                       " (SELECT chain_key FROM responses WHERE chain_sig IS NOT NULL"
                       " ORDER BY seq DESC LIMIT 1) FROM responses",
                       false, "reading who signed the stored responses", &s, err);
    if (s) {
        *n_signed = sqlite3_column_int64(s, 0);
        *n_hmac = sqlite3_column_int64(s, 1);
        if (sqlite3_column_type(s, 2) != SQLITE_NULL)
            store_column_text_copy(s, 2, fpr, HL_DEVKEY_FPR_HEX + 1);
    }
    sqlite3_finalize(s);
    return rc;
}

/* The state of hl_store_verify_chain's walk. */
typedef struct hl_verify {
    hl_store_t *st;
    const hl_devkey_t *device;       /* checks signed rows; NULL: none given */
    const unsigned char *hmac_key;   /* checks HMAC-era rows; NULL: not checked */
    char hmac_id[17];                /* hmac_key's id */
    char expected[HL_CHAIN_HEX + 1]; /* chain value the next response should follow */
    bool seen_signed;                /* a signed row came before */
    int64_t hmac_until;              /* unsigned rows after this seq are not the kiosk's */
    const hl_trust_t *trust;         /* other keys of this kiosk to believe; NULL: none */
    sqlite3_stmt *find;              /* the response holding a chain value */
    void (*cb)(void *ctx, int64_t seq, hl_chain_problem_t what, const char *detail);
    void *ctx;
    char moved[16][HL_CHAIN_HEX + 1]; /* chain values of the latest rows found REORDERED */
    size_t n_moved;                   /* entries written to moved (a ring) */
    size_t n;                         /* problems found */
    size_t n_unchecked;               /* HMAC-era rows not checked (no old key) */
    hl_err_t *err;                    /* for a failure of find */
    bool nomem;                       /* chain_value failed */
} hl_verify_t;

static void verify_report(hl_verify_t *v, int64_t seq, hl_chain_problem_t what, const char *detail)
{
    if (what == HL_CHAIN_UNCHECKED)
        v->n_unchecked++;
    else
        v->n++;
    if (v->cb) v->cb(v->ctx, seq, what, detail);
}

/* The seq of the finished response whose chain value is hex (0: none). */
static int verify_find(hl_verify_t *v, const char *hex, int64_t self, int64_t *seq)
{
    sqlite3_reset(v->find);
    sqlite3_bind_text(v->find, 1, hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(v->find, 2, self);
    int src = sqlite3_step(v->find);
    *seq = src == SQLITE_ROW ? sqlite3_column_int64(v->find, 0) : 0;
    sqlite3_reset(v->find);
    if (src == SQLITE_ROW || src == SQLITE_DONE) return HL_OK;
    return store_fail(v->st, src, "checking the chain", v->err);
}

static int verify_row(void *ctx, const hl_row_t *r)
{
    hl_verify_t *v = ctx;
    const hl_row_ext_t *x = (const hl_row_ext_t *)r;
    char detail[256];
    if (!r->chain || !r->prev_chain) {
        verify_report(v, r->seq, HL_CHAIN_INSERTED,
                      "not chained: it has no chain value (added by another program, or "
                      "finished while the kiosk had no device key)");
        return HL_OK;
    }
    bool valid; /* its own chain value (and signature) hold */
    if (x->chain_sig) {
        v->seen_signed = true;
        const hl_devkey_t *k = v->device;
        hl_devkey_t other = {0};
        /* Signed by another key of this kiosk that the trust list holds
         * (a replaced key): checked with it. */
        for (size_t i = 0; v->trust && x->chain_key && i < v->trust->n && !other.pkey; i++) {
            const hl_trust_entry_t *e = &v->trust->e[i];
            hl_err_t ignored = {0};
            if (!strcmp(e->fingerprint, x->chain_key) && r->kiosk_id &&
                !strcasecmp(e->kiosk_id, r->kiosk_id) &&
                (!k || strcmp(x->chain_key, k->fingerprint) != 0))
                (void)hl_devkey_from_public(e->pub, &other, &ignored);
        }
        if (other.pkey) k = &other;
        if (!k || !x->chain_key || strcmp(x->chain_key, k->fingerprint) != 0) {
            snprintf(detail, sizeof detail,
                     "signed by device key %.16s, not %s%s: not checked; if the kiosk's key was "
                     "replaced, give --trust with the province's list holding both keys",
                     x->chain_key ? x->chain_key : "(none)",
                     v->device ? v->device->fingerprint : "(no key given)",
                     v->device ? " (this kiosk's key)" : "");
            verify_report(v, r->seq, HL_CHAIN_OTHER_KEY, detail);
            snprintf(v->expected, sizeof v->expected, "%s", r->chain);
            return HL_OK;
        }
        char h[HL_CHAIN_HEX + 1];
        if (!chain_value(NULL, r, r->prev_chain, h)) {
            hl_devkey_free(&other);
            v->nomem = true;
            return HL_ERR_NOMEM;
        }
        valid = strcmp(h, r->chain) == 0 &&
                hl_devkey_verify_chain(k, r->kiosk_id, r->seq, r->chain, x->chain_sig);
        hl_devkey_free(&other);
    } else if (v->seen_signed || r->seq > v->hmac_until) {
        /* Linked in place: its signature was stripped (to pass for an old
         * row); not linked: added by another program. */
        bool linked = strcmp(r->prev_chain, v->expected) == 0;
        verify_report(v, r->seq, linked ? HL_CHAIN_EDITED : HL_CHAIN_INSERTED,
                      linked ? "unsigned where the kiosk signs every response: its signature "
                               "was removed"
                             : "unsigned where the kiosk signs every response: added by another "
                               "program");
        if (linked) snprintf(v->expected, sizeof v->expected, "%s", r->chain);
        return HL_OK;
    } else if (!v->hmac_key || !x->chain_key || strcmp(x->chain_key, v->hmac_id) != 0) {
        snprintf(detail, sizeof detail,
                 "chained before the device key, with the old shared key %.16s: %s",
                 x->chain_key ? x->chain_key : "(none)",
                 v->hmac_key ? "not the key given, not checked"
                             : "give that key (--key-file) to check its content");
        verify_report(v, r->seq, HL_CHAIN_UNCHECKED, detail);
        /* Its link is still followed: a deleted or moved row shows. */
        if (strcmp(r->prev_chain, v->expected) != 0) {
            int64_t at = 0;
            int rc = verify_find(v, r->prev_chain, r->seq, &at);
            if (rc != HL_OK) return rc;
            snprintf(detail, sizeof detail,
                     at > 0 ? "linked after seq %lld, not after the response before it"
                            : "the response(s) before seq %lld are missing",
                     (long long)(at > 0 ? at : r->seq));
            verify_report(v, r->seq, at > 0 ? HL_CHAIN_REORDERED : HL_CHAIN_DELETED, detail);
        }
        snprintf(v->expected, sizeof v->expected, "%s", r->chain);
        return HL_OK;
    } else {
        char mac[HL_CHAIN_HEX + 1];
        if (!chain_value(v->hmac_key, r, r->prev_chain, mac)) {
            v->nomem = true;
            return HL_ERR_NOMEM;
        }
        valid =
            CRYPTO_memcmp(mac, r->chain, HL_CHAIN_HEX + 1) == 0 && strlen(r->chain) == HL_CHAIN_HEX;
    }
    bool after_moved = false; /* follows a row already reported as moved */
    for (size_t i = 0; i < v->n_moved && i < 16; i++)
        if (strcmp(r->prev_chain, v->moved[i]) == 0) after_moved = true;
    if (strcmp(r->prev_chain, v->expected) == 0 || after_moved) {
        if (!valid)
            verify_report(v, r->seq, HL_CHAIN_EDITED,
                          "its content does not match its chain value or signature: changed "
                          "after it was stored");
    } else {
        int64_t at = 0;
        int rc = verify_find(v, r->prev_chain, r->seq, &at);
        if (rc != HL_OK) return rc;
        if (at > 0) {
            snprintf(detail, sizeof detail,
                     "linked after seq %lld, %s: responses were moved out of order", (long long)at,
                     at > r->seq ? "which comes later" : "not after the response before it");
            verify_report(v, r->seq, HL_CHAIN_REORDERED, detail);
            snprintf(v->moved[v->n_moved++ % 16], HL_CHAIN_HEX + 1, "%s", r->chain);
        } else if (valid) {
            snprintf(detail, sizeof detail, "the response(s) before seq %lld are missing",
                     (long long)r->seq);
            verify_report(v, r->seq, HL_CHAIN_DELETED, detail);
        } else {
            verify_report(v, r->seq, HL_CHAIN_INSERTED,
                          "neither linked to the response before it nor signed with this key: "
                          "added by another program");
            return HL_OK; /* not part of the chain: the next one follows the one before */
        }
    }
    snprintf(v->expected, sizeof v->expected, "%s", r->chain);
    return HL_OK;
}

/* Checks the signed links (chain_links) made with the device key: the
 * response they name still has that chain value, and the signature holds. */
static int verify_links(hl_verify_t *v, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int src =
        sqlite3_prepare_v2(v->st->db,
                           "SELECT l.seq, l.chain, l.sig, r.chain, r.kiosk_id FROM chain_links"
                           " l LEFT JOIN responses r ON r.seq = l.seq WHERE l.key = ?1"
                           " ORDER BY l.seq",
                           -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_bind_text(s, 1, v->device->fingerprint, -1, SQLITE_STATIC);
    while (src == SQLITE_OK || src == SQLITE_ROW) {
        src = sqlite3_step(s);
        if (src != SQLITE_ROW) break;
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *chain = (const char *)sqlite3_column_text(s, 1);
        const char *sig = (const char *)sqlite3_column_text(s, 2);
        const char *now = (const char *)sqlite3_column_text(s, 3);
        const char *kiosk = (const char *)sqlite3_column_text(s, 4);
        if (!now)
            verify_report(v, seq, HL_CHAIN_DELETED,
                          "the response the device key's signed link names is missing");
        else if (!chain || strcmp(chain, now) != 0 || !kiosk || !sig ||
                 !hl_devkey_verify_chain(v->device, kiosk, seq, chain, sig))
            verify_report(v, seq, HL_CHAIN_EDITED,
                          "the signed link from the old chain to the device key does not match "
                          "it: the old chain was rewritten");
    }
    int rc = src == SQLITE_DONE ? HL_OK : store_fail(v->st, src, "checking the chain links", err);
    sqlite3_finalize(s);
    /* With the device key at hand the kiosk has taken the chain over, so
     * the end of an old chain must carry its signed link. */
    if (rc != HL_OK || v->hmac_until == 0) return rc;
    /* Once the device key signs, the old chain's end is vouched for by a
     * signed link there: without one, the era was moved to hide rows. */
    s = NULL;
    src = sqlite3_prepare_v2(v->st->db, "SELECT count(*) FROM chain_links WHERE seq = ?1", -1, &s,
                             NULL);
    if (src == SQLITE_OK) src = sqlite3_bind_int64(s, 1, v->hmac_until);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    if (src == SQLITE_ROW && sqlite3_column_int64(s, 0) == 0)
        verify_report(v, v->hmac_until, HL_CHAIN_EDITED,
                      "no signed link where the old chain is said to end: the record of where "
                      "signatures begin was changed");
    rc = src == SQLITE_ROW ? HL_OK : store_fail(v->st, src, "checking the chain links", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_verify_chain(hl_store_t *st, const hl_chain_check_t *chk,
                          void (*cb)(void *ctx, int64_t seq, hl_chain_problem_t what,
                                     const char *detail),
                          void *ctx, hl_chain_counts_t *out, hl_err_t *err)
{
    if (out) memset(out, 0, sizeof *out);
    if (!st || !chk) return hl_err_set(err, HL_ERR_USAGE, "hl_store_verify_chain: no argument");
    hl_verify_t v = {.st = st,
                     .device = chk->device,
                     .hmac_key = chk->hmac_key,
                     .trust = chk->trust,
                     .cb = cb,
                     .ctx = ctx,
                     .err = err};
    /* The era as recorded (before any link: a store the device key has not
     * taken over yet); verify_links checks it is vouched for. */
    sqlite3_stmt *es = NULL;
    int esrc = sqlite3_prepare_v2(
        st->db, "SELECT coalesce((SELECT hmac_until FROM chain_era WHERE id = 1), 0)", -1, &es,
        NULL);
    if (esrc == SQLITE_OK) esrc = sqlite3_step(es);
    if (esrc == SQLITE_ROW) v.hmac_until = sqlite3_column_int64(es, 0);
    sqlite3_finalize(es);
    if (esrc != SQLITE_ROW) return store_fail(st, esrc, "reading where signatures begin", err);
    if (chk->hmac_key) {
        unsigned char dg[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (!EVP_Digest(chk->hmac_key, 32, dg, &n, EVP_sha256(), NULL) || n != 32)
            return hl_err_set(err, HL_ERR_INTERNAL, "SHA-256 failed while checking the chain");
        hl_hex_encode(dg, 8, v.hmac_id);
    }
    memcpy(v.expected, CHAIN_ZERO, sizeof v.expected);
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT seq FROM responses WHERE chain = ?1 AND status <> 0"
                                 " AND seq <> ?2 ORDER BY seq LIMIT 1",
                                 -1, &v.find, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "checking the chain", err);
    int rc =
        store_walk_responses(st, "?1", "r.status <> 0", NULL, 0, -1, false, verify_row, &v, err);
    sqlite3_finalize(v.find);
    if (rc != HL_OK && v.nomem)
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory checking the chain");
    if (rc == HL_OK && chk->device) rc = verify_links(&v, err);
    if (rc != HL_OK) return rc;
    if (out) {
        out->problems = v.n;
        out->unchecked = v.n_unchecked;
    }
    hl_err_clear(err);
    return HL_OK;
}
