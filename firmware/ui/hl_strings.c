/*
 * hl_strings.c: the table of built-in interface words (hl_strings.h).
 *
 * One row per word, one column per language in hl_lang_t order. Wording is
 * calm and polite as in a public-service hall ("quý vị" addresses the
 * citizen); the Vietnamese is precomposed UTF-8 with full diacritics. The
 * formatter substitutes "%d" itself (no printf on table strings), so a
 * translation can never smuggle in a conversion that reads the wrong type.
 */
#include "hl_strings.h"

#include <stdio.h>
#include <string.h>

static const char *const hl_str_table[HL_STR_COUNT][HL_LANG_COUNT] = {
    [HL_STR_BACK] = {"Quay lại", "Back"},
    [HL_STR_NEXT] = {"Tiếp tục", "Next"},
    [HL_STR_SKIP] = {"Bỏ qua", "Skip"},
    [HL_STR_YES] = {"Có", "Yes"},
    [HL_STR_NO] = {"Không", "No"},
    [HL_STR_STILL_THERE] = {"Bạn vẫn đang trả lời chứ?", "Are you still there?"},
    [HL_STR_COUNTDOWN] = {"Khảo sát sẽ kết thúc sau %d giây", "The survey will end in %d seconds"},
    [HL_STR_COUNTDOWN_ONE] = {"Khảo sát sẽ kết thúc sau %d giây",
                              "The survey will end in %d second"},
    [HL_STR_CONTINUE] = {"Tiếp tục", "Continue"},
    [HL_STR_CHOOSE_UP_TO] = {"Chọn tối đa %d", "Choose up to %d"},
    [HL_STR_CHOOSE_ANY] = {"Chọn một hoặc nhiều ý", "Choose one or more"},
    [HL_STR_OPTIONAL] = {"Không bắt buộc", "Optional"},
    [HL_STR_DIGITS_RANGE] = {"Từ %d đến %d chữ số", "%d to %d digits"},
    [HL_STR_DIGITS_EXACT] = {"%d chữ số", "%d digits"},
    [HL_STR_DELETE] = {"Xoá", "Delete"},
    [HL_STR_PROGRESS] = {"Câu %d/%d", "Question %d of %d"},
    [HL_STR_NPS_LOW] = {"Không có khả năng", "Not likely"},
    [HL_STR_NPS_HIGH] = {"Rất có khả năng", "Very likely"},
    [HL_STR_OUT_OF_SERVICE] = {"Máy tạm ngừng phục vụ. Xin cảm ơn quý vị.",
                               "This kiosk is temporarily out of service. Thank you."},
    [HL_STR_EXPORT_WRITING] = {"Đang ghi kết quả ra USB", "Writing results to the USB stick"},
    [HL_STR_EXPORT_KEEP] = {"Xin đừng rút USB", "Please do not remove the stick"},
    [HL_STR_EXPORT_COUNT] = {"%d phản hồi", "%d responses"},
    [HL_STR_EXPORT_DONE] = {"Đã ghi xong. Có thể rút USB", "Done. Safe to remove the stick"},
    [HL_STR_EXPORT_NOTHING] = {"Không có phản hồi mới. Có thể rút USB",
                               "No new responses. Safe to remove the stick"},
    [HL_STR_EXPORT_FULL] = {"USB đã đầy: chưa ghi được kết quả",
                            "The stick is full: nothing was saved"},
    [HL_STR_EXPORT_RDONLY] = {"USB chỉ cho đọc: chưa ghi được kết quả",
                              "The stick is read-only: nothing was saved"},
    [HL_STR_EXPORT_IO] = {"Không ghi được vào USB (đã rút ra?)",
                          "Could not write to the stick (was it removed?)"},
    [HL_STR_EXPORT_FAILED] = {"Chưa xuất được kết quả", "The results could not be exported"},
    [HL_STR_EXPORT_RETRY] = {"Rút USB ra và thử USB khác", "Remove it and try another stick"},
};

static const char *const hl_lang_names[HL_LANG_COUNT] = {"Tiếng Việt", "English"};

const char *hl_str(hl_lang_t lang, hl_str_id_t id)
{
    if ((int)id < 0 || id >= HL_STR_COUNT) return "";
    if ((int)lang < 0 || lang >= HL_LANG_COUNT) lang = HL_LANG_EN;
    return hl_str_table[id][lang];
}

const char *hl_str_lang_name(hl_lang_t lang)
{
    if ((int)lang < 0 || lang >= HL_LANG_COUNT) return "";
    return hl_lang_names[lang];
}

const char *hl_str_format(char *buf, size_t n, hl_lang_t lang, hl_str_id_t id, int a, int b)
{
    if (n == 0) return buf;
    if (id == HL_STR_COUNTDOWN && a == 1) id = HL_STR_COUNTDOWN_ONE;
    const char *fmt = hl_str(lang, id);
    int args[2] = {a, b};
    int used = 0;
    size_t o = 0;
    for (const char *p = fmt; *p && o + 1 < n;) {
        if (p[0] == '%' && p[1] == 'd') {
            char num[16];
            int k = snprintf(num, sizeof num, "%d", used < 2 ? args[used] : 0);
            used++;
            for (int i = 0; i < k && o + 1 < n; i++)
                buf[o++] = num[i];
            p += 2;
        } else {
            buf[o++] = *p++;
        }
    }
    buf[o] = '\0';
    return buf;
}
