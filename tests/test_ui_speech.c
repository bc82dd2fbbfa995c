/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ui_speech.c: what speech says about the citizen screens
 * (firmware/ui/hl_ui_speech.c, issue 17), as tables: every question type
 * of the all-types fixture in Vietnamese and English (position, text,
 * hint, each option with its number and which is chosen, digits typed),
 * the keyboard (what was written, each key's name), a note and a contact
 * question, "still there?" with the seconds left, thanks with the
 * follow-up code spelled out, out of service; one target alone (answers,
 * keys, navigation, the accessibility buttons with their state); the
 * focused target; the keys' help; a buffer too small; a survey text's
 * recording referenced in the language that has one, words in the other.
 */
#include "hl_flow.h"
#include "hl_fixture.h"
#include "hl_test.h"
#include "hl_ui.h"
#include "hl_ui_speech.h"
#include "hl_wav.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- Fixture: a survey, a flow into a sink that keeps nothing, the screens -- */

typedef struct fx {
    hl_survey_t *survey;
    hl_config_t cfg;
    hl_fakesys_t clock;
    int64_t seq; /* the sink's sequence numbers */
    hl_flow_t flow;
    hl_ui_t ui;
    hl_scene_t scene;
    hl_err_t err;
    char out[HL_UI_SPEECH_MAX];
} fx_t;

static int null_save(void *ctx, hl_response_t *resp, const hl_save_t *sv, hl_err_t *err)
{
    (void)err;
    fx_t *x = ctx;
    if (resp->seq == 0) resp->seq = ++x->seq;
    if (sv->followup_seed && sv->status == HL_RESP_COMPLETE) /* as the store gives it */
        hl_followup_make(sv->followup_seed, 0, resp->followup);
    return HL_OK;
}

static fx_t *fx_open(const char *survey_path)
{
    fx_t *x = calloc(1, sizeof *x);
    hl_diags_t d = {0};
    if (hl_survey_load_file(survey_path, &x->survey, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        abort();
    }
    hl_diags_free(&d);
    hl_config_defaults(&x->cfg, "speech-test");
    hl_fakesys_init(&x->clock, 1790000000000LL, true, 11);
    hl_timeouts_t t = {30, 10, 5};
    hl_sink_t sink = {null_save, x};
    if (hl_flow_init(&x->flow, x->survey, &t, hl_fakesys_sys(&x->clock), sink, &x->err)) abort();
    hl_measure_t none = {NULL, NULL, NULL}; /* the kit's estimate: no fonts needed */
    hl_ui_init(&x->ui, x->survey, &x->cfg, none, 96);
    return x;
}

static void fx_free(fx_t *x)
{
    hl_flow_free(&x->flow);
    hl_config_free(&x->cfg);
    hl_survey_free(x->survey);
    free(x);
}

static void taps(fx_t *x, const char *const *ids)
{
    for (; *ids; ids++)
        if (hl_ui_tap(&x->ui, &x->flow, *ids, &x->err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "tap %s: %s", *ids, x->err.msg);
}

static const char *screen(fx_t *x, hl_lang_t lang)
{
    CHECK_INT(hl_ui_speech_screen(&x->ui, &x->flow, lang, x->out, sizeof x->out), HL_OK);
    return x->out;
}

static const char *target(fx_t *x, const char *id, hl_lang_t lang)
{
    int rc = hl_ui_speech_target(&x->ui, &x->flow, id, lang, x->out, sizeof x->out);
    if (rc != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s: rc %d", id, rc);
    return x->out;
}

/* ---- Screens --------------------------------------------------------------------- */

typedef struct said {
    const char *const *taps; /* taps before, NULL-terminated */
    const char *vi, *en;     /* the screen then */
} said_t;

static const char *const none[] = {NULL};

static void check_said(fx_t *x, const said_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        taps(x, rows[i].taps);
        CHECK_STR(screen(x, HL_LANG_VI), rows[i].vi);
        CHECK_STR(screen(x, HL_LANG_EN), rows[i].en);
    }
}

static void test_each_question_type_is_said_with_its_position_hint_options_and_choice(void)
{
    static const char *const ok[] = {"answer:mood:ok", NULL};
    static const char *const star4[] = {"answer:stars:4", "back", NULL};
    static const char *const choice[] = {"answer:stars:4", NULL};
    static const char *const civil[] = {"answer:visit:civil", "back", NULL};
    static const char *const nps[] = {"answer:visit:civil", NULL};
    static const char *const nps8[] = {"answer:recommend:8", "back", NULL};
    static const char *const yes[] = {"answer:recommend:8", "answer:posted:yes", "back", NULL};
    static const char *const digits[] = {"next", "key:4", "key:0", "key:7", NULL};
    static const char *const multi[] = {"next", "answer:tags:fast", "answer:tags:clear", NULL};
    static const said_t rows[] = {
        {none,
         "Khảo sát thử giao diện. Câu 1 trên 7. Ông/Bà cảm thấy thế nào? Lựa chọn 1 trên 3: Hài "
         "lòng. Lựa chọn 2 trên 3: Bình thường. Lựa chọn 3 trên 3: Chưa hài lòng.",
         "Screen test survey. Question 1 of 7. How do you feel? Option 1 of 3: Satisfied. Option "
         "2 of 3: Neutral. Option 3 of 3: Not satisfied."},
        {ok, "Câu 2 trên 7. Ông/Bà chấm mấy sao cho quầy này? Không bắt buộc. Chọn từ 1 đến 5 sao.",
         "Question 2 of 7. How many stars for this counter? Optional. Choose from 1 to 5 stars."},
        {star4,
         "Câu 2 trên 7. Ông/Bà chấm mấy sao cho quầy này? Không bắt buộc. Chọn từ 1 đến 5 sao. "
         "Đang chọn: 4 sao.",
         "Question 2 of 7. How many stars for this counter? Optional. Choose from 1 to 5 stars. "
         "Chosen: 4 stars."},
        {choice,
         "Câu 3 trên 7. Ông/Bà đến đây để làm gì? Không bắt buộc. Lựa chọn 1 trên 4: Đất đai. "
         "Lựa chọn 2 trên 4: Hộ tịch. Lựa chọn 3 trên 4: Đăng ký kinh doanh. Lựa chọn 4 trên 4: "
         "Việc khác.",
         "Question 3 of 7. What did you come for? Optional. Option 1 of 4: Land. Option 2 of 4: "
         "Civil status. Option 3 of 4: Business registration. Option 4 of 4: Something else."},
        {civil,
         "Câu 3 trên 7. Ông/Bà đến đây để làm gì? Không bắt buộc. Lựa chọn 1 trên 4: Đất đai. "
         "Lựa chọn 2 trên 4: Hộ tịch, đang chọn. Lựa chọn 3 trên 4: Đăng ký kinh doanh. Lựa chọn "
         "4 trên 4: Việc khác.",
         "Question 3 of 7. What did you come for? Optional. Option 1 of 4: Land. Option 2 of 4: "
         "Civil status, chosen. Option 3 of 4: Business registration. Option 4 of 4: Something "
         "else."},
        {nps,
         "Câu 4 trên 7. Ông/Bà có giới thiệu nơi này cho người quen không? Không bắt buộc. Chọn "
         "một số từ 0, Không có khả năng, đến 10, Rất có khả năng.",
         "Question 4 of 7. Would you recommend this office to a friend? Optional. Choose a number "
         "from 0, Not likely, to 10, Very likely."},
        {nps8,
         "Câu 4 trên 7. Ông/Bà có giới thiệu nơi này cho người quen không? Không bắt buộc. Chọn "
         "một số từ 0, Không có khả năng, đến 10, Rất có khả năng. Đang chọn: 8 trên 10.",
         "Question 4 of 7. Would you recommend this office to a friend? Optional. Choose a number "
         "from 0, Not likely, to 10, Very likely. Chosen: 8 out of 10."},
        {yes,
         "Câu 5 trên 7. Thủ tục có được niêm yết công khai không? Không bắt buộc. Lựa chọn 1 trên "
         "2: Có, đang chọn. Lựa chọn 2 trên 2: Không.",
         "Question 5 of 7. Was the procedure publicly posted? Optional. Option 1 of 2: Yes, "
         "chosen. Option 2 of 2: No."},
        {digits, "Câu 6 trên 7. Mã số hồ sơ. Không bắt buộc. Từ 2 đến 6 chữ số. Đã nhập: 4 0 7.",
         "Question 6 of 7. Application number. Optional. 2 to 6 digits. Typed: 4 0 7."},
        {multi,
         "Câu 7 trên 7. Điều gì Ông/Bà thấy tốt? Không bắt buộc. Chọn tối đa 2. Lựa chọn 1 trên "
         "5: Nhanh chóng, đang chọn. Lựa chọn 2 trên 5: Thân thiện, không chọn thêm được. Lựa "
         "chọn 3 trên 5: Minh bạch, đang chọn. Lựa chọn 4 trên 5: Hỗ trợ tốt, không chọn thêm "
         "được. Lựa chọn 5 trên 5: Khác, không chọn thêm được.",
         "Question 7 of 7. What was good? Optional. Choose up to 2. Option 1 of 5: Fast, chosen. "
         "Option 2 of 5: Friendly, unavailable. Option 3 of 5: Clear, chosen. Option 4 of 5: "
         "Helpful, unavailable. Option 5 of 5: Other, unavailable."},
    };
    fx_t *x = fx_open(HL_TEST_DATA "/ui/all-types.json");
    check_said(x, rows, sizeof rows / sizeof rows[0]);
    fx_free(x);
}

static void test_the_keyboard_says_what_was_written_and_each_key_its_name(void)
{
    fx_t *x = fx_open(HL_TEST_DATA "/ui/keyboard.json");
    static const char *const open[] = {"answer:overall:ok", NULL};
    static const char *const typed[] = {"key:shift",    "key:c",     "key:a", "key:m",
                                        "key:tone:hoi", "key:space", "key:o", "key:mark:ow",
                                        "key:n",        NULL};
    static const said_t rows[] = {
        {open,
         "Câu 2 trên 2. Ông/Bà có góp ý gì để chúng tôi phục vụ tốt hơn? Không bắt buộc. Viết góp "
         "ý tại đây. Chưa viết gì.",
         "Question 2 of 2. How could we serve you better? Optional. Write your comment here. "
         "Nothing written yet."},
        {typed,
         "Câu 2 trên 2. Ông/Bà có góp ý gì để chúng tôi phục vụ tốt hơn? Không bắt buộc. Đã viết: "
         "Cảm ơn.",
         "Question 2 of 2. How could we serve you better? Optional. Written so far: Cảm ơn."},
    };
    check_said(x, rows, sizeof rows / sizeof rows[0]);
    static const struct {
        const char *id, *vi, *en;
    } keys[] = {
        {"key:a", "a.", "a."},
        {"key:tone:sac", "dấu sắc.", "acute accent."},
        {"key:tone:nang", "dấu nặng.", "dot below accent."},
        {"key:mark:aa", "a mũ.", "a with circumflex."},
        {"key:mark:dd", "đê.", "d with stroke."},
        {"key:mark:uw", "u móc.", "u with horn."},
        {"key:space", "dấu cách.", "space."},
        {"key:bksp", "Xoá.", "Delete."},
        {"key:shift", "Chữ hoa, đang tắt.", "Shift, off."},
        {"key:page", "Chuyển sang số và dấu câu.", "Numbers and punctuation."},
        {"key:done", "Xong.", "Done."},
        {"back", "Quay lại.", "Back."},
        {"skip", "Bỏ qua.", "Skip."},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        CHECK_STR(target(x, keys[i].id, HL_LANG_VI), keys[i].vi);
        CHECK_STR(target(x, keys[i].id, HL_LANG_EN), keys[i].en);
    }
    static const char *const shift[] = {"key:shift", NULL};
    taps(x, shift);
    CHECK_STR(target(x, "key:b", HL_LANG_VI), "B hoa.");
    CHECK_STR(target(x, "key:b", HL_LANG_EN), "capital B.");
    CHECK_STR(target(x, "key:shift", HL_LANG_VI), "Chữ hoa, đang bật.");
    static const char *const page[] = {"key:page", NULL};
    taps(x, page);
    static const struct {
        const char *id, *vi, *en;
    } punct[] = {
        {"key:7", "7.", "7."},
        {"key:period", "dấu chấm.", "full stop."},
        {"key:comma", "dấu phẩy.", "comma."},
        {"key:question", "dấu chấm hỏi.", "question mark."},
        {"key:exclam", "dấu chấm than.", "exclamation mark."},
        {"key:hyphen", "dấu gạch ngang.", "hyphen."},
        {"key:lparen", "mở ngoặc.", "open bracket."},
        {"key:at", "a còng.", "at sign."},
        {"key:percent", "phần trăm.", "per cent."},
        {"key:apostrophe", "dấu nháy.", "apostrophe."},
        {"key:page", "Chuyển sang chữ cái.", "Letters."},
    };
    for (size_t i = 0; i < sizeof punct / sizeof punct[0]; i++) {
        CHECK_STR(target(x, punct[i].id, HL_LANG_VI), punct[i].vi);
        CHECK_STR(target(x, punct[i].id, HL_LANG_EN), punct[i].en);
    }
    fx_free(x);
}

/* The consultation: its note (title and body), its contact question (the
 * consent, the hint, the digits typed one by one), thanks with the
 * follow-up code spelled out character by character. */
static void test_a_note_a_contact_question_and_the_follow_up_code_are_said(void)
{
    fx_t *x = fx_open(HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json");
    CHECK_STR(screen(x, HL_LANG_VI),
              "Lấy ý kiến người dân. Đề xuất: nhận và trả hồ sơ vào sáng thứ Bảy. Hiện nay Bộ phận "
              "Một cửa làm việc từ thứ Hai đến thứ Sáu: sáng 7:30–11:30, chiều 13:30–17:00. Ủy ban "
              "nhân dân đề xuất mở thêm sáng thứ Bảy, 7:30–11:30, để nhận hồ sơ và trả kết quả cho "
              "người bận đi làm, đi học trong tuần. Trong hình: ô xanh là giờ làm việc hiện nay, ô "
              "cam là sáng thứ Bảy được đề xuất. Ý kiến của Ông/Bà không ghi tên.");
    CHECK_STR(screen(x, HL_LANG_EN),
              "Public consultation. Proposal: Saturday morning opening. The one-stop desk is open "
              "Monday to Friday: 7:30–11:30 and 13:30–17:00. The People's Committee proposes to "
              "open on Saturday mornings too, 7:30–11:30, to receive applications and return "
              "results for people who work or study during the week. In the picture: blue is "
              "today's opening hours, orange is the proposed Saturday morning. Your answers are "
              "anonymous.");
    static const char *const to_contact[] = {"next",
                                             "answer:ung_ho:ung_ho",
                                             "answer:khi_nao_den:ngay_thuong",
                                             "answer:nghi_lam:yes",
                                             "key:o",
                                             "key:k",
                                             "key:done",
                                             "key:0",
                                             "key:9",
                                             "key:1",
                                             NULL};
    taps(x, to_contact);
    CHECK_STR(screen(x, HL_LANG_VI),
              "Câu 5 trên 5. Nếu muốn được báo khi có quyết định, Ông/Bà có thể để lại số điện "
              "thoại. Không bắt buộc. Số điện thoại chỉ để cán bộ phụ trách báo kết quả lấy ý kiến "
              "này cho Ông/Bà; không công bố, không dùng vào việc khác. Không bắt buộc. Số di "
              "động: 10 chữ số, bắt đầu bằng 0. Đã nhập: 0 9 1.");
    CHECK_STR(screen(x, HL_LANG_EN),
              "Question 5 of 5. If you would like to hear when it is decided, you may leave a "
              "phone number. Optional. Your number is only for the officer in charge to tell you "
              "the outcome of this consultation; it is not published or used for anything else. "
              "Optional. A mobile number: 10 digits, starting with 0. Typed: 0 9 1.");
    static const char *const finish[] = {"key:2", "key:3", "key:4", "key:5", "key:6",
                                         "key:7", "key:8", "next",  NULL};
    taps(x, finish);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    char code[32]; /* the code as the store made it, one character at a time */
    const char *c = x->flow.resp.followup;
    CHECK_INT((int)strlen(c), 6);
    snprintf(code, sizeof code, "%c, %c, %c, %c, %c, %c", c[0], c[1], c[2], c[3], c[4], c[5]);
    char want[512];
    snprintf(want, sizeof want,
             "Cảm ơn Ông/Bà đã góp ý! Ý kiến của Ông/Bà sẽ được tổng hợp trước khi quyết định. "
             "Mã theo dõi góp ý của Ông/Bà: %s. Xin ghi lại mã này. Khi hỏi về góp ý, Ông/Bà đọc "
             "mã cho cán bộ.",
             code);
    CHECK_STR(screen(x, HL_LANG_VI), want);
    snprintf(want, sizeof want,
             "Thank you for your opinion! All opinions will be considered before the decision is "
             "made. Your follow-up code: %s. Please write it down and quote it when you ask about "
             "your comment.",
             code);
    CHECK_STR(screen(x, HL_LANG_EN), want);
    fx_free(x);
}

/* "Still there?" with the seconds left (rounded up, as on the screen) and
 * how to go on; out of service; the technician's export says nothing. */
static void test_still_there_says_the_seconds_left_and_out_of_service_its_notice(void)
{
    fx_t *x = fx_open(HL_TEST_DATA "/ui/all-types.json");
    static const char *const ok[] = {"answer:mood:ok", NULL};
    taps(x, ok);
    hl_fakesys_advance(&x->clock, 30000);
    CHECK_INT(hl_flow_tick(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    hl_fakesys_advance(&x->clock, 2300); /* 7.7 s left: 8 */
    CHECK_STR(screen(x, HL_LANG_VI),
              "Ông/Bà vẫn đang trả lời chứ? Khảo sát sẽ kết thúc sau 8 giây. "
              "Để trả lời tiếp, Ông/Bà nhấn Tiếp tục hoặc một phím bất kỳ.");
    CHECK_STR(screen(x, HL_LANG_EN), "Are you still there? The survey will end in 8 seconds. To "
                                     "go on answering, press Continue or any key.");
    hl_fakesys_advance(&x->clock, 7000);
    CHECK_STR(screen(x, HL_LANG_EN), "Are you still there? The survey will end in 1 second. To go "
                                     "on answering, press Continue or any key.");
    x->ui.out_of_service = true;
    CHECK_STR(screen(x, HL_LANG_VI), "Máy tạm ngừng phục vụ. Xin cảm ơn quý vị.");
    CHECK_STR(screen(x, HL_LANG_EN), "This kiosk is temporarily out of service. Thank you.");
    x->ui.out_of_service = false;
    x->ui.export_state.phase = HL_UI_EXPORT_WRITING;
    CHECK_STR(screen(x, HL_LANG_VI), "");
    fx_free(x);
}

/* One target alone: answers with their number and state, digits, the
 * navigation (next saying when it does not work yet), the languages, and
 * the accessibility buttons with their state; targets not on the screen
 * are refused. */
static void test_each_target_is_said_alone_with_its_state(void)
{
    fx_t *x = fx_open(HL_TEST_DATA "/ui/all-types.json");
    static const struct {
        const char *id, *vi, *en;
    } start[] = {
        {"answer:mood:good", "Lựa chọn 1 trên 3: Hài lòng.", "Option 1 of 3: Satisfied."},
        {"lang:vi", "Tiếng Việt, đang dùng.", "Tiếng Việt, in use."},
        {"lang:en", "English.", "English."},
        {"listen", "Nghe, đang tắt.", "Listen, off."},
        {"large", "Chữ lớn, đang tắt.", "Large text, off."},
    };
    for (size_t i = 0; i < sizeof start / sizeof start[0]; i++) {
        CHECK_STR(target(x, start[i].id, HL_LANG_VI), start[i].vi);
        CHECK_STR(target(x, start[i].id, HL_LANG_EN), start[i].en);
    }
    /* Not on this screen: no back, next, skip, continue or volume. */
    static const char *const absent[] = {"back",  "next",           "skip", "continue", "volume:up",
                                         "key:1", "answer:stars:2", "nope", ""};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        CHECK_INT(
            hl_ui_speech_target(&x->ui, &x->flow, absent[i], HL_LANG_VI, x->out, sizeof x->out),
            HL_ERR_USAGE);
        CHECK_STR(x->out, "");
    }
    static const char *const on[] = {"listen",         "large", "volume:up", "answer:mood:ok",
                                     "answer:stars:5", "back",  NULL};
    taps(x, on);
    static const struct {
        const char *id, *vi, *en;
    } stars[] = {
        {"answer:stars:1", "1 sao.", "1 star."},
        {"answer:stars:5", "5 sao, đang chọn.", "5 stars, chosen."},
        {"listen", "Nghe, đang bật.", "Listen, on."},
        {"large", "Chữ lớn, đang bật.", "Large text, on."},
        {"volume:down", "Giảm âm lượng, mức 6 trên 8.", "Volume down, level 6 of 8."},
        {"volume:up", "Tăng âm lượng, mức 6 trên 8.", "Volume up, level 6 of 8."},
        {"back", "Quay lại.", "Back."},
        {"next", "Tiếp tục.", "Next."},
        {"skip", "Bỏ qua.", "Skip."},
    };
    for (size_t i = 0; i < sizeof stars / sizeof stars[0]; i++) {
        CHECK_STR(target(x, stars[i].id, HL_LANG_VI), stars[i].vi);
        CHECK_STR(target(x, stars[i].id, HL_LANG_EN), stars[i].en);
    }
    static const char *const to_number[] = {"answer:stars:5",
                                            "answer:visit:land",
                                            "answer:recommend:10",
                                            "answer:posted:no",
                                            "key:4",
                                            NULL};
    taps(x, to_number);
    CHECK_INT(hl_ui_speech_target(&x->ui, &x->flow, "answer:recommend:10", HL_LANG_VI, x->out,
                                  sizeof x->out),
              HL_ERR_USAGE); /* another question's */
    CHECK_STR(target(x, "key:4", HL_LANG_VI), "4.");
    CHECK_STR(target(x, "key:del", HL_LANG_VI), "Xoá.");
    CHECK_STR(target(x, "key:del", HL_LANG_EN), "Delete.");
    /* 1 digit of 2: why it does not work yet, the error a tap on it meets */
    CHECK_STR(target(x, "next", HL_LANG_VI), "Tiếp tục, chưa dùng được. Từ 2 đến 6 chữ số.");
    CHECK_STR(target(x, "next", HL_LANG_EN), "Next, not available yet. 2 to 6 digits.");
    fx_free(x);
}

/* "next" on a required question not answered yet says why it does not
 * work: what a citizen who cannot see the greyed button needs to hear. */
static void test_next_on_an_unanswered_required_question_says_an_answer_is_needed(void)
{
    fx_t *x = fx_open(HL_TEST_DATA "/ui/required-multi.json");
    CHECK_STR(target(x, "next", HL_LANG_VI),
              "Tiếp tục, chưa dùng được. Câu này cần trả lời trước khi đi tiếp.");
    CHECK_STR(target(x, "next", HL_LANG_EN),
              "Next, not available yet. This question needs an answer before going on.");
    static const char *const tick[] = {"answer:need:land", NULL};
    taps(x, tick);
    CHECK_STR(target(x, "next", HL_LANG_EN), "Next.");
    fx_free(x);
}

/* The focused target, as the keys move it over a built screen. */
static void test_the_focused_target_is_said_and_nothing_when_nothing_is_focused(void)
{
    fx_t *x = fx_open(HL_TEST_DATA "/ui/all-types.json");
    hl_ui_build(&x->ui, &x->flow, 800, 480, x->clock.mono_ms, &x->scene);
    CHECK_INT(hl_ui_speech_focus(&x->ui, &x->flow, &x->scene, HL_LANG_VI, x->out, sizeof x->out),
              HL_ERR_STATE);
    CHECK_STR(x->out, "");
    CHECK(hl_ui_focus_move(&x->ui, &x->scene, HL_UI_FOCUS_NEXT));
    CHECK_INT(hl_ui_speech_focus(&x->ui, &x->flow, &x->scene, HL_LANG_VI, x->out, sizeof x->out),
              HL_OK);
    CHECK_STR(x->out, "Lựa chọn 1 trên 3: Hài lòng.");
    /* Before the answers: the header's row, Listen, Aa and the languages. */
    CHECK(hl_ui_focus_move(&x->ui, &x->scene, HL_UI_FOCUS_PREV));
    CHECK_INT(hl_ui_speech_focus(&x->ui, &x->flow, &x->scene, HL_LANG_EN, x->out, sizeof x->out),
              HL_OK);
    CHECK_STR(x->out, "English.");
    CHECK(hl_ui_focus_move(&x->ui, &x->scene, HL_UI_FOCUS_PREV));
    CHECK(hl_ui_focus_move(&x->ui, &x->scene, HL_UI_FOCUS_PREV));
    CHECK_INT(hl_ui_speech_focus(&x->ui, &x->flow, &x->scene, HL_LANG_VI, x->out, sizeof x->out),
              HL_OK);
    CHECK_STR(x->out, "Chữ lớn, đang tắt.");
    fx_free(x);
}

static void test_the_keys_help_is_said_in_each_language(void)
{
    char out[2048];
    CHECK_INT(hl_ui_speech_help(HL_LANG_VI, out, sizeof out), HL_OK);
    CHECK_STR(out, "Cách dùng phím. Phím lên và phím xuống chuyển giữa các mục trên màn hình, máy "
                   "đọc mục đang chọn. Phím tròn ở giữa chọn mục đó. Phím quay lại trở về câu "
                   "trước. Phím cộng và phím trừ tăng, giảm âm lượng. Phím trợ giúp đọc lại "
                   "hướng dẫn này. Trên bàn phím số: phím 8 và phím 2 chuyển lên, xuống; phím 4 "
                   "và phím 6 sang trái, sang phải; phím 5 để chọn.");
    CHECK_INT(hl_ui_speech_help(HL_LANG_EN, out, sizeof out), HL_OK);
    CHECK_STR(out, "How to use the keys. The up and down keys move between the items on the "
                   "screen, and each item is read out. The round key in the middle chooses it. "
                   "The back key goes back to the previous question. The plus and minus keys "
                   "turn the volume up and down. The help key says this again. On a number pad: "
                   "8 and 2 move up and down, 4 and 6 left and right, 5 chooses.");
}

/* A buffer too small holds what fits, cut between characters (never in
 * the middle of a Vietnamese letter's bytes), and says so. */
static void test_a_buffer_too_small_is_cut_between_characters(void)
{
    fx_t *x = fx_open(HL_TEST_DATA "/ui/all-types.json");
    char full[HL_UI_SPEECH_MAX];
    CHECK_INT(hl_ui_speech_screen(&x->ui, &x->flow, HL_LANG_VI, full, sizeof full), HL_OK);
    for (size_t n = 1; n < 40; n++) {
        char small[40];
        CHECK_INT(hl_ui_speech_screen(&x->ui, &x->flow, HL_LANG_VI, small, n), HL_ERR_FULL);
        size_t len = strlen(small);
        CHECK(len < n && strncmp(small, full, len) == 0);
        CHECK(((unsigned char)full[len] & 0xC0) != 0x80); /* cut before a character */
    }
    CHECK_INT(hl_ui_speech_help(HL_LANG_EN, full, 0), HL_ERR_FULL);
    fx_free(x);
}

/* ---- Recordings ------------------------------------------------------------------ */

/* A survey whose title, first question, first option, note body and thanks
 * have a recording in Vietnamese only, in folder/giong. */
static char *recorded_survey(const char *folder)
{
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/giong", folder);
    mkdir(sub, 0755);
    const char *recs[] = {"tieu-de", "cau-1", "dat-dai", "de-xuat", "cam-on"};
    static const int16_t hush[441] = {0}; /* 20 ms of silence */
    for (size_t i = 0; i < sizeof recs / sizeof *recs; i++) {
        char name[1300];
        snprintf(name, sizeof name, "%s/giong/%s.wav", folder, recs[i]);
        hl_err_t err = {0};
        if (hl_wav_write(name, hush, 441, 22050, &err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    }
    return hl_test_write_file(
        folder, "s.json",
        "{\"format\": 1, \"id\": \"giong\", \"version\": 1, \"languages\": [\"vi\", \"en\"],\n"
        " \"title\": {\"vi\": \"Khảo sát\", \"en\": \"Survey\"},\n"
        " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thank you\"},\n"
        " \"audio\": {\"title\": {\"vi\": \"giong/tieu-de.wav\"}, \"thanks\": {\"vi\": "
        "\"giong/cam-on.wav\"}},\n"
        " \"questions\": [\n"
        "  {\"id\": \"visit\", \"type\": \"choice\",\n"
        "   \"text\": {\"vi\": \"Ông/Bà đến làm gì?\", \"en\": \"What did you come for?\"},\n"
        "   \"audio\": {\"text\": {\"vi\": \"giong/cau-1.wav\"}},\n"
        "   \"options\": [{\"id\": \"land\", \"label\": {\"vi\": \"Đất đai\", \"en\": \"Land\"},\n"
        "                \"audio\": {\"label\": {\"vi\": \"giong/dat-dai.wav\"}}},\n"
        "               {\"id\": \"civil\", \"label\": {\"vi\": \"Hộ tịch\", \"en\": \"Civil "
        "status\"}}]},\n"
        "  {\"id\": \"intro\", \"type\": \"note\", \"text\": {\"vi\": \"Đề xuất\", \"en\": "
        "\"Proposal\"},\n"
        "   \"body\": {\"vi\": \"Mở cửa thứ Bảy.\\nTừ tháng sau.\", \"en\": \"Open on "
        "Saturday.\"},\n"
        "   \"audio\": {\"body\": {\"vi\": \"giong/de-xuat.wav\"}}}]}\n");
}

/* "\x01" dir/giong/rec.wav "\x1F" words "\x02": a recording's reference. */
static const char *ref(char *buf, size_t n, const char *dir, const char *rec, const char *words)
{
    snprintf(buf, n, "%c%s/giong/%s.wav%c%s%c", HL_SPEECH_REC_OPEN, dir, rec, HL_SPEECH_REC_WORDS,
             words, HL_SPEECH_REC_CLOSE);
    return buf;
}

/* A text with a recording in the response's language is said as that
 * recording (its words inside, for when it cannot be played); the words
 * around it (position, option numbers, "đang chọn", built-in words) and
 * every text without one in that language are words to synthesise. */
static void test_a_text_with_a_recording_in_the_language_is_said_as_that_recording(void)
{
    char *dir = hl_test_tmpdir("speech-rec");
    char *path = recorded_survey(dir);
    fx_t *x = fx_open(path);
    char title[1200], q1[1200], land[1200], body[1200], thanks[1200], want[6000];
    ref(title, sizeof title, dir, "tieu-de", "Khảo sát.");
    ref(q1, sizeof q1, dir, "cau-1", "Ông/Bà đến làm gì?");
    ref(land, sizeof land, dir, "dat-dai", "Đất đai");
    ref(body, sizeof body, dir, "de-xuat", "Mở cửa thứ Bảy. Từ tháng sau.");
    ref(thanks, sizeof thanks, dir, "cam-on", "Cảm ơn.");
    snprintf(want, sizeof want,
             "%s Câu 1 trên 1. %s Không bắt buộc. Lựa chọn 1 trên 2: %s Lựa chọn 2 trên 2: Hộ "
             "tịch.",
             title, q1, land);
    CHECK_STR(screen(x, HL_LANG_VI), want);
    CHECK_STR(screen(x, HL_LANG_EN), "Survey. Question 1 of 1. What did you come for? Optional. "
                                     "Option 1 of 2: Land. Option 2 of 2: Civil status.");
    snprintf(want, sizeof want, "Lựa chọn 1 trên 2: %s", land);
    CHECK_STR(target(x, "answer:visit:land", HL_LANG_VI), want);
    CHECK_STR(target(x, "answer:visit:land", HL_LANG_EN), "Option 1 of 2: Land.");
    static const char *const to_note[] = {"answer:visit:land", NULL};
    taps(x, to_note);
    snprintf(want, sizeof want, "Đề xuất. %s", body);
    CHECK_STR(screen(x, HL_LANG_VI), want);
    CHECK_STR(screen(x, HL_LANG_EN), "Proposal. Open on Saturday.");
    static const char *const back[] = {"back", NULL};
    taps(x, back);
    snprintf(want, sizeof want, "Lựa chọn 1 trên 2: %s, đang chọn.", land);
    CHECK_STR(target(x, "answer:visit:land", HL_LANG_VI), want);
    static const char *const to_thanks[] = {"answer:visit:civil", "next", NULL};
    taps(x, to_thanks);
    CHECK(strncmp(screen(x, HL_LANG_VI), thanks, strlen(thanks)) == 0);
    CHECK(strncmp(screen(x, HL_LANG_EN), "Thank you.", 10) == 0);
    fx_free(x);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

/* A recording whose folder's name holds a control character cannot be
 * referenced: its text is said as words (never a broken reference). */
static void test_a_recording_in_a_folder_named_with_a_control_character_is_said_as_words(void)
{
    char *top = hl_test_tmpdir("speech-rec");
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/a\x01z", top);
    mkdir(dir, 0755);
    char *path = recorded_survey(dir);
    fx_t *x = fx_open(path);
    CHECK_STR(screen(x, HL_LANG_VI), "Khảo sát. Câu 1 trên 1. Ông/Bà đến làm gì? Không bắt buộc. "
                                     "Lựa chọn 1 trên 2: Đất đai. Lựa chọn 2 trên 2: Hộ tịch.");
    fx_free(x);
    free(path);
    hl_test_rmtree(top);
    free(top);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_each_question_type_is_said_with_its_position_hint_options_and_choice),
    HL_TEST(test_the_keyboard_says_what_was_written_and_each_key_its_name),
    HL_TEST(test_a_note_a_contact_question_and_the_follow_up_code_are_said),
    HL_TEST(test_still_there_says_the_seconds_left_and_out_of_service_its_notice),
    HL_TEST(test_each_target_is_said_alone_with_its_state),
    HL_TEST(test_next_on_an_unanswered_required_question_says_an_answer_is_needed),
    HL_TEST(test_the_focused_target_is_said_and_nothing_when_nothing_is_focused),
    HL_TEST(test_the_keys_help_is_said_in_each_language),
    HL_TEST(test_a_buffer_too_small_is_cut_between_characters),
    HL_TEST(test_a_text_with_a_recording_in_the_language_is_said_as_that_recording),
    HL_TEST(test_a_recording_in_a_folder_named_with_a_control_character_is_said_as_words),
};

HL_TEST_MAIN(tests)
