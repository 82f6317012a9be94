#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "runtime/enter_userns.hpp"

namespace nook::cli {

void print_error(const std::string& message) {
  std::fprintf(stderr, "Error: %s\n", message.c_str());
}

void print_warning(const std::string& message) {
  std::fprintf(stderr, "WARN[0000] %s\n", message.c_str());
}

bool confirm(const std::string& question) {
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  // podman fails on end of input ("Error: EOF", 125) rather than taking it for a no.
  if (!std::getline(std::cin, answer))
    throw Error("no answer: standard input ended (--force skips the question)");
  return answer == "y" || answer == "Y" || answer == "yes";
}

std::string Context::store_root() const {
  if (!g_.root.empty()) return g_.root;
  if (resolved_root_.empty()) resolved_root_ = image::default_store_root();
  return resolved_root_;
}

void Context::enter_storage_userns() {
  if (in_userns_) return;
  // Real root needs no namespace to chown; one nook already entered (a
  // re-exec) must not nest another.
  if (::geteuid() == 0) {
    in_userns_ = true;
    return;
  }
  // The store's path comes from $HOME and the user's passwd entry, which
  // inside the namespace would be root's: settle it first.
  store_root();
  runtime::UsernsMapping mapping = runtime::rootless_user_mapping();
  if (mapping.single_id) {
    print_warning(
        "no subordinate uid/gid range for this user in /etc/subuid and /etc/subgid: files of "
        "other owners in images are stored as yours, and su or package managers in "
        "containers will not work; add a range with: usermod --add-subuids 100000-165535 "
        "--add-subgids 100000-165535 $USER");
    can_chown_ = false;
  }
  runtime::enter_user_namespace(mapping);
  in_userns_ = true;
}

image::Store& Context::store() {
  if (!store_) store_ = std::make_unique<image::Store>(store_root());
  return *store_;
}

}  // namespace nook::cli
