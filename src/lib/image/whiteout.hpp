#pragma once
// Layer whiteouts (".wh.NAME": NAME is deleted; ".wh..wh..opq": the
// directory hides everything below it in lower layers), converted for the
// driver that will use the layer: overlayfs wants a 0:0 character device and
// an "opaque" xattr, a vfs tree (layers applied on top of each other in one
// directory) wants the deletions done.
#include <functional>
#include <string>
#include <string_view>

namespace nook::image {

enum class WhiteoutKind {
  none,    // an ordinary name
  remove,  // ".wh.NAME"
  opaque,  // ".wh..wh..opq"
  aufs,    // other ".wh..wh." names: AUFS bookkeeping, meaningless here
};

WhiteoutKind whiteout_kind(std::string_view name);
// NAME of ".wh.NAME".
inline std::string_view whiteout_target(std::string_view name) {
  return name.substr(4);
}

// Removes `name` below the directory fd, recursing into directories (also
// ones a layer left without permissions for their owner) and never following
// a symlink. A missing name is fine. `shown` names it in errors. Also what a
// caller uses to delete a layer directory after unpack_layer failed.
void remove_at(int dirfd, const std::string& name, const std::string& shown);

// Empties the open directory dir_fd (shown as `shown`) with remove_at.
void remove_dir_contents(int dir_fd, const std::string& shown);

// overlay: the whiteout is a 0:0 character device named NAME. Unprivileged
// users may make one since Linux 5.8; an older kernel gets a clear error.
void make_overlay_whiteout(int dirfd, const std::string& name, const std::string& shown);

// overlay: marks an open directory opaque, for a userxattr mount
// (user.overlay.opaque) and, where permitted, a privileged one (trusted.*).
void mark_overlay_opaque(int dir_fd, const std::string& shown);

// vfs: removes every child of the open directory `dir_fd` (at layer path
// `rel`, "" for the root) that the current layer did not create, descending
// into the ones it did. `in_layer` answers for a layer path.
void clear_opaque_dir(int dir_fd, const std::string& rel,
                      const std::function<bool(const std::string&)>& in_layer);

}  // namespace nook::image
