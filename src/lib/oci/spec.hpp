#pragma once
// The OCI runtime-spec config.json model (runtime-spec 1.0.2 / 1.1), Linux
// only. Parsing and validation live in spec_parse.cpp; emitting in
// spec_emit.cpp. Absent optional objects stay std::nullopt so that "not set"
// differs from "set to zero".
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nook::oci {

struct User {
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<mode_t> umask;
  std::vector<gid_t> additional_gids;
  std::string username;  // accepted, unused on Linux

  bool operator==(const User&) const = default;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  uint64_t soft = 0;
  uint64_t hard = 0;

  bool operator==(const Rlimit&) const = default;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;

  bool operator==(const Capabilities&) const = default;
};

struct ConsoleSize {
  unsigned height = 0;
  unsigned width = 0;

  bool operator==(const ConsoleSize&) const = default;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile;
  std::optional<int> oom_score_adj;
  std::string selinux_label;

  bool operator==(const Process&) const = default;
};

struct Root {
  std::string path;
  bool readonly = false;

  bool operator==(const Root&) const = default;
};

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;

  bool operator==(const IdMapping&) const = default;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
  // uidMappings/gidMappings on mounts (idmapped mounts) are parsed and refused
  // when present, since rootless cannot create them for host paths. The
  // mappings are kept so that emit_spec can write them back.
  bool has_idmap = false;
  std::vector<IdMapping> uid_mappings, gid_mappings;

  bool operator==(const Mount&) const = default;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;  // seconds

  bool operator==(const Hook&) const = default;
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
      poststop;

  bool operator==(const Hooks&) const = default;
};

struct Namespace {
  std::string type;  // pid network mount ipc uts user cgroup time
  std::string path;  // join an existing namespace when set

  bool operator==(const Namespace&) const = default;
};

struct Device {
  std::string type;  // c b u p
  std::string path;
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<mode_t> file_mode;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;

  bool operator==(const Device&) const = default;
};

struct DeviceCgroup {
  bool allow = false;
  std::string type;
  std::optional<int64_t> major, minor;
  std::string access;

  bool operator==(const DeviceCgroup&) const = default;
};

struct Memory {
  std::optional<int64_t> limit, reservation, swap, kernel, kernel_tcp;
  std::optional<uint64_t> swappiness;
  std::optional<bool> disable_oom_killer;

  bool operator==(const Memory&) const = default;
};

struct Cpu {
  std::optional<uint64_t> shares;
  std::optional<int64_t> quota;
  std::optional<uint64_t> burst;
  std::optional<uint64_t> period;
  std::optional<int64_t> realtime_runtime;
  std::optional<uint64_t> realtime_period;
  std::string cpus, mems;
  std::optional<int64_t> idle;

  bool operator==(const Cpu&) const = default;
};

struct Pids {
  int64_t limit = 0;

  bool operator==(const Pids&) const = default;
};

struct BlockIoDevice {
  int64_t major = 0, minor = 0;
  std::optional<uint16_t> weight, leaf_weight;
  uint64_t rate = 0;  // throttle devices only

  bool operator==(const BlockIoDevice&) const = default;
};

struct BlockIo {
  std::optional<uint16_t> weight, leaf_weight;
  std::vector<BlockIoDevice> weight_device, throttle_read_bps, throttle_write_bps,
      throttle_read_iops, throttle_write_iops;

  bool operator==(const BlockIo&) const = default;
};

struct HugepageLimit {
  std::string page_size;
  uint64_t limit = 0;

  bool operator==(const HugepageLimit&) const = default;
};

struct Resources {
  std::vector<DeviceCgroup> devices;  // informational rootless: devices come by bind mount
  std::optional<Memory> memory;
  std::optional<Cpu> cpu;
  std::optional<Pids> pids;
  std::optional<BlockIo> block_io;
  std::vector<HugepageLimit> hugepage_limits;
  std::map<std::string, std::string> unified;

  // True when anything here asks a cgroup controller for a limit (devices
  // rules do not count: rootless cannot use the devices controller anyway).
  bool asks_for_limits() const;

  bool operator==(const Resources&) const = default;
};

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_EQ ...

  bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action;
  std::optional<unsigned> errno_ret;
  std::vector<SeccompArg> args;

  bool operator==(const SeccompSyscall&) const = default;
};

struct Seccomp {
  std::string default_action;
  std::optional<unsigned> default_errno_ret;
  std::vector<std::string> architectures;
  std::vector<std::string> flags;
  std::string listener_path;
  std::string listener_metadata;
  std::vector<SeccompSyscall> syscalls;

  bool operator==(const Seccomp&) const = default;
};

struct Linux {
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::map<std::string, std::string> sysctl;
  std::optional<Resources> resources;
  std::string cgroups_path;
  std::vector<Namespace> namespaces;
  std::vector<Device> devices;
  std::optional<Seccomp> seccomp;
  std::string rootfs_propagation;
  std::vector<std::string> masked_paths, readonly_paths;
  std::string mount_label;

  bool operator==(const Linux&) const = default;
};

struct Spec {
  std::string oci_version;
  Process process;
  bool has_process = false;  // "process" is optional for create, required for start
  Root root;
  std::string hostname, domainname;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Linux linux;

  const Namespace* find_namespace(const std::string& type) const;

  bool operator==(const Spec&) const = default;
};

}  // namespace nook::oci
