#pragma once
// Which namespaces a container gets: new ones (clone flags) and existing
// ones joined through a path (opened by the parent, joined by the child).
#include <cstdint>
#include <string>
#include <vector>

#include "oci/spec.hpp"
#include "sys/fd.hpp"

namespace nook::runtime {

struct NamespaceJoin {
  int nstype = 0;  // CLONE_NEWNET ...
  std::string type;
  std::string path;
  UniqueFd fd;
};

struct NamespacePlan {
  uint64_t clone_flags = 0;  // CLONE_NEW* to create
  std::vector<NamespaceJoin> joins;
  bool creates(uint64_t flag) const { return (clone_flags & flag) != 0; }
  bool has(uint64_t flag) const;  // created or joined
  const NamespaceJoin* join_of(uint64_t flag) const;
};

// "network" → CLONE_NEWNET; throws on an unknown type.
uint64_t namespace_flag(const std::string& type);
// "network" → "net" (the /proc/<pid>/ns/ name).
const char* namespace_proc_name(uint64_t flag);

// Opens every path namespace (checking it is a namespace of that type) and
// collects the flags of the new ones. Errors name linux.namespaces[i].path.
NamespacePlan plan_namespaces(const oci::Spec& spec);

// setns() into the joined namespaces selected by `flags_mask`, user first.
void join_namespaces(const NamespacePlan& plan, uint64_t flags_mask);

// For a stage process: joins every path namespace (user first), then
// unshares the new ones, so that they belong to the joined user namespace.
// A new or joined pid namespace applies to the children forked after this.
void enter_namespaces_staged(const NamespacePlan& plan);

}  // namespace nook::runtime
