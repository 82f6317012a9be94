#pragma once
// Process creation and reaping: clone3 with a pidfd, and waiting that turns a
// wait status into the shell's exit code convention (signals as 128+N).
#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "sys/fd.hpp"

namespace nook {

struct CloneResult {
  pid_t pid = -1;  // 0 in the child
  UniqueFd pidfd;  // parent only
};

// clone3(flags | CLONE_PIDFD) behaving like fork() in the child. `flags`
// are CLONE_NEW* bits; exit_signal is SIGCHLD.
CloneResult clone_with_pidfd(uint64_t flags);

// Waits for pid and returns its exit code, 128+signal when killed.
int wait_exit_code(pid_t pid);
// Converts a waitpid() status the same way.
int exit_code_from_status(int status);

UniqueFd pidfd_open_checked(pid_t pid);
// Sends a signal through a pidfd (no pid-reuse race).
void pidfd_signal(int pidfd, int signal);
// True while the process behind the pidfd has not exited.
bool pidfd_alive(int pidfd);
// Waits for the pidfd to become readable (process exited); false on timeout.
bool pidfd_wait_exit(int pidfd, int timeout_ms);

// Field 22 of /proc/<pid>/stat: identifies a process across pid reuse.
std::optional<uint64_t> process_start_time(pid_t pid);
// State letter from /proc/<pid>/stat ('R','S','Z',...), nullopt if gone.
std::optional<char> process_state(pid_t pid);

}  // namespace nook
