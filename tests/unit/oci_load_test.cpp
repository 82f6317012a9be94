#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/spec_emit.hpp"
#include "oci/spec_parse.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using nook::oci::load_spec;

namespace {

// A bundle directory with a config.json; removed at the end of the test.
class Bundle {
 public:
  const std::string& dir() const { return dir_.path(); }
  void write_config(const std::string& root_path) {
    auto s = nook::oci::default_spec(false, 0, 0, false);
    s.root.path = root_path;
    nook::write_file(dir_.path("config.json"), nook::oci::emit_spec(s));
  }

 private:
  nook::test::TempDir dir_{"/tmp/nook-oci-bundle-"};
};

}  // namespace

TEST(OciLoad, MakesRelativeRootAbsolute) {
  Bundle b;
  nook::make_dirs(b.dir() + "/rootfs");
  b.write_config("rootfs");
  auto s = load_spec(b.dir());
  EXPECT_EQ(s.root.path, b.dir() + "/rootfs");
  EXPECT_TRUE(s.has_process);
}

TEST(OciLoad, NormalisesRootPath) {
  Bundle b;
  nook::make_dirs(b.dir() + "/a/rootfs");
  b.write_config("./a/../a/rootfs/");
  EXPECT_EQ(load_spec(b.dir()).root.path, b.dir() + "/a/rootfs");
}

TEST(OciLoad, KeepsAbsoluteRoot) {
  Bundle b;
  Bundle other;
  b.write_config(other.dir());
  EXPECT_EQ(load_spec(b.dir()).root.path, other.dir());
}

TEST(OciLoad, RelativeBundleDirectory) {
  Bundle b;
  nook::make_dirs(b.dir() + "/rootfs");
  b.write_config("rootfs");
  char old[4096];
  ASSERT_NE(::getcwd(old, sizeof old), nullptr);
  ASSERT_EQ(::chdir(b.dir().c_str()), 0);
  std::string root;
  try {
    root = load_spec(".").root.path;
  } catch (...) {
    (void)::chdir(old);
    throw;
  }
  ASSERT_EQ(::chdir(old), 0);
  EXPECT_EQ(root, b.dir() + "/rootfs");
}

TEST(OciLoad, MissingConfigNamesThePath) {
  Bundle b;
  try {
    load_spec(b.dir());
    FAIL() << "accepted a bundle without config.json";
  } catch (const nook::Error& e) {
    EXPECT_EQ(e.errnum(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(b.dir() + "/config.json"), std::string::npos) << e.what();
  }
}

TEST(OciLoad, MissingRootfs) {
  Bundle b;
  b.write_config("rootfs");
  try {
    load_spec(b.dir());
    FAIL() << "accepted a missing rootfs";
  } catch (const nook::Error& e) {
    EXPECT_EQ(e.errnum(), ENOENT);
    EXPECT_EQ(std::string(e.what()), "rootfs `" + b.dir() + "/rootfs`: No such file or directory");
  }
}

TEST(OciLoad, RootfsThatIsAFile) {
  Bundle b;
  nook::write_file(b.dir() + "/rootfs", "x");
  b.write_config("rootfs");
  try {
    load_spec(b.dir());
    FAIL() << "accepted a file as rootfs";
  } catch (const nook::Error& e) {
    EXPECT_EQ(e.errnum(), ENOTDIR);
    EXPECT_EQ(std::string(e.what()), "rootfs `" + b.dir() + "/rootfs`: Not a directory");
  }
}

TEST(OciLoad, InvalidConfigIsReported) {
  Bundle b;
  nook::make_dirs(b.dir() + "/rootfs");
  nook::write_file(b.dir() + "/config.json", "{\"ociVersion\": 1}");
  try {
    load_spec(b.dir());
    FAIL() << "accepted a bad config";
  } catch (const nook::Error& e) {
    EXPECT_STREQ(e.what(), "invalid config.json: ociVersion: expected a string, got 1");
  }
}
