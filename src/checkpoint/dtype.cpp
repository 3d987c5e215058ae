#include "checkpoint/dtype.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace trafl::checkpoint {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the SafeTensors code assumes a little-endian host (the file format is little-endian)");

namespace {
constexpr std::string_view kNames[kDTypeCount] = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "I16", "U16", "F16",
                                                  "BF16", "I32", "U32", "F32",     "F64",     "I64", "U64"};
constexpr std::size_t kSizes[kDTypeCount] = {1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8};

template <typename T>
T load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
void store(unsigned char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}
float bits_to_float(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
std::uint32_t float_to_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
}  // namespace

std::string_view dtype_name(DType t) { return kNames[static_cast<int>(t)]; }

std::optional<DType> parse_dtype(std::string_view name) {
  for (int i = 0; i < kDTypeCount; ++i)
    if (kNames[i] == name) return static_cast<DType>(i);
  return std::nullopt;
}

std::size_t dtype_size(DType t) { return kSizes[static_cast<int>(t)]; }

bool dtype_is_floating(DType t) {
  switch (t) {
    case DType::kF8E5m2:
    case DType::kF8E4m3:
    case DType::kF16:
    case DType::kBf16:
    case DType::kF32:
    case DType::kF64: return true;
    default: return false;
  }
}

DTypeSet DTypeSet::floating() {
  return {DType::kF8E5m2, DType::kF8E4m3, DType::kF16, DType::kBf16, DType::kF32, DType::kF64};
}

std::string DTypeSet::to_string() const {
  std::string out = "{";
  for (int i = 0; i < kDTypeCount; ++i) {
    if (!contains(static_cast<DType>(i))) continue;
    if (out.size() > 1) out += ", ";
    out += kNames[i];
  }
  return out + "}";
}

// ---- scalar conversions ---------------------------------------------------------------------
float bf16_to_f32(std::uint16_t bits) { return bits_to_float(static_cast<std::uint32_t>(bits) << 16); }

std::uint16_t f32_to_bf16(float value) {
  std::uint32_t x = float_to_bits(value);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x0040u);  // quiet NaN
  x += 0x7fffu + ((x >> 16) & 1u);  // round to nearest even (overflow carries into inf correctly)
  return static_cast<std::uint16_t>(x >> 16);
}

float f16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t mant = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24, exact in float
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 0x1f) return bits_to_float(sign | 0x7f800000u | (mant << 13));  // inf / NaN (payload kept)
  return bits_to_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

std::uint16_t f32_to_f16(float value) {
  const std::uint32_t x = float_to_bits(value);
  const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  std::uint32_t a = x & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u | static_cast<std::uint16_t>((a >> 13) & 0x3ffu);  // NaN
  if (a >= 0x477ff000u) return sign | 0x7c00u;                    // >= 65520 rounds to inf (ties to even)
  if (a < 0x38800000u) {                                          // below 2^-14: half subnormal (or zero)
    const float v = bits_to_float(a) * 16777216.0f;               // exact scaling by 2^24
    return sign | static_cast<std::uint16_t>(std::nearbyint(v));  // default mode: nearest even
  }
  a += 0xfffu + ((a >> 13) & 1u);
  return sign | static_cast<std::uint16_t>((a - (112u << 23)) >> 13);
}

float f8e4m3_to_f32(std::uint8_t bits) {
  const bool neg = bits & 0x80u;
  const unsigned exp = (bits >> 3) & 0xfu;
  const unsigned mant = bits & 0x7u;
  float v;
  if (exp == 0xf && mant == 0x7) {
    v = std::nanf("");
  } else if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -9);
  } else {
    v = std::ldexp(1.0f + static_cast<float>(mant) / 8.0f, static_cast<int>(exp) - 7);
  }
  return neg ? -v : v;
}

float f8e5m2_to_f32(std::uint8_t bits) { return f16_to_f32(static_cast<std::uint16_t>(bits << 8)); }

// ---- bulk conversions -----------------------------------------------------------------------
void convert_to_f32(DType src_type, const void* src, std::size_t count, float* dst) {
  const auto* p = static_cast<const unsigned char*>(src);
  switch (src_type) {
    case DType::kBool:
      for (std::size_t i = 0; i < count; ++i) dst[i] = p[i] ? 1.0f : 0.0f;
      break;
    case DType::kU8:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(p[i]);
      break;
    case DType::kI8:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(static_cast<std::int8_t>(p[i]));
      break;
    case DType::kF8E5m2:
      for (std::size_t i = 0; i < count; ++i) dst[i] = f8e5m2_to_f32(p[i]);
      break;
    case DType::kF8E4m3:
      for (std::size_t i = 0; i < count; ++i) dst[i] = f8e4m3_to_f32(p[i]);
      break;
    case DType::kI16:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load<std::int16_t>(p + 2 * i));
      break;
    case DType::kU16:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load<std::uint16_t>(p + 2 * i));
      break;
    case DType::kF16:
      for (std::size_t i = 0; i < count; ++i) dst[i] = f16_to_f32(load<std::uint16_t>(p + 2 * i));
      break;
    case DType::kBf16:
      for (std::size_t i = 0; i < count; ++i) dst[i] = bf16_to_f32(load<std::uint16_t>(p + 2 * i));
      break;
    case DType::kI32:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load<std::int32_t>(p + 4 * i));
      break;
    case DType::kU32:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load<std::uint32_t>(p + 4 * i));
      break;
    case DType::kF32:
      if (count) std::memcpy(dst, p, count * 4);
      break;
    case DType::kF64:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load<double>(p + 8 * i));
      break;
    case DType::kI64:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load<std::int64_t>(p + 8 * i));
      break;
    case DType::kU64:
      for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(load<std::uint64_t>(p + 8 * i));
      break;
  }
}

void convert_from_f32(const float* src, std::size_t count, DType dst_type, void* dst) {
  auto* p = static_cast<unsigned char*>(dst);
  switch (dst_type) {
    case DType::kF32:
      if (count) std::memcpy(p, src, count * 4);
      break;
    case DType::kBf16:
      for (std::size_t i = 0; i < count; ++i) store(p + 2 * i, f32_to_bf16(src[i]));
      break;
    case DType::kF16:
      for (std::size_t i = 0; i < count; ++i) store(p + 2 * i, f32_to_f16(src[i]));
      break;
    case DType::kF64:
      for (std::size_t i = 0; i < count; ++i) store(p + 8 * i, static_cast<double>(src[i]));
      break;
    default:
      throw std::invalid_argument("convert_from_f32: unsupported target dtype " + std::string(dtype_name(dst_type)));
  }
}

}  // namespace trafl::checkpoint
