// Normalizers: NFC / NFD / NFKC / NFKD (utf8proc) and Sequence.
//
// Alignment: the text is normalised chunk by chunk, a chunk starting at every ASCII byte (ASCII characters
// are starters that never compose with what precedes them, so chunk-wise normalisation equals whole-string
// normalisation). An unchanged chunk keeps its per-character alignment; a changed chunk maps every output
// byte to the chunk's whole original range.
#include <utf8proc.h>

#include <cstdlib>

#include "tokenizer/internal.hpp"

namespace trafl::tok::detail {

namespace {

class UnicodeNormalizer : public Normalizer {
 public:
  UnicodeNormalizer(int options) : options_(options) {}
  void normalize(NormalizedString& s) const override {
    const std::string& t = s.text;
    bool ascii = true;
    for (char c : t) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return;
    NormalizedString out;
    out.text.reserve(t.size());
    std::size_t i = 0;
    while (i < t.size()) {
      std::size_t j = i + 1;
      while (j < t.size() && static_cast<unsigned char>(t[j]) >= 0x80) ++j;
      if (j == i + 1 && static_cast<unsigned char>(t[i]) < 0x80) {
        out.append(s.slice(i, j));
      } else {
        utf8proc_uint8_t* dst = nullptr;
        auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(t.data() + i),
                              static_cast<utf8proc_ssize_t>(j - i), &dst, static_cast<utf8proc_option_t>(options_));
        if (n < 0) {
          out.append(s.slice(i, j));  // not reachable for valid UTF-8; keep the text as is
        } else {
          std::string_view mapped(reinterpret_cast<const char*>(dst), static_cast<std::size_t>(n));
          if (mapped == std::string_view(t).substr(i, j - i)) {
            out.append(s.slice(i, j));
          } else {
            out.append_replaced(mapped, s.start[i], s.end[j - 1]);
          }
        }
        std::free(dst);
      }
      i = j;
    }
    s = std::move(out);
  }

 private:
  int options_;
};

class SequenceNormalizer : public Normalizer {
 public:
  std::vector<std::unique_ptr<Normalizer>> parts;
  void normalize(NormalizedString& s) const override {
    for (const auto& p : parts) p->normalize(s);
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const Ctx& ctx) {
  if (j.is_null()) return nullptr;
  if (!j.is_object()) fail(ctx, "expected an object or null");
  std::string type = get_string(j, "type", "", ctx);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_COMPOSE);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  if (type == "NFKD")
    return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
  if (type == "Sequence") {
    auto seq = std::make_unique<SequenceNormalizer>();
    auto it = j.find("normalizers");
    if (it == j.end() || !it->is_array()) fail(ctx.at("normalizers"), "expected an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto part = make_normalizer((*it)[i], ctx.at("normalizers").at(i));
      if (part) seq->parts.push_back(std::move(part));
    }
    return seq;
  }
  unsupported(ctx, type.empty() ? "<no type>" : type);
}

}  // namespace trafl::tok::detail
