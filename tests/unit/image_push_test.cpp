// What push decides before it talks to a registry: the manifest it sends
// (the stored bytes, a converted one, one rebuilt from the layer records
// when the stored manifest's blobs are not all there), where it sends it
// (DESTINATION parsing, the default destination), where blobs can be
// mounted from, and login's input checks. The registry side is covered by
// tests/integration/image_registry.bats against a real docker-registry.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "error_text.hpp"
#include "image/digest.hpp"
#include "image/login.hpp"
#include "image/manifest.hpp"
#include "image/push.hpp"
#include "image/store.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace nook::image;

namespace {

using test_util::error_of;

class PushTest : public ::testing::Test {
 protected:
  // A published layer with a compressed blob of media type `type`.
  LayerRecord add_layer(Store& s, const std::string& content,
                        std::string type = std::string(media_type::oci_layer_gzip)) {
    std::string blob = "blob:" + content;
    auto staging = s.make_staging_dir();
    std::string tree = staging.path() + "/tree";
    fs::create_directory(tree);
    nook::write_file(tree + "/file", content);
    nook::write_file(staging.path() + "/blob", blob);
    LayerRecord rec{compute_digest("diff:" + content), compute_digest(blob), type,
                    static_cast<int64_t>(blob.size()), static_cast<int64_t>(content.size())};
    auto lock = s.lock_layer(rec.diff_id);
    s.publish_layer(tree, staging.path() + "/blob", rec);
    return rec;
  }

  Descriptor layer_descriptor(const LayerRecord& l) {
    Descriptor d;
    d.media_type = l.media_type;
    d.digest = l.blob_digest;
    d.size = l.compressed_size;
    return d;
  }

  // An image as pull records it: config (labelled `tag`, so each is its
  // own image) and manifest blobs stored.
  ImageRecord add_image(Store& s, const std::string& tag, const std::vector<Descriptor>& layers,
                        const std::vector<std::string>& diff_ids,
                        std::vector<std::string> names = {}, std::vector<std::string> digests = {},
                        std::string manifest_type = std::string(media_type::oci_manifest)) {
    nlohmann::json c = {{"architecture", "amd64"},
                        {"os", "linux"},
                        {"config", {{"Labels", {{"t", tag}}}}},
                        {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
    std::string config = c.dump();
    ImageRecord img;
    img.id = compute_digest(config);
    s.write_blob(img.id, config);
    ImageManifest m;
    m.media_type = manifest_type;
    m.config.media_type = manifest_type == media_type::oci_manifest
                              ? std::string(media_type::oci_config)
                              : std::string(media_type::docker_config);
    m.config.digest = img.id;
    m.config.size = static_cast<int64_t>(config.size());
    m.layers = layers;
    if (manifest_type == media_type::oci_manifest) m.annotations["org.example"] = "kept";
    std::string bytes = emit_image_manifest(m);
    img.manifest_digest = compute_digest(bytes);
    s.write_blob(img.manifest_digest, bytes);
    img.manifest_media_type = manifest_type;
    img.added = 1700000000;
    img.layers = diff_ids;
    img.names = std::move(names);
    img.repo_digests = std::move(digests);
    s.record_image(img);
    return img;
  }

  nook::test::TempDir tmp_{"/tmp/nook-push-test-"};
  const std::string root_ = tmp_.path();
};

TEST(PushFormat, ParsesPodmansNamesAndRefusesOthers) {
  EXPECT_EQ(parse_manifest_format(""), ManifestFormat::source);
  EXPECT_EQ(parse_manifest_format("oci"), ManifestFormat::oci);
  EXPECT_EQ(parse_manifest_format("v2s2"), ManifestFormat::docker_v2s2);
  EXPECT_NE(error_of([] { parse_manifest_format("v2s1"); }).find("not supported"),
            std::string::npos);
  EXPECT_EQ(error_of([] { parse_manifest_format("foo"); }),
            "unknown format \"foo\". Choose one of the supported formats: 'oci' or 'v2s2'");
  EXPECT_NE(error_of([] { parse_manifest_format("OCI"); }).find("unknown format"),
            std::string::npos);
}

TEST(PushDestination, DockerTransportAndReferences) {
  Reference r = parse_push_destination("docker://127.0.0.1:5000/a/b:1");
  EXPECT_EQ(r.domain, "127.0.0.1:5000");
  EXPECT_EQ(r.path, "a/b");
  EXPECT_EQ(r.tag, "1");
  r = parse_push_destination("127.0.0.1:5000/a/b");
  EXPECT_EQ(r.domain, "127.0.0.1:5000");
  EXPECT_EQ(r.tag, "latest");
  r = parse_push_destination("busybox");
  EXPECT_EQ(r.string(), "docker.io/library/busybox:latest");
  std::string d = "sha256:" + std::string(64, 'a');
  r = parse_push_destination("localhost:5000/x@" + d);
  EXPECT_EQ(r.digest, d);
  EXPECT_TRUE(r.tag.empty());
}

TEST(PushDestination, MalformedAndOtherTransportsAreRefused) {
  EXPECT_NE(error_of([] {
              parse_push_destination("oci:/tmp/layout:tag");
            }).find("transport \"oci\" is not supported by nook push"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_push_destination("docker-archive:/tmp/x.tar");
            }).find("transport \"docker-archive\""),
            std::string::npos);
  EXPECT_NE(
      error_of([] { parse_push_destination("ftp://host/x"); }).find("unknown transport \"ftp\""),
      std::string::npos);
  for (std::string bad : {"", "docker://", "127.0.0.1:5000/Y/bb:1", "a//b", "x:bad tag",
                          "host/x@sha256:abc", "docker://docker://x", ":tag"}) {
    std::string e = error_of([&] { parse_push_destination(bad); });
    EXPECT_EQ(e.rfind("invalid destination \"" + bad + "\"", 0), 0u) << bad << ": " << e;
  }
}

TEST_F(PushTest, TheStoredManifestBytesAreSentUnchanged) {
  Store s(root_);
  auto l = add_layer(s, "base");
  auto img = add_image(s, "1", {layer_descriptor(l)}, {l.diff_id});
  Manifest m = manifest_for_push(s, img, ManifestFormat::source);
  EXPECT_EQ(m.digest, img.manifest_digest);
  EXPECT_EQ(m.bytes, s.read_blob(img.manifest_digest, 1 << 20));
  EXPECT_EQ(m.media_type, media_type::oci_manifest);
  // Asking for the format it already has changes nothing either.
  EXPECT_EQ(manifest_for_push(s, img, ManifestFormat::oci).digest, img.manifest_digest);

  auto d = add_layer(s, "docker", std::string(media_type::docker_layer_gzip));
  auto dimg = add_image(s, "2", {layer_descriptor(d)}, {d.diff_id}, {}, {},
                        std::string(media_type::docker_manifest));
  Manifest dm = manifest_for_push(s, dimg, ManifestFormat::source);
  EXPECT_EQ(dm.digest, dimg.manifest_digest);
  EXPECT_EQ(dm.media_type, media_type::docker_manifest);
}

TEST_F(PushTest, AnotherFormatIsANewManifestOverTheSameBlobs) {
  Store s(root_);
  auto l = add_layer(s, "base");
  auto img = add_image(s, "3", {layer_descriptor(l)}, {l.diff_id});
  Manifest m = manifest_for_push(s, img, ManifestFormat::docker_v2s2);
  EXPECT_EQ(m.media_type, media_type::docker_manifest);
  EXPECT_NE(m.digest, img.manifest_digest);
  EXPECT_EQ(m.digest, compute_digest(m.bytes));
  ImageManifest parsed = parse_image_manifest(m.bytes, m.media_type);
  EXPECT_EQ(parsed.config.digest, img.id);
  EXPECT_EQ(parsed.config.media_type, media_type::docker_config);
  EXPECT_EQ(parsed.layers[0].digest, l.blob_digest);
  EXPECT_EQ(parsed.layers[0].size, l.compressed_size);
  EXPECT_EQ(parsed.layers[0].media_type, media_type::docker_layer_gzip);

  auto d = add_layer(s, "docker", std::string(media_type::docker_layer));
  auto dimg = add_image(s, "4", {layer_descriptor(d)}, {d.diff_id}, {}, {},
                        std::string(media_type::docker_manifest));
  Manifest o = manifest_for_push(s, dimg, ManifestFormat::oci);
  EXPECT_EQ(o.media_type, media_type::oci_manifest);
  EXPECT_EQ(parse_image_manifest(o.bytes).layers[0].media_type, media_type::oci_layer);
}

TEST_F(PushTest, ZstdLayersHaveNoDockerSchema2Form) {
  Store s(root_);
  auto l = add_layer(s, "z", std::string(media_type::oci_layer_zstd));
  auto img = add_image(s, "5", {layer_descriptor(l)}, {l.diff_id});
  EXPECT_EQ(manifest_for_push(s, img, ManifestFormat::source).digest, img.manifest_digest);
  std::string e = error_of([&] { manifest_for_push(s, img, ManifestFormat::docker_v2s2); });
  EXPECT_NE(e.find("cannot be described in a Docker schema 2 manifest"), std::string::npos) << e;
}

TEST_F(PushTest, AManifestNamingABlobTheStoreLacksIsRewrittenInItsOwnType) {
  Store s(root_);
  auto l = add_layer(s, "shared");
  // The image's manifest names another compression of the same layer,
  // which the pull did not download because the layer was already there.
  Descriptor other{std::string(media_type::oci_layer_gzip), compute_digest("elsewhere"), 9};
  auto img = add_image(s, "6", {other}, {l.diff_id});
  Manifest m = manifest_for_push(s, img, ManifestFormat::source);
  EXPECT_NE(m.digest, img.manifest_digest);
  ImageManifest parsed = parse_image_manifest(m.bytes, m.media_type);
  EXPECT_EQ(parsed.media_type, media_type::oci_manifest);
  ASSERT_EQ(parsed.layers.size(), 1u);
  EXPECT_EQ(parsed.layers[0].digest, l.blob_digest);
  EXPECT_EQ(parsed.layers[0].size, l.compressed_size);
}

TEST_F(PushTest, AnImageWithoutAStoredManifestGetsOne) {
  Store s(root_);
  auto a = add_layer(s, "a");
  auto b = add_layer(s, "b", std::string(media_type::oci_layer));
  auto img = add_image(s, "7", {layer_descriptor(a), layer_descriptor(b)}, {a.diff_id, b.diff_id});
  fs::remove(s.blob_path(img.manifest_digest));
  img.manifest_digest.clear();
  img.manifest_media_type.clear();
  Manifest m = manifest_for_push(s, img, ManifestFormat::source);
  ImageManifest parsed = parse_image_manifest(m.bytes, m.media_type);
  EXPECT_EQ(parsed.config.digest, img.id);
  ASSERT_EQ(parsed.layers.size(), 2u);
  EXPECT_EQ(parsed.layers[0].digest, a.blob_digest);
  EXPECT_EQ(parsed.layers[1].digest, b.blob_digest);
  EXPECT_EQ(parse_image_manifest(manifest_for_push(s, img, ManifestFormat::oci).bytes)
                .layers[1]
                .media_type,
            media_type::oci_layer);
}

TEST_F(PushTest, ADamagedImageIsRefused) {
  Store s(root_);
  auto l = add_layer(s, "x");
  auto img = add_image(s, "8", {layer_descriptor(l)}, {l.diff_id});
  ImageRecord two_layers = img;
  two_layers.layers.push_back(l.diff_id);
  EXPECT_NE(error_of([&] {
              manifest_for_push(s, two_layers, ManifestFormat::source);
            }).find("diff IDs differ"),
            std::string::npos);
  fs::remove(s.blob_path(l.blob_digest));
  std::string e = error_of([&] { manifest_for_push(s, img, ManifestFormat::source); });
  EXPECT_NE(e.find("the blob " + l.blob_digest + " of layer " + l.diff_id + " is missing"),
            std::string::npos)
      << e;
}

TEST_F(PushTest, DefaultDestinationIsTheStoredName) {
  Store s(root_);
  auto l = add_layer(s, "x");
  auto img = add_image(s, "11", {layer_descriptor(l)}, {l.diff_id},
                       {"127.0.0.1:5000/app:1", "docker.io/library/busybox:latest"});
  EXPECT_EQ(default_push_destination(s, "127.0.0.1:5000/app:1").string(), "127.0.0.1:5000/app:1");
  EXPECT_EQ(default_push_destination(s, "busybox").string(), "docker.io/library/busybox:latest");
  std::string hex = img.id.substr(7);
  EXPECT_NE(error_of([&] {
              default_push_destination(s, hex.substr(0, 12));
            }).find("is an image ID, which names no repository"),
            std::string::npos);
  EXPECT_NE(error_of([&] { default_push_destination(s, img.id); }).find("is an image ID"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { default_push_destination(s, "nonexist"); }),
            "nonexist: image not known");
}

TEST_F(PushTest, PushRefusesUnknownImagesAndAWrongDestinationDigestBeforeAnyNetwork) {
  Store s(root_);
  auto l = add_layer(s, "x");
  auto img = add_image(s, "12", {layer_descriptor(l)}, {l.diff_id}, {"localhost/a:1"});
  RegistriesConf conf;
  PushOptions options;
  // Port 1: if anything tried to connect, the error would say so instead.
  Reference dest = parse_push_destination("127.0.0.1:1/a:1");
  EXPECT_EQ(error_of([&] { push_image(s, "nonexist", dest, conf, options); }),
            "nonexist: image not known");
  Reference by_digest = parse_push_destination("127.0.0.1:1/a@sha256:" + std::string(64, '0'));
  EXPECT_EQ(error_of([&] { push_image(s, "localhost/a:1", by_digest, conf, options); }),
            "Digest of source image's manifest would not match destination reference");
  options.format = ManifestFormat::docker_v2s2;
  Reference same = parse_push_destination("127.0.0.1:1/a@" + img.manifest_digest);
  // Converted, the manifest has another digest: refused the same way.
  EXPECT_EQ(error_of([&] { push_image(s, "localhost/a:1", same, conf, options); }),
            "Digest of source image's manifest would not match destination reference");
}

TEST(PushMounts, SameRegistryOtherRepositoriesPulledFromFirst) {
  ImageRecord img;
  img.repo_digests = {"127.0.0.1:5000/src/app@sha256:" + std::string(64, 'a'),
                      "quay.io/x/y@sha256:" + std::string(64, 'b'),
                      "127.0.0.1:5000/dest@sha256:" + std::string(64, 'c')};
  img.names = {"127.0.0.1:5000/src/app:2", "127.0.0.1:5000/tagged:1", "localhost/local:1"};
  Reference dest = parse_reference("127.0.0.1:5000/dest:1");
  auto c = mount_candidates(img, dest);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].repository(), "127.0.0.1:5000/src/app");
  EXPECT_EQ(c[1].repository(), "127.0.0.1:5000/tagged");
  EXPECT_TRUE(c[0].tag.empty());
  EXPECT_TRUE(c[0].digest.empty());
  EXPECT_TRUE(mount_candidates(img, parse_reference("docker.io/library/x")).empty());
}

TEST(Login, UserNamesAndKeys) {
  EXPECT_NO_THROW(check_username("tester"));
  EXPECT_NO_THROW(check_username("user@example.com"));
  EXPECT_NE(error_of([] { check_username("a:b"); }).find("must not contain ':'"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_username(""); }).find("empty"), std::string::npos);
  EXPECT_NE(error_of([] { check_username("a\nb"); }).find("control character"), std::string::npos);
  EXPECT_EQ(registry_of_key("quay.io/ns/app"), "quay.io");
  EXPECT_EQ(registry_of_key("127.0.0.1:5000"), "127.0.0.1:5000");
}

TEST(Login, StoredLoginFollowsPodmansKeyRules) {
  nook::test::TempDir tmp("/tmp/nook-login-test-");
  std::string file = tmp.path("auth.json");
  auto sources = credential_sources(RegistriesConf{}, file);
  store_credentials(file, "127.0.0.1:5000/ns", "nsuser", "p1");
  EXPECT_FALSE(stored_login("127.0.0.1:5000", sources));
  ASSERT_TRUE(stored_login("127.0.0.1:5000/ns", sources));
  EXPECT_EQ(stored_login("127.0.0.1:5000/ns", sources)->username, "nsuser");
  EXPECT_EQ(stored_login("127.0.0.1:5000/ns/app", sources)->username, "nsuser");
  store_credentials(file, "127.0.0.1:5000", "hostuser", "p2");
  EXPECT_EQ(stored_login("127.0.0.1:5000", sources)->username, "hostuser");
  EXPECT_EQ(stored_login("127.0.0.1:5000/ns", sources)->username, "nsuser");
}

TEST(Login, AnUnreachableRegistryIsNotABadPassword) {
  Credentials c;
  c.username = "u";
  c.password = "p";
  ClientOptions o;
  o.tls_verify = false;
  o.max_retries = 0;
  o.connect_timeout_s = 2;
  RegistriesConf conf;
  std::string e = error_of([&] { verify_credentials("127.0.0.1:1", c, o, conf); });
  EXPECT_EQ(e.rfind("authenticating creds for \"127.0.0.1:1\": ", 0), 0u) << e;
}

}  // namespace
