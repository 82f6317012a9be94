#include <gtest/gtest.h>

#include <cerrno>

#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using nook::Error;

TEST(Error, CarriesOperationPathAndErrno) {
  Error e("mount", "/tmp/x", EPERM);
  EXPECT_EQ(e.errnum(), EPERM);
  EXPECT_EQ(e.op(), "mount");
  EXPECT_EQ(e.path(), "/tmp/x");
  EXPECT_STREQ(e.what(), "mount `/tmp/x`: Operation not permitted");
}

TEST(Error, PlainMessageHasNoErrno) {
  Error e("bad thing");
  EXPECT_EQ(e.errnum(), 0);
  EXPECT_STREQ(e.what(), "bad thing");
}

TEST(File, ReadMissingFileNamesPath) {
  try {
    nook::read_file("/nonexistent/nook-test");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.errnum(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/nook-test"), std::string::npos);
  }
}

TEST(File, AtomicWriteThenRead) {
  nook::test::TempDir dir("/tmp/nook-unit-");
  std::string p = dir.path("a/b/c");
  nook::make_dirs(dir.path("a/b"));
  nook::write_file_atomic(p, "hello");
  EXPECT_EQ(nook::read_file(p), "hello");
  // remove_tree is under test here; the TempDir finds nothing left to remove.
  nook::remove_tree(dir.path());
  EXPECT_FALSE(nook::path_exists(dir.path()));
}
