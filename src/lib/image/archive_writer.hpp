#pragma once
// Where `save` puts an archive's files: a tar stream on a file descriptor
// (docker-archive, oci-archive) or a directory (oci-dir, docker-dir).
// Entries are written in the order given, owned by 0:0 with mtime 0 and
// fixed modes, so saving one image twice gives the same bytes.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace nook::image {

class ArchiveSink {
 public:
  // Receives the bytes of a streamed file, in order.
  using Write = std::function<void(const char* data, size_t len)>;

  virtual ~ArchiveSink() = default;
  virtual void add_directory(const std::string& name) = 0;
  virtual void add_file(const std::string& name, std::string_view data) = 0;
  // A file of exactly `size` bytes that `produce` writes through the Write
  // it is handed; writing more or fewer bytes is an error.
  virtual void add_file_stream(const std::string& name, int64_t size,
                               const std::function<void(const Write&)>& produce) = 0;
  virtual void add_symlink(const std::string& name, const std::string& target) = 0;
  // Completes the archive (a tar's end blocks). Nothing may be added after.
  virtual void finish() = 0;
};

// A POSIX (pax) tar written to fd, which stays open and is not owned.
std::unique_ptr<ArchiveSink> tar_sink(int fd);
// Files below dir, which must exist; names are created, never replaced.
std::unique_ptr<ArchiveSink> directory_sink(const std::string& dir);

}  // namespace nook::image
