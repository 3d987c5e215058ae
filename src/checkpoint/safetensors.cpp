#include "checkpoint/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace trafl::checkpoint {

namespace {

InputError file_error(const std::string& file, const std::string& message) { return InputError(file, 0, "", message); }

std::string offsets_str(std::uint64_t b, std::uint64_t e) { return fmt::format("[{}, {}]", b, e); }

// Returns the index of the first invalid byte, or npos when `s` is valid UTF-8 (no overlongs,
// no surrogates, nothing above U+10FFFF).
std::size_t find_invalid_utf8(const unsigned char* s, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else
      return i;
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return i;
    i += len;
  }
  return std::string::npos;
}

// Maximum bracket nesting outside strings (a cheap guard before the DOM parse).
std::size_t max_nesting(const char* s, std::size_t n) {
  std::size_t depth = 0, best = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      best = std::max(best, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return best;
}

using json = nlohmann::json;

const json* get_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

}  // namespace

// ---- small helpers -------------------------------------------------------------------------
std::string shape_to_string(const Shape& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::int64_t shape_numel(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw std::overflow_error("negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d)
      throw std::overflow_error("numel of shape " + shape_to_string(shape) + " overflows");
    n *= d;
  }
  return n;
}

TensorError::TensorError(std::string file, std::string tensor, const std::string& message)
    : InputError(std::move(file), 0, "", fmt::format("tensor '{}': {}", tensor, message)), tensor_(std::move(tensor)) {}

// ---- MappedFile ----------------------------------------------------------------------------
MappedFile::MappedFile(std::string path) : path_(std::move(path)) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw file_error(path_, fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw file_error(path_, fmt::format("cannot stat: {}", std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw file_error(path_, S_ISDIR(st.st_mode) ? "is a directory, not a file" : "is not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw file_error(path_, fmt::format("cannot memory-map {} bytes: {}", size_, std::strerror(err)));
    }
    data_ = static_cast<const std::byte*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

// ---- views and conversion --------------------------------------------------------------------
bool TensorView::is_aligned(std::size_t alignment) const {
  if (alignment == 0) alignment = dtype_size(dtype);
  return reinterpret_cast<std::uintptr_t>(data) % alignment == 0;
}

void release_pages(const TensorView& view) {
  if (!view.keepalive || view.nbytes == 0) return;
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(view.data) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(view.data) + view.nbytes + page - 1) / page * page;
  // Advice only: a failure leaves the pages where they are, which is correct, just larger.
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void AlignedBuffer::Free::operator()(void* p) const { std::free(p); }

AlignedBuffer::AlignedBuffer(std::size_t size, std::size_t alignment) : size_(size) {
  if (alignment < alignof(std::max_align_t)) alignment = alignof(std::max_align_t);
  if ((alignment & (alignment - 1)) != 0)
    throw std::invalid_argument("AlignedBuffer: alignment must be a power of two");
  std::size_t rounded = (std::max<std::size_t>(size, 1) + alignment - 1) / alignment * alignment;
  void* p = std::aligned_alloc(alignment, rounded);
  if (!p) throw std::bad_alloc();
  ptr_.reset(p);
}

AlignedBuffer copy_aligned(const TensorView& view, std::size_t alignment) {
  AlignedBuffer buf(view.nbytes, std::max(alignment, dtype_size(view.dtype)));
  if (view.nbytes) std::memcpy(buf.data(), view.data, view.nbytes);
  return buf;
}

void to_f32(const TensorView& view, float* out) {
  convert_to_f32(view.dtype, view.data, static_cast<std::size_t>(view.numel()), out);
}

std::vector<float> to_f32(const TensorView& view) {
  std::vector<float> out(static_cast<std::size_t>(view.numel()));
  to_f32(view, out.data());
  return out;
}

// ---- header parsing --------------------------------------------------------------------------
SafeTensorsHeader parse_safetensors(const std::byte* data, std::size_t size, const std::string& file) {
  if (size < 8)
    throw file_error(file, fmt::format("file is {} bytes, too small for a safetensors file (8-byte header "
                                       "length, then a JSON header)",
                                       size));
  std::uint64_t n = 0;
  std::memcpy(&n, data, 8);
  if (n > kMaxHeaderSize)
    throw file_error(
        file, fmt::format("header length {} exceeds the {}-byte limit (not a safetensors file?)", n, kMaxHeaderSize));
  if (n > size - 8)
    throw file_error(
        file, fmt::format("header length {} runs past the end of the file ({} bytes; truncated file?)", n, size));
  const auto* hdr = reinterpret_cast<const char*>(data) + 8;
  const std::size_t hlen = static_cast<std::size_t>(n);
  if (std::size_t bad = find_invalid_utf8(reinterpret_cast<const unsigned char*>(hdr), hlen); bad != std::string::npos)
    throw file_error(file, fmt::format("header is not valid UTF-8 (byte {} of the header)", bad));
  if (max_nesting(hdr, hlen) > 8) throw file_error(file, "header JSON is nested too deeply to be a safetensors header");

  // Parse, rejecting duplicate keys at any level (nlohmann would silently keep one).
  std::vector<std::set<std::string>> open_objects;
  std::string current_top_key, duplicate, duplicate_owner;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    switch (event) {
      case json::parse_event_t::object_start: open_objects.emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (depth == 1) current_top_key = key;
        if (!open_objects.empty() && !open_objects.back().insert(key).second && duplicate.empty()) {
          duplicate = key;
          duplicate_owner = depth == 1 ? "" : current_top_key;
        }
        break;
      }
      default: break;
    }
    return true;
  };
  json root;
  try {
    root = json::parse(hdr, hdr + hlen, callback);
  } catch (const json::exception& e) {
    std::string why = e.what();
    if (auto p = why.find("] "); p != std::string::npos) why = why.substr(p + 2);
    throw file_error(file, fmt::format("header is not valid JSON: {}", why));
  }
  if (!duplicate.empty()) {
    if (duplicate_owner.empty())
      throw TensorError(file, duplicate, "appears twice in the header (duplicate keys are not allowed)");
    throw TensorError(file, duplicate_owner,
                      fmt::format("field '{}' appears twice (duplicate keys are not allowed)", duplicate));
  }
  if (!root.is_object())
    throw file_error(file, fmt::format("header is JSON {} but must be an object", root.type_name()));

  SafeTensorsHeader out;
  out.header_size = n;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (v.is_null()) continue;
      if (!v.is_object()) throw file_error(file, "\"__metadata__\" must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          throw file_error(file, fmt::format("\"__metadata__\" value for '{}' must be a string, not {}", m.key(),
                                             m.value().type_name()));
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object())
      throw TensorError(file, name, fmt::format("header entry is {} but must be an object", v.type_name()));
    TensorInfo info;
    info.name = name;
    const json* dt = get_field(v, "dtype");
    const json* sh = get_field(v, "shape");
    const json* off = get_field(v, "data_offsets");
    if (!dt) throw TensorError(file, name, "missing field 'dtype'");
    if (!sh) throw TensorError(file, name, "missing field 'shape'");
    if (!off) throw TensorError(file, name, "missing field 'data_offsets'");
    if (!dt->is_string()) throw TensorError(file, name, "'dtype' must be a string");
    auto parsed = parse_dtype(dt->get_ref<const std::string&>());
    if (!parsed)
      throw TensorError(file, name,
                        fmt::format("unknown or unsupported dtype \"{}\" (supported: BOOL, U8, I8, F8_E5M2, "
                                    "F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)",
                                    dt->get<std::string>()));
    info.dtype = *parsed;
    if (!sh->is_array()) throw TensorError(file, name, "'shape' must be an array of non-negative integers");
    std::uint64_t numel = 1;
    bool overflow = false;
    for (const json& d : *sh) {
      if (!d.is_number_unsigned())
        throw TensorError(file, name, fmt::format("'shape' {} must hold non-negative integers", sh->dump()));
      const auto dim = d.get<std::uint64_t>();
      if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw TensorError(file, name, fmt::format("'shape' {} has a dimension too large", sh->dump()));
      info.shape.push_back(static_cast<std::int64_t>(dim));
      if (dim != 0 && numel > std::numeric_limits<std::uint64_t>::max() / dim)
        overflow = true;
      else
        numel *= dim;
    }
    if (!off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
      throw TensorError(file, name,
                        fmt::format("'data_offsets' {} must be [BEGIN, END] (two non-negative integers)", off->dump()));
    info.begin = (*off)[0].get<std::uint64_t>();
    info.end = (*off)[1].get<std::uint64_t>();
    const std::uint64_t esize = dtype_size(info.dtype);
    if (overflow || numel > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        numel > std::numeric_limits<std::uint64_t>::max() / esize)
      throw TensorError(file, name,
                        fmt::format("shape {} is too large (element count overflows)", shape_to_string(info.shape)));
    if (info.end < info.begin)
      throw TensorError(file, name,
                        fmt::format("data_offsets {} end before they begin", offsets_str(info.begin, info.end)));
    if (info.end - info.begin != numel * esize)
      throw TensorError(file, name,
                        fmt::format("data_offsets {} span {} bytes but dtype {} with shape {} needs {} bytes",
                                    offsets_str(info.begin, info.end), info.end - info.begin, dtype_name(info.dtype),
                                    shape_to_string(info.shape), numel * esize));
    out.tensors.push_back(std::move(info));
  }

  // Sorted by offsets, the tensors must tile the data buffer from 0 with no gap or overlap.
  std::stable_sort(out.tensors.begin(), out.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const std::uint64_t data_len = size - 8 - n;
  std::uint64_t prev_end = 0;
  const TensorInfo* prev = nullptr;
  for (const TensorInfo& t : out.tensors) {
    if (t.begin < prev_end)
      throw TensorError(file, t.name,
                        fmt::format("data_offsets {} overlap tensor '{}' (which ends at {})",
                                    offsets_str(t.begin, t.end), prev->name, prev_end));
    if (t.begin > prev_end)
      throw TensorError(file, t.name,
                        fmt::format("data_offsets {} leave a gap: bytes [{}, {}) belong to no tensor ({})",
                                    offsets_str(t.begin, t.end), prev_end, t.begin,
                                    prev ? fmt::format("the previous tensor '{}' ends at {}", prev->name, prev_end)
                                         : std::string("the data buffer starts at 0")));
    if (t.end > data_len)
      throw TensorError(
          file, t.name,
          fmt::format("data_offsets {} exceed the file size ({} bytes, data section {} bytes; truncated file?)",
                      offsets_str(t.begin, t.end), size, data_len));
    prev_end = t.end;
    prev = &t;
  }
  if (prev_end != data_len)
    throw file_error(
        file, fmt::format("{} bytes after the end of the last tensor's data (data section is {} bytes, "
                          "tensors cover {}); the file has trailing garbage or a tensor is missing from the header",
                          data_len - prev_end, data_len, prev_end));
  return out;
}

// ---- SafeTensorsFile -------------------------------------------------------------------------
SafeTensorsFile::SafeTensorsFile(const std::string& path) : file_(std::make_shared<const MappedFile>(path)) {
  header_ = parse_safetensors(file_->data(), file_->size(), path);
  by_name_.reserve(header_.tensors.size());
  for (std::size_t i = 0; i < header_.tensors.size(); ++i) by_name_.emplace(header_.tensors[i].name, i);
}

const TensorInfo* SafeTensorsFile::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &header_.tensors[it->second];
}

TensorView SafeTensorsFile::view(std::string_view name) const {
  const TensorInfo* info = find(name);
  if (!info) throw TensorError(path(), std::string(name), "not in this file");
  return view(*info);
}

TensorView SafeTensorsFile::view(const TensorInfo& info) const {
  TensorView v;
  v.name = info.name;
  v.file = path();
  v.dtype = info.dtype;
  v.shape = info.shape;
  v.file_offset = header_.data_start() + info.begin;
  v.data = file_->data() + v.file_offset;
  v.nbytes = static_cast<std::size_t>(info.nbytes());
  v.keepalive = file_;
  return v;
}

// ---- writing ---------------------------------------------------------------------------------
OwnedTensor OwnedTensor::from_f32(std::string name, DType dtype, Shape shape, const std::vector<float>& values) {
  OwnedTensor t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (static_cast<std::int64_t>(values.size()) != shape_numel(t.shape))
    throw std::invalid_argument(fmt::format("OwnedTensor::from_f32('{}'): {} values for shape {}", t.name,
                                            values.size(), shape_to_string(t.shape)));
  t.bytes.resize(values.size() * dtype_size(dtype));
  convert_from_f32(values.data(), values.size(), dtype, t.bytes.data());
  return t;
}

namespace {
void validate_for_write(const std::string& path, const std::vector<TensorToWrite>& tensors) {
  std::set<std::string_view> names;
  for (const TensorToWrite& t : tensors) {
    if (t.name == "__metadata__")
      throw TensorError(path, t.name, "'__metadata__' is reserved and cannot name a tensor");
    if (!names.insert(t.name).second) throw TensorError(path, t.name, "given twice (tensor names must be unique)");
    std::int64_t numel;
    try {
      numel = shape_numel(t.shape);
    } catch (const std::overflow_error& e) {
      throw TensorError(path, t.name, e.what());
    }
    const auto need = static_cast<std::uint64_t>(numel) * dtype_size(t.dtype);
    if (need != t.nbytes)
      throw TensorError(path, t.name,
                        fmt::format("{} bytes given but dtype {} with shape {} needs {} bytes", t.nbytes,
                                    dtype_name(t.dtype), shape_to_string(t.shape), need));
    if (t.nbytes > 0 && t.data == nullptr) throw TensorError(path, t.name, "no data pointer");
  }
}
}  // namespace

std::string safetensors_header(const std::vector<TensorToWrite>& tensors,
                               const std::map<std::string, std::string>& metadata, std::vector<std::size_t>* order) {
  std::vector<std::size_t> idx(tensors.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    if (tensors[a].dtype != tensors[b].dtype) return tensors[a].dtype > tensors[b].dtype;  // descending alignment
    return tensors[a].name < tensors[b].name;
  });
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    h["__metadata__"] = std::move(m);
  }
  std::uint64_t offset = 0;
  for (std::size_t i : idx) {
    const TensorToWrite& t = tensors[i];
    nlohmann::ordered_json e = nlohmann::ordered_json::object();
    e["dtype"] = std::string(dtype_name(t.dtype));
    e["shape"] = t.shape;
    e["data_offsets"] = {offset, offset + t.nbytes};
    offset += t.nbytes;
    h[t.name] = std::move(e);
  }
  std::string text = h.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  if (order) *order = std::move(idx);
  return text;
}

void write_file_atomic(const std::string& path, const std::vector<std::pair<const void*, std::size_t>>& pieces) {
  static std::atomic<unsigned> counter{0};
  const std::string tmp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw file_error(path, fmt::format("cannot create {}: {}", tmp, std::strerror(errno)));
  auto fail = [&](const std::string& what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return file_error(path, fmt::format("{}: {}", what, std::strerror(err)));
  };
  for (const auto& [ptr, len] : pieces) {
    const auto* p = static_cast<const char*>(ptr);
    std::size_t left = len;
    while (left > 0) {
      const ssize_t w = ::write(fd, p, std::min<std::size_t>(left, std::size_t{1} << 30));
      if (w < 0) {
        if (errno == EINTR) continue;
        throw fail("write failed");
      }
      p += w;
      left -= static_cast<std::size_t>(w);
    }
  }
  if (::fsync(fd) != 0) throw fail("fsync failed");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw file_error(path, fmt::format("close failed: {}", std::strerror(err)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw file_error(path, fmt::format("cannot rename {} into place: {}", tmp, std::strerror(err)));
  }
  // Make the rename durable (best effort).
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  validate_for_write(path, tensors);
  std::vector<std::size_t> order;
  const std::string header = safetensors_header(tensors, metadata, &order);
  const std::uint64_t n = header.size();
  unsigned char prefix[8];
  std::memcpy(prefix, &n, 8);
  std::vector<std::pair<const void*, std::size_t>> pieces;
  pieces.reserve(tensors.size() + 2);
  pieces.emplace_back(prefix, 8);
  pieces.emplace_back(header.data(), header.size());
  for (std::size_t i : order)
    if (tensors[i].nbytes) pieces.emplace_back(tensors[i].data, tensors[i].nbytes);
  write_file_atomic(path, pieces);
}

void write_safetensors(const std::string& path, const std::vector<OwnedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<TensorToWrite> refs;
  refs.reserve(tensors.size());
  for (const OwnedTensor& t : tensors) refs.push_back(t.ref());
  write_safetensors(path, refs, metadata);
}

}  // namespace trafl::checkpoint
