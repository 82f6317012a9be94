#include "runtime/process_launch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runtime/capabilities.hpp"
#include "runtime/hooks.hpp"
#include "runtime/process_setup.hpp"
#include "runtime/terminal.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/path_in_root.hpp"
#include "sys/socket.hpp"

namespace nook::runtime {
namespace {

void setup_terminal(const oci::Process& p, int console_socket_fd) {
  Pty pty = open_pty();
  if (p.console_size)
    set_window_size(pty.master.get(), p.console_size->height, p.console_size->width);
  // The terminal belongs to the process user, as on a login.
  if (::fchown(pty.slave.get(), p.user.uid, p.user.gid) < 0 && errno != EINVAL)
    throw_errno("chown terminal");
  send_fd(console_socket_fd, pty.master.get(), "/dev/ptmx");
  make_controlling_terminal(pty.slave.get());
}

void wait_for_start(int proc_self_fd_dir, int fifo_fd) {
  // Opening the fifo for writing blocks until `start` opens it for reading.
  int raw = retry_eintr([&] {
    return ::openat(proc_self_fd_dir, std::to_string(fifo_fd).c_str(), O_WRONLY | O_CLOEXEC);
  });
  if (raw < 0) throw_errno("open", "exec fifo");
  UniqueFd w(raw);
  write_all(w.get(), "0", "exec fifo");
}

void ensure_cwd(const std::string& cwd) {
  UniqueFd root = open_fd("/", O_PATH | O_DIRECTORY);
  make_dirs_in_root(root.get(), cwd);
}

// The runtime blocks the signals it forwards before creating us; the
// container's process must start with none blocked and default handlers.
void reset_signals() {
  for (int s = 1; s < NSIG; ++s)
    if (s != SIGKILL && s != SIGSTOP) ::signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// The notify listener belongs to whoever listens at listenerPath; the
// parent forwards it there (its path is not reachable from our rootfs).
void load_seccomp(const ProcessLaunch& l) {
  UniqueFd listener = l.seccomp->load();
  if (listener) l.sync->send_with_fd(SyncKind::seccomp_listener, listener.get());
}

}  // namespace

void launch_process(const ProcessLaunch& l) {
  const oci::Process& proc = *l.process;
  if (proc.terminal) setup_terminal(proc, l.console_socket_fd);
  apply_rlimits(proc.rlimits);
  if (proc.oom_score_adj) apply_oom_score_adj(*proc.oom_score_adj);
  ensure_cwd(proc.cwd);

  if (l.seccomp && !proc.no_new_privileges) load_seccomp(l);
  // Even with no capabilities asked: the bounding set must be emptied while
  // we still hold CAP_SETPCAP, before the user switch takes it away.
  prepare_capabilities(proc.capabilities.value_or(oci::Capabilities{}));
  switch_user(proc.user, l.setgroups_allowed);
  if (::chdir(proc.cwd.c_str()) < 0) throw_errno("chdir to process.cwd", proc.cwd);
  std::string exe = find_executable(proc.args[0], proc.env);
  if (proc.capabilities)
    apply_capabilities(*proc.capabilities);
  else
    drop_all_capabilities();
  if (proc.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    throw_errno("prctl(PR_SET_NO_NEW_PRIVS)");

  // As runc: loaded before `ready` so that a notify listener can still reach
  // the parent; the exec fifo and startContainer hooks run under it.
  if (l.seccomp && proc.no_new_privileges) load_seccomp(l);
  l.sync->send(SyncKind::ready);
  if (l.exec_fifo_fd >= 0) wait_for_start(l.proc_self_fd_dir, l.exec_fifo_fd);
  if (l.start_hooks) run_hooks(*l.start_hooks, l.hooks_state, "startContainer");
  prepare_inherited_fds(l.preserve_fds);
  reset_signals();
  exec_process(exe, proc.args, proc.env);
}

void run_child_reporting(SyncChannel& sync, const std::function<void()>& steps) {
  int code = 1;
  try {
    steps();
  } catch (const Error& e) {
    bool exec_error = std::string(e.what()).rfind("exec:", 0) == 0;
    if (exec_error && e.errnum() == ENOENT) code = 127;
    if (exec_error && e.errnum() == EACCES) code = 126;
    try {
      sync.send_error(e);
    } catch (...) {
    }
  } catch (const std::exception& e) {
    try {
      sync.send_error(Error(e.what()));
    } catch (...) {
    }
  }
  ::_exit(code);
}

}  // namespace nook::runtime
