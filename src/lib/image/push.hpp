#pragma once
// `nook push`: uploads a stored image to a registry. Layers go as the
// compressed blobs the store kept from the pull, so their digests are the
// ones every other copy of the image has; a blob the destination already
// has is skipped, one that another repository of the same registry holds
// (the one the image came from) is mounted instead of uploaded. The
// manifest is the stored one, byte for byte, unless another format is
// asked for, so a pushed image keeps its manifest digest.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/manifest.hpp"
#include "image/reference.hpp"
#include "image/registries_conf.hpp"
#include "image/registry_client.hpp"
#include "image/store.hpp"

namespace nook::image {

// --format: the manifest type written to the destination.
enum class ManifestFormat {
  source,  // what the store has (podman's default)
  oci,
  docker_v2s2,
};
// "oci", "v2s2" (and "" = source). "v2s1" is refused (schema 1 is
// deprecated and unsigned copies are useless); others get podman's message.
ManifestFormat parse_manifest_format(std::string_view text);

enum class BlobPushOutcome {
  uploaded,
  already_exists,  // the destination repository had it
  mounted,         // linked from another repository of the registry
};

// What happens during a push, for a progress display. Called from the
// pushing thread, in order.
// blob_progress and layer_done come from the upload threads, several at once.
struct PushObserver {
  // Before the first blob ("Getting image source signatures").
  std::function<void()> started;
  std::function<void(const Descriptor& blob, uint64_t done, uint64_t total)> blob_progress;
  std::function<void(const Descriptor& layer, BlobPushOutcome outcome)> layer_done;
  std::function<void(const Descriptor& config, BlobPushOutcome outcome)> config_done;
  std::function<void()> writing_manifest;
};

struct PushOptions {
  ClientOptions client;
  std::string authfile;                    // --authfile
  std::optional<Credentials> credentials;  // --creds
  ManifestFormat format = ManifestFormat::source;
  int parallel_blobs = 3;  // layers checked, mounted or uploaded at once
};

struct PushResult {
  std::string manifest_digest;
  std::string manifest_media_type;
  Reference destination;
};

// The manifest to push for image in format: the stored bytes when they
// describe the store's blobs and are of the type wanted (the image's own
// type for ManifestFormat::source), else a new manifest of that type over
// the same blobs (read_stored_image). Throws Error when the image is
// damaged (config, diff IDs, a missing blob) or a layer cannot be described
// in the type asked for (zstd in Docker schema 2).
Manifest manifest_for_push(Store& store, const ImageRecord& image, ManifestFormat format);

// DESTINATION as podman reads it for the docker transport: an optional
// "docker://" prefix, then a reference (normalised like pull's, so
// "busybox" is docker.io/library/busybox:latest). Other transports
// ("oci:", "dir:", "docker-archive:"...) are refused by name.
Reference parse_push_destination(std::string_view text);

// The destination when none is given: the image's name as the user typed
// it, as stored (a short name resolves to the stored full name). Throws
// Error when text is an image ID, which names no repository.
Reference default_push_destination(Store& store, std::string_view text);

// Repositories of image on destination's registry, other than
// destination's own, that may hold its blobs: where it was pulled from
// (repo digests) and its other names. Candidates for a cross-repository
// mount, best first.
std::vector<Reference> mount_candidates(const ImageRecord& image, const Reference& destination);

// Pushes the image text names (ID, name or repo@digest) to destination.
// When destination has a digest, it must be the digest of the manifest
// pushed. Throws Error; nothing is written locally.
PushResult push_image(Store& store, std::string_view text, const Reference& destination,
                      const RegistriesConf& conf, const PushOptions& options,
                      const PushObserver& observer = {});

}  // namespace nook::image
