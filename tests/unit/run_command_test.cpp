// Running a helper program: stdin in, stdout and stderr out, exit codes,
// deadlines, and helpers that misbehave.
#include <gtest/gtest.h>

#include <string>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "error_text.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/run_command.hpp"
#include "temp_dir.hpp"

using nook::run_command;

namespace {

std::string error_of(const std::vector<std::string>& argv, const std::string& input, int timeout_ms,
                     size_t limit = 1 << 20) {
  return test_util::error_of([&] { run_command(argv, input, timeout_ms, limit); });
}

TEST(RunCommand, InputOutputAndExitCode) {
  auto r = run_command({"sh", "-c", "cat; echo oops >&2; exit 3"}, "hello\n", 5000);
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "oops\n");
  EXPECT_EQ(r.exit_code, 3);
}

TEST(RunCommand, LargeInputAndOutputDoNotDeadlock) {
  std::string big(1 << 20, 'x');
  auto r = run_command({"cat"}, big, 10000, 2 << 20);
  EXPECT_EQ(r.out.size(), big.size());
  EXPECT_EQ(r.exit_code, 0);
}

TEST(RunCommand, AHelperThatIgnoresItsInputIsNoProblem) {
  // Writing to it fails with EPIPE; no SIGPIPE kills the caller.
  auto r = run_command({"true"}, std::string(1 << 20, 'x'), 5000);
  EXPECT_EQ(r.exit_code, 0);
}

TEST(RunCommand, SignalsAre128PlusN) {
  auto r = run_command({"sh", "-c", "kill -TERM $$"}, "", 5000);
  EXPECT_EQ(r.exit_code, 128 + 15);
}

TEST(RunCommand, MissingProgramIsNamed) {
  EXPECT_NE(error_of({"nook-no-such-helper"}, "", 1000).find("nook-no-such-helper"),
            std::string::npos);
}

TEST(RunCommand, DeadlinesKill) {
  EXPECT_NE(error_of({"sleep", "10"}, "", 200).find("no answer within"), std::string::npos);
  // Output closed, process still there.
  EXPECT_NE(error_of({"sh", "-c", "exec >&- 2>&-; sleep 10"}, "", 300).find("did not exit"),
            std::string::npos);
}

TEST(RunCommand, AKilledHelperTakesItsChildrenAlong) {
  nook::test::TempDir tmp("/tmp/nook-run-test-");
  std::string pidfile = tmp.path("pid");
  EXPECT_NE(
      error_of({"sh", "-c", "exec >&- 2>&-; sleep 30 & echo $! >" + pidfile + "; wait"}, "", 500)
          .find("killed it"),
      std::string::npos);
  std::string pid = nook::read_file(pidfile);
  while (!pid.empty() && pid.back() == '\n') pid.pop_back();
  // Gone, or a zombie waiting for init to reap it. SIGKILL to the group is sent but a loaded
  // machine may not have run the child's exit yet (CI saw it still "R"), so allow it a moment.
  auto dead = [&](std::string& stat) {
    try {
      stat = nook::read_file("/proc/" + pid + "/stat");
    } catch (const nook::Error&) {
      stat.clear();
      return true;
    }
    return stat.find(") Z ") != std::string::npos || stat.find(") X ") != std::string::npos;
  };
  std::string stat;
  for (int i = 0; i < 500 && !dead(stat); ++i) ::usleep(10'000);
  EXPECT_TRUE(dead(stat)) << stat;
}

TEST(RunCommand, SignalsTheCallerIgnoresAreNotIgnoredInTheHelper) {
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGTERM, &ignore, &old);
  sigset_t term, old_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &term, &old_mask);
  auto r = run_command({"sh", "-c", "kill -TERM $$; echo survived"}, "", 5000);
  auto blocked = run_command({"sh", "-c", "grep SigBlk /proc/self/status"}, "", 5000);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGTERM, &old, nullptr);
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.out;
  EXPECT_EQ(blocked.out, "SigBlk:\t0000000000000000\n");
}

TEST(RunCommand, EndlessOutputIsCutOff) {
  EXPECT_NE(error_of({"yes"}, "", 5000, 4096).find("more than 4096 bytes"), std::string::npos);
}

TEST(RunCommand, OnlyStdioReachesTheHelper) {
  auto r = run_command({"sh", "-c", "ls /proc/self/fd | wc -l"}, "", 5000);
  // 0, 1, 2 and the fd ls itself opens.
  EXPECT_EQ(r.out, "4\n");
}

}  // namespace
