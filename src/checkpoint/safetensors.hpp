#pragma once
// SafeTensors files without LibTorch: a validating, memory-mapped reader and an atomic writer.
//
// Format (huggingface/safetensors, see docs/engine.md §3): an 8-byte little-endian
// u64 N, N bytes of UTF-8 JSON `{name: {"dtype", "shape", "data_offsets": [BEGIN, END]}, ...,
// "__metadata__": {str: str}}`, then the data buffer; offsets are relative to its start (8 + N).
// The reader validates exactly like the reference `read_metadata`/`validate` (N <= 100,000,000,
// offsets sorted tile the buffer from 0 with no gap or overlap, END-BEGIN == numel * dtype size,
// last END + 8 + N == file size, no duplicate keys) and names the file and tensor in every error.
//
// Data is NOT assumed aligned (old writers and MLX write unpadded headers): a TensorView is a raw
// pointer that may be unaligned for its dtype; use copy_aligned() / to_f32() when that matters
// (e.g. before torch::from_blob), or check view.is_aligned().
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checkpoint/dtype.hpp"
#include "core/error.hpp"

namespace trafl::checkpoint {

using Shape = std::vector<std::int64_t>;
std::string shape_to_string(const Shape& shape);  // "[4096, 4096]", "[]" for a scalar
// numel of a shape; throws std::overflow_error past 2^63 (headers are checked before this is used).
std::int64_t shape_numel(const Shape& shape);

inline constexpr std::uint64_t kMaxHeaderSize = 100'000'000;  // the reference MAX_HEADER_SIZE

// An InputError about one tensor: what() == "<file>: tensor '<name>': <message>".
class TensorError : public InputError {
 public:
  TensorError(std::string file, std::string tensor, const std::string& message);
  const std::string& tensor() const { return tensor_; }

 private:
  std::string tensor_;
};

// A read-only memory map of a whole file (RAII). Errors (missing, unreadable, a directory) are InputErrors.
class MappedFile {
 public:
  explicit MappedFile(std::string path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// One header entry, validated.
struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  std::uint64_t begin = 0;  // relative to the data buffer start
  std::uint64_t end = 0;    // one past the last byte
  std::int64_t numel() const { return shape_numel(shape); }
  std::uint64_t nbytes() const { return end - begin; }
};

// A tensor's bytes inside a mapped file. `data` may be unaligned for the dtype. `keepalive` keeps
// the mapping alive as long as the view (or a copy of the shared_ptr, e.g. in a from_blob deleter).
struct TensorView {
  std::string name;
  std::string file;  // the .safetensors path it lives in
  DType dtype = DType::kF32;
  Shape shape;
  const std::byte* data = nullptr;
  std::size_t nbytes = 0;
  std::uint64_t file_offset = 0;  // absolute offset of the first byte in the file
  std::shared_ptr<const MappedFile> keepalive;

  std::int64_t numel() const { return shape_numel(shape); }
  // True when `data` is a multiple of `alignment` (default: the dtype's element size).
  bool is_aligned(std::size_t alignment = 0) const;
};

// An owned, aligned byte buffer (std::aligned_alloc).
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t size, std::size_t alignment = 64);
  void* data() { return ptr_.get(); }
  const void* data() const { return ptr_.get(); }
  std::size_t size() const { return size_; }
  template <typename T>
  T* as() {
    return static_cast<T*>(data());
  }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data());
  }

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> ptr_;
  std::size_t size_ = 0;
};

// Copies the view's bytes into a fresh buffer aligned to `alignment` (>= the dtype size).
AlignedBuffer copy_aligned(const TensorView& view, std::size_t alignment = 64);

// For a loader that has copied the tensor out of the mapping: drops this process's copies of the
// pages under `view` (madvise MADV_DONTNEED), so a checkpoint's mapped pages do not pile up in the
// process's memory while the model is loaded (a bf16 8B model would otherwise hold 16 GB of file
// pages on the host besides its GPU copy). Safe for any range of a private read-only file mapping,
// a page shared with a neighbouring tensor included: the pages stay in the page cache and a later
// read faults them back in unchanged. Never for a view a tensor still points into (zero copy).
void release_pages(const TensorView& view);
// Converts any dtype to float32 (bf16/f16/f8 exactly, incl. subnormals, inf, NaN). `out` holds numel floats.
void to_f32(const TensorView& view, float* out);
std::vector<float> to_f32(const TensorView& view);

// A validated header. Tensors are in data order (ascending offsets).
struct SafeTensorsHeader {
  std::uint64_t header_size = 0;  // N
  std::vector<TensorInfo> tensors;
  std::map<std::string, std::string> metadata;  // "__metadata__", empty when absent
  std::uint64_t data_start() const { return 8 + header_size; }
};
// Validates a whole file image (`size` bytes at `data`); every error is an InputError naming `file`
// (and a TensorError when one tensor is at fault). Never reads outside [data, data+size).
SafeTensorsHeader parse_safetensors(const std::byte* data, std::size_t size, const std::string& file);

// An open, validated .safetensors file.
class SafeTensorsFile {
 public:
  explicit SafeTensorsFile(const std::string& path);
  const std::string& path() const { return file_->path(); }
  std::size_t file_size() const { return file_->size(); }
  const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  const SafeTensorsHeader& header() const { return header_; }
  const TensorInfo* find(std::string_view name) const;  // nullptr when absent
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  TensorView view(std::string_view name) const;  // TensorError "not in this file" when absent
  TensorView view(const TensorInfo& info) const;

 private:
  std::shared_ptr<const MappedFile> file_;
  SafeTensorsHeader header_;
  std::unordered_map<std::string, std::size_t> by_name_;
};

// ---- writing ---------------------------------------------------------------------------------
// A tensor to write: borrowed bytes (little-endian, C-contiguous), nbytes == numel * dtype size.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  const void* data = nullptr;
  std::size_t nbytes = 0;
};
// Same, owning its bytes (for tests and init-model).
struct OwnedTensor {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  std::vector<unsigned char> bytes;
  TensorToWrite ref() const { return {name, dtype, shape, bytes.data(), bytes.size()}; }
  // Float values converted to dtype (F32, F64, F16, BF16).
  static OwnedTensor from_f32(std::string name, DType dtype, Shape shape, const std::vector<float>& values);
};

// The header bytes the writer emits (compact JSON, "__metadata__" first, tensors ordered by
// descending dtype alignment then name, padded with spaces to a multiple of 8), without the
// 8-byte length prefix. `order` receives the tensor indices in data order.
std::string safetensors_header(const std::vector<TensorToWrite>& tensors,
                               const std::map<std::string, std::string>& metadata,
                               std::vector<std::size_t>* order = nullptr);
// Writes atomically (temporary file in the same directory + fsync + rename). Invalid input
// (duplicate names, "__metadata__" as a name, byte counts that do not match shapes) is a TensorError;
// I/O failures are InputErrors naming `path`.
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});
void write_safetensors(const std::string& path, const std::vector<OwnedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Atomic whole-file write (temp + fsync + rename) used by the writers; exposed for config.json etc.
void write_file_atomic(const std::string& path, const std::vector<std::pair<const void*, std::size_t>>& pieces);

}  // namespace trafl::checkpoint
