#include "format/template_parser.hpp"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>

#include "format/go_fmt.hpp"
#include "format/template_funcs.hpp"
#include "format/template_lexer.hpp"
#include "format/template_literals.hpp"

namespace nook::format::detail {

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : lex_(text) {}

  std::unique_ptr<ListNode> parse() {
    auto root = std::make_unique<ListNode>(peek().pos);
    while (peek().type != Tok::Eof) {
      if (peek().type == Tok::LeftDelim) {
        Token delim = next();
        Token t = next_non_space();
        if (t.type == Tok::Define) fail(t.pos, "{{define}} is not supported");
        backup2(delim);
      }
      NodePtr n = text_or_action();
      if (n->type == NodeType::End || n->type == NodeType::Else)
        fail(n->pos, "unexpected " + node_string(*n));
      root->nodes.push_back(std::move(n));
    }
    return root;
  }

 private:
  // Go's three-token lookahead buffer.
  Token next() {
    if (peek_count_ > 0) {
      --peek_count_;
    } else {
      token_[0] = lex_.next();
    }
    return token_[peek_count_];
  }
  void backup() { ++peek_count_; }
  void backup2(Token t1) {
    token_[1] = t1;
    peek_count_ = 2;
  }
  void backup3(Token t2, Token t1) {
    token_[1] = t1;
    token_[2] = t2;
    peek_count_ = 3;
  }
  Token peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = lex_.next();
    return token_[0];
  }
  Token next_non_space() {
    Token t;
    do {
      t = next();
    } while (t.type == Tok::Space);
    return t;
  }
  Token peek_non_space() {
    Token t = next_non_space();
    backup();
    return t;
  }
  Token expect(Tok type, const std::string& context) {
    Token t = next_non_space();
    if (t.type != type) unexpected(t, context);
    return t;
  }

  [[noreturn]] void fail(size_t pos, std::string message) {
    throw SyntaxError{pos, std::move(message)};
  }
  [[noreturn]] void unexpected(const Token& t, const std::string& context) {
    fail(t.pos, "unexpected " + describe(t) + " in " + context);
  }

  void enter(size_t pos) {
    if (++depth_ > kMaxNesting)
      fail(pos, "template nesting too deep (limit " + std::to_string(kMaxNesting) + ")");
  }

  NodePtr text_or_action() {
    Token t = next_non_space();
    switch (t.type) {
      case Tok::Text:
        return std::make_unique<TextNode>(t.pos, t.val);
      case Tok::LeftDelim:
        return action();
      default:
        unexpected(t, "input");
    }
  }

  NodePtr action() {
    Token t = next_non_space();
    switch (t.type) {
      case Tok::Block:
      case Tok::Template:
      case Tok::Define:
        fail(t.pos, "{{" + std::string(t.val) + "}} is not supported");
      case Tok::Break:
      case Tok::Continue:
        return loop_control(t);
      case Tok::Else:
        return else_control();
      case Tok::End:
        return std::make_unique<Node>(NodeType::End, expect(Tok::RightDelim, "end").pos);
      case Tok::If:
        return control(NodeType::If, "if");
      case Tok::Range:
        return control(NodeType::Range, "range");
      case Tok::With:
        return control(NodeType::With, "with");
      default:
        break;
    }
    backup();
    size_t pos = peek().pos;
    // Variables declared here live until the enclosing block's {{end}}.
    return std::make_unique<ActionNode>(pos, pipeline("command", Tok::RightDelim));
  }

  NodePtr loop_control(const Token& t) {
    std::string name = "{{" + std::string(t.val) + "}}";
    Token n = next_non_space();
    if (n.type != Tok::RightDelim) unexpected(n, name);
    if (range_depth_ == 0) fail(t.pos, name + " outside {{range}}");
    return std::make_unique<Node>(t.type == Tok::Break ? NodeType::Break : NodeType::Continue,
                                  t.pos);
  }

  NodePtr else_control() {
    Token p = peek_non_space();
    // "{{else if" and "{{else with" leave the keyword for control() to see.
    if (p.type == Tok::If || p.type == Tok::With)
      return std::make_unique<Node>(NodeType::Else, p.pos);
    return std::make_unique<Node>(NodeType::Else, expect(Tok::RightDelim, "else").pos);
  }

  std::pair<std::unique_ptr<ListNode>, NodePtr> item_list() {
    auto list = std::make_unique<ListNode>(peek_non_space().pos);
    while (peek_non_space().type != Tok::Eof) {
      NodePtr n = text_or_action();
      if (n->type == NodeType::End || n->type == NodeType::Else)
        return {std::move(list), std::move(n)};
      list->nodes.push_back(std::move(n));
    }
    fail(peek().pos, "unexpected EOF");
  }

  NodePtr control(NodeType type, const std::string& context) {
    size_t vars_mark = vars_.size();
    auto node = std::make_unique<BranchNode>(type, peek_non_space().pos);
    enter(node->pos);
    node->pipe = pipeline(context, Tok::RightDelim);
    node->pos = node->pipe->pos;
    if (type == NodeType::Range) ++range_depth_;
    auto [list, next_node] = item_list();
    if (type == NodeType::Range) --range_depth_;
    node->list = std::move(list);
    if (next_node->type == NodeType::Else) {
      // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} with the last
      // {{end}} implied; likewise {{else with}}.
      Token p = peek();
      if ((type == NodeType::If && p.type == Tok::If) ||
          (type == NodeType::With && p.type == Tok::With)) {
        next();
        node->else_list = std::make_unique<ListNode>(next_node->pos);
        node->else_list->nodes.push_back(control(type, context));
      } else {
        auto [else_list, end] = item_list();
        if (end->type != NodeType::End) fail(end->pos, "expected end; found " + node_string(*end));
        node->else_list = std::move(else_list);
      }
    }
    vars_.resize(vars_mark);
    --depth_;
    return node;
  }

  std::unique_ptr<PipeNode> pipeline(const std::string& context, Tok end) {
    auto pipe = std::make_unique<PipeNode>(peek_non_space().pos);
    for (bool more = true; more;) {
      more = false;
      Token v = peek_non_space();
      if (v.type != Tok::Variable) break;
      next();
      Token after = peek();
      Token n = peek_non_space();
      if (n.type == Tok::Assign || n.type == Tok::Declare) {
        pipe->is_assign = n.type == Tok::Assign;
        next_non_space();
        pipe->decl.push_back(
            std::make_unique<VariableNode>(v.pos, std::vector{std::string(v.val)}));
        vars_.emplace_back(v.val);
      } else if (n.type == Tok::Char && n.val == ",") {
        next_non_space();
        pipe->decl.push_back(
            std::make_unique<VariableNode>(v.pos, std::vector{std::string(v.val)}));
        vars_.emplace_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          Tok t = peek_non_space().type;
          if (t == Tok::Variable || t == Tok::RightDelim || t == Tok::RightParen) {
            more = true;
            continue;
          }
          fail(n.pos, "range can only initialize variables");
        }
        fail(n.pos, "too many declarations in " + context);
      } else if (after.type == Tok::Space) {
        backup3(v, after);
      } else {
        backup2(v);
      }
    }
    for (;;) {
      Token t = next_non_space();
      if (t.type == end) {
        check_pipeline(*pipe, context, t);
        return pipe;
      }
      switch (t.type) {
        case Tok::Bool:
        case Tok::CharConstant:
        case Tok::Complex:
        case Tok::Dot:
        case Tok::Field:
        case Tok::Identifier:
        case Tok::Number:
        case Tok::Nil:
        case Tok::RawString:
        case Tok::String:
        case Tok::Variable:
        case Tok::LeftParen:
          backup();
          pipe->cmds.push_back(command());
          if (pipe->cmds.size() > kMaxPipelineCmds) fail(t.pos, "pipeline too long");
          break;
        default:
          unexpected(t, context);
      }
    }
  }

  void check_pipeline(const PipeNode& pipe, const std::string& context, const Token& at) {
    if (pipe.cmds.empty()) fail(at.pos, "missing value for " + context);
    for (size_t i = 1; i < pipe.cmds.size(); ++i) {
      switch (pipe.cmds[i]->args[0]->type) {
        case NodeType::Bool:
        case NodeType::Dot:
        case NodeType::Nil:
        case NodeType::Number:
        case NodeType::String:
          fail(pipe.cmds[i]->pos,
               "non executable command in pipeline stage " + std::to_string(i + 1));
        default:
          break;
      }
    }
  }

  std::unique_ptr<CommandNode> command() {
    auto cmd = std::make_unique<CommandNode>(peek_non_space().pos);
    for (;;) {
      peek_non_space();
      if (NodePtr op = operand()) cmd->args.push_back(std::move(op));
      Token t = next();
      if (t.type == Tok::Space) continue;
      if (t.type == Tok::RightDelim || t.type == Tok::RightParen) {
        backup();
      } else if (t.type != Tok::Pipe) {
        unexpected(t, "operand");
      }
      break;
    }
    if (cmd->args.empty()) fail(cmd->pos, "empty command");
    return cmd;
  }

  NodePtr operand() {
    NodePtr node = term();
    if (!node || peek().type != Tok::Field) return node;
    std::vector<std::string> fields;
    while (peek().type == Tok::Field) fields.emplace_back(next().val.substr(1));
    switch (node->type) {
      case NodeType::Field: {
        auto& f = static_cast<FieldNode&>(*node);
        f.ident.insert(f.ident.end(), fields.begin(), fields.end());
        return node;
      }
      case NodeType::Variable: {
        auto& v = static_cast<VariableNode&>(*node);
        v.ident.insert(v.ident.end(), fields.begin(), fields.end());
        return node;
      }
      case NodeType::Bool:
      case NodeType::String:
      case NodeType::Number:
      case NodeType::Nil:
      case NodeType::Dot:
        fail(node->pos, "unexpected . after term " + quote(node_string(*node)));
      default: {
        size_t pos = node->pos;
        auto chain = std::make_unique<ChainNode>(pos, std::move(node));
        chain->field = std::move(fields);
        return chain;
      }
    }
  }

  NodePtr term() {
    Token t = next_non_space();
    switch (t.type) {
      case Tok::Identifier: {
        const Builtin* fn = find_builtin(t.val);
        if (!fn) fail(t.pos, "function \"" + std::string(t.val) + "\" not defined");
        return std::make_unique<IdentifierNode>(t.pos, std::string(t.val), fn);
      }
      case Tok::Dot:
        return std::make_unique<Node>(NodeType::Dot, t.pos);
      case Tok::Nil:
        return std::make_unique<Node>(NodeType::Nil, t.pos);
      case Tok::Variable:
        return use_var(t);
      case Tok::Field:
        return std::make_unique<FieldNode>(t.pos, std::vector{std::string(t.val.substr(1))});
      case Tok::Bool:
        return std::make_unique<BoolNode>(t.pos, t.val == "true");
      case Tok::CharConstant:
      case Tok::Complex:
      case Tok::Number:
        return parse_number(t.pos, t.val, t.type == Tok::CharConstant, t.type == Tok::Complex);
      case Tok::LeftParen: {
        enter(t.pos);
        auto pipe = pipeline("parenthesized pipeline", Tok::RightParen);
        --depth_;
        return pipe;
      }
      case Tok::String:
      case Tok::RawString: {
        std::string text;
        if (!unquote(t.val, text)) fail(t.pos, "invalid syntax in string " + std::string(t.val));
        return std::make_unique<StringNode>(t.pos, std::string(t.val), std::move(text));
      }
      default:
        backup();
        return nullptr;
    }
  }

  NodePtr use_var(const Token& t) {
    for (const auto& v : vars_) {
      if (v == t.val) return std::make_unique<VariableNode>(t.pos, std::vector{std::string(t.val)});
    }
    fail(t.pos, "undefined variable \"" + std::string(t.val) + "\"");
  }

  Lexer lex_;
  Token token_[3];
  int peek_count_ = 0;
  std::vector<std::string> vars_{"$"};
  int range_depth_ = 0;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<ListNode> parse_template(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace nook::format::detail
