// The image store's metadata and files: names moving between images, id
// and name lookups as podman resolves them, layers and blobs collected only
// when nothing refers to them and no writer holds the store, leftovers of a
// killed process removed, and a second process seeing what the first wrote.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "db/sqlite.hpp"
#include "image/digest.hpp"
#include "image/store.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using nook::Error;
using nook::FileLock;
using nook::image::compute_digest;
using nook::image::ImageRecord;
using nook::image::LayerRecord;
using nook::image::Store;

namespace {

class StoreTest : public ::testing::Test {
 protected:
  // A published layer whose tree holds one file with `content`.
  LayerRecord add_layer(Store& s, const std::string& content) {
    std::string diff = compute_digest("diff:" + content);
    std::string blob_bytes = "blob:" + content;
    auto staging = s.make_staging_dir();
    std::string tree = staging.path() + "/tree";
    fs::create_directory(tree);
    nook::write_file(tree + "/file", content, O_CREAT | O_TRUNC);
    nook::write_file(staging.path() + "/blob", blob_bytes, O_CREAT | O_TRUNC);
    LayerRecord rec{diff, compute_digest(blob_bytes), "application/vnd.oci.image.layer.v1.tar",
                    static_cast<int64_t>(blob_bytes.size()), static_cast<int64_t>(content.size())};
    auto lock = s.lock_layer(diff);
    s.publish_layer(tree, staging.path() + "/blob", rec);
    return rec;
  }

  ImageRecord add_image(Store& s, const std::string& config, std::vector<LayerRecord> layers,
                        std::vector<std::string> names,
                        std::string created = "2024-01-01T00:00:00Z") {
    ImageRecord img;
    img.id = compute_digest(config);
    s.write_blob(img.id, config);
    std::string manifest = "manifest of " + config;
    img.manifest_digest = compute_digest(manifest);
    s.write_blob(img.manifest_digest, manifest);
    img.manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
    img.created = created;
    img.added = 1700000000;
    for (auto& l : layers) {
      img.layers.push_back(l.diff_id);
      img.size += l.size;
    }
    img.names = names;
    for (auto& n : names)
      img.repo_digests.push_back(n.substr(0, n.rfind(':')) + "@" + img.manifest_digest);
    s.record_image(img);
    return img;
  }

  nook::test::TempDir tmp_{"/tmp/nook-store-test-"};
  const std::string root_ = tmp_.path();
};

TEST(ImageSize, LayersPlusTheManifestTwiceAndTheConfigAsPodmanCounts) {
  // podman 4.3 said 2141356 for a 2140160-byte layer, a 406-byte manifest
  // and a 384-byte config.
  LayerRecord l;
  l.size = 2140160;
  EXPECT_EQ(nook::image::image_size({l}, 406, 384), 2141356);
  LayerRecord l2;
  l2.size = 1000;
  EXPECT_EQ(nook::image::image_size({l, l2}, 406, 384), 2142356);
  EXPECT_EQ(nook::image::image_size({}, 10, 5), 25);
}

TEST_F(StoreTest, LayerSizesAreExactInStoresMadeSinceTheyCountTheTar) {
  {
    Store s(root_);
    EXPECT_TRUE(s.layer_sizes_exact());
    add_layer(s, "x");
  }
  EXPECT_TRUE(Store(root_).layer_sizes_exact());
  // An older store: no user_version, layers counted by their file data.
  nook::db::Database(root_ + "/db.sqlite").exec("PRAGMA user_version = 0");
  EXPECT_FALSE(Store(root_).layer_sizes_exact());
  // Once it holds no layer, it counts the new way.
  nook::db::Database(root_ + "/db.sqlite").exec("DELETE FROM layers");
  EXPECT_TRUE(Store(root_).layer_sizes_exact());
  EXPECT_TRUE(Store(root_).layer_sizes_exact());
}

TEST_F(StoreTest, RecordsAndListsImagesWithNamesDigestsAndLayers) {
  Store s(root_);
  auto base = add_layer(s, "base");
  auto top = add_layer(s, "top");
  auto img = add_image(s, "config-a", {base, top}, {"docker.io/library/busybox:latest"});
  auto all = s.list_images();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, img.id);
  EXPECT_EQ(all[0].names, std::vector<std::string>{"docker.io/library/busybox:latest"});
  EXPECT_EQ(all[0].layers, (std::vector<std::string>{base.diff_id, top.diff_id}));
  EXPECT_EQ(all[0].size, 7);
  ASSERT_EQ(all[0].repo_digests.size(), 1u);
  EXPECT_EQ(all[0].repo_digests[0], "docker.io/library/busybox@" + img.manifest_digest);
  EXPECT_TRUE(fs::exists(s.layer_path(base.diff_id) + "/file"));
  EXPECT_TRUE(s.has_blob(base.blob_digest));
  EXPECT_EQ(s.read_blob(img.id, 1024), "config-a");
}

TEST_F(StoreTest, ANameMovesToTheNewerImageAndTheOldOneBecomesDangling) {
  Store s(root_);
  auto l = add_layer(s, "x");
  auto old_img = add_image(s, "config-old", {l}, {"localhost/app:1"});
  auto new_img = add_image(s, "config-new", {l}, {"localhost/app:1"});
  EXPECT_TRUE(s.image(old_img.id)->names.empty());
  EXPECT_EQ(s.image(new_img.id)->names, std::vector<std::string>{"localhost/app:1"});
  s.add_name(old_img.id, "localhost/app:1");
  EXPECT_EQ(s.image(old_img.id)->names, std::vector<std::string>{"localhost/app:1"});
  EXPECT_TRUE(s.image(new_img.id)->names.empty());
  EXPECT_TRUE(s.remove_name(old_img.id, "localhost/app:1"));
  EXPECT_FALSE(s.remove_name(old_img.id, "localhost/app:1"));
}

TEST_F(StoreTest, LookupByIdPrefixNameShortNameAndDigest) {
  Store s(root_);
  auto l = add_layer(s, "x");
  auto img = add_image(s, "config-1", {l}, {"docker.io/library/busybox:latest", "localhost/web:2"});
  std::string hex = img.id.substr(7);
  EXPECT_EQ(s.lookup(hex)->id, img.id);
  EXPECT_EQ(s.lookup(img.id)->id, img.id);
  EXPECT_EQ(s.lookup(hex.substr(0, 12))->id, img.id);
  EXPECT_EQ(s.lookup("busybox")->id, img.id);
  EXPECT_EQ(s.lookup("busybox:latest")->id, img.id);
  EXPECT_EQ(s.lookup("docker.io/library/busybox")->id, img.id);
  EXPECT_EQ(s.lookup("web:2")->id, img.id);  // short name finds localhost/web
  EXPECT_EQ(s.lookup("docker.io/library/busybox@" + img.manifest_digest)->id, img.id);
  EXPECT_FALSE(s.lookup("web"));  // :latest is not :2
  EXPECT_FALSE(s.lookup("nothing"));
  EXPECT_FALSE(s.lookup("ffffffffffff"));
  EXPECT_FALSE(s.lookup("!!bad reference!!"));
}

TEST_F(StoreTest, AmbiguousShortIdIsAnError) {
  Store s(root_);
  auto l = add_layer(s, "x");
  // Find two configs whose ids share a first hex digit.
  std::map<char, std::string> first;
  for (int i = 0;; ++i) {
    std::string cfg = "cfg" + std::to_string(i);
    char c = compute_digest(cfg)[7];
    if (first.count(c)) {
      add_image(s, first[c], {l}, {});
      add_image(s, cfg, {l}, {});
      EXPECT_THROW(s.lookup(std::string(1, c)), Error);
      break;
    }
    first[c] = cfg;
  }
}

TEST_F(StoreTest, GarbageCollectionKeepsSharedLayersAndRemovesTheRest) {
  Store s(root_);
  auto shared = add_layer(s, "shared");
  auto only_a = add_layer(s, "only-a");
  auto a = add_image(s, "config-a", {shared, only_a}, {"localhost/a:latest"});
  auto b = add_image(s, "config-b", {shared}, {"localhost/b:latest"});
  s.remove_image_record(a.id);
  auto c = s.collect_garbage();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->layers, 1);
  EXPECT_FALSE(fs::exists(s.layer_path(only_a.diff_id)));
  EXPECT_FALSE(s.find_layer(only_a.diff_id));
  EXPECT_FALSE(s.has_blob(only_a.blob_digest));
  EXPECT_FALSE(s.has_blob(a.id));
  EXPECT_TRUE(fs::exists(s.layer_path(shared.diff_id) + "/file"));
  EXPECT_TRUE(s.has_blob(shared.blob_digest));
  EXPECT_TRUE(s.has_blob(b.id));
  EXPECT_TRUE(s.has_blob(b.manifest_digest));
}

TEST_F(StoreTest, GarbageCollectionWaitsForWriters) {
  Store s(root_);
  auto l = add_layer(s, "x");
  (void)l;
  {
    FileLock writer = s.lock_shared();
    EXPECT_FALSE(s.collect_garbage());
    EXPECT_TRUE(s.find_layer(l.diff_id));
  }
  auto c = s.collect_garbage();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->layers, 1);
}

TEST_F(StoreTest, UnrecordedTreesAndAbandonedStagingAreRemoved) {
  Store s(root_);
  // A crash between rename and insert leaves a tree without a row.
  std::string orphan = s.layer_path(compute_digest("orphan"));
  fs::create_directories(orphan + "/sub");
  ::chmod((orphan + "/sub").c_str(), 0);  // a layer may leave dirs we cannot read
  // A killed pull leaves a staging dir nobody locks.
  fs::create_directories(root_ + "/tmp/deadbeef/tree/x");
  auto alive = s.make_staging_dir();
  auto c = s.collect_garbage();
  ASSERT_TRUE(c);
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_FALSE(fs::exists(root_ + "/tmp/deadbeef"));
  EXPECT_TRUE(fs::exists(alive.path()));
}

TEST_F(StoreTest, StagingDirIsRemovedWithItsObject) {
  Store s(root_);
  std::string path;
  {
    auto d = s.make_staging_dir();
    path = d.path();
    fs::create_directories(path + "/a/b");
    EXPECT_TRUE(fs::exists(path));
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(StoreTest, WriteBlobRefusesBytesThatDoNotMatchTheDigest) {
  Store s(root_);
  EXPECT_THROW(s.write_blob(compute_digest("a"), "b"), Error);
  EXPECT_FALSE(s.has_blob(compute_digest("a")));
  EXPECT_THROW(s.write_blob("sha256:../../etc", "b"), Error);
  EXPECT_THROW(s.blob_path("md5:abc"), Error);
}

TEST_F(StoreTest, ReadBlobDetectsCorruption) {
  Store s(root_);
  std::string d = compute_digest("good");
  s.write_blob(d, "good");
  nook::write_file(s.blob_path(d), "evil", O_TRUNC);
  EXPECT_THROW(s.read_blob(d, 100), Error);
}

TEST_F(StoreTest, OneStoreIsSafeToShareBetweenThreads) {
  // A pull fetches layers on several threads that publish into one Store
  // while others look layers and images up; one SQLite connection must not
  // see two of them at once (the bench hit "database disk image is malformed").
  Store s(root_);
  constexpr int kThreads = 6, kLayers = 25;
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kLayers; ++i) {
          LayerRecord rec = add_layer(s, "layer " + std::to_string(t) + "/" + std::to_string(i));
          if (!s.find_layer(rec.diff_id)) throw Error("a published layer is not found");
          add_image(s, "config " + std::to_string(t) + "/" + std::to_string(i), {rec},
                    {"localhost/t" + std::to_string(t) + ":" + std::to_string(i)});
          s.list_images();
        }
      } catch (const std::exception& e) {
        std::lock_guard g(error_mutex);
        if (failures++ == 0) first_error = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  EXPECT_EQ(s.list_images().size(), static_cast<size_t>(kThreads * kLayers));
}

TEST_F(StoreTest, ANameMovingAwayTakesItsRepositorysDigestAlong) {
  Store s(root_);
  auto l = add_layer(s, "x");
  ImageRecord old_img = add_image(s, "{\"old\":1}", {l}, {"quay.io/a/b:latest"});
  ASSERT_EQ(s.image(old_img.id)->repo_digests.size(), 1u);
  // A newer :latest: the old image keeps no name, so no repo digest either.
  add_image(s, "{\"new\":1}", {l}, {"quay.io/a/b:latest"});
  auto old_now = s.image(old_img.id);
  ASSERT_TRUE(old_now);
  EXPECT_TRUE(old_now->names.empty());
  EXPECT_TRUE(old_now->repo_digests.empty());
  // Untagging one of two names of a repository keeps its digest.
  ImageRecord two = add_image(s, "{\"two\":1}", {l}, {"quay.io/c/d:1", "quay.io/c/d:2"});
  EXPECT_TRUE(s.remove_name(two.id, "quay.io/c/d:1"));
  EXPECT_EQ(s.image(two.id)->repo_digests.size(), 1u);
  EXPECT_TRUE(s.remove_name(two.id, "quay.io/c/d:2"));
  EXPECT_TRUE(s.image(two.id)->repo_digests.empty());
}

TEST_F(StoreTest, RemoveStoreTakesATrailingSlash) {
  { Store s(root_ + "/store"); }
  nook::image::remove_store(root_ + "/store/");
  EXPECT_FALSE(fs::exists(root_ + "/store"));
}

TEST_F(StoreTest, RelativeRootIsRefused) {
  EXPECT_THROW(Store("relative/dir"), Error);
}

TEST_F(StoreTest, AnotherProcessSeesCommittedImages) {
  {
    Store s(root_);
    auto l = add_layer(s, "x");
    add_image(s, "config-1", {l}, {"localhost/one:latest"});
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    Store s(root_);
    auto img = s.lookup("localhost/one");
    ::_exit(img && img->names.size() == 1 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
