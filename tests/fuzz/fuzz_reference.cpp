// Feeds arbitrary bytes to the image reference parser. Only nook::Error may
// come out. A reference that parses must name the same image again when its
// full and its familiar forms are parsed, since both are what nook prints and
// stores.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "image/reference.hpp"
#include "sys/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using nook::image::DefaultTag;
  using nook::image::parse_reference;
  for (DefaultTag dt : {DefaultTag::add, DefaultTag::none}) {
    try {
      nook::image::Reference ref = parse_reference(text, dt);
      if (ref.domain.empty() || ref.path.empty()) std::abort();
      if (ref.repository().size() > nook::image::kNameMaxLength) std::abort();
      if (!(parse_reference(ref.string(), dt) == ref)) std::abort();
      if (!(parse_reference(ref.familiar(), dt) == ref)) std::abort();
      if (nook::image::is_short_name(ref.string())) std::abort();
    } catch (const nook::Error&) {
    }
  }
  (void)nook::image::is_short_name(text);
  return 0;
}
