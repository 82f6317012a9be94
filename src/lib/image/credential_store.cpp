#include "image/credential_store.hpp"

#include <cerrno>
#include <map>

#include "image/credential_helper.hpp"
#include "sys/error.hpp"

namespace nook::image {
namespace {

bool is_namespaced(std::string_view key) {
  return key.find('/') != std::string_view::npos;
}

// One line for several stores' failures; one store's error as it is.
[[noreturn]] void throw_all(const std::string& what, const std::vector<std::string>& errors) {
  if (errors.size() == 1) throw Error(errors.front());
  std::string msg = what + ": ";
  for (size_t i = 0; i < errors.size(); ++i) msg += (i ? "; " : "") + errors[i];
  throw Error(msg);
}

}  // namespace

CredentialSources credential_sources(const RegistriesConf& conf, const std::string& authfile) {
  CredentialSources s;
  if (conf.credential_helpers) s.helpers = *conf.credential_helpers;
  if (s.helpers.empty()) s.helpers.emplace_back(kAuthFileHelper);
  s.files = auth_file_paths(authfile);
  s.write_file = auth_file_write_path(authfile);
  return s;
}

std::optional<Credentials> lookup_credentials(const CredentialSources& s, std::string_view registry,
                                              std::string_view repository_path) {
  std::vector<std::string> errors;
  for (const auto& helper : s.helpers) {
    try {
      std::optional<Credentials> c;
      if (helper == kAuthFileHelper) {
        c = find_credentials(registry, repository_path, s.files);
      } else {
        c = credential_helper_get(helper, std::string(registry));
        if (c) {
          c->key = std::string(registry);
          c->file = credential_helper_program(helper);  // where they came from, for messages
        }
      }
      if (c) return c;
    } catch (const Error& e) {
      errors.emplace_back(e.what());
    }
  }
  if (!errors.empty()) throw_all("looking up credentials for " + std::string(registry), errors);
  return std::nullopt;
}

std::string save_login(const CredentialSources& s, std::string_view key,
                       const std::string& username, const std::string& password) {
  std::vector<std::string> errors;
  std::string k(key);
  for (const auto& helper : s.helpers) {
    try {
      std::string target = helper;
      // podman's descriptions: the auth file, even when its credHelpers
      // entry sent the login on to a helper; "credential helper: NAME".
      std::string where = "credential helper: " + helper;
      if (helper == kAuthFileHelper) {
        auto inner = credential_helper_for_key(s.write_file, key);
        if (!inner) {
          store_credentials(s.write_file, key, username, password);
          return s.write_file;
        }
        target = *inner;
        where = s.write_file;
      }
      if (is_namespaced(key))
        throw Error("credential helper " + target + " does not take a namespaced key like " + k);
      credential_helper_store(target, k, username, password);
      return where;
    } catch (const Error& e) {
      errors.emplace_back(e.what());
    }
  }
  throw_all("storing credentials for " + k, errors);
}

bool erase_login(const CredentialSources& s, std::string_view key) {
  std::vector<std::string> errors;
  bool erased = false;
  std::string k(key);
  auto erase_in_helper = [&](const std::string& helper) {
    // A namespaced key was never stored in a helper (save_login refuses it).
    if (!is_namespaced(key) && credential_helper_erase(helper, k)) erased = true;
  };
  for (const auto& helper : s.helpers) {
    try {
      if (helper == kAuthFileHelper) {
        if (auto inner = credential_helper_for_key(s.write_file, key)) erase_in_helper(*inner);
        if (remove_credentials(s.write_file, key)) erased = true;
      } else {
        erase_in_helper(helper);
      }
    } catch (const Error& e) {
      errors.emplace_back(e.what());
    }
  }
  if (!errors.empty()) throw_all("removing credentials for " + k, errors);
  return erased;
}

void erase_all_logins(const CredentialSources& s) {
  std::vector<std::string> errors;
  for (const auto& helper : s.helpers) {
    try {
      if (helper == kAuthFileHelper) {
        // The helpers an auth file names are expected to exist: a failure
        // keeps the file as it is, so the user can try again.
        for (auto& [server, inner] : credential_helpers_in(s.write_file))
          credential_helper_erase(inner, server);
        remove_all_credentials(s.write_file);
      } else {
        std::map<std::string, std::string> held;
        try {
          held = credential_helper_list(helper);
        } catch (const Error& e) {
          // As podman: a helper that is not installed holds nothing.
          if (e.errnum() == ENOENT) continue;
          throw;
        }
        for (auto& [server, user] : held) credential_helper_erase(helper, server);
      }
    } catch (const Error& e) {
      errors.emplace_back(e.what());
    }
  }
  if (!errors.empty()) throw_all("removing all credentials", errors);
}

}  // namespace nook::image
