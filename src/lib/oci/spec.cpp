#include "oci/spec.hpp"

namespace nook::oci {

const Namespace* Spec::find_namespace(const std::string& type) const {
  for (const auto& ns : linux.namespaces)
    if (ns.type == type) return &ns;
  return nullptr;
}

// A value counts as a request only when applying it would change something:
// runc and the cgroup drivers treat 0 (and -1, "unlimited") as "leave as is"
// for sizes, so a config carrying those still runs where no cgroup can be had.
bool Resources::asks_for_limits() const {
  auto positive = [](const auto& v) { return v.has_value() && *v > 0; };
  if (memory) {
    const Memory& m = *memory;
    if (positive(m.limit) || positive(m.reservation) || positive(m.swap) || positive(m.kernel) ||
        positive(m.kernel_tcp) || m.swappiness || m.disable_oom_killer.value_or(false))
      return true;
  }
  if (cpu) {
    const Cpu& c = *cpu;
    if (positive(c.shares) || positive(c.quota) || positive(c.burst) || positive(c.period) ||
        positive(c.realtime_runtime) || positive(c.realtime_period) || !c.cpus.empty() ||
        !c.mems.empty() || c.idle.value_or(0) != 0)
      return true;
  }
  // pids 0 is a real limit (no new tasks at all); only -1 means "max".
  if (pids && pids->limit >= 0) return true;
  if (block_io) {
    const BlockIo& b = *block_io;
    if (b.weight || b.leaf_weight || !b.weight_device.empty() || !b.throttle_read_bps.empty() ||
        !b.throttle_write_bps.empty() || !b.throttle_read_iops.empty() ||
        !b.throttle_write_iops.empty())
      return true;
  }
  return !hugepage_limits.empty() || !unified.empty();
}

}  // namespace nook::oci
