#include "runtime/cgroup_stats.hpp"

#include <charconv>
#include <filesystem>
#include <limits>
#include <map>

#include "runtime/cgroup.hpp"
#include "runtime/cgroup_files.hpp"

namespace nook::runtime {
namespace {

using nlohmann::json;

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();  // runc's "no limit"

// A single-number file; nullopt when the file is missing.
std::optional<uint64_t> read_number(const CgroupFileReader& read, const std::string& file) {
  auto text = read(file);
  if (!text) return std::nullopt;
  return parse_limit(*text, file).value_or(kUnlimited);
}

uint64_t value_or_zero(const std::map<std::string, uint64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

std::optional<json> cpu_stats(const CgroupFileReader& read) {
  auto text = read("cpu.stat");
  if (!text) return std::nullopt;
  auto s = parse_keyed_values(*text);
  // cpu.stat counts µs; runc reports ns.
  json cpu = {{"usage",
               {{"total", value_or_zero(s, "usage_usec") * 1000},
                {"user", value_or_zero(s, "user_usec") * 1000},
                {"kernel", value_or_zero(s, "system_usec") * 1000}}}};
  if (s.count("nr_periods"))
    cpu["throttling"] = {{"periods", s["nr_periods"]},
                         {"throttledPeriods", value_or_zero(s, "nr_throttled")},
                         {"throttledTime", value_or_zero(s, "throttled_usec") * 1000}};
  return cpu;
}

std::optional<json> memory_stats(const CgroupFileReader& read) {
  auto current = read_number(read, "memory.current");
  if (!current) return std::nullopt;
  json usage = {{"usage", *current},
                {"limit", read_number(read, "memory.max").value_or(kUnlimited)},
                {"failcnt", 0}};
  if (auto peak = read_number(read, "memory.peak")) usage["max"] = *peak;
  if (auto events = read("memory.events"))
    usage["failcnt"] = value_or_zero(parse_keyed_values(*events), "max");
  json memory = {{"usage", usage}};
  if (auto swap = read_number(read, "memory.swap.current")) {
    json s = {{"usage", *swap},
              {"limit", read_number(read, "memory.swap.max").value_or(kUnlimited)},
              {"failcnt", 0}};
    if (auto events = read("memory.swap.events"))
      s["failcnt"] = value_or_zero(parse_keyed_values(*events), "max");
    memory["swap"] = s;
  }
  if (auto stat = read("memory.stat")) {
    auto raw = parse_keyed_values(*stat);
    memory["cache"] = value_or_zero(raw, "file");
    memory["raw"] = raw;
  }
  return memory;
}

std::optional<json> pids_stats(const CgroupFileReader& read) {
  auto current = read_number(read, "pids.current");
  if (!current) return std::nullopt;
  json pids = {{"current", *current}};
  // runc leaves "limit" out when there is none.
  auto limit = read_number(read, "pids.max");
  if (limit && *limit != kUnlimited) pids["limit"] = *limit;
  return pids;
}

// io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device.
std::optional<json> blkio_stats(const CgroupFileReader& read) {
  auto text = read("io.stat");
  if (!text) return std::nullopt;
  json bytes = json::array(), ios = json::array();
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    auto fields = parse_controller_list(line);
    if (fields.empty()) continue;
    uint64_t major = 0, minor = 0;
    const std::string& dev = fields[0];
    size_t colon = dev.find(':');
    if (colon == std::string::npos) continue;
    auto r1 = std::from_chars(dev.data(), dev.data() + colon, major);
    auto r2 = std::from_chars(dev.data() + colon + 1, dev.data() + dev.size(), minor);
    if (r1.ec != std::errc() || r1.ptr != dev.data() + colon || r2.ec != std::errc() ||
        r2.ptr != dev.data() + dev.size())
      continue;
    for (size_t i = 1; i < fields.size(); ++i) {
      const std::string& kv = fields[i];
      size_t eq = kv.find('=');
      if (eq == std::string::npos) continue;
      uint64_t v = 0;
      auto r = std::from_chars(kv.data() + eq + 1, kv.data() + kv.size(), v);
      if (r.ec != std::errc() || r.ptr != kv.data() + kv.size()) continue;
      std::string key = kv.substr(0, eq);
      json entry = {{"major", major}, {"minor", minor}, {"value", v}};
      if (key == "rbytes" || key == "wbytes") {
        entry["op"] = key == "rbytes" ? "Read" : "Write";
        bytes.push_back(entry);
      } else if (key == "rios" || key == "wios") {
        entry["op"] = key == "rios" ? "Read" : "Write";
        ios.push_back(entry);
      }
    }
  }
  return json{{"ioServiceBytesRecursive", bytes}, {"ioServicedRecursive", ios}};
}

std::optional<json> hugetlb_stats(const CgroupFileReader& read,
                                  const std::vector<std::string>& sizes) {
  json out = json::object();
  for (const auto& size : sizes) {
    std::string prefix = "hugetlb." + size;
    auto usage = read_number(read, prefix + ".current");
    if (!usage) continue;
    json h = {{"usage", *usage}, {"failcnt", 0}};
    if (auto events = read(prefix + ".events"))
      h["failcnt"] = value_or_zero(parse_keyed_values(*events), "max");
    out[size] = h;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

nlohmann::json cgroup_stats(const CgroupFileReader& read,
                            const std::vector<std::string>& hugepage_sizes) {
  json data = json::object();
  if (auto v = cpu_stats(read)) data["cpu"] = *v;
  if (auto v = memory_stats(read)) data["memory"] = *v;
  if (auto v = pids_stats(read)) data["pids"] = *v;
  if (auto v = blkio_stats(read)) data["blkio"] = *v;
  if (auto v = hugetlb_stats(read, hugepage_sizes)) data["hugetlb"] = *v;
  return data;
}

std::optional<std::string> hugepage_size_name(const std::string& entry) {
  constexpr std::string_view prefix = "hugepages-", suffix = "kB";
  if (!entry.starts_with(prefix) || !entry.ends_with(suffix) ||
      entry.size() <= prefix.size() + suffix.size())
    return std::nullopt;
  const char* b = entry.data() + prefix.size();
  const char* e = entry.data() + entry.size() - suffix.size();
  uint64_t kb = 0;
  auto [p, ec] = std::from_chars(b, e, kb);
  if (ec != std::errc() || p != e || kb == 0) return std::nullopt;
  // The kernel names hugetlb files by the largest unit that fits.
  if (kb >= (1u << 20)) return std::to_string(kb >> 20) + "GB";
  if (kb >= (1u << 10)) return std::to_string(kb >> 10) + "MB";
  return std::to_string(kb) + "KB";
}

std::vector<std::string> host_hugepage_sizes() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/kernel/mm/hugepages", ec)) {
    if (auto name = hugepage_size_name(e.path().filename().string())) out.push_back(*name);
  }
  return out;
}

nlohmann::json Cgroup::stats() const {
  const std::string dir = path_;
  return cgroup_stats(
      [&dir](const std::string& file) { return read_cgroup_file(dir + "/" + file); },
      host_hugepage_sizes());
}

}  // namespace nook::runtime
