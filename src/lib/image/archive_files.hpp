#pragma once
// The files of an image archive that `load` reads: a tar (plain or
// compressed, from a file or a pipe) or a directory (an OCI layout, a
// docker "dir"). Names are paths inside the archive ("manifest.json",
// "blobs/sha256/<hex>"), looked up without ever leaving it:
//  - a tar is read once, front to back; its regular files are copied into
//    a private directory under names of our own (entry-<n>), so no name in
//    the archive ever becomes a path on disk; symbolic links inside it are
//    resolved by name, and one that points out of the archive (absolute,
//    or ".." past its top) is an error when a lookup crosses it;
//  - a directory is opened with openat2(RESOLVE_IN_ROOT), so its symlinks
//    stay inside it too.
// A name with a ".." component, an absolute name, a tar that holds one
// name twice, or more entries than kMaxArchiveEntries are refused.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "sys/fd.hpp"

namespace nook::image {

inline constexpr size_t kMaxArchiveEntries = 200'000;

class ArchiveFiles {
 public:
  virtual ~ArchiveFiles() = default;
  // True when name leads to a regular file.
  virtual bool has_file(std::string_view name) = 0;
  // A regular file, open for reading. Throws Error naming the file when it
  // is missing, not a regular file, or behind a link out of the archive.
  virtual UniqueFd open_file(std::string_view name) = 0;
  // The whole file; more than limit bytes is an error ("<name> is larger
  // than <limit> bytes").
  std::string read_file(std::string_view name, size_t limit);
  // Where a file of the archive sits as a private copy nook made (a tar's
  // files in the work directory) that may be hard-linked into the store;
  // "" for files of a directory archive, which stay the user's.
  virtual std::string private_copy(std::string_view) { return {}; }
};

// Reads a tar (gzip, bzip2, xz, zstd or plain) from fd to its end and
// keeps its regular files in work_dir, which must exist, be empty and stay
// private to the caller for the object's life (a Store staging directory).
std::unique_ptr<ArchiveFiles> extract_tar_archive(int fd, const std::string& work_dir);

// A directory as an archive.
std::unique_ptr<ArchiveFiles> open_directory_archive(const std::string& path);

// "a/./b//c" → "a/b/c"; "./" and "" → "". Throws Error for a ".."
// component or an absolute path (`what` names the source in the message).
std::string clean_archive_name(std::string_view name, std::string_view what);

}  // namespace nook::image
