#pragma once
// UTF-8 the way Go sees it: an invalid or truncated sequence decodes as
// U+FFFD of width one byte, so every byte string can be walked rune by rune.
#include <cstddef>
#include <string>
#include <string_view>

namespace nook::format {

inline constexpr char32_t kRuneError = 0xFFFD;
inline constexpr char32_t kMaxRune = 0x10FFFF;

struct Rune {
  char32_t value;
  size_t len;  // bytes consumed, >= 1
  bool valid;  // false when the bytes were not valid UTF-8 (value is U+FFFD)
};

// Decodes the rune starting at s[i]; i must be < s.size().
Rune decode_rune(std::string_view s, size_t i);
void append_rune(std::string& out, char32_t r);
// Runes in s, counting each invalid byte as one (Go's utf8.RuneCountInString).
size_t rune_count(std::string_view s);
bool valid_utf8(std::string_view s);

// Unicode classification through glibc's C.UTF-8 locale (ASCII-only if that
// locale is missing).
bool is_letter(char32_t r);
bool is_digit(char32_t r);
bool is_upper(char32_t r);
bool is_lower(char32_t r);
bool is_space(char32_t r);
// Approximates Go's strconv.IsPrint: visible characters and U+0020.
bool is_print(char32_t r);
char32_t to_upper_rune(char32_t r);
char32_t to_lower_rune(char32_t r);

// strings.ToLower / ToUpper / Title: invalid bytes become U+FFFD as in Go.
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
std::string to_title(std::string_view s);

}  // namespace nook::format
