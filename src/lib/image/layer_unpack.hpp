#pragma once
// Unpacks one image layer (a tar, plain, gzip or zstd) into a directory,
// confined to it: every entry is created relative to a directory resolved
// with openat2(RESOLVE_IN_ROOT), the last component is never followed, and
// "..", absolute paths, symlinks and hard links cannot reach outside it.
//
// On any Error the directory holds a partial layer: the caller must delete
// dest_dir (it is meant to be a private temporary that is renamed into the
// store only after success). unpack_layer does not fsync; the caller syncs
// the finished tree (syncfs) before the rename that publishes it.
#include <cstdint>
#include <string>

#include "image/byte_source.hpp"

namespace nook::image {

struct UnpackOptions {
  enum class Whiteouts {
    overlay,  // one directory per layer: whiteouts become 0:0 char devices,
              // opaque dirs get user.overlay.opaque (and trusted.* if allowed)
    vfs,      // layers applied on top of each other in one directory:
              // whiteouts delete, opaque dirs lose what earlier layers put there
  };
  Whiteouts whiteouts = Whiteouts::overlay;
  // Give entries the owners the tar names. Needs a user namespace that maps
  // them (or real root); false leaves everything owned by the caller.
  bool chown = true;
  // Limits against decompression bombs and hostile archives: the size of
  // the uncompressed tar stream, and the number of tar entries.
  uint64_t max_bytes = 64ull << 30;
  uint64_t max_entries = 10'000'000;
};

struct UnpackResult {
  uint64_t bytes_written = 0;    // file data written (holes excluded)
  uint64_t tar_size = 0;         // bytes of the uncompressed tar stream
  uint64_t entries = 0;          // tar entries, whiteouts included
  std::string diff_id;           // "sha256:<hex>" of the uncompressed tar
  uint64_t skipped_devices = 0;  // device nodes mknod refused (user namespace)
  uint64_t skipped_xattrs = 0;   // xattrs the filesystem or namespace refused,
                                 // and overlay.* xattrs, which a layer may not set
};

// media_type: an OCI or Docker layer type (tar, tar+gzip, tar+zstd); the
// first bytes of the blob must match the compression it names. The fd is
// read sequentially to its end (a pipe is fine) and not closed.
// dest_dir must exist; it is usually empty (overlay) or holds the layers
// below (vfs).
UnpackResult unpack_layer(int compressed_fd, const std::string& media_type,
                          const std::string& dest_dir, const UnpackOptions& options);
// The same reading from any source (a pull's in-memory channel).
UnpackResult unpack_layer(ByteSource& compressed, const std::string& media_type,
                          const std::string& dest_dir, const UnpackOptions& options);

}  // namespace nook::image
