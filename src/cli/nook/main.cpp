// nook: the docker/podman-compatible command line.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli.hpp"

int main(int argc, char** argv) {
  using namespace nook::cli;
  CLI::App app{"nook: a daemonless rootless container engine", "nook"};
  app.set_version_flag("-v,--version", std::string("nook version ") + NOOK_VERSION);
  GlobalOptions globals;
  app.add_option("--root", globals.root, "Path to the image store (default $XDG_DATA_HOME/nook)");
  app.add_option("--log-level", globals.log_level, "Log messages at and above this level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "fatal", "panic"}));
  app.require_subcommand(0, 1);
  // podman accepts flags after positional arguments too (nook run IMG --rm
  // is not that, but nook images --format x is); CLI11's default is fine.
  Context ctx(globals);
  add_pull_command(app, ctx);
  add_image_commands(app, ctx);
  add_system_commands(app, ctx);
  add_archive_commands(app, ctx);
  add_registry_commands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    print_error(e.what());
    return kExitError;
  } catch (const nook::Error& e) {
    print_error(e.what());
    return ctx.exit_code ? ctx.exit_code : kExitError;
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitError;
  }
  if (app.get_subcommands().empty()) std::fputs(app.help().c_str(), stdout);
  return ctx.exit_code;
}
