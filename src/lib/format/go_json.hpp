#pragma once
// JSON as Go's encoding/json writes it with SetEscapeHTML(false), which is
// what podman's {{json}} function prints: compact, object keys sorted, floats
// in Go's notation, invalid UTF-8 replaced by U+FFFD and U+2028/U+2029
// escaped. nlohmann's dump() differs on all of these (and throws on invalid
// UTF-8), hence a writer of our own.
#include <string>

#include <nlohmann/json.hpp>

namespace nook::format::detail {

void append_go_json(std::string& out, const nlohmann::json& v);

}  // namespace nook::format::detail
