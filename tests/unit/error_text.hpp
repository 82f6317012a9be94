#pragma once
// The message an action fails with, for tests that check what users read.
#include <functional>
#include <string>

#include "sys/error.hpp"

namespace test_util {

// nook::Error's text, or "(no error)" when f returns.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace test_util
