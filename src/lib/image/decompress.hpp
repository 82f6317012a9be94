#pragma once
// The compressed layer stream: gzip through ISA-L's igzip (several times
// zlib's inflate speed on x86), zstd through libzstd, or a plain tar. The
// media type decides which; the first bytes must agree with it, so a blob
// whose media type lies is refused instead of being fed to the wrong decoder.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "image/byte_source.hpp"

namespace nook::image {

enum class Compression { none, gzip, zstd };

// The compression a layer media type names. Knows the OCI layer types
// (incl. nondistributable) and Docker's rootfs.diff / foreign types; any
// other type throws Error.
Compression layer_compression(const std::string& media_type);

const char* compression_name(Compression c);

// Pulls bytes from a source, strictly in order, and hands out the
// uncompressed stream.
class Decompressor {
 public:
  virtual ~Decompressor() = default;
  // Fills buf with 1..n bytes, or returns 0 once the stream ended cleanly.
  // A corrupt, truncated or trailing-garbage stream throws Error.
  virtual size_t read(uint8_t* buf, size_t n) = 0;
};

// Reads the first bytes of src and checks their magic against `c` (a plain
// tar must not start like gzip or zstd; gzip and zstd must start with their
// own magic), then returns the decoder. src is borrowed: it must outlive
// the decoder.
std::unique_ptr<Decompressor> open_decompressor(ByteSource& src, Compression c);
// The same reading a borrowed fd (a file or a pipe) in order.
std::unique_ptr<Decompressor> open_decompressor(int fd, Compression c);

}  // namespace nook::image
