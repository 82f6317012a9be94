#include "oci/spec_emit.hpp"

#include <sys/statfs.h>

#include <linux/magic.h>
#include <nlohmann/json.hpp>

#include "sys/error.hpp"

namespace nook::oci {

// Field order follows the runtime-spec Go types, so the output reads like
// `runc spec`; empty and unset fields are left out as Go's omitempty does.
using OJson = nlohmann::ordered_json;

namespace {

template <typename T>
void put_opt(OJson& o, const char* key, const std::optional<T>& v) {
  if (v) o[key] = *v;
}
void put_str(OJson& o, const char* key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}
void put_strs(OJson& o, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) o[key] = v;
}
void put_map(OJson& o, const char* key, const std::map<std::string, std::string>& v) {
  if (v.empty()) return;
  OJson m = OJson::object();
  for (const auto& [k, val] : v) m[k] = val;
  o[key] = std::move(m);
}
template <typename T, typename F>
void put_list(OJson& o, const char* key, const std::vector<T>& v, F&& emit_one) {
  if (v.empty()) return;
  OJson a = OJson::array();
  for (const auto& x : v) a.push_back(emit_one(x));
  o[key] = std::move(a);
}

OJson emit_process(const Process& p) {
  OJson o = OJson::object();
  if (p.terminal) o["terminal"] = true;
  if (p.console_size)
    o["consoleSize"] = {{"height", p.console_size->height}, {"width", p.console_size->width}};
  OJson user = {{"uid", p.user.uid}, {"gid", p.user.gid}};
  put_opt(user, "umask", p.user.umask);
  if (!p.user.additional_gids.empty()) user["additionalGids"] = p.user.additional_gids;
  put_str(user, "username", p.user.username);
  o["user"] = std::move(user);
  put_strs(o, "args", p.args);
  put_strs(o, "env", p.env);
  o["cwd"] = p.cwd;
  if (p.capabilities) {
    OJson c = OJson::object();
    put_strs(c, "bounding", p.capabilities->bounding);
    put_strs(c, "effective", p.capabilities->effective);
    put_strs(c, "inheritable", p.capabilities->inheritable);
    put_strs(c, "permitted", p.capabilities->permitted);
    put_strs(c, "ambient", p.capabilities->ambient);
    o["capabilities"] = std::move(c);
  }
  put_list(o, "rlimits", p.rlimits, [](const Rlimit& r) {
    return OJson{{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}};
  });
  if (p.no_new_privileges) o["noNewPrivileges"] = true;
  put_str(o, "apparmorProfile", p.apparmor_profile);
  put_opt(o, "oomScoreAdj", p.oom_score_adj);
  put_str(o, "selinuxLabel", p.selinux_label);
  return o;
}

OJson emit_id_mapping(const IdMapping& m) {
  return OJson{{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}};
}

OJson emit_mount(const Mount& m) {
  OJson o = {{"destination", m.destination}};
  put_str(o, "type", m.type);
  put_str(o, "source", m.source);
  put_strs(o, "options", m.options);
  put_list(o, "uidMappings", m.uid_mappings, emit_id_mapping);
  put_list(o, "gidMappings", m.gid_mappings, emit_id_mapping);
  return o;
}

OJson emit_hook(const Hook& h) {
  OJson o = {{"path", h.path}};
  put_strs(o, "args", h.args);
  put_strs(o, "env", h.env);
  put_opt(o, "timeout", h.timeout);
  return o;
}

OJson emit_hooks(const Hooks& h) {
  OJson o = OJson::object();
  put_list(o, "prestart", h.prestart, emit_hook);
  put_list(o, "createRuntime", h.create_runtime, emit_hook);
  put_list(o, "createContainer", h.create_container, emit_hook);
  put_list(o, "startContainer", h.start_container, emit_hook);
  put_list(o, "poststart", h.poststart, emit_hook);
  put_list(o, "poststop", h.poststop, emit_hook);
  return o;
}

OJson emit_blkio_device(const BlockIoDevice& d, bool throttle) {
  OJson o = {{"major", d.major}, {"minor", d.minor}};
  if (throttle) {
    o["rate"] = d.rate;
  } else {
    put_opt(o, "weight", d.weight);
    put_opt(o, "leafWeight", d.leaf_weight);
  }
  return o;
}

OJson emit_resources(const Resources& r) {
  OJson o = OJson::object();
  put_list(o, "devices", r.devices, [](const DeviceCgroup& d) {
    OJson e = {{"allow", d.allow}};
    put_str(e, "type", d.type);
    put_opt(e, "major", d.major);
    put_opt(e, "minor", d.minor);
    put_str(e, "access", d.access);
    return e;
  });
  if (r.memory) {
    const Memory& m = *r.memory;
    OJson e = OJson::object();
    put_opt(e, "limit", m.limit);
    put_opt(e, "reservation", m.reservation);
    put_opt(e, "swap", m.swap);
    put_opt(e, "kernel", m.kernel);
    put_opt(e, "kernelTCP", m.kernel_tcp);
    put_opt(e, "swappiness", m.swappiness);
    put_opt(e, "disableOOMKiller", m.disable_oom_killer);
    o["memory"] = std::move(e);
  }
  if (r.cpu) {
    const Cpu& c = *r.cpu;
    OJson e = OJson::object();
    put_opt(e, "shares", c.shares);
    put_opt(e, "quota", c.quota);
    put_opt(e, "burst", c.burst);
    put_opt(e, "period", c.period);
    put_opt(e, "realtimeRuntime", c.realtime_runtime);
    put_opt(e, "realtimePeriod", c.realtime_period);
    put_str(e, "cpus", c.cpus);
    put_str(e, "mems", c.mems);
    put_opt(e, "idle", c.idle);
    o["cpu"] = std::move(e);
  }
  if (r.pids) o["pids"] = {{"limit", r.pids->limit}};
  if (r.block_io) {
    const BlockIo& b = *r.block_io;
    OJson e = OJson::object();
    put_opt(e, "weight", b.weight);
    put_opt(e, "leafWeight", b.leaf_weight);
    auto weight = [](const BlockIoDevice& d) { return emit_blkio_device(d, false); };
    auto throttle = [](const BlockIoDevice& d) { return emit_blkio_device(d, true); };
    put_list(e, "weightDevice", b.weight_device, weight);
    put_list(e, "throttleReadBpsDevice", b.throttle_read_bps, throttle);
    put_list(e, "throttleWriteBpsDevice", b.throttle_write_bps, throttle);
    put_list(e, "throttleReadIOPSDevice", b.throttle_read_iops, throttle);
    put_list(e, "throttleWriteIOPSDevice", b.throttle_write_iops, throttle);
    o["blockIO"] = std::move(e);
  }
  put_list(o, "hugepageLimits", r.hugepage_limits, [](const HugepageLimit& h) {
    return OJson{{"pageSize", h.page_size}, {"limit", h.limit}};
  });
  put_map(o, "unified", r.unified);
  return o;
}

OJson emit_seccomp(const Seccomp& s) {
  OJson o = {{"defaultAction", s.default_action}};
  put_opt(o, "defaultErrnoRet", s.default_errno_ret);
  put_strs(o, "architectures", s.architectures);
  put_strs(o, "flags", s.flags);
  put_str(o, "listenerPath", s.listener_path);
  put_str(o, "listenerMetadata", s.listener_metadata);
  put_list(o, "syscalls", s.syscalls, [](const SeccompSyscall& sc) {
    OJson e = {{"names", sc.names}, {"action", sc.action}};
    put_opt(e, "errnoRet", sc.errno_ret);
    put_list(e, "args", sc.args, [](const SeccompArg& a) {
      OJson arg = {{"index", a.index}, {"value", a.value}};
      if (a.value_two != 0) arg["valueTwo"] = a.value_two;
      arg["op"] = a.op;
      return arg;
    });
    return e;
  });
  return o;
}

OJson emit_linux(const Linux& l) {
  OJson o = OJson::object();
  put_list(o, "uidMappings", l.uid_mappings, emit_id_mapping);
  put_list(o, "gidMappings", l.gid_mappings, emit_id_mapping);
  put_map(o, "sysctl", l.sysctl);
  if (l.resources) o["resources"] = emit_resources(*l.resources);
  put_str(o, "cgroupsPath", l.cgroups_path);
  put_list(o, "namespaces", l.namespaces, [](const Namespace& ns) {
    OJson e = {{"type", ns.type}};
    put_str(e, "path", ns.path);
    return e;
  });
  put_list(o, "devices", l.devices, [](const Device& d) {
    OJson e = {{"path", d.path}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}};
    put_opt(e, "fileMode", d.file_mode);
    put_opt(e, "uid", d.uid);
    put_opt(e, "gid", d.gid);
    return e;
  });
  if (l.seccomp) o["seccomp"] = emit_seccomp(*l.seccomp);
  put_str(o, "rootfsPropagation", l.rootfs_propagation);
  put_strs(o, "maskedPaths", l.masked_paths);
  put_strs(o, "readonlyPaths", l.readonly_paths);
  put_str(o, "mountLabel", l.mount_label);
  return o;
}

bool cgroup2_unified() {
  struct statfs st;
  return ::statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

}  // namespace

std::string emit_spec(const Spec& spec) {
  OJson o = OJson::object();
  o["ociVersion"] = spec.oci_version;
  if (spec.has_process) o["process"] = emit_process(spec.process);
  OJson root = {{"path", spec.root.path}};
  if (spec.root.readonly) root["readonly"] = true;
  o["root"] = std::move(root);
  put_str(o, "hostname", spec.hostname);
  put_str(o, "domainname", spec.domainname);
  put_list(o, "mounts", spec.mounts, emit_mount);
  OJson hooks = emit_hooks(spec.hooks);
  if (!hooks.empty()) o["hooks"] = std::move(hooks);
  put_map(o, "annotations", spec.annotations);
  OJson linux = emit_linux(spec.linux);
  if (!linux.empty()) o["linux"] = std::move(linux);
  try {
    return o.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    // Only invalid UTF-8 in some string gets here (argv from a shell can
    // carry any bytes); JSON cannot hold it, and replacing it would change
    // what runs.
    throw Error(std::string("cannot write config.json: ") + e.what());
  }
}

Spec default_spec(bool rootless, uid_t host_uid, gid_t host_gid) {
  return default_spec(rootless, host_uid, host_gid, cgroup2_unified());
}

Spec default_spec(bool rootless, uid_t host_uid, gid_t host_gid, bool cgroup_ns) {
  Spec s;
  s.oci_version = kDefaultOciVersion;
  s.has_process = true;
  Process& p = s.process;
  p.terminal = true;
  p.args = {"sh"};
  p.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
  p.cwd = "/";
  p.no_new_privileges = true;
  // runc stopped granting inheritable (CVE-2022-29162) and ambient
  // capabilities in its example spec; so do we.
  std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  p.capabilities = Capabilities{.bounding = caps, .effective = caps, .permitted = caps};
  p.rlimits = {{"RLIMIT_NOFILE", 1024, 1024}};
  s.root = {"rootfs", true};
  s.hostname = "nook";
  s.mounts = {
      {"/proc", "proc", "proc", {}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts",
       "devpts",
       "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
      {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}},
  };
  Linux& l = s.linux;
  l.masked_paths = {"/proc/acpi",        "/proc/asound",        "/proc/kcore",
                    "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug",   "/sys/firmware",
                    "/proc/scsi"};
  l.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  l.resources = Resources{};
  l.resources->devices = {DeviceCgroup{.allow = false, .access = "rwm"}};
  l.namespaces = {{"pid", ""}, {"network", ""}, {"ipc", ""}, {"uts", ""}, {"mount", ""}};
  if (cgroup_ns) l.namespaces.push_back({"cgroup", ""});
  if (!rootless) return s;

  // What `runc spec --rootless` changes (runc's specconv.ToRootless): no
  // network namespace (a rootless runtime cannot wire one up), a user
  // namespace mapping the caller to root, /sys bound from the host (sysfs
  // cannot be mounted without owning the network namespace), no uid=/gid=
  // mount options (those ids are unmapped), and no cgroup resources.
  std::erase_if(l.namespaces, [](const Namespace& ns) { return ns.type == "network"; });
  l.namespaces.push_back({"user", ""});
  l.uid_mappings = {{0, static_cast<uint32_t>(host_uid), 1}};
  l.gid_mappings = {{0, static_cast<uint32_t>(host_gid), 1}};
  for (Mount& m : s.mounts) {
    if (m.destination == "/sys") {
      m = Mount{"/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}};
      continue;
    }
    std::erase_if(m.options, [](const std::string& o) {
      return o.starts_with("uid=") || o.starts_with("gid=");
    });
  }
  l.resources.reset();
  return s;
}

}  // namespace nook::oci
