// create, start and run: bringing a container from config.json to a running
// process.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "oci/spec_parse.hpp"
#include "runtime/capabilities.hpp"
#include "runtime/cgroup.hpp"
#include "runtime/container.hpp"
#include "runtime/container_init.hpp"
#include "runtime/foreground.hpp"
#include "runtime/hooks.hpp"
#include "runtime/idmap.hpp"
#include "runtime/namespaces.hpp"
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

bool has_cap_sys_admin() {
  std::string status = read_file("/proc/self/status");
  auto pos = status.find("CapEff:");
  if (pos == std::string::npos) return false;
  uint64_t eff = std::stoull(status.substr(pos + 7), nullptr, 16);
  return (eff >> 21) & 1;
}

void validate_for_create(const oci::Spec& spec, const NamespacePlan& plan, const Warn& warn) {
  if (!spec.has_process)
    throw Error("invalid config.json: process: required to create a container");
  if (!plan.has(CLONE_NEWNS))
    throw Error("invalid config.json: linux.namespaces: a mount namespace is required");
  if (!plan.has(CLONE_NEWUSER) && !has_cap_sys_admin())
    throw Error(
        "invalid config.json: linux.namespaces: no user namespace, and this process is not "
        "privileged: a rootless container needs a \"user\" namespace with uid/gid mappings "
        "(`nook-runtime spec --rootless` writes one)");
  for (size_t i = 0; i < spec.mounts.size(); ++i)
    if (spec.mounts[i].has_idmap)
      throw Error("invalid config.json: mounts[" + std::to_string(i) +
                  "]: idmapped mounts (uidMappings/gidMappings) are not supported by nook-runtime");
  if (plan.join_of(CLONE_NEWNS))
    throw Error(
        "invalid config.json: linux.namespaces: joining a mount namespace by path is not "
        "supported: the rootfs is built in a new mount namespace of the container's own");
  if (plan.join_of(CLONE_NEWPID) && plan.creates(CLONE_NEWUSER))
    throw Error(
        "invalid config.json: linux.namespaces: joining a pid namespace from a new user "
        "namespace is not possible (no privileges over the pid namespace's owner): join the "
        "user namespace that owns it too");
  if (plan.creates(CLONE_NEWUSER)) {
    const auto& u = spec.process.user;
    if (!id_is_mapped(spec.linux.uid_mappings, u.uid))
      throw Error("invalid config.json: process.user.uid: " + std::to_string(u.uid) +
                  " is not mapped by linux.uidMappings");
    if (!id_is_mapped(spec.linux.gid_mappings, u.gid))
      throw Error("invalid config.json: process.user.gid: " + std::to_string(u.gid) +
                  " is not mapped by linux.gidMappings");
  }
  if (spec.process.capabilities)
    for (const auto& name : validate_capabilities(*spec.process.capabilities))
      warn(name + " is not known to this kernel: left out of the container's capabilities");
}

std::string hook_state(const std::string& id, const char* status, pid_t pid,
                       const std::string& bundle, const oci::Spec& spec) {
  nlohmann::json j = {{"ociVersion", "1.0.2"}, {"id", id},
                      {"status", status},      {"pid", pid},
                      {"bundle", bundle},      {"annotations", spec.annotations}};
  return j.dump();
}

// Undoes a half-made container: kills the init, removes cgroup and state.
class CreateRollback {
 public:
  CreateRollback(const StateStore& store, std::string id) : store_(store), id_(std::move(id)) {}
  ~CreateRollback() {
    if (done_) return;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (cgroup_) try {
        cgroup_->destroy();
      } catch (...) {
      }
    try {
      store_.remove(id_);
    } catch (...) {
    }
  }
  CreateRollback(const CreateRollback&) = delete;
  CreateRollback& operator=(const CreateRollback&) = delete;
  void set_pid(pid_t pid) { pid_ = pid; }
  void set_cgroup(std::optional<Cgroup> c) { cgroup_ = std::move(c); }
  void dismiss() { done_ = true; }

 private:
  const StateStore& store_;
  std::string id_;
  pid_t pid_ = -1;
  std::optional<Cgroup> cgroup_;
  bool done_ = false;
};

}  // namespace

// What create leaves for run: the channel and the handles of the init.
struct CreatedContainer {
  ContainerRecord record;
  SyncChannel sync;
  UniqueFd pidfd;
  UniqueFd terminal_master;  // when run proxies the terminal itself
};

CreatedContainer create_container(const StateStore& store, bool systemd_cgroup,
                                  const CreateOptions& opts, bool proxy_terminal,
                                  const Warn& warn) {
  std::string bundle = std::filesystem::absolute(opts.bundle).lexically_normal().string();
  if (bundle.size() > 1 && bundle.back() == '/') bundle.pop_back();
  StateStore::validate_id(opts.id);
  check_preserved_fds(opts.preserve_fds);
  std::string config_text;
  oci::Spec spec = oci::load_spec(bundle, &config_text);
  NamespacePlan plan = plan_namespaces(spec);
  validate_for_create(spec, plan, warn);
  if (spec.process.terminal && opts.console_socket.empty() && !proxy_terminal)
    throw Error("process.terminal is true: --console-socket is required (or set terminal false)");
  std::optional<SeccompFilter> seccomp;
  if (spec.linux.seccomp) seccomp.emplace(SeccompFilter::compile(*spec.linux.seccomp));

  store.create_dir(opts.id);
  CreateRollback rollback(store, opts.id);
  write_file(store.config_path(opts.id), config_text, O_CREAT | O_TRUNC, 0600);
  std::string fifo = store.fifo_path(opts.id);
  if (::mkfifo(fifo.c_str(), 0622) < 0) throw_errno("mkfifo", fifo);
  // The process user may be a subordinate id: it must be able to write.
  if (::chmod(fifo.c_str(), 0622) < 0) throw_errno("chmod", fifo);
  UniqueFd fifo_fd = open_fd(fifo, O_PATH);

  ConsoleChannel channel =
      spec.process.terminal ? open_console_channel(opts.console_socket) : ConsoleChannel{};
  UniqueFd console = std::move(channel.to_child), console_peer = std::move(channel.ours);

  std::optional<Cgroup> cgroup =
      Cgroup::setup(spec.linux.cgroups_path, opts.id, spec.linux.resources, systemd_cgroup);
  rollback.set_cgroup(cgroup);

  auto [parent_end, child_end] = make_socketpair(SOCK_SEQPACKET);
  SyncChannel sync(std::move(parent_end));
  std::string creating_state = hook_state(opts.id, "creating", 0, bundle, spec);

  // Decided here: in the child, before its maps exist, our gid reads as the overflow id.
  bool setgroups_allowed =
      !(plan.creates(CLONE_NEWUSER) && setgroups_will_be_denied(spec.linux.gid_mappings));
  // Joining a user or pid namespace by path cannot be done by clone3: the
  // other new namespaces must belong to the joined user namespace, and a pid
  // namespace only applies to children. A short-lived stage process joins,
  // unshares the rest, and forks the init as our child (CLONE_PARENT).
  bool staged = plan.join_of(CLONE_NEWUSER) || plan.join_of(CLONE_NEWPID);
  auto init_config = [&](SyncChannel& child_sync) {
    InitConfig cfg;
    cfg.spec = &spec;
    cfg.namespaces = &plan;
    cfg.bundle = bundle;
    cfg.state_json_for_hooks = creating_state;
    cfg.sync = &child_sync;
    cfg.exec_fifo_fd = fifo_fd.get();
    cfg.console_socket_fd = console.get();
    cfg.seccomp = seccomp ? &*seccomp : nullptr;
    cfg.preserve_fds = opts.preserve_fds;
    cfg.no_pivot = opts.no_pivot;
    cfg.setgroups_allowed = setgroups_allowed;
    cfg.namespaces_entered = staged;
    if (!opts.no_new_keyring) cfg.keyring_name = opts.id;
    return cfg;
  };
  CloneResult child = clone_with_pidfd(staged ? 0 : plan.clone_flags);
  if (child.pid == 0) {
    sync.close();
    SyncChannel child_sync(std::move(child_end));
    if (staged) {
      run_child_reporting(child_sync, [&] {
        enter_namespaces_staged(plan);
        CloneResult init = clone_with_pidfd(CLONE_PARENT);
        if (init.pid != 0) {
          child_sync.send(SyncKind::child_pid, std::to_string(init.pid));
          ::_exit(0);
        }
        run_container_init(init_config(child_sync));
      });
    }
    run_container_init(init_config(child_sync));
  }
  if (staged) {
    child_end.reset();
    rollback.set_pid(child.pid);
    SyncMessage m = sync.expect(SyncKind::child_pid, "joining namespaces");
    pid_t stage = child.pid;
    child.pid = static_cast<pid_t>(std::stoi(m.payload));
    rollback.set_pid(child.pid);
    wait_exit_code(stage);
    child.pidfd = pidfd_open_checked(child.pid);
  }
  child_end.reset();
  console.reset();
  rollback.set_pid(child.pid);

  // Recorded at once, so that a create killed from here on leaves an init
  // that `delete --force` can find and kill.
  ContainerRecord rec;
  rec.id = opts.id;
  rec.pid = child.pid;
  rec.pid_start_time = process_start_time(child.pid).value_or(0);
  rec.bundle = bundle;
  rec.rootfs = spec.root.path;
  rec.created = now_rfc3339();
  rec.owner = current_user_name();
  rec.cgroup_path = cgroup ? cgroup->path() : "";
  rec.own_pid_namespace = plan.creates(CLONE_NEWPID);
  rec.annotations = spec.annotations;
  store.save(rec);

  if (plan.creates(CLONE_NEWUSER))
    write_id_maps(child.pid, spec.linux.uid_mappings, spec.linux.gid_mappings);
  if (cgroup) cgroup->add_process(child.pid);
  sync.send(SyncKind::go);

  std::string state_for_hooks = hook_state(opts.id, "creating", child.pid, bundle, spec);
  for (;;) {
    SyncMessage m;
    if (!sync.recv(m)) throw Error("container init exited unexpectedly during setup");
    if (m.kind == SyncKind::error) throw decode_error(m.payload, "");
    if (m.kind == SyncKind::create_runtime_hooks) {
      run_hooks(spec.hooks.prestart, state_for_hooks, "prestart");
      run_hooks(spec.hooks.create_runtime, state_for_hooks, "createRuntime");
      sync.send(SyncKind::hooks_done);
      continue;
    }
    if (m.kind == SyncKind::seccomp_listener && seccomp && m.fd) {
      send_seccomp_listener(seccomp->listener_path(), m.fd.get(), child.pid,
                            seccomp->listener_metadata(), state_for_hooks);
      continue;
    }
    if (m.kind == SyncKind::ready) break;
    throw Error("unexpected message from container init");
  }

  CreatedContainer out;
  if (console_peer) out.terminal_master = recv_fd(console_peer.get());
  out.record = rec;
  if (!opts.pid_file.empty()) {
    std::string pid_file = std::filesystem::absolute(opts.pid_file).string();
    write_file_atomic(pid_file, std::to_string(child.pid), 0644, /*durable=*/false);
  }
  rollback.dismiss();
  out.sync = std::move(sync);
  out.pidfd = std::move(child.pidfd);
  return out;
}

Runtime::Runtime(std::string root, bool systemd_cgroup)
    : store_(std::move(root)), systemd_cgroup_(systemd_cgroup), warn_([](const std::string&) {}) {}

void Runtime::set_warning_handler(Warn warn) {
  warn_ = std::move(warn);
}

ContainerRecord Runtime::create(const CreateOptions& opts) {
  return create_container(store_, systemd_cgroup_, opts, false, warn_).record;
}

void Runtime::start(const std::string& id) {
  ContainerRecord rec = store_.load(id);
  Status st = store_.status_of(rec);
  if (st != Status::created)
    throw Error("cannot start container \"" + id + "\": it is " + status_name(st) +
                ", not created");
  UniqueFd pidfd = pidfd_open_checked(rec.pid);
  UniqueFd fifo = open_fd(store_.fifo_path(id), O_RDONLY | O_NONBLOCK);
  // Opening the read end already lets the init write its byte and go on; a
  // start killed from here on still leaves a started container, and a later
  // start finds no fifo instead of waiting for a writer that never comes.
  ::unlink(store_.fifo_path(id).c_str());
  for (;;) {
    struct pollfd fds[2] = {{fifo.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
    if (retry_eintr([&] { return ::poll(fds, 2, -1); }) < 0) throw_errno("poll", "exec fifo");
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char c;
      ssize_t n = retry_eintr([&] { return ::read(fifo.get(), &c, 1); });
      if (n == 1) break;
      if (n == 0)
        throw Error("cannot start container \"" + id + "\": another start got there first");
      if (errno != EAGAIN) throw_errno("read", "exec fifo");
    }
    if (fds[1].revents & POLLIN)
      throw Error("cannot start container \"" + id + "\": its process exited before start");
  }
  oci::Spec spec = oci::parse_spec(read_file(store_.config_path(id)));
  std::string state = store_.state_json(rec, Status::running).dump();
  // The runtime-spec makes poststart failures warnings; callers see the
  // container running either way.
  try {
    run_hooks(spec.hooks.poststart, state, "poststart");
  } catch (const Error& e) {
    warn_(e.what());
  }
}

int Runtime::run(const CreateOptions& opts, bool detach, bool keep) {
  std::optional<ForwardedSignalsBlocked> signals;
  if (!detach) signals.emplace();
  CreatedContainer c = create_container(store_, systemd_cgroup_, opts, !detach, warn_);
  try {
    start(opts.id);
  } catch (...) {
    remove(opts.id, true);
    throw;
  }
  // The sync socket closes on a successful execve; an error packet instead
  // means the process never ran.
  SyncMessage m;
  if (c.sync.recv(m) && m.kind == SyncKind::error) {
    Error e = decode_error(m.payload, "");
    if (!keep) remove(opts.id, true);
    throw e;
  }
  c.sync.close();
  if (detach) return 0;
  int code = wait_foreground(c.record.pid, c.pidfd.get(), std::move(c.terminal_master));
  if (!keep) remove(opts.id, true);
  return code;
}

}  // namespace nook::runtime
