#include "image/archive_files.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <map>
#include <vector>

#include "sys/error.hpp"
#include "sys/path_in_root.hpp"

namespace nook::image {
namespace {

std::string shown(std::string_view name) {
  std::string s(name.substr(0, 200));
  if (name.size() > 200) s += "...";
  return "\"" + s + "\"";
}

std::vector<std::string> split_parts(std::string_view s) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('/', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view part = s.substr(i, j - i);
    i = j + 1;
    if (!part.empty() && part != ".") parts.emplace_back(part);
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

UniqueFd check_regular(UniqueFd fd, std::string_view name) {
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) throw_errno("fstat", std::string(name));
  if (!S_ISREG(st.st_mode)) throw Error("archive entry " + shown(name) + " is not a regular file");
  return fd;
}

struct ArchiveReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

class TarFiles final : public ArchiveFiles {
 public:
  TarFiles(int fd, const std::string& dir) : dir_(dir) {
    dir_fd_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd_) throw_errno("open", dir);
    read_all(fd);
  }

  bool has_file(std::string_view name) override {
    const Entry* e = find(name);
    return e && e->kind == Kind::file;
  }

  std::string private_copy(std::string_view name) override {
    const Entry* e = find(name);
    return e && e->kind == Kind::file ? dir_ + "/" + e->local : std::string();
  }

  UniqueFd open_file(std::string_view name) override {
    const Entry* e = find(name);
    if (!e) throw Error("the archive has no file " + shown(name));
    if (e->kind != Kind::file)
      throw Error("archive entry " + shown(name) + " is not a regular file");
    UniqueFd fd(::openat(dir_fd_.get(), e->local.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) throw_errno("open", dir_ + "/" + e->local);
    return fd;
  }

 private:
  enum class Kind { file, directory, symlink, other };
  struct Entry {
    Kind kind = Kind::other;
    std::string local;   // file: name in dir_
    std::string target;  // symlink: as written in the archive
  };

  // The archive's bytes; counted, to tell an empty input from a foreign one.
  struct Source {
    int fd;
    uint64_t total = 0;
    std::vector<char> buf = std::vector<char>(1 << 16);

    static la_ssize_t read(struct archive* a, void* self, const void** out) {
      auto* s = static_cast<Source*>(self);
      ssize_t n = retry_eintr([&] { return ::read(s->fd, s->buf.data(), s->buf.size()); });
      if (n < 0) {
        archive_set_error(a, errno, "read: %s", std::strerror(errno));
        return -1;
      }
      s->total += static_cast<uint64_t>(n);
      *out = s->buf.data();
      return n;
    }
  };

  void read_all(int fd) {
    std::unique_ptr<struct archive, ArchiveReadFree> a(archive_read_new());
    if (!a) throw Error("read archive: out of memory");
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_filter_zstd(a.get());
    // libarchive recognises the format while opening or at the first header.
    Source source{fd};
    auto unreadable = [&](size_t entries) {
      if (entries == 0 && source.total == 0) throw Error("read archive: the archive is empty");
      const char* msg = archive_error_string(a.get());
      throw Error(
          std::string("read archive: ") + (msg ? msg : "unreadable") +
          (entries == 0 ? " (not a tar archive: docker-archive and oci-archive are tars)" : ""));
    };
    if (archive_read_open(a.get(), &source, nullptr, &Source::read, nullptr) != ARCHIVE_OK)
      unreadable(0);
    size_t count = 0;
    for (;;) {
      struct archive_entry* e = nullptr;
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) unreadable(count);
      if (++count > kMaxArchiveEntries)
        throw Error("read archive: more than " + std::to_string(kMaxArchiveEntries) +
                    " entries; no image archive has that many");
      add(a.get(), e, count);
    }
    if (count == 0) throw Error("read archive: the archive is empty");
  }

  void add(struct archive* a, struct archive_entry* e, size_t n) {
    const char* raw = archive_entry_pathname(e);
    if (!raw) raw = archive_entry_pathname_utf8(e);
    if (!raw) throw Error("read archive: an entry name cannot be read");
    std::string_view name_view = raw;
    while (name_view.starts_with('/')) name_view.remove_prefix(1);
    std::string name = clean_archive_name(name_view, "archive entry");
    if (name.empty()) return;  // "./": the top itself
    Entry entry;
    if (const char* link = archive_entry_hardlink(e)) {
      std::string target = clean_archive_name(link, "hard link target");
      auto it = entries_.find(target);
      if (it == entries_.end() || it->second.kind != Kind::file)
        throw Error("archive entry " + shown(name) + " is a hard link to " + shown(target) +
                    ", which is not an earlier file of the archive");
      entry = it->second;
    } else {
      switch (archive_entry_filetype(e)) {
        case AE_IFREG:
          // Image archives never need holes; a sparse entry could claim a
          // terabyte of zeros that every later reader would have to read.
          if (archive_entry_sparse_count(e) > 0)
            throw Error("archive entry " + shown(name) +
                        " is a sparse file; image archives hold none");
          entry.kind = Kind::file;
          entry.local = "entry-" + std::to_string(n);
          copy_data(a, entry.local, name, archive_entry_size_is_set(e) ? archive_entry_size(e) : 0);
          break;
        case AE_IFDIR:
          entry.kind = Kind::directory;
          break;
        case AE_IFLNK: {
          entry.kind = Kind::symlink;
          const char* t = archive_entry_symlink(e);
          entry.target = t ? t : "";
          break;
        }
        default:
          entry.kind = Kind::other;
      }
    }
    auto [it, fresh] = entries_.emplace(name, std::move(entry));
    if (!fresh) {
      // A directory listed twice is harmless (some tools do); anything else
      // would make the archive mean two things.
      if (it->second.kind == Kind::directory && entry.kind == Kind::directory) return;
      throw Error("the archive holds " + shown(name) + " twice");
    }
  }

  void copy_data(struct archive* a, const std::string& local, const std::string& name,
                 la_int64_t size) {
    UniqueFd out(::openat(dir_fd_.get(), local.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!out) throw_errno("create", dir_ + "/" + local);
    for (;;) {
      const void* buf = nullptr;
      size_t len = 0;
      la_int64_t off = 0;
      int r = archive_read_data_block(a, &buf, &len, &off);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        const char* msg = archive_error_string(a);
        throw Error("read archive entry " + shown(name) + ": " + (msg ? msg : "unreadable"));
      }
      const char* p = static_cast<const char*>(buf);
      while (len > 0) {
        ssize_t w = retry_eintr([&] { return ::pwrite(out.get(), p, len, off); });
        if (w < 0) throw_errno("write", dir_ + "/" + local);
        p += w;
        off += w;
        len -= static_cast<size_t>(w);
      }
    }
    // A sparse entry may end in a hole that no block covered.
    struct stat st;
    if (::fstat(out.get(), &st) < 0) throw_errno("fstat", dir_ + "/" + local);
    if (st.st_size < size && ::ftruncate(out.get(), size) < 0)
      throw_errno("truncate", dir_ + "/" + local);
  }

  // The entry name leads to, following symlinks inside the archive;
  // nullptr when there is none. A link pointing out is an error, never a
  // silent miss: the archive is broken or hostile.
  const Entry* find(std::string_view name) {
    std::string clean = clean_archive_name(name, "archive path");
    std::deque<std::string> todo;
    for (std::string& p : split_parts(clean)) todo.push_back(std::move(p));
    std::vector<std::string> done;
    int hops = 0;
    const Entry* current = nullptr;
    while (!todo.empty()) {
      std::string part = std::move(todo.front());
      todo.pop_front();
      if (part == "..") {
        if (done.empty())
          throw Error("archive path " + shown(name) + " leads out of the archive through a link");
        done.pop_back();
        current = nullptr;
        continue;
      }
      done.push_back(part);
      auto it = entries_.find(join(done));
      current = it == entries_.end() ? nullptr : &it->second;
      if (!current) {
        if (todo.empty()) return nullptr;
        continue;  // a directory the tar did not list
      }
      if (current->kind == Kind::symlink) {
        if (++hops > 40) throw Error("archive path " + shown(name) + ": too many levels of links");
        if (current->target.empty() || current->target.front() == '/')
          throw Error("archive path " + shown(name) + " goes through the link " +
                      shown(join(done)) + " → " + shown(current->target) +
                      ", which points out of the archive");
        done.pop_back();
        std::vector<std::string> target = split_parts(current->target);
        todo.insert(todo.begin(), target.begin(), target.end());
        current = nullptr;
        continue;
      }
      if (current->kind != Kind::directory && !todo.empty()) return nullptr;
    }
    return current;
  }

  std::string dir_;
  UniqueFd dir_fd_;
  std::map<std::string, Entry> entries_;
};

class DirectoryFiles final : public ArchiveFiles {
 public:
  explicit DirectoryFiles(const std::string& path) : path_(path) {
    root_.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_) throw_errno("open", path);
  }

  bool has_file(std::string_view name) override {
    UniqueFd fd = open_in_root_nothrow(root_.get(), clean_archive_name(name, "archive path"),
                                       O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    return fd && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode);
  }

  UniqueFd open_file(std::string_view name) override {
    std::string clean = clean_archive_name(name, "archive path");
    // O_NONBLOCK: opening a FIFO planted in the directory must not hang.
    UniqueFd fd = open_in_root_nothrow(root_.get(), clean, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (!fd) {
      if (errno == ENOENT) throw Error(path_ + " has no file " + shown(name));
      throw_errno("open", path_ + "/" + clean);
    }
    return check_regular(std::move(fd), name);
  }

 private:
  std::string path_;
  UniqueFd root_;
};

}  // namespace

std::string ArchiveFiles::read_file(std::string_view name, size_t limit) {
  UniqueFd fd = open_file(name);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) throw_errno("fstat", std::string(name));
  if (static_cast<uint64_t>(st.st_size) > limit)
    throw Error(shown(name) + " in the archive is larger than " + std::to_string(limit) +
                " bytes; refusing to read it");
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t r = retry_eintr([&] { return ::read(fd.get(), out.data() + done, out.size() - done); });
    if (r < 0) throw_errno("read", std::string(name));
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  out.resize(done);
  return out;
}

std::string clean_archive_name(std::string_view name, std::string_view what) {
  if (name.starts_with('/'))
    throw Error(std::string(what) + " " + shown(name) + " is absolute; archive paths are relative");
  std::vector<std::string> parts = split_parts(name);
  for (const std::string& p : parts)
    if (p == "..")
      throw Error(std::string(what) + " " + shown(name) +
                  " contains \"..\"; refusing a path that may leave the archive");
  return join(parts);
}

std::unique_ptr<ArchiveFiles> extract_tar_archive(int fd, const std::string& work_dir) {
  return std::make_unique<TarFiles>(fd, work_dir);
}

std::unique_ptr<ArchiveFiles> open_directory_archive(const std::string& path) {
  return std::make_unique<DirectoryFiles>(path);
}

}  // namespace nook::image
