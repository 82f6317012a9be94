#include <cstdio>

#include "cli.hpp"
#include "sys/error.hpp"

namespace nook::cli {

runtime::Runtime& Context::runtime() {
  if (!rt_) {
    std::string root = g_.root.empty() ? runtime::StateStore::default_root() : g_.root;
    rt_ = std::make_unique<runtime::Runtime>(root, g_.systemd_cgroup);
    rt_->set_warning_handler([this](const std::string& m) { report_warning(g_, m); });
  }
  return *rt_;
}

}  // namespace nook::cli

int main(int argc, char** argv) {
  using namespace nook::cli;
  GlobalOptions g;
  CLI::App app{"nook-runtime: a rootless OCI runtime with runc's command line", "nook-runtime"};
  app.set_version_flag("-v,--version",
                       std::string("nook-runtime version ") + NOOK_VERSION +
                           "\nspec: 1.0.2\nlibseccomp: " + nook_libseccomp_version());
  app.add_option("--root", g.root,
                 "directory for container state (default $XDG_RUNTIME_DIR/nook-runtime)");
  app.add_option("--log", g.log_file, "append errors to this file");
  app.add_option("--log-format", g.log_format, "log format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "more output in the log");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "use systemd to manage cgroups");
  app.add_option("--rootless", g.rootless, "accepted for runc compatibility (true|false|auto)");
  app.add_option("--criu", "accepted for runc compatibility; checkpointing is not supported");
  app.require_subcommand(1);
  app.fallthrough(false);

  Context ctx(g);
  add_lifecycle_commands(app, ctx);
  add_query_commands(app, ctx);
  add_exec_command(app, ctx);
  add_cgroup_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    report_error(g, e.what());
    return 1;
  } catch (const nook::Error& e) {
    report_error(g, e.what());
    return ctx.exit_code ? ctx.exit_code : 1;
  } catch (const std::exception& e) {
    report_error(g, e.what());
    return 1;
  }
  return ctx.exit_code;
}
