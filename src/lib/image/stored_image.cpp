#include "image/stored_image.hpp"

#include "image/digest.hpp"
#include "image/registry_client.hpp"
#include "sys/error.hpp"

namespace nook::image {
namespace {

struct TypePair {
  std::string_view oci, docker;
};

// Same content, two vocabularies. Docker's schema 2 has no zstd layers and
// its "foreign" layers are not OCI's non-distributable ones in meaning.
constexpr TypePair kLayerTypes[] = {
    {media_type::oci_layer, media_type::docker_layer},
    {media_type::oci_layer_gzip, media_type::docker_layer_gzip},
    {media_type::oci_layer_zstd, {}},
    {media_type::oci_layer_nondistributable, {}},
    {media_type::oci_layer_nondistributable_gzip, {}},
    {media_type::oci_layer_nondistributable_zstd, {}},
};

bool describes(const ImageManifest& m, const StoredImage& s) {
  if (m.config.digest != s.record.id ||
      m.config.size != static_cast<int64_t>(s.config_bytes.size()) ||
      m.layers.size() != s.layers.size())
    return false;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const Descriptor& d = m.layers[i];
    const LayerRecord& l = s.layers[i];
    if (d.digest != l.blob_digest || d.size != l.compressed_size || d.media_type != l.media_type)
      return false;
  }
  return true;
}

ManifestFlavor flavor_of(std::string_view manifest_media_type) {
  return manifest_media_type == media_type::docker_manifest ? ManifestFlavor::docker
                                                            : ManifestFlavor::oci;
}

}  // namespace

std::optional<std::string> layer_media_type_for(std::string_view type, ManifestFlavor flavor) {
  for (const TypePair& p : kLayerTypes) {
    if (type == p.oci || (!p.docker.empty() && type == p.docker)) {
      std::string_view out = flavor == ManifestFlavor::oci ? p.oci : p.docker;
      if (out.empty()) return std::nullopt;
      return std::string(out);
    }
  }
  return std::nullopt;
}

ManifestFlavor docker_flavor_if_possible(const std::vector<LayerRecord>& layers) {
  for (const LayerRecord& l : layers)
    if (!layer_media_type_for(l.media_type, ManifestFlavor::docker)) return ManifestFlavor::oci;
  return ManifestFlavor::docker;
}

std::string make_manifest(std::string_view config_digest, int64_t config_size,
                          const std::vector<LayerRecord>& layers, ManifestFlavor flavor) {
  ImageManifest m;
  bool docker = flavor == ManifestFlavor::docker;
  m.media_type = std::string(docker ? media_type::docker_manifest : media_type::oci_manifest);
  m.config.media_type = std::string(docker ? media_type::docker_config : media_type::oci_config);
  m.config.digest = std::string(config_digest);
  m.config.size = config_size;
  for (const LayerRecord& l : layers) {
    std::optional<std::string> type = layer_media_type_for(l.media_type, flavor);
    if (!type)
      throw Error("layer " + l.blob_digest + " (" + l.media_type + ") cannot be described in a " +
                  (docker ? "Docker schema 2" : "OCI") + " manifest");
    Descriptor d;
    d.media_type = *type;
    d.digest = l.blob_digest;
    d.size = l.compressed_size;
    m.layers.push_back(std::move(d));
  }
  return emit_image_manifest(m);
}

StoredImage read_stored_image(Store& store, const ImageRecord& image,
                              std::optional<ManifestFlavor> want) {
  StoredImage s;
  s.record = image;
  s.config_bytes = store.read_blob(image.id, kManifestSizeLimit);
  s.config = parse_image_config(s.config_bytes);
  if (s.config.rootfs.diff_ids != image.layers)
    throw Error("image " + image.id + ": its config's diff IDs differ from the store's record");
  for (const std::string& diff_id : image.layers) {
    std::optional<LayerRecord> l = store.find_layer(diff_id);
    if (!l) throw Error("image " + image.id + ": layer " + diff_id + " is missing from the store");
    if (!store.has_blob(l->blob_digest))
      throw Error("image " + image.id + ": the blob " + l->blob_digest + " of layer " + diff_id +
                  " is missing from the store");
    s.layers.push_back(std::move(*l));
  }
  if (!image.manifest_digest.empty() && store.has_blob(image.manifest_digest)) {
    std::string bytes = store.read_blob(image.manifest_digest, kManifestSizeLimit);
    try {
      ImageManifest m = parse_image_manifest(bytes, image.manifest_media_type);
      if (describes(m, s) && (!want || *want == flavor_of(m.media_type))) {
        s.manifest = std::move(bytes);
        s.manifest_digest = image.manifest_digest;
        s.manifest_media_type = m.media_type;
        return s;
      }
    } catch (const Error&) {
      // Not reusable as it is: a new one below says the same thing.
    }
  }
  ManifestFlavor flavor = want ? *want : docker_flavor_if_possible(s.layers);
  s.manifest =
      make_manifest(image.id, static_cast<int64_t>(s.config_bytes.size()), s.layers, flavor);
  s.manifest_digest = compute_digest(s.manifest);
  s.manifest_media_type = std::string(flavor == ManifestFlavor::docker ? media_type::docker_manifest
                                                                       : media_type::oci_manifest);
  return s;
}

}  // namespace nook::image
