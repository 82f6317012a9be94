#include "format/template_exec.hpp"

#include <algorithm>

#include "format/go_fmt.hpp"
#include "format/utf8.hpp"
#include "sys/error.hpp"

namespace nook::format::detail {

namespace {

std::string param_name(Param p) {
  switch (p) {
    case Param::Any:
      return "interface {}";
    case Param::String:
      return "string";
    case Param::Int:
      return "int";
    case Param::StringList:
      return "[]string";
  }
  return {};
}

// The Go type a value has when handed over: a JSON null is a nil interface{}.
std::string value_type(const Value& v) {
  return v.json().is_null() ? "interface {}" : type_name(v.json());
}

bool is_hex_int(std::string_view s) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
         s.find_first_of("pP") == std::string_view::npos;
}

}  // namespace

std::string one_line(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Executor::fail(const std::string& message) const {
  std::string name(name_);
  if (!node_) throw Error(one_line("template: " + name + ": " + message));
  size_t pos = std::min(node_->pos, text_.size());
  std::string_view before = text_.substr(0, pos);
  size_t nl = before.rfind('\n');
  size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
  size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  std::string context = node_string(*node_);
  if (rune_count(context) > 20) {
    size_t i = 0;
    for (int n = 0; n < 20; ++n) i += decode_rune(context, i).len;
    context = context.substr(0, i) + "...";
  }
  throw Error(one_line("template: " + name + ":" + std::to_string(line) + ":" +
                       std::to_string(col) + ": executing \"" + name + "\" at <" + context +
                       ">: " + message));
}

void Executor::step() {
  if (++steps_ > limits_.max_steps)
    fail("execution exceeded " + std::to_string(limits_.max_steps) + " steps");
}

void Executor::write(std::string_view s) {
  if (out_.size() + s.size() > limits_.max_output_bytes)
    fail("output exceeds the limit of " + std::to_string(limits_.max_output_bytes) + " bytes");
  out_ += s;
}

void Executor::run(const ListNode& root, const Value& data) {
  vars_.clear();
  push("$", data);
  walk_list(data, root);
}

void Executor::run_each(const ListNode& root, const Value& data) {
  vars_.clear();
  push("$", data);
  if (data.nil()) return;
  for (const auto& row : data.json()) {
    walk_list(data.child(row), root);
    vars_.resize(1);
  }
}

const Value& Executor::var_value(const std::string& name) {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  fail("undefined variable: " + name);
}

void Executor::set_var(const std::string& name, const Value& v) {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
    if (it->first == name) {
      it->second = v;
      return;
    }
  }
  fail("undefined variable: " + name);
}

Executor::Flow Executor::walk_list(const Value& dot, const ListNode& l) {
  for (const auto& n : l.nodes) {
    Flow f = walk(dot, *n);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Executor::Flow Executor::walk(const Value& dot, const Node& n) {
  step();
  switch (n.type) {
    case NodeType::Action: {
      const auto& a = static_cast<const ActionNode&>(n);
      Value v = eval_pipeline(dot, *a.pipe);
      if (a.pipe->decl.empty()) print_value(n, v);
      return Flow::Normal;
    }
    case NodeType::Break:
      return Flow::Break;
    case NodeType::Continue:
      return Flow::Continue;
    case NodeType::If:
    case NodeType::With:
      return walk_if_or_with(dot, static_cast<const BranchNode&>(n));
    case NodeType::List:
      return walk_list(dot, static_cast<const ListNode&>(n));
    case NodeType::Range:
      return walk_range(dot, static_cast<const BranchNode&>(n));
    case NodeType::Text:
      at(n);
      write(static_cast<const TextNode&>(n).text);
      return Flow::Normal;
    default:
      at(n);
      fail("unknown node: " + node_string(n));
  }
}

Executor::Flow Executor::walk_if_or_with(const Value& dot, const BranchNode& b) {
  size_t mark = vars_.size();
  Value v = eval_pipeline(dot, *b.pipe);
  Flow f = Flow::Normal;
  if (truth(v)) {
    f = walk_list(b.type == NodeType::With ? v : dot, *b.list);
  } else if (b.else_list) {
    f = walk_list(dot, *b.else_list);
  }
  vars_.resize(mark);
  return f;
}

Executor::Flow Executor::range_iteration(const BranchNode& r, size_t mark, const Value& index,
                                         const Value& elem) {
  step();  // an empty body must not make a huge range free
  const auto& decl = r.pipe->decl;
  if (!decl.empty()) {
    if (r.pipe->is_assign) {
      set_var(decl[0]->ident[0], decl.size() > 1 ? index : elem);
      if (decl.size() > 1) set_var(decl[1]->ident[0], elem);
    } else {
      vars_[vars_.size() - 1].second = elem;
      if (decl.size() > 1) vars_[vars_.size() - 2].second = index;
    }
  }
  Flow f = walk_list(elem, *r.list);
  vars_.resize(mark);
  return f;
}

Executor::Flow Executor::walk_range(const Value& dot, const BranchNode& r) {
  at(r);
  size_t outer = vars_.size();
  Value v = eval_pipeline(dot, *r.pipe);
  size_t mark = vars_.size();
  bool ran = false;
  if (!v.nil()) {
    const Json& j = v.json();
    if (j.is_array()) {
      for (size_t i = 0; i < j.size(); ++i) {
        ran = true;
        if (range_iteration(r, mark, Value::owned(Json(static_cast<int64_t>(i))), v.child(j[i])) ==
            Flow::Break)
          break;
      }
    } else if (j.is_object()) {
      for (const auto& [k, e] : j.items()) {
        ran = true;
        if (range_iteration(r, mark, Value::owned(Json(k)), v.child(e)) == Flow::Break) break;
      }
    } else if (j.is_number_integer()) {
      if (r.pipe->decl.size() > 1) {
        at(r);
        fail("can't use " + sprint({&j}) + " to iterate over more than one variable");
      }
      if (is_int(j)) {
        for (int64_t i = 0; i < j.get<int64_t>(); ++i) {
          ran = true;
          Value iv = Value::owned(Json(i));
          if (range_iteration(r, mark, iv, iv) == Flow::Break) break;
        }
      }
    } else {
      at(r);
      fail("range can't iterate over " + sprint({&j}));
    }
  }
  if (ran) {
    vars_.resize(outer);
    return Flow::Normal;  // a {{break}} ends here; {{continue}} ended its iteration
  }
  Flow f = Flow::Normal;
  if (r.else_list) f = walk_list(dot, *r.else_list);
  vars_.resize(outer);
  return f;
}

Value Executor::eval_pipeline(const Value& dot, const PipeNode& p) {
  at(p);
  Value value;
  bool have_final = false;
  for (const auto& cmd : p.cmds) {
    Value prev = value;
    value = eval_command(dot, *cmd, have_final ? &prev : nullptr);
    have_final = true;
    // Go digs a value out of its interface{}: a nil one becomes invalid.
    if (!value.missing() && value.json().is_null()) value = Value();
  }
  for (const auto& v : p.decl) {
    if (p.is_assign) {
      set_var(v->ident[0], value);
    } else {
      push(v->ident[0], value);
    }
  }
  return value;
}

void Executor::not_a_function(const std::vector<NodePtr>& args, const Value* final) {
  if (args.size() > 1 || final)
    fail("can't give argument to non-function " + node_string(*args[0]));
}

Value Executor::eval_command(const Value& dot, const CommandNode& c, const Value* final) {
  step();
  const Node& first = *c.args[0];
  bool has_args = c.args.size() > 1;
  switch (first.type) {
    case NodeType::Field: {
      at(first);
      const auto& f = static_cast<const FieldNode&>(first);
      return eval_field_chain(dot, dot, f, f.ident, 0, has_args, final);
    }
    case NodeType::Chain:
      return eval_chain(dot, static_cast<const ChainNode&>(first), has_args, final);
    case NodeType::Identifier: {
      at(first);
      return eval_call(dot, static_cast<const IdentifierNode&>(first), c, &c.args, final);
    }
    case NodeType::Pipe:
      not_a_function(c.args, final);
      return eval_pipeline(dot, static_cast<const PipeNode&>(first));
    case NodeType::Variable:
      return eval_variable(dot, static_cast<const VariableNode&>(first), has_args, final);
    default:
      break;
  }
  at(first);
  not_a_function(c.args, final);
  switch (first.type) {
    case NodeType::Bool:
      return Value::owned(Json(static_cast<const BoolNode&>(first).value));
    case NodeType::Dot:
      return dot;
    case NodeType::Nil:
      fail("nil is not a command");
    case NodeType::Number:
      return ideal_constant(static_cast<const NumberNode&>(first));
    case NodeType::String:
      return Value::owned(Json(static_cast<const StringNode&>(first).text));
    default:
      fail("can't evaluate command " + node_string(first));
  }
}

Value Executor::eval_variable(const Value& dot, const VariableNode& v, bool has_args,
                              const Value* final) {
  at(v);
  Value value = var_value(v.ident[0]);
  if (v.ident.size() == 1) {
    if (has_args || final) fail("can't give argument to non-function " + v.ident[0]);
    return value;
  }
  return eval_field_chain(dot, value, v, v.ident, 1, has_args, final);
}

Value Executor::eval_chain(const Value& dot, const ChainNode& c, bool has_args,
                           const Value* final) {
  at(c);
  if (c.node->type == NodeType::Nil) fail("indirection through explicit nil in " + node_string(c));
  Value receiver = eval_arg(dot, Param::Any, *c.node);
  at(c);
  return eval_field_chain(dot, receiver, c, c.field, 0, has_args, final);
}

Value Executor::eval_field_chain(const Value&, Value receiver, const Node& node,
                                 const std::vector<std::string>& ident, size_t first, bool has_args,
                                 const Value* final) {
  for (size_t i = first; i + 1 < ident.size(); ++i)
    receiver = eval_field(ident[i], node, false, receiver);
  return eval_field(ident.back(), node, has_args || final, receiver);
}

Value Executor::eval_field(const std::string& name, const Node& node, bool has_args,
                           const Value& receiver) {
  if (receiver.missing()) return Value();
  const Json& j = receiver.json();
  if (j.is_null()) {
    at(node);
    fail("nil pointer evaluating interface {}." + name);
  }
  if (j.is_object()) {
    if (has_args) {
      at(node);
      fail(name + " is not a method but has arguments");
    }
    auto it = j.find(name);
    return it == j.end() ? Value() : receiver.child(*it);
  }
  at(node);
  fail("can't evaluate field " + name + " in type " + type_name(j));
}

Value Executor::ideal_constant(const NumberNode& n) {
  at(n);
  bool rune = !n.text.empty() && n.text[0] == '\'';
  if (n.is_float && !is_hex_int(n.text) && !rune &&
      n.text.find_first_of(".eEpP") != std::string::npos)
    return Value::owned(Json(n.f));
  if (n.is_int) return Value::owned(Json(n.i));
  if (n.is_uint) fail(n.text + " overflows int");
  return Value();
}

Value Executor::validate(const Value& v, Param p) {
  if (v.missing()) {
    if (p == Param::Any) return v;
    fail("invalid value; expected " + param_name(p));
  }
  const Json& j = v.json();
  switch (p) {
    case Param::Any:
      return v;
    case Param::String:
      if (j.is_string()) return v;
      break;
    case Param::Int:
      if (j.is_number_integer() && is_int(j)) return v;
      break;
    case Param::StringList:
      if (j.is_array() &&
          std::all_of(j.begin(), j.end(), [](const Json& e) { return e.is_string(); }))
        return v;
      break;
  }
  fail("wrong type for value; expected " + param_name(p) + "; got " + value_type(v));
}

Value Executor::eval_arg(const Value& dot, Param p, const Node& n) {
  at(n);
  switch (n.type) {
    case NodeType::Dot:
      return validate(dot, p);
    case NodeType::Nil:
      if (p == Param::Any) return Value::owned(Json());
      fail("cannot assign nil to " + param_name(p));
    case NodeType::Field: {
      const auto& f = static_cast<const FieldNode&>(n);
      return validate(eval_field_chain(dot, dot, f, f.ident, 0, false, nullptr), p);
    }
    case NodeType::Variable:
      return validate(eval_variable(dot, static_cast<const VariableNode&>(n), false, nullptr), p);
    case NodeType::Pipe:
      return validate(eval_pipeline(dot, static_cast<const PipeNode&>(n)), p);
    case NodeType::Identifier:
      return validate(eval_call(dot, static_cast<const IdentifierNode&>(n), n, nullptr, nullptr),
                      p);
    case NodeType::Chain:
      return validate(eval_chain(dot, static_cast<const ChainNode&>(n), false, nullptr), p);
    default:
      break;
  }
  switch (p) {
    case Param::String:
      if (n.type == NodeType::String)
        return Value::owned(Json(static_cast<const StringNode&>(n).text));
      fail("expected string; found " + node_string(n));
    case Param::Int:
      if (n.type == NodeType::Number && static_cast<const NumberNode&>(n).is_int)
        return Value::owned(Json(static_cast<const NumberNode&>(n).i));
      fail("expected integer; found " + node_string(n));
    case Param::StringList:
      fail("can't handle " + node_string(n) + " for arg of type []string");
    case Param::Any:
      break;
  }
  switch (n.type) {
    case NodeType::Bool:
      return Value::owned(Json(static_cast<const BoolNode&>(n).value));
    case NodeType::Number:
      return ideal_constant(static_cast<const NumberNode&>(n));
    case NodeType::String:
      return Value::owned(Json(static_cast<const StringNode&>(n).text));
    default:
      fail("can't handle " + node_string(n) + " for arg of type interface {}");
  }
}

Value Executor::eval_call(const Value& dot, const IdentifierNode& id, const Node& node,
                          const std::vector<NodePtr>* cmd_args, const Value* final) {
  const Builtin& fn = *id.fn;
  // args[0] is the function's own name.
  std::vector<const Node*> args;
  if (cmd_args) {
    for (size_t i = 1; i < cmd_args->size(); ++i) args.push_back((*cmd_args)[i].get());
  }
  size_t num_in = args.size() + (final ? 1 : 0);
  size_t num_fixed = fn.variadic ? fn.params.size() - 1 : fn.params.size();
  if (fn.variadic && num_in < num_fixed) {
    fail("wrong number of args for " + id.name + ": want at least " + std::to_string(num_fixed) +
         " got " + std::to_string(args.size()));
  }
  if (!fn.variadic && num_in != num_fixed) {
    fail("wrong number of args for " + id.name + ": want " + std::to_string(num_fixed) + " got " +
         std::to_string(num_in));
  }
  auto param = [&](size_t i) { return i < num_fixed ? fn.params[i] : fn.params.back(); };

  if (fn.short_circuit) {  // and, or
    bool is_or = id.name == "or";
    Value v;
    for (const Node* a : args) {
      v = eval_arg(dot, Param::Any, *a);
      if (truth(v) == is_or) return v;
    }
    if (final) v = *final;
    return v;
  }

  std::vector<Value> argv;
  argv.reserve(num_in);
  for (size_t i = 0; i < args.size(); ++i) argv.push_back(eval_arg(dot, param(i), *args[i]));
  if (final) argv.push_back(validate(*final, param(num_in - 1)));
  at(node);
  try {
    FuncContext ctx{limits_.max_output_bytes};
    Value result = fn.fn(argv, ctx);
    if (!result.missing() && result.json().is_string() &&
        result.json().get_ref<const std::string&>().size() > limits_.max_output_bytes)
      throw FuncError{"result exceeds the limit of " + std::to_string(limits_.max_output_bytes) +
                      " bytes"};
    return result;
  } catch (const FuncError& e) {
    at(node);
    fail("error calling " + id.name + ": " + e.message);
  }
}

void Executor::print_value(const Node& n, const Value& v) {
  at(n);
  if (v.missing()) return write("<no value>");
  std::string s;
  append_value(s, v.json());
  write(s);
}

}  // namespace nook::format::detail
