// Reference parsing against docker's (distribution/reference) behaviour:
// each valid case lists the normalised parts, each invalid one the message
// docker/podman print.
#include <gtest/gtest.h>

#include <string>

#include "image/reference.hpp"
#include "sys/error.hpp"

using nook::image::DefaultTag;
using nook::image::parse_reference;
using nook::image::Reference;

namespace {

struct Valid {
  const char* input;
  const char* domain;
  const char* path;
  const char* tag;
  const char* digest;
  const char* full;
  const char* familiar;
};

const std::string kSha256 = "sha256:" + std::string(64, 'a');
const std::string kSha512 = "sha512:" + std::string(128, '0');

class ValidReference : public ::testing::TestWithParam<Valid> {};

TEST_P(ValidReference, ParsesAndNormalises) {
  const Valid& v = GetParam();
  Reference r = parse_reference(v.input);
  EXPECT_EQ(r.domain, v.domain);
  EXPECT_EQ(r.path, v.path);
  EXPECT_EQ(r.tag, v.tag);
  EXPECT_EQ(r.digest, v.digest);
  EXPECT_EQ(r.string(), v.full);
  EXPECT_EQ(r.familiar(), v.familiar);
  // Both printed forms name the same image.
  EXPECT_EQ(parse_reference(r.string()), r);
  EXPECT_EQ(parse_reference(r.familiar()), r);
}

#define D64 "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

INSTANTIATE_TEST_SUITE_P(
    Docker, ValidReference,
    ::testing::Values(
        Valid{"busybox", "docker.io", "library/busybox", "latest", "",
              "docker.io/library/busybox:latest", "busybox:latest"},
        Valid{"busybox:1.36", "docker.io", "library/busybox", "1.36", "",
              "docker.io/library/busybox:1.36", "busybox:1.36"},
        Valid{"user/app", "docker.io", "user/app", "latest", "", "docker.io/user/app:latest",
              "user/app:latest"},
        Valid{"user/app:v1", "docker.io", "user/app", "v1", "", "docker.io/user/app:v1",
              "user/app:v1"},
        Valid{"docker.io/busybox", "docker.io", "library/busybox", "latest", "",
              "docker.io/library/busybox:latest", "busybox:latest"},
        Valid{"docker.io/library/busybox", "docker.io", "library/busybox", "latest", "",
              "docker.io/library/busybox:latest", "busybox:latest"},
        Valid{"index.docker.io/busybox", "docker.io", "library/busybox", "latest", "",
              "docker.io/library/busybox:latest", "busybox:latest"},
        Valid{"index.docker.io/user/app:x", "docker.io", "user/app", "x", "",
              "docker.io/user/app:x", "user/app:x"},
        Valid{"library/busybox", "docker.io", "library/busybox", "latest", "",
              "docker.io/library/busybox:latest", "busybox:latest"},
        Valid{"library/a/b", "docker.io", "library/a/b", "latest", "",
              "docker.io/library/a/b:latest", "library/a/b:latest"},
        Valid{"localhost/a", "localhost", "a", "latest", "", "localhost/a:latest",
              "localhost/a:latest"},
        Valid{"localhost:5000/a", "localhost:5000", "a", "latest", "", "localhost:5000/a:latest",
              "localhost:5000/a:latest"},
        Valid{"localhost:5000/a/b/c:t", "localhost:5000", "a/b/c", "t", "",
              "localhost:5000/a/b/c:t", "localhost:5000/a/b/c:t"},
        Valid{"127.0.0.1:5000/img:1", "127.0.0.1:5000", "img", "1", "", "127.0.0.1:5000/img:1",
              "127.0.0.1:5000/img:1"},
        Valid{"[::1]:5000/img", "[::1]:5000", "img", "latest", "", "[::1]:5000/img:latest",
              "[::1]:5000/img:latest"},
        Valid{"[fe80::1]/img", "[fe80::1]", "img", "latest", "", "[fe80::1]/img:latest",
              "[fe80::1]/img:latest"},
        Valid{"quay.io/podman/stable", "quay.io", "podman/stable", "latest", "",
              "quay.io/podman/stable:latest", "quay.io/podman/stable:latest"},
        Valid{"registry.example.com:443/ns/x:v2.0-rc_1", "registry.example.com:443", "ns/x",
              "v2.0-rc_1", "", "registry.example.com:443/ns/x:v2.0-rc_1",
              "registry.example.com:443/ns/x:v2.0-rc_1"},
        Valid{"my-registry.local/x", "my-registry.local", "x", "latest", "",
              "my-registry.local/x:latest", "my-registry.local/x:latest"},
        Valid{"Example.COM/x", "Example.COM", "x", "latest", "", "Example.COM/x:latest",
              "Example.COM/x:latest"},
        // An uppercase first component is a registry, as in docker.
        Valid{"FOO/bar", "FOO", "bar", "latest", "", "FOO/bar:latest", "FOO/bar:latest"},
        Valid{"busybox@" D64, "docker.io", "library/busybox", "", D64,
              "docker.io/library/busybox@" D64, "busybox@" D64},
        Valid{"busybox:1@" D64, "docker.io", "library/busybox", "1", D64,
              "docker.io/library/busybox:1@" D64, "busybox:1@" D64},
        Valid{"localhost:5000/a@" D64, "localhost:5000", "a", "", D64, "localhost:5000/a@" D64,
              "localhost:5000/a@" D64},
        Valid{"x/a.b-c__d--e_f/g", "docker.io", "x/a.b-c__d--e_f/g", "latest", "",
              "docker.io/x/a.b-c__d--e_f/g:latest", "x/a.b-c__d--e_f/g:latest"},
        Valid{"foo_bar/baz", "docker.io", "foo_bar/baz", "latest", "",
              "docker.io/foo_bar/baz:latest", "foo_bar/baz:latest"},
        Valid{"0/1", "docker.io", "0/1", "latest", "", "docker.io/0/1:latest", "0/1:latest"},
        Valid{"a:TAG_Upper.OK", "docker.io", "library/a", "TAG_Upper.OK", "",
              "docker.io/library/a:TAG_Upper.OK", "a:TAG_Upper.OK"},
        Valid{"a:_x", "docker.io", "library/a", "_x", "", "docker.io/library/a:_x", "a:_x"},
        // No slash: "localhost:5000" is image "localhost" with tag "5000", as in docker.
        Valid{"localhost:5000", "docker.io", "library/localhost", "5000", "",
              "docker.io/library/localhost:5000", "localhost:5000"},
        Valid{"docker.io", "docker.io", "library/docker.io", "latest", "",
              "docker.io/library/docker.io:latest", "docker.io:latest"},
        Valid{"docker.io/a/b/c", "docker.io", "a/b/c", "latest", "", "docker.io/a/b/c:latest",
              "a/b/c:latest"},
        // The short form keeps docker.io where dropping it would name another registry.
        Valid{"docker.io/example.com/x", "docker.io", "example.com/x", "latest", "",
              "docker.io/example.com/x:latest", "docker.io/example.com/x:latest"},
        Valid{"docker.io/localhost/x", "docker.io", "localhost/x", "latest", "",
              "docker.io/localhost/x:latest", "docker.io/localhost/x:latest"},
        Valid{"localhost:5000/library/x", "localhost:5000", "library/x", "latest", "",
              "localhost:5000/library/x:latest", "localhost:5000/library/x:latest"}));

struct Invalid {
  const char* input;
  const char* message;
};

class InvalidReference : public ::testing::TestWithParam<Invalid> {};

TEST_P(InvalidReference, FailsWithDockerMessage) {
  const Invalid& v = GetParam();
  try {
    parse_reference(v.input);
    FAIL() << "accepted " << v.input;
  } catch (const nook::Error& e) {
    EXPECT_EQ(std::string(e.what()), v.message) << v.input;
  }
}

constexpr const char* kBad = "invalid reference format";
constexpr const char* kUpper = "invalid reference format: repository name must be lowercase";

INSTANTIATE_TEST_SUITE_P(
    Docker, InvalidReference,
    ::testing::Values(
        Invalid{"", kBad}, Invalid{"Busybox", kUpper}, Invalid{"user/App", kUpper},
        Invalid{"Foo/Bar", kUpper}, Invalid{"quay.io/Podman/stable", kUpper},
        Invalid{"busybox:", kBad}, Invalid{"busybox@", kBad}, Invalid{":tag", kBad},
        Invalid{"@" D64, kBad}, Invalid{"/busybox", kBad}, Invalid{"busybox/", kBad},
        Invalid{"a//b", kBad}, Invalid{"localhost:5000/", kBad}, Invalid{"-a", kBad},
        Invalid{"a-", kBad}, Invalid{"a..b", kBad}, Invalid{"a._b", kBad}, Invalid{"a___b", kBad},
        Invalid{"a_-b", kBad}, Invalid{".a", kBad}, Invalid{"a b", kBad}, Invalid{"a\tb", kBad},
        Invalid{"a:b:c", kBad}, Invalid{"a:-tag", kBad}, Invalid{"a:.tag", kBad},
        Invalid{"a:t@g", kBad}, Invalid{"a:t/g", kBad}, Invalid{"a@sha256:abc", kBad},
        Invalid{"a@sha256:" D64, kBad},  // two '@'
        Invalid{"a@:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", kBad},
        Invalid{"a@1sha:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", kBad},
        Invalid{"a@sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg", kBad},
        Invalid{"-x.com/a", kBad}, Invalid{"x-.com/a", kBad}, Invalid{"x..com/a", kBad},
        Invalid{"x_y.com/a", kBad}, Invalid{"host:/a", kBad}, Invalid{"host:port/a", kBad},
        Invalid{"host:50a/a", kBad}, Invalid{"[]/a", kBad}, Invalid{"[::1/a", kBad},
        Invalid{"[zz::1]:5000/a", kBad}, Invalid{"[::1]x/a", kBad},
        Invalid{"a@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "invalid checksum digest length"},
        Invalid{"a@sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "invalid checksum digest length"},
        // A first component with a '.' is a registry, and '_' is no host name.
        Invalid{"a.b_c/d", kBad},
        Invalid{"a@sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "invalid checksum digest format"},
        Invalid{"a@md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unsupported digest algorithm"},
        Invalid{"a@sha256+b64:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unsupported digest algorithm"},
        Invalid{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "invalid repository name "
                "(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa), cannot "
                "specify 64-byte hexadecimal strings"}));

TEST(Reference, TagOf128IsTheLimit) {
  std::string tag(128, 't');
  EXPECT_EQ(parse_reference("a:" + tag).tag, tag);
  EXPECT_THROW(parse_reference("a:" + tag + "t"), nook::Error);
}

TEST(Reference, NameLengthCountsTheNormalisedName) {
  // "docker.io/library/" is 18 characters: 237 more make 255.
  std::string name(237, 'a');
  EXPECT_EQ(parse_reference(name).repository().size(), 255u);
  try {
    parse_reference(name + "a");
    FAIL();
  } catch (const nook::Error& e) {
    EXPECT_STREQ(e.what(),
                 "invalid reference format: repository name must not be more than 255 characters");
  }
  // The tag does not count.
  EXPECT_NO_THROW(parse_reference(name + ":" + std::string(128, 'x')));
}

TEST(Reference, Sha512Digest) {
  Reference r = parse_reference("quay.io/a/b@" + kSha512);
  EXPECT_EQ(r.digest, kSha512);
  EXPECT_TRUE(r.tag.empty());
  EXPECT_EQ(r.string(), "quay.io/a/b@" + kSha512);
}

TEST(Reference, DefaultTagNoneKeepsTagEmpty) {
  Reference r = parse_reference("busybox", DefaultTag::none);
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.string(), "docker.io/library/busybox");
  EXPECT_EQ(r.familiar(), "busybox");
  EXPECT_EQ(parse_reference("busybox:1", DefaultTag::none).tag, "1");
}

TEST(Reference, RepositoryAndFamiliarName) {
  Reference r = parse_reference("busybox:1@" + kSha256);
  EXPECT_EQ(r.repository(), "docker.io/library/busybox");
  EXPECT_EQ(r.familiar_name(), "busybox");
  EXPECT_EQ(parse_reference("localhost/x").familiar_name(), "localhost/x");
  EXPECT_EQ(parse_reference("user/x").familiar_name(), "user/x");
}

TEST(Reference, ShortNames) {
  using nook::image::is_short_name;
  EXPECT_TRUE(is_short_name("busybox"));
  EXPECT_TRUE(is_short_name("busybox:1"));
  EXPECT_TRUE(is_short_name("library/busybox"));
  EXPECT_TRUE(is_short_name("user/app@" + kSha256));
  EXPECT_TRUE(is_short_name("localhost:5000"));  // image "localhost", tag 5000
  EXPECT_FALSE(is_short_name("localhost/a"));
  EXPECT_FALSE(is_short_name("localhost:5000/a"));
  EXPECT_FALSE(is_short_name("docker.io/busybox"));
  EXPECT_FALSE(is_short_name("quay.io/a/b"));
  EXPECT_FALSE(is_short_name("[::1]:5000/a"));
  EXPECT_FALSE(is_short_name("Registry/a"));
}

TEST(Reference, TagGrammar) {
  using nook::image::is_valid_tag;
  EXPECT_TRUE(is_valid_tag("latest"));
  EXPECT_TRUE(is_valid_tag("1.0-rc.1_x"));
  EXPECT_TRUE(is_valid_tag("_"));
  EXPECT_FALSE(is_valid_tag(""));
  EXPECT_FALSE(is_valid_tag(".x"));
  EXPECT_FALSE(is_valid_tag("-x"));
  EXPECT_FALSE(is_valid_tag("a+b"));
  EXPECT_FALSE(is_valid_tag("a:b"));
}

TEST(Reference, PathAndDomainGrammar) {
  using nook::image::is_valid_domain;
  using nook::image::is_valid_path;
  EXPECT_TRUE(is_valid_path("a/b-c/d__e/f.g"));
  EXPECT_FALSE(is_valid_path(""));
  EXPECT_FALSE(is_valid_path("a/"));
  EXPECT_FALSE(is_valid_path("A"));
  EXPECT_TRUE(is_valid_domain("a"));
  EXPECT_TRUE(is_valid_domain("a-b.c:1"));
  EXPECT_TRUE(is_valid_domain("[::]:80"));
  EXPECT_FALSE(is_valid_domain(""));
  EXPECT_FALSE(is_valid_domain("a:"));
  EXPECT_FALSE(is_valid_domain("a.:1"));
  EXPECT_FALSE(is_valid_domain("[]"));
  EXPECT_FALSE(is_valid_domain("[::1]:"));
}

TEST(Reference, CheckDigest) {
  using nook::image::check_digest;
  EXPECT_NO_THROW(check_digest(kSha256));
  EXPECT_NO_THROW(check_digest(kSha512));
  EXPECT_THROW(check_digest(""), nook::Error);
  EXPECT_THROW(check_digest("sha256"), nook::Error);
  EXPECT_THROW(check_digest("sha256:"), nook::Error);
  EXPECT_THROW(check_digest(":" + std::string(64, 'a')), nook::Error);
  EXPECT_THROW(check_digest("sha256:" + std::string(63, 'a')), nook::Error);
  EXPECT_THROW(check_digest("sha256:" + std::string(63, 'a') + "g"), nook::Error);
  EXPECT_THROW(check_digest("sha512:" + std::string(64, 'a')), nook::Error);
  EXPECT_THROW(check_digest("SHA256:" + std::string(64, 'a')), nook::Error);
}

TEST(Reference, EmbeddedNulIsRejected) {
  EXPECT_THROW(parse_reference(std::string("busy\0box", 8)), nook::Error);
  EXPECT_THROW(parse_reference(std::string("a:t\0", 4)), nook::Error);
}

}  // namespace
