#pragma once
// runtime-spec linux.resources → cgroup v2 interface files. Pure: computes
// what to write, validates the values, touches nothing. The conversions match
// runc and crun so that the same config.json gives the same limits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace nook::runtime {

struct CgroupWrite {
  std::string file;   // "memory.max", relative to the container's cgroup
  std::string value;  // one write(2) worth

  bool operator==(const CgroupWrite&) const = default;
};

// cpu.shares (v1, 2..262144, default 1024) → cpu.weight (v2, 1..10000,
// default 100), linear as crun maps it: 2 → 1, 262144 → 10000. Out-of-range
// shares are clamped first.
uint64_t cpu_shares_to_weight(uint64_t shares);

// blkio.weight (v1, 10..1000) → io.weight (v2, 1..10000), linear; clamped.
uint64_t blkio_weight_to_io_weight(uint64_t weight);

// runtime-spec memory.swap is the memory+swap total (v1's memsw); v2's
// memory.swap.max is swap alone. Returns the memory.swap.max value, or
// nullopt when nothing is to be written. Throws Error when the pair cannot be
// converted (swap limit without a memory limit, swap below limit).
std::optional<std::string> memory_swap_max(std::optional<int64_t> limit,
                                           std::optional<int64_t> swap);

// Throws Error unless key names one interface file of the cgroup itself:
// "controller.name", no "/" or "..", and not one of the files through which
// nook manages membership (cgroup.procs, cgroup.threads,
// cgroup.subtree_control, cgroup.kill, cgroup.freeze).
void validate_unified_key(const std::string& key);

// Every file to write for resources, in order (unified last, so that it
// overrides). Throws Error for values that have no v2 meaning (realtime CPU
// limits) or are malformed. Fields v2 has no file for and that only tune
// (kernel memory, swappiness, disableOOMKiller, leaf weights) are dropped.
std::vector<CgroupWrite> resource_writes(const oci::Resources& resources);

// "memory.max" → "memory"; core files ("cgroup.*") → "".
std::string controller_of(const std::string& file);
// The controllers the writes need, each once, in first-use order.
std::vector<std::string> controllers_needed(const std::vector<CgroupWrite>& writes);

}  // namespace nook::runtime
