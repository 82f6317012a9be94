#pragma once
// The image configuration blob: OCI image-spec's config and Docker's
// container image JSON (a superset: container_config, docker_version, ...).
// Parsed from untrusted bytes with every modelled field type-checked and
// errors naming the JSON path:
//   invalid image config: rootfs.diff_ids[1]: invalid checksum digest format: "sha256:xyz"
// Fields nook does not model stay in `raw`, so inspect can show them and a
// commit can carry them over.
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/manifest.hpp"

namespace nook::image {

// "config" of the image config: the defaults for a container. Docker's
// capitalised key names in JSON.
struct ContainerConfig {
  std::string user;                     // User
  std::set<std::string> exposed_ports;  // ExposedPorts keys, "80/tcp" (not validated here)
  std::vector<std::string> env;         // Env
  // nullopt: not set (absent or null, which Go's decoder and docker treat
  // alike); an empty vector: explicitly set to nothing (ENTRYPOINT []),
  // which matters when merging with run's arguments. A JSON string is taken
  // as a one-element list, as docker's strslice does.
  std::optional<std::vector<std::string>> entrypoint;  // Entrypoint
  std::optional<std::vector<std::string>> cmd;         // Cmd
  std::set<std::string> volumes;                       // Volumes keys
  std::string working_dir;                             // WorkingDir
  std::map<std::string, std::string> labels;           // Labels
  std::string stop_signal;                             // StopSignal
  // Docker extensions kept as JSON (types of Test, Interval, Timeout,
  // StartPeriod, StartInterval, Retries are checked). ArgsEscaped is ignored.
  std::optional<nlohmann::json> healthcheck;  // Healthcheck, an object
  std::optional<nlohmann::json> on_build;     // OnBuild, an array of strings

  bool operator==(const ContainerConfig&) const = default;
};

struct RootFs {
  std::string type = "layers";        // the only type there is
  std::vector<std::string> diff_ids;  // digests of the uncompressed layers, base first

  bool operator==(const RootFs&) const = default;
};

struct HistoryEntry {
  std::string created;  // RFC 3339, as written
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;  // no layer (and no diff_id) for this step

  bool operator==(const HistoryEntry&) const = default;
};

struct ImageConfig {
  std::string created;  // RFC 3339 as written ("" when absent)
  std::string author;
  std::string architecture;  // "" when absent: old builders left it out, so it is tolerated
  std::string os;
  std::string variant;
  std::string os_version;  // "os.version"
  ContainerConfig config;
  RootFs rootfs;
  std::vector<HistoryEntry> history;
  // The whole document, modelled fields in the form emit writes them (Cmd
  // as a string becomes an array; null and absent stay as they were).
  nlohmann::json raw;

  bool operator==(const ImageConfig&) const = default;
};

// Parses and validates (size limit kManifestSizeLimit, nesting limit,
// types, rootfs.type == "layers", diff_ids and timestamps well-formed).
//
// A history whose non-empty entries do not number the diff_ids is
// accepted: docker and containers/image pull such images (hand-assembled
// or rewritten ones exist), and history is only informational on pull.
// Commit and import, which write history, call check_history instead, as
// buildah does.
ImageConfig parse_image_config(std::string_view bytes);

// JSON for `config`: raw's members with the modelled ones rewritten from
// the struct (a default value leaves an absent member absent and a null
// one null). parse_image_config(emit_image_config(c)) == c for every c the
// parser returned. Throws nook::Error if a string is not valid UTF-8.
std::string emit_image_config(const ImageConfig& config);

// Throws nook::Error unless the manifest has exactly one layer per diff_id.
void check_manifest_config(const ImageManifest& manifest, const ImageConfig& config);

// History entries that made a layer (empty_layer false).
size_t non_empty_history_count(const ImageConfig& config);
// Throws nook::Error when history is present and its non-empty entries do
// not number rootfs.diff_ids.
void check_history(const ImageConfig& config);

// Go's time.RFC3339Nano as time.Parse accepts it: 2006-01-02T15:04:05.999999999Z07:00
// (fraction optional, any length, '.' or ','; dates and offsets range-checked).
bool is_rfc3339_time(std::string_view text);

}  // namespace nook::image
