#include "image/untrusted_json.hpp"

#include <string>

#include "oci/json_path.hpp"

namespace nook::image {

size_t json_nesting_depth(std::string_view text, size_t stop_at) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > stop_at) return deepest;
        }
        break;
      case ']':
      case '}':
        // Unbalanced input is the parser's to reject; only keep the count sane.
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

nlohmann::json parse_untrusted_json(std::string_view bytes, std::string_view doc, size_t limit) {
  if (bytes.size() > limit)
    oci::json_fail(
        doc, "",
        std::to_string(bytes.size()) + " bytes, more than the limit of " + std::to_string(limit));
  if (json_nesting_depth(bytes, kMaxJsonDepth) > kMaxJsonDepth)
    oci::json_fail(doc, "", "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  return oci::json_parse(bytes, doc);
}

}  // namespace nook::image
