#include "image/layer_unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <sstream>
#include <unordered_set>
#include <vector>

#include "image/decompress.hpp"
#include "image/digest.hpp"
#include "image/layer_entry_path.hpp"
#include "image/whiteout.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "sys/path_in_root.hpp"

namespace nook::image {
namespace {

constexpr size_t kStreamBlock = 1 << 20;
// Files from this size on get their writeback started when written.
constexpr la_int64_t kWritebackFrom = 256 << 10;

// libarchive converts pax (UTF-8) names to the locale's charset; under the
// C locale non-ASCII names would fail to convert. C.UTF-8 for this thread
// only keeps names byte-exact without touching the process's locale.
class Utf8Locale {
 public:
  Utf8Locale() : loc_(::newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(0))) {
    if (loc_) old_ = ::uselocale(loc_);
  }
  ~Utf8Locale() {
    if (loc_) {
      ::uselocale(old_);
      ::freelocale(loc_);
    }
  }
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;

 private:
  locale_t loc_;
  locale_t old_ = LC_GLOBAL_LOCALE;
};

// The uncompressed tar as libarchive reads it: hashed for the diff_id and
// counted against the bomb limit on the way. Exceptions cannot cross
// libarchive's C frames, so the callback parks them for unpack_layer.
class TarStream {
 public:
  TarStream(Decompressor& dec, uint64_t max_bytes)
      : dec_(dec), max_(max_bytes), buf_(new uint8_t[kStreamBlock]) {}
  TarStream(const TarStream&) = delete;
  TarStream& operator=(const TarStream&) = delete;

  static la_ssize_t read_cb(struct archive* a, void* self, const void** out) {
    auto* s = static_cast<TarStream*>(self);
    try {
      size_t n = s->pull();
      *out = s->buf_.get();
      return static_cast<la_ssize_t>(n);
    } catch (...) {
      s->error_ = std::current_exception();
      archive_set_error(a, EIO, "layer stream failed");
      return -1;
    }
  }

  size_t pull() {
    size_t n = dec_.read(buf_.get(), kStreamBlock);
    total_ += n;
    if (total_ > max_)
      throw Error("unpack layer: the uncompressed layer exceeds the limit of " +
                  std::to_string(max_) + " bytes (decompression bomb?)");
    hasher_.update(buf_.get(), n);
    return n;
  }
  // libarchive stops at the end-of-archive blocks; the diff_id covers the
  // whole stream, padding included.
  void drain() {
    while (pull() > 0) {
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }
  std::string diff_id() const { return hasher_.digest(); }
  uint64_t total() const { return total_; }

 private:
  Decompressor& dec_;
  uint64_t max_;
  uint64_t total_ = 0;
  std::unique_ptr<uint8_t[]> buf_;
  Hasher hasher_{"sha256"};
  std::exception_ptr error_;
};

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// libarchive's own pax writer stores each xattr twice (LIBARCHIVE.xattr and
// SCHILY.xattr) and its reader reports both: one value per name.
std::map<std::string, std::string> entry_xattrs(struct archive_entry* e) {
  std::map<std::string, std::string> out;
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
    if (name) out[name] = std::string(static_cast<const char*>(value), size);
  return out;
}

struct DirMeta {
  mode_t mode;
  uid_t uid;
  gid_t gid;
  struct timespec times[2];
  std::map<std::string, std::string> xattrs;
  dev_t dev;
  ino_t ino;
};

class Unpacker {
 public:
  Unpacker(const UnpackOptions& opt, int root, UnpackResult& res)
      : opt_(opt), root_(root), res_(res) {}

  void entry(struct archive* a, struct archive_entry* e);
  void finish_dirs();

 private:
  int parent_fd(const EntryPath& p, bool create);
  void forget_parent() { parent_valid_ = false; }
  void note_in_layer(const EntryPath& p);

  void whiteout(const EntryPath& p, WhiteoutKind kind);
  void regular(struct archive* a, struct archive_entry* e, const EntryPath& p);
  void directory(struct archive_entry* e, const EntryPath& p);
  void symlink(struct archive_entry* e, const EntryPath& p);
  void hardlink(struct archive_entry* e, const EntryPath& p);
  void special(struct archive_entry* e, const EntryPath& p, mode_t type);

  // Runs make() (which returns a syscall result); if the name exists, removes
  // it (a whole tree for a directory) and tries once more.
  template <typename F>
  int create_replacing(int parent, const EntryPath& p, const char* op, F make);

  void owner_and_mode_at(int parent, const EntryPath& p, struct archive_entry* e, bool is_link);
  void set_xattrs(int fd, const EntryPath& p, struct archive_entry* e);
  void set_xattr(int fd, const std::string& shown, const std::string& name,
                 const std::string& value);
  std::pair<uid_t, gid_t> owner(struct archive_entry* e, const EntryPath& p);

  const UnpackOptions& opt_;
  int root_;
  UnpackResult& res_;

  // Tars list a directory's entries together: remember the last parent.
  std::string parent_path_;
  UniqueFd parent_;
  bool parent_valid_ = false;

  std::map<std::string, DirMeta> dirs_;
  std::unordered_set<std::string> in_layer_;  // vfs: paths this layer made
  std::unordered_set<std::string> skipped_devices_;
};

struct timespec to_ts(time_t s, long ns) {
  return timespec{s, ns};
}

void entry_times(struct archive_entry* e, struct timespec out[2]) {
  out[1] = archive_entry_mtime_is_set(e)
               ? to_ts(archive_entry_mtime(e), archive_entry_mtime_nsec(e))
               : timespec{0, UTIME_OMIT};
  out[0] = archive_entry_atime_is_set(e)
               ? to_ts(archive_entry_atime(e), archive_entry_atime_nsec(e))
               : out[1];
}

int Unpacker::parent_fd(const EntryPath& p, bool create) {
  std::string parent = p.parent();
  if (parent_valid_ && parent == parent_path_) return parent_.get();
  UniqueFd fd = open_in_root_nothrow(root_, parent, O_PATH | O_DIRECTORY);
  if (!fd) {
    if (errno != ENOENT) throw_errno("open directory", "/" + parent);
    if (!create) return -1;
    fd = make_dirs_in_root(root_, parent);
  }
  parent_ = std::move(fd);
  parent_path_ = parent;
  parent_valid_ = true;
  return parent_.get();
}

void Unpacker::note_in_layer(const EntryPath& p) {
  if (opt_.whiteouts != UnpackOptions::Whiteouts::vfs) return;
  std::string prefix;
  for (const auto& part : p.parts) {
    prefix += (prefix.empty() ? "" : "/") + part;
    in_layer_.insert(prefix);
  }
}

template <typename F>
int Unpacker::create_replacing(int parent, const EntryPath& p, const char* op, F make) {
  int r = make();
  if (r >= 0) return r;
  if (errno != EEXIST) throw_errno(op, p.shown());
  remove_at(parent, p.name(), p.shown());
  forget_parent();
  r = make();
  if (r < 0) throw_errno(op, p.shown());
  return r;
}

std::pair<uid_t, gid_t> Unpacker::owner(struct archive_entry* e, const EntryPath& p) {
  la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
  if (uid < 0 || uid >= 0xFFFFFFFFll || gid < 0 || gid >= 0xFFFFFFFFll)
    throw Error("unpack layer: entry `" + p.shown() + "` has an invalid owner " +
                std::to_string(uid) + ":" + std::to_string(gid));
  return {static_cast<uid_t>(uid), static_cast<gid_t>(gid)};
}

// How many ids /proc/self/{uid,gid}_map maps (0 when unreadable).
uint64_t mapped_ids(const char* map_file) {
  std::string map;
  try {
    map = read_file(map_file);
  } catch (const Error&) {
    return 0;
  }
  uint64_t total = 0;
  std::istringstream in(map);
  uint64_t inside, outside, count;
  while (in >> inside >> outside >> count) total += count;
  return total;
}

[[noreturn]] void chown_failed(const std::string& shown, uid_t uid, gid_t gid) {
  int e = errno;
  std::string owner = "owner " + std::to_string(uid) + ":" + std::to_string(gid);
  if (e == EINVAL) {
    // EINVAL from chown: an id the user namespace does not map. Podman
    // points at the subordinate ids; so do we, with the numbers.
    uint64_t uids = mapped_ids("/proc/self/uid_map"), gids = mapped_ids("/proc/self/gid_map");
    throw Error("chown", shown, e,
                owner + " is not mapped in this user namespace (" + std::to_string(uids) +
                    " uids, " + std::to_string(gids) +
                    " gids): the image needs more subordinate ids in /etc/subuid and "
                    "/etc/subgid");
  }
  throw Error(
      "chown", shown, e,
      owner + " (unpack in a user namespace that maps the layer's owners, or without chown)");
}

void Unpacker::set_xattr(int fd, const std::string& shown, const std::string& name,
                         const std::string& value) {
  // overlay.* xattrs steer overlayfs (redirects, metacopy, opaque): a layer
  // setting them could make the mounted tree show what it does not contain.
  if (name.rfind("trusted.overlay.", 0) == 0 || name.rfind("user.overlay.", 0) == 0) {
    ++res_.skipped_xattrs;
    return;
  }
  if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) == 0) return;
  int e = errno;
  bool optional = name != "security.capability" &&
                  (name.rfind("trusted.", 0) == 0 || name.rfind("security.", 0) == 0);
  if (e == ENOTSUP || (optional && (e == EPERM || e == EACCES))) {
    ++res_.skipped_xattrs;
    return;
  }
  throw Error("set xattr " + name, shown, e);
}

void Unpacker::set_xattrs(int fd, const EntryPath& p, struct archive_entry* e) {
  for (const auto& [name, value] : entry_xattrs(e)) set_xattr(fd, p.shown(), name, value);
}

void Unpacker::owner_and_mode_at(int parent, const EntryPath& p, struct archive_entry* e,
                                 bool is_link) {
  const char* name = p.name().c_str();
  if (opt_.chown) {
    auto [uid, gid] = owner(e, p);
    if (::fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
      chown_failed(p.shown(), uid, gid);
  }
  if (!is_link) {
    // chmod has no "don't follow" flag before Linux 6.6 (fchmodat2): go
    // through an O_PATH fd of the very node, after checking it is no symlink.
    UniqueFd node(::openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!node || ::fstat(node.get(), &st) < 0) throw_errno("open", p.shown());
    if (S_ISLNK(st.st_mode)) throw Error("chmod", p.shown(), ELOOP);
    mode_t mode = archive_entry_perm(e) & 07777;
    if (::fchmodat(AT_FDCWD, fd_path(node.get()).c_str(), mode, 0) < 0)
      throw_errno("chmod", p.shown());
  }
  struct timespec t[2];
  entry_times(e, t);
  if (::utimensat(parent, name, t, AT_SYMLINK_NOFOLLOW) < 0) throw_errno("set times", p.shown());
}

void Unpacker::entry(struct archive* a, struct archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  if (!raw) throw Error("unpack layer: an entry has no path");
  EntryPath p = clean_path(raw, "entry path");
  const char* link = archive_entry_hardlink(e);
  mode_t type = archive_entry_filetype(e);

  if (p.parts.empty()) {
    // "./": the layer root's own metadata.
    if (link || type != AE_IFDIR)
      throw Error("unpack layer: an entry that is not a directory names the layer root");
    directory(e, p);
    return;
  }
  WhiteoutKind wk = whiteout_kind(p.name());
  if (wk != WhiteoutKind::none) {
    whiteout(p, wk);
    return;
  }
  note_in_layer(p);
  if (link) {
    hardlink(e, p);
    return;
  }
  switch (type) {
    case AE_IFREG:
      regular(a, e, p);
      return;
    case AE_IFDIR:
      directory(e, p);
      return;
    case AE_IFLNK:
      symlink(e, p);
      return;
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      special(e, p, type);
      return;
    default:
      throw Error("unpack layer: entry `" + p.shown() + "` has an unsupported type (mode " +
                  std::to_string(type) + ")");
  }
}

void Unpacker::whiteout(const EntryPath& p, WhiteoutKind kind) {
  bool vfs = opt_.whiteouts == UnpackOptions::Whiteouts::vfs;
  if (kind == WhiteoutKind::aufs) return;
  if (kind == WhiteoutKind::opaque) {
    std::string dir = p.parent();
    std::string shown = "/" + dir;
    if (vfs) {
      UniqueFd fd = open_in_root_nothrow(root_, dir, O_RDONLY | O_DIRECTORY);
      if (!fd) {
        if (errno == ENOENT) return;
        throw_errno("open directory", shown);
      }
      clear_opaque_dir(fd.get(), dir,
                       [this](const std::string& path) { return in_layer_.count(path) > 0; });
      forget_parent();
      return;
    }
    make_dirs_in_root(root_, dir);
    UniqueFd fd = open_in_root(root_, dir, O_RDONLY | O_DIRECTORY);
    mark_overlay_opaque(fd.get(), shown);
    return;
  }
  std::string target(whiteout_target(p.name()));
  if (target == "." || target == "..")
    throw Error("unpack layer: invalid whiteout `" + p.shown() + "`");
  std::string parent = p.parent();
  std::string shown = "/" + (parent.empty() ? target : parent + "/" + target);
  if (vfs) {
    int fd = parent_fd(p, false);
    if (fd < 0) return;
    remove_at(fd, target, shown);
    forget_parent();
    return;
  }
  make_overlay_whiteout(parent_fd(p, true), target, shown);
  forget_parent();
}

void Unpacker::regular(struct archive* a, struct archive_entry* e, const EntryPath& p) {
  int parent = parent_fd(p, true);
  const char* name = p.name().c_str();
  UniqueFd f(create_replacing(parent, p, "create", [&] {
    return ::openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  }));
  la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
  if (size < 0 || static_cast<uint64_t>(size) > opt_.max_bytes)
    throw Error("unpack layer: entry `" + p.shown() + "` (" + std::to_string(size) +
                " bytes) exceeds the limit of " + std::to_string(opt_.max_bytes) +
                " bytes (decompression bomb?)");
  la_int64_t end = 0;
  for (;;) {
    const void* buf;
    size_t len;
    la_int64_t off;
    int r = archive_read_data_block(a, &buf, &len, &off);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);
      throw Error("unpack layer: reading the data of `" + p.shown() +
                  "`: " + (msg ? msg : "unknown error"));
    }
    if (off < 0 || off > size || static_cast<la_int64_t>(len) > size - off)
      throw Error("unpack layer: entry `" + p.shown() + "` has more data than its header size");
    const char* data = static_cast<const char*>(buf);
    size_t done = 0;
    while (done < len) {
      ssize_t w = retry_eintr([&] {
        return ::pwrite(f.get(), data + done, len - done, static_cast<off_t>(off) + done);
      });
      if (w < 0) throw_errno("write", p.shown());
      done += static_cast<size_t>(w);
    }
    res_.bytes_written += len;
    end = std::max<la_int64_t>(end, off + static_cast<la_int64_t>(len));
  }
  // Writeback starts now rather than at the syncfs that publishes the
  // layer, which then finds most of the data on its way to disk.
  if (end >= kWritebackFrom) ::sync_file_range(f.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
  // A sparse file's trailing hole.
  if (end < size && ::ftruncate(f.get(), size) < 0) throw_errno("truncate", p.shown());
  if (opt_.chown) {
    auto [uid, gid] = owner(e, p);
    if (::fchown(f.get(), uid, gid) < 0) chown_failed(p.shown(), uid, gid);
  }
  // After chown, which clears setuid/setgid and security.capability.
  if (::fchmod(f.get(), archive_entry_perm(e) & 07777) < 0) throw_errno("chmod", p.shown());
  set_xattrs(f.get(), p, e);
  struct timespec t[2];
  entry_times(e, t);
  if (::futimens(f.get(), t) < 0) throw_errno("set times", p.shown());
}

void Unpacker::directory(struct archive_entry* e, const EntryPath& p) {
  UniqueFd fd;
  if (p.parts.empty()) {
    fd = open_in_root(root_, ".", O_RDONLY | O_DIRECTORY);
  } else {
    int parent = parent_fd(p, true);
    const char* name = p.name().c_str();
    if (::mkdirat(parent, name, 0700) < 0) {
      if (errno != EEXIST) throw_errno("mkdir", p.shown());
      struct stat st;
      if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) throw_errno("stat", p.shown());
      if (!S_ISDIR(st.st_mode)) {
        remove_at(parent, name, p.shown());
        forget_parent();
        if (::mkdirat(parent, name, 0700) < 0) throw_errno("mkdir", p.shown());
      }
    }
    fd.reset(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw_errno("open directory", p.shown());
  }
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) throw_errno("stat", p.shown());
  // Owner, mode, xattrs and times wait for the end: a read-only or
  // differently owned directory must still take its children, and writing
  // children would change its mtime.
  DirMeta m{};
  m.mode = archive_entry_perm(e) & 07777;
  if (opt_.chown) std::tie(m.uid, m.gid) = owner(e, p);
  entry_times(e, m.times);
  m.xattrs = entry_xattrs(e);
  m.dev = st.st_dev;
  m.ino = st.st_ino;
  dirs_[p.rel] = std::move(m);
}

void Unpacker::symlink(struct archive_entry* e, const EntryPath& p) {
  const char* target = archive_entry_symlink(e);
  if (!target || !*target) throw Error("unpack layer: symlink `" + p.shown() + "` has no target");
  if (std::string_view(target).size() >= PATH_MAX)
    throw Error("unpack layer: symlink `" + p.shown() + "` has a target longer than " +
                std::to_string(PATH_MAX - 1) + " bytes");
  int parent = parent_fd(p, true);
  // Stored as given: the target is resolved only inside the container,
  // and extraction itself never follows a link it made.
  create_replacing(parent, p, "symlink",
                   [&] { return ::symlinkat(target, parent, p.name().c_str()); });
  owner_and_mode_at(parent, p, e, true);
  // Linux allows user.* xattrs on regular files and directories only, and
  // the rest need privileges a user namespace lacks: counted, not set.
  res_.skipped_xattrs += entry_xattrs(e).size();
}

void Unpacker::hardlink(struct archive_entry* e, const EntryPath& p) {
  EntryPath target = clean_path(archive_entry_hardlink(e), "hard link target");
  if (target.parts.empty())
    throw Error("unpack layer: hard link `" + p.shown() + "` points at the layer root");
  if (skipped_devices_.count(target.rel)) {
    ++res_.skipped_devices;
    skipped_devices_.insert(p.rel);
    return;
  }
  // The target resolves inside the layer; its last component is not
  // followed, so a link to a symlink is seen as one and refused.
  UniqueFd t = open_in_root_nothrow(root_, target.rel, O_PATH | O_NOFOLLOW);
  int open_errno = errno;
  if (!t)
    throw Error("unpack layer: hard link `" + p.shown() + "` -> `" + target.shown() + "`", "",
                open_errno, "the target must be a file earlier in the layer");
  struct stat st;
  if (::fstat(t.get(), &st) < 0) throw_errno("stat", target.shown());
  if (!S_ISREG(st.st_mode))
    throw Error("unpack layer: hard link `" + p.shown() + "` -> `" + target.shown() +
                "`: the target is not a regular file");
  int parent = parent_fd(p, true);
  const char* name = p.name().c_str();
  struct stat existing;
  if (::fstatat(parent, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
      existing.st_dev == st.st_dev && existing.st_ino == st.st_ino)
    return;
  create_replacing(parent, p, "hard link", [&] {
    // Links the inode the fd holds. AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH
    // in the initial namespace; the /proc magic link does not.
    int r = ::linkat(t.get(), "", parent, name, AT_EMPTY_PATH);
    if (r < 0 && errno == ENOENT)
      r = ::linkat(AT_FDCWD, fd_path(t.get()).c_str(), parent, name, AT_SYMLINK_FOLLOW);
    return r;
  });
}

void Unpacker::special(struct archive_entry* e, const EntryPath& p, mode_t type) {
  int parent = parent_fd(p, true);
  dev_t dev =
      type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
  mode_t kind = type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO;
  int r = ::mknodat(parent, p.name().c_str(), kind | 0600, dev);
  if (r < 0 && errno == EEXIST) {
    remove_at(parent, p.name(), p.shown());
    forget_parent();
    r = ::mknodat(parent, p.name().c_str(), kind | 0600, dev);
  }
  if (r < 0) {
    // No device nodes in a user namespace; the container gets the host's
    // devices bind-mounted instead (as podman does).
    if (errno == EPERM && kind != S_IFIFO) {
      ++res_.skipped_devices;
      skipped_devices_.insert(p.rel);
      return;
    }
    throw_errno(kind == S_IFIFO ? "mkfifo" : "mknod", p.shown());
  }
  owner_and_mode_at(parent, p, e, false);
  // As for symlinks: no user.* xattrs on special files.
  res_.skipped_xattrs += entry_xattrs(e).size();
}

void Unpacker::finish_dirs() {
  std::vector<std::pair<size_t, const std::string*>> order;
  for (const auto& [path, m] : dirs_)
    order.emplace_back(path.empty() ? 0 : std::count(path.begin(), path.end(), '/') + 1, &path);
  // Children before parents: a parent that becomes read-only must not stop
  // a child's chmod, and a child's change must not touch the parent's mtime.
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  for (const auto& [depth, path] : order) {
    const DirMeta& m = dirs_.at(*path);
    std::string shown = "/" + *path;
    UniqueFd fd = open_in_root_nothrow(root_, *path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (!fd) {
      // Replaced or whited out by a later entry.
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) continue;
      throw_errno("open directory", shown);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) throw_errno("stat", shown);
    if (st.st_dev != m.dev || st.st_ino != m.ino) continue;
    if (opt_.chown && ::fchown(fd.get(), m.uid, m.gid) < 0) chown_failed(shown, m.uid, m.gid);
    if (::fchmod(fd.get(), m.mode) < 0) throw_errno("chmod", shown);
    for (const auto& [name, value] : m.xattrs) set_xattr(fd.get(), shown, name, value);
    if (::futimens(fd.get(), m.times) < 0) throw_errno("set times", shown);
  }
}

}  // namespace

UnpackResult unpack_layer(int compressed_fd, const std::string& media_type,
                          const std::string& dest_dir, const UnpackOptions& options) {
  FdByteSource src(compressed_fd);
  return unpack_layer(src, media_type, dest_dir, options);
}

UnpackResult unpack_layer(ByteSource& compressed, const std::string& media_type,
                          const std::string& dest_dir, const UnpackOptions& options) {
  Compression c = layer_compression(media_type);
  UniqueFd root(::open(dest_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("open layer directory", dest_dir);
  std::unique_ptr<Decompressor> dec = open_decompressor(compressed, c);
  TarStream stream(*dec, options.max_bytes);
  Utf8Locale utf8;

  std::unique_ptr<struct archive, ArchiveFree> a(archive_read_new());
  if (!a) throw Error("unpack layer: cannot allocate libarchive reader");
  // Raw tar only: decompression is ours (faster, and verified above).
  archive_read_support_format_tar(a.get());
  archive_read_support_format_empty(a.get());
  auto fail = [&](const std::string& what) {
    stream.rethrow();
    const char* msg = archive_error_string(a.get());
    throw Error("unpack layer: " + what + ": " + (msg ? msg : "unknown libarchive error"));
  };
  if (archive_read_open(a.get(), &stream, nullptr, TarStream::read_cb, nullptr) != ARCHIVE_OK)
    fail("not a tar archive");

  UnpackResult res;
  Unpacker u(options, root.get(), res);
  for (;;) {
    struct archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    // A warning here means libarchive dropped part of the header (a
    // malformed or oversized pax record) and fell back on the ustar fields:
    // the entry would land under another name than every other tool reads.
    if (r != ARCHIVE_OK) fail("reading tar entry " + std::to_string(res.entries + 1));
    if (++res.entries > options.max_entries)
      throw Error("unpack layer: the layer has more than " + std::to_string(options.max_entries) +
                  " entries");
    try {
      u.entry(a.get(), e);
    } catch (const Error&) {
      stream.rethrow();  // the stream's own error (limit, corrupt data) says more
      throw;
    }
  }
  stream.rethrow();
  stream.drain();
  u.finish_dirs();
  res.diff_id = stream.diff_id();
  res.tar_size = stream.total();
  return res;
}

}  // namespace nook::image
