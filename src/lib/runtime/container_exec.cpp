// exec: a new process inside a running container's namespaces and cgroup.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "oci/spec_parse.hpp"
#include "runtime/capabilities.hpp"
#include "runtime/cgroup.hpp"
#include "runtime/container.hpp"
#include "runtime/foreground.hpp"
#include "runtime/process_launch.hpp"
#include "runtime/process_setup.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/sync.hpp"
#include "runtime/terminal.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"
#include "sys/socket.hpp"

namespace nook::runtime {
namespace {

struct NsToJoin {
  int nstype;
  const char* name;
  UniqueFd fd;
};

// The container's namespaces that differ from ours, user first and mount
// last (joining the mount namespace moves our root into the container).
std::vector<NsToJoin> open_container_namespaces(pid_t pid) {
  static const std::pair<int, const char*> order[] = {
      {CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"},
      {CLONE_NEWNET, "net"},   {CLONE_NEWPID, "pid"}, {CLONE_NEWCGROUP, "cgroup"},
      {CLONE_NEWNS, "mnt"}};
  std::vector<NsToJoin> out;
  for (const auto& [type, name] : order) {
    std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + name;
    struct stat a, b;
    if (::stat(theirs.c_str(), &a) < 0) throw_errno("stat", theirs);
    std::string ours = std::string("/proc/self/ns/") + name;
    if (::stat(ours.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
    out.push_back({type, name, open_fd(theirs, O_RDONLY)});
  }
  return out;
}

bool setgroups_denied(pid_t pid) {
  try {
    return read_file("/proc/" + std::to_string(pid) + "/setgroups").rfind("deny", 0) == 0;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

int Runtime::exec(const ExecOptions& o) const {
  ContainerRecord rec = store_.load(o.id);
  Status st = store_.status_of(rec);
  if (st != Status::running && st != Status::created)
    throw Error("cannot exec in container \"" + o.id + "\": it is " + status_name(st));
  if (o.process.args.empty()) throw Error("exec: no command given (process.args is empty)");
  if (o.process.capabilities)
    for (const auto& name : validate_capabilities(*o.process.capabilities))
      warn_(name + " is not known to this kernel: left out of the process's capabilities");
  oci::Spec spec = oci::parse_spec(read_file(store_.config_path(o.id)));
  bool proxy = o.process.terminal && o.console_socket.empty();
  if (proxy && o.detach)
    throw Error("exec --tty --detach needs --console-socket to hand the terminal to");
  std::optional<SeccompFilter> seccomp;
  if (spec.linux.seccomp) seccomp.emplace(SeccompFilter::compile(*spec.linux.seccomp));

  check_preserved_fds(o.preserve_fds);
  std::vector<NsToJoin> namespaces = open_container_namespaces(rec.pid);
  // The pid may have been reused between reading the state and opening its
  // namespaces: only the recorded process will do.
  if (process_start_time(rec.pid).value_or(0) != rec.pid_start_time)
    throw Error("cannot exec in container \"" + o.id + "\": it is stopped");
  bool joins_pid = false;
  for (const auto& n : namespaces) joins_pid = joins_pid || n.nstype == CLONE_NEWPID;
  bool setgroups_ok = !setgroups_denied(rec.pid);

  ConsoleChannel channel =
      o.process.terminal ? open_console_channel(o.console_socket) : ConsoleChannel{};
  UniqueFd console = std::move(channel.to_child), console_peer = std::move(channel.ours);
  auto [parent_end, child_end] = make_socketpair(SOCK_SEQPACKET);
  SyncChannel sync(std::move(parent_end));
  std::optional<ForwardedSignalsBlocked> signals;
  if (!o.detach) signals.emplace();

  CloneResult stage = clone_with_pidfd(0);
  if (stage.pid == 0) {
    sync.close();
    SyncChannel child_sync(std::move(child_end));
    run_child_reporting(child_sync, [&] {
      for (const auto& n : namespaces)
        if (::setns(n.fd.get(), n.nstype) < 0)
          throw_errno(std::string("join ") + n.name + " namespace of container", o.id);
      // A joined pid namespace applies to children only: the process that
      // runs the command is forked here, as a sibling of this stage
      // (CLONE_PARENT) so that the runtime can wait for it.
      if (joins_pid) {
        CloneResult inner = clone_with_pidfd(CLONE_PARENT);
        if (inner.pid != 0) {
          child_sync.send(SyncKind::child_pid, std::to_string(inner.pid));
          ::_exit(0);
        }
      }
      child_sync.expect(SyncKind::go, "waiting for the runtime");
      ProcessLaunch launch;
      launch.process = &o.process;
      launch.sync = &child_sync;
      launch.seccomp = seccomp ? &*seccomp : nullptr;
      launch.console_socket_fd = console.get();
      launch.preserve_fds = o.preserve_fds;
      launch.setgroups_allowed = setgroups_ok;
      launch_process(launch);
    });
  }
  child_end.reset();
  console.reset();

  pid_t pid = stage.pid;
  UniqueFd pidfd = std::move(stage.pidfd);
  if (joins_pid) {
    SyncMessage m = sync.expect(SyncKind::child_pid, "exec");
    pid = std::stoi(m.payload);
    wait_exit_code(stage.pid);
    pidfd = pidfd_open_checked(pid);
  }
  auto fail = [&] {
    ::kill(pid, SIGKILL);
    wait_exit_code(pid);
  };
  try {
    if (!rec.cgroup_path.empty()) Cgroup::open(rec.cgroup_path).add_process(pid);
    sync.send(SyncKind::go);
    for (;;) {
      SyncMessage msg;
      if (!sync.recv(msg)) throw Error("exec: the process exited during setup");
      if (msg.kind == SyncKind::error) throw decode_error(msg.payload, "");
      if (msg.kind == SyncKind::seccomp_listener && seccomp && msg.fd) {
        send_seccomp_listener(seccomp->listener_path(), msg.fd.get(), pid,
                              seccomp->listener_metadata(), state(o.id).dump());
        continue;
      }
      if (msg.kind == SyncKind::ready) break;
      throw Error("exec: unexpected message from the process");
    }
  } catch (...) {
    fail();
    throw;
  }
  UniqueFd master;
  if (console_peer) master = recv_fd(console_peer.get());
  SyncMessage m;
  if (sync.recv(m) && m.kind == SyncKind::error) {
    wait_exit_code(pid);
    throw decode_error(m.payload, "");
  }
  if (!o.pid_file.empty())
    write_file_atomic(std::filesystem::absolute(o.pid_file).string(), std::to_string(pid), 0644,
                      /*durable=*/false);
  if (o.detach) return 0;
  return wait_foreground(pid, pidfd.get(), std::move(master));
}

}  // namespace nook::runtime
