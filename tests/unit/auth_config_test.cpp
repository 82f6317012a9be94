// auth.json lookup, the file order, and login/logout writes.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <string>

#include "image/auth_config.hpp"
#include "image/base64.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using namespace nook::image;
using nlohmann::json;

namespace {

std::string b64(const std::string& s) {
  return base64_encode(s);
}

std::optional<Credentials> find(const std::string& text, std::string_view reg,
                                std::string_view repo = "") {
  return find_credentials_in(text, "/x/auth.json", reg, repo);
}

std::string error_of(const std::string& text, std::string_view reg = "quay.io") {
  try {
    find(text, reg, "a/b");
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(Base64, RoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(base64_decode(base64_encode(data)), data) << i;
    data += static_cast<char>(i * 37);
  }
}

TEST(Base64, KnownVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xff\xfe"), "//4=");
  EXPECT_EQ(base64_decode("dXNlcjpwYXNz"), "user:pass");
}

TEST(Base64, RejectsMalformed) {
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "=Zg=", "Zg==Zg==", "Zm9v\n", "Zm 9v", "Zm9-",
                          "Zh==", "Zm9=", "****"})
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
}

TEST(AuthConfig, BasicEntry) {
  auto c = find(R"({"auths": {"quay.io": {"auth": ")" + b64("alice:s3cr:et") + R"("}}})", "quay.io",
                "ns/app");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "alice");
  EXPECT_EQ(c->password, "s3cr:et");  // only the first colon splits
  EXPECT_EQ(c->key, "quay.io");
  EXPECT_EQ(c->file, "/x/auth.json");
}

TEST(AuthConfig, MostSpecificKeyWins) {
  std::string text = R"({"auths": {
    "quay.io": {"auth": ")" +
                     b64("host:1") + R"("},
    "quay.io/ns": {"auth": ")" +
                     b64("ns:2") + R"("},
    "quay.io/ns/app": {"auth": ")" +
                     b64("repo:3") + R"("}}})";
  EXPECT_EQ(find(text, "quay.io", "ns/app")->username, "repo");
  EXPECT_EQ(find(text, "quay.io", "ns/other")->username, "ns");
  EXPECT_EQ(find(text, "quay.io", "ns/app/sub")->username, "repo");
  EXPECT_EQ(find(text, "quay.io", "other/app")->username, "host");
  EXPECT_EQ(find(text, "quay.io", "")->username, "host");
  EXPECT_FALSE(find(text, "quay.io:443", "ns/app"));
  EXPECT_FALSE(find(text, "quay.iox", "ns/app"));
}

TEST(AuthConfig, DockerHubSpellings) {
  std::string legacy =
      R"({"auths": {"https://index.docker.io/v1/": {"auth": ")" + b64("d:1") + R"("}}})";
  EXPECT_EQ(find(legacy, "docker.io", "library/busybox")->username, "d");
  std::string plain = R"({"auths": {"docker.io": {"auth": ")" + b64("p:1") + R"("}}})";
  EXPECT_EQ(find(plain, "docker.io", "library/busybox")->username, "p");
  std::string url =
      R"({"auths": {"http://localhost:5000/v2/": {"auth": ")" + b64("l:1") + R"("}}})";
  EXPECT_EQ(find(url, "localhost:5000", "x")->username, "l");
  EXPECT_FALSE(find(url, "localhost", "x"));
}

TEST(AuthConfig, IdentityTokenKept) {
  auto c = find(R"({"auths": {"r.io": {"auth": ")" + b64("<token>:") +
                    R"(", "identitytoken": "refresh-me"}}})",
                "r.io");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->identity_token, "refresh-me");
  EXPECT_EQ(c->username, "<token>");
  auto t = find(R"({"auths": {"r.io": {"identitytoken": "only"}}})", "r.io");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->identity_token, "only");
  EXPECT_TRUE(t->username.empty());
}

TEST(AuthConfig, NothingForTheRegistry) {
  EXPECT_FALSE(find("{}", "quay.io"));
  EXPECT_FALSE(find(R"({"auths": {}})", "quay.io"));
  EXPECT_FALSE(find(R"({"auths": {"quay.io": {}}})", "quay.io"));
  EXPECT_FALSE(find(R"({"auths": {"quay.io": {"auth": ""}}, "other": 1})", "quay.io"));
}

TEST(AuthConfig, HelpersNamedOnlyWhenTheRegistryNeedsThem) {
  std::string helpers = R"({"credHelpers": {"gcr.io": "gcloud"},
    "auths": {"quay.io": {"auth": ")" +
                        b64("q:1") + R"("}}})";
  EXPECT_EQ(find(helpers, "quay.io")->username, "q");
  EXPECT_TRUE(find(helpers, "quay.io")->helper.empty());
  EXPECT_FALSE(find(helpers, "docker.io"));
  auto g = find(helpers, "gcr.io");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->helper, "gcloud");
  EXPECT_EQ(g->key, "gcr.io");
  EXPECT_TRUE(g->username.empty());

  // credsStore: the helper holds what an empty "auths" entry stands for.
  std::string store = R"({"credsStore": "desktop", "auths": {"https://index.docker.io/v1/": {},
    "quay.io": {"auth": ")" +
                      b64("q:1") + R"("}}})";
  EXPECT_EQ(find(store, "quay.io")->username, "q");
  EXPECT_FALSE(find(store, "ghcr.io"));
  auto d = find(store, "docker.io");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->helper, "desktop");
  EXPECT_EQ(d->key, "https://index.docker.io/v1/");

  EXPECT_NE(error_of(R"({"credHelpers": {"quay.io": ""}})").find("must be a helper name"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"credHelpers": {"quay.io": 7}})").find("must be a helper name"),
            std::string::npos);
}

struct Bad {
  const char* json;
  const char* expect;
};
class MalformedAuthFile : public ::testing::TestWithParam<Bad> {};

TEST_P(MalformedAuthFile, ErrorNamesTheFile) {
  std::string msg = error_of(GetParam().json);
  EXPECT_NE(msg.find("`/x/auth.json`"), std::string::npos) << msg;
  EXPECT_NE(msg.find(GetParam().expect), std::string::npos) << msg;
  // The secret never appears in a message.
  EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedAuthFile,
    ::testing::Values(Bad{"", "malformed JSON"}, Bad{"{", "malformed JSON"},
                      Bad{R"({"auths": {"quay.io": {"auth": "x"}})", "malformed JSON"},
                      Bad{"[]", "expected a JSON object"},
                      Bad{R"({"auths": []})", "\"auths\" must be an object"},
                      Bad{R"({"auths": {"quay.io": "aGk6aGk="}})", "must be an object"},
                      Bad{R"({"auths": {"quay.io": {"auth": 5}}})", "\"auth\" must be a string"},
                      Bad{R"({"auths": {"quay.io": {"auth": "!!!!"}}})", "not valid base64"},
                      Bad{R"({"auths": {"quay.io": {"auth": "aHVudGVyMg"}}})", "not valid base64"},
                      // base64("hunter2"): no colon.
                      Bad{R"({"auths": {"quay.io": {"auth": "aHVudGVyMg=="}}})", "no colon"},
                      Bad{R"({"auths": {"quay.io": {"identitytoken": 1}}})",
                          "\"identitytoken\" must be"},
                      Bad{R"({"credHelpers": []})", "\"credHelpers\" must be an object"},
                      Bad{R"({"credHelpers": {"quay.io": 1}})", "must be a helper name"}));

TEST(AuthConfig, AuthKeyNormalisesUrls) {
  EXPECT_EQ(auth_key("quay.io"), "quay.io");
  EXPECT_EQ(auth_key("quay.io/"), "quay.io");
  EXPECT_EQ(auth_key("localhost:5000/ns/repo"), "localhost:5000/ns/repo");
  EXPECT_EQ(auth_key("https://index.docker.io/v1/"), "index.docker.io");
  EXPECT_EQ(auth_key("http://localhost:5000"), "localhost:5000");
  EXPECT_THROW(auth_key(""), nook::Error);
  EXPECT_THROW(auth_key("bad host"), nook::Error);
  EXPECT_THROW(auth_key("quay.io/Upper"), nook::Error);
  EXPECT_THROW(auth_key("https://"), nook::Error);
}

class AuthFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v :
         {"HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "REGISTRY_AUTH_FILE", "DOCKER_CONFIG"}) {
      const char* cur = getenv(v);
      saved_.emplace_back(v, cur ? std::optional<std::string>(cur) : std::nullopt);
    }
  }
  void TearDown() override {
    for (auto& [k, v] : saved_) {
      if (v) {
        setenv(k.c_str(), v->c_str(), 1);
      } else {
        unsetenv(k.c_str());
      }
    }
  }
  nook::test::TempDir tmp_{"/tmp/nook-auth-"};
  const std::string dir_ = tmp_.path();
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(AuthFiles, PathOrderFollowsPodman) {
  setenv("HOME", dir_.c_str(), 1);
  setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
  unsetenv("XDG_CONFIG_HOME");
  unsetenv("REGISTRY_AUTH_FILE");
  unsetenv("DOCKER_CONFIG");
  EXPECT_EQ(auth_file_paths(), (std::vector<std::string>{"/run/user/1234/containers/auth.json",
                                                         dir_ + "/.config/containers/auth.json",
                                                         dir_ + "/.docker/config.json"}));
  EXPECT_EQ(auth_file_write_path(), "/run/user/1234/containers/auth.json");
  setenv("XDG_CONFIG_HOME", "/cfg", 1);
  setenv("DOCKER_CONFIG", "/dock", 1);
  EXPECT_EQ(auth_file_paths()[1], "/cfg/containers/auth.json");
  EXPECT_EQ(auth_file_paths()[2], "/dock/config.json");
  unsetenv("XDG_RUNTIME_DIR");
  EXPECT_EQ(auth_file_paths()[0], "/run/containers/" + std::to_string(getuid()) + "/auth.json");
  setenv("REGISTRY_AUTH_FILE", "/env/auth.json", 1);
  EXPECT_EQ(auth_file_paths(), std::vector<std::string>{"/env/auth.json"});
  EXPECT_EQ(auth_file_write_path(), "/env/auth.json");
  EXPECT_EQ(auth_file_paths("/flag.json"), std::vector<std::string>{"/flag.json"});
  EXPECT_EQ(auth_file_write_path("/flag.json"), "/flag.json");
}

TEST_F(AuthFiles, FirstFileWithAnEntryWins) {
  std::string a = dir_ + "/a.json", b = dir_ + "/b.json";
  nook::write_file(a, R"({"auths": {"other.io": {"auth": ")" + b64("o:1") + R"("}}})");
  nook::write_file(b, R"({"auths": {"quay.io": {"auth": ")" + b64("q:1") + R"("}}})");
  auto c = find_credentials("quay.io", "x", {dir_ + "/missing.json", a, b});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "q");
  EXPECT_EQ(c->file, b);
  EXPECT_FALSE(find_credentials("none.io", "x", {a, b}));
  // A reference looks itself up by domain and path, through --authfile.
  auto r = find_credentials(parse_reference("quay.io/x/y:1"), b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key, "quay.io");
}

TEST_F(AuthFiles, UnreadableFileIsAnError) {
  nook::make_dirs(dir_ + "/dir.json");
  EXPECT_THROW(find_credentials("quay.io", "", {dir_ + "/dir.json"}), nook::Error);
}

TEST_F(AuthFiles, StoreCreatesPrivateFileAndDirectory) {
  std::string path = dir_ + "/new/containers/auth.json";
  store_credentials(path, "localhost:5000", "bob", "p:w");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir_ + "/new/containers").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto c = find_credentials("localhost:5000", "x", {path});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "bob");
  EXPECT_EQ(c->password, "p:w");
  // No temporary left beside it.
  EXPECT_FALSE(nook::path_exists(path + ".tmp." + std::to_string(getpid())));
}

TEST_F(AuthFiles, StoreAndRemoveKeepUnknownKeys) {
  std::string path = dir_ + "/auth.json";
  nook::write_file(path, R"({"auths": {"keep.io": {"auth": ")" + b64("k:1") +
                             R"(", "email": "x@y"}}, "psFormat": "table", "credHelpers": {}})");
  store_credentials(path, "quay.io", "u", "p");
  store_credentials(path, "quay.io", "u2", "p2");  // replaces
  json doc = json::parse(nook::read_file(path));
  EXPECT_EQ(doc["psFormat"], "table");
  EXPECT_EQ(doc["auths"]["keep.io"]["email"], "x@y");
  EXPECT_EQ(doc["auths"]["quay.io"]["auth"], b64("u2:p2"));

  EXPECT_TRUE(remove_credentials(path, "quay.io"));
  EXPECT_FALSE(remove_credentials(path, "quay.io"));
  doc = json::parse(nook::read_file(path));
  EXPECT_FALSE(doc["auths"].contains("quay.io"));
  EXPECT_TRUE(doc["auths"].contains("keep.io"));
  EXPECT_EQ(doc["psFormat"], "table");
  EXPECT_FALSE(remove_credentials(dir_ + "/none.json", "quay.io"));
}

TEST_F(AuthFiles, RemoveRegistryAlsoRemovesItsUrlSpellingButNotRepoKeys) {
  std::string path = dir_ + "/auth.json";
  nook::write_file(path, R"({"auths": {"https://index.docker.io/v1/": {"auth": "YTpi"},
    "docker.io/user/app": {"auth": "YTpi"}, "quay.io": {"auth": "YTpi"}}})");
  EXPECT_TRUE(remove_credentials(path, "docker.io"));
  json doc = json::parse(nook::read_file(path));
  EXPECT_FALSE(doc["auths"].contains("https://index.docker.io/v1/"));
  EXPECT_TRUE(doc["auths"].contains("docker.io/user/app"));
  EXPECT_TRUE(remove_all_credentials(path));
  EXPECT_TRUE(json::parse(nook::read_file(path))["auths"].empty());
  EXPECT_FALSE(remove_all_credentials(path));
}

TEST_F(AuthFiles, WritesRefuseAMalformedFile) {
  std::string path = dir_ + "/auth.json";
  nook::write_file(path, "{not json");
  EXPECT_THROW(store_credentials(path, "quay.io", "u", "p"), nook::Error);
  EXPECT_THROW(remove_credentials(path, "quay.io"), nook::Error);
  EXPECT_EQ(nook::read_file(path), "{not json");  // untouched
}

}  // namespace
