/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_speech.c: the texts speech says for the citizen screens
 * (hl_ui_speech.h): the screen, one target, the keys' help.
 *
 * Texts are built from this file's phrase table (one row per phrase, a
 * column per language, like hl_strings.c), the screens' words and the
 * survey's texts, by substitution ("%s" only, hl_str_subst: no printf on a
 * table's text), into the caller's buffer. Each piece is a sentence: a
 * full stop is added when a text ends without one, so that the speech
 * engine pauses between the question, the hint and each option. A survey
 * text with a recording in the language is written as a reference to it
 * (hl_ui_speech.h), its words inside for when it cannot be played. The
 * Vietnamese follows the screens' register (Ông/Bà, calm and polite);
 * keyboard keys are named as people spell aloud (ă "a trăng", ơ "o móc",
 * ? "dấu chấm hỏi", the tones "dấu sắc" ...).
 */
#include "hl_ui_speech.h"
#include "ui_int.h"

/* ---- Phrases ----------------------------------------------------------------- */

typedef enum sp_id {
    SP_QUESTION_OF = 0, /* "Câu %s trên %s" */
    SP_OPTION_OF,       /* "Lựa chọn %s trên %s: %s" */
    SP_CHOSEN,          /* appended to an option: ", đang chọn" */
    SP_UNAVAILABLE,     /* a multi question's option over its limit */
    SP_STARS_RANGE,     /* stars: how to answer */
    SP_STARS,           /* "%s sao" */
    SP_STAR_ONE,        /* "%s sao" (one) */
    SP_NPS_RANGE,       /* nps: how to answer, the two ends' words */
    SP_NPS_VALUE,       /* "%s trên 10" */
    SP_CHOSEN_IS,       /* "Đang chọn: %s" */
    SP_TYPED,           /* digits typed: "Đã nhập: %s" */
    SP_NOT_TYPED,       /* none yet */
    SP_WRITTEN,         /* the keyboard's text: "Đã viết: %s" */
    SP_NOT_WRITTEN,     /* none yet */
    SP_NEXT_OFF,        /* next before an answer: ", chưa dùng được" */
    SP_ANSWER_FIRST,    /* why: a required question unanswered */
    SP_ON,              /* ", đang bật" */
    SP_OFF,             /* ", đang tắt" */
    SP_IN_USE,          /* the language in use: ", đang dùng" */
    SP_LARGE,           /* the Aa button */
    SP_VOLUME_DOWN,     /* "Giảm âm lượng, mức %s trên %s" */
    SP_VOLUME_UP,       /* "Tăng âm lượng, mức %s trên %s" */
    SP_CONTINUE_HOW,    /* "still there?": how to go on */
    SP_CAPITAL,         /* a letter with shift: "%s hoa" */
    SP_TONE,            /* a tone key: "dấu %s" */
    SP_PAGE_DIGITS,     /* the page key on the letters */
    SP_PAGE_LETTERS,    /* the page key on the digits */
    SP_HELP,            /* the keys' help */
    SP_COUNT
} sp_id_t;

static const char *const sp_table[SP_COUNT][HL_LANG_COUNT] = {
    [SP_QUESTION_OF] = {"Câu %s trên %s", "Question %s of %s"},
    [SP_OPTION_OF] = {"Lựa chọn %s trên %s: %s", "Option %s of %s: %s"},
    [SP_CHOSEN] = {", đang chọn", ", chosen"},
    [SP_UNAVAILABLE] = {", không chọn thêm được", ", unavailable"},
    [SP_STARS_RANGE] = {"Chọn từ 1 đến 5 sao", "Choose from 1 to 5 stars"},
    [SP_STARS] = {"%s sao", "%s stars"},
    [SP_STAR_ONE] = {"%s sao", "%s star"},
    [SP_NPS_RANGE] = {"Chọn một số từ 0, %s, đến 10, %s", "Choose a number from 0, %s, to 10, %s"},
    [SP_NPS_VALUE] = {"%s trên 10", "%s out of 10"},
    [SP_CHOSEN_IS] = {"Đang chọn: %s", "Chosen: %s"},
    [SP_TYPED] = {"Đã nhập: %s", "Typed: %s"},
    [SP_NOT_TYPED] = {"Chưa nhập số nào", "Nothing typed yet"},
    [SP_WRITTEN] = {"Đã viết: %s", "Written so far: %s"},
    [SP_NOT_WRITTEN] = {"Chưa viết gì", "Nothing written yet"},
    [SP_NEXT_OFF] = {", chưa dùng được", ", not available yet"},
    [SP_ANSWER_FIRST] = {"Câu này cần trả lời trước khi đi tiếp",
                         "This question needs an answer before going on"},
    [SP_ON] = {", đang bật", ", on"},
    [SP_OFF] = {", đang tắt", ", off"},
    [SP_IN_USE] = {", đang dùng", ", in use"},
    [SP_LARGE] = {"Chữ lớn", "Large text"},
    [SP_VOLUME_DOWN] = {"Giảm âm lượng, mức %s trên %s", "Volume down, level %s of %s"},
    [SP_VOLUME_UP] = {"Tăng âm lượng, mức %s trên %s", "Volume up, level %s of %s"},
    [SP_CONTINUE_HOW] = {"Để trả lời tiếp, Ông/Bà nhấn Tiếp tục hoặc một phím bất kỳ",
                         "To go on answering, press Continue or any key"},
    [SP_CAPITAL] = {"%s hoa", "capital %s"},
    [SP_TONE] = {"dấu %s", "%s accent"},
    [SP_PAGE_DIGITS] = {"Chuyển sang số và dấu câu", "Numbers and punctuation"},
    [SP_PAGE_LETTERS] = {"Chuyển sang chữ cái", "Letters"},
    [SP_HELP] = {"Cách dùng phím. Phím lên và phím xuống chuyển giữa các mục trên màn hình, "
                 "máy đọc mục đang chọn. Phím tròn ở giữa chọn mục đó. Phím quay lại trở về câu "
                 "trước. Phím cộng và phím trừ tăng, giảm âm lượng. Phím trợ giúp đọc lại hướng "
                 "dẫn này. Trên bàn phím số: phím 8 và phím 2 chuyển lên, xuống; phím 4 và phím 6 "
                 "sang trái, sang phải; phím 5 để chọn.",
                 "How to use the keys. The up and down keys move between the items on the "
                 "screen, and each item is read out. The round key in the middle chooses it. "
                 "The back key goes back to the previous question. The plus and minus keys turn "
                 "the volume up and down. The help key says this again. On a number pad: 8 and "
                 "2 move up and down, 4 and 6 left and right, 5 chooses."}};

static const char *sp(hl_lang_t lang, sp_id_t id)
{
    return sp_table[id][lang >= 0 && lang < HL_LANG_COUNT ? lang : HL_LANG_EN];
}

/* The keyboard's punctuation and the modified letters, by what they type. */
static const struct {
    uint32_t cp;
    const char *name[HL_LANG_COUNT];
} sp_keys[] = {
    {' ', {"dấu cách", "space"}},
    {'.', {"dấu chấm", "full stop"}},
    {',', {"dấu phẩy", "comma"}},
    {'?', {"dấu chấm hỏi", "question mark"}},
    {'!', {"dấu chấm than", "exclamation mark"}},
    {'-', {"dấu gạch ngang", "hyphen"}},
    {'/', {"dấu gạch chéo", "slash"}},
    {':', {"dấu hai chấm", "colon"}},
    {';', {"dấu chấm phẩy", "semicolon"}},
    {'(', {"mở ngoặc", "open bracket"}},
    {')', {"đóng ngoặc", "close bracket"}},
    {'@', {"a còng", "at sign"}},
    {'"', {"dấu ngoặc kép", "quotation mark"}},
    {'%', {"phần trăm", "per cent"}},
    {'\'', {"dấu nháy", "apostrophe"}},
};

/* The modified-letter keys in hl_ui_keyboard.c's order (ă â đ ê ô ơ ư). */
static const char *const sp_marks[7][HL_LANG_COUNT] = {
    {"a trăng", "a with breve"},   {"a mũ", "a with circumflex"}, {"đê", "d with stroke"},
    {"e mũ", "e with circumflex"}, {"o mũ", "o with circumflex"}, {"o móc", "o with horn"},
    {"u móc", "u with horn"}};

/* ---- Writing ----------------------------------------------------------------- */

typedef struct sp_out {
    char *buf;   /* the caller's */
    size_t size; /* its bytes */
    size_t len;  /* bytes written (NUL not counted) */
    bool full;   /* something did not fit */
} sp_out_t;

static void sp_init(sp_out_t *o, char *out, size_t size)
{
    o->buf = out;
    o->size = size;
    o->len = 0;
    o->full = size == 0;
    if (size) out[0] = '\0';
}

/* Appends n bytes of t, cut before a character that does not fit whole. */
static void sp_raw(sp_out_t *o, const char *t, size_t n)
{
    if (o->full || o->size == 0) return;
    if (o->len + n + 1 > o->size) {
        n = o->size - 1 - o->len;
        while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
            n--;
        o->full = true;
    }
    memcpy(o->buf + o->len, t, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void sp_str(sp_out_t *o, const char *t)
{
    sp_raw(o, t, strlen(t));
}

/* fmt with its "%s" filled by a, b, c. */
static void sp_fmt(sp_out_t *o, const char *fmt, const char *a, const char *b, const char *c)
{
    char tmp[HL_UI_SPEECH_MAX];
    const char *args[3] = {a, b, c};
    hl_str_subst(tmp, sizeof tmp, fmt, args, 3);
    sp_str(o, tmp);
}

/* Ends the sentence written so far: a full stop unless it ends with one
 * (or ? ! : …), then a space. Nothing when nothing was written. */
static void sp_end(sp_out_t *o)
{
    while (o->len > 0 && (o->buf[o->len - 1] == ' ' || o->buf[o->len - 1] == '\n'))
        o->buf[--o->len] = '\0';
    if (o->len == 0) return;
    char last = o->buf[o->len - 1];
    if (last == HL_SPEECH_REC_WORDS) return; /* a recording's words, none yet */
    bool stop = last == '.' || last == '?' || last == '!' || last == ':' ||
                last == HL_SPEECH_REC_CLOSE; /* a recording ends as it was recorded */
    if (o->len >= 3 && !memcmp(o->buf + o->len - 3, "\xE2\x80\xA6", 3)) stop = true; /* … */
    sp_str(o, stop ? " " : ". ");
}

/* A text of the survey as one sentence: line breaks read as pauses. */
static void sp_text(sp_out_t *o, const char *t)
{
    for (const char *p = t; *p;) {
        size_t n = strcspn(p, "\n");
        while (n > 0 && p[n - 1] == ' ')
            n--;
        sp_raw(o, p, n);
        p += n;
        while (*p == ' ' || *p == '\n') {
            if (*p == '\n') sp_end(o);
            p++;
        }
    }
    sp_end(o);
}

/* The recording of survey text t in lang, NULL when it has none (or a path
 * that cannot stand in a reference: a control character in its folder). */
static const char *sp_rec(const hl_survey_t *s, const hl_text_t *t, hl_lang_t lang)
{
    const char *path = hl_survey_audio(s, t, lang);
    for (const unsigned char *p = (const unsigned char *)path; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f) return NULL;
    return path;
}

/* A survey text as one sentence (sp_text), or its recording with those
 * words inside. */
static void sp_survey_text(sp_out_t *o, const hl_survey_t *s, const hl_text_t *t, hl_lang_t lang)
{
    const char *rec = sp_rec(s, t, lang);
    if (!rec) {
        sp_text(o, hl_text_get(t, lang));
        return;
    }
    char mark[2] = {HL_SPEECH_REC_OPEN, '\0'};
    sp_str(o, mark);
    sp_str(o, rec);
    mark[0] = HL_SPEECH_REC_WORDS;
    sp_str(o, mark);
    sp_text(o, hl_text_get(t, lang));
    while (!o->full && o->len > 0 && o->buf[o->len - 1] == ' ')
        o->buf[--o->len] = '\0';
    mark[0] = HL_SPEECH_REC_CLOSE;
    sp_str(o, mark);
    sp_end(o);
}

static int sp_done(sp_out_t *o)
{
    while (o->len > 0 && o->buf[o->len - 1] == ' ')
        o->buf[--o->len] = '\0';
    return o->full ? HL_ERR_FULL : HL_OK;
}

static const char *sp_int(char buf[16], int v)
{
    snprintf(buf, 16, "%d", v);
    return buf;
}

/* Each character of s separated by sep ("123": "1 2 3"), at most max. */
static const char *sp_spell(char *buf, size_t n, const char *s, const char *sep)
{
    size_t o = 0, k = strlen(sep);
    buf[0] = '\0';
    for (const char *p = s; *p; p++) {
        if (*p == ' ') continue;
        if (o && o + k < n) memcpy(buf + o, sep, k), o += k;
        if (o + 1 >= n) break;
        buf[o++] = *p;
        buf[o] = '\0';
    }
    return buf;
}

/* ---- Questions --------------------------------------------------------------- */

/* The current question, NULL when there is none on screen. */
static const hl_question_t *sp_question(const hl_flow_t *f)
{
    if (!f || !f->survey || f->state == HL_STATE_THANKS || f->cur < 0 ||
        (size_t)f->cur >= f->survey->n_questions)
        return NULL;
    return &f->survey->questions[f->cur];
}

/* An item's label: an option's (its recording's reference, in buf of n
 * bytes, where it has one), yes or no, a number. */
static const char *sp_item_label(const hl_survey_t *s, const hl_question_t *q, int i,
                                 hl_lang_t lang, char *buf, size_t n)
{
    const hl_qtype_info_t *t = hl_qtype_info(q->type);
    if (t->options) {
        const char *label = hl_text_get(&q->options[i].label, lang);
        const char *rec = sp_rec(s, &q->options[i].label, lang);
        int w = rec ? snprintf(buf, n, "%c%s%c%s%c", HL_SPEECH_REC_OPEN, rec, HL_SPEECH_REC_WORDS,
                               label, HL_SPEECH_REC_CLOSE)
                    : -1;
        return w > 0 && (size_t)w < n ? buf : label; /* too long: the words alone */
    }
    if (t->words) return hl_str(lang, i == 0 ? HL_STR_YES : HL_STR_NO);
    return hl_question_item_id(q, i);
}

static bool sp_item_chosen(const hl_flow_t *f, const hl_question_t *q, int i)
{
    const char *v = hl_flow_value(f, f->cur);
    if (!v) return false;
    if (q->type == HL_Q_MULTI) return hl_ui_value_has(v, hl_question_item_id(q, i));
    return strcmp(v, hl_question_item_id(q, i)) == 0;
}

/* How many options a multi value holds. */
static int sp_count(const char *v)
{
    int n = v && *v ? 1 : 0;
    for (const char *p = v; p && *p; p++)
        n += *p == '|';
    return n;
}

/* An item by itself: "Lựa chọn 2 trên 3: Bình thường" (stars: "4 sao",
 * nps: "8 trên 10"). */
static void sp_item_name(sp_out_t *o, const hl_survey_t *s, const hl_question_t *q, int i,
                         hl_lang_t lang)
{
    char a[16], b[16], buf[HL_UI_SPEECH_MAX / 2];
    const char *label = sp_item_label(s, q, i, lang, buf, sizeof buf);
    if (q->type == HL_Q_STARS)
        sp_fmt(o, sp(lang, i == 0 ? SP_STAR_ONE : SP_STARS), label, NULL, NULL);
    else if (q->type == HL_Q_NPS)
        sp_fmt(o, sp(lang, SP_NPS_VALUE), label, NULL, NULL);
    else
        sp_fmt(o, sp(lang, SP_OPTION_OF), sp_int(a, i + 1), sp_int(b, hl_question_n_items(q)),
               label);
}

/* An item and its state: "Lựa chọn 2 trên 3: Bình thường, đang chọn." */
static void sp_item(sp_out_t *o, const hl_flow_t *f, const hl_question_t *q, int i, hl_lang_t lang)
{
    sp_item_name(o, f->survey, q, i, lang);
    bool chosen = sp_item_chosen(f, q, i);
    if (chosen) sp_str(o, sp(lang, SP_CHOSEN));
    if (!chosen && q->type == HL_Q_MULTI && sp_count(hl_flow_value(f, f->cur)) >= q->max_choices)
        sp_str(o, sp(lang, SP_UNAVAILABLE));
    sp_end(o);
}

/* The hint line's sentences (as the screen's: optional, the choice limit,
 * the digits expected). */
static void sp_hint(sp_out_t *o, const hl_flow_t *f, const hl_question_t *q, hl_lang_t lang)
{
    char buf[200];
    if (!q->required && q->type != HL_Q_NOTE) {
        sp_str(o, hl_str(lang, HL_STR_OPTIONAL));
        sp_end(o);
    }
    buf[0] = '\0';
    if (q->type == HL_Q_MULTI) {
        if (q->max_choices < (int)q->n_options)
            hl_str_format(buf, sizeof buf, lang, HL_STR_CHOOSE_UP_TO, q->max_choices, 0);
        else
            snprintf(buf, sizeof buf, "%s", hl_str(lang, HL_STR_CHOOSE_ANY));
    } else if (q->type == HL_Q_CONTACT) {
        bool saved = hl_flow_answered(f, f->cur) && !hl_flow_value(f, f->cur);
        snprintf(buf, sizeof buf, "%s",
                 hl_str(lang, saved ? HL_STR_PHONE_SAVED : HL_STR_PHONE_DIGITS));
    } else if (q->type == HL_Q_NUMBER) {
        if (q->min_digits == q->max_digits)
            hl_str_format(buf, sizeof buf, lang, HL_STR_DIGITS_EXACT, q->min_digits, 0);
        else
            hl_str_format(buf, sizeof buf, lang, HL_STR_DIGITS_RANGE, q->min_digits, q->max_digits);
    }
    if (buf[0]) sp_text(o, buf);
}

static void sp_question_screen(sp_out_t *o, const hl_ui_t *ui, const hl_flow_t *f,
                               const hl_question_t *q, hl_lang_t lang)
{
    char a[16], b[16];
    const hl_survey_t *s = f->survey;
    if (f->state == HL_STATE_START) sp_survey_text(o, s, &s->title, lang);
    if (q->type == HL_Q_NOTE) { /* a page to read: its title and body */
        sp_survey_text(o, s, &q->text, lang);
        sp_survey_text(o, s, &q->body, lang);
        return;
    }
    int pos, total;
    hl_flow_progress(f, &pos, &total);
    if (total > 0) {
        sp_fmt(o, sp(lang, SP_QUESTION_OF), sp_int(a, pos), sp_int(b, total), NULL);
        sp_end(o);
    }
    sp_survey_text(o, s, &q->text, lang);
    if (q->type == HL_Q_CONTACT) sp_survey_text(o, s, &s->consent, lang);
    sp_hint(o, f, q, lang);
    const char *v = hl_flow_value(f, f->cur);
    int n = hl_question_n_items(q);
    char spelled[HL_VALUE_MAX * 2];
    switch (q->type) {
    case HL_Q_STARS:
    case HL_Q_NPS:
        if (q->type == HL_Q_STARS) {
            sp_str(o, sp(lang, SP_STARS_RANGE));
        } else {
            sp_fmt(o, sp(lang, SP_NPS_RANGE), hl_str(lang, HL_STR_NPS_LOW),
                   hl_str(lang, HL_STR_NPS_HIGH), NULL);
        }
        sp_end(o);
        for (int i = 0; i < n; i++) {
            if (!sp_item_chosen(f, q, i)) continue;
            sp_out_t item; /* "Đang chọn: 4 sao." */
            char tmp[64];
            sp_init(&item, tmp, sizeof tmp);
            sp_item_name(&item, f->survey, q, i, lang);
            sp_fmt(o, sp(lang, SP_CHOSEN_IS), tmp, NULL, NULL);
            sp_end(o);
        }
        break;
    case HL_Q_NUMBER:
    case HL_Q_CONTACT:
        if (v && v[0])
            sp_fmt(o, sp(lang, SP_TYPED), sp_spell(spelled, sizeof spelled, v, " "), NULL, NULL);
        else
            sp_str(o, sp(lang, SP_NOT_TYPED));
        sp_end(o);
        break;
    case HL_Q_TEXT:
        (void)ui;
        if (v && v[0]) {
            sp_fmt(o, sp(lang, SP_WRITTEN), v, NULL, NULL);
        } else {
            if (hl_text_get(&q->hint, lang)[0]) sp_survey_text(o, s, &q->hint, lang);
            sp_str(o, sp(lang, SP_NOT_WRITTEN));
        }
        sp_end(o);
        break;
    default: /* smiley, choice, multi, yes/no: every option */
        for (int i = 0; i < n; i++)
            sp_item(o, f, q, i, lang);
        break;
    }
}

int hl_ui_speech_screen(const hl_ui_t *ui, const hl_flow_t *f, hl_lang_t lang, char *out,
                        size_t size)
{
    sp_out_t o;
    sp_init(&o, out, size);
    if (ui->export_state.phase != HL_UI_EXPORT_NONE) return sp_done(&o); /* the technician's */
    if (ui->out_of_service || !f || !f->survey) {
        sp_text(&o, hl_str(lang, HL_STR_OUT_OF_SERVICE));
        return sp_done(&o);
    }
    if (f->state == HL_STATE_STILL_THERE) {
        int64_t now = f->sys.mono_ms ? f->sys.mono_ms(f->sys.ctx) : 0;
        int64_t left = hl_flow_deadline(f) - now;
        int secs = left <= 0 ? 0 : (int)((left + 999) / 1000);
        char buf[160];
        sp_text(&o, hl_str(lang, HL_STR_STILL_THERE));
        sp_text(&o, hl_str_format(buf, sizeof buf, lang, HL_STR_COUNTDOWN, secs, 0));
        sp_text(&o, sp(lang, SP_CONTINUE_HOW));
        return sp_done(&o);
    }
    if (f->state == HL_STATE_THANKS) {
        sp_survey_text(&o, f->survey, &f->survey->thanks, lang);
        if (f->resp.followup[0]) {
            char code[HL_FOLLOWUP_LEN * 3 + 1];
            sp_str(&o, hl_str(lang, HL_STR_FOLLOWUP_HEAD));
            sp_str(&o, ": ");
            sp_str(&o, sp_spell(code, sizeof code, f->resp.followup, ", "));
            sp_end(&o);
            sp_text(&o, hl_str(lang, HL_STR_FOLLOWUP_HOW));
        }
        return sp_done(&o);
    }
    const hl_question_t *q = sp_question(f);
    if (q) sp_question_screen(&o, ui, f, q, lang);
    return sp_done(&o);
}

/* ---- One target ----------------------------------------------------------------- */

/* A key of the text question's keyboard. */
static bool sp_key(sp_out_t *o, const hl_ui_t *ui, const hl_action_t *a, hl_lang_t lang)
{
    char one[8];
    switch (a->kind) {
    case HL_ACT_CHAR:
        for (size_t i = 0; i < sizeof sp_keys / sizeof sp_keys[0]; i++)
            if (sp_keys[i].cp == (uint32_t)a->item) {
                sp_str(o, sp_keys[i].name[lang == HL_LANG_VI ? HL_LANG_VI : HL_LANG_EN]);
                return true;
            }
        snprintf(one, sizeof one, "%c", (char)a->item);
        if (ui->kb.shift && a->item >= 'a' && a->item <= 'z') {
            one[0] = (char)(one[0] - 'a' + 'A');
            sp_fmt(o, sp(lang, SP_CAPITAL), one, NULL, NULL);
        } else {
            sp_str(o, one);
        }
        return true;
    case HL_ACT_TONE: {
        static const hl_str_id_t words[HL_TONE_COUNT] = {HL_STR_KB_SAC,   HL_STR_KB_SAC,
                                                         HL_STR_KB_HUYEN, HL_STR_KB_HOI,
                                                         HL_STR_KB_NGA,   HL_STR_KB_NANG};
        if (a->item <= HL_TONE_NONE || a->item >= HL_TONE_COUNT) return false;
        sp_fmt(o, sp(lang, SP_TONE), hl_str(lang, words[a->item]), NULL, NULL);
        return true;
    }
    case HL_ACT_MARK:
        if (a->item < 0 || a->item >= 7) return false;
        sp_str(o, sp_marks[a->item][lang == HL_LANG_VI ? HL_LANG_VI : HL_LANG_EN]);
        return true;
    case HL_ACT_ERASE:
        sp_str(o, hl_str(lang, HL_STR_DELETE));
        return true;
    case HL_ACT_SHIFT:
        sp_str(o, hl_str(lang, HL_STR_KB_SHIFT));
        sp_str(o, sp(lang, ui->kb.shift ? SP_ON : SP_OFF));
        return true;
    case HL_ACT_PAGE:
        sp_str(o, sp(lang, ui->kb.symbols ? SP_PAGE_LETTERS : SP_PAGE_DIGITS));
        return true;
    default:
        return false;
    }
}

/* Whether the current screen shows a target with action a (the names
 * resolve whatever is on screen: next, back, a language, the volume). */
static bool sp_shown(const hl_ui_t *ui, const hl_flow_t *f, const hl_action_t *a)
{
    const hl_ui_access_t *ac = &ui->access;
    if (ui->out_of_service || ui->export_state.phase != HL_UI_EXPORT_NONE ||
        f->state == HL_STATE_THANKS)
        return false;
    if (a->kind == HL_ACT_LISTEN) return ac->listen_button;
    if (a->kind == HL_ACT_VOLUME) return ac->speech;
    if (a->kind == HL_ACT_LARGE) return true;
    if (f->state == HL_STATE_STILL_THERE) return a->kind == HL_ACT_CONTINUE;
    const hl_question_t *q = sp_question(f);
    hl_ui_nav_t nv = hl_ui_nav_flags(f);
    switch (a->kind) {
    case HL_ACT_CONTINUE:
        return false;
    case HL_ACT_BACK:
        return nv.back;
    case HL_ACT_SKIP:
        return nv.skip;
    case HL_ACT_NEXT:
        return nv.next || (q && q->type == HL_Q_TEXT);
    case HL_ACT_LANG:
        return f->survey->n_langs > 1;
    case HL_ACT_KEY: /* the keypad's */
        return q && hl_qtype_info(q->type)->draft == HL_DRAFT_DIGITS;
    default:
        return q != NULL;
    }
}

/* Why next does not work yet: the digits a number or a phone number needs,
 * or an answer a required question needs. */
static void sp_next_why(sp_out_t *o, const hl_flow_t *f, const hl_question_t *q, hl_lang_t lang)
{
    const char *v = hl_flow_value(f, f->cur);
    char buf[200];
    buf[0] = '\0';
    if (v && v[0] && q->type == HL_Q_CONTACT) {
        snprintf(buf, sizeof buf, "%s", hl_str(lang, HL_STR_PHONE_DIGITS));
    } else if (v && v[0] && q->type == HL_Q_NUMBER) {
        if (q->min_digits == q->max_digits)
            hl_str_format(buf, sizeof buf, lang, HL_STR_DIGITS_EXACT, q->min_digits, 0);
        else
            hl_str_format(buf, sizeof buf, lang, HL_STR_DIGITS_RANGE, q->min_digits, q->max_digits);
    }
    sp_str(o, buf[0] ? buf : sp(lang, SP_ANSWER_FIRST));
}

int hl_ui_speech_target(const hl_ui_t *ui, const hl_flow_t *f, const char *id, hl_lang_t lang,
                        char *out, size_t size)
{
    sp_out_t o;
    sp_init(&o, out, size);
    hl_action_t a;
    const hl_question_t *q = sp_question(f);
    if (!id || !f || !f->survey || !hl_ui_action_named(f, id, &a) || !sp_shown(ui, f, &a))
        return HL_ERR_USAGE;
    const hl_ui_access_t *ac = &ui->access;
    char x[16], y[16];
    bool ok = true;
    switch (a.kind) {
    case HL_ACT_ANSWER:
        if (!q || a.question != f->cur) return HL_ERR_USAGE;
        sp_item(&o, f, q, a.item, lang);
        break;
    case HL_ACT_KEY:
        sp_str(&o, a.item < 0 ? hl_str(lang, HL_STR_DELETE) : sp_int(x, a.item));
        break;
    case HL_ACT_NEXT: {
        bool note = q && q->type == HL_Q_NOTE, kb = q && q->type == HL_Q_TEXT;
        sp_str(&o, hl_str(lang, kb ? HL_STR_KB_DONE : note ? HL_STR_CONTINUE : HL_STR_NEXT));
        if (q && !hl_ui_nav_flags(f).next_enabled) { /* and why: the error a tap meets */
            sp_str(&o, sp(lang, SP_NEXT_OFF));
            sp_end(&o);
            sp_next_why(&o, f, q, lang);
        }
        break;
    }
    case HL_ACT_BACK:
        sp_str(&o, hl_str(lang, HL_STR_BACK));
        break;
    case HL_ACT_SKIP:
        sp_str(&o, hl_str(lang, HL_STR_SKIP));
        break;
    case HL_ACT_CONTINUE:
        sp_str(&o, hl_str(lang, HL_STR_CONTINUE));
        break;
    case HL_ACT_LANG:
        sp_str(&o, hl_str_lang_name((hl_lang_t)a.item));
        if (a.item == (int)f->resp.lang) sp_str(&o, sp(lang, SP_IN_USE));
        break;
    case HL_ACT_LISTEN:
        sp_str(&o, hl_str(lang, HL_STR_LISTEN));
        sp_str(&o, sp(lang, ac->speech ? SP_ON : SP_OFF));
        break;
    case HL_ACT_LARGE:
        sp_str(&o, sp(lang, SP_LARGE));
        sp_str(&o, sp(lang, ac->large ? SP_ON : SP_OFF));
        break;
    case HL_ACT_VOLUME:
        sp_fmt(&o, sp(lang, a.item < 0 ? SP_VOLUME_DOWN : SP_VOLUME_UP), sp_int(x, ac->volume),
               sp_int(y, ac->volume_max), NULL);
        break;
    default:
        ok = sp_key(&o, ui, &a, lang);
        break;
    }
    if (!ok) {
        sp_init(&o, out, size);
        return HL_ERR_USAGE;
    }
    sp_end(&o);
    return sp_done(&o);
}

int hl_ui_speech_focus(const hl_ui_t *ui, const hl_flow_t *f, const hl_scene_t *scene,
                       hl_lang_t lang, char *out, size_t size)
{
    hl_action_t a;
    if (size) out[0] = '\0';
    if (!hl_ui_focus_action(ui, scene, &a)) return HL_ERR_STATE;
    return hl_ui_speech_target(ui, f, ui->access.focus, lang, out, size);
}

int hl_ui_speech_help(hl_lang_t lang, char *out, size_t size)
{
    sp_out_t o;
    sp_init(&o, out, size);
    sp_text(&o, sp(lang, SP_HELP));
    return sp_done(&o);
}
