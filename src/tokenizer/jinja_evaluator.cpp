// Renders a parsed template (jinja_template.hpp): walks the syntax tree with a stack of scopes. A `for` body gets a
// fresh scope per iteration, so `set` inside a loop does not leak out (Jinja's rule, the reason templates use
// `namespace()`); `if` bodies share their enclosing scope.
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "tokenizer/jinja_builtins.hpp"
#include "tokenizer/jinja_lexer.hpp"
#include "tokenizer/jinja_parser.hpp"
#include "tokenizer/jinja_template.hpp"
#include "tokenizer/jinja_error.hpp"
#include "tokenizer/jinja_text.hpp"

namespace trafl::chat {

Template::Template(std::string source, std::string source_name, Whitespace ws)
    : source_(std::make_shared<const std::string>(std::move(source))),
      name_(std::make_shared<const std::string>(std::move(source_name))) {
  body_ = std::make_shared<const Body>(parse(tokenize(*source_, *name_, ws), *source_, *name_));
}

namespace {

class Renderer {
 public:
  Renderer(const std::string& src, const std::string& name, const Value& context, bool strict)
      : src_(src), name_(name), strict_(strict) {
    scopes_.emplace_back();
    if (context.is_object())
      for (const auto& [k, v] : context.as_object()) scopes_.back()[k] = v;
  }

  void body(const Body& b, std::string& out) {
    for (const Node& n : b) node(n, out);
  }

 private:
  using Scope = std::unordered_map<std::string, Value>;

  [[noreturn]] void fail(std::size_t pos, const std::string& msg) const { throw TemplateError(name_, src_, pos, msg); }

  Value lookup(const std::string& n) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto f = it->find(n);
      if (f != it->end()) return f->second;
    }
    return Value();
  }

  void node(const Node& n, std::string& out) {
    switch (n.kind) {
      case Node::Kind::kText: out += n.text; return;
      case Node::Kind::kOutput: {
        Value v = eval(*n.expr);
        try {
          out += to_display(v);
        } catch (const TemplateError&) {
          throw;
        } catch (const std::runtime_error& e) {
          fail(n.expr->pos, e.what());
        }
        return;
      }
      case Node::Kind::kIf:
        for (const auto& [cond, b] : n.branches)
          if (eval(*cond).truthy()) return body(b, out);
        return body(n.else_body, out);
      case Node::Kind::kFor: return loop(n, out);
      case Node::Kind::kSet: {
        Value v = eval(*n.expr);
        if (n.set_attr.empty()) {
          scopes_.back()[n.set_name] = v;
          return;
        }
        Value ns = lookup(n.set_name);
        if (!ns.is_namespace())
          fail(n.pos, fmt::format("`set {}.{}` needs {} to be a namespace(), it is a {}", n.set_name, n.set_attr,
                                  n.set_name, ns.type_name()));
        ns.set(n.set_attr, v);  // shared: every scope that sees the namespace sees the change
        return;
      }
    }
  }

  void loop(const Node& n, std::string& out) {
    const Value seq = eval(*n.expr);
    Array items;
    if (seq.is_array())
      items = seq.as_array();
    else if (seq.is_object())
      for (const auto& [k, v] : seq.as_object()) items.push_back(Value::string(k));
    else if (seq.is_string())
      for (auto& c : code_points(seq.as_string())) items.push_back(Value::string(std::move(c)));
    else if (!seq.is_undefined())
      fail(n.expr->pos, fmt::format("cannot loop over a {}", seq.type_name()));
    const auto len = static_cast<std::int64_t>(items.size());
    for (std::int64_t i = 0; i < len; ++i) {
      Scope scope;
      const Value& item = items[static_cast<std::size_t>(i)];
      if (n.targets.size() == 1) {
        scope[n.targets[0]] = item;
      } else {
        if (!item.is_array() || item.as_array().size() != n.targets.size())
          fail(n.pos, fmt::format("cannot unpack a {} into {} loop variables", item.type_name(), n.targets.size()));
        for (std::size_t k = 0; k < n.targets.size(); ++k) scope[n.targets[k]] = item.as_array()[k];
      }
      Object lp = {{"index", Value::integer(i + 1)},
                   {"index0", Value::integer(i)},
                   {"revindex", Value::integer(len - i)},
                   {"revindex0", Value::integer(len - i - 1)},
                   {"first", Value::boolean(i == 0)},
                   {"last", Value::boolean(i == len - 1)},
                   {"length", Value::integer(len)},
                   {"previtem", i > 0 ? items[static_cast<std::size_t>(i - 1)] : Value()},
                   {"nextitem", i + 1 < len ? items[static_cast<std::size_t>(i + 1)] : Value()}};
      scope["loop"] = Value::object(std::move(lp));
      scopes_.push_back(std::move(scope));
      body(n.body, out);
      scopes_.pop_back();
    }
  }

  CallArgs arguments(const Expr& e, std::size_t first) {
    CallArgs a;
    for (std::size_t i = first; i < e.args.size(); ++i) a.args.push_back(eval(*e.args[i]));
    for (const auto& [k, v] : e.kwargs) a.kwargs.emplace_back(k, eval(*v));
    return a;
  }

  Value eval(const Expr& e) {
    using K = Expr::Kind;
    switch (e.kind) {
      case K::kLiteral: return e.value;
      case K::kName:
        return defined_or_fail(lookup(e.name), e.pos, [&] { return fmt::format("'{}' is undefined", e.name); });
      case K::kList:
      case K::kTuple: {
        Array a;
        for (const auto& x : e.args) a.push_back(eval(*x));
        return Value::array(std::move(a));
      }
      case K::kDict: {
        Value d = Value::object({});
        for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
          Value k = eval(*e.args[i]);
          if (!k.is_string())
            fail(e.args[i]->pos, fmt::format("dict keys must be strings here, got a {}", k.type_name()));
          d.set(k.as_string(), eval(*e.args[i + 1]));
        }
        return d;
      }
      case K::kAttr: {
        Value t = eval(*e.args[0]);
        if (t.is_undefined()) fail(e.pos, fmt::format("attribute '{}' of an undefined value", e.name));
        if (t.is_object())
          return defined_or_fail(t.get(e.name), e.pos, [&] { return fmt::format("no key '{}'", e.name); });
        if (t.is_none()) return Value();
        fail(e.pos,
             fmt::format("attribute '{}' of a {} (only dict keys, or a method that is called)", e.name, t.type_name()));
      }
      case K::kIndex: return index(e);
      case K::kSlice: return slice(e);
      case K::kCall: return call(e);
      case K::kFilter: return builtin(e, "filter", e.name, apply_filter);
      case K::kTest: {
        // `x is defined` asks about an undefined x without using it: StrictUndefined allows that.
        const bool asks_defined = e.name == "defined" || e.name == "undefined";
        lenient_ += asks_defined;
        const bool r = builtin(e, "test", "is " + e.name, apply_test) != e.negated;
        lenient_ -= asks_defined;
        return Value::boolean(r);
      }
      case K::kNot: return Value::boolean(!eval(*e.args[0]).truthy());
      case K::kNeg: {
        Value v = eval(*e.args[0]);
        if (v.kind() == Value::Kind::kInt) return Value::integer(-v.as_int());
        if (v.kind() == Value::Kind::kFloat) return Value::real(-v.as_number());
        fail(e.pos, fmt::format("cannot negate a {}", v.type_name()));
      }
      case K::kBinary: return binary(e);
      case K::kCond: {
        if (eval(*e.args[1]).truthy()) return eval(*e.args[0]);
        return e.args[2] ? eval(*e.args[2]) : Value();
      }
    }
    fail(e.pos, "unknown expression");
  }

  // A filter or test: its operand args[0], its arguments args[1..]; a bad argument (std::runtime_error from
  // jinja_builtins) or an unknown name becomes a TemplateError at the call's position.
  template <class Apply>
  auto builtin(const Expr& e, const char* what, const std::string& shown, Apply apply) ->
      typename std::invoke_result_t<Apply, const std::string&, const Value&, const CallArgs&>::value_type {
    Value v = eval(*e.args[0]);
    CallArgs a = arguments(e, 1);
    decltype(apply(e.name, v, a)) r;
    try {
      r = apply(e.name, v, a);
    } catch (const std::runtime_error& x) {
      fail(e.pos, fmt::format("{} '{}': {}", what, e.name, x.what()));
    }
    if (!r) fail(e.pos, fmt::format("unsupported {} '{}'", what, shown));
    return *r;
  }

  // Python's index normalisation: negative counts from the end; nullopt when out of range.
  static std::optional<std::size_t> normalise(std::int64_t i, std::size_t size) {
    const auto n = static_cast<std::int64_t>(size);
    if (i < 0) i += n;
    if (i < 0 || i >= n) return std::nullopt;
    return static_cast<std::size_t>(i);
  }

  Value index(const Expr& e) {
    Value t = eval(*e.args[0]);
    Value k = eval(*e.args[1]);
    if (t.is_undefined()) fail(e.pos, "indexing an undefined value");
    // StrictUndefined: x['missing'] and x[99] are errors too, as names and attributes are.
    return defined_or_fail(lookup_item(t, k), e.pos, [&] {
      return fmt::format("no item {} in a {}", k.is_string() ? "'" + k.as_string() + "'" : to_json(k), t.type_name());
    });
  }

  // StrictUndefined (jinja2): using an undefined name, key or item is an error, but asking `is defined` is not.
  template <typename Message>
  Value defined_or_fail(Value v, std::size_t pos, Message&& message) {
    if (strict_ && lenient_ == 0 && v.is_undefined()) fail(pos, message());
    return v;
  }

  static Value lookup_item(const Value& t, const Value& k) {
    if (t.is_object()) return k.is_string() ? t.get(k.as_string()) : Value();
    if ((t.is_array() || t.is_string()) && k.kind() == Value::Kind::kInt) {
      if (t.is_array()) {
        auto i = normalise(k.as_int(), t.as_array().size());
        return i ? t.as_array()[*i] : Value();
      }
      auto cps = code_points(t.as_string());
      auto i = normalise(k.as_int(), cps.size());
      return i ? Value::string(cps[*i]) : Value();
    }
    return Value();  // Jinja: a failed lookup is undefined
  }

  Value slice(const Expr& e) {
    Value t = eval(*e.args[0]);
    auto bound = [&](std::size_t i) -> std::optional<std::int64_t> {
      if (!e.args[i]) return std::nullopt;
      Value v = eval(*e.args[i]);
      if (v.is_none()) return std::nullopt;
      if (v.kind() != Value::Kind::kInt) fail(e.args[i]->pos, "slice bounds must be integers");
      return v.as_int();
    };
    const auto start = bound(1), stop = bound(2), step_b = bound(3);
    const std::int64_t step = step_b.value_or(1);
    if (step == 0) fail(e.pos, "slice step cannot be zero");
    Array src;
    if (t.is_array())
      src = t.as_array();
    else if (t.is_string())
      for (auto& c : code_points(t.as_string())) src.push_back(Value::string(std::move(c)));
    else
      fail(e.pos, fmt::format("cannot slice a {}", t.type_name()));
    // Python's slice.indices()
    const auto n = static_cast<std::int64_t>(src.size());
    auto clamp = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
      if (!v) return dflt;
      std::int64_t x = *v;
      if (x < 0) x += n;
      if (step > 0) return std::max<std::int64_t>(0, std::min(x, n));
      return std::max<std::int64_t>(-1, std::min(x, n - 1));
    };
    const std::int64_t b = clamp(start, step > 0 ? 0 : n - 1), en = clamp(stop, step > 0 ? n : -1);
    Array out;
    for (std::int64_t i = b; step > 0 ? i < en : i > en; i += step) out.push_back(src[static_cast<std::size_t>(i)]);
    if (t.is_string()) {
      std::string s;
      for (const auto& c : out) s += c.as_string();
      return Value::string(s);
    }
    return Value::array(std::move(out));
  }

  Value call(const Expr& e) {
    const Expr& callee = *e.args[0];
    if (callee.kind == Expr::Kind::kAttr) {  // a method: target.name(...)
      Value t = eval(*callee.args[0]);
      if (t.is_undefined()) fail(callee.pos, fmt::format("method '{}' of an undefined value", callee.name));
      CallArgs a = arguments(e, 1);
      std::optional<Value> r;
      try {
        r = call_method(t, callee.name, a);
      } catch (const std::runtime_error& x) {
        fail(callee.pos, fmt::format("{}(): {}", callee.name, x.what()));
      }
      if (!r) fail(callee.pos, fmt::format("unsupported method '{}' of a {}", callee.name, t.type_name()));
      return *r;
    }
    if (callee.kind != Expr::Kind::kName) fail(e.pos, "unsupported: calling something that is not a name or a method");
    CallArgs a = arguments(e, 1);
    if (callee.name == "raise_exception") {
      fail(callee.pos, fmt::format("the template raised: {}", a.args.empty() ? "" : to_display(a.args[0])));
    }
    if (callee.name == "namespace") {
      Value ns = Value::object({}, /*is_namespace=*/true);
      if (!a.args.empty()) fail(callee.pos, "namespace() with positional arguments is not supported");
      for (auto& [k, v] : a.kwargs) ns.set(k, v);
      return ns;
    }
    if (callee.name == "range") {
      std::int64_t r[3] = {0, 0, 1};
      if (a.args.empty() || a.args.size() > 3 || !a.kwargs.empty()) fail(callee.pos, "range() takes 1 to 3 integers");
      for (const auto& v : a.args)
        if (v.kind() != Value::Kind::kInt) fail(callee.pos, "range() takes integers");
      if (a.args.size() == 1)
        r[1] = a.args[0].as_int();
      else
        for (std::size_t i = 0; i < a.args.size(); ++i) r[i] = a.args[i].as_int();
      if (r[2] == 0) fail(callee.pos, "range() step cannot be zero");
      Array out;
      for (std::int64_t i = r[0]; r[2] > 0 ? i < r[1] : i > r[1]; i += r[2]) out.push_back(Value::integer(i));
      return Value::array(std::move(out));
    }
    fail(callee.pos,
         fmt::format("unsupported function '{}' (supported: raise_exception, namespace, range)", callee.name));
  }

  Value binary(const Expr& e) {
    const std::string& op = e.name;
    if (op == "and") {
      Value a = eval(*e.args[0]);
      return a.truthy() ? eval(*e.args[1]) : a;
    }
    if (op == "or") {
      Value a = eval(*e.args[0]);
      return a.truthy() ? a : eval(*e.args[1]);
    }
    Value a = eval(*e.args[0]), b = eval(*e.args[1]);
    if (op == "==") return Value::boolean(equal(a, b));
    if (op == "!=") return Value::boolean(!equal(a, b));
    if (op == "~") {
      try {
        return Value::string(to_display(a) + to_display(b));
      } catch (const std::runtime_error& x) {
        fail(e.pos, x.what());
      }
    }
    if (op == "in" || op == "not in") {
      bool found = false;
      if (b.is_string()) {
        if (!a.is_string())
          fail(e.pos, fmt::format("'in <string>' needs a string on the left, got a {}", a.type_name()));
        found = b.as_string().find(a.as_string()) != std::string::npos;
      } else if (b.is_array()) {
        for (const auto& x : b.as_array()) found = found || equal(a, x);
      } else if (b.is_object()) {
        found = a.is_string() && !b.get(a.as_string()).is_undefined();
      } else if (!b.is_undefined()) {
        fail(e.pos, fmt::format("'in' needs a string, list or dict on the right, got a {}", b.type_name()));
      }
      return Value::boolean(found != (op == "not in"));
    }
    if (op == "+" && a.is_string() && b.is_string()) return Value::string(a.as_string() + b.as_string());
    if (op == "+" && a.is_array() && b.is_array()) {
      Array out = a.as_array();
      out.insert(out.end(), b.as_array().begin(), b.as_array().end());
      return Value::array(std::move(out));
    }
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      int c;
      if (a.is_number() && b.is_number())
        c = a.as_number() < b.as_number() ? -1 : a.as_number() > b.as_number() ? 1 : 0;
      else if (a.is_string() && b.is_string())
        c = a.as_string().compare(b.as_string());  // UTF-8 order = code point order
      else
        fail(e.pos, fmt::format("cannot compare a {} with a {}", a.type_name(), b.type_name()));
      return Value::boolean(op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0);
    }
    if (a.is_number() && b.is_number()) return arithmetic(e, a, b);
    fail(e.pos, fmt::format("unsupported operation: {} {} {}", a.type_name(), op, b.type_name()));
  }

  Value arithmetic(const Expr& e, const Value& a, const Value& b) {
    const std::string& op = e.name;
    const bool ints = a.kind() == Value::Kind::kInt && b.kind() == Value::Kind::kInt;
    const double x = a.as_number(), y = b.as_number();
    if (op == "+") return ints ? Value::integer(a.as_int() + b.as_int()) : Value::real(x + y);
    if (op == "-") return ints ? Value::integer(a.as_int() - b.as_int()) : Value::real(x - y);
    if (op == "*") return ints ? Value::integer(a.as_int() * b.as_int()) : Value::real(x * y);
    if ((op == "/" || op == "//" || op == "%") && y == 0) fail(e.pos, "division by zero");
    if (op == "/") return Value::real(x / y);
    if (op == "//") {
      if (ints) {  // Python floors toward negative infinity
        std::int64_t q = a.as_int() / b.as_int();
        if ((a.as_int() % b.as_int() != 0) && ((a.as_int() < 0) != (b.as_int() < 0))) --q;
        return Value::integer(q);
      }
      return Value::real(std::floor(x / y));
    }
    if (op == "%") {
      if (ints) {
        std::int64_t r = a.as_int() % b.as_int();
        if (r != 0 && ((r < 0) != (b.as_int() < 0))) r += b.as_int();
        return Value::integer(r);
      }
      double r = std::fmod(x, y);
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      return Value::real(r);
    }
    if (op == "**") {
      if (ints && b.as_int() >= 0) {
        std::int64_t r = 1;
        for (std::int64_t i = 0; i < b.as_int(); ++i) r *= a.as_int();
        return Value::integer(r);
      }
      return Value::real(std::pow(x, y));
    }
    fail(e.pos, fmt::format("unsupported operator '{}'", op));
  }

  const std::string& src_;
  const std::string& name_;
  std::vector<Scope> scopes_;
  const bool strict_;  // jinja2's StrictUndefined: using a missing name or key is an error
  int lenient_ = 0;    // > 0 inside `is defined` / `is undefined`
};

}  // namespace

std::string Template::render(const Value& context, bool strict_undefined) const {
  Renderer r(*source_, *name_, context, strict_undefined);
  std::string out;
  r.body(*body_, out);
  return out;
}

}  // namespace trafl::chat
