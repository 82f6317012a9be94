// Feeds arbitrary bytes to the WWW-Authenticate parser. Only nook::Error may
// come out. Whatever parses must survive a round trip: written back with
// every value quoted and escaped, it parses to the same challenges (this is
// what catches a parser that splits challenges and params inconsistently).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "image/www_authenticate.hpp"
#include "sys/error.hpp"

namespace {

std::string quote(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string unparse(const std::vector<nook::image::Challenge>& v) {
  std::string out;
  for (const auto& c : v) {
    if (!out.empty()) out += ", ";
    out += c.scheme;
    if (!c.token68.empty()) out += " " + c.token68;
    bool first = true;
    for (const auto& [k, val] : c.params) {
      out += first ? " " : ",";
      first = false;
      out += k + "=" + quote(val);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto v = nook::image::parse_www_authenticate(text);
    if (v.empty()) std::abort();
    for (const auto& c : v) {
      if (c.scheme.empty()) std::abort();
      if (!c.token68.empty() && !c.params.empty()) std::abort();
    }
    auto again = nook::image::parse_www_authenticate(unparse(v));
    if (again.size() != v.size()) std::abort();
    for (size_t i = 0; i < v.size(); ++i) {
      if (again[i].scheme != v[i].scheme || again[i].params != v[i].params ||
          again[i].token68 != v[i].token68)
        std::abort();
    }
  } catch (const nook::Error&) {
  }
  try {
    (void)nook::image::choose_challenge(text);
  } catch (const nook::Error&) {
  }
  return 0;
}
