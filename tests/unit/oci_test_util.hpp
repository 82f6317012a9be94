#pragma once
// Shared by the oci_*_test.cpp files: the full fixture config and a way to
// get the message a parse fails with.
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "oci/spec_parse.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace oci_test {

inline std::string fixture_path(const std::string& name) {
  // CMake compiles with absolute source paths, so __FILE__ locates the tree.
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / "fixtures" / "config" /
          name)
      .string();
}

inline nlohmann::json full_config() {
  return nlohmann::json::parse(nook::read_file(fixture_path("full.json")));
}

// The error message parse_spec throws, or "<accepted>".
inline std::string spec_error(const std::string& text) {
  try {
    nook::oci::parse_spec(text);
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "<accepted>";
}

inline std::string process_error(const std::string& text) {
  try {
    nook::oci::parse_process(text);
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "<accepted>";
}

}  // namespace oci_test
