#pragma once
// `nook pull`: resolves what the user typed to candidate references
// (registries.conf aliases and search registries, mirrors), fetches the
// manifest (choosing the platform's entry from an index), the config and
// the layers (in parallel, each streamed straight into its unpacked tree),
// and records the image in the store once everything is there.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "image/layer_fetch.hpp"
#include "image/manifest.hpp"
#include "image/reference.hpp"
#include "image/registries_conf.hpp"
#include "image/registry_client.hpp"
#include "image/store.hpp"

namespace nook::image {

// What happens during a pull, for a progress display. Called from several
// threads (one per layer) but never concurrently for one layer.
struct PullObserver {
  std::function<void(const Reference& candidate)> trying;
  std::function<void(const Reference& candidate, const std::string& error)> candidate_failed;
  // Once the manifest is known: the layers to fetch, base first.
  std::function<void(const std::vector<Descriptor>& layers)> manifest;
  std::function<void(const Descriptor& layer, uint64_t done, uint64_t total)> layer_progress;
  std::function<void(const Descriptor& layer, LayerOutcome outcome)> layer_done;
  std::function<void(const Descriptor& config)> config_done;
  std::function<void()> writing_manifest;
  // A skipped device node and the like: something the user may want to know.
  std::function<void(const std::string& message)> warning;
};

struct PullOptions {
  // Empty: the machine's platform.
  std::optional<Platform> platform;
  ClientOptions client;
  std::string authfile;                    // --authfile
  std::optional<Credentials> credentials;  // --creds, for every registry
  int parallel_layers = 3;
  // false when files of other ids cannot be made (no subordinate ids).
  bool chown = true;
  // stdin and stdout are a terminal. An ambiguous short name (no alias,
  // several search registries) is then put to `choose` unless
  // short-name-mode is "disabled", and the answer recorded as an alias
  // after the pull, as podman does; without a terminal, "enforcing" refuses
  // it and the others try each registry in turn.
  bool terminal = false;
  // Returns the index of the candidate to pull; throws to give up.
  std::function<size_t(const std::vector<Reference>& candidates)> choose;
};

struct PulledImage {
  std::string id;
  Reference reference;  // the candidate that worked
  // Things that did not stop the pull (an alias that could not be recorded).
  std::vector<std::string> warnings;
};

// Pulls one reference (already resolved: not a short name). Throws Error.
PulledImage pull_reference(Store& store, const Reference& ref, const RegistriesConf& conf,
                           const PullOptions& options, const PullObserver& observer = {});

// What a user typed → references to try, in order: the name itself when
// it is fully qualified, else its alias or one per search registry.
// Throws Error for an invalid reference, or a short name with no search
// registries configured (podman's message).
std::vector<Reference> pull_candidates(std::string_view text, const RegistriesConf& conf,
                                       bool terminal = false);

// Tries each candidate in turn (podman's "Trying to pull ..."); the first
// that works wins. The error names every candidate's failure.
PulledImage pull(Store& store, std::string_view text, const RegistriesConf& conf,
                 const PullOptions& options, const PullObserver& observer = {});

}  // namespace nook::image
