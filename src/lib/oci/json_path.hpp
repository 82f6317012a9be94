#pragma once
// Typed reads from a parsed JSON document that know where they are, so that
// every rejection can name the offending value by its JSON path:
//   invalid config.json: linux.namespaces[2].type: unknown namespace "foo"
// Used by the runtime-spec parser; generic enough for other OCI documents.
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nook::oci {

// A JSON value and the path that led to it. `doc` names the document in
// messages ("config.json"); the referenced strings and value must outlive it.
struct JsonAt {
  const nlohmann::json& value;
  std::string path;  // "" for the document root
  std::string_view doc;

  JsonAt member(std::string_view key) const;  // unchecked: value must hold key
  JsonAt element(size_t index) const;         // unchecked: value must be an array
};

// Throws Error("invalid <doc>: <path>: <why>").
[[noreturn]] void json_fail(std::string_view doc, const std::string& path, const std::string& why);
[[noreturn]] inline void json_fail(const JsonAt& at, const std::string& why) {
  json_fail(at.doc, at.path, why);
}

// Parses text; a syntax error throws Error("invalid <doc>: <parser message>").
nlohmann::json json_parse(std::string_view text, std::string_view doc);

// "string", "array", ... or, for numbers, the number itself (so that "-1" and
// "1.5" explain themselves in "expected an unsigned integer, got -1").
std::string json_describe(const nlohmann::json& v);
// `"text"` with control characters escaped, for quoting input in messages.
std::string json_quote(std::string_view s);
// A member name as it appears in a path: `key` or `["odd.key"]`.
std::string json_path_join(const std::string& parent, std::string_view key);

void json_expect_object(const JsonAt& at);
// The member, or nullopt when absent or null (null means "not set", as Go's
// decoder treats it). `at` must be an object.
std::optional<JsonAt> json_optional(const JsonAt& at, std::string_view key);
// The member; absent or null fails with "<path>.<key>: required field is missing".
JsonAt json_required(const JsonAt& at, std::string_view key);

std::string json_string(const JsonAt& at);  // rejects NUL bytes
bool json_bool(const JsonAt& at);
uint64_t json_uint64(const JsonAt& at, uint64_t max = std::numeric_limits<uint64_t>::max());
int64_t json_int64(const JsonAt& at, int64_t min = std::numeric_limits<int64_t>::min(),
                   int64_t max = std::numeric_limits<int64_t>::max());
// Number of elements; fails unless an array.
size_t json_array_size(const JsonAt& at);
std::vector<std::string> json_string_array(const JsonAt& at);
std::map<std::string, std::string> json_string_map(const JsonAt& at);

template <typename T>
T json_uint(const JsonAt& at) {
  static_assert(std::is_unsigned_v<T>);
  return static_cast<T>(json_uint64(at, std::numeric_limits<T>::max()));
}

template <typename T>
T json_int(const JsonAt& at) {
  static_assert(std::is_signed_v<T>);
  return static_cast<T>(
      json_int64(at, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
}

// Convenience: optional member read with a reader, e.g.
//   s.hostname = json_get(obj, "hostname", json_string).value_or("");
template <typename F>
auto json_get(const JsonAt& at, std::string_view key, F&& read)
    -> std::optional<decltype(read(std::declval<const JsonAt&>()))> {
  if (auto m = json_optional(at, key)) return read(*m);
  return std::nullopt;
}

}  // namespace nook::oci
