// Creating, configuring and removing a container's cgroup.
#include "runtime/cgroup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "runtime/cgroup_controllers.hpp"
#include "runtime/cgroup_files.hpp"
#include "runtime/cgroup_layout.hpp"
#include "runtime/cgroup_resources.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

// Directories this setup made, removed again (deepest first) unless the setup
// completes.
class CreatedDirs {
 public:
  CreatedDirs() = default;
  CreatedDirs(const CreatedDirs&) = delete;
  CreatedDirs& operator=(const CreatedDirs&) = delete;
  ~CreatedDirs() {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) ::rmdir(it->c_str());
  }
  void add(std::string dir) { dirs_.push_back(std::move(dir)); }
  bool contains(const std::string& dir) const {
    return std::find(dirs_.begin(), dirs_.end(), dir) != dirs_.end();
  }
  void release() { dirs_.clear(); }

 private:
  std::vector<std::string> dirs_;
};

// Errors of mkdir that mean "this user gets no cgroup here".
bool is_unavailable(int err) {
  return err == EACCES || err == EPERM || err == EROFS || err == ENOENT;
}

// mkdir -p below the mount point. Returns 0, or the errno that says the user
// cannot create the cgroup; other failures throw.
int create_dirs(const std::string& mount_point, const std::string& path, CreatedDirs& created) {
  for (size_t i = mount_point.size() + 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string dir = path.substr(0, i);
    if (::mkdir(dir.c_str(), 0755) == 0) {
      created.add(dir);
    } else if (errno != EEXIST) {
      if (is_unavailable(errno)) return errno;
      throw_errno("mkdir", dir);
    }
  }
  return 0;
}

std::string common_ancestor(const std::string& a, const std::string& b) {
  std::string x = a + "/", y = b + "/";
  size_t last_slash = 0;
  for (size_t n = 0; n < x.size() && n < y.size() && x[n] == y[n]; ++n) {
    if (x[n] == '/') last_slash = n;
  }
  return x.substr(0, last_slash);
}

std::vector<std::string> root_controllers(const CgroupHost& host) {
  if (host.mounts.cgroup2_mount_point.empty()) return {};
  auto text = read_cgroup_file(host.mounts.cgroup2_mount_point + "/cgroup.controllers");
  return text ? parse_controller_list(*text) : std::vector<std::string>{};
}

void remove_cgroup_tree(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> children;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code type_ec;
    if (e.is_directory(type_ec)) children.push_back(e.path().string());
  }
  if (ec && ec.value() == ENOENT) return;
  if (ec) throw Error("list", dir, ec.value());
  for (const auto& child : children) remove_cgroup_tree(child);
  // EBUSY while the last processes are still being torn down by the kernel.
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY || attempt == 100) throw_errno("rmdir", dir);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

std::optional<Cgroup> Cgroup::setup(const std::string& cgroups_path, const std::string& id,
                                    const std::optional<oci::Resources>& resources, bool systemd) {
  if (systemd)
    throw Error(
        "systemd cgroup manager is not available: no systemd user session / D-Bus; use the "
        "cgroupfs manager (drop --systemd-cgroup)");
  // Validate the whole request before touching the system.
  std::vector<CgroupWrite> writes;
  if (resources) writes = resource_writes(*resources);
  // Only a real limit makes a missing cgroup an error. Writes that merely
  // spell "unlimited" ("max") change nothing in a fresh cgroup, so without a
  // real limit nothing is written and no controller is needed.
  const bool limits = resources && resources->asks_for_limits();

  CgroupHost host = CgroupHost::detect();
  auto unavailable = [&](const std::string& path, int err) -> std::optional<Cgroup> {
    if (!limits) return std::nullopt;
    throw Error(limits_unavailable_message(host, path, err, root_controllers(host)));
  };
  if (host.mounts.cgroup2_mount_point.empty()) return unavailable("", 0);
  bool relative = cgroups_path.empty() || cgroups_path[0] != '/';
  if (relative && host.relative_base().empty()) return unavailable("", 0);
  std::string path = resolve_cgroup_path(host, cgroups_path, id);

  CreatedDirs created;
  if (int err = create_dirs(host.mounts.cgroup2_mount_point, path, created))
    return unavailable(path, err);
  Cgroup cgroup(path);
  if (!created.contains(path) && !cgroup.is_empty())
    throw Error("create cgroup", path, EEXIST, "it exists and has processes in it");
  // Moving a process needs write access to cgroup.procs of the common
  // ancestor of where it is and where it goes; find out now, not at
  // add_process, where the container would already be half made.
  std::string own = host.own_fs_path();
  if (!own.empty()) {
    std::string procs = common_ancestor(own, path) + "/cgroup.procs";
    if (::access(procs.c_str(), W_OK) < 0) return unavailable(path, errno);
  }
  if (limits) {
    enable_controllers(host, path, controllers_needed(writes));
    for (const auto& w : writes) write_cgroup_file(path, w.file, w.value);
  }
  created.release();
  return cgroup;
}

Cgroup Cgroup::open(const std::string& fs_path) {
  if (fs_path.empty() || fs_path[0] != '/' || fs_path.find("/../") != std::string::npos ||
      fs_path.ends_with("/.."))
    throw Error("open cgroup", fs_path, 0, "not an absolute cgroup path");
  return Cgroup(fs_path);
}

void Cgroup::apply(const oci::Resources& resources) const {
  auto writes = resource_writes(resources);
  if (writes.empty()) return;
  enable_controllers(CgroupHost::detect(), path_, controllers_needed(writes));
  for (const auto& w : writes) write_cgroup_file(path_, w.file, w.value);
}

void Cgroup::destroy() const {
  remove_cgroup_tree(path_);
}

}  // namespace nook::runtime
