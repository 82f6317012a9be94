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

struct HelperAnswer {
  std::string out;
  bool not_found = false;  // exit status non-zero, "credentials not found"
};

// Runs docker-credential-HELPER VERB with input on stdin. shown names the
// request in messages; never input itself, which for a store holds the secret.
HelperAnswer ask_helper(const std::string& helper, const char* verb, const std::string& input,
                        const std::string& shown) {
  std::string who = credential_helper_program(helper);
  // A helper name is a suffix of a program name, nothing more.
  if (helper.empty() || helper.find('/') != std::string::npos)
    throw Error("invalid credential helper name \"" + helper + "\"");
  CommandResult r;
  try {
    r = run_command({who, verb}, input, kTimeoutMs);
  } catch (const Error& e) {
    // errno kept: logout --all passes over a helper that is not installed.
    throw Error(std::string("credential helper: ") + e.what(), e.errnum());
  }
  if (r.exit_code == 0) return {std::move(r.out), false};
  // docker-credential-helpers' wording for "none stored".
  if (r.out.find("credentials not found") != std::string::npos) return {std::move(r.out), true};
  // stdout only when it is not an answer: a helper that printed its JSON
  // and then failed must not put the secret in our message.
  std::string why = trimmed(!r.err.empty() || r.out.find('{') != std::string::npos ? r.err : r.out);
  throw Error(who + " " + verb + (shown.empty() ? "" : " " + shown) + " failed (exit " +
              std::to_string(r.exit_code) + ")" + (why.empty() ? "" : ": " + why));
}

}  // namespace

std::string credential_helper_program(const std::string& helper) {
  return "docker-credential-" + helper;
}

Credentials parse_credential_helper_answer(const std::string& helper, const std::string& text) {
  std::string who = credential_helper_program(helper);
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
  HelperAnswer r = ask_helper(helper, "get", server, server);
  if (r.not_found) return std::nullopt;
  return parse_credential_helper_answer(helper, r.out);
}

void credential_helper_store(const std::string& helper, const std::string& server,
                             const std::string& username, const std::string& secret) {
  // docker's field order, so what a helper keeps looks as docker leaves it.
  nlohmann::ordered_json login{{"ServerURL", server}, {"Username", username}, {"Secret", secret}};
  HelperAnswer r = ask_helper(helper, "store", login.dump(), server);
  if (r.not_found)
    throw Error(credential_helper_program(helper) + " store " + server +
                " failed: " + trimmed(r.out));
}

bool credential_helper_erase(const std::string& helper, const std::string& server) {
  return !ask_helper(helper, "erase", server, server).not_found;
}

std::map<std::string, std::string> credential_helper_list(const std::string& helper) {
  std::string who = credential_helper_program(helper);
  HelperAnswer r = ask_helper(helper, "list", "", "");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object()) throw Error(who + " list answered something other than a JSON object");
  std::map<std::string, std::string> out;
  for (auto& [server, user] : j.items()) {
    if (!user.is_string())
      throw Error(who + " list: the user of \"" + server + "\" is not a string");
    out[server] = user.get<std::string>();
  }
  return out;
}

}  // namespace nook::image
