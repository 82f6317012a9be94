#include "image/archive_oci.hpp"

#include "image/reference.hpp"
#include "image/untrusted_json.hpp"
#include "sys/error.hpp"

namespace nook::image {

std::string emit_oci_layout() {
  return R"({"imageLayoutVersion":"1.0.0"})";
}

void check_oci_layout(std::string_view bytes) {
  nlohmann::json j = parse_untrusted_json(bytes, "oci-layout", 64 << 10);
  auto it = j.is_object() ? j.find("imageLayoutVersion") : j.end();
  if (!j.is_object() || it == j.end() || !it->is_string())
    throw Error("invalid oci-layout: imageLayoutVersion is missing or not a string");
  std::string v = it->get<std::string>();
  if (!v.starts_with("1."))
    throw Error("unsupported OCI layout version \"" + v.substr(0, 40) + "\" (nook reads 1.x)");
}

std::string oci_blob_path(std::string_view digest) {
  check_digest(digest);
  auto colon = digest.find(':');
  return "blobs/" + std::string(digest.substr(0, colon)) + "/" +
         std::string(digest.substr(colon + 1));
}

std::string oci_entry_name(const Descriptor& entry) {
  for (std::string_view key : {kContainerdNameAnnotation, kOciRefNameAnnotation}) {
    auto it = entry.annotations.find(std::string(key));
    if (it != entry.annotations.end() && !it->second.empty()) return it->second;
  }
  return {};
}

}  // namespace nook::image
