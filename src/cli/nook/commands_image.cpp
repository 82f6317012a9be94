// images, rmi, tag, untag, history and the `image` group: podman's flags,
// output and exit codes.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>

#include "cli.hpp"
#include "format/report.hpp"
#include "format/units.hpp"
#include "image/digest.hpp"
#include "image/image_history.hpp"
#include "image/image_views.hpp"
#include "image/reference.hpp"

namespace nook::cli {
namespace {

const std::map<std::string, std::string>& image_headers() {
  static const std::map<std::string, std::string> h = {{"ID", "IMAGE ID"},
                                                       {"Id", "IMAGE ID"},
                                                       {"Repository", "REPOSITORY"},
                                                       {"Tag", "TAG"},
                                                       {"Digest", "DIGEST"},
                                                       {"Created", "CREATED"},
                                                       {"CreatedSince", "CREATED"},
                                                       {"CreatedAt", "CREATED AT"},
                                                       {"Size", "SIZE"},
                                                       {"VirtualSize", "VIRTUAL SIZE"},
                                                       {"SharedSize", "SHARED SIZE"},
                                                       {"UniqueSize", "UNIQUE SIZE"},
                                                       {"ReadOnly", "R/O"},
                                                       {"Containers", "CONTAINERS"}};
  return h;
}

// ---- images ----
struct ImagesFlags {
  bool all = false, quiet = false, digests = false, no_trunc = false, noheading = false;
  std::string format;
  std::vector<std::string> filters;
  std::string sort = "created";
  std::string image;  // podman images [IMAGE]: a reference filter
};

void run_images(Context& ctx, const ImagesFlags& f) {
  image::ImageListOptions o;
  o.no_trunc = f.no_trunc;
  o.filters = f.filters;
  if (!f.image.empty()) o.filters.push_back("reference=" + f.image);
  auto entries = image::image_list(ctx.store(), o, std::chrono::system_clock::now());
  // podman's orders: created newest first, the rest ascending.
  auto by = [&](auto key) {
    std::stable_sort(entries.begin(), entries.end(),
                     [&](const auto& a, const auto& b) { return key(a) < key(b); });
  };
  auto text = [](const char* field) {
    return [field](const image::ImageListEntry& e) { return e.row[field].get<std::string>(); };
  };
  if (f.sort == "repository") {
    by(text("Repository"));
  } else if (f.sort == "tag") {
    by(text("Tag"));
  } else if (f.sort == "id") {
    by(text("ID"));
  } else if (f.sort == "size") {
    by([](const image::ImageListEntry& e) { return e.size; });
  } else if (f.sort == "created") {
    by([](const image::ImageListEntry& e) { return -e.created; });
  } else {
    throw Error("\"" + f.sort +
                "\" is not a valid field for sorting: created, id, repository, size, tag");
  }
  if (f.quiet) {
    std::set<std::string> seen;
    for (auto& e : entries) {
      std::string id = e.row["ID"];
      if (seen.insert(id).second) std::printf("%s\n", id.c_str());
    }
    return;
  }
  if (format::is_json_format(f.format)) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (auto& e : entries) all.push_back(std::move(e.summary));
    std::printf("%s\n", all.dump(4, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::vector<nlohmann::json> rows;
  for (auto& e : entries) rows.push_back(std::move(e.row));
  std::string def =
      f.digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"
                : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";
  std::fputs(render_format(f.format, def, rows, image_headers(), f.noheading).c_str(), stdout);
}

void add_images_flags(CLI::App* cmd, ImagesFlags& f) {
  cmd->add_flag("-a,--all", f.all, "Show all images (default hides intermediate images)");
  cmd->add_flag("-q,--quiet", f.quiet, "Display only image IDs");
  cmd->add_flag("--digests", f.digests, "Show digests");
  cmd->add_flag("--no-trunc", f.no_trunc, "Do not truncate output");
  cmd->add_flag("-n,--noheading", f.noheading, "Do not print column headings");
  cmd->add_option("--format", f.format, "Change the output format to JSON or a Go template");
  cmd->add_option("-f,--filter", f.filters, "Filter output based on conditions provided");
  cmd->add_option("--sort", f.sort, "Sort by created, id, repository, size or tag");
  cmd->add_option("image", f.image, "Show only images matching this reference");
}

// ---- inspect ----
void run_inspect(Context& ctx, const std::vector<std::string>& names, const std::string& format) {
  image::Store& store = ctx.store();
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  std::vector<std::string> missing;
  for (const std::string& n : names) {
    auto img = store.lookup(n);
    if (!img) {
      missing.push_back(n);
      continue;
    }
    all.push_back(image::inspect_image_json(store, *img));
  }
  if (format.empty() || format == "json") {
    // Five spaces a level, as podman 4 indents inspect output.
    std::printf("%s\n", all.dump(5, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::vector<nlohmann::json> rows;
    for (const auto& one : all) rows.emplace_back(one);
    std::fputs(render_format(format, "", rows, {}).c_str(), stdout);
  }
  if (!missing.empty()) {
    // podman's words.
    for (size_t i = 0; i + 1 < missing.size(); ++i)
      print_error("inspecting object: " + missing[i] + ": image not known");
    throw Error("inspecting object: " + missing.back() + ": image not known");
  }
}

// ---- rmi ----
struct RmiFlags {
  std::vector<std::string> images;
  bool all = false, force = false, ignore = false;
};

void run_rmi(Context& ctx, const RmiFlags& f) {
  if (f.all && !f.images.empty())
    throw Error("when using the --all switch, you may not pass any images names or IDs");
  if (!f.all && f.images.empty()) throw Error("image name or ID must be specified");
  ctx.enter_storage_userns();
  image::Store& store = ctx.store();
  std::vector<std::string> targets = f.images;
  if (f.all)
    for (auto& img : store.list_images()) targets.push_back(img.id);
  int code = 0;
  std::string last_error;
  for (const std::string& t : targets) {
    auto img = store.lookup(t);
    if (!img) {
      // podman's --force passes over unknown images too.
      if (f.ignore || f.force) continue;
      if (!last_error.empty()) print_error(last_error);
      last_error = t + ": image not known";
      code = 1;
      continue;
    }
    // A name given: untag that name only, unless it is the last one.
    std::optional<std::string> name = store.find_name(t);
    bool by_id = !name;
    if (name && img->names.size() > 1) {
      store.remove_name(img->id, *name);
      std::printf("Untagged: %s\n", name->c_str());
      continue;
    }
    if (by_id && img->names.size() > 1 && !f.force) {
      std::string list;
      for (auto& n : img->names) list += (list.empty() ? "" : " ") + n;
      if (!last_error.empty()) print_error(last_error);
      last_error = "unable to delete image \"" + image::digest_hex(img->id) +
                   "\" by ID with more than one tag ([" + list + "]): please force removal";
      code = code ? code : kExitError;
      continue;
    }
    for (const std::string& n : img->names) std::printf("Untagged: %s\n", n.c_str());
    store.remove_image_record(img->id);
    std::printf("Deleted: %s\n", image::digest_hex(img->id).c_str());
  }
  std::fflush(stdout);
  store.collect_garbage();
  if (!last_error.empty()) {
    ctx.exit_code = code;
    print_error(last_error);
  }
}

// ---- tag / untag ----
std::string normalise_target(const std::string& text) {
  // podman names a short target under localhost/, not docker.io.
  if (image::is_short_name(text)) {
    image::Reference r = image::parse_reference("localhost/" + text);
    if (!r.digest.empty()) throw Error("tag " + text + ": a tag cannot carry a digest");
    return r.string();
  }
  image::Reference r = image::parse_reference(text);
  if (!r.digest.empty()) throw Error("tag " + text + ": a tag cannot carry a digest");
  return r.string();
}

image::ImageRecord must_find(image::Store& store, const std::string& text) {
  auto img = store.lookup(text);
  if (!img) throw Error(text + ": image not known");
  return *img;
}

void run_tag(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) throw Error("at least two arguments are required: SOURCE TARGET...");
  image::Store& store = ctx.store();
  auto img = must_find(store, args[0]);
  std::vector<std::string> targets;
  for (size_t i = 1; i < args.size(); ++i) targets.push_back(normalise_target(args[i]));
  FileLock writer = store.lock_shared();
  for (const std::string& t : targets) store.add_name(img.id, t);
}

void run_untag(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) throw Error("at least one argument is required: IMAGE [NAME...]");
  image::Store& store = ctx.store();
  auto img = must_find(store, args[0]);
  if (args.size() == 1) {
    for (const std::string& n : img.names) store.remove_name(img.id, n);
    return;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    std::string name = normalise_target(args[i]);
    if (!store.remove_name(img.id, name)) {
      // "busybox" may mean docker.io/library/busybox:latest, as rmi finds it.
      image::Reference r = image::parse_reference(args[i]);
      if (!store.remove_name(img.id, r.string())) throw Error(name + ": tag not known");
    }
  }
}

// ---- history ----
struct HistoryFlags {
  std::string image, format;
  bool human = true, no_trunc = false, quiet = false;
};

void run_history(Context& ctx, const HistoryFlags& f) {
  image::Store& store = ctx.store();
  auto img = must_find(store, f.image);
  std::vector<image::HistoryEntry> entries = image::image_history(store, img);
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  struct Time {
    int64_t secs = 0, nanos = 0;
  };
  auto time_of = [](const image::HistoryEntry& e) {
    Time t;
    format::parse_rfc3339(e.created, t.secs, t.nanos);
    return t;
  };
  if (format::is_json_format(f.format)) {
    // podman's entities.ImageHistoryLayer, plus "Created" in RFC 3339.
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& e : entries) {
      Time t = time_of(e);
      nlohmann::ordered_json j{{"id", e.id}};
      // No time in the config: podman leaves "created" out.
      if (!e.created.empty()) j["created"] = format::rfc3339_string(t.secs, t.nanos);
      if (!e.created_by.empty()) j["CreatedBy"] = e.created_by;
      j["size"] = e.size;
      if (!e.comment.empty()) j["comment"] = e.comment;
      j["Created"] = format::rfc3339_string(t.secs, 0);
      out.push_back(std::move(j));
    }
    // Go's json.Encoder, as podman uses it, escapes <, > and & (only ever
    // inside strings): "<missing>" comes out as "\u003cmissing\u003e".
    std::string text = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string escaped;
    for (char c : text) {
      if (c == '<')
        escaped += "\\u003c";
      else if (c == '>')
        escaped += "\\u003e";
      else if (c == '&')
        escaped += "\\u0026";
      else
        escaped += c;
    }
    std::printf("%s\n", escaped.c_str());
    return;
  }
  std::vector<nlohmann::json> rows;
  for (const auto& e : entries) {
    Time t = time_of(e);
    std::string created = f.human
                              ? format::human_duration(std::chrono::seconds(now - t.secs)) + " ago"
                              : format::rfc3339_string(t.secs, 0);
    std::string by = e.created_by;
    if (!f.no_trunc && by.size() > 45) by = by.substr(0, 42) + "...";
    std::string id = e.id;
    if (!f.no_trunc && id.size() >= 12) id = id.substr(0, 12);
    rows.push_back({{"ID", id},
                    {"Created", created},
                    {"CreatedAt", format::go_time_string(t.secs, 0)},
                    {"CreatedSince", created},
                    {"CreatedBy", by},
                    // Human even with --human=false, as podman.
                    {"Size", format::human_size(e.size)},
                    {"Comment", e.comment},
                    {"Tags", nullptr}});
  }
  if (f.quiet) {
    for (auto& r : rows) std::printf("%s\n", r["ID"].get<std::string>().c_str());
    return;
  }
  static const std::map<std::string, std::string> headers = {{"ID", "ID"},
                                                             {"Created", "CREATED"},
                                                             {"CreatedBy", "CREATED BY"},
                                                             {"Size", "SIZE"},
                                                             {"Comment", "COMMENT"},
                                                             {"CreatedAt", "CREATED AT"},
                                                             {"CreatedSince", "CREATED"}};
  std::fputs(render_format(f.format,
                           "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
                           rows, headers)
                 .c_str(),
             stdout);
}

// ---- prune ----
void run_prune(Context& ctx, bool all, bool force, const std::vector<std::string>& filters) {
  if (!force && !confirm(all ? "WARNING! This command removes all images without at least one "
                               "container associated with them.\nAre you sure you want to continue?"
                             : "WARNING! This command removes all dangling images.\nAre you sure "
                               "you want to continue?"))
    return;
  ctx.enter_storage_userns();
  image::Store& store = ctx.store();
  image::ImageFilter filter(store, filters);
  for (auto& img : store.list_images()) {
    if (!all && !img.names.empty()) continue;
    auto config = nlohmann::json::parse(store.read_blob(img.id, 4 << 20), nullptr, false);
    if (!filter.matches(img, config)) continue;
    store.remove_image_record(img.id);
    std::printf("%s\n", image::digest_hex(img.id).c_str());
  }
  store.collect_garbage();
}

}  // namespace

void add_image_commands(CLI::App& app, Context& ctx) {
  CLI::App* group = app.add_subcommand("image", "Manage images");
  group->require_subcommand(1);

  auto images = std::make_shared<ImagesFlags>();
  for (CLI::App* parent : {&app, group}) {
    CLI::App* cmd = parent == &app
                        ? parent->add_subcommand("images", "List images in local storage")
                        : parent->add_subcommand("list", "List images in local storage");
    if (parent != &app) cmd->alias("ls");
    add_images_flags(cmd, *images);
    cmd->callback([&ctx, images] { run_images(ctx, *images); });
  }

  auto inspect_names = std::make_shared<std::vector<std::string>>();
  auto inspect_format = std::make_shared<std::string>();
  CLI::App* inspect = group->add_subcommand("inspect", "Display the configuration of an image");
  inspect->add_option("image", *inspect_names, "Images")->required();
  inspect->add_option("-f,--format", *inspect_format, "Format the output to a Go template or json");
  inspect->callback(
      [&ctx, inspect_names, inspect_format] { run_inspect(ctx, *inspect_names, *inspect_format); });

  auto rmi = std::make_shared<RmiFlags>();
  for (CLI::App* cmd :
       {app.add_subcommand("rmi", "Remove one or more images from local storage"),
        group->add_subcommand("rm", "Remove one or more images from local storage")}) {
    cmd->add_option("image", rmi->images, "Images");
    cmd->add_flag("-a,--all", rmi->all, "Remove all images");
    cmd->add_flag("-f,--force", rmi->force,
                  "Force removal of the image and any containers using it");
    cmd->add_flag("-i,--ignore", rmi->ignore, "Ignore errors if a specified image does not exist");
    cmd->callback([&ctx, rmi] { run_rmi(ctx, *rmi); });
  }

  auto tag_args = std::make_shared<std::vector<std::string>>();
  for (CLI::App* cmd : {app.add_subcommand("tag", "Add an additional name to a local image"),
                        group->add_subcommand("tag", "Add an additional name to a local image")}) {
    cmd->add_option("args", *tag_args, "IMAGE TARGET_NAME[:TAG]...")->required();
    cmd->callback([&ctx, tag_args] { run_tag(ctx, *tag_args); });
  }
  auto untag_args = std::make_shared<std::vector<std::string>>();
  for (CLI::App* cmd : {app.add_subcommand("untag", "Remove a name from a local image"),
                        group->add_subcommand("untag", "Remove a name from a local image")}) {
    cmd->add_option("args", *untag_args, "IMAGE [IMAGE...]")->required();
    cmd->callback([&ctx, untag_args] { run_untag(ctx, *untag_args); });
  }

  auto hist = std::make_shared<HistoryFlags>();
  for (CLI::App* cmd : {app.add_subcommand("history", "Show history of a specified image"),
                        group->add_subcommand("history", "Show history of a specified image")}) {
    cmd->add_option("image", hist->image, "Image")->required();
    cmd->add_option("-H,--human", hist->human, "Display sizes and dates in human readable format")
        ->expected(0, 1)
        ->default_str("true");
    cmd->add_flag("--no-trunc", hist->no_trunc, "Do not truncate the output");
    cmd->add_flag("-q,--quiet", hist->quiet, "Display the numeric IDs only");
    cmd->add_option("--format", hist->format, "Change the output to JSON or a Go template");
    cmd->callback([&ctx, hist] { run_history(ctx, *hist); });
  }

  auto exists_name = std::make_shared<std::string>();
  CLI::App* exists = group->add_subcommand("exists", "Check if an image exists in local storage");
  exists->add_option("image", *exists_name, "Image")->required();
  exists->callback([&ctx, exists_name] {
    if (!ctx.store().lookup(*exists_name)) ctx.exit_code = 1;
  });

  auto prune_all = std::make_shared<bool>(false);
  auto prune_force = std::make_shared<bool>(false);
  auto prune_filters = std::make_shared<std::vector<std::string>>();
  CLI::App* prune = group->add_subcommand("prune", "Remove unused images");
  prune->add_flag("-a,--all", *prune_all,
                  "Remove all images not in use by containers, not just dangling ones");
  prune->add_flag("-f,--force", *prune_force, "Do not prompt for confirmation");
  prune->add_option("--filter", *prune_filters,
                    "Provide filter values (e.g. 'label=<key>=<value>')");
  prune->callback([&ctx, prune_all, prune_force, prune_filters] {
    run_prune(ctx, *prune_all, *prune_force, *prune_filters);
  });
}

}  // namespace nook::cli
