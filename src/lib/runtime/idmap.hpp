#pragma once
// uid/gid maps of a new user namespace. Unprivileged, the kernel lets a
// process map only its own uid (and its gid, after "setgroups deny"); every
// other range goes through the distro's setuid newuidmap/newgidmap, which
// check /etc/subuid and /etc/subgid.
#include <sys/types.h>

#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace nook::runtime {

struct SubidRange {
  uint32_t start = 0;
  uint32_t count = 0;
};

// The caller's subordinate ranges (libsubid: /etc/subuid or NSS). Empty when
// the user has none.
std::vector<SubidRange> subuid_ranges_of(const std::string& user);
std::vector<SubidRange> subgid_ranges_of(const std::string& user);
// The caller's login name (from the passwd database), or the uid as text.
std::string current_user_name();

// "0 1000 1\n1 100000 65536\n" — the /proc/<pid>/uid_map text.
std::string format_id_map(const std::vector<oci::IdMapping>& map);

// Container root → the caller, 1..N → the caller's first subordinate range;
// a single-id mapping when there is no range. Pure function of the ranges,
// so every namespace nook makes sees the same owners on disk.
std::vector<oci::IdMapping> rootless_mapping(uint32_t own_id, const std::vector<SubidRange>& sub);

// True when `id` (a container-side id) is mapped by `map`.
bool id_is_mapped(const std::vector<oci::IdMapping>& map, uint32_t id);

// True when write_id_maps will have to deny setgroups (a direct gid map
// written without CAP_SETGID): the process then cannot set additionalGids.
bool setgroups_will_be_denied(const std::vector<oci::IdMapping>& gid_map);

// Writes both maps of the user namespace of `pid`. Direct writes when the
// caller may (it has CAP_SETUID/CAP_SETGID in its own namespace, or the map
// is just its own id); otherwise newuidmap and newgidmap, run concurrently.
// Errors name the tool, its message and the fix.
void write_id_maps(pid_t pid, const std::vector<oci::IdMapping>& uid_map,
                   const std::vector<oci::IdMapping>& gid_map);

}  // namespace nook::runtime
