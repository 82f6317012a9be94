#include "format/go_fmt.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <tuple>

#include "format/utf8.hpp"
#include "sys/error.hpp"

namespace nook::format::detail {

namespace {

// Values come from nook's own JSON, but printing recurses; a bound keeps a
// pathological document from exhausting the stack.
constexpr int kMaxPrintDepth = 512;
// Go's fmt refuses widths and precisions beyond this (tooLarge).
constexpr int kMaxWidth = 1000000;

const char* const kLowerHex = "0123456789abcdefx";
const char* const kUpperHex = "0123456789ABCDEFX";

struct Flags {
  bool plus = false, minus = false, sharp = false, sharp_v = false, space = false, zero = false;
  bool wid_present = false, prec_present = false;
  int wid = 0, prec = 0;
};

// One fmt "pp": flags of the current verb and the output buffer.
class Printer {
 public:
  std::string buf;
  Flags f;

  void print_arg(const Json& arg, char32_t verb, int depth) {
    if (depth > kMaxPrintDepth) throw Error("value nested too deeply to print");
    if (arg.is_null()) {
      if (depth > 0) {
        buf += "<nil>";
      } else if (verb == 'T' || verb == 'v') {
        pad("<nil>");
      } else {
        bad_verb(verb, arg);
      }
      return;
    }
    if (verb == 'T') {
      pad(type_name(arg));
      return;
    }
    switch (arg.type()) {
      case Json::value_t::boolean:
        if (verb == 't' || verb == 'v') {
          pad(arg.get<bool>() ? "true" : "false");
        } else {
          bad_verb(verb, arg);
        }
        return;
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
        if (is_int(arg)) {
          fmt_integer(static_cast<uint64_t>(arg.get<int64_t>()), true, verb, arg);
        } else {
          fmt_integer(arg.get<uint64_t>(), false, verb, arg);
        }
        return;
      case Json::value_t::number_float:
        fmt_float(arg.get<double>(), verb, arg);
        return;
      case Json::value_t::string:
        fmt_string(arg.get_ref<const std::string&>(), verb, arg);
        return;
      case Json::value_t::array: {
        buf.push_back('[');
        bool first = true;
        for (const auto& e : arg) {
          if (!first) buf.push_back(' ');
          first = false;
          print_arg(e, verb, depth + 1);
        }
        buf.push_back(']');
        return;
      }
      case Json::value_t::object: {
        buf += "map[";
        bool first = true;
        for (const auto& [k, v] : arg.items()) {
          if (!first) buf.push_back(' ');
          first = false;
          print_arg(Json(k), verb, depth + 1);
          buf.push_back(':');
          print_arg(v, verb, depth + 1);
        }
        buf.push_back(']');
        return;
      }
      default:
        bad_verb(verb, arg);
    }
  }

  void pad(std::string_view s) {
    if (!f.wid_present || f.wid == 0) {
      buf += s;
      return;
    }
    int width = f.wid - static_cast<int>(rune_count(s));
    if (!f.minus) {
      write_padding(width);
      buf += s;
    } else {
      buf += s;
      write_padding(width);
    }
  }

  void write_padding(int n) {
    if (n > 0) buf.append(static_cast<size_t>(n), f.zero ? '0' : ' ');
  }

 private:
  void bad_verb(char32_t verb, const Json& arg) {
    buf += "%!";
    append_rune(buf, verb);
    buf.push_back('(');
    if (arg.is_null()) {
      buf += "<nil>";
    } else {
      buf += type_name(arg);
      buf.push_back('=');
      print_arg(arg, 'v', 0);
    }
    buf.push_back(')');
  }

  void fmt_integer(uint64_t u, bool is_signed, char32_t verb, const Json& arg) {
    switch (verb) {
      case 'v':
      case 'd':
        return fmt_int(u, 10, is_signed, verb, kLowerHex);
      case 'b':
        return fmt_int(u, 2, is_signed, verb, kLowerHex);
      case 'o':
      case 'O':
        return fmt_int(u, 8, is_signed, verb, kLowerHex);
      case 'x':
        return fmt_int(u, 16, is_signed, verb, kLowerHex);
      case 'X':
        return fmt_int(u, 16, is_signed, verb, kUpperHex);
      case 'c': {
        std::string s;
        append_rune(s, u > kMaxRune ? kRuneError : static_cast<char32_t>(u));
        return pad(s);
      }
      case 'q':
        return pad(quote_rune(u > kMaxRune ? kRuneError : static_cast<char32_t>(u), f.plus));
      case 'U':
        return fmt_unicode(u);
      default:
        return bad_verb(verb, arg);
    }
  }

  void fmt_int(uint64_t u, unsigned base, bool is_signed, char32_t verb, const char* digits) {
    bool negative = is_signed && static_cast<int64_t>(u) < 0;
    if (negative) u = 0 - u;
    int prec = 0;
    if (f.prec_present) {
      prec = f.prec;
      if (prec == 0 && u == 0) {
        bool z = f.zero;
        f.zero = false;
        write_padding(f.wid);
        f.zero = z;
        return;
      }
    } else if (f.zero && f.wid_present) {
      prec = f.wid;
      if (negative || f.plus || f.space) --prec;
    }
    std::string r;  // built right to left
    do {
      r.push_back(digits[u % base]);
      u /= base;
    } while (u != 0);
    while (static_cast<int>(r.size()) < prec) r.push_back('0');
    if (f.sharp) {
      if (base == 2) r += "b0";
      if (base == 8 && r.back() != '0') r.push_back('0');
      if (base == 16) r += std::string{digits[16], '0'};
    }
    if (verb == 'O') r += "o0";
    if (negative) {
      r.push_back('-');
    } else if (f.plus) {
      r.push_back('+');
    } else if (f.space) {
      r.push_back(' ');
    }
    std::reverse(r.begin(), r.end());
    bool z = f.zero;
    f.zero = false;
    pad(r);
    f.zero = z;
  }

  void fmt_unicode(uint64_t u) {
    std::string tail;
    if (f.sharp && u <= kMaxRune && is_print(static_cast<char32_t>(u))) {
      tail = " '";
      append_rune(tail, static_cast<char32_t>(u));
      tail += "'";
    }
    std::string hex;
    do {
      hex.insert(hex.begin(), kUpperHex[u & 0xF]);
      u >>= 4;
    } while (u != 0);
    int prec = f.prec_present && f.prec > 4 ? f.prec : 4;
    if (static_cast<int>(hex.size()) < prec)
      hex.insert(0, static_cast<size_t>(prec) - hex.size(), '0');
    bool z = f.zero;
    f.zero = false;
    pad("U+" + hex + tail);
    f.zero = z;
  }

  void fmt_float(double v, char32_t verb, const Json& arg) {
    int prec;
    char conv;
    switch (verb) {
      case 'v':
        conv = 'g', prec = -1;
        break;
      case 'g':
      case 'G':
        conv = static_cast<char>(verb), prec = -1;
        break;
      case 'e':
      case 'E':
      case 'f':
        conv = static_cast<char>(verb), prec = 6;
        break;
      case 'F':
        conv = 'f', prec = 6;
        break;
      default:
        return bad_verb(verb, arg);
    }
    if (f.prec_present) prec = f.prec;
    std::string num = format_float(v, conv, prec);
    char sign = '+';
    if (num[0] == '-' || num[0] == '+') {
      sign = num[0];
      num.erase(0, 1);
    }
    if (f.space && sign == '+' && !f.plus) sign = ' ';
    if (num[0] == 'I' || num[0] == 'N') {
      bool z = f.zero;
      f.zero = false;
      if (num[0] == 'N' && !f.space && !f.plus) {
        pad(num);
      } else {
        pad(std::string(1, sign) + num);
      }
      f.zero = z;
      return;
    }
    if (f.plus || sign != '+') {
      int len = static_cast<int>(num.size()) + 1;
      if (f.zero && f.wid_present && f.wid > len) {
        buf.push_back(sign);
        write_padding(f.wid - len);
        buf += num;
        return;
      }
      pad(std::string(1, sign) + num);
      return;
    }
    pad(num);
  }

  std::string truncate(const std::string& s) const {
    if (!f.prec_present) return s;
    size_t i = 0;
    for (int n = 0; i < s.size() && n < f.prec; ++n) i += decode_rune(s, i).len;
    return s.substr(0, i);
  }

  void fmt_string(const std::string& s, char32_t verb, const Json& arg) {
    switch (verb) {
      case 'v':
        if (f.sharp_v) return fmt_q(s);
        return pad(truncate(s));
      case 's':
        return pad(truncate(s));
      case 'x':
        return fmt_sx(s, kLowerHex);
      case 'X':
        return fmt_sx(s, kUpperHex);
      case 'q':
        return fmt_q(s);
      default:
        return bad_verb(verb, arg);
    }
  }

  void fmt_q(const std::string& str) {
    std::string s = truncate(str);
    if (f.sharp && can_backquote(s)) return pad("`" + s + "`");
    pad(quote(s, f.plus));
  }

  void fmt_sx(const std::string& s, const char* digits) {
    int length = static_cast<int>(s.size());
    if (f.prec_present && f.prec < length) length = f.prec;
    int width = 2 * length;
    if (width > 0) {
      if (f.space) {
        if (f.sharp) width *= 2;
        width += length - 1;
      } else if (f.sharp) {
        width += 2;
      }
    } else {
      if (f.wid_present) write_padding(f.wid);
      return;
    }
    if (f.wid_present && f.wid > width && !f.minus) write_padding(f.wid - width);
    if (f.sharp) buf += std::string{'0', digits[16]};
    for (int i = 0; i < length; ++i) {
      if (f.space && i > 0) {
        buf.push_back(' ');
        if (f.sharp) buf += std::string{'0', digits[16]};
      }
      auto c = static_cast<unsigned char>(s[static_cast<size_t>(i)]);
      buf.push_back(digits[c >> 4]);
      buf.push_back(digits[c & 0xF]);
    }
    if (f.wid_present && f.wid > width && f.minus) write_padding(f.wid - width);
  }
};

// fmt's parsenum: digits at s[i..end); a number past 1e6 consumes the rest.
std::tuple<int, bool, size_t> parse_num(std::string_view s, size_t i, size_t end) {
  if (i >= end) return {0, false, end};
  int num = 0;
  bool isnum = false;
  for (; i < end && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (num > kMaxWidth) return {0, false, end};
    num = num * 10 + (s[i] - '0');
    isnum = true;
  }
  return {num, isnum, i};
}

}  // namespace

void append_value(std::string& out, const Json& v) {
  Printer p;
  p.print_arg(v, 'v', 0);
  out += p.buf;
}

std::string sprint(const std::vector<const Json*>& args) {
  Printer p;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i]->is_string();
    if (i > 0 && !is_string && !prev_string) p.buf.push_back(' ');
    p.print_arg(*args[i], 'v', 0);
    prev_string = is_string;
  }
  return p.buf;
}

std::string sprintln(const std::vector<const Json*>& args) {
  Printer p;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) p.buf.push_back(' ');
    p.print_arg(*args[i], 'v', 0);
  }
  p.buf.push_back('\n');
  return p.buf;
}

std::string sprintf(std::string_view format, const std::vector<const Json*>& a) {
  Printer p;
  const size_t end = format.size();
  size_t arg_num = 0;
  bool reordered = false;
  bool good_arg_num = true;

  // fmt's argNumber: an explicit "[n]" argument index at format[i].
  auto arg_number = [&](size_t i) -> std::tuple<size_t, size_t, bool> {
    if (i >= end || format[i] != '[') return {arg_num, i, false};
    reordered = true;
    if (end - i < 3) {
      good_arg_num = false;
      return {arg_num, i + 1, false};
    }
    for (size_t j = i + 1; j < end; ++j) {
      if (format[j] != ']') continue;
      auto [n, ok, ni] = parse_num(format, i + 1, j);
      if (!ok || ni != j) {
        good_arg_num = false;
        return {arg_num, j + 1, false};
      }
      if (n >= 1 && static_cast<size_t>(n - 1) < a.size())
        return {static_cast<size_t>(n - 1), j + 1, true};
      good_arg_num = false;
      return {arg_num, j + 1, true};
    }
    good_arg_num = false;
    return {arg_num, i + 1, false};
  };
  // fmt's intFromArg for '*' widths and precisions.
  auto int_from_arg = [&]() -> std::pair<int, bool> {
    if (arg_num >= a.size()) return {0, false};
    const Json& v = *a[arg_num++];
    if (!v.is_number_integer()) return {0, false};
    if (!is_int(v)) return {0, false};
    int64_t n = v.get<int64_t>();
    if (n > kMaxWidth || n < -kMaxWidth) return {0, false};
    return {static_cast<int>(n), true};
  };

  for (size_t i = 0; i < end;) {
    good_arg_num = true;
    size_t lasti = i;
    while (i < end && format[i] != '%') ++i;
    if (i > lasti) p.buf.append(format.substr(lasti, i - lasti));
    if (i >= end) break;
    ++i;  // '%'
    p.f = {};
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') {
        p.f.sharp = true;
      } else if (c == '0') {
        p.f.zero = !p.f.minus;
      } else if (c == '+') {
        p.f.plus = true;
      } else if (c == '-') {
        p.f.minus = true;
        p.f.zero = false;
      } else if (c == ' ') {
        p.f.space = true;
      } else {
        break;
      }
    }
    bool after_index;
    std::tie(arg_num, i, after_index) = arg_number(i);
    if (i < end && format[i] == '*') {
      ++i;
      auto [w, ok] = int_from_arg();
      p.f.wid = w;
      p.f.wid_present = ok;
      if (!ok) p.buf += "%!(BADWIDTH)";
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid;
        p.f.minus = true;
        p.f.zero = false;
      }
      after_index = false;
    } else {
      std::tie(p.f.wid, p.f.wid_present, i) = parse_num(format, i, end);
      if (after_index && p.f.wid_present) good_arg_num = false;
    }
    if (i + 1 <= end && i < end && format[i] == '.') {
      ++i;
      if (after_index) good_arg_num = false;
      std::tie(arg_num, i, after_index) = arg_number(i);
      if (i < end && format[i] == '*') {
        ++i;
        auto [pr, ok] = int_from_arg();
        p.f.prec = pr;
        p.f.prec_present = ok;
        if (p.f.prec < 0) {
          p.f.prec = 0;
          p.f.prec_present = false;
        }
        if (!ok) p.buf += "%!(BADPREC)";
        after_index = false;
      } else {
        std::tie(p.f.prec, p.f.prec_present, i) = parse_num(format, i, end);
        if (!p.f.prec_present) {
          p.f.prec = 0;
          p.f.prec_present = true;
        }
      }
    }
    if (!after_index) std::tie(arg_num, i, after_index) = arg_number(i);
    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }
    Rune verb = decode_rune(format, i);
    i += verb.len;
    if (verb.value == '%') {
      p.buf.push_back('%');
      continue;
    }
    if (!good_arg_num) {
      p.buf += "%!";
      append_rune(p.buf, verb.value);
      p.buf += "(BADINDEX)";
      continue;
    }
    if (arg_num >= a.size()) {
      p.buf += "%!";
      append_rune(p.buf, verb.value);
      p.buf += "(MISSING)";
      continue;
    }
    if (verb.value == 'v') {
      p.f.sharp_v = p.f.sharp;
      p.f.sharp = false;
      p.f.plus = false;
    }
    p.print_arg(*a[arg_num], verb.value, 0);
    ++arg_num;
  }
  if (!reordered && arg_num < a.size()) {
    p.f = {};
    p.buf += "%!(EXTRA ";
    for (size_t k = arg_num; k < a.size(); ++k) {
      if (k > arg_num) p.buf += ", ";
      if (a[k]->is_null()) {
        p.buf += "<nil>";
      } else {
        p.buf += type_name(*a[k]);
        p.buf.push_back('=');
        p.print_arg(*a[k], 'v', 0);
      }
    }
    p.buf.push_back(')');
  }
  return p.buf;
}

}  // namespace nook::format::detail
