#pragma once
// OCI seccomp profile → libseccomp filter.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "oci/spec.hpp"
#include "sys/fd.hpp"

namespace nook::runtime {

// A filter compiled in the parent (so that every error is reported before the
// container exists) and loaded in the child just before execve.
class SeccompFilter {
 public:
  // Throws Error with the JSON path (linux.seccomp.syscalls[i].action...) for
  // an unknown action, architecture, operator or flag, an errnoRet on an
  // action that takes none, or SCMP_ACT_NOTIFY without listenerPath. Unknown
  // syscall names are skipped, as runc and crun do, so that one profile
  // serves many kernels. Rules whose action is the default one are skipped.
  // Several args on one rule must all match, except when two of them test
  // the same argument: then each arg is a rule of its own (runc's rule).
  //
  // SCMP_ACT_NOTIFY is refused as the default action and for `write` and
  // `sendmsg`: the container init needs those to hand the listener fd to the
  // runtime after load(), and a notification nobody can receive yet would
  // hang it.
  static SeccompFilter compile(const oci::Seccomp& profile);

  SeccompFilter(SeccompFilter&&) noexcept;
  SeccompFilter& operator=(SeccompFilter&&) noexcept;
  ~SeccompFilter();

  // Loads the filter into the calling thread (all threads with
  // SECCOMP_FILTER_FLAG_TSYNC). The filter does not set no_new_privs: without
  // it the kernel wants CAP_SYS_ADMIN in the caller's user namespace.
  // Returns the notify listener fd when the profile uses SCMP_ACT_NOTIFY,
  // else an empty fd. Only the first filter with SCMP_ACT_NOTIFY loaded by a
  // process gets a listener (libseccomp keeps one per process).
  UniqueFd load();
  bool uses_notify() const;
  // listenerPath and listenerMetadata from the profile ("" when none).
  const std::string& listener_path() const;
  const std::string& listener_metadata() const;

 private:
  struct Impl;
  explicit SeccompFilter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Sends the listener fd to the seccomp agent at listener_path, as the
// runtime-spec's "container process state": a JSON object {ociVersion,
// fds: ["seccompFd"], pid, metadata, state} with the fd as SCM_RIGHTS in the
// first sendmsg. state_json is the container state (`nook-runtime state`);
// pid is the container process as the runtime sees it.
void send_seccomp_listener(const std::string& listener_path, int listener_fd, pid_t pid,
                           const std::string& metadata, const std::string& state_json);

// What nook understands, for features.json.
std::vector<std::string> seccomp_action_names();
std::vector<std::string> seccomp_operator_names();
std::vector<std::string> seccomp_architecture_names();
std::vector<std::string> seccomp_known_flags();
// The known flags this kernel and libseccomp can set.
std::vector<std::string> seccomp_supported_flags();

}  // namespace nook::runtime
