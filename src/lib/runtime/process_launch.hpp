#pragma once
// The common tail of a container's init and of `exec`: terminal, limits,
// user, capabilities, seccomp, then execve. Runs in the child, reports to the
// parent over the sync channel.
#include <functional>
#include <string>
#include <vector>

#include "oci/spec.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/sync.hpp"

namespace nook::runtime {

struct ProcessLaunch {
  const oci::Process* process = nullptr;
  SyncChannel* sync = nullptr;
  SeccompFilter* seccomp = nullptr;
  int console_socket_fd = -1;
  int exec_fifo_fd = -1;  // create: wait here for `start` before execve
  // The host's /proc/self/fd, opened before pivot_root: the fifo is reopened
  // through it, never through a /proc the image controls.
  int proc_self_fd_dir = -1;
  int preserve_fds = 0;
  bool setgroups_allowed = true;
  const std::vector<oci::Hook>* start_hooks = nullptr;  // startContainer
  std::string hooks_state;
};

// Throws on failure; on success execve replaces the process.
[[noreturn]] void launch_process(const ProcessLaunch& launch);

// Runs steps() and, if it throws, sends the error to the parent and exits
// with 127/126 for a missing/unexecutable command (podman's convention),
// 1 otherwise. Never returns.
[[noreturn]] void run_child_reporting(SyncChannel& sync, const std::function<void()>& steps);

}  // namespace nook::runtime
