#include "runtime/cgroup_resources.hpp"

#include <algorithm>
#include <cctype>

#include "sys/error.hpp"

namespace nook::runtime {
namespace {

constexpr uint64_t kDefaultCpuPeriod = 100000;  // µs, the kernel's default

// A byte limit: -1 is "max", 0 is "not set" (runc reads 0 the same way: a
// zero limit would kill everything), anything else below -1 is malformed.
std::optional<std::string> byte_limit(const char* field, std::optional<int64_t> v) {
  if (!v || *v == 0) return std::nullopt;
  if (*v == -1) return "max";
  if (*v < 0)
    throw Error("linux.resources.memory", field, 0,
                "must be -1 (unlimited) or a positive byte count, not " + std::to_string(*v));
  return std::to_string(*v);
}

std::string device(const oci::BlockIoDevice& d) {
  if (d.major < 0 || d.minor < 0)
    throw Error("linux.resources.blockIO", std::to_string(d.major) + ":" + std::to_string(d.minor),
                0, "negative device number");
  return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

bool valid_page_size(const std::string& s) {
  // "2MB", "1GB", "64KB": the names hugetlb.<size>.max files carry.
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || s[0] == '0' || s.size() != digits + 2) return false;
  char unit = s[digits];
  return (unit == 'K' || unit == 'M' || unit == 'G') && s[digits + 1] == 'B';
}

void add_memory(const oci::Memory& m, std::vector<CgroupWrite>& out) {
  if (auto v = byte_limit("limit", m.limit)) out.push_back({"memory.max", *v});
  if (auto v = byte_limit("reservation", m.reservation)) out.push_back({"memory.low", *v});
  if (auto v = memory_swap_max(m.limit, m.swap)) out.push_back({"memory.swap.max", *v});
}

void add_cpu(const oci::Cpu& c, std::vector<CgroupWrite>& out) {
  if (c.realtime_runtime.value_or(0) != 0 || c.realtime_period.value_or(0) != 0)
    throw Error("linux.resources.cpu", "realtimeRuntime", 0,
                "realtime CPU scheduling limits do not exist in cgroup v2");
  if (c.shares && *c.shares != 0)
    out.push_back({"cpu.weight", std::to_string(cpu_shares_to_weight(*c.shares))});
  if (c.quota || c.period) {
    uint64_t period = c.period.value_or(0) ? *c.period : kDefaultCpuPeriod;
    std::string quota = c.quota && *c.quota > 0 ? std::to_string(*c.quota) : "max";
    out.push_back({"cpu.max", quota + " " + std::to_string(period)});
  }
  // After cpu.max: the kernel refuses a burst larger than the quota in force.
  if (c.burst) out.push_back({"cpu.max.burst", std::to_string(*c.burst)});
  if (c.idle) {
    if (*c.idle != 0 && *c.idle != 1)
      throw Error("linux.resources.cpu", "idle", 0,
                  "must be 0 or 1, not " + std::to_string(*c.idle));
    out.push_back({"cpu.idle", std::to_string(*c.idle)});
  }
  if (!c.cpus.empty()) out.push_back({"cpuset.cpus", c.cpus});
  if (!c.mems.empty()) out.push_back({"cpuset.mems", c.mems});
}

void add_block_io(const oci::BlockIo& b, std::vector<CgroupWrite>& out) {
  if (b.weight && *b.weight != 0)
    out.push_back({"io.weight", "default " + std::to_string(blkio_weight_to_io_weight(*b.weight))});
  for (const auto& d : b.weight_device) {
    if (d.weight && *d.weight != 0)
      out.push_back(
          {"io.weight", device(d) + " " + std::to_string(blkio_weight_to_io_weight(*d.weight))});
  }
  // Each io.max write changes only the keys it names, so one write per limit.
  auto throttle = [&](const std::vector<oci::BlockIoDevice>& list, const char* key) {
    for (const auto& d : list) {
      std::string rate = d.rate == 0 ? "max" : std::to_string(d.rate);
      out.push_back({"io.max", device(d) + " " + key + "=" + rate});
    }
  };
  throttle(b.throttle_read_bps, "rbps");
  throttle(b.throttle_write_bps, "wbps");
  throttle(b.throttle_read_iops, "riops");
  throttle(b.throttle_write_iops, "wiops");
}

}  // namespace

uint64_t cpu_shares_to_weight(uint64_t shares) {
  shares = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight) {
  weight = std::clamp<uint64_t>(weight, 10, 1000);
  return 1 + ((weight - 10) * 9999) / 990;
}

std::optional<std::string> memory_swap_max(std::optional<int64_t> limit,
                                           std::optional<int64_t> swap) {
  int64_t mem = limit.value_or(0);
  int64_t total = swap.value_or(0);
  // v1 read "memory unlimited, swap unset" as both unlimited; keep that.
  if (mem == -1 && total == 0) return "max";
  if (total == 0) return std::nullopt;
  if (total == -1) return "max";
  if (total < -1)
    throw Error("linux.resources.memory", "swap", 0,
                "must be -1 (unlimited) or a positive byte count, not " + std::to_string(total));
  if (mem == 0 || mem == -1)
    throw Error("linux.resources.memory", "swap", 0,
                "a swap limit needs a memory limit: runtime-spec swap is memory+swap");
  if (total < mem)
    throw Error("linux.resources.memory", "swap", 0,
                "memory+swap (" + std::to_string(total) + ") is below the memory limit (" +
                    std::to_string(mem) + ")");
  return std::to_string(total - mem);
}

void validate_unified_key(const std::string& key) {
  auto bad = [&](const std::string& why) { throw Error("linux.resources.unified", key, 0, why); };
  if (key.find('/') != std::string::npos || key.find("..") != std::string::npos)
    bad("must name a file of the cgroup itself (no \"/\", no \"..\")");
  size_t dot = key.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == key.size())
    bad("is not a cgroup interface file name (\"controller.name\")");
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      bad("has a character no cgroup interface file has");
  }
  static const char* const managed[] = {"cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
                                        "cgroup.kill", "cgroup.freeze"};
  for (const char* m : managed) {
    if (key == m) bad("is managed by nook, not by the configuration");
  }
}

std::vector<CgroupWrite> resource_writes(const oci::Resources& r) {
  std::vector<CgroupWrite> out;
  if (r.memory) add_memory(*r.memory, out);
  if (r.cpu) add_cpu(*r.cpu, out);
  if (r.pids)
    out.push_back({"pids.max", r.pids->limit > 0 ? std::to_string(r.pids->limit) : "max"});
  if (r.block_io) add_block_io(*r.block_io, out);
  for (const auto& h : r.hugepage_limits) {
    if (!valid_page_size(h.page_size))
      throw Error("linux.resources.hugepageLimits", h.page_size, 0,
                  "page size must look like \"2MB\" or \"1GB\"");
    out.push_back({"hugetlb." + h.page_size + ".max", std::to_string(h.limit)});
  }
  for (const auto& [key, value] : r.unified) {
    validate_unified_key(key);
    out.push_back({key, value});
  }
  return out;
}

std::string controller_of(const std::string& file) {
  std::string c = file.substr(0, file.find('.'));
  return c == "cgroup" ? std::string() : c;
}

std::vector<std::string> controllers_needed(const std::vector<CgroupWrite>& writes) {
  std::vector<std::string> out;
  for (const auto& w : writes) {
    std::string c = controller_of(w.file);
    if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

}  // namespace nook::runtime
