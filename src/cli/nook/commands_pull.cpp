// nook pull: podman's flags, its progress lines on stderr and the image ID
// on stdout.
#include <unistd.h>

#include <cstdio>

#include "cli.hpp"
#include "image/client_setup.hpp"
#include "image/digest.hpp"
#include "image/platform.hpp"
#include "image/pull.hpp"
#include "image/registries_conf.hpp"
#include "pull_progress.hpp"
#include "select_prompt.hpp"

namespace nook::cli {
namespace {

struct PullFlags {
  std::string image;
  bool quiet = false;
  bool all_tags = false;
  std::string platform, arch, os, variant;
  bool tls_verify = true;
  std::string authfile, creds, cert_dir;
};

std::optional<image::Platform> wanted_platform(const PullFlags& f) {
  if (!f.platform.empty()) {
    if (!f.arch.empty() || !f.os.empty() || !f.variant.empty())
      throw Error("--platform cannot be combined with --arch, --os or --variant");
    return image::parse_platform(f.platform);
  }
  if (f.arch.empty() && f.os.empty() && f.variant.empty()) return std::nullopt;
  image::Platform p = image::current_platform();
  if (!f.os.empty()) p.os = f.os;
  if (!f.arch.empty()) {
    p.architecture = f.arch;
    p.variant.clear();
  }
  if (!f.variant.empty()) p.variant = f.variant;
  return image::parse_platform(image::format_platform(p));
}

void run_pull(Context& ctx, const PullFlags& f) {
  image::PullOptions options;
  options.platform = wanted_platform(f);
  options.credentials = image::parse_creds_flag(f.creds);
  options.authfile = f.authfile;
  options.client.cert_dir = f.cert_dir;
  options.client.tls_verify = f.tls_verify;
  options.terminal = ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1;
  options.choose = [](const std::vector<image::Reference>& candidates) {
    std::vector<std::string> items;
    for (const auto& c : candidates) items.push_back(c.string());
    return select_prompt("Please select an image", items);
  };
  image::RegistriesConf conf = image::load_registries_conf();
  for (const std::string& w : conf.warnings) print_warning(w);

  ctx.enter_storage_userns();
  options.chown = ctx.can_chown();
  image::Store& store = ctx.store();
  PullProgress progress(f.quiet, ::isatty(STDERR_FILENO) == 1);

  std::vector<std::string> targets;
  if (f.all_tags) {
    image::Reference ref = image::parse_reference(f.image, image::DefaultTag::none);
    if (!ref.tag.empty() || !ref.digest.empty())
      throw Error("tag or digest can't be used with --all-tags flag");
    image::RegistryClient client(options.client);
    for (const std::string& tag : client.list_tags(ref))
      targets.push_back(ref.repository() + ":" + tag);
  } else {
    targets.push_back(f.image);
  }
  for (const std::string& t : targets) {
    image::PulledImage pulled = image::pull(store, t, conf, options, progress.observer());
    for (const std::string& w : pulled.warnings) print_warning(w);
    std::printf("%s\n", image::digest_hex(pulled.id).c_str());
    std::fflush(stdout);
  }
}

}  // namespace

void add_pull_command(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<PullFlags>();
  CLI::App* cmd = app.add_subcommand("pull", "Pull an image from a registry");
  cmd->add_option("image", f->image, "Image reference")->required();
  cmd->add_flag("-q,--quiet", f->quiet, "Suppress output information when pulling images");
  cmd->add_flag("-a,--all-tags", f->all_tags, "All tagged images in the repository will be pulled");
  cmd->add_option("--platform", f->platform, "Specify the platform for selecting the image");
  cmd->add_option("--arch", f->arch, "Use ARCH instead of the architecture of the machine");
  cmd->add_option("--os", f->os, "Use OS instead of the running OS for choosing images");
  cmd->add_option("--variant", f->variant,
                  "Use VARIANT instead of the running architecture variant");
  cmd->add_flag("--tls-verify", f->tls_verify, "Require HTTPS and verify certificates");
  cmd->add_option("--authfile", f->authfile, "Path of the authentication file");
  cmd->add_option("--creds", f->creds, "Credentials (USERNAME:PASSWORD) to use");
  cmd->add_option("--cert-dir", f->cert_dir, "Certificates (*.crt, *.cert, *.key) directory");
  cmd->callback([&ctx, f] { run_pull(ctx, *f); });
}

}  // namespace nook::cli
