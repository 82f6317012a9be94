#include "runtime/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "sys/error.hpp"
#include "sys/socket.hpp"

namespace nook::runtime {

ConsoleChannel open_console_channel(const std::string& console_socket) {
  ConsoleChannel c;
  if (!console_socket.empty()) {
    c.to_child = connect_unix(console_socket);
  } else {
    auto [a, b] = make_socketpair(SOCK_STREAM);
    c.to_child = std::move(a);
    c.ours = std::move(b);
  }
  return c;
}

Pty open_pty() {
  Pty p;
  p.master.reset(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.master) throw_errno("open pty master", "/dev/ptmx");
  if (::unlockpt(p.master.get()) < 0) throw_errno("unlockpt", "/dev/ptmx");
  // TIOCGPTPEER opens the slave through the master, so a path swapped under
  // /dev/pts cannot hand us some other terminal.
  p.slave.reset(::ioctl(p.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.slave) throw_errno("open pty slave", "/dev/ptmx");
  return p;
}

void set_window_size(int fd, unsigned rows, unsigned cols) {
  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  if (::ioctl(fd, TIOCSWINSZ, &ws) < 0) throw_errno("set terminal size");
}

void make_controlling_terminal(int slave_fd) {
  if (::setsid() < 0) throw_errno("setsid");
  if (::ioctl(slave_fd, TIOCSCTTY, 0) < 0) throw_errno("set controlling terminal");
  for (int i = 0; i < 3; ++i)
    if (::dup2(slave_fd, i) < 0) throw_errno("dup2 terminal", std::to_string(i));
}

}  // namespace nook::runtime
