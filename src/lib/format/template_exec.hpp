#pragma once
// Walks a parsed template over decoded JSON the way Go's text/template
// executes over interface{} values (exec.go): field lookup on maps, variable
// scopes, range/with/if, typed function calls and Go's error messages.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/template_ast.hpp"
#include "format/template_funcs.hpp"
#include "format/template_value.hpp"

namespace nook::format::detail {

// Error texts are printed as one line: data in them has CR and LF escaped.
std::string one_line(std::string s);

struct Limits {
  size_t max_output_bytes;
  uint64_t max_steps;
};

class Executor {
 public:
  Executor(std::string_view name, std::string_view text, Limits limits, std::string& out)
      : name_(name), text_(text), limits_(limits), out_(out) {}

  // Throws nook::Error.
  void run(const ListNode& root, const Value& data);
  // Runs root once per element of the array data, as "{{range .}}root{{end}}".
  void run_each(const ListNode& root, const Value& data);

 private:
  enum class Flow { Normal, Break, Continue };

  Flow walk(const Value& dot, const Node& n);
  Flow walk_list(const Value& dot, const ListNode& l);
  Flow walk_if_or_with(const Value& dot, const BranchNode& b);
  Flow walk_range(const Value& dot, const BranchNode& b);
  Flow range_iteration(const BranchNode& r, size_t mark, const Value& index, const Value& elem);

  Value eval_pipeline(const Value& dot, const PipeNode& p);
  Value eval_command(const Value& dot, const CommandNode& c, const Value* final);
  Value eval_field_chain(const Value& dot, Value receiver, const Node& node,
                         const std::vector<std::string>& ident, size_t first, bool has_args,
                         const Value* final);
  Value eval_field(const std::string& name, const Node& node, bool has_args, const Value& receiver);
  Value eval_variable(const Value& dot, const VariableNode& v, bool has_args, const Value* final);
  Value eval_chain(const Value& dot, const ChainNode& c, bool has_args, const Value* final);
  Value eval_call(const Value& dot, const IdentifierNode& id, const Node& node,
                  const std::vector<NodePtr>* args, const Value* final);
  Value eval_arg(const Value& dot, Param p, const Node& n);
  Value validate(const Value& v, Param p);
  Value ideal_constant(const NumberNode& n);
  void not_a_function(const std::vector<NodePtr>& args, const Value* final);

  void push(const std::string& name, const Value& v) { vars_.emplace_back(name, v); }
  const Value& var_value(const std::string& name);
  void set_var(const std::string& name, const Value& v);

  void print_value(const Node& n, const Value& v);
  void write(std::string_view s);
  void step();
  void at(const Node& n) { node_ = &n; }
  [[noreturn]] void fail(const std::string& message) const;

  std::string_view name_;
  std::string_view text_;
  Limits limits_;
  std::string& out_;
  uint64_t steps_ = 0;
  const Node* node_ = nullptr;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace nook::format::detail
