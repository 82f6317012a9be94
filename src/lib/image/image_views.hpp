#pragma once
// What `nook images` and `nook image inspect` show, with podman's field
// names, so that --format templates written for podman work unchanged.
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/store.hpp"

namespace nook::image {

// podman's `image inspect` object for one image (keys as podman 4 prints
// them: Id, Digest, RepoTags, RepoDigests, Created, Config, Architecture,
// Os, Size, RootFS, History, ...).
nlohmann::json inspect_image_json(Store& store, const ImageRecord& image);

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

// One row per name (an image without names: one "<none>" row), newest
// first, each a JSON object with podman's `images --format` fields:
// ID, Repository, Tag, Digest, Created (since, human), CreatedAt,
// CreatedSince, Size, VirtualSize, SharedSize, UniqueSize, Labels,
// Containers, ReadOnly, Dangling, Names, Digests, History.
std::vector<nlohmann::json> image_list_rows(Store& store, const ImageListOptions& options,
                                            std::chrono::system_clock::time_point now);

// Glob match with '*' and '?' (podman's reference filter semantics).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace nook::image
