#pragma once
// nook-runtime's command line: runc's verbs and flags. Each commands_*.cpp
// registers its subcommands; they parse, call libnook, and print.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "runtime/container.hpp"
#include "sys/error.hpp"

std::string nook_libseccomp_version();

namespace nook::cli {

struct GlobalOptions {
  std::string root;
  std::string log_file;
  std::string log_format = "text";
  bool debug = false;
  bool systemd_cgroup = false;
  std::string rootless = "auto";
};

// What a subcommand's callback needs; the Runtime is made on first use so
// that `spec` and `features` work without a state directory.
class Context {
 public:
  explicit Context(const GlobalOptions& g) : g_(g) {}
  runtime::Runtime& runtime();
  const GlobalOptions& globals() const { return g_; }
  int exit_code = 0;

 private:
  const GlobalOptions& g_;
  std::unique_ptr<runtime::Runtime> rt_;
};

void add_lifecycle_commands(CLI::App& app, Context& ctx);  // create start run delete kill
void add_query_commands(CLI::App& app, Context& ctx);      // state list ps spec features
void add_exec_command(CLI::App& app, Context& ctx);
void add_cgroup_commands(CLI::App& app, Context& ctx);  // pause resume update

// 127 for a command that does not exist, 126 for one that cannot be run
// (docker/podman's convention), 1 for any other failure to start.
int exit_code_for_start_error(const Error& e);

// Prints one error line to stderr and, with --log, appends it there too in
// the requested format (podman's conmon reads errors from the log file).
void report_error(const GlobalOptions& g, const std::string& message);
void report_warning(const GlobalOptions& g, const std::string& message);

}  // namespace nook::cli
