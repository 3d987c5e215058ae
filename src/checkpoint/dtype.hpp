#pragma once
// SafeTensors element types and scalar conversions (torch-free).
//
// The enum order is the reference (huggingface/safetensors `Dtype`) declaration order, which is
// ascending alignment; the writer sorts by it descending, then by name, exactly like the reference.
// All conversions read and write through memcpy, so source pointers may be unaligned.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace trafl::checkpoint {

enum class DType : std::uint8_t {
  kBool,
  kU8,
  kI8,
  kF8E5m2,
  kF8E4m3,
  kI16,
  kU16,
  kF16,
  kBf16,
  kI32,
  kU32,
  kF32,
  kF64,
  kI64,
  kU64
};
inline constexpr int kDTypeCount = 15;

// "BF16" etc. (the exact spelling used in safetensors headers).
std::string_view dtype_name(DType t);
// Parses a header dtype string; nullopt for anything else (incl. newer F4/F6/F8_E8M0/C64).
std::optional<DType> parse_dtype(std::string_view name);
// Bytes per element: 1,1,1,1,1,2,2,2,2,4,4,4,8,8,8.
std::size_t dtype_size(DType t);
bool dtype_is_floating(DType t);  // F8_*, F16, BF16, F32, F64

// A small set of dtypes (what a loader accepts for one parameter).
class DTypeSet {
 public:
  constexpr DTypeSet() = default;
  DTypeSet(std::initializer_list<DType> types) {
    for (DType t : types) add(t);
  }
  static DTypeSet any() {
    DTypeSet s;
    s.bits_ = (1u << kDTypeCount) - 1;
    return s;
  }
  static DTypeSet floating();  // F8_E5M2, F8_E4M3, F16, BF16, F32, F64
  void add(DType t) { bits_ |= 1u << static_cast<unsigned>(t); }
  bool contains(DType t) const { return (bits_ >> static_cast<unsigned>(t)) & 1u; }
  bool empty() const { return bits_ == 0; }
  std::string to_string() const;  // "{BF16, F32}"

 private:
  std::uint32_t bits_ = 0;
};

// ---- scalar conversions (IEEE semantics: subnormals, ±inf and NaN are preserved) -------------
float bf16_to_f32(std::uint16_t bits);
std::uint16_t f32_to_bf16(float value);  // round to nearest even; NaN stays a (quiet) NaN
float f16_to_f32(std::uint16_t bits);
std::uint16_t f32_to_f16(float value);   // round to nearest even; overflow -> inf; NaN -> NaN
float f8e4m3_to_f32(std::uint8_t bits);  // OCP E4M3FN: no inf, 0x7F/0xFF are NaN, max 448
float f8e5m2_to_f32(std::uint8_t bits);  // OCP E5M2: IEEE-like (inf and NaN exist)

// Converts `count` elements of type `src_type` starting at `src` (any alignment, little-endian)
// into `dst` as float. Integers convert by value (large 64-bit values round), BOOL gives 0/1.
void convert_to_f32(DType src_type, const void* src, std::size_t count, float* dst);
// float -> BF16 / F16 / F32 bytes (for writers; `dst` may be unaligned).
void convert_from_f32(const float* src, std::size_t count, DType dst_type, void* dst);

}  // namespace trafl::checkpoint
