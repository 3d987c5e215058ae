#include "codegrade/lcb_decode.hpp"

#include "core/json_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <cstdint>
#include <cstring>

namespace trafl::codegrade {

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t pad = 0, symbols = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad) throw DecodeError(fmt::format("base64: data after '=' padding at offset {}", i));
    int v = value(c);
    if (v < 0)
      throw DecodeError(
          fmt::format("base64: invalid character 0x{:02x} at offset {}", static_cast<unsigned char>(c), i));
    ++symbols;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (symbols % 4 == 1) throw DecodeError("base64: truncated input (length not a multiple of 4)");
  if (pad > 2 || (pad && (symbols + pad) % 4 != 0)) throw DecodeError("base64: bad '=' padding");
  return out;
}

std::string zlib_inflate(std::string_view data, std::size_t max_out) {
  if (data.size() < 2 || (static_cast<unsigned char>(data[0]) & 0x0F) != 8 ||
      ((static_cast<unsigned char>(data[0]) << 8) | static_cast<unsigned char>(data[1])) % 31 != 0)
    throw DecodeError("zlib: no zlib header (expected 0x78 0x..)");
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw DecodeError("zlib: inflateInit failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  char buf[1 << 16];
  int rc = Z_OK;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string why = zs.msg ? zs.msg : (rc == Z_BUF_ERROR ? "truncated stream" : "error");
      inflateEnd(&zs);
      throw DecodeError("zlib: " + why);
    }
    // Checked before appending, so the string never grows (or doubles its capacity) past the limit.
    const std::size_t produced = sizeof buf - zs.avail_out;
    if (produced > max_out - out.size()) {
      inflateEnd(&zs);
      throw DecodeError(fmt::format(
          "zlib: the data inflates past {:.0f} MiB from {} compressed bytes, more than the stated maximum for one "
          "problem's tests (a zlib bomb?)",
          static_cast<double>(max_out) / (1 << 20), data.size()));
    }
    out.append(buf, produced);
    if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw DecodeError("zlib: truncated stream");
    }
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

namespace {
std::uint64_t read_le(std::string_view p, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[at + static_cast<std::size_t>(i)]);
  return v;
}
}  // namespace

std::string unpickle_str(std::string_view p) {
  std::size_t i = 0;
  bool have = false;
  std::string value;
  auto need = [&](std::size_t n, const char* what) {
    if (p.size() - i < n) throw DecodeError(fmt::format("pickle: truncated {} at offset {}", what, i));
  };
  while (true) {
    need(1, "opcode");
    unsigned char op = static_cast<unsigned char>(p[i]);
    std::size_t at = i++;
    switch (op) {
      case 0x80:  // PROTO
        need(1, "PROTO argument");
        if (at != 0) throw DecodeError("pickle: PROTO not at the start");
        if (static_cast<unsigned char>(p[i]) > 5)
          throw DecodeError(
              fmt::format("pickle: protocol {} is not supported (≤ 5)", static_cast<unsigned char>(p[i])));
        ++i;
        break;
      case 0x95:  // FRAME: 8-byte length, frame content follows inline
        need(8, "FRAME length");
        i += 8;
        break;
      case 0x8C:
      case 0x58:
      case 0x8D: {  // SHORT_BINUNICODE / BINUNICODE / BINUNICODE8
        if (have) throw DecodeError(fmt::format("pickle: more than one string (offset {})", at));
        int width = op == 0x8C ? 1 : op == 0x58 ? 4 : 8;
        need(static_cast<std::size_t>(width), "string length");
        std::uint64_t len = read_le(p, i, width);
        i += static_cast<std::size_t>(width);
        if (len > p.size() - i)
          throw DecodeError(fmt::format("pickle: truncated string at offset {} ({} bytes declared)", at, len));
        value.assign(p.data() + i, static_cast<std::size_t>(len));
        i += static_cast<std::size_t>(len);
        have = true;
        break;
      }
      case 0x94:  // MEMOIZE
        if (!have) throw DecodeError("pickle: MEMOIZE before any value");
        break;
      case 0x2E:  // STOP
        if (!have) throw DecodeError("pickle: STOP without a string");
        if (i != p.size()) throw DecodeError(fmt::format("pickle: {} bytes after STOP", p.size() - i));
        return value;
      default:
        throw DecodeError(
            fmt::format("pickle: unsupported opcode 0x{:02x} at offset {} (only a single str is accepted)", op, at));
    }
  }
}

std::vector<TestCase> parse_test_list(std::string_view json_text) {
  nlohmann::json j;
  try {
    j = parse_json_text(json_text);
  } catch (const JsonTextError& e) {
    throw DecodeError(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_array()) throw DecodeError("not a JSON list of tests");
  std::vector<TestCase> out;
  out.reserve(j.size());
  for (std::size_t k = 0; k < j.size(); ++k) {
    const auto& t = j[k];
    if (!t.is_object()) throw DecodeError(fmt::format("test {} is not an object", k));
    TestCase tc;
    for (const char* f : {"input", "output", "testtype"}) {
      auto it = t.find(f);
      if (it == t.end() || !it->is_string())
        throw DecodeError(fmt::format("test {}: field '{}' missing or not a string", k, f));
    }
    tc.input = t["input"].get<std::string>();
    tc.output = t["output"].get<std::string>();
    tc.testtype = t["testtype"].get<std::string>();
    if (tc.testtype != "stdin" && tc.testtype != "functional")
      throw DecodeError(fmt::format("test {}: testtype '{}' is neither stdin nor functional", k, tc.testtype));
    out.push_back(std::move(tc));
  }
  return out;
}

std::vector<TestCase> decode_lcb_tests(std::string_view value, bool* encoded, std::size_t max_bytes) {
  if (encoded) *encoded = false;
  auto j = nlohmann::json::accept(value.begin(), value.end());
  if (j) return parse_test_list(value);
  if (encoded) *encoded = true;
  std::string raw;
  try {
    raw = base64_decode(value);
  } catch (const DecodeError& e) {
    throw DecodeError(std::string("neither JSON nor base64+zlib+pickle: ") + e.what());
  }
  std::string text = unpickle_str(zlib_inflate(raw, max_bytes));
  try {
    return parse_test_list(text);
  } catch (const DecodeError& e) {
    throw DecodeError(std::string("decoded pickle string: ") + e.what());
  }
}

}  // namespace trafl::codegrade
