#pragma once
// The documents a registry serves for an image: OCI image manifests and
// indexes (image-spec 1.1) and their Docker schema 2 equivalents (manifest,
// manifest list). Everything here is untrusted input: parsing validates
// every field nook relies on and names the offending one by its JSON path,
//   invalid manifest: layers[2].digest: invalid checksum digest format
// and refuses what nook cannot pull (schema 1, artifacts, foreign layers)
// with a message that says why. Emitting writes compact JSON with the
// spec's key names, for save/load/push; parse(emit(x)) == x for every x a
// parser returned.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/registry_client.hpp"

namespace nook::image {

namespace media_type {
// Image configs.
inline constexpr std::string_view oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view docker_config = "application/vnd.docker.container.image.v1+json";
// Docker schema 1, refused.
inline constexpr std::string_view docker_schema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view docker_schema1_signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
// Layers. Compression: layer_compression() in image/decompress.hpp.
inline constexpr std::string_view oci_layer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view oci_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view oci_layer_nondistributable =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view oci_layer_nondistributable_gzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view oci_layer_nondistributable_zstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
inline constexpr std::string_view docker_layer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view docker_layer_gzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view docker_foreign_layer_gzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
}  // namespace media_type

// The platform an image is built for ("os.version", "os.features" in JSON).
// Docker's deprecated "features" is not kept.
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;
  std::vector<std::string> os_features;

  bool operator==(const Platform&) const = default;
};

// A reference to content: what it is, its digest and its exact size.
struct Descriptor {
  std::string media_type;
  std::string digest;  // valid per check_digest()
  int64_t size = 0;    // >= 0
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
  std::string artifact_type;  // "" when absent

  bool operator==(const Descriptor&) const = default;
};

struct ImageManifest {
  int schema_version = 2;
  // The effective type: the document's own mediaType, else the registry's
  // Content-Type, else OCI's (an untyped document with layers is OCI).
  std::string media_type;
  Descriptor config;               // an image config (OCI or Docker)
  std::vector<Descriptor> layers;  // base layer first; may be empty
  std::map<std::string, std::string> annotations;
  std::optional<Descriptor> subject;

  bool operator==(const ImageManifest&) const = default;
};

// An OCI image index or a Docker manifest list.
struct ImageIndex {
  int schema_version = 2;
  std::string media_type;             // effective type, as ImageManifest::media_type
  std::vector<Descriptor> manifests;  // may be empty (choose_manifest refuses that)
  std::map<std::string, std::string> annotations;

  bool operator==(const ImageIndex&) const = default;
};

enum class ManifestKind { image_manifest, image_index };

// What a manifest fetched from a registry is. content_type is the response's
// Content-Type (parameters are ignored; "" when there was none). Throws
// nook::Error when the bytes are too large or not JSON, when it is Docker
// schema 1 (by type or by schemaVersion 1), when schemaVersion is not 2,
// when the document's mediaType or shape contradicts a specific
// Content-Type, when it has both "layers" and "manifests", or when its type
// is one nook does not know. A missing or generic Content-Type
// (application/json, text/plain, application/octet-stream) defers to the
// document's mediaType, then to its shape.
ManifestKind classify_manifest(std::string_view bytes, std::string_view content_type);

// Parse and validate (classify_manifest's checks included; the wrong kind is
// an error too). Layers must be of a type nook can unpack (OCI tar, gzip,
// zstd incl. non-distributable; Docker tar and tar.gzip); foreign layers,
// other types and configs that are not image configs (OCI artifacts) are
// refused with the reason.
ImageManifest parse_image_manifest(std::string_view bytes, std::string_view content_type = {});
ImageIndex parse_image_index(std::string_view bytes, std::string_view content_type = {});

// Compact JSON, keys in the spec's order; empty optional members omitted.
// Throws nook::Error if a string is not valid UTF-8.
std::string emit_image_manifest(const ImageManifest& manifest);
std::string emit_image_index(const ImageIndex& index);

// True for the four manifest / index media types nook pulls.
bool is_manifest_media_type(std::string_view type);
bool is_index_media_type(std::string_view type);
// True for OCI and Docker image config types.
bool is_image_config_media_type(std::string_view type);
// True for the layer types parse_image_manifest accepts.
bool is_supported_layer_media_type(std::string_view type);

}  // namespace nook::image
