#include "format/report.hpp"

#include <set>
#include <utility>

#include "format/tabwriter.hpp"
#include "format/utf8.hpp"
#include "sys/error.hpp"

namespace nook::format {

namespace {

// RE2's \s.
bool re_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && re_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && re_space(s.back())) s.remove_suffix(1);
  return s;
}

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && re_space(s[i])) ++i;
  return i;
}

// Matches "{{" \s* word \s* [then] \s* "}}" at i; returns the end or npos.
size_t match_action(std::string_view s, size_t i, std::string_view word, std::string_view then,
                    bool then_optional) {
  if (s.substr(i, 2) != "{{") return std::string_view::npos;
  i = skip_space(s, i + 2);
  if (s.substr(i, word.size()) != word) return std::string_view::npos;
  i = skip_space(s, i + word.size());
  if (s.substr(i, then.size()) == then) {
    i = skip_space(s, i + then.size());
  } else if (!then_optional) {
    return std::string_view::npos;
  }
  if (s.substr(i, 2) != "}}") return std::string_view::npos;
  return i + 2;
}

// podman's EnforceRange test: {{range .}} followed somewhere by {{end}}.
bool ranges_over_rows(std::string_view s) {
  size_t after = std::string_view::npos;
  for (size_t i = s.find("{{"); i != std::string_view::npos; i = s.find("{{", i + 1)) {
    after = match_action(s, i, "range", ".", false);
    if (after != std::string_view::npos) break;
  }
  if (after == std::string_view::npos) return false;
  for (size_t i = s.find("{{", after); i != std::string_view::npos; i = s.find("{{", i + 1)) {
    if (match_action(s, i, "end", "-", true) != std::string_view::npos) return true;
  }
  return false;
}

// strings.NewReplacer(old1, new1, ...).Replace: leftmost, first listed wins.
std::string replace_all(std::string_view s,
                        const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    bool hit = false;
    for (const auto& [from, to] : pairs) {
      if (s.substr(i, from.size()) == from) {
        out += to;
        i += from.size();
        hit = true;
        break;
      }
    }
    if (!hit) out.push_back(s[i++]);
  }
  return out;
}

constexpr std::string_view kTable = "table ";

}  // namespace

bool is_json_format(std::string_view format) {
  std::string_view s = trim(format);
  if (s == "json") return true;
  if (s.size() < 4 || s.substr(0, 2) != "{{" || s.substr(s.size() - 2) != "}}") return false;
  std::string_view inner = trim(s.substr(2, s.size() - 4));
  if (!inner.starts_with("json")) return false;
  // podman's pattern: {{ json }}, {{json.}}, {{ json . }}
  std::string_view rest = trim(inner.substr(4));
  return rest.empty() || rest == ".";
}

bool is_table_format(std::string_view format) {
  return format.substr(0, kTable.size()) == kTable;
}

std::string normalize_format(std::string_view format) {
  std::string f =
      is_table_format(format)
          ? replace_all(format, {{"table ", ""}, {"\\t", "\t"}, {" ", "\t"}, {"\\n", "\n"}})
          : replace_all(format, {{"\\t", "\t"}, {"\\n", "\n"}});
  if (f.empty() || f.back() != '\n') f.push_back('\n');
  return f;
}

std::vector<std::string> split_camel_case(std::string_view word) {
  if (!valid_utf8(word)) return {std::string(word)};
  std::vector<std::u32string> runs;
  int last = 0;
  for (size_t i = 0; i < word.size();) {
    Rune r = decode_rune(word, i);
    i += r.len;
    int cls = is_lower(r.value) ? 1 : is_upper(r.value) ? 2 : is_digit(r.value) ? 3 : 4;
    if (cls == last) {
      runs.back().push_back(r.value);
    } else {
      runs.emplace_back(1, r.value);
    }
    last = cls;
  }
  // "PDFL" "oader" -> "PDF" "Loader"
  for (size_t i = 0; i + 1 < runs.size(); ++i) {
    if (!runs[i].empty() && is_upper(runs[i][0]) && is_lower(runs[i + 1][0])) {
      runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
      runs[i].pop_back();
    }
  }
  std::vector<std::string> out;
  for (const auto& run : runs) {
    if (run.empty()) continue;
    std::string s;
    for (char32_t r : run) append_rune(s, r);
    out.push_back(std::move(s));
  }
  return out;
}

std::string default_header(std::string_view field) {
  std::string joined;
  for (const auto& w : split_camel_case(field)) {
    if (!joined.empty()) joined.push_back(' ');
    joined += w;
  }
  return to_upper(joined);
}

RowFormat RowFormat::parse(std::string_view format, std::string name) {
  // Like podman: try the normalized text first; if that does not parse (a
  // \n inside a quoted string became a real newline), the text as given.
  if (is_table_format(format)) {
    try {
      return RowFormat(Template::parse(normalize_format(format), name), true, true);
    } catch (const Error&) {
      return RowFormat(Template::parse(format.substr(kTable.size()), name), true, true);
    }
  }
  std::string norm = normalize_format(format);
  try {
    return RowFormat(Template::parse(norm, name), false, !ranges_over_rows(norm));
  } catch (const Error&) {
    return RowFormat(Template::parse(format, name), false, !ranges_over_rows(format));
  }
}

nlohmann::json RowFormat::header_object(const std::vector<nlohmann::json>& rows,
                                        const std::map<std::string, std::string>& headers) const {
  std::set<std::string> fields;
  for (auto& f : tmpl_.field_names()) fields.insert(std::move(f));
  for (const auto& row : rows) {
    if (!row.is_object()) continue;
    for (const auto& [k, v] : row.items()) fields.insert(k);
  }
  for (const auto& [k, v] : headers) fields.insert(k);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& f : fields) {
    auto it = headers.find(f);
    out[f] = it != headers.end() ? to_upper(it->second) : default_header(f);
  }
  return out;
}

std::string RowFormat::render(const std::vector<nlohmann::json>& rows,
                              const std::map<std::string, std::string>& headers,
                              const RenderOptions& options) const {
  nlohmann::json all(rows);
  std::string out;
  if (table_ && !options.no_heading) {
    nlohmann::json header_rows = nlohmann::json::array({header_object(rows, headers)});
    out = tmpl_.execute_each(header_rows, options.limits);
  }
  out += each_ ? tmpl_.execute_each(all, options.limits) : tmpl_.execute(all, options.limits);
  if (table_) return tabwrite(out);
  return out;
}

std::string render_rows(std::string_view format, const std::vector<nlohmann::json>& rows,
                        const std::map<std::string, std::string>& headers,
                        const RenderOptions& options) {
  return RowFormat::parse(format).render(rows, headers, options);
}

}  // namespace nook::format
