/* tests/child.h - run a function in a forked child and keep what it wrote on
 * stderr, for the tests of what aborts (the NPOOL_DEBUG levels).  A child
 * makes its own pools: arenas are MADV_DONTFORK, so a pool of the parent is
 * not there after the fork. */
#ifndef NPOOL_TEST_CHILD_H
#define NPOOL_TEST_CHILD_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn(arg) in a child whose stderr goes to out[] (NUL-terminated, cut at
 * len - 1 bytes); the child exits 0 when fn returns.  Returns its wait
 * status, or -1 when it could not be started. */
static inline int child_run(void (*fn)(void *), void *arg, char *out, size_t len)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);      /* an abort here is the test's, not worth a core file */
        close(fd[0]);
        dup2(fd[1], 2);
        fn(arg);
        fflush(NULL);
        _exit(0);
    }
    close(fd[1]);
    size_t have = 0;
    char sink[256];
    for (;;) {
        int room = have + 1 < len;       /* past len - 1 bytes, read on into the sink until EOF */
        ssize_t r = read(fd[0], room ? out + have : sink, room ? len - 1 - have : sizeof sink);
        if (r <= 0)
            break;
        if (room)
            have += (size_t)r;
    }
    out[have] = '\0';
    close(fd[0]);
    int status;
    return waitpid(pid, &status, 0) == pid ? status : -1;
}

/* Did the child abort (SIGABRT)? */
static inline int child_aborted(int status)
{
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

#endif
