#pragma once
// One layer from a registry into the store, streamed: each chunk the
// registry sends is written to the compressed blob's staging file and,
// through an in-memory ring, to a thread that inflates and unpacks it, so download,
// decompression and extraction overlap and memory stays at a few buffers
// whatever the layer's size.
#include <cstdint>
#include <functional>
#include <string>

#include "image/layer_unpack.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"
#include "image/store.hpp"

namespace nook::image {

struct LayerSource {
  std::string blob_digest;  // the manifest's layer descriptor
  std::string media_type;
  int64_t size = 0;
  std::string diff_id;  // what the image config says its content is
};

enum class LayerOutcome {
  fetched,         // downloaded and unpacked now
  already_exists,  // in the store before (maybe unpacked by a concurrent pull)
};

struct LayerFetchResult {
  LayerOutcome outcome = LayerOutcome::fetched;
  LayerRecord record;
  uint64_t skipped_devices = 0;
};

// Fetches, verifies (blob digest and size while streaming, diff id after
// the last byte) and publishes the layer. Waits while another process
// holds the same layer. Throws Error; nothing of a failed layer stays.
LayerFetchResult fetch_layer(Store& store, RegistryClient& client, const Reference& repo,
                             const LayerSource& source, const UnpackOptions& unpack,
                             const ProgressFn& progress = {});

// The same from a local stream (load, import): the blob is read from fd.
// blob_digest empty: computed (the source is trusted to be what it is,
// as an archive the user hands us). private_copy: the path of a file
// holding fd's bytes that nobody else can reach or change, on the store's
// filesystem (a copy nook made in a staging directory): the blob becomes a
// hard link to it instead of a second copy.
LayerFetchResult store_layer_from_fd(Store& store, int fd, const LayerSource& source,
                                     const UnpackOptions& unpack,
                                     const std::string& private_copy = {});

}  // namespace nook::image
