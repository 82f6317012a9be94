// Feeds arbitrary bytes to the layer unpacker: as a gzip or zstd layer when
// they start with that format's magic (so the decompressors are fuzzed
// too), else as a plain tar. Only
// nook::Error may come out; anything else (another exception, a crash, a
// sanitizer report) is a bug, and so is any change beside the destination:
// each run unpacks into work/dest next to work/sentinel, and aborts if the
// work directory ends up holding anything else or the sentinel changed.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "image/layer_unpack.hpp"
#include "image/whiteout.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"

namespace {

std::string work_dir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/nook-fuzz-unpack.XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    std::string d = tmpl;
    nook::write_file(d + "/sentinel", "keep");
    return d;
  }();
  return dir;
}

void check_work_dir(const std::string& work) {
  // Only "dest" and "sentinel" may exist beside each other.
  nook::UniqueFd w(::open(work.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  struct stat st;
  for (const char* extra : {"x", "etc", "tmp", "a", "b", "out"})
    if (::fstatat(w.get(), extra, &st, AT_SYMLINK_NOFOLLOW) == 0) std::abort();
  if (nook::read_file(work + "/sentinel") != "keep") std::abort();
  if (::fstatat(w.get(), "sentinel", &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
      st.st_nlink != 1)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string work = work_dir();
  std::string dest = work + "/dest";
  if (::mkdir(dest.c_str(), 0700) != 0) std::abort();

  nook::UniqueFd in(::memfd_create("layer", MFD_CLOEXEC));
  nook::write_all(in.get(), std::string_view(reinterpret_cast<const char*>(data), size), "memfd");
  ::lseek(in.get(), 0, SEEK_SET);

  nook::image::UnpackOptions opts;
  opts.whiteouts = size % 2 ? nook::image::UnpackOptions::Whiteouts::vfs
                            : nook::image::UnpackOptions::Whiteouts::overlay;
  opts.chown = false;
  opts.max_bytes = 8 << 20;
  opts.max_entries = 2000;
  try {
    const char* type = "application/vnd.oci.image.layer.v1.tar";
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
      type = "application/vnd.oci.image.layer.v1.tar+gzip";
    else if (size >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd)
      type = "application/vnd.oci.image.layer.v1.tar+zstd";
    nook::image::unpack_layer(in.get(), type, dest, opts);
  } catch (const nook::Error&) {
  }
  check_work_dir(work);
  nook::UniqueFd w(::open(work.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  nook::image::remove_at(w.get(), "dest", dest);
  return 0;
}
