#include "image/image_history.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "image/digest.hpp"
#include "image/image_views.hpp"

namespace nook::image {
namespace {

std::string string_field(const nlohmann::json& entry, const char* key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<HistoryEntry> image_history(Store& store, const ImageRecord& image) {
  nlohmann::json config = stored_config(store, image);
  auto history = config.find("history");
  if (history == config.end() || !history->is_array()) return {};

  // The images standing on each chain of layers (podman's layer tree): the
  // image itself first, so that its newest entry carries its own ID.
  std::map<std::vector<std::string>, std::vector<std::string>> tops;
  tops[image.layers].push_back(digest_hex(image.id));
  for (const ImageRecord& other : store.list_images())
    if (other.id != image.id) tops[other.layers].push_back(digest_hex(other.id));

  std::vector<HistoryEntry> out;
  std::set<std::string> used;
  // The layer the newest entries stand on; -1 once below the base layer.
  auto layer = static_cast<std::ptrdiff_t>(image.layers.size()) - 1;
  for (auto it = history->rbegin(); it != history->rend(); ++it) {
    if (!it->is_object()) continue;
    HistoryEntry e;
    e.id = "<missing>";
    e.created = string_field(*it, "created");
    e.created_by = string_field(*it, "created_by");
    e.comment = string_field(*it, "comment");
    auto empty_it = it->find("empty_layer");
    bool empty = empty_it != it->end() && empty_it->is_boolean() && empty_it->get<bool>();
    if (layer >= 0) {
      std::vector<std::string> chain(image.layers.begin(), image.layers.begin() + layer + 1);
      if (auto t = tops.find(chain); t != tops.end() && used.insert(t->second.front()).second)
        e.id = t->second.front();
      if (!empty) {
        if (auto rec = store.find_layer(image.layers[static_cast<size_t>(layer)]))
          e.size = rec->size;
        --layer;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace nook::image
