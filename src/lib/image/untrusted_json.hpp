#pragma once
// JSON documents that come from a registry (manifests, image configs) are
// hostile until checked: parsed only when they fit the size limit and are
// not nested deeper than any real document is. nlohmann's parser and
// destructor cope with any depth, but dump(), copies and == recurse, so a
// 1 MB "[[[[..." would overflow the stack long after parsing succeeded.
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nook::image {

// Real manifests and configs nest 5 levels at most (config.Healthcheck.Test).
inline constexpr size_t kMaxJsonDepth = 64;

// Parses bytes as the document named `doc` ("manifest", "image config").
// Throws nook::Error "invalid <doc>: ..." when bytes exceed `limit`, nest
// deeper than kMaxJsonDepth, or are not JSON.
nlohmann::json parse_untrusted_json(std::string_view bytes, std::string_view doc, size_t limit);

// Deepest nesting of arrays and objects in text (scanned, not parsed; exact
// for valid JSON). Stops counting once past `stop_at`.
size_t json_nesting_depth(std::string_view text, size_t stop_at);

}  // namespace nook::image
