#include "report/html.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace trafl::report {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
          out += "\xEF\xBF\xBD";
        else
          out += ch;
    }
  }
  return out;
}

std::string slug(std::string_view text) {
  std::string out;
  bool changed = false;
  for (char ch : text) {
    const bool ok =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
    if (ok) {
      out += ch;
    } else {
      changed = true;
      if (!out.empty() && out.back() != '_') out += '_';
    }
  }
  if (out.size() > 60) {
    out.resize(60);
    changed = true;
  }
  if (out.empty() || out.front() == '.') {  // no hidden files, no empty names
    out.insert(0, "x");
    changed = true;
  }
  if (!changed) return out;
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (char ch : text) h = (h ^ static_cast<unsigned char>(ch)) * 16777619u;
  return fmt::format("{}-{:08x}", out, h);
}

std::string scrollable(const std::string& html) {
  std::string out;
  out.reserve(html.size() + 1024);
  std::size_t pos = 0;
  for (std::size_t at; (at = html.find("<table", pos)) != std::string::npos;) {
    const std::size_t end = html.find("</table>", at);
    if (end == std::string::npos) break;
    out.append(html, pos, at - pos);
    out += "<div class=\"wide\">";
    out.append(html, at, end + 8 - at);
    out += "</div>";
    pos = end + 8;
  }
  out.append(html, pos, std::string::npos);
  return out;
}

}  // namespace trafl::report
