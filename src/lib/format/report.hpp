#pragma once
// podman's handling of a --format argument (containers/common pkg/report),
// rebuilt over Template and TabWriter:
//  - "json" / "{{json}}" / "{{ json. }}" mean "print JSON" (is_json_format);
//  - the two-character sequences \t and \n become a tab and a newline, and
//    every row ends with a newline (normalize_format);
//  - "table " at the start: spaces become tabs too, a header row is printed
//    first and the output is aligned by a tabwriter (12, 2, 2, ' ');
//  - otherwise the format runs once per row, unless it ranges over the rows
//    itself ("{{range .}}...{{end}}"), in which case it runs once over all.
// The header row is the same template executed over an object that maps each
// field name to its header: the caller's name for it, or the name split at
// CamelCase and upper-cased (CreatedSince -> CREATED SINCE).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "format/go_template.hpp"

namespace nook::format {

bool is_json_format(std::string_view format);
bool is_table_format(std::string_view format);
std::string normalize_format(std::string_view format);
// podman's camelcase.Split: "PDFLoader" -> {"PDF", "Loader"}, "GL11Version"
// -> {"GL", "11", "Version"}; invalid UTF-8 is not split.
std::vector<std::string> split_camel_case(std::string_view word);
// "CreatedSince" -> "CREATED SINCE", "ID" -> "ID".
std::string default_header(std::string_view field);

struct RenderOptions {
  bool no_heading = false;  // --noheading: no header row even for a table
  ExecLimits limits;
};

// A parsed --format, for rendering lists of rows.
class RowFormat {
 public:
  // Throws nook::Error (the template's syntax error).
  static RowFormat parse(std::string_view format, std::string name = "format");

  bool is_table() const { return table_; }
  const Template& row_template() const { return tmpl_; }

  // The object the header row is rendered from: every field the template or
  // the rows name, mapped to headers[field] (upper-cased, as podman does) or
  // default_header(field).
  nlohmann::json header_object(const std::vector<nlohmann::json>& rows,
                               const std::map<std::string, std::string>& headers) const;
  // The whole output: header row (tables only), then every row, each ending
  // with a newline; tables aligned. Throws nook::Error from execution.
  std::string render(const std::vector<nlohmann::json>& rows,
                     const std::map<std::string, std::string>& headers = {},
                     const RenderOptions& options = {}) const;

 private:
  RowFormat(Template t, bool table, bool each) : tmpl_(std::move(t)), table_(table), each_(each) {}
  Template tmpl_;
  bool table_;
  bool each_;  // run per row; false when the format ranges over the rows itself
};

std::string render_rows(std::string_view format, const std::vector<nlohmann::json>& rows,
                        const std::map<std::string, std::string>& headers = {},
                        const RenderOptions& options = {});

}  // namespace nook::format
