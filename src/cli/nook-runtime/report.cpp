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

void report_error(const GlobalOptions& g, const std::string& message) {
  std::fprintf(stderr, "Error: %s\n", message.c_str());
  if (g.log_file.empty()) return;
  FILE* f = std::fopen(g.log_file.c_str(), "a");
  if (!f) return;
  if (g.log_format == "json") {
    nlohmann::json j = {{"level", "error"}, {"msg", message}, {"time", runtime::now_rfc3339()}};
    std::fprintf(f, "%s\n", j.dump().c_str());
  } else {
    std::fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", runtime::now_rfc3339().c_str(),
                 message.c_str());
  }
  std::fclose(f);
}

}  // namespace nook::cli
