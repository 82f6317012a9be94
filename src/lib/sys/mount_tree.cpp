#include "sys/mount_tree.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include "sys/error.hpp"

namespace nook {

UniqueFd clone_mount_tree(int dfd, const std::string& path, bool recursive,
                          const std::string& what) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (path.empty()) flags |= AT_EMPTY_PATH;
  int fd = ::open_tree(dfd, path.c_str(), flags);
  if (fd < 0) throw_errno("bind mount: clone mount tree", what);
  return UniqueFd(fd);
}

void set_mount_attrs(int fd, uint64_t set, uint64_t clear, bool recursive,
                     const std::string& what) {
  if (set == 0 && clear == 0) return;
  struct mount_attr attr = {};
  attr.attr_set = set;
  attr.attr_clr = clear;
  // Atime modes are one field: changing it means clearing the whole field.
  if ((set | clear) & MOUNT_ATTR__ATIME) attr.attr_clr |= MOUNT_ATTR__ATIME;
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (::mount_setattr(fd, "", flags, &attr, sizeof attr) < 0)
    throw_errno("set mount attributes", what);
}

void attach_mount_tree(int tree_fd, int target_fd, const std::string& what) {
  if (::move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
      0)
    throw_errno("attach mount", what);
}

uint64_t mount_attrs_from_flags(unsigned long f) {
  uint64_t a = 0;
  if (f & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (f & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (f & MS_NODEV) a |= MOUNT_ATTR_NODEV;
  if (f & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  if (f & MS_NOATIME) a |= MOUNT_ATTR_NOATIME;
  if (f & MS_STRICTATIME) a |= MOUNT_ATTR_STRICTATIME;
  if (f & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
  if (f & MS_NOSYMFOLLOW) a |= MOUNT_ATTR_NOSYMFOLLOW;
  return a;
}

}  // namespace nook
