#pragma once
// Standard base64 (RFC 4648, with padding), as the "auth" field of
// auth.json uses it. Decoding is strict like Go's StdEncoding: a wrong
// length, a stray character or misplaced padding is an error, not skipped.
#include <optional>
#include <string>
#include <string_view>

namespace nook::image {

std::string base64_encode(std::string_view data);
// nullopt when text is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace nook::image
