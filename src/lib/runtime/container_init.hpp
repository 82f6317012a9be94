#pragma once
// The container's first process, from clone3 to execve. It runs in the
// child; every failure is sent to the parent over the sync channel and the
// child exits: nothing here returns to the caller.
#include <optional>
#include <string>

#include "oci/spec.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/sync.hpp"
#include "sys/fd.hpp"

namespace nook::runtime {

struct InitConfig {
  const oci::Spec* spec = nullptr;
  const NamespacePlan* namespaces = nullptr;
  std::string bundle;
  std::string state_json_for_hooks;  // createContainer/startContainer stdin
  SyncChannel* sync = nullptr;
  int exec_fifo_fd = -1;       // O_PATH; -1: start at once (no create/start split)
  int console_socket_fd = -1;  // -1: no terminal handoff
  SeccompFilter* seccomp = nullptr;
  int preserve_fds = 0;
  bool no_pivot = false;
  bool setgroups_allowed = true;
  std::string keyring_name;  // "" with --no-new-keyring
  // A stage process already joined and unshared every namespace.
  bool namespaces_entered = false;
};

[[noreturn]] void run_container_init(const InitConfig& cfg);

}  // namespace nook::runtime
