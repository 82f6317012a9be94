#include "image/byte_source.hpp"

#include <unistd.h>

#include "sys/error.hpp"

namespace nook::image {

size_t FdByteSource::read(uint8_t* buf, size_t n) {
  if (n == 0) return 0;
  ssize_t r = retry_eintr([&] { return ::read(fd_, buf, n); });
  if (r < 0) throw_errno("read layer blob");
  return static_cast<size_t>(r);
}

}  // namespace nook::image
