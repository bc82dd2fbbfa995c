/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_evdev.c: the kms backend's input reader (platform/sdl/hl_evdev.h):
 * an absolute pointer's raw axis values are scaled onto the screen by the
 * device's range (QEMU's usb-tablet: 0..32767), whatever the range, clamped
 * at the edges; the wait's wake pipe wakes poll(); a folder with no devices
 * (the kiosk's user without group input) is not an error. Real devices are
 * exercised by the VM system test (tests/system), where the usb-tablet is
 * the touch device.
 */
#include "hl_evdev.h"
#include "hl_test.h"

#include <poll.h>
#include <stdlib.h>

static void test_absolute_positions_scale_by_the_device_range(void)
{
    /* QEMU's usb-tablet on a 1280x800 panel: the middle lands in the middle. */
    CHECK_INT(hl_evdev_scale(16384, 0, 32767, 1280), 640);
    CHECK_INT(hl_evdev_scale(16384, 0, 32767, 800), 400);
    CHECK_INT(hl_evdev_scale(0, 0, 32767, 1280), 0);
    CHECK_INT(hl_evdev_scale(32767, 0, 32767, 1280), 1279);
    /* A touch monitor's 12-bit range with an offset minimum. */
    CHECK_INT(hl_evdev_scale(100, 100, 4195, 800), 0);
    CHECK_INT(hl_evdev_scale(2148, 100, 4195, 800), 400);
    /* Out of range values are clamped onto the screen, never outside it. */
    CHECK_INT(hl_evdev_scale(-50, 0, 32767, 1280), 0);
    CHECK_INT(hl_evdev_scale(40000, 0, 32767, 1280), 1279);
    /* A device that reports pixels (min == max: no range) passes through, clamped. */
    CHECK_INT(hl_evdev_scale(700, 0, 0, 1280), 700);
    CHECK_INT(hl_evdev_scale(5000, 0, 0, 1280), 1279);
}

static void test_wake_pipe_wakes_poll_and_no_devices_is_fine(void)
{
    char *dir = hl_test_tmpdir("evdev");
    hl_evdev_t e;
    CHECK_INT(hl_evdev_open(&e, dir, 1280, 800), 0);
    CHECK(!hl_evdev_has_abs(&e));
    struct pollfd p[HL_EVDEV_POLLFDS];
    int n = hl_evdev_pollfds(&e, p);
    CHECK(n >= 1);
    CHECK_INT(poll(p, (nfds_t)n, 0), 0); /* nothing yet */
    hl_evdev_wake(&e);
    CHECK_INT(poll(p, (nfds_t)n, 60000), 1);
    CHECK(hl_evdev_drain(&e));
    CHECK_INT(poll(p, (nfds_t)n, 0), 0); /* drained */
    hl_evdev_event_t ev;
    CHECK(!hl_evdev_next(&e, &ev));
    hl_evdev_close(&e);
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_absolute_positions_scale_by_the_device_range),
    HL_TEST(test_wake_pipe_wakes_poll_and_no_devices_is_fine),
};

HL_TEST_MAIN(tests)
