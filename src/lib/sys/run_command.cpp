#include "sys/run_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/process.hpp"
#include "sys/spawn.hpp"

extern char** environ;

namespace nook {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe2");
  return {UniqueFd(p[0]), UniqueFd(p[1])};
}

// The child's stdin: a socket, so that writing to a helper that exited
// without reading fails with EPIPE (MSG_NOSIGNAL) instead of raising
// SIGPIPE, whose disposition is not the library's to change.
Pipe make_stdin_socket() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) throw_errno("socketpair");
  ::shutdown(sv[0], SHUT_WR);  // the child's end only reads
  return {UniqueFd(sv[0]), UniqueFd(sv[1])};
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          int timeout_ms, size_t output_limit) {
  if (argv.empty()) throw Error("run command: no program given");
  const std::string& program = argv[0];
  Pipe in = make_stdin_socket(), out = make_pipe(), err = make_pipe();

  SpawnActions actions;
  actions.dup2(in.read.get(), 0);
  actions.dup2(out.write.get(), 1);
  actions.dup2(err.write.get(), 2);
  // Nothing else of ours (store locks, sockets) reaches the helper.
  actions.close_from(3);

  SpawnAttributes attr;
  attr.default_signals();
  // A process group of its own: a helper that hangs is killed with
  // whatever it started (a shell script's children).
  attr.own_process_group();

  std::vector<char*> args = c_string_array(argv);
  pid_t pid = -1;
  int e = posix_spawnp(&pid, program.c_str(), actions.get(), attr.get(), args.data(), environ);
  if (e) throw Error("run", program, e, e == ENOENT ? "not found in $PATH" : "");
  in.read.reset();
  out.write.reset();
  err.write.reset();

  // Whatever happens below, the child does not outlive this call.
  struct Reaper {
    pid_t pid;
    bool done = false;
    ~Reaper() {
      if (done) return;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reaper{pid};

  CommandResult r;
  size_t written = 0;
  if (input.empty()) in.write.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.read || err.read) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0)
      throw Error("run", program, 0,
                  "no answer within " + std::to_string(timeout_ms / 1000) + " s; killed it");
    pollfd fds[3];
    int n = 0;
    int out_i = -1, err_i = -1, in_i = -1;
    if (out.read) fds[out_i = n++] = {out.read.get(), POLLIN, 0};
    if (err.read) fds[err_i = n++] = {err.read.get(), POLLIN, 0};
    if (in.write) fds[in_i = n++] = {in.write.get(), POLLOUT, 0};
    int ready = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(left));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll", program);
    }
    if (in_i >= 0 && fds[in_i].revents) {
      // A helper that exits without reading gives EPIPE: not our error.
      ssize_t w = ::send(in.write.get(), input.data() + written, input.size() - written,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0 && errno != EAGAIN && errno != EINTR) {
        in.write.reset();
      } else if (w > 0) {
        written += static_cast<size_t>(w);
        if (written == input.size()) in.write.reset();
      }
    }
    auto drain = [&](int i, UniqueFd& fd, std::string& into) {
      if (i < 0 || !fds[i].revents) return;
      char buf[4096];
      ssize_t got = ::read(fd.get(), buf, sizeof buf);
      if (got < 0 && errno == EINTR) return;
      if (got <= 0) {
        fd.reset();
        return;
      }
      if (into.size() + static_cast<size_t>(got) > output_limit)
        throw Error("run", program, 0,
                    "wrote more than " + std::to_string(output_limit) + " bytes");
      into.append(buf, static_cast<size_t>(got));
    };
    drain(out_i, out.read, r.out);
    drain(err_i, err.read, r.err);
  }
  in.write.reset();
  int status = 0;
  // Its output is closed, but it may still linger: the deadline holds.
  for (;;) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      // Reaped elsewhere (ECHILD): its pid may be another process's now.
      reaper.done = true;
      throw_errno("waitpid", program);
    }
    if (std::chrono::steady_clock::now() >= deadline)
      throw Error("run", program, 0,
                  "did not exit within " + std::to_string(timeout_ms / 1000) + " s; killed it");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  reaper.done = true;
  r.exit_code = exit_code_from_status(status);
  return r;
}

}  // namespace nook
