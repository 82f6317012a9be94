#pragma once
// Where nook-runtime keeps what it knows of each container between
// invocations: <root>/<id>/state.json (+ exec.fifo, config.json copy).
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nook::runtime {

// What is persisted; "status" is derived at read time from the process.
struct ContainerRecord {
  std::string id;
  pid_t pid = 0;
  uint64_t pid_start_time = 0;  // guards against pid reuse
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339 with nanoseconds, UTC
  std::string owner;
  std::string cgroup_path;  // absolute cgroup2 dir, "" when none
  bool own_pid_namespace = true;
  std::map<std::string, std::string> annotations;
};

enum class Status { creating, created, running, paused, stopped };
const char* status_name(Status s);

class StateStore {
 public:
  explicit StateStore(std::string root) : root_(std::move(root)) {}

  // $XDG_RUNTIME_DIR/nook-runtime, or /run/nook-runtime for real root.
  // Throws a clear Error when rootless and XDG_RUNTIME_DIR is unset.
  static std::string default_root();
  // runc's rule: letters, digits, '_', '+', '-', '.', not "." or "..".
  static void validate_id(const std::string& id);

  const std::string& root() const { return root_; }
  std::string dir(const std::string& id) const { return root_ + "/" + id; }
  std::string fifo_path(const std::string& id) const { return dir(id) + "/exec.fifo"; }
  std::string config_path(const std::string& id) const { return dir(id) + "/config.json"; }

  // mkdir <root>/<id>; Error "container X already exists" when it does.
  void create_dir(const std::string& id) const;
  void save(const ContainerRecord& rec) const;
  // Error "container X does not exist" when missing.
  ContainerRecord load(const std::string& id) const;
  bool exists(const std::string& id) const;
  std::vector<std::string> list_ids() const;
  void remove(const std::string& id) const;

  // Live status of a record: stopped when the pid is gone, a zombie, or a
  // different process; created while the exec fifo exists; paused when the
  // cgroup is frozen.
  Status status_of(const ContainerRecord& rec) const;
  // The runtime-spec state document (plus runc's rootfs/created/owner).
  nlohmann::json state_json(const ContainerRecord& rec, Status status) const;

 private:
  std::string root_;
};

std::string now_rfc3339();

}  // namespace nook::runtime
