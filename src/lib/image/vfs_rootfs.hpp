#pragma once
// The vfs way to a container's root filesystem, for where neither native
// overlayfs nor fuse-overlayfs can mount the layers: the stored layer trees
// (overlay format, see whiteout.hpp) are copied bottom to top into one
// directory with overlay's semantics: a 0:0 character device deletes what
// lower layers had at its path, a directory marked user.overlay.opaque hides
// everything below it, a non-directory replaces whatever was there, and two
// directories merge. Owners, modes (setuid included), user.* xattrs (not
// overlay.*) and file capabilities, times and hard links within a layer are
// kept (other xattrs, such as security.selinux, belong to the host's
// policy); file data is cloned where the filesystem can (FICLONE), copied
// otherwise.
//
// Files of other ids keep their owners only inside the storage user
// namespace: call it there, as unpack does.
#include <cstdint>
#include <string>
#include <vector>

namespace nook::image {

struct VfsCopyResult {
  uint64_t entries = 0;         // files, directories, links... written
  uint64_t bytes = 0;           // regular file data
  uint64_t whiteouts = 0;       // paths deleted by a whiteout
  uint64_t cloned = 0;          // regular files shared with the layer (reflink)
  uint64_t skipped_xattrs = 0;  // refused by the destination filesystem
};

// layers: the stored layer directories, lowest first. dest: an existing
// empty directory. Throws Error naming the layer path that failed; dest is
// then partly written and is the caller's to remove.
VfsCopyResult copy_layers_to_rootfs(const std::vector<std::string>& layers,
                                    const std::string& dest);

}  // namespace nook::image
