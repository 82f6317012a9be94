#include "image/www_authenticate.hpp"

#include <cctype>

#include "sys/error.hpp"

namespace nook::image {
namespace {

// RFC 7230 tchar.
bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token68_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::vector<Challenge> parse() {
    std::vector<Challenge> out;
    skip_list_separators();
    if (at_end()) fail("empty header");
    while (!at_end()) {
      out.push_back(challenge());
      skip_list_separators();
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error("malformed WWW-Authenticate header: " + why + " at offset " + std::to_string(pos_));
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void skip_ws() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  // "#rule" lists allow empty elements: ", ,Basic".
  void skip_list_separators() {
    skip_ws();
    while (peek() == ',') {
      ++pos_;
      skip_ws();
    }
  }
  std::string_view token() {
    size_t start = pos_;
    while (!at_end() && is_tchar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  std::string quoted_string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated quoted string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (at_end()) fail("unterminated quoted string");
        c = s_[pos_++];
      }
      // Control characters other than tab are not qdtext or quoted-pair.
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        fail("control character in quoted string");
      out.push_back(c);
    }
  }

  // Looks ahead from pos_: is the next list element "name = value" (a
  // param of the current challenge) rather than a new challenge?
  bool next_is_param() const {
    size_t p = pos_;
    while (p < s_.size() && is_tchar(s_[p])) ++p;
    if (p == pos_) return false;
    while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t')) ++p;
    if (p >= s_.size() || s_[p] != '=') return false;
    // "name==" is a token68 ending in padding, not a param.
    return !(p + 1 < s_.size() && s_[p + 1] == '=');
  }

  void param(Challenge& c) {
    std::string name = lower(token());
    skip_ws();
    ++pos_;  // '=' (next_is_param checked it)
    skip_ws();
    std::string value;
    if (peek() == '"') {
      value = quoted_string();
    } else {
      std::string_view v = token();
      if (v.empty()) fail("missing value for parameter '" + name + "'");
      value = v;
    }
    c.params.emplace(std::move(name), std::move(value));
  }

  Challenge challenge() {
    Challenge c;
    std::string_view scheme = token();
    if (scheme.empty()) fail("expected an authentication scheme");
    c.scheme = lower(scheme);
    if (!at_end() && s_[pos_] != ' ' && s_[pos_] != '\t' && s_[pos_] != ',')
      fail("unexpected character after scheme '" + std::string(scheme) + "'");
    skip_ws();
    if (at_end() || peek() == ',') return c;
    if (!next_is_param()) {
      // token68: the whole credentials blob, then "=" padding.
      size_t start = pos_;
      while (!at_end() && is_token68_char(s_[pos_])) ++pos_;
      while (!at_end() && s_[pos_] == '=') ++pos_;
      if (pos_ == start) fail("unexpected character after scheme '" + c.scheme + "'");
      c.token68 = std::string(s_.substr(start, pos_ - start));
      skip_ws();
      if (!at_end() && peek() != ',') fail("garbage after token68");
      return c;
    }
    param(c);
    while (true) {
      skip_ws();
      if (at_end()) return c;
      if (peek() != ',') fail("expected ',' between parameters");
      size_t before = pos_;
      skip_list_separators();
      if (at_end()) return c;
      if (!next_is_param()) {
        pos_ = before;  // a new challenge starts here
        return c;
      }
      param(c);
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

bool is_http_url(std::string_view url) {
  auto starts = [&](std::string_view p) {
    return url.size() > p.size() && lower(url.substr(0, p.size())) == p;
  };
  return starts("https://") || starts("http://");
}

}  // namespace

std::string Challenge::param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> parse_www_authenticate(std::string_view header) {
  return Parser(header).parse();
}

std::optional<AuthChallenge> choose_challenge(std::string_view header) {
  std::optional<AuthChallenge> basic;
  for (const Challenge& c : parse_www_authenticate(header)) {
    if (c.scheme == "bearer") {
      AuthChallenge a{AuthChallenge::Kind::bearer, c.param("realm"), c.param("service"),
                      c.param("scope"), c.param("error")};
      if (a.realm.empty()) throw Error("registry's Bearer challenge has no realm");
      if (!is_http_url(a.realm))
        throw Error("registry's Bearer realm is not an http(s) URL: " + a.realm);
      return a;  // preferred: a token is scoped, a password is not
    }
    if (c.scheme == "basic" && !basic)
      basic = AuthChallenge{AuthChallenge::Kind::basic, c.param("realm"), {}, {}, {}};
  }
  return basic;
}

}  // namespace nook::image
