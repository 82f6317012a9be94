#include "runtime/process_setup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <map>

#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

const std::map<std::string, int>& rlimit_names() {
  static const std::map<std::string, int> m = {
      {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},
      {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
      {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK},
  };
  return m;
}

std::string env_value(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& e : env)
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
      return e.substr(key.size() + 1);
  return {};
}

bool is_executable_file(const std::string& path, int* err) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) {
    *err = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *err = EACCES;
    return false;
  }
  if (::access(path.c_str(), X_OK) < 0) {
    *err = errno;
    return false;
  }
  return true;
}

bool setgroups_denied_here() {
  try {
    return read_file("/proc/self/setgroups").rfind("deny", 0) == 0;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

void apply_rlimits(const std::vector<oci::Rlimit>& rlimits) {
  for (const auto& r : rlimits) {
    auto it = rlimit_names().find(r.type);
    if (it == rlimit_names().end()) throw Error("unknown rlimit " + r.type);
    struct rlimit lim = {r.soft, r.hard};
    if (::setrlimit(it->second, &lim) < 0) {
      int err = errno;
      std::string why = err == EPERM ? " (a rootless container cannot raise a hard limit above "
                                       "the user's own)"
                                     : "";
      throw Error("setrlimit " + r.type + " soft=" + std::to_string(r.soft) +
                      " hard=" + std::to_string(r.hard) + why,
                  "", err);
    }
  }
}

void apply_oom_score_adj(int value) {
  try {
    write_file("/proc/self/oom_score_adj", std::to_string(value), O_TRUNC);
  } catch (const Error& e) {
    throw Error("set oom_score_adj to " + std::to_string(value) +
                    (e.errnum() == EACCES ? " (unprivileged users can only raise it)" : ""),
                "", e.errnum());
  }
}

std::string find_executable(const std::string& arg0, const std::vector<std::string>& env) {
  int err = ENOENT;
  if (arg0.find('/') != std::string::npos) {
    if (is_executable_file(arg0, &err)) return arg0;
    if (err == ENOENT)
      throw Error("exec: \"" + arg0 + "\": stat " + arg0 + ": no such file or directory", ENOENT);
    throw Error("exec: \"" + arg0 + "\": permission denied", EACCES);
  }
  std::string path = env_value(env, "PATH");
  if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  bool denied = false;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = path.substr(i, j - i);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + arg0;
    if (is_executable_file(candidate, &err)) return candidate;
    if (err == EACCES && path_exists(candidate)) denied = true;
    i = j + 1;
  }
  if (denied) throw Error("exec: \"" + arg0 + "\": permission denied", EACCES);
  throw Error("exec: \"" + arg0 + "\": executable file not found in $PATH", ENOENT);
}

void switch_user(const oci::User& user, bool setgroups_allowed) {
  if (setgroups_allowed) {
    std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
    // A joined user namespace may deny setgroups; with no groups to set
    // there is nothing to do (the inherited ones cannot be dropped there).
    if (::setgroups(groups.size(), groups.data()) < 0 &&
        !(errno == EPERM && groups.empty() && setgroups_denied_here()))
      throw_errno("setgroups", "process.user.additionalGids");
  } else if (!user.additional_gids.empty()) {
    throw Error(
        "process.user.additionalGids needs setgroups, which a user namespace with a single-id "
        "gid mapping forbids: give the user a /etc/subgid range");
  }
  if (::setresgid(user.gid, user.gid, user.gid) < 0)
    throw_errno("setresgid", "gid " + std::to_string(user.gid));
  if (::setresuid(user.uid, user.uid, user.uid) < 0)
    throw_errno("setresuid", "uid " + std::to_string(user.uid));
  if (user.umask) ::umask(*user.umask);
}

void check_preserved_fds(int preserve_fds) {
  for (int fd = 3; fd < 3 + preserve_fds; ++fd)
    if (::fcntl(fd, F_GETFD) < 0)
      throw Error("--preserve-fds " + std::to_string(preserve_fds) + ": fd " + std::to_string(fd) +
                  " is not open in the caller");
}

void prepare_inherited_fds(int preserve_fds) {
  int first_closed = 3 + preserve_fds;
  for (int fd = 3; fd < first_closed; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  // Mark, not close: the sync socket must stay usable until execve succeeds.
  if (::syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    throw_errno("close_range");
}

void exec_process(const std::string& path, const std::vector<std::string>& args,
                  const std::vector<std::string>& env) {
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(path.c_str(), argv.data(), envp.data());
  int err = errno;
  if (err == EACCES) throw Error("exec: \"" + args[0] + "\": permission denied", err);
  if (err == ENOENT)
    throw Error("exec: \"" + args[0] + "\": no such file or directory (or its interpreter)", err);
  throw Error("exec " + path, "", err);
}

}  // namespace nook::runtime
