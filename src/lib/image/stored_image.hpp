#pragma once
// An image as the store holds it, read back for `save`, and manifests that
// describe exactly the blobs the store has.
//
// A layer is stored once per diff ID, with the blob it first arrived in: an
// image pulled (gzip) and then loaded from a docker-archive (plain tar)
// keeps the gzip blob, so the manifest recorded for an image may name a
// layer blob the store does not have. Save therefore checks the recorded
// manifest against the store and writes a new one when they differ; the
// image ID (the config digest) and the diff IDs never change.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/image_config.hpp"
#include "image/store.hpp"

namespace nook::image {

enum class ManifestFlavor {
  oci,     // application/vnd.oci.image.manifest.v1+json
  docker,  // application/vnd.docker.distribution.manifest.v2+json
};

// The layer media type with the same compression in the other flavour's
// vocabulary (Docker tar.gzip ↔ OCI tar+gzip, tar ↔ tar); nullopt when
// the flavour has none (zstd and non-distributable layers in Docker's).
std::optional<std::string> layer_media_type_for(std::string_view media_type, ManifestFlavor flavor);

// A schema-2 manifest over a config and stored layer blobs. Throws
// nook::Error when a layer has no media type in `flavor`.
std::string make_manifest(std::string_view config_digest, int64_t config_size,
                          const std::vector<LayerRecord>& layers, ManifestFlavor flavor);

// Docker's flavour when every layer can be described in it, else OCI's.
ManifestFlavor docker_flavor_if_possible(const std::vector<LayerRecord>& layers);

struct StoredImage {
  ImageRecord record;
  std::string config_bytes;  // verified against record.id
  ImageConfig config;
  std::vector<LayerRecord> layers;  // base first, one per diff ID
  // An image manifest that describes config_bytes and the layers' blobs:
  // the recorded one when it does (and is of the flavour asked for),
  // else a new one.
  std::string manifest;
  std::string manifest_digest;
  std::string manifest_media_type;
};

// Reads and checks an image (config digest, diff IDs against the record,
// every layer present). want: the manifest flavour the caller needs, or
// nullopt for any (the recorded one when it fits). Throws nook::Error.
StoredImage read_stored_image(Store& store, const ImageRecord& image,
                              std::optional<ManifestFlavor> want);

}  // namespace nook::image
