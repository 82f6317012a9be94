#include "oci/spec_parse.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>

#include "oci/json_path.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::oci {

using nlohmann::json;

namespace {

constexpr std::string_view kConfigDoc = "config.json";
constexpr std::string_view kProcessDoc = "process.json";

bool is_absolute(const std::string& p) {
  return !p.empty() && p[0] == '/';
}

std::string absolute_path(const JsonAt& at) {
  std::string p = json_string(at);
  if (!is_absolute(p)) json_fail(at, "must be an absolute path, got " + json_quote(p));
  return p;
}

template <typename T, typename F>
std::vector<T> read_array(const JsonAt& at, F&& read_one) {
  size_t n = json_array_size(at);
  std::vector<T> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(read_one(at.element(i)));
  return out;
}

// ---- process ---------------------------------------------------------------

const std::set<std::string, std::less<>> kRlimits = {
    "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",        "RLIMIT_DATA",
    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK",    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",      "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK"};

User parse_user(const JsonAt& at) {
  json_expect_object(at);
  User u;
  u.uid = json_uint<uint32_t>(json_required(at, "uid"));
  u.gid = json_uint<uint32_t>(json_required(at, "gid"));
  if (auto m = json_optional(at, "umask")) {
    uint64_t mask = json_uint64(*m);
    if (mask > 0777) json_fail(*m, "umask " + std::to_string(mask) + " has bits outside 0777");
    u.umask = static_cast<mode_t>(mask);
  }
  if (auto m = json_optional(at, "additionalGids"))
    u.additional_gids = read_array<gid_t>(*m, json_uint<uint32_t>);
  u.username = json_get(at, "username", json_string).value_or("");
  return u;
}

Capabilities parse_capabilities(const JsonAt& at) {
  json_expect_object(at);
  // Names are checked by runtime/capabilities against the running kernel.
  Capabilities c;
  c.bounding = json_get(at, "bounding", json_string_array).value_or(std::vector<std::string>{});
  c.effective = json_get(at, "effective", json_string_array).value_or(std::vector<std::string>{});
  c.inheritable =
      json_get(at, "inheritable", json_string_array).value_or(std::vector<std::string>{});
  c.permitted = json_get(at, "permitted", json_string_array).value_or(std::vector<std::string>{});
  c.ambient = json_get(at, "ambient", json_string_array).value_or(std::vector<std::string>{});
  return c;
}

Rlimit parse_rlimit(const JsonAt& at) {
  json_expect_object(at);
  Rlimit r;
  JsonAt type = json_required(at, "type");
  r.type = json_string(type);
  if (!kRlimits.contains(r.type)) json_fail(type, "unknown rlimit " + json_quote(r.type));
  r.soft = json_uint64(json_required(at, "soft"));
  r.hard = json_uint64(json_required(at, "hard"));
  if (r.soft > r.hard)
    json_fail(at, "soft limit " + std::to_string(r.soft) + " is above hard limit " +
                      std::to_string(r.hard));
  return r;
}

void check_env(const JsonAt& env, const std::vector<std::string>& vars) {
  for (size_t i = 0; i < vars.size(); ++i) {
    auto eq = vars[i].find('=');
    if (eq == std::string::npos)
      json_fail(env.element(i), "expected NAME=VALUE, got " + json_quote(vars[i]));
    if (eq == 0) json_fail(env.element(i), "empty variable name in " + json_quote(vars[i]));
  }
}

Process parse_process_object(const JsonAt& at) {
  json_expect_object(at);
  Process p;
  p.terminal = json_get(at, "terminal", json_bool).value_or(false);
  if (auto m = json_optional(at, "consoleSize")) {
    json_expect_object(*m);
    p.console_size = ConsoleSize{json_uint<unsigned>(json_required(*m, "height")),
                                 json_uint<unsigned>(json_required(*m, "width"))};
  }
  if (auto m = json_optional(at, "user")) p.user = parse_user(*m);

  JsonAt args = json_required(at, "args");
  p.args = json_string_array(args);
  if (p.args.empty()) json_fail(args, "must name at least the program to run");

  if (auto m = json_optional(at, "env")) {
    p.env = json_string_array(*m);
    check_env(*m, p.env);
  }
  p.cwd = absolute_path(json_required(at, "cwd"));
  if (auto m = json_optional(at, "capabilities")) p.capabilities = parse_capabilities(*m);
  if (auto m = json_optional(at, "rlimits")) {
    p.rlimits = read_array<Rlimit>(*m, parse_rlimit);
    for (size_t i = 0; i < p.rlimits.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (p.rlimits[i].type == p.rlimits[j].type)
          json_fail(m->element(i).member("type"),
                    p.rlimits[i].type + " given twice (first at index " + std::to_string(j) + ")");
  }
  p.no_new_privileges = json_get(at, "noNewPrivileges", json_bool).value_or(false);
  p.apparmor_profile = json_get(at, "apparmorProfile", json_string).value_or("");
  if (auto m = json_optional(at, "oomScoreAdj")) p.oom_score_adj = json_int64(*m, -1000, 1000);
  p.selinux_label = json_get(at, "selinuxLabel", json_string).value_or("");
  return p;
}

// ---- mounts, hooks ---------------------------------------------------------

constexpr size_t kMaxIdMappings = 340;  // the kernel's limit since Linux 4.15

IdMapping parse_id_mapping(const JsonAt& at) {
  json_expect_object(at);
  IdMapping m;
  m.container_id = json_uint<uint32_t>(json_required(at, "containerID"));
  m.host_id = json_uint<uint32_t>(json_required(at, "hostID"));
  JsonAt size = json_required(at, "size");
  m.size = json_uint<uint32_t>(size);
  if (m.size == 0) json_fail(size, "must be greater than 0");
  constexpr uint64_t kIdSpace = uint64_t{1} << 32;
  if (uint64_t{m.container_id} + m.size > kIdSpace)
    json_fail(at, "containerID " + std::to_string(m.container_id) + " + size " +
                      std::to_string(m.size) + " overflows the 32-bit id space");
  if (uint64_t{m.host_id} + m.size > kIdSpace)
    json_fail(at, "hostID " + std::to_string(m.host_id) + " + size " + std::to_string(m.size) +
                      " overflows the 32-bit id space");
  return m;
}

bool ranges_overlap(uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size) {
  return uint64_t{a} < uint64_t{b} + b_size && uint64_t{b} < uint64_t{a} + a_size;
}

std::vector<IdMapping> parse_id_mappings(const JsonAt& at) {
  auto maps = read_array<IdMapping>(at, parse_id_mapping);
  if (maps.size() > kMaxIdMappings)
    json_fail(at, std::to_string(maps.size()) + " mappings, the kernel accepts at most " +
                      std::to_string(kMaxIdMappings));
  // The kernel refuses overlaps on either side with a bare EINVAL; say which.
  for (size_t i = 0; i < maps.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (ranges_overlap(maps[i].container_id, maps[i].size, maps[j].container_id, maps[j].size))
        json_fail(at.element(i), "container range overlaps the one at index " + std::to_string(j));
      if (ranges_overlap(maps[i].host_id, maps[i].size, maps[j].host_id, maps[j].size))
        json_fail(at.element(i), "host range overlaps the one at index " + std::to_string(j));
    }
  }
  return maps;
}

Mount parse_mount(const JsonAt& at) {
  json_expect_object(at);
  Mount m;
  JsonAt dest = json_required(at, "destination");
  m.destination = json_string(dest);
  if (!is_absolute(m.destination))
    json_fail(dest, "must be an absolute path, got " + json_quote(m.destination) +
                        " (runtime-spec 1.1 allows relative destinations; nook does not)");
  m.type = json_get(at, "type", json_string).value_or("");
  m.source = json_get(at, "source", json_string).value_or("");
  if (auto o = json_optional(at, "options")) m.options = json_string_array(*o);
  if (auto o = json_optional(at, "uidMappings")) m.uid_mappings = parse_id_mappings(*o);
  if (auto o = json_optional(at, "gidMappings")) m.gid_mappings = parse_id_mappings(*o);
  m.has_idmap = !m.uid_mappings.empty() || !m.gid_mappings.empty();
  return m;
}

Hook parse_hook(const JsonAt& at) {
  json_expect_object(at);
  Hook h;
  h.path = absolute_path(json_required(at, "path"));
  if (auto m = json_optional(at, "args")) h.args = json_string_array(*m);
  if (auto m = json_optional(at, "env")) {
    h.env = json_string_array(*m);
    check_env(*m, h.env);
  }
  if (auto m = json_optional(at, "timeout")) {
    h.timeout = json_int<int>(*m);
    if (*h.timeout <= 0) json_fail(*m, "must be greater than 0, got " + std::to_string(*h.timeout));
  }
  return h;
}

Hooks parse_hooks(const JsonAt& at) {
  json_expect_object(at);
  Hooks h;
  auto list = [&](std::string_view key, std::vector<Hook>& out) {
    if (auto m = json_optional(at, key)) out = read_array<Hook>(*m, parse_hook);
  };
  list("prestart", h.prestart);
  list("createRuntime", h.create_runtime);
  list("createContainer", h.create_container);
  list("startContainer", h.start_container);
  list("poststart", h.poststart);
  list("poststop", h.poststop);
  return h;
}

// ---- linux.resources -------------------------------------------------------

// Memory sizes: -1 is "unlimited"; anything below makes no sense.
std::optional<int64_t> memory_value(const JsonAt& at, std::string_view key) {
  auto m = json_optional(at, key);
  if (!m) return std::nullopt;
  int64_t v = json_int64(*m);
  if (v < -1) json_fail(*m, "must be -1 (unlimited) or a byte count, got " + std::to_string(v));
  return v;
}

DeviceCgroup parse_device_rule(const JsonAt& at) {
  json_expect_object(at);
  DeviceCgroup d;
  d.allow = json_bool(json_required(at, "allow"));
  if (auto m = json_optional(at, "type")) {
    d.type = json_string(*m);
    if (d.type != "a" && d.type != "c" && d.type != "b")
      json_fail(*m, "unknown device rule type " + json_quote(d.type) + " (expected a, c or b)");
  }
  d.major = json_get(at, "major", [](const JsonAt& a) { return json_int64(a); });
  d.minor = json_get(at, "minor", [](const JsonAt& a) { return json_int64(a); });
  if (auto m = json_optional(at, "access")) {
    d.access = json_string(*m);
    if (d.access.find_first_not_of("rwm") != std::string::npos)
      json_fail(*m, "access " + json_quote(d.access) + " may only use the letters r, w and m");
  }
  return d;
}

Memory parse_memory(const JsonAt& at) {
  json_expect_object(at);
  Memory m;
  m.limit = memory_value(at, "limit");
  m.reservation = memory_value(at, "reservation");
  m.swap = memory_value(at, "swap");
  m.kernel = memory_value(at, "kernel");
  m.kernel_tcp = memory_value(at, "kernelTCP");
  if (auto s = json_optional(at, "swappiness")) m.swappiness = json_uint64(*s, 100);
  m.disable_oom_killer = json_get(at, "disableOOMKiller", json_bool);
  return m;
}

Cpu parse_cpu(const JsonAt& at) {
  json_expect_object(at);
  auto u64 = [](const JsonAt& a) { return json_uint64(a); };
  auto i64 = [](const JsonAt& a) { return json_int64(a); };
  Cpu c;
  c.shares = json_get(at, "shares", u64);
  if (auto q = json_optional(at, "quota")) {
    c.quota = json_int64(*q);
    if (*c.quota < -1)
      json_fail(*q, "must be -1 (unlimited) or microseconds, got " + std::to_string(*c.quota));
  }
  c.burst = json_get(at, "burst", u64);
  c.period = json_get(at, "period", u64);
  c.realtime_runtime = json_get(at, "realtimeRuntime", i64);
  c.realtime_period = json_get(at, "realtimePeriod", u64);
  c.cpus = json_get(at, "cpus", json_string).value_or("");
  c.mems = json_get(at, "mems", json_string).value_or("");
  c.idle = json_get(at, "idle", i64);
  return c;
}

BlockIoDevice parse_blkio_device(const JsonAt& at, bool throttle) {
  json_expect_object(at);
  BlockIoDevice d;
  d.major = json_int64(json_required(at, "major"));
  d.minor = json_int64(json_required(at, "minor"));
  if (throttle) {
    d.rate = json_uint64(json_required(at, "rate"));
  } else {
    d.weight = json_get(at, "weight", json_uint<uint16_t>);
    d.leaf_weight = json_get(at, "leafWeight", json_uint<uint16_t>);
  }
  return d;
}

BlockIo parse_block_io(const JsonAt& at) {
  json_expect_object(at);
  BlockIo b;
  b.weight = json_get(at, "weight", json_uint<uint16_t>);
  b.leaf_weight = json_get(at, "leafWeight", json_uint<uint16_t>);
  auto list = [&](std::string_view key, bool throttle, std::vector<BlockIoDevice>& out) {
    if (auto m = json_optional(at, key))
      out = read_array<BlockIoDevice>(
          *m, [throttle](const JsonAt& a) { return parse_blkio_device(a, throttle); });
  };
  list("weightDevice", false, b.weight_device);
  list("throttleReadBpsDevice", true, b.throttle_read_bps);
  list("throttleWriteBpsDevice", true, b.throttle_write_bps);
  list("throttleReadIOPSDevice", true, b.throttle_read_iops);
  list("throttleWriteIOPSDevice", true, b.throttle_write_iops);
  return b;
}

HugepageLimit parse_hugepage_limit(const JsonAt& at) {
  json_expect_object(at);
  HugepageLimit h;
  h.page_size = json_string(json_required(at, "pageSize"));
  h.limit = json_uint64(json_required(at, "limit"));
  return h;
}

Resources parse_resources(const JsonAt& at) {
  json_expect_object(at);
  Resources r;
  if (auto m = json_optional(at, "devices"))
    r.devices = read_array<DeviceCgroup>(*m, parse_device_rule);
  if (auto m = json_optional(at, "memory")) r.memory = parse_memory(*m);
  if (auto m = json_optional(at, "cpu")) r.cpu = parse_cpu(*m);
  if (auto m = json_optional(at, "pids")) {
    json_expect_object(*m);
    // "limit" is optional since runtime-spec 1.2: an empty pids object asks
    // for nothing, so it stays unset here.
    if (auto l = json_optional(*m, "limit")) r.pids = Pids{json_int64(*l)};
  }
  if (auto m = json_optional(at, "blockIO")) r.block_io = parse_block_io(*m);
  if (auto m = json_optional(at, "hugepageLimits"))
    r.hugepage_limits = read_array<HugepageLimit>(*m, parse_hugepage_limit);
  if (auto m = json_optional(at, "unified")) r.unified = json_string_map(*m);
  return r;
}

// ---- linux -----------------------------------------------------------------

const std::set<std::string, std::less<>> kNamespaceTypes = {"pid", "network", "mount",  "ipc",
                                                            "uts", "user",    "cgroup", "time"};

Namespace parse_namespace(const JsonAt& at) {
  json_expect_object(at);
  Namespace ns;
  JsonAt type = json_required(at, "type");
  ns.type = json_string(type);
  if (!kNamespaceTypes.contains(ns.type))
    json_fail(type, "unknown namespace " + json_quote(ns.type));
  if (auto m = json_optional(at, "path")) ns.path = absolute_path(*m);
  return ns;
}

Device parse_device(const JsonAt& at) {
  json_expect_object(at);
  Device d;
  JsonAt type = json_required(at, "type");
  d.type = json_string(type);
  if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
    json_fail(type, "unknown device type " + json_quote(d.type) + " (expected c, b, u or p)");
  d.path = absolute_path(json_required(at, "path"));
  if (d.type == "p") {
    d.major = json_get(at, "major", [](const JsonAt& a) { return json_int64(a); }).value_or(0);
    d.minor = json_get(at, "minor", [](const JsonAt& a) { return json_int64(a); }).value_or(0);
  } else {
    d.major = json_int64(json_required(at, "major"));
    d.minor = json_int64(json_required(at, "minor"));
  }
  if (auto m = json_optional(at, "fileMode"))
    d.file_mode = static_cast<mode_t>(json_uint64(*m, 07777));
  d.uid = json_get(at, "uid", json_uint<uint32_t>);
  d.gid = json_get(at, "gid", json_uint<uint32_t>);
  return d;
}

SeccompArg parse_seccomp_arg(const JsonAt& at) {
  json_expect_object(at);
  SeccompArg a;
  // Syscalls have six argument registers.
  a.index = static_cast<unsigned>(json_uint64(json_required(at, "index"), 5));
  a.value = json_uint64(json_required(at, "value"));
  a.value_two =
      json_get(at, "valueTwo", [](const JsonAt& v) { return json_uint64(v); }).value_or(0);
  a.op = json_string(json_required(at, "op"));
  return a;
}

SeccompSyscall parse_seccomp_syscall(const JsonAt& at) {
  json_expect_object(at);
  SeccompSyscall s;
  s.names = json_string_array(json_required(at, "names"));
  s.action = json_string(json_required(at, "action"));
  s.errno_ret = json_get(at, "errnoRet", json_uint<unsigned>);
  if (auto m = json_optional(at, "args")) s.args = read_array<SeccompArg>(*m, parse_seccomp_arg);
  return s;
}

Seccomp parse_seccomp(const JsonAt& at) {
  json_expect_object(at);
  // Action, architecture, flag and operator names are checked by
  // runtime/seccomp against libseccomp; here only their shape.
  Seccomp s;
  s.default_action = json_string(json_required(at, "defaultAction"));
  s.default_errno_ret = json_get(at, "defaultErrnoRet", json_uint<unsigned>);
  if (auto m = json_optional(at, "architectures")) s.architectures = json_string_array(*m);
  if (auto m = json_optional(at, "flags")) s.flags = json_string_array(*m);
  s.listener_path = json_get(at, "listenerPath", json_string).value_or("");
  s.listener_metadata = json_get(at, "listenerMetadata", json_string).value_or("");
  if (auto m = json_optional(at, "syscalls"))
    s.syscalls = read_array<SeccompSyscall>(*m, parse_seccomp_syscall);
  return s;
}

const std::set<std::string, std::less<>> kPropagations = {
    "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable"};

std::vector<std::string> absolute_paths(const JsonAt& at) {
  auto paths = json_string_array(at);
  for (size_t i = 0; i < paths.size(); ++i)
    if (!is_absolute(paths[i]))
      json_fail(at.element(i), "must be an absolute path, got " + json_quote(paths[i]));
  return paths;
}

Linux parse_linux(const JsonAt& at) {
  json_expect_object(at);
  Linux l;
  if (auto m = json_optional(at, "uidMappings")) l.uid_mappings = parse_id_mappings(*m);
  if (auto m = json_optional(at, "gidMappings")) l.gid_mappings = parse_id_mappings(*m);
  if (auto m = json_optional(at, "sysctl")) l.sysctl = json_string_map(*m);
  if (auto m = json_optional(at, "resources")) l.resources = parse_resources(*m);
  l.cgroups_path = json_get(at, "cgroupsPath", json_string).value_or("");
  if (auto m = json_optional(at, "namespaces")) {
    l.namespaces = read_array<Namespace>(*m, parse_namespace);
    for (size_t i = 0; i < l.namespaces.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (l.namespaces[i].type == l.namespaces[j].type)
          json_fail(m->element(i).member("type"), "namespace " + json_quote(l.namespaces[i].type) +
                                                      " given twice (first at index " +
                                                      std::to_string(j) + ")");
  }
  if (auto m = json_optional(at, "devices")) l.devices = read_array<Device>(*m, parse_device);
  if (auto m = json_optional(at, "seccomp")) l.seccomp = parse_seccomp(*m);
  if (auto m = json_optional(at, "rootfsPropagation")) {
    l.rootfs_propagation = json_string(*m);
    if (!l.rootfs_propagation.empty() && !kPropagations.contains(l.rootfs_propagation))
      json_fail(*m, "unknown propagation " + json_quote(l.rootfs_propagation));
  }
  if (auto m = json_optional(at, "maskedPaths")) l.masked_paths = absolute_paths(*m);
  if (auto m = json_optional(at, "readonlyPaths")) l.readonly_paths = absolute_paths(*m);
  l.mount_label = json_get(at, "mountLabel", json_string).value_or("");
  return l;
}

// Rules that tie several fields together; checked once everything parsed.
void check_cross_fields(const Spec& s) {
  auto fail = [](const std::string& path, const std::string& why) {
    json_fail(kConfigDoc, path, why);
  };
  const Namespace* user = s.find_namespace("user");
  bool new_userns = user && user->path.empty();
  const char* keys[] = {"uidMappings", "gidMappings"};
  const std::vector<IdMapping>* maps[] = {&s.linux.uid_mappings, &s.linux.gid_mappings};
  for (int i = 0; i < 2; ++i) {
    std::string path = std::string("linux.") + keys[i];
    if (new_userns && maps[i]->empty())
      fail(path, "required: linux.namespaces asks for a new user namespace");
    if (!new_userns && !maps[i]->empty())
      fail(path, user ? "given, but the user namespace is joined by path, not created"
                      : "given, but linux.namespaces does not ask for a new user namespace");
  }
  // runc refuses these too: without a UTS namespace of its own the container
  // would rename the host.
  if (!s.find_namespace("uts")) {
    if (!s.hostname.empty()) fail("hostname", "setting a hostname needs a \"uts\" namespace");
    if (!s.domainname.empty()) fail("domainname", "setting a domainname needs a \"uts\" namespace");
  }
}

Spec parse_spec_object(const JsonAt& doc) {
  if (!doc.value.is_object())
    json_fail(doc, "expected a JSON object at the top level, got " + json_describe(doc.value));
  Spec s;
  s.oci_version = json_string(json_required(doc, "ociVersion"));
  if (s.oci_version.empty()) json_fail(doc.member("ociVersion"), "must not be empty");

  JsonAt root = json_required(doc, "root");
  json_expect_object(root);
  JsonAt root_path = json_required(root, "path");
  s.root.path = json_string(root_path);
  if (s.root.path.empty()) json_fail(root_path, "must not be empty");
  s.root.readonly = json_get(root, "readonly", json_bool).value_or(false);

  if (auto m = json_optional(doc, "process")) {
    s.process = parse_process_object(*m);
    s.has_process = true;
  }
  s.hostname = json_get(doc, "hostname", json_string).value_or("");
  s.domainname = json_get(doc, "domainname", json_string).value_or("");
  if (auto m = json_optional(doc, "mounts")) s.mounts = read_array<Mount>(*m, parse_mount);
  if (auto m = json_optional(doc, "hooks")) s.hooks = parse_hooks(*m);
  if (auto m = json_optional(doc, "annotations")) s.annotations = json_string_map(*m);
  if (auto m = json_optional(doc, "linux")) s.linux = parse_linux(*m);
  check_cross_fields(s);
  return s;
}

}  // namespace

Spec parse_spec(std::string_view json_text) {
  json j = json_parse(json_text, kConfigDoc);
  return parse_spec_object(JsonAt{j, "", kConfigDoc});
}

Process parse_process(std::string_view json_text) {
  json j = json_parse(json_text, kProcessDoc);
  JsonAt doc{j, "", kProcessDoc};
  if (!j.is_object())
    json_fail(doc, "expected a JSON object at the top level, got " + json_describe(j));
  return parse_process_object(doc);
}

Spec load_spec(const std::string& bundle_dir, std::string* config_text) {
  namespace fs = std::filesystem;
  std::string config = (fs::path(bundle_dir) / "config.json").string();
  std::string text = read_file(config);
  Spec s = parse_spec(text);
  if (config_text) *config_text = std::move(text);

  std::error_code ec;
  fs::path bundle = fs::absolute(bundle_dir, ec);
  if (ec) throw Error("bundle", bundle_dir, ec.value());
  fs::path root = (bundle / s.root.path).lexically_normal();  // an absolute root.path wins
  std::string rootfs = root.string();
  if (rootfs.size() > 1 && rootfs.back() == '/') rootfs.pop_back();

  struct stat st;
  if (::stat(rootfs.c_str(), &st) < 0) throw_errno("rootfs", rootfs);
  if (!S_ISDIR(st.st_mode)) throw Error("rootfs", rootfs, ENOTDIR);
  s.root.path = rootfs;
  return s;
}

}  // namespace nook::oci
