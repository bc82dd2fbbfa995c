/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_notify.c: the service manager protocol (platform/hl_notify.h): what
 * reaches NOTIFY_SOCKET, the watchdog's rhythm, malformed variables; and the
 * real binary under a pretend manager: READY=1 once its first frame is up,
 * WATCHDOG=1 while its event loop turns, none while the loop hangs (systemd
 * would kill and restart it then), STOPPING=1 at the end.
 *
 * The test plays systemd's part with a datagram socket of its own; each
 * message's arrival time comes from the kernel (SO_TIMESTAMP), read after the
 * kiosk has exited, so no timing is measured by polling.
 */
#include "hl_notify.h"
#include "hl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX 64

typedef struct got {
    char text[MSG_MAX][256]; /* each datagram */
    int64_t at_ms[MSG_MAX];  /* its arrival (kernel timestamp) */
    int n;
} got_t;

/* A datagram socket bound at path ("@name": abstract), receiving timestamps. */
static int listen_at(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) abort();
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    memcpy(a.sun_path, path, len);
    if (path[0] == '@') a.sun_path[0] = '\0';
    if (bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)))
        abort();
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof one);
    int big = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    return fd;
}

/* Takes every datagram waiting on fd. */
static void drain(int fd, got_t *g)
{
    for (;;) {
        char buf[256];
        char ctl[CMSG_SPACE(sizeof(struct timeval))];
        struct iovec iov = {buf, sizeof buf - 1};
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (g->n == MSG_MAX) continue;
        buf[n] = '\0';
        snprintf(g->text[g->n], sizeof g->text[0], "%s", buf);
        g->at_ms[g->n] = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMP) {
                struct timeval tv;
                memcpy(&tv, CMSG_DATA(c), sizeof tv);
                g->at_ms[g->n] = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
            }
        }
        g->n++;
    }
}

/* A listener thread: the kernel keeps only a few datagrams per socket
 * (net.unix.max_dgram_qlen), so a manager must read as they come. */
typedef struct listener {
    int fd;
    got_t got;
    atomic_bool stop;
    pthread_t th;
} listener_t;

static void *listener_main(void *arg)
{
    listener_t *l = arg;
    while (!atomic_load(&l->stop)) {
        struct pollfd p = {l->fd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) drain(l->fd, &l->got);
    }
    drain(l->fd, &l->got);
    return NULL;
}

static void set_env(const char *sock, const char *usec, const char *pid)
{
    setenv("NOTIFY_SOCKET", sock, 1);
    if (usec)
        setenv("WATCHDOG_USEC", usec, 1);
    else
        unsetenv("WATCHDOG_USEC");
    if (pid)
        setenv("WATCHDOG_PID", pid, 1);
    else
        unsetenv("WATCHDOG_PID");
}

static void clear_env(void)
{
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
}

static void test_without_notify_socket_nothing_is_sent_and_there_is_no_watchdog(void)
{
    clear_env();
    setenv("WATCHDOG_USEC", "1000000", 1); /* without a socket it means nothing */
    hl_notify_t n;
    hl_err_t err = {0};
    CHECK_INT(hl_notify_open(&n, &err), HL_OK);
    CHECK_INT(n.fd, -1);
    CHECK_INT(hl_notify_watchdog_due(&n), -1);
    CHECK_INT(hl_notify_ready(&n, "up", &err), HL_OK);
    CHECK_INT(hl_notify_watchdog(&n, &err), HL_OK);
    CHECK_INT(hl_notify_send(&n, "STOPPING=1", &err), HL_OK);
    hl_notify_close(&n);
    clear_env();
}

static void test_ready_watchdog_and_stopping_reach_a_path_socket(void)
{
    char *dir = hl_test_tmpdir("notify");
    char path[512];
    snprintf(path, sizeof path, "%s/notify.sock", dir);
    int fd = listen_at(path);
    set_env(path, "400000", NULL);
    hl_notify_t n;
    hl_err_t err = {0};
    CHECK_INT(hl_notify_open(&n, &err), HL_OK);
    CHECK_INT(n.watchdog_ms, 400);
    CHECK_INT(hl_notify_ready(&n, "kiosk k1: survey s on screen", &err), HL_OK);
    CHECK_INT(hl_notify_ready(&n, "again", &err), HL_OK); /* once only */
    CHECK_INT(hl_notify_send(&n, "STOPPING=1", &err), HL_OK);
    hl_notify_close(&n);
    got_t g = {0};
    drain(fd, &g);
    CHECK_INT(g.n, 3);
    CHECK_STR(g.text[0], "READY=1\nSTATUS=kiosk k1: survey s on screen");
    CHECK_STR(g.text[1], "WATCHDOG=1"); /* the first ping goes with READY */
    CHECK_STR(g.text[2], "STOPPING=1");
    close(fd);
    clear_env();
    hl_test_rmtree(dir);
    free(dir);
}

static void test_abstract_socket_name_is_reached(void)
{
    char name[64];
    snprintf(name, sizeof name, "@hailong-test-notify-%ld", (long)getpid());
    int fd = listen_at(name);
    set_env(name, NULL, NULL);
    hl_notify_t n;
    hl_err_t err = {0};
    CHECK_INT(hl_notify_open(&n, &err), HL_OK);
    CHECK_INT(hl_notify_watchdog_due(&n), -1); /* no WatchdogSec */
    CHECK_INT(hl_notify_send(&n, "STATUS=hello", &err), HL_OK);
    hl_notify_close(&n);
    got_t g = {0};
    drain(fd, &g);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.text[0], "STATUS=hello");
    close(fd);
    clear_env();
}

static void test_watchdog_is_fed_every_half_interval_and_not_more_often(void)
{
    char name[64];
    snprintf(name, sizeof name, "@hailong-test-wd-%ld", (long)getpid());
    int fd = listen_at(name);
    /* 10 minutes: WATCHDOG=1 every 5 minutes, so no stall of a busy machine
     * makes the next one due during the test; the time passing is played by
     * moving the deadline (next_ping_ms) instead of sleeping. */
    set_env(name, "600000000", NULL);
    hl_notify_t n;
    hl_err_t err = {0};
    CHECK_INT(hl_notify_open(&n, &err), HL_OK);
    CHECK_INT(hl_notify_watchdog_due(&n), 0); /* due at once */
    CHECK_INT(hl_notify_watchdog(&n, &err), HL_OK);
    int64_t due = hl_notify_watchdog_due(&n);
    CHECK(due > 0 && due <= 300000);
    /* Called again and again before it is due: nothing more is sent. */
    for (int i = 0; i < 100; i++)
        CHECK_INT(hl_notify_watchdog(&n, &err), HL_OK);
    n.next_ping_ms -= 300000; /* half the interval later */
    CHECK_INT(hl_notify_watchdog_due(&n), 0);
    CHECK_INT(hl_notify_watchdog(&n, &err), HL_OK);
    due = hl_notify_watchdog_due(&n);
    CHECK(due > 0 && due <= 300000); /* the next one half an interval after this one */
    hl_notify_close(&n);
    got_t g = {0};
    drain(fd, &g);
    CHECK_INT(g.n, 2);
    close(fd);
    clear_env();
}

static void test_watchdog_meant_for_another_process_is_ignored(void)
{
    char name[64];
    snprintf(name, sizeof name, "@hailong-test-pid-%ld", (long)getpid());
    int fd = listen_at(name);
    char other[32];
    snprintf(other, sizeof other, "%ld", (long)getpid() + 1);
    set_env(name, "200000", other);
    hl_notify_t n;
    hl_err_t err = {0};
    CHECK_INT(hl_notify_open(&n, &err), HL_OK);
    CHECK(n.fd >= 0); /* READY and STATUS still go */
    CHECK_INT(hl_notify_watchdog_due(&n), -1);
    hl_notify_close(&n);
    char mine[32];
    snprintf(mine, sizeof mine, "%ld", (long)getpid());
    set_env(name, "200000", mine);
    CHECK_INT(hl_notify_open(&n, &err), HL_OK);
    CHECK_INT(n.watchdog_ms, 200);
    hl_notify_close(&n);
    close(fd);
    clear_env();
}

static void test_malformed_variables_are_refused_by_name_and_leave_it_off(void)
{
    static const struct {
        const char *sock, *usec, *pid, *msg;
    } cases[] = {
        {"relative/path", NULL, NULL, "NOTIFY_SOCKET \"relative/path\""},
        {"@", NULL, NULL, "NOTIFY_SOCKET"},
        {"@ok", "ten", NULL, "WATCHDOG_USEC \"ten\""},
        {"@ok", "0", NULL, "WATCHDOG_USEC \"0\""},
        {"@ok", "-5", NULL, "WATCHDOG_USEC"},
        {"@ok", "100000", "12ab", "WATCHDOG_PID \"12ab\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        set_env(cases[i].sock, cases[i].usec, cases[i].pid);
        hl_notify_t n;
        hl_err_t err = {0};
        CHECK_INT(hl_notify_open(&n, &err), HL_ERR_USAGE);
        CHECK_CONTAINS(err.msg, cases[i].msg);
        if (cases[i].sock[0] == '@' && cases[i].sock[1]) {
            /* A bad watchdog setting: still on, READY=1 still goes, no watchdog. */
            CHECK(n.fd >= 0);
            CHECK_CONTAINS(err.msg, "running without the watchdog");
            CHECK_INT(hl_notify_watchdog_due(&n), -1);
        } else {
            CHECK_INT(n.fd, -1);
            CHECK_INT(hl_notify_send(&n, "READY=1", &err), HL_OK); /* off, not broken */
        }
        hl_notify_close(&n);
    }
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    set_env(longname, NULL, NULL);
    hl_notify_t n;
    hl_err_t err = {0};
    CHECK_INT(hl_notify_open(&n, &err), HL_ERR_USAGE);
    clear_env();
}

static void test_a_zeroed_notifier_is_off_and_never_touches_descriptor_zero(void)
{
    hl_notify_t n;
    memset(&n, 0, sizeof n); /* a kiosk cleared but never opened: fd 0 is not ours */
    hl_err_t err = {0};
    CHECK_INT(hl_notify_send(&n, "STOPPING=1", &err), HL_OK);
    CHECK_INT(hl_notify_watchdog(&n, &err), HL_OK);
    CHECK_INT(hl_notify_watchdog_due(&n), -1);
    hl_notify_close(&n);
    CHECK(fcntl(0, F_GETFD) != -1); /* still open */
}

static void test_a_manager_that_went_away_is_reported_not_fatal(void)
{
    set_env("/nonexistent/hailong/notify.sock", "200000", NULL);
    hl_notify_t n;
    hl_err_t err = {0};
    CHECK_INT(hl_notify_open(&n, &err), HL_OK);
    CHECK_INT(hl_notify_ready(&n, "up", &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "cannot notify the service manager (READY=1");
    CHECK_INT(hl_notify_ready(&n, "up", &err), HL_OK); /* reported once */
    hl_notify_close(&n);
    clear_env();
}

static void test_a_manager_that_does_not_read_never_blocks_the_loop(void)
{
    char name[64];
    snprintf(name, sizeof name, "@hailong-test-full-%ld", (long)getpid());
    int fd = listen_at(name);
    set_env(name, NULL, NULL);
    hl_notify_t n;
    hl_err_t err = {0};
    CHECK_INT(hl_notify_open(&n, &err), HL_OK);
    /* The kernel queues a few datagrams per socket (net.unix.max_dgram_qlen);
     * past that, a blocking send would wait for the reader forever. */
    int refused = 0;
    for (int i = 0; i < 2000 && !refused; i++)
        refused = hl_notify_send(&n, "STATUS=busy", &err) != HL_OK;
    CHECK(refused);
    CHECK_CONTAINS(err.msg, "cannot notify the service manager (STATUS=busy)");
    hl_notify_close(&n);
    close(fd);
    clear_env();
}

/* The real binary: a scripted run whose event loop turns for real (`live`),
 * hangs (`hang`), and turns again. */
static void test_kiosk_is_ready_after_its_first_frame_and_its_watchdog_stops_while_it_hangs(void)
{
    if (access(HL_BIN, X_OK) != 0) {
        printf("skipped: %s: %s is not built yet (make hailong)\n", __func__, HL_BIN);
        return;
    }
    char *dir = hl_test_tmpdir("notify-kiosk");
    char sock[512], data[512];
    snprintf(sock, sizeof sock, "%s/notify.sock", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    listener_t *l = calloc(1, sizeof *l);
    l->fd = listen_at(sock);
    atomic_init(&l->stop, false);
    if (pthread_create(&l->th, NULL, listener_main, l) != 0) abort();
    enum { WD_MS = 400, LIVE1 = 1600, HANG = 1500, LIVE2 = 1200 };
    char script_text[256];
    snprintf(script_text, sizeof script_text, "live %d\nhang %d\nlive %d\n", LIVE1, HANG, LIVE2);
    char *script = hl_test_write_file(dir, "watchdog.txt", script_text);
    char env_sock[600], env_usec[64];
    snprintf(env_sock, sizeof env_sock, "NOTIFY_SOCKET=%s", sock);
    snprintf(env_usec, sizeof env_usec, "WATCHDOG_USEC=%d", WD_MS * 1000);
    const char *env[] = {env_sock, env_usec, "HAILONG_CONFIG=", NULL};
    const char *argv[] = {HL_BIN,       "run",
                          "--data-dir", data,
                          "--survey",   HL_TEST_DATA "/flow/survey.json",
                          "--config",   HL_TEST_DATA "/flow/config.json",
                          "--headless", "--script",
                          script,       NULL};
    char *out = NULL, *errout = NULL;
    int rc = hl_test_run(argv, env, &out, &errout);
    CHECK_INT(rc, 0);
    if (rc) fprintf(stderr, "%s\n%s\n", out ? out : "", errout ? errout : "");
    atomic_store(&l->stop, true);
    pthread_join(l->th, NULL);
    got_t *gp = &l->got;
#define g (*gp)
    CHECK(g.n >= 4);
    if (g.n < 4) goto done;
    /* READY=1 with a status first (the first frame), STOPPING=1 last. */
    CHECK_CONTAINS(g.text[0], "READY=1\nSTATUS=kiosk ");
    CHECK_STR(g.text[g.n - 1], "STOPPING=1");
    /* The hang: the longest silence between two WATCHDOG=1, longer than the
     * watchdog interval (systemd would have restarted the kiosk). */
    int gap_at = -1;
    int64_t gap = -1, other_max = 0;
    for (int i = 1; i < g.n - 1; i++) {
        CHECK(i == 1 || !strcmp(g.text[i], "WATCHDOG=1"));
        if (i >= 2 && g.at_ms[i] - g.at_ms[i - 1] > gap) {
            gap = g.at_ms[i] - g.at_ms[i - 1];
            gap_at = i;
        }
    }
    CHECK(gap >= HANG - 50); /* kernel timestamps: the hang's own length */
    CHECK(gap > WD_MS);
    /* Before and after the hang the loop fed the watchdog (counts, not
     * timings: a loaded machine delays pings, it does not remove them). */
    int before = gap_at - 1, after = g.n - 1 - gap_at;
    CHECK(before >= 3);
    CHECK(after >= 2);
    for (int i = 2; i < g.n - 1; i++)
        if (i != gap_at && g.at_ms[i] - g.at_ms[i - 1] > other_max)
            other_max = g.at_ms[i] - g.at_ms[i - 1];
    printf("  watchdog %d ms: %d pings before the hang, %d after; the hang's silence %lld ms; "
           "longest other gap %lld ms\n",
           WD_MS, before, after, (long long)gap, (long long)other_max);
#undef g
done:
    free(out);
    free(errout);
    free(script);
    close(l->fd);
    free(l);
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_without_notify_socket_nothing_is_sent_and_there_is_no_watchdog),
    HL_TEST(test_ready_watchdog_and_stopping_reach_a_path_socket),
    HL_TEST(test_abstract_socket_name_is_reached),
    HL_TEST(test_watchdog_is_fed_every_half_interval_and_not_more_often),
    HL_TEST(test_watchdog_meant_for_another_process_is_ignored),
    HL_TEST(test_malformed_variables_are_refused_by_name_and_leave_it_off),
    HL_TEST(test_a_zeroed_notifier_is_off_and_never_touches_descriptor_zero),
    HL_TEST(test_a_manager_that_went_away_is_reported_not_fatal),
    HL_TEST(test_a_manager_that_does_not_read_never_blocks_the_loop),
    HL_TEST(test_kiosk_is_ready_after_its_first_frame_and_its_watchdog_stops_while_it_hangs),
};

HL_TEST_MAIN(tests)
