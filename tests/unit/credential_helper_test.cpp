// docker credential helpers: what they answer, how they fail, and
// find_credentials asking one an auth file names.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "error_text.hpp"
#include "image/auth_config.hpp"
#include "image/credential_helper.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace fs = std::filesystem;
using namespace nook::image;

namespace {

// A directory on $PATH holding docker-credential-<name> scripts.
class CredentialHelper : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nook-helper-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    old_path_ = ::getenv("PATH") ? ::getenv("PATH") : "";
    ::setenv("PATH", (dir_ + ":" + old_path_).c_str(), 1);
  }
  void TearDown() override {
    ::setenv("PATH", old_path_.c_str(), 1);
    fs::remove_all(dir_);
  }
  void helper(const std::string& name, const std::string& script) {
    std::string path = dir_ + "/docker-credential-" + name;
    nook::write_file(path, "#!/bin/sh\n" + script, O_CREAT | O_TRUNC, 0755);
  }
  std::string error_of(const std::string& name, const std::string& server) {
    return test_util::error_of([&] { credential_helper_get(name, server); });
  }

  std::string dir_, old_path_;
};

TEST_F(CredentialHelper, ItGetsTheServerOnStdinAndAnswersJson) {
  // Echoes what it was asked, so the test sees stdin arrived.
  helper("echo", R"([ "$1" = get ] || exit 9
read -r server
printf '{"ServerURL":"%s","Username":"user-for-%s","Secret":"s3cret"}' "$server" "$server"
)");
  auto c = credential_helper_get("echo", "quay.io");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "user-for-quay.io");
  EXPECT_EQ(c->password, "s3cret");
  EXPECT_EQ(c->helper, "echo");
}

TEST_F(CredentialHelper, TokenUserMeansAnIdentityToken) {
  helper("tok", R"(printf '{"ServerURL":"x","Username":"<token>","Secret":"refresh-me"}')");
  auto c = credential_helper_get("tok", "x");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->username.empty());
  EXPECT_EQ(c->identity_token, "refresh-me");
}

TEST_F(CredentialHelper, NotFoundIsNothingOtherFailuresAreErrors) {
  helper("none", "echo 'credentials not found in native keychain'; exit 1\n");
  EXPECT_FALSE(credential_helper_get("none", "quay.io"));
  helper("broken", "echo 'the keyring is locked' >&2; exit 4\n");
  std::string e = error_of("broken", "quay.io");
  EXPECT_NE(e.find("docker-credential-broken get quay.io failed (exit 4): the keyring is locked"),
            std::string::npos)
      << e;
  EXPECT_NE(error_of("missing", "quay.io").find("docker-credential-missing"), std::string::npos);
  EXPECT_NE(error_of("../evil", "quay.io").find("invalid credential helper name"),
            std::string::npos);
}

TEST_F(CredentialHelper, MalformedAnswersAreRefusedWithoutTheSecret) {
  for (const char* bad : {"not json", "[]", R"({"Username": 5, "Secret": "hidden-1"})",
                          R"({"Username": "", "Secret": ""})", R"({"Secret": ["hidden-2"]})"}) {
    try {
      parse_credential_helper_answer("h", bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const nook::Error& e) {
      std::string m = e.what();
      EXPECT_NE(m.find("docker-credential-h"), std::string::npos) << m;
      EXPECT_EQ(m.find("hidden"), std::string::npos) << m;
    }
  }
}

TEST_F(CredentialHelper, FindCredentialsAsksTheHelperTheFileNames) {
  helper("store", R"(read -r server
case "$server" in
  https://index.docker.io/v1/) printf '{"Username":"hub","Secret":"pw"}' ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
)");
  std::string docker = dir_ + "/config.json", podman = dir_ + "/auth.json";
  nook::write_file(
      docker, R"({"credsStore":"store","auths":{"https://index.docker.io/v1/":{},"quay.io":{}}})",
      O_CREAT | O_TRUNC);
  nook::write_file(podman, R"({"auths":{"quay.io":{"auth":"cTpx"}}})", O_CREAT | O_TRUNC);
  auto hub = find_credentials("docker.io", "library/busybox", {docker, podman});
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "hub");
  EXPECT_EQ(hub->file, docker);
  // The helper has nothing for quay.io: the next file is asked.
  auto quay = find_credentials("quay.io", "a/b", {docker, podman});
  ASSERT_TRUE(quay);
  EXPECT_EQ(quay->username, "q");
  EXPECT_EQ(quay->file, podman);
}

}  // namespace
