#include "image/pull.hpp"

#include <ctime>

#include "image/client_setup.hpp"
#include "image/image_config.hpp"
#include "image/platform.hpp"
#include "sys/error.hpp"
#include "sys/parallel.hpp"

namespace nook::image {
namespace {

const std::vector<std::string>& accepted_manifest_types() {
  static const std::vector<std::string> types = {
      std::string(media_type::oci_manifest), std::string(media_type::docker_manifest),
      std::string(media_type::oci_index), std::string(media_type::docker_manifest_list)};
  return types;
}

struct Resolved {
  Manifest manifest;         // the image manifest
  std::string index_digest;  // when it came through an index
  Manifest index;
};

Resolved resolve_manifest(RegistryClient& client, const Reference& source,
                          const PullOptions& options) {
  Resolved r;
  Manifest top = client.fetch_manifest(source, accepted_manifest_types());
  if (classify_manifest(top.bytes, top.media_type) == ManifestKind::image_manifest) {
    r.manifest = std::move(top);
    return r;
  }
  ImageIndex index = parse_image_index(top.bytes, top.media_type);
  Platform want = options.platform ? *options.platform : current_platform();
  const Descriptor& chosen = choose_manifest(index, want);
  Reference by_digest = source;
  by_digest.tag.clear();
  by_digest.digest = chosen.digest;
  r.manifest = client.fetch_manifest(by_digest, accepted_manifest_types());
  if (r.manifest.bytes.size() != static_cast<size_t>(chosen.size))
    throw Error("manifest " + chosen.digest + ": the index says " + std::to_string(chosen.size) +
                " bytes, the registry sent " + std::to_string(r.manifest.bytes.size()));
  r.index_digest = top.digest;
  r.index = std::move(top);
  return r;
}

}  // namespace

std::vector<Reference> pull_candidates(std::string_view text, const RegistriesConf& conf,
                                       bool terminal) {
  if (!is_short_name(text)) return {parse_reference(text)};
  parse_reference(text);  // the error for an invalid name comes first
  std::vector<Reference> out;
  for (const ShortNameCandidate& c : conf.resolve_short_name(text)) out.push_back(c.reference);
  // Several search registries and no alias: ambiguous. podman's words.
  if (out.size() > 1 && conf.short_name_mode == ShortNameMode::enforcing && !terminal)
    throw Error("short-name resolution enforced but cannot prompt without a TTY");
  if (out.empty())
    throw Error("short-name \"" + std::string(text) +
                "\" did not resolve to an alias and no unqualified-search registries are "
                "defined in \"" +
                registries_conf_paths().main + "\"");
  return out;
}

PulledImage pull_reference(Store& store, const Reference& ref, const RegistriesConf& conf,
                           const PullOptions& options, const PullObserver& observer) {
  FileLock writer = store.lock_shared();
  store.remove_abandoned_staging();

  std::vector<PullSource> sources = conf.pull_sources(ref);
  std::string errors;
  for (const PullSource& source : sources) {
    try {
      RegistryClient client(make_client_options(options.client, conf, source.insecure,
                                                options.authfile, options.credentials));
      Resolved resolved = resolve_manifest(client, source.reference, options);
      ImageManifest manifest =
          parse_image_manifest(resolved.manifest.bytes, resolved.manifest.media_type);
      if (observer.manifest) observer.manifest(manifest.layers);

      std::string config_bytes = client.fetch_blob_bytes(source.reference, manifest.config.digest);
      if (config_bytes.size() != static_cast<size_t>(manifest.config.size))
        throw Error("config " + manifest.config.digest + ": the manifest says " +
                    std::to_string(manifest.config.size) + " bytes, the registry sent " +
                    std::to_string(config_bytes.size()));
      ImageConfig config = parse_image_config(config_bytes);
      check_manifest_config(manifest, config);
      if (!config.architecture.empty() && observer.warning) {
        Platform want = options.platform ? *options.platform : current_platform();
        Platform have{config.os, config.architecture, config.variant, {}, {}};
        if (!platform_matches(normalize_platform(want), normalize_platform(have)))
          observer.warning("image platform (" + format_platform(have) +
                           ") does not match the expected platform (" + format_platform(want) +
                           ")");
      }

      UnpackOptions unpack;
      unpack.chown = options.chown;
      std::vector<LayerRecord> layers(manifest.layers.size());
      std::atomic<uint64_t> skipped_devices{0};
      for_each_parallel(manifest.layers.size(), options.parallel_layers, [&](size_t i) {
        const Descriptor& d = manifest.layers[i];
        LayerSource src{d.digest, d.media_type, d.size, config.rootfs.diff_ids[i]};
        ProgressFn progress;
        if (observer.layer_progress)
          progress = [&observer, &d](uint64_t done, uint64_t total) {
            observer.layer_progress(d, done, total);
          };
        LayerFetchResult r = fetch_layer(store, client, source.reference, src, unpack, progress);
        layers[i] = r.record;
        skipped_devices += r.skipped_devices;
        if (observer.layer_done) observer.layer_done(d, r.outcome);
      });
      if (skipped_devices > 0 && observer.warning)
        observer.warning(std::to_string(skipped_devices.load()) +
                         " device node(s) in the image were skipped: a user namespace cannot "
                         "create them");
      store.write_blob(manifest.config.digest, config_bytes);
      if (observer.config_done) observer.config_done(manifest.config);
      if (observer.writing_manifest) observer.writing_manifest();
      store.write_blob(resolved.manifest.digest, resolved.manifest.bytes);
      if (!resolved.index_digest.empty())
        store.write_blob(resolved.index_digest, resolved.index.bytes);

      ImageRecord image;
      image.id = manifest.config.digest;
      image.manifest_digest = resolved.manifest.digest;
      image.manifest_media_type = manifest.media_type;
      image.created = config.created;
      image.added = static_cast<int64_t>(std::time(nullptr));
      for (const LayerRecord& l : layers) image.layers.push_back(l.diff_id);
      image.size = image_size(layers, resolved.manifest.bytes.size(), config_bytes.size());
      Reference named = ref;
      named.digest.clear();
      if (!ref.tag.empty()) image.names.push_back(named.string());
      image.repo_digests.push_back(ref.repository() + "@" + resolved.manifest.digest);
      if (!resolved.index_digest.empty())
        image.repo_digests.push_back(ref.repository() + "@" + resolved.index_digest);
      store.record_image(image);
      return PulledImage{image.id, ref};
    } catch (const Error& e) {
      if (sources.size() == 1) throw;
      errors += "\n  " + source.reference.string() + ": " + e.what();
    }
  }
  throw Error("pulling " + ref.string() + " failed from every source:" + errors);
}

PulledImage pull(Store& store, std::string_view text, const RegistriesConf& conf,
                 const PullOptions& options, const PullObserver& observer) {
  std::vector<Reference> candidates = pull_candidates(text, conf, options.terminal);
  if (candidates.size() > 1 && options.terminal && options.choose &&
      conf.short_name_mode != ShortNameMode::disabled) {
    size_t i = options.choose(candidates);
    if (i >= candidates.size()) throw Error("short-name resolution: no image was chosen");
    if (observer.trying) observer.trying(candidates[i]);
    PulledImage pulled = pull_reference(store, candidates[i], conf, options, observer);
    if (!conf.alias_cache.empty()) {
      std::string name(text.substr(0, text.find_first_of(":@")));
      try {
        record_short_name_alias(conf.alias_cache, name, candidates[i].repository());
      } catch (const Error& e) {
        pulled.warnings.push_back(std::string("the short-name alias was not recorded: ") +
                                  e.what());
      }
    }
    return pulled;
  }
  if (candidates.size() == 1) {
    if (observer.trying) observer.trying(candidates[0]);
    return pull_reference(store, candidates[0], conf, options, observer);
  }
  std::string errors;
  for (const Reference& c : candidates) {
    if (observer.trying) observer.trying(c);
    try {
      return pull_reference(store, c, conf, options, observer);
    } catch (const Error& e) {
      if (observer.candidate_failed) observer.candidate_failed(c, e.what());
      errors += "\n  " + c.string() + ": " + e.what();
    }
  }
  throw Error("pulling image \"" + std::string(text) + "\" failed from every candidate:" + errors);
}

}  // namespace nook::image
