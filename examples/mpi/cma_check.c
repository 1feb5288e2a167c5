/* examples/mpi/cma_check.c - can this machine do Open MPI's single-copy
 * shared-memory transfers?  Open MPI's shared-memory transport (btl vader)
 * copies large messages and one-sided puts straight between two ranks with
 * process_vm_readv/writev ("CMA").  Containers often forbid that (Docker's
 * default seccomp profile refuses both calls to a process without
 * CAP_SYS_PTRACE; Yama's ptrace_scope 2 or 3 does too), and then Open MPI
 * prints "Read -1, expected N, errno = 1" and delivers nothing, or hangs.
 *
 *   mpi_cma_check                 exit 0 when a process can read the memory of
 *                                 a process that is not its descendant (as one
 *                                 rank reads another), 1 when not; one line
 *                                 on stdout says which and why
 *   mpi_cma_check --block CMD...  run CMD with both calls refused (EPERM) by a
 *                                 seccomp filter, as in such a container, after
 *                                 checking that the refusal is in force
 *
 * examples/mpi/mpirun.sh runs the first to decide whether the job needs
 * Open MPI's fallback; the tests use the second to prove that the fallback
 * works on any machine. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif
#ifndef PR_SET_PTRACER_ANY
#define PR_SET_PTRACER_ANY ((unsigned long)-1)
#endif

static volatile unsigned long probe_word = 0x1111111111111111ul;

/* 0 when a child can read its parent's memory (the parent is not its
 * descendant, so Yama treats it as it treats two sibling ranks), else the
 * errno of the failed read, or -1 for a wrong value or a failed fork. */
static int probe(void)
{
    int go[2], res[2];
    if (pipe(go) != 0 || pipe(res) != 0)
        return -1;
    /* Open MPI asks the same of Yama in each rank; EINVAL: no Yama */
    (void)prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char c;
        int err = 0;
        unsigned long got = 0;
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        struct iovec local = {.iov_base = &got, .iov_len = sizeof got};
        struct iovec remote = {.iov_base = (void *)&probe_word, .iov_len = sizeof got};
        ssize_t n = process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
        if (n != (ssize_t)sizeof got)
            err = n < 0 ? errno : -1;
        else if (got != 0x2222222222222222ul) /* the child's own copy still holds 0x11.. */
            err = -1;
        _exit(write(res[1], &err, sizeof err) == (ssize_t)sizeof err ? 0 : 1);
    }
    close(go[0]);
    close(res[1]);
    probe_word = 0x2222222222222222ul; /* after the fork: only the parent's copy changes */
    int err = -1;
    if (write(go[1], "g", 1) != 1 || read(res[0], &err, sizeof err) != (ssize_t)sizeof err)
        err = -1;
    close(go[1]);
    close(res[0]);
    waitpid(pid, NULL, 0);
    return err;
}

static int block_cma(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_writev, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog prog = {.len = (unsigned short)(sizeof f / sizeof *f), .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        fprintf(stderr, "mpi_cma_check: cannot install the seccomp filter: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--block") == 0) {
        if (argc < 3) {
            fprintf(stderr, "usage: %s --block CMD [ARGS...]\n", argv[0]);
            return 2;
        }
        if (block_cma() != 0)
            return 1;
        int err = probe();
        if (err != EPERM) {
            fprintf(stderr, "mpi_cma_check: the seccomp filter is installed but process_vm_readv %s\n",
                    err == 0 ? "still works" : "fails with something else than EPERM");
            return 1;
        }
        fprintf(stderr, "mpi_cma_check: process_vm_readv/writev refused (EPERM) for %s and its children\n", argv[2]);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "mpi_cma_check: cannot run %s: %s\n", argv[2], strerror(errno));
        return 127;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--block CMD [ARGS...]]\n", argv[0]);
        return 2;
    }
    int err = probe();
    if (err == 0) {
        printf("CMA works: a process can read a non-descendant's memory (process_vm_readv)\n");
        return 0;
    }
    printf("CMA blocked: process_vm_readv of a non-descendant fails: %s\n",
           err > 0 ? strerror(err) : "wrong value or no fork");
    return 1;
}
