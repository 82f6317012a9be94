#include "image/push.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "image/client_setup.hpp"
#include "image/stored_image.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "sys/parallel.hpp"

namespace nook::image {
namespace {

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
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

Manifest manifest_for_push(Store& store, const ImageRecord& image, ManifestFormat format) {
  std::optional<ManifestFlavor> want;
  if (format == ManifestFormat::oci) want = ManifestFlavor::oci;
  if (format == ManifestFormat::docker_v2s2) want = ManifestFlavor::docker;
  // podman's default: the type the image came in, when the store can still
  // describe the image in it.
  if (format == ManifestFormat::source && !image.manifest_media_type.empty())
    want = image.manifest_media_type == media_type::docker_manifest ? ManifestFlavor::docker
                                                                    : ManifestFlavor::oci;
  StoredImage stored = read_stored_image(store, image, want);
  return Manifest{stored.manifest_media_type, stored.manifest_digest, std::move(stored.manifest)};
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
  // As podman: several layers at once; the observer hears of each as it
  // ends, in whatever order that is.
  for_each_parallel(parsed.layers.size(), options.parallel_blobs, [&](size_t i) {
    BlobPushOutcome outcome = push_blob(parsed.layers[i]);
    if (observer.layer_done) observer.layer_done(parsed.layers[i], outcome);
  });
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
