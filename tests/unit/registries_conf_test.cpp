// registries.conf parsing, merging and the questions pull asks of it, with
// inline TOML; the loader against files in a temporary directory.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>

#include "image/registries_conf.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using namespace nook::image;

namespace {

RegistriesConf parse(const std::string& text) {
  return parse_registries_conf(text, "test.conf");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

Reference ref(const char* s) {
  return parse_reference(s);
}

TEST(RegistriesConf, TopLevelKeys) {
  auto c = parse(R"(
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io/", "localhost:5000"]
short-name-mode = "enforcing"
credential-helpers = ["containers-auth.json"]
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"user/app" = "quay.io/user/app:stable"
)");
  ASSERT_TRUE(c.unqualified_search_registries);
  EXPECT_EQ(
      *c.unqualified_search_registries,
      (std::vector<std::string>{"registry.fedoraproject.org", "docker.io", "localhost:5000"}));
  EXPECT_EQ(c.short_name_mode, ShortNameMode::enforcing);
  ASSERT_TRUE(c.credential_helpers);
  EXPECT_EQ(c.aliases.at("fedora").value, "registry.fedoraproject.org/fedora");
  EXPECT_EQ(c.aliases.at("fedora").origin, "test.conf");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(RegistriesConf, EmptyAndCommentsOnly) {
  auto c = parse("# nothing\n");
  EXPECT_FALSE(c.unqualified_search_registries);
  EXPECT_EQ(c.short_name_mode, ShortNameMode::unset);
  EXPECT_TRUE(c.registries.empty());
  EXPECT_TRUE(parse("unqualified-search-registries = []").unqualified_search_registries->empty());
}

TEST(RegistriesConf, RegistryTables) {
  auto c = parse(R"(
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar/"
insecure = true
mirror-by-digest-only = false
[[registry.mirror]]
location = "mirror-1.local"
insecure = true
[[registry.mirror]]
location = "mirror-2.local/x"
pull-from-mirror = "digest-only"

[[registry]]
location = "blocked.io"
blocked = true
)");
  ASSERT_EQ(c.registries.size(), 2u);
  const Registry& r = c.registries[0];
  EXPECT_EQ(r.prefix, "example.com/foo");
  EXPECT_EQ(r.location, "internal.example.com/bar");
  EXPECT_TRUE(r.insecure);
  ASSERT_EQ(r.mirrors.size(), 2u);
  EXPECT_TRUE(r.mirrors[0].insecure);
  EXPECT_EQ(r.mirrors[1].pull_from_mirror, PullFromMirror::digest_only);
  // prefix defaults to location.
  EXPECT_EQ(c.registries[1].prefix, "blocked.io");
  EXPECT_TRUE(c.registries[1].blocked);
}

TEST(RegistriesConf, FindRegistryByLongestPrefixOnWholeComponents) {
  auto c = parse(R"(
[[registry]]
location = "example.com"
[[registry]]
prefix = "example.com/foo"
location = "other.com/foo"
[[registry]]
prefix = "*.wild.io"
)");
  EXPECT_EQ(c.find_registry(ref("example.com/bar"))->prefix, "example.com");
  EXPECT_EQ(c.find_registry(ref("example.com/foo"))->prefix, "example.com/foo");
  EXPECT_EQ(c.find_registry(ref("example.com/foo/sub:1"))->prefix, "example.com/foo");
  // "example.com/foobar" is not under "example.com/foo".
  EXPECT_EQ(c.find_registry(ref("example.com/foobar"))->prefix, "example.com");
  EXPECT_EQ(c.find_registry(ref("example.community/x")), nullptr);
  EXPECT_EQ(c.find_registry(ref("a.wild.io/x"))->prefix, "*.wild.io");
  EXPECT_EQ(c.find_registry(ref("a.b.wild.io:5000/x"))->prefix, "*.wild.io");
  // The wildcard covers subdomains only, and only in the host part.
  EXPECT_EQ(c.find_registry(ref("wild.io/x")), nullptr);
  EXPECT_EQ(c.find_registry(ref("other.org/a.wild.io/x")), nullptr);
  EXPECT_EQ(c.find_registry(ref("busybox")), nullptr);
}

TEST(RegistriesConf, PullSourcesRewriteMirrorsThenLocation) {
  auto c = parse(R"(
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
[[registry.mirror]]
location = "mirror-1.local"
insecure = true
[[registry.mirror]]
location = "mirror-2.local/x"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "mirror-3.local"
pull-from-mirror = "tag-only"
)");
  auto s = c.pull_sources(ref("example.com/foo/app:1"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].reference.string(), "mirror-1.local/app:1");
  EXPECT_TRUE(s[0].insecure);
  EXPECT_TRUE(s[0].mirror);
  EXPECT_EQ(s[1].reference.string(), "mirror-3.local/app:1");
  EXPECT_EQ(s[2].reference.string(), "internal.example.com/bar/app:1");
  EXPECT_FALSE(s[2].insecure);
  EXPECT_FALSE(s[2].mirror);

  std::string digest = "@sha256:" + std::string(64, 'e');
  auto d = c.pull_sources(parse_reference("example.com/foo/app" + digest));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].reference.string(), "mirror-1.local/app" + digest);
  EXPECT_EQ(d[1].reference.string(), "mirror-2.local/x/app" + digest);
  EXPECT_EQ(d[2].reference.string(), "internal.example.com/bar/app" + digest);
  // "example.com/foo" itself on "mirror-1.local" would have no repository.
  try {
    c.pull_sources(parse_reference("example.com/foo" + digest));
    FAIL();
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find("mirror-1.local"), std::string::npos) << e.what();
  }
}

TEST(RegistriesConf, MirrorByDigestOnly) {
  auto c = parse(R"(
[[registry]]
location = "docker.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "mirror.gcr.io"
)");
  auto s = c.pull_sources(ref("busybox"));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].reference.string(), "docker.io/library/busybox:latest");
  auto d = c.pull_sources(parse_reference("busybox@sha256:" + std::string(64, '1')));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].reference.path, "library/busybox");
  EXPECT_EQ(d[0].reference.domain, "mirror.gcr.io");
}

TEST(RegistriesConf, WildcardWithoutLocationKeepsTheReference) {
  auto c = parse(R"(
[[registry]]
prefix = "*.corp.example"
insecure = true
)");
  auto s = c.pull_sources(ref("reg.corp.example/a:1"));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].reference, ref("reg.corp.example/a:1"));
  EXPECT_TRUE(s[0].insecure);
  EXPECT_TRUE(c.is_insecure(ref("reg.corp.example/a")));
  EXPECT_FALSE(c.is_insecure(ref("corp.example/a")));
}

TEST(RegistriesConf, NoMatchingRegistryPullsTheReferenceItself) {
  auto c = parse("");
  auto s = c.pull_sources(ref("quay.io/a/b"));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].reference, ref("quay.io/a/b"));
  EXPECT_FALSE(s[0].insecure);
}

TEST(RegistriesConf, BlockedRegistryRefusesToPull) {
  auto c = parse("[[registry]]\nlocation = \"evil.io\"\nblocked = true\n");
  try {
    c.pull_sources(ref("evil.io/x"));
    FAIL();
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find("blocked in test.conf"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(c.pull_sources(ref("good.io/x")));
}

TEST(RegistriesConf, FirstOfEqualPrefixesWins) {
  auto c = parse(R"(
[[registry]]
location = "a.io"
insecure = true
[[registry]]
location = "a.io"
)");
  ASSERT_EQ(c.registries.size(), 1u);
  EXPECT_TRUE(c.registries[0].insecure);
}

TEST(RegistriesConf, ShortNameAliasIsTheOnlyCandidate) {
  auto c = parse(R"(
unqualified-search-registries = ["quay.io", "docker.io"]
[aliases]
"podman" = "quay.io/podman/stable"
"pinned" = "example.com/p:v1"
)");
  auto a = c.resolve_short_name("podman");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].reference.string(), "quay.io/podman/stable:latest");
  EXPECT_TRUE(a[0].from_alias);
  EXPECT_EQ(a[0].origin, "test.conf");
  EXPECT_EQ(c.resolve_short_name("podman:4")[0].reference.string(), "quay.io/podman/stable:4");
  EXPECT_EQ(c.resolve_short_name("pinned")[0].reference.string(), "example.com/p:v1");
  EXPECT_EQ(c.resolve_short_name("pinned:v2")[0].reference.string(), "example.com/p:v2");
  std::string digest = "sha256:" + std::string(64, 'c');
  EXPECT_EQ(c.resolve_short_name("podman@" + digest)[0].reference.string(),
            "quay.io/podman/stable@" + digest);
}

TEST(RegistriesConf, ShortNameSearchesEachRegistryInOrder) {
  auto c = parse(R"(unqualified-search-registries = ["quay.io", "docker.io", "localhost:5000"])");
  auto s = c.resolve_short_name("busybox:1");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].reference.string(), "quay.io/busybox:1");
  EXPECT_EQ(s[1].reference.string(), "docker.io/library/busybox:1");
  EXPECT_EQ(s[2].reference.string(), "localhost:5000/busybox:1");
  EXPECT_FALSE(s[0].from_alias);
  auto u = c.resolve_short_name("user/app");
  EXPECT_EQ(u[1].reference.string(), "docker.io/user/app:latest");
  EXPECT_TRUE(parse("").resolve_short_name("busybox").empty());
  EXPECT_THROW(c.resolve_short_name("quay.io/a/b"), nook::Error);
  EXPECT_THROW(c.resolve_short_name("Busybox"), nook::Error);
  EXPECT_THROW(c.resolve_short_name("busybox:"), nook::Error);
}

TEST(RegistriesConf, MergeDropIn) {
  auto base = parse(R"(
unqualified-search-registries = ["a.io"]
short-name-mode = "permissive"
[aliases]
"x" = "a.io/x"
"y" = "a.io/y"
[[registry]]
location = "a.io"
[[registry]]
location = "b.io"
)");
  auto dropin = parse_registries_conf(R"(
[aliases]
"y" = "b.io/y"
[[registry]]
location = "b.io"
insecure = true
[[registry]]
location = "c.io"
)",
                                      "50-dropin.conf");
  base.merge(dropin);
  // Keys the drop-in does not set stay.
  EXPECT_EQ(*base.unqualified_search_registries, std::vector<std::string>{"a.io"});
  EXPECT_EQ(base.short_name_mode, ShortNameMode::permissive);
  EXPECT_EQ(base.aliases.at("x").value, "a.io/x");
  EXPECT_EQ(base.aliases.at("y").value, "b.io/y");
  EXPECT_EQ(base.aliases.at("y").origin, "50-dropin.conf");
  ASSERT_EQ(base.registries.size(), 3u);
  EXPECT_TRUE(base.find_registry(ref("b.io/z"))->insecure);
  EXPECT_EQ(base.find_registry(ref("b.io/z"))->origin, "50-dropin.conf");
  // An empty list in a drop-in does replace.
  base.merge(parse("unqualified-search-registries = []\nshort-name-mode = \"disabled\""));
  EXPECT_TRUE(base.unqualified_search_registries->empty());
  EXPECT_EQ(base.short_name_mode, ShortNameMode::disabled);
}

TEST(RegistriesConf, UnknownKeysAreWarningsNotErrors) {
  auto c = parse("future-key = 1\n[[registry]]\nlocation = \"a.io\"\nnew-thing = true\n");
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_EQ(c.warnings[0], "test.conf: unknown key future-key");
  EXPECT_EQ(c.warnings[1], "test.conf: unknown key registry[0].new-thing");
}

struct BadConf {
  const char* toml;
  const char* expect;  // substring of the message
};

class MalformedRegistriesConf : public ::testing::TestWithParam<BadConf> {};

TEST_P(MalformedRegistriesConf, ErrorNamesFileAndKey) {
  std::string msg = error_of(GetParam().toml);
  EXPECT_NE(msg.find("`test.conf`"), std::string::npos) << msg;
  EXPECT_NE(msg.find(GetParam().expect), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedRegistriesConf,
    ::testing::Values(
        BadConf{"unqualified-search-registries = [", "line 1"}, BadConf{"a = 1\na = 2", "line 2"},
        BadConf{"[aliases\n", "line 1"},
        BadConf{"unqualified-search-registries = \"docker.io\"",
                "unqualified-search-registries: expected an array of strings"},
        BadConf{"unqualified-search-registries = [1]",
                "unqualified-search-registries[0]: expected a string"},
        BadConf{"unqualified-search-registries = [\"https://docker.io\"]",
                "URI schemes are not supported"},
        BadConf{"unqualified-search-registries = [\"docker.io/library\"]", "invalid registry"},
        BadConf{"short-name-mode = \"strict\"", "short-name-mode: invalid value"},
        BadConf{"short-name-mode = true", "short-name-mode: expected a string"},
        BadConf{"credential-helpers = \"x\"", "credential-helpers: expected an array"},
        BadConf{"aliases = 3", "aliases: expected a table"},
        BadConf{"[aliases]\n\"x\" = 3", "aliases.\"x\": expected a string"},
        BadConf{"[aliases]\n\"quay.io/x\" = \"quay.io/x\"", "must not contain a registry"},
        BadConf{"[aliases]\n\"x:1\" = \"quay.io/x\"", "must not contain a tag"},
        BadConf{"[aliases]\n\"X\" = \"quay.io/x\"", "invalid short name"},
        BadConf{"[aliases]\n\"x\" = \"x\"", "must contain registry and repository"},
        BadConf{"[aliases]\n\"x\" = \"quay.io/X\"", "invalid alias"},
        BadConf{"registry = 1", "registry: expected [[registry]] tables"},
        BadConf{"registry = [1]", "registry[0]: expected a table"},
        BadConf{"[[registry]]\ninsecure = true", "registry[0]: both location and prefix are unset"},
        BadConf{"[[registry]]\nprefix = \"a.io\"", "location is unset"},
        BadConf{"[[registry]]\nlocation = \"a.io\"\ninsecure = \"yes\"",
                "registry[0].insecure: expected a boolean"},
        BadConf{"[[registry]]\nlocation = \"a.io\"\nblocked = 1", "registry[0].blocked"},
        BadConf{"[[registry]]\nlocation = \"http://a.io\"", "URI schemes are not supported"},
        BadConf{"[[registry]]\nprefix = \"*.a.io/x\"", "wildcarded prefix"},
        BadConf{"[[registry]]\nprefix = \"*.a.io:5000\"", "wildcarded prefix"},
        BadConf{"[[registry]]\nlocation = \"a.io\"\npull-from-mirror = \"all\"",
                "belongs in [[registry.mirror]]"},
        BadConf{"[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\ninsecure = true",
                "registry[0].mirror[0]: mirror location is unset"},
        BadConf{"[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"m\"\n"
                "pull-from-mirror = \"sometimes\"",
                "registry[0].mirror[0].pull-from-mirror: unsupported value"},
        BadConf{"[[registry]]\nlocation = \"a.io\"\nmirror-by-digest-only = true\n"
                "[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"all\"",
                "cannot both be set"},
        BadConf{"[registries.search]\nregistries = [\"docker.io\"]", "version 1 format"}));

class RegistriesConfFiles : public ::testing::Test {
 protected:
  nook::test::TempDir tmp_{"/tmp/nook-regconf-"};
  const std::string dir_ = tmp_.path();
};

TEST_F(RegistriesConfFiles, MainThenDropInsInNameOrder) {
  nook::write_file(dir_ + "/main.conf", "unqualified-search-registries = [\"a.io\"]\n");
  nook::make_dirs(dir_ + "/d");
  nook::write_file(dir_ + "/d/20-b.conf", "unqualified-search-registries = [\"b.io\"]\n");
  nook::write_file(dir_ + "/d/10-c.conf", "unqualified-search-registries = [\"c.io\"]\n");
  nook::write_file(dir_ + "/d/99-ignored.txt", "not toml [");
  nook::make_dirs(dir_ + "/d/dir.conf");
  auto c = load_registries_conf({dir_ + "/main.conf", {dir_ + "/d", dir_ + "/missing"}});
  EXPECT_EQ(*c.unqualified_search_registries, std::vector<std::string>{"b.io"});
  EXPECT_EQ(c.search_registries_origin, dir_ + "/d/20-b.conf");
}

TEST_F(RegistriesConfFiles, RecordedAliasesWinOverTheFilesAndKeepEachOther) {
  nook::write_file(dir_ + "/main.conf",
                   "[aliases]\n\"app\" = \"a.io/app\"\n\"other\" = \"a.io/other\"\n");
  std::string cache = dir_ + "/cache/containers/short-name-aliases.conf";
  record_short_name_alias(cache, "app", "b.io/team/app");
  record_short_name_alias(cache, "tool", "c.io/tool");
  record_short_name_alias(cache, "app", "d.io/app");  // a later answer replaces it
  EXPECT_EQ(nook::read_file(cache),
            "[aliases]\n  \"app\" = \"d.io/app\"\n  \"tool\" = \"c.io/tool\"\n");
  auto c = load_registries_conf({dir_ + "/main.conf", {}, cache});
  EXPECT_EQ(c.aliases.at("app").value, "d.io/app");
  EXPECT_EQ(c.aliases.at("app").origin, cache);
  EXPECT_EQ(c.aliases.at("other").value, "a.io/other");
  EXPECT_EQ(c.alias_cache, cache);
  auto r = c.resolve_short_name("app:1");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reference.string(), "d.io/app:1");
  // A damaged cache file names itself.
  nook::write_file(cache, "[aliases\n", O_TRUNC);
  try {
    load_registries_conf({dir_ + "/main.conf", {}, cache});
    FAIL() << "a damaged alias cache was accepted";
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find(cache), std::string::npos) << e.what();
  }
}

TEST_F(RegistriesConfFiles, MissingMainIsEmpty) {
  auto c = load_registries_conf({dir_ + "/none.conf", {}});
  EXPECT_FALSE(c.unqualified_search_registries);
}

TEST_F(RegistriesConfFiles, BadDropInNamesItsPath) {
  nook::make_dirs(dir_ + "/d");
  nook::write_file(dir_ + "/d/bad.conf", "short-name-mode = 3\n");
  try {
    load_registries_conf({"", {dir_ + "/d"}});
    FAIL();
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir_ + "/d/bad.conf"), std::string::npos) << e.what();
  }
}

TEST_F(RegistriesConfFiles, PathsFollowEnvironment) {
  std::string saved_home = getenv("HOME") ? getenv("HOME") : "";
  const char* saved_xdg = getenv("XDG_CONFIG_HOME");
  std::string saved_xdg_s = saved_xdg ? saved_xdg : "";
  unsetenv("CONTAINERS_REGISTRIES_CONF");
  setenv("XDG_CONFIG_HOME", (dir_ + "/cfg").c_str(), 1);
  auto p = registries_conf_paths();
  EXPECT_EQ(p.main, "/etc/containers/registries.conf");
  EXPECT_EQ(p.dropin_dirs, (std::vector<std::string>{"/etc/containers/registries.conf.d",
                                                     dir_ + "/cfg/containers/registries.conf.d"}));
  nook::make_dirs(dir_ + "/cfg/containers");
  nook::write_file(dir_ + "/cfg/containers/registries.conf", "");
  p = registries_conf_paths();
  EXPECT_EQ(p.main, dir_ + "/cfg/containers/registries.conf");
  EXPECT_EQ(p.dropin_dirs, std::vector<std::string>{dir_ + "/cfg/containers/registries.conf.d"});
  setenv("CONTAINERS_REGISTRIES_CONF", "/x/y.conf", 1);
  EXPECT_EQ(registries_conf_paths().main, "/x/y.conf");
  unsetenv("CONTAINERS_REGISTRIES_CONF");
  // Without XDG_CONFIG_HOME: ~/.config.
  unsetenv("XDG_CONFIG_HOME");
  setenv("HOME", dir_.c_str(), 1);
  EXPECT_EQ(registries_conf_paths().dropin_dirs.back(),
            dir_ + "/.config/containers/registries.conf.d");
  setenv("HOME", saved_home.c_str(), 1);
  if (saved_xdg) setenv("XDG_CONFIG_HOME", saved_xdg_s.c_str(), 1);
}

}  // namespace
