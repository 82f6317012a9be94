#pragma once
// A tar entry's name (or a hard link's target) as the unpacker uses it:
// lexically cleaned before anything touches the disk, so what is created
// is named by parts that cannot leave the layer.
#include <string>
#include <vector>

namespace nook::image {

// A layer path, lexically clean: no leading "/", no "." or empty parts.
// ".." is refused outright: no real layer needs it and it is the classic
// escape. Absolute paths are taken relative to the layer root, as tar does.
struct EntryPath {
  std::vector<std::string> parts;
  std::string rel;  // parts joined by "/"; "" is the layer root

  std::string parent() const {
    size_t slash = rel.rfind('/');
    return slash == std::string::npos ? std::string() : rel.substr(0, slash);
  }
  const std::string& name() const { return parts.back(); }
  std::string shown() const { return "/" + rel; }
};

// Cleans raw (`what` names it in errors: "entry path", "hard link target"):
// throws Error for "..", a name over NAME_MAX or a path over PATH_MAX.
EntryPath clean_path(const char* raw, const char* what);

}  // namespace nook::image
