#pragma once
// `nook save`: stored images into an archive another engine loads.
//   docker-archive  docker save's tar (archive_docker.hpp); layers written
//                   uncompressed, exactly the bytes their diff IDs name
//   oci-archive     a tar of an OCI image layout (archive_oci.hpp), blobs
//   oci-dir         as stored (compressed); the same layout as a directory
//   docker-dir      containers/image's "dir" layout: manifest.json (Docker
//                   schema 2), version, one file per blob named by its hex
// Every byte copied out of the store is checked against its digest on the
// way (a layer's blob digest, or its diff ID when it is decompressed), so
// a damaged store fails the save instead of producing a bad archive.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "image/store.hpp"

namespace nook::image {

enum class ArchiveFormat { docker_archive, oci_archive, oci_dir, docker_dir };

// podman's --format values; anything else throws podman's message.
ArchiveFormat parse_archive_format(std::string_view text);
bool is_directory_format(ArchiveFormat format);

struct SaveItem {
  ImageRecord image;
  // Full names ("localhost/foo:latest") the archive gives the image:
  // RepoTags, or one index entry each (none: one unnamed entry).
  std::vector<std::string> names;
};

// podman's reading of `save IMAGE...`: with multi_image, every argument is
// an image (one image named twice is saved once, with both names);
// without, the first is the image and the rest are more names for it
// (short names under localhost/, as `tag` does). An argument that is a
// name contributes that stored name; an ID contributes none. Throws
// "<arg>: image not known" and reference errors.
std::vector<SaveItem> resolve_save_items(Store& store, const std::vector<std::string>& args,
                                         bool multi_image);

struct SaveObserver {
  std::function<void(const std::string& digest)> blob;    // a layer is being written
  std::function<void(const std::string& digest)> config;  // the config is being written
  std::function<void()> writing_manifest;
};

// An archive format into fd (not closed; a pipe is fine). Throws for the
// directory formats, for docker-dir with more than one image, and when a
// layer cannot be described in the format (a zstd layer in docker-dir).
void save_to_fd(Store& store, const std::vector<SaveItem>& items, ArchiveFormat format, int fd,
                const SaveObserver& observer = {});

// An archive format into the file `path` (written under a temporary name
// beside it and renamed over it when complete), or a directory format into
// the directory `path`, which must not exist or be empty. Nothing is left
// at path when it fails.
void save_to_path(Store& store, const std::vector<SaveItem>& items, ArchiveFormat format,
                  const std::string& path, const SaveObserver& observer = {});

}  // namespace nook::image
