#include "image/config_change.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "sys/error.hpp"

namespace nook::image {
namespace {

// Thrown inside, turned into podman's message with the whole change.
struct Invalid {
  std::string why;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_space(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Shell-like words as a Dockerfile's ENV and LABEL read them: unquoted
// whitespace separates, "..." keeps spaces (\" and \\ escape inside),
// '...' is literal, a backslash outside quotes escapes the next character.
std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size()) break;
    std::string word;
    while (i < s.size() && !is_space(s[i])) {
      char c = s[i++];
      if (c == '\\') {
        if (i < s.size()) word += s[i++];
      } else if (c == '\'') {
        size_t end = s.find('\'', i);
        if (end == std::string_view::npos) throw Invalid{"unterminated single quote"};
        word.append(s.substr(i, end - i));
        i = end + 1;
      } else if (c == '"') {
        for (;;) {
          if (i >= s.size()) throw Invalid{"unterminated double quote"};
          char d = s[i++];
          if (d == '"') break;
          if (d == '\\' && i < s.size() && (s[i] == '"' || s[i] == '\\')) d = s[i++];
          word += d;
        }
      } else {
        word += c;
      }
    }
    out.push_back(std::move(word));
  }
  return out;
}

// KEY=VALUE words, or Dockerfile's legacy "KEY VALUE WITH SPACES" when the
// first word has no '='.
std::vector<std::pair<std::string, std::string>> name_values(std::string_view arg,
                                                             std::string_view what) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string_view> raw = split_space(arg);
  if (raw.front().find('=') == std::string_view::npos) {
    if (raw.size() < 2)
      throw Invalid{std::string(what) + " must be formatted KEY=VALUE or KEY VALUE"};
    std::string_view rest = trim(arg.substr(raw.front().size()));
    out.emplace_back(std::string(raw.front()), std::string(rest));
    return out;
  }
  for (std::string& word : split_words(arg)) {
    auto eq = word.find('=');
    if (eq == std::string::npos)
      throw Invalid{std::string(what) + " must be formatted KEY=VALUE, got \"" + word + "\""};
    if (eq == 0) throw Invalid{std::string(what) + " names cannot be empty"};
    out.emplace_back(word.substr(0, eq), word.substr(eq + 1));
  }
  return out;
}

// JSON array of strings → exec form; anything else is shell form.
std::optional<std::vector<std::string>> json_strings(std::string_view arg) {
  if (arg.empty() || arg.front() != '[') return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(arg, nullptr, false);
  if (!j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : j) {
    if (!e.is_string()) return std::nullopt;
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::vector<std::string> command(std::string_view arg) {
  if (auto exec = json_strings(arg)) return *exec;
  return {"/bin/sh", "-c", std::string(arg)};
}

bool parse_uint(std::string_view s, unsigned& out) {
  if (s.empty() || s.size() > 5) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

void expose(ContainerConfig& c, std::string_view arg) {
  std::vector<std::string> ports;
  for (std::string_view word : split_space(arg)) {
    std::string_view spec = word, proto = "tcp";
    if (auto slash = word.find('/'); slash != std::string_view::npos) {
      spec = word.substr(0, slash);
      proto = word.substr(slash + 1);
    }
    std::string p(proto);
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char x) { return std::tolower(x); });
    if (p != "tcp" && p != "udp" && p != "sctp")
      throw Invalid{"EXPOSE: invalid protocol \"" + std::string(proto) + "\" (tcp, udp or sctp)"};
    unsigned lo = 0, hi = 0;
    auto dash = spec.find('-');
    bool ok = dash == std::string_view::npos
                  ? parse_uint(spec, lo) && (hi = lo, true)
                  : parse_uint(spec.substr(0, dash), lo) && parse_uint(spec.substr(dash + 1), hi);
    if (!ok || lo == 0 || hi > 65535 || lo > hi)
      throw Invalid{"EXPOSE: invalid port \"" + std::string(word) +
                    "\" (want PORT[/PROTO] or START-END[/PROTO], ports 1-65535)"};
    for (unsigned port = lo; port <= hi; ++port) ports.push_back(std::to_string(port) + "/" + p);
  }
  c.exposed_ports.insert(ports.begin(), ports.end());
}

// Lexical clean of an absolute path: no ".", "..", empty parts.
std::string clean_absolute(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (std::string_view part : parts) out += "/" + std::string(part);
  return out.empty() ? "/" : out;
}

void apply(ContainerConfig& c, const std::string& instruction, std::string_view arg) {
  if (instruction == "CMD") {
    c.cmd = command(arg);
  } else if (instruction == "ENTRYPOINT") {
    c.entrypoint = command(arg);
  } else if (instruction == "ENV") {
    for (auto& [key, value] : name_values(arg, "ENV")) {
      std::string entry = key + "=" + value;
      auto it = std::find_if(c.env.begin(), c.env.end(), [&](const std::string& e) {
        return e.compare(0, key.size() + 1, key + "=") == 0 || e == key;
      });
      if (it != c.env.end())
        *it = entry;
      else
        c.env.push_back(entry);
    }
  } else if (instruction == "EXPOSE") {
    expose(c, arg);
  } else if (instruction == "LABEL") {
    for (auto& [key, value] : name_values(arg, "LABEL")) c.labels[key] = value;
  } else if (instruction == "ONBUILD") {
    std::string trigger(split_space(arg).front());
    std::transform(trigger.begin(), trigger.end(), trigger.begin(),
                   [](unsigned char x) { return std::toupper(x); });
    if (trigger == "ONBUILD" || trigger == "FROM" || trigger == "MAINTAINER")
      throw Invalid{"ONBUILD cannot trigger " + trigger};
    nlohmann::json list = c.on_build ? *c.on_build : nlohmann::json::array();
    list.push_back(std::string(arg));
    c.on_build = std::move(list);
  } else if (instruction == "STOPSIGNAL") {
    if (!is_valid_stop_signal(arg))
      throw Invalid{"STOPSIGNAL: invalid signal \"" + std::string(arg) + "\""};
    c.stop_signal = std::string(arg);
  } else if (instruction == "USER") {
    c.user = std::string(arg);
  } else if (instruction == "VOLUME") {
    std::vector<std::string> volumes;
    if (auto list = json_strings(arg)) {
      volumes = *list;
    } else {
      for (std::string_view v : split_space(arg)) volumes.emplace_back(v);
    }
    for (const std::string& v : volumes)
      if (trim(v).empty()) throw Invalid{"VOLUME: a volume path is empty"};
    c.volumes.insert(volumes.begin(), volumes.end());
  } else if (instruction == "WORKDIR") {
    std::string base = c.working_dir.empty() ? "/" : c.working_dir;
    c.working_dir =
        arg.front() == '/' ? clean_absolute(arg) : clean_absolute(base + "/" + std::string(arg));
  } else {
    throw Invalid{"invalid instruction " + instruction};
  }
}

}  // namespace

bool is_valid_stop_signal(std::string_view s) {
  unsigned n = 0;
  if (!s.empty() && std::isdigit(static_cast<unsigned char>(s.front())))
    return parse_uint(s, n) && n >= 1 && n <= 64;
  std::string name(s);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char x) { return std::toupper(x); });
  if (name.starts_with("SIG")) name.erase(0, 3);
  static constexpr std::string_view kNames[] = {
      "HUP",    "INT",  "QUIT",  "ILL",  "TRAP", "ABRT", "IOT",  "BUS",    "FPE",
      "KILL",   "USR1", "SEGV",  "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD",
      "CLD",    "CONT", "STOP",  "TSTP", "TTIN", "TTOU", "URG",  "XCPU",   "XFSZ",
      "VTALRM", "PROF", "WINCH", "IO",   "POLL", "PWR",  "SYS",  "RTMIN",  "RTMAX"};
  if (std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames)) return true;
  // SIGRTMIN+n and SIGRTMAX-n (real-time signals 34..64).
  for (std::string_view base : {"RTMIN+", "RTMAX-"}) {
    if (name.starts_with(base))
      return parse_uint(std::string_view(name).substr(base.size()), n) && n >= 1 && n <= 30;
  }
  return false;
}

void apply_config_change(ContainerConfig& config, std::string_view change) {
  std::string_view text = trim(change);
  size_t end = 0;
  while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
  std::string instruction(text.substr(0, end));
  std::transform(instruction.begin(), instruction.end(), instruction.begin(),
                 [](unsigned char x) { return std::toupper(x); });
  std::string_view arg;
  if (end < text.size() && (is_space(text[end]) || text[end] == '='))
    arg = trim(text.substr(end + 1));
  auto fail = [&](const std::string& why) {
    throw Error("invalid change \"" + std::string(change) + "\" - " + why);
  };
  if (instruction.empty() || (end < text.size() && !is_space(text[end]) && text[end] != '='))
    fail("must be formatted as KEY VALUE");
  if (arg.empty()) fail("must be formatted as KEY VALUE");
  ContainerConfig updated = config;
  try {
    apply(updated, instruction, arg);
  } catch (const Invalid& e) {
    fail(e.why);
  }
  config = std::move(updated);
}

}  // namespace nook::image
