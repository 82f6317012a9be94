#include "runtime/hooks.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <sstream>

#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using nook::Error;
using nook::oci::Hook;
using nook::runtime::run_hooks;

namespace {

class HooksTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return tmp_.path(name); }

  // /bin/sh -c script, with $1 = out.
  Hook sh(const std::string& script, std::vector<std::string> env = {},
          std::optional<int> timeout = std::nullopt) const {
    return Hook{"/bin/sh", {"sh", "-c", script, "sh", path("out")}, std::move(env), timeout};
  }

  std::string out() const { return nook::read_file(path("out")); }

  std::string error_of(const std::vector<Hook>& hooks, const std::string& state = "{}",
                       const std::string& phase = "prestart") {
    try {
      run_hooks(hooks, state, phase);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  nook::test::TempDir tmp_{"/tmp/nook-hooks-"};
};

const std::string kState =
    R"({"ociVersion":"1.0.2","id":"c1","status":"created","pid":42,"bundle":"/b"})";

}  // namespace

TEST_F(HooksTest, StateArrivesOnStdin) {
  run_hooks({sh("cat > \"$1\"")}, kState, "createRuntime");
  EXPECT_EQ(out(), kState);
}

TEST_F(HooksTest, LargeStateIsFullyDelivered) {
  std::string big = "{\"pad\":\"" + std::string(1 << 20, 'x') + "\"}";
  run_hooks({sh("cat > \"$1\"")}, big, "poststart");
  EXPECT_EQ(out(), big);
}

TEST_F(HooksTest, EnvironmentIsExactlyTheHooks) {
  run_hooks({sh("printf '%s|%s' \"$FOO\" \"${HOME-unset}\" > \"$1\"", {"FOO=bar baz"})}, kState,
            "prestart");
  EXPECT_EQ(out(), "bar baz|unset");
  // No env in the hook: the runtime's own environment does not leak in.
  setenv("NOOK_HOOK_TEST_LEAK", "1", 1);
  run_hooks({sh("printf '%s' \"${NOOK_HOOK_TEST_LEAK-clean}\" > \"$1\"")}, kState, "prestart");
  unsetenv("NOOK_HOOK_TEST_LEAK");
  EXPECT_EQ(out(), "clean");
}

TEST_F(HooksTest, ArgvZeroIsAsGiven) {
  Hook h{"/bin/sh",
         {"my-hook-name", "-c", "tr '\\0' ' ' < /proc/$$/cmdline > \"$0\"", path("out")},
         {},
         std::nullopt};
  run_hooks({h}, kState, "prestart");
  EXPECT_EQ(out().rfind("my-hook-name -c ", 0), 0u) << out();
}

TEST_F(HooksTest, EmptyArgsRunThePath) {
  std::string script = path("hook.sh");
  nook::write_file(script, "#!/bin/sh\ncat > " + path("out") + "\n", O_CREAT | O_TRUNC, 0755);
  run_hooks({Hook{script, {}, {}, std::nullopt}}, kState, "poststop");
  EXPECT_EQ(out(), kState);
}

TEST_F(HooksTest, NonzeroExitNamesPhasePathAndStatus) {
  EXPECT_EQ(error_of({sh("exit 3")}, kState, "prestart"),
            "prestart hook `/bin/sh`: exited with status 3");
}

TEST_F(HooksTest, DeathBySignalIsReported) {
  EXPECT_EQ(error_of({sh("kill -TERM $$")}, kState, "poststart"),
            "poststart hook `/bin/sh`: killed by signal 15");
}

TEST_F(HooksTest, TimeoutKillsAndReaps) {
  auto start = std::chrono::steady_clock::now();
  std::string msg = error_of({sh("echo $$ > \"$1\"; exec sleep 30", {}, 1)}, kState, "prestart");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(msg, "prestart hook `/bin/sh`: timed out after 1s");
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_GE(took, std::chrono::milliseconds(900));
  pid_t pid = std::stoi(out());
  // Killed and reaped: not even a zombie is left.
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(HooksTest, TimeoutHoldsWhenTheHookNeverReadsABigState) {
  std::string big(4 << 20, 'x');
  auto start = std::chrono::steady_clock::now();
  std::string msg = error_of({sh("exec sleep 30", {}, 1)}, big, "prestart");
  EXPECT_EQ(msg, "prestart hook `/bin/sh`: timed out after 1s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(HooksTest, HookThatClosesStdinIsFineAndNoSigpipeLeaks) {
  std::string big(4 << 20, 'x');
  run_hooks({sh("exec 0<&-; sleep 0.2; echo ok > \"$1\"")}, big, "prestart");
  EXPECT_EQ(out(), "ok\n");
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST_F(HooksTest, NoStrayFileDescriptors) {
  int leaked = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaked, 0);
  ASSERT_EQ(dup2(leaked, 100), 100);
  // ls lists the shell's descriptors, not its own.
  run_hooks({sh("exec > \"$1\"; ls /proc/$$/fd")}, kState, "prestart");
  close(100);
  close(leaked);
  std::istringstream in(out());
  std::vector<std::string> fds;
  for (std::string line; std::getline(in, line);) fds.push_back(line);
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2"}));
}

TEST_F(HooksTest, MissingAndUnrunnableBinaries) {
  try {
    run_hooks({Hook{path("nope"), {}, {}, std::nullopt}}, kState, "createContainer");
    ADD_FAILURE() << "ran a missing hook";
  } catch (const Error& e) {
    EXPECT_EQ(e.errnum(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("createContainer hook `" + path("nope") + "`"),
              std::string::npos)
        << e.what();
  }
  nook::write_file(path("plain"), "#!/bin/sh\n", O_CREAT | O_TRUNC, 0644);
  try {
    run_hooks({Hook{path("plain"), {}, {}, std::nullopt}}, kState, "startContainer");
    ADD_FAILURE() << "ran a non-executable hook";
  } catch (const Error& e) {
    // root may bypass the mode bits for reading, never for execution.
    EXPECT_EQ(e.errnum(), EACCES) << e.what();
  }
}

TEST_F(HooksTest, InvalidHookDefinitions) {
  EXPECT_NE(error_of({Hook{"bin/sh", {}, {}, std::nullopt}}).find("path must be absolute"),
            std::string::npos);
  EXPECT_NE(error_of({Hook{"", {}, {}, std::nullopt}}).find("path must be absolute"),
            std::string::npos);
  EXPECT_NE(error_of({sh("exit 0", {}, 0)}).find("timeout must be greater than zero"),
            std::string::npos);
  EXPECT_NE(error_of({sh("exit 0", {}, -5)}).find("timeout must be greater than zero"),
            std::string::npos);
}

TEST_F(HooksTest, RunInOrderAndStopAtTheFirstFailure) {
  std::vector<Hook> hooks = {
      sh("echo a >> \"$1\""),
      sh("echo b >> \"$1\""),
      sh("exit 1"),
      sh("echo c >> \"$1\""),
  };
  EXPECT_NE(error_of(hooks), "(no error)");
  EXPECT_EQ(out(), "a\nb\n");
  run_hooks({}, kState, "prestart");  // no hooks: nothing to do
}

TEST_F(HooksTest, RuntimeThatIgnoresSignalsDoesNotPassThatOn) {
  // Ignored signals survive execve; a hook must start with default ones.
  struct sigaction ign {
  }, old{};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ign, &old);
  std::string msg = error_of({sh("kill -INT $$; exit 0")});
  sigaction(SIGINT, &old, nullptr);
  EXPECT_EQ(msg, "prestart hook `/bin/sh`: killed by signal 2");
}
