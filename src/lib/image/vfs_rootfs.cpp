#include "image/vfs_rootfs.hpp"

#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "image/whiteout.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "sys/path_in_root.hpp"

namespace nook::image {
namespace {

constexpr const char* kOpaqueXattr = "user.overlay.opaque";

// What a plain tree carries over, as containers/storage's vfs copy: user.*
// and file capabilities. security.selinux and friends belong to the host's
// policy (setting them may well be refused), overlay.* would steer a mount.
bool is_copied_xattr(std::string_view name) {
  if (name.starts_with("user.overlay.")) return false;
  return name.starts_with("user.") || name == "security.capability";
}

std::vector<std::string> xattr_names(int fd, const std::string& shown) {
  for (;;) {
    ssize_t size = ::flistxattr(fd, nullptr, 0);
    if (size < 0) {
      if (errno == ENOTSUP) return {};
      throw_errno("list xattrs", shown);
    }
    std::string buf(static_cast<size_t>(size), '\0');
    ssize_t got = ::flistxattr(fd, buf.data(), buf.size());
    if (got < 0) {
      if (errno == ERANGE) continue;  // grew in between
      throw_errno("list xattrs", shown);
    }
    std::vector<std::string> names;
    for (size_t at = 0; at < static_cast<size_t>(got);) {
      size_t end = buf.find('\0', at);
      if (end == std::string::npos) end = static_cast<size_t>(got);
      if (end > at) names.emplace_back(buf.substr(at, end - at));
      at = end + 1;
    }
    return names;
  }
}

// The value, or nullopt when the file does not have it.
std::optional<std::string> xattr_value(int fd, const std::string& name, const std::string& shown) {
  for (;;) {
    ssize_t size = ::fgetxattr(fd, name.c_str(), nullptr, 0);
    if (size < 0) {
      if (errno == ENODATA || errno == ENOTSUP) return std::nullopt;
      throw_errno("read xattr " + name, shown);
    }
    std::string buf(static_cast<size_t>(size), '\0');
    ssize_t got = ::fgetxattr(fd, name.c_str(), buf.data(), buf.size());
    if (got < 0) {
      if (errno == ERANGE) continue;
      throw_errno("read xattr " + name, shown);
    }
    buf.resize(static_cast<size_t>(got));
    return buf;
  }
}

bool is_whiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

class Copier {
 public:
  explicit Copier(int dest_root) : dest_root_(dest_root) {}

  void layer(const std::string& layer_dir) {
    layer_ = layer_dir;
    links_.clear();
    UniqueFd src(::open(layer_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!src) throw_errno("open layer", layer_dir);
    struct stat st;
    if (::fstat(src.get(), &st) < 0) throw_errno("stat", layer_dir);
    if (is_opaque(src.get(), "")) remove_dir_contents(dest_root_, "");
    open_up(dest_root_);
    merge(src.get(), dest_root_, "");
    // As overlay shows it: the merged root has the top layer's attributes.
    metadata(src.get(), dest_root_, st, "", true);
  }

  VfsCopyResult result;

 private:
  std::string src_shown(const std::string& rel) const { return layer_ + "/" + rel; }
  static std::string dst_shown(const std::string& rel) { return "/" + rel; }

  bool is_opaque(int dir_fd, const std::string& rel) const {
    auto v = xattr_value(dir_fd, kOpaqueXattr, src_shown(rel));
    return v && *v == "y";
  }

  // A directory this process cannot write (a lower layer made it 0555) is
  // opened up while it is filled; its final mode comes after its children.
  static void open_up(int dir_fd) {
    struct stat st;
    if (::fstat(dir_fd, &st) == 0 && (st.st_mode & 0700) != 0700)
      ::fchmod(dir_fd, (st.st_mode & 07777) | 0700);
  }

  void merge(int src, int dst, const std::string& rel) {
    for (const std::string& name : list_dir_at(src, src_shown(rel))) {
      std::string child = rel.empty() ? name : rel + "/" + name;
      struct stat st;
      if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
        throw_errno("stat", src_shown(child));
      struct stat existing;
      bool exists = ::fstatat(dst, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
      if (is_whiteout(st)) {
        if (exists) {
          remove_at(dst, name, dst_shown(child));
          ++result.whiteouts;
        }
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        directory(src, dst, name, child, st, exists && S_ISDIR(existing.st_mode));
        continue;
      }
      // Anything but a directory replaces what lower layers had there.
      if (exists) remove_at(dst, name, dst_shown(child));
      if (S_ISREG(st.st_mode)) {
        file(src, dst, name, child, st);
      } else if (S_ISLNK(st.st_mode)) {
        symlink(src, dst, name, child, st);
      } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        special(dst, name, child, st);
      }
      // Sockets cannot come from a layer tarball: nothing to copy.
    }
  }

  void directory(int src, int dst, const std::string& name, const std::string& rel,
                 const struct stat& st, bool dir_exists) {
    UniqueFd s(::openat(src, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!s) throw_errno("open directory", src_shown(rel));
    if (!dir_exists) {
      remove_at(dst, name, dst_shown(rel));
      if (::mkdirat(dst, name.c_str(), 0700) < 0) throw_errno("mkdir", dst_shown(rel));
      ++result.entries;
    }
    UniqueFd d(::openat(dst, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d) throw_errno("open directory", dst_shown(rel));
    if (dir_exists) {
      open_up(d.get());
      if (is_opaque(s.get(), rel)) remove_dir_contents(d.get(), dst_shown(rel));
    }
    merge(s.get(), d.get(), rel);
    metadata(s.get(), d.get(), st, rel, dir_exists);
  }

  void file(int src, int dst, const std::string& name, const std::string& rel,
            const struct stat& st) {
    auto key = std::make_pair(st.st_dev, st.st_ino);
    if (st.st_nlink > 1) {
      if (auto it = links_.find(key); it != links_.end()) {
        link_to(it->second, dst, name, rel);
        return;
      }
    }
    UniqueFd in(::openat(src, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) throw_errno("open", src_shown(rel));
    UniqueFd out(
        ::openat(dst, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) throw_errno("create", dst_shown(rel));
    if (::ioctl(out.get(), FICLONE, in.get()) == 0) {
      ++result.cloned;
    } else {
      copy_data(in.get(), out.get(), st.st_size, rel);
    }
    result.bytes += static_cast<uint64_t>(st.st_size);
    ++result.entries;
    metadata(in.get(), out.get(), st, rel);
    if (st.st_nlink > 1) links_[key] = rel;
  }

  // Data ranges only (SEEK_DATA/SEEK_HOLE): a sparse file stays sparse.
  void copy_data(int in, int out, off_t size, const std::string& rel) {
    off_t at = 0;
    while (at < size) {
      off_t data = ::lseek(in, at, SEEK_DATA);
      if (data < 0) {
        if (errno == ENXIO) break;  // only a hole is left
        throw_errno("seek", src_shown(rel));
      }
      off_t hole = ::lseek(in, data, SEEK_HOLE);
      if (hole < 0) throw_errno("seek", src_shown(rel));
      off_t from = data, to = data;
      while (from < hole) {
        ssize_t n = ::copy_file_range(in, &from, out, &to, static_cast<size_t>(hole - from), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 &&
            (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
          copy_by_read(in, out, from, hole, rel);
          break;
        }
        if (n < 0) throw_errno("copy", dst_shown(rel));
        if (n == 0) break;  // the file shrank under us
      }
      at = hole;
    }
    if (::ftruncate(out, size) < 0) throw_errno("truncate", dst_shown(rel));
  }

  void copy_by_read(int in, int out, off_t from, off_t to, const std::string& rel) {
    char buf[1 << 16];
    while (from < to) {
      size_t want = static_cast<size_t>(std::min<off_t>(to - from, sizeof buf));
      ssize_t n = retry_eintr([&] { return ::pread(in, buf, want, from); });
      if (n < 0) throw_errno("read", src_shown(rel));
      if (n == 0) return;
      for (ssize_t done = 0; done < n;) {
        ssize_t w = retry_eintr([&] { return ::pwrite(out, buf + done, n - done, from + done); });
        if (w < 0) throw_errno("write", dst_shown(rel));
        done += w;
      }
      from += n;
    }
  }

  void link_to(const std::string& first, int dst, const std::string& name, const std::string& rel) {
    auto slash = first.rfind('/');
    std::string parent = slash == std::string::npos ? "." : first.substr(0, slash);
    std::string base = slash == std::string::npos ? first : first.substr(slash + 1);
    // Confined to the new root: nothing a layer made can point it elsewhere.
    UniqueFd p = open_in_root(dest_root_, parent, O_PATH | O_DIRECTORY);
    if (::linkat(p.get(), base.c_str(), dst, name.c_str(), 0) < 0)
      throw_errno("link", dst_shown(rel) + " → " + dst_shown(first));
    ++result.entries;
  }

  void symlink(int src, int dst, const std::string& name, const std::string& rel,
               const struct stat& st) {
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(src, name.c_str(), target, sizeof target - 1);
    if (n < 0) throw_errno("read link", src_shown(rel));
    target[n] = '\0';
    if (::symlinkat(target, dst, name.c_str()) < 0) throw_errno("symlink", dst_shown(rel));
    ++result.entries;
    if (::fchownat(dst, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
      throw_errno("chown", dst_shown(rel));
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(dst, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0)
      throw_errno("set times", dst_shown(rel));
  }

  void special(int dst, const std::string& name, const std::string& rel, const struct stat& st) {
    if (::mknodat(dst, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) {
      // No device nodes in a user namespace (unpack skips them too).
      if (errno == EPERM && !S_ISFIFO(st.st_mode)) return;
      throw_errno(S_ISFIFO(st.st_mode) ? "mkfifo" : "mknod", dst_shown(rel));
    }
    ++result.entries;
    UniqueFd node(::openat(dst, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node) throw_errno("open", dst_shown(rel));
    std::string path = fd_path(node.get());
    if (::fchownat(AT_FDCWD, path.c_str(), st.st_uid, st.st_gid, 0) < 0)
      throw_errno("chown", dst_shown(rel));
    if (::fchmodat(AT_FDCWD, path.c_str(), st.st_mode & 07777, 0) < 0)
      throw_errno("chmod", dst_shown(rel));
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(AT_FDCWD, path.c_str(), times, 0) < 0) throw_errno("set times", dst_shown(rel));
  }

  // Owner first (chown clears setuid bits and file capabilities), then
  // mode, xattrs, and times last (the rest would change ctime only).
  void metadata(int src, int dst, const struct stat& st, const std::string& rel,
                bool merged = false) {
    if (::fchown(dst, st.st_uid, st.st_gid) < 0)
      throw Error("chown", dst_shown(rel), errno,
                  "owner " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) +
                      " (copy inside the storage user namespace)");
    if (::fchmod(dst, st.st_mode & 07777) < 0) throw_errno("chmod", dst_shown(rel));
    std::vector<std::string> names = xattr_names(src, src_shown(rel));
    if (merged) {
      // A merged directory shows the upper layer's xattrs, not the union.
      for (const std::string& n : xattr_names(dst, dst_shown(rel)))
        if (is_copied_xattr(n) && std::find(names.begin(), names.end(), n) == names.end() &&
            ::fremovexattr(dst, n.c_str()) < 0 && errno != ENODATA)
          throw_errno("remove xattr " + n, dst_shown(rel));
    }
    for (const std::string& n : names) {
      if (!is_copied_xattr(n)) continue;
      auto v = xattr_value(src, n, src_shown(rel));
      if (!v) continue;
      if (::fsetxattr(dst, n.c_str(), v->data(), v->size(), 0) == 0) continue;
      // Another filesystem than the store's (tmpfs, NFS) may not take it.
      if (errno == ENOTSUP || errno == EPERM || errno == EACCES) {
        ++result.skipped_xattrs;
        continue;
      }
      throw_errno("set xattr " + n, dst_shown(rel));
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(dst, times) < 0) throw_errno("set times", dst_shown(rel));
  }

  int dest_root_;
  std::string layer_;
  // A file with several links in this layer: the path its first copy got.
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

VfsCopyResult copy_layers_to_rootfs(const std::vector<std::string>& layers,
                                    const std::string& dest) {
  UniqueFd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("open", dest);
  if (!list_dir_at(root.get(), dest).empty())
    throw Error("copy layers", dest, 0, "the destination is not empty");
  Copier copier(root.get());
  for (const std::string& layer : layers) copier.layer(layer);
  return copier.result;
}

}  // namespace nook::image
