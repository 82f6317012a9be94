#pragma once
// `nook-runtime features`: the runtime-spec 1.1 features document, saying
// what this build on this kernel understands (features.md).
#include <nlohmann/json.hpp>

namespace nook::runtime {

nlohmann::json runtime_features();

}  // namespace nook::runtime
