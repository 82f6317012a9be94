// Feeds arbitrary bytes to the config.json and process.json parsers. Only
// nook::Error may come out; anything else (another exception, a crash, a
// sanitizer report) is a bug. A spec that parses must also survive
// emit → parse unchanged, since nook-runtime rewrites configs that way.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "oci/spec_emit.hpp"
#include "oci/spec_parse.hpp"
#include "sys/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    nook::oci::Spec spec = nook::oci::parse_spec(text);
    if (!(nook::oci::parse_spec(nook::oci::emit_spec(spec)) == spec)) std::abort();
  } catch (const nook::Error&) {
  }
  try {
    nook::oci::parse_process(text);
  } catch (const nook::Error&) {
  }
  return 0;
}
