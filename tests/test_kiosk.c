/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kiosk.c: the running kiosk (firmware/app/kiosk.c) in-process on the
 * headless screen: touch feedback on touch-down, taps on touch-up over the
 * same target, the touch guard (a double tap answers one question, a finger
 * counts only on the screen it went down on), the out-of-service screen when the store fails (never
 * thanks for an answer that was not stored), recovery by itself once the fault clears, and the
 * event loop's wake-up times.
 */
#include "hl_bundle.h"
#include "hl_export.h"
#include "hl_faultvfs.h"
#include "hl_fixture_kiosk.h"
#include "hl_test.h"
#include "kiosk.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

typedef hl_kiosk_fixture_t fx_t;

static fx_t *fx_new_keyed(const char *secret)
{
    hl_kiosk_fixture_opts_t o = {.tag = "kiosk", .fault_vfs = true, .export_secret = secret};
    return hl_kiosk_fixture_new(&o);
}

static fx_t *fx_new(void)
{
    return fx_new_keyed(NULL);
}

static void fx_free(fx_t *x)
{
    hl_kiosk_fixture_free(x);
}

static const char *cur_id(fx_t *x)
{
    return hl_kiosk_flow(&x->k)->survey->questions[hl_kiosk_flow(&x->k)->cur].id;
}

/* A person looks at the new screen before the next tap (the touch guard). */
static void look(fx_t *x)
{
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS);
}

/* Taps id after looking at the screen. */
static int tap(fx_t *x, const char *id)
{
    look(x);
    return hl_kiosk_tap_id(&x->k, id, &x->err);
}

static void centre(fx_t *x, const char *id, int *cx, int *cy)
{
    const hl_target_t *t = hl_scene_find(hl_kiosk_scene(&x->k), id);
    CHECK(t != NULL);
    *cx = t ? t->box.x + t->box.w / 2 : -1;
    *cy = t ? t->box.y + t->box.h / 2 : -1;
}

static void test_touch_down_shows_feedback_and_touch_up_answers(void)
{
    fx_t *x = fx_new();
    int cx, cy;
    centre(x, "answer:overall:s4", &cx, &cy);
    long long frames = hl_kiosk_frames(&x->k);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    CHECK_STR(hl_kiosk_ui(&x->k)->pressed, "answer:overall:s4");
    CHECK(hl_kiosk_dirty(&x->k)); /* the next frame shows it */
    CHECK_INT(hl_kiosk_draw(&x->k, &x->err), HL_OK);
    CHECK_INT(hl_kiosk_frames(&x->k), frames + 1);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_START); /* nothing answered yet */
    hl_kiosk_touch(&x->k, HL_INPUT_UP, cx, cy);
    CHECK_STR(hl_kiosk_ui(&x->k)->pressed, "");
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_QUESTION);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 0), "s4");
    fx_free(x);
}

static void test_sliding_off_a_target_before_lifting_answers_nothing(void)
{
    fx_t *x = fx_new();
    int cx, cy;
    centre(x, "answer:overall:s1", &cx, &cy);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    hl_kiosk_touch(&x->k, HL_INPUT_MOVE, 2, 2);
    CHECK_STR(hl_kiosk_ui(&x->k)->pressed, "");
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 2, 2);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_START);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 0), NULL);
    fx_free(x);
}

static void test_store_failure_shows_out_of_service_and_recovers_when_the_fault_clears(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err), HL_OK);
    CHECK_STR(cur_id(x), "stars");
    hl_kiosk_draw(&x->k, &x->err);
    hl_faultvfs_arm(HL_FAULT_WRITE, 1, true, SQLITE_IOERR_WRITE);
    int rc = tap(x, "answer:stars:4");
    CHECK(rc == HL_ERR_IO || rc == HL_ERR_FULL);
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    CHECK_STR(cur_id(x), "stars"); /* not moved on: the answer is not stored */
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 2), NULL);
    hl_kiosk_draw(&x->k, &x->err);
    CHECK_INT(hl_kiosk_scene(&x->k)->n_targets, 0); /* nothing to press while out of service */
    int wake = hl_kiosk_timeout(&x->k);
    CHECK(wake >= 0 && wake <= HL_KIOSK_RETRY_MS);
    /* Still failing at the first retry. */
    hl_fakesys_advance(&x->clock, HL_KIOSK_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    /* The fault clears: the next retry stores the answer and the kiosk goes on. */
    hl_faultvfs_disarm();
    hl_fakesys_advance(&x->clock, HL_KIOSK_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK(!hl_kiosk_ui(&x->k)->out_of_service);
    CHECK_STR(cur_id(x), "code");
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 2), "4");
    fx_free(x);
}

static void test_a_failed_last_answer_never_reaches_thanks(void)
{
    fx_t *x = fx_new();
    hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err);
    tap(x, "answer:stars:2");
    tap(x, "key:1");
    hl_kiosk_tap_id(&x->k, "key:2", &x->err);
    hl_faultvfs_arm(HL_FAULT_CHANGE, 1, true, SQLITE_FULL);
    CHECK(hl_kiosk_tap_id(&x->k, "next", &x->err) != HL_OK);
    CHECK(hl_kiosk_flow(&x->k)->state != HL_STATE_THANKS);
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    hl_faultvfs_disarm();
    hl_fakesys_advance(&x->clock, HL_KIOSK_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_THANKS);
    CHECK(!hl_kiosk_ui(&x->k)->out_of_service);
    fx_free(x);
}

static void test_the_loop_sleeps_forever_on_the_idle_start_screen_and_ticks_the_countdown(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_kiosk_timeout(&x->k), -1); /* no busy loop: wait for a touch */
    hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err);
    CHECK_INT(hl_kiosk_timeout(&x->k), 30000);
    hl_fakesys_advance(&x->clock, 30000);
    hl_kiosk_tick(&x->k);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    int wake = hl_kiosk_timeout(&x->k);
    CHECK(wake > 0 && wake <= 1000); /* the countdown's next second */
    fx_free(x);
}

static void test_a_half_done_technician_gesture_never_makes_the_loop_spin(void)
{
    fx_t *x = fx_new();
    /* The hold done (3.1 s in the top-left corner), then nothing: the tap
     * window's end is a deadline; once passed, the loop sleeps again. */
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, 5, 5);
    hl_fakesys_advance(&x->clock, 3100);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 5, 5);
    int wake = hl_kiosk_timeout(&x->k);
    CHECK(wake > 0 && wake <= 3000);
    hl_fakesys_advance(&x->clock, 3500);
    hl_kiosk_tick(&x->k);
    CHECK_INT(hl_kiosk_timeout(&x->k), -1);
    fx_free(x);
}

static void test_tap_on_an_id_not_on_screen_is_refused_but_any_tap_dismisses_still_there(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:stars:3", &x->err), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "no target");
    hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err);
    hl_fakesys_advance(&x->clock, 30000);
    hl_kiosk_tick(&x->k);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    hl_kiosk_draw(&x->k, &x->err);
    look(x);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, 3, 470);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 3, 470);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_QUESTION);
    fx_free(x);
}

/* A finger tap at the centre of id: down, then up ms later. */
static void finger(fx_t *x, const char *id, int64_t ms)
{
    int cx, cy;
    centre(x, id, &cx, &cy);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    hl_fakesys_advance(&x->clock, ms);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, cx, cy);
    hl_kiosk_draw(&x->k, &x->err); /* the loop draws after each event */
}

static void test_a_double_tap_80_ms_apart_answers_only_the_first_question(void)
{
    fx_t *x = fx_new();
    int cx, cy;
    centre(x, "answer:overall:s4", &cx, &cy);
    finger(x, "answer:overall:s4", 40);
    CHECK_STR(cur_id(x), "stars");
    /* The second tap of the double tap, 80 ms after the first, lands on
     * the stars the citizen has not read yet. */
    hl_fakesys_advance(&x->clock, 40);
    long guarded = hl_kiosk_guarded(&x->k);
    finger(x, "answer:stars:4", 40);
    CHECK_STR(cur_id(x), "stars");
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 2), NULL);
    CHECK_INT(hl_kiosk_guarded(&x->k), guarded + 1);
    CHECK_STR(hl_kiosk_ui(&x->k)->pressed, ""); /* no highlight for a touch that counts nowhere */
    /* The same by id (as a script's tap). */
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:stars:4", &x->err), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "ignored");
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 2), NULL);
    /* A deliberate tap once the guard is over counts. */
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS);
    finger(x, "answer:stars:4", 60);
    CHECK_STR(cur_id(x), "code");
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 2), "4");
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 0), "s4");
    fx_free(x);
}

static void test_a_double_tap_types_nothing_on_the_next_keypad_but_digits_type_fast(void)
{
    fx_t *x = fx_new();
    CHECK_INT(tap(x, "answer:overall:s5"), HL_OK);
    CHECK_INT(tap(x, "answer:stars:3"), HL_OK);
    CHECK_STR(cur_id(x), "code");
    /* The ghost: the double tap's second touch on the keypad that just came. */
    hl_fakesys_advance(&x->clock, 80);
    finger(x, "key:7", 40);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 3), NULL);
    /* After the guard: digits typed 60 ms apart on the same keypad all
     * count (a digit appearing in the field is not a new screen), the same
     * key twice too. */
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS);
    finger(x, "key:1", 30);
    hl_fakesys_advance(&x->clock, 30);
    finger(x, "key:2", 30);
    hl_fakesys_advance(&x->clock, 30);
    finger(x, "key:2", 30);
    CHECK_INT(hl_kiosk_tap_id(&x->k, "key:del", &x->err), HL_OK);
    CHECK_INT(hl_kiosk_tap_id(&x->k, "key:9", &x->err), HL_OK);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 3), "129");
    fx_free(x);
}

static void test_a_finger_down_before_the_screen_changed_counts_nothing_after(void)
{
    fx_t *x = fx_new();
    CHECK_INT(tap(x, "answer:overall:s5"), HL_OK);
    look(x);
    /* A finger rests on a star while the idle timeout brings "still there?"
     * (any tap there would dismiss it); it lifts long after. */
    int cx, cy;
    centre(x, "answer:stars:4", &cx, &cy);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    hl_fakesys_advance(&x->clock, 30000);
    hl_kiosk_tick(&x->k);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    hl_kiosk_draw(&x->k, &x->err);
    hl_fakesys_advance(&x->clock, 2000);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, cx, cy);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 2), NULL);
    /* A new touch does. */
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, cx, cy);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_QUESTION);
    fx_free(x);
}

/* An export secret as `hailong export-key --new` makes it (64 hex). */
#define S3CRET "5e3c7e75e3c7e75e3c7e75e3c7e75e3c7e75e3c7e75e3c7e75e3c7e75e3c7e7a"

/* A technician's stick: a folder with HAILONG/export.key holding secret. */
static char *make_stick(const char *secret)
{
    char *dir = hl_test_tmpdir("stick");
    char top[512];
    snprintf(top, sizeof top, "%s/HAILONG", dir);
    CHECK_INT(mkdir(top, 0755), 0);
    free(hl_test_write_file(top, "export.key", secret));
    return dir;
}

static hl_medium_t medium_at(const char *mount)
{
    hl_medium_t m;
    memset(&m, 0, sizeof m);
    snprintf(m.mount, sizeof m.mount, "%s", mount);
    snprintf(m.fs_type, sizeof m.fs_type, "vfat");
    snprintf(m.id, sizeof m.id, "CAFE-0001");
    return m;
}

/* One complete response: the best face, then skip the two optional ones. */
static void answer_one(fx_t *x)
{
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err), HL_OK);
    CHECK_INT(tap(x, "skip"), HL_OK);
    CHECK_INT(tap(x, "skip"), HL_OK);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_THANKS);
    hl_fakesys_advance(&x->clock, 5000);
    hl_kiosk_tick(&x->k);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_START);
}

static void test_an_authorised_stick_on_an_idle_kiosk_gets_a_verified_bundle(void)
{
    fx_t *x = fx_new_keyed(S3CRET);
    answer_one(x);
    char *stick = make_stick(S3CRET "\n");
    hl_medium_t m = medium_at(stick);
    hl_kiosk_media_added(&x->k, &m);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_WRITING);
    hl_kiosk_draw(&x->k, &x->err);
    CHECK_INT(hl_kiosk_scene(&x->k)->n_targets, 0); /* the export screen takes no taps */
    hl_kiosk_export_wait(&x->k);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_DONE);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.count, 1);
    int64_t upto = 0;
    CHECK_INT(hl_store_exported_upto(hl_kiosk_store(&x->k), &upto, &x->err), HL_OK);
    CHECK_INT(upto, 1);
    /* The bundle on the stick verifies with the stick's own key. */
    char kdir[600];
    snprintf(kdir, sizeof kdir, "%s/HAILONG/kiosk-test", stick);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls %s > %s/list.txt", kdir, stick);
    CHECK_INT(system(cmd), 0);
    char lp[700];
    snprintf(lp, sizeof lp, "%s/list.txt", stick);
    char *list = hl_test_read_file(lp, NULL);
    char bdir[800] = "";
    if (list) {
        list[strcspn(list, "\n")] = '\0';
        snprintf(bdir, sizeof bdir, "%s/%s", kdir, list);
    }
    free(list);
    /* Signed by this kiosk's device key, which the trust list holds; the
     * stick's export.key signs nothing. */
    char *trust = hl_test_trust_file(stick, "trust.txt", "kiosk-test", hl_kiosk_devkey(&x->k));
    hl_trust_t tl;
    CHECK_INT(hl_trust_load(trust, &tl, NULL, &x->err), HL_OK);
    hl_bundle_check_t chk = {.trust = &tl};
    hl_bundle_result_t res;
    CHECK_INT(hl_bundle_verify(bdir, &chk, NULL, &res, &x->err), HL_OK);
    CHECK_STR(res.fingerprint, hl_kiosk_devkey(&x->k)->fingerprint);
    CHECK_STR(res.signer_kiosk, "kiosk-test");
    hl_trust_free(&tl);
    free(trust);
    CHECK_INT(res.responses, 1);
    CHECK_INT(res.n_files, 3); /* csv, xlsx, jsonl */
    /* Pulling the stick returns to the survey. */
    hl_kiosk_media_removed(&x->k, stick);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_NONE);
    /* The same stick again: nothing new, said so, nothing written. */
    hl_kiosk_media_added(&x->k, &m);
    hl_kiosk_export_wait(&x->k);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_DONE);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.count, 0);
    hl_kiosk_media_removed(&x->k, stick);
    hl_test_rmtree(stick);
    free(stick);
    fx_free(x);
}

/* After the bundle is durable the kiosk unmounts the stick through the
 * mount helper (here a command standing in for systemctl): its mount then
 * disappears, which must not take the "safe to remove" screen away at once
 * (the technician has not pulled it yet); it leaves by itself 20 s later. */
static void test_a_stick_the_export_unmounted_keeps_its_result_screen_a_while(void)
{
    fx_t *x = fx_new_keyed(S3CRET);
    answer_one(x);
    char *stick = make_stick(S3CRET "\n");
    char cmd[700], seen[600];
    snprintf(seen, sizeof seen, "%s/released", stick);
    snprintf(cmd, sizeof cmd, "printf %%s \"$1\" > '%s'", seen);
    setenv("HAILONG_USB_RELEASE_CMD", cmd, 1);
    hl_medium_t m = medium_at(stick);
    hl_kiosk_media_added(&x->k, &m);
    hl_kiosk_export_wait(&x->k);
    unsetenv("HAILONG_USB_RELEASE_CMD");
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_DONE);
    CHECK(hl_kiosk_stick_released(&x->k));
    char *got = hl_test_read_file(seen, NULL);
    CHECK(got && !strcmp(got, stick)); /* the mount point, as $1 */
    free(got);
    int64_t upto = 0;
    CHECK_INT(hl_store_exported_upto(hl_kiosk_store(&x->k), &upto, &x->err), HL_OK);
    CHECK_INT(upto, 1); /* recorded: the bundle was durable and read back first */
    /* The unmount shows as the mount going away: the screen stays. */
    hl_kiosk_media_removed(&x->k, stick);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_DONE);
    int t = hl_kiosk_timeout(&x->k);
    CHECK(t > 0 && t <= HL_KIOSK_RELEASED_SHOW_MS); /* the loop wakes to clear it */
    hl_fakesys_advance(&x->clock, HL_KIOSK_RELEASED_SHOW_MS - 1000);
    hl_kiosk_poll_workers(&x->k);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_DONE);
    hl_fakesys_advance(&x->clock, 1000);
    hl_kiosk_poll_workers(&x->k);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_NONE);
    hl_test_rmtree(stick);
    free(stick);
    fx_free(x);
}

static void test_a_stick_inserted_mid_survey_waits_for_the_respondent_to_finish(void)
{
    fx_t *x = fx_new_keyed(S3CRET);
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:overall:s4", &x->err), HL_OK);
    char *stick = make_stick(S3CRET);
    hl_medium_t m = medium_at(stick);
    hl_kiosk_media_added(&x->k, &m);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase,
              HL_UI_EXPORT_NONE); /* not in the middle of answers */
    CHECK(hl_kiosk_stick_waiting(&x->k));
    CHECK_INT(tap(x, "skip"), HL_OK);
    CHECK_INT(tap(x, "skip"), HL_OK);
    hl_fakesys_advance(&x->clock, 5000);
    hl_kiosk_tick(&x->k);
    hl_kiosk_poll_workers(&x->k);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_WRITING);
    hl_kiosk_export_wait(&x->k);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.count, 1);
    hl_test_rmtree(stick);
    free(stick);
    fx_free(x);
}

/* A kiosk keyed with secret is offered a stick holding key: it must write
 * nothing and ask for nothing. */
static void expect_stick_ignored(const char *secret, const char *key)
{
    fx_t *x = fx_new_keyed(secret);
    answer_one(x);
    char *stick = make_stick(key);
    hl_medium_t m = medium_at(stick);
    hl_kiosk_media_added(&x->k, &m);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_NONE);
    CHECK(!hl_kiosk_stick_waiting(&x->k));
    char kdir[600];
    snprintf(kdir, sizeof kdir, "%s/HAILONG/kiosk-test", stick);
    CHECK(access(kdir, F_OK) != 0); /* nothing written */
    hl_test_rmtree(stick);
    free(stick);
    fx_free(x);
}

static void test_a_stick_without_the_right_key_is_ignored(void)
{
    expect_stick_ignored(S3CRET, "guess");
}

static void test_a_guessable_export_secret_never_authorises_even_when_the_config_names_it(void)
{
    /* The README once showed the hash of "secret": a config holding it must
     * not let a stick with the word "secret" take the results. */
    expect_stick_ignored("secret", "secret\n");
}

static void test_a_failed_export_says_why_and_marks_nothing(void)
{
    fx_t *x = fx_new_keyed(S3CRET);
    answer_one(x);
    char *stick = make_stick(S3CRET);
    /* A file where the kiosk's folder must go: the bundle cannot be written. */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/HAILONG", stick);
    free(hl_test_write_file(bad, "kiosk-test", "not a folder"));
    hl_medium_t m = medium_at(stick);
    hl_kiosk_media_added(&x->k, &m);
    hl_kiosk_export_wait(&x->k);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_FAILED);
    int64_t upto = -1;
    CHECK_INT(hl_store_exported_upto(hl_kiosk_store(&x->k), &upto, &x->err), HL_OK);
    CHECK_INT(upto, 0);
    hl_kiosk_media_removed(&x->k, stick);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_NONE);
    hl_test_rmtree(stick);
    free(stick);
    fx_free(x);
}

/* True when the current screen's texts, joined by spaces (a wrapped line
 * is several texts), contain words. */
static bool screen_has(fx_t *x, const char *words)
{
    hl_kiosk_draw(&x->k, &x->err);
    char all[4096] = "";
    size_t n = 0;
    for (size_t i = 0; i < hl_kiosk_scene(&x->k)->n_cmds && n < sizeof all; i++) {
        const hl_cmd_t *c = &hl_kiosk_scene(&x->k)->cmds[i];
        if (c->kind != HL_CMD_TEXT || !c->text) continue;
        n += (size_t)snprintf(all + n, sizeof all - n, "%s%.*s", n ? " " : "", c->len, c->text);
    }
    return strstr(all, words) != NULL;
}

/* hailong.db deleted under the running kiosk: the next turn of the loop
 * takes it out of service; an answer is never taken nor thanked for. */
static void test_a_database_deleted_under_the_kiosk_takes_it_out_of_service(void)
{
    fx_t *x = fx_new();
    answer_one(x);
    char path[600];
    snprintf(path, sizeof path, "%s/hailong.db", x->dir);
    CHECK_INT(unlink(path), 0);
    hl_kiosk_tick(&x->k);
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    hl_kiosk_draw(&x->k, &x->err);
    CHECK_INT(hl_kiosk_scene(&x->k)->n_targets, 0); /* nothing to press */
    /* Still out of service later, whatever else happens. */
    hl_fakesys_advance(&x->clock, 3 * HL_KIOSK_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    fx_free(x);
}

/* Replaced between two answers: the answer is refused, never thanked. */
static void test_a_database_replaced_mid_survey_never_reaches_thanks(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err), HL_OK);
    char path[600], aside[620];
    snprintf(path, sizeof path, "%s/hailong.db", x->dir);
    snprintf(aside, sizeof aside, "%s/old.db", x->dir);
    CHECK_INT(rename(path, aside), 0);
    free(hl_test_write_file(x->dir, "hailong.db", ""));
    look(x);
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:stars:4", &x->err), HL_ERR_CORRUPT);
    CHECK_CONTAINS(x->err.msg, "was replaced by another file");
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    hl_fakesys_advance(&x->clock, HL_KIOSK_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    CHECK(hl_kiosk_flow(&x->k)->state != HL_STATE_THANKS);
    fx_free(x);
}

/* HAILONG on the stick is a link: the screen says so and what to do, not
 * only "try another stick". */
static void test_an_export_refused_for_a_linked_folder_says_so_on_screen(void)
{
    fx_t *x = fx_new_keyed(S3CRET);
    answer_one(x);
    char *stick = make_stick(S3CRET);
    char *elsewhere = hl_test_tmpdir("kiosk-elsewhere");
    char link[600];
    snprintf(link, sizeof link, "%s/HAILONG/kiosk-test", stick);
    CHECK_INT(symlink(elsewhere, link), 0);
    hl_medium_t m = medium_at(stick);
    hl_kiosk_media_added(&x->k, &m);
    hl_kiosk_export_wait(&x->k);
    CHECK_INT(hl_kiosk_ui(&x->k)->export_state.phase, HL_UI_EXPORT_FAILED);
    CHECK(screen_has(x, "The stick has a link or a file where a HAILONG folder should be"));
    CHECK(screen_has(x, "Delete it on a computer"));
    CHECK(screen_has(x, "liên kết"));
    CHECK(!screen_has(x, "try another stick"));
    hl_kiosk_media_removed(&x->k, stick);
    hl_test_rmtree(stick);
    hl_test_rmtree(elsewhere);
    free(stick);
    free(elsewhere);
    fx_free(x);
}

/* ---- The keyboard, typed by a script (issue 16) ------------------------------------- */

#define COMMENT                                                                                                           \
    "Cán bộ hướng dẫn tận tình, nhưng phải chờ lâu: 45 phút! Đề nghị thêm ghế (ít nhất 10) " \
    "ở phòng chờ; cảm ơn Ủy ban."

/* Runs script text on the kiosk as `hailong run --script` does; returns
 * the run's code (the parse's when it does not load). */
static int run_script(fx_t *x, const char *text, hl_err_t *err)
{
    const char *no_shots = NULL;
    hl_script_ext_t ext = {hl_kiosk_script_verbs(), hl_kiosk_script_check, &no_shots};
    hl_script_t sc;
    hl_err_clear(err);
    int rc = hl_script_parse("typing.txt", text, strlen(text), &ext, &sc, err);
    if (rc != HL_OK) return rc;
    hl_script_runner_t r = {.flow = &x->k.flow,
                            .clock = &x->clock,
                            .ext = hl_kiosk_script_step,
                            .ext_ctx = &x->k,
                            .tick = hl_kiosk_tick_cb};
    rc = hl_script_run(&r, &sc, NULL, err);
    hl_script_free(&sc);
    return rc;
}

static void test_a_comment_typed_key_by_key_reaches_the_csv_byte_for_byte(void)
{
    hl_kiosk_fixture_opts_t o = {.tag = "kiosk-type", .survey = hl_test_data("ui/keyboard.json")};
    fx_t *x = hl_kiosk_fixture_new(&o);
    CHECK_INT(run_script(x,
                         "tap answer:overall:bad\n"
                         "wait 300\n"
                         "type \"" COMMENT "\"\n"
                         "expect-text phòng chờ; cảm ơn Ủy ban.\n" /* the box shows its end */
                         "expect-text 113/500\n"
                         "tap key:done\n"
                         "expect state thanks\n",
                         &x->err),
              HL_OK);
    if (x->err.msg[0]) printf("  %s\n", x->err.msg);
    char *dir = hl_test_tmpdir("kiosk-type");
    char path[1024];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    CHECK_INT(hl_export_csv(hl_kiosk_store(&x->k), "ui-keyboard", path, NULL, &x->err), HL_OK);
    char *csv = hl_test_read_file(path, NULL);
    CHECK(csv != NULL);
    if (csv) CHECK_CONTAINS(csv, "\"" COMMENT "\"");
    free(csv);
    hl_test_rmtree(dir);
    free(dir);
    fx_free(x);
}

static void test_typing_what_the_keyboard_cannot_make_stops_the_script(void)
{
    hl_kiosk_fixture_opts_t o = {.tag = "kiosk-type", .survey = hl_test_data("ui/keyboard.json")};
    fx_t *x = hl_kiosk_fixture_new(&o);
    /* A character with no key: refused when the script loads (exit 2). */
    CHECK_INT(run_script(x, "wait 300\ntype \"giá 5€\"\n", &x->err), HL_ERR_USAGE);
    CHECK_CONTAINS(x->err.msg, "typing.txt:2:");
    CHECK_CONTAINS(x->err.msg, "no key");
    CHECK_INT(run_script(x, "type \"e\xCC\x81\"\n", &x->err), HL_ERR_USAGE); /* NFD */
    /* Typing with no keyboard on screen, and a tone the composer places
     * otherwise (the old style: hòa, not hoà), stop it where they are. */
    CHECK_INT(run_script(x, "type hello\n", &x->err), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "no keyboard on screen");
    CHECK_INT(run_script(x, "tap answer:overall:good\nwait 300\ntype hoà bình\n", &x->err),
              HL_ERR_USAGE);
    CHECK_CONTAINS(x->err.msg, "typing.txt:3:");
    CHECK_CONTAINS(x->err.msg, "hòa");
    fx_free(x);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_comment_typed_key_by_key_reaches_the_csv_byte_for_byte),
    HL_TEST(test_typing_what_the_keyboard_cannot_make_stops_the_script),
    HL_TEST(test_an_authorised_stick_on_an_idle_kiosk_gets_a_verified_bundle),
    HL_TEST(test_a_stick_the_export_unmounted_keeps_its_result_screen_a_while),
    HL_TEST(test_a_stick_inserted_mid_survey_waits_for_the_respondent_to_finish),
    HL_TEST(test_a_guessable_export_secret_never_authorises_even_when_the_config_names_it),
    HL_TEST(test_a_stick_without_the_right_key_is_ignored),
    HL_TEST(test_a_failed_export_says_why_and_marks_nothing),
    HL_TEST(test_an_export_refused_for_a_linked_folder_says_so_on_screen),
    HL_TEST(test_a_database_deleted_under_the_kiosk_takes_it_out_of_service),
    HL_TEST(test_a_database_replaced_mid_survey_never_reaches_thanks),
    HL_TEST(test_touch_down_shows_feedback_and_touch_up_answers),
    HL_TEST(test_sliding_off_a_target_before_lifting_answers_nothing),
    HL_TEST(test_store_failure_shows_out_of_service_and_recovers_when_the_fault_clears),
    HL_TEST(test_a_failed_last_answer_never_reaches_thanks),
    HL_TEST(test_the_loop_sleeps_forever_on_the_idle_start_screen_and_ticks_the_countdown),
    HL_TEST(test_a_half_done_technician_gesture_never_makes_the_loop_spin),
    HL_TEST(test_tap_on_an_id_not_on_screen_is_refused_but_any_tap_dismisses_still_there),
    HL_TEST(test_a_double_tap_80_ms_apart_answers_only_the_first_question),
    HL_TEST(test_a_double_tap_types_nothing_on_the_next_keypad_but_digits_type_fast),
    HL_TEST(test_a_finger_down_before_the_screen_changed_counts_nothing_after),
};

HL_TEST_MAIN(tests)
