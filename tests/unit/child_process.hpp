#pragma once
// Runs a piece of a test in a forked child, for code that changes the calling
// process for good (capabilities, seccomp filters, namespaces). The child's
// return value becomes its exit code; an exception's message comes back.
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <string>

namespace nook::test {

struct ChildResult {
  int status = 0;       // as from waitpid
  std::string message;  // what() of an exception that left the child
  bool exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  bool signaled(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
  std::string describe() const {
    std::string s = WIFEXITED(status)     ? "exit " + std::to_string(WEXITSTATUS(status))
                    : WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                          : "status " + std::to_string(status);
    return message.empty() ? s : s + " (" + message + ")";
  }
};

// Exit code of a child whose function threw.
constexpr int kChildThrew = 120;
// Exit code when the child cannot make a user namespace.
constexpr int kNoUserNamespace = 121;

template <typename F>
ChildResult run_in_child(F&& fn) {
  ChildResult result;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    result.message = "pipe2 failed";
    result.status = -1;
    return result;
  }
  pid_t pid = fork();
  if (pid == 0) {
    ::close(p[0]);
    int code = kChildThrew;
    try {
      code = fn();
    } catch (const std::exception& e) {
      std::string m = e.what();
      (void)!::write(p[1], m.data(), m.size());
    }
    _exit(code);
  }
  ::close(p[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) result.message.append(buf, static_cast<size_t>(n));
  }
  ::close(p[0]);
  if (pid < 0) {
    result.status = -1;
    result.message = "fork failed";
    return result;
  }
  while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

// As run_in_child, but the child first becomes root of a new user namespace,
// so capability and seccomp code runs as it does in a container's init,
// whether the tests run as root or not.
template <typename F>
ChildResult run_in_user_namespace(F&& fn) {
  return run_in_child([&]() -> int {
    if (unshare(CLONE_NEWUSER) != 0) return kNoUserNamespace;
    return fn();
  });
}

}  // namespace nook::test
