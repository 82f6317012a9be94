#pragma once
// What `nook images` and `nook image inspect` show, with podman's field
// names, so that --format templates written for podman work unchanged.
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/store.hpp"

namespace nook::image {

// podman's `image inspect` object for one image, keys in podman 4's order
// (Id, Digest, RepoTags, RepoDigests, Parent, Comment, Created, Config,
// ..., History, NamesHistory); Config and History entries hold the fields
// of OCI's ImageConfig and History only, empty ones left out, as podman
// marshals them.
nlohmann::ordered_json inspect_image_json(Store& store, const ImageRecord& image);

// --filter for images: reference=PATTERN (glob over repository[:tag]),
// dangling=true|false, before=IMAGE, since=IMAGE, label=KEY[=VALUE], id=ID.
// Several filters of one key match any; of different keys, all.
class ImageFilter {
 public:
  // Throws Error for an unknown key or a malformed value.
  ImageFilter(Store& store, const std::vector<std::string>& filters);
  bool matches(const ImageRecord& image, const nlohmann::json& config) const;
  // Whether one of an image's names passes the reference clauses (true
  // when there are none): a listing shows only the names asked for.
  bool name_matches(const std::string& name) const;

 private:
  struct Clause {
    std::string key, value;
    int64_t added_ref = 0;  // for before/since: the reference image's time
    std::string created_ref;
  };
  std::vector<Clause> clauses_;
};

struct ImageListOptions {
  bool no_trunc = false;
  std::vector<std::string> filters;
};

// One listing entry per name (an image without names: one "<none>" entry),
// newest first, in the two shapes podman prints:
//  - row: the fields `images --format TEMPLATE` sees: ID, Repository, Tag,
//    Digest, Created (since, human), CreatedAt, CreatedSince, Size,
//    VirtualSize, SharedSize, UniqueSize (human), Labels, Containers,
//    ReadOnly, Dangling, Names, Digests, History;
//  - summary: `images --format json`'s object (libpod's ImageSummary: Id,
//    ParentId, RepoTags, RepoDigests, Size, SharedSize, VirtualSize in bytes,
//    Labels, Containers, Names, Digest, History, Created in Unix seconds,
//    CreatedAt RFC 3339), one per entry as podman 4 prints it.
struct ImageListEntry {
  nlohmann::json row;
  nlohmann::ordered_json summary;  // in podman's key order
  int64_t size = 0;                // bytes, for --sort size
  int64_t created = 0;             // Unix seconds, for --sort created
};
std::vector<ImageListEntry> image_list(Store& store, const ImageListOptions& options,
                                       std::chrono::system_clock::time_point now);

// podman's RepoDigests: REPOSITORY@DIGEST for each name's repository, then
// the ones recorded at pull that no name covers any more.
std::vector<std::string> repo_digests_of(const ImageRecord& image);

// The image's config as stored, parsed; throws Error when it is not a JSON
// object.
nlohmann::json stored_config(Store& store, const ImageRecord& image);

// Glob match with '*' and '?' (podman's reference filter semantics).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace nook::image
