#include "sys/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "sys/error.hpp"

namespace nook {

UniqueFd open_fd(const std::string& path, int flags, int mode) {
  int fd = retry_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, mode); });
  if (fd < 0) throw_errno("open", path);
  return UniqueFd(fd);
}

std::string read_file(const std::string& path) {
  UniqueFd fd = open_fd(path, O_RDONLY);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n < 0) throw_errno("read", path);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = retry_eintr([&] { return ::write(fd, data.data(), data.size()); });
    if (n < 0) throw_errno("write", what);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void write_file(const std::string& path, std::string_view data, int flags, int mode) {
  UniqueFd fd = open_fd(path, O_WRONLY | (flags ? flags : (O_CREAT | O_TRUNC)), mode);
  write_all(fd.get(), data, path);
}

void write_file_atomic(const std::string& path, std::string_view data, int mode, bool durable) {
  // mkostemp: an unpredictable name created with O_EXCL, so nobody can plant
  // a symlink where the temporary file will be (pid files may sit in /tmp).
  std::string tmp = path + ".tmp.XXXXXX";
  int raw = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (raw < 0) throw_errno("create temporary file", path);
  UniqueFd fd(raw);
  try {
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) < 0) throw_errno("chmod", tmp);
    write_all(fd.get(), data, tmp);
    if (durable && ::fsync(fd.get()) < 0) throw_errno("fsync", tmp);
    if (::rename(tmp.c_str(), path.c_str()) < 0) throw_errno("rename", path);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

void make_dirs(const std::string& path, int mode) {
  if (path.empty()) return;
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return;
  if (errno != ENOENT) throw_errno("mkdir", path);
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_dirs(path.substr(0, slash), mode);
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) throw_errno("mkdir", path);
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec && ec.value() != ENOENT) throw Error("remove", path, ec.value());
}

std::vector<std::string> list_dir_at(int dir_fd, const std::string& shown) {
  int dup = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup < 0) throw_errno("open directory", shown);
  DIR* d = ::fdopendir(dup);
  if (!d) {
    int e = errno;
    ::close(dup);
    throw_errno("read directory", shown, e);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* de = ::readdir(d)) {
    std::string_view n = de->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  int e = errno;
  ::closedir(d);
  if (e != 0) throw_errno("read directory", shown, e);
  return names;
}

}  // namespace nook
