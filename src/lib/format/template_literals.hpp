#pragma once
// Go's literal syntax inside actions: quoted strings (strconv.Unquote) and
// numeric constants (parse.newNumber).
#include <memory>
#include <string>
#include <string_view>

#include "format/template_ast.hpp"

namespace nook::format::detail {

// "..." with Go escapes or `...` raw; false on bad syntax.
bool unquote(std::string_view quoted, std::string& out);
// A number, character constant ('a') or complex constant. Throws SyntaxError.
std::unique_ptr<NumberNode> parse_number(size_t pos, std::string_view text, bool is_char,
                                         bool is_complex);

}  // namespace nook::format::detail
