#include "format/template_literals.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "format/go_fmt.hpp"
#include "format/template_lexer.hpp"
#include "format/utf8.hpp"

namespace nook::format::detail {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.UnquoteChar: one possibly escaped character of s. raw_byte is set
// for \x and octal escapes, which stand for a byte rather than a rune.
bool unquote_char(std::string_view& s, char quote, char32_t& r, bool& raw_byte) {
  raw_byte = false;
  auto c = static_cast<unsigned char>(s[0]);
  if (c == static_cast<unsigned char>(quote)) return false;
  if (c >= 0x80) {
    Rune d = decode_rune(s, 0);
    r = d.value;
    s.remove_prefix(d.len);
    return true;
  }
  if (c != '\\') {
    r = c;
    s.remove_prefix(1);
    return true;
  }
  if (s.size() <= 1) return false;
  char e = s[1];
  s.remove_prefix(2);
  switch (e) {
    case 'a':
      r = '\a';
      return true;
    case 'b':
      r = '\b';
      return true;
    case 'f':
      r = '\f';
      return true;
    case 'n':
      r = '\n';
      return true;
    case 'r':
      r = '\r';
      return true;
    case 't':
      r = '\t';
      return true;
    case 'v':
      r = '\v';
      return true;
    case '\\':
      r = '\\';
      return true;
    case '\'':
    case '"':
      if (e != quote) return false;
      r = static_cast<char32_t>(e);
      return true;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s.size() < n) return false;
      char32_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        int h = hex_value(s[i]);
        if (h < 0) return false;
        v = (v << 4) | static_cast<char32_t>(h);
      }
      s.remove_prefix(n);
      if (e == 'x') {
        r = v;
        raw_byte = true;
        return true;
      }
      if (v > kMaxRune || (v >= 0xD800 && v <= 0xDFFF)) return false;
      r = v;
      return true;
    }
    default:
      if (e >= '0' && e <= '7') {
        if (s.size() < 2) return false;
        char32_t v = static_cast<char32_t>(e - '0');
        for (size_t i = 0; i < 2; ++i) {
          if (s[i] < '0' || s[i] > '7') return false;
          v = v * 8 + static_cast<char32_t>(s[i] - '0');
        }
        if (v > 255) return false;
        s.remove_prefix(2);
        r = v;
        raw_byte = true;
        return true;
      }
      return false;
  }
}

// Go's underscoreOK: '_' only between digits or right after a base prefix.
bool underscores_ok(std::string_view s) {
  char saw = '^';  // '^' start, '0' digit or prefix, '_' underscore, '!' other
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char b = static_cast<char>(s[1] | 0x20);
    if (b == 'x' || b == 'o' || b == 'b') {
      hex = b == 'x';
      i = 2;
      saw = '0';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && hex_value(c) >= 0)) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// strconv.ParseUint(s, 0, 64).
bool parse_uint(std::string_view s, uint64_t& out) {
  if (s.empty() || !underscores_ok(s)) return false;
  unsigned base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    char b = static_cast<char>(s[1] | 0x20);
    if (b == 'x') {
      base = 16, s.remove_prefix(2);
    } else if (b == 'o') {
      base = 8, s.remove_prefix(2);
    } else if (b == 'b') {
      base = 2, s.remove_prefix(2);
    } else {
      base = 8, s.remove_prefix(1);
    }
  }
  bool any = false;
  uint64_t v = 0;
  for (char c : s) {
    if (c == '_') continue;
    int d = hex_value(c);
    if (d < 0 || static_cast<unsigned>(d) >= base) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - static_cast<unsigned>(d)) / base) return false;
    v = v * base + static_cast<unsigned>(d);
    any = true;
  }
  if (!any && base != 8) return false;
  out = v;
  return true;
}

// strconv.ParseInt(s, 0, 64).
bool parse_int(std::string_view s, int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t u;
  if (!parse_uint(s, u)) return false;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!neg && u > kMax) return false;
  if (neg && u > kMax + 1) return false;
  out = neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
  return true;
}

// strconv.ParseFloat(s, 64), as far as Go's float literal syntax goes.
bool parse_float(std::string_view s, double& out) {
  if (!underscores_ok(s)) return false;
  std::string clean;
  for (char c : s)
    if (c != '_') clean.push_back(c);
  std::string_view body = clean;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  bool hex = body.size() >= 2 && body[0] == '0' && (body[1] | 0x20) == 'x';
  if (hex && clean.find_first_of("pP") == std::string::npos) return false;
  if (!hex && body.size() >= 2 && body[0] == '0' &&
      ((body[1] | 0x20) == 'o' || (body[1] | 0x20) == 'b'))
    return false;
  if (clean.find_first_of("iInN") != std::string::npos) return false;  // inf, nan
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size() || clean.empty()) return false;
  if (errno == ERANGE && std::isinf(v)) return false;
  out = v;
  return true;
}

}  // namespace

bool unquote(std::string_view q, std::string& out) {
  out.clear();
  if (q.size() < 2 || q.front() != q.back()) return false;
  char quote = q.front();
  std::string_view in = q.substr(1, q.size() - 2);
  if (quote == '`') {
    if (in.find('`') != std::string_view::npos) return false;
    for (char c : in)
      if (c != '\r') out.push_back(c);
    return true;
  }
  if (quote != '"') return false;
  while (!in.empty()) {
    if (in[0] == '\n') return false;
    char32_t r;
    bool raw_byte;
    if (!unquote_char(in, quote, r, raw_byte)) return false;
    if (raw_byte) {
      out.push_back(static_cast<char>(r));
    } else {
      append_rune(out, r);
    }
  }
  return true;
}

std::unique_ptr<NumberNode> parse_number(size_t pos, std::string_view text, bool is_char,
                                         bool is_complex) {
  auto n = std::make_unique<NumberNode>(pos, std::string(text));
  if (is_char) {
    std::string_view in = text.substr(1);
    char32_t r;
    bool raw_byte;
    if (in.empty() || !unquote_char(in, '\'', r, raw_byte))
      throw SyntaxError{pos, "invalid syntax in character constant " + std::string(text)};
    if (in != "'") throw SyntaxError{pos, "malformed character constant: " + std::string(text)};
    n->is_int = n->is_uint = n->is_float = true;
    n->i = r;
    n->u = r;
    n->f = r;
    return n;
  }
  if (is_complex || (!text.empty() && text.back() == 'i'))
    throw SyntaxError{pos, "complex constants are not supported: " + quote(text)};
  uint64_t u;
  if (parse_uint(text, u)) {
    n->is_uint = true;
    n->u = u;
  }
  int64_t i;
  if (parse_int(text, i)) {
    n->is_int = true;
    n->i = i;
    if (i == 0) {
      n->is_uint = true;
      n->u = 0;
    }
  }
  if (n->is_int) {
    n->is_float = true;
    n->f = static_cast<double>(n->i);
  } else if (n->is_uint) {
    n->is_float = true;
    n->f = static_cast<double>(n->u);
  } else {
    double f;
    if (parse_float(text, f)) {
      if (text.find_first_of(".eEpP") == std::string_view::npos)
        throw SyntaxError{pos, "integer overflow: " + quote(text)};
      n->is_float = true;
      n->f = f;
      if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
          static_cast<double>(static_cast<int64_t>(f)) == f) {
        n->is_int = true;
        n->i = static_cast<int64_t>(f);
      }
      if (f >= 0 && f < 18446744073709551616.0 &&
          static_cast<double>(static_cast<uint64_t>(f)) == f) {
        n->is_uint = true;
        n->u = static_cast<uint64_t>(f);
      }
    }
  }
  if (!n->is_int && !n->is_uint && !n->is_float)
    throw SyntaxError{pos, "illegal number syntax: " + quote(text)};
  return n;
}

}  // namespace nook::format::detail
