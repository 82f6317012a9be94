#pragma once
// containers-registries.conf(5), version 2: where short names are searched,
// short-name aliases, and per-registry settings (rewrite to another location,
// mirrors, insecure, blocked). Same files and the same merge rules as podman,
// so one configuration serves both.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/reference.hpp"

namespace nook::image {

enum class ShortNameMode { unset, disabled, permissive, enforcing };
// Which references a mirror serves ("pull-from-mirror").
enum class PullFromMirror { all, digest_only, tag_only };

struct Mirror {
  std::string location;
  bool insecure = false;
  PullFromMirror pull_from_mirror = PullFromMirror::all;
};

struct Registry {
  // "host[:port][/path]" or "*.example.com" (any subdomain).
  std::string prefix;
  // Where references under prefix are pulled from; empty only with a
  // wildcard prefix (then the reference stays as it is).
  std::string location;
  bool insecure = false;
  bool blocked = false;
  bool mirror_by_digest_only = false;
  std::vector<Mirror> mirrors;
  std::string origin;  // the file that defined it, for messages
};

struct Alias {
  std::string value;   // fully qualified, e.g. "quay.io/podman/stable"
  std::string origin;  // the file that defined it
};

// One place to pull from, in the order to try.
struct PullSource {
  Reference reference;  // rewritten for this endpoint
  bool insecure = false;
  bool mirror = false;
};

struct ShortNameCandidate {
  Reference reference;
  bool from_alias = false;
  std::string origin;  // file of the alias or of unqualified-search-registries
};

struct RegistriesConf {
  // nullopt: no file set the key (a drop-in's empty list does replace).
  std::optional<std::vector<std::string>> unqualified_search_registries;
  std::string search_registries_origin;
  std::optional<std::vector<std::string>> credential_helpers;
  ShortNameMode short_name_mode = ShortNameMode::unset;
  std::map<std::string, Alias> aliases;
  // Where aliases chosen at a short-name prompt are recorded (podman's
  // short-name-aliases.conf); set by load_registries_conf.
  std::string alias_cache;
  std::vector<Registry> registries;  // one per prefix
  // Keys nook does not know, as "file: key"; podman only warns about those too.
  std::vector<std::string> warnings;

  // Applies a later file (a drop-in) over this one: registries replace by
  // prefix, aliases by name, scalar keys and lists when the later file sets them.
  void merge(RegistriesConf later);

  // The [[registry]] whose prefix matches ref most specifically, or null.
  const Registry* find_registry(const Reference& ref) const;
  // Where to pull ref from, in order: the registry's mirrors that serve this
  // kind of reference, then its location (ref itself when no registry
  // matches). Throws Error when the matching registry is blocked.
  std::vector<PullSource> pull_sources(const Reference& ref) const;
  // Whether pushes/pulls to this reference may skip TLS verification.
  bool is_insecure(const Reference& ref) const;
  // Candidates for a short name (see is_short_name()), podman's way: a
  // matching alias is the only candidate (that is what makes an alias safe
  // against a look-alike in a search registry); otherwise one per
  // unqualified-search registry, in order. The input's tag or digest is
  // kept, ":latest" added when it has neither. Throws Error for a name that
  // is not short or not valid.
  std::vector<ShortNameCandidate> resolve_short_name(std::string_view name) const;
};

// Parses one file's text; source_name names it in errors. Throws Error
// naming the file and the key for malformed TOML, wrong types, bad values.
RegistriesConf parse_registries_conf(std::string_view text, const std::string& source_name);

// Which files to read, in order.
struct RegistriesConfPaths {
  std::string main;                      // may not exist
  std::vector<std::string> dropin_dirs;  // each may not exist
  // $XDG_CACHE_HOME/containers/short-name-aliases.conf: aliases recorded at
  // a prompt, over those of the files above (may not exist).
  std::string alias_cache;
};
// $CONTAINERS_REGISTRIES_CONF, else $XDG_CONFIG_HOME/containers/registries.conf
// (~/.config/...) when it exists, else /etc/containers/registries.conf. The
// drop-in directory beside the user file; with the system file, the system
// drop-in directory then the user's.
RegistriesConfPaths registries_conf_paths();
// Reads paths.main (if it exists) then every regular *.conf file of each
// drop-in directory in name order, merged.
RegistriesConf load_registries_conf(const RegistriesConfPaths& paths);
RegistriesConf load_registries_conf();

// Records name → repository (fully qualified, no tag) in the alias cache
// file, keeping its other aliases; the write is atomic.
void record_short_name_alias(const std::string& cache_path, const std::string& name,
                             const std::string& repository);

}  // namespace nook::image
