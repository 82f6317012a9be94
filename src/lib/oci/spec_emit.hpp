#pragma once
#include <string>

#include "oci/spec.hpp"

namespace nook::oci {

// The ociVersion default_spec writes: what Debian 12's `runc spec` writes.
inline constexpr const char* kDefaultOciVersion = "1.0.2-dev";

// The default spec `runc spec` writes (busybox-friendly `sh`, terminal on,
// hostname "nook"), with the rootless changes `runc spec --rootless` makes
// when rootless: a user namespace mapping the caller's uid/gid to 0, no
// network namespace, /sys bind-mounted, no cgroup resources, uid=/gid=
// options (gid=5 on devpts) dropped. Like runc, it adds a cgroup namespace
// when /sys/fs/cgroup is cgroup2; the second overload lets the caller decide.
Spec default_spec(bool rootless, uid_t host_uid, gid_t host_gid);
Spec default_spec(bool rootless, uid_t host_uid, gid_t host_gid, bool cgroup_ns);

// Spec → pretty JSON (2-space indent, trailing newline), field names and
// order as the runtime-spec's Go types; empty/unset fields are left out (Go's
// omitempty). "process" is written only when spec.has_process. Throws Error
// if a string is not valid UTF-8 (JSON cannot carry it).
std::string emit_spec(const Spec& spec);

}  // namespace nook::oci
