// docker credential helpers: what they answer, how they fail, and
// find_credentials asking one an auth file names; the stores of
// registries.conf's credential-helpers in order (credential_store).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "error_text.hpp"
#include "image/auth_config.hpp"
#include "image/credential_helper.hpp"
#include "image/credential_store.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using namespace nook::image;

namespace {

// A directory on $PATH holding docker-credential-<name> scripts.
class CredentialHelper : public ::testing::Test {
 protected:
  void SetUp() override {
    old_path_ = ::getenv("PATH") ? ::getenv("PATH") : "";
    ::setenv("PATH", (dir_ + ":" + old_path_).c_str(), 1);
  }
  void TearDown() override { ::setenv("PATH", old_path_.c_str(), 1); }
  void helper(const std::string& name, const std::string& script) {
    std::string path = dir_ + "/docker-credential-" + name;
    nook::write_file(path, "#!/bin/sh\n" + script, O_CREAT | O_TRUNC, 0755);
  }
  std::string error_of(const std::string& name, const std::string& server) {
    return test_util::error_of([&] { credential_helper_get(name, server); });
  }

  nook::test::TempDir tmp_{"/tmp/nook-helper-test-"};
  const std::string dir_ = tmp_.path();
  std::string old_path_;
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

// Logs "VERB INPUT" lines to dir/NAME.log; keeps one login in dir/NAME.
std::string recording_helper(const std::string& dir, const std::string& name) {
  return "in=$(cat); echo \"$1 $in\" >>" + dir + "/" + name + ".log\n" + "f=" + dir + "/" + name +
         "\n" + R"sh(case $1 in
  store) printf %s "$in" >"$f" ;;
  get) [ -f "$f" ] && grep -q "\"ServerURL\":\"$in\"" "$f" && cat "$f" && exit 0
       echo 'credentials not found in native keychain'; exit 1 ;;
  erase) [ -f "$f" ] || { echo 'credentials not found in native keychain'; exit 1; }; rm "$f" ;;
  list) if [ -f "$f" ]; then sed 's/.*"ServerURL":"\([^"]*\)".*/{"\1":"u"}/' "$f"; else echo '{}'; fi ;;
esac
)sh";
}

TEST_F(CredentialHelper, StoreEraseAndListSpeakTheProtocol) {
  helper("rec", recording_helper(dir_, "rec"));
  credential_helper_store("rec", "quay.io", "alice", "pw");
  EXPECT_EQ(nook::read_file(dir_ + "/rec"),
            R"({"ServerURL":"quay.io","Username":"alice","Secret":"pw"})");
  auto got = credential_helper_get("rec", "quay.io");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->username, "alice");
  EXPECT_EQ(credential_helper_list("rec"), (std::map<std::string, std::string>{{"quay.io", "u"}}));
  EXPECT_TRUE(credential_helper_erase("rec", "quay.io"));
  EXPECT_FALSE(credential_helper_erase("rec", "quay.io"));
  EXPECT_TRUE(credential_helper_list("rec").empty());

  // A failing store names the server, never the secret it was handed.
  helper("locked", "cat >/dev/null; echo 'the keyring is locked' >&2; exit 3\n");
  std::string e =
      test_util::error_of([] { credential_helper_store("locked", "quay.io", "u", "hidden"); });
  EXPECT_EQ(e, "docker-credential-locked store quay.io failed (exit 3): the keyring is locked");
  // Not even for a server the helper cannot take.
  e = test_util::error_of([] { credential_helper_store("locked", "", "u", "hidden"); });
  EXPECT_EQ(e.find("hidden"), std::string::npos) << e;
  helper("badlist", "echo '[1]'\n");
  EXPECT_NE(test_util::error_of([] {
              credential_helper_list("badlist");
            }).find("other than a JSON object"),
            std::string::npos);
  helper("badlist", "echo '{\"quay.io\": 1}'\n");
  EXPECT_NE(test_util::error_of([] { credential_helper_list("badlist"); }).find("not a string"),
            std::string::npos);
}

class CredentialStore : public CredentialHelper {
 protected:
  CredentialSources sources(std::vector<std::string> helpers) {
    CredentialSources s;
    s.helpers = std::move(helpers);
    s.files = {dir_ + "/auth.json"};
    s.write_file = dir_ + "/auth.json";
    return s;
  }
};

TEST_F(CredentialStore, DefaultIsTheAuthFilesAlone) {
  nook::image::RegistriesConf conf;
  EXPECT_EQ(credential_sources(conf, dir_ + "/a.json").helpers,
            std::vector<std::string>{"containers-auth.json"});
  conf.credential_helpers = std::vector<std::string>{};
  EXPECT_EQ(credential_sources(conf, "").helpers, std::vector<std::string>{"containers-auth.json"});
  conf.credential_helpers = std::vector<std::string>{"pass", "containers-auth.json"};
  auto s = credential_sources(conf, dir_ + "/a.json");
  EXPECT_EQ(s.helpers, (std::vector<std::string>{"pass", "containers-auth.json"}));
  EXPECT_EQ(s.files, std::vector<std::string>{dir_ + "/a.json"});
  EXPECT_EQ(s.write_file, dir_ + "/a.json");
}

TEST_F(CredentialStore, LoginGoesToTheFirstStoreThatTakesIt) {
  helper("rec", recording_helper(dir_, "rec"));
  auto both = sources({"rec", "containers-auth.json"});
  EXPECT_EQ(save_login(both, "quay.io", "alice", "pw"), "credential helper: rec");
  EXPECT_FALSE(nook::path_exists(dir_ + "/auth.json"));
  auto c = lookup_credentials(both, "quay.io", "ns/app");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "alice");
  EXPECT_EQ(c->key, "quay.io");

  // A helper keeps no per-repository logins: the next store takes it.
  EXPECT_EQ(save_login(both, "quay.io/ns", "bob", "pw2"), dir_ + "/auth.json");
  // The helper comes first: its registry-wide login wins over the file's.
  EXPECT_EQ(lookup_credentials(both, "quay.io", "ns/app")->username, "alice");
  EXPECT_EQ(lookup_credentials(sources({"containers-auth.json"}), "quay.io", "ns/app")->username,
            "bob");
  EXPECT_FALSE(lookup_credentials(both, "docker.io", "library/busybox"));

  EXPECT_TRUE(erase_login(both, "quay.io"));
  EXPECT_FALSE(erase_login(both, "quay.io"));
  EXPECT_TRUE(erase_login(both, "quay.io/ns"));
  EXPECT_FALSE(lookup_credentials(both, "quay.io", "ns/app"));
}

TEST_F(CredentialStore, TheAuthFilesCredHelpersTakeTheirRegistrysLogin) {
  helper("rec", recording_helper(dir_, "rec"));
  std::string file = dir_ + "/auth.json";
  nook::write_file(file, R"({"credHelpers":{"quay.io":"rec"}})", O_CREAT | O_TRUNC);
  auto s = sources({"containers-auth.json"});
  EXPECT_EQ(save_login(s, "quay.io", "alice", "pw"), file);  // podman names the file
  EXPECT_EQ(nook::read_file(file), R"({"credHelpers":{"quay.io":"rec"}})");
  EXPECT_EQ(lookup_credentials(s, "quay.io", "")->password, "pw");
  EXPECT_EQ(save_login(s, "ghcr.io", "carol", "pw3"), file);
  // podman looks for exactly the key: a namespaced login goes to the file.
  EXPECT_EQ(save_login(s, "quay.io/ns", "u", "p"), file);
  EXPECT_NE(test_util::error_of([&] {
              save_login(sources({"rec"}), "quay.io/ns", "u", "p");
            }).find("credential helper rec does not take a namespaced key like quay.io/ns"),
            std::string::npos);

  erase_all_logins(s);
  EXPECT_FALSE(nook::path_exists(dir_ + "/rec"));
  EXPECT_FALSE(lookup_credentials(s, "ghcr.io", ""));
  EXPECT_EQ(credential_helpers_in(file).size(), 0u);
}

TEST_F(CredentialStore, EveryFailingStoreIsNamedInOneLine) {
  helper("locked", "cat >/dev/null; echo 'locked' >&2; exit 3\n");
  helper("down", "cat >/dev/null; echo 'no daemon' >&2; exit 4\n");
  auto s = sources({"locked", "down"});
  EXPECT_EQ(test_util::error_of([&] { save_login(s, "quay.io", "u", "p"); }),
            "storing credentials for quay.io: docker-credential-locked store quay.io failed (exit "
            "3): locked; docker-credential-down store quay.io failed (exit 4): no daemon");
  EXPECT_NE(test_util::error_of([&] {
              lookup_credentials(s, "quay.io", "");
            }).find("looking up credentials for quay.io: "),
            std::string::npos);
  // A later store that has the login answers despite an earlier failure.
  helper("rec", recording_helper(dir_, "rec"));
  save_login(sources({"rec"}), "quay.io", "alice", "pw");
  EXPECT_EQ(lookup_credentials(sources({"locked", "rec"}), "quay.io", "")->username, "alice");
  // A helper that is not installed holds nothing for logout --all, as podman.
  EXPECT_NO_THROW(erase_all_logins(sources({"nook-not-installed"})));
  EXPECT_NE(test_util::error_of([&] {
              erase_login(sources({"nook-not-installed"}), "quay.io");
            }).find("docker-credential-nook-not-installed"),
            std::string::npos);
}

}  // namespace
