// Image manifests and indexes: realistic OCI and Docker documents parse to
// what they say; every malformed or unsupported one is refused with a
// message naming the member; emit round-trips.
#include "image/manifest.hpp"

#include <gtest/gtest.h>

#include <string>

#include "image/decompress.hpp"
#include "manifest_samples.hpp"
#include "sys/error.hpp"

using namespace nook::image;
using nlohmann::json;
using nook_test::descriptor;
using nook_test::digest_of;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string manifest_error(const json& doc, std::string_view content_type = {}) {
  return error_of([&] { parse_image_manifest(doc.dump(), content_type); });
}

std::string index_error(const json& doc, std::string_view content_type = {}) {
  return error_of([&] { parse_image_index(doc.dump(), content_type); });
}

const std::string kOciManifest(media_type::oci_manifest);
const std::string kOciIndex(media_type::oci_index);
const std::string kDockerManifest(media_type::docker_manifest);
const std::string kDockerList(media_type::docker_manifest_list);

// ---- valid documents ---------------------------------------------------------

TEST(Manifest, DockerSchema2) {
  json doc = nook_test::docker_manifest();
  EXPECT_EQ(classify_manifest(doc.dump(), kDockerManifest), ManifestKind::image_manifest);
  ImageManifest m = parse_image_manifest(doc.dump(), kDockerManifest);
  EXPECT_EQ(m.schema_version, 2);
  EXPECT_EQ(m.media_type, kDockerManifest);
  EXPECT_EQ(m.config.media_type, "application/vnd.docker.container.image.v1+json");
  EXPECT_EQ(m.config.digest, digest_of("config"));
  EXPECT_EQ(m.config.size, 1457);
  ASSERT_EQ(m.layers.size(), 2u);
  EXPECT_EQ(m.layers[0].media_type, "application/vnd.docker.image.rootfs.diff.tar.gzip");
  EXPECT_EQ(m.layers[0].size, 2817383);
  EXPECT_EQ(m.layers[1].digest, digest_of("layer1"));
  EXPECT_TRUE(m.annotations.empty());
  EXPECT_FALSE(m.subject);
}

TEST(Manifest, OciWithOptionalParts) {
  json doc = nook_test::oci_manifest();
  doc["layers"][0]["urls"] = {"https://example.com/layer0"};
  doc["layers"][0]["annotations"] = {{"org.opencontainers.image.title", "base"}};
  ImageManifest m = parse_image_manifest(doc.dump(), kOciManifest);
  EXPECT_EQ(m.media_type, kOciManifest);
  ASSERT_EQ(m.layers.size(), 3u);
  EXPECT_EQ(m.layers[1].media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
  EXPECT_EQ(m.layers[0].urls, std::vector<std::string>{"https://example.com/layer0"});
  EXPECT_EQ(m.layers[0].annotations.at("org.opencontainers.image.title"), "base");
  EXPECT_EQ(m.annotations.at("org.opencontainers.image.title"), "demo");
  ASSERT_TRUE(m.subject);
  EXPECT_EQ(m.subject->digest, digest_of("subject"));
}

TEST(Manifest, EveryUnpackableLayerTypeIsAcceptedAndHasACompression) {
  for (std::string_view type :
       {media_type::oci_layer, media_type::oci_layer_gzip, media_type::oci_layer_zstd,
        media_type::oci_layer_nondistributable, media_type::oci_layer_nondistributable_gzip,
        media_type::oci_layer_nondistributable_zstd, media_type::docker_layer,
        media_type::docker_layer_gzip}) {
    json doc = nook_test::oci_manifest();
    doc["layers"][1]["mediaType"] = type;
    ImageManifest m = parse_image_manifest(doc.dump());
    EXPECT_EQ(m.layers[1].media_type, type);
    EXPECT_TRUE(is_supported_layer_media_type(type));
    // The unpacker must know every type the parser lets through.
    EXPECT_NO_THROW(layer_compression(std::string(type))) << type;
  }
  EXPECT_EQ(layer_compression(std::string(media_type::oci_layer_zstd)), Compression::zstd);
  EXPECT_EQ(layer_compression(std::string(media_type::docker_layer_gzip)), Compression::gzip);
  EXPECT_EQ(layer_compression(std::string(media_type::oci_layer)), Compression::none);
}

TEST(Manifest, NoLayersIsAnImage) {
  json doc = nook_test::oci_manifest();
  doc["layers"] = json::array();
  EXPECT_TRUE(parse_image_manifest(doc.dump()).layers.empty());
}

TEST(Manifest, ContentTypeParametersAndCaseAreIgnored) {
  json doc = nook_test::oci_manifest();
  EXPECT_EQ(parse_image_manifest(doc.dump(),
                                 " Application/VND.oci.image.manifest.v1+json ; charset=utf-8")
                .media_type,
            kOciManifest);
}

TEST(Manifest, OciWithoutMediaTypeTakesTheContentType) {
  json doc = nook_test::oci_manifest();
  doc.erase("mediaType");
  EXPECT_EQ(parse_image_manifest(doc.dump(), kOciManifest).media_type, kOciManifest);
  // Docker's type from the registry is believed too: the body does not contradict it.
  EXPECT_EQ(parse_image_manifest(doc.dump(), kDockerManifest).media_type, kDockerManifest);
}

TEST(Manifest, GenericContentTypeFallsBackToTheBody) {
  json docker = nook_test::docker_manifest();
  json untyped = nook_test::oci_manifest();
  untyped.erase("mediaType");
  json index = nook_test::busybox_index();
  json untyped_index = index;
  untyped_index.erase("mediaType");
  for (std::string_view ct : {"", "application/json", "text/plain", "application/octet-stream",
                              "application/json; charset=utf-8"}) {
    SCOPED_TRACE(std::string(ct));
    EXPECT_EQ(parse_image_manifest(docker.dump(), ct).media_type, kDockerManifest);
    // No mediaType: the shape decides, and only OCI may leave it out.
    EXPECT_EQ(classify_manifest(untyped.dump(), ct), ManifestKind::image_manifest);
    EXPECT_EQ(parse_image_manifest(untyped.dump(), ct).media_type, kOciManifest);
    EXPECT_EQ(classify_manifest(index.dump(), ct), ManifestKind::image_index);
    EXPECT_EQ(parse_image_index(untyped_index.dump(), ct).media_type, kOciIndex);
  }
}

TEST(Index, BusyboxWithAttestations) {
  json doc = nook_test::busybox_index();
  EXPECT_EQ(classify_manifest(doc.dump(), kOciIndex), ManifestKind::image_index);
  ImageIndex x = parse_image_index(doc.dump(), kOciIndex);
  EXPECT_EQ(x.media_type, kOciIndex);
  ASSERT_EQ(x.manifests.size(), 20u);
  const Descriptor& arm = x.manifests[6];
  ASSERT_TRUE(arm.platform);
  EXPECT_EQ(arm.platform->architecture, "arm");
  EXPECT_EQ(arm.platform->variant, "v7");
  EXPECT_EQ(arm.platform->os, "linux");
  EXPECT_EQ(arm.size, 610);
  const Descriptor& att = x.manifests[7];
  EXPECT_EQ(att.annotations.at("vnd.docker.reference.type"), "attestation-manifest");
  EXPECT_EQ(att.platform->architecture, "unknown");
}

TEST(Index, DockerManifestListWithOsVersionAndFeatures) {
  json entry = descriptor(kDockerManifest, "win", 1000);
  entry["platform"] = {{"architecture", "amd64"},
                       {"os", "windows"},
                       {"os.version", "10.0.17763.5830"},
                       {"os.features", {"win32k"}},
                       {"features", {"sse4"}}};
  json doc = {{"schemaVersion", 2}, {"mediaType", kDockerList}, {"manifests", {entry}}};
  ImageIndex x = parse_image_index(doc.dump(), kDockerList);
  EXPECT_EQ(x.media_type, kDockerList);
  ASSERT_TRUE(x.manifests[0].platform);
  EXPECT_EQ(x.manifests[0].platform->os_version, "10.0.17763.5830");
  EXPECT_EQ(x.manifests[0].platform->os_features, std::vector<std::string>{"win32k"});
}

TEST(Index, EmptyListParses) {
  // Valid per the spec ("podman manifest create" makes one); choosing from
  // it is what fails (platform_test).
  json doc = {{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", json::array()}};
  EXPECT_TRUE(parse_image_index(doc.dump()).manifests.empty());
}

TEST(Index, EntriesOfAnyTypeAreKept) {
  json doc = nook_test::busybox_index();
  doc["manifests"][0]["mediaType"] = "application/vnd.example.sbom";
  doc["manifests"][0]["artifactType"] = "application/spdx+json";
  ImageIndex x = parse_image_index(doc.dump());
  EXPECT_EQ(x.manifests[0].artifact_type, "application/spdx+json");
}

// ---- schema 1, versions ------------------------------------------------------------

TEST(Manifest, Schema1IsRefusedLikePodman) {
  json schema1 = {{"schemaVersion", 1},
                  {"name", "library/busybox"},
                  {"tag", "latest"},
                  {"architecture", "amd64"},
                  {"fsLayers", {{{"blobSum", digest_of("x")}}}},
                  {"history", {{{"v1Compatibility", "{}"}}}}};
  EXPECT_EQ(error_of([&] {
              classify_manifest(schema1.dump(),
                                "application/vnd.docker.distribution.manifest.v1+prettyjws");
            }),
            "unsupported manifest format: Docker Registry schema 1 "
            "(application/vnd.docker.distribution.manifest.v1+prettyjws); push the image again "
            "with a current client");
  EXPECT_EQ(manifest_error(schema1, "application/vnd.docker.distribution.manifest.v1+json"),
            "unsupported manifest format: Docker Registry schema 1 "
            "(application/vnd.docker.distribution.manifest.v1+json); push the image again with a "
            "current client");
  // Even when the registry does not say so, or says something else.
  for (std::string_view ct : {"", "application/json", "application/vnd.oci.image.manifest.v1+json"})
    EXPECT_EQ(manifest_error(schema1, ct),
              "unsupported manifest format: Docker Registry schema 1 (schemaVersion 1); push the "
              "image again with a current client");
  // By content type alone, whatever the body is.
  EXPECT_NE(error_of([] {
              classify_manifest("not json", "application/vnd.docker.distribution.manifest.v1+json");
            }).find("schema 1"),
            std::string::npos);
  // The document's own text is not echoed unless it is a schema 1 type.
  json hostile = schema1;
  hostile["mediaType"] = "\x1b[2J";
  EXPECT_EQ(manifest_error(hostile),
            "unsupported manifest format: Docker Registry schema 1 (schemaVersion 1); push the "
            "image again with a current client");
  json typed = nook_test::docker_manifest();
  typed["mediaType"] = "application/vnd.docker.distribution.manifest.v1+json";
  EXPECT_NE(manifest_error(typed).find("Docker Registry schema 1 "
                                       "(application/vnd.docker.distribution.manifest.v1+json)"),
            std::string::npos);
}

TEST(Manifest, SchemaVersionMustBe2) {
  json doc = nook_test::oci_manifest();
  doc["schemaVersion"] = 3;
  EXPECT_EQ(manifest_error(doc),
            "invalid manifest: schemaVersion: unsupported schemaVersion 3 (OCI and Docker schema "
            "2 manifests have 2)");
  doc.erase("schemaVersion");
  EXPECT_EQ(manifest_error(doc), "invalid manifest: schemaVersion: required field is missing");
  doc["schemaVersion"] = "2";
  EXPECT_EQ(manifest_error(doc),
            "invalid manifest: schemaVersion: expected an integer, got string");
  doc["schemaVersion"] = 2.0;
  EXPECT_EQ(manifest_error(doc), "invalid manifest: schemaVersion: expected an integer, got 2.0");
  doc["schemaVersion"] = -2;
  EXPECT_NE(manifest_error(doc).find("unsupported schemaVersion -2"), std::string::npos);
  doc["schemaVersion"] = nullptr;
  EXPECT_EQ(manifest_error(doc), "invalid manifest: schemaVersion: required field is missing");
}

// ---- media types that lie, shapes that contradict ------------------------------------------

TEST(Manifest, BodyMediaTypeContradictingContentTypeIsRefused) {
  json doc = nook_test::oci_manifest();
  EXPECT_EQ(manifest_error(doc, kDockerManifest),
            "invalid manifest: mediaType: \"application/vnd.oci.image.manifest.v1+json\" "
            "contradicts the registry's Content-Type "
            "\"application/vnd.docker.distribution.manifest.v2+json\"");
  json index = nook_test::busybox_index();
  EXPECT_NE(error_of([&] { classify_manifest(index.dump(), kOciManifest); }).find("contradicts"),
            std::string::npos);
}

TEST(Manifest, ShapeContradictingContentTypeIsRefused) {
  json index = nook_test::busybox_index();
  index.erase("mediaType");
  EXPECT_EQ(error_of([&] { classify_manifest(index.dump(), kOciManifest); }),
            "invalid manifest: the registry's Content-Type "
            "\"application/vnd.oci.image.manifest.v1+json\" says an image manifest, but the "
            "document is a manifest list");
  json m = nook_test::oci_manifest();
  m.erase("mediaType");
  EXPECT_EQ(error_of([&] { classify_manifest(m.dump(), kDockerList); }),
            "invalid manifest: the registry's Content-Type "
            "\"application/vnd.docker.distribution.manifest.list.v2+json\" says a manifest list, "
            "but the document is an image manifest");
}

TEST(Manifest, BodyMediaTypeContradictingItsShapeIsRefused) {
  json m = nook_test::oci_manifest();
  m["mediaType"] = kOciIndex;
  EXPECT_EQ(manifest_error(m, "application/json"),
            "invalid manifest: mediaType: \"application/vnd.oci.image.index.v1+json\" says a "
            "manifest list, but the document is an image manifest");
}

TEST(Manifest, LayersAndManifestsTogetherAreRefused) {
  json m = nook_test::oci_manifest();
  m["manifests"] = nook_test::busybox_index()["manifests"];
  for (std::string_view ct : {std::string_view(), std::string_view(media_type::oci_manifest),
                              std::string_view(media_type::oci_index)})
    EXPECT_EQ(error_of([&] { classify_manifest(m.dump(), ct); }),
              "invalid manifest: has both \"layers\" and \"manifests\": it is neither an image "
              "manifest nor a manifest list");
  m.erase("layers");
  EXPECT_NE(error_of([&] {
              classify_manifest(m.dump(), "");
            }).find("has both \"config\" and \"manifests\""),
            std::string::npos);
}

TEST(Manifest, UnknownTypesAreRefused) {
  json m = nook_test::oci_manifest();
  EXPECT_EQ(manifest_error(m, "application/vnd.oci.artifact.manifest.v1+json"),
            "unsupported manifest media type \"application/vnd.oci.artifact.manifest.v1+json\"");
  m["mediaType"] = "application/vnd.example+json";
  EXPECT_EQ(manifest_error(m, "application/json"),
            "unsupported manifest media type \"application/vnd.example+json\"");
  json shapeless = {{"schemaVersion", 2}};
  EXPECT_EQ(error_of([&] { classify_manifest(shapeless.dump(), ""); }),
            "invalid manifest: no mediaType, \"layers\" or \"manifests\": cannot tell what kind of "
            "manifest this is");
  json bad_type = {{"schemaVersion", 2}, {"mediaType", 7}, {"layers", json::array()}};
  EXPECT_EQ(error_of([&] { classify_manifest(bad_type.dump(), ""); }),
            "invalid manifest: mediaType: expected a string, got 7");
}

TEST(Manifest, WrongKindForTheParser) {
  json index = nook_test::busybox_index();
  EXPECT_EQ(manifest_error(index, kOciIndex),
            "expected an image manifest, got a manifest list "
            "(application/vnd.oci.image.index.v1+json)");
  EXPECT_EQ(index_error(nook_test::docker_manifest()),
            "expected a manifest list, got an image manifest "
            "(application/vnd.docker.distribution.manifest.v2+json)");
}

// ---- what nook cannot pull ----------------------------------------------------------

TEST(Manifest, ArtifactsAreNotImages) {
  json helm = nook_test::oci_manifest();
  helm["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json";
  EXPECT_EQ(manifest_error(helm),
            "not a container image (config media type "
            "\"application/vnd.cncf.helm.config.v1+json\")");
  json artifact = nook_test::oci_manifest();
  artifact["artifactType"] = "application/vnd.example.sbom.v1";
  artifact["config"]["mediaType"] = "application/vnd.oci.empty.v1+json";
  EXPECT_EQ(manifest_error(artifact),
            "not a container image (config media type \"application/vnd.oci.empty.v1+json\", "
            "artifact type \"application/vnd.example.sbom.v1\")");
}

TEST(Manifest, ForeignLayersAreRefused) {
  json m = nook_test::docker_manifest();
  m["layers"][1]["mediaType"] = media_type::docker_foreign_layer_gzip;
  m["layers"][1]["urls"] = {"https://go.microsoft.com/fwlink/?linkid=837858"};
  EXPECT_EQ(manifest_error(m),
            "manifest: layers[1].mediaType: foreign layers are not supported (it would come from "
            "\"https://go.microsoft.com/fwlink/?linkid=837858\")");
  m["layers"][1].erase("urls");
  EXPECT_EQ(manifest_error(m), "manifest: layers[1].mediaType: foreign layers are not supported");
}

TEST(Manifest, UnknownLayerTypesAreRefusedByIndexAndType) {
  json m = nook_test::oci_manifest();
  m["layers"][2]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted";
  EXPECT_EQ(manifest_error(m),
            "manifest: layers[2].mediaType: unsupported layer media type "
            "\"application/vnd.oci.image.layer.v1.tar+gzip+encrypted\"");
  m["layers"][2]["mediaType"] = "application/vnd.in-toto+json";
  EXPECT_NE(manifest_error(m).find("layers[2].mediaType: unsupported layer media type "
                                   "\"application/vnd.in-toto+json\""),
            std::string::npos);
}

// ---- malformed descriptors ----------------------------------------------------------

struct Malformed {
  const char* name;
  const char* pointer;  // JSON pointer of the member to change
  json value;           // nullptr with remove=true removes it
  bool remove;
  const char* message;
};

class MalformedManifest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedManifest, IsRefusedNamingThePath) {
  const Malformed& c = GetParam();
  json doc = nook_test::oci_manifest();
  json::json_pointer ptr(c.pointer);
  if (c.remove)
    doc[ptr.parent_pointer()].erase(ptr.back());
  else
    doc[ptr] = c.value;
  EXPECT_EQ(manifest_error(doc), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedManifest,
    ::testing::Values(
        Malformed{"config_missing", "/config", nullptr, true,
                  "invalid manifest: config: required field is missing"},
        Malformed{"config_array", "/config", json::array(), false,
                  "invalid manifest: config: expected an object, got array"},
        Malformed{"layers_missing", "/layers", nullptr, true,
                  "invalid manifest: layers: required field is missing"},
        Malformed{"layers_object", "/layers", json::object(), false,
                  "invalid manifest: layers: expected an array, got object"},
        Malformed{"layer_string", "/layers/1", "sha256:abc", false,
                  "invalid manifest: layers[1]: expected an object, got string"},
        Malformed{"digest_missing", "/layers/2/digest", nullptr, true,
                  "invalid manifest: layers[2].digest: required field is missing"},
        Malformed{"digest_format", "/layers/2/digest", "sha256:xyz", false,
                  "invalid manifest: layers[2].digest: invalid checksum digest length: "
                  "\"sha256:xyz\""},
        Malformed{"digest_no_algorithm", "/layers/2/digest", std::string(64, 'a'), false,
                  "invalid manifest: layers[2].digest: invalid checksum digest format: "
                  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""},
        Malformed{"digest_uppercase", "/layers/0/digest", "sha256:" + std::string(64, 'A'), false,
                  "invalid manifest: layers[0].digest: invalid checksum digest format: "
                  "\"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\""},
        Malformed{"digest_md5", "/config/digest", "md5:d41d8cd98f00b204e9800998ecf8427e", false,
                  "invalid manifest: config.digest: unsupported digest algorithm: "
                  "\"md5:d41d8cd98f00b204e9800998ecf8427e\""},
        Malformed{"digest_number", "/config/digest", 5, false,
                  "invalid manifest: config.digest: expected a string, got 5"},
        Malformed{"size_negative", "/layers/1/size", -1, false,
                  "invalid manifest: layers[1].size: must not be negative, got -1"},
        Malformed{"size_float", "/layers/1/size", 1.5, false,
                  "invalid manifest: layers[1].size: expected an integer, got 1.5"},
        Malformed{"size_string", "/layers/1/size", "100", false,
                  "invalid manifest: layers[1].size: expected an integer, got string"},
        Malformed{"size_huge", "/layers/1/size", 18446744073709551615ull, false,
                  "invalid manifest: layers[1].size: value 18446744073709551615 out of range "
                  "(0 to 9223372036854775807)"},
        Malformed{"size_missing", "/config/size", nullptr, true,
                  "invalid manifest: config.size: required field is missing"},
        Malformed{"media_type_missing", "/layers/0/mediaType", nullptr, true,
                  "invalid manifest: layers[0].mediaType: required field is missing"},
        Malformed{"media_type_bool", "/config/mediaType", true, false,
                  "invalid manifest: config.mediaType: expected a string, got boolean"},
        Malformed{"urls_string", "/layers/0/urls", "https://x", false,
                  "invalid manifest: layers[0].urls: expected an array, got string"},
        Malformed{"url_number", "/layers/0/urls", json::array({"https://x", 3}), false,
                  "invalid manifest: layers[0].urls[1]: expected a string, got 3"},
        Malformed{"annotation_number", "/annotations/org.opencontainers.image.title", 1, false,
                  "invalid manifest: annotations[\"org.opencontainers.image.title\"]: expected a "
                  "string, got 1"},
        Malformed{"annotations_array", "/layers/1/annotations", json::array(), false,
                  "invalid manifest: layers[1].annotations: expected an object, got array"},
        Malformed{"subject_bad", "/subject/size", -5, false,
                  "invalid manifest: subject.size: must not be negative, got -5"},
        Malformed{"platform_no_os", "/config/platform", json{{"architecture", "amd64"}}, false,
                  "invalid manifest: config.platform.os: required field is missing"},
        Malformed{"artifact_type_number", "/layers/0/artifactType", 1, false,
                  "invalid manifest: layers[0].artifactType: expected a string, got 1"},
        Malformed{"nul_in_string", "/layers/0/mediaType", std::string("a\0b", 3), false,
                  "invalid manifest: layers[0].mediaType: string contains a NUL byte"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Index, MalformedEntries) {
  json doc = nook_test::busybox_index();
  doc["manifests"][3]["digest"] = "sha256:1234";
  EXPECT_EQ(index_error(doc),
            "invalid manifest list: manifests[3].digest: invalid checksum digest length: "
            "\"sha256:1234\"");
  doc = nook_test::busybox_index();
  doc["manifests"][4]["platform"]["architecture"] = nullptr;
  EXPECT_EQ(index_error(doc),
            "invalid manifest list: manifests[4].platform.architecture: required field is missing");
  doc = nook_test::busybox_index();
  doc["manifests"][0]["platform"]["os.features"] = "sse4";
  EXPECT_EQ(index_error(doc),
            "invalid manifest list: manifests[0].platform[\"os.features\"]: expected an array, got "
            "string");
  doc = nook_test::busybox_index();
  doc["manifests"][0]["platform"] = "linux/amd64";
  EXPECT_EQ(index_error(doc),
            "invalid manifest list: manifests[0].platform: expected an object, got string");
  doc = nook_test::busybox_index();
  doc.erase("manifests");
  EXPECT_EQ(index_error(doc, kOciIndex),
            "invalid manifest list: manifests: required field is missing");
  doc["manifests"] = json::object();
  EXPECT_EQ(index_error(doc), "invalid manifest list: manifests: expected an array, got object");
  doc = nook_test::busybox_index();
  doc["manifests"][0]["size"] = -610;
  EXPECT_EQ(index_error(doc),
            "invalid manifest list: manifests[0].size: must not be negative, got -610");
}

// ---- not JSON, too big, too deep ------------------------------------------------------

TEST(Manifest, NotJson) {
  EXPECT_NE(error_of([] { classify_manifest("", ""); }).find("invalid manifest: "),
            std::string::npos);
  EXPECT_NE(error_of([] {
              classify_manifest("{\"schemaVersion\": 2,", "");
            }).find("invalid manifest: parse error at line 1, column 21: syntax error"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              classify_manifest(R"({"schemaVersion":2} trailing)", "");
            }).find("invalid manifest: "),
            std::string::npos);
  EXPECT_NE(error_of([] { classify_manifest("{\"a\":\"\xff\"}", ""); }).find("invalid manifest: "),
            std::string::npos);
  EXPECT_EQ(error_of([] { classify_manifest("[2]", ""); }),
            "invalid manifest: expected an object, got array");
  EXPECT_EQ(error_of([] { classify_manifest("null", kOciManifest); }),
            "invalid manifest: expected an object, got null");
}

TEST(Manifest, SizeLimit) {
  json doc = nook_test::oci_manifest();
  std::string text = doc.dump();
  text.insert(text.size() - 1, ",\"pad\":\"" + std::string(kManifestSizeLimit, 'x') + "\"");
  EXPECT_EQ(error_of([&] { parse_image_manifest(text); }),
            "invalid manifest: " + std::to_string(text.size()) + " bytes, more than the limit of " +
                std::to_string(kManifestSizeLimit));
}

TEST(Manifest, ManyLayersWithinTheLimitAreFine) {
  json doc = nook_test::docker_manifest();
  json layer = doc["layers"][0];
  doc["layers"] = json::array();
  for (int i = 0; i < 20000; ++i) doc["layers"].push_back(layer);
  std::string text = doc.dump();
  ASSERT_LT(text.size(), kManifestSizeLimit);
  EXPECT_EQ(parse_image_manifest(text).layers.size(), 20000u);
}

TEST(Manifest, NestingBombIsRefusedWithoutCrashing) {
  std::string bomb(1 << 20, '[');
  EXPECT_EQ(error_of([&] { classify_manifest(bomb, ""); }),
            "invalid manifest: nested deeper than 64 levels");
  std::string closed = std::string(500000, '[') + std::string(500000, ']');
  EXPECT_EQ(error_of([&] { parse_image_index(closed, kOciIndex); }),
            "invalid manifest: nested deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_EQ(error_of([&] { parse_image_manifest(objects, ""); }),
            "invalid manifest: nested deeper than 64 levels");
}

TEST(Manifest, DepthCountsStructureOnly) {
  // An unknown member 60 deep is ignored; brackets inside strings are text.
  json doc = nook_test::oci_manifest();
  json deep = json::array();
  for (int i = 0; i < 60; ++i) deep = json::array({deep});
  doc["x-unknown"] = deep;
  doc["annotations"]["brackets"] = std::string(100000, '[') + "\\\"{{{";
  ImageManifest m = parse_image_manifest(doc.dump());
  EXPECT_EQ(m.annotations.at("brackets").size(), 100005u);
  doc["x-unknown"] = json::array({json::array({json::array({json::array({deep})})})});
  EXPECT_EQ(manifest_error(doc), "invalid manifest: nested deeper than 64 levels");
}

// ---- emit ------------------------------------------------------------------------

TEST(Emit, CompactInSpecOrder) {
  ImageManifest m;
  m.media_type = kOciManifest;
  m.config = {std::string(media_type::oci_config), digest_of("c"), 2, {}, {}, {}, {}};
  m.layers.push_back(
      {std::string(media_type::oci_layer_gzip), digest_of("l"), 3, {}, {{"k", "v"}}, {}, {}});
  EXPECT_EQ(emit_image_manifest(m),
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" +
                digest_of("c") +
                "\",\"size\":2},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1."
                "tar+gzip\",\"digest\":\"" +
                digest_of("l") + "\",\"size\":3,\"annotations\":{\"k\":\"v\"}}]}");
  EXPECT_EQ(parse_image_manifest(emit_image_manifest(m)), m);
}

TEST(Emit, RoundTrips) {
  for (const json& doc : {nook_test::docker_manifest(), nook_test::oci_manifest()}) {
    ImageManifest m = parse_image_manifest(doc.dump());
    std::string bytes = emit_image_manifest(m);
    EXPECT_EQ(parse_image_manifest(bytes), m);
    EXPECT_EQ(parse_image_manifest(bytes, m.media_type), m);
    // Same content as what was parsed (spec key order aside).
    EXPECT_EQ(json::parse(bytes), doc);
  }
  json list = nook_test::busybox_index();
  list["manifests"][0]["platform"]["os.version"] = "10.0";
  list["manifests"][0]["platform"]["os.features"] = {"win32k"};
  list["annotations"] = {{"a", "b"}};
  ImageIndex x = parse_image_index(list.dump());
  EXPECT_EQ(parse_image_index(emit_image_index(x)), x);
  EXPECT_EQ(json::parse(emit_image_index(x)), list);
  // A manifest without mediaType comes back with the effective one.
  json untyped = nook_test::oci_manifest();
  untyped.erase("mediaType");
  ImageManifest u = parse_image_manifest(untyped.dump());
  EXPECT_EQ(json::parse(emit_image_manifest(u))["mediaType"], kOciManifest);
  EXPECT_EQ(parse_image_manifest(emit_image_manifest(u)), u);
}

TEST(Emit, InvalidUtf8IsAnError) {
  ImageIndex x;
  x.media_type = kOciIndex;
  x.annotations["k"] = "\xff";
  EXPECT_EQ(error_of([&] { emit_image_index(x); }),
            "emit manifest list: a string is not valid UTF-8");
}

}  // namespace
