#pragma once
// nook-runtime's verbs as a library: what runc's command line does, without
// the command line. Used by the nook-runtime CLI and, in-process, by nook.
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/spec.hpp"
#include "runtime/state_store.hpp"

namespace nook::runtime {

struct CreateOptions {
  std::string id;
  std::string bundle = ".";
  std::string console_socket;  // path; required when process.terminal
  std::string pid_file;
  int preserve_fds = 0;
  bool no_pivot = false;
  bool no_new_keyring = false;
};

struct ExecOptions {
  std::string id;
  oci::Process process;  // from --process or built from flags
  std::string console_socket;
  std::string pid_file;
  int preserve_fds = 0;
  bool detach = false;
};

// Receives what the runtime-spec calls warnings (the library never prints).
using Warn = std::function<void(const std::string&)>;

class Runtime {
 public:
  explicit Runtime(std::string root, bool systemd_cgroup = false);
  void set_warning_handler(Warn warn);

  // Creates the container and leaves its init blocked before execve.
  ContainerRecord create(const CreateOptions& opts);
  // Lets a created container's process run; runs poststart hooks.
  void start(const std::string& id);
  // create + start. Detached: returns 0 once started. Otherwise waits and
  // returns the process's exit code (128+N for a signal) and deletes the
  // container unless keep. A terminal without a console socket is proxied to
  // this process's stdin/stdout.
  int run(const CreateOptions& opts, bool detach, bool keep);

  nlohmann::json state(const std::string& id) const;
  std::vector<nlohmann::json> list() const;
  void kill(const std::string& id, int signal, bool all) const;
  // delete; force kills a running container first. Runs poststop hooks.
  void remove(const std::string& id, bool force) const;
  std::vector<pid_t> pids(const std::string& id) const;
  void pause(const std::string& id) const;
  void resume(const std::string& id) const;
  void update(const std::string& id, const oci::Resources& resources) const;
  // Runs a process in the container; returns its exit code, or 0 once
  // started when detached.
  int exec(const ExecOptions& opts) const;

  const StateStore& store() const { return store_; }

 private:
  StateStore store_;
  bool systemd_cgroup_;
  Warn warn_;
};

// "SIGKILL", "KILL", "9" → 9; throws on an unknown name.
int parse_signal(const std::string& name);

}  // namespace nook::runtime
