// Encoding test lists the way LiveCodeBench publishes private tests (see lcb_decode.hpp).
#include <zlib.h>

#include <cstdint>
#include <stdexcept>

#include "codegrade/lcb_decode.hpp"

namespace trafl::codegrade {

namespace {
void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

std::string pickle_str(std::string_view text) {
  // CPython's protocol-4 writer: PROTO 4, a FRAME around the ops (only below 64 KiB — larger
  // strings are written unframed), SHORT_BINUNICODE (< 256 bytes) or BINUNICODE, MEMOIZE, STOP.
  std::string body;
  if (text.size() < 256) {
    body.push_back('\x8c');
    put_le(body, text.size(), 1);
  } else if (text.size() <= 0xffffffffu) {
    body.push_back('X');
    put_le(body, text.size(), 4);
  } else {
    body.push_back('\x8d');
    put_le(body, text.size(), 8);
  }
  body.append(text);
  body.push_back('\x94');
  body.push_back('.');
  std::string out = "\x80\x04";
  if (body.size() < (64u << 10)) {
    out.push_back('\x95');
    put_le(out, body.size(), 8);
  }
  return out + body;
}

std::string base64_encode(std::string_view bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string encode_lcb_tests(std::string_view json_text) {
  std::string raw = pickle_str(json_text);
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string z(size, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                     static_cast<uLong>(raw.size()), 9);
  if (rc != Z_OK) throw std::runtime_error("zlib compress2 failed");
  z.resize(size);
  return base64_encode(z);
}

}  // namespace trafl::codegrade
