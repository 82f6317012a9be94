// Adding images to an existing OCI layout: the index merge, and the sink
// keeping what is there when it cannot go on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "error_text.hpp"
#include "image/oci_layout_update.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace nook::image;
using test_util::error_of;

namespace {

std::string entry(const std::string& digest, const std::string& name = {}) {
  nlohmann::ordered_json e{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                           {"digest", digest},
                           {"size", 10}};
  if (!name.empty()) e["annotations"] = {{"org.opencontainers.image.ref.name", name}};
  return e.dump();
}

std::string index_of(std::initializer_list<std::string> entries) {
  std::string s = R"({"schemaVersion":2,"manifests":[)";
  bool first = true;
  for (const auto& e : entries) {
    s += (first ? "" : ",") + e;
    first = false;
  }
  return s + "]}";
}

std::vector<std::string> names_and_digests(const std::string& text) {
  std::vector<std::string> out;
  nlohmann::json index = nlohmann::json::parse(text);
  for (const auto& e : index["manifests"]) {
    std::string name =
        e.contains("annotations")
            ? e["annotations"]["org.opencontainers.image.ref.name"].get<std::string>()
            : "-";
    out.push_back(name + "@" + e["digest"].get<std::string>());
  }
  return out;
}

TEST(OciIndexMerge, AsContainersImageAddsManifests) {
  std::string old_index = index_of(
      {entry("sha256:a", "x:1"), entry("sha256:b", "y:1"), entry("sha256:c"), entry("sha256:d")});
  std::string added = index_of({entry("sha256:e", "x:1"), entry("sha256:c"), entry("sha256:f")});
  // x:1 moves to e and a stays unnamed; c replaces c in place; f is new.
  EXPECT_EQ(names_and_digests(merge_oci_index(old_index, added)),
            (std::vector<std::string>{"-@sha256:a", "y:1@sha256:b", "-@sha256:c", "-@sha256:d",
                                      "x:1@sha256:e", "-@sha256:f"}));
  // The same image under the same name again: one entry, where it was.
  EXPECT_EQ(names_and_digests(merge_oci_index(old_index, index_of({entry("sha256:a", "x:1")}))),
            (std::vector<std::string>{"x:1@sha256:a", "y:1@sha256:b", "-@sha256:c", "-@sha256:d"}));
  // A name given to an image listed unnamed takes that entry.
  EXPECT_EQ(
      names_and_digests(merge_oci_index(old_index, index_of({entry("sha256:d", "z:1")}))),
      (std::vector<std::string>{"x:1@sha256:a", "y:1@sha256:b", "-@sha256:c", "z:1@sha256:d"}));
}

TEST(OciIndexMerge, WhatElseTheOldIndexHoldsIsKept) {
  std::string old_index =
      R"({"schemaVersion":2,"annotations":{"keep":"me"},"manifests":[{"digest":"sha256:a","x-extra":1}]})";
  auto merged = nlohmann::json::parse(merge_oci_index(old_index, index_of({entry("sha256:b")})));
  EXPECT_EQ(merged["annotations"]["keep"], "me");
  EXPECT_EQ(merged["manifests"][0]["x-extra"], 1);
  EXPECT_EQ(merged["manifests"].size(), 2u);
  // No "manifests" at all is an empty index.
  EXPECT_EQ(nlohmann::json::parse(merge_oci_index(R"({"schemaVersion":2})",
                                                  index_of({entry("sha256:b")})))["manifests"]
                .size(),
            1u);
}

TEST(OciIndexMerge, MalformedIndexesAreRefused) {
  std::string ok = index_of({entry("sha256:b")});
  EXPECT_NE(error_of([&] { merge_oci_index("not json", ok); }).find("not a JSON document"),
            std::string::npos);
  EXPECT_NE(error_of([&] { merge_oci_index("[]", ok); }).find("not an image index"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              merge_oci_index(R"({"manifests":{}})", ok);
            }).find("\"manifests\" must be an array"),
            std::string::npos);
  EXPECT_NE(error_of([&] { merge_oci_index(R"({"manifests":[1]})", ok); }).find("not an object"),
            std::string::npos);
  std::string huge = R"({"manifests":[],"x":")" + std::string(17 << 20, 'a') + "\"}";
  EXPECT_NE(error_of([&] { merge_oci_index(huge, ok); }).find("larger than 16 MiB"),
            std::string::npos);
  // Odd but well-formed entries (annotations not an object, no digest) stay.
  EXPECT_EQ(nlohmann::json::parse(
                merge_oci_index(R"({"manifests":[{"annotations":5},{}]})", ok))["manifests"]
                .size(),
            3u);
}

class OciLayoutSink : public ::testing::Test {
 protected:
  void put(const std::string& name, const std::string& text) {
    nook::write_file(dir_ + "/" + name, text, O_CREAT | O_TRUNC);
  }
  nook::test::TempDir tmp_{"/tmp/nook-layout-test-"};
  const std::string dir_ = tmp_.path();
};

TEST_F(OciLayoutSink, AddsBlobsKeepsOnesThereAndMergesTheIndexLast) {
  put("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  put("index.json", index_of({entry("sha256:a", "x:1")}));
  fs::create_directories(dir_ + "/blobs/sha256");
  put("blobs/sha256/aa", "old!");
  auto sink = oci_layout_update_sink(dir_);
  sink->add_file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  sink->add_directory("blobs");
  sink->add_directory("blobs/sha256");
  sink->add_file("blobs/sha256/aa", "new!");  // same size: the one there is kept
  bool produced = false;
  sink->add_file_stream("blobs/sha256/bb", 3, [&](const ArchiveSink::Write& w) {
    produced = true;
    w("abc", 3);
  });
  EXPECT_TRUE(produced);
  sink->add_file("index.json", index_of({entry("sha256:b", "y:1")}));
  // Until finish the old index stands.
  EXPECT_EQ(names_and_digests(nook::read_file(dir_ + "/index.json")),
            std::vector<std::string>{"x:1@sha256:a"});
  sink->finish();
  EXPECT_EQ(names_and_digests(nook::read_file(dir_ + "/index.json")),
            (std::vector<std::string>{"x:1@sha256:a", "y:1@sha256:b"}));
  EXPECT_EQ(nook::read_file(dir_ + "/blobs/sha256/aa"), "old!");
  EXPECT_EQ(nook::read_file(dir_ + "/blobs/sha256/bb"), "abc");
}

TEST_F(OciLayoutSink, AShortOrLongBlobLeavesNothingBehind) {
  put("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  put("index.json", index_of({}));
  auto sink = oci_layout_update_sink(dir_);
  EXPECT_NE(error_of([&] {
              sink->add_file_stream("cc", 5, [](const ArchiveSink::Write& w) { w("ab", 2); });
            }).find("not the 5 its descriptor says"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sink->add_file_stream("dd", 1, [](const ArchiveSink::Write& w) { w("ab", 2); });
            }).find("more bytes than"),
            std::string::npos);
  EXPECT_NE(error_of([&] { sink->finish(); }).find("nothing to add"), std::string::npos);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_)) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"index.json", "oci-layout"}));
}

TEST_F(OciLayoutSink, MissingOrBadLayoutFilesAreRefusedUpFront) {
  EXPECT_FALSE(is_oci_layout_dir(dir_));
  EXPECT_NE(error_of([&] { oci_layout_update_sink(dir_); }).find(dir_ + "/oci-layout"),
            std::string::npos);
  put("oci-layout", R"({"imageLayoutVersion":"3"})");
  EXPECT_TRUE(is_oci_layout_dir(dir_));
  EXPECT_NE(error_of([&] {
              oci_layout_update_sink(dir_);
            }).find(dir_ + "/oci-layout: unsupported OCI layout version"),
            std::string::npos);
  put("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  EXPECT_NE(error_of([&] { oci_layout_update_sink(dir_); }).find(dir_ + "/index.json"),
            std::string::npos);
  put("index.json", "{");
  EXPECT_NE(error_of([&] { oci_layout_update_sink(dir_); }).find("not a JSON document"),
            std::string::npos);
  // A FIFO where index.json should be: refused, not waited on.
  fs::remove(dir_ + "/index.json");
  ASSERT_EQ(::mkfifo((dir_ + "/index.json").c_str(), 0644), 0);
  EXPECT_NE(error_of([&] { oci_layout_update_sink(dir_); }).find("index.json: not a regular file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { oci_layout_update_sink(dir_ + "/nosuch"); }).find("nosuch"),
            std::string::npos);
}

}  // namespace
