#pragma once
// cgroup v2 for a container, through a delegated subtree. cgroup v1 (and v2
// without delegation) cannot be used rootless: with no limits asked the
// container runs without a cgroup of its own; with limits asked, setup()
// throws an Error that says why and what would fix it.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/spec.hpp"

namespace nook::runtime {

enum class CgroupLayout { legacy, hybrid, unified };
CgroupLayout detect_cgroup_layout();
// Where cgroup2 is mounted ("/sys/fs/cgroup" or "/sys/fs/cgroup/unified"), or
// "" when it is not.
std::string cgroup2_mount_point();

class Cgroup {
 public:
  // Resolves cgroupsPath (absolute: below the cgroup2 mount; relative or
  // empty: below the caller's own cgroup2 cgroup, "nook-<id>" when empty),
  // creates it, enables the controllers the resources need in the parents
  // the user owns, and writes the resources. Returns nullopt when no cgroup
  // can be had and none was needed. systemd=true (--systemd-cgroup) throws a
  // clear Error: there is no systemd user session to ask.
  static std::optional<Cgroup> setup(const std::string& cgroups_path, const std::string& id,
                                     const std::optional<oci::Resources>& resources, bool systemd);
  // Reopens an existing cgroup by its absolute filesystem path (from state).
  static Cgroup open(const std::string& fs_path);

  const std::string& path() const { return path_; }  // absolute, under the mount
  void add_process(pid_t pid) const;
  void apply(const oci::Resources& resources) const;
  void freeze(bool frozen) const;  // waits until cgroup.events says so
  bool is_frozen() const;
  // cgroup.kill where the kernel has it, else signal every pid listed.
  void kill_all(int signal) const;
  std::vector<pid_t> pids() const;  // cgroup.procs, recursive
  bool is_empty() const;
  nlohmann::json stats() const;  // runc `events --stats` shape, as far as v2 gives
  // rmdir (after the processes are gone); missing is fine.
  void destroy() const;

 private:
  explicit Cgroup(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace nook::runtime
