#pragma once
// A container process this process waits for: signals sent to us are
// forwarded to it (as runc does), and a terminal master, when we hold one,
// is proxied to our stdin/stdout in raw mode.
#include <signal.h>
#include <sys/types.h>

#include "sys/fd.hpp"

namespace nook::runtime {

// Blocks the forwarded signals in this process for its lifetime and
// restores the previous mask after. Make it before the child is created so
// that no signal is lost in between.
class ForwardedSignalsBlocked {
 public:
  ForwardedSignalsBlocked();
  ~ForwardedSignalsBlocked();
  ForwardedSignalsBlocked(const ForwardedSignalsBlocked&) = delete;
  ForwardedSignalsBlocked& operator=(const ForwardedSignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};
// Waits for pid (our child) to exit and returns its exit code.
int wait_foreground(pid_t pid, int pidfd, UniqueFd terminal_master);

}  // namespace nook::runtime
