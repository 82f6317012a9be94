#include "runtime/idmap.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pwd.h>
#include <shadow/subid.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

extern char** environ;

namespace nook::runtime {
namespace {

// libsubid is loaded on first use: it drags in PAM, SELinux, audit and a
// dozen more libraries whose loading would cost every container start,
// although only commands that compute a mapping need it.
struct Libsubid {
  bool (*init)(const char*, FILE*) = nullptr;
  int (*uid_ranges)(const char*, struct subid_range**) = nullptr;
  int (*gid_ranges)(const char*, struct subid_range**) = nullptr;
};

const Libsubid& libsubid() {
  static Libsubid lib = [] {
    Libsubid l;
    void* h = ::dlopen("libsubid.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h)
      throw Error(std::string("cannot load libsubid to read subordinate id ranges: ") +
                  ::dlerror() + " (install the libsubid4 package)");
    l.init = reinterpret_cast<decltype(l.init)>(::dlsym(h, "subid_init"));
    l.uid_ranges = reinterpret_cast<decltype(l.uid_ranges)>(::dlsym(h, "subid_get_uid_ranges"));
    l.gid_ranges = reinterpret_cast<decltype(l.gid_ranges)>(::dlsym(h, "subid_get_gid_ranges"));
    if (!l.init || !l.uid_ranges || !l.gid_ranges)
      throw Error("libsubid.so.4 lacks subid_get_uid_ranges/subid_get_gid_ranges");
    // libsubid logs to the FILE it is given; the library must not print.
    l.init("nook", std::fopen("/dev/null", "we"));
    return l;
  }();
  return lib;
}

std::vector<SubidRange> ranges_of(const std::string& user, bool uids) {
  const Libsubid& lib = libsubid();
  struct subid_range* raw = nullptr;
  int n = uids ? lib.uid_ranges(user.c_str(), &raw) : lib.gid_ranges(user.c_str(), &raw);
  std::vector<SubidRange> out;
  for (int i = 0; i < n; ++i) {
    if (raw[i].count == 0 || raw[i].start > UINT32_MAX || raw[i].count > UINT32_MAX) continue;
    out.push_back({static_cast<uint32_t>(raw[i].start), static_cast<uint32_t>(raw[i].count)});
  }
  std::free(raw);
  return out;
}

bool has_effective_cap(int cap) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  std::memset(data, 0, sizeof data);
  if (::syscall(SYS_capget, &hdr, data) < 0) return false;
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

bool is_only_own_id(const std::vector<oci::IdMapping>& map, uint32_t own) {
  return map.size() == 1 && map[0].host_id == own && map[0].size == 1;
}

std::string map_args_text(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

// A running newuidmap/newgidmap with its stderr captured.
struct MapTool {
  std::string name;
  std::vector<std::string> args;
  pid_t pid = -1;
  UniqueFd err;
};

MapTool spawn_map_tool(const std::string& tool, pid_t target,
                       const std::vector<oci::IdMapping>& map) {
  MapTool t;
  t.name = tool;
  t.args = {tool, std::to_string(target)};
  for (const auto& m : map) {
    t.args.push_back(std::to_string(m.container_id));
    t.args.push_back(std::to_string(m.host_id));
    t.args.push_back(std::to_string(m.size));
  }
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe2", tool);
  UniqueFd rd(p[0]), wr(p[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (auto& a : t.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawnp(&t.pid, tool.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc == ENOENT)
    throw Error(tool +
                    " not found: install the distribution's uidmap package "
                    "(Debian/Ubuntu: apt-get install uidmap; Fedora: shadow-utils)",
                rc);
  if (rc != 0) throw Error("spawn", tool, rc);
  t.err = std::move(rd);
  return t;
}

void finish_map_tool(MapTool& t, const std::string& subid_file) {
  std::string msg;
  char buf[1024];
  ssize_t n;
  while ((n = retry_eintr([&] { return ::read(t.err.get(), buf, sizeof buf); })) > 0)
    msg.append(buf, static_cast<size_t>(n));
  int code = wait_exit_code(t.pid);
  if (code == 0) return;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  throw Error("`" + map_args_text(t.args) + "` failed" + (msg.empty() ? "" : ": " + msg) +
                  " (check that " + subid_file + " gives user " + current_user_name() +
                  " the ranges config.json maps)",
              EPERM);
}

void write_map_directly(pid_t pid, const char* file, const std::vector<oci::IdMapping>& map) {
  write_file("/proc/" + std::to_string(pid) + "/" + file, format_id_map(map), O_TRUNC);
}

}  // namespace

std::vector<SubidRange> subuid_ranges_of(const std::string& user) {
  return ranges_of(user, true);
}
std::vector<SubidRange> subgid_ranges_of(const std::string& user) {
  return ranges_of(user, false);
}

std::string current_user_name() {
  struct passwd pw, *res = nullptr;
  char buf[4096];
  if (getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &res) == 0 && res) return pw.pw_name;
  return std::to_string(::geteuid());
}

std::string format_id_map(const std::vector<oci::IdMapping>& map) {
  std::string s;
  for (const auto& m : map)
    s += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
         std::to_string(m.size) + "\n";
  return s;
}

std::vector<oci::IdMapping> rootless_mapping(uint32_t own_id, const std::vector<SubidRange>& sub) {
  std::vector<oci::IdMapping> map{{0, own_id, 1}};
  if (!sub.empty()) map.push_back({1, sub.front().start, sub.front().count});
  return map;
}

bool id_is_mapped(const std::vector<oci::IdMapping>& map, uint32_t id) {
  for (const auto& m : map)
    if (id >= m.container_id && id - m.container_id < m.size) return true;
  return false;
}

bool setgroups_will_be_denied(const std::vector<oci::IdMapping>& gid_map) {
  return !has_effective_cap(CAP_SETGID) && is_only_own_id(gid_map, ::getegid());
}

void write_id_maps(pid_t pid, const std::vector<oci::IdMapping>& uid_map,
                   const std::vector<oci::IdMapping>& gid_map) {
  bool direct_uid = has_effective_cap(CAP_SETUID) || is_only_own_id(uid_map, ::geteuid());
  bool can_setgid = has_effective_cap(CAP_SETGID);
  bool direct_gid = can_setgid || is_only_own_id(gid_map, ::getegid());

  MapTool uid_tool, gid_tool;
  if (!direct_uid) uid_tool = spawn_map_tool("newuidmap", pid, uid_map);
  if (!direct_gid) {
    try {
      gid_tool = spawn_map_tool("newgidmap", pid, gid_map);
    } catch (...) {
      if (uid_tool.pid > 0) wait_exit_code(uid_tool.pid);
      throw;
    }
  }
  std::exception_ptr first;
  auto step = [&](auto&& f) {
    try {
      f();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  };
  if (uid_tool.pid > 0) step([&] { finish_map_tool(uid_tool, "/etc/subuid"); });
  if (gid_tool.pid > 0) step([&] { finish_map_tool(gid_tool, "/etc/subgid"); });
  if (first) std::rethrow_exception(first);
  if (direct_gid) {
    // Without CAP_SETGID the kernel only accepts a gid map after setgroups is
    // denied, so that the process cannot drop groups it was refused by.
    if (!can_setgid) write_file("/proc/" + std::to_string(pid) + "/setgroups", "deny", O_TRUNC);
    write_map_directly(pid, "gid_map", gid_map);
  }
  if (direct_uid) write_map_directly(pid, "uid_map", uid_map);
}

}  // namespace nook::runtime
