/*
 * expect_fatal.h - for the runtime's unit tests: run a function in a child process and
 * expect it to end through snn_fatal (exit status 1, a message on stderr).  Include after
 * <cmocka.h> and "snnrt.h".
 */
#ifndef EXPECT_FATAL_H
#define EXPECT_FATAL_H

#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn(arg) in a child (program name "brunel"); expect exit status 1 and 'want' in its
 * stderr. */
static void expect_child_fails(void (*fn)(const void *), const void *arg, const char *want)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        snn_set_progname("brunel");
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    char out[2048];
    size_t n = 0;
    ssize_t got;
    while (n + 1 < sizeof out && (got = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    if (!strstr(out, want))
        print_error("stderr: %s\nwant:   %s\n", out, want);
    assert_non_null(strstr(out, want));
}

#endif
