#include "format/template_lexer.hpp"

#include <cstdio>

#include "format/go_fmt.hpp"
#include "format/utf8.hpp"

namespace nook::format::detail {

namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr char32_t kEof = 0xFFFFFFFF;

bool is_space(char32_t r) {
  return r == ' ' || r == '\t' || r == '\r' || r == '\n';
}
bool is_alnum(char32_t r) {
  return r == '_' || is_letter(r) || is_digit(r);
}

// "{{- " : a dash followed by a space character.
bool has_left_trim_marker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && is_space(static_cast<unsigned char>(s[1]));
}
// " -}}" : a space character followed by a dash.
bool has_right_trim_marker(std::string_view s) {
  return s.size() >= 2 && is_space(static_cast<unsigned char>(s[0])) && s[1] == '-';
}

size_t trailing_space(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && is_space(static_cast<unsigned char>(s[s.size() - 1 - n]))) ++n;
  return n;
}
size_t leading_space(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && is_space(static_cast<unsigned char>(s[n]))) ++n;
  return n;
}

struct Keyword {
  std::string_view word;
  Tok type;
};
constexpr Keyword kKeywords[] = {
    {"block", Tok::Block},
    {"break", Tok::Break},
    {"continue", Tok::Continue},
    {"define", Tok::Define},
    {"else", Tok::Else},
    {"end", Tok::End},
    {"if", Tok::If},
    {"nil", Tok::Nil},
    {"range", Tok::Range},
    {"template", Tok::Template},
    {"with", Tok::With},
};

}  // namespace

std::string describe_rune(char32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (is_print(r)) {
    out += " '";
    append_rune(out, r);
    out += "'";
  }
  return out;
}

std::string describe(const Token& t) {
  if (t.type == Tok::Eof) return "EOF";
  if (t.type >= Tok::Block) return "<" + std::string(t.val) + ">";
  if (rune_count(t.val) > 10) {
    size_t i = 0;
    for (int n = 0; n < 10; ++n) i += decode_rune(t.val, i).len;
    return quote(t.val.substr(0, i)) + "...";
  }
  return quote(t.val);
}

Token Lexer::next() {
  while (queue_.empty()) step();
  Token t = queue_.front();
  if (t.type != Tok::Eof) queue_.pop_front();
  return t;
}

void Lexer::step() {
  switch (state_) {
    case State::Text:
      return lex_text();
    case State::LeftDelim:
      return lex_left_delim();
    case State::Action:
      return lex_inside_action();
    case State::Done:
      return emit(Tok::Eof);
  }
}

bool Lexer::starts_with(size_t at, std::string_view s) const {
  return at <= in_.size() && in_.substr(at).substr(0, s.size()) == s;
}

char32_t Lexer::next_rune() {
  if (pos_ >= in_.size()) {
    width_ = 0;
    return kEof;
  }
  Rune r = decode_rune(in_, pos_);
  width_ = r.len;
  pos_ += r.len;
  return r.value;
}

char32_t Lexer::peek_rune() const {
  if (pos_ >= in_.size()) return kEof;
  return decode_rune(in_, pos_).value;
}

bool Lexer::accept(std::string_view valid) {
  if (pos_ < in_.size() && valid.find(in_[pos_]) != std::string_view::npos) {
    ++pos_;
    return true;
  }
  return false;
}

void Lexer::accept_run(std::string_view valid) {
  while (accept(valid)) {
  }
}

void Lexer::emit(Tok type) {
  queue_.push_back(Token{type, start_, in_.substr(start_, pos_ - start_)});
  start_ = pos_;
}

void Lexer::fail(std::string message) const {
  throw SyntaxError{start_, std::move(message)};
}

bool Lexer::at_right_delim(bool* trim) const {
  if (has_right_trim_marker(in_.substr(pos_)) && starts_with(pos_ + 2, kRightDelim)) {
    *trim = true;
    return true;
  }
  *trim = false;
  return starts_with(pos_, kRightDelim);
}

bool Lexer::at_terminator() const {
  char32_t r = peek_rune();
  if (is_space(r)) return true;
  switch (r) {
    case kEof:
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
      return true;
    default:
      return starts_with(pos_, kRightDelim);
  }
}

void Lexer::lex_text() {
  size_t x = in_.find(kLeftDelim, pos_);
  if (x == std::string_view::npos) {
    pos_ = in_.size();
    if (pos_ > start_) emit(Tok::Text);
    emit(Tok::Eof);
    state_ = State::Done;
    return;
  }
  size_t trim = 0;
  if (has_left_trim_marker(in_.substr(x + kLeftDelim.size())))
    trim = trailing_space(in_.substr(start_, x - start_));
  pos_ = x - trim;
  if (pos_ > start_) emit(Tok::Text);
  pos_ = x;
  start_ = pos_;
  state_ = State::LeftDelim;
}

void Lexer::lex_left_delim() {
  pos_ += kLeftDelim.size();
  bool trim = has_left_trim_marker(in_.substr(pos_));
  size_t after = trim ? 2 : 0;
  if (starts_with(pos_ + after, kLeftComment)) {
    pos_ += after;
    start_ = pos_;
    return lex_comment();
  }
  emit(Tok::LeftDelim);
  pos_ += after;
  start_ = pos_;
  paren_depth_ = 0;
  state_ = State::Action;
}

void Lexer::lex_comment() {
  pos_ += kLeftComment.size();
  size_t i = in_.find(kRightComment, pos_);
  if (i == std::string_view::npos) fail("unclosed comment");
  pos_ = i + kRightComment.size();
  bool trim;
  if (!at_right_delim(&trim)) fail("comment ends before closing delimiter");
  if (trim) pos_ += 2;
  pos_ += kRightDelim.size();
  if (trim) pos_ += leading_space(in_.substr(pos_));
  start_ = pos_;
  state_ = State::Text;
}

void Lexer::lex_right_delim() {
  bool trim = has_right_trim_marker(in_.substr(pos_));
  if (trim) {
    pos_ += 2;
    start_ = pos_;
  }
  pos_ += kRightDelim.size();
  emit(Tok::RightDelim);
  if (trim) {
    pos_ += leading_space(in_.substr(pos_));
    start_ = pos_;
  }
  state_ = State::Text;
}

void Lexer::lex_inside_action() {
  bool trim;
  if (at_right_delim(&trim)) {
    if (paren_depth_ == 0) return lex_right_delim();
    fail("unclosed left paren");
  }
  char32_t r = next_rune();
  if (r == kEof) fail("unclosed action");
  if (is_space(r)) {
    pos_ -= width_;
    return lex_space();
  }
  switch (r) {
    case '=':
      return emit(Tok::Assign);
    case ':':
      if (next_rune() != '=') fail("expected :=");
      return emit(Tok::Declare);
    case '|':
      return emit(Tok::Pipe);
    case '"':
      return lex_quote('"', Tok::String, "unterminated quoted string");
    case '`':
      return lex_quote('`', Tok::RawString, "unterminated raw quoted string");
    case '\'':
      return lex_quote('\'', Tok::CharConstant, "unterminated character constant");
    case '$':
      if (at_terminator()) return emit(Tok::Variable);
      return lex_field_or_variable(Tok::Variable);
    case '(':
      emit(Tok::LeftParen);
      ++paren_depth_;
      return;
    case ')':
      emit(Tok::RightParen);
      if (--paren_depth_ < 0) fail("unexpected right paren");
      return;
    default:
      break;
  }
  if (r == '.') {
    if (pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9'))
      return lex_field_or_variable(Tok::Field);
    pos_ -= width_;
    return lex_number();
  }
  if (r == '+' || r == '-' || is_digit(r)) {
    pos_ -= width_;
    return lex_number();
  }
  if (is_alnum(r)) {
    pos_ -= width_;
    return lex_identifier();
  }
  if (r < 0x80 && r >= 0x20 && r < 0x7F) return emit(Tok::Char);
  fail("unrecognized character in action: " + describe_rune(r));
}

void Lexer::lex_space() {
  size_t n = 0;
  while (pos_ < in_.size() && is_space(static_cast<unsigned char>(in_[pos_]))) {
    ++pos_;
    ++n;
  }
  // A space may belong to a " -}}" trim marker: leave it to the delimiter.
  if (has_right_trim_marker(in_.substr(pos_ - 1)) && starts_with(pos_ + 1, kRightDelim)) {
    --pos_;
    if (n == 1) return lex_right_delim();
  }
  emit(Tok::Space);
}

void Lexer::lex_identifier() {
  char32_t r;
  while (is_alnum(r = next_rune())) {
  }
  if (r != kEof) pos_ -= width_;
  if (!at_terminator()) fail("bad character " + describe_rune(peek_rune()));
  std::string_view word = in_.substr(start_, pos_ - start_);
  for (const auto& k : kKeywords) {
    if (k.word == word) return emit(k.type);
  }
  if (word == "true" || word == "false") return emit(Tok::Bool);
  emit(Tok::Identifier);
}

void Lexer::lex_field_or_variable(Tok type) {
  if (at_terminator()) return emit(type == Tok::Variable ? Tok::Variable : Tok::Dot);
  char32_t r;
  while (is_alnum(r = next_rune())) {
  }
  if (r != kEof) pos_ -= width_;
  if (!at_terminator()) fail("bad character " + describe_rune(peek_rune()));
  emit(type);
}

void Lexer::lex_quote(char close, Tok type, const char* unterminated) {
  for (;;) {
    char32_t r = next_rune();
    if (close != '`' && r == '\\') {
      r = next_rune();
      if (r != kEof && r != '\n') continue;
      fail(unterminated);
    }
    if (r == kEof || (close != '`' && r == '\n')) fail(unterminated);
    if (r == static_cast<char32_t>(close)) break;
  }
  emit(type);
}

bool Lexer::scan_number() {
  accept("+-");
  std::string_view digits = "0123456789_";
  if (accept("0")) {
    if (accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    } else if (accept("oO")) {
      digits = "01234567_";
    } else if (accept("bB")) {
      digits = "01_";
    }
  }
  accept_run(digits);
  if (accept(".")) accept_run(digits);
  if (digits.size() == 11 && accept("eE")) {
    accept("+-");
    accept_run("0123456789_");
  }
  if (digits.size() == 23 && accept("pP")) {
    accept("+-");
    accept_run("0123456789_");
  }
  accept("i");
  if (is_alnum(peek_rune())) {
    next_rune();
    return false;
  }
  return true;
}

void Lexer::lex_number() {
  if (!scan_number()) fail("bad number syntax: " + quote(in_.substr(start_, pos_ - start_)));
  char32_t sign = peek_rune();
  if (sign == '+' || sign == '-') {
    if (!scan_number() || in_[pos_ - 1] != 'i')
      fail("bad number syntax: " + quote(in_.substr(start_, pos_ - start_)));
    return emit(Tok::Complex);
  }
  emit(Tok::Number);
}

}  // namespace nook::format::detail
