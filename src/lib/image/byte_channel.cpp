#include "image/byte_channel.hpp"

#include <algorithm>
#include <cstring>

namespace nook::image {

ByteChannel::ByteChannel(size_t capacity)
    : buf_(new uint8_t[std::max<size_t>(capacity, 1)]), capacity_(std::max<size_t>(capacity, 1)) {}

// One writer and one reader: the bytes between head_ and head_ + size_
// belong to the reader, the rest of the ring to the writer, so each copies
// its own part with the lock released and only the counters move under it.
bool ByteChannel::write(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  std::unique_lock lock(mu_);
  while (len > 0) {
    not_full_.wait(lock, [&] { return read_closed_ || size_ < capacity_; });
    if (read_closed_) return false;
    size_t tail = (head_ + size_) % capacity_;
    size_t k = std::min({len, capacity_ - size_, capacity_ - tail});
    lock.unlock();
    std::memcpy(buf_.get() + tail, p, k);
    lock.lock();
    bool was_empty = size_ == 0;
    size_ += k;
    p += k;
    len -= k;
    if (was_empty) not_empty_.notify_one();
  }
  return !read_closed_;
}

void ByteChannel::close_write() {
  std::lock_guard lock(mu_);
  write_closed_ = true;
  not_empty_.notify_one();
}

size_t ByteChannel::read(uint8_t* buf, size_t n) {
  if (n == 0) return 0;
  std::unique_lock lock(mu_);
  size_t done = 0;
  while (done < n) {
    if (done == 0) not_empty_.wait(lock, [&] { return size_ > 0 || write_closed_; });
    if (size_ == 0) break;
    size_t head = head_;
    size_t k = std::min({n - done, size_, capacity_ - head});
    lock.unlock();
    std::memcpy(buf + done, buf_.get() + head, k);
    lock.lock();
    bool was_full = size_ == capacity_;
    head_ = (head_ + k) % capacity_;
    size_ -= k;
    done += k;
    if (was_full) not_full_.notify_one();
  }
  return done;
}

void ByteChannel::close_read() {
  std::lock_guard lock(mu_);
  read_closed_ = true;
  not_full_.notify_one();
}

}  // namespace nook::image
