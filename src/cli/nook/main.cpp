// nook: the docker/podman-compatible command line. Commands arrive with the
// image and engine issues; today it reports its version.
#include <CLI/CLI.hpp>
#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"nook: a daemonless rootless container engine", "nook"};
  app.set_version_flag("-v,--version", std::string("nook version ") + NOOK_VERSION);
  app.require_subcommand(0);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 125;
  }
  std::puts(app.help().c_str());
  return 0;
}
