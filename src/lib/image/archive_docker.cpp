#include "image/archive_docker.hpp"

#include "image/archive_files.hpp"
#include "image/digest.hpp"
#include "image/untrusted_json.hpp"
#include "oci/json_path.hpp"
#include "sys/error.hpp"

namespace nook::image {

using nlohmann::json;
using oci::json_array_size;
using oci::json_expect_object;
using oci::json_fail;
using oci::json_optional;
using oci::json_required;
using oci::json_string;
using oci::JsonAt;

namespace {

constexpr std::string_view kDoc = "manifest.json";

std::string archive_path(const JsonAt& at) {
  std::string s = json_string(at);
  if (s.empty()) json_fail(at, "empty path");
  try {
    std::string clean = clean_archive_name(s, "path");
    if (clean.empty()) json_fail(at, "path names the archive itself");
    return clean;
  } catch (const Error& e) {
    json_fail(at, e.what());
  }
}

}  // namespace

std::vector<DockerArchiveImage> parse_docker_archive_manifest(std::string_view bytes) {
  json doc = parse_untrusted_json(bytes, kDoc, kDockerArchiveManifestLimit);
  JsonAt root{doc, "", kDoc};
  size_t n = json_array_size(root);
  if (n == 0) json_fail(root, "no images in the archive");
  std::vector<DockerArchiveImage> out;
  for (size_t i = 0; i < n; ++i) {
    JsonAt item = root.element(i);
    json_expect_object(item);
    DockerArchiveImage img;
    img.config = archive_path(json_required(item, "Config"));
    if (auto tags = json_optional(item, "RepoTags")) {
      size_t t = json_array_size(*tags);
      for (size_t j = 0; j < t; ++j) img.repo_tags.push_back(json_string(tags->element(j)));
    }
    JsonAt layers = json_required(item, "Layers");
    size_t l = json_array_size(layers);
    for (size_t j = 0; j < l; ++j) img.layers.push_back(archive_path(layers.element(j)));
    out.push_back(std::move(img));
  }
  return out;
}

std::string emit_docker_archive_manifest(const std::vector<DockerArchiveImage>& images) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const DockerArchiveImage& img : images) {
    nlohmann::ordered_json item;
    item["Config"] = img.config;
    item["RepoTags"] = img.repo_tags;
    item["Layers"] = img.layers;
    out.push_back(std::move(item));
  }
  return out.dump();
}

std::vector<std::string> docker_legacy_layer_ids(const std::vector<std::string>& diff_ids,
                                                 std::string_view config_digest) {
  std::vector<std::string> ids;
  std::string parent;
  for (size_t i = 0; i < diff_ids.size(); ++i) {
    std::string input = parent + " " + diff_ids[i];
    if (i + 1 == diff_ids.size()) input += " " + std::string(config_digest);
    parent = digest_hex(compute_digest(input));
    ids.push_back(parent);
  }
  return ids;
}

}  // namespace nook::image
