#include "image/image_config.hpp"

#include <algorithm>

#include "image/reference.hpp"
#include "image/untrusted_json.hpp"
#include "oci/json_path.hpp"
#include "sys/error.hpp"

namespace nook::image {

using nlohmann::json;
using oci::json_array_size;
using oci::json_expect_object;
using oci::json_fail;
using oci::json_get;
using oci::json_optional;
using oci::json_path_join;
using oci::json_quote;
using oci::json_required;
using oci::json_string;
using oci::json_string_array;
using oci::json_string_map;
using oci::JsonAt;

namespace {

constexpr std::string_view kConfigDoc = "image config";

// ---- parse -----------------------------------------------------------------

std::string parse_time(const JsonAt& at) {
  std::string s = json_string(at);
  if (!is_rfc3339_time(s)) json_fail(at, "not an RFC 3339 time: " + json_quote(s));
  return s;
}

// An object used as a set (ExposedPorts, Volumes): the keys; each value is
// Go's struct{}, so an object or null.
std::set<std::string> parse_key_set(const JsonAt& at) {
  json_expect_object(at);
  std::set<std::string> out;
  for (const auto& [key, value] : at.value.items()) {
    JsonAt m{value, json_path_join(at.path, key), at.doc};
    if (key.find('\0') != std::string::npos) json_fail(m, "key contains a NUL byte");
    if (!value.is_null()) json_expect_object(m);
    out.insert(key);
  }
  return out;
}

std::vector<std::string> parse_args(const JsonAt& at) {
  if (at.value.is_string()) return {json_string(at)};
  return json_string_array(at);
}

json parse_healthcheck(const JsonAt& at) {
  json_expect_object(at);
  if (auto m = json_optional(at, "Test")) json_string_array(*m);
  for (const char* key : {"Interval", "Timeout", "StartPeriod", "StartInterval"})
    if (auto m = json_optional(at, key)) oci::json_int64(*m, 0);  // nanoseconds
  if (auto m = json_optional(at, "Retries")) oci::json_int64(*m);
  return at.value;
}

ContainerConfig parse_container_config(const JsonAt& at) {
  json_expect_object(at);
  ContainerConfig c;
  c.user = json_get(at, "User", json_string).value_or("");
  if (auto m = json_optional(at, "ExposedPorts")) c.exposed_ports = parse_key_set(*m);
  if (auto m = json_optional(at, "Env")) c.env = json_string_array(*m);
  if (auto m = json_optional(at, "Entrypoint")) c.entrypoint = parse_args(*m);
  if (auto m = json_optional(at, "Cmd")) c.cmd = parse_args(*m);
  if (auto m = json_optional(at, "Volumes")) c.volumes = parse_key_set(*m);
  c.working_dir = json_get(at, "WorkingDir", json_string).value_or("");
  if (auto m = json_optional(at, "Labels")) c.labels = json_string_map(*m);
  c.stop_signal = json_get(at, "StopSignal", json_string).value_or("");
  if (auto m = json_optional(at, "Healthcheck")) c.healthcheck = parse_healthcheck(*m);
  if (auto m = json_optional(at, "OnBuild")) {
    json_string_array(*m);
    c.on_build = m->value;
  }
  return c;
}

RootFs parse_rootfs(const JsonAt& at) {
  json_expect_object(at);
  RootFs r;
  JsonAt type = json_required(at, "type");
  r.type = json_string(type);
  if (r.type != "layers") json_fail(type, "must be \"layers\", got " + json_quote(r.type));
  JsonAt ids = json_required(at, "diff_ids");
  r.diff_ids = json_string_array(ids);
  for (size_t i = 0; i < r.diff_ids.size(); ++i) {
    try {
      check_digest(r.diff_ids[i]);
    } catch (const Error& e) {
      json_fail(ids.element(i), e.what() + std::string(": ") + json_quote(r.diff_ids[i]));
    }
  }
  return r;
}

HistoryEntry parse_history_entry(const JsonAt& at) {
  json_expect_object(at);
  HistoryEntry h;
  if (auto m = json_optional(at, "created")) h.created = parse_time(*m);
  h.created_by = json_get(at, "created_by", json_string).value_or("");
  h.author = json_get(at, "author", json_string).value_or("");
  h.comment = json_get(at, "comment", json_string).value_or("");
  h.empty_layer = json_get(at, "empty_layer", oci::json_bool).value_or(false);
  return h;
}

// ---- emit ------------------------------------------------------------------
// Each writer puts the struct's value into obj. A default value is written
// only where the document already had the member non-null, so that absent
// stays absent and null stays null: that is what makes emit(parse(x))
// reproduce x's shape and parse ∘ emit the identity.

bool present(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && !it->is_null();
}

void put_string(json& obj, const char* key, const std::string& v) {
  if (!v.empty() || present(obj, key)) obj[key] = v;
}

// Timestamps: "" is not a time, so a cleared one goes away.
void put_time(json& obj, const char* key, const std::string& v) {
  if (!v.empty())
    obj[key] = v;
  else if (present(obj, key))
    obj.erase(key);
}

void put_bool(json& obj, const char* key, bool v) {
  if (v || present(obj, key)) obj[key] = v;
}

void put_strings(json& obj, const char* key, const std::vector<std::string>& v) {
  if (!v.empty() || present(obj, key)) obj[key] = v;
}

void put_optional_strings(json& obj, const char* key,
                          const std::optional<std::vector<std::string>>& v) {
  if (v)
    obj[key] = *v;
  else if (obj.contains(key))
    obj[key] = nullptr;
}

void put_optional_json(json& obj, const char* key, const std::optional<json>& v) {
  if (v)
    obj[key] = *v;
  else if (obj.contains(key))
    obj[key] = nullptr;
}

void put_map(json& obj, const char* key, const std::map<std::string, std::string>& v) {
  if (!v.empty() || present(obj, key)) obj[key] = v;
}

void put_key_set(json& obj, const char* key, const std::set<std::string>& v) {
  if (v.empty() && !present(obj, key)) return;
  json set = json::object();
  for (const auto& k : v) set[k] = json::object();
  obj[key] = std::move(set);
}

json object_or_empty(const json& base, const char* key) {
  auto it = base.find(key);
  return it != base.end() && it->is_object() ? *it : json::object();
}

json build_container_config(const ContainerConfig& c, json obj) {
  put_string(obj, "User", c.user);
  put_key_set(obj, "ExposedPorts", c.exposed_ports);
  put_strings(obj, "Env", c.env);
  put_optional_strings(obj, "Entrypoint", c.entrypoint);
  put_optional_strings(obj, "Cmd", c.cmd);
  put_key_set(obj, "Volumes", c.volumes);
  put_string(obj, "WorkingDir", c.working_dir);
  put_map(obj, "Labels", c.labels);
  put_string(obj, "StopSignal", c.stop_signal);
  put_optional_json(obj, "Healthcheck", c.healthcheck);
  put_optional_json(obj, "OnBuild", c.on_build);
  return obj;
}

json build_history_entry(const HistoryEntry& h, json obj) {
  put_time(obj, "created", h.created);
  put_string(obj, "created_by", h.created_by);
  put_string(obj, "author", h.author);
  put_string(obj, "comment", h.comment);
  put_bool(obj, "empty_layer", h.empty_layer);
  return obj;
}

json build_config(const ImageConfig& x) {
  json out = x.raw.is_object() ? x.raw : json::object();
  put_time(out, "created", x.created);
  put_string(out, "author", x.author);
  put_string(out, "architecture", x.architecture);
  put_string(out, "os", x.os);
  put_string(out, "variant", x.variant);
  put_string(out, "os.version", x.os_version);

  if (x.config != ContainerConfig{} || present(out, "config"))
    out["config"] = build_container_config(x.config, object_or_empty(out, "config"));

  json rootfs = object_or_empty(out, "rootfs");
  rootfs["type"] = x.rootfs.type;
  rootfs["diff_ids"] = x.rootfs.diff_ids;
  out["rootfs"] = std::move(rootfs);

  if (!x.history.empty() || present(out, "history")) {
    const json* old = nullptr;
    if (auto it = out.find("history"); it != out.end() && it->is_array()) old = &*it;
    json history = json::array();
    for (size_t i = 0; i < x.history.size(); ++i) {
      json base = old && i < old->size() && (*old)[i].is_object() ? (*old)[i] : json::object();
      history.push_back(build_history_entry(x.history[i], std::move(base)));
    }
    out["history"] = std::move(history);
  }
  return out;
}

// ---- RFC 3339 --------------------------------------------------------------

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

bool is_rfc3339_time(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || s[10] != 'T' || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59)
    return false;
  size_t pos = 19;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return false;  // Go reads any number of digits, keeps nine
  }
  if (pos < s.size() && s[pos] == 'Z') return pos + 1 == s.size();
  int oh, om;
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || !digits(s, pos + 1, 2, oh) ||
      s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
    return false;
  return oh <= 23 && om <= 59;
}

ImageConfig parse_image_config(std::string_view bytes) {
  json doc = parse_untrusted_json(bytes, kConfigDoc, kManifestSizeLimit);
  JsonAt root{doc, "", kConfigDoc};
  json_expect_object(root);

  ImageConfig x;
  if (auto m = json_optional(root, "created")) x.created = parse_time(*m);
  x.author = json_get(root, "author", json_string).value_or("");
  x.architecture = json_get(root, "architecture", json_string).value_or("");
  x.os = json_get(root, "os", json_string).value_or("");
  x.variant = json_get(root, "variant", json_string).value_or("");
  x.os_version = json_get(root, "os.version", json_string).value_or("");
  if (auto m = json_optional(root, "config")) x.config = parse_container_config(*m);
  x.rootfs = parse_rootfs(json_required(root, "rootfs"));
  if (auto m = json_optional(root, "history")) {
    size_t n = json_array_size(*m);
    x.history.reserve(n);
    for (size_t i = 0; i < n; ++i) x.history.push_back(parse_history_entry(m->element(i)));
  }
  x.raw = std::move(doc);
  x.raw = build_config(x);
  return x;
}

std::string emit_image_config(const ImageConfig& config) {
  try {
    return build_config(config).dump();
  } catch (const json::exception&) {
    // Only invalid UTF-8 makes dump() throw; it can come from a caller's
    // strings, never from a parsed document.
    throw Error("emit image config: a string is not valid UTF-8");
  }
}

void check_manifest_config(const ImageManifest& manifest, const ImageConfig& config) {
  size_t layers = manifest.layers.size(), ids = config.rootfs.diff_ids.size();
  if (layers != ids)
    throw Error("the manifest lists " + std::to_string(layers) + " layer" +
                (layers == 1 ? "" : "s") + " but the image config has " + std::to_string(ids) +
                " (rootfs.diff_ids): the image is broken");
}

size_t non_empty_history_count(const ImageConfig& config) {
  return static_cast<size_t>(std::count_if(config.history.begin(), config.history.end(),
                                           [](const HistoryEntry& h) { return !h.empty_layer; }));
}

void check_history(const ImageConfig& config) {
  if (config.history.empty()) return;
  size_t n = non_empty_history_count(config), ids = config.rootfs.diff_ids.size();
  if (n != ids)
    throw Error("image config: history lists " + std::to_string(n) +
                " non-empty layers, but rootfs.diff_ids has " + std::to_string(ids));
}

}  // namespace nook::image
