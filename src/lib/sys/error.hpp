#pragma once
// One error type for the whole library: what was being done, on what, and
// the errno if the kernel said no. The CLI prints what() as one line.
#include <cerrno>
#include <stdexcept>
#include <string>

namespace nook {

class Error : public std::runtime_error {
 public:
  // errnum == 0 means "not a system error" (bad input, bad state).
  Error(std::string op, std::string path, int errnum, std::string detail = {});
  explicit Error(std::string message);
  // A message composed elsewhere (e.g. in the container's init) that still
  // remembers the errno behind it.
  Error(std::string message, int errnum);

  int errnum() const noexcept { return errnum_; }
  const std::string& op() const noexcept { return op_; }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string op_;
  std::string path_;
  int errnum_ = 0;
};

// Throws Error(op, path, errno).
[[noreturn]] void throw_errno(const std::string& op, const std::string& path = {});
[[noreturn]] void throw_errno(const std::string& op, const std::string& path, int errnum);

// Retries a syscall-like call while it fails with EINTR.
template <typename F>
auto retry_eintr(F&& f) {
  decltype(f()) r;
  do {
    r = f();
  } while (r == -1 && errno == EINTR);
  return r;
}

}  // namespace nook
