// The verbs that act on an existing container: state, list, kill, delete,
// ps, pause, resume, update.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <thread>

#include "oci/spec_parse.hpp"
#include "runtime/cgroup.hpp"
#include "runtime/container.hpp"
#include "runtime/hooks.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace nook::runtime {
namespace {

std::string ns_link(pid_t pid, const char* ns) {
  char buf[64];
  std::string path = "/proc/" + std::to_string(pid) + "/ns/" + ns;
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

// Calls f(pid) for every process in /proc.
template <typename F>
void for_each_process(F&& f) {
  DIR* d = ::opendir("/proc");
  if (!d) throw_errno("opendir", "/proc");
  while (struct dirent* e = ::readdir(d)) {
    char* end;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end || pid <= 0) continue;
    f(static_cast<pid_t>(pid));
  }
  ::closedir(d);
}

// Processes sharing the init's pid namespace: what `ps` and `kill --all`
// mean when there is no cgroup to ask.
std::vector<pid_t> pids_in_pid_namespace(pid_t init) {
  std::vector<pid_t> out;
  std::string want = ns_link(init, "pid");
  if (want.empty()) return out;
  for_each_process([&](pid_t pid) {
    if (ns_link(pid, "pid") == want) out.push_back(pid);
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Cgroup> cgroup_of(const ContainerRecord& rec) {
  if (rec.cgroup_path.empty()) return std::nullopt;
  return Cgroup::open(rec.cgroup_path);
}

Cgroup require_cgroup(const ContainerRecord& rec, const std::string& what) {
  auto cg = cgroup_of(rec);
  if (!cg)
    throw Error("cannot " + what + " container \"" + rec.id +
                "\": it has no cgroup of its own (cgroup v1 host, or cgroup v2 without a "
                "delegated subtree); " +
                what + " needs cgroup v2 with delegation");
  return *cg;
}

// The init and every process below it: all we may call "the container"
// when it has neither a cgroup nor a pid namespace of its own (it shares the
// host's or a pod's, where other processes are not ours to signal).
std::vector<pid_t> descendants_of(pid_t init) {
  std::vector<std::pair<pid_t, pid_t>> parent_of;  // (pid, ppid)
  for_each_process([&](pid_t pid) {
    std::string stat;
    try {
      stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    } catch (const Error&) {
      return;
    }
    auto close = stat.rfind(')');
    pid_t ppid = 0;
    if (close != std::string::npos && std::sscanf(stat.c_str() + close + 1, " %*c %d", &ppid) == 1)
      parent_of.emplace_back(pid, ppid);
  });
  std::vector<pid_t> out{init};
  for (size_t i = 0; i < out.size(); ++i)
    for (const auto& [pid, ppid] : parent_of)
      if (ppid == out[i]) out.push_back(pid);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> container_pids(const ContainerRecord& rec) {
  if (auto cg = cgroup_of(rec)) return cg->pids();
  if (rec.own_pid_namespace) return pids_in_pid_namespace(rec.pid);
  return descendants_of(rec.pid);
}

void signal_all(const ContainerRecord& rec, int sig) {
  if (auto cg = cgroup_of(rec)) {
    cg->kill_all(sig);
    return;
  }
  // Through a pidfd checked against the recorded start time: the pid may
  // have been reused since the state was written.
  UniqueFd init = pidfd_open_checked(rec.pid);
  if (process_start_time(rec.pid).value_or(0) != rec.pid_start_time) return;
  if (rec.own_pid_namespace && sig == SIGKILL) {
    // Killing the init of a pid namespace kills everything in it.
    pidfd_signal(init.get(), sig);
    return;
  }
  for (pid_t p : container_pids(rec)) ::kill(p, sig);
}

// Waits until the init is gone (or a zombie someone else must reap).
bool wait_stopped(const StateStore& store, const ContainerRecord& rec, int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += 10) {
    if (store.status_of(rec) == Status::stopped) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

int parse_signal(const std::string& name) {
  if (name.empty()) throw Error("invalid signal: empty");
  if (std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); })) {
    int n = std::stoi(name.size() > 3 ? "999" : name);
    if (n <= 0 || n >= NSIG) throw Error("invalid signal \"" + name + "\"");
    return n;
  }
  std::string s = name;
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (s.rfind("SIG", 0) == 0) s = s.substr(3);
  for (int i = 1; i < NSIG; ++i) {
    const char* abbrev = sigabbrev_np(i);
    if (abbrev && s == abbrev) return i;
  }
  if (s.rfind("RTMIN+", 0) == 0 || s.rfind("RTMAX-", 0) == 0) {
    int off = std::atoi(s.c_str() + 6);
    int sig = s[2] == 'M' && s[3] == 'I' ? SIGRTMIN + off : SIGRTMAX - off;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig;
  }
  throw Error("invalid signal \"" + name + "\"");
}

nlohmann::json Runtime::state(const std::string& id) const {
  ContainerRecord rec = store_.load(id);
  return store_.state_json(rec, store_.status_of(rec));
}

std::vector<nlohmann::json> Runtime::list() const {
  std::vector<nlohmann::json> out;
  for (const auto& id : store_.list_ids()) {
    try {
      out.push_back(state(id));
    } catch (const Error&) {
      // A container deleted while listing is simply not listed.
    }
  }
  return out;
}

void Runtime::kill(const std::string& id, int signal, bool all) const {
  ContainerRecord rec = store_.load(id);
  Status st = store_.status_of(rec);
  if (st == Status::stopped) throw Error("container \"" + id + "\" is not running", ESRCH);
  if (all) {
    signal_all(rec, signal);
    return;
  }
  UniqueFd pidfd = pidfd_open_checked(rec.pid);
  if (process_start_time(rec.pid).value_or(0) != rec.pid_start_time)
    throw Error("container \"" + id + "\" is not running", ESRCH);
  pidfd_signal(pidfd.get(), signal);
}

void Runtime::remove(const std::string& id, bool force) const {
  if (force && !store_.exists(id)) {
    // runc's contract: delete --force of a container that is gone (e.g.
    // cleaned up after a failed create) succeeds; clear any leftover dir.
    StateStore::validate_id(id);
    store_.remove(id);
    return;
  }
  ContainerRecord rec = store_.load(id);
  Status st = store_.status_of(rec);
  if (st == Status::running || st == Status::paused) {
    if (!force)
      throw Error("cannot delete container \"" + id + "\" that is not stopped: it is " +
                  status_name(st) + " (use --force)");
  }
  if (st != Status::stopped) {
    signal_all(rec, SIGKILL);
    if (st == Status::paused) {
      try {
        Cgroup::open(rec.cgroup_path).freeze(false);
      } catch (const Error&) {
      }
    }
    if (!wait_stopped(store_, rec, 10000))
      throw Error("container \"" + id + "\" did not stop within 10s of SIGKILL");
  }
  if (auto cg = cgroup_of(rec)) cg->destroy();
  std::optional<oci::Spec> spec;
  try {
    spec = oci::parse_spec(read_file(store_.config_path(id)));
  } catch (const Error&) {
  }
  store_.remove(id);
  if (spec) {
    std::string state = store_.state_json(rec, Status::stopped).dump();
    // poststop failures are warnings by the runtime-spec: the container is gone.
    try {
      run_hooks(spec->hooks.poststop, state, "poststop");
    } catch (const Error& e) {
      warn_(e.what());
    }
  }
}

std::vector<pid_t> Runtime::pids(const std::string& id) const {
  ContainerRecord rec = store_.load(id);
  if (store_.status_of(rec) == Status::stopped) return {};
  return container_pids(rec);
}

void Runtime::pause(const std::string& id) const {
  ContainerRecord rec = store_.load(id);
  Status st = store_.status_of(rec);
  if (st != Status::running && st != Status::created)
    throw Error("cannot pause container \"" + id + "\": it is " + status_name(st));
  require_cgroup(rec, "pause").freeze(true);
}

void Runtime::resume(const std::string& id) const {
  ContainerRecord rec = store_.load(id);
  Status st = store_.status_of(rec);
  if (st != Status::paused)
    throw Error("cannot resume container \"" + id + "\": it is " + status_name(st) +
                ", not paused");
  require_cgroup(rec, "resume").freeze(false);
}

void Runtime::update(const std::string& id, const oci::Resources& resources) const {
  ContainerRecord rec = store_.load(id);
  if (store_.status_of(rec) == Status::stopped)
    throw Error("cannot update container \"" + id + "\": it is stopped");
  require_cgroup(rec, "update resources of").apply(resources);
}

}  // namespace nook::runtime
