#pragma once
// Go text/template for nook's docker/podman-compatible --format flags,
// executed over decoded JSON (one object per row, or a whole inspect
// document). Supported: text, {{- -}} trimming, comments, fields and chains,
// $ and variables (:= and =), literals, pipelines, parenthesised pipelines,
// if/else if/else, range (arrays, objects in key order, integers; else,
// break, continue), with/else with, Go's builtins (and or not len index slice
// print printf println eq ne lt le gt ge) and podman's (json lower upper title
// join split truncate pad). Not supported: define, template, block, call,
// html, js, urlquery, complex numbers.
//
// Values print as Go's fmt prints decoded JSON: strings raw, numbers Go-style,
// arrays "[a b]", objects "map[k:v]" in key order, a missing key or null as
// "<no value>". Errors are nook::Error in Go's shape:
//   template: format:1:9: unexpected "}" in operand
//   template: format:1:2: executing "format" at <.Foo.Bar>: can't evaluate field Bar in type string
// where 1:9 is line and byte column (from 0), as Go reports them.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nook::format {

// Bounds on what one execution may cost, so that a hostile template (nested
// ranges, doubling strings, huge printf widths) fails instead of exhausting
// memory or time.
struct ExecLimits {
  size_t max_output_bytes = 64u << 20;  // also bounds every intermediate string
  uint64_t max_steps = 20'000'000;      // nodes evaluated
};

class Template {
 public:
  // Throws nook::Error on a syntax error, an unknown function or an
  // undefined variable.
  static Template parse(std::string_view text, std::string name = "format");

  // Runs the template with dot and $ set to data. Throws nook::Error.
  std::string execute(const nlohmann::json& data, const ExecLimits& limits = {}) const;
  // Runs it once per element of the array rows, each time with dot set to
  // the element and $ to rows: "{{range .}}TEXT{{end}}", how podman applies
  // a --format to a list. A null rows runs nothing.
  std::string execute_each(const nlohmann::json& rows, const ExecLimits& limits = {}) const;

  const std::string& name() const;
  const std::string& text() const;
  // Names of the fields the template looks up directly on dot or $ anywhere
  // (".Config.Env" gives "Config"), sorted and unique: the columns of a table.
  std::vector<std::string> field_names() const;

 private:
  struct Impl;
  explicit Template(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace nook::format
