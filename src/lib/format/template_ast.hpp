#pragma once
// Parse tree of a template, shaped like Go's text/template/parse nodes.
// Positions are byte offsets into the template text.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nook::format::detail {

struct Builtin;

enum class NodeType {
  List,
  Text,
  Action,
  If,
  Range,
  With,
  Break,
  Continue,
  Pipe,
  Command,
  Field,
  Chain,
  Variable,
  Identifier,
  Dot,
  Nil,
  Bool,
  Number,
  String,
  Else,
  End,  // only while parsing
};

struct Node {
  Node(NodeType t, size_t p) : type(t), pos(p) {}
  virtual ~Node() = default;
  NodeType type;
  size_t pos;
};
using NodePtr = std::unique_ptr<Node>;

struct ListNode : Node {
  explicit ListNode(size_t p) : Node(NodeType::List, p) {}
  std::vector<NodePtr> nodes;
};

struct TextNode : Node {
  TextNode(size_t p, std::string_view t) : Node(NodeType::Text, p), text(t) {}
  std::string_view text;  // into the template's own copy of its source
};

struct VariableNode : Node {
  VariableNode(size_t p, std::vector<std::string> i)
      : Node(NodeType::Variable, p), ident(std::move(i)) {}
  std::vector<std::string> ident;  // "$x", then field names
};

struct CommandNode : Node {
  explicit CommandNode(size_t p) : Node(NodeType::Command, p) {}
  std::vector<NodePtr> args;
};

struct PipeNode : Node {
  explicit PipeNode(size_t p) : Node(NodeType::Pipe, p) {}
  bool is_assign = false;  // "=" rather than ":="
  std::vector<std::unique_ptr<VariableNode>> decl;
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

struct ActionNode : Node {
  ActionNode(size_t p, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::Action, p), pipe(std::move(pp)) {}
  std::unique_ptr<PipeNode> pipe;
};

// if, range and with.
struct BranchNode : Node {
  BranchNode(NodeType t, size_t p) : Node(t, p) {}
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list;
  std::unique_ptr<ListNode> else_list;  // may be null
};

struct FieldNode : Node {
  FieldNode(size_t p, std::vector<std::string> i) : Node(NodeType::Field, p), ident(std::move(i)) {}
  std::vector<std::string> ident;
};

// A term followed by fields: (pipeline).A.B
struct ChainNode : Node {
  ChainNode(size_t p, NodePtr n) : Node(NodeType::Chain, p), node(std::move(n)) {}
  NodePtr node;
  std::vector<std::string> field;
};

struct IdentifierNode : Node {
  IdentifierNode(size_t p, std::string n, const Builtin* f)
      : Node(NodeType::Identifier, p), name(std::move(n)), fn(f) {}
  std::string name;
  const Builtin* fn;
};

struct BoolNode : Node {
  BoolNode(size_t p, bool v) : Node(NodeType::Bool, p), value(v) {}
  bool value;
};

// A numeric constant keeps every reading Go's parser gives it: a literal is
// an int where an int is wanted, a float where a float is.
struct NumberNode : Node {
  NumberNode(size_t p, std::string t) : Node(NodeType::Number, p), text(std::move(t)) {}
  std::string text;
  bool is_int = false, is_uint = false, is_float = false;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
};

struct StringNode : Node {
  StringNode(size_t p, std::string q, std::string t)
      : Node(NodeType::String, p), quoted(std::move(q)), text(std::move(t)) {}
  std::string quoted;
  std::string text;
};

// Go's Node.String(): the source form, used in error messages.
std::string node_string(const Node& n);

}  // namespace nook::format::detail
