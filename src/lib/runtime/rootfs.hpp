#pragma once
// The container's filesystem view, built inside its own mount namespace:
// mounts from config.json, /dev, pivot_root, then masked and read-only paths.
#include <string>

#include "oci/spec.hpp"
#include "runtime/namespaces.hpp"

namespace nook::runtime {

struct RootfsContext {
  const oci::Spec* spec = nullptr;
  const NamespacePlan* namespaces = nullptr;
  std::string bundle;  // relative bind sources are resolved against it
};

// Before pivot_root: propagation, rootfs bind, every mount, devices, links.
void mount_rootfs(const RootfsContext& ctx);
// pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot) and drop
// the old root.
void enter_rootfs(const std::string& rootfs, bool no_pivot);
// After pivot_root: masked paths, read-only paths, read-only root,
// rootfsPropagation.
void finish_rootfs(const oci::Spec& spec);
// linux.sysctl → /proc/sys (only namespaced keys can work).
void apply_sysctls(const oci::Spec& spec);

}  // namespace nook::runtime
