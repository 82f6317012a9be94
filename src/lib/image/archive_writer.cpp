#include "image/archive_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exception>

#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

struct ArchiveWriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

std::string size_mismatch(const std::string& name, int64_t want, int64_t got) {
  return "save " + name + ": expected " + std::to_string(want) + " bytes, the source gave " +
         std::to_string(got);
}

class TarSink final : public ArchiveSink {
 public:
  explicit TarSink(int fd) : fd_(fd), a_(archive_write_new()) {
    if (!a_) throw Error("write archive: out of memory");
    check(archive_write_set_format_pax_restricted(a_.get()), "set format");
    check(archive_write_open(a_.get(), this, nullptr, &TarSink::write_cb, nullptr), "open");
  }

  void add_directory(const std::string& name) override {
    auto e = entry(name, AE_IFDIR, 0755);
    header(e.get(), name);
    check(archive_write_finish_entry(a_.get()), name);
  }

  void add_file(const std::string& name, std::string_view data) override {
    add_file_stream(name, static_cast<int64_t>(data.size()),
                    [&](const Write& write) { write(data.data(), data.size()); });
  }

  void add_file_stream(const std::string& name, int64_t size,
                       const std::function<void(const Write&)>& produce) override {
    auto e = entry(name, AE_IFREG, 0644);
    archive_entry_set_size(e.get(), size);
    header(e.get(), name);
    int64_t written = 0;
    produce([&](const char* data, size_t len) {
      if (written + static_cast<int64_t>(len) > size)
        throw Error(size_mismatch(name, size, written + static_cast<int64_t>(len)));
      while (len > 0) {
        la_ssize_t n = archive_write_data(a_.get(), data, len);
        if (n <= 0) fail(name);
        data += n;
        len -= static_cast<size_t>(n);
        written += n;
      }
    });
    if (written != size) throw Error(size_mismatch(name, size, written));
    check(archive_write_finish_entry(a_.get()), name);
  }

  void add_symlink(const std::string& name, const std::string& target) override {
    auto e = entry(name, AE_IFLNK, 0777);
    archive_entry_set_symlink(e.get(), target.c_str());
    header(e.get(), name);
    check(archive_write_finish_entry(a_.get()), name);
  }

  void finish() override { check(archive_write_close(a_.get()), "close"); }

 private:
  static la_ssize_t write_cb(struct archive* a, void* self, const void* buf, size_t len) {
    auto* s = static_cast<TarSink*>(self);
    try {
      write_all(s->fd_, std::string_view(static_cast<const char*>(buf), len), "archive output");
      return static_cast<la_ssize_t>(len);
    } catch (...) {
      s->error_ = std::current_exception();
      archive_set_error(a, EIO, "write failed");
      return -1;
    }
  }

  std::unique_ptr<struct archive_entry, EntryFree> entry(const std::string& name, unsigned type,
                                                         int perm) {
    std::unique_ptr<struct archive_entry, EntryFree> e(archive_entry_new());
    if (!e) throw Error("write archive: out of memory");
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), perm);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    archive_entry_set_mtime(e.get(), 0, 0);
    return e;
  }

  void header(struct archive_entry* e, const std::string& name) {
    check(archive_write_header(a_.get(), e), name);
  }

  void check(int r, const std::string& what) {
    if (r < ARCHIVE_WARN) fail(what);
  }

  [[noreturn]] void fail(const std::string& what) {
    if (error_) std::rethrow_exception(error_);
    const char* msg = archive_error_string(a_.get());
    throw Error("write archive: " + what + ": " + (msg ? msg : "failed"));
  }

  int fd_;
  std::unique_ptr<struct archive, ArchiveWriteFree> a_;
  std::exception_ptr error_;
};

class DirectorySink final : public ArchiveSink {
 public:
  explicit DirectorySink(const std::string& dir) : dir_(dir) {
    dir_fd_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd_) throw_errno("open", dir);
  }

  void add_directory(const std::string& name) override {
    if (::mkdirat(dir_fd_.get(), name.c_str(), 0755) < 0 && errno != EEXIST)
      throw_errno("mkdir", dir_ + "/" + name);
  }

  void add_file(const std::string& name, std::string_view data) override {
    UniqueFd fd = create(name);
    write_all(fd.get(), data, dir_ + "/" + name);
  }

  void add_file_stream(const std::string& name, int64_t size,
                       const std::function<void(const Write&)>& produce) override {
    UniqueFd fd = create(name);
    int64_t written = 0;
    produce([&](const char* data, size_t len) {
      written += static_cast<int64_t>(len);
      if (written > size) throw Error(size_mismatch(name, size, written));
      write_all(fd.get(), std::string_view(data, len), dir_ + "/" + name);
    });
    if (written != size) throw Error(size_mismatch(name, size, written));
  }

  void add_symlink(const std::string& name, const std::string& target) override {
    if (::symlinkat(target.c_str(), dir_fd_.get(), name.c_str()) < 0)
      throw_errno("symlink", dir_ + "/" + name);
  }

  void finish() override {}

 private:
  UniqueFd create(const std::string& name) {
    UniqueFd fd(::openat(dir_fd_.get(), name.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) throw_errno("create", dir_ + "/" + name);
    return fd;
  }

  std::string dir_;
  UniqueFd dir_fd_;
};

}  // namespace

std::unique_ptr<ArchiveSink> tar_sink(int fd) {
  return std::make_unique<TarSink>(fd);
}

std::unique_ptr<ArchiveSink> directory_sink(const std::string& dir) {
  return std::make_unique<DirectorySink>(dir);
}

}  // namespace nook::image
