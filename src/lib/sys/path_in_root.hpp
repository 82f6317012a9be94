#pragma once
// Path resolution confined to a directory (openat2 RESOLVE_IN_ROOT): "..",
// absolute symlinks and symlinks pointing out all stay below the root, so a
// hostile rootfs cannot redirect a mount or a write onto the host.
#include <string>

#include "sys/fd.hpp"

namespace nook {

// openat2(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
// Returns an empty fd with errno set on failure (callers decide what ENOENT means).
UniqueFd open_in_root_nothrow(int root_fd, const std::string& path, int flags, int mode = 0);
// Same, throwing Error(op "open", path shown as given) on failure.
UniqueFd open_in_root(int root_fd, const std::string& path, int flags, int mode = 0);

// Creates every missing directory of `path` below the root and returns an
// O_PATH fd of the last one. Components that exist must be directories.
UniqueFd make_dirs_in_root(int root_fd, const std::string& path, int mode = 0755);

// Returns an O_PATH fd of `path`, creating an empty regular file (and its
// parent directories) when it does not exist. Never follows a dangling
// symlink out of the root to create a file.
UniqueFd make_file_in_root(int root_fd, const std::string& path, int mode = 0644);

// "/proc/self/fd/<fd>": lets path-based syscalls (mount, umount) act on the
// exact object an fd resolved to.
std::string fd_path(int fd);

}  // namespace nook
