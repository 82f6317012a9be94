#include "runtime/devices.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/mount_tree.hpp"
#include "sys/path_in_root.hpp"

namespace nook::runtime {
namespace {

void bind_device(int root_fd, const oci::Device& d) {
  struct stat st;
  if (::stat(d.path.c_str(), &st) < 0)
    throw Error("device `" + d.path +
                    "`: not present on the host; rootless containers can only bind-mount host "
                    "devices (mknod is not allowed in a user namespace)",
                errno);
  bool want_block = d.type == "b";
  bool is_char = S_ISCHR(st.st_mode), is_block = S_ISBLK(st.st_mode);
  if (d.type != "p" &&
      (!(is_char || is_block) || want_block != is_block ||
       (d.major != 0 || d.minor != 0 ? (static_cast<int64_t>(major(st.st_rdev)) != d.major ||
                                        static_cast<int64_t>(minor(st.st_rdev)) != d.minor)
                                     : false)))
    throw Error("device `" + d.path + "` (" + d.type + " " + std::to_string(d.major) + ":" +
                std::to_string(d.minor) +
                "): the host node at that path is a different device; rootless containers can "
                "only bind-mount host devices");
  UniqueFd target = make_file_in_root(root_fd, d.path, 0666);
  UniqueFd tree = clone_mount_tree(AT_FDCWD, d.path, false, d.path);
  attach_mount_tree(tree.get(), target.get(), d.path);
}

}  // namespace

void bind_devices(int root_fd, const std::vector<oci::Device>& extra) {
  static const char* defaults[] = {"/dev/null",   "/dev/zero",    "/dev/full",
                                   "/dev/random", "/dev/urandom", "/dev/tty"};
  for (const char* path : defaults) {
    bool overridden = false;
    for (const auto& d : extra) overridden = overridden || d.path == path;
    if (overridden) continue;
    oci::Device d;
    d.type = "c";
    d.path = path;
    bind_device(root_fd, d);
  }
  for (const auto& d : extra) bind_device(root_fd, d);
}

void make_dev_symlinks(int root_fd) {
  UniqueFd dev = make_dirs_in_root(root_fd, "/dev");
  UniqueFd devdir = open_in_root(root_fd, "/dev", O_DIRECTORY | O_RDONLY);
  struct Link {
    const char* target;
    const char* name;
  };
  static const Link links[] = {{"/proc/self/fd", "fd"},
                               {"/proc/self/fd/0", "stdin"},
                               {"/proc/self/fd/1", "stdout"},
                               {"/proc/self/fd/2", "stderr"},
                               {"pts/ptmx", "ptmx"}};
  for (const auto& l : links)
    if (::symlinkat(l.target, devdir.get(), l.name) < 0 && errno != EEXIST)
      throw_errno("symlink", std::string("/dev/") + l.name);
  if (path_exists("/proc/kcore") && ::symlinkat("/proc/kcore", devdir.get(), "core") < 0 &&
      errno != EEXIST)
    throw_errno("symlink", "/dev/core");
}

}  // namespace nook::runtime
