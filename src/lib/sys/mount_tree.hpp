#pragma once
// The new mount API (open_tree / mount_setattr / move_mount): binds are
// cloned detached, given their attributes, then attached. Unlike a remount,
// mount_setattr only changes what is asked, so flags the kernel locked on a
// mount inherited from the host (nosuid, nodev, ro...) need no special care.
#include <cstdint>
#include <string>

#include "sys/fd.hpp"

namespace nook {

// A detached copy of the mount at `path` (or at dfd when path is empty).
UniqueFd clone_mount_tree(int dfd, const std::string& path, bool recursive,
                          const std::string& what);
// Sets/clears MOUNT_ATTR_* on the tree at fd.
void set_mount_attrs(int fd, uint64_t set, uint64_t clear, bool recursive, const std::string& what);
// Attaches the detached tree onto the object target_fd refers to.
void attach_mount_tree(int tree_fd, int target_fd, const std::string& what);

// MS_* flags (as mount options give them) → MOUNT_ATTR_* bits.
uint64_t mount_attrs_from_flags(unsigned long ms_flags);

}  // namespace nook
