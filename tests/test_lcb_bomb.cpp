// A zlib bomb in LiveCodeBench's private tests (issue 22): refused quickly, with a message that says
// which limit it passed, instead of inflating to whatever it holds.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <chrono>
#include <string>

#include "codegrade/lcb_decode.hpp"
#include "core/error.hpp"

using Catch::Contains;

namespace {

// A zlib stream that inflates to `mib` MiB of zeros from ~1 KB per MiB: one raw deflate segment of
// 1 MiB of zeros ended by a full flush (byte-aligned, no back-references across it) repeated `mib`
// times, then a final empty block and the Adler-32 of the whole. Built without deflating `mib` MiB.
std::string zlib_bomb(std::size_t mib) {
  std::string zeros(1 << 20, '\0');
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string segment(compressBound(zeros.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(&zeros[0]);
  zs.avail_in = static_cast<uInt>(zeros.size());
  zs.next_out = reinterpret_cast<Bytef*>(&segment[0]);
  zs.avail_out = static_cast<uInt>(segment.size());
  REQUIRE(deflate(&zs, Z_FULL_FLUSH) == Z_OK);
  segment.resize(segment.size() - zs.avail_out);
  deflateEnd(&zs);
  std::string out = "\x78\xda";
  uLong adler = adler32(0L, Z_NULL, 0);
  for (std::size_t i = 0; i < mib; ++i) {
    out += segment;
    adler = adler32(adler, reinterpret_cast<const Bytef*>(zeros.data()), static_cast<uInt>(zeros.size()));
  }
  out += std::string("\x03\x00", 2);  // final fixed-Huffman block holding only end-of-block
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((adler >> s) & 0xFF);
  return out;
}

}  // namespace

TEST_CASE("lcb decode: a zlib bomb in private_test_cases stops at the stated per-problem maximum", "[code][limits]") {
  using namespace trafl::codegrade;
  // The bomb is well formed: small sizes inflate exactly.
  CHECK(zlib_inflate(zlib_bomb(2)) == std::string(2 << 20, '\0'));
  // 300 MiB from ~300 KB (base64: ~400 KB), as in the report (680 KB -> 724 MB, 5.9 s).
  std::string field = base64_encode(zlib_bomb(300));
  CHECK(field.size() < 600'000);
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(decode_lcb_tests(field), Contains("256 MiB") && Contains("maximum for one problem"));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds < 15.0);  // ~1 s on a quiet machine (bomb built, encoded, refused): the inflation stops at the limit
  // A caller's smaller limit applies the same way.
  CHECK_THROWS_WITH(zlib_inflate(zlib_bomb(3), std::size_t(2) << 20), Contains("2 MiB"));
  CHECK(zlib_inflate(zlib_bomb(2), std::size_t(2) << 20).size() == std::size_t(2) << 20);
}
