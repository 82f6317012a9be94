#include "image/credential_helper.hpp"

#include <nlohmann/json.hpp>

#include "sys/error.hpp"
#include "sys/run_command.hpp"

namespace nook::image {
namespace {

constexpr int kTimeoutMs = 10'000;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

}  // namespace

Credentials parse_credential_helper_answer(const std::string& helper, const std::string& text) {
  std::string who = "docker-credential-" + helper;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) throw Error(who + " answered something other than a JSON object");
  auto field = [&](const char* name) -> std::string {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_string()) throw Error(who + ": \"" + name + "\" in its answer is not a string");
    return it->get<std::string>();
  };
  Credentials c;
  std::string user = field("Username"), secret = field("Secret");
  if (user == "<token>") {
    c.identity_token = secret;
  } else {
    c.username = user;
    c.password = secret;
  }
  if (c.username.empty() && c.password.empty() && c.identity_token.empty())
    throw Error(who + " answered without a user name or secret");
  c.helper = helper;
  return c;
}

std::optional<Credentials> credential_helper_get(const std::string& helper,
                                                 const std::string& server) {
  std::string who = "docker-credential-" + helper;
  // A helper name is a suffix of a program name, nothing more.
  if (helper.empty() || helper.find('/') != std::string::npos)
    throw Error("invalid credential helper name \"" + helper + "\"");
  CommandResult r;
  try {
    r = run_command({who, "get"}, server, kTimeoutMs);
  } catch (const Error& e) {
    throw Error(std::string("credential helper: ") + e.what());
  }
  if (r.exit_code != 0) {
    // docker-credential-helpers' wording for "none stored".
    if (r.out.find("credentials not found") != std::string::npos) return std::nullopt;
    // stdout only when it is not an answer: a helper that printed its JSON
    // and then failed must not put the secret in our message.
    std::string why =
        trimmed(!r.err.empty() || r.out.find('{') != std::string::npos ? r.err : r.out);
    throw Error(who + " get " + server + " failed (exit " + std::to_string(r.exit_code) + ")" +
                (why.empty() ? "" : ": " + why));
  }
  return parse_credential_helper_answer(helper, r.out);
}

}  // namespace nook::image
