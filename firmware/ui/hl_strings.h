/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_strings.h: the kiosk's built-in interface words, in every language the
 * firmware knows (hl_lang.h), Vietnamese first.
 *
 * Survey files bring their own questions and answers; everything else a
 * citizen reads on a screen (back, next, yes/no, "still there?", the keypad's
 * delete key, the out-of-service notice, progress and countdown texts) comes
 * from this table, so that a survey never has to translate it. Texts with a
 * number take ints, formatted with hl_str_format ("%d", and "%02d" for
 * minutes:seconds); the technician's words (issue 6) are here too.
 * Vietnamese is written with full diacritics, precomposed (NFC).
 */
#ifndef HL_STRINGS_H
#define HL_STRINGS_H

#include "hl_lang.h"

#include <stddef.h>

typedef enum hl_str_id {
    HL_STR_BACK = 0,       /* "Quay lại" / "Back" */
    HL_STR_NEXT,           /* "Tiếp tục" / "Next" */
    HL_STR_SKIP,           /* "Bỏ qua" / "Skip" */
    HL_STR_YES,            /* "Có" / "Yes" */
    HL_STR_NO,             /* "Không" / "No" */
    HL_STR_STILL_THERE,    /* "Bạn vẫn đang trả lời chứ?" / "Are you still there?" */
    HL_STR_COUNTDOWN,      /* %d seconds left before the survey ends (plural) */
    HL_STR_COUNTDOWN_ONE,  /* the same with one second (singular where the language has one) */
    HL_STR_CONTINUE,       /* "Tiếp tục" / "Continue" */
    HL_STR_CHOOSE_UP_TO,   /* "Chọn tối đa %d" / "Choose up to %d" */
    HL_STR_CHOOSE_ANY,     /* multi without a limit: "Chọn một hoặc nhiều ý" */
    HL_STR_OPTIONAL,       /* "Không bắt buộc" / "Optional" */
    HL_STR_DIGITS_RANGE,   /* number: "Từ %d đến %d chữ số" / "%d to %d digits" */
    HL_STR_DIGITS_EXACT,   /* number with min == max: "%d chữ số" / "%d digits" */
    HL_STR_DELETE,         /* keypad: "Xoá" / "Delete" */
    HL_STR_PROGRESS,       /* "Câu %d/%d" / "Question %d of %d" */
    HL_STR_NPS_LOW,        /* nps 0 end: "Không có khả năng" / "Not likely" */
    HL_STR_NPS_HIGH,       /* nps 10 end: "Rất có khả năng" / "Very likely" */
    HL_STR_OUT_OF_SERVICE, /* calm notice shown when the store fails */
    HL_STR_EXPORT_WRITING, /* "Đang ghi kết quả ra USB" / "Writing results to the USB stick" */
    HL_STR_EXPORT_KEEP,    /* "Xin đừng rút USB" / "Please do not remove the stick" */
    HL_STR_EXPORT_COUNT,   /* "%d phản hồi" / "%d responses" */
    HL_STR_EXPORT_DONE,    /* "Có thể rút USB" / "Safe to remove" */
    HL_STR_EXPORT_NOTHING, /* no new responses since the last export */
    HL_STR_EXPORT_FULL,    /* the stick is full */
    HL_STR_EXPORT_RDONLY,  /* the stick is read-only */
    HL_STR_EXPORT_IO,      /* could not write (stick pulled or faulty) */
    HL_STR_EXPORT_FAILED,  /* any other failure */
    HL_STR_EXPORT_RETRY, /* "Rút USB ra và thử USB khác" / "Remove it and try another stick" */
    HL_STR_EXPORT_LINK,  /* a link (or a file) on the stick where a folder should be */
    HL_STR_EXPORT_LINK_FIX, /* what to do about it: delete it on a computer */
    /* The start screen: the officer on duty, as counter signs show it. */
    HL_STR_OFFICER_ON_DUTY, /* "Cán bộ tiếp nhận" / "Officer on duty" */
    /* The text question's keyboard (hl_ui_keyboard.c). */
    HL_STR_KB_SPACE,   /* the space bar: "Dấu cách" / "Space" */
    HL_STR_KB_SHIFT,   /* shift: "Chữ hoa" / "Shift" */
    HL_STR_KB_DONE,    /* commits the text: "Xong" / "Done" */
    HL_STR_KB_SYMBOLS, /* to the digits page: "123" */
    HL_STR_KB_LETTERS, /* back to the letters: "ABC" */
    HL_STR_KB_COUNT,   /* characters typed of the limit: "%d/%d" */
    HL_STR_KB_SAC,     /* the tone keys' names: "sắc" */
    HL_STR_KB_HUYEN,   /* "huyền" */
    HL_STR_KB_HOI,     /* "hỏi" */
    HL_STR_KB_NGA,     /* "ngã" */
    HL_STR_KB_NANG,    /* "nặng" */
    /* Technician mode (issue 6): the PIN pad. */
    HL_STR_TECH_PIN_TITLE, /* "Nhập mã PIN kỹ thuật viên" / "Enter the technician PIN" */
    HL_STR_TECH_PIN_WRONG, /* wrong PIN, %d tries left */
    HL_STR_TECH_PIN_WRONG_ONE, /* the same with one try left */
    HL_STR_TECH_PIN_LOCKED,    /* locked: "%d:%02d" minutes and seconds left */
    HL_STR_TECH_PIN_NO_PIN,    /* "Chưa đặt mã PIN: dùng hailong set-pin" */
    HL_STR_TECH_OK,            /* keypad: "OK" */
    HL_STR_TECH_CANCEL,        /* "Huỷ" / "Cancel" */
    /* The menu's tabs and its way out. */
    HL_STR_TECH_TAB_STATUS,   /* "Trạng thái" / "Status" */
    HL_STR_TECH_TAB_RESULTS,  /* "Kết quả" / "Results" */
    HL_STR_TECH_TAB_OFFICER,  /* "Cán bộ" / "Officer" */
    HL_STR_TECH_TAB_SURVEY,   /* "Khảo sát" / "Survey" */
    HL_STR_TECH_TAB_TRANSFER, /* "Chuyển dữ liệu" / "Transfer" */
    HL_STR_TECH_TAB_SETTINGS, /* "Cài đặt" / "Settings" */
    HL_STR_TECH_CLOSE,        /* "Về khảo sát" / "Back to survey" */
    /* Status page: labels and values. */
    HL_STR_TECH_KIOSK,         /* "Mã máy" / "Kiosk" */
    HL_STR_TECH_SITE,          /* "Địa điểm" / "Site" */
    HL_STR_TECH_COUNTER,       /* "Quầy" / "Counter" */
    HL_STR_TECH_OFFICER,       /* "Cán bộ trực" / "Officer on duty" */
    HL_STR_TECH_NOBODY,        /* "Không có cán bộ" / "Nobody" */
    HL_STR_TECH_VERSION,       /* "Phần mềm" / "Software" */
    HL_STR_TECH_SURVEY,        /* "Khảo sát" / "Survey" */
    HL_STR_TECH_SURVEY_VER,    /* "phiên bản %d" / "version %d" */
    HL_STR_TECH_TODAY,         /* "Hôm nay" / "Today" */
    HL_STR_TECH_WEEK,          /* "7 ngày" / "7 days" */
    HL_STR_TECH_TOTAL,         /* "Tất cả" / "All time" */
    HL_STR_TECH_RESPONSES,     /* "%d phản hồi" / "%d responses" */
    HL_STR_TECH_COMPLETE_PART, /* "%d đầy đủ, %d dở dang" / "%d complete, %d partial" */
    HL_STR_TECH_STORED,        /* "Phản hồi đã lưu" / "Stored responses" */
    HL_STR_TECH_SYNC,          /* "Đồng bộ mạng" / "Network sync" */
    HL_STR_TECH_SYNC_OFF,      /* "Chưa cấu hình" / "Not configured" */
    HL_STR_TECH_SYNC_PENDING,  /* "%d chờ gửi" / "%d pending" */
    HL_STR_TECH_LAST_SUCCESS,  /* "Gửi được lần cuối" / "Last success" */
    HL_STR_TECH_LAST_ERROR,    /* "Lỗi gần nhất" / "Last error" */
    HL_STR_TECH_NEVER,         /* "Chưa có" / "Never" */
    HL_STR_TECH_NONE,          /* "Không có" / "None" */
    HL_STR_TECH_LAST_EXPORT,   /* "Xuất USB lần cuối" / "Last USB export" */
    HL_STR_TECH_FREE,          /* "Dung lượng trống" / "Free space" */
    HL_STR_TECH_UNKNOWN,       /* "Không rõ" / "Unknown" */
    HL_STR_TECH_CLOCK,         /* "Đồng hồ" / "Clock" */
    HL_STR_TECH_CLOCK_OK,      /* "đã đồng bộ" / "trusted" */
    HL_STR_TECH_CLOCK_BAD,     /* "chưa đồng bộ" / "not trusted" */
    /* Results page. */
    HL_STR_TECH_ALL_TIME,     /* period button: "Tất cả" / "All" */
    HL_STR_TECH_ALL_OFFICERS, /* "Tất cả cán bộ" / "All officers" */
    HL_STR_TECH_RATE,         /* the satisfaction rate, big: "%d %" */
    HL_STR_TECH_SATISFIED_OF, /* under it: "hài lòng (%d/%d)" / "satisfied (%d/%d)" */
    HL_STR_TECH_NOT_ENOUGH, /* "Chưa đủ câu trả lời để hiển thị" / "Not enough answers to show" */
    HL_STR_TECH_ANSWERED,     /* number questions: "%d đã trả lời" / "%d answered" */
    HL_STR_TECH_PER_HOUR,     /* "Phản hồi theo giờ hôm nay" / "Responses per hour today" */
    HL_STR_TECH_STARS,        /* a stars bar: "%d sao" / "%d stars" */
    HL_STR_TECH_STARS_ONE,    /* "%d sao" / "%d star" */
    HL_STR_TECH_NO_FIGURES,   /* results not computed: "Chưa có số liệu" / "No figures yet" */
    HL_STR_TECH_COMMENTS,     /* text answers in the period: "%d góp ý" / "%d comments" */
    HL_STR_TECH_COMMENTS_ONE, /* "%d góp ý" / "%d comment" */
    /* Officer page. */
    HL_STR_TECH_ON_DUTY,     /* the chosen officer's mark: "Đang trực" / "On duty" */
    HL_STR_TECH_CHOOSE_DUTY, /* "Chọn cán bộ đang trực" / "Choose who is on duty" */
    HL_STR_TECH_NO_OFFICERS, /* none in the config */
    /* Survey page. */
    HL_STR_TECH_INSTALLED, /* "Khảo sát đã cài" / "Installed surveys" */
    HL_STR_TECH_ON_STICK,  /* "Khảo sát trên USB" / "Surveys on the stick" */
    HL_STR_TECH_IN_USE,    /* "Đang dùng" / "In use" */
    HL_STR_TECH_INSTALL,   /* "Cài đặt" / "Install" */
    HL_STR_TECH_PLUG_STICK, /* "Cắm USB của kỹ thuật viên" / "Plug in the technician's stick" */
    HL_STR_TECH_STICK_EMPTY, /* a stick without surveys */
    HL_STR_TECH_ROLLBACK,    /* "Quay lại bản trước" / "Roll back to the previous one" */
    HL_STR_TECH_INVALID,     /* heading of the check's errors */
    HL_STR_TECH_MORE,        /* "+%d lỗi khác" / "+%d more" */
    HL_STR_TECH_UNREADABLE,  /* a file that does not load: "(không đọc được)" */
    HL_STR_TECH_PAGE_OF,     /* the stick's files: "Trang %d/%d" / "Page %d of %d" */
    /* Transfer page. */
    HL_STR_TECH_EXPORT_NOW,   /* "Xuất ra USB ngay" / "Export to USB now" */
    HL_STR_TECH_SYNC_NOW,     /* "Đồng bộ ngay" / "Sync now" */
    HL_STR_TECH_PUSHING,      /* "Đang gửi…" / "Sending…" */
    HL_STR_TECH_EXPORT_WROTE, /* "Đã ghi %d phản hồi" / "Wrote %d responses" */
    HL_STR_TECH_EXPORT_PCT,   /* "Đang ghi: %d %" / "Writing: %d %" */
    HL_STR_TECH_ASSIGN_WAIT, /* "Phân công %d: chờ lúc rảnh để cài" / "Assignment %d: ..." */
    HL_STR_TECH_ASSIGN_DONE, /* "Phân công %d: đã cài" / "Assignment %d: installed" */
    HL_STR_TECH_ASSIGN_FAIL, /* "Phân công %d: không cài được" / "Assignment %d: failed" */
    /* Settings page. */
    HL_STR_TECH_LANGUAGE,     /* "Ngôn ngữ mặc định" / "Default language" */
    HL_STR_TECH_IDLE,         /* "Thời gian chờ" / "Idle timeout" */
    HL_STR_TECH_WARN,         /* "Thời gian nhắc" / "Warning time" */
    HL_STR_TECH_THANKS,       /* "Màn hình cảm ơn" / "Thanks screen" */
    HL_STR_TECH_SECONDS,      /* "%d giây" / "%d s" */
    HL_STR_TECH_ROTATION,     /* "Xoay màn hình" / "Screen rotation" */
    HL_STR_TECH_DATETIME,     /* "Ngày giờ" / "Date and time" */
    HL_STR_TECH_CLOCK_SYNCED, /* "Đồng hồ đã đồng bộ" / "The clock is synchronised" */
    HL_STR_TECH_DAY,          /* stepper unit: "ngày" / "day" */
    HL_STR_TECH_HOUR,         /* "giờ" / "hour" */
    HL_STR_TECH_MIN,          /* "phút" / "min" */
    HL_STR_TECH_SET_CLOCK,    /* "Đặt giờ" / "Set" */
    HL_STR_TECH_RESTART,      /* "Khởi động lại" / "Restart app" */
    HL_STR_TECH_SHUTDOWN,     /* "Tắt máy" / "Shut down" */
    /* Technician notices, shown in both languages ("vi / en"); %s: a detail. */
    HL_STR_TN_NO_CONFIG,       /* "No config file to save to: start the kiosk with --config FILE" */
    HL_STR_TN_NOT_SAVED,       /* "Not saved: %s" */
    HL_STR_TN_SAVED_NO_RELOAD, /* "Saved, but the config does not load again: %s" */
    HL_STR_TN_SAVED_UNTIL_RESTART, /* "Saved only until restart (read-only system: %s)" */
    HL_STR_TN_UNKNOWN_OFFICER,     /* "Unknown officer %s" */
    HL_STR_TN_OFFICER_SAVED,       /* "Officer on duty saved" */
    HL_STR_TN_TIMEOUTS_SAVED,      /* "Timeouts saved" */
    HL_STR_TN_SURVEY_PROBLEMS,     /* "The survey has %s problem%s: nothing changed" */
    HL_STR_TN_NOT_USED,            /* "Not used: %s" */
    HL_STR_TN_SURVEY_SAVED,        /* "Survey saved" */
    HL_STR_TN_NOW_RUNNING,         /* "Now running %s v%s" */
    HL_STR_TN_INSERT_STICK,        /* "Insert the technician's USB stick first" */
    HL_STR_TN_SURVEY_GONE_STICK,   /* "That survey is no longer on the stick" */
    HL_STR_TN_NOT_INSTALLED,       /* "Not installed: %s" */
    HL_STR_TN_NOT_INSTALLED_OTHER, /* "Not installed: %s exists with other content" */
    HL_STR_TN_CLOCK_NOT_SET,       /* "Clock not set: %s" */
    HL_STR_TN_CLOCK_SET,           /* "Clock set: %s" */
    HL_STR_TN_SHUTDOWN_SCRIPTED,   /* "Shutting down (scripted run: not carried out)" */
    HL_STR_TN_SHUTDOWN,            /* "Shutting down" */
    HL_STR_TN_EXPORT_WAIT,         /* "Writing to the USB stick: wait for it" */
    HL_STR_TN_SURVEY_CLI,  /* "The survey is set on the command line (--survey): change it there" */
    HL_STR_TN_SURVEY_GONE, /* "That survey is no longer installed" */
    HL_STR_TN_EXPORT_RUNNING,         /* "An export is already running" */
    HL_STR_TN_SYNC_OFF,               /* "Network sync is not configured" */
    HL_STR_TN_SYNC_STARTED,           /* "Sync started" */
    HL_STR_TN_LANGUAGE_SAVED,         /* "Default language saved" */
    HL_STR_TN_STICK_UNREADABLE,       /* "Cannot read the stick: %s" */
    HL_STR_TN_NOT_INSTALLED_PROBLEMS, /* "FILE: N problem(s): nothing installed" */
    HL_STR_TN_ROTATION_SAVED,         /* "Rotation saved: restart the app to apply" */
    HL_STR_PHONE_DIGITS, /* contact: "Số di động 10 chữ số, bắt đầu bằng 0" */
    HL_STR_PHONE_SAVED,  /* contact, came back: the number is kept, not shown */
    HL_STR_FOLLOWUP_HEAD, /* thanks: "Mã theo dõi góp ý của Ông/Bà" / "Your follow-up code" */
    HL_STR_FOLLOWUP_HOW, /* thanks: what the code is for */
    HL_STR_LISTEN,       /* the header's speech button: "Nghe" / "Listen" */
    HL_STR_COUNT
} hl_str_id_t;

/* fmt with each "%s" replaced by the next of args, and "%N$s" by args[N-1] (an empty text past
 * nargs; NULL args count as ""), cut to n bytes: no printf on a table's
 * text. Returns buf. */
const char *hl_str_subst(char *buf, size_t n, const char *fmt, const char *const *args, int nargs);

/* The word in lang (never NULL; English when lang is unknown). */
const char *hl_str(hl_lang_t lang, hl_str_id_t id);

/* The language's own name for its button: "Tiếng Việt", "English". Never a
 * flag: flags are countries, not languages. */
const char *hl_str_lang_name(hl_lang_t lang);

/* Formats a text with up to two int arguments (a, b; unused ones ignored)
 * into buf; returns buf. "%d" and "%02d" are substituted. Countdowns, tries
 * left and stars pick the singular form for 1. */
const char *hl_str_format(char *buf, size_t n, hl_lang_t lang, hl_str_id_t id, int a, int b);

#endif
