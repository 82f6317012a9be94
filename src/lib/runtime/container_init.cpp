#include "runtime/container_init.hpp"

#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/hooks.hpp"
#include "runtime/idmap.hpp"
#include "runtime/process_launch.hpp"
#include "runtime/rootfs.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

void become_namespace_root(const oci::Spec& spec) {
  // The creator of a user namespace holds every capability in it, but its
  // ids are whatever the host ids map to; become root so that files the
  // setup creates belong to root inside.
  if (id_is_mapped(spec.linux.gid_mappings, 0) && ::setresgid(0, 0, 0) < 0)
    throw_errno("setresgid", "0");
  if (id_is_mapped(spec.linux.uid_mappings, 0) && ::setresuid(0, 0, 0) < 0)
    throw_errno("setresuid", "0");
}

void join_session_keyring(const std::string& name) {
  // A fresh session keyring keeps the container away from the user's keys.
  // Kernels or seccomp policies without keyctl are not an error (runc agrees).
  if (::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.c_str()) < 0 && errno != ENOSYS &&
      errno != EPERM && errno != EACCES && errno != EDQUOT)
    throw_errno("join session keyring", name);
}

void init_steps(const InitConfig& cfg) {
  const oci::Spec& spec = *cfg.spec;
  const NamespacePlan& ns = *cfg.namespaces;

  // The parent maps ids and places us in the cgroup before letting us go.
  cfg.sync->expect(SyncKind::go, "waiting for the runtime");
  if (ns.creates(CLONE_NEWUSER)) become_namespace_root(spec);
  if (!cfg.keyring_name.empty()) join_session_keyring(cfg.keyring_name);
  if (!cfg.namespaces_entered)
    join_namespaces(ns, ~static_cast<uint64_t>(CLONE_NEWUSER | CLONE_NEWPID));

  RootfsContext rctx{&spec, &ns, cfg.bundle};
  mount_rootfs(rctx);

  if (!spec.hooks.prestart.empty() || !spec.hooks.create_runtime.empty()) {
    cfg.sync->send(SyncKind::create_runtime_hooks);
    cfg.sync->expect(SyncKind::hooks_done, "createRuntime hooks");
  }
  run_hooks(spec.hooks.create_container, cfg.state_json_for_hooks, "createContainer");

  UniqueFd proc_self_fd = open_fd("/proc/self/fd", O_PATH | O_DIRECTORY);
  enter_rootfs(spec.root.path, cfg.no_pivot);
  // Before finish_rootfs: it makes /proc/sys read-only.
  apply_sysctls(spec);
  finish_rootfs(spec);
  if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) < 0)
    throw_errno("sethostname", spec.hostname);
  if (!spec.domainname.empty() &&
      ::setdomainname(spec.domainname.data(), spec.domainname.size()) < 0)
    throw_errno("setdomainname", spec.domainname);

  ProcessLaunch launch;
  launch.process = &spec.process;
  launch.sync = cfg.sync;
  launch.seccomp = cfg.seccomp;
  launch.console_socket_fd = cfg.console_socket_fd;
  launch.exec_fifo_fd = cfg.exec_fifo_fd;
  launch.proc_self_fd_dir = proc_self_fd.get();
  launch.preserve_fds = cfg.preserve_fds;
  launch.setgroups_allowed = cfg.setgroups_allowed;
  launch.start_hooks = &spec.hooks.start_container;
  launch.hooks_state = cfg.state_json_for_hooks;
  launch_process(launch);
}

}  // namespace

void run_container_init(const InitConfig& cfg) {
  run_child_reporting(*cfg.sync, [&] { init_steps(cfg); });
}

}  // namespace nook::runtime
