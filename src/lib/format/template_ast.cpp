#include "format/template_ast.hpp"

namespace nook::format::detail {

namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += sep;
    out += v[i];
  }
  return out;
}

std::string arg_string(const Node& n) {
  if (n.type == NodeType::Pipe) return "(" + node_string(n) + ")";
  return node_string(n);
}

std::string list_string(const ListNode* l) {
  std::string out;
  if (l) {
    for (const auto& n : l->nodes) out += node_string(*n);
  }
  return out;
}

}  // namespace

std::string node_string(const Node& n) {
  switch (n.type) {
    case NodeType::List:
      return list_string(static_cast<const ListNode*>(&n));
    case NodeType::Text:
      return std::string(static_cast<const TextNode&>(n).text);
    case NodeType::Action:
      return "{{" + node_string(*static_cast<const ActionNode&>(n).pipe) + "}}";
    case NodeType::If:
    case NodeType::Range:
    case NodeType::With: {
      const auto& b = static_cast<const BranchNode&>(n);
      std::string name = n.type == NodeType::If      ? "if"
                         : n.type == NodeType::Range ? "range"
                                                     : "with";
      std::string out = "{{" + name + " " + node_string(*b.pipe) + "}}" + list_string(b.list.get());
      if (b.else_list) out += "{{else}}" + list_string(b.else_list.get());
      return out + "{{end}}";
    }
    case NodeType::Break:
      return "{{break}}";
    case NodeType::Continue:
      return "{{continue}}";
    case NodeType::Else:
      return "{{else}}";
    case NodeType::End:
      return "{{end}}";
    case NodeType::Pipe: {
      const auto& p = static_cast<const PipeNode&>(n);
      std::string out;
      for (size_t i = 0; i < p.decl.size(); ++i) {
        if (i > 0) out += ", ";
        out += node_string(*p.decl[i]);
      }
      if (!p.decl.empty()) out += p.is_assign ? " = " : " := ";
      for (size_t i = 0; i < p.cmds.size(); ++i) {
        if (i > 0) out += " | ";
        out += node_string(*p.cmds[i]);
      }
      return out;
    }
    case NodeType::Command: {
      const auto& c = static_cast<const CommandNode&>(n);
      std::string out;
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) out += " ";
        out += arg_string(*c.args[i]);
      }
      return out;
    }
    case NodeType::Field:
      return "." + join(static_cast<const FieldNode&>(n).ident, ".");
    case NodeType::Variable:
      return join(static_cast<const VariableNode&>(n).ident, ".");
    case NodeType::Chain: {
      const auto& c = static_cast<const ChainNode&>(n);
      return arg_string(*c.node) + "." + join(c.field, ".");
    }
    case NodeType::Identifier:
      return static_cast<const IdentifierNode&>(n).name;
    case NodeType::Dot:
      return ".";
    case NodeType::Nil:
      return "nil";
    case NodeType::Bool:
      return static_cast<const BoolNode&>(n).value ? "true" : "false";
    case NodeType::Number:
      return static_cast<const NumberNode&>(n).text;
    case NodeType::String:
      return static_cast<const StringNode&>(n).quoted;
  }
  return {};
}

}  // namespace nook::format::detail
