// save, load, import (and `image save|load|import`): podman's flags, its
// progress lines on stderr, and its results on stdout ("Loaded image: NAME",
// the imported image's ID).
#include <unistd.h>

#include <cstdio>
#include <utility>

#include "cli.hpp"
#include "image/config_change.hpp"
#include "image/http_client.hpp"
#include "image/image_import.hpp"
#include "image/image_load.hpp"
#include "image/image_save.hpp"

namespace nook::cli {
namespace {

void progress(bool quiet, const char* format, const std::string& arg = {}) {
  if (quiet) return;
  std::fprintf(stderr, format, arg.c_str());
  std::fflush(stderr);
}

// ---- save ----
struct SaveFlags {
  std::vector<std::string> images;
  std::string output, format = "docker-archive";
  bool quiet = false, multi = false;
};

void run_save(Context& ctx, const SaveFlags& f) {
  image::ArchiveFormat format = image::parse_archive_format(f.format);
  if (f.images.empty()) throw Error("need at least 1 argument");
  if (f.multi && format != image::ArchiveFormat::docker_archive)
    throw Error("unsupported format \"" + f.format +
                "\" for saving multiple images (only docker-archive)");
  if (f.output.empty()) {
    if (image::is_directory_format(format))
      throw Error("the " + f.format + " format writes a directory: give it with -o DIR");
    if (::isatty(STDOUT_FILENO) == 1)
      throw Error("refusing to save to terminal. Use -o flag or redirect");
  }
  image::Store& store = ctx.store();
  std::vector<image::SaveItem> items = image::resolve_save_items(store, f.images, f.multi);
  image::SaveObserver observer;
  observer.blob = [&](const std::string& d) { progress(f.quiet, "Copying blob %s\n", d); };
  observer.config = [&](const std::string& d) { progress(f.quiet, "Copying config %s\n", d); };
  observer.writing_manifest = [&] { progress(f.quiet, "Writing manifest to image destination\n"); };
  if (f.output.empty())
    image::save_to_fd(store, items, format, STDOUT_FILENO, observer);
  else
    image::save_to_path(store, items, format, f.output, observer);
}

// ---- load ----
struct LoadFlags {
  std::string input;
  bool quiet = false;
};

void run_load(Context& ctx, const LoadFlags& f) {
  if (f.input.empty() && ::isatty(STDIN_FILENO) == 1)
    throw Error("cannot read from terminal, use command-line redirection or the --input flag");
  ctx.enter_storage_userns();
  image::LoadOptions options;
  options.chown = ctx.can_chown();
  image::LoadObserver observer;
  // podman's first line of a copy, before the first blob.
  bool started = false;
  observer.blob = [&](const std::string& d) {
    if (!std::exchange(started, true)) progress(f.quiet, "Getting image source signatures\n");
    progress(f.quiet, "Copying blob %s\n", d);
  };
  observer.config = [&](const std::string& d) { progress(f.quiet, "Copying config %s\n", d); };
  observer.writing_manifest = [&] { progress(f.quiet, "Writing manifest to image destination\n"); };
  observer.warning = [](const std::string& m) { print_warning(m); };
  image::Store& store = ctx.store();
  std::vector<image::LoadedImage> loaded =
      f.input.empty() ? image::load_from_fd(store, STDIN_FILENO, options, observer)
                      : image::load_from_path(store, f.input, options, observer);
  for (const image::LoadedImage& img : loaded) {
    if (img.names.empty()) std::printf("Loaded image: %s\n", img.id.c_str());
    for (const std::string& name : img.names) std::printf("Loaded image: %s\n", name.c_str());
  }
}

// ---- import ----
struct ImportFlags {
  std::string source, reference, message, os, arch, variant;
  std::vector<std::string> changes;
  bool quiet = false;
};

void run_import(Context& ctx, const ImportFlags& f) {
  image::ImportOptions options;
  options.changes = f.changes;
  options.message = f.message;
  options.os = f.os;
  options.architecture = f.arch;
  options.variant = f.variant;
  options.reference = f.reference;
  // Bad input is reported before the user namespace (and its warnings).
  image::ContainerConfig scratch;
  for (const std::string& c : f.changes) image::apply_config_change(scratch, c);
  if (!f.reference.empty()) image::import_image_name(f.reference);
  if (f.source == "-" && ::isatty(STDIN_FILENO) == 1)
    throw Error("cannot read from terminal, use command-line redirection or give a file");
  if (f.source.find("://") != std::string::npos && !image::is_import_url(f.source))
    throw Error("import: " + image::redact_url(f.source) +
                ": only http:// and https:// URLs can be imported");

  ctx.enter_storage_userns();
  options.chown = ctx.can_chown();
  image::ImportObserver observer;
  // podman's first line of a copy, before the first blob.
  bool started = false;
  observer.blob = [&](const std::string& d) {
    if (!std::exchange(started, true)) progress(f.quiet, "Getting image source signatures\n");
    progress(f.quiet, "Copying blob %s\n", d);
  };
  observer.config = [&](const std::string& d) { progress(f.quiet, "Copying config %s\n", d); };
  observer.writing_manifest = [&] { progress(f.quiet, "Writing manifest to image destination\n"); };
  image::Store& store = ctx.store();
  // podman says this on stdout, where it spoils `id=$(podman import URL)`.
  if (image::is_import_url(f.source))
    progress(f.quiet, "Downloading from \"%s\"\n", image::redact_url(f.source));
  image::ImportedImage img = f.source == "-"
                                 ? image::import_from_fd(store, STDIN_FILENO, options, observer)
                                 : image::import_from_path(store, f.source, options, observer);
  std::printf("%s\n", img.id.c_str());
}

CLI::App* image_group(CLI::App& app) {
  auto found = app.get_subcommands([](CLI::App* a) { return a->get_name() == "image"; });
  return found.empty() ? nullptr : found.front();
}

}  // namespace

void add_archive_commands(CLI::App& app, Context& ctx) {
  std::vector<CLI::App*> parents = {&app};
  if (CLI::App* group = image_group(app)) parents.push_back(group);

  auto save = std::make_shared<SaveFlags>();
  auto load = std::make_shared<LoadFlags>();
  auto import = std::make_shared<ImportFlags>();
  for (CLI::App* parent : parents) {
    CLI::App* s = parent->add_subcommand("save", "Save image(s) to an archive");
    s->add_option("image", save->images, "Images to save")->required();
    s->add_option("-o,--output", save->output,
                  "Write to a specified file (default: stdout, which must be redirected)");
    s->add_option("--format", save->format,
                  "Save image to oci-archive, oci-dir (directory with oci manifest type), "
                  "docker-archive, docker-dir (directory with v2s2 manifest type)");
    s->add_flag("-q,--quiet", save->quiet, "Suppress the output");
    s->add_flag("-m,--multi-image-archive", save->multi,
                "Interpret additional arguments as images not tags and create a "
                "multi-image-archive (only for docker-archive)");
    s->callback([&ctx, save] { run_save(ctx, *save); });

    CLI::App* l = parent->add_subcommand("load", "Load image(s) from a tar archive");
    l->add_option("-i,--input", load->input, "Read from specified archive file (default: stdin)");
    l->add_flag("-q,--quiet", load->quiet, "Suppress the output");
    l->callback([&ctx, load] { run_load(ctx, *load); });

    CLI::App* i = parent->add_subcommand("import", "Import a tarball to create a filesystem image");
    i->add_option("path", import->source,
                  "Tarball to import: a file, an http(s) URL, or - for stdin")
        ->required();
    i->add_option("reference", import->reference, "Name of the new image");
    i->add_option("-c,--change", import->changes,
                  "Apply the following possible instructions to the created image: CMD | "
                  "ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | "
                  "WORKDIR")
        ->allow_extra_args(false);
    i->add_option("-m,--message", import->message, "Set commit message for imported image");
    i->add_option("--os", import->os, "Set the OS of the imported image");
    i->add_option("--arch", import->arch, "Set the architecture of the imported image");
    i->add_option("--variant", import->variant, "Set the variant of the imported image");
    i->add_flag("-q,--quiet", import->quiet, "Suppress output");
    i->callback([&ctx, import] { run_import(ctx, *import); });
  }
}

}  // namespace nook::cli
