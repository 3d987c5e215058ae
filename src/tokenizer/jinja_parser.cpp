// Jinja parser (jinja_parser.hpp): recursive descent following jinja2/parser.py's levels, lowest first:
//   condexpr (a if b else c) → or → and → not → comparison (== != < > <= >= in, not in) → + - → ~ → * / // %
//   → ** → unary - → primary with postfixes (.attr, [index], [a:b:c], (call)) and filters/tests (| f, is t).
#include "tokenizer/jinja_parser.hpp"

#include <set>

#include <fmt/format.h>

#include "tokenizer/jinja_error.hpp"

namespace trafl::chat {

namespace {

std::shared_ptr<Expr> make(Expr::Kind kind, std::size_t pos) {
  auto e = std::make_shared<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}

class Parser {
 public:
  Parser(const std::vector<Token>& t, std::string_view src, const std::string& name) : t_(t), src_(src), name_(name) {}

  Body program() {
    Body body = parse_body({});
    if (peek().type != Tok::kEnd) {
      // parse_body stops only at an end word it was asked for; at top level that is a stray one.
      fail(peek(1).pos, fmt::format("`{{% {} %}}` without a matching opening statement", peek(1).value));
    }
    return body;
  }

 private:
  const Token& peek(std::size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  [[noreturn]] void fail(std::size_t pos, const std::string& msg) const { throw TemplateError(name_, src_, pos, msg); }

  bool is_op(const char* op, std::size_t k = 0) const { return peek(k).type == Tok::kOp && peek(k).value == op; }
  bool is_name(const char* n, std::size_t k = 0) const { return peek(k).type == Tok::kName && peek(k).value == n; }
  void expect_op(const char* op) {
    if (!is_op(op)) fail(peek().pos, fmt::format("expected '{}', found {}", op, describe(peek())));
    next();
  }
  void expect_close_stmt() {
    if (peek().type != Tok::kCloseStmt) fail(peek().pos, fmt::format("expected '%}}', found {}", describe(peek())));
    next();
  }
  std::string expect_name() {
    if (peek().type != Tok::kName) fail(peek().pos, fmt::format("expected a name, found {}", describe(peek())));
    return next().value;
  }
  static std::string describe(const Token& t) {
    switch (t.type) {
      case Tok::kEnd: return "the end of the template";
      case Tok::kCloseStmt: return "'%}'";
      case Tok::kCloseExpr: return "'}}'";
      case Tok::kString: return "a string";
      default: return fmt::format("'{}'", t.value);
    }
  }

  // ---- statements ------------------------------------------------------------------------------
  // Parses until `{% <one of stop> ...` (left unconsumed) or the end.
  Body parse_body(const std::set<std::string>& stop) {
    Body body;
    while (true) {
      const Token& t = peek();
      if (t.type == Tok::kEnd) return body;
      if (t.type == Tok::kText) {
        Node n;
        n.kind = Node::Kind::kText;
        n.pos = t.pos;
        n.text = t.value;
        body.push_back(std::move(n));
        next();
        continue;
      }
      if (t.type == Tok::kOpenExpr) {
        next();
        Node n;
        n.kind = Node::Kind::kOutput;
        n.pos = t.pos;
        n.expr = expression();
        if (peek().type != Tok::kCloseExpr)
          fail(peek().pos, fmt::format("expected '}}}}', found {}", describe(peek())));
        next();
        body.push_back(std::move(n));
        continue;
      }
      if (t.type != Tok::kOpenStmt) fail(t.pos, fmt::format("unexpected {}", describe(t)));
      const Token& kw = peek(1);
      if (kw.type != Tok::kName) fail(kw.pos, fmt::format("expected a statement name, found {}", describe(kw)));
      if (stop.count(kw.value)) return body;
      static const std::set<std::string> kEnds = {"elif", "else", "endif", "endfor", "endset"};
      if (kEnds.count(kw.value))
        fail(kw.pos, fmt::format("`{{% {} %}}` without a matching opening statement", kw.value));
      next();
      next();
      if (kw.value == "if")
        body.push_back(parse_if(kw.pos));
      else if (kw.value == "for")
        body.push_back(parse_for(kw.pos));
      else if (kw.value == "set")
        body.push_back(parse_set(kw.pos));
      else
        fail(kw.pos, fmt::format("unsupported statement `{{% {} %}}` (rendered: if, elif, else, for, set)", kw.value));
    }
  }

  void expect_stmt(const char* word) {
    if (peek().type != Tok::kOpenStmt || !is_name(word, 1))
      fail(peek().pos, fmt::format("expected `{{% {} %}}`, found {}", word, describe(peek())));
    next();
    next();
  }

  Node parse_if(std::size_t pos) {
    Node n;
    n.kind = Node::Kind::kIf;
    n.pos = pos;
    ExprP cond = expression();
    expect_close_stmt();
    n.branches.emplace_back(cond, parse_body({"elif", "else", "endif"}));
    while (true) {
      if (peek().type == Tok::kEnd) fail(pos, "`{% if %}` is never closed by `{% endif %}`");
      next();  // {%
      const std::string word = next().value;
      if (word == "elif") {
        ExprP c = expression();
        expect_close_stmt();
        n.branches.emplace_back(c, parse_body({"elif", "else", "endif"}));
      } else if (word == "else") {
        expect_close_stmt();
        n.else_body = parse_body({"endif"});
        if (peek().type == Tok::kEnd) fail(pos, "`{% if %}` is never closed by `{% endif %}`");
        expect_stmt("endif");
        expect_close_stmt();
        return n;
      } else {  // endif
        expect_close_stmt();
        return n;
      }
    }
  }

  Node parse_for(std::size_t pos) {
    Node n;
    n.kind = Node::Kind::kFor;
    n.pos = pos;
    const bool paren = is_op("(");
    if (paren) next();
    n.targets.push_back(expect_name());
    while (is_op(",")) {
      next();
      n.targets.push_back(expect_name());
    }
    if (paren) expect_op(")");
    if (!is_name("in")) fail(peek().pos, fmt::format("expected 'in' in `{{% for %}}`, found {}", describe(peek())));
    next();
    n.expr = or_expr();
    if (is_name("if")) fail(peek().pos, "unsupported: a filtered loop `{% for x in y if cond %}`");
    if (is_name("recursive")) fail(peek().pos, "unsupported: a recursive loop");
    expect_close_stmt();
    n.body = parse_body({"else", "endfor"});
    if (peek().type == Tok::kEnd) fail(pos, "`{% for %}` is never closed by `{% endfor %}`");
    if (is_name("else", 1)) fail(peek(1).pos, "unsupported: `{% for %}...{% else %}`");
    expect_stmt("endfor");
    expect_close_stmt();
    return n;
  }

  Node parse_set(std::size_t pos) {
    Node n;
    n.kind = Node::Kind::kSet;
    n.pos = pos;
    n.set_name = expect_name();
    if (is_op(".")) {
      next();
      n.set_attr = expect_name();
    }
    if (is_op(",")) fail(peek().pos, "unsupported: `{% set a, b = ... %}` (tuple assignment)");
    if (peek().type == Tok::kCloseStmt) fail(pos, "unsupported: a block `{% set name %}...{% endset %}`");
    expect_op("=");
    n.expr = expression();
    expect_close_stmt();
    return n;
  }

  // ---- expressions -----------------------------------------------------------------------------
  ExprP expression() {
    ExprP e = or_expr();
    if (is_name("if")) {
      auto c = make(Expr::Kind::kCond, next().pos);
      ExprP cond = or_expr();
      ExprP alt;
      if (is_name("else")) {
        next();
        alt = expression();
      }
      c->args = {e, cond, alt};
      return c;
    }
    return e;
  }

  ExprP binary(const std::string& op, std::size_t pos, ExprP a, ExprP b) {
    auto e = make(Expr::Kind::kBinary, pos);
    e->name = op;
    e->args = {std::move(a), std::move(b)};
    return e;
  }

  ExprP or_expr() {
    ExprP e = and_expr();
    while (is_name("or")) {
      std::size_t p = next().pos;
      e = binary("or", p, e, and_expr());
    }
    return e;
  }
  ExprP and_expr() {
    ExprP e = not_expr();
    while (is_name("and")) {
      std::size_t p = next().pos;
      e = binary("and", p, e, not_expr());
    }
    return e;
  }
  ExprP not_expr() {
    if (is_name("not")) {
      auto e = make(Expr::Kind::kNot, next().pos);
      e->args = {not_expr()};
      return e;
    }
    return compare();
  }
  // The comparison operator at the cursor ("" if none); "not in" spans two tokens.
  std::string compare_op() const {
    if (peek().type == Tok::kOp) {
      static const std::set<std::string> kOps = {"==", "!=", "<", ">", "<=", ">="};
      if (kOps.count(peek().value)) return peek().value;
    }
    if (is_name("in")) return "in";
    if (is_name("not") && is_name("in", 1)) return "not in";
    return "";
  }
  ExprP compare() {
    ExprP e = math1();
    std::string op = compare_op();
    if (op.empty()) return e;
    std::size_t p = next().pos;
    if (op == "not in") next();
    e = binary(op, p, e, math1());
    if (!compare_op().empty()) fail(peek().pos, "unsupported: a chained comparison (a < b < c)");
    return e;
  }
  ExprP math1() {
    ExprP e = concat();
    while (is_op("+") || is_op("-")) {
      const Token& t = next();
      e = binary(t.value, t.pos, e, concat());
    }
    return e;
  }
  ExprP concat() {
    ExprP e = math2();
    while (is_op("~")) {
      std::size_t p = next().pos;
      e = binary("~", p, e, math2());
    }
    return e;
  }
  ExprP math2() {
    ExprP e = power();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& t = next();
      e = binary(t.value, t.pos, e, power());
    }
    return e;
  }
  ExprP power() {
    ExprP e = unary(true);
    while (is_op("**")) {
      std::size_t p = next().pos;
      e = binary("**", p, e, unary(true));
    }
    return e;
  }
  ExprP unary(bool with_filter) {
    ExprP e;
    if (is_op("-")) {
      auto n = make(Expr::Kind::kNeg, next().pos);
      n->args = {unary(false)};
      e = n;
    } else if (is_op("+")) {
      next();
      e = unary(false);
    } else {
      e = primary();
    }
    e = postfix(e);
    if (with_filter) e = filters(e);
    return e;
  }

  ExprP primary() {
    const Token& t = peek();
    switch (t.type) {
      case Tok::kString: {
        auto e = make(Expr::Kind::kLiteral, t.pos);
        std::string s;
        while (peek().type == Tok::kString) s += next().value;  // adjacent literals concatenate
        e->value = Value::string(std::move(s));
        return e;
      }
      case Tok::kInt: {
        auto e = make(Expr::Kind::kLiteral, t.pos);
        try {
          e->value = Value::integer(std::stoll(t.value));
        } catch (const std::exception&) {
          fail(t.pos, fmt::format("integer literal {} is out of range", t.value));
        }
        next();
        return e;
      }
      case Tok::kFloat: {
        auto e = make(Expr::Kind::kLiteral, t.pos);
        e->value = Value::real(std::stod(t.value));
        next();
        return e;
      }
      case Tok::kName: {
        auto e = make(Expr::Kind::kLiteral, t.pos);
        const std::string& n = t.value;
        if (n == "true" || n == "True")
          e->value = Value::boolean(true);
        else if (n == "false" || n == "False")
          e->value = Value::boolean(false);
        else if (n == "none" || n == "None")
          e->value = Value::none();
        else {
          e->kind = Expr::Kind::kName;
          e->name = n;
        }
        next();
        return e;
      }
      case Tok::kOp: {
        if (t.value == "(") {
          next();
          if (is_op(")")) {
            next();
            return make(Expr::Kind::kTuple, t.pos);
          }
          ExprP first = expression();
          if (!is_op(",")) {
            expect_op(")");
            return first;
          }
          auto tup = make(Expr::Kind::kTuple, t.pos);
          tup->args.push_back(first);
          while (is_op(",")) {
            next();
            if (is_op(")")) break;
            tup->args.push_back(expression());
          }
          expect_op(")");
          return tup;
        }
        if (t.value == "[") {
          next();
          auto list = make(Expr::Kind::kList, t.pos);
          while (!is_op("]")) {
            list->args.push_back(expression());
            if (!is_op(",")) break;
            next();
          }
          expect_op("]");
          return list;
        }
        if (t.value == "{") {
          next();
          auto dict = make(Expr::Kind::kDict, t.pos);
          while (!is_op("}")) {
            dict->args.push_back(expression());
            expect_op(":");
            dict->args.push_back(expression());
            if (!is_op(",")) break;
            next();
          }
          expect_op("}");
          return dict;
        }
        break;
      }
      default: break;
    }
    fail(t.pos, fmt::format("expected an expression, found {}", describe(t)));
  }

  ExprP postfix(ExprP e) {
    while (true) {
      if (is_op(".")) {
        next();
        auto a = make(Expr::Kind::kAttr, peek().pos);
        if (peek().type == Tok::kInt) {  // foo.0 is foo[0] in Jinja
          a->kind = Expr::Kind::kIndex;
          auto idx = make(Expr::Kind::kLiteral, peek().pos);
          idx->value = Value::integer(std::stoll(next().value));
          a->args = {e, idx};
        } else {
          a->name = expect_name();
          a->args = {e};
        }
        e = a;
      } else if (is_op("[")) {
        e = subscript(e);
      } else if (is_op("(")) {
        e = call(e);
      } else {
        return e;
      }
    }
  }

  ExprP subscript(ExprP target) {
    std::size_t p = next().pos;  // [
    ExprP bounds[3];
    int colons = 0;
    if (!is_op(":")) bounds[0] = expression();
    while (is_op(":") && colons < 2) {
      next();
      ++colons;
      if (!is_op(":") && !is_op("]")) bounds[colons] = expression();
    }
    expect_op("]");
    if (colons == 0) {
      if (!bounds[0]) fail(p, "empty subscript []");
      auto e = make(Expr::Kind::kIndex, p);
      e->args = {target, bounds[0]};
      return e;
    }
    auto e = make(Expr::Kind::kSlice, p);
    e->args = {target, bounds[0], bounds[1], bounds[2]};
    return e;
  }

  // Arguments after "(": positional, then name=value; fills e->args (after any already there) and e->kwargs.
  void arguments(Expr& e) {
    expect_op("(");
    while (!is_op(")")) {
      if (is_op("*") || is_op("**")) fail(peek().pos, "unsupported: *args / **kwargs in a call");
      if (peek().type == Tok::kName && is_op("=", 1)) {
        std::string key = next().value;
        next();
        e.kwargs.emplace_back(key, expression());
      } else {
        if (!e.kwargs.empty()) fail(peek().pos, "a positional argument after a keyword argument");
        e.args.push_back(expression());
      }
      if (!is_op(",")) break;
      next();
    }
    expect_op(")");
  }

  ExprP call(ExprP callee) {
    auto e = make(Expr::Kind::kCall, peek().pos);
    e->args.push_back(callee);
    arguments(*e);
    return e;
  }

  ExprP filters(ExprP e) {
    while (true) {
      if (is_op("|")) {
        next();
        auto f = make(Expr::Kind::kFilter, peek().pos);
        f->name = expect_name();
        while (is_op(".")) {  // dotted filter names
          next();
          f->name += "." + expect_name();
        }
        f->args.push_back(e);
        if (is_op("(")) arguments(*f);
        e = f;
      } else if (is_name("is")) {
        next();
        auto t = make(Expr::Kind::kTest, peek().pos);
        if (is_name("not")) {
          next();
          t->negated = true;
        }
        // Tests named like literals (`is none`, `is true`) arrive as names here.
        t->name = expect_name();
        t->args.push_back(e);
        if (is_op("(")) {
          arguments(*t);
        } else {
          static const std::set<std::string> kStop = {"and", "or", "else", "if", "not", "in", "is"};
          const Token& a = peek();
          if (a.type == Tok::kInt || a.type == Tok::kFloat || a.type == Tok::kString ||
              (a.type == Tok::kName && !kStop.count(a.value)))
            t->args.push_back(postfix(primary()));
        }
        e = t;
      } else if (is_op("(")) {
        e = call(e);
      } else {
        return e;
      }
    }
  }

  const std::vector<Token>& t_;
  std::size_t i_ = 0;
  std::string_view src_;
  const std::string& name_;
};

}  // namespace

Body parse(const std::vector<Token>& tokens, std::string_view source, const std::string& source_name) {
  return Parser(tokens, source, source_name).program();
}

}  // namespace trafl::chat
