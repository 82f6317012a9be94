#include "image/image_save.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>

#include "image/archive_docker.hpp"
#include "image/archive_oci.hpp"
#include "image/archive_writer.hpp"
#include "image/decompress.hpp"
#include "image/digest.hpp"
#include "image/oci_layout_update.hpp"
#include "image/reference.hpp"
#include "image/stored_image.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

constexpr size_t kChunk = 1 << 16;

UniqueFd open_blob(Store& store, std::string_view digest) {
  return open_fd(store.blob_path(digest), O_RDONLY | O_CLOEXEC);
}

// The stored blob, checked against its digest while it streams out.
void copy_blob(Store& store, const std::string& digest, const ArchiveSink::Write& write) {
  UniqueFd fd = open_blob(store, digest);
  DigestVerifier v(digest);
  char buf[kChunk];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n < 0) throw_errno("read", store.blob_path(digest));
    if (n == 0) break;
    v.update(buf, static_cast<size_t>(n));
    write(buf, static_cast<size_t>(n));
  }
  v.verify("stored blob " + store.blob_path(digest));
}

int64_t file_size(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) < 0) throw_errno("fstat", path);
  return st.st_size;
}

// The layer's uncompressed tar, checked against its diff ID. `write` empty:
// only measures.
int64_t stream_uncompressed(Store& store, const LayerRecord& layer,
                            const ArchiveSink::Write& write) {
  std::string path = store.blob_path(layer.blob_digest);
  UniqueFd fd = open_fd(path, O_RDONLY | O_CLOEXEC);
  std::unique_ptr<Decompressor> dec =
      open_decompressor(fd.get(), layer_compression(layer.media_type));
  DigestVerifier v(layer.diff_id);
  uint8_t buf[kChunk];
  int64_t total = 0;
  for (;;) {
    size_t n = dec->read(buf, sizeof buf);
    if (n == 0) break;
    v.update(buf, n);
    total += static_cast<int64_t>(n);
    if (write) write(reinterpret_cast<const char*>(buf), n);
  }
  v.verify("stored layer " + layer.diff_id + " (blob " + path + ")");
  return total;
}

int64_t uncompressed_size(Store& store, const LayerRecord& layer) {
  // Counted at unpack; the stream below still checks every byte of it.
  if (store.layer_sizes_exact() && layer.size > 0) return layer.size;
  if (layer_compression(layer.media_type) == Compression::none) {
    UniqueFd fd = open_blob(store, layer.blob_digest);
    return file_size(fd.get(), store.blob_path(layer.blob_digest));
  }
  // The tar header needs the size first: one pass to measure (and verify).
  return stream_uncompressed(store, layer, {});
}

// ---- docker-archive ----

nlohmann::json legacy_layer_json(const std::string& id, const std::string& parent,
                                 const StoredImage* top) {
  nlohmann::json j = nlohmann::json::object();
  j["id"] = id;
  if (!parent.empty()) j["parent"] = parent;
  j["created"] = top && !top->config.created.empty() ? top->config.created
                                                     : std::string("1970-01-01T00:00:00Z");
  if (top) {
    const nlohmann::json& raw = top->config.raw;
    for (const char* key : {"architecture", "os", "variant", "config", "author"})
      if (raw.contains(key)) j[key] = raw[key];
  }
  return j;
}

void write_docker_archive(Store& store, const std::vector<SaveItem>& items, ArchiveSink& sink,
                          const SaveObserver& observer) {
  std::set<std::string> written;
  std::vector<DockerArchiveImage> manifest;
  std::map<std::string, std::map<std::string, std::string>> repositories;
  for (const SaveItem& item : items) {
    StoredImage s = read_stored_image(store, item.image, std::nullopt);
    DockerArchiveImage entry;
    for (const LayerRecord& l : s.layers) {
      std::string name = digest_hex(l.diff_id) + ".tar";
      entry.layers.push_back(name);
      if (!written.insert(name).second) continue;
      // What goes in is the uncompressed tar: podman names it by its diff ID.
      if (observer.blob) observer.blob(l.diff_id);
      int64_t size = uncompressed_size(store, l);
      sink.add_file_stream(name, size, [&](const ArchiveSink::Write& write) {
        stream_uncompressed(store, l, write);
      });
    }
    entry.config = digest_hex(s.record.id) + ".json";
    if (written.insert(entry.config).second) {
      if (observer.config) observer.config(s.record.id);
      sink.add_file(entry.config, s.config_bytes);
    }
    std::vector<std::string> ids = docker_legacy_layer_ids(s.config.rootfs.diff_ids, s.record.id);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!written.insert(ids[i] + "/").second) continue;
      bool top = i + 1 == ids.size();
      sink.add_directory(ids[i]);
      sink.add_file(ids[i] + "/VERSION", "1.0");
      sink.add_file(ids[i] + "/json",
                    legacy_layer_json(ids[i], i > 0 ? ids[i - 1] : "", top ? &s : nullptr).dump());
      sink.add_symlink(ids[i] + "/layer.tar", "../" + entry.layers[i]);
    }
    for (const std::string& name : item.names) {
      entry.repo_tags.push_back(name);
      Reference r = parse_reference(name);
      if (!ids.empty() && !r.tag.empty()) repositories[r.repository()][r.tag] = ids.back();
    }
    manifest.push_back(std::move(entry));
  }
  if (observer.writing_manifest) observer.writing_manifest();
  sink.add_file("manifest.json", emit_docker_archive_manifest(manifest));
  nlohmann::json repos = repositories;
  sink.add_file("repositories", repos.dump());
}

// ---- OCI layout ----

void write_oci_layout(Store& store, const std::vector<SaveItem>& items, ArchiveSink& sink,
                      const SaveObserver& observer) {
  sink.add_file(std::string(kOciLayoutFile), emit_oci_layout());
  std::set<std::string> dirs, written;
  auto add_blob_dir = [&](std::string_view digest) {
    std::string path = oci_blob_path(digest);
    std::string alg_dir = path.substr(0, path.rfind('/'));
    if (dirs.insert("blobs").second) sink.add_directory("blobs");
    if (dirs.insert(alg_dir).second) sink.add_directory(alg_dir);
    return path;
  };
  ImageIndex index;
  index.media_type = std::string(media_type::oci_index);
  for (const SaveItem& item : items) {
    StoredImage s = read_stored_image(store, item.image, ManifestFlavor::oci);
    for (const LayerRecord& l : s.layers) {
      std::string path = add_blob_dir(l.blob_digest);
      if (!written.insert(path).second) continue;
      if (observer.blob) observer.blob(l.blob_digest);
      sink.add_file_stream(path, l.compressed_size, [&](const ArchiveSink::Write& write) {
        copy_blob(store, l.blob_digest, write);
      });
    }
    std::string config_path = add_blob_dir(s.record.id);
    if (written.insert(config_path).second) {
      if (observer.config) observer.config(s.record.id);
      sink.add_file(config_path, s.config_bytes);
    }
    if (observer.writing_manifest) observer.writing_manifest();
    std::string manifest_path = add_blob_dir(s.manifest_digest);
    if (written.insert(manifest_path).second) sink.add_file(manifest_path, s.manifest);
    Descriptor d;
    d.media_type = s.manifest_media_type;
    d.digest = s.manifest_digest;
    d.size = static_cast<int64_t>(s.manifest.size());
    if (item.names.empty()) index.manifests.push_back(d);
    for (const std::string& name : item.names) {
      Descriptor named = d;
      named.annotations[std::string(kOciRefNameAnnotation)] = name;
      index.manifests.push_back(std::move(named));
    }
  }
  sink.add_file(std::string(kOciIndexFile), emit_image_index(index));
}

// ---- docker-dir ----

void write_docker_dir(Store& store, const std::vector<SaveItem>& items, ArchiveSink& sink,
                      const SaveObserver& observer) {
  if (items.size() != 1) throw Error("docker-dir holds exactly one image");
  StoredImage s = read_stored_image(store, items[0].image, ManifestFlavor::docker);
  sink.add_file("version", "Directory Transport Version: 1.1\n");
  std::set<std::string> written;
  for (const LayerRecord& l : s.layers) {
    std::string name = digest_hex(l.blob_digest);
    if (!written.insert(name).second) continue;
    if (observer.blob) observer.blob(l.blob_digest);
    sink.add_file_stream(name, l.compressed_size, [&](const ArchiveSink::Write& write) {
      copy_blob(store, l.blob_digest, write);
    });
  }
  if (observer.config) observer.config(s.record.id);
  sink.add_file(digest_hex(s.record.id), s.config_bytes);
  if (observer.writing_manifest) observer.writing_manifest();
  sink.add_file("manifest.json", s.manifest);
}

void write_format(Store& store, const std::vector<SaveItem>& items, ArchiveFormat format,
                  ArchiveSink& sink, const SaveObserver& observer) {
  if (items.empty()) throw Error("no images to save");
  // Held like a writer's: no garbage collection removes a blob mid-save.
  FileLock reading = store.lock_shared();
  switch (format) {
    case ArchiveFormat::docker_archive:
      write_docker_archive(store, items, sink, observer);
      break;
    case ArchiveFormat::oci_archive:
    case ArchiveFormat::oci_dir:
      write_oci_layout(store, items, sink, observer);
      break;
    case ArchiveFormat::docker_dir:
      write_docker_dir(store, items, sink, observer);
      break;
  }
  sink.finish();
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A temporary file or directory beside the destination, removed unless
// renamed into place.
class Temporary {
 public:
  explicit Temporary(std::string path) : path_(std::move(path)) {}
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;
  ~Temporary() {
    if (path_.empty()) return;
    try {
      remove_tree(path_);
    } catch (...) {
    }
  }
  const std::string& path() const { return path_; }
  void rename_to(const std::string& dest) {
    if (::rename(path_.c_str(), dest.c_str()) < 0) {
      if (errno == ENOTEMPTY || errno == EEXIST)
        throw Error("save: " + dest + " exists and is not empty");
      throw_errno("rename", path_ + " → " + dest);
    }
    path_.clear();
  }

 private:
  std::string path_;
};

bool is_empty_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) throw_errno("opendir", path);
  bool empty = true;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") {
      empty = false;
      break;
    }
  }
  ::closedir(d);
  return empty;
}

std::string temp_name(const std::string& path) {
  std::string base = path;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return parent_dir(base) + "/." + base.substr(base.rfind('/') + 1) + ".nook-save-XXXXXX";
}

}  // namespace

ArchiveFormat parse_archive_format(std::string_view text) {
  if (text == "docker-archive") return ArchiveFormat::docker_archive;
  if (text == "oci-archive") return ArchiveFormat::oci_archive;
  if (text == "oci-dir") return ArchiveFormat::oci_dir;
  if (text == "docker-dir") return ArchiveFormat::docker_dir;
  throw Error("format value must be one of oci-dir oci-archive docker-dir docker-archive");
}

bool is_directory_format(ArchiveFormat format) {
  return format == ArchiveFormat::oci_dir || format == ArchiveFormat::docker_dir;
}

std::vector<SaveItem> resolve_save_items(Store& store, const std::vector<std::string>& args,
                                         bool multi_image) {
  if (args.empty()) throw Error("need at least 1 argument");
  auto find = [&](const std::string& text) {
    std::optional<ImageRecord> img = store.lookup(text);
    if (!img) throw Error(text + ": image not known");
    return *img;
  };
  auto add_name = [](SaveItem& item, const std::string& name) {
    for (const std::string& n : item.names)
      if (n == name) return;
    item.names.push_back(name);
  };
  std::vector<SaveItem> items;
  if (!multi_image) {
    SaveItem item{find(args[0]), {}};
    if (auto name = store.find_name(args[0])) add_name(item, *name);
    for (size_t i = 1; i < args.size(); ++i) {
      Reference r = parse_reference(is_short_name(args[i]) ? "localhost/" + args[i] : args[i]);
      if (!r.digest.empty()) throw Error("save: the name " + args[i] + " cannot carry a digest");
      add_name(item, r.string());
    }
    items.push_back(std::move(item));
    return items;
  }
  for (const std::string& text : args) {
    ImageRecord img = find(text);
    std::optional<std::string> name = store.find_name(text);
    SaveItem* item = nullptr;
    for (SaveItem& existing : items)
      if (existing.image.id == img.id) item = &existing;
    if (!item) item = &items.emplace_back(SaveItem{img, {}});
    if (name) add_name(*item, *name);
  }
  return items;
}

void save_to_fd(Store& store, const std::vector<SaveItem>& items, ArchiveFormat format, int fd,
                const SaveObserver& observer) {
  if (is_directory_format(format))
    throw Error("save: a directory format needs an output path, not a stream");
  std::unique_ptr<ArchiveSink> sink = tar_sink(fd);
  write_format(store, items, format, *sink, observer);
}

void save_to_path(Store& store, const std::vector<SaveItem>& items, ArchiveFormat format,
                  const std::string& path, const SaveObserver& observer) {
  if (path.empty()) throw Error("save: the output path is empty");
  std::string tmpl = temp_name(path);
  if (is_directory_format(format)) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) throw Error("save: " + path + " exists and is not a directory");
      if (!is_empty_dir(path)) {
        // podman adds to an OCI layout; anything else it would write into,
        // or (docker-dir) empty first: refused here instead.
        if (format != ArchiveFormat::oci_dir || !is_oci_layout_dir(path))
          throw Error("save: " + path + " exists and is not empty" +
                      (format == ArchiveFormat::oci_dir ? " (and is not an OCI layout)" : ""));
        std::unique_ptr<ArchiveSink> sink = oci_layout_update_sink(path);
        write_format(store, items, format, *sink, observer);
        return;
      }
    }
    if (!::mkdtemp(tmpl.data())) throw_errno("create", path);
    Temporary tmp(tmpl);
    ::chmod(tmp.path().c_str(), 0755);
    std::unique_ptr<ArchiveSink> sink = directory_sink(tmp.path());
    write_format(store, items, format, *sink, observer);
    tmp.rename_to(path);
    return;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw Error("save: " + path + " is a directory; " +
                "use --format oci-dir or docker-dir to write a directory");
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // /dev/stdout, a FIFO: nothing to rename over, write straight to it.
    UniqueFd out = open_fd(path, O_WRONLY | O_CLOEXEC);
    save_to_fd(store, items, format, out.get(), observer);
    return;
  }
  UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (!fd) throw_errno("create", path);
  Temporary tmp(tmpl);
  // mkstemp makes 0600; an archive is as readable as any file the user writes.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd.get(), 0666 & ~mask);
  std::unique_ptr<ArchiveSink> sink = tar_sink(fd.get());
  write_format(store, items, format, *sink, observer);
  if (::fsync(fd.get()) < 0) throw_errno("fsync", tmp.path());
  tmp.rename_to(path);
}

}  // namespace nook::image
