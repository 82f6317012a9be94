#pragma once
// The WWW-Authenticate header of a 401 (RFC 7235 section 4.1), as
// registries send it:
//   Bearer
//   realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
//   Basic realm="Registry Realm"
// Pure parsing, no I/O, so it can be fuzzed and tested on hostile input.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nook::image {

struct Challenge {
  std::string scheme;  // lower-cased: "bearer", "basic", ...
  // auth-params, names lower-cased (they are case-insensitive), values
  // unquoted and unescaped. A repeated name keeps its first value.
  std::map<std::string, std::string> params;
  std::string token68;  // the other form of credentials a challenge may carry

  // The param or "" when absent.
  std::string param(std::string_view name) const;
};

// Parses one header value, which may hold several challenges separated by
// commas. Throws nook::Error ("malformed WWW-Authenticate header: ...") on
// anything that is not RFC 7235 syntax: an unterminated quoted string, a
// param without a scheme, a bad token character, trailing garbage.
std::vector<Challenge> parse_www_authenticate(std::string_view header);

// What the client does with a 401: the Bearer challenge (it needs a realm,
// an http(s) URL) or a Basic one. Unknown schemes are skipped; nullopt when
// none is usable. Throws like parse_www_authenticate, and for a Bearer
// challenge without a realm or with a realm that is not an http(s) URL.
struct AuthChallenge {
  enum class Kind { bearer, basic } kind;
  std::string realm;
  std::string service;  // bearer only; may be empty
  std::string scope;    // bearer only; may be empty
  std::string error;    // bearer "error" param (e.g. "insufficient_scope"), may be empty
};
std::optional<AuthChallenge> choose_challenge(std::string_view header);

}  // namespace nook::image
