#pragma once
// The syntax tree of a chat template (src/tokenizer/jinja_*): what jinja_parser.cpp builds and jinja_evaluator.cpp walks.
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/jinja_value.hpp"

namespace trafl::chat {

struct Expr;
using ExprP = std::shared_ptr<const Expr>;

struct Expr {
  enum class Kind {
    kLiteral,  // value
    kName,     // name
    kList,     // args = items
    kTuple,    // args = items
    kDict,     // args = key0, value0, key1, value1, ...
    kAttr,     // args[0].name
    kIndex,    // args[0][args[1]]
    kSlice,    // args[0][args[1]:args[2]:args[3]] (a missing bound is nullptr)
    kCall,     // args[0](args[1..], kwargs)
    kFilter,   // args[0] | name(args[1..], kwargs)
    kTest,     // args[0] is [not] name(args[1..])
    kNot,      // not args[0]
    kNeg,      // -args[0]
    kBinary,   // args[0] name args[1]; name is the operator ("and", "or", "in", "not in", "==", "~", ...)
    kCond,     // args[0] if args[1] else args[2] (args[2] nullptr: undefined)
  };
  Kind kind;
  std::size_t pos = 0;  // byte offset in the template
  Value value;
  std::string name;
  bool negated = false;  // Test: "is not"
  std::vector<ExprP> args;
  std::vector<std::pair<std::string, ExprP>> kwargs;
};

struct Node;
using Body = std::vector<Node>;

struct Node {
  enum class Kind { kText, kOutput, kIf, kFor, kSet };
  Kind kind;
  std::size_t pos = 0;
  std::string text;                              // Text
  ExprP expr;                                    // Output; For: the iterable; Set: the value
  std::vector<std::pair<ExprP, Body>> branches;  // If: (condition, body) for if and each elif
  Body else_body;                                // If: else
  std::vector<std::string> targets;              // For: the loop variables (several = tuple unpacking)
  Body body;                                     // For
  std::string set_name, set_attr;                // Set: `set name = ...` or `set name.attr = ...`
};

}  // namespace trafl::chat
