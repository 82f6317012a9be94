#pragma once
// OCI seccomp profile → libseccomp filter.
#include <memory>

#include "oci/spec.hpp"
#include "sys/fd.hpp"

namespace nook::runtime {

// A filter compiled in the parent (so that every error is reported before the
// container exists) and loaded in the child just before execve.
class SeccompFilter {
 public:
  // Throws Error with the JSON path (linux.seccomp.syscalls[i].action...) for
  // an unknown action, architecture, operator or flag. Unknown syscall names
  // are skipped, as runc and crun do, so that one profile serves many kernels.
  static SeccompFilter compile(const oci::Seccomp& profile);

  SeccompFilter(SeccompFilter&&) noexcept;
  SeccompFilter& operator=(SeccompFilter&&) noexcept;
  ~SeccompFilter();

  // Loads the filter into the calling thread. Returns the notify listener fd
  // when the profile uses SCMP_ACT_NOTIFY, else an empty fd.
  UniqueFd load();
  bool uses_notify() const;
  // listenerPath from the profile ("" when none).
  const std::string& listener_path() const;

 private:
  struct Impl;
  explicit SeccompFilter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Sends the listener fd with the container state JSON (runtime-spec "seccomp
// notify" protocol: SCM_RIGHTS over a unix socket at listenerPath).
void send_seccomp_listener(const std::string& listener_path, int listener_fd,
                           const std::string& state_json);

}  // namespace nook::runtime
