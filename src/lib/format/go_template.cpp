#include "format/go_template.hpp"

#include <algorithm>
#include <set>

#include "format/template_exec.hpp"
#include "format/template_lexer.hpp"
#include "format/template_parser.hpp"
#include "sys/error.hpp"

namespace nook::format {

using detail::BranchNode;
using detail::ListNode;
using detail::Node;
using detail::NodeType;

struct Template::Impl {
  std::string name;
  std::string text;  // the tree's text nodes point into this
  std::unique_ptr<ListNode> root;
};

namespace {

// Collects the first identifier of every field reference.
void collect_fields(const Node& n, std::set<std::string>& out) {
  switch (n.type) {
    case NodeType::List:
      for (const auto& c : static_cast<const ListNode&>(n).nodes) collect_fields(*c, out);
      return;
    case NodeType::Action:
      collect_fields(*static_cast<const detail::ActionNode&>(n).pipe, out);
      return;
    case NodeType::If:
    case NodeType::Range:
    case NodeType::With: {
      const auto& b = static_cast<const BranchNode&>(n);
      collect_fields(*b.pipe, out);
      collect_fields(*b.list, out);
      if (b.else_list) collect_fields(*b.else_list, out);
      return;
    }
    case NodeType::Pipe:
      for (const auto& c : static_cast<const detail::PipeNode&>(n).cmds) collect_fields(*c, out);
      return;
    case NodeType::Command:
      for (const auto& a : static_cast<const detail::CommandNode&>(n).args) collect_fields(*a, out);
      return;
    case NodeType::Field:
      out.insert(static_cast<const detail::FieldNode&>(n).ident[0]);
      return;
    case NodeType::Variable: {
      const auto& v = static_cast<const detail::VariableNode&>(n);
      if (v.ident[0] == "$" && v.ident.size() > 1) out.insert(v.ident[1]);
      return;
    }
    case NodeType::Chain:
      collect_fields(*static_cast<const detail::ChainNode&>(n).node, out);
      return;
    default:
      return;
  }
}

std::string position(std::string_view name, std::string_view text, size_t pos) {
  pos = std::min(pos, text.size());
  std::string_view before = text.substr(0, pos);
  size_t nl = before.rfind('\n');
  size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
  size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  return std::string(name) + ":" + std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace

Template Template::parse(std::string_view text, std::string name) {
  auto impl = std::make_shared<Impl>();
  impl->name = std::move(name);
  impl->text = std::string(text);
  try {
    impl->root = detail::parse_template(impl->text);
  } catch (const detail::SyntaxError& e) {
    throw Error(detail::one_line("template: " + position(impl->name, impl->text, e.pos) + ": " +
                                 e.message));
  }
  return Template(std::move(impl));
}

std::string Template::execute(const nlohmann::json& data, const ExecLimits& limits) const {
  std::string out;
  detail::Executor ex(impl_->name, impl_->text, {limits.max_output_bytes, limits.max_steps}, out);
  // Go's Execute(nil): dot is an invalid value, not a nil interface.
  ex.run(*impl_->root, data.is_null() ? detail::Value() : detail::Value::borrowed(data));
  return out;
}

std::string Template::execute_each(const nlohmann::json& rows, const ExecLimits& limits) const {
  if (!rows.is_null() && !rows.is_array())
    throw Error(
        detail::one_line("template: " + impl_->name + ": execute_each needs an array of rows"));
  std::string out;
  detail::Executor ex(impl_->name, impl_->text, {limits.max_output_bytes, limits.max_steps}, out);
  ex.run_each(*impl_->root, detail::Value::borrowed(rows));
  return out;
}

const std::string& Template::name() const {
  return impl_->name;
}
const std::string& Template::text() const {
  return impl_->text;
}

std::vector<std::string> Template::field_names() const {
  std::set<std::string> out;
  collect_fields(*impl_->root, out);
  return {out.begin(), out.end()};
}

}  // namespace nook::format
