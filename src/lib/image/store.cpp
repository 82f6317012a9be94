#include "image/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <set>

#include "image/digest.hpp"
#include "image/reference.hpp"
#include "image/user_dirs.hpp"
#include "image/whiteout.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS layers(
  diff_id TEXT PRIMARY KEY,
  blob_digest TEXT NOT NULL,
  media_type TEXT NOT NULL,
  compressed_size INTEGER NOT NULL,
  size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS images(
  id TEXT PRIMARY KEY,
  manifest_digest TEXT NOT NULL,
  manifest_media_type TEXT NOT NULL,
  created TEXT NOT NULL,
  added INTEGER NOT NULL,
  size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS image_names(
  name TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS image_digests(
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  repo_digest TEXT NOT NULL,
  PRIMARY KEY(image_id, repo_digest));
CREATE TABLE IF NOT EXISTS image_layers(
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  diff_id TEXT NOT NULL REFERENCES layers(diff_id),
  PRIMARY KEY(image_id, position));
CREATE TABLE IF NOT EXISTS image_blobs(
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  digest TEXT NOT NULL,
  PRIMARY KEY(image_id, digest));
CREATE INDEX IF NOT EXISTS image_layers_by_diff ON image_layers(diff_id);
CREATE INDEX IF NOT EXISTS image_digests_by_digest ON image_digests(repo_digest);
)sql";

// Gives name to an image, taking it from whichever image had it (which may
// become dangling); a new name goes last in the image's list.
constexpr std::string_view kAddNameSql =
    "INSERT INTO image_names(name, image_id, position) VALUES (?1, ?2, "
    "(SELECT COALESCE(MAX(position), -1) + 1 FROM image_names WHERE image_id = ?2)) "
    "ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, "
    "position = excluded.position WHERE image_id != excluded.image_id";

// "sha256:<hex>" → "sha256/<hex>"; the digest was validated by the caller
// or is checked here, so it can never name a path outside blobs/.
std::string digest_path_part(std::string_view digest) {
  check_digest(digest);
  auto colon = digest.find(':');
  return std::string(digest.substr(0, colon)) + "/" + std::string(digest.substr(colon + 1));
}

std::string prepare_root(const std::string& root) {
  if (root.empty() || root[0] != '/')
    throw Error("the storage root must be an absolute path, got \"" + root + "\"");
  for (const char* sub : {"", "/blobs/sha256", "/blobs/sha512", "/layers", "/tmp", "/locks"})
    make_dirs(root + sub, 0700);
  return root + "/db.sqlite";
}

std::string random_name() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

void remove_entry(const std::string& dir, const std::string& name) {
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) {
    if (errno == ENOENT) return;
    throw_errno("open", dir);
  }
  remove_at(dfd.get(), name, dir + "/" + name);
}

// A directory's names; a missing directory has none.
std::vector<std::string> list_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return {};
    throw_errno("open directory", dir);
  }
  return list_dir_at(fd.get(), dir);
}

int64_t tree_size_estimate(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

}  // namespace

int64_t image_size(const std::vector<LayerRecord>& layers, size_t manifest_bytes,
                   size_t config_bytes) {
  int64_t size = 2 * static_cast<int64_t>(manifest_bytes) + static_cast<int64_t>(config_bytes);
  for (const LayerRecord& l : layers) size += l.size;
  return size;
}

std::string default_store_root() {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x == '/') return std::string(x) + "/nook";
  return home_dir() + "/.local/share/nook";
}

StagingDir& StagingDir::operator=(StagingDir&& o) noexcept {
  if (this != &o) {
    this->~StagingDir();
    new (this) StagingDir(std::move(o));
  }
  return *this;
}

StagingDir::~StagingDir() {
  if (path_.empty()) return;
  auto slash = path_.rfind('/');
  try {
    remove_entry(path_.substr(0, slash), path_.substr(slash + 1));
  } catch (...) {
    // A leftover is removed by the next writer's remove_abandoned_staging.
  }
}

Store::Store(std::string root) : root_(std::move(root)), db_(prepare_root(root_)) {
  ensure_schema();
}

void Store::ensure_schema() {
  db_.exec(kSchema);
  // user_version 1: layers.size is the uncompressed tar's length. An older
  // store that has no layers yet can start counting that way.
  auto version = [&] {
    auto q = db_.prepare("PRAGMA user_version");
    return q.step() ? q.integer(0) : 0;
  };
  if (version() < 1) {
    auto q = db_.prepare("SELECT count(*) FROM layers");
    if (q.step() && q.integer(0) == 0) db_.exec("PRAGMA user_version = 1");
  }
  layer_sizes_exact_ = version() >= 1;
}

std::string Store::blob_path(std::string_view digest) const {
  return root_ + "/blobs/" + digest_path_part(digest);
}

std::string Store::layer_path(std::string_view diff_id) const {
  check_digest(diff_id);
  return root_ + "/layers/" + digest_hex(diff_id);
}

bool Store::has_blob(std::string_view digest) const {
  return path_exists(blob_path(digest));
}

std::string Store::read_blob(std::string_view digest, size_t limit) const {
  std::string path = blob_path(digest);
  std::string bytes = read_file(path);
  if (bytes.size() > limit)
    throw Error("stored blob " + path + " is larger than the " + std::to_string(limit) +
                "-byte limit");
  DigestVerifier v(digest);
  v.update(bytes.data(), bytes.size());
  v.verify("stored blob " + path);
  return bytes;
}

void Store::write_blob(std::string_view digest, std::string_view bytes) {
  DigestVerifier v(digest);
  v.update(bytes.data(), bytes.size());
  v.verify("blob");
  std::string path = blob_path(digest);
  if (path_exists(path)) return;
  write_file_atomic(path, bytes, 0644, true);
}

StagingDir Store::make_staging_dir() {
  for (int attempt = 0;; ++attempt) {
    std::string path = root_ + "/tmp/" + random_name();
    if (::mkdir(path.c_str(), 0700) < 0) {
      if (errno == EEXIST && attempt < 8) continue;
      throw_errno("mkdir", path);
    }
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open", path);
    FileLock lock = FileLock::try_acquire_fd(std::move(fd), path, FileLock::Mode::exclusive);
    if (!lock) throw Error("staging directory " + path + " is locked by someone else");
    return StagingDir(path, std::move(lock));
  }
}

int Store::remove_abandoned_staging() {
  int removed = 0;
  std::string tmp = root_ + "/tmp";
  for (const std::string& name : list_dir(tmp)) {
    std::string path = tmp + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) continue;
    FileLock lock = FileLock::try_acquire_fd(std::move(fd), path, FileLock::Mode::exclusive);
    if (!lock) continue;  // its owner is alive
    remove_entry(tmp, name);
    ++removed;
  }
  return removed;
}

FileLock Store::lock_shared() {
  return FileLock::acquire(root_ + "/locks/store.lock", FileLock::Mode::shared);
}

FileLock Store::lock_layer(std::string_view diff_id) {
  check_digest(diff_id);
  return FileLock::acquire(root_ + "/locks/layer-" + digest_hex(diff_id) + ".lock",
                           FileLock::Mode::exclusive);
}

std::optional<LayerRecord> Store::find_layer(std::string_view diff_id) {
  std::lock_guard db_lock(db_mutex_);
  auto q = db_.prepare(
      "SELECT diff_id, blob_digest, media_type, compressed_size, size FROM layers "
      "WHERE diff_id = ?1");
  q.bind(1, diff_id);
  if (!q.step()) return std::nullopt;
  return LayerRecord{q.text(0), q.text(1), q.text(2), q.integer(3), q.integer(4)};
}

void Store::publish_layer(const std::string& staged_tree, const std::string& staged_blob,
                          const LayerRecord& layer) {
  UniqueFd rootfd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!rootfd) throw_errno("open", root_);
  // One syncfs instead of an fsync per file: a layer has thousands of them.
  if (::syncfs(rootfd.get()) < 0) throw_errno("syncfs", root_);
  std::string dest = layer_path(layer.diff_id);
  if (::rename(staged_tree.c_str(), dest.c_str()) < 0) {
    if (errno != EEXIST && errno != ENOTEMPTY) throw_errno("rename", staged_tree + " → " + dest);
    // A crash left an unrecorded tree (the caller holds the layer lock, so
    // no one else is publishing it): replace it with ours.
    discard_unrecorded_layer(layer.diff_id);
    if (::rename(staged_tree.c_str(), dest.c_str()) < 0)
      throw_errno("rename", staged_tree + " → " + dest);
  }
  if (!staged_blob.empty()) {
    std::string blob = blob_path(layer.blob_digest);
    if (::rename(staged_blob.c_str(), blob.c_str()) < 0)
      throw_errno("rename", staged_blob + " → " + blob);
  }
  // The renames must be on disk before the row that trusts them.
  UniqueFd layers(::open((root_ + "/layers").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (layers) ::fsync(layers.get());
  if (!staged_blob.empty()) {
    std::string dir = blob_path(layer.blob_digest);
    dir.resize(dir.rfind('/'));
    UniqueFd bd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (bd) ::fsync(bd.get());
  }
  std::lock_guard db_lock(db_mutex_);
  db_.prepare(
         "INSERT OR REPLACE INTO layers(diff_id, blob_digest, media_type, compressed_size, size) "
         "VALUES (?1, ?2, ?3, ?4, ?5)")
      .bind_all(layer.diff_id, layer.blob_digest, layer.media_type, layer.compressed_size,
                layer.size)
      .run();
}

void Store::discard_unrecorded_layer(std::string_view diff_id) {
  std::string path = layer_path(diff_id);
  remove_entry(root_ + "/layers", path.substr(path.rfind('/') + 1));
}

void Store::record_image(const ImageRecord& image) {
  std::lock_guard db_lock(db_mutex_);
  db::Transaction tx(db_);
  db_.prepare(
         "INSERT INTO images(id, manifest_digest, manifest_media_type, created, added, size) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO NOTHING")
      .bind_all(image.id, image.manifest_digest, image.manifest_media_type, image.created,
                image.added, image.size)
      .run();
  {
    auto q = db_.prepare("SELECT COUNT(*) FROM image_layers WHERE image_id = ?1");
    q.bind(1, image.id);
    q.step();
    if (q.integer(0) == 0) {
      auto ins =
          db_.prepare("INSERT INTO image_layers(image_id, position, diff_id) VALUES (?1, ?2, ?3)");
      for (size_t i = 0; i < image.layers.size(); ++i) {
        ins.bind_all(image.id, static_cast<int64_t>(i), image.layers[i]);
        ins.run();
        ins.reset();
      }
    }
  }
  auto blob = db_.prepare("INSERT OR IGNORE INTO image_blobs(image_id, digest) VALUES (?1, ?2)");
  for (const std::string& d : {image.id, image.manifest_digest}) {
    blob.bind_all(image.id, d);
    blob.run();
    blob.reset();
  }
  auto dig =
      db_.prepare("INSERT OR IGNORE INTO image_digests(image_id, repo_digest) VALUES (?1, ?2)");
  for (const std::string& rd : image.repo_digests) {
    dig.bind_all(image.id, rd);
    dig.run();
    dig.reset();
    // An index digest is a blob the image owns too (repo@<index digest>).
    auto at = rd.find('@');
    if (at != std::string::npos && has_blob(rd.substr(at + 1))) {
      blob.bind_all(image.id, rd.substr(at + 1));
      blob.run();
      blob.reset();
    }
  }
  for (const std::string& name : image.names) give_name(image.id, name);
  tx.commit();
}

ImageRecord Store::read_image(db::Statement& row) {
  std::lock_guard db_lock(db_mutex_);
  ImageRecord r;
  r.id = row.text(0);
  r.manifest_digest = row.text(1);
  r.manifest_media_type = row.text(2);
  r.created = row.text(3);
  r.added = row.integer(4);
  r.size = row.integer(5);
  return r;
}

void Store::fill_image_lists(ImageRecord& image) {
  std::lock_guard db_lock(db_mutex_);
  auto names = db_.prepare("SELECT name FROM image_names WHERE image_id = ?1 ORDER BY position");
  names.bind(1, image.id);
  while (names.step()) image.names.push_back(names.text(0));
  auto digests =
      db_.prepare("SELECT repo_digest FROM image_digests WHERE image_id = ?1 ORDER BY repo_digest");
  digests.bind(1, image.id);
  while (digests.step()) image.repo_digests.push_back(digests.text(0));
  auto layers =
      db_.prepare("SELECT diff_id FROM image_layers WHERE image_id = ?1 ORDER BY position");
  layers.bind(1, image.id);
  while (layers.step()) image.layers.push_back(layers.text(0));
}

std::vector<ImageRecord> Store::list_images() {
  std::lock_guard db_lock(db_mutex_);
  std::vector<ImageRecord> out;
  auto q = db_.prepare(
      "SELECT id, manifest_digest, manifest_media_type, created, added, size FROM images "
      "ORDER BY created DESC, added DESC");
  while (q.step()) out.push_back(read_image(q));
  for (ImageRecord& r : out) fill_image_lists(r);
  return out;
}

std::optional<ImageRecord> Store::image(std::string_view id) {
  std::lock_guard db_lock(db_mutex_);
  auto q = db_.prepare(
      "SELECT id, manifest_digest, manifest_media_type, created, added, size FROM images "
      "WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  ImageRecord r = read_image(q);
  fill_image_lists(r);
  return r;
}

std::optional<ImageRecord> Store::lookup(std::string_view text) {
  std::lock_guard db_lock(db_mutex_);
  std::string_view hex = text;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  if (hex.size() == 64 && is_hex(hex)) return image("sha256:" + std::string(hex));

  std::optional<Reference> ref;
  try {
    ref = parse_reference(text);
  } catch (const Error&) {
  }
  if (ref) {
    if (!ref->digest.empty()) {
      auto q = db_.prepare("SELECT image_id FROM image_digests WHERE repo_digest = ?1");
      q.bind(1, ref->repository() + "@" + ref->digest);
      if (q.step()) return image(q.text(0));
      // busybox@sha256:<config digest> is the image id, as podman allows.
      if (auto byid = image(ref->digest); byid) return byid;
    } else if (auto name = find_name(text)) {
      auto q = db_.prepare("SELECT image_id FROM image_names WHERE name = ?1");
      q.bind(1, *name);
      if (q.step()) return image(q.text(0));
    }
  }
  if (hex.size() < 64 && is_hex(hex)) {
    auto q = db_.prepare("SELECT id FROM images WHERE substr(id, 8, ?2) = ?1 LIMIT 2");
    q.bind_all(std::string(hex), static_cast<int64_t>(hex.size()));
    if (!q.step()) return std::nullopt;
    std::string id = q.text(0);
    if (q.step())
      throw Error("short ID " + std::string(hex) + " is ambiguous: more than one image matches");
    return image(id);
  }
  return std::nullopt;
}

std::optional<std::string> Store::find_name(std::string_view text) {
  std::lock_guard db_lock(db_mutex_);
  Reference ref;
  try {
    ref = parse_reference(text);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (!ref.digest.empty()) return std::nullopt;
  auto q = db_.prepare("SELECT name FROM image_names WHERE name = ?1");
  q.bind(1, ref.string());
  if (q.step()) return q.text(0);
  if (!is_short_name(text)) return std::nullopt;
  // "busybox" also names localhost/busybox or quay.io/busybox: any stored
  // name whose path is the one typed, as podman finds them.
  std::string alt = ref.path.starts_with("library/") ? ref.path.substr(8) : ref.path;
  auto all = db_.prepare("SELECT name FROM image_names ORDER BY rowid");
  while (all.step()) {
    Reference stored;
    try {
      stored = parse_reference(all.text(0));
    } catch (const Error&) {
      continue;
    }
    if (stored.tag == ref.tag && (stored.path == ref.path || stored.path == alt))
      return all.text(0);
  }
  return std::nullopt;
}

void Store::add_name(std::string_view id, std::string_view name) {
  std::lock_guard db_lock(db_mutex_);
  db::Transaction tx(db_);
  give_name(id, name);
  tx.commit();
}

bool Store::remove_name(std::string_view id, std::string_view name) {
  std::lock_guard db_lock(db_mutex_);
  db::Transaction tx(db_);
  db_.prepare("DELETE FROM image_names WHERE image_id = ?1 AND name = ?2").bind_all(id, name).run();
  if (db_.changes() == 0) return false;
  drop_unnamed_repo_digest(id, name);
  tx.commit();
  return true;
}

void Store::give_name(std::string_view id, std::string_view name) {
  std::string previous;
  {
    auto q = db_.prepare("SELECT image_id FROM image_names WHERE name = ?1");
    q.bind(1, name);
    if (q.step()) previous = q.text(0);
  }
  db_.prepare(kAddNameSql).bind_all(name, id).run();
  // The image the name moved away from loses that repository's digest
  // with its last name there, as after an untag.
  if (!previous.empty() && previous != id) drop_unnamed_repo_digest(previous, name);
}

void Store::drop_unnamed_repo_digest(std::string_view id, std::string_view removed_name) {
  // podman derives repo digests from names: the last name of a repository
  // takes that repository's digest with it.
  std::string repo;
  try {
    repo = parse_reference(removed_name).repository();
  } catch (const Error&) {
    return;
  }
  auto names = db_.prepare("SELECT name FROM image_names WHERE image_id = ?1");
  names.bind(1, id);
  while (names.step()) {
    try {
      if (parse_reference(names.text(0)).repository() == repo) return;
    } catch (const Error&) {
    }
  }
  db_.prepare(
         "DELETE FROM image_digests WHERE image_id = ?1 AND "
         "substr(repo_digest, 1, length(?2) + 1) = ?2 || '@'")
      .bind_all(id, repo)
      .run();
}

void Store::remove_image_record(std::string_view id) {
  std::lock_guard db_lock(db_mutex_);
  db::Transaction tx(db_);
  db_.prepare("DELETE FROM images WHERE id = ?1").bind_all(id).run();
  tx.commit();
}

std::optional<Store::Collected> Store::collect_garbage() {
  std::lock_guard db_lock(db_mutex_);
  FileLock lock = FileLock::try_acquire(root_ + "/locks/store.lock", FileLock::Mode::exclusive);
  if (!lock) return std::nullopt;
  Collected c;
  remove_abandoned_staging();
  std::vector<LayerRecord> dead;
  {
    auto q = db_.prepare(
        "SELECT diff_id, blob_digest, media_type, compressed_size, size FROM layers "
        "WHERE diff_id NOT IN (SELECT diff_id FROM image_layers)");
    while (q.step()) dead.push_back({q.text(0), q.text(1), q.text(2), q.integer(3), q.integer(4)});
  }
  for (const LayerRecord& l : dead) {
    // Row first: a tree without a row is garbage to everyone, a row
    // without its tree would be a lie.
    db_.prepare("DELETE FROM layers WHERE diff_id = ?1").bind_all(l.diff_id).run();
    discard_unrecorded_layer(l.diff_id);
    c.layers++;
    c.bytes += l.size;
  }
  // Trees without rows: crashes between rename and insert.
  std::set<std::string> recorded;
  {
    auto q = db_.prepare("SELECT diff_id FROM layers");
    while (q.step()) recorded.insert(q.text(0).substr(7));
  }
  for (const std::string& name : list_dir(root_ + "/layers"))
    if (!recorded.count(name)) remove_entry(root_ + "/layers", name), c.layers++;

  std::set<std::string> wanted;
  {
    auto q = db_.prepare("SELECT digest FROM image_blobs UNION SELECT blob_digest FROM layers");
    while (q.step()) wanted.insert(q.text(0));
  }
  for (const char* algo : {"sha256", "sha512"}) {
    std::string dir = root_ + "/blobs/" + algo;
    for (const std::string& name : list_dir(dir)) {
      if (wanted.count(std::string(algo) + ":" + name)) continue;
      c.bytes += tree_size_estimate(dir + "/" + name);
      remove_entry(dir, name);
      c.blobs++;
    }
  }
  return c;
}

void remove_store(const std::string& given) {
  std::string root = given;
  // "--root /x/store/" names the store too, not an empty entry of it.
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  auto slash = root.rfind('/');
  if (slash == std::string::npos) throw Error("remove store `" + root + "`: not an absolute path");
  std::string parent = slash == 0 ? "/" : root.substr(0, slash);
  std::optional<FileLock> all;
  // Deleting under a running pull would fail it half-way with confusing errors.
  if (path_exists(root + "/locks"))
    all.emplace(FileLock::acquire(root + "/locks/store.lock", FileLock::Mode::exclusive));
  remove_entry(parent, root.substr(slash + 1));
}

}  // namespace nook::image
