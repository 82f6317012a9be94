#pragma once
// `nook history`: an image config's history entries lined up with the
// layers they made, as podman (libimage) lines them up.
#include <cstdint>
#include <string>
#include <vector>

#include "image/store.hpp"

namespace nook::image {

struct HistoryEntry {
  // The ID (hex, no "sha256:") of an image whose layers end with the layer
  // this entry stands on, each ID given once, newest entry first: the
  // image's own for its newest entry, a base image's further down;
  // "<missing>" otherwise.
  std::string id;
  std::string created;  // RFC 3339 as the config has it; "" when absent
  std::string created_by, comment;
  int64_t size = 0;  // the layer's uncompressed tar bytes; 0 for an empty layer
};

// Newest first. A config without history gives none. Throws Error when
// the config cannot be read.
std::vector<HistoryEntry> image_history(Store& store, const ImageRecord& image);

}  // namespace nook::image
