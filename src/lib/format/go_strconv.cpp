#include "format/go_strconv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "format/utf8.hpp"

namespace nook::format::detail {

namespace {

const char* const kHex = "0123456789abcdef";

// The shortest decimal digits of v > 0 and the position of the decimal point:
// v = 0.<digits> * 10^dp, as Go's strconv keeps it.
void shortest_digits(double v, std::string& digits, int& dp) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = s.find('e');
  digits.clear();
  for (char c : s.substr(0, e))
    if (c != '.') digits.push_back(c);
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  dp = exp + 1;
}

std::string fmt_e(const std::string& d, int dp, int prec, char e) {
  std::string out(1, d.empty() ? '0' : d[0]);
  if (prec > 0) {
    out.push_back('.');
    for (int i = 1; i <= prec; ++i)
      out.push_back(static_cast<size_t>(i) < d.size() ? d[static_cast<size_t>(i)] : '0');
  }
  int exp = d.empty() || d == "0" ? 0 : dp - 1;
  out.push_back(e);
  out.push_back(exp < 0 ? '-' : '+');
  exp = std::abs(exp);
  if (exp < 10) out.push_back('0');
  out += std::to_string(exp);
  return out;
}

std::string fmt_f(const std::string& d, int dp, int prec) {
  std::string out;
  if (dp > 0) {
    for (int i = 0; i < dp; ++i)
      out.push_back(static_cast<size_t>(i) < d.size() ? d[static_cast<size_t>(i)] : '0');
  } else {
    out = "0";
  }
  if (prec > 0) {
    out.push_back('.');
    for (int i = 0; i < prec; ++i) {
      int j = dp + i;
      out.push_back(j >= 0 && static_cast<size_t>(j) < d.size() ? d[static_cast<size_t>(j)] : '0');
    }
  }
  return out;
}

}  // namespace

std::string format_float(double v, char verb, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (prec >= 0) {
    char spec[8] = {'%', '.', '*', verb, 0};
    int n = std::snprintf(nullptr, 0, spec, prec, v);
    std::string out(static_cast<size_t>(n) + 1, '\0');
    std::snprintf(out.data(), out.size(), spec, prec, v);
    out.resize(static_cast<size_t>(n));
    return out;
  }
  std::string sign = std::signbit(v) ? "-" : "";
  double a = std::fabs(v);
  std::string d = "0";
  int dp = 1;
  if (a != 0) shortest_digits(a, d, dp);
  int nd = a != 0 ? static_cast<int>(d.size()) : 0;
  char e = (verb == 'E' || verb == 'G') ? 'E' : 'e';
  switch (verb) {
    case 'e':
    case 'E':
      return sign + fmt_e(d, dp, std::max(nd - 1, 0), e);
    case 'f':
      return sign + (a == 0 ? std::string("0") : fmt_f(d, dp, std::max(nd - dp, 0)));
    default: {  // g, G: exponent form below 1e-4 and from 1e6 (eprec 6 when shortest)
      if (a == 0) return sign + "0";
      int exp = dp - 1;
      if (exp < -4 || exp >= 6) return sign + fmt_e(d, dp, nd - 1, e);
      return sign + fmt_f(d, dp, std::max(nd - dp, 0));
    }
  }
}

namespace {

void append_escaped_rune(std::string& out, char32_t r, bool ascii_only) {
  if (r == '"' || r == '\\') {
    out.push_back('\\');
    out.push_back(static_cast<char>(r));
    return;
  }
  if (ascii_only ? (r < 0x80 && is_print(r)) : is_print(r)) {
    append_rune(out, r);
    return;
  }
  auto hex = [&](char32_t v, int digits) {
    for (int s = (digits - 1) * 4; s >= 0; s -= 4) out.push_back(kHex[(v >> s) & 0xF]);
  };
  switch (r) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    out += "\\x";
    hex(r, 2);
  } else if (r < 0x10000) {
    out += "\\u";
    hex(r, 4);
  } else {
    out += "\\U";
    hex(r, 8);
  }
}

}  // namespace

bool can_backquote(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    Rune r = decode_rune(s, i);
    i += r.len;
    if (r.len > 1) {
      if (r.value == 0xFEFF) return false;
      continue;
    }
    if (!r.valid) return false;
    if ((r.value < ' ' && r.value != '\t') || r.value == '`' || r.value == 0x7F) return false;
  }
  return true;
}

std::string quote_rune(char32_t r, bool ascii_only) {
  if (r > kMaxRune || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  std::string out = "'";
  if (r == '\'') {
    out += "\\'";
  } else if (r == '"') {
    out += '"';
  } else {
    append_escaped_rune(out, r, ascii_only);
  }
  return out + "'";
}

std::string quote(std::string_view s, bool ascii_only) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    Rune r = decode_rune(s, i);
    if (!r.valid) {
      out += "\\x";
      auto c = static_cast<unsigned char>(s[i]);
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      append_escaped_rune(out, r.value, ascii_only);
    }
    i += r.len;
  }
  return out + "\"";
}

}  // namespace nook::format::detail
