// Feeds arbitrary templates (and optionally data: the bytes after the first
// NUL, read as JSON) to the Go template engine, podman's --format layer and
// the tabwriter. Only nook::Error may come out, every error is one line
// naming the template, output stays within the limits, a template without
// actions prints itself, and the tabwriter leaves tab-free text alone.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "format/go_template.hpp"
#include "format/report.hpp"
#include "format/tabwriter.hpp"
#include "sys/error.hpp"

namespace {

const nlohmann::json& default_data() {
  static const nlohmann::json data = nlohmann::json::parse(R"({
    "Repository": "docker.io/library/busybox", "Tag": "latest", "ID": "a416a98b71e2",
    "Size": 4261550, "Ratio": 1.5, "ReadOnly": true, "Null": null, "Empty": [],
    "RepoTags": ["a:1", "b:2", "c:3"], "Labels": {"b": "2", "a": "1", "k": "v\n"},
    "Config": {"Env": ["A=1", "B=2"], "Labels": {"maintainer": "me"}, "Cmd": null},
    "Mixed": [1, "two", null, {"k": [3, 4.5]}, [true, false]]
  })");
  return data;
}

void check_error(const nook::Error& e, std::string_view prefix) {
  std::string_view msg = e.what();
  if (msg.substr(0, prefix.size()) != prefix) std::abort();
  if (msg.find('\n') != std::string_view::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(bytes), size);
  std::string_view text = input.substr(0, input.find('\0'));
  nlohmann::json data = default_data();
  if (text.size() < input.size()) {
    auto parsed = nlohmann::json::parse(input.substr(text.size() + 1), nullptr, false);
    if (!parsed.is_discarded()) data = std::move(parsed);
  }
  nook::format::ExecLimits limits;
  limits.max_output_bytes = 1 << 20;
  limits.max_steps = 200000;

  try {
    auto t = nook::format::Template::parse(text, "fuzz");
    try {
      std::string out = t.execute(data, limits);
      if (out.size() > limits.max_output_bytes) std::abort();
      if (text.find("{{") == std::string_view::npos && out != text) std::abort();
      std::string_view plain(out);
      if (plain.find_first_of("\t\v\f\xff") == std::string_view::npos &&
          nook::format::tabwrite(plain) != plain)
        std::abort();
      (void)nook::format::tabwrite(out);
    } catch (const nook::Error& e) {
      check_error(e, "template: fuzz:");
    }
    try {
      nlohmann::json rows = nlohmann::json::array({data, default_data()});
      if (t.execute_each(rows, limits).size() > limits.max_output_bytes) std::abort();
    } catch (const nook::Error& e) {
      check_error(e, "template: fuzz:");
    }
  } catch (const nook::Error& e) {
    check_error(e, "template: fuzz:");
  }

  nook::format::RenderOptions options;
  options.limits = limits;
  for (std::string prefix : {"", "table "}) {
    try {
      (void)nook::format::render_rows(prefix + std::string(text), {data, default_data()},
                                      {{"ID", "IMAGE ID"}}, options);
    } catch (const nook::Error& e) {
      check_error(e, "template: format:");
    }
  }
  (void)nook::format::is_json_format(text);
  (void)nook::format::default_header(text);
  return 0;
}
