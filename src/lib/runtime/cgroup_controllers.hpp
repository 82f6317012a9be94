#pragma once
// Handing controllers down to a container's cgroup. In cgroup v2 a cgroup's
// files for a controller exist only when every ancestor lists it in
// cgroup.subtree_control; nook writes "+name" where it is missing and the user
// may write (a delegated subtree).
#include <string>
#include <vector>

#include "runtime/cgroup_layout.hpp"

namespace nook::runtime {

// Enables controllers for cgroup_dir (a path below host's cgroup2 mount) in
// each of its ancestors, top-down. Throws Error naming the controller and the
// cgroup when an ancestor does not offer it or the user may not enable it.
// A cgroup that holds processes cannot hand controllers down; when that is
// the caller's own cgroup, its processes move to a "nook.leaf" child first.
void enable_controllers(const CgroupHost& host, const std::string& cgroup_dir,
                        const std::vector<std::string>& controllers);

// Moves every process of dir into dir/nook.leaf (created if needed).
void move_processes_to_leaf(const std::string& dir);

}  // namespace nook::runtime
