#pragma once
// nook's docker/podman-compatible command line. Each commands_*.cpp
// registers its subcommands; they parse, call libnook, and print.
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/store.hpp"
#include "sys/error.hpp"

namespace nook::cli {

// podman's exit code for an error of nook itself (not of the container).
inline constexpr int kExitError = 125;

struct GlobalOptions {
  std::string root;  // --root: the image store; default $XDG_DATA_HOME/nook
  std::string log_level = "warn";
};

class Context {
 public:
  explicit Context(const GlobalOptions& g) : g_(g) {}
  const GlobalOptions& globals() const { return g_; }

  // Commands that create or delete files owned by the image's ids run in
  // the user namespace where the user's subordinate ids are mapped. Call
  // before anything starts a thread. Idempotent.
  void enter_storage_userns();
  // False when the user has no subordinate ids: files of other owners are
  // then unpacked as the user's own (with a warning).
  bool can_chown() const { return can_chown_; }

  image::Store& store();
  std::string store_root() const;

  int exit_code = 0;

 private:
  const GlobalOptions& g_;
  std::unique_ptr<image::Store> store_;
  mutable std::string resolved_root_;
  bool in_userns_ = false;
  bool can_chown_ = true;
};

void add_pull_command(CLI::App& app, Context& ctx);
void add_image_commands(CLI::App& app, Context& ctx);   // images, rmi, tag, untag, history, image *
void add_system_commands(CLI::App& app, Context& ctx);  // system reset, unshare
void add_archive_commands(CLI::App& app, Context& ctx);   // save, load, import
void add_registry_commands(CLI::App& app, Context& ctx);  // push, login, logout

// Messages as podman prints them: "Error: ..." and "WARN[0000] ...".
void print_error(const std::string& message);
void print_warning(const std::string& message);
// podman's "... [y/N] " prompt on stderr; true only for y/Y/yes on stdin.
// Throws Error when stdin ends without an answer, as podman fails then.
bool confirm(const std::string& question);

// Renders rows with a Go template (podman's --format, "table" prefix
// included), or the default table when format is empty.
std::string render_format(const std::string& format, const std::string& default_table,
                          const std::vector<nlohmann::json>& rows,
                          const std::map<std::string, std::string>& headers,
                          bool no_heading = false);

}  // namespace nook::cli
