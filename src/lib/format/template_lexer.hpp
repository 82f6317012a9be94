#pragma once
// Tokenizer for Go's text/template syntax, following Go's lexer item by item
// (trim markers, comments, numbers, quoting). Pulled one token at a time by
// the parser so errors surface in the same order as Go reports them.
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace nook::format::detail {

enum class Tok {
  Bool,
  Char,  // any other printable ASCII character inside an action, e.g. ','
  CharConstant,
  Complex,
  Assign,   // =
  Declare,  // :=
  Eof,
  Field,  // .Name
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,  // $ or $name
  // keywords
  Block,
  Break,
  Continue,
  Define,
  Dot,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
};

struct Token {
  Tok type = Tok::Eof;
  size_t pos = 0;
  std::string_view val;
};

// A syntax error at a byte offset; Template turns it into a nook::Error.
struct SyntaxError {
  size_t pos;
  std::string message;
};

// Go's item.String(): how a token is named in "unexpected ..." messages.
std::string describe(const Token& t);
// Go's %#U: U+0040 '@'.
std::string describe_rune(char32_t r);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}
  // Throws SyntaxError.
  Token next();

 private:
  enum class State { Text, LeftDelim, Action, Done };

  void step();
  void lex_text();
  void lex_left_delim();
  void lex_comment();
  void lex_right_delim();
  void lex_inside_action();
  void lex_space();
  void lex_identifier();
  void lex_field_or_variable(Tok type);
  void lex_quote(char close, Tok type, const char* unterminated);
  void lex_number();
  bool scan_number();

  char32_t next_rune();
  char32_t peek_rune() const;
  bool accept(std::string_view valid);
  void accept_run(std::string_view valid);
  bool at_terminator() const;
  bool at_right_delim(bool* trim) const;
  bool starts_with(size_t at, std::string_view s) const;
  void emit(Tok type);
  [[noreturn]] void fail(std::string message) const;

  std::string_view in_;
  size_t pos_ = 0;
  size_t start_ = 0;
  size_t width_ = 0;
  int paren_depth_ = 0;
  State state_ = State::Text;
  std::deque<Token> queue_;
};

}  // namespace nook::format::detail
