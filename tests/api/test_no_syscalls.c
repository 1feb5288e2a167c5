/* The get/put path makes no system call, counted exactly: a child process
 * creates a pool, warms its caches up with the same loop it will time, then
 * installs a seccomp filter that lets through only write(2, ...), exit and
 * exit_group, and turns every other system call into SIGSYS.  It then runs
 * the loop (single gets and puts, a bulk get and put, refills and flushes
 * under the node lock included) for many rounds.  A system call made there,
 * and only there, is reported with its number: nothing else the process or
 * the machine does (the loader, the allocator's first calls, an strace
 * attaching) can change the verdict, which an earlier version of this test,
 * comparing whole-process strace counts, could not promise.
 *
 * Usage: test_no_syscalls [rounds] [nodes]   (defaults 100000, "local").
 * Exit 0: no system call; 1: one was made (named); 77: seccomp is not
 * available here (a kernel without CONFIG_SECCOMP_FILTER). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "numapool.h"

#define BLOCKS 300
#define BULK 32

static void round_trip(npool_t *p, void **b)
{
    for (int i = 0; i < BLOCKS; i++)
        if (!(b[i] = npool_get(p)))
            syscall(SYS_exit_group, 2);
    for (int i = BLOCKS - 1; i >= 0; i--)
        if (npool_put(p, b[i]) != 0)
            syscall(SYS_exit_group, 3);
    if (npool_get_bulk(p, b, BULK) != 0 || npool_put_bulk(p, b, BULK) != 0)
        syscall(SYS_exit_group, 4);
}

/* SIGSYS: name the call in one write, then leave without another call. */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)ctx;
    char msg[96] = "FAIL: system call number ";
    size_t n = strlen(msg);
    int nr = si->si_syscall;
    char digits[12];
    int d = 0;
    do
        digits[d++] = (char)('0' + nr % 10);
    while ((nr /= 10) && d < 11);
    while (d)
        msg[n++] = digits[--d];
    memcpy(msg + n, " made on the get/put path\n", 26);
    syscall(SYS_write, 2, msg, n + 26);
    syscall(SYS_exit_group, 1);
}

static int filter_on(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -errno;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        return -errno;
    return 0;
}

int main(int argc, char **argv)
{
#if !defined(__x86_64__)
    (void)argc, (void)argv;
    puts("SKIP: the seccomp filter here is written for x86-64");
    return 77;
#else
    long rounds = argc > 1 ? atol(argv[1]) : 100000;
    const char *nodes = argc > 2 ? argv[2] : NULL;
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        npool_config_t c = {.block_size = 64, .block_count = 65536, .pages = NPOOL_PAGES_BASE, .nodes = nodes};
        npool_t *p;
        if (npool_create(&c, &p) != 0) {
            fprintf(stderr, "npool_create: %s\n", npool_last_error());
            _exit(5);
        }
        static void *b[BLOCKS];
        /* warm up: the thread's cache, the magazines' buffers, the depot */
        for (int r = 0; r < 1000; r++)
            round_trip(p, b);
        struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
        sigaction(SIGSYS, &sa, NULL);
        fflush(NULL);
        int rc = filter_on();
        if (rc) {
            fprintf(stderr, "SKIP: seccomp filter refused: %s\n", strerror(-rc));
            _exit(77);
        }
        for (long r = 0; r < rounds; r++)
            round_trip(p, b);
        static const char ok[] = "ok\n";
        syscall(SYS_write, 1, ok, sizeof ok - 1);
        syscall(SYS_exit_group, 0);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) {
        perror("waitpid");
        return 1;
    }
    if (WIFSIGNALED(st)) {
        printf("FAIL: the child died of signal %d (%s)\n", WTERMSIG(st), strsignal(WTERMSIG(st)));
        return 1;
    }
    int code = WEXITSTATUS(st);
    if (code == 0)
        printf("%ld rounds of %d gets, %d puts and a bulk of %d, after warm-up: no system call\n", rounds, BLOCKS,
               BLOCKS, BULK);
    else if (code != 77 && code != 1)
        printf("FAIL: the loop itself failed (exit %d)\n", code);
    return code;
#endif
}
