#include "runtime/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/spawn.hpp"

namespace nook::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// glibc 2.36's <sys/pidfd.h> lacks extern "C"; the syscalls are simple.
int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0u));
}
int signal_pidfd(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0u));
}

// A hook that has been started: killed and reaped unless waited for.
class HookProcess {
 public:
  explicit HookProcess(pid_t pid) : pid_(pid) {}
  HookProcess(const HookProcess&) = delete;
  HookProcess& operator=(const HookProcess&) = delete;
  ~HookProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

  pid_t pid() const { return pid_; }

  void kill_now() {
    // The pidfd names this very process even if it was reaped elsewhere.
    if (signal_pidfd(pidfd_.get(), SIGKILL) != 0 && errno != ESRCH) {
      ::kill(pid_, SIGKILL);
    }
  }

  int reap() {
    int status = 0;
    pid_t r = retry_eintr([&] { return ::waitpid(pid_, &status, 0); });
    pid_ = -1;
    if (r < 0) throw_errno("waitpid", "hook");
    return status;
  }

  UniqueFd& pidfd() { return pidfd_; }

 private:
  pid_t pid_;
  UniqueFd pidfd_;
};

// Writing to a pipe whose reader is gone raises SIGPIPE, which would kill the
// runtime; a hook need not read its stdin. The signal is thread-directed, so
// blocking it in this thread and consuming the one our write caused suffices.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlocked() {
    if (got_epipe_ && !was_pending_) {
      timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void saw_epipe() { got_epipe_ = true; }

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
  bool got_epipe_ = false;
};

// posix_spawn's dup2 onto 0 would be a no-op (and keep O_CLOEXEC) if the pipe
// itself landed on fd 0, as it does when the runtime runs with stdin closed.
UniqueFd above_stdio(UniqueFd fd) {
  if (fd.get() > 2) return fd;
  UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
  if (!moved) throw_errno("fcntl(F_DUPFD_CLOEXEC)", "hook stdin");
  return moved;
}

pid_t spawn(const oci::Hook& hook, int stdin_fd, const std::string& what) {
  std::vector<std::string> args =
      hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  auto argv = c_string_array(args);
  auto envp = c_string_array(hook.env);

  SpawnActions actions;
  actions.dup2(stdin_fd, 0);
  // Only stdio reaches the hook, whatever the runtime holds open.
  actions.close_from(3);
  SpawnAttributes attr;
  // Signals the runtime ignores or blocks must not stay ignored in the hook.
  attr.default_signals();
  pid_t pid = -1;
  int err =
      posix_spawn(&pid, hook.path.c_str(), actions.get(), attr.get(), argv.data(), envp.data());
  if (err) throw Error(what, hook.path, err, "cannot execute");
  return pid;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

void run_hook(const oci::Hook& hook, const std::string& state_json, const std::string& phase) {
  const std::string what = phase + " hook";
  if (hook.path.empty() || hook.path[0] != '/') {
    throw Error(what, hook.path, 0, "path must be absolute");
  }
  if (hook.timeout && *hook.timeout <= 0) {
    throw Error(what, hook.path, 0, "timeout must be greater than zero");
  }

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw_errno("pipe2", what);
  UniqueFd read_end = above_stdio(UniqueFd(p[0]));
  UniqueFd write_end(p[1]);
  // Only the runtime's end: the hook's stdin stays blocking.
  if (::fcntl(write_end.get(), F_SETFL, O_NONBLOCK) != 0) throw_errno("fcntl(O_NONBLOCK)", what);

  HookProcess proc(spawn(hook, read_end.get(), what));
  read_end.reset();
  proc.pidfd().reset(open_pidfd(proc.pid()));
  if (!proc.pidfd()) throw_errno("pidfd_open", what);

  std::optional<Clock::time_point> deadline;
  if (hook.timeout) deadline = Clock::now() + std::chrono::seconds(*hook.timeout);

  // Feed stdin and wait for the exit in one loop, so that neither a hook that
  // never reads nor one that never exits can outlast the timeout.
  SigpipeBlocked no_sigpipe;
  size_t written = 0;
  if (state_json.empty()) write_end.reset();
  for (;;) {
    int wait_ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
    }
    pollfd fds[2] = {{proc.pidfd().get(), POLLIN, 0}, {write_end.get(), POLLOUT, 0}};
    int n = ::poll(fds, write_end ? 2 : 1, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("poll", what);
    if (n == 0) {
      proc.kill_now();
      proc.reap();
      throw Error(what, hook.path, 0, "timed out after " + std::to_string(*hook.timeout) + "s");
    }
    if (write_end && fds[1].revents != 0) {
      ssize_t w =
          ::write(write_end.get(), state_json.data() + written, state_json.size() - written);
      int write_errno = w < 0 ? errno : 0;
      if (w > 0) written += static_cast<size_t>(w);
      if (write_errno == EPIPE) no_sigpipe.saw_epipe();
      if (write_errno != 0 && write_errno != EAGAIN && write_errno != EINTR &&
          write_errno != EPIPE) {
        throw Error("write state to " + what, hook.path, write_errno);
      }
      // Done, or the hook closed its stdin: either way no more to send.
      if (written == state_json.size() || write_errno == EPIPE) write_end.reset();
    }
    if (fds[0].revents != 0) break;
  }
  int status = proc.reap();
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    throw Error(what, hook.path, 0, describe_status(status));
  }
}

}  // namespace

void run_hooks(const std::vector<oci::Hook>& hooks, const std::string& state_json,
               const std::string& phase) {
  for (const auto& hook : hooks) run_hook(hook, state_json, phase);
}

}  // namespace nook::runtime
