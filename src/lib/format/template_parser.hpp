#pragma once
// Parser for Go's text/template syntax (the subset without define, template
// and block), building the tree in template_ast.hpp.
#include <memory>
#include <string_view>

#include "format/template_ast.hpp"

namespace nook::format::detail {

// Nesting of blocks and parentheses a template may have.
inline constexpr int kMaxNesting = 100;
// Commands in one pipeline.
inline constexpr size_t kMaxPipelineCmds = 1000;

// Throws SyntaxError. The tree refers to text, which must outlive it.
std::unique_ptr<ListNode> parse_template(std::string_view text);

}  // namespace nook::format::detail
