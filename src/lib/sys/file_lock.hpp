#pragma once
// flock(2) locks held for the life of an object. flock locks belong to the
// open file description, so they die with the process: a kill -9 can never
// leave a lock behind for the next nook to trip over.
#include <string>

#include "sys/fd.hpp"

namespace nook {

class FileLock {
 public:
  enum class Mode { shared, exclusive };

  FileLock() = default;
  // Opens (creating) path and waits for the lock.
  static FileLock acquire(const std::string& path, Mode mode);
  // Does not wait: an empty FileLock when someone else holds it.
  static FileLock try_acquire(const std::string& path, Mode mode);
  // Locks an fd the caller opened (a directory, say); takes ownership.
  static FileLock try_acquire_fd(UniqueFd fd, const std::string& what, Mode mode);

  explicit operator bool() const { return static_cast<bool>(fd_); }
  int fd() const { return fd_.get(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace nook
