#pragma once
// The functions a template can call: Go's builtins (and, or, not, len, index,
// slice, print, printf, println, eq, ne, lt, le, gt, ge) and podman's
// (json, lower, upper, title, join, split, truncate, pad).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "format/template_value.hpp"

namespace nook::format::detail {

// Parameter types, checked by the executor before the call the way Go's
// reflection-based call checks them.
enum class Param {
  Any,         // interface{} / reflect.Value: anything, nil included
  String,      // string
  Int,         // int
  StringList,  // []string: an array of strings
};

struct FuncContext {
  size_t max_bytes;  // no single result may be larger
};

// A failure inside a function; the executor reports it as
// "error calling NAME: MESSAGE".
struct FuncError {
  std::string message;
};

using FuncImpl = Value (*)(std::vector<Value>& args, const FuncContext& ctx);

struct Builtin {
  std::string_view name;
  std::vector<Param> params;  // with variadic, the last entry repeats
  bool variadic = false;
  FuncImpl fn = nullptr;
  bool short_circuit = false;  // and / or evaluate their arguments lazily
};

const Builtin* find_builtin(std::string_view name);

}  // namespace nook::format::detail
