#include "sys/path_in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "sys/error.hpp"

namespace nook {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    if (!part.empty() && part != ".") parts.push_back(part);
    i = j + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += (i ? "/" : "") + parts[i];
  return s.empty() ? "." : s;
}

}  // namespace

UniqueFd open_in_root_nothrow(int root_fd, const std::string& path, int flags, int mode) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? static_cast<uint64_t>(mode) : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  int fd = static_cast<int>(
      retry_eintr([&] { return ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how); }));
  return UniqueFd(fd);
}

UniqueFd open_in_root(int root_fd, const std::string& path, int flags, int mode) {
  UniqueFd fd = open_in_root_nothrow(root_fd, path, flags, mode);
  if (!fd) throw_errno("open", path);
  return fd;
}

UniqueFd make_dirs_in_root(int root_fd, const std::string& path, int mode) {
  auto parts = split_path(path);
  UniqueFd cur = open_in_root(root_fd, ".", O_PATH | O_DIRECTORY);
  for (size_t i = 1; i <= parts.size(); ++i) {
    std::string prefix = join(parts, i);
    UniqueFd next = open_in_root_nothrow(root_fd, prefix, O_PATH | O_DIRECTORY);
    if (!next && errno == ENOENT) {
      // mkdirat on the resolved parent: a dangling symlink named like the
      // component makes mkdirat fail with EEXIST instead of following it.
      if (::mkdirat(cur.get(), parts[i - 1].c_str(), static_cast<mode_t>(mode)) < 0 &&
          errno != EEXIST)
        throw_errno("mkdir", "/" + prefix);
      next = open_in_root_nothrow(root_fd, prefix, O_PATH | O_DIRECTORY);
    }
    if (!next) throw_errno("open directory", "/" + prefix);
    cur = std::move(next);
  }
  return cur;
}

UniqueFd make_file_in_root(int root_fd, const std::string& path, int mode) {
  UniqueFd fd = open_in_root_nothrow(root_fd, path, O_PATH);
  if (fd) return fd;
  if (errno != ENOENT) throw_errno("open", path);
  auto parts = split_path(path);
  if (parts.empty()) throw Error("open", path, EISDIR);
  std::string parent = join(parts, parts.size() - 1);
  UniqueFd dir = make_dirs_in_root(root_fd, parent);
  UniqueFd dir_real = open_in_root(root_fd, parent, O_DIRECTORY | O_RDONLY);
  int created =
      ::openat(dir_real.get(), parts.back().c_str(),
               O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, static_cast<mode_t>(mode));
  if (created < 0 && errno != EEXIST) throw_errno("create", path);
  if (created >= 0) ::close(created);
  return open_in_root(root_fd, path, O_PATH);
}

std::string fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace nook
