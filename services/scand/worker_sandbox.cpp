#include "worker_sandbox.h"

#include <seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>

#include "util/sanitizer_build.h"

namespace moat::scand {
namespace {

// SCMP_A0 without its compound literal, which leaves datum_b to clang's
// -Wmissing-field-initializers: the first argument compared with value.
scmp_arg_cmp firstArg(scmp_compare op, scmp_datum_t value) {
    scmp_arg_cmp c{};
    c.arg = 0;
    c.op = op;
    c.datum_a = value;
    c.datum_b = 0;
    return c;
}


constexpr bool kSanitized = util::kSanitizerBuild;

// What a scan needs: reading the message and the next request, writing the
// verdict, memory, time, ClamAV's scratch files and directories under its
// temporary directory, and ending.
constexpr int kAllowed[] = {
    SCMP_SYS(read),
    SCMP_SYS(pread64),
    SCMP_SYS(readv),
    SCMP_SYS(preadv),
    SCMP_SYS(recvmsg),
    SCMP_SYS(recvfrom),
    SCMP_SYS(write),
    SCMP_SYS(writev),
    SCMP_SYS(pwrite64),
    SCMP_SYS(lseek),
    SCMP_SYS(close),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(stat),
    SCMP_SYS(lstat),
    SCMP_SYS(fcntl),
    SCMP_SYS(dup),
    SCMP_SYS(ftruncate),
    SCMP_SYS(fsync),
    SCMP_SYS(fdatasync),
    SCMP_SYS(openat),
    SCMP_SYS(open),
    SCMP_SYS(unlink),
    SCMP_SYS(unlinkat),
    SCMP_SYS(mkdir),
    SCMP_SYS(mkdirat),
    SCMP_SYS(rmdir),
    SCMP_SYS(getdents64),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(rename),
    SCMP_SYS(renameat),
    SCMP_SYS(readlink),
    SCMP_SYS(getcwd),
    SCMP_SYS(umask),
    SCMP_SYS(fchmod),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(brk),
    SCMP_SYS(madvise),
    SCMP_SYS(futex),
    SCMP_SYS(getrandom),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(time),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(alarm),
    SCMP_SYS(setitimer),
    SCMP_SYS(getitimer),
    SCMP_SYS(getrusage),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(uname),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(restart_syscall),
};

// What a compromised worker would want and a scan never does.
constexpr int kKill[] = {
    SCMP_SYS(socket),
    SCMP_SYS(socketpair),
    SCMP_SYS(connect),
    SCMP_SYS(bind),
    SCMP_SYS(listen),
    SCMP_SYS(accept),
    SCMP_SYS(accept4),
    SCMP_SYS(sendto),
    SCMP_SYS(sendmsg),
    SCMP_SYS(sendmmsg),
    SCMP_SYS(ptrace),
    SCMP_SYS(process_vm_readv),
    SCMP_SYS(process_vm_writev),
    SCMP_SYS(pidfd_open),
    SCMP_SYS(pidfd_getfd),
};
// ...and, outside sanitizer builds (whose runtime may run a symbolizer):
constexpr int kKillUnsanitized[] = {
    SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork),
    SCMP_SYS(vfork),  SCMP_SYS(clone),    SCMP_SYS(clone3),
};

}  // namespace

bool confineWorker(std::string& problem) {
    std::unique_ptr<void, decltype(&seccomp_release)> ctx(
        seccomp_init(kSanitized ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(EPERM)), seccomp_release);
    if (!ctx) {
        problem = "seccomp_init failed";
        return false;
    }
    int rc = 0;
    auto rule = [&](uint32_t action, int call) {
        if (rc == 0) rc = seccomp_rule_add(ctx.get(), action, call, 0);
    };
    if (!kSanitized)
        for (int call : kAllowed) rule(SCMP_ACT_ALLOW, call);
    for (int call : kKill) rule(SCMP_ACT_KILL_PROCESS, call);
    if (!kSanitized)
        for (int call : kKillUnsanitized) rule(SCMP_ACT_KILL_PROCESS, call);
    // Signals only to itself (abort() raises SIGABRT with tgkill). libseccomp
    // refuses a rule whose action is the default one: allow rules only when
    // the default is to refuse.
    const auto self = static_cast<scmp_datum_t>(::getpid());
    if (rc == 0 && !kSanitized)
        rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
                              firstArg(SCMP_CMP_EQ, self));
    if (rc == 0 && !kSanitized)
        rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                              firstArg(SCMP_CMP_EQ, self));
    if (rc == 0)
        rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(kill), 1,
                              firstArg(SCMP_CMP_NE, self));
    if (rc == 0)
        rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(tgkill), 1,
                              firstArg(SCMP_CMP_NE, self));
    if (rc == 0) rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(tkill), 0);
    // SIGALRM ends a scan past the timeout: the worker may not change its action.
    if (rc == 0 && !kSanitized)
        rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
                              firstArg(SCMP_CMP_NE, static_cast<scmp_datum_t>(SIGALRM)));
    if (rc == 0) rc = seccomp_load(ctx.get());
    if (rc != 0) {
        problem = std::string("seccomp: ") + std::strerror(-rc);
        return false;
    }
    return true;
}

}  // namespace moat::scand
