#pragma once
// Linux capabilities for the container process (all five sets).
#include <optional>
#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace nook::runtime {

// "CAP_SYS_ADMIN" → 21; nullopt for a name this kernel/libcap does not know.
std::optional<int> capability_from_name(const std::string& name);
// Every capability the running kernel knows, as "CAP_..." names, in order.
std::vector<std::string> known_capabilities();

// Throws Error naming the JSON path (process.capabilities.<set>[i]) for an
// unknown name. Called by the parent before anything is created.
void validate_capabilities(const oci::Capabilities& caps);

// Step 1, before switching to the process user: drops from the bounding set
// everything not listed, and sets PR_SET_KEEPCAPS so the permitted set
// survives setresuid.
void prepare_capabilities(const oci::Capabilities& caps);

// Step 2, after setresuid/setresgid: sets effective/permitted/inheritable
// exactly as listed, then raises the ambient ones.
void apply_capabilities(const oci::Capabilities& caps);

// With no capabilities object: the process gets none (runtime-spec default).
void drop_all_capabilities();

}  // namespace nook::runtime
