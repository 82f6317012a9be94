#pragma once
// `nook load`: images from an archive into the store. The format is found
// by content, not by name:
//   oci-layout present             OCI image layout (oci-archive, oci-dir)
//   manifest.json, a JSON array    docker-archive (docker save, podman save)
//   manifest.json, an object,      containers/image "dir" (podman save
//   and a version file             --format docker-dir)
// The archive may be a tar (plain, gzip, bzip2, xz, zstd; a file or a
// pipe) or a directory.
//
// Everything is checked before the store is touched (JSON shapes, paths,
// names, config and manifest digests, layer counts and sizes), every layer
// is verified as it is stored (its blob digest when the archive states
// one, its diff ID always), and images are recorded only once all their
// layers are in: a bad archive leaves no image behind, and the layers a
// failed load stored are collected at once.
//
// Names follow podman: a name without a registry is put under localhost/
// ("busybox:1.36" → localhost/busybox:1.36); docker-archive names must
// have a tag; an OCI index entry is named by io.containerd.image.name or
// org.opencontainers.image.ref.name. The layers of a docker-archive are
// stored as they come (a plain tar blob) unless the store has them
// already, and a manifest describing the stored blobs is written for the
// image (Docker schema 2 when the layer types allow, else OCI).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "image/manifest.hpp"
#include "image/store.hpp"

namespace nook::image {

struct LoadOptions {
  bool chown = true;  // false: no subordinate ids (UnpackOptions::chown)
  // For an OCI index entry that is itself an index: the platform to pick
  // (default this machine's).
  std::optional<Platform> platform;
};

// blob is called from the threads that store layers, one call at a time;
// the others from the calling thread.
struct LoadObserver {
  std::function<void(const std::string& digest)> blob;    // a layer is being stored
  std::function<void(const std::string& digest)> config;  // a config is being stored
  std::function<void()> writing_manifest;
  std::function<void(const std::string& message)> warning;
};

struct LoadedImage {
  std::string id;                  // "sha256:<hex>"
  std::vector<std::string> names;  // as stored; empty for an unnamed image
};

// Reads a tar archive from fd to its end (a pipe is fine). Takes the
// store's writer lock. Throws nook::Error.
std::vector<LoadedImage> load_from_fd(Store& store, int fd, const LoadOptions& options,
                                      const LoadObserver& observer = {});

// path: a tar archive or a directory.
std::vector<LoadedImage> load_from_path(Store& store, const std::string& path,
                                        const LoadOptions& options,
                                        const LoadObserver& observer = {});

// podman's name for an image in an archive: short names under localhost/;
// require_tag: no tag is an error (docker-archive), else ":latest" is
// added. A digest is refused. Throws nook::Error naming `where`.
std::string archive_image_name(std::string_view text, bool require_tag, std::string_view where);

}  // namespace nook::image
