#include "image/image_views.hpp"

#include <fnmatch.h>

#include <map>
#include <set>

#include "format/units.hpp"
#include "image/digest.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"
#include "sys/error.hpp"

namespace nook::image {
namespace {

nlohmann::json member_or(const nlohmann::json& j, const char* key, nlohmann::json fallback) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? fallback : *it;
}

int64_t created_seconds(const std::string& created, int64_t fallback) {
  int64_t s = 0, ns = 0;
  return format::parse_rfc3339(created, s, ns) ? s : fallback;
}

// repository and tag of a stored name ("docker.io/library/busybox:latest").
std::pair<std::string, std::string> split_name(const std::string& name) {
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
    return {name.substr(0, colon), name.substr(colon + 1)};
  return {name, "<none>"};
}

// podman's reference filter: the pattern against the full name, its
// repository, and their familiar forms ("busybox:latest").
bool reference_matches(const std::string& pattern, const std::string& name) {
  auto [repo, tag] = split_name(name);
  std::string familiar;
  try {
    familiar = parse_reference(name).familiar();
  } catch (const Error&) {
  }
  std::string familiar_repo = familiar.substr(0, familiar.rfind(':'));
  return glob_match(pattern, name) || glob_match(pattern, repo) || glob_match(pattern, familiar) ||
         glob_match(pattern, familiar_repo) || glob_match("*/" + pattern, name) ||
         glob_match("*/" + pattern, repo);
}

}  // namespace

nlohmann::json stored_config(Store& store, const ImageRecord& image) {
  auto j = nlohmann::json::parse(store.read_blob(image.id, kManifestSizeLimit), nullptr, false);
  if (!j.is_object()) throw Error("stored config of image " + image.id + " is not a JSON object");
  return j;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  return ::fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

namespace {

// Go's omitempty: null, "", false, 0, [] and {} are left out.
bool go_empty(const nlohmann::json& v) {
  return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
         (v.is_boolean() && !v.get<bool>()) || (v.is_number() && v == 0) ||
         ((v.is_array() || v.is_object()) && v.empty());
}

// The members of `from` named in keys, in that order, as a Go struct with
// omitempty fields marshals them: unknown members and empty values dropped.
nlohmann::ordered_json go_struct(const nlohmann::json& from,
                                 std::initializer_list<const char*> keys) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (!from.is_object()) return out;
  for (const char* k : keys) {
    auto it = from.find(k);
    if (it != from.end() && !go_empty(*it)) out[k] = *it;
  }
  return out;
}

}  // namespace

nlohmann::ordered_json inspect_image_json(Store& store, const ImageRecord& image) {
  nlohmann::json config = stored_config(store, image);
  using ordered = nlohmann::ordered_json;
  ordered out = ordered::object();
  out["Id"] = digest_hex(image.id);
  out["Digest"] = image.manifest_digest;
  out["RepoTags"] = image.names;
  out["RepoDigests"] = repo_digests_of(image);
  out["Parent"] = "";
  out["Comment"] = member_or(config, "comment", "");
  out["Created"] = member_or(config, "created", "");
  // podman reads the config into OCI's ImageConfig: its fields, its order.
  out["Config"] = go_struct(member_or(config, "config", nlohmann::json::object()),
                            {"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes",
                             "WorkingDir", "Labels", "StopSignal", "ArgsEscaped"});
  out["Version"] = member_or(config, "docker_version", "");
  out["Author"] = member_or(config, "author", "");
  out["Architecture"] = member_or(config, "architecture", "");
  out["Os"] = member_or(config, "os", "");
  if (config.contains("variant")) out["Variant"] = config["variant"];
  out["Size"] = image.size;
  out["VirtualSize"] = image.size;
  ordered data = ordered::object();
  if (!image.layers.empty()) {
    std::string lower;
    for (size_t i = image.layers.size() - 1; i-- > 0;) {
      if (!lower.empty()) lower += ":";
      lower += store.layer_path(image.layers[i]);
    }
    if (!lower.empty()) data["LowerDir"] = lower;
    data["UpperDir"] = store.layer_path(image.layers.back());
  }
  out["GraphDriver"] = {{"Name", "overlay"}, {"Data", data}};
  out["RootFS"] = {{"Type", "layers"}, {"Layers", image.layers}};
  // A copy: out is an ordered map over a vector, adding to it moves its members.
  const ordered cc = out["Config"];
  out["Labels"] = cc.contains("Labels") ? cc["Labels"] : ordered(nullptr);
  out["Annotations"] = ordered::object();
  out["ManifestType"] = image.manifest_media_type;
  out["User"] = cc.contains("User") ? cc["User"] : ordered("");
  ordered history = ordered::array();
  nlohmann::json raw_history = member_or(config, "history", nlohmann::json::array());
  if (raw_history.is_array())
    for (const auto& h : raw_history)
      history.push_back(
          go_struct(h, {"created", "created_by", "author", "comment", "empty_layer"}));
  out["History"] = std::move(history);
  // The most recent name first, as podman's NamesHistory.
  out["NamesHistory"] = std::vector<std::string>(image.names.rbegin(), image.names.rend());
  return out;
}

ImageFilter::ImageFilter(Store& store, const std::vector<std::string>& filters) {
  for (const std::string& f : filters) {
    auto eq = f.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error("invalid image filter \"" + f + "\": want KEY=VALUE");
    Clause c{f.substr(0, eq), f.substr(eq + 1)};
    if (c.key == "reference" || c.key == "id" || c.key == "label") {
      if (c.value.empty()) throw Error("invalid image filter \"" + f + "\": empty value");
    } else if (c.key == "dangling") {
      if (c.value != "true" && c.value != "false")
        throw Error("invalid image filter \"" + f + "\": dangling wants true or false");
    } else if (c.key == "before" || c.key == "since") {
      auto ref = store.lookup(c.value);
      if (!ref) throw Error(c.value + ": image not known");
      c.created_ref = ref->created;
      c.added_ref = created_seconds(ref->created, ref->added);
    } else {
      throw Error("invalid image filter \"" + f +
                  "\": supported are reference, dangling, before, since, label and id");
    }
    clauses_.push_back(std::move(c));
  }
}

bool ImageFilter::name_matches(const std::string& name) const {
  bool any_clause = false;
  for (const Clause& c : clauses_) {
    if (c.key != "reference") continue;
    any_clause = true;
    if (reference_matches(c.value, name)) return true;
  }
  return !any_clause;
}

bool ImageFilter::matches(const ImageRecord& image, const nlohmann::json& config) const {
  std::map<std::string, bool> by_key;  // key → any clause of it matched
  for (const Clause& c : clauses_) {
    bool m = false;
    if (c.key == "reference") {
      for (const std::string& name : image.names)
        if (reference_matches(c.value, name)) m = true;
    } else if (c.key == "dangling") {
      m = image.names.empty() == (c.value == "true");
    } else if (c.key == "id") {
      m = digest_hex(image.id).starts_with(digest_hex(c.value));
    } else if (c.key == "label") {
      const nlohmann::json* labels = nullptr;
      if (auto cc = config.find("config"); cc != config.end() && cc->is_object())
        if (auto l = cc->find("Labels"); l != cc->end() && l->is_object()) labels = &*l;
      auto eq = c.value.find('=');
      std::string k = c.value.substr(0, eq);
      if (labels && labels->contains(k)) {
        const auto& v = (*labels)[k];
        m = eq == std::string::npos ||
            (v.is_string() && v.get<std::string>() == c.value.substr(eq + 1));
      }
    } else {
      int64_t t = created_seconds(image.created, image.added);
      m = c.key == "before" ? t < c.added_ref : t > c.added_ref;
    }
    by_key[c.key] = by_key[c.key] || m;
  }
  for (auto& [k, v] : by_key)
    if (!v) return false;
  return true;
}

std::vector<std::string> repo_digests_of(const ImageRecord& image) {
  std::vector<std::string> out;
  auto add = [&out](std::string d) {
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(std::move(d));
  };
  if (!image.manifest_digest.empty())
    for (const std::string& n : image.names) {
      try {
        add(parse_reference(n).repository() + "@" + image.manifest_digest);
      } catch (const Error&) {
        // A stored name that no longer parses: its digest is simply not shown.
      }
    }
  for (const std::string& d : image.repo_digests) add(d);
  return out;
}

std::vector<ImageListEntry> image_list(Store& store, const ImageListOptions& options,
                                       std::chrono::system_clock::time_point now) {
  ImageFilter filter(store, options.filters);
  std::vector<ImageRecord> images = store.list_images();
  // How many images use each layer, for SharedSize / UniqueSize.
  std::map<std::string, int> layer_users;
  for (const ImageRecord& img : images)
    for (const std::string& l : std::set<std::string>(img.layers.begin(), img.layers.end()))
      layer_users[l]++;
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();

  std::vector<ImageListEntry> entries;
  for (const ImageRecord& img : images) {
    nlohmann::json config = stored_config(store, img);
    if (!filter.matches(img, config)) continue;
    int64_t shared = 0;
    for (const std::string& l : img.layers)
      if (layer_users[l] > 1)
        if (auto rec = store.find_layer(l)) shared += rec->size;
    int64_t secs = 0, nanos = 0;
    if (!format::parse_rfc3339(img.created, secs, nanos)) secs = img.added;
    std::string since = format::human_duration(std::chrono::seconds(now_s - secs)) + " ago";
    nlohmann::json labels = nullptr;
    if (auto cc = config.find("config"); cc != config.end() && cc->is_object())
      labels = member_or(*cc, "Labels", nullptr);
    std::string id = options.no_trunc ? img.id : digest_hex(img.id).substr(0, 12);
    std::vector<std::string> repo_digests = repo_digests_of(img);
    // podman's NamesHistory: the most recent name first.
    std::vector<std::string> history(img.names.rbegin(), img.names.rend());

    nlohmann::ordered_json summary = nlohmann::ordered_json::object();
    summary["Id"] = digest_hex(img.id);
    summary["ParentId"] = "";
    summary["RepoTags"] = nullptr;
    summary["RepoDigests"] = repo_digests;
    summary["Size"] = img.size;
    summary["SharedSize"] = shared;
    summary["VirtualSize"] = img.size;
    summary["Labels"] = nlohmann::ordered_json(labels);
    summary["Containers"] = 0;
    if (img.names.empty()) summary["Dangling"] = true;
    summary["Names"] = img.names;
    summary["Digest"] = img.manifest_digest;
    summary["History"] = history;
    summary["Created"] = secs;
    summary["CreatedAt"] = format::rfc3339_string(secs, nanos);

    std::vector<std::pair<std::string, std::string>> names;
    for (const std::string& n : img.names)
      if (filter.name_matches(n)) names.push_back(split_name(n));
    if (names.empty()) {
      // Pulled by digest only: podman shows the repository with tag <none>.
      if (!img.repo_digests.empty()) {
        const std::string& rd = img.repo_digests.front();
        names.push_back({rd.substr(0, rd.find('@')), "<none>"});
      } else {
        names.push_back({"<none>", "<none>"});
      }
    }
    for (const auto& [repo, tag] : names) {
      nlohmann::json row = {
          {"ID", id},
          {"Id", digest_hex(img.id)},
          {"Repository", repo},
          {"Tag", tag},
          {"Digest", img.manifest_digest},
          {"Digests", repo_digests},
          {"Created", since},
          {"CreatedSince", since},
          {"CreatedAt", format::go_time_string(secs, nanos)},
          {"CreatedTime", secs},
          {"Size", format::human_size(img.size)},
          {"VirtualSize", format::human_size(img.size)},
          {"SharedSize", format::human_size(shared)},
          {"UniqueSize", format::human_size(img.size - shared)},
          {"Labels", labels},
          {"Containers", 0},
          {"ReadOnly", false},
          {"Dangling", img.names.empty()},
          {"Names", img.names},
          {"History", history},
      };
      entries.push_back({std::move(row), summary, img.size, secs});
    }
  }
  return entries;
}

}  // namespace nook::image
