#include "image/reference.hpp"

#include <algorithm>

#include "sys/error.hpp"

namespace nook::image {
namespace {

constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kOfficialPrefix = "library/";
constexpr std::string_view kInvalid = "invalid reference format";

[[noreturn]] void invalid(std::string_view why = {}) {
  std::string msg(kInvalid);
  if (!why.empty()) msg.append(": ").append(why);
  throw Error(msg);
}

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
bool is_word(char c) {
  return is_alnum(c) || c == '_';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_lower_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f');
}
bool has_upper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// [a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*
bool valid_path_component(std::string_view c) {
  size_t i = 0;
  const size_t n = c.size();
  auto alnum_run = [&] {
    size_t start = i;
    while (i < n && is_lower_alnum(c[i])) ++i;
    return i > start;
  };
  if (!alnum_run()) return false;
  while (i < n) {
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < n && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < n && c[i] == '-') ++i;
    } else {
      return false;
    }
    if (!alnum_run()) return false;
  }
  return true;
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) { return is_alnum(ch) || ch == '-'; });
}

// [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*
bool valid_digest_algorithm(std::string_view a) {
  size_t i = 0;
  const size_t n = a.size();
  for (;;) {
    if (i >= n || !is_alpha(a[i])) return false;
    ++i;
    while (i < n && is_alnum(a[i])) ++i;
    if (i == n) return true;
    if (a[i] != '-' && a[i] != '_' && a[i] != '+' && a[i] != '.') return false;
    ++i;
  }
}

// The reference grammar's digest: algorithm ':' [[:xdigit:]]{32,}. Stricter
// checks (known algorithm, exact length) come after, with their own message.
bool matches_digest_grammar(std::string_view d) {
  auto colon = d.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view hex = d.substr(colon + 1);
  return valid_digest_algorithm(d.substr(0, colon)) && hex.size() >= 32 &&
         std::all_of(hex.begin(), hex.end(), is_hex);
}

bool is_identifier(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), is_lower_hex);
}

// docker's splitDockerDomain: the first component is a registry when it has a
// '.' or a ':', is "localhost", or has an uppercase letter (which a
// repository never has).
bool first_component_is_domain(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
         has_upper(first);
}

}  // namespace

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || !is_word(tag.front())) return false;
  return std::all_of(tag.begin(), tag.end(),
                     [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

bool is_valid_path(std::string_view path) {
  for (;;) {
    auto slash = path.find('/');
    if (!valid_path_component(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

bool is_valid_domain(std::string_view domain) {
  std::string_view host = domain;
  if (!domain.empty() && domain.front() == '[') {
    auto close = domain.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    std::string_view inner = domain.substr(1, close - 1);
    if (!std::all_of(inner.begin(), inner.end(), [](char c) { return is_hex(c) || c == ':'; }))
      return false;
    host = domain.substr(0, close + 1);
    domain.remove_prefix(close + 1);
  } else {
    auto colon = domain.find(':');
    host = domain.substr(0, colon);
    domain = colon == std::string_view::npos ? std::string_view{} : domain.substr(colon);
    for (std::string_view rest = host;;) {
      auto dot = rest.find('.');
      if (!valid_domain_component(rest.substr(0, dot))) return false;
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
  }
  // What is left is the optional port.
  if (domain.empty()) return true;
  if (domain.front() != ':' || domain.size() < 2) return false;
  return std::all_of(domain.begin() + 1, domain.end(), is_digit);
}

void check_digest(std::string_view digest) {
  auto colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == digest.size())
    throw Error("invalid checksum digest format");
  std::string_view algorithm = digest.substr(0, colon);
  std::string_view hex = digest.substr(colon + 1);
  size_t want;
  if (algorithm == "sha256") {
    want = 64;
  } else if (algorithm == "sha512") {
    want = 128;
  } else {
    if (!matches_digest_grammar(digest)) throw Error("invalid checksum digest format");
    throw Error("unsupported digest algorithm");
  }
  if (hex.size() != want) throw Error("invalid checksum digest length");
  if (!std::all_of(hex.begin(), hex.end(), is_lower_hex))
    throw Error("invalid checksum digest format");
}

bool is_short_name(std::string_view text) {
  auto slash = text.find('/');
  return slash == std::string_view::npos || !first_component_is_domain(text.substr(0, slash));
}

Reference parse_reference(std::string_view text, DefaultTag default_tag) {
  if (is_identifier(text))
    throw Error("invalid repository name (" + std::string(text) +
                "), cannot specify 64-byte hexadecimal strings");

  Reference ref;
  std::string_view remainder = text;
  auto slash = text.find('/');
  if (slash != std::string_view::npos && first_component_is_domain(text.substr(0, slash))) {
    ref.domain = text.substr(0, slash);
    remainder = text.substr(slash + 1);
  } else {
    ref.domain = kDefaultDomain;
  }
  if (ref.domain == kLegacyDefaultDomain) ref.domain = kDefaultDomain;

  std::string_view digest;
  if (auto at = remainder.find('@'); at != std::string_view::npos) {
    digest = remainder.substr(at + 1);
    remainder = remainder.substr(0, at);
    if (digest.empty() || !matches_digest_grammar(digest)) invalid();
  }
  std::string_view tag;
  if (auto colon = remainder.rfind(':'); colon != std::string_view::npos) {
    tag = remainder.substr(colon + 1);
    remainder = remainder.substr(0, colon);
    if (!is_valid_tag(tag)) invalid();
  }
  // Checked before the grammar so that "Busybox" gets the message that tells
  // the user what to fix.
  if (has_upper(remainder)) invalid("repository name must be lowercase");

  ref.path = remainder;
  if (ref.domain == kDefaultDomain && ref.path.find('/') == std::string::npos)
    ref.path.insert(0, kOfficialPrefix);
  if (!is_valid_domain(ref.domain) || !is_valid_path(ref.path)) invalid();
  if (ref.domain.size() + 1 + ref.path.size() > kNameMaxLength)
    invalid("repository name must not be more than 255 characters");

  if (!digest.empty()) {
    check_digest(digest);
    ref.digest = digest;
  }
  ref.tag = tag;
  if (tag.empty() && digest.empty() && default_tag == DefaultTag::add) ref.tag = kDefaultTag;
  return ref;
}

std::string Reference::repository() const {
  return domain + "/" + path;
}

std::string Reference::string() const {
  std::string s = repository();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string Reference::familiar_name() const {
  if (domain != kDefaultDomain) return repository();
  std::string_view p = path;
  // docker drops "docker.io/" even from "docker.io/example.com/x", whose
  // short form then names another registry; keep it there.
  if (auto slash = p.find('/');
      slash != std::string_view::npos && first_component_is_domain(p.substr(0, slash)))
    return repository();
  if (p.starts_with(kOfficialPrefix) && p.find('/', kOfficialPrefix.size()) == std::string::npos)
    p.remove_prefix(kOfficialPrefix.size());
  return std::string(p);
}

std::string Reference::familiar() const {
  std::string s = familiar_name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

}  // namespace nook::image
