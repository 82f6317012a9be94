#include "image/image_load.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <mutex>

#include "image/archive_docker.hpp"
#include "image/archive_files.hpp"
#include "image/archive_oci.hpp"
#include "image/digest.hpp"
#include "image/image_config.hpp"
#include "image/layer_fetch.hpp"
#include "image/platform.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"
#include "image/stored_image.hpp"
#include "sys/error.hpp"
#include "sys/parallel.hpp"

namespace nook::image {
namespace {

// Layers unpacked at once, as pull's default.
constexpr int kParallelLayers = 3;

struct PlannedLayer {
  std::string file;  // path in the archive
  LayerSource source;
};

struct PlannedImage {
  std::string config_bytes;
  std::string config_digest;
  ImageConfig config;
  std::vector<PlannedLayer> layers;
  std::vector<std::string> names;
  // Empty for a docker-archive: written from the stored layers.
  std::string manifest, manifest_digest, manifest_media_type;
  std::string index, index_digest;  // an OCI entry that was an index
};

int64_t fd_size(int fd, const std::string& what) {
  struct stat st;
  if (::fstat(fd, &st) < 0) throw_errno("fstat", what);
  return st.st_size;
}

void add_unique(std::vector<std::string>& list, const std::string& s) {
  for (const std::string& x : list)
    if (x == s) return;
  list.push_back(s);
}

// What a docker-archive layer file is, from its first bytes.
std::string sniff_layer_type(int fd, const std::string& name) {
  unsigned char magic[4] = {};
  ssize_t n = retry_eintr([&] { return ::pread(fd, magic, sizeof magic, 0); });
  if (n < 0) throw_errno("read", name);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    return std::string(media_type::docker_layer_gzip);
  if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return std::string(media_type::oci_layer_zstd);
  return std::string(media_type::docker_layer);
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// A config file named by its digest (docker's "<hex>.json", docker 25's
// "blobs/sha256/<hex>") must have that digest.
void check_config_name(const std::string& path, const std::string& digest) {
  std::string base = path.substr(path.rfind('/') + 1);
  if (base.ends_with(".json")) base.resize(base.size() - 5);
  if (is_hex64(base) && "sha256:" + base != digest)
    throw Error("config " + path + ": digest mismatch: its name says sha256:" + base +
                ", its content is " + digest);
}

std::vector<PlannedImage> plan_docker_archive(ArchiveFiles& files, const std::string& manifest) {
  std::vector<PlannedImage> out;
  std::vector<DockerArchiveImage> entries = parse_docker_archive_manifest(manifest);
  for (size_t i = 0; i < entries.size(); ++i) {
    const DockerArchiveImage& e = entries[i];
    std::string where = "manifest.json: image " + std::to_string(i);
    PlannedImage p;
    p.config_bytes = files.read_file(e.config, kManifestSizeLimit);
    p.config_digest = compute_digest(p.config_bytes);
    check_config_name(e.config, p.config_digest);
    p.config = parse_image_config(p.config_bytes);
    if (e.layers.size() != p.config.rootfs.diff_ids.size())
      throw Error(where + " lists " + std::to_string(e.layers.size()) + " layers, its config has " +
                  std::to_string(p.config.rootfs.diff_ids.size()) + " diff IDs");
    for (size_t j = 0; j < e.layers.size(); ++j) {
      UniqueFd fd = files.open_file(e.layers[j]);
      LayerSource src;
      src.media_type = sniff_layer_type(fd.get(), e.layers[j]);
      src.size = fd_size(fd.get(), e.layers[j]);
      src.diff_id = p.config.rootfs.diff_ids[j];
      // Docker 25 writes its layers content-addressed: then the name is a
      // digest the content must have.
      std::string_view path = e.layers[j];
      if (path.starts_with("blobs/sha256/") && is_hex64(path.substr(13)))
        src.blob_digest = "sha256:" + std::string(path.substr(13));
      p.layers.push_back({e.layers[j], src});
    }
    for (const std::string& tag : e.repo_tags)
      add_unique(p.names, archive_image_name(tag, true, "manifest.json RepoTags"));
    out.push_back(std::move(p));
  }
  return out;
}

// A blob the archive must hold with exactly the descriptor's digest and size.
std::string read_described(ArchiveFiles& files, const std::string& path, const Descriptor& d) {
  std::string bytes = files.read_file(path, kManifestSizeLimit);
  if (static_cast<int64_t>(bytes.size()) != d.size)
    throw Error(path + ": " + std::to_string(bytes.size()) + " bytes, its descriptor says " +
                std::to_string(d.size));
  DigestVerifier v(d.digest);
  v.update(bytes.data(), bytes.size());
  v.verify(path);
  return bytes;
}

void plan_layers(ArchiveFiles& files, const ImageManifest& m, PlannedImage& p,
                 std::string (*path_of)(std::string_view)) {
  check_manifest_config(m, p.config);
  for (size_t j = 0; j < m.layers.size(); ++j) {
    const Descriptor& d = m.layers[j];
    std::string path = path_of(d.digest);
    UniqueFd fd = files.open_file(path);
    int64_t size = fd_size(fd.get(), path);
    if (size != d.size)
      throw Error("layer " + d.digest + ": " + std::to_string(size) +
                  " bytes in the archive, the manifest says " + std::to_string(d.size));
    p.layers.push_back(
        {path, LayerSource{d.digest, d.media_type, d.size, p.config.rootfs.diff_ids[j]}});
  }
}

std::vector<PlannedImage> plan_oci(ArchiveFiles& files, const LoadOptions& options) {
  check_oci_layout(files.read_file(kOciLayoutFile, 64 << 10));
  ImageIndex index = parse_image_index(files.read_file(kOciIndexFile, kManifestSizeLimit));
  if (index.manifests.empty()) throw Error("index.json lists no images");
  std::vector<PlannedImage> out;
  for (const Descriptor& entry : index.manifests) {
    std::string name = oci_entry_name(entry);
    std::string local = name.empty() ? "" : archive_image_name(name, false, "index.json");
    bool merged = false;
    for (PlannedImage& p : out) {
      if (p.index_digest == entry.digest ||
          (p.index_digest.empty() && p.manifest_digest == entry.digest)) {
        if (!local.empty()) add_unique(p.names, local);
        merged = true;
      }
    }
    if (merged) continue;

    PlannedImage p;
    std::string bytes = read_described(files, oci_blob_path(entry.digest), entry);
    Descriptor chosen = entry;
    if (classify_manifest(bytes, entry.media_type) == ManifestKind::image_index) {
      ImageIndex nested = parse_image_index(bytes, entry.media_type);
      chosen = choose_manifest(nested, options.platform ? *options.platform : current_platform());
      p.index = std::move(bytes);
      p.index_digest = entry.digest;
      bytes = read_described(files, oci_blob_path(chosen.digest), chosen);
    }
    ImageManifest m = parse_image_manifest(bytes, chosen.media_type);
    p.manifest = std::move(bytes);
    p.manifest_digest = chosen.digest;
    p.manifest_media_type = m.media_type;
    p.config_bytes = read_described(files, oci_blob_path(m.config.digest), m.config);
    p.config_digest = m.config.digest;
    p.config = parse_image_config(p.config_bytes);
    plan_layers(files, m, p, &oci_blob_path);
    if (!local.empty()) p.names.push_back(local);
    out.push_back(std::move(p));
  }
  return out;
}

std::string dir_blob_path(std::string_view digest) {
  check_digest(digest);
  if (!digest.starts_with("sha256:"))
    throw Error("dir layout: blob " + std::string(digest) + " is not sha256");
  return std::string(digest.substr(7));
}

std::vector<PlannedImage> plan_docker_dir(ArchiveFiles& files, const std::string& manifest) {
  std::string version = files.read_file("version", 4096);
  if (!version.starts_with("Directory Transport Version: 1."))
    throw Error("dir layout: unsupported version file \"" + version.substr(0, 60) + "\"");
  PlannedImage p;
  ImageManifest m = parse_image_manifest(manifest);
  p.manifest = manifest;
  p.manifest_digest = compute_digest(manifest);
  p.manifest_media_type = m.media_type;
  p.config_bytes = read_described(files, dir_blob_path(m.config.digest), m.config);
  p.config_digest = m.config.digest;
  p.config = parse_image_config(p.config_bytes);
  plan_layers(files, m, p, &dir_blob_path);
  return {std::move(p)};
}

std::vector<PlannedImage> plan(ArchiveFiles& files, const LoadOptions& options) {
  if (files.has_file(kOciLayoutFile)) return plan_oci(files, options);
  if (files.has_file("manifest.json")) {
    std::string manifest = files.read_file("manifest.json", kDockerArchiveManifestLimit);
    size_t first = manifest.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && manifest[first] == '{' && files.has_file("version"))
      return plan_docker_dir(files, manifest);
    return plan_docker_archive(files, manifest);
  }
  throw Error(
      "payload does not match any of the supported image formats: no manifest.json "
      "(docker-archive) and no oci-layout (oci-archive, oci-dir)");
}

std::vector<LoadedImage> store_images(Store& store, ArchiveFiles& files,
                                      std::vector<PlannedImage>& images, const LoadOptions& options,
                                      const LoadObserver& observer) {
  UnpackOptions unpack;
  unpack.chown = options.chown;
  std::atomic<uint64_t> skipped_devices{0};
  std::vector<std::vector<LayerRecord>> stored(images.size());
  // Every layer of every image, unpacked three at a time as a pull does (a
  // layer two images share waits on its lock and is then found stored).
  std::vector<std::pair<size_t, size_t>> work;
  for (size_t i = 0; i < images.size(); ++i) {
    stored[i].resize(images[i].layers.size());
    for (size_t j = 0; j < images[i].layers.size(); ++j) work.emplace_back(i, j);
  }
  std::mutex observer_mu;
  for_each_parallel(work.size(), kParallelLayers, [&](size_t k) {
    auto [i, j] = work[k];
    const PlannedLayer& l = images[i].layers[j];
    if (observer.blob) {
      std::lock_guard g(observer_mu);
      observer.blob(l.source.blob_digest.empty() ? l.source.diff_id : l.source.blob_digest);
    }
    UniqueFd fd = files.open_file(l.file);
    LayerFetchResult r =
        store_layer_from_fd(store, fd.get(), l.source, unpack, files.private_copy(l.file));
    skipped_devices += r.skipped_devices;
    stored[i][j] = r.record;
  });
  if (skipped_devices > 0 && observer.warning)
    observer.warning(std::to_string(skipped_devices) +
                     " device node(s) in the image were skipped: a user namespace cannot "
                     "create them");

  std::vector<ImageRecord> records;
  for (size_t i = 0; i < images.size(); ++i) {
    PlannedImage& p = images[i];
    if (observer.config) observer.config(p.config_digest);
    store.write_blob(p.config_digest, p.config_bytes);
    if (p.manifest.empty()) {
      ManifestFlavor flavor = docker_flavor_if_possible(stored[i]);
      p.manifest = make_manifest(p.config_digest, static_cast<int64_t>(p.config_bytes.size()),
                                 stored[i], flavor);
      p.manifest_digest = compute_digest(p.manifest);
      p.manifest_media_type =
          std::string(flavor == ManifestFlavor::docker ? media_type::docker_manifest
                                                       : media_type::oci_manifest);
    }
    if (observer.writing_manifest) observer.writing_manifest();
    store.write_blob(p.manifest_digest, p.manifest);
    if (!p.index_digest.empty()) store.write_blob(p.index_digest, p.index);

    ImageRecord rec;
    rec.id = p.config_digest;
    rec.manifest_digest = p.manifest_digest;
    rec.manifest_media_type = p.manifest_media_type;
    rec.created = p.config.created;
    rec.added = static_cast<int64_t>(std::time(nullptr));
    for (const LayerRecord& l : stored[i]) rec.layers.push_back(l.diff_id);
    rec.size = image_size(stored[i], p.manifest.size(), p.config_bytes.size());
    rec.names = p.names;
    for (const std::string& name : p.names) {
      std::string repo = parse_reference(name).repository();
      add_unique(rec.repo_digests, repo + "@" + p.manifest_digest);
      if (!p.index_digest.empty()) add_unique(rec.repo_digests, repo + "@" + p.index_digest);
    }
    records.push_back(std::move(rec));
  }
  std::vector<LoadedImage> out;
  for (const ImageRecord& rec : records) {
    store.record_image(rec);
    out.push_back({rec.id, rec.names});
  }
  return out;
}

template <typename Open>
std::vector<LoadedImage> load(Store& store, const LoadOptions& options,
                              const LoadObserver& observer, Open&& open) {
  try {
    FileLock writer = store.lock_shared();
    store.remove_abandoned_staging();
    StagingDir staging = store.make_staging_dir();
    std::unique_ptr<ArchiveFiles> files = open(staging.path());
    std::vector<PlannedImage> images = plan(*files, options);
    return store_images(store, *files, images, options, observer);
  } catch (const Error&) {
    // Layers stored before the failure belong to no image: collect them now
    // that our writer lock is gone (skipped if another writer is busy).
    try {
      store.collect_garbage();
    } catch (...) {
    }
    throw;
  }
}

}  // namespace

std::string archive_image_name(std::string_view text, bool require_tag, std::string_view where) {
  std::string full = is_short_name(text) ? "localhost/" + std::string(text) : std::string(text);
  Reference r;
  try {
    r = parse_reference(full, require_tag ? DefaultTag::none : DefaultTag::add);
  } catch (const Error& e) {
    throw Error(std::string(where) + ": invalid image name \"" + std::string(text.substr(0, 200)) +
                "\": " + e.what());
  }
  if (!r.digest.empty())
    throw Error(std::string(where) + ": image name \"" + std::string(text) +
                "\" carries a digest; a name needs a tag");
  if (r.tag.empty())
    throw Error(std::string(where) + ": image name \"" + std::string(text) + "\" has no tag");
  return r.string();
}

std::vector<LoadedImage> load_from_fd(Store& store, int fd, const LoadOptions& options,
                                      const LoadObserver& observer) {
  return load(store, options, observer,
              [fd](const std::string& staging) { return extract_tar_archive(fd, staging); });
}

std::vector<LoadedImage> load_from_path(Store& store, const std::string& path,
                                        const LoadOptions& options, const LoadObserver& observer) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) throw_errno("stat", path);
  if (S_ISDIR(st.st_mode))
    return load(store, options, observer,
                [&path](const std::string&) { return open_directory_archive(path); });
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open", path);
  return load_from_fd(store, fd.get(), options, observer);
}

}  // namespace nook::image
