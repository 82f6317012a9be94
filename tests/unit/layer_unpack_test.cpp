// Layer unpacking: every entry type and its metadata, whiteouts for both
// drivers, and every hostile archive we know of. Tars are built here with
// libarchive's writer and compressed with zlib / libzstd, so each test states
// exactly what the layer holds. A sentinel directory beside the destination
// must never change.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <isa-l/igzip_lib.h>
#include <locale.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zstd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "image/decompress.hpp"
#include "image/layer_unpack.hpp"
#include "image/whiteout.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using nook::Error;
using nook::UniqueFd;
using nook::image::unpack_layer;
using nook::image::UnpackOptions;
using nook::image::UnpackResult;

namespace {

constexpr const char* kTar = "application/vnd.oci.image.layer.v1.tar";
constexpr const char* kGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr const char* kZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
constexpr const char* kDockerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

bool is_root() {
  return ::geteuid() == 0;
}

struct Entry {
  std::string path;
  mode_t type = AE_IFREG;
  mode_t perm = 0644;
  std::string data;
  std::string symlink;   // target, for AE_IFLNK
  std::string hardlink;  // target path, makes this a hard link
  int64_t uid = 0, gid = 0;
  time_t mtime = 1600000000;
  long mtime_ns = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
  unsigned rmajor = 0, rminor = 0;
  std::vector<std::pair<int64_t, int64_t>> sparse;  // data regions; data is the logical file
};

Entry file(std::string path, std::string data, mode_t perm = 0644) {
  Entry e;
  e.path = std::move(path);
  e.data = std::move(data);
  e.perm = perm;
  return e;
}
Entry dir(std::string path, mode_t perm = 0755) {
  Entry e;
  e.path = std::move(path);
  e.type = AE_IFDIR;
  e.perm = perm;
  return e;
}
Entry symlink(std::string path, std::string target) {
  Entry e;
  e.path = std::move(path);
  e.type = AE_IFLNK;
  e.perm = 0777;
  e.symlink = std::move(target);
  return e;
}
Entry hardlink(std::string path, std::string target) {
  Entry e;
  e.path = std::move(path);
  e.hardlink = std::move(target);
  return e;
}
Entry whiteout(std::string path) {
  return file(std::move(path), "", 0);
}

la_ssize_t append_cb(struct archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

std::string make_tar(const std::vector<Entry>& entries) {
  // pax names are UTF-8; the C locale could not convert non-ASCII ones.
  locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(0));
  locale_t old = uselocale(utf8);
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_open(a, &out, nullptr, append_cb, nullptr);
  for (const auto& in : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, in.path.c_str());
    archive_entry_set_uid(e, in.uid);
    archive_entry_set_gid(e, in.gid);
    archive_entry_set_mtime(e, in.mtime, in.mtime_ns);
    if (!in.hardlink.empty()) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, in.perm);
      archive_entry_set_hardlink(e, in.hardlink.c_str());
      archive_entry_set_size(e, 0);
    } else {
      archive_entry_set_filetype(e, in.type);
      archive_entry_set_perm(e, in.perm);
      if (in.type == AE_IFLNK) archive_entry_set_symlink(e, in.symlink.c_str());
      if (in.type == AE_IFCHR || in.type == AE_IFBLK) {
        archive_entry_set_rdevmajor(e, in.rmajor);
        archive_entry_set_rdevminor(e, in.rminor);
      }
      archive_entry_set_size(e, in.type == AE_IFREG ? static_cast<la_int64_t>(in.data.size()) : 0);
      for (const auto& [off, len] : in.sparse) archive_entry_sparse_add_entry(e, off, len);
    }
    for (const auto& [k, v] : in.xattrs)
      archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    if (archive_write_header(a, e) != ARCHIVE_OK)
      throw std::runtime_error(std::string("test tar: ") + archive_error_string(a));
    if (in.type == AE_IFREG && in.hardlink.empty() && !in.data.empty())
      archive_write_data(a, in.data.data(), in.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  uselocale(old);
  freelocale(utf8);
  return out;
}

// ISA-L's deflate (zlib is not linked into the unit tests).
std::string gzip(const std::string& in) {
  isal_zstream z;
  isal_deflate_init(&z);
  z.gzip_flag = IGZIP_GZIP;
  z.level = 0;
  z.end_of_stream = 1;
  z.flush = NO_FLUSH;
  std::string out(in.size() + in.size() / 8 + 1024, '\0');
  z.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uint32_t>(in.size());
  z.next_out = reinterpret_cast<uint8_t*>(out.data());
  z.avail_out = static_cast<uint32_t>(out.size());
  if (isal_deflate(&z) != COMP_OK || z.internal_state.state != ZSTATE_END)
    throw std::runtime_error("test gzip failed");
  out.resize(z.total_out);
  return out;
}

std::string zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

std::string sha256(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(s.data(), s.size(), d, &len, EVP_sha256(), nullptr);
  std::string hex = "sha256:";
  for (unsigned i = 0; i < len; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", d[i]);
    hex += b;
  }
  return hex;
}

UniqueFd memfd(const std::string& data) {
  UniqueFd fd(memfd_create("layer", MFD_CLOEXEC));
  nook::write_all(fd.get(), data, "memfd");
  lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

struct Snapshot {
  std::map<std::string, std::string> items;
  bool operator==(const Snapshot&) const = default;
};

// Everything below `base` except `skip`: type, mode, size, content hash.
Snapshot snapshot(const fs::path& base, const fs::path& skip) {
  Snapshot s;
  for (auto it = fs::recursive_directory_iterator(base); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->path() == skip) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st;
    lstat(it->path().c_str(), &st);
    std::string desc = std::to_string(st.st_mode) + ":" + std::to_string(st.st_size) + ":" +
                       std::to_string(st.st_nlink) + ":" + std::to_string(st.st_mtim.tv_sec);
    if (S_ISREG(st.st_mode)) desc += ":" + sha256(nook::read_file(it->path()));
    s.items[it->path()] = desc;
  }
  return s;
}

class LayerUnpack : public ::testing::Test {
 protected:
  void SetUp() override {
    dest_ = base_ / "dest";
    fs::create_directory(dest_);
    // Beside dest, reachable by "../sentinel": no hostile entry may touch it.
    fs::create_directories(base_ / "sentinel" / "etc");
    nook::write_file(base_ / "sentinel" / "file", "keep me");
    nook::write_file(base_ / "sentinel" / "etc" / "passwd", "root:x:0:0::/root:/bin/sh\n");
    ::symlink("sentinel", (base_ / "sentinel-link").c_str());
    before_ = snapshot(base_, dest_);
    passwd_nlink_ = nlink("/etc/passwd");
    opts_.chown = is_root();
  }

  static nlink_t nlink(const std::string& p) {
    struct stat st {};
    lstat(p.c_str(), &st);
    return st.st_nlink;
  }

  UnpackResult unpack(const std::string& blob, const char* type = kTar) {
    UniqueFd fd = memfd(blob);
    return unpack_layer(fd.get(), type, dest_, opts_);
  }

  // Unpacks and expects an Error whose message contains `want`; then checks
  // that nothing outside dest changed.
  void expect_refused(const std::string& blob, const std::string& want, const char* type = kTar) {
    try {
      unpack(blob, type);
      ADD_FAILURE() << "unpack succeeded; expected an error containing: " << want;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos)
          << "message: " << e.what() << "\nexpected to contain: " << want;
    }
    expect_outside_unchanged();
  }
  void expect_outside_unchanged() {
    EXPECT_TRUE(snapshot(base_, dest_) == before_) << "something outside dest changed";
    EXPECT_EQ(nlink("/etc/passwd"), passwd_nlink_);
  }

  fs::path p(const std::string& rel) const { return dest_ / rel; }
  struct stat lst(const std::string& rel) const {
    struct stat st {};
    EXPECT_EQ(lstat(p(rel).c_str(), &st), 0) << rel;
    return st;
  }
  bool exists(const std::string& rel) const {
    struct stat st;
    return lstat(p(rel).c_str(), &st) == 0;
  }
  std::string read(const std::string& rel) const { return nook::read_file(p(rel)); }
  std::string xattr(const std::string& rel, const char* name) const {
    char buf[256];
    ssize_t n = lgetxattr(p(rel).c_str(), name, buf, sizeof buf);
    return n < 0 ? "<none>" : std::string(buf, static_cast<size_t>(n));
  }

  nook::test::TempDir tmp_{"/tmp/nook-unpack-test."};
  const fs::path base_ = tmp_.path();
  fs::path dest_;
  Snapshot before_;
  nlink_t passwd_nlink_ = 0;
  UnpackOptions opts_;
};

// ---------------------------------------------------------------- entry types

TEST_F(LayerUnpack, EachFileType) {
  Entry fifo;
  fifo.path = "dev/fifo";
  fifo.type = AE_IFIFO;
  Entry null;
  null.path = "dev/null";
  null.type = AE_IFCHR;
  null.perm = 0666;
  null.rmajor = 1;
  null.rminor = 3;
  std::string tar = make_tar({dir("etc"), file("etc/hello", "hello\n"), file("empty", ""),
                              symlink("etc/link", "hello"), symlink("abs", "/etc/hello"),
                              hardlink("etc/hard", "etc/hello"), dir("dev"), fifo, null,
                              file("implicit/parent/f", "x")});
  auto res = unpack(tar);
  EXPECT_EQ(res.entries, 10u);
  EXPECT_EQ(res.bytes_written, 7u);
  // The whole stream, end-of-archive blocks and padding included (podman's layer size).
  EXPECT_EQ(res.tar_size, tar.size());
  EXPECT_EQ(read("etc/hello"), "hello\n");
  EXPECT_EQ(read("empty"), "");
  EXPECT_EQ(fs::read_symlink(p("etc/link")), "hello");
  EXPECT_EQ(fs::read_symlink(p("abs")), "/etc/hello");
  EXPECT_EQ(lst("etc/hard").st_ino, lst("etc/hello").st_ino);
  EXPECT_EQ(lst("etc/hello").st_nlink, 2u);
  EXPECT_TRUE(S_ISFIFO(lst("dev/fifo").st_mode));
  EXPECT_EQ(read("implicit/parent/f"), "x");
  if (is_root()) {
    EXPECT_TRUE(S_ISCHR(lst("dev/null").st_mode));
    EXPECT_EQ(lst("dev/null").st_rdev, makedev(1, 3));
    EXPECT_EQ(res.skipped_devices, 0u);
  } else {
    EXPECT_FALSE(exists("dev/null"));
    EXPECT_EQ(res.skipped_devices, 1u);
  }
  expect_outside_unchanged();
}

TEST_F(LayerUnpack, ModesIncludingSetuidAreKept) {
  auto res =
      unpack(make_tar({file("suid", "x", 04755), file("sgid", "x", 02755), file("ro", "x", 0400),
                       dir("locked", 0555), file("locked/child", "inside", 0600), dir("none", 0)}));
  EXPECT_EQ(lst("suid").st_mode & 07777, 04755u);
  if (is_root()) {
    EXPECT_EQ(lst("sgid").st_mode & 07777, 02755u);
  }
  EXPECT_EQ(lst("ro").st_mode & 07777, 0400u);
  EXPECT_EQ(lst("locked").st_mode & 07777, 0555u);
  EXPECT_EQ(lst("locked/child").st_mode & 07777, 0600u);
  EXPECT_EQ(lst("none").st_mode & 07777, 0u);
  (void)res;
}

TEST_F(LayerUnpack, OwnersFollowTheTar) {
  if (!is_root()) GTEST_SKIP() << "chown to arbitrary ids needs root (or a mapped user namespace)";
  Entry f = file("f", "x", 04755);
  f.uid = 1234;
  f.gid = 5678;
  Entry d = dir("d", 0750);
  d.uid = 33;
  d.gid = 27;
  Entry l = symlink("l", "f");
  l.uid = 7;
  l.gid = 8;
  unpack(make_tar({f, d, l}));
  EXPECT_EQ(lst("f").st_uid, 1234u);
  EXPECT_EQ(lst("f").st_gid, 5678u);
  // chown clears setuid: it must have been applied after.
  EXPECT_EQ(lst("f").st_mode & 07777, 04755u);
  EXPECT_EQ(lst("d").st_uid, 33u);
  EXPECT_EQ(lst("d").st_gid, 27u);
  EXPECT_EQ(lst("l").st_uid, 7u);
  EXPECT_EQ(lst("l").st_gid, 8u);
}

TEST_F(LayerUnpack, WithoutChownTheCallerOwnsEverything) {
  opts_.chown = false;
  Entry f = file("f", "x");
  f.uid = 1234;
  unpack(make_tar({f}));
  EXPECT_EQ(lst("f").st_uid, geteuid());
}

TEST_F(LayerUnpack, ChownThatIsNotPermittedIsAClearError) {
  if (is_root()) GTEST_SKIP() << "root may chown to anything";
  opts_.chown = true;
  Entry f = file("f", "x");
  f.uid = 1234;
  expect_refused(make_tar({f}), "chown `/f`: owner 1234:0 (unpack in a user namespace");
}

TEST_F(LayerUnpack, Xattrs) {
  Entry f = file("f", "data", 04755);
  f.xattrs = {{"user.color", "blue"}, {"user.overlay.redirect", "/etc"}};
  Entry d = dir("d");
  d.xattrs = {{"user.dir", "yes"}};
  // Linux keeps user.* off symlinks and special files: counted as skipped.
  Entry l = symlink("l", "f");
  l.xattrs = {{"user.link", "1"}};
  Entry fifo;
  fifo.path = "fifo";
  fifo.type = AE_IFIFO;
  fifo.xattrs = {{"user.fifo", "1"}, {"user.more", "2"}};
  std::vector<Entry> entries{f, d, l, fifo};
  if (is_root()) {
    // A v2 file capability: cap_net_raw permitted+effective.
    std::string cap(
        "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20);
    Entry c = file("ping", "elf", 0755);
    c.uid = 0;
    c.xattrs = {{"security.capability", cap}};
    entries.push_back(c);
  }
  auto res = unpack(make_tar(entries));
  EXPECT_EQ(xattr("f", "user.color"), "blue");
  EXPECT_EQ(xattr("d", "user.dir"), "yes");
  // overlay.* from a layer would steer the overlay mount: never applied.
  EXPECT_EQ(xattr("f", "user.overlay.redirect"), "<none>");
  EXPECT_EQ(res.skipped_xattrs, 4u) << xattr("ping", "security.capability");
  EXPECT_EQ(xattr("l", "user.link"), "<none>");
  EXPECT_EQ(lst("f").st_mode & 07777, 04755u);
  if (is_root()) {
    EXPECT_NE(xattr("ping", "security.capability"), "<none>");
  }
}

TEST_F(LayerUnpack, SparseFile) {
  std::string logical(1 << 20, '\0');
  std::memset(logical.data(), 'a', 4096);
  std::memset(logical.data() + 512 * 1024, 'b', 4096);
  Entry f = file("sparse", logical);
  f.sparse = {{0, 4096}, {512 * 1024, 4096}};
  Entry trailing = file("trailing-hole", std::string(1 << 20, '\0'));
  trailing.data.replace(0, 3, "abc");
  trailing.sparse = {{0, 4096}};
  auto res = unpack(make_tar({f, trailing}));
  EXPECT_EQ(read("sparse"), logical);
  EXPECT_EQ(read("trailing-hole"), trailing.data);
  EXPECT_EQ(lst("sparse").st_size, 1 << 20);
  EXPECT_LT(lst("sparse").st_blocks * 512, 256 * 1024) << "holes were written as data";
  EXPECT_LT(lst("trailing-hole").st_blocks * 512, 256 * 1024);
  EXPECT_EQ(res.bytes_written, 3u * 4096u);
}

TEST_F(LayerUnpack, Mtimes) {
  Entry f = file("d/f", "x");
  f.mtime = 1000000000;
  f.mtime_ns = 123456789;
  Entry d = dir("d");
  d.mtime = 1100000000;
  Entry l = symlink("d/l", "f");
  l.mtime = 1200000000;
  unpack(make_tar({d, f, l}));
  EXPECT_EQ(lst("d/f").st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(lst("d/f").st_mtim.tv_nsec, 123456789);
  EXPECT_EQ(lst("d/l").st_mtim.tv_sec, 1200000000);
  // Set after its children were made.
  EXPECT_EQ(lst("d").st_mtim.tv_sec, 1100000000);
}

TEST_F(LayerUnpack, LaterEntriesReplaceEarlierOnes) {
  unpack(make_tar({file("f", "old"), file("f", "new"),                       // file → file
                   dir("d"), file("d/child", "x"), file("d", "now a file"),  // dir tree → file
                   file("g", "x"), dir("g"), file("g/in", "y"),              // file → dir
                   symlink("s", "../sentinel/file"), file("s", "replaced"),  // link → file
                   dir("keep"), file("keep/a", "a"), dir("keep", 0700)}));   // dir → dir merges
  EXPECT_EQ(read("f"), "new");
  EXPECT_EQ(read("d"), "now a file");
  EXPECT_EQ(read("g/in"), "y");
  EXPECT_TRUE(S_ISREG(lst("s").st_mode));
  EXPECT_EQ(read("s"), "replaced");
  EXPECT_EQ(read("keep/a"), "a");
  EXPECT_EQ(lst("keep").st_mode & 07777, 0700u);
  expect_outside_unchanged();
}

TEST_F(LayerUnpack, DirectoriesWithoutPermissionsCanBeReplacedAndWhitedOut) {
  opts_.whiteouts = UnpackOptions::Whiteouts::vfs;
  unpack(make_tar(
      {dir("a", 0), dir("a/b", 0), file("a/b/f", "x", 0), dir("w", 0200), file("w/f", "x")}));
  ASSERT_EQ(lst("a").st_mode & 07777, 0u);
  unpack(make_tar({file("a", "now a file"), whiteout(".wh.w")}));
  EXPECT_EQ(read("a"), "now a file");
  EXPECT_FALSE(exists("w"));
  // What a caller does with a failed layer directory.
  unpack(make_tar({dir("z", 0), file("z/f", "x", 0)}));
  UniqueFd base(open(base_.c_str(), O_RDONLY | O_DIRECTORY));
  nook::image::remove_at(base.get(), "dest", dest_);
  EXPECT_FALSE(fs::exists(dest_));
}

TEST_F(LayerUnpack, NonAsciiNamesAreKeptByteExact) {
  unpack(make_tar({file("caf\xc3\xa9/\xe2\x98\x83", "snow")}));
  EXPECT_EQ(read("caf\xc3\xa9/\xe2\x98\x83"), "snow");
}

// ------------------------------------------------------------------ whiteouts

TEST_F(LayerUnpack, WhiteoutOverlayIsACharDevice00) {
  opts_.whiteouts = UnpackOptions::Whiteouts::overlay;
  auto res = unpack(make_tar({dir("etc"), whiteout("etc/.wh.gone"), whiteout(".wh.top")}));
  for (const char* w : {"etc/gone", "top"}) {
    struct stat st = lst(w);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << w;
    EXPECT_EQ(st.st_rdev, makedev(0, 0)) << w;
  }
  EXPECT_FALSE(exists("etc/.wh.gone"));
  EXPECT_EQ(res.entries, 3u);
}

TEST_F(LayerUnpack, WhiteoutVfsDeletes) {
  opts_.whiteouts = UnpackOptions::Whiteouts::vfs;
  unpack(make_tar({file("etc/gone", "x"), file("tree/a/b", "x"), file("stay", "x")}));
  unpack(make_tar({whiteout("etc/.wh.gone"), whiteout(".wh.tree"), whiteout("no/such/.wh.x"),
                   whiteout(".wh.missing")}));
  EXPECT_FALSE(exists("etc/gone"));
  EXPECT_TRUE(exists("etc"));
  EXPECT_FALSE(exists("tree"));
  EXPECT_TRUE(exists("stay"));
  EXPECT_FALSE(exists("no")) << "a whiteout must not create its parents in vfs mode";
  expect_outside_unchanged();
}

TEST_F(LayerUnpack, OpaqueDirOverlay) {
  opts_.whiteouts = UnpackOptions::Whiteouts::overlay;
  unpack(make_tar({dir("d"), whiteout("d/.wh..wh..opq"), file("d/new", "n"),
                   whiteout("implicit/.wh..wh..opq")}));
  EXPECT_EQ(xattr("d", "user.overlay.opaque"), "y");
  EXPECT_EQ(xattr("implicit", "user.overlay.opaque"), "y");
  if (is_root()) {
    EXPECT_EQ(xattr("d", "trusted.overlay.opaque"), "y");
  }
  EXPECT_FALSE(exists("d/.wh..wh..opq"));
  EXPECT_EQ(read("d/new"), "n");
}

TEST_F(LayerUnpack, OpaqueDirVfsKeepsOnlyThisLayer) {
  opts_.whiteouts = UnpackOptions::Whiteouts::vfs;
  unpack(make_tar({file("d/old", "o"), file("d/sub/old", "o"), file("d/sub/keep-not", "o"),
                   file("other", "o")}));
  // The marker may come before or after this layer's own entries.
  unpack(make_tar({dir("d"), file("d/before", "b"), file("d/sub/mine", "m"),
                   whiteout("d/.wh..wh..opq"), file("d/after", "a")}));
  EXPECT_FALSE(exists("d/old"));
  EXPECT_FALSE(exists("d/sub/old"));
  EXPECT_FALSE(exists("d/sub/keep-not"));
  EXPECT_EQ(read("d/before"), "b");
  EXPECT_EQ(read("d/sub/mine"), "m");
  EXPECT_EQ(read("d/after"), "a");
  EXPECT_TRUE(exists("other"));
}

TEST_F(LayerUnpack, AufsMetadataIsIgnored) {
  auto res = unpack(make_tar({dir(".wh..wh.plnk"), file(".wh..wh.aufs", "")}));
  EXPECT_FALSE(exists(".wh..wh.plnk"));
  EXPECT_FALSE(exists(".wh..wh.aufs"));
  EXPECT_EQ(res.entries, 2u);
}

// ---------------------------------------------- compression, diff_id, streams

TEST_F(LayerUnpack, DiffIdIsTheSha256OfTheUncompressedTar) {
  std::string tar = make_tar({file("a", std::string(300000, 'a')), file("b", "b")});
  std::string want = sha256(tar);
  EXPECT_EQ(unpack(tar, kTar).diff_id, want);
  EXPECT_EQ(unpack(gzip(tar), kGzip).diff_id, want);
  EXPECT_EQ(unpack(gzip(tar), kDockerGzip).diff_id, want);
  EXPECT_EQ(unpack(zstd(tar), kZstd).diff_id, want);
  EXPECT_EQ(read("a"), std::string(300000, 'a'));
}

TEST_F(LayerUnpack, TrailingBytesAfterTheEndMarkerAreHashed) {
  std::string tar = make_tar({file("a", "a")}) + std::string(4096, '\0');
  EXPECT_EQ(unpack(tar).diff_id, sha256(tar));
}

TEST_F(LayerUnpack, MultiMemberGzipAndMultiFrameZstd) {
  std::string tar = make_tar({file("a", std::string(200000, 'x')), file("b", "bb")});
  size_t half = tar.size() / 2;
  std::string two = gzip(tar.substr(0, half)) + gzip(tar.substr(half));
  EXPECT_EQ(unpack(two, kGzip).diff_id, sha256(tar));
  std::string frames = zstd(tar.substr(0, half)) + zstd(tar.substr(half));
  EXPECT_EQ(unpack(frames, kZstd).diff_id, sha256(tar));
  EXPECT_EQ(read("b"), "bb");
}

TEST_F(LayerUnpack, ReadsFromAPipe) {
  std::string tar = make_tar({file("big", std::string(3 << 20, 'p'))});
  std::string blob = gzip(tar);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  std::thread writer([&] {
    nook::write_all(w.get(), blob, "pipe");
    w.reset();
  });
  UnpackResult res;
  EXPECT_NO_THROW(res = unpack_layer(r.get(), kGzip, dest_, opts_));
  writer.join();
  EXPECT_EQ(res.diff_id, sha256(tar));
  EXPECT_EQ(lst("big").st_size, 3 << 20);
}

TEST_F(LayerUnpack, EmptyLayers) {
  std::string tar = make_tar({});
  EXPECT_EQ(unpack(tar).entries, 0u);
  EXPECT_EQ(unpack(gzip(tar), kGzip).diff_id, sha256(tar));
  EXPECT_EQ(unpack("").diff_id, sha256(""));
}

TEST(LayerCompression, MediaTypes) {
  using nook::image::Compression;
  using nook::image::layer_compression;
  EXPECT_EQ(layer_compression(kTar), Compression::none);
  EXPECT_EQ(layer_compression(kGzip), Compression::gzip);
  EXPECT_EQ(layer_compression(kZstd), Compression::zstd);
  EXPECT_EQ(layer_compression(kDockerGzip), Compression::gzip);
  EXPECT_EQ(layer_compression("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
            Compression::gzip);
  EXPECT_THROW(layer_compression("application/vnd.oci.image.config.v1+json"), Error);
  EXPECT_THROW(layer_compression("application/vnd.oci.image.layer.v1.tar+bzip2"), Error);
}

// -------------------------------------------------------------- hostile input

TEST_F(LayerUnpack, DotDotIsRefused) {
  expect_refused(make_tar({file("../sentinel/file", "pwned")}), "contains `..`");
  expect_refused(make_tar({file("a/../../sentinel/file", "pwned")}), "contains `..`");
  expect_refused(make_tar({file("ok", "x"), hardlink("h", "../../sentinel/file")}),
                 "hard link target `../../sentinel/file` contains `..`");
}

TEST_F(LayerUnpack, AbsolutePathsStayInTheLayer) {
  unpack(make_tar({file("/abs/x", "in"), file("//etc/y", "in")}));
  EXPECT_EQ(read("abs/x"), "in");
  EXPECT_EQ(read("etc/y"), "in");
  expect_outside_unchanged();
}

TEST_F(LayerUnpack, WritesThroughSymlinksStayInTheLayer) {
  // "link -> /" and "up -> .." resolve to the layer root, as inside a container.
  unpack(make_tar({symlink("link", "/"), file("link/etc/x", "in root"), symlink("up", ".."),
                   file("up/y", "also in root"), symlink("abs-sentinel", "/../sentinel"),
                   dir("sentinel"), file("abs-sentinel/file", "layer's own")}));
  EXPECT_EQ(read("etc/x"), "in root");
  EXPECT_EQ(read("y"), "also in root");
  EXPECT_EQ(read("sentinel/file"), "layer's own");
  EXPECT_EQ(fs::read_symlink(p("link")), "/");
  expect_outside_unchanged();
}

TEST_F(LayerUnpack, SymlinkToTheOutsideIsNotFollowed) {
  // A naive extractor would create ../sentinel/x through this link.
  expect_refused(make_tar({symlink("out", "../sentinel"), file("out/x", "pwned")}),
                 "`/out`: No such file or directory");
  expect_refused(make_tar({symlink("out2", "../../../../../../tmp"), file("out2/x", "pwned")}),
                 "`/out2`");
}

TEST_F(LayerUnpack, LastComponentSymlinkIsReplacedNotFollowed) {
  // The link points at a real outside file through "..": even if the lexical
  // ".." were allowed, the final component is never followed.
  unpack(make_tar({symlink("f", "../sentinel/file"), file("f", "replaced"),
                   symlink("g", "/etc/passwd"), dir("g")}));
  EXPECT_EQ(read("f"), "replaced");
  EXPECT_TRUE(S_ISDIR(lst("g").st_mode));
  expect_outside_unchanged();
}

TEST_F(LayerUnpack, HardLinkToAHostFileIsRefused) {
  expect_refused(make_tar({hardlink("passwd", "/etc/passwd")}),
                 "hard link `/passwd` -> `/etc/passwd`: the target must be a file earlier in the "
                 "layer: No such file or directory");
  expect_refused(make_tar({symlink("etc", "/../sentinel/etc"), hardlink("p", "etc/passwd")}),
                 "the target must be a file earlier in the layer");
  expect_refused(make_tar({symlink("s", "../sentinel"), hardlink("p", "s/file")}),
                 "the target must be a file earlier in the layer");
}

TEST_F(LayerUnpack, HardLinkToASymlinkOrDirIsRefused) {
  expect_refused(make_tar({symlink("l", "/etc/passwd"), hardlink("h", "l")}),
                 "hard link `/h` -> `/l`: the target is not a regular file");
  expect_refused(make_tar({dir("d"), hardlink("h2", "d")}), "the target is not a regular file");
}

TEST_F(LayerUnpack, SymlinkLoop) {
  expect_refused(make_tar({symlink("a", "b"), symlink("b", "a"), file("a/x", "x")}),
                 "Too many levels of symbolic links");
  expect_refused(make_tar({symlink("self", "self"), file("self/x", "x")}), "`/self`");
}

TEST_F(LayerUnpack, OverlongNames) {
  expect_refused(make_tar({file(std::string(300, 'n'), "x")}), "has a name longer than 255 bytes");
  std::string deep;
  while (deep.size() < 5000) deep += std::string(200, 'd') + "/";
  expect_refused(make_tar({file(deep + "f", "x")}), "is longer than 4095 bytes");
  expect_refused(make_tar({symlink("l", std::string(5000, 't'))}),
                 "has a target longer than 4095 bytes");
}

TEST_F(LayerUnpack, EntryLargerThanItsHeaderSays) {
  // Shrink the header's size field (and fix its checksum): the rest of the
  // data is then read as the next header.
  std::string tar = make_tar({file("f", std::string(2000, 'A')), file("g", "g")});
  size_t h = 0;
  while (tar.compare(h, 1, "f") != 0 || tar[h + 156] != '0') h += 512;  // the ustar header of f
  std::snprintf(tar.data() + h + 124, 12, "%011o", 10);
  std::memset(tar.data() + h + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(tar[h + i]);
  std::snprintf(tar.data() + h + 148, 8, "%06o", sum);
  expect_refused(tar, "Damaged tar archive");
}

TEST_F(LayerUnpack, TruncatedArchive) {
  std::string tar = make_tar({file("f", std::string(100000, 'A'))});
  expect_refused(tar.substr(0, 50000), "Truncated tar archive");
  expect_refused(gzip(tar.substr(0, 50000)), "Truncated tar archive", kGzip);
}

TEST_F(LayerUnpack, DecompressionBomb) {
  std::string tar = make_tar({file("zeros", std::string(16 << 20, '\0'))});
  std::string bomb = gzip(tar);
  ASSERT_LT(bomb.size(), tar.size() / 50);
  opts_.max_bytes = 1 << 20;
  expect_refused(bomb, "exceeds the limit of 1048576 bytes (decompression bomb?)", kGzip);
  expect_refused(zstd(tar), "exceeds the limit of 1048576 bytes", kZstd);
  expect_refused(tar, "exceeds the limit", kTar);
  // Each file within the limit, the stream beyond it.
  std::vector<Entry> many;
  for (int i = 0; i < 4; ++i)
    many.push_back(file("f" + std::to_string(i), std::string(400000, 'z')));
  expect_refused(gzip(make_tar(many)), "the uncompressed layer exceeds the limit of 1048576 bytes",
                 kGzip);
}

TEST_F(LayerUnpack, TooManyEntries) {
  opts_.max_entries = 3;
  expect_refused(make_tar({file("a", ""), file("b", ""), file("c", ""), file("d", "")}),
                 "the layer has more than 3 entries");
}

TEST_F(LayerUnpack, MediaTypeThatLiesAboutCompression) {
  std::string tar = make_tar({file("a", "a")});
  expect_refused(gzip(tar), "the media type says uncompressed tar but the data is gzip", kTar);
  expect_refused(zstd(tar), "the media type says uncompressed tar but the data is zstd", kTar);
  expect_refused(tar, "the media type says gzip but the data is not gzip", kGzip);
  expect_refused(zstd(tar), "the media type says gzip but the data is zstd", kGzip);
  expect_refused(gzip(tar), "the media type says zstd but the data is gzip", kZstd);
  expect_refused(tar, "unsupported layer media type `application/json`", "application/json");
  EXPECT_FALSE(exists("a"));
}

TEST_F(LayerUnpack, NotATar) {
  expect_refused(std::string(2000, 'x'), "not a tar archive");
  expect_refused(gzip(std::string(2000, 'x')), "not a tar archive", kGzip);
}

TEST_F(LayerUnpack, CorruptGzip) {
  std::string tar = make_tar({file("a", std::string(100000, 'q') + "tail")});
  std::string gz = gzip(tar);
  std::string flipped = gz;
  for (size_t i = 20; i < flipped.size() - 20; i += 7) flipped[i] ^= 0x5a;
  expect_refused(flipped, "decompress gzip layer", kGzip);
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 1;
  expect_refused(bad_crc, "gzip checksum mismatch", kGzip);
  expect_refused(gz.substr(0, gz.size() - 4), "decompress gzip layer", kGzip);
  expect_refused(gz.substr(0, 10), "the gzip stream is truncated", kGzip);
  expect_refused(gz + "garbage!", "trailing data after the gzip stream", kGzip);
}

TEST_F(LayerUnpack, CorruptZstd) {
  std::string tar = make_tar({file("a", std::string(100000, 'q') + "tail")});
  std::string z = zstd(tar);
  std::string flipped = z;
  for (size_t i = 12; i < flipped.size() - 4; i += 5) flipped[i] ^= 0x5a;
  expect_refused(flipped, "decompress zstd layer", kZstd);
  expect_refused(z.substr(0, z.size() / 2), "the zstd stream is truncated", kZstd);
  expect_refused(z + "garbage!", "decompress zstd layer", kZstd);
}

TEST_F(LayerUnpack, BadWhiteouts) {
  expect_refused(make_tar({whiteout(".wh..")}), "invalid whiteout `/.wh..`");
  opts_.whiteouts = UnpackOptions::Whiteouts::vfs;
  // Through a symlink that points outside: resolves in the layer, finds nothing.
  unpack(make_tar(
      {symlink("s", "../sentinel"), whiteout("s/.wh.file"), whiteout("sentinel-link/.wh.file")}));
  expect_outside_unchanged();
}

TEST_F(LayerUnpack, DestinationMustExist) {
  std::string tar = make_tar({file("a", "a")});
  UniqueFd fd = memfd(tar);
  EXPECT_THROW(unpack_layer(fd.get(), kTar, (base_ / "missing").string(), opts_), Error);
}

}  // namespace
