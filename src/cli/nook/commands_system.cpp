// nook system reset: everything nook stored for this user, including files
// owned by subordinate ids, which only the user namespace can delete.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "sys/file.hpp"

namespace nook::cli {
namespace {

void run_reset(Context& ctx, bool force) {
  std::string root = ctx.store_root();
  if (!force && !confirm("WARNING! This will remove:\n        - all images\n        - all build "
                         "cache\n        - all storage in " +
                         root + "\nAre you sure you want to continue?"))
    return;
  ctx.enter_storage_userns();
  image::remove_store(root);
}

// podman unshare: a command in the user namespace nook stores images in,
// to inspect or clean up files owned by subordinate ids.
void run_unshare(Context& ctx, std::vector<std::string> args) {
  std::string root = ctx.store_root();
  ctx.enter_storage_userns();
  if (args.empty()) {
    const char* shell = std::getenv("SHELL");
    args.push_back(shell && *shell ? shell : "/bin/sh");
  }
  ::setenv("NOOK_STORE", root.c_str(), 1);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string path = args[0];
  if (path.find('/') == std::string::npos) {
    const char* env_path = std::getenv("PATH");
    std::string dirs = env_path ? env_path : "/usr/local/bin:/usr/bin:/bin";
    std::string found;
    for (size_t start = 0; start <= dirs.size();) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string candidate = (end > start ? dirs.substr(start, end - start) : ".") + "/" + path;
      if (::access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
      start = end + 1;
    }
    if (found.empty()) {
      ctx.exit_code = 127;
      throw Error("exec: \"" + path + "\": executable file not found in $PATH");
    }
    path = found;
  }
  ::execv(path.c_str(), argv.data());
  int err = errno;
  ctx.exit_code = err == ENOENT ? 127 : 126;
  throw Error("exec", path, err);
}

}  // namespace

void add_system_commands(CLI::App& app, Context& ctx) {
  CLI::App* group = app.add_subcommand("system", "Manage nook");
  group->require_subcommand(1);
  auto force = std::make_shared<bool>(false);
  CLI::App* reset = group->add_subcommand("reset", "Reset nook storage back to the initial state");
  reset->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  reset->callback([&ctx, force] { run_reset(ctx, *force); });

  CLI::App* unshare = app.add_subcommand("unshare", "Run a command in a modified user namespace");
  unshare->prefix_command();
  unshare->callback([&ctx, unshare] { run_unshare(ctx, unshare->remaining()); });
}

}  // namespace nook::cli
