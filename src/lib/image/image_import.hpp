#pragma once
// `nook import`: a root filesystem tarball (plain, gzip, zstd, bzip2 or
// xz) becomes a one-layer image, as podman import makes it:
//   config   created = the file's modification time (now for a stream),
//            this machine's os/architecture unless given, the --change
//            instructions in "config", one history entry
//            "/bin/sh -c #(nop) ADD file:<diff hex> in /" whose comment is
//            the message (default "imported from tarball")
//   layer    the tarball as given when gzip or zstd (the blob keeps its
//            compression), else its uncompressed tar
//   manifest OCI
// The tarball is copied into the store's staging area once (hashing it),
// measured for its diff ID, then stored like a pulled layer.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "image/store.hpp"

namespace nook::image {

struct ImportOptions {
  std::vector<std::string> changes;       // Dockerfile instructions (config_change.hpp)
  std::string message;                    // history comment; "" → "imported from tarball"
  std::string os, architecture, variant;  // "" → this machine's
  std::string reference;                  // "" → untagged (<none>)
  bool chown = true;
  // For a stream (no file time): the creation time; 0 → now.
  int64_t created_unix = 0;
};

struct ImportObserver {
  std::function<void(const std::string& digest)> blob;
  std::function<void(const std::string& digest)> config;
  std::function<void()> writing_manifest;
};

struct ImportedImage {
  std::string id;    // "sha256:<hex>"
  std::string name;  // "" when untagged
};

// Checks options (changes, reference, platform) before reading anything;
// takes the store's writer lock; throws nook::Error.
ImportedImage import_from_fd(Store& store, int fd, const ImportOptions& options,
                             const ImportObserver& observer = {});
// A file: its mtime is the image's creation time. An http:// or https://
// URL is downloaded (import_from_url); other URLs are refused.
ImportedImage import_from_path(Store& store, const std::string& path, const ImportOptions& options,
                               const ImportObserver& observer = {});
// As podman: the tarball downloaded (redirects followed, TLS verified with
// the system's CAs) straight into the staging area; created = now. A
// non-2xx answer is an error naming its status.
ImportedImage import_from_url(Store& store, const std::string& url, const ImportOptions& options,
                              const ImportObserver& observer = {});
bool is_import_url(std::string_view source);

// podman's name for an imported image: short names under localhost/,
// ":latest" added. Throws nook::Error for an invalid reference or a digest.
std::string import_image_name(std::string_view reference);

}  // namespace nook::image
