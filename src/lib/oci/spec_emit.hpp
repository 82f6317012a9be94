#pragma once
#include <string>

#include "oci/spec.hpp"

namespace nook::oci {

// The default spec `runc spec` writes (busybox-friendly `sh`, terminal on),
// with the rootless changes `runc spec --rootless` makes when rootless: a
// user namespace mapping the caller's uid/gid to 0, no network namespace,
// /sys bind-mounted, no cgroup resources, gid=5 dropped from devpts.
Spec default_spec(bool rootless, uid_t host_uid, gid_t host_gid);

// Spec → pretty JSON (2-space indent), field names as the runtime-spec.
std::string emit_spec(const Spec& spec);

}  // namespace nook::oci
