#include "runtime/cgroup_controllers.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "runtime/cgroup_files.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

constexpr const char* kHint =
    "rootless resource limits need cgroup v2 with systemd delegation (see docs/CGROUPS.md)";

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The cgroups from the mount point down to dir's parent.
std::vector<std::string> ancestors(const std::string& mount_point, const std::string& dir) {
  if (dir.size() <= mount_point.size() + 1 || !dir.starts_with(mount_point + "/"))
    throw Error("enable controllers", dir, 0, "not below the cgroup2 mount " + mount_point);
  std::vector<std::string> out{mount_point};
  for (size_t i = mount_point.size() + 1; i < dir.size(); ++i) {
    if (dir[i] == '/') out.push_back(dir.substr(0, i));
  }
  return out;
}

// Returns 0 or the errno of writing "+a +b" to dir's cgroup.subtree_control.
int try_enable(const std::string& dir, const std::vector<std::string>& controllers) {
  std::string value = "+" + join(controllers, " +");
  try {
    write_cgroup_file(dir, "cgroup.subtree_control", value);
    return 0;
  } catch (const Error& e) {
    if (e.errnum() == 0) throw;
    return e.errnum();
  }
}

}  // namespace

void move_processes_to_leaf(const std::string& dir) {
  std::string leaf = dir + "/" + std::string(kCgroupLeafName);
  if (::mkdir(leaf.c_str(), 0755) < 0 && errno != EEXIST) throw_errno("mkdir", leaf);
  // Processes may fork while we move them; a few rounds catch the children.
  for (int round = 0; round < 10; ++round) {
    auto pids = parse_pid_list(read_file(dir + "/cgroup.procs"), dir + "/cgroup.procs");
    if (pids.empty()) return;
    for (pid_t pid : pids) {
      try {
        write_cgroup_file(leaf, "cgroup.procs", std::to_string(pid));
      } catch (const Error& e) {
        if (e.errnum() != ESRCH) throw;  // gone meanwhile
      }
    }
  }
  throw Error("move processes", dir, EBUSY, "processes keep appearing in it");
}

void enable_controllers(const CgroupHost& host, const std::string& cgroup_dir,
                        const std::vector<std::string>& controllers) {
  if (controllers.empty()) return;
  const std::string own = host.own_fs_path();
  for (const auto& dir : ancestors(host.mounts.cgroup2_mount_point, cgroup_dir)) {
    auto enabled = parse_controller_list(read_file(dir + "/cgroup.subtree_control"));
    std::vector<std::string> missing;
    for (const auto& c : controllers) {
      if (!contains(enabled, c)) missing.push_back(c);
    }
    if (missing.empty()) continue;
    auto offered = parse_controller_list(read_file(dir + "/cgroup.controllers"));
    for (const auto& c : missing) {
      if (!contains(offered, c))
        throw Error("cannot apply resource limits: " + c + " controller not available in " + dir +
                    " (it offers: " + (offered.empty() ? "none" : join(offered, " ")) + "); " +
                    kHint);
    }
    int err = try_enable(dir, missing);
    if (err == EBUSY && dir == own) {
      // cgroup v2's "no internal processes" rule: we live here ourselves.
      move_processes_to_leaf(dir);
      err = try_enable(dir, missing);
    }
    if (err == 0) continue;
    std::string what = "cannot apply resource limits: cannot enable the " + join(missing, ", ") +
                       " controller" + (missing.size() > 1 ? "s" : "") + " in " + dir + ": " +
                       std::strerror(err);
    if (err == EACCES || err == EPERM || err == EROFS)
      throw Error(what + " (cgroup v2 is not delegated to this user); " + kHint);
    if (err == EBUSY)
      throw Error(what +
                  " (it holds processes, and cgroup v2 hands controllers down only from "
                  "cgroups without processes of their own)");
    throw Error(what);
  }
}

}  // namespace nook::runtime
