// --format for every listing command: podman's json / Go template / table.
#include "cli.hpp"
#include "format/report.hpp"

namespace nook::cli {

std::string render_format(const std::string& format, const std::string& default_table,
                          const std::vector<nlohmann::json>& rows,
                          const std::map<std::string, std::string>& headers, bool no_heading) {
  std::string f = format.empty() ? default_table : format;
  if (format::is_json_format(f))
    return nlohmann::json(rows).dump(4, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
  format::RenderOptions options;
  options.no_heading = no_heading;
  return format::render_rows(f, rows, headers, options);
}

}  // namespace nook::cli
