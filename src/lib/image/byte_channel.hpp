#pragma once
// Bytes from one thread to another through a bounded buffer in memory: a
// pull's download thread hands each chunk to the thread that inflates and
// unpacks it. One copy in and one out, and the threads wake each other
// only when the buffer turns empty or full: a socketpair between them cost
// two kernel copies and a system call per 16 KiB chunk each way.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "image/byte_source.hpp"

namespace nook::image {

class ByteChannel final : public ByteSource {
 public:
  explicit ByteChannel(size_t capacity = 1 << 20);
  ByteChannel(const ByteChannel&) = delete;
  ByteChannel& operator=(const ByteChannel&) = delete;

  // Writer side. Blocks while the buffer is full; false once the reader
  // has stopped (close_read), so a failed unpack never leaves the
  // download waiting.
  bool write(const void* data, size_t len);
  // No more bytes: the reader gets the rest, then end of stream.
  void close_write();

  // Reader side: blocks while the buffer is empty and the writer is open.
  size_t read(uint8_t* buf, size_t n) override;
  // The reader is done (finished or failed): pending and later writes fail.
  void close_read();

 private:
  std::unique_ptr<uint8_t[]> buf_;
  size_t capacity_;
  size_t head_ = 0;  // next byte to read
  size_t size_ = 0;  // bytes buffered
  bool write_closed_ = false;
  bool read_closed_ = false;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
};

}  // namespace nook::image
