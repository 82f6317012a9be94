#pragma once
// Statistics of a cgroup v2 cgroup in the shape of the "data" object of runc's
// `events --stats` (cpu, memory, pids, blkio, hugetlb), filled from whichever
// interface files exist: a controller that is not enabled leaves its section
// out rather than reporting zeros.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nook::runtime {

// Returns a file's contents, nullopt when it does not exist.
using CgroupFileReader = std::function<std::optional<std::string>(const std::string& file)>;

// hugepage_sizes: names as hugetlb files spell them ("2MB", "1GB").
nlohmann::json cgroup_stats(const CgroupFileReader& read,
                            const std::vector<std::string>& hugepage_sizes);

// "hugepages-2048kB" (a /sys/kernel/mm/hugepages entry) → "2MB"; nullopt for
// names that are not of that form.
std::optional<std::string> hugepage_size_name(const std::string& sysfs_entry);
// The sizes this kernel offers, from /sys/kernel/mm/hugepages.
std::vector<std::string> host_hugepage_sizes();

}  // namespace nook::runtime
