#include "runtime/enter_userns.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "runtime/idmap.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

void read_exact(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = retry_eintr([&] { return ::read(fd, buf + got, n - got); });
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  if (got != n) throw Error("user namespace setup: the parent went away");
}

std::string read_to_end(int fd) {
  std::string out;
  char buf[1024];
  for (;;) {
    ssize_t r = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

[[noreturn]] void run_mapper(int go_fd, int report_fd, pid_t target, const UsernsMapping& m) {
  try {
    char c;
    read_exact(go_fd, &c, 1);
    write_id_maps(target, m.uids, m.gids);
    ::_exit(0);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    ssize_t ignored = ::write(report_fd, msg.data(), msg.size());
    (void)ignored;
  } catch (...) {
  }
  ::_exit(1);
}

}  // namespace

UsernsMapping rootless_user_mapping() {
  UsernsMapping m;
  std::string user = current_user_name();
  auto subuids = subuid_ranges_of(user);
  auto subgids = subgid_ranges_of(user);
  m.single_id = subuids.empty() || subgids.empty();
  m.uids = rootless_mapping(::getuid(), m.single_id ? std::vector<SubidRange>{} : subuids);
  m.gids = rootless_mapping(::getgid(), m.single_id ? std::vector<SubidRange>{} : subgids);
  return m;
}

bool in_rootless_userns() {
  if (::geteuid() != 0) return false;
  std::string map;
  try {
    map = read_file("/proc/self/uid_map");
  } catch (const Error&) {
    return false;
  }
  // The initial namespace maps all 2^32-1 ids from 0; ours maps 0 to the user.
  unsigned inside = 0, outside = 0, count = 0;
  if (std::sscanf(map.c_str(), "%u %u %u", &inside, &outside, &count) != 3) return false;
  return inside == 0 && outside != 0;
}

void enter_user_namespace(const UsernsMapping& mapping) {
  int go[2], report[2];
  if (::pipe2(go, O_CLOEXEC) < 0) throw_errno("pipe2");
  if (::pipe2(report, O_CLOEXEC) < 0) {
    int e = errno;
    ::close(go[0]);
    ::close(go[1]);
    throw_errno("pipe2", {}, e);
  }
  UniqueFd go_r(go[0]), go_w(go[1]), report_r(report[0]), report_w(report[1]);
  pid_t self = ::getpid();
  pid_t child = ::fork();
  if (child < 0) throw_errno("fork");
  if (child == 0) {
    go_w.reset();
    report_r.reset();
    run_mapper(go_r.get(), report_w.get(), self, mapping);
  }
  go_r.reset();
  report_w.reset();

  int unshare_errno = ::unshare(CLONE_NEWUSER) < 0 ? errno : 0;
  // Releasing the mapper either way: on failure it sees EOF and exits.
  if (unshare_errno == 0) {
    char c = 'g';
    if (::write(go_w.get(), &c, 1) != 1) unshare_errno = errno;
  }
  go_w.reset();
  std::string message = read_to_end(report_r.get());
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (unshare_errno != 0) {
    std::string hint;
    if (unshare_errno == EPERM || unshare_errno == ENOSPC)
      hint =
          "check that user namespaces are enabled (sysctl user.max_user_namespaces > 0, "
          "kernel.unprivileged_userns_clone = 1)";
    else if (unshare_errno == EINVAL)
      hint = "the process has more than one thread";
    throw Error("unshare", "CLONE_NEWUSER", unshare_errno, hint);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(message.empty() ? "cannot write the uid/gid maps of the user namespace" : message);
  // The maps make us uid 0 only once they exist; the ids the kernel showed
  // before were the overflow ids. setgroups is allowed when newgidmap wrote
  // the map, and drops host groups that would show as "nogroup" inside.
  if (::setresgid(0, 0, 0) < 0) throw_errno("setresgid", "0");
  if (!mapping.single_id) ::setgroups(0, nullptr);
  if (::setresuid(0, 0, 0) < 0) throw_errno("setresuid", "0");
}

}  // namespace nook::runtime
