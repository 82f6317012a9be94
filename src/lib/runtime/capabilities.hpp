#pragma once
// Linux capabilities for the container process (all five sets). These run in
// the container's init as root of its user namespace, so every capability
// here is relative to that namespace, never the host's.
#include <optional>
#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace nook::runtime {

// "CAP_SYS_ADMIN" → 21; nullopt for a name this kernel/libcap does not know.
// Only the spec's spelling is accepted: upper case with the CAP_ prefix.
std::optional<int> capability_from_name(const std::string& name);
// Every capability the running kernel knows, as "CAP_..." names, in order.
std::vector<std::string> known_capabilities();

// Throws Error naming the JSON path (process.capabilities.<set>[i]) for a
// name that is no capability at all. Returns the names that are real
// capabilities but unknown to the running kernel (libcap knows them, the
// kernel is older): the runtime-spec says to warn about those and go on, and
// the library never prints, so the caller warns. prepare/apply skip them.
// Called by the parent before anything is created.
std::vector<std::string> validate_capabilities(const oci::Capabilities& caps);

// Step 1, before switching to the process user: drops from the bounding set
// everything not listed, and sets PR_SET_KEEPCAPS so the permitted set
// survives setresuid.
void prepare_capabilities(const oci::Capabilities& caps);

// Step 2, after setresuid/setresgid: sets effective/permitted/inheritable
// exactly as listed, raises the ambient ones that are also permitted and
// inheritable (the kernel raises no others; `runc spec` writes ambient
// without inheritable, and runc and crun skip them silently, so do we), then
// clears PR_SET_KEEPCAPS.
void apply_capabilities(const oci::Capabilities& caps);

// With no capabilities object: the process gets none (runtime-spec default).
// Empties the bounding, ambient, effective, permitted and inheritable sets.
// Works before or after setresuid as long as CAP_SETPCAP is still permitted
// (it is after prepare_capabilities, which kept the permitted set).
void drop_all_capabilities();

}  // namespace nook::runtime
