#pragma once
// Where a decompressor reads a layer's bytes from: a file descriptor (a
// blob on disk, an archive, stdin) or, during a pull, the download itself
// handed over in memory (ByteChannel).
#include <cstddef>
#include <cstdint>

namespace nook::image {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills buf with 1..n bytes, or returns 0 at the end of the stream (or
  // when n is 0).
  // Throws Error when the bytes cannot be had.
  virtual size_t read(uint8_t* buf, size_t n) = 0;
};

// Reads a borrowed fd (a file or a pipe) strictly in order.
class FdByteSource final : public ByteSource {
 public:
  explicit FdByteSource(int fd) : fd_(fd) {}
  size_t read(uint8_t* buf, size_t n) override;

 private:
  int fd_;
};

}  // namespace nook::image
