#pragma once
// A sample's denoising trajectory, torch-free (the store keeps it as a BLOB).
//
// For every generated position j (0-based, relative to the end of the prompt):
//   tokens[j]      the final token id
//   step[j]        the global sampler step (0 .. steps-1, counted over all blocks) at which j was committed
//   confidence[j]  the model probability softmax(logits)[token] at that step (float64 softmax; under
//                  `random` remasking too, so trajectories are comparable across remasking modes)
//
// Blob layout (version 1, little-endian, no padding; 16-byte header then 10·n bytes):
//   offset 0   4 bytes  magic "TRJ1"
//   offset 4   u8       version (1)
//   offset 5   u8       flags (0; reserved)
//   offset 6   u16      reserved (0)
//   offset 8   u32      n (generated positions)
//   offset 12  u32      steps (total sampler steps)
//   offset 16  u32[n]   tokens
//   then       u16[n]   step  (steps <= 65535)
//   then       f32[n]   confidence
// total = 16 + 10·n bytes (2,576 bytes for a 256-token completion).
#include <cstdint>
#include <string>
#include <vector>

namespace trafl::sampling {

struct Trajectory {
  std::uint32_t steps = 0;
  std::vector<std::int64_t> tokens;
  std::vector<std::int32_t> step;
  std::vector<float> confidence;
  std::size_t size() const { return tokens.size(); }
  bool operator==(const Trajectory& o) const {
    return steps == o.steps && tokens == o.tokens && step == o.step && confidence == o.confidence;
  }
};

inline constexpr std::size_t kTrajectoryHeaderBytes = 16;
std::vector<std::uint8_t> encode_trajectory(const Trajectory& trajectory);
// InputError (naming `what`) for a wrong magic/version, a size that does not match n, a step >= steps,
// or a token id outside u32.
Trajectory decode_trajectory(const std::uint8_t* data, std::size_t size, const std::string& what = "trajectory blob");
inline Trajectory decode_trajectory(const std::vector<std::uint8_t>& blob,
                                    const std::string& what = "trajectory blob") {
  return decode_trajectory(blob.data(), blob.size(), what);
}

}  // namespace trafl::sampling
