#include "image/layer_entry_path.hpp"

#include <limits.h>

#include <string_view>

#include "sys/error.hpp"

namespace nook::image {
namespace {

std::string clip(std::string_view s) {
  return s.size() > 80 ? std::string(s.substr(0, 80)) + "..." : std::string(s);
}

}  // namespace

EntryPath clean_path(const char* raw, const char* what) {
  std::string_view s = raw;
  if (s.size() >= PATH_MAX)
    throw Error(std::string("unpack layer: ") + what + " `" + clip(s) + "` is longer than " +
                std::to_string(PATH_MAX - 1) + " bytes");
  EntryPath p;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('/', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view part = s.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..")
      throw Error(std::string("unpack layer: ") + what + " `" + clip(s) +
                  "` contains `..`; refusing a path that may leave the layer");
    if (part.size() > NAME_MAX)
      throw Error(std::string("unpack layer: ") + what + " `" + clip(s) +
                  "` has a name longer than " + std::to_string(NAME_MAX) + " bytes");
    p.parts.emplace_back(part);
  }
  for (const auto& part : p.parts) p.rel += (p.rel.empty() ? "" : "/") + part;
  return p;
}

}  // namespace nook::image
