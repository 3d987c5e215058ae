// Trajectory blob encoding (torch-free; compiled with the LibTorch units only because it lives in src/sampling).
#include "sampling/trajectory.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace trafl::sampling {
namespace {
template <typename T>
void put(std::vector<std::uint8_t>& out, T value) {
  // Little-endian hosts only (x86-64, aarch64): the byte image of the value is its LE encoding.
  const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}
template <typename T>
T get(const std::uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}
}  // namespace

std::vector<std::uint8_t> encode_trajectory(const Trajectory& t) {
  const std::size_t n = t.tokens.size();
  if (t.step.size() != n || t.confidence.size() != n)
    throw std::invalid_argument("encode_trajectory: tokens/step/confidence sizes differ");
  if (t.steps > 65535) throw std::invalid_argument("encode_trajectory: more than 65535 steps");
  std::vector<std::uint8_t> out;
  out.reserve(kTrajectoryHeaderBytes + 10 * n);
  out.insert(out.end(), {'T', 'R', 'J', '1'});
  put<std::uint8_t>(out, 1);
  put<std::uint8_t>(out, 0);
  put<std::uint16_t>(out, 0);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(n));
  put<std::uint32_t>(out, t.steps);
  for (std::int64_t tok : t.tokens) {
    if (tok < 0 || tok > std::numeric_limits<std::uint32_t>::max())
      throw std::invalid_argument(fmt::format("encode_trajectory: token id {} outside u32", tok));
    put<std::uint32_t>(out, static_cast<std::uint32_t>(tok));
  }
  for (std::int32_t s : t.step) {
    if (s < 0 || static_cast<std::uint32_t>(s) >= t.steps)
      throw std::invalid_argument(fmt::format("encode_trajectory: step {} outside [0, {})", s, t.steps));
    put<std::uint16_t>(out, static_cast<std::uint16_t>(s));
  }
  for (float c : t.confidence) put<float>(out, c);
  return out;
}

Trajectory decode_trajectory(const std::uint8_t* data, std::size_t size, const std::string& what) {
  if (size < kTrajectoryHeaderBytes || std::memcmp(data, "TRJ1", 4) != 0)
    throw InputError(what, 0, "", "not a trajectory blob (magic TRJ1 missing)");
  if (data[4] != 1) throw InputError(what, 0, "", fmt::format("unsupported trajectory version {}", data[4]));
  // What encode_trajectory never writes is refused, so that every accepted blob is one it wrote (a
  // blob is compared byte for byte): flags and reserved bytes are 0, steps fit the u16 step field.
  if (data[5] != 0 || data[6] != 0 || data[7] != 0)
    throw InputError(what, 0, "", "flags/reserved bytes of the header are not 0");
  const std::uint32_t n = get<std::uint32_t>(data + 8);
  Trajectory t;
  t.steps = get<std::uint32_t>(data + 12);
  if (t.steps > 65535) throw InputError(what, 0, "", fmt::format("{} steps, more than the format's 65535", t.steps));
  const std::size_t expected = kTrajectoryHeaderBytes + 10 * static_cast<std::size_t>(n);
  if (size != expected)
    throw InputError(what, 0, "", fmt::format("size {} bytes, expected {} for {} positions", size, expected, n));
  const std::uint8_t* p = data + kTrajectoryHeaderBytes;
  t.tokens.resize(n);
  t.step.resize(n);
  t.confidence.resize(n);
  for (std::uint32_t j = 0; j < n; ++j) t.tokens[j] = get<std::uint32_t>(p + 4 * j);
  p += 4 * static_cast<std::size_t>(n);
  for (std::uint32_t j = 0; j < n; ++j) {
    t.step[j] = get<std::uint16_t>(p + 2 * j);
    if (static_cast<std::uint32_t>(t.step[j]) >= t.steps)
      throw InputError(what, 0, "", fmt::format("position {}: step {} >= steps {}", j, t.step[j], t.steps));
  }
  p += 2 * static_cast<std::size_t>(n);
  for (std::uint32_t j = 0; j < n; ++j) t.confidence[j] = get<float>(p + 4 * j);
  return t;
}

}  // namespace trafl::sampling
