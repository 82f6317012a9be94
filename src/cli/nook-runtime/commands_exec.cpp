#include "cli.hpp"
#include "oci/spec_parse.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::cli {
namespace {

struct ExecFlags {
  std::string process_file, cwd, user, apparmor, process_label, cgroup;
  std::vector<std::string> env, caps, args;
  std::vector<unsigned> additional_gids;
  bool tty = false, no_new_privs = false, ignore_paused = false;
};

// "1000", "1000:1000" → uid/gid.
void parse_user(const std::string& s, oci::User& u) {
  auto colon = s.find(':');
  auto num = [&](const std::string& t, const char* what) -> uint32_t {
    if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos || t.size() > 10)
      throw Error(std::string("exec --user: invalid ") + what + " \"" + t +
                  "\" (expected UID[:GID] as numbers)");
    unsigned long v = std::stoul(t);
    if (v > 0xFFFFFFFEul) throw Error(std::string("exec --user: ") + what + " out of range");
    return static_cast<uint32_t>(v);
  };
  u.uid = num(s.substr(0, colon), "uid");
  if (colon != std::string::npos) u.gid = num(s.substr(colon + 1), "gid");
}

oci::Process build_process(Context& ctx, const std::string& id, const ExecFlags& f) {
  if (!f.process_file.empty()) return oci::parse_process(read_file(f.process_file));
  // Like runc: the container's own process is the template; flags override.
  std::string config = read_file(ctx.runtime().store().config_path(id));
  oci::Process p = oci::parse_spec(config).process;
  if (f.args.empty()) throw Error("exec: no command given: pass a command or --process FILE");
  p.args = f.args;
  p.terminal = f.tty;
  p.console_size.reset();
  if (!f.cwd.empty()) p.cwd = f.cwd;
  for (const auto& e : f.env) {
    // Like runc: -e KEY=V replaces the template's KEY (the first match wins
    // in getenv and in the PATH lookup).
    std::string key = e.substr(0, e.find('='));
    std::erase_if(p.env, [&](const std::string& old) {
      return old.compare(0, key.size() + 1, key + "=") == 0 || old == key;
    });
    p.env.push_back(e);
  }
  if (!f.user.empty()) {
    p.user = oci::User{};
    parse_user(f.user, p.user);
  }
  for (unsigned g : f.additional_gids) p.user.additional_gids.push_back(g);
  if (!f.caps.empty()) {
    if (!p.capabilities) p.capabilities.emplace();
    for (const auto& c : f.caps) {
      p.capabilities->bounding.push_back(c);
      p.capabilities->effective.push_back(c);
      p.capabilities->permitted.push_back(c);
    }
  }
  if (f.no_new_privs) p.no_new_privileges = true;
  return p;
}

}  // namespace

void add_exec_command(CLI::App& app, Context& ctx) {
  static runtime::ExecOptions opts;
  static ExecFlags f;
  auto* exec = app.add_subcommand("exec", "run a process in a running container");
  exec->add_option("-p,--process", f.process_file, "process.json to run (instead of a command)");
  exec->add_flag("-t,--tty", f.tty, "allocate a pseudo-terminal");
  exec->add_option("--console-socket", opts.console_socket, "receives the pty master");
  exec->add_option("--cwd", f.cwd, "working directory in the container");
  exec->add_option("-e,--env", f.env, "extra environment variable (KEY=VALUE)")
      ->allow_extra_args(false);
  exec->add_option("-u,--user", f.user, "UID[:GID] to run as");
  exec->add_option("-g,--additional-gids", f.additional_gids, "additional group id")
      ->allow_extra_args(false);
  exec->add_option("-c,--cap", f.caps, "add a capability (CAP_X)")->allow_extra_args(false);
  exec->add_flag("-d,--detach", opts.detach, "do not wait for the process");
  exec->add_option("--pid-file", opts.pid_file, "write the process's pid here");
  exec->add_option("--preserve-fds", opts.preserve_fds, "pass N extra fds")
      ->check(CLI::Range(0, 65536));
  exec->add_flag("--no-new-privs", f.no_new_privs, "set no_new_privs for the process");
  exec->add_option("--process-label", f.process_label, "accepted; SELinux is not supported");
  exec->add_option("--apparmor", f.apparmor, "accepted; AppArmor is not supported");
  exec->add_flag("--ignore-paused", f.ignore_paused, "accepted for runc compatibility");
  exec->add_option("--cgroup", f.cgroup, "accepted for runc compatibility");
  exec->add_option("id", opts.id, "container id")->required();
  exec->add_option("command", f.args, "command and its arguments");
  exec->positionals_at_end();
  exec->callback([&ctx] {
    opts.process = build_process(ctx, opts.id, f);
    try {
      ctx.exit_code = ctx.runtime().exec(opts);
    } catch (const Error& e) {
      ctx.exit_code = exit_code_for_start_error(e);
      throw;
    }
  });
}

}  // namespace nook::cli
