#include "runtime/foreground.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace nook::runtime {
namespace {

sigset_t forwarded_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP,
                SIGTTIN, SIGTTOU, SIGPIPE, SIGALRM})
    sigaddset(&set, s);
  return set;
}

// Puts our terminal in raw mode for the proxy and restores it after.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) == 0) {
      active_ = true;
      struct termios raw = saved_;
      ::cfmakeraw(&raw);
      ::tcsetattr(fd_, TCSANOW, &raw);
    }
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  struct termios saved_;
  bool active_ = false;
};

void copy_window_size(int from, int to) {
  struct winsize ws;
  if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

// Moves what is readable from `from` to `to`; false on EOF or error.
bool pump(int from, int to) {
  char buf[16384];
  ssize_t n = retry_eintr([&] { return ::read(from, buf, sizeof buf); });
  if (n <= 0) return false;
  try {
    write_all(to, std::string_view(buf, static_cast<size_t>(n)), "terminal");
  } catch (const Error&) {
    return false;
  }
  return true;
}

}  // namespace

ForwardedSignalsBlocked::ForwardedSignalsBlocked() {
  sigset_t set = forwarded_set();
  sigprocmask(SIG_BLOCK, &set, &saved_);
}

ForwardedSignalsBlocked::~ForwardedSignalsBlocked() {
  // Signals that arrived meanwhile and were not forwarded stay pending and
  // are delivered now, as they would have been without us.
  sigprocmask(SIG_SETMASK, &saved_, nullptr);
}

int wait_foreground(pid_t pid, int pidfd, UniqueFd master) {
  sigset_t set = forwarded_set();
  UniqueFd sigfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sigfd) throw_errno("signalfd");
  std::optional<RawTerminal> raw;
  bool stdin_open = master.get() >= 0;
  if (master && ::isatty(0)) {
    raw.emplace(0);
    copy_window_size(0, master.get());
  }
  bool master_open = master.get() >= 0;
  for (;;) {
    struct pollfd fds[4];
    int n = 0;
    fds[n++] = {pidfd, POLLIN, 0};
    fds[n++] = {sigfd.get(), POLLIN, 0};
    int master_idx = -1, stdin_idx = -1;
    if (master_open) {
      master_idx = n;
      fds[n++] = {master.get(), POLLIN, 0};
    }
    if (stdin_open) {
      stdin_idx = n;
      fds[n++] = {0, POLLIN, 0};
    }
    if (retry_eintr([&] { return ::poll(fds, static_cast<nfds_t>(n), -1); }) < 0)
      throw_errno("poll");
    if (master_idx >= 0 && (fds[master_idx].revents & (POLLIN | POLLHUP | POLLERR)))
      master_open = pump(master.get(), 1);
    if (stdin_idx >= 0 && (fds[stdin_idx].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!pump(0, master.get())) {
        stdin_open = false;
        // End of input: let the terminal see EOF as a typed ^D would.
        char eot = 4;
        (void)!::write(master.get(), &eot, 1);
      }
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (::read(sigfd.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        int sig = static_cast<int>(si.ssi_signo);
        if (sig == SIGWINCH && master)
          copy_window_size(0, master.get());
        else if (sig != SIGCHLD && sig != SIGPIPE)
          try {
            pidfd_signal(pidfd, sig);
          } catch (const Error&) {
          }
      }
    }
    if (fds[0].revents & POLLIN) {
      // Drain what the container printed last before returning.
      if (master_open) {
        struct pollfd m = {master.get(), POLLIN, 0};
        while (::poll(&m, 1, 0) > 0 && (m.revents & POLLIN) && pump(master.get(), 1)) {
        }
      }
      break;
    }
  }
  raw.reset();
  return wait_exit_code(pid);
}

}  // namespace nook::runtime
