#pragma once
// A test's scratch directory, made fresh and removed with everything in it
// however the test ends: an ASSERT that returns early or an exception still
// runs the destructor, where a hand-written cleanup line at the end would not.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <gtest/gtest.h>

#include "sys/error.hpp"

namespace nook::test {

class TempDir {
 public:
  // prefix is the path before mkdtemp's random part, e.g. "/tmp/nook-hooks-".
  // The caller picks the file system: /tmp is often tmpfs, which lacks what
  // some tests need (user xattrs, holes), so those pass a /var/tmp prefix.
  explicit TempDir(const std::string& prefix) : path_(prefix + "XXXXXX") {
    // mkdtemp may scribble on the template when it fails; name the original.
    const std::string tmpl = path_;
    if (!::mkdtemp(path_.data())) nook::throw_errno("mkdtemp", tmpl);
  }

  // Movable so a factory can return one; the moved-from object owns nothing.
  TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  ~TempDir() {
    if (path_.empty()) return;
    namespace fs = std::filesystem;
    // Tests leave directories without write or search permission (a layer's
    // 0555 directories, permission-error cases); an unprivileged user cannot
    // empty those, so open each up before the walk descends into it.
    ::chmod(path_.c_str(), 0700);
    std::error_code walk_ec;
    for (fs::recursive_directory_iterator
             it(path_, fs::directory_options::skip_permission_denied, walk_ec),
         end;
         !walk_ec && it != end; it.increment(walk_ec)) {
      std::error_code type_ec;
      if (it->symlink_status(type_ec).type() == fs::file_type::directory)
        ::chmod(it->path().c_str(), 0700);
    }
    // A destructor must not throw, but a leftover tree should still fail the
    // test rather than pile up unnoticed in /tmp.
    std::error_code ec;
    fs::remove_all(path_, ec);
    if (ec) ADD_FAILURE() << "removing temporary directory " << path_ << ": " << ec.message();
  }

  const std::string& path() const { return path_; }
  std::string path(std::string_view rel) const { return path_ + "/" + std::string(rel); }

 private:
  std::string path_;
};

}  // namespace nook::test
