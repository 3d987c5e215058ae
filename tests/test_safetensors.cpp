// SafeTensors reader/writer, dtype conversions, corrupt files and a small fuzz. Tag [checkpoint].
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "checkpoint/dtype.hpp"
#include "checkpoint/safetensors.hpp"
#include "tests/support.hpp"

using namespace trafl::checkpoint;
using trafl::InputError;
using trafl::test::TempDir;

namespace {

std::uint32_t f32_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// 8-byte LE length + header + data, exactly as given (no padding).
std::string raw_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

// Loads `bytes` from a file named `name` in `dir`; returns the error text ("" when it loaded).
std::string load_error(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir.file(name);
  trafl::test::write_file(path, bytes);
  try {
    SafeTensorsFile f(path);
    return "";
  } catch (const InputError& e) {
    return e.what();
  }
}

std::vector<unsigned char> pattern_bytes(std::size_t n, unsigned seed) {
  std::vector<unsigned char> b(n);
  std::mt19937 rng(seed);
  for (auto& x : b) x = static_cast<unsigned char>(rng());
  return b;
}

// A small valid file image: a few dtypes, a scalar and a zero-size tensor.
std::string valid_file_bytes(const TempDir& dir) {
  std::vector<OwnedTensor> ts;
  ts.push_back({"model.transformer.blocks.0.q_proj.weight", DType::kBf16, {4, 3}, pattern_bytes(24, 1)});
  ts.push_back({"model.transformer.ln_f.weight", DType::kF32, {3}, pattern_bytes(12, 2)});
  ts.push_back({"step", DType::kI64, {}, pattern_bytes(8, 3)});
  ts.push_back({"empty", DType::kF16, {0, 5}, {}});
  ts.push_back({"flags", DType::kBool, {5}, {1, 0, 1, 1, 0}});
  const std::string path = dir.file("valid.safetensors");
  write_safetensors(path, ts, {{"format", "pt"}});
  return trafl::test::read_file(path);
}

}  // namespace

// ---- dtype conversions -------------------------------------------------------------------------
TEST_CASE("dtype names, sizes and parsing", "[checkpoint]") {
  const std::vector<std::pair<std::string, std::size_t>> expected = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
  REQUIRE(expected.size() == static_cast<std::size_t>(kDTypeCount));
  for (const auto& [name, size] : expected) {
    auto t = parse_dtype(name);
    REQUIRE(t);
    CHECK(dtype_name(*t) == name);
    CHECK(dtype_size(*t) == size);
  }
  CHECK_FALSE(parse_dtype("F4"));
  CHECK_FALSE(parse_dtype("bf16"));
  CHECK_FALSE(parse_dtype("C64"));
  DTypeSet s{DType::kBf16, DType::kF32};
  CHECK(s.contains(DType::kBf16));
  CHECK_FALSE(s.contains(DType::kF16));
  CHECK(s.to_string() == "{BF16, F32}");
  CHECK(DTypeSet::any().contains(DType::kU64));
}

TEST_CASE("bf16 <-> f32 incl. subnormals, inf and NaN", "[checkpoint]") {
  CHECK(bf16_to_f32(0x3F80) == 1.0f);
  CHECK(bf16_to_f32(0x4000) == 2.0f);
  CHECK(bf16_to_f32(0xBF00) == -0.5f);
  CHECK(bf16_to_f32(0x0001) == std::ldexp(1.0f, -133));  // smallest subnormal
  CHECK(std::isinf(bf16_to_f32(0x7F80)));
  CHECK(bf16_to_f32(0xFF80) < 0);
  CHECK(std::isnan(bf16_to_f32(0x7FC0)));
  CHECK(std::signbit(bf16_to_f32(0x8000)));
  // Round to nearest even.
  CHECK(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3F80);      // tie -> even (down)
  CHECK(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3F82);  // tie -> even (up)
  CHECK(f32_to_bf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)) == 0x3F81);
  CHECK(f32_to_bf16(std::numeric_limits<float>::max()) == 0x7F80);  // rounds to inf
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
  std::uint32_t snan_bits = 0x7F800001;  // NaN whose payload is all in the low bits must stay NaN
  float snan;
  std::memcpy(&snan, &snan_bits, 4);
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(snan))));
  // Every non-NaN bf16 survives bf16 -> f32 -> bf16.
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const float f = bf16_to_f32(static_cast<std::uint16_t>(b));
    if (std::isnan(f)) continue;
    if (f32_to_bf16(f) != b) FAIL("bf16 round trip failed for " << b);
  }
}

TEST_CASE("f16 <-> f32 incl. subnormals, inf and NaN", "[checkpoint]") {
  CHECK(f16_to_f32(0x3C00) == 1.0f);
  CHECK(f16_to_f32(0xC000) == -2.0f);
  CHECK(f16_to_f32(0x7BFF) == 65504.0f);
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(f16_to_f32(0x03FF) == std::ldexp(1023.0f, -24));
  CHECK(f16_to_f32(0x0400) == std::ldexp(1.0f, -14));
  CHECK(f16_to_f32(0x7C00) == std::numeric_limits<float>::infinity());
  CHECK(f16_to_f32(0xFC00) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(f16_to_f32(0x7E00)));
  CHECK(std::isnan(f16_to_f32(0x7C01)));
  CHECK(std::signbit(f16_to_f32(0x8000)));
  CHECK(f32_to_f16(65519.0f) == 0x7BFF);
  CHECK(f32_to_f16(65520.0f) == 0x7C00);  // tie at the top rounds to inf
  CHECK(f32_to_f16(1e10f) == 0x7C00);
  CHECK(f32_to_f16(-1e10f) == 0xFC00);
  CHECK(f32_to_f16(std::ldexp(1.0f, -25)) == 0x0000);      // tie -> even (zero)
  CHECK(f32_to_f16(3 * std::ldexp(1.0f, -25)) == 0x0002);  // tie -> even
  CHECK(f32_to_f16(std::ldexp(1.0f, -26)) == 0x0000);
  CHECK(f32_to_f16(-0.0f) == 0x8000);
  CHECK(f32_to_f16(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);
  CHECK(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);
  CHECK(f32_to_f16(std::ldexp(1023.5f, -24)) == 0x0400);  // largest subnormal + half ulp -> min normal
  CHECK(std::isnan(f16_to_f32(f32_to_f16(std::nanf("")))));
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const float f = f16_to_f32(static_cast<std::uint16_t>(b));
    if (std::isnan(f)) continue;
    if (f32_to_f16(f) != b) FAIL("f16 round trip failed for " << b);
  }
  // f32 -> f16 agrees with rounding through double for a sweep of values.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> expo(-30.0f, 17.0f);
  for (int i = 0; i < 20000; ++i) {
    const float v = std::exp2(expo(rng)) * (rng() & 1 ? 1.0f : -1.0f);
    const std::uint16_t h = f32_to_f16(v);
    const float back = f16_to_f32(h);
    if (std::isinf(back)) continue;
    // No other half is strictly closer.
    const float up = f16_to_f32(static_cast<std::uint16_t>(h + 1));
    const float down = (h & 0x7fff) ? f16_to_f32(static_cast<std::uint16_t>(h - 1)) : back;
    if (std::fabs(up - v) < std::fabs(back - v) || std::fabs(down - v) < std::fabs(back - v))
      FAIL("f32_to_f16 not nearest for " << v);
  }
}

TEST_CASE("f8 decodings", "[checkpoint]") {
  CHECK(f8e4m3_to_f32(0x38) == 1.0f);
  CHECK(f8e4m3_to_f32(0x7E) == 448.0f);
  CHECK(f8e4m3_to_f32(0xFE) == -448.0f);
  CHECK(std::isnan(f8e4m3_to_f32(0x7F)));
  CHECK(std::isnan(f8e4m3_to_f32(0xFF)));
  CHECK(f8e4m3_to_f32(0x01) == std::ldexp(1.0f, -9));
  CHECK(f8e4m3_to_f32(0x08) == std::ldexp(1.0f, -6));
  CHECK(f8e5m2_to_f32(0x3C) == 1.0f);
  CHECK(f8e5m2_to_f32(0x7B) == 57344.0f);
  CHECK(std::isinf(f8e5m2_to_f32(0x7C)));
  CHECK(std::isnan(f8e5m2_to_f32(0x7D)));
  CHECK(f8e5m2_to_f32(0x01) == std::ldexp(1.0f, -16));
}

TEST_CASE("convert_to_f32 reads every dtype from unaligned memory", "[checkpoint]") {
  alignas(16) unsigned char buf[64] = {};
  unsigned char* p = buf + 1;  // deliberately misaligned
  float out[2];
  auto put = [&](auto v0, auto v1) {
    std::memcpy(p, &v0, sizeof(v0));
    std::memcpy(p + sizeof(v0), &v1, sizeof(v1));
  };
  put(std::int16_t{-3}, std::int16_t{7});
  convert_to_f32(DType::kI16, p, 2, out);
  CHECK(out[0] == -3.0f);
  CHECK(out[1] == 7.0f);
  put(std::uint16_t{0x3F80}, std::uint16_t{0xC000});
  convert_to_f32(DType::kBf16, p, 2, out);
  CHECK(out[0] == 1.0f);
  CHECK(out[1] == -2.0f);
  put(std::uint16_t{0x3C00}, std::uint16_t{0x0001});
  convert_to_f32(DType::kF16, p, 2, out);
  CHECK(out[0] == 1.0f);
  CHECK(out[1] == std::ldexp(1.0f, -24));
  put(1.5f, -2.25f);
  convert_to_f32(DType::kF32, p, 2, out);
  CHECK(out[0] == 1.5f);
  CHECK(out[1] == -2.25f);
  put(0.125, -8.0);
  convert_to_f32(DType::kF64, p, 2, out);
  CHECK(out[0] == 0.125f);
  CHECK(out[1] == -8.0f);
  put(std::int64_t{-5}, std::int64_t{1} << 40);
  convert_to_f32(DType::kI64, p, 2, out);
  CHECK(out[0] == -5.0f);
  CHECK(out[1] == std::ldexp(1.0f, 40));
  put(std::uint32_t{4000000000u}, std::uint32_t{1});
  convert_to_f32(DType::kU32, p, 2, out);
  CHECK(out[0] == 4e9f);
  put(std::int8_t{-128}, std::uint8_t{2});
  convert_to_f32(DType::kI8, p, 1, out);
  CHECK(out[0] == -128.0f);
  put(std::uint8_t{0}, std::uint8_t{2});
  convert_to_f32(DType::kBool, p, 2, out);
  CHECK(out[0] == 0.0f);
  CHECK(out[1] == 1.0f);
  const std::vector<float> src = {1.0f, -0.5f, 3.0e-6f};
  std::vector<unsigned char> dst(src.size() * 2 + 1);
  convert_from_f32(src.data(), src.size(), DType::kBf16, dst.data() + 1);
  std::vector<float> back(3);
  convert_to_f32(DType::kBf16, dst.data() + 1, 3, back.data());
  CHECK(back[0] == 1.0f);
  CHECK(back[1] == -0.5f);
  CHECK(back[2] == Approx(3.0e-6f).epsilon(0.01));
  CHECK_THROWS_AS(convert_from_f32(src.data(), 1, DType::kI32, dst.data()), std::invalid_argument);
}

// ---- round trips -------------------------------------------------------------------------------
TEST_CASE("safetensors round trip for every dtype, scalars and zero-size tensors", "[checkpoint]") {
  TempDir dir;
  std::vector<OwnedTensor> ts;
  unsigned seed = 1;
  for (int i = 0; i < kDTypeCount; ++i) {
    const auto t = static_cast<DType>(i);
    const std::string base = "t." + std::string(dtype_name(t));
    ts.push_back({base + ".matrix", t, {3, 5}, pattern_bytes(15 * dtype_size(t), seed++)});
    ts.push_back({base + ".scalar", t, {}, pattern_bytes(dtype_size(t), seed++)});
    ts.push_back({base + ".empty", t, {2, 0, 4}, {}});
  }
  ts.push_back({"a.vector", DType::kF32, {7}, pattern_bytes(28, 99)});
  const std::map<std::string, std::string> meta = {{"format", "pt"}, {"note", "héllo \"quoted\""}};
  const std::string path = dir.file("model.safetensors");
  write_safetensors(path, ts, meta);

  SafeTensorsFile f(path);
  CHECK(f.metadata() == meta);
  REQUIRE(f.tensors().size() == ts.size());
  CHECK(f.header().header_size % 8 == 0);
  for (const OwnedTensor& t : ts) {
    INFO(t.name);
    const TensorView v = f.view(t.name);
    CHECK(v.dtype == t.dtype);
    CHECK(v.shape == t.shape);
    REQUIRE(v.nbytes == t.bytes.size());
    if (v.nbytes) CHECK(std::memcmp(v.data, t.bytes.data(), v.nbytes) == 0);
    CHECK(v.is_aligned());  // the writer's ordering + padding keeps every tensor aligned
    CHECK(v.file == path);
    CHECK(v.numel() == shape_numel(t.shape));
  }
  CHECK(f.view("t.F32.scalar").shape.empty());
  CHECK(f.view("t.F32.scalar").numel() == 1);
  CHECK(f.view("t.U64.empty").nbytes == 0);
  CHECK(to_f32(f.view("t.BF16.empty")).empty());

  // Data order: descending dtype alignment, then name.
  const auto& infos = f.tensors();
  for (std::size_t i = 1; i < infos.size(); ++i) {
    const auto& a = infos[i - 1];
    const auto& b = infos[i];
    if (a.nbytes() == 0 || b.nbytes() == 0) continue;  // zero-size tensors share offsets
    CHECK((a.dtype > b.dtype || (a.dtype == b.dtype && a.name < b.name)));
  }
  // The header text is what safetensors_header() produces, and starts with __metadata__.
  std::vector<TensorToWrite> refs;
  for (const auto& t : ts) refs.push_back(t.ref());
  const std::string header = safetensors_header(refs, meta);
  const std::string bytes = trafl::test::read_file(path);
  CHECK(bytes.substr(8, header.size()) == header);
  CHECK(header.rfind("{\"__metadata__\":", 0) == 0);

  // Values through to_f32 and copy_aligned.
  const auto f32 = OwnedTensor::from_f32("x", DType::kF16, {2, 2}, {1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24)});
  write_safetensors(dir.file("f16.safetensors"), std::vector<OwnedTensor>{f32});
  SafeTensorsFile g(dir.file("f16.safetensors"));
  CHECK(to_f32(g.view("x")) == std::vector<float>{1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24)});
  const AlignedBuffer buf = copy_aligned(g.view("x"));
  CHECK(reinterpret_cast<std::uintptr_t>(buf.data()) % 64 == 0);
  CHECK(std::memcmp(buf.data(), f32.bytes.data(), 8) == 0);
}

TEST_CASE("safetensors: an empty file (no tensors) and a view that outlives its file object", "[checkpoint]") {
  TempDir dir;
  write_safetensors(dir.file("e.safetensors"), std::vector<OwnedTensor>{});
  SafeTensorsFile e(dir.file("e.safetensors"));
  CHECK(e.tensors().empty());
  CHECK(e.metadata().empty());
  CHECK(trafl::test::read_file(dir.file("e.safetensors")).size() == 16);  // "{}" padded to 8

  const auto t = OwnedTensor::from_f32("w", DType::kBf16, {2}, {1.0f, 2.0f});
  write_safetensors(dir.file("w.safetensors"), std::vector<OwnedTensor>{t});
  TensorView v;
  {
    SafeTensorsFile f(dir.file("w.safetensors"));
    v = f.view("w");
  }
  CHECK(to_f32(v) == std::vector<float>{1.0f, 2.0f});  // keepalive holds the mapping
}

TEST_CASE("safetensors: unaligned data written by hand is readable", "[checkpoint]") {
  TempDir dir;
  // An unpadded header (as MLX and an old writer produce): the F32 data lands on an odd offset.
  const float vals[3] = {1.5f, -0.25f, 1e-40f};  // the last one is an f32 subnormal
  const std::uint16_t bf[2] = {0x3F80, 0x0001};
  std::string data(reinterpret_cast<const char*>(vals), 12);
  data += std::string(reinterpret_cast<const char*>(bf), 4);
  std::string header =
      R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]}})";
  if ((8 + header.size()) % 2 == 0) header += " ";  // force an odd data start
  const std::string path = dir.file("unaligned.safetensors");
  trafl::test::write_file(path, raw_file(header, data));

  SafeTensorsFile f(path);
  const TensorView w = f.view("w");
  CHECK(w.file_offset % 2 == 1);
  CHECK_FALSE(w.is_aligned());
  const auto got = to_f32(w);
  CHECK(got[0] == 1.5f);
  CHECK(got[1] == -0.25f);
  CHECK(f32_bits(got[2]) == f32_bits(1e-40f));
  const AlignedBuffer copy = copy_aligned(w, 64);
  CHECK(reinterpret_cast<std::uintptr_t>(copy.data()) % 64 == 0);
  CHECK(copy.as<float>()[0] == 1.5f);
  CHECK(copy.as<float>()[2] == vals[2]);
  const auto b = to_f32(f.view("b"));
  CHECK(b[0] == 1.0f);
  CHECK(b[1] == std::ldexp(1.0f, -133));
}

// ---- corrupt files -----------------------------------------------------------------------------
TEST_CASE("safetensors: corrupt files are InputErrors naming the file and tensor", "[checkpoint]") {
  TempDir dir;
  using Catch::Contains;
  const std::string w = R"("model.transformer.blocks.3.q_proj.weight")";
  const std::string four_f32(16, '\x01');

  SECTION("truncated data") {
    const std::string good = raw_file("{" + w + R"(:{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", four_f32);
    const std::string err = load_error(dir, "model.safetensors", good.substr(0, good.size() - 3));
    CHECK_THAT(err, Contains("model.safetensors"));
    CHECK_THAT(err, Contains("tensor 'model.transformer.blocks.3.q_proj.weight'"));
    CHECK_THAT(err, Contains("data_offsets [0, 16] exceed the file size"));
    CHECK_THAT(err, Contains("truncated"));
  }
  SECTION("truncated inside the header / tiny files") {
    const std::string good = raw_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "abcd");
    CHECK_THAT(load_error(dir, "h.safetensors", good.substr(0, 20)), Contains("runs past the end of the file"));
    CHECK_THAT(load_error(dir, "tiny.safetensors", "abc"), Contains("too small"));
    CHECK_THAT(load_error(dir, "zero.safetensors", ""), Contains("too small"));
  }
  SECTION("header too large") {
    std::string bytes(16, ' ');
    const std::uint64_t n = 100'000'001;
    std::memcpy(bytes.data(), &n, 8);
    CHECK_THAT(load_error(dir, "big.safetensors", bytes), Contains("exceeds the 100000000-byte limit"));
  }
  SECTION("overlapping offsets") {
    const std::string err = load_error(
        dir, "o.safetensors",
        raw_file(
            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
            std::string(12, 'x')));
    CHECK_THAT(err, Contains("o.safetensors"));
    CHECK_THAT(err, Contains("tensor 'b'"));
    CHECK_THAT(err, Contains("overlap tensor 'a'"));
  }
  SECTION("gap between tensors, and a first tensor not at 0") {
    std::string err = load_error(
        dir, "g.safetensors",
        raw_file(
            R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
            std::string(12, 'x')));
    CHECK_THAT(err, Contains("tensor 'b'"));
    CHECK_THAT(err, Contains("gap"));
    err = load_error(dir, "g2.safetensors", raw_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "xx"));
    CHECK_THAT(err, Contains("tensor 'a'"));
    CHECK_THAT(err, Contains("gap"));
  }
  SECTION("size does not match dtype and shape") {
    const std::string err =
        load_error(dir, "s.safetensors",
                   raw_file("{" + w + R"(:{"dtype":"BF16","shape":[2,2],"data_offsets":[0,16]}})", four_f32));
    CHECK_THAT(err, Contains("tensor 'model.transformer.blocks.3.q_proj.weight'"));
    CHECK_THAT(err, Contains("span 16 bytes but dtype BF16 with shape [2, 2] needs 8 bytes"));
  }
  SECTION("duplicate keys") {
    std::string err = load_error(
        dir, "d.safetensors",
        raw_file(
            R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
            "xy"));
    CHECK_THAT(err, Contains("tensor 'a'"));
    CHECK_THAT(err, Contains("twice"));
    err = load_error(dir, "d2.safetensors",
                     raw_file(R"({"a":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}})", "x"));
    CHECK_THAT(err, Contains("tensor 'a'"));
    CHECK_THAT(err, Contains("field 'dtype' appears twice"));
  }
  SECTION("header is not JSON / not UTF-8 / not an object") {
    CHECK_THAT(load_error(dir, "j.safetensors", raw_file(R"({"a": {"dtype": )", "")), Contains("not valid JSON"));
    CHECK_THAT(load_error(dir, "u.safetensors", raw_file("{\"\xff\":1}", "")), Contains("not valid UTF-8"));
    CHECK_THAT(load_error(dir, "arr.safetensors", raw_file("[1,2]   ", "")), Contains("must be an object"));
    CHECK_THAT(load_error(dir, "empty-header.safetensors", raw_file("", "")), Contains("not valid JSON"));
    CHECK_THAT(load_error(dir, "deep.safetensors", raw_file(std::string(50, '[') + std::string(50, ']'), "")),
               Contains("nested too deeply"));
  }
  SECTION("unknown dtype") {
    const std::string err =
        load_error(dir, "t.safetensors", raw_file(R"({"w":{"dtype":"Q4_K","shape":[1],"data_offsets":[0,1]}})", "x"));
    CHECK_THAT(err, Contains("tensor 'w'"));
    CHECK_THAT(err, Contains("unknown or unsupported dtype \"Q4_K\""));
  }
  SECTION("malformed entries") {
    auto err_for = [&](const std::string& entry) {
      return load_error(dir, "m.safetensors", raw_file(R"({"w":)" + entry + "}", "xxxx"));
    };
    CHECK_THAT(err_for(R"({"shape":[4],"data_offsets":[0,4]})"), Contains("tensor 'w': missing field 'dtype'"));
    CHECK_THAT(err_for(R"({"dtype":"U8","data_offsets":[0,4]})"), Contains("missing field 'shape'"));
    CHECK_THAT(err_for(R"({"dtype":"U8","shape":[4]})"), Contains("missing field 'data_offsets'"));
    CHECK_THAT(err_for(R"({"dtype":"U8","shape":[-4],"data_offsets":[0,4]})"), Contains("non-negative"));
    CHECK_THAT(err_for(R"({"dtype":"U8","shape":[4.0],"data_offsets":[0,4]})"), Contains("non-negative"));
    CHECK_THAT(err_for(R"({"dtype":"U8","shape":[4],"data_offsets":[0,4,8]})"), Contains("[BEGIN, END]"));
    CHECK_THAT(err_for(R"({"dtype":"U8","shape":[4],"data_offsets":[4,0]})"), Contains("end before they begin"));
    CHECK_THAT(err_for(R"({"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]})"),
               Contains("too large"));
    CHECK_THAT(err_for(R"({"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,4]})"), Contains("too large"));
    CHECK_THAT(err_for("[1]"), Contains("must be an object"));
    CHECK_THAT(err_for(R"({"dtype":"U8","shape":[4],"data_offsets":[0,18446744073709551615]})"),
               Contains("needs 4 bytes"));
  }
  SECTION("trailing bytes after the last tensor") {
    const std::string err =
        load_error(dir, "tr.safetensors", raw_file(R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "xyz"));
    CHECK_THAT(err, Contains("tr.safetensors"));
    CHECK_THAT(err, Contains("1 bytes after the end"));
  }
  SECTION("bad __metadata__") {
    CHECK_THAT(load_error(dir, "md.safetensors", raw_file(R"({"__metadata__":{"format":1}})", "")),
               Contains("\"__metadata__\" value for 'format' must be a string"));
    CHECK_THAT(load_error(dir, "md2.safetensors", raw_file(R"({"__metadata__":[1]})", "")), Contains("__metadata__"));
    CHECK(load_error(dir, "md3.safetensors", raw_file(R"({"__metadata__":null})", "")).empty());
  }
  SECTION("not a file") {
    CHECK(load_error(dir, "ok.safetensors", raw_file("{}", "")).empty());
    CHECK_THROWS_AS(SafeTensorsFile(dir.file("absent.safetensors")), InputError);
    CHECK_THROWS_WITH(SafeTensorsFile(dir.path().string()), Contains("is a directory"));
  }
  SECTION("TensorError carries the tensor name") {
    trafl::test::write_file(dir.file("x.safetensors"),
                            raw_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234"));
    try {
      SafeTensorsFile f(dir.file("x.safetensors"));
      FAIL("loaded a truncated file");
    } catch (const TensorError& e) {
      CHECK(e.tensor() == "w");
      CHECK(e.file() == dir.file("x.safetensors"));
    }
  }
}

TEST_CASE("safetensors: writer rejects bad input and writes atomically", "[checkpoint]") {
  TempDir dir;
  using Catch::Contains;
  const std::string path = dir.file("out.safetensors");
  std::vector<OwnedTensor> dup = {{"a", DType::kU8, {1}, {1}}, {"a", DType::kU8, {1}, {2}}};
  CHECK_THROWS_WITH(write_safetensors(path, dup), Contains("tensor 'a'") && Contains("twice"));
  std::vector<OwnedTensor> reserved = {{"__metadata__", DType::kU8, {1}, {1}}};
  CHECK_THROWS_AS(write_safetensors(path, reserved), TensorError);
  std::vector<OwnedTensor> wrong = {{"w", DType::kF32, {2, 2}, std::vector<unsigned char>(15)}};
  CHECK_THROWS_WITH(write_safetensors(path, wrong),
                    Contains("15 bytes given but dtype F32 with shape [2, 2] needs 16"));
  CHECK_FALSE(std::filesystem::exists(path));

  std::vector<OwnedTensor> one = {{"a", DType::kU8, {1}, {1}}};
  write_safetensors(path, one);
  std::vector<OwnedTensor> two = {{"b", DType::kU8, {2}, {1, 2}}};
  write_safetensors(path, two);  // replaces
  SafeTensorsFile f(path);
  CHECK(f.contains("b"));
  CHECK_FALSE(f.contains("a"));
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);  // no temporary files left behind
  CHECK_THROWS_AS(write_safetensors(dir.file("no/such/dir/x.safetensors"), one), InputError);
}

// ---- fuzz --------------------------------------------------------------------------------------
TEST_CASE("safetensors: random truncations and bit flips give InputError or a valid load", "[checkpoint]") {
  TempDir dir;
  const std::string good = valid_file_bytes(dir);
  std::mt19937 rng(12345);
  int loaded = 0, rejected = 0;
  auto try_parse = [&](const std::vector<std::byte>& img) {
    try {
      const SafeTensorsHeader h = parse_safetensors(img.data(), img.size(), "fuzz.safetensors");
      // Touch every byte of every tensor: must stay inside the image.
      unsigned sum = 0;
      for (const TensorInfo& t : h.tensors) {
        REQUIRE(h.data_start() + t.end <= img.size());
        for (std::uint64_t i = t.begin; i < t.end; ++i) sum += static_cast<unsigned>(img[h.data_start() + i]);
        std::vector<float> f(static_cast<std::size_t>(t.numel()));
        convert_to_f32(t.dtype, img.data() + h.data_start() + t.begin, f.size(), f.data());
      }
      (void)sum;
      ++loaded;
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("fuzz.safetensors") != std::string::npos);
      ++rejected;
    }
  };
  std::vector<std::byte> base(good.size());
  std::memcpy(base.data(), good.data(), good.size());
  for (std::size_t cut = 0; cut < base.size(); ++cut) {  // every truncation
    std::vector<std::byte> img(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(cut));
    try_parse(img);
  }
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<std::byte> img = base;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const std::size_t pos = rng() % img.size();
      img[pos] ^= static_cast<std::byte>(1u << (rng() % 8));
    }
    if (rng() % 4 == 0) img.resize(rng() % img.size());
    try_parse(img);
  }
  CHECK(rejected > 0);
  CHECK(loaded > 0);  // flips inside tensor data still load
  // And a few through real files (mmap path).
  for (int iter = 0; iter < 50; ++iter) {
    std::string bytes = good;
    bytes[rng() % bytes.size()] ^= static_cast<char>(1u << (rng() % 8));
    if (iter % 2) bytes.resize(rng() % bytes.size());
    (void)load_error(dir, "fz.safetensors", bytes);
  }
}
