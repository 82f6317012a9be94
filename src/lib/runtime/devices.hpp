#pragma once
// /dev inside a user namespace: mknod is impossible there, so every device
// is a bind mount of the host's node; plus the standard symlinks.
#include <vector>

#include "oci/spec.hpp"

namespace nook::runtime {

// null zero full random urandom tty, then linux.devices; root_fd is the
// rootfs (before pivot_root).
void bind_devices(int root_fd, const std::vector<oci::Device>& extra);
// /dev/fd, /dev/std{in,out,err}, /dev/ptmx → pts/ptmx, /dev/core.
void make_dev_symlinks(int root_fd);

}  // namespace nook::runtime
