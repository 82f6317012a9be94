#include "image/registries_conf.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cstdlib>

#include "image/user_dirs.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

constexpr const char* kOp = "registries.conf";

// Every validation error names the file and where in it.
struct Context {
  const std::string& source;
  [[noreturn]] void fail(const std::string& where, const std::string& why) const {
    throw Error(kOp, source, 0, where + ": " + why);
  }
};

std::string get_string(const Context& ctx, const toml::node& n, const std::string& where) {
  if (auto s = n.as_string()) return s->get();
  ctx.fail(where, "expected a string");
}

bool get_bool(const Context& ctx, const toml::node& n, const std::string& where) {
  if (auto b = n.as_boolean()) return b->get();
  ctx.fail(where, "expected a boolean (true or false)");
}

std::vector<std::string> get_strings(const Context& ctx, const toml::node& n,
                                     const std::string& where) {
  auto arr = n.as_array();
  if (!arr) ctx.fail(where, "expected an array of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < arr->size(); ++i)
    out.push_back(get_string(ctx, (*arr)[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

// containers/image's parseLocation: no URL schemes, no trailing slash.
std::string parse_location(const Context& ctx, std::string loc, const std::string& where) {
  if (loc.starts_with("http://") || loc.starts_with("https://"))
    ctx.fail(where, "invalid location \"" + loc + "\": URI schemes are not supported");
  while (!loc.empty() && loc.back() == '/') loc.pop_back();
  return loc;
}

bool is_wildcard(std::string_view prefix) {
  return prefix.starts_with("*.");
}

Mirror parse_mirror(const Context& ctx, const toml::table& t, const std::string& where,
                    RegistriesConf& conf) {
  Mirror m;
  bool has_location = false;
  for (auto&& [key, node] : t) {
    std::string k(key.str());
    std::string w = where + "." + k;
    if (k == "location") {
      m.location = parse_location(ctx, get_string(ctx, node, w), w);
      has_location = true;
    } else if (k == "insecure") {
      m.insecure = get_bool(ctx, node, w);
    } else if (k == "pull-from-mirror") {
      std::string v = get_string(ctx, node, w);
      if (v == "all" || v.empty()) {
        m.pull_from_mirror = PullFromMirror::all;
      } else if (v == "digest-only") {
        m.pull_from_mirror = PullFromMirror::digest_only;
      } else if (v == "tag-only") {
        m.pull_from_mirror = PullFromMirror::tag_only;
      } else {
        ctx.fail(w, "unsupported value \"" + v + "\" (all, digest-only or tag-only)");
      }
    } else {
      conf.warnings.push_back(ctx.source + ": unknown key " + w);
    }
  }
  if (!has_location || m.location.empty()) ctx.fail(where, "mirror location is unset");
  return m;
}

Registry parse_registry(const Context& ctx, const toml::table& t, const std::string& where,
                        RegistriesConf& conf) {
  Registry r;
  r.origin = ctx.source;
  bool any_pull_from_mirror = false;
  for (auto&& [key, node] : t) {
    std::string k(key.str());
    std::string w = where + "." + k;
    if (k == "prefix") {
      r.prefix = parse_location(ctx, get_string(ctx, node, w), w);
    } else if (k == "location") {
      r.location = parse_location(ctx, get_string(ctx, node, w), w);
    } else if (k == "insecure") {
      r.insecure = get_bool(ctx, node, w);
    } else if (k == "blocked") {
      r.blocked = get_bool(ctx, node, w);
    } else if (k == "mirror-by-digest-only") {
      r.mirror_by_digest_only = get_bool(ctx, node, w);
    } else if (k == "pull-from-mirror") {
      ctx.fail(w, "pull-from-mirror belongs in [[registry.mirror]], not in [[registry]]");
    } else if (k == "mirror") {
      auto arr = node.as_array();
      if (!arr) ctx.fail(w, "expected [[registry.mirror]] tables");
      for (size_t i = 0; i < arr->size(); ++i) {
        std::string mw = w + "[" + std::to_string(i) + "]";
        auto mt = (*arr)[i].as_table();
        if (!mt) ctx.fail(mw, "expected a table");
        r.mirrors.push_back(parse_mirror(ctx, *mt, mw, conf));
        if (r.mirrors.back().pull_from_mirror != PullFromMirror::all ||
            mt->contains("pull-from-mirror"))
          any_pull_from_mirror = true;
      }
    } else {
      conf.warnings.push_back(ctx.source + ": unknown key " + w);
    }
  }
  if (r.prefix.empty()) {
    if (r.location.empty()) ctx.fail(where, "both location and prefix are unset");
    r.prefix = r.location;
  } else if (is_wildcard(r.prefix)) {
    if (r.prefix.find_first_of("/@:") != std::string::npos ||
        !is_valid_domain(std::string_view(r.prefix).substr(2)))
      ctx.fail(where + ".prefix",
               "wildcarded prefix should be in the format *.example.com, not \"" + r.prefix + "\"");
  } else if (r.location.empty()) {
    ctx.fail(where, "location is unset and prefix \"" + r.prefix +
                        "\" is not in the format *.example.com");
  }
  if (r.mirror_by_digest_only && any_pull_from_mirror)
    ctx.fail(where, "mirror-by-digest-only and a mirror's pull-from-mirror cannot both be set");
  return r;
}

// refMatchingPrefix of containers/image: the length of ref that prefix
// covers, or npos. A prefix matches whole components: "example.com/foo"
// covers "example.com/foo:tag" and "example.com/foo/bar", not "example.com/foobar".
size_t matching_prefix(std::string_view ref, std::string_view prefix) {
  auto ends_component = [&](size_t end) {
    return end == ref.size() || ref[end] == ':' || ref[end] == '/' || ref[end] == '@';
  };
  if (is_wildcard(prefix)) {
    // "*.example.com" covers any subdomain, within the host part only.
    std::string_view suffix = prefix.substr(1);
    size_t host_end = ref.find('/');
    std::string_view host = ref.substr(0, host_end);
    for (size_t pos = host.find(suffix); pos != std::string_view::npos;
         pos = host.find(suffix, pos + 1)) {
      size_t end = pos + suffix.size();
      if (pos > 0 && ends_component(end)) return end;
    }
    return std::string_view::npos;
  }
  if (!ref.starts_with(prefix) || !ends_component(prefix.size())) return std::string_view::npos;
  return prefix.size();
}

bool is_digested(const Reference& ref) {
  return !ref.digest.empty();
}

}  // namespace

RegistriesConf parse_registries_conf(std::string_view text, const std::string& source_name) {
  Context ctx{source_name};
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw Error(kOp, source_name, 0,
                "line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ": " +
                    std::string(e.description()));
  }

  RegistriesConf conf;
  for (auto&& [key, node] : root) {
    std::string k(key.str());
    if (k == "unqualified-search-registries") {
      std::vector<std::string> regs;
      for (auto& r : get_strings(ctx, node, k)) {
        std::string loc = parse_location(ctx, r, k);
        if (!is_valid_domain(loc))
          ctx.fail(k, "invalid registry \"" + loc + "\" (a host name with an optional port)");
        regs.push_back(loc);
      }
      conf.unqualified_search_registries = std::move(regs);
      conf.search_registries_origin = source_name;
    } else if (k == "credential-helpers") {
      conf.credential_helpers = get_strings(ctx, node, k);
    } else if (k == "short-name-mode") {
      std::string v = get_string(ctx, node, k);
      if (v == "disabled") {
        conf.short_name_mode = ShortNameMode::disabled;
      } else if (v == "permissive") {
        conf.short_name_mode = ShortNameMode::permissive;
      } else if (v == "enforcing") {
        conf.short_name_mode = ShortNameMode::enforcing;
      } else if (!v.empty()) {
        ctx.fail(k, "invalid value \"" + v + "\" (disabled, permissive or enforcing)");
      }
    } else if (k == "aliases") {
      auto t = node.as_table();
      if (!t) ctx.fail(k, "expected a table [aliases]");
      for (auto&& [name_key, value] : *t) {
        std::string name(name_key.str());
        std::string w = "aliases.\"" + name + "\"";
        std::string v = get_string(ctx, value, w);
        // An alias's name is a bare repository; its value names a registry.
        Reference parsed_name;
        try {
          parsed_name = parse_reference(name, DefaultTag::none);
        } catch (const Error& e) {
          ctx.fail(w, std::string("invalid short name: ") + e.what());
        }
        if (!is_short_name(name)) ctx.fail(w, "invalid short name: must not contain a registry");
        if (!parsed_name.tag.empty() || !parsed_name.digest.empty())
          ctx.fail(w, "invalid short name: must not contain a tag or digest");
        try {
          parse_reference(v, DefaultTag::none);
        } catch (const Error& e) {
          ctx.fail(w, "invalid alias \"" + v + "\": " + e.what());
        }
        if (is_short_name(v))
          ctx.fail(w, "invalid alias \"" + v + "\": must contain registry and repository");
        conf.aliases[name] = Alias{v, source_name};
      }
    } else if (k == "registry") {
      auto arr = node.as_array();
      if (!arr) ctx.fail(k, "expected [[registry]] tables");
      for (size_t i = 0; i < arr->size(); ++i) {
        std::string w = "registry[" + std::to_string(i) + "]";
        auto t = (*arr)[i].as_table();
        if (!t) ctx.fail(w, "expected a table");
        Registry r = parse_registry(ctx, *t, w, conf);
        // podman keeps the first of equal prefixes.
        bool dup = std::any_of(conf.registries.begin(), conf.registries.end(),
                               [&](const Registry& o) { return o.prefix == r.prefix; });
        if (!dup) conf.registries.push_back(std::move(r));
      }
    } else if (k == "registries") {
      ctx.fail(k,
               "the version 1 format ([registries.search], [registries.insecure], "
               "[registries.block]) is not supported; use unqualified-search-registries and "
               "[[registry]] tables (containers-registries.conf(5))");
    } else {
      conf.warnings.push_back(source_name + ": unknown key " + k);
    }
  }
  return conf;
}

void RegistriesConf::merge(RegistriesConf later) {
  if (later.unqualified_search_registries) {
    unqualified_search_registries = std::move(later.unqualified_search_registries);
    search_registries_origin = std::move(later.search_registries_origin);
  }
  if (later.credential_helpers) credential_helpers = std::move(later.credential_helpers);
  if (later.short_name_mode != ShortNameMode::unset) short_name_mode = later.short_name_mode;
  for (auto& [name, alias] : later.aliases) aliases[name] = std::move(alias);
  for (auto& r : later.registries) {
    auto it = std::find_if(registries.begin(), registries.end(),
                           [&](const Registry& o) { return o.prefix == r.prefix; });
    if (it != registries.end()) {
      *it = std::move(r);
    } else {
      registries.push_back(std::move(r));
    }
  }
  for (auto& w : later.warnings) warnings.push_back(std::move(w));
}

const Registry* RegistriesConf::find_registry(const Reference& ref) const {
  std::string s = ref.string();
  const Registry* best = nullptr;
  for (const auto& r : registries) {
    if (matching_prefix(s, r.prefix) == std::string::npos) continue;
    if (!best || r.prefix.size() > best->prefix.size()) best = &r;
  }
  return best;
}

std::vector<PullSource> RegistriesConf::pull_sources(const Reference& ref) const {
  const Registry* reg = find_registry(ref);
  if (!reg) return {PullSource{ref, false, false}};
  if (reg->blocked)
    throw Error("pull", ref.string(), 0,
                "registry " + reg->prefix + " is blocked in " + reg->origin);
  std::string s = ref.string();
  size_t covered = matching_prefix(s, reg->prefix);
  auto rewrite = [&](const std::string& location) {
    if (location.empty()) return ref;  // wildcard prefix without a location
    std::string text = location + s.substr(covered);
    auto fail = [&](const std::string& why) {
      return Error("rewrite reference", s, 0,
                   "location \"" + location + "\" of registry " + reg->prefix + " in " +
                       reg->origin + " makes \"" + text + "\": " + why);
    };
    // The rewritten text must still name its registry, not fall back to docker.io.
    if (is_short_name(text)) throw fail("no registry and repository");
    try {
      return parse_reference(text, DefaultTag::none);
    } catch (const Error& e) {
      throw fail(e.what());
    }
  };
  std::vector<PullSource> out;
  for (const auto& m : reg->mirrors) {
    if (reg->mirror_by_digest_only && !is_digested(ref)) continue;
    if (m.pull_from_mirror == PullFromMirror::digest_only && !is_digested(ref)) continue;
    if (m.pull_from_mirror == PullFromMirror::tag_only && is_digested(ref)) continue;
    out.push_back(PullSource{rewrite(m.location), m.insecure, true});
  }
  out.push_back(PullSource{rewrite(reg->location), reg->insecure, false});
  return out;
}

bool RegistriesConf::is_insecure(const Reference& ref) const {
  const Registry* reg = find_registry(ref);
  return reg && reg->insecure;
}

std::vector<ShortNameCandidate> RegistriesConf::resolve_short_name(std::string_view name) const {
  if (!is_short_name(name))
    throw Error("resolve short name", std::string(name), 0,
                "not a short name: it names a registry");
  Reference parsed = parse_reference(name, DefaultTag::none);
  // The bare repository as the user wrote it ("busybox", "user/app").
  std::string_view bare = name.substr(0, name.find_first_of(":@"));

  auto finish = [&](Reference r) {
    if (!parsed.digest.empty()) r.digest = parsed.digest;
    if (r.tag.empty() && r.digest.empty()) r.tag = kDefaultTag;
    return r;
  };
  if (auto it = aliases.find(std::string(bare)); it != aliases.end()) {
    Reference r = parse_reference(it->second.value, DefaultTag::none);
    // The user's tag or digest wins over one in the alias.
    if (!parsed.tag.empty()) r.tag = parsed.tag;
    return {ShortNameCandidate{finish(std::move(r)), true, it->second.origin}};
  }
  std::vector<ShortNameCandidate> out;
  if (unqualified_search_registries) {
    for (const auto& reg : *unqualified_search_registries) {
      Reference r = parse_reference(reg + "/" + std::string(name), DefaultTag::none);
      out.push_back(ShortNameCandidate{finish(std::move(r)), false, search_registries_origin});
    }
  }
  return out;
}

RegistriesConfPaths registries_conf_paths() {
  RegistriesConfPaths p;
  p.alias_cache = cache_home() + "/containers/short-name-aliases.conf";
  std::string user_file = config_home() + "/containers/registries.conf";
  std::string user_dir = user_file + ".d";
  if (const char* env = std::getenv("CONTAINERS_REGISTRIES_CONF"); env && *env) {
    p.main = env;
  } else if (path_exists(user_file)) {
    p.main = user_file;
    p.dropin_dirs = {user_dir};
    return p;
  } else {
    p.main = "/etc/containers/registries.conf";
  }
  p.dropin_dirs = {"/etc/containers/registries.conf.d", user_dir};
  return p;
}

namespace {
std::vector<std::string> dropin_files(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    throw_errno("open directory", dir);
  }
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() <= 5 || !name.ends_with(".conf")) continue;
    std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out.push_back(path);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

RegistriesConf load_registries_conf(const RegistriesConfPaths& paths) {
  RegistriesConf conf;
  if (!paths.main.empty() && path_exists(paths.main))
    conf = parse_registries_conf(read_file(paths.main), paths.main);
  for (const auto& dir : paths.dropin_dirs)
    for (const auto& file : dropin_files(dir))
      conf.merge(parse_registries_conf(read_file(file), file));
  if (!paths.alias_cache.empty() && path_exists(paths.alias_cache)) {
    RegistriesConf cache = parse_registries_conf(read_file(paths.alias_cache), paths.alias_cache);
    for (auto& [name, alias] : cache.aliases) conf.aliases[name] = alias;
  }
  conf.alias_cache = paths.alias_cache;
  return conf;
}

namespace {
// A TOML basic string.
std::string toml_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
}  // namespace

void record_short_name_alias(const std::string& cache_path, const std::string& name,
                             const std::string& repository) {
  std::map<std::string, std::string> aliases;
  if (path_exists(cache_path))
    for (auto& [n, a] : parse_registries_conf(read_file(cache_path), cache_path).aliases)
      aliases[n] = a.value;
  aliases[name] = repository;
  std::string text = "[aliases]\n";
  for (const auto& [n, v] : aliases) text += "  " + toml_quoted(n) + " = " + toml_quoted(v) + "\n";
  make_dirs(cache_path.substr(0, cache_path.rfind('/')), 0700);
  write_file_atomic(cache_path, text, 0644);
}

RegistriesConf load_registries_conf() {
  return load_registries_conf(registries_conf_paths());
}

}  // namespace nook::image
