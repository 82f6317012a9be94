// Layers in the store's overlay format flattened into one directory as the
// vfs driver does: whiteouts delete, opaque directories hide, non-directories
// replace, directories merge, and owners, modes, xattrs, times, hard links
// and holes survive.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "image/vfs_rootfs.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using nook::image::copy_layers_to_rootfs;

namespace {

class VfsRootfs : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* d : {"l1", "l2", "root"}) fs::create_directory(p(d));
  }

  std::string p(const std::string& rel) const { return tmp_.path(rel); }
  void file(const std::string& rel, const std::string& data, mode_t mode = 0644) {
    fs::create_directories(fs::path(p(rel)).parent_path());
    nook::write_file(p(rel), data, O_CREAT | O_TRUNC, 0600);
    ASSERT_EQ(::chmod(p(rel).c_str(), mode), 0);
  }
  void whiteout(const std::string& rel) {
    fs::create_directories(fs::path(p(rel)).parent_path());
    // Unprivileged users may make 0:0 character devices since Linux 5.8.
    ASSERT_EQ(::mknod(p(rel).c_str(), S_IFCHR, makedev(0, 0)), 0) << std::strerror(errno);
  }
  void xattr(const std::string& rel, const char* name, const std::string& value) {
    ASSERT_EQ(::lsetxattr(p(rel).c_str(), name, value.data(), value.size(), 0), 0)
        << name << ": " << std::strerror(errno);
  }
  std::string get_xattr(const std::string& rel, const char* name) const {
    char buf[256];
    ssize_t n = ::lgetxattr(p(rel).c_str(), name, buf, sizeof buf);
    return n < 0 ? "<none>" : std::string(buf, static_cast<size_t>(n));
  }
  struct stat lst(const std::string& rel) const {
    struct stat st {};
    EXPECT_EQ(::lstat(p(rel).c_str(), &st), 0) << rel;
    return st;
  }
  std::string read(const std::string& rel) const { return nook::read_file(p(rel)); }

  // On the disk, not /tmp's tmpfs: the store's xattrs and holes live there.
  nook::test::TempDir tmp_{"/var/tmp/nook-vfs-test-"};
};

TEST_F(VfsRootfs, OverlaySemanticsAndWhatFilesKeep) {
  // Layer 1: the base.
  file("l1/etc/passwd", "root:x:0:0\n");
  file("l1/etc/doomed", "gone soon\n");
  file("l1/opt/old/stale", "stale\n");
  file("l1/bin/busybox", "elf", 04755);
  ASSERT_EQ(::link(p("l1/bin/busybox").c_str(), p("l1/bin/sh").c_str()), 0);
  ASSERT_EQ(::symlink("etc/passwd", p("l1/link").c_str()), 0);
  file("l1/ro/old", "old\n");
  ASSERT_EQ(::chmod(p("l1/ro").c_str(), 0555), 0);
  ASSERT_EQ(::mkfifo(p("l1/fifo").c_str(), 0640), 0);
  xattr("l1/etc/passwd", "user.color", "blue");
  xattr("l1/etc/passwd", "user.overlay.redirect", "/elsewhere");
  {
    // A 1 MiB file with 4 KiB of data at each end of a hole.
    nook::UniqueFd f(::open(p("l1/sparse").c_str(), O_WRONLY | O_CREAT, 0644));
    ASSERT_TRUE(f);
    std::string block(4096, 'a');
    ASSERT_EQ(::pwrite(f.get(), block.data(), block.size(), 0), 4096);
    ASSERT_EQ(::pwrite(f.get(), block.data(), block.size(), (1 << 20) - 4096), 4096);
  }
  struct timespec old_times[2] = {{1000000000, 0}, {1000000000, 123456789}};
  ASSERT_EQ(::utimensat(AT_FDCWD, p("l1/etc/passwd").c_str(), old_times, 0), 0);

  // Layer 2: deletes, hides, replaces, adds.
  whiteout("l2/etc/doomed");
  whiteout("l2/ghost");  // nothing below it: nothing to delete
  file("l2/etc/passwd", "root:x:0:0:new\n");
  file("l2/opt/old/fresh", "fresh\n");
  xattr("l2/opt/old", "user.overlay.opaque", "y");
  file("l2/link/inside", "a directory now\n");
  file("l2/ro/new", "new\n");
  ASSERT_EQ(::chmod(p("l2/ro").c_str(), 0750), 0);

  auto res = copy_layers_to_rootfs({p("l1"), p("l2")}, p("root"));

  EXPECT_EQ(read("root/etc/passwd"), "root:x:0:0:new\n");
  EXPECT_FALSE(fs::exists(fs::symlink_status(p("root/etc/doomed"))));
  EXPECT_FALSE(fs::exists(fs::symlink_status(p("root/ghost"))));
  EXPECT_EQ(res.whiteouts, 1u);
  // Opaque: only what layer 2 put there.
  EXPECT_FALSE(fs::exists(p("root/opt/old/stale")));
  EXPECT_EQ(read("root/opt/old/fresh"), "fresh\n");
  EXPECT_EQ(get_xattr("root/opt/old", "user.overlay.opaque"), "<none>");
  // A directory replaced the symlink.
  EXPECT_TRUE(S_ISDIR(lst("root/link").st_mode));
  EXPECT_EQ(read("root/link/inside"), "a directory now\n");
  // Merged directory: both layers' files, layer 2's mode.
  EXPECT_EQ(read("root/ro/old"), "old\n");
  EXPECT_EQ(read("root/ro/new"), "new\n");
  EXPECT_EQ(lst("root/ro").st_mode & 07777, 0750u);
  // Hard links stay links; setuid stays.
  EXPECT_EQ(lst("root/bin/sh").st_ino, lst("root/bin/busybox").st_ino);
  EXPECT_EQ(lst("root/bin/busybox").st_mode & 07777, 04755u);
  EXPECT_TRUE(S_ISFIFO(lst("root/fifo").st_mode));
  EXPECT_EQ(lst("root/fifo").st_mode & 07777, 0640u);
  // The hole is still a hole, the data still data.
  struct stat sp = lst("root/sparse");
  EXPECT_EQ(sp.st_size, 1 << 20);
  EXPECT_LT(sp.st_blocks * 512, 1 << 19) << "the hole was filled";
  std::string sparse = read("root/sparse");
  EXPECT_EQ(sparse.substr(0, 4096), std::string(4096, 'a'));
  EXPECT_EQ(sparse.substr(4096, 4096), std::string(4096, '\0'));
  EXPECT_GT(res.bytes, 0u);
  EXPECT_GT(res.entries, 10u);
}

TEST_F(VfsRootfs, XattrsAndTimesOfTheTopLayerCopy) {
  file("l1/f", "x");
  xattr("l1/f", "user.color", "blue");
  xattr("l1/f", "user.overlay.redirect", "/etc");
  struct timespec t[2] = {{1000000000, 0}, {1000000000, 123456789}};
  ASSERT_EQ(::utimensat(AT_FDCWD, p("l1/f").c_str(), t, 0), 0);
  copy_layers_to_rootfs({p("l1")}, p("root"));
  EXPECT_EQ(get_xattr("root/f", "user.color"), "blue");
  // overlay.* steers a mount: never carried into a plain tree.
  EXPECT_EQ(get_xattr("root/f", "user.overlay.redirect"), "<none>");
  struct stat st = lst("root/f");
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
}

TEST_F(VfsRootfs, AMergedDirectoryShowsTheUpperLayersXattrsOnly) {
  fs::create_directories(p("l1/m"));
  fs::create_directories(p("l2/m"));
  xattr("l1/m", "user.lower", "1");
  xattr("l1/m", "user.both", "lower");
  xattr("l2/m", "user.both", "upper");
  xattr("l2/m", "user.upper", "2");
  // The root directory merges the same way.
  xattr("l1", "user.lower-root", "1");
  copy_layers_to_rootfs({p("l1"), p("l2")}, p("root"));
  EXPECT_EQ(get_xattr("root", "user.lower-root"), "<none>");
  EXPECT_EQ(get_xattr("root/m", "user.lower"), "<none>");
  EXPECT_EQ(get_xattr("root/m", "user.both"), "upper");
  EXPECT_EQ(get_xattr("root/m", "user.upper"), "2");
}

TEST_F(VfsRootfs, AnOpaqueLayerRootHidesEverythingBelow) {
  file("l1/a", "a");
  file("l2/b", "b");
  xattr("l2", "user.overlay.opaque", "y");
  copy_layers_to_rootfs({p("l1"), p("l2")}, p("root"));
  EXPECT_FALSE(fs::exists(p("root/a")));
  EXPECT_EQ(read("root/b"), "b");
}

TEST_F(VfsRootfs, ADestinationThatIsNotEmptyOrMissingIsRefused) {
  file("root/x", "x");
  try {
    copy_layers_to_rootfs({p("l1")}, p("root"));
    FAIL() << "accepted a non-empty destination";
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find("not empty"), std::string::npos) << e.what();
  }
  try {
    copy_layers_to_rootfs({p("l1")}, p("missing"));
    FAIL() << "accepted a missing destination";
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find(p("missing")), std::string::npos) << e.what();
  }
  // A missing layer names the layer.
  fs::remove(p("root/x"));
  try {
    copy_layers_to_rootfs({p("nolayer")}, p("root"));
    FAIL() << "accepted a missing layer";
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find(p("nolayer")), std::string::npos) << e.what();
  }
}

}  // namespace
