#pragma once
// Escaping for HTML and SVG text/attributes. Everything that comes from the database (model
// names, problem text, completions, answers, configurations) goes through escape() — a completion
// is hostile text and must never become markup.
#include <string>
#include <string_view>

namespace trafl::report {

// & < > " ' → entities; other C0 control characters except tab/newline/CR → U+FFFD (they are not
// allowed in XML, and an SVG with one would not parse).
std::string escape(std::string_view text);

// A file-name/anchor-safe slug: [A-Za-z0-9.-] kept, runs of anything else → '_', at most 60
// characters, followed by "-" and 8 hex digits of a hash of the full text when anything was changed
// or cut (so distinct ids never collide).
std::string slug(std::string_view text);

// Every <table> of a page we generated wrapped in <div class="wide"> (CSS: scrolls sideways), so a
// wide table never pushes the page wider than the window. Only for our own markup: database text
// is escaped, so "<table" occurs in it only as our tags.
std::string scrollable(const std::string& html);

}  // namespace trafl::report
