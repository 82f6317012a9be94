#pragma once
// The OCI image layout (image-spec image-layout.md), as a directory
// (oci-dir) or a tar of one (oci-archive):
//   oci-layout          {"imageLayoutVersion": "1.0.0"}
//   index.json          an image index; each image's descriptor carries
//                       org.opencontainers.image.ref.name = its name
//   blobs/<alg>/<hex>   manifests, configs and layers, content-addressed
// podman writes the full name ("localhost/foo:latest") as ref.name; docker
// (since 25) writes the tag there and the full name as
// io.containerd.image.name, which is preferred when present.
#include <string>
#include <string_view>

#include "image/manifest.hpp"

namespace nook::image {

inline constexpr std::string_view kOciLayoutFile = "oci-layout";
inline constexpr std::string_view kOciIndexFile = "index.json";
inline constexpr std::string_view kOciRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";

// What an oci-layout file holds.
std::string emit_oci_layout();
// Throws nook::Error unless bytes are an oci-layout file of version 1.x.
void check_oci_layout(std::string_view bytes);

// "blobs/sha256/<hex>" for a digest (validated: it cannot name another path).
std::string oci_blob_path(std::string_view digest);

// The name an index entry gives its image: io.containerd.image.name, else
// ref.name; "" when it has neither.
std::string oci_entry_name(const Descriptor& entry);

}  // namespace nook::image
