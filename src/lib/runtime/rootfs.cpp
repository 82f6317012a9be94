#include "runtime/rootfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/devices.hpp"
#include "runtime/mount_options.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/mount_tree.hpp"
#include "sys/path_in_root.hpp"

namespace nook::runtime {
namespace {

std::string absolute_source(const std::string& source, const std::string& bundle) {
  if (source.empty() || source[0] == '/') return source;
  return bundle + "/" + source;
}

bool is_dir_path(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Binds a host path onto the target inside the rootfs.
void bind_host_path(int root_fd, const std::string& source, const std::string& dest,
                    const MountOptions& o) {
  struct stat st;
  if (::stat(source.c_str(), &st) < 0) throw_errno("bind mount source", source);
  UniqueFd target =
      S_ISDIR(st.st_mode) ? make_dirs_in_root(root_fd, dest) : make_file_in_root(root_fd, dest);
  std::string what = source + "` on `" + dest;
  UniqueFd tree = clone_mount_tree(AT_FDCWD, source, o.recursive, what);
  set_mount_attrs(tree.get(), mount_attrs_from_flags(o.recursive_flags),
                  mount_attrs_from_flags(o.recursive_clear), o.recursive, what);
  set_mount_attrs(tree.get(), mount_attrs_from_flags(o.flags), mount_attrs_from_flags(o.clear),
                  false, what);
  attach_mount_tree(tree.get(), target.get(), what);
}

bool is_cgroup2(const char* path) {
  struct statfs sf;
  return ::statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

// Rootless fallbacks: where a fresh filesystem cannot be mounted from inside
// a user namespace (it does not own the network or IPC namespace, or it is
// a cgroup v1 hierarchy), the host's is bind-mounted instead, as runc and
// crun do.
bool bind_fallback(int root_fd, const oci::Mount& m, const MountOptions& o, int err) {
  if (err != EPERM && err != EACCES && err != EINVAL && err != EBUSY) return false;
  std::string host;
  if (m.type == "sysfs")
    host = "/sys";
  else if (m.type == "mqueue")
    host = "/dev/mqueue";
  else if (m.type == "cgroup" || m.type == "cgroup2")
    host = "/sys/fs/cgroup";
  else
    return false;
  if (!is_dir_path(host)) return false;
  MountOptions b = o;
  b.recursive = true;
  b.recursive_flags |= MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (m.type != "mqueue") b.recursive_flags |= MS_RDONLY;
  bind_host_path(root_fd, host, m.destination, b);
  return true;
}

void mount_one(int root_fd, const oci::Mount& m, const std::string& bundle) {
  MountOptions o = parse_mount_options(m.options);
  if (o.bind || m.type == "bind") {
    if (!o.bind) o.recursive = false;
    bind_host_path(root_fd, absolute_source(m.source, bundle), m.destination, o);
  } else {
    std::string type = m.type;
    if (type == "cgroup" && is_cgroup2("/sys/fs/cgroup")) type = "cgroup2";
    UniqueFd target = make_dirs_in_root(root_fd, m.destination);
    std::string source = m.source.empty() ? type : m.source;
    auto do_mount = [&](const std::string& data) {
      return ::mount(source.c_str(), fd_path(target.get()).c_str(), type.c_str(),
                     o.flags & ~MS_REMOUNT, data.empty() ? nullptr : data.c_str());
    };
    int r = do_mount(o.data);
    if (r < 0 && errno == EINVAL && type == "devpts" && o.data.find("gid=") != std::string::npos) {
      // gid=5 (tty) is not mapped in most rootless user namespaces.
      std::string data;
      size_t i = 0;
      while (i <= o.data.size()) {
        size_t j = o.data.find(',', i);
        if (j == std::string::npos) j = o.data.size();
        std::string opt = o.data.substr(i, j - i);
        if (opt.rfind("gid=", 0) != 0 && !opt.empty()) data += (data.empty() ? "" : ",") + opt;
        i = j + 1;
      }
      r = do_mount(data);
    }
    if (r < 0) {
      int err = errno;
      if (!bind_fallback(root_fd, m, o, err)) throw Error("mount " + type, m.destination, err);
      return;
    }
  }
  if (o.propagation) {
    UniqueFd fresh = open_in_root(root_fd, m.destination, O_PATH);
    if (::mount(nullptr, fd_path(fresh.get()).c_str(), nullptr, o.propagation, nullptr) < 0)
      throw_errno("set mount propagation", m.destination);
  }
}

bool mounts_dev_from_host(const oci::Spec& spec) {
  for (const auto& m : spec.mounts) {
    if (m.destination != "/dev") continue;
    MountOptions o = parse_mount_options(m.options);
    return o.bind || m.type == "bind";
  }
  return false;
}

}  // namespace

void mount_rootfs(const RootfsContext& ctx) {
  const oci::Spec& spec = *ctx.spec;
  const std::string& rootfs = spec.root.path;
  unsigned long root_prop = MS_REC | MS_PRIVATE;
  if (!spec.linux.rootfs_propagation.empty()) {
    unsigned long p = parse_propagation(spec.linux.rootfs_propagation);
    // Shared or slave propagation to the container needs the host side to
    // stay connected; private cuts it.
    if (p & (MS_SHARED | MS_SLAVE)) root_prop = MS_REC | MS_SLAVE;
  }
  if (::mount(nullptr, "/", nullptr, root_prop, nullptr) < 0)
    throw_errno("make mount propagation private", "/");
  // pivot_root needs the new root to be a mount point.
  if (::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
    throw_errno("bind mount rootfs", rootfs);
  UniqueFd root_fd = open_fd(rootfs, O_PATH | O_DIRECTORY);
  for (const auto& m : spec.mounts) mount_one(root_fd.get(), m, ctx.bundle);
  if (!mounts_dev_from_host(spec)) {
    bind_devices(root_fd.get(), spec.linux.devices);
    make_dev_symlinks(root_fd.get());
  }
}

void enter_rootfs(const std::string& rootfs, bool no_pivot) {
  UniqueFd new_root = open_fd(rootfs, O_DIRECTORY | O_RDONLY);
  if (::fchdir(new_root.get()) < 0) throw_errno("chdir", rootfs);
  if (no_pivot) {
    if (::mount(rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0)
      throw_errno("move rootfs to /", rootfs);
    if (::chroot(".") < 0) throw_errno("chroot", rootfs);
  } else {
    // pivot_root(".", ".") stacks the old root on top of the new one; it is
    // then detached without ever needing a directory for it in the rootfs.
    if (::syscall(SYS_pivot_root, ".", ".") < 0) throw_errno("pivot_root", rootfs);
    if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
      throw_errno("make old root a slave", "/");
    if (::umount2(".", MNT_DETACH) < 0) throw_errno("unmount old root", "/");
  }
  if (::chdir("/") < 0) throw_errno("chdir", "/");
}

void finish_rootfs(const oci::Spec& spec) {
  UniqueFd root = open_fd("/", O_PATH | O_DIRECTORY);
  for (const auto& path : spec.linux.masked_paths) {
    UniqueFd target = open_in_root_nothrow(root.get(), path, O_PATH | O_NOFOLLOW);
    if (!target) {
      if (errno == ENOENT) continue;
      throw_errno("mask path", path);
    }
    struct stat st;
    if (::fstat(target.get(), &st) < 0) throw_errno("stat", path);
    if (S_ISDIR(st.st_mode)) {
      if (::mount("tmpfs", fd_path(target.get()).c_str(), "tmpfs", MS_RDONLY, "size=0k") < 0)
        throw_errno("mask directory", path);
    } else {
      UniqueFd null_tree = clone_mount_tree(AT_FDCWD, "/dev/null", false, "/dev/null");
      attach_mount_tree(null_tree.get(), target.get(), "/dev/null` on `" + path);
    }
  }
  for (const auto& path : spec.linux.readonly_paths) {
    UniqueFd target = open_in_root_nothrow(root.get(), path, O_PATH | O_NOFOLLOW);
    if (!target) {
      if (errno == ENOENT) continue;
      throw_errno("make path read-only", path);
    }
    UniqueFd tree = clone_mount_tree(target.get(), "", true, path);
    set_mount_attrs(tree.get(),
                    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0,
                    true, path);
    attach_mount_tree(tree.get(), target.get(), path);
  }
  if (spec.root.readonly) {
    struct mount_attr attr = {};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof attr) < 0)
      throw_errno("make rootfs read-only", "/");
  }
  if (!spec.linux.rootfs_propagation.empty()) {
    unsigned long p = parse_propagation(spec.linux.rootfs_propagation);
    if (::mount(nullptr, "/", nullptr, p, nullptr) < 0)
      throw_errno("set rootfs propagation " + spec.linux.rootfs_propagation, "/");
  }
}

void apply_sysctls(const oci::Spec& spec) {
  for (const auto& [key, value] : spec.linux.sysctl) {
    std::string path = "/proc/sys/" + key;
    for (size_t i = 10; i < path.size(); ++i)
      if (path[i] == '.') path[i] = '/';
    if (key.find("..") != std::string::npos || key.find('/') != std::string::npos)
      throw Error("invalid config.json: linux.sysctl: invalid key \"" + key + "\"");
    try {
      write_file(path, value, O_TRUNC);
    } catch (const Error& e) {
      throw Error("sysctl " + key + "=" + value +
                      (e.errnum() == EACCES || e.errnum() == EPERM || e.errnum() == EROFS
                           ? ": not namespaced or not writable in a rootless container"
                           : ""),
                  e.errnum());
    }
  }
}

}  // namespace nook::runtime
