// Processes of a container's cgroup: membership, listing, signalling.
#include <signal.h>

#include <filesystem>

#include "runtime/cgroup.hpp"
#include "runtime/cgroup_files.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

void collect_pids(const std::string& dir, std::vector<pid_t>& out) {
  auto text = read_cgroup_file(dir + "/cgroup.procs");
  if (!text) return;  // removed meanwhile
  auto pids = parse_pid_list(*text, dir + "/cgroup.procs");
  out.insert(out.end(), pids.begin(), pids.end());
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code type_ec;
    if (e.is_directory(type_ec)) collect_pids(e.path().string(), out);
  }
  if (ec && ec.value() != ENOENT) throw Error("list", dir, ec.value());
}

void signal_each(const std::vector<pid_t>& pids, int signal) {
  for (pid_t pid : pids) {
    if (::kill(pid, signal) < 0 && errno != ESRCH)
      throw_errno("kill", std::to_string(pid) + " with signal " + std::to_string(signal));
  }
}

}  // namespace

void Cgroup::add_process(pid_t pid) const {
  write_cgroup_file(path_, "cgroup.procs", std::to_string(pid));
}

std::vector<pid_t> Cgroup::pids() const {
  std::vector<pid_t> out;
  collect_pids(path_, out);
  return out;
}

bool Cgroup::is_empty() const {
  auto events = read_cgroup_file(path_ + "/cgroup.events");
  if (!events) {
    // No cgroup.events (the root cgroup): ask the directory itself.
    if (!path_exists(path_)) return true;
    return pids().empty();
  }
  auto values = parse_keyed_values(*events);
  auto it = values.find("populated");
  if (it == values.end())
    throw Error("parse", path_ + "/cgroup.events", 0, "no \"populated\" line");
  return it->second == 0;
}

void Cgroup::kill_all(int signal) const {
  if (signal == SIGKILL && path_exists(path_ + "/cgroup.kill")) {
    // One write kills the whole subtree, forks in flight included (Linux 5.14).
    write_cgroup_file(path_, "cgroup.kill", "1");
    return;
  }
  if (signal != SIGKILL || !path_exists(path_ + "/cgroup.freeze")) {
    signal_each(pids(), signal);
    return;
  }
  // Without cgroup.kill, freeze first so that no process forks a child we
  // would miss between reading cgroup.procs and signalling.
  freeze(true);
  try {
    signal_each(pids(), SIGKILL);
  } catch (...) {
    freeze(false);
    throw;
  }
  freeze(false);
}

}  // namespace nook::runtime
