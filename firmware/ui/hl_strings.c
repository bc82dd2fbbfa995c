/* SPDX-License-Identifier: GPL-3.0-or-later */
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

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const hl_str_table[HL_STR_COUNT][HL_LANG_COUNT] = {
    [HL_STR_BACK] = {"Quay lại", "Back"},
    [HL_STR_NEXT] = {"Tiếp tục", "Next"},
    [HL_STR_SKIP] = {"Bỏ qua", "Skip"},
    [HL_STR_YES] = {"Có", "Yes"},
    [HL_STR_NO] = {"Không", "No"},
    [HL_STR_STILL_THERE] = {"Ông/Bà vẫn đang trả lời chứ?", "Are you still there?"},
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
    [HL_STR_PHONE_DIGITS] = {"Số di động: 10 chữ số, bắt đầu bằng 0",
                             "A mobile number: 10 digits, starting with 0"},
    [HL_STR_PHONE_SAVED] = {"Đã ghi số (không hiện lại). Nhập số mới để thay.",
                            "Number saved (not shown). Type a new one to change it."},
    [HL_STR_FOLLOWUP_HEAD] = {"Mã theo dõi góp ý của Ông/Bà", "Your follow-up code"},
    [HL_STR_FOLLOWUP_HOW] = {"Xin ghi lại mã này. Khi hỏi về góp ý, Ông/Bà đọc mã cho cán bộ.",
                             "Please write it down and quote it when you ask about your "
                             "comment."},
    [HL_STR_LISTEN] = {"Nghe", "Listen"},
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
    [HL_STR_EXPORT_LINK] = {"Trên USB có một liên kết (link) hoặc tệp ở chỗ thư mục HAILONG",
                            "The stick has a link or a file where a HAILONG folder should be"},
    [HL_STR_EXPORT_LINK_FIX] = {"Xoá nó bằng máy tính rồi cắm lại USB, hoặc dùng USB khác",
                                "Delete it on a computer and insert the stick again, or use "
                                "another stick"},
    [HL_STR_OFFICER_ON_DUTY] = {"Cán bộ tiếp nhận", "Officer on duty"},
    [HL_STR_KB_SPACE] = {"Dấu cách", "Space"},
    [HL_STR_KB_SHIFT] = {"Chữ hoa", "Shift"},
    [HL_STR_KB_DONE] = {"Xong", "Done"},
    [HL_STR_KB_SYMBOLS] = {"123", "123"},
    [HL_STR_KB_LETTERS] = {"ABC", "ABC"},
    [HL_STR_KB_COUNT] = {"%d/%d", "%d/%d"},
    [HL_STR_KB_SAC] = {"sắc", "acute"},
    [HL_STR_KB_HUYEN] = {"huyền", "grave"},
    [HL_STR_KB_HOI] = {"hỏi", "hook"},
    [HL_STR_KB_NGA] = {"ngã", "tilde"},
    [HL_STR_KB_NANG] = {"nặng", "dot below"},
    [HL_STR_TECH_PIN_TITLE] = {"Nhập mã PIN kỹ thuật viên", "Enter the technician PIN"},
    [HL_STR_TECH_PIN_WRONG] = {"Sai mã PIN. Còn %d lần thử", "Wrong PIN. %d tries left"},
    [HL_STR_TECH_PIN_WRONG_ONE] = {"Sai mã PIN. Còn %d lần thử", "Wrong PIN. %d try left"},
    [HL_STR_TECH_PIN_LOCKED] = {"Nhập sai quá nhiều lần. Thử lại sau %d:%02d",
                                "Too many wrong PINs. Try again in %d:%02d"},
    [HL_STR_TECH_PIN_NO_PIN] = {"Chưa đặt mã PIN: dùng hailong set-pin",
                                "No PIN set: use hailong set-pin"},
    [HL_STR_TECH_OK] = {"OK", "OK"},
    [HL_STR_TECH_CANCEL] = {"Huỷ", "Cancel"},
    [HL_STR_TECH_TAB_STATUS] = {"Trạng thái", "Status"},
    [HL_STR_TECH_TAB_RESULTS] = {"Kết quả", "Results"},
    [HL_STR_TECH_TAB_OFFICER] = {"Cán bộ", "Officer"},
    [HL_STR_TECH_TAB_SURVEY] = {"Khảo sát", "Survey"},
    [HL_STR_TECH_TAB_TRANSFER] = {"Chuyển dữ liệu", "Transfer"},
    [HL_STR_TECH_TAB_SETTINGS] = {"Cài đặt", "Settings"},
    [HL_STR_TECH_CLOSE] = {"Về khảo sát", "Back to survey"},
    [HL_STR_TECH_KIOSK] = {"Mã máy", "Kiosk"},
    [HL_STR_TECH_SITE] = {"Địa điểm", "Site"},
    [HL_STR_TECH_COUNTER] = {"Quầy", "Counter"},
    [HL_STR_TECH_OFFICER] = {"Cán bộ trực", "Officer on duty"},
    [HL_STR_TECH_NOBODY] = {"Không có cán bộ", "Nobody"},
    [HL_STR_TECH_VERSION] = {"Phần mềm", "Software"},
    [HL_STR_TECH_SURVEY] = {"Khảo sát", "Survey"},
    [HL_STR_TECH_SURVEY_VER] = {"phiên bản %d", "version %d"},
    [HL_STR_TECH_TODAY] = {"Hôm nay", "Today"},
    [HL_STR_TECH_WEEK] = {"7 ngày", "7 days"},
    [HL_STR_TECH_TOTAL] = {"Tất cả", "All time"},
    [HL_STR_TECH_RESPONSES] = {"%d phản hồi", "%d responses"},
    [HL_STR_TECH_COMPLETE_PART] = {"%d đầy đủ, %d dở dang", "%d complete, %d partial"},
    [HL_STR_TECH_STORED] = {"Đầy đủ / dở dang", "Complete / partial"},
    [HL_STR_TECH_SYNC] = {"Đồng bộ mạng", "Network sync"},
    [HL_STR_TECH_SYNC_OFF] = {"Chưa cấu hình", "Not configured"},
    [HL_STR_TECH_SYNC_PENDING] = {"%d chờ gửi", "%d pending"},
    [HL_STR_TECH_LAST_SUCCESS] = {"Gửi được lần cuối", "Last success"},
    [HL_STR_TECH_LAST_ERROR] = {"Lỗi gần nhất", "Last error"},
    [HL_STR_TECH_NEVER] = {"Chưa có", "Never"},
    [HL_STR_TECH_NONE] = {"Không có", "None"},
    [HL_STR_TECH_LAST_EXPORT] = {"Xuất USB lần cuối", "Last USB export"},
    [HL_STR_TECH_FREE] = {"Dung lượng trống", "Free space"},
    [HL_STR_TECH_UNKNOWN] = {"Không rõ", "Unknown"},
    [HL_STR_TECH_CLOCK] = {"Đồng hồ", "Clock"},
    [HL_STR_TECH_CLOCK_OK] = {"đã đồng bộ", "trusted"},
    [HL_STR_TECH_CLOCK_BAD] = {"chưa đồng bộ", "not trusted"},
    [HL_STR_TECH_ALL_TIME] = {"Tất cả", "All"},
    [HL_STR_TECH_ALL_OFFICERS] = {"Tất cả cán bộ", "All officers"},
    [HL_STR_TECH_RATE] = {"%d %", "%d %"},
    [HL_STR_TECH_SATISFIED_OF] = {"hài lòng (%d/%d)", "satisfied (%d/%d)"},
    [HL_STR_TECH_NOT_ENOUGH] = {"Chưa đủ câu trả lời để hiển thị", "Not enough answers to show"},
    [HL_STR_TECH_ANSWERED] = {"%d đã trả lời", "%d answered"},
    [HL_STR_TECH_PER_HOUR] = {"Phản hồi theo giờ hôm nay", "Responses per hour today"},
    [HL_STR_TECH_STARS] = {"%d sao", "%d stars"},
    [HL_STR_TECH_STARS_ONE] = {"%d sao", "%d star"},
    [HL_STR_TECH_NO_FIGURES] = {"Chưa có số liệu", "No figures yet"},
    [HL_STR_TECH_COMMENTS] = {"%d góp ý", "%d comments"},
    [HL_STR_TECH_COMMENTS_ONE] = {"%d góp ý", "%d comment"},
    [HL_STR_TECH_ON_DUTY] = {"Đang trực", "On duty"},
    [HL_STR_TECH_CHOOSE_DUTY] = {"Chọn cán bộ đang trực", "Choose who is on duty"},
    [HL_STR_TECH_NO_OFFICERS] = {"Cấu hình chưa có danh sách cán bộ",
                                 "The config lists no officers"},
    [HL_STR_TECH_INSTALLED] = {"Khảo sát đã cài", "Installed surveys"},
    [HL_STR_TECH_ON_STICK] = {"Khảo sát trên USB", "Surveys on the stick"},
    [HL_STR_TECH_IN_USE] = {"Đang dùng", "In use"},
    [HL_STR_TECH_INSTALL] = {"Cài đặt", "Install"},
    [HL_STR_TECH_PLUG_STICK] = {"Cắm USB của kỹ thuật viên", "Plug in the technician's stick"},
    [HL_STR_TECH_STICK_EMPTY] = {"Không có khảo sát trên USB", "No surveys on the stick"},
    [HL_STR_TECH_ROLLBACK] = {"Quay lại bản trước", "Roll back"},
    [HL_STR_TECH_INVALID] = {"Khảo sát không hợp lệ, chưa cài đặt:",
                             "The survey is not valid, nothing was installed:"},
    [HL_STR_TECH_MORE] = {"+%d lỗi khác", "+%d more"},
    [HL_STR_TECH_UNREADABLE] = {"(không đọc được)", "(cannot be read)"},
    [HL_STR_TECH_PAGE_OF] = {"Trang %d/%d", "Page %d of %d"},
    [HL_STR_TECH_EXPORT_NOW] = {"Xuất ra USB ngay", "Export to USB now"},
    [HL_STR_TECH_SYNC_NOW] = {"Đồng bộ ngay", "Sync now"},
    [HL_STR_TECH_PUSHING] = {"Đang gửi…", "Sending…"},
    [HL_STR_TECH_EXPORT_WROTE] = {"Đã ghi %d phản hồi", "Wrote %d responses"},
    [HL_STR_TECH_EXPORT_PCT] = {"Đang ghi: %d %", "Writing: %d %"},
    [HL_STR_TECH_ASSIGN_WAIT] = {"Phân công %d của trung tâm: chờ lúc không ai dùng để cài",
                                 "Assignment %d from the centre: installed when nobody is "
                                 "using the kiosk"},
    [HL_STR_TECH_ASSIGN_DONE] = {"Phân công %d của trung tâm: đã cài",
                                 "Assignment %d from the centre: installed"},
    [HL_STR_TECH_ASSIGN_FAIL] = {"Phân công %d của trung tâm: không cài được",
                                 "Assignment %d from the centre: not installed"},
    [HL_STR_TECH_LANGUAGE] = {"Ngôn ngữ mặc định", "Default language"},
    [HL_STR_TECH_IDLE] = {"Thời gian chờ", "Idle timeout"},
    [HL_STR_TECH_WARN] = {"Thời gian nhắc", "Warning time"},
    [HL_STR_TECH_THANKS] = {"Màn hình cảm ơn", "Thanks screen"},
    [HL_STR_TECH_SECONDS] = {"%d giây", "%d s"},
    [HL_STR_TECH_ROTATION] = {"Xoay màn hình", "Screen rotation"},
    [HL_STR_TECH_DATETIME] = {"Ngày giờ", "Date and time"},
    [HL_STR_TECH_CLOCK_SYNCED] = {"Đồng hồ đã đồng bộ", "The clock is synchronised"},
    [HL_STR_TECH_DAY] = {"ngày", "day"},
    [HL_STR_TECH_HOUR] = {"giờ", "hour"},
    [HL_STR_TECH_MIN] = {"phút", "min"},
    [HL_STR_TECH_SET_CLOCK] = {"Đặt giờ", "Set"},
    [HL_STR_TECH_RESTART] = {"Khởi động lại", "Restart app"},
    [HL_STR_TECH_SHUTDOWN] = {"Tắt máy", "Shut down"},
    [HL_STR_TN_NO_CONFIG] = {"Không có tệp cấu hình để lưu",
                             "No config file to save to: start the kiosk with --config FILE"},
    [HL_STR_TN_NOT_SAVED] = {"Chưa lưu", "Not saved: %s"},
    [HL_STR_TN_SAVED_NO_RELOAD] = {"Đã lưu nhưng không đọc lại được",
                                   "Saved, but the config does not load again: %s"},
    [HL_STR_TN_SAVED_UNTIL_RESTART] = {"Chỉ lưu đến khi khởi động lại",
                                       "Saved only until restart (read-only system: %s)"},
    [HL_STR_TN_UNKNOWN_OFFICER] = {"Không có cán bộ này", "Unknown officer %s"},
    [HL_STR_TN_OFFICER_SAVED] = {"Đã lưu cán bộ trực", "Officer on duty saved"},
    [HL_STR_TN_TIMEOUTS_SAVED] = {"Đã lưu thời gian chờ", "Timeouts saved"},
    [HL_STR_TN_SURVEY_PROBLEMS] = {"Khảo sát có %s lỗi, không thay đổi gì",
                                   "The survey has %s problem%s: nothing changed"},
    [HL_STR_TN_NOT_USED] = {"Chưa dùng", "Not used: %s"},
    [HL_STR_TN_SURVEY_SAVED] = {"Đã lưu khảo sát", "Survey saved"},
    [HL_STR_TN_NOW_RUNNING] = {"Đang dùng", "Now running %s v%s"},
    [HL_STR_TN_INSERT_STICK] = {"Cắm USB của kỹ thuật viên",
                                "Insert the technician's USB stick first"},
    [HL_STR_TN_SURVEY_GONE_STICK] = {"Khảo sát không còn trên USB",
                                     "That survey is no longer on the stick"},
    [HL_STR_TN_NOT_INSTALLED] = {"Chưa cài", "Not installed: %s"},
    [HL_STR_TN_NOT_INSTALLED_OTHER] = {"Chưa cài", "Not installed: %s exists with other content"},
    [HL_STR_TN_CLOCK_NOT_SET] = {"Chưa đặt giờ", "Clock not set: %s"},
    [HL_STR_TN_CLOCK_SET] = {"Đã đặt giờ", "Clock set: %s"},
    [HL_STR_TN_SHUTDOWN_SCRIPTED] = {"Đang tắt máy",
                                     "Shutting down (scripted run: not carried out)"},
    [HL_STR_TN_SHUTDOWN] = {"Đang tắt máy", "Shutting down"},
    [HL_STR_TN_EXPORT_WAIT] = {"Đang xuất ra USB, xin chờ",
                               "Writing to the USB stick: wait for it"},
    [HL_STR_TN_SURVEY_CLI] = {"Khảo sát do dòng lệnh chọn (--survey)",
                              "The survey is set on the command line (--survey): change it there"},
    [HL_STR_TN_SURVEY_GONE] = {"Khảo sát không còn", "That survey is no longer installed"},
    [HL_STR_TN_EXPORT_RUNNING] = {"Đang xuất dữ liệu", "An export is already running"},
    [HL_STR_TN_SYNC_OFF] = {"Chưa cấu hình đồng bộ", "Network sync is not configured"},
    [HL_STR_TN_SYNC_STARTED] = {"Đang đồng bộ", "Sync started"},
    [HL_STR_TN_LANGUAGE_SAVED] = {"Đã lưu ngôn ngữ", "Default language saved"},
    [HL_STR_TN_STICK_UNREADABLE] = {"Không đọc được USB", "Cannot read the stick: %s"},
    [HL_STR_TN_NOT_INSTALLED_PROBLEMS] = {"%1$s: %2$s lỗi, không cài",
                                          "%2$s problem%3$s: nothing installed, the survey keeps "
                                          "running"},
    [HL_STR_TN_ROTATION_SAVED] = {"Đã lưu, khởi động lại để áp dụng",
                                  "Rotation saved: restart the app to apply"},
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
    if (id == HL_STR_TECH_PIN_WRONG && a == 1) id = HL_STR_TECH_PIN_WRONG_ONE;
    if (id == HL_STR_TECH_STARS && a == 1) id = HL_STR_TECH_STARS_ONE;
    if (id == HL_STR_TECH_COMMENTS && a == 1) id = HL_STR_TECH_COMMENTS_ONE;
    const char *fmt = hl_str(lang, id);
    int args[2] = {a, b};
    int used = 0;
    size_t o = 0;
    for (const char *p = fmt; *p && o + 1 < n;) {
        bool pad = p[0] == '%' && p[1] == '0' && p[2] == '2' && p[3] == 'd';
        if ((p[0] == '%' && p[1] == 'd') || pad) {
            char num[16];
            int v = used < 2 ? args[used] : 0;
            int k = pad ? snprintf(num, sizeof num, "%02d", v) : snprintf(num, sizeof num, "%d", v);
            used++;
            for (int i = 0; i < k && o + 1 < n; i++)
                buf[o++] = num[i];
            p += pad ? 4 : 2;
        } else {
            buf[o++] = *p++;
        }
    }
    buf[o] = '\0';
    return buf;
}

const char *hl_str_subst(char *buf, size_t n, const char *fmt, const char *const *args, int nargs)
{
    if (n == 0) return buf;
    size_t o = 0;
    int used = 0;
    for (const char *p = fmt; *p && o + 1 < n;) {
        int which = -1, skip = 0;
        if (p[0] == '%' && p[1] == 's') {
            which = used++;
            skip = 2;
        } else if (p[0] == '%' && p[1] >= '1' && p[1] <= '9' && p[2] == '$' && p[3] == 's') {
            which = p[1] - '1';
            skip = 4;
        }
        if (which < 0) {
            buf[o++] = *p++;
            continue;
        }
        const char *a = which < nargs && args[which] ? args[which] : "";
        while (*a && o + 1 < n)
            buf[o++] = *a++;
        p += skip;
    }
    buf[o] = '\0';
    return buf;
}
