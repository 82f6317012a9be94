#pragma once
#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace nook::runtime {

// Runs each hook in order with the container state JSON on its stdin (as the
// runtime-spec says), waiting at most hook.timeout seconds (killed after).
// A hook that fails or times out throws Error naming the phase, the hook path
// and the exit status or signal. Hooks' own stdout/stderr are inherited.
void run_hooks(const std::vector<oci::Hook>& hooks, const std::string& state_json,
               const std::string& phase);

}  // namespace nook::runtime
