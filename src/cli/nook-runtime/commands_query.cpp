#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "cli.hpp"
#include "oci/spec_emit.hpp"
#include "runtime/features.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::cli {
namespace {

void print_json(const nlohmann::json& j) {
  std::printf("%s\n", j.dump(2).c_str());
}

void print_list_table(const std::vector<nlohmann::json>& states) {
  std::printf("%-12s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
              "OWNER");
  for (const auto& s : states)
    std::printf("%-12s %-8d %-10s %-40s %-31s %s\n", s["id"].get<std::string>().c_str(),
                s["pid"].get<int>(), s["status"].get<std::string>().c_str(),
                s["bundle"].get<std::string>().c_str(), s["created"].get<std::string>().c_str(),
                s["owner"].get<std::string>().c_str());
}

// runc's `ps`: run the host's ps and keep the header and the container's lines.
int print_ps_table(const std::vector<pid_t>& pids, const std::vector<std::string>& ps_args) {
  std::string cmd = "ps";
  for (const auto& a : ps_args.empty() ? std::vector<std::string>{"-ef"} : ps_args) {
    std::string quoted = "'";
    for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += " " + quoted + "'";
  }
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw_errno("run", "ps");
  char line[8192];
  int pid_col = -1;
  bool header = true;
  while (std::fgets(line, sizeof line, p)) {
    std::istringstream fields(line);
    std::vector<std::string> cols;
    for (std::string f; fields >> f;) cols.push_back(f);
    if (header) {
      header = false;
      for (size_t i = 0; i < cols.size(); ++i)
        if (cols[i] == "PID") pid_col = static_cast<int>(i);
      if (pid_col < 0) {
        ::pclose(p);
        throw Error("ps: no PID column in its output (pass options that print one)");
      }
      std::fputs(line, stdout);
      continue;
    }
    if (static_cast<int>(cols.size()) <= pid_col) continue;
    pid_t pid = static_cast<pid_t>(std::atoi(cols[static_cast<size_t>(pid_col)].c_str()));
    for (pid_t want : pids)
      if (want == pid) std::fputs(line, stdout);
  }
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

void add_query_commands(CLI::App& app, Context& ctx) {
  static std::string state_id;
  auto* state = app.add_subcommand("state", "print the container's state as JSON");
  state->add_option("id", state_id, "container id")->required();
  state->callback([&ctx] { print_json(ctx.runtime().state(state_id)); });

  static std::string list_format = "table";
  static bool quiet = false;
  auto* list = app.add_subcommand("list", "list containers");
  list->alias("ls");
  list->add_option("-f,--format", list_format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->add_flag("-q,--quiet", quiet, "print only ids");
  list->callback([&ctx] {
    auto states = ctx.runtime().list();
    if (quiet) {
      for (const auto& s : states) std::printf("%s\n", s["id"].get<std::string>().c_str());
    } else if (list_format == "json") {
      std::printf("%s\n", nlohmann::json(states).dump().c_str());
    } else {
      print_list_table(states);
    }
  });

  static std::string ps_id, ps_format = "table";
  auto* ps = app.add_subcommand("ps", "list the container's processes");
  ps->add_option("-f,--format", ps_format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  ps->add_option("id", ps_id, "container id")->required();
  // Everything after the id belongs to ps itself (runc: `ps ID -- -o pid,args`).
  ps->prefix_command();
  ps->callback([&ctx, ps] {
    std::vector<std::string> ps_args = ps->remaining();
    if (!ps_args.empty() && ps_args.front() == "--") ps_args.erase(ps_args.begin());
    auto pids = ctx.runtime().pids(ps_id);
    if (ps_format == "json") {
      std::printf("%s\n", nlohmann::json(pids).dump().c_str());
      return;
    }
    ctx.exit_code = print_ps_table(pids, ps_args);
  });

  static bool spec_rootless = false;
  static std::string spec_bundle = ".";
  auto* spec = app.add_subcommand("spec", "write a default config.json into the bundle");
  spec->add_flag("--rootless", spec_rootless, "a spec for an unprivileged user");
  spec->add_option("-b,--bundle", spec_bundle, "bundle directory (default: current directory)");
  spec->callback([] {
    std::string path = spec_bundle + "/config.json";
    if (path_exists(path)) throw Error("`" + path + "` already exists: remove it first", EEXIST);
    auto s = oci::default_spec(spec_rootless, ::geteuid(), ::getegid());
    write_file(path, oci::emit_spec(s) + "\n", O_CREAT | O_EXCL | O_WRONLY, 0666);
  });

  auto* features = app.add_subcommand("features", "print what this runtime supports (JSON)");
  features->callback([] { print_json(runtime::runtime_features()); });
}

}  // namespace nook::cli
