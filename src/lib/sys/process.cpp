#include "sys/process.hpp"

#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook {

CloneResult clone_with_pidfd(uint64_t flags) {
  int pidfd = -1;
  struct clone_args args;
  std::memset(&args, 0, sizeof args);
  args.flags = flags | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  // clone3 wants exit_signal 0 with CLONE_PARENT: the sibling reports to our
  // parent with our own exit signal (SIGCHLD) instead.
  args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
  long r = ::syscall(SYS_clone3, &args, sizeof args);
  if (r < 0) throw_errno("clone3");
  CloneResult out;
  out.pid = static_cast<pid_t>(r);
  if (r > 0) out.pidfd.reset(pidfd);
  return out;
}

int exit_code_from_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  if (retry_eintr([&] { return ::waitpid(pid, &status, 0); }) < 0)
    throw_errno("waitpid", std::to_string(pid));
  return exit_code_from_status(status);
}

UniqueFd pidfd_open_checked(pid_t pid) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) throw_errno("pidfd_open", std::to_string(pid));
  return UniqueFd(fd);
}

void pidfd_signal(int pidfd, int signal) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) < 0)
    throw_errno("pidfd_send_signal", "signal " + std::to_string(signal));
}

bool pidfd_wait_exit(int pidfd, int timeout_ms) {
  struct pollfd p = {pidfd, POLLIN, 0};
  int r = retry_eintr([&] { return ::poll(&p, 1, timeout_ms); });
  if (r < 0) throw_errno("poll", "pidfd");
  return r > 0;
}

bool pidfd_alive(int pidfd) {
  return !pidfd_wait_exit(pidfd, 0);
}

namespace {
// Fields after the command name, which may itself hold spaces and ')'.
std::optional<std::string> stat_tail(pid_t pid) {
  std::string s;
  try {
    s = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return std::nullopt;
  }
  auto close = s.rfind(')');
  if (close == std::string::npos || close + 2 >= s.size()) return std::nullopt;
  return s.substr(close + 2);
}
}  // namespace

std::optional<char> process_state(pid_t pid) {
  auto tail = stat_tail(pid);
  if (!tail || tail->empty()) return std::nullopt;
  return (*tail)[0];
}

std::optional<uint64_t> process_start_time(pid_t pid) {
  auto tail = stat_tail(pid);
  if (!tail) return std::nullopt;
  // tail starts at field 3 (state); starttime is field 22.
  size_t pos = 0;
  for (int field = 3; field < 22; ++field) {
    pos = tail->find(' ', pos);
    if (pos == std::string::npos) return std::nullopt;
    ++pos;
  }
  return std::stoull(tail->substr(pos));
}

}  // namespace nook
