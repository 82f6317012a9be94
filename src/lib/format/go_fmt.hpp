#pragma once
// Go's fmt and strconv output for decoded JSON values: how {{.X}}, print,
// println and printf render data. A JSON null is Go's nil interface{}.
#include <string>
#include <string_view>
#include <vector>

#include "format/go_strconv.hpp"
#include "format/template_value.hpp"

namespace nook::format::detail {

// fmt.Sprint / Sprintln / Sprintf over the arguments (never null pointers).
std::string sprint(const std::vector<const Json*>& args);
std::string sprintln(const std::vector<const Json*>& args);
std::string sprintf(std::string_view format, const std::vector<const Json*>& args);
// fmt.Sprint(v): "[a b]" for arrays, "map[k:v]" with sorted keys for objects.
void append_value(std::string& out, const Json& v);

}  // namespace nook::format::detail
