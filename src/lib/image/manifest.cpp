#include "image/manifest.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "image/reference.hpp"
#include "image/untrusted_json.hpp"
#include "oci/json_path.hpp"
#include "sys/error.hpp"

namespace nook::image {

using nlohmann::json;
using nlohmann::ordered_json;
using oci::json_array_size;
using oci::json_expect_object;
using oci::json_fail;
using oci::json_get;
using oci::json_optional;
using oci::json_quote;
using oci::json_required;
using oci::json_string;
using oci::json_string_array;
using oci::json_string_map;
using oci::JsonAt;

namespace {

constexpr std::string_view kManifestDoc = "manifest";
constexpr std::string_view kIndexDoc = "manifest list";

// Refusals of well-formed content nook does not handle: not "invalid", but
// still pointing at the member that decided it.
[[noreturn]] void refuse(const JsonAt& at, const std::string& why) {
  throw Error(std::string(at.doc) + ": " + at.path + ": " + why);
}

[[noreturn]] void refuse_schema1(std::string_view what) {
  throw Error("unsupported manifest format: Docker Registry schema 1 (" + std::string(what) +
              "); push the image again with a current client");
}

// The media type of a Content-Type header: parameters dropped, lowercase.
std::string bare_media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (semi != std::string_view::npos) content_type = content_type.substr(0, semi);
  while (!content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t'))
    content_type.remove_prefix(1);
  while (!content_type.empty() && (content_type.back() == ' ' || content_type.back() == '\t'))
    content_type.remove_suffix(1);
  std::string out(content_type);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Content-Types that say nothing about the document: some registries and
// static file servers answer every manifest with one of these.
bool is_generic_content_type(std::string_view type) {
  return type.empty() || type == "application/json" || type == "text/plain" ||
         type == "application/octet-stream";
}

bool is_schema1(std::string_view type) {
  return type == media_type::docker_schema1 || type == media_type::docker_schema1_signed;
}

std::optional<ManifestKind> kind_of(std::string_view type) {
  if (is_manifest_media_type(type)) return ManifestKind::image_manifest;
  if (is_index_media_type(type)) return ManifestKind::image_index;
  return std::nullopt;
}

const char* kind_name(ManifestKind k) {
  return k == ManifestKind::image_manifest ? "an image manifest" : "a manifest list";
}

struct Classified {
  ManifestKind kind;
  std::string media_type;  // effective
};

Classified classify_json(const json& doc, std::string_view content_type) {
  std::string ct = bare_media_type(content_type);
  if (is_schema1(ct)) refuse_schema1(ct);

  JsonAt root{doc, "", kManifestDoc};
  json_expect_object(root);
  std::string body_type;
  std::optional<JsonAt> body_type_at = json_optional(root, "mediaType");
  if (body_type_at) body_type = json_string(*body_type_at);

  // Schema 1 first: its documents are otherwise valid JSON that would fail
  // later checks with a message that hides the real problem.
  auto version = json_optional(root, "schemaVersion");
  if (version && version->value.is_number_integer() && version->value == 1)
    refuse_schema1(is_schema1(body_type) ? body_type : std::string("schemaVersion 1"));
  if (is_schema1(body_type)) refuse_schema1(body_type);
  if (!version) json_fail(kManifestDoc, "schemaVersion", "required field is missing");
  int64_t v = oci::json_int64(*version);
  if (v != 2)
    json_fail(*version, "unsupported schemaVersion " + std::to_string(v) +
                            " (OCI and Docker schema 2 manifests have 2)");

  bool has_layers = json_optional(root, "layers").has_value();
  bool has_config = json_optional(root, "config").has_value();
  bool has_manifests = json_optional(root, "manifests").has_value();
  if (has_layers && has_manifests)
    json_fail(root,
              "has both \"layers\" and \"manifests\": it is neither an image manifest nor a "
              "manifest list");
  if (has_config && has_manifests)
    json_fail(root,
              "has both \"config\" and \"manifests\": it is neither an image manifest nor a "
              "manifest list");
  std::optional<ManifestKind> shape;
  if (has_manifests)
    shape = ManifestKind::image_index;
  else if (has_layers || has_config)
    shape = ManifestKind::image_manifest;

  Classified out;
  if (!is_generic_content_type(ct)) {
    auto kind = kind_of(ct);
    if (!kind) throw Error("unsupported manifest media type " + json_quote(ct));
    // A document that contradicts the registry's own Content-Type is refused
    // rather than guessed at: one of the two lies, and the digest the
    // caller verified covers the bytes, not the header.
    if (body_type_at && body_type != ct)
      json_fail(*body_type_at, json_quote(body_type) + " contradicts the registry's Content-Type " +
                                   json_quote(ct));
    if (shape && *shape != *kind)
      json_fail(root, std::string("the registry's Content-Type ") + json_quote(ct) + " says " +
                          kind_name(*kind) + ", but the document is " + kind_name(*shape));
    out.kind = *kind;
    out.media_type = ct;
  } else if (body_type_at) {
    auto kind = kind_of(body_type);
    if (!kind) throw Error("unsupported manifest media type " + json_quote(body_type));
    if (shape && *shape != *kind)
      json_fail(*body_type_at, json_quote(body_type) + " says " + kind_name(*kind) +
                                   ", but the document is " + kind_name(*shape));
    out.kind = *kind;
    out.media_type = body_type;
  } else {
    // Only OCI documents may leave mediaType out (Docker's always set it).
    if (!shape)
      json_fail(root,
                "no mediaType, \"layers\" or \"manifests\": cannot tell what kind of manifest "
                "this is");
    out.kind = *shape;
    out.media_type = std::string(*shape == ManifestKind::image_index ? media_type::oci_index
                                                                     : media_type::oci_manifest);
  }
  return out;
}

int64_t parse_size(const JsonAt& at) {
  if (at.value.is_number_integer() && !at.value.is_number_unsigned() && at.value.get<int64_t>() < 0)
    json_fail(at, "must not be negative, got " + at.value.dump());
  return oci::json_int64(at, 0);
}

void parse_digest_into(const JsonAt& at, std::string& out) {
  out = json_string(at);
  try {
    check_digest(out);
  } catch (const Error& e) {
    json_fail(at, e.what() + std::string(": ") + json_quote(out));
  }
}

Platform parse_platform_object(const JsonAt& at) {
  json_expect_object(at);
  Platform p;
  p.architecture = json_string(json_required(at, "architecture"));
  p.os = json_string(json_required(at, "os"));
  p.variant = json_get(at, "variant", json_string).value_or("");
  p.os_version = json_get(at, "os.version", json_string).value_or("");
  if (auto m = json_optional(at, "os.features")) p.os_features = json_string_array(*m);
  return p;
}

Descriptor parse_descriptor(const JsonAt& at) {
  json_expect_object(at);
  Descriptor d;
  d.media_type = json_string(json_required(at, "mediaType"));
  parse_digest_into(json_required(at, "digest"), d.digest);
  d.size = parse_size(json_required(at, "size"));
  if (auto m = json_optional(at, "urls")) d.urls = json_string_array(*m);
  if (auto m = json_optional(at, "annotations")) d.annotations = json_string_map(*m);
  if (auto m = json_optional(at, "platform")) d.platform = parse_platform_object(*m);
  d.artifact_type = json_get(at, "artifactType", json_string).value_or("");
  return d;
}

std::vector<Descriptor> parse_descriptors(const JsonAt& at) {
  size_t n = json_array_size(at);
  std::vector<Descriptor> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(parse_descriptor(at.element(i)));
  return out;
}

void check_layer(const JsonAt& at, const Descriptor& layer) {
  if (is_supported_layer_media_type(layer.media_type)) return;
  JsonAt type = at.member("mediaType");
  if (layer.media_type == media_type::docker_foreign_layer_gzip) {
    std::string from =
        layer.urls.empty() ? "" : " (it would come from " + json_quote(layer.urls[0]) + ")";
    refuse(type, "foreign layers are not supported" + from);
  }
  refuse(type, "unsupported layer media type " + json_quote(layer.media_type));
}

// ---- emit ------------------------------------------------------------------

ordered_json emit_platform(const Platform& p) {
  ordered_json j = ordered_json::object();
  j["architecture"] = p.architecture;
  j["os"] = p.os;
  if (!p.os_version.empty()) j["os.version"] = p.os_version;
  if (!p.os_features.empty()) j["os.features"] = p.os_features;
  if (!p.variant.empty()) j["variant"] = p.variant;
  return j;
}

ordered_json emit_descriptor(const Descriptor& d) {
  ordered_json j = ordered_json::object();
  j["mediaType"] = d.media_type;
  if (!d.artifact_type.empty()) j["artifactType"] = d.artifact_type;
  j["digest"] = d.digest;
  j["size"] = d.size;
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) j["platform"] = emit_platform(*d.platform);
  return j;
}

ordered_json emit_descriptors(const std::vector<Descriptor>& v) {
  ordered_json a = ordered_json::array();
  for (const auto& d : v) a.push_back(emit_descriptor(d));
  return a;
}

std::string dump(const ordered_json& j, std::string_view what) {
  try {
    return j.dump();
  } catch (const json::exception&) {
    // Only invalid UTF-8 makes dump() throw; it can come from a caller's
    // strings, never from a parsed document.
    throw Error("emit " + std::string(what) + ": a string is not valid UTF-8");
  }
}

// Schema 1 is refused by its Content-Type before the body is even parsed:
// whatever it contains, nook cannot use it.
json parse_manifest_json(std::string_view bytes, std::string_view content_type) {
  std::string ct = bare_media_type(content_type);
  if (is_schema1(ct)) refuse_schema1(ct);
  return parse_untrusted_json(bytes, kManifestDoc, kManifestSizeLimit);
}

}  // namespace

bool is_manifest_media_type(std::string_view type) {
  return type == media_type::oci_manifest || type == media_type::docker_manifest;
}

bool is_index_media_type(std::string_view type) {
  return type == media_type::oci_index || type == media_type::docker_manifest_list;
}

bool is_image_config_media_type(std::string_view type) {
  return type == media_type::oci_config || type == media_type::docker_config;
}

bool is_supported_layer_media_type(std::string_view type) {
  static constexpr std::array kTypes = {
      media_type::oci_layer,
      media_type::oci_layer_gzip,
      media_type::oci_layer_zstd,
      media_type::oci_layer_nondistributable,
      media_type::oci_layer_nondistributable_gzip,
      media_type::oci_layer_nondistributable_zstd,
      media_type::docker_layer,
      media_type::docker_layer_gzip,
  };
  return std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
}

ManifestKind classify_manifest(std::string_view bytes, std::string_view content_type) {
  json doc = parse_manifest_json(bytes, content_type);
  return classify_json(doc, content_type).kind;
}

ImageManifest parse_image_manifest(std::string_view bytes, std::string_view content_type) {
  json doc = parse_manifest_json(bytes, content_type);
  Classified c = classify_json(doc, content_type);
  if (c.kind != ManifestKind::image_manifest)
    throw Error("expected an image manifest, got a manifest list (" + c.media_type + ")");

  JsonAt root{doc, "", kManifestDoc};
  ImageManifest m;
  m.schema_version = 2;
  m.media_type = c.media_type;

  JsonAt config = json_required(root, "config");
  m.config = parse_descriptor(config);
  if (!is_image_config_media_type(m.config.media_type)) {
    std::string why = "not a container image (config media type " + json_quote(m.config.media_type);
    if (auto a = json_optional(root, "artifactType")) why += ", artifact type " + a->value.dump();
    throw Error(why + ")");
  }

  JsonAt layers = json_required(root, "layers");
  m.layers = parse_descriptors(layers);
  for (size_t i = 0; i < m.layers.size(); ++i) check_layer(layers.element(i), m.layers[i]);

  if (auto s = json_optional(root, "subject")) m.subject = parse_descriptor(*s);
  if (auto a = json_optional(root, "annotations")) m.annotations = json_string_map(*a);
  return m;
}

ImageIndex parse_image_index(std::string_view bytes, std::string_view content_type) {
  json doc = parse_manifest_json(bytes, content_type);
  Classified c = classify_json(doc, content_type);
  if (c.kind != ManifestKind::image_index)
    throw Error("expected a manifest list, got an image manifest (" + c.media_type + ")");

  JsonAt root{doc, "", kIndexDoc};
  ImageIndex x;
  x.schema_version = 2;
  x.media_type = c.media_type;
  x.manifests = parse_descriptors(json_required(root, "manifests"));
  if (auto a = json_optional(root, "annotations")) x.annotations = json_string_map(*a);
  return x;
}

std::string emit_image_manifest(const ImageManifest& m) {
  ordered_json j = ordered_json::object();
  j["schemaVersion"] = m.schema_version;
  if (!m.media_type.empty()) j["mediaType"] = m.media_type;
  j["config"] = emit_descriptor(m.config);
  j["layers"] = emit_descriptors(m.layers);
  if (m.subject) j["subject"] = emit_descriptor(*m.subject);
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  return dump(j, "manifest");
}

std::string emit_image_index(const ImageIndex& x) {
  ordered_json j = ordered_json::object();
  j["schemaVersion"] = x.schema_version;
  if (!x.media_type.empty()) j["mediaType"] = x.media_type;
  j["manifests"] = emit_descriptors(x.manifests);
  if (!x.annotations.empty()) j["annotations"] = x.annotations;
  return dump(j, "manifest list");
}

}  // namespace nook::image
