#include "runtime/cgroup_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::map<std::string, uint64_t> parse_keyed_values(std::string_view text) {
  std::map<std::string, uint64_t> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) continue;
    uint64_t v = 0;
    if (parse_number(trim(line.substr(sp + 1)), v)) out[std::string(line.substr(0, sp))] = v;
  }
  return out;
}

std::vector<pid_t> parse_pid_list(std::string_view text, const std::string& what) {
  std::vector<pid_t> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    pid_t pid = 0;
    if (!parse_number(line, pid) || pid <= 0)
      throw Error("parse", what, 0, "not a pid: \"" + std::string(line) + "\"");
    out.push_back(pid);
  }
  return out;
}

std::vector<std::string> parse_controller_list(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n') ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<uint64_t> parse_limit(std::string_view text, const std::string& what) {
  std::string_view t = trim(text);
  if (t == "max") return std::nullopt;
  uint64_t v = 0;
  if (!parse_number(t, v)) throw Error("parse", what, 0, "not a limit: \"" + std::string(t) + "\"");
  return v;
}

std::optional<std::string> read_cgroup_file(const std::string& path) {
  try {
    return read_file(path);
  } catch (const Error& e) {
    if (e.errnum() == ENOENT) return std::nullopt;
    throw;
  }
}

void write_cgroup_file(const std::string& dir, const std::string& file, std::string_view value) {
  std::string path = dir + "/" + file;
  int fd = retry_eintr([&] { return ::open(path.c_str(), O_WRONLY | O_CLOEXEC); });
  if (fd < 0) {
    int e = errno;
    throw Error("open", path, e,
                e == ENOENT ? "no such interface file: its controller is not enabled here, or "
                              "this kernel does not have it"
                            : "");
  }
  UniqueFd guard(fd);
  // Interface files take one value per write(2); a short write means the
  // kernel rejected the rest.
  ssize_t n = retry_eintr([&] { return ::write(fd, value.data(), value.size()); });
  if (n < 0) throw Error("write", path, errno, "value \"" + std::string(value) + "\"");
  if (static_cast<size_t>(n) != value.size())
    throw Error("write", path, 0, "short write of \"" + std::string(value) + "\"");
}

}  // namespace nook::runtime
