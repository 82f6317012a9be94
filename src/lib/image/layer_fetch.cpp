#include "image/layer_fetch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exception>
#include <thread>

#include "image/byte_channel.hpp"
#include "image/digest.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

// The unpacking end of the stream: a thread reading what the download (or
// a local file) hands it through an in-memory channel.
class UnpackThread {
 public:
  UnpackThread(const LayerSource& source, std::string tree, const UnpackOptions& options) {
    thread_ = std::thread([this, media_type = source.media_type, tree = std::move(tree), options] {
      try {
        result_ = unpack_layer(channel_, media_type, tree, options);
      } catch (...) {
        error_ = std::current_exception();
      }
      // Unpacking read to the end or failed: a writer still sending gets
      // false instead of waiting for room that never comes.
      channel_.close_read();
    });
  }
  UnpackThread(const UnpackThread&) = delete;
  UnpackThread& operator=(const UnpackThread&) = delete;
  ~UnpackThread() { finish_nothrow(); }

  // False when the unpacker stopped reading (it failed: finish() says why).
  bool send(const char* data, size_t len) { return channel_.write(data, len); }

  UnpackResult finish() {
    finish_nothrow();
    if (error_) std::rethrow_exception(error_);
    return result_;
  }

 private:
  void finish_nothrow() {
    channel_.close_write();
    if (thread_.joinable()) thread_.join();
  }

  ByteChannel channel_;
  std::thread thread_;
  UnpackResult result_;
  std::exception_ptr error_;
};

// Writeback of what is written is started every so many bytes: the
// syncfs before the layer is published then waits for the last stretch
// only, not for the whole blob at once.
constexpr off_t kWritebackStep = 8 << 20;

struct Staged {
  StagingDir dir;
  std::string tree;
  std::string blob;
  UniqueFd blob_fd;
  off_t written = 0;
  off_t written_back = 0;

  void write_blob(const char* data, size_t len) {
    write_all(blob_fd.get(), std::string_view(data, len), blob);
    written += static_cast<off_t>(len);
    if (written - written_back >= kWritebackStep) {
      // Only a hint: a failure here shows in the syncfs that follows.
      ::sync_file_range(blob_fd.get(), written_back, written - written_back, SYNC_FILE_RANGE_WRITE);
      written_back = written;
    }
  }
};

// A staging directory with the tree's directory; the blob file is made
// from a private copy (a hard link) when one is given, else created empty.
Staged stage(Store& store, const std::string& private_copy = {}) {
  Staged s;
  s.dir = store.make_staging_dir();
  s.tree = s.dir.path() + "/tree";
  s.blob = s.dir.path() + "/blob";
  if (::mkdir(s.tree.c_str(), 0755) < 0) throw_errno("mkdir", s.tree);
  // Another filesystem after all (EXDEV), or links refused: copy as usual.
  if (private_copy.empty() || ::link(private_copy.c_str(), s.blob.c_str()) < 0)
    s.blob_fd = open_fd(s.blob, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  return s;
}

std::optional<LayerFetchResult> existing(Store& store, const LayerSource& source) {
  if (auto rec = store.find_layer(source.diff_id))
    return LayerFetchResult{LayerOutcome::already_exists, *rec, 0};
  // A tree without a row: a crash after the rename; redo it.
  if (path_exists(store.layer_path(source.diff_id))) store.discard_unrecorded_layer(source.diff_id);
  return std::nullopt;
}

LayerFetchResult finish_layer(Store& store, Staged& staged, UnpackThread& unpack,
                              const LayerSource& source, std::string blob_digest,
                              int64_t compressed_size) {
  UnpackResult r = unpack.finish();
  if (r.diff_id != source.diff_id)
    throw Error("layer " + blob_digest + ": its content has diff ID " + r.diff_id +
                ", the image config says " + source.diff_id);
  staged.blob_fd.reset();
  LayerRecord rec{source.diff_id, std::move(blob_digest), source.media_type, compressed_size,
                  static_cast<int64_t>(r.tar_size)};
  store.publish_layer(staged.tree, staged.blob, rec);
  return LayerFetchResult{LayerOutcome::fetched, rec, r.skipped_devices};
}

}  // namespace

LayerFetchResult fetch_layer(Store& store, RegistryClient& client, const Reference& repo,
                             const LayerSource& source, const UnpackOptions& unpack,
                             const ProgressFn& progress) {
  FileLock lock = store.lock_layer(source.diff_id);
  if (auto done = existing(store, source)) return *done;
  Staged staged = stage(store);
  UnpackThread unpacker(source, staged.tree, unpack);
  bool unpacker_stopped = false;
  try {
    client.fetch_blob(
        repo, source.blob_digest, source.size,
        [&](const char* data, size_t len) {
          staged.write_blob(data, len);
          if (!unpacker.send(data, len)) {
            unpacker_stopped = true;
            throw Error("unpacking stopped");
          }
        },
        progress);
  } catch (...) {
    // The unpacker's own error says more than "unpacking stopped".
    if (unpacker_stopped) unpacker.finish();
    throw;
  }
  return finish_layer(store, staged, unpacker, source, source.blob_digest, source.size);
}

LayerFetchResult store_layer_from_fd(Store& store, int fd, const LayerSource& source,
                                     const UnpackOptions& unpack, const std::string& private_copy) {
  FileLock lock = store.lock_layer(source.diff_id);
  if (auto done = existing(store, source)) return *done;
  // Only the very file fd reads may be linked: what is hashed and unpacked
  // is what is kept.
  bool same = false;
  if (!private_copy.empty()) {
    struct stat by_fd, by_path;
    if (::fstat(fd, &by_fd) < 0) throw_errno("fstat", private_copy);
    same = ::lstat(private_copy.c_str(), &by_path) == 0 && S_ISREG(by_path.st_mode) &&
           by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
  }
  Staged staged = stage(store, same ? private_copy : std::string());
  bool linked = !staged.blob_fd;
  if (linked && ::fchmod(fd, 0644) < 0) throw_errno("chmod", staged.blob);
  UnpackThread unpacker(source, staged.tree, unpack);
  Hasher hasher(source.blob_digest.empty() ? "sha256" : digest_algorithm(source.blob_digest));
  int64_t total = 0;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
    if (n < 0) throw_errno("read", "layer " + source.diff_id);
    if (n == 0) break;
    hasher.update(buf, static_cast<size_t>(n));
    total += n;
    if (!linked) staged.write_blob(buf, static_cast<size_t>(n));
    if (!unpacker.send(buf, static_cast<size_t>(n))) {
      unpacker.finish();
      throw Error("layer " + source.diff_id + ": unpacking stopped");
    }
  }
  std::string digest = hasher.digest();
  if (!source.blob_digest.empty() && digest != source.blob_digest)
    throw Error("layer blob: digest mismatch: expected " + source.blob_digest + ", got " + digest);
  return finish_layer(store, staged, unpacker, source, digest, total);
}

}  // namespace nook::image
