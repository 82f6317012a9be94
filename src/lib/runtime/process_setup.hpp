#pragma once
// The last steps before execve, shared by a container's init and `exec`.
#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace nook::runtime {

void apply_rlimits(const std::vector<oci::Rlimit>& rlimits);
void apply_oom_score_adj(int value);

// args[0] resolved as execve will see it, using PATH from the process env
// (not the runtime's). Errors use the wording podman maps to exit codes:
// "executable file not found in $PATH" (127), "permission denied" (126).
std::string find_executable(const std::string& arg0, const std::vector<std::string>& env);

// setgroups (when allowed), setresgid, setresuid, umask.
void switch_user(const oci::User& user, bool setgroups_allowed);

// --preserve-fds N promises fds 3..3+N-1 are open; checked before the
// runtime opens anything, so none of its own fds can land in that range and
// leak into the container.
void check_preserved_fds(int preserve_fds);

// Keeps fds 0..2 and 3..3+preserve-1 across execve, closes the rest.
void prepare_inherited_fds(int preserve_fds);

// execve; returns only by throwing.
[[noreturn]] void exec_process(const std::string& path, const std::vector<std::string>& args,
                               const std::vector<std::string>& env);

}  // namespace nook::runtime
