#pragma once
// `docker save`'s archive layout (docker-archive):
//   manifest.json      [{"Config": "<hex>.json", "RepoTags": ["repo:tag"],
//                        "Layers": ["<diff hex>.tar", ...]}, ...]
//   <hex>.json         the image config; <hex> is its digest, the image ID
//   <diff hex>.tar     each layer, an uncompressed tar
//   <v1 id>/           docker's legacy layout, for loaders that predate
//     VERSION, json,   manifest.json: one directory per layer whose
//     layer.tar        layer.tar links to the layer file
//   repositories       {"repo": {"tag": "<v1 id of the top layer>"}}
// Loaders read manifest.json; nook writes the rest for old docker versions.
#include <string>
#include <string_view>
#include <vector>

namespace nook::image {

struct DockerArchiveImage {
  std::string config;                  // path of the config file in the archive
  std::vector<std::string> repo_tags;  // as written ("busybox:latest")
  std::vector<std::string> layers;     // paths of the layer files, base first

  bool operator==(const DockerArchiveImage&) const = default;
};

// Limit for manifest.json: an archive of many images still fits easily.
inline constexpr size_t kDockerArchiveManifestLimit = 4 << 20;

// Parses manifest.json (untrusted): a non-empty array of objects with a
// string Config, RepoTags an array of strings or null, Layers an array of
// strings. Paths are cleaned; ".." or an absolute path is refused. Errors
// name the member: `invalid manifest.json: [0].Layers[1]: ...`.
std::vector<DockerArchiveImage> parse_docker_archive_manifest(std::string_view bytes);

// Compact JSON; parse(emit(x)) == x for clean paths.
std::string emit_docker_archive_manifest(const std::vector<DockerArchiveImage>& images);

// The legacy layout's layer IDs (64 hex digits each, base first) for an
// image: a chain over the diff IDs, the top one also over the config
// digest, so two images that share layers share their legacy directories
// except the top one.
std::vector<std::string> docker_legacy_layer_ids(const std::vector<std::string>& diff_ids,
                                                 std::string_view config_digest);

}  // namespace nook::image
