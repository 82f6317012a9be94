// Feeds arbitrary bytes to the manifest, manifest-list, image-config and
// platform parsers. The first byte picks the Content-Type the "registry"
// sent; the rest is the body. Only nook::Error may come out. Whatever parses
// must survive emit → parse unchanged (save/push/commit write documents back
// that way), emitting twice must give the same bytes, and a platform chosen
// from a list must match what was asked and never be an attestation. An
// index.json found in an OCI layout merges with a new one or is refused,
// and afterwards exactly one entry carries the new name: the new image.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "image/image_config.hpp"
#include "image/manifest.hpp"
#include "image/oci_layout_update.hpp"
#include "image/platform.hpp"
#include "sys/error.hpp"

namespace {

using namespace nook::image;

constexpr std::string_view kContentTypes[] = {
    "",
    "application/json",
    media_type::oci_manifest,
    media_type::oci_index,
    media_type::docker_manifest,
    media_type::docker_manifest_list,
    media_type::docker_schema1_signed,
    "text/plain; charset=utf-8",
};

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_manifest(std::string_view text, std::string_view content_type) {
  ManifestKind kind;
  try {
    kind = classify_manifest(text, content_type);
  } catch (const nook::Error&) {
    return;
  }
  try {
    if (kind == ManifestKind::image_manifest) {
      ImageManifest m = parse_image_manifest(text, content_type);
      std::string bytes = emit_image_manifest(m);
      ImageManifest again = parse_image_manifest(bytes);
      check(again == m);
      check(parse_image_manifest(bytes, m.media_type) == m);
      check(emit_image_manifest(again) == bytes);
    } else {
      ImageIndex x = parse_image_index(text, content_type);
      std::string bytes = emit_image_index(x);
      ImageIndex again = parse_image_index(bytes);
      check(again == x);
      check(parse_image_index(bytes, x.media_type) == x);
      check(emit_image_index(again) == bytes);
      for (const char* want : {"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6"}) {
        Platform p = parse_platform(want);
        try {
          const Descriptor& d = choose_manifest(x, p);
          check(d.platform.has_value() && !is_attestation(d));
          check(platform_matches(p, *d.platform));
        } catch (const nook::Error&) {
          for (const auto& d : x.manifests)
            check(!d.platform || is_attestation(d) || !platform_matches(p, *d.platform) ||
                  !(is_manifest_media_type(d.media_type) || is_index_media_type(d.media_type)));
        }
      }
    }
  } catch (const nook::Error&) {
    // classify accepted it; the full parse may still refuse a field.
  }
}

void fuzz_config(std::string_view text) {
  try {
    ImageConfig c = parse_image_config(text);
    std::string bytes = emit_image_config(c);
    ImageConfig again = parse_image_config(bytes);
    check(again == c);
    check(emit_image_config(again) == bytes);
  } catch (const nook::Error&) {
  }
}

void fuzz_platform(std::string_view text) {
  try {
    Platform p = parse_platform(text);
    check(normalize_platform(p) == p);
    check(parse_platform(format_platform(p)) == p);
    check(platform_matches(p, p));
  } catch (const nook::Error&) {
  }
}

void fuzz_index_merge(std::string_view text) {
  constexpr std::string_view kAdded =
      R"({"schemaVersion":2,"manifests":[{"digest":"sha256:ff","annotations":)"
      R"({"org.opencontainers.image.ref.name":"fuzz:1"}}]})";
  std::string merged;
  try {
    merged = merge_oci_index(text, kAdded);
  } catch (const nook::Error&) {
    return;
  }
  nlohmann::json j = nlohmann::json::parse(merged, nullptr, false);
  check(j.is_object() && j["manifests"].is_array() && !j["manifests"].empty());
  // Exactly one entry carries the name, and it is the new image.
  int named = 0;
  for (const auto& e : j["manifests"]) {
    auto a = e.find("annotations");
    if (a == e.end() || !a->is_object()) continue;
    auto n = a->find("org.opencontainers.image.ref.name");
    if (n != a->end() && *n == "fuzz:1") {
      ++named;
      check(e.value("digest", "") == "sha256:ff");
    }
  }
  check(named == 1);
  // Merging the same again changes nothing: the name moves onto itself.
  check(merge_oci_index(merged, kAdded) == merged);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view content_type = kContentTypes[data[0] % std::size(kContentTypes)];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  fuzz_manifest(text, content_type);
  fuzz_config(text);
  fuzz_index_merge(text);
  if (text.size() < 256) fuzz_platform(text);
  return 0;
}
