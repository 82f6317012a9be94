#pragma once
// Reading and writing cgroup v2 interface files. The parsers are pure and
// strict where a wrong answer would be acted on (pid lists), lenient where
// the kernel may add lines in a later release (keyed statistics).
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nook::runtime {

// "key value" lines (cpu.stat, memory.stat, cgroup.events, memory.events).
// Lines whose value is not an unsigned number are skipped.
std::map<std::string, uint64_t> parse_keyed_values(std::string_view text);

// cgroup.procs: one pid per line. Throws Error on anything else.
std::vector<pid_t> parse_pid_list(std::string_view text, const std::string& what);

// cgroup.controllers / cgroup.subtree_control: space-separated names.
std::vector<std::string> parse_controller_list(std::string_view text);

// A limit file: "max" → nullopt, a number → the number. Throws Error on
// anything else.
std::optional<uint64_t> parse_limit(std::string_view text, const std::string& what);

// File contents, or nullopt when the file does not exist (a controller not
// enabled, an older kernel). Other errors throw.
std::optional<std::string> read_cgroup_file(const std::string& path);

// One write(2) of value to dir/file. The Error names the file and the value.
void write_cgroup_file(const std::string& dir, const std::string& file, std::string_view value);

}  // namespace nook::runtime
