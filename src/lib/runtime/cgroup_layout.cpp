#include "runtime/cgroup_layout.hpp"

#include <cstring>
#include <vector>

#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// mountinfo writes space, tab, newline and backslash as \ooo.
std::string unescape_octal(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && is_octal(s[i + 1]) && is_octal(s[i + 2]) &&
        is_octal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

template <typename F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    f(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

int mount_preference(const std::string& mount_point) {
  if (mount_point == "/sys/fs/cgroup") return 0;
  if (mount_point == "/sys/fs/cgroup/unified") return 1;
  return 2;
}

// Splits a cgroupsPath into components, refusing the ones that would leave
// the hierarchy or make two spellings of one cgroup.
std::vector<std::string> path_components(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    if (part == "." || part == "..")
      throw Error("cgroupsPath", path, 0, "\".\" and \"..\" are not allowed");
    if (!part.empty()) out.push_back(std::move(part));
    i = j + 1;
  }
  return out;
}

std::string join_below(std::string base, const std::vector<std::string>& parts) {
  for (const auto& p : parts) {
    if (base.empty() || base.back() != '/') base += '/';
    base += p;
  }
  return base;
}

}  // namespace

CgroupLayout CgroupMounts::layout() const {
  if (cgroup2_mount_point.empty()) return CgroupLayout::legacy;
  return has_v1 ? CgroupLayout::hybrid : CgroupLayout::unified;
}

CgroupMounts parse_cgroup_mounts(std::string_view mountinfo) {
  CgroupMounts out;
  int best = 3;
  for_each_line(mountinfo, [&](std::string_view line) {
    auto f = split_fields(line);
    // id parent maj:min root mount-point options [optional...] - fstype source super
    size_t dash = 0;
    for (size_t i = 6; i < f.size(); ++i) {
      if (f[i] == "-") {
        dash = i;
        break;
      }
    }
    if (dash == 0 || dash + 1 >= f.size()) return;
    std::string_view fstype = f[dash + 1];
    if (fstype == "cgroup") {
      out.has_v1 = true;
    } else if (fstype == "cgroup2") {
      std::string mount_point = unescape_octal(f[4]);
      std::string root = unescape_octal(f[3]);
      if (mount_point.empty() || mount_point[0] != '/' || root.empty() || root[0] != '/') return;
      int pref = mount_preference(mount_point);
      if (pref < best) {
        best = pref;
        out.cgroup2_mount_point = std::move(mount_point);
        out.cgroup2_root = std::move(root);
      }
    }
  });
  return out;
}

std::optional<std::string> parse_own_cgroup2(std::string_view proc_cgroup) {
  std::optional<std::string> out;
  for_each_line(proc_cgroup, [&](std::string_view line) {
    if (out || line.substr(0, 3) != "0::") return;
    std::string path(line.substr(3));
    // A cgroup removed under a zombie reads "/x (deleted)".
    constexpr std::string_view deleted = " (deleted)";
    if (path.size() > deleted.size() && path.ends_with(deleted))
      path.resize(path.size() - deleted.size());
    if (path.empty() || path[0] != '/')
      throw Error("parse", "/proc/self/cgroup", 0,
                  "the cgroup2 line \"" + std::string(line) + "\" has no absolute path");
    out = std::move(path);
  });
  return out;
}

CgroupHost CgroupHost::detect() {
  CgroupHost host;
  host.mounts = parse_cgroup_mounts(read_file("/proc/self/mountinfo"));
  if (!host.mounts.cgroup2_mount_point.empty())
    host.own = parse_own_cgroup2(read_file("/proc/self/cgroup"));
  return host;
}

// The caller's cgroup as components below the cgroup2 mount; nullopt when it
// lies outside the subtree the mount shows (or there is no cgroup2).
static std::optional<std::vector<std::string>> own_components(const CgroupHost& host) {
  if (!host.own || host.mounts.cgroup2_mount_point.empty()) return std::nullopt;
  std::string rel = *host.own;
  const std::string& root = host.mounts.cgroup2_root;
  if (root != "/") {
    if (rel != root && !(rel.starts_with(root) && rel[root.size()] == '/')) return std::nullopt;
    rel = rel.substr(root.size());
  }
  return path_components(rel);
}

std::string CgroupHost::own_fs_path() const {
  auto parts = own_components(*this);
  return parts ? join_below(mounts.cgroup2_mount_point, *parts) : std::string();
}

std::string CgroupHost::relative_base() const {
  auto parts = own_components(*this);
  if (!parts) return {};
  if (!parts->empty() && parts->back() == kCgroupLeafName) parts->pop_back();
  return join_below(mounts.cgroup2_mount_point, *parts);
}

std::string resolve_cgroup_path(const CgroupHost& host, const std::string& cgroups_path,
                                const std::string& id) {
  if (host.mounts.cgroup2_mount_point.empty())
    throw Error("resolve cgroup", cgroups_path, 0, "cgroup2 is not mounted");
  if (!cgroups_path.empty() && cgroups_path[0] == '/') {
    auto parts = path_components(cgroups_path);
    if (parts.empty()) throw Error("cgroupsPath", cgroups_path, 0, "names the cgroup2 root");
    return join_below(host.mounts.cgroup2_mount_point, parts);
  }
  std::string base = host.relative_base();
  if (base.empty())
    throw Error(
        "resolve cgroup", cgroups_path, 0,
        "this process is not in a cgroup2 cgroup visible at " + host.mounts.cgroup2_mount_point);
  if (cgroups_path.empty()) {
    if (id.empty() || id.find('/') != std::string::npos)
      throw Error("resolve cgroup", id, 0, "container id cannot name a cgroup");
    return join_below(base, {"nook-" + id});
  }
  auto parts = path_components(cgroups_path);
  if (parts.empty()) throw Error("cgroupsPath", cgroups_path, 0, "is empty");
  return join_below(base, parts);
}

std::string limits_unavailable_message(const CgroupHost& host, const std::string& path, int err,
                                       const std::vector<std::string>& root_controllers) {
  const std::string& mp = host.mounts.cgroup2_mount_point;
  std::string why;
  if (mp.empty()) {
    why = "cgroup v1 host: no cgroup2 filesystem is mounted";
  } else if (path.empty()) {
    why = "this process's cgroup is not visible below " + mp;
  } else {
    std::string missing;
    for (const char* c : {"memory", "cpu", "pids"}) {
      bool have = false;
      for (const auto& r : root_controllers) have = have || r == c;
      if (!have) missing += (missing.empty() ? "" : "/") + std::string(c);
    }
    if (host.mounts.layout() == CgroupLayout::hybrid && !missing.empty())
      why = "cgroup v1 hybrid host: " + mp + " has no " + missing + " controllers";
    else
      why = "cannot create " + path + (err ? std::string(": ") + std::strerror(err) : "");
  }
  return "cannot apply resource limits: cgroup v2 is not delegated to this user (" + why +
         "); rootless resource limits need cgroup v2 with systemd delegation (see "
         "docs/CGROUPS.md)";
}

CgroupLayout detect_cgroup_layout() {
  return parse_cgroup_mounts(read_file("/proc/self/mountinfo")).layout();
}

std::string cgroup2_mount_point() {
  return parse_cgroup_mounts(read_file("/proc/self/mountinfo")).cgroup2_mount_point;
}

}  // namespace nook::runtime
