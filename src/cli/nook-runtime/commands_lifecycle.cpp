#include <signal.h>

#include "cli.hpp"
#include "sys/error.hpp"

namespace nook::cli {
namespace {

void add_create_flags(CLI::App* cmd, runtime::CreateOptions& o) {
  cmd->add_option("id", o.id, "container id")->required();
  cmd->add_option("-b,--bundle", o.bundle, "bundle directory (default: current directory)");
  cmd->add_option("--console-socket", o.console_socket,
                  "unix socket that receives the pty master when process.terminal is true");
  cmd->add_option("--pid-file", o.pid_file, "write the container process's pid here");
  cmd->add_option("--preserve-fds", o.preserve_fds, "pass N extra fds (3..3+N-1) to the process")
      ->check(CLI::Range(0, 65536));
  cmd->add_flag("--no-pivot", o.no_pivot, "use MS_MOVE and chroot instead of pivot_root");
  cmd->add_flag("--no-new-keyring", o.no_new_keyring, "keep the caller's session keyring");
}

}  // namespace

void add_lifecycle_commands(CLI::App& app, Context& ctx) {
  static runtime::CreateOptions create_opts;
  auto* create = app.add_subcommand("create", "create a container (its process waits for start)");
  add_create_flags(create, create_opts);
  create->callback([&ctx] { ctx.runtime().create(create_opts); });

  static std::string start_id;
  auto* start = app.add_subcommand("start", "run the process of a created container");
  start->add_option("id", start_id, "container id")->required();
  start->callback([&ctx] { ctx.runtime().start(start_id); });

  static runtime::CreateOptions run_opts;
  static bool detach = false, keep = false;
  auto* run = app.add_subcommand("run", "create and start a container");
  add_create_flags(run, run_opts);
  run->add_flag("-d,--detach", detach, "return once the process started");
  run->add_flag("--keep", keep, "do not delete the container after it exits");
  run->callback([&ctx] {
    try {
      ctx.exit_code = ctx.runtime().run(run_opts, detach, keep);
    } catch (const Error& e) {
      ctx.exit_code = exit_code_for_start_error(e);
      throw;
    }
  });

  static std::string delete_id;
  static bool force = false;
  auto* del = app.add_subcommand("delete", "delete a container and its state");
  del->add_option("id", delete_id, "container id")->required();
  del->add_flag("-f,--force", force, "kill the container first if it is running");
  del->callback([&ctx] { ctx.runtime().remove(delete_id, force); });

  static std::string kill_id, kill_signal = "SIGTERM";
  static bool all = false;
  auto* kill = app.add_subcommand("kill", "send a signal to the container's process");
  kill->add_option("id", kill_id, "container id")->required();
  kill->add_option("signal", kill_signal, "signal name or number (default SIGTERM)");
  kill->add_flag("-a,--all", all, "signal every process of the container");
  kill->callback([&ctx] { ctx.runtime().kill(kill_id, runtime::parse_signal(kill_signal), all); });
}

}  // namespace nook::cli
