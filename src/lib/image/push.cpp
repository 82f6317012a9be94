#include "image/push.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "image/client_setup.hpp"
#include "image/digest.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

std::string_view target_manifest_type(ManifestFormat format, std::string_view source_type) {
  switch (format) {
    case ManifestFormat::oci:
      return media_type::oci_manifest;
    case ManifestFormat::docker_v2s2:
      return media_type::docker_manifest;
    case ManifestFormat::source:
      break;
  }
  return source_type;
}

ManifestFormat format_of(std::string_view manifest_type) {
  return manifest_type == media_type::docker_manifest ? ManifestFormat::docker_v2s2
                                                      : ManifestFormat::oci;
}

std::string layer_type_for(std::string_view type, ManifestFormat format) {
  using namespace media_type;
  if (format == ManifestFormat::docker_v2s2) {
    if (type == oci_layer_gzip || type == docker_layer_gzip) return std::string(docker_layer_gzip);
    if (type == oci_layer || type == docker_layer) return std::string(docker_layer);
    if (type == oci_layer_zstd)
      throw Error(
          "a zstd-compressed layer cannot be described in a Docker schema 2 manifest "
          "(use --format oci)");
    throw Error("layer type " + std::string(type) +
                " has no Docker schema 2 equivalent (use --format oci)");
  }
  if (type == docker_layer_gzip) return std::string(oci_layer_gzip);
  if (type == docker_layer) return std::string(oci_layer);
  if (type.starts_with("application/vnd.oci.image.layer.")) return std::string(type);
  throw Error("layer type " + std::string(type) + " has no OCI equivalent");
}

// A stored file opened for upload, checked against the size its
// descriptor claims (the digest is checked by the registry).
struct OpenBlob {
  UniqueFd fd;
  uint64_t size = 0;
};

OpenBlob open_stored_blob(Store& store, const Descriptor& d) {
  std::string path = store.blob_path(d.digest);
  OpenBlob b;
  b.fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!b.fd) {
    if (errno == ENOENT)
      throw Error("blob " + d.digest + " of the image is missing from the store (" + path +
                  "); pull the image again");
    throw_errno("open", path);
  }
  struct stat st {};
  if (::fstat(b.fd.get(), &st) < 0) throw_errno("fstat", path);
  b.size = static_cast<uint64_t>(st.st_size);
  if (b.size != static_cast<uint64_t>(d.size))
    throw Error("stored blob " + path + " has " + std::to_string(b.size) +
                " bytes, the manifest says " + std::to_string(d.size));
  return b;
}

// Layer descriptors for the image from the store's layer records: used
// where the stored manifest names a blob the store does not have (the
// layer came earlier from another image, compressed differently).
Descriptor descriptor_from_record(const LayerRecord& layer) {
  Descriptor d;
  d.media_type = layer.media_type;
  d.digest = layer.blob_digest;
  d.size = layer.compressed_size;
  return d;
}

}  // namespace

ManifestFormat parse_manifest_format(std::string_view text) {
  if (text.empty()) return ManifestFormat::source;
  if (text == "oci") return ManifestFormat::oci;
  if (text == "v2s2") return ManifestFormat::docker_v2s2;
  if (text == "v2s1")
    throw Error(
        "format \"v2s1\" (Docker schema 1) is not supported: it is deprecated and "
        "registries refuse unsigned schema 1 manifests; use 'oci' or 'v2s2'");
  throw Error("unknown format \"" + std::string(text) +
              "\". Choose one of the supported formats: 'oci' or 'v2s2'");
}

ImageManifest convert_manifest(const ImageManifest& manifest, ManifestFormat format) {
  if (format == ManifestFormat::source) return manifest;
  ImageManifest out = manifest;
  out.media_type = std::string(target_manifest_type(format, manifest.media_type));
  out.config.media_type = std::string(
      format == ManifestFormat::docker_v2s2 ? media_type::docker_config : media_type::oci_config);
  for (size_t i = 0; i < out.layers.size(); ++i) {
    try {
      out.layers[i].media_type = layer_type_for(out.layers[i].media_type, format);
    } catch (const Error& e) {
      throw Error("layers[" + std::to_string(i) + "] (" + out.layers[i].digest + "): " + e.what());
    }
  }
  if (format == ManifestFormat::docker_v2s2) {
    out.annotations.clear();
    out.subject.reset();
    out.config.annotations.clear();
    out.config.artifact_type.clear();
    for (Descriptor& d : out.layers) {
      d.annotations.clear();
      d.artifact_type.clear();
    }
  }
  return out;
}

Manifest manifest_for_push(Store& store, const ImageRecord& image, ManifestFormat format) {
  std::string config_bytes = store.read_blob(image.id, kManifestSizeLimit);

  ImageManifest manifest;
  std::string stored_bytes;
  bool have_stored = !image.manifest_digest.empty() && store.has_blob(image.manifest_digest);
  if (have_stored) {
    stored_bytes = store.read_blob(image.manifest_digest, kManifestSizeLimit);
    manifest = parse_image_manifest(stored_bytes, image.manifest_media_type);
    if (manifest.config.digest != image.id)
      throw Error("the stored manifest " + image.manifest_digest + " names config " +
                  manifest.config.digest + ", not the image's " + image.id);
  } else {
    // No manifest kept (an image made locally): describe it as OCI.
    manifest.media_type = std::string(media_type::oci_manifest);
    manifest.config.media_type = std::string(media_type::oci_config);
    manifest.config.digest = image.id;
    manifest.config.size = static_cast<int64_t>(config_bytes.size());
  }
  if (have_stored && manifest.layers.size() != image.layers.size())
    throw Error("the stored manifest " + image.manifest_digest + " has " +
                std::to_string(manifest.layers.size()) + " layers, the image " +
                std::to_string(image.layers.size()));

  bool rewritten = !have_stored;
  if (!have_stored) manifest.layers.resize(image.layers.size());
  for (size_t i = 0; i < image.layers.size(); ++i) {
    Descriptor& d = manifest.layers[i];
    if (have_stored && store.has_blob(d.digest)) continue;
    std::optional<LayerRecord> rec = store.find_layer(image.layers[i]);
    if (!rec) throw Error("layer " + image.layers[i] + " of image " + image.id + " is not stored");
    if (rec->blob_digest.empty() || !store.has_blob(rec->blob_digest))
      throw Error("layer " + image.layers[i] + " has no compressed blob in the store to push");
    d = descriptor_from_record(*rec);
    rewritten = true;
  }

  std::string source_type = manifest.media_type;
  ManifestFormat target = format;
  if (target == ManifestFormat::source) target = format_of(source_type);
  if (!rewritten && target_manifest_type(target, source_type) == source_type) {
    // The very bytes that were pulled: the digest stays what it was.
    return Manifest{source_type, image.manifest_digest, std::move(stored_bytes)};
  }
  // Layer records may come from either format; bring every type into one.
  manifest = convert_manifest(manifest, target);
  Manifest out;
  out.media_type = manifest.media_type;
  out.bytes = emit_image_manifest(manifest);
  out.digest = compute_digest(out.bytes);
  return out;
}

Reference parse_push_destination(std::string_view text) {
  std::string_view rest = text;
  if (rest.starts_with("docker://")) {
    rest.remove_prefix(9);
  } else {
    static constexpr std::string_view kTransports[] = {"containers-storage:",
                                                       "dir:",
                                                       "docker-archive:",
                                                       "docker-daemon:",
                                                       "oci:",
                                                       "oci-archive:",
                                                       "ostree:",
                                                       "sif:",
                                                       "tarball:"};
    for (std::string_view t : kTransports)
      if (rest.starts_with(t))
        throw Error("invalid destination \"" + std::string(text) + "\": transport \"" +
                    std::string(t.substr(0, t.size() - 1)) +
                    "\" is not supported by nook push (only docker://)");
    auto scheme = rest.find("://");
    if (scheme != std::string_view::npos)
      throw Error("invalid destination \"" + std::string(text) + "\": unknown transport \"" +
                  std::string(rest.substr(0, scheme)) + "\"");
  }
  if (rest.empty()) throw Error("invalid destination \"" + std::string(text) + "\": empty");
  try {
    return parse_reference(rest);
  } catch (const Error& e) {
    throw Error("invalid destination \"" + std::string(text) + "\": " + e.what());
  }
}

Reference default_push_destination(Store& store, std::string_view text) {
  std::optional<ImageRecord> image = store.lookup(text);
  if (!image) throw Error(std::string(text) + ": image not known");
  if (auto name = store.find_name(text)) return parse_reference(*name);
  std::string_view hex = text;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  if (is_hex(hex) && image->id.substr(7).starts_with(hex))
    throw Error("no destination given and \"" + std::string(text) +
                "\" is an image ID, which names no repository: give one, as in nook push " +
                std::string(text) + " REGISTRY/REPOSITORY[:TAG]");
  return parse_reference(text);
}

std::vector<Reference> mount_candidates(const ImageRecord& image, const Reference& destination) {
  std::vector<Reference> out;
  auto consider = [&](const std::string& text) {
    Reference r;
    try {
      r = parse_reference(text, DefaultTag::none);
    } catch (const Error&) {
      return;
    }
    if (r.domain != destination.domain || r.path == destination.path) return;
    r.tag.clear();
    r.digest.clear();
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  };
  for (const std::string& d : image.repo_digests) consider(d);
  for (const std::string& n : image.names) consider(n);
  return out;
}

PushResult push_image(Store& store, std::string_view text, const Reference& destination,
                      const RegistriesConf& conf, const PushOptions& options,
                      const PushObserver& observer) {
  // Blobs must not be collected while they are read.
  FileLock reader = store.lock_shared();
  std::optional<ImageRecord> image = store.lookup(text);
  if (!image) throw Error(std::string(text) + ": image not known");

  Manifest manifest = manifest_for_push(store, *image, options.format);
  if (!destination.digest.empty() && destination.digest != manifest.digest)
    throw Error("Digest of source image's manifest would not match destination reference");
  ImageManifest parsed = parse_image_manifest(manifest.bytes, manifest.media_type);

  RegistryClient client(
      make_client_options(options.client, conf, false, options.authfile, options.credentials));
  Reference repo = destination;
  repo.tag.clear();
  repo.digest.clear();
  std::vector<Reference> mounts = mount_candidates(*image, destination);

  auto push_blob = [&](const Descriptor& d) {
    if (client.blob_exists(repo, d.digest)) return BlobPushOutcome::already_exists;
    for (const Reference& from : mounts) {
      try {
        if (client.mount_blob(repo, d.digest, from)) return BlobPushOutcome::mounted;
      } catch (const Error&) {
        // No pull access to the other repository, or the registry refuses
        // mounts: uploading still works.
      }
    }
    OpenBlob blob = open_stored_blob(store, d);
    ProgressFn progress;
    if (observer.blob_progress)
      progress = [&observer, &d](uint64_t done, uint64_t total) {
        observer.blob_progress(d, done, total);
      };
    client.upload_blob(repo, d.digest, BlobSource::from_fd(blob.fd.get(), blob.size), progress);
    return BlobPushOutcome::uploaded;
  };

  if (observer.started) observer.started();
  for (const Descriptor& layer : parsed.layers) {
    BlobPushOutcome outcome = push_blob(layer);
    if (observer.layer_done) observer.layer_done(layer, outcome);
  }
  BlobPushOutcome config_outcome = push_blob(parsed.config);
  if (observer.config_done) observer.config_done(parsed.config, config_outcome);

  if (observer.writing_manifest) observer.writing_manifest();
  Reference target = destination;
  if (!target.tag.empty()) target.digest.clear();
  std::string digest = client.put_manifest(target, manifest.media_type, manifest.bytes);
  if (digest != manifest.digest)
    throw Error("the registry computed manifest digest " + digest + ", expected " +
                manifest.digest);
  return PushResult{digest, manifest.media_type, destination};
}

}  // namespace nook::image
