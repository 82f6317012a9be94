#include "image/whiteout.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <vector>

#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "sys/path_in_root.hpp"

namespace nook::image {
namespace {

// Names of a directory's children, read before any of them is removed.
std::string child_path(const std::string& rel, const std::string& name) {
  return rel.empty() ? name : rel + "/" + name;
}

}  // namespace

void remove_dir_contents(int dir_fd, const std::string& shown) {
  for (const auto& n : list_dir_at(dir_fd, shown)) remove_at(dir_fd, n, shown + "/" + n);
}

WhiteoutKind whiteout_kind(std::string_view name) {
  if (name.substr(0, 4) != ".wh.") return WhiteoutKind::none;
  if (name == ".wh..wh..opq") return WhiteoutKind::opaque;
  if (name.substr(0, 8) == ".wh..wh.") return WhiteoutKind::aufs;
  return WhiteoutKind::remove;
}

void remove_at(int dirfd, const std::string& name, const std::string& shown) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return;
    throw_errno("stat", shown);
  }
  if (S_ISDIR(st.st_mode)) {
    // A directory without rwx for its owner (a layer may make one) must be
    // opened up before its children can go; chmod through an O_PATH fd of
    // the very directory, since fchmodat would follow a swapped-in symlink.
    UniqueFd node(::openat(dirfd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!node) throw_errno("open directory", shown);
    if ((st.st_mode & 0700) != 0700 &&
        ::fchmodat(AT_FDCWD, fd_path(node.get()).c_str(), (st.st_mode & 07777) | 0700, 0) < 0)
      throw_errno("chmod", shown);
    UniqueFd sub(::openat(node.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!sub) throw_errno("open directory", shown);
    remove_dir_contents(sub.get(), shown);
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
      throw_errno("remove directory", shown);
    return;
  }
  if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) throw_errno("remove", shown);
}

void make_overlay_whiteout(int dirfd, const std::string& name, const std::string& shown) {
  if (::mknodat(dirfd, name.c_str(), S_IFCHR | 0, makedev(0, 0)) == 0) return;
  if (errno == EEXIST) {
    remove_at(dirfd, name, shown);
    if (::mknodat(dirfd, name.c_str(), S_IFCHR | 0, makedev(0, 0)) == 0) return;
  }
  int e = errno;
  if (e == EPERM)
    throw Error("create overlay whiteout", shown, e,
                "the kernel refused a 0:0 character device (unprivileged whiteouts need "
                "Linux >= 5.8); use the vfs or fuse-overlayfs storage driver");
  throw_errno("create overlay whiteout", shown, e);
}

void mark_overlay_opaque(int dir_fd, const std::string& shown) {
  if (::fsetxattr(dir_fd, "user.overlay.opaque", "y", 1, 0) < 0)
    throw Error("mark directory opaque", shown, errno,
                "cannot set user.overlay.opaque (the layer store's filesystem needs user "
                "xattrs for native overlay)");
  // Only a privileged overlay mount reads trusted.*; where we may not set it
  // (a user namespace), the user.* marker is the one that counts.
  if (::fsetxattr(dir_fd, "trusted.overlay.opaque", "y", 1, 0) < 0 && errno != EPERM &&
      errno != ENOTSUP && errno != EACCES)
    throw_errno("mark directory opaque (trusted.overlay.opaque)", shown);
}

void clear_opaque_dir(int dir_fd, const std::string& rel,
                      const std::function<bool(const std::string&)>& in_layer) {
  std::string shown = "/" + rel;
  for (const auto& n : list_dir_at(dir_fd, shown)) {
    std::string path = child_path(rel, n);
    if (!in_layer(path)) {
      remove_at(dir_fd, n, "/" + path);
      continue;
    }
    struct stat st;
    if (::fstatat(dir_fd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      UniqueFd sub(::openat(dir_fd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) throw_errno("open directory", "/" + path);
      clear_opaque_dir(sub.get(), path, in_layer);
    }
  }
}

}  // namespace nook::image
