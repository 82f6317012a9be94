#include "oci/json_path.hpp"

#include <cstdio>

#include "sys/error.hpp"

namespace nook::oci {

using nlohmann::json;

namespace {

bool is_plain_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string json_path_join(const std::string& parent, std::string_view key) {
  if (is_plain_key(key)) return parent.empty() ? std::string(key) : parent + "." + std::string(key);
  return parent + "[" + json_quote(key) + "]";
}

JsonAt JsonAt::member(std::string_view key) const {
  return JsonAt{value.find(key).value(), json_path_join(path, key), doc};
}

JsonAt JsonAt::element(size_t index) const {
  return JsonAt{value[index], path + "[" + std::to_string(index) + "]", doc};
}

void json_fail(std::string_view doc, const std::string& path, const std::string& why) {
  std::string msg = "invalid " + std::string(doc) + ": ";
  if (!path.empty()) msg += path + ": ";
  throw Error(msg + why);
}

json json_parse(std::string_view text, std::string_view doc) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag: users want the
    // line/column and what was wrong, not the library's error number.
    std::string what = e.what();
    if (!what.empty() && what[0] == '[') {
      auto end = what.find("] ");
      if (end != std::string::npos) what.erase(0, end + 2);
    }
    json_fail(doc, "", what);
  }
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string json_describe(const json& v) {
  if (v.is_number()) return v.dump();
  return v.type_name();
}

void json_expect_object(const JsonAt& at) {
  if (!at.value.is_object()) json_fail(at, "expected an object, got " + json_describe(at.value));
}

std::optional<JsonAt> json_optional(const JsonAt& at, std::string_view key) {
  auto it = at.value.find(key);
  if (it == at.value.end() || it->is_null()) return std::nullopt;
  return JsonAt{*it, json_path_join(at.path, key), at.doc};
}

JsonAt json_required(const JsonAt& at, std::string_view key) {
  auto m = json_optional(at, key);
  if (!m) json_fail(at.doc, json_path_join(at.path, key), "required field is missing");
  return *m;
}

std::string json_string(const JsonAt& at) {
  if (!at.value.is_string()) json_fail(at, "expected a string, got " + json_describe(at.value));
  const auto& s = at.value.get_ref<const std::string&>();
  // Every string here ends up in a C string (a path, argv, a file); an
  // embedded NUL would silently cut it short.
  if (s.find('\0') != std::string::npos) json_fail(at, "string contains a NUL byte");
  return s;
}

bool json_bool(const JsonAt& at) {
  if (!at.value.is_boolean()) json_fail(at, "expected a boolean, got " + json_describe(at.value));
  return at.value.get<bool>();
}

uint64_t json_uint64(const JsonAt& at, uint64_t max) {
  uint64_t v = 0;
  if (at.value.is_number_unsigned()) {
    v = at.value.get<uint64_t>();
  } else if (at.value.is_number_integer() && at.value.get<int64_t>() >= 0) {
    v = static_cast<uint64_t>(at.value.get<int64_t>());
  } else {
    json_fail(at, "expected an unsigned integer, got " + json_describe(at.value));
  }
  if (v > max)
    json_fail(at, "value " + std::to_string(v) + " out of range (max " + std::to_string(max) + ")");
  return v;
}

int64_t json_int64(const JsonAt& at, int64_t min, int64_t max) {
  auto out_of_range = [&] {
    json_fail(at, "value " + at.value.dump() + " out of range (" + std::to_string(min) + " to " +
                      std::to_string(max) + ")");
  };
  int64_t v = 0;
  if (at.value.is_number_unsigned()) {
    // nlohmann stores every non-negative integer as unsigned.
    uint64_t u = at.value.get<uint64_t>();
    if (u > static_cast<uint64_t>(max)) out_of_range();
    v = static_cast<int64_t>(u);
  } else if (at.value.is_number_integer()) {
    v = at.value.get<int64_t>();
  } else {
    json_fail(at, "expected an integer, got " + json_describe(at.value));
  }
  if (v < min || v > max) out_of_range();
  return v;
}

size_t json_array_size(const JsonAt& at) {
  if (!at.value.is_array()) json_fail(at, "expected an array, got " + json_describe(at.value));
  return at.value.size();
}

std::vector<std::string> json_string_array(const JsonAt& at) {
  size_t n = json_array_size(at);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(json_string(at.element(i)));
  return out;
}

std::map<std::string, std::string> json_string_map(const JsonAt& at) {
  json_expect_object(at);
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : at.value.items()) {
    JsonAt m{value, json_path_join(at.path, key), at.doc};
    if (key.find('\0') != std::string::npos) json_fail(m, "key contains a NUL byte");
    out.emplace(key, json_string(m));
  }
  return out;
}

}  // namespace nook::oci
