#include "image/oci_layout_update.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "image/archive_oci.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

using nlohmann::ordered_json;

constexpr size_t kIndexLimit = 16 << 20;

// index.json as an object with a "manifests" array, every entry an object.
ordered_json parse_index(std::string_view text, const std::string& what) {
  if (text.size() > kIndexLimit) throw Error(what + ": larger than 16 MiB");
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) throw Error(what + ": not a JSON document");
  auto m = j.is_object() ? j.find("manifests") : j.end();
  if (!j.is_object() || (m != j.end() && !m->is_array()))
    throw Error(what + ": not an image index (\"manifests\" must be an array)");
  if (m == j.end()) j["manifests"] = ordered_json::array();
  for (const auto& e : j["manifests"])
    if (!e.is_object()) throw Error(what + ": an entry of \"manifests\" is not an object");
  return j;
}

std::string ref_name(const ordered_json& entry) {
  auto a = entry.find("annotations");
  if (a == entry.end() || !a->is_object()) return {};
  auto n = a->find(std::string(kOciRefNameAnnotation));
  return n != a->end() && n->is_string() ? n->get<std::string>() : std::string();
}

std::string digest_of(const ordered_json& entry) {
  auto d = entry.find("digest");
  return d != entry.end() && d->is_string() ? d->get<std::string>() : std::string();
}

class OciLayoutUpdateSink final : public ArchiveSink {
 public:
  explicit OciLayoutUpdateSink(const std::string& dir) : dir_(dir) {
    dir_fd_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd_) throw_errno("open", dir);
    // Two saves into one layout at once would each drop the other's entries.
    if (retry_eintr([&] { return ::flock(dir_fd_.get(), LOCK_EX); }) < 0) throw_errno("lock", dir);
    std::string layout = path(std::string(kOciLayoutFile));
    try {
      check_oci_layout(read_layout_file(std::string(kOciLayoutFile), 64 << 10));
    } catch (const Error& e) {
      throw Error(layout + ": " + e.what());
    }
    old_index_ = read_layout_file(std::string(kOciIndexFile), kIndexLimit);
    parse_index(old_index_, path(std::string(kOciIndexFile)));
  }

  void add_directory(const std::string& name) override {
    if (::mkdirat(dir_fd_.get(), name.c_str(), 0755) < 0 && errno != EEXIST)
      throw_errno("mkdir", path(name));
    blob_dirs_.push_back(name);
  }

  void add_file(const std::string& name, std::string_view data) override {
    if (name == kOciLayoutFile) return;  // checked when opened
    if (name == kOciIndexFile) {
      new_index_ = data;
      return;
    }
    if (present(name, static_cast<int64_t>(data.size()))) return;
    place(name, [&](int fd, const std::string& tmp) { write_all(fd, data, tmp); });
  }

  void add_file_stream(const std::string& name, int64_t size,
                       const std::function<void(const Write&)>& produce) override {
    if (present(name, size)) return;
    place(name, [&](int fd, const std::string& tmp) {
      int64_t written = 0;
      produce([&](const char* data, size_t len) {
        written += static_cast<int64_t>(len);
        if (written > size)
          throw Error(tmp + ": more bytes than the " + std::to_string(size) +
                      " its descriptor says");
        write_all(fd, std::string_view(data, len), tmp);
      });
      if (written != size)
        throw Error(tmp + ": " + std::to_string(written) + " bytes, not the " +
                    std::to_string(size) + " its descriptor says");
    });
  }

  void add_symlink(const std::string& name, const std::string&) override {
    throw Error("an OCI layout holds no symbolic links (" + path(name) + ")");
  }

  void finish() override {
    if (new_index_.empty()) throw Error(path(std::string(kOciIndexFile)) + ": nothing to add");
    // The blobs' renames reach the disk before the index that names them.
    for (const std::string& d : blob_dirs_) {
      UniqueFd fd(::openat(dir_fd_.get(), d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!fd || ::fsync(fd.get()) < 0) throw_errno("fsync", path(d));
    }
    write_file_atomic(path(std::string(kOciIndexFile)), merge_oci_index(old_index_, new_index_),
                      0644);
  }

 private:
  // A regular file of the layout, read whole up to limit bytes: a FIFO put
  // there must not hang the save, a huge file not fill the memory.
  std::string read_layout_file(const std::string& name, size_t limit) {
    UniqueFd fd(
        ::openat(dir_fd_.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
    if (!fd) throw_errno("open", path(name));
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) throw_errno("fstat", path(name));
    if (!S_ISREG(st.st_mode)) throw Error(path(name) + ": not a regular file");
    if (static_cast<uint64_t>(st.st_size) > limit)
      throw Error(path(name) + ": larger than " + std::to_string(limit >> 20) + " MiB");
    std::string out(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < out.size()) {
      ssize_t n = retry_eintr([&] { return ::read(fd.get(), out.data() + got, out.size() - got); });
      if (n < 0) throw_errno("read", path(name));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    out.resize(got);
    return out;
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // A blob already there with the size its descriptor gives is the same
  // content (its name is its digest): kept as it is.
  bool present(const std::string& name, int64_t size) {
    struct stat st;
    if (::fstatat(dir_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) return false;
      throw_errno("stat", path(name));
    }
    if (!S_ISREG(st.st_mode)) throw Error(path(name) + ": not a regular file");
    return st.st_size == size;
  }

  // Written under a temporary name beside it, synced, renamed into place.
  template <typename Fill>
  void place(const std::string& name, Fill fill) {
    std::string tmp = path(name) + ".nook-XXXXXX";
    UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd) throw_errno("create", tmp);
    try {
      ::fchmod(fd.get(), 0644);
      fill(fd.get(), tmp);
      if (::fsync(fd.get()) < 0) throw_errno("fsync", tmp);
      if (::rename(tmp.c_str(), path(name).c_str()) < 0) throw_errno("rename", tmp);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }

  std::string dir_;
  UniqueFd dir_fd_;
  std::string old_index_, new_index_;
  std::vector<std::string> blob_dirs_;  // where blobs were renamed into
};

}  // namespace

bool is_oci_layout_dir(const std::string& dir) {
  return path_exists(dir + "/" + std::string(kOciLayoutFile));
}

std::unique_ptr<ArchiveSink> oci_layout_update_sink(const std::string& dir) {
  return std::make_unique<OciLayoutUpdateSink>(dir);
}

std::string merge_oci_index(std::string_view old_index, std::string_view new_index) {
  ordered_json merged = parse_index(old_index, "index.json");
  ordered_json added = parse_index(new_index, "the new index.json");
  ordered_json& list = merged["manifests"];
  const std::string name_key(kOciRefNameAnnotation);
  // containers/image's addManifest, entry by entry: the first old entry of
  // the same name loses the name (its image stays listed); an unnamed entry
  // of the same digest is replaced in place; anything else is appended.
  for (auto& e : added["manifests"]) {
    if (std::string n = ref_name(e); !n.empty()) {
      for (auto& old : list) {
        if (ref_name(old) != n) continue;
        auto& a = old["annotations"];
        a.erase(name_key);
        if (a.empty()) old.erase("annotations");
        break;
      }
    }
    bool replaced = false;
    for (auto& old : list) {
      if (digest_of(old) == digest_of(e) && ref_name(old).empty()) {
        old = e;
        replaced = true;
        break;
      }
    }
    if (!replaced) list.push_back(e);
  }
  return merged.dump();
}

}  // namespace nook::image
