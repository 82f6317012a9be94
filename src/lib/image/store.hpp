#pragma once
// The image store under $XDG_DATA_HOME/nook (or --root):
//
//   db.sqlite              images, their names and repo digests, layers
//   blobs/sha256/<hex>     manifests, indexes, configs and compressed layers,
//                          content-addressed and verified before they land
//   layers/<hex>/          one unpacked tree per layer diff (uncompressed
//                          tar digest), overlay format: whiteouts are 0:0
//                          char devices, opaque dirs carry user.overlay.opaque
//   tmp/<random>/          work in progress, flock'ed by its owner
//   locks/                 store.lock (GC against pulls), layer-<hex>.lock
//
// Crash safety: nothing is visible before it is complete. A layer is
// unpacked into tmp/, the filesystem is synced, the tree is renamed into
// layers/ and only then recorded in the database; an image row is written
// in one transaction after all its layers are. A tree in layers/ without a
// row is what a crash between rename and insert leaves: it is removed and
// redone. tmp/ entries nobody holds a lock on are leftovers of a killed
// process and are removed by the next writer.
//
// Several nook processes may use one store at once: SQLite (WAL) serialises
// the metadata, a per-layer lock makes a second pull of the same layer
// wait for the first instead of downloading it again, and garbage
// collection only runs when no pull holds the store lock.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"
#include "sys/fd.hpp"
#include "sys/file_lock.hpp"

namespace nook::image {

struct LayerRecord {
  std::string diff_id;      // "sha256:<hex>" of the uncompressed tar
  std::string blob_digest;  // the compressed blob it came from
  std::string media_type;   // of that blob
  int64_t compressed_size = 0;
  // Bytes of the uncompressed tar (podman's layer size). Stores made before
  // this counted the file data instead, a little less.
  int64_t size = 0;
};

struct ImageRecord {
  std::string id;  // "sha256:<hex>": the config's digest, as docker and podman
  std::string manifest_digest;
  std::string manifest_media_type;
  std::string created;                    // the config's "created" (RFC 3339), may be empty
  int64_t added = 0;                      // unix seconds when stored
  int64_t size = 0;                       // image_size()
  std::vector<std::string> names;         // "docker.io/library/busybox:latest"
  std::vector<std::string> repo_digests;  // "docker.io/library/busybox@sha256:…"
  std::vector<std::string> layers;        // diff ids, base first
};

// An image's size as podman reports it: its layers' uncompressed tar sizes
// plus what containers/storage keeps beside them, the manifest (twice:
// under its digest and as "manifest") and the config.
int64_t image_size(const std::vector<LayerRecord>& layers, size_t manifest_bytes,
                   size_t config_bytes);

// A private directory under tmp/ that is removed when the object dies
// (unless its content was moved away). Its flock tells others it is alive.
class StagingDir {
 public:
  StagingDir() = default;
  StagingDir(std::string path, FileLock lock) : path_(std::move(path)), lock_(std::move(lock)) {}
  StagingDir(StagingDir&&) noexcept = default;
  StagingDir& operator=(StagingDir&&) noexcept;
  ~StagingDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  FileLock lock_;
};

class Store {
 public:
  // Opens (creating) the store at root. Cheap: no scan, no repair.
  explicit Store(std::string root);

  const std::string& root() const { return root_; }
  std::string blob_path(std::string_view digest) const;
  std::string layer_path(std::string_view diff_id) const;

  // Blobs.
  bool has_blob(std::string_view digest) const;
  // Reads a stored blob (limit guards against a corrupted store) and checks
  // it against its digest.
  std::string read_blob(std::string_view digest, size_t limit) const;
  // Verifies bytes against digest, writes them durably under their name.
  void write_blob(std::string_view digest, std::string_view bytes);

  // Staging.
  StagingDir make_staging_dir();
  // Removes tmp/ entries whose owner died. Needs the user namespace when
  // they hold files of other ids. Returns how many were removed.
  int remove_abandoned_staging();

  // Locks.
  // Held shared by every writer (pull, load, tag...) for its whole run.
  FileLock lock_shared();
  FileLock lock_layer(std::string_view diff_id);

  // Layers.
  std::optional<LayerRecord> find_layer(std::string_view diff_id);
  // Makes a finished layer visible: syncs the filesystem (the tree and the
  // blob reach the disk before anything points at them), renames the tree
  // (and the compressed blob, when given) into place, records the layer.
  // The caller holds lock_layer(diff_id).
  void publish_layer(const std::string& staged_tree, const std::string& staged_blob,
                     const LayerRecord& layer);
  // A tree in layers/ that has no row (a crash between rename and insert).
  void discard_unrecorded_layer(std::string_view diff_id);

  // Images.
  // Records an image whose blobs and layers are all published, in one
  // transaction. Names move to it from any image that had them (which may
  // become dangling); repo digests are added.
  void record_image(const ImageRecord& image);
  std::vector<ImageRecord> list_images();
  std::optional<ImageRecord> image(std::string_view id);
  // Resolves what a user typed: a full or short id (with or without
  // "sha256:"), a name (normalised; short names also match
  // <registry>/<name> and <registry>/library/<name>), or repo@digest.
  std::optional<ImageRecord> lookup(std::string_view text);
  // The stored name text resolves to (by the rules of lookup), if any.
  std::optional<std::string> find_name(std::string_view text);
  // Adds a name (moving it from the image that had it).
  void add_name(std::string_view id, std::string_view name);
  // false when the image did not have the name.
  bool remove_name(std::string_view id, std::string_view name);
  // Deletes the image row (names, digests, layer references).
  void remove_image_record(std::string_view id);

  struct Collected {
    int layers = 0;
    int blobs = 0;
    int64_t bytes = 0;
  };
  // Removes layers and blobs no image refers to. Skipped (returns nullopt)
  // while a writer holds the store lock; the next run catches up. Needs the
  // user namespace for trees holding files of other ids.
  std::optional<Collected> collect_garbage();

  // Whether every layer's size is its uncompressed tar's exact length. Not
  // in a store made before sizes were counted that way (SQLite user_version
  // 0 with layers in it): there it is an estimate, to be measured.
  bool layer_sizes_exact() const { return layer_sizes_exact_; }

 private:
  void ensure_schema();
  // kAddNameSql plus the digest cleanup of the image the name leaves.
  void give_name(std::string_view id, std::string_view name);
  void drop_unnamed_repo_digest(std::string_view id, std::string_view removed_name);
  ImageRecord read_image(db::Statement& row);
  void fill_image_lists(ImageRecord& image);

  std::string root_;
  // One SQLite connection (opened NOMUTEX) shared by the threads of a pull:
  // one of them at a time, and a transaction is one caller's alone.
  // Recursive: lookups call each other.
  std::recursive_mutex db_mutex_;
  db::Database db_;
  bool layer_sizes_exact_ = false;
};

// $XDG_DATA_HOME/nook, else ~/.local/share/nook.
std::string default_store_root();

// Deletes the store at root and everything in it, once running writers
// (pulls) are done. Layers hold files of subordinate ids: call it inside the
// storage user namespace.
void remove_store(const std::string& root);

}  // namespace nook::image
