#include "sys/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include "sys/error.hpp"

namespace nook {
namespace {

int op_of(FileLock::Mode mode) {
  return mode == FileLock::Mode::shared ? LOCK_SH : LOCK_EX;
}

UniqueFd open_lock_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) throw_errno("open lock file", path);
  return fd;
}

}  // namespace

FileLock FileLock::acquire(const std::string& path, Mode mode) {
  UniqueFd fd = open_lock_file(path);
  if (retry_eintr([&] { return ::flock(fd.get(), op_of(mode)); }) < 0) throw_errno("flock", path);
  return FileLock(std::move(fd));
}

FileLock FileLock::try_acquire(const std::string& path, Mode mode) {
  return try_acquire_fd(open_lock_file(path), path, mode);
}

FileLock FileLock::try_acquire_fd(UniqueFd fd, const std::string& what, Mode mode) {
  if (retry_eintr([&] { return ::flock(fd.get(), op_of(mode) | LOCK_NB); }) < 0) {
    if (errno == EWOULDBLOCK) return FileLock();
    throw_errno("flock", what);
  }
  return FileLock(std::move(fd));
}

}  // namespace nook
