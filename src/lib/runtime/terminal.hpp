#pragma once
// Pseudo-terminals for container processes: the pty is opened inside the
// container (its own devpts), the master goes back to whoever holds the
// console socket (podman's conmon, or nook-runtime itself for `run -t`).
#include <string>

#include "oci/spec.hpp"
#include "sys/fd.hpp"

namespace nook::runtime {

struct Pty {
  UniqueFd master;
  UniqueFd slave;
};

// Where the child sends the pty master: the caller's --console-socket, or,
// without one, a socketpair whose other end (ours) lets the runtime proxy
// the terminal itself.
struct ConsoleChannel {
  UniqueFd to_child;
  UniqueFd ours;  // empty when a console socket was given
};
ConsoleChannel open_console_channel(const std::string& console_socket);

// Opens /dev/ptmx of the current mount namespace and its slave.
Pty open_pty();
void set_window_size(int fd, unsigned rows, unsigned cols);
// setsid, TIOCSCTTY, and the slave as stdin/stdout/stderr.
void make_controlling_terminal(int slave_fd);

}  // namespace nook::runtime
