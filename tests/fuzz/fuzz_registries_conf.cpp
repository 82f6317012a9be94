// Feeds arbitrary bytes to the registries.conf parser, then asks the parsed
// configuration the questions pull asks. Only nook::Error may come out.
#include <cstdint>
#include <string>
#include <string_view>

#include "image/registries_conf.hpp"
#include "sys/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nook::image::RegistriesConf conf;
  try {
    conf = nook::image::parse_registries_conf(text, "fuzz.conf");
  } catch (const nook::Error&) {
    return 0;
  }
  for (const char* name : {"busybox", "user/app:1", "podman"}) {
    try {
      conf.resolve_short_name(name);
    } catch (const nook::Error&) {
    }
  }
  std::vector<nook::image::Reference> refs;
  for (const auto& r : conf.registries) {
    std::string host = r.prefix.starts_with("*.") ? "x" + r.prefix.substr(1) : r.prefix;
    for (const std::string& s : {host + "/a/b:1", host + "@sha256:" + std::string(64, 'a')}) {
      try {
        refs.push_back(nook::image::parse_reference(s));
      } catch (const nook::Error&) {
      }
    }
  }
  refs.push_back(nook::image::parse_reference("busybox"));
  for (const auto& ref : refs) {
    try {
      conf.pull_sources(ref);
    } catch (const nook::Error&) {
    }
  }
  return 0;
}
