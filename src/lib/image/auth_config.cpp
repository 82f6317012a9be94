#include "image/auth_config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "image/base64.hpp"
#include "image/credential_helper.hpp"
#include "image/user_dirs.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

using nlohmann::json;

constexpr const char* kOp = "read credentials";

// docker.io has several names; containers/image's normalizeRegistry.
std::string normalize_registry(std::string_view r) {
  if (r == "docker.io" || r == "registry-1.docker.io") return "index.docker.io";
  return std::string(r);
}

// containers/image's normalizeAuthFileKey: URL keys lose scheme and path.
std::string normalize_key(std::string_view key) {
  std::string_view s = key;
  bool url = false;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (s.starts_with(scheme)) {
      s.remove_prefix(scheme.size());
      url = true;
    }
  }
  if (url) s = s.substr(0, s.find('/'));
  return normalize_registry(s);
}

json parse_file(std::string_view text, const std::string& path) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw Error(kOp, path, 0, "malformed JSON");
  if (!doc.is_object()) throw Error(kOp, path, 0, "expected a JSON object");
  if (doc.contains("auths") && !doc["auths"].is_object())
    throw Error(kOp, path, 0, "\"auths\" must be an object");
  if (doc.contains("credHelpers") && !doc["credHelpers"].is_object())
    throw Error(kOp, path, 0, "\"credHelpers\" must be an object");
  return doc;
}

std::string string_field(const json& entry, const char* name, const std::string& path,
                         const std::string& key) {
  auto it = entry.find(name);
  if (it == entry.end() || it->is_null()) return {};
  if (!it->is_string())
    throw Error(kOp, path, 0, "auths \"" + key + "\": \"" + name + "\" must be a string");
  return it->get<std::string>();
}

// nullopt for an empty entry (docker's marker that a helper holds them).
std::optional<Credentials> decode_entry(const json& entry, const std::string& path,
                                        const std::string& key) {
  if (!entry.is_object()) throw Error(kOp, path, 0, "auths \"" + key + "\" must be an object");
  Credentials c;
  c.file = path;
  c.key = key;
  c.identity_token = string_field(entry, "identitytoken", path, key);
  std::string auth = string_field(entry, "auth", path, key);
  if (auth.empty()) {
    if (c.identity_token.empty()) return std::nullopt;
    return c;
  }
  auto decoded = base64_decode(auth);
  // Never put any of the secret in the message.
  if (!decoded) throw Error(kOp, path, 0, "auths \"" + key + "\": \"auth\" is not valid base64");
  auto colon = decoded->find(':');
  if (colon == std::string::npos)
    throw Error(kOp, path, 0,
                "auths \"" + key + "\": \"auth\" is not base64 of \"user:password\" (no colon)");
  c.username = decoded->substr(0, colon);
  c.password = decoded->substr(colon + 1);
  // Some writers pad the password with NULs (containers/image trims them too).
  while (!c.password.empty() && c.password.back() == '\0') c.password.pop_back();
  while (!c.password.empty() && c.password.front() == '\0') c.password.erase(0, 1);
  return c;
}

Credentials held_by_helper(const std::string& path, const std::string& key,
                           const std::string& helper) {
  Credentials c;
  c.file = path;
  c.key = key;
  c.helper = helper;
  return c;
}

std::string runtime_auth_path() {
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x)
    return std::string(x) + "/containers/auth.json";
  return "/run/containers/" + std::to_string(::getuid()) + "/auth.json";
}

std::string user_given_path(const std::string& authfile) {
  if (!authfile.empty()) return authfile;
  if (const char* e = std::getenv("REGISTRY_AUTH_FILE"); e && *e) return e;
  return {};
}

// Reads path's JSON object for rewriting; a missing file is an empty one.
json load_for_update(const std::string& path) {
  if (!path_exists(path)) return json::object();
  return parse_file(read_file(path), path);
}

void save(const std::string& path, const json& doc) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) make_dirs(path.substr(0, slash), 0700);
  // Tabs as podman writes it, so diffs between the two tools stay small.
  write_file_atomic(path, doc.dump(1, '\t') + "\n", 0600);
}

}  // namespace

std::vector<std::string> auth_file_paths(const std::string& authfile) {
  if (std::string p = user_given_path(authfile); !p.empty()) return {p};
  std::vector<std::string> out{runtime_auth_path(), config_home() + "/containers/auth.json"};
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) {
    out.push_back(std::string(d) + "/config.json");
  } else {
    out.push_back(home_dir() + "/.docker/config.json");
  }
  return out;
}

std::string auth_file_write_path(const std::string& authfile) {
  if (std::string p = user_given_path(authfile); !p.empty()) return p;
  return runtime_auth_path();
}

std::optional<Credentials> find_credentials_in(std::string_view json_text, const std::string& path,
                                               std::string_view registry,
                                               std::string_view repository_path) {
  json doc = parse_file(json_text, path);
  std::string reg_norm = normalize_registry(registry);

  if (auto helpers = doc.find("credHelpers"); helpers != doc.end()) {
    for (auto& [k, v] : helpers->items()) {
      if (normalize_key(k) != reg_norm) continue;
      if (!v.is_string() || v.get<std::string>().empty())
        throw Error(kOp, path, 0, "credHelpers \"" + k + "\" must be a helper name");
      return held_by_helper(path, k, v.get<std::string>());
    }
  }

  auto auths_it = doc.find("auths");
  if (auths_it == doc.end()) return std::nullopt;
  const json& auths = *auths_it;
  auto store = [&]() -> std::string {
    auto s = doc.find("credsStore");
    return s != doc.end() && s->is_string() ? s->get<std::string>() : std::string();
  };
  auto use = [&](const std::string& key) -> std::optional<Credentials> {
    auto c = decode_entry(auths.at(key), path, key);
    if (!c && !store().empty()) return std::optional(held_by_helper(path, key, store()));
    return c;
  };

  // Exact keys, most specific first: host/ns/repo, host/ns, host.
  std::string key(registry);
  if (!repository_path.empty()) key += "/" + std::string(repository_path);
  for (;;) {
    if (auths.contains(key)) {
      if (auto c = use(key)) return c;
    }
    if (key.size() <= registry.size()) break;
    key.resize(key.rfind('/'));
  }
  // Then any key that names the same registry in another spelling.
  for (auto& [k, v] : auths.items()) {
    if (k == std::string(registry) || normalize_key(k) != reg_norm) continue;
    if (auto c = use(k)) return c;
  }
  return std::nullopt;
}

std::optional<Credentials> find_credentials(std::string_view registry,
                                            std::string_view repository_path,
                                            const std::vector<std::string>& files) {
  for (const auto& f : files) {
    if (!path_exists(f)) continue;
    auto c = find_credentials_in(read_file(f), f, registry, repository_path);
    if (!c) continue;
    if (c->helper.empty()) return c;
    // The helper is asked for the key as written (docker.io's is its v1
    // URL), as docker does.
    if (auto answer = credential_helper_get(c->helper, c->key)) {
      answer->file = f;
      answer->key = c->key;
      return answer;
    }
  }
  return std::nullopt;
}

std::optional<Credentials> find_credentials(const Reference& ref, const std::string& authfile) {
  return find_credentials(ref.domain, ref.path, auth_file_paths(authfile));
}

std::string auth_key(std::string_view registry) {
  std::string_view s = registry;
  bool url = false;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (s.starts_with(scheme)) {
      s.remove_prefix(scheme.size());
      url = true;
    }
  }
  if (url) s = s.substr(0, s.find('/'));
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  std::string_view host = s.substr(0, s.find('/'));
  if (host.empty() || !is_valid_domain(host))
    throw Error("invalid registry \"" + std::string(registry) + "\"");
  if (host.size() < s.size() && !is_valid_path(s.substr(host.size() + 1)))
    throw Error("invalid registry \"" + std::string(registry) + "\": bad repository path");
  return std::string(s);
}

void store_credentials(const std::string& path, std::string_view key, std::string_view username,
                       std::string_view password) {
  json doc = load_for_update(path);
  std::string k(key);
  doc["auths"][k] =
      json{{"auth", base64_encode(std::string(username) + ":" + std::string(password))}};
  save(path, doc);
}

bool remove_credentials(const std::string& path, std::string_view key) {
  if (!path_exists(path)) return false;
  json doc = load_for_update(path);
  auto auths = doc.find("auths");
  if (auths == doc.end()) return false;
  std::vector<std::string> gone;
  bool bare_registry = key.find('/') == std::string_view::npos;
  for (auto& [k, v] : auths->items()) {
    if (k == key || (bare_registry && k.find("://") != std::string::npos &&
                     normalize_key(k) == normalize_registry(key)))
      gone.push_back(k);
  }
  if (gone.empty()) return false;
  for (const auto& k : gone) auths->erase(k);
  save(path, doc);
  return true;
}

bool remove_all_credentials(const std::string& path) {
  if (!path_exists(path)) return false;
  json doc = load_for_update(path);
  bool any = false;
  for (const char* section : {"auths", "credHelpers"}) {
    auto it = doc.find(section);
    if (it == doc.end() || it->empty()) continue;
    *it = json::object();
    any = true;
  }
  if (any) save(path, doc);
  return any;
}

std::vector<std::pair<std::string, std::string>> credential_helpers_in(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!path_exists(path)) return out;
  json doc = parse_file(read_file(path), path);
  auto helpers = doc.find("credHelpers");
  if (helpers == doc.end()) return out;
  for (auto& [k, v] : helpers->items()) {
    if (!v.is_string() || v.get<std::string>().empty())
      throw Error(kOp, path, 0, "credHelpers \"" + k + "\" must be a helper name");
    out.emplace_back(k, v.get<std::string>());
  }
  return out;
}

std::optional<std::string> credential_helper_for_key(const std::string& path,
                                                     std::string_view key) {
  for (auto& [k, helper] : credential_helpers_in(path))
    if (k == key) return helper;
  return std::nullopt;
}

}  // namespace nook::image
