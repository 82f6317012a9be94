#include <seccomp.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "runtime/state_store.hpp"

std::string nook_libseccomp_version() {
  const struct scmp_version* v = seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

namespace nook::cli {

int exit_code_for_start_error(const Error& e) {
  if (std::string(e.what()).rfind("exec:", 0) != 0) return 1;
  return e.errnum() == ENOENT ? 127 : 126;
}

namespace {

void report(const GlobalOptions& g, const char* level, const char* prefix,
            const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", prefix, message.c_str());
  if (g.log_file.empty()) return;
  FILE* f = std::fopen(g.log_file.c_str(), "a");
  if (!f) return;
  if (g.log_format == "json") {
    nlohmann::json j = {{"level", level}, {"msg", message}, {"time", runtime::now_rfc3339()}};
    std::fprintf(f, "%s\n", j.dump().c_str());
  } else {
    std::fprintf(f, "time=\"%s\" level=%s msg=%s\n", runtime::now_rfc3339().c_str(), level,
                 nlohmann::json(message).dump().c_str());
  }
  std::fclose(f);
}

}  // namespace

void report_error(const GlobalOptions& g, const std::string& message) {
  report(g, "error", "Error", message);
}

void report_warning(const GlobalOptions& g, const std::string& message) {
  report(g, "warning", "WARN", message);
}

}  // namespace nook::cli
