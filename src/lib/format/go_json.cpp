#include "format/go_json.hpp"

#include <cmath>

#include "format/go_fmt.hpp"
#include "format/utf8.hpp"
#include "sys/error.hpp"

namespace nook::format::detail {

namespace {

constexpr int kMaxDepth = 512;

void append_string(std::string& out, const std::string& s) {
  static const char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    Rune r = decode_rune(s, i);
    if (!r.valid) {
      out += "\\ufffd";
    } else if (r.value == 0x2028 || r.value == 0x2029) {
      out += r.value == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s, i, r.len);
    }
    i += r.len;
  }
  out.push_back('"');
}

void append_float(std::string& out, double f) {
  if (!std::isfinite(f)) throw Error("json: unsupported value: " + format_float(f, 'g', -1));
  double a = std::fabs(f);
  bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
  std::string s = format_float(f, exp ? 'e' : 'f', -1);
  if (exp) {
    // Go writes 1e-07 as 1e-7.
    size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
  }
  out += s;
}

void append(std::string& out, const nlohmann::json& v, int depth) {
  if (depth > kMaxDepth) throw Error("json: value nested too deeply");
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      out += "null";
      return;
    case nlohmann::json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case nlohmann::json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      return;
    case nlohmann::json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return;
    case nlohmann::json::value_t::number_float:
      append_float(out, v.get<double>());
      return;
    case nlohmann::json::value_t::string:
      append_string(out, v.get_ref<const std::string&>());
      return;
    case nlohmann::json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out.push_back(',');
        first = false;
        append(out, e, depth + 1);
      }
      out.push_back(']');
      return;
    }
    case nlohmann::json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        append_string(out, k);
        out.push_back(':');
        append(out, e, depth + 1);
      }
      out.push_back('}');
      return;
    }
    default:
      throw Error("json: unsupported value type");
  }
}

}  // namespace

void append_go_json(std::string& out, const nlohmann::json& v) {
  append(out, v, 0);
}

}  // namespace nook::format::detail
