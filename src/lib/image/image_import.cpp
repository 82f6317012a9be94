#include "image/image_import.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <functional>
#include <utility>

#include "image/config_change.hpp"
#include "image/decompress.hpp"
#include "image/digest.hpp"
#include "image/http_client.hpp"
#include "image/image_config.hpp"
#include "image/layer_fetch.hpp"
#include "image/platform.hpp"
#include "image/reference.hpp"
#include "image/stored_image.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

constexpr size_t kChunk = 1 << 16;

enum class Packing { plain, gzip, zstd, bzip2, xz };

Packing sniff(int fd, const std::string& path) {
  unsigned char m[6] = {};
  ssize_t n = retry_eintr([&] { return ::pread(fd, m, sizeof m, 0); });
  if (n < 0) throw_errno("read", path);
  if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return Packing::gzip;
  if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) return Packing::zstd;
  if (n >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') return Packing::bzip2;
  if (n == 6 && std::memcmp(m,
                            "\xfd"
                            "7zXZ\0",
                            6) == 0)
    return Packing::xz;
  return Packing::plain;
}

// Go's time.RFC3339Nano in UTC: fraction without trailing zeros.
std::string rfc3339(int64_t sec, long nsec) {
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (nsec > 0) {
    char frac[32];
    std::snprintf(frac, sizeof frac, ".%09ld", nsec);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

struct Staged {
  std::string path;
  std::string digest;
  int64_t size = 0;
};

// A new file in the staging area, every byte hashed and counted on its way in.
class StagedWriter {
 public:
  explicit StagedWriter(const std::string& path)
      : out_(open_fd(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)), staged_{path, {}, 0} {}
  void append(const char* data, size_t n) {
    hasher_.update(data, n);
    write_all(out_.get(), std::string_view(data, n), staged_.path);
    staged_.size += static_cast<int64_t>(n);
  }
  Staged finish() {
    staged_.digest = hasher_.digest();
    return staged_;
  }

 private:
  UniqueFd out_;
  Hasher hasher_;
  Staged staged_;
};

// Copies fd to path, hashing it.
Staged copy_in(int fd, const std::string& path) {
  StagedWriter w(path);
  char buf[kChunk];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
    if (n < 0) throw_errno("read", "import source");
    if (n == 0) break;
    w.append(buf, static_cast<size_t>(n));
  }
  return w.finish();
}

std::string diff_id_of(const std::string& path, Compression c) {
  UniqueFd fd = open_fd(path, O_RDONLY | O_CLOEXEC);
  std::unique_ptr<Decompressor> dec = open_decompressor(fd.get(), c);
  Hasher h;
  uint8_t buf[kChunk];
  while (size_t n = dec->read(buf, sizeof buf)) h.update(buf, n);
  return h.digest();
}

struct ArchiveReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// bzip2 and xz, which layers cannot carry: decompressed into a plain tar.
Staged decompress_other(const std::string& src, const std::string& dest) {
  UniqueFd in = open_fd(src, O_RDONLY | O_CLOEXEC);
  StagedWriter w(dest);
  std::unique_ptr<struct archive, ArchiveReadFree> a(archive_read_new());
  if (!a) throw Error("import: out of memory");
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_format_raw(a.get());
  struct archive_entry* e = nullptr;
  if (archive_read_open_fd(a.get(), in.get(), kChunk) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &e) != ARCHIVE_OK)
    throw Error(std::string("import: decompress: ") + archive_error_string(a.get()));
  char buf[kChunk];
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
    if (n < 0) throw Error(std::string("import: decompress: ") + archive_error_string(a.get()));
    if (n == 0) break;
    w.append(buf, static_cast<size_t>(n));
  }
  return w.finish();
}

Platform import_platform(const ImportOptions& o) {
  // Each flag is one component: "--arch arm64/v8" is not a platform.
  for (const std::string* c : {&o.os, &o.architecture, &o.variant})
    if (c->find('/') != std::string::npos)
      throw Error("import: invalid platform component \"" + *c + "\"");
  Platform p = current_platform();
  if (!o.os.empty()) p.os = o.os;
  if (!o.architecture.empty()) {
    p.architecture = o.architecture;
    p.variant.clear();
  }
  if (!o.variant.empty()) p.variant = o.variant;
  return parse_platform(format_platform(p));
}

// Puts the tarball at path in the staging area: read from an fd, or downloaded.
using FetchInto = std::function<Staged(const std::string& path)>;

// A URL's body into path, hashed on the way; redirects followed, the
// system's CAs, any non-2xx status is an error naming it.
Staged download_in(const std::string& url, const std::string& path) {
  StagedWriter w(path);
  HttpClient http(HttpOptions{"nook/" NOOK_VERSION});
  HttpRequest req;
  req.url = url;
  req.follow_redirects = true;
  req.sink = [&w](long, const char* data, size_t n) { w.append(data, n); };
  HttpResponse r;
  try {
    r = http.perform(req);
  } catch (const Error& e) {
    // The client's messages show the URL with its password redacted.
    throw Error(std::string("import: ") + e.what());
  }
  if (r.status < 200 || r.status > 299)
    throw Error("import: GET " + redact_url(url) + ": HTTP " + std::to_string(r.status));
  return w.finish();
}

ImportedImage import_stream(Store& store, const FetchInto& fetch, const ImportOptions& options,
                            const ImportObserver& observer, int64_t sec, long nsec) {
  ContainerConfig container;
  for (const std::string& change : options.changes) apply_config_change(container, change);
  std::string name = options.reference.empty() ? "" : import_image_name(options.reference);
  Platform platform = import_platform(options);

  FileLock writer = store.lock_shared();
  store.remove_abandoned_staging();
  StagingDir staging = store.make_staging_dir();
  Staged input = fetch(staging.path() + "/input");
  if (input.size == 0) throw Error("import: the tarball is empty");

  LayerSource source;
  Staged blob = input;
  {
    UniqueFd f = open_fd(input.path, O_RDONLY | O_CLOEXEC);
    switch (sniff(f.get(), input.path)) {
      case Packing::plain:
        source.media_type = std::string(media_type::oci_layer);
        source.diff_id = input.digest;
        break;
      case Packing::gzip:
        source.media_type = std::string(media_type::oci_layer_gzip);
        source.diff_id = diff_id_of(input.path, Compression::gzip);
        break;
      case Packing::zstd:
        source.media_type = std::string(media_type::oci_layer_zstd);
        source.diff_id = diff_id_of(input.path, Compression::zstd);
        break;
      case Packing::bzip2:
      case Packing::xz:
        blob = decompress_other(input.path, staging.path() + "/tar");
        source.media_type = std::string(media_type::oci_layer);
        source.diff_id = blob.digest;
        break;
    }
  }
  source.blob_digest = blob.digest;
  source.size = blob.size;
  if (observer.blob) observer.blob(blob.digest);
  UnpackOptions unpack;
  unpack.chown = options.chown;
  UniqueFd blob_fd = open_fd(blob.path, O_RDONLY | O_CLOEXEC);
  // blob is our own copy in the staging area: linked into the store, not copied again.
  LayerFetchResult layer = store_layer_from_fd(store, blob_fd.get(), source, unpack, blob.path);

  ImageConfig config;
  config.created = rfc3339(sec, nsec);
  config.os = platform.os;
  config.architecture = platform.architecture;
  config.variant = platform.variant;
  config.config = container;
  config.rootfs.diff_ids = {layer.record.diff_id};
  std::string comment = options.message.empty() ? "imported from tarball" : options.message;
  config.history.push_back(HistoryEntry{
      config.created, "/bin/sh -c #(nop) ADD file:" + layer.record.diff_id.substr(7) + " in /", "",
      comment, false});
  config.raw = nlohmann::json::object();
  if (!options.message.empty()) config.raw["comment"] = options.message;
  std::string config_bytes = emit_image_config(config);
  std::string config_digest = compute_digest(config_bytes);
  if (observer.config) observer.config(config_digest);
  store.write_blob(config_digest, config_bytes);

  std::string manifest = make_manifest(config_digest, static_cast<int64_t>(config_bytes.size()),
                                       {layer.record}, ManifestFlavor::oci);
  std::string manifest_digest = compute_digest(manifest);
  if (observer.writing_manifest) observer.writing_manifest();
  store.write_blob(manifest_digest, manifest);

  ImageRecord rec;
  rec.id = config_digest;
  rec.manifest_digest = manifest_digest;
  rec.manifest_media_type = std::string(media_type::oci_manifest);
  rec.created = config.created;
  rec.added = static_cast<int64_t>(std::time(nullptr));
  rec.size = image_size({layer.record}, manifest.size(), config_bytes.size());
  rec.layers = {layer.record.diff_id};
  if (!name.empty()) {
    rec.names = {name};
    rec.repo_digests = {parse_reference(name).repository() + "@" + manifest_digest};
  }
  store.record_image(rec);
  return ImportedImage{rec.id, name};
}

}  // namespace

std::string import_image_name(std::string_view reference) {
  std::string full =
      is_short_name(reference) ? "localhost/" + std::string(reference) : std::string(reference);
  Reference r = parse_reference(full);
  if (!r.digest.empty())
    throw Error("import: the name \"" + std::string(reference) + "\" carries a digest");
  return r.string();
}

namespace {

// options.created_unix, or now.
std::pair<int64_t, long> creation_time(const ImportOptions& options) {
  if (options.created_unix != 0) return {options.created_unix, 0};
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return {now.tv_sec, now.tv_nsec};
}

FetchInto copy_from(int fd) {
  return [fd](const std::string& path) { return copy_in(fd, path); };
}

}  // namespace

ImportedImage import_from_fd(Store& store, int fd, const ImportOptions& options,
                             const ImportObserver& observer) {
  auto [sec, nsec] = creation_time(options);
  return import_stream(store, copy_from(fd), options, observer, sec, nsec);
}

bool is_import_url(std::string_view source) {
  return source.starts_with("http://") || source.starts_with("https://");
}

ImportedImage import_from_url(Store& store, const std::string& url, const ImportOptions& options,
                              const ImportObserver& observer) {
  if (!is_import_url(url))
    throw Error("import: " + redact_url(url) + " is not an http:// or https:// URL");
  auto [sec, nsec] = creation_time(options);
  return import_stream(
      store, [&url](const std::string& path) { return download_in(url, path); }, options, observer,
      sec, nsec);
}

ImportedImage import_from_path(Store& store, const std::string& path, const ImportOptions& options,
                               const ImportObserver& observer) {
  if (path.find("://") != std::string::npos) {
    if (is_import_url(path)) return import_from_url(store, path, options, observer);
    throw Error("import: " + redact_url(path) + ": only http:// and https:// URLs can be imported");
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open", path);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) throw_errno("fstat", path);
  if (S_ISDIR(st.st_mode)) throw Error("import: " + path + " is a directory, not a tarball");
  if (!S_ISREG(st.st_mode)) return import_from_fd(store, fd.get(), options, observer);
  return import_stream(store, copy_from(fd.get()), options, observer, st.st_mtim.tv_sec,
                       st.st_mtim.tv_nsec);
}

}  // namespace nook::image
