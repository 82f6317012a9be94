#pragma once
// Where the cgroup2 hierarchy is and where this process sits in it. The
// parsers take the text of /proc/self/mountinfo and /proc/self/cgroup so that
// every host layout can be tested without that host.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cgroup.hpp"

namespace nook::runtime {

struct CgroupMounts {
  std::string cgroup2_mount_point;  // "" when no cgroup2 is mounted
  // The mount's root inside the hierarchy (mountinfo field 4): "/" unless a
  // subtree was bind-mounted, as inside some containers.
  std::string cgroup2_root = "/";
  bool has_v1 = false;  // any "cgroup" (v1) hierarchy is mounted
  CgroupLayout layout() const;
};

// Reads mountinfo text. Lines that do not parse are skipped: the kernel writes
// this file, and one odd line (a future field) must not hide the others. When
// cgroup2 is mounted more than once, /sys/fs/cgroup wins, then
// /sys/fs/cgroup/unified, then the first one listed.
CgroupMounts parse_cgroup_mounts(std::string_view mountinfo);

// The path of the "0::" line of /proc/<pid>/cgroup ("/user.slice/..."), or
// nullopt when there is none (a pure cgroup v1 host). Throws Error when that
// line is there but its path is not absolute.
std::optional<std::string> parse_own_cgroup2(std::string_view proc_cgroup);

// Where nook moves the processes of a cgroup whose controllers it must enable
// (cgroup v2 lets no cgroup both hold processes and hand controllers down).
// It cannot collide with the default "nook-<id>" names.
inline constexpr std::string_view kCgroupLeafName = "nook.leaf";

// The host as one value, so that path resolution is a pure function.
struct CgroupHost {
  CgroupMounts mounts;
  // This process's cgroup2 path as /proc/self/cgroup shows it; nullopt on v1.
  std::optional<std::string> own;

  static CgroupHost detect();  // reads /proc/self/{mountinfo,cgroup}
  // Filesystem path of the caller's own cgroup, "" when it is not visible
  // below the cgroup2 mount (or there is no cgroup2).
  std::string own_fs_path() const;
  // Where relative cgroupsPaths start: own_fs_path() without a trailing
  // nook.leaf. That leaf is where an earlier nook moved the caller, and
  // containers belong beside it, not below it.
  std::string relative_base() const;
};

// The Error message for "limits were asked but no cgroup can be had", saying
// why (from the layout and the errno of the failed mkdir, "" / 0 when nothing
// was tried) and what would fix it. root_controllers: the cgroup2 root's
// cgroup.controllers.
std::string limits_unavailable_message(const CgroupHost& host, const std::string& path, int err,
                                       const std::vector<std::string>& root_controllers);

// Resolves runtime-spec cgroupsPath to a filesystem path: absolute → below
// the cgroup2 mount, relative → below own_fs_path(), empty → own/"nook-<id>".
// Throws Error for "." or ".." components, for a relative path when this
// process has no cgroup2 cgroup, and when cgroup2 is not mounted.
std::string resolve_cgroup_path(const CgroupHost& host, const std::string& cgroups_path,
                                const std::string& id);

}  // namespace nook::runtime
