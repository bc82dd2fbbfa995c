/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_keyboard.c: the text question's screen: the question, the text
 * typed so far in a large box with a caret (the hint, greyed, while it is
 * empty; "12/500" in its corner), and an on-screen keyboard filling the
 * lower part; and what its keys do (hl_ui_kb_act), through the composer
 * (hl_compose.h) kept in hl_ui_t, into the flow's draft (hl_flow_set_text).
 *
 * The layout is the QWERTY one Vietnamese phone users know (Vietnamese
 * phones' keyboards, Laban Key and Gboard's Vietnamese, are QWERTY with
 * Telex): letters in three rows, shift and backspace beside z..m, then the
 * digits-and-punctuation page key, a wide space bar and "Xong / Done". The
 * Vietnamese layout adds one row above the letters, for those who know no
 * input method: the five tone keys (á à ả ã ạ, each with its name: sắc,
 * huyền, hỏi, ngã, nặng) put the tone on the last word where the rules put
 * it; the modified letters (ă â đ ê ô ơ ư) turn the letter just typed into
 * them (a + â: â; "tien" + ê: tiên), or type the letter itself when the
 * word has no such plain letter ("b" + ê: bê). Telex (or VNI, or none: the
 * config's keyboard.method) composes as keys come. The English layout is
 * plain QWERTY, no composition. Back and skip sit beside the question, away
 * from the keys, so that a slip while typing never leaves the question.
 *
 * Keys tile the keyboard's area: the touch target is the whole tile (never
 * under the 10 mm minimum: 10 letters across, 12 keys in the tone row),
 * the key drawn inside it. With large text the keys keep the larger
 * minimum where the rows fit under the question, else the 10 mm one. The
 * header (with Listen, Aa and the languages) shows where the room allows
 * it; without it (800x480) Listen, the volume and Aa are keys of the last
 * row, left of a shorter space bar. Building allocates nothing: the typed
 * text is drawn from the flow's draft, wrapped from its tail (the caret's
 * end).
 */
#include "hl_compose.h"
#include "hl_qtype.h"
#include "ui_int.h"

#include <stdio.h>
#include <string.h>

/* ---- The keys ------------------------------------------------------------ */

typedef struct kb_punct {
    const char *label; /* what the key shows and types */
    const char *name;  /* its id after "key:" */
} kb_punct_t;

/* The second page's rows under the digits. */
static const kb_punct_t kb_sym2[9] = {{"-", "hyphen"},    {"/", "slash"},  {":", "colon"},
                                      {";", "semicolon"}, {"(", "lparen"}, {")", "rparen"},
                                      {"@", "at"},        {"\"", "quote"}, {"%", "percent"}};
static const kb_punct_t kb_sym3[5] = {
    {".", "period"}, {",", "comma"}, {"?", "question"}, {"!", "exclam"}, {"'", "apostrophe"}};
static const char *const kb_letters[3] = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};

typedef struct kb_tone_key {
    hl_tone_t tone;    /* what it puts on the word */
    const char *name;  /* its id after "key:tone:" */
    const char *label; /* the mark on an a */
    hl_str_id_t word;  /* its name under it */
} kb_tone_key_t;

static const kb_tone_key_t kb_tones[5] = {{HL_TONE_SAC, "sac", "á", HL_STR_KB_SAC},
                                          {HL_TONE_HUYEN, "huyen", "à", HL_STR_KB_HUYEN},
                                          {HL_TONE_HOI, "hoi", "ả", HL_STR_KB_HOI},
                                          {HL_TONE_NGA, "nga", "ã", HL_STR_KB_NGA},
                                          {HL_TONE_NANG, "nang", "ạ", HL_STR_KB_NANG}};

typedef struct kb_mark_key {
    const char *name;            /* its id after "key:mark:": the Telex spelling */
    const char *lower, *upper;   /* what it shows */
    hl_mark_t mark;              /* what it does to the letter just typed */
    uint32_t cp_lower, cp_upper; /* the letter it types when there is none to mark */
    char base;                   /* the plain letter it marks */
} kb_mark_key_t;

static const kb_mark_key_t kb_marks[7] = {{"aw", "ă", "Ă", HL_MARK_BREVE, 0x103, 0x102, 'a'},
                                          {"aa", "â", "Â", HL_MARK_CIRCUMFLEX, 0xE2, 0xC2, 'a'},
                                          {"dd", "đ", "Đ", HL_MARK_DBAR, 0x111, 0x110, 'd'},
                                          {"ee", "ê", "Ê", HL_MARK_CIRCUMFLEX, 0xEA, 0xCA, 'e'},
                                          {"oo", "ô", "Ô", HL_MARK_CIRCUMFLEX, 0xF4, 0xD4, 'o'},
                                          {"ow", "ơ", "Ơ", HL_MARK_HORN, 0x1A1, 0x1A0, 'o'},
                                          {"uw", "ư", "Ư", HL_MARK_HORN, 0x1B0, 0x1AF, 'u'}};

/* Each Vietnamese vowel with its tones in hl_tone_t order (none, sắc,
 * huyền, hỏi, ngã, nặng), lower case then upper case: its plain letter and
 * the modified-letter key that makes it (-1: none). */
typedef struct kb_vowel {
    const char *forms; /* six code points, UTF-8 */
    char base;         /* the plain letter */
    int mark;          /* index in kb_marks, -1 none */
} kb_vowel_t;

static const kb_vowel_t kb_vowels[24] = {
    {"aáàảãạ", 'a', -1}, {"ăắằẳẵặ", 'a', 0},  {"âấầẩẫậ", 'a', 1},  {"eéèẻẽẹ", 'e', -1},
    {"êếềểễệ", 'e', 3},  {"iíìỉĩị", 'i', -1}, {"oóòỏõọ", 'o', -1}, {"ôốồổỗộ", 'o', 4},
    {"ơớờởỡợ", 'o', 5},  {"uúùủũụ", 'u', -1}, {"ưứừửữự", 'u', 6},  {"yýỳỷỹỵ", 'y', -1},
    {"AÁÀẢÃẠ", 'a', -1}, {"ĂẮẰẲẴẶ", 'a', 0},  {"ÂẤẦẨẪẬ", 'a', 1},  {"EÉÈẺẼẸ", 'e', -1},
    {"ÊẾỀỂỄỆ", 'e', 3},  {"IÍÌỈĨỊ", 'i', -1}, {"OÓÒỎÕỌ", 'o', -1}, {"ÔỐỒỔỖỘ", 'o', 4},
    {"ƠỚỜỞỠỢ", 'o', 5},  {"UÚÙỦŨỤ", 'u', -1}, {"ƯỨỪỬỮỰ", 'u', 6},  {"YÝỲỶỸỴ", 'y', -1}};

static int kb_utf8(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    int n = (u[0] >> 5) == 6 ? 2 : (u[0] >> 4) == 14 ? 3 : (u[0] >> 3) == 30 ? 4 : 1;
    uint32_t v = n == 1 ? u[0] : u[0] & (0x7Fu >> n);
    for (int i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return i;
        }
        v = (v << 6) | (u[i] & 0x3Fu);
    }
    *cp = v;
    return n;
}

/* A letter's parts: plain letter (lower case), modified-letter key (-1
 * none), tone, case. False for anything but a Latin or Vietnamese letter. */
static bool kb_letter(uint32_t cp, char *base, int *mark, hl_tone_t *tone, bool *upper,
                      uint32_t *bare)
{
    *mark = -1;
    *tone = HL_TONE_NONE;
    *bare = cp;
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
        *upper = cp <= 'Z';
        *base = (char)(cp | 0x20);
        return true;
    }
    if (cp == 0x111 || cp == 0x110) {
        *upper = cp == 0x110;
        *base = 'd';
        *mark = 2;
        return true;
    }
    for (int v = 0; v < 24; v++) {
        const char *p = kb_vowels[v].forms;
        uint32_t first = 0;
        for (int t = 0; t < HL_TONE_COUNT; t++) {
            uint32_t c;
            p += kb_utf8(p, &c);
            if (t == 0) first = c;
            if (c != cp) continue;
            *upper = v >= 12;
            *base = kb_vowels[v].base;
            *mark = kb_vowels[v].mark;
            *tone = (hl_tone_t)t;
            *bare = first;
            return true;
        }
    }
    return false;
}

bool hl_ui_kb_spell(uint32_t cp, hl_ui_spell_t *out)
{
    memset(out, 0, sizeof *out);
    out->bare = cp;
    if (cp == ' ') {
        snprintf(out->key, sizeof out->key, "key:space");
        return true;
    }
    if (cp >= '0' && cp <= '9') {
        snprintf(out->key, sizeof out->key, "key:%c", (char)cp);
        out->symbols = true;
        return true;
    }
    for (int i = 0; i < 14; i++) {
        const kb_punct_t *p = i < 9 ? &kb_sym2[i] : &kb_sym3[i - 9];
        if (cp == (unsigned char)p->label[0]) {
            snprintf(out->key, sizeof out->key, "key:%s", p->name);
            out->symbols = true;
            return true;
        }
    }
    char base;
    int mark;
    hl_tone_t tone;
    if (!kb_letter(cp, &base, &mark, &tone, &out->upper, &out->bare)) return false;
    out->letter = true;
    snprintf(out->key, sizeof out->key, "key:%c", base);
    if (mark >= 0) snprintf(out->mark, sizeof out->mark, "key:mark:%s", kb_marks[mark].name);
    for (int i = 0; i < 5; i++)
        if (kb_tones[i].tone == tone)
            snprintf(out->tone, sizeof out->tone, "key:tone:%s", kb_tones[i].name);
    return true;
}

/* ---- Following the flow -------------------------------------------------- */

static const hl_question_t *kb_question(const hl_flow_t *f)
{
    if (!f || !f->survey || f->state == HL_STATE_THANKS || f->cur < 0 ||
        (size_t)f->cur >= f->survey->n_questions)
        return NULL;
    const hl_question_t *q = &f->survey->questions[f->cur];
    return q->type == HL_Q_TEXT ? q : NULL;
}

void hl_ui_kb_sync(hl_ui_t *ui, const hl_flow_t *f)
{
    hl_ui_kb_t *k = &ui->kb;
    const hl_question_t *q = kb_question(f);
    if (!q) {
        k->q = -1;
        return;
    }
    const char *v = hl_flow_value(f, f->cur);
    if (!v) v = "";
    bool vi = f->resp.lang == HL_LANG_VI;
    if (k->q == f->cur && k->vi == vi && !strcmp(k->uuid, f->resp.uuid) &&
        !strcmp(hl_compose_text(&k->comp), v))
        return;
    const hl_keyboard_cfg_t *kc = ui->cfg ? &ui->cfg->keyboard : NULL;
    hl_compose_method_t m = vi && kc ? kc->method : vi ? HL_COMPOSE_TELEX : HL_COMPOSE_NONE;
    hl_compose_init(&k->comp, m, kc && kc->new_style, (size_t)q->max_chars);
    /* The flow's draft passed the same check (hl_text_answer_make), so it
     * fits; were it refused, the composer stays as initialised: empty. */
    (void)hl_compose_set_text(&k->comp, v);
    k->q = f->cur;
    snprintf(k->uuid, sizeof k->uuid, "%s", f->resp.uuid);
    k->vi = vi;
    k->shift = false;
    k->symbols = false;
}

/* ---- Keys' actions ----------------------------------------------------- */

/* Whether the last word of the text holds the plain letter base (with a
 * tone or not, either case): what a modified-letter key then marks. */
static bool kb_word_has(const char *text, size_t len, char base)
{
    size_t start = len;
    while (start > 0) {
        size_t p = start - 1;
        while (p > 0 && ((unsigned char)text[p] & 0xC0) == 0x80)
            p--;
        uint32_t cp;
        kb_utf8(text + p, &cp);
        char b;
        int mk;
        hl_tone_t t;
        bool up;
        uint32_t bare;
        if (!kb_letter(cp, &b, &mk, &t, &up, &bare)) break;
        if (b == base && mk < 0) return true;
        start = p;
    }
    return false;
}

static int kb_compose_rc(int rc, const hl_compose_t *c, hl_err_t *err)
{
    if (rc == HL_ERR_FULL) /* never a store code: the kiosk stays in service */
        return hl_err_set(err, HL_ERR_STATE, "the text is at its limit of %zu characters",
                          c->max_chars);
    if (rc == HL_ERR_STATE)
        return hl_err_set(err, HL_ERR_STATE, "nothing in the last word for that key");
    return hl_err_set(err, HL_ERR_USAGE, "the keyboard cannot type that");
}

int hl_ui_kb_act(hl_ui_t *ui, hl_flow_t *f, const hl_action_t *a, hl_err_t *err)
{
    const hl_question_t *q = kb_question(f);
    if (!q) return hl_err_set(err, HL_ERR_USAGE, "no keyboard on this screen");
    hl_ui_kb_sync(ui, f);
    hl_ui_kb_t *k = &ui->kb;
    hl_compose_t *c = &k->comp;
    int rc = HL_OK;
    switch (a->kind) {
    case HL_ACT_SHIFT:
        k->shift = !k->shift;
        break;
    case HL_ACT_PAGE:
        k->symbols = !k->symbols;
        k->shift = false;
        break;
    case HL_ACT_CHAR: {
        uint32_t cp = (uint32_t)a->item;
        if (k->shift && cp >= 'a' && cp <= 'z') cp -= 'a' - 'A';
        rc = hl_compose_key(c, cp);
        if (rc == HL_OK && cp != ' ') k->shift = false;
        break;
    }
    case HL_ACT_ERASE:
        if (c->len > 0) rc = hl_compose_backspace(c);
        break;
    case HL_ACT_TONE:
        if (!k->vi || a->item <= HL_TONE_NONE || a->item >= HL_TONE_COUNT)
            return hl_err_set(err, HL_ERR_USAGE, "no such tone key on this keyboard");
        rc = hl_compose_tone(c, (hl_tone_t)a->item);
        break;
    case HL_ACT_MARK: {
        if (!k->vi || a->item < 0 || a->item >= 7)
            return hl_err_set(err, HL_ERR_USAGE, "no such letter key on this keyboard");
        const kb_mark_key_t *m = &kb_marks[a->item];
        rc = HL_ERR_STATE;
        if (kb_word_has(c->text, c->len, m->base)) rc = hl_compose_mark(c, m->mark);
        if (rc == HL_ERR_STATE) { /* nothing to mark: the letter itself */
            rc = hl_compose_key(c, k->shift ? m->cp_upper : m->cp_lower);
            if (rc == HL_OK) k->shift = false;
        }
        break;
    }
    default:
        return hl_err_set(err, HL_ERR_USAGE, "not a key of the keyboard");
    }
    if (rc != HL_OK) return kb_compose_rc(rc, c, err);
    /* Every key reaches the flow, shift and page too: the idle timer sees
     * the finger. */
    rc = hl_flow_set_text(f, q->id, hl_compose_text(c), err);
    if (rc != HL_OK) k->q = -1; /* the next look starts again from the flow's draft */
    return rc;
}

bool hl_ui_kb_action_named(const hl_flow_t *f, const char *id, hl_action_t *a)
{
    *a = (hl_action_t){HL_ACT_NONE, f->cur, -1};
    if (strncmp(id, "key:", 4) != 0) return false;
    const char *k = id + 4;
    bool vi = f->resp.lang == HL_LANG_VI;
    if (!strcmp(k, "done")) a->kind = HL_ACT_NEXT;
    if (!strcmp(k, "bksp")) a->kind = HL_ACT_ERASE;
    if (!strcmp(k, "shift")) a->kind = HL_ACT_SHIFT;
    if (!strcmp(k, "page")) a->kind = HL_ACT_PAGE;
    if (!strcmp(k, "space")) *a = (hl_action_t){HL_ACT_CHAR, f->cur, ' '};
    if (a->kind != HL_ACT_NONE) return true;
    if (((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= '0' && k[0] <= '9')) && !k[1]) {
        *a = (hl_action_t){HL_ACT_CHAR, f->cur, k[0]};
        return true;
    }
    for (int i = 0; i < 14; i++) {
        const kb_punct_t *p = i < 9 ? &kb_sym2[i] : &kb_sym3[i - 9];
        if (!strcmp(k, p->name)) {
            *a = (hl_action_t){HL_ACT_CHAR, f->cur, (unsigned char)p->label[0]};
            return true;
        }
    }
    for (int i = 0; vi && i < 5; i++)
        if (!strncmp(k, "tone:", 5) && !strcmp(k + 5, kb_tones[i].name)) {
            *a = (hl_action_t){HL_ACT_TONE, f->cur, (int)kb_tones[i].tone};
            return true;
        }
    for (int i = 0; vi && i < 7; i++)
        if (!strncmp(k, "mark:", 5) && !strcmp(k + 5, kb_marks[i].name)) {
            *a = (hl_action_t){HL_ACT_MARK, f->cur, i};
            return true;
        }
    return false;
}

/* ---- Layout -------------------------------------------------------------- */

typedef struct kb_geo {
    int x0, w;    /* the keys' area across */
    int top, rh;  /* its first row's y, a row's height */
    int rows;     /* 5 (Vietnamese: the tone and letter row), else 4 */
    int inset;    /* a key drawn this far inside its tile */
    int key_px;   /* a letter's size */
    int word_px;  /* words on keys (space, shift, done) */
    bool shift;   /* letters show in upper case */
    bool symbols; /* the second page */
    bool access;  /* Listen, the volume and Aa are keys of the last row (no header) */
} kb_geo_t;

/* Key styles: a letter, a function key, a tone key, the primary "done". */
typedef enum kb_style { KB_LETTER, KB_FUNC, KB_TONE, KB_DONE, KB_DONE_OFF, KB_ON } kb_style_t;

/* One key: the tile is the target, the key drawn inside; sub is a small
 * word under the label (a tone's name), NULL none. */
static void kb_key(hl_kit_b_t *b, const kb_geo_t *g, const char *id, hl_rect_t tile, kb_style_t st,
                   const char *label, int px, const char *sub, hl_action_t act)
{
    const hl_kit_lay_t *L = &b->lay;
    bool down = hl_kit_pressed(b, id);
    unsigned bg = COL_WHITE, fg = COL_TEXT, line = COL_BORDER;
    switch (st) {
    case KB_LETTER:
        break;
    case KB_FUNC:
        bg = COL_SEPARATOR;
        line = 0;
        break;
    case KB_TONE:
        bg = COL_SELECTED;
        fg = COL_BRAND;
        line = COL_BRAND;
        break;
    case KB_DONE:
    case KB_ON:
        bg = COL_BRAND;
        fg = COL_WHITE;
        line = 0;
        break;
    case KB_DONE_OFF:
        bg = COL_DISABLED;
        fg = COL_MUTED;
        line = 0;
        break;
    }
    if (down) bg = bg == COL_BRAND ? COL_BRAND_DARK : COL_PRESSED;
    hl_rect_t r = hl_kit_inset(tile, g->inset, g->inset);
    hl_kit_fill(b, r, bg, L->radius);
    if (line) hl_kit_outline(b, r, line, L->radius, imax(1, L->line_border / 2 + 1));
    hl_rect_t in = hl_kit_inset(r, imax(2, g->inset), imax(2, L->line_border));
    if (sub) {
        int sh = imin(in.h / 2, hl_kit_lh(&b->m, HL_KIT_SMALL_MIN, false) + 2);
        sh = imax(sh, in.h * 2 / 5);
        hl_kit_label(b, label, hl_kit_rect(in.x, in.y, in.w, in.h - sh), px, HL_KIT_SMALL_MIN, true,
                     fg, HL_ALIGN_CENTER, 1);
        hl_kit_label(b, sub, hl_kit_rect(in.x, in.y + in.h - sh, in.w, sh), g->word_px * 3 / 4,
                     HL_KIT_SMALL_MIN, false, fg, HL_ALIGN_CENTER, 1);
    } else {
        hl_kit_label(b, label, in, px, HL_KIT_SMALL_MIN, true, fg, HL_ALIGN_CENTER, 1);
    }
    hl_scene_target(b->s, id, tile);
    hl_scene_act(b->s, act);
}

/* The x of half-unit hu (0..20) across the keys' area: tiles meet exactly. */
static int kb_x(const kb_geo_t *g, int hu)
{
    return g->x0 + g->w * hu / 20;
}

static hl_rect_t kb_tile(const kb_geo_t *g, int row, int hu0, int hu1)
{
    int y = g->top + row * g->rh;
    return hl_kit_rect(kb_x(g, hu0), y, kb_x(g, hu1) - kb_x(g, hu0), g->rh);
}

/* The tone and modified-letter row (Vietnamese): twelve keys across. */
static void kb_tone_row(hl_kit_b_t *b, const kb_geo_t *g)
{
    int q = b->f->cur;
    for (int i = 0; i < 12; i++) {
        int x0 = g->x0 + g->w * i / 12, x1 = g->x0 + g->w * (i + 1) / 12;
        hl_rect_t t = hl_kit_rect(x0, g->top, x1 - x0, g->rh);
        char id[HL_SCENE_ID_MAX];
        if (i < 5) {
            const kb_tone_key_t *k = &kb_tones[i];
            snprintf(id, sizeof id, "key:tone:%s", k->name);
            kb_key(b, g, id, t, KB_TONE, k->label, g->key_px, hl_str(b->lang, k->word),
                   (hl_action_t){HL_ACT_TONE, q, (int)k->tone});
        } else {
            const kb_mark_key_t *k = &kb_marks[i - 5];
            snprintf(id, sizeof id, "key:mark:%s", k->name);
            kb_key(b, g, id, t, KB_LETTER, g->shift ? k->upper : k->lower, g->key_px, NULL,
                   (hl_action_t){HL_ACT_MARK, q, i - 5});
        }
    }
}

/* A row of single-character keys from half-unit hu0, each two half-units
 * wide (w2 half-units when given). */
static void kb_char_row(hl_kit_b_t *b, const kb_geo_t *g, int row, int hu0, int w2, int n,
                        const char *const *labels, const char *const *names)
{
    for (int i = 0; i < n; i++) {
        char id[HL_SCENE_ID_MAX], shown[8];
        snprintf(id, sizeof id, "key:%s", names[i]);
        snprintf(shown, sizeof shown, "%s", labels[i]);
        if (g->shift && shown[0] >= 'a' && shown[0] <= 'z') shown[0] = (char)(shown[0] - 32);
        const char *label = hl_scene_strdup(b->s, shown);
        kb_key(b, g, id, kb_tile(g, row, hu0 + i * w2, hu0 + (i + 1) * w2), KB_LETTER,
               label ? label : "", g->key_px, NULL,
               (hl_action_t){HL_ACT_CHAR, b->f->cur, (unsigned char)labels[i][0]});
    }
}

/* Without a header, the accessibility buttons as keys of the last row from
 * half-unit hu, two half-units each (the volume's level between its keys
 * in one): Listen, volume down, the level, volume up, Aa. Returns the
 * half-unit after them; the space bar keeps at least three. */
static int kb_access(hl_kit_b_t *b, const kb_geo_t *g, int row, int hu)
{
    const hl_ui_access_t *a = &b->ui->access;
    static const hl_ui_acc_t keys[4] = {HL_UI_ACC_LISTEN, HL_UI_ACC_DOWN, HL_UI_ACC_UP,
                                        HL_UI_ACC_LARGE};
    for (int i = 0; i < 4; i++) {
        if ((i == 0 && !a->listen_button) || ((i == 1 || i == 2) && !a->speech)) continue;
        if (i == 2) { /* the level, between down and up */
            hl_rect_t m = hl_kit_inset(kb_tile(g, row, hu, hu + 1), g->inset, g->rh / 5);
            hl_ui_access_meter(b, m, false);
            hu++;
        }
        hl_rect_t t = kb_tile(g, row, hu, hu + 2);
        hl_ui_access_button(b, keys[i], t, hl_kit_inset(t, g->inset, g->inset), g->word_px, false);
        hu += 2;
    }
    return hu;
}

static void kb_keys(hl_kit_b_t *b, const kb_geo_t *g, bool done_on)
{
    int q = b->f->cur, row = 0;
    if (g->rows == 5) kb_tone_row(b, g), row++;
    const char *labels[10], *names[10];
    char one[10][2];
    if (!g->symbols) {
        for (int r = 0; r < 3; r++) {
            int n = (int)strlen(kb_letters[r]);
            for (int i = 0; i < n; i++) {
                one[i][0] = kb_letters[r][i];
                one[i][1] = '\0';
                labels[i] = names[i] = one[i];
            }
            kb_char_row(b, g, row + r, r == 0 ? 0 : r == 1 ? 1 : 3, 2, n, labels, names);
        }
    } else {
        for (int i = 0; i < 10; i++) {
            one[i][0] = (char)('0' + (i + 1) % 10);
            one[i][1] = '\0';
            labels[i] = names[i] = one[i];
        }
        kb_char_row(b, g, row, 0, 2, 10, labels, names);
        for (int i = 0; i < 9; i++) {
            labels[i] = kb_sym2[i].label;
            names[i] = kb_sym2[i].name;
        }
        kb_char_row(b, g, row + 1, 1, 2, 9, labels, names);
        for (int i = 0; i < 5; i++) {
            labels[i] = kb_sym3[i].label;
            names[i] = kb_sym3[i].name;
        }
        kb_char_row(b, g, row + 2, 5, 2, 5, labels,
                    names); /* centred between shift's and delete's places */
    }
    row += 2;
    if (!g->symbols)
        kb_key(b, g, "key:shift", kb_tile(g, row, 0, 3), g->shift ? KB_ON : KB_FUNC,
               hl_str(b->lang, HL_STR_KB_SHIFT), g->word_px, NULL,
               (hl_action_t){HL_ACT_SHIFT, q, -1});
    kb_key(b, g, "key:bksp", kb_tile(g, row, 17, 20), KB_FUNC, hl_str(b->lang, HL_STR_DELETE),
           g->word_px, NULL, (hl_action_t){HL_ACT_ERASE, q, -1});
    row++;
    kb_key(b, g, "key:page", kb_tile(g, row, 0, 3), KB_FUNC,
           hl_str(b->lang, g->symbols ? HL_STR_KB_LETTERS : HL_STR_KB_SYMBOLS), g->word_px, NULL,
           (hl_action_t){HL_ACT_PAGE, q, -1});
    int hu = g->access ? kb_access(b, g, row, 3) : 3;
    kb_key(b, g, "key:space", kb_tile(g, row, hu, 15), KB_LETTER, hl_str(b->lang, HL_STR_KB_SPACE),
           g->word_px, NULL, (hl_action_t){HL_ACT_CHAR, q, ' '});
    kb_key(b, g, "key:done", kb_tile(g, row, 15, 20), done_on ? KB_DONE : KB_DONE_OFF,
           hl_str(b->lang, HL_STR_KB_DONE), g->word_px, NULL, (hl_action_t){HL_ACT_NEXT, -1, -1});
}

/* The typed text in box: its last lines (where the caret is) at px, the
 * caret after it, the hint while empty, the counter in the corner. */
static void kb_text_box(hl_kit_b_t *b, hl_rect_t box, const char *v, const char *hint,
                        int max_chars)
{
    const hl_kit_lay_t *L = &b->lay;
    hl_kit_fill(b, box, COL_WHITE, L->radius);
    hl_kit_outline(b, box, COL_BRAND, L->radius, L->sel_border / 2 + 1);
    int chars = 0;
    for (const char *p = v; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    const char *count = hl_kit_fmt(b, HL_STR_KB_COUNT, chars, max_chars);
    int cpx = L->small_px, cw = hl_kit_tw(&b->m, count, (int)strlen(count), cpx, false);
    int clh = hl_kit_lh(&b->m, cpx, false);
    hl_rect_t in = hl_kit_inset(box, L->pad, imax(L->pad / 2, L->sel_border));
    hl_kit_label(b, count, hl_kit_rect(in.x + in.w - cw - 2, in.y + in.h - clh, cw + 2, clh), cpx,
                 HL_KIT_SMALL_MIN, false, COL_MUTED, HL_ALIGN_RIGHT, 1);
    in.w -= cw + L->gap;
    int px = L->q_px, lh = hl_kit_lh(&b->m, px, false);
    while (lh > in.h && px > HL_KIT_LABEL_MIN)
        lh = hl_kit_lh(&b->m, --px, false);
    int lines = imax(1, in.h / lh);
    int caret_w = imax(2, hl_kit_mm(L, 0.6)), caret_h = px * 6 / 5;
    if (!v[0]) {
        if (hint && hint[0]) {
            hl_kit_wrap_t w;
            hl_kit_fit_or_force(&b->m, hint, (int)strlen(hint), false, in.w - caret_w - 2,
                                lines * lh, px, HL_KIT_SMALL_MIN, lines, &w);
            hl_kit_emit(b, &w,
                        hl_kit_rect(in.x + caret_w + 2, in.y, in.w - caret_w - 2, w.n * w.lh),
                        COL_MUTED, HL_ALIGN_LEFT, 0);
            caret_h = w.px * 6 / 5;
            lh = w.lh;
        }
        hl_kit_fill(b, hl_kit_rect(in.x, in.y + (lh - caret_h) / 2, caret_w, caret_h), COL_BRAND,
                    0);
        return;
    }
    /* Only the tail is drawn (copied into the scene: the draft changes
     * under it): enough for the lines shown even if every letter were
     * narrow, and never more lines than a wrap holds. */
    int len = (int)strlen(v), keep = (lines + 1) * (in.w * 3 / imax(1, px) + 1);
    int from = 0, tw_w = in.w - caret_w - 2;
    for (int i = len, n = 0, breaks = 0; i > 0; i--) {
        if (v[i - 1] == '\n' && ++breaks > lines) { /* the lines shown end after it */
            from = i;
            break;
        }
        if (((unsigned char)v[i - 1] & 0xC0) != 0x80 && ++n > keep) {
            from = i;
            while (from < len && lines > 1 && v[from] != ' ')
                from++;
            break;
        }
    }
    const char *tail = hl_scene_strdup(b->s, v + from);
    if (!tail) return;
    int tlen = len - from, ell = 0;
    if (lines == 1 && hl_kit_tw(&b->m, tail, tlen, px, false) > tw_w) {
        /* One line: its end, cut at the left behind an ellipsis. */
        const char *dots = "\xE2\x80\xA6";
        ell = hl_kit_tw(&b->m, dots, 3, px, false) + 2;
        int lo = 0, hi = tlen; /* the smallest start whose rest fits */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            while (mid < tlen && ((unsigned char)tail[mid] & 0xC0) == 0x80)
                mid++;
            if (mid >= hi) break;
            if (hl_kit_tw(&b->m, tail + mid, tlen - mid, px, false) <= tw_w - ell)
                hi = mid;
            else
                lo = mid + 1;
        }
        while (hi < tlen && ((unsigned char)tail[hi] & 0xC0) == 0x80)
            hi++;
        hl_kit_label(b, dots, hl_kit_rect(in.x, in.y, ell, lh), px, px, false, COL_MUTED,
                     HL_ALIGN_LEFT, 1);
        tail += hi;
        tlen -= hi;
    }
    hl_kit_wrap_t w;
    while (!hl_kit_wrap(&b->m, tail, tlen, px, false, tw_w - ell, HL_KIT_MAX_LINES, true, &w)) {
        /* More lines than a wrap holds (wide letters): keep the later half,
         * still far more than the lines shown. */
        int cut = tlen / 2;
        while (cut < tlen && ((unsigned char)tail[cut] & 0xC0) == 0x80)
            cut++;
        if (cut <= 0 || cut >= tlen) return;
        tail += cut;
        tlen -= cut;
    }
    int first = imax(0, w.n - lines);
    hl_kit_wrap_t shown = w;
    shown.n = w.n - first;
    memmove(shown.lines, w.lines + first, (size_t)shown.n * sizeof shown.lines[0]);
    hl_kit_emit(b, &shown, hl_kit_rect(in.x + ell, in.y, tw_w - ell, shown.n * lh), COL_TEXT,
                HL_ALIGN_LEFT, 0);
    /* The caret after the last line, its trailing spaces included. */
    const hl_kit_line_t *last = &shown.lines[shown.n - 1];
    int spaces = 0;
    for (int i = len; i > 0 && v[i - 1] == ' '; i--)
        spaces++;
    int x = hl_kit_tw(&b->m, shown.text + last->off, last->len, px, false) +
            spaces * hl_kit_tw(&b->m, " ", 1, px, false);
    x = imin(ell + x + 1, in.w - caret_w);
    int y = in.y + (shown.n - 1) * lh + (lh - caret_h) / 2;
    hl_kit_fill(b, hl_kit_rect(in.x + x, y, caret_w, caret_h), COL_BRAND, 0);
}

void hl_ui_keyboard_screen(hl_kit_b_t *b)
{
    const hl_flow_t *f = b->f;
    const hl_kit_lay_t *L = &b->lay;
    const hl_question_t *q = &f->survey->questions[f->cur];
    const hl_ui_kb_t *k = &b->ui->kb;
    int T = L->bar_t; /* the buttons above the keys: the bands' height */
    kb_geo_t g;
    memset(&g, 0, sizeof g);
    g.rows = b->lang == HL_LANG_VI ? 5 : 4;
    g.shift = k->shift;
    g.symbols = k->symbols;
    /* Across: the whole width less a small edge, at most about 33 cm (a
     * wide screen's keys stay within an arm's sweep), centred. */
    int side = imax(4, L->gap / 2);
    g.w = imin(L->w - 2 * side, imax(12 * T, hl_kit_mm(L, 330)));
    g.x0 = (L->w - g.w) / 2;
    /* Down: rows about as tall as a letter key is wide (4:5; square in
     * portrait, where height is plenty), never under
     * the minimum, leaving the question and a box of two lines above. */
    int u = g.w / 10;
    int above_min =
        L->margin + T + L->gap + imax(T, 2 * hl_kit_lh(&b->m, L->label_px, false)) + 2 * L->gap;
    /* Large keys where they fit under the question, else the 10 mm floor. */
    int KT = L->min_target;
    if (g.rows * KT > L->h - above_min - side) KT = imax(L->floor, T);
    g.rh = iclamp(L->portrait ? u : u * 4 / 5, KT, imax(KT, (L->h - above_min - side) / g.rows));
    g.rh = imin(g.rh, imax(KT, hl_kit_mm(L, L->portrait ? 30 : 25)));
    int kb_h = g.rows * g.rh;
    g.inset = imax(2, hl_kit_mm(L, 0.8));
    g.key_px = iclamp(g.rh * 9 / 20, HL_KIT_LABEL_MIN, L->q_px);
    g.word_px = imin(L->label_px, g.key_px);
    /* The bands: a header when the room allows it (not at 800x480). */
    int room = L->h - kb_h - side;
    bool start = f->state == HL_STATE_START;
    int top = 0;
    if (room - L->bar_h >= above_min + T) top = hl_ui_header(b, true, true, start);
    g.access = !top;
    hl_ui_nav_t nv = hl_ui_nav_flags(f);
    int y = top + (top ? L->margin : L->hp + 2);
    int x_l = L->margin, x_r = L->w - L->margin;
    if (nv.back) {
        const char *t = hl_str(b->lang, HL_STR_BACK);
        int bw = hl_kit_button_w(b, t, L->label_px, true);
        hl_kit_button(b, "back", hl_kit_rect(x_l, y, bw, T), HL_KIT_SECONDARY, t, L->label_px,
                      true);
        hl_scene_act(b->s, (hl_action_t){HL_ACT_BACK, -1, -1});
        x_l += bw + L->gap;
    }
    if (nv.skip) {
        const char *t = hl_str(b->lang, HL_STR_SKIP);
        int bw = hl_kit_button_w(b, t, L->label_px, true);
        hl_kit_button(b, "skip", hl_kit_rect(x_r - bw, y, bw, T), HL_KIT_QUIET, t, L->label_px,
                      true);
        hl_scene_act(b->s, (hl_action_t){HL_ACT_SKIP, -1, -1});
        x_r -= bw + L->gap;
    }
    /* The question beside them: as large as it fits in what is left above
     * the keys less a box of one line (a row of buttons' height at least):
     * a long question is made smaller, never cut. */
    int kb_top = L->h - side - kb_h;
    int left = kb_top - L->gap - y;
    const char *qt = hl_text_get(&q->text, b->lang);
    hl_kit_wrap_t w;
    int box_min = hl_kit_lh(&b->m, L->q_px, false) + 2 * L->pad;
    int qh_max = imax(T, imin(left - box_min, imax(left / 3, left - 4 * box_min)));
    hl_kit_fit_or_force(&b->m, qt, (int)strlen(qt), true, x_r - x_l, qh_max, L->q_px,
                        HL_UI_QUESTION_FLOOR_PX, HL_KIT_MAX_LINES, &w);
    int qh = imax(T, w.n * w.lh);
    hl_kit_emit(b, &w, hl_kit_rect(x_l, y, x_r - x_l, qh), COL_TEXT,
                w.n <= 2 && (nv.back || nv.skip) ? HL_ALIGN_CENTER : HL_ALIGN_LEFT, 1);
    y += qh + L->gap;
    /* The box: all that is left between the question and the keys (in
     * portrait, a tall page to write on; the keys at the foot, where the
     * hands are). */
    int box_h = kb_top - L->gap - y;
    const char *v = hl_flow_value(f, f->cur);
    kb_text_box(b, hl_kit_rect(L->margin, y, L->w - 2 * L->margin, box_h), v ? v : "",
                hl_text_get(&q->hint, b->lang), q->max_chars);
    g.top = kb_top;
    kb_keys(b, &g, nv.next_enabled);
}
