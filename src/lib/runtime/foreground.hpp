#pragma once
// A container process this process waits for: signals sent to us are
// forwarded to it (as runc does), and a terminal master, when we hold one,
// is proxied to our stdin/stdout in raw mode.
#include <sys/types.h>

#include "sys/fd.hpp"

namespace nook::runtime {

// Blocks the forwarded signals in this process. Call before the child is
// created so no signal is lost in between.
void block_forwarded_signals();
// Waits for pid (our child) to exit and returns its exit code.
int wait_foreground(pid_t pid, int pidfd, UniqueFd terminal_master);

}  // namespace nook::runtime
