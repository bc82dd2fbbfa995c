/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_words.c: the report's words in Vietnamese and English (one table,
 * so the PDF and the workbook say the same), the method's sentence, and
 * the provenance as sentences: kiosks and their sequence ranges, verified
 * chain heads as short hex, gaps named.
 */
#include "hl_qtype.h"
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct word {
    const char *key; /* what the code asks for */
    const char *vi;  /* Vietnamese */
    const char *en;  /* English */
} word_t;

static const word_t words[] = {
    {"title", "Báo cáo mức độ hài lòng", "Satisfaction report"},
    {"province", "Toàn tỉnh", "Whole province"},
    {"month", "Tháng", "Month"},
    {"unit", "Đơn vị", "Unit"},
    {"responses", "Số lượt đánh giá", "Responses"},
    {"index", "Chỉ số hài lòng", "Satisfaction index"},
    {"partial", "Tỷ lệ chưa hoàn thành", "Partial share"},
    {"suspect", "Tỷ lệ nghi vấn", "Suspect share"},
    {"comments", "Góp ý", "Comments"},
    {"handled", "đã xử lý", "handled"},
    {"median", "thời gian xử lý trung vị", "median time to handle"},
    {"median_h", "Thời gian xử lý trung vị (giờ)", "Median time to handle (hours)"},
    {"offline", "việc xử lý góp ý không biết được khi ngoại tuyến", "follow-ups not known offline"},
    {"trend", "Xu hướng chỉ số hài lòng", "Satisfaction index trend"},
    {"week", "Tuần từ", "Week from"},
    {"questions", "Phân bố câu trả lời", "Answers by question"},
    {"officers", "Kết quả theo cán bộ", "Results by officer"},
    {"officer", "Cán bộ", "Officer"},
    {"reasons", "Lý do khi chưa hài lòng", "Reasons after low ratings"},
    {"hidden", "ẩn", "hidden"},
    {"hidden_note", "ẩn theo quy tắc tối thiểu 5 lượt", "hidden by the min-5 rule"},
    {"answered", "lượt trả lời", "answered"},
    {"none", "không có", "none"},
    {"officer_hidden",
     "Cán bộ này có dưới 5 lượt đánh giá trong tháng, hoặc kết quả bị ẩn để không suy ra "
     "được kết quả của người khác (quy tắc tối thiểu 5 lượt): không có số liệu.",
     "This officer has fewer than 5 responses this month, or the results are hidden so that "
     "nobody else's can be worked out (the min-5 rule): no figures."},
    {"no_survey",
     "Không có tệp khảo sát cho các câu trả lời: nhãn là mã câu hỏi, không tính được chỉ số "
     "(--survey TỆP).",
     "No survey file for these responses: labels are question ids, no index can be computed "
     "(--survey FILE)."},
    {"unknown_survey", "lượt đánh giá của khảo sát không được cung cấp",
     "responses of a survey not given"},
    {"units", "Kết quả theo đơn vị", "Results by unit"},
    {"page", "Trang", "Page"},
    {"seconds", "giây", "s"},
    {"hours", "giờ", "h"},
    {"value", "Giá trị", "Value"},
    {"count", "Số lượt", "Count"},
    {"question", "Câu hỏi", "Question"},
    {"figure", "Chỉ tiêu", "Figure"},
    {"kiosk", "Ki-ốt", "Kiosk"},
    {"seq_first", "Số thứ tự đầu", "First seq"},
    {"seq_last", "Số thứ tự cuối", "Last seq"},
    {"chain_head", "Đầu chuỗi đã xác minh", "Verified chain head"},
    {"gap", "Thiếu", "Gap"},
    {"origin", "Nguồn", "Origin"},
    {"method", "Cách tính", "Method"},
    {"note", "Ghi chú", "Note"},
};

const char *report_word(hl_lang_t lang, const char *key)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(words[i].key, key)) return lang == HL_LANG_EN ? words[i].en : words[i].vi;
    return key;
}

const char *report_method_text(hl_lang_t lang)
{
    return lang == HL_LANG_EN
               ? "Satisfaction index = 100 × satisfied ÷ rated: rated are the responses that "
                 "answered the survey's main question (its first smiley, stars or NPS "
                 "question), satisfied those whose answer is in its top two levels (the two best "
                 "faces, 4–5 stars, NPS 9–10). Local time (UTC+7); weeks are ISO weeks clipped to "
                 "the month. Min-5 rule: a figure of fewer than 5 responses is hidden, and so is "
                 "any figure from which a hidden one could be worked out by subtraction."
               : "Chỉ số hài lòng = 100 × số hài lòng ÷ số đánh giá: số đánh giá là các lượt trả "
                 "lời câu hỏi chính của khảo sát (câu mặt cười, sao hoặc NPS đầu tiên), số hài "
                 "lòng "
                 "là các lượt chọn một trong hai mức cao nhất (hai mặt cười tốt nhất, 4–5 sao, NPS "
                 "9–10). Giờ địa phương (UTC+7); tuần theo ISO, cắt theo tháng. Quy tắc tối thiểu "
                 "5 "
                 "lượt: số liệu dưới 5 lượt bị ẩn, và cả số liệu có thể dùng phép trừ để suy ra số "
                 "liệu bị ẩn.";
}

void report_month_label(const hl_report_t *r, char *out, size_t cap)
{
    snprintf(out, cap, "%02d/%04d", r->month, r->year);
}

/* Per kiosk: responses of the month read and their sequence range. */
typedef struct kio {
    const char *id;         /* the kiosk */
    int64_t n, first, last; /* responses of the month, sequence range */
} kio_t;

/* Whether kiosk id is among k[0..n). */
static bool has_kiosk(const kio_t *k, size_t n, const char *id)
{
    for (size_t j = 0; j < n; j++)
        if (!strcmp(k[j].id, id)) return true;
    return false;
}

char *report_sources_text(const hl_report_t *r, hl_lang_t lang, size_t unit)
{
    bool en = lang == HL_LANG_EN;
    kio_t *k = calloc(r->n_rows ? r->n_rows : 1, sizeof *k);
    if (!k) return NULL;
    size_t nk = 0;
    int64_t total = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const rrow_t *w = &r->rows[i];
        if (w->month_back || (unit != SIZE_MAX && w->unit != unit)) continue;
        total++;
        size_t j = 0;
        while (j < nk && strcmp(k[j].id, w->kiosk))
            j++;
        if (j == nk) k[nk++] = (kio_t){w->kiosk, 0, w->seq, w->seq};
        k[j].n++;
        if (w->seq < k[j].first) k[j].first = w->seq;
        if (w->seq > k[j].last) k[j].last = w->seq;
    }
    /* Sorted by kiosk id, so that the order does not depend on the source. */
    for (size_t a = 1; a < nk; a++)
        for (size_t b = a; b > 0 && strcmp(k[b - 1].id, k[b].id) > 0; b--) {
            kio_t t = k[b];
            k[b] = k[b - 1];
            k[b - 1] = t;
        }
    rbuf_t b = {0};
    bool ok = rbuf_printf(&b, en ? "%lld responses" : "%lld lượt đánh giá", (long long)total);
    if (nk) ok = ok && rbuf_printf(&b, en ? " from kiosks " : " từ các ki-ốt ");
    for (size_t j = 0; ok && j < nk; j++)
        ok = rbuf_printf(&b, "%s%s (%lld: seq %lld–%lld)", j ? ", " : "", k[j].id,
                         (long long)k[j].n, (long long)k[j].first, (long long)k[j].last);
    if (r->have_origin && r->origin_kind == HL_REPORT_FROM_DB)
        ok = ok && rbuf_printf(&b, en ? ", read from PostgreSQL" : ", đọc từ PostgreSQL");
    if (r->have_origin && r->origin_kind == HL_REPORT_FROM_MERGED)
        ok = ok &&
             rbuf_printf(&b, en ? ", read from the merged folder %s" : ", đọc từ thư mục gộp %s",
                         r->origin ? r->origin : "");
    ok = ok && rbuf_printf(&b, ". ");
    size_t heads = 0;
    for (size_t i = 0; ok && i < r->n_kiosks; i++) {
        const hl_rkiosk_t *h = &r->kiosks[i];
        if (!h->chain_head || (unit != SIZE_MAX && !has_kiosk(k, nk, h->kiosk_id))) continue;
        ok = rbuf_printf(&b, "%s%s %s #%lld %.12s", heads ? ", " : "",
                         heads ? "" : (en ? "Verified chain heads: " : "Đầu chuỗi đã xác minh: "),
                         h->kiosk_id, (long long)h->head_seq, h->chain_head);
        heads++;
    }
    if (ok && !heads)
        ok = rbuf_printf(&b, en ? "No verified chain head" : "Không có đầu chuỗi đã xác minh");
    ok = ok && rbuf_printf(&b, ". ");
    size_t gaps = 0;
    for (size_t i = 0; ok && i < r->n_gaps; i++) {
        const hl_rgap_t *g = &r->gaps[i];
        if (unit != SIZE_MAX && !has_kiosk(k, nk, g->kiosk_id)) continue;
        ok = rbuf_printf(
            &b,
            en ? "%skiosk %s: responses %lld–%lld missing" : "%ski-ốt %s: thiếu các lượt %lld–%lld",
            gaps++ ? "; " : "", g->kiosk_id, (long long)g->from_seq, (long long)g->to_seq);
    }
    if (ok)
        ok = gaps ? rbuf_printf(&b, ".")
                  : rbuf_printf(&b, en ? "No gap in the sequences." : "Không thiếu lượt nào.");
    if (ok && r->duplicates)
        ok = rbuf_printf(
            &b, en ? " %lld duplicates counted once." : " %lld bản trùng chỉ tính một lần.",
            (long long)r->duplicates);
    free(k);
    if (!ok) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

char *report_sources_brief(const hl_report_t *r, hl_lang_t lang)
{
    bool en = lang == HL_LANG_EN;
    int64_t total = 0;
    rhash_t k = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < r->n_rows; i++)
        if (!r->rows[i].month_back) {
            total++;
            ok = rhash_put(&k, r->rows[i].kiosk, 1);
        }
    rbuf_t b = {0};
    ok = ok && rbuf_printf(&b,
                           en ? "%lld responses from %zu kiosks of %zu units%s. Each unit's pages "
                                "name its kiosks, sequence ranges, verified chain heads and gaps; "
                                "the workbook's Sources sheet lists them all."
                              : "%lld lượt đánh giá từ %zu ki-ốt của %zu đơn vị%s. Trang của mỗi "
                                "đơn vị ghi các ki-ốt, dãy số thứ tự, đầu chuỗi đã xác minh và "
                                "các lượt thiếu; trang Sources của tệp Excel liệt kê tất cả.",
                           (long long)total, k.n, r->n_units,
                           !r->have_origin ? ""
                           : r->origin_kind == HL_REPORT_FROM_DB
                               ? (en ? ", read from PostgreSQL" : ", đọc từ PostgreSQL")
                               : "");
    rhash_free(&k);
    if (!ok) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

const char *report_item_label(const hl_question_t *q, size_t i, hl_lang_t lang)
{
    if (q->options && i < q->n_options) return hl_text_get(&q->options[i].label, lang);
    const char *id = hl_question_item_id(q, (int)i);
    if (!strcmp(id, "yes")) return lang == HL_LANG_EN ? "yes" : "có";
    if (!strcmp(id, "no")) return lang == HL_LANG_EN ? "no" : "không";
    return id;
}
