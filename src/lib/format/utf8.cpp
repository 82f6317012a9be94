#include "format/utf8.hpp"

#include <locale.h>
#include <wctype.h>

namespace nook::format {

namespace {

// One process-wide C.UTF-8 locale object; glibc's classification tables in it
// cover all of Unicode, unlike the "C" locale.
locale_t utf8_locale() {
  static const locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    return l;
  }();
  return loc;
}

bool ascii(char32_t r) {
  return r < 0x80;
}

}  // namespace

Rune decode_rune(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c0 = b(i);
  const Rune bad{kRuneError, 1, false};
  if (c0 < 0x80) return {c0, 1, true};
  size_t need;
  char32_t r;
  char32_t min;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    need = 1, r = c0 & 0x1F, min = 0x80;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    need = 2, r = c0 & 0x0F, min = 0x800;
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    need = 3, r = c0 & 0x07, min = 0x10000;
  } else {
    return bad;
  }
  if (i + need >= s.size()) return bad;  // truncated
  for (size_t k = 1; k <= need; ++k) {
    unsigned char c = b(i + k);
    if ((c & 0xC0) != 0x80) return bad;
    r = (r << 6) | (c & 0x3F);
  }
  if (r < min || r > kMaxRune || (r >= 0xD800 && r <= 0xDFFF)) return bad;
  return {r, need + 1, true};
}

void append_rune(std::string& out, char32_t r) {
  if (r > kMaxRune || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

size_t rune_count(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += decode_rune(s, i).len) ++n;
  return n;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    Rune r = decode_rune(s, i);
    if (!r.valid) return false;
    i += r.len;
  }
  return true;
}

bool is_letter(char32_t r) {
  if (ascii(r)) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  locale_t l = utf8_locale();
  return l && iswalpha_l(static_cast<wint_t>(r), l) && !iswdigit_l(static_cast<wint_t>(r), l);
}

bool is_digit(char32_t r) {
  return r >= '0' && r <= '9';
}

bool is_upper(char32_t r) {
  if (ascii(r)) return r >= 'A' && r <= 'Z';
  locale_t l = utf8_locale();
  return l && iswupper_l(static_cast<wint_t>(r), l);
}

bool is_lower(char32_t r) {
  if (ascii(r)) return r >= 'a' && r <= 'z';
  locale_t l = utf8_locale();
  return l && iswlower_l(static_cast<wint_t>(r), l);
}

bool is_space(char32_t r) {
  switch (r) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x85:
    case 0xA0:
      return true;
    default:
      break;
  }
  if (ascii(r)) return false;
  locale_t l = utf8_locale();
  return l && iswspace_l(static_cast<wint_t>(r), l);
}

bool is_print(char32_t r) {
  if (ascii(r)) return r >= 0x20 && r < 0x7F;
  if (r < 0xA0 || r == 0xAD) return false;
  if ((r >= 0x200B && r <= 0x200F) || (r >= 0x2028 && r <= 0x202E) ||
      (r >= 0x2060 && r <= 0x206F) || r == 0xFEFF)
    return false;
  if ((r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000) return false;  // private use
  if (r > kMaxRune || (r >= 0xD800 && r <= 0xDFFF)) return false;
  if (is_space(r)) return false;
  locale_t l = utf8_locale();
  return l ? iswprint_l(static_cast<wint_t>(r), l) != 0 : false;
}

char32_t to_upper_rune(char32_t r) {
  if (ascii(r)) return (r >= 'a' && r <= 'z') ? r - 32 : r;
  locale_t l = utf8_locale();
  return l ? static_cast<char32_t>(towupper_l(static_cast<wint_t>(r), l)) : r;
}

char32_t to_lower_rune(char32_t r) {
  if (ascii(r)) return (r >= 'A' && r <= 'Z') ? r + 32 : r;
  locale_t l = utf8_locale();
  return l ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(r), l)) : r;
}

namespace {

template <typename F>
std::string map_runes(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    Rune r = decode_rune(s, i);
    append_rune(out, f(r.value));
    i += r.len;
  }
  return out;
}

// Go's strings.Title word boundary rule.
bool is_separator(char32_t r) {
  if (r <= 0x7F) {
    if ((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_')
      return false;
    return true;
  }
  if (is_letter(r) || is_digit(r)) return false;
  return is_space(r);
}

}  // namespace

std::string to_lower(std::string_view s) {
  return map_runes(s, to_lower_rune);
}
std::string to_upper(std::string_view s) {
  return map_runes(s, to_upper_rune);
}

std::string to_title(std::string_view s) {
  char32_t prev = ' ';
  return map_runes(s, [&](char32_t r) {
    char32_t out = is_separator(prev) ? to_upper_rune(r) : r;
    prev = r;
    return out;
  });
}

}  // namespace nook::format
