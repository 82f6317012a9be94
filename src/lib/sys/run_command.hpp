#pragma once
// Runs a short-lived helper program (a docker credential helper) with some
// bytes on its stdin and its stdout and stderr captured, under a deadline.
#include <string>
#include <vector>

namespace nook {

struct CommandResult {
  int exit_code = 0;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

// argv[0] is looked up in $PATH. Throws Error when it cannot be started
// (ENOENT names the program), when it runs past timeout_ms (it is killed),
// or when it writes more than output_limit bytes to either stream.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          int timeout_ms, size_t output_limit = 1 << 20);

}  // namespace nook
