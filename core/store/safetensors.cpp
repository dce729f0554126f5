#include "store/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <tuple>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/json_read.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O here assumes a little-endian host");

namespace warp {

namespace {

constexpr int kMaxRank = 32;
constexpr size_t kHashBlock = 4 << 20;
constexpr const char* kDigestTag = "warp-safetensors-sha256-v1\n";

struct StDtype {
  const char* name;
  torch::Dtype dtype;
};
const StDtype kStDtypes[] = {{"F64", torch::kFloat64},   {"F32", torch::kFloat32}, {"F16", torch::kFloat16},
                             {"BF16", torch::kBFloat16}, {"I64", torch::kInt64},   {"I32", torch::kInt32},
                             {"I16", torch::kInt16},     {"I8", torch::kInt8},     {"U8", torch::kUInt8},
                             {"BOOL", torch::kBool}};

std::string errno_text() { return std::strerror(errno); }

// SHA-256 through OpenSSL's EVP interface.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) throw Error("SHA-256: cannot initialise");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size) {
    if (size && EVP_DigestUpdate(ctx_, data, size) != 1) throw Error("SHA-256: update failed");
  }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (EVP_DigestFinal_ex(ctx_, md, &len) != 1) throw Error("SHA-256: final failed");
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < len; ++i) {
      s.push_back(digits[md[i] >> 4]);
      s.push_back(digits[md[i] & 15]);
    }
    return s;
  }

 private:
  EVP_MD_CTX* ctx_;
};

void put_u64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& s, const std::string& v) {
  put_u64(s, v.size());
  s += v;
}

// What the checksum covers before the data: every entry (sorted by offsets, then name) and the
// metadata other than the checksum itself, length-prefixed so no two headers describe alike.
std::string digest_prefix(std::vector<const SafetensorsEntry*> entries,
                          const std::map<std::string, std::string>& meta) {
  std::sort(entries.begin(), entries.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
    return std::tie(a->begin, a->end, a->name) < std::tie(b->begin, b->end, b->name);
  });
  std::string s = kDigestTag;
  put_u64(s, entries.size());
  for (const auto* e : entries) {
    put_str(s, e->name);
    put_str(s, e->dtype);
    put_u64(s, e->shape.size());
    for (int64_t d : e->shape) put_u64(s, static_cast<uint64_t>(d));
    put_u64(s, e->begin);
    put_u64(s, e->end);
  }
  put_u64(s, meta.size());
  for (const auto& [k, v] : meta) {
    put_str(s, k);
    put_str(s, v);
  }
  return s;
}

// Message text with bytes outside printable ASCII shown as \xNN (parser errors quote raw input).
std::string printable(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Parser callback that refuses duplicate keys in any object (nlohmann would keep the last one).
struct DuplicateKeyCheck {
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      open.emplace_back();
    } else if (event == E::object_end) {
      if (!open.empty()) open.pop_back();
    } else if (event == E::key && !open.empty() && parsed.is_string()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open.back().insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  }
};

}  // namespace

bool safetensors_dtype_from_name(const std::string& name, torch::Dtype* out) {
  for (const auto& d : kStDtypes) {
    if (name == d.name) {
      *out = d.dtype;
      return true;
    }
  }
  return false;
}

std::string safetensors_dtype_name(torch::Dtype dtype) {
  for (const auto& d : kStDtypes)
    if (d.dtype == dtype) return d.name;
  throw Error("dtype " + dtype_name(dtype) + " has no safetensors name");
}

// ---- header --------------------------------------------------------------------------------------

SafetensorsHeader parse_safetensors_header(const std::string& text, uint64_t file_size, const std::string& where) {
  auto fail = [&](const std::string& why) -> BadInput { return BadInput(file_message(where, why)); };
  if (text.empty() || text[0] != '{') throw fail("safetensors header does not start with '{'");
  DuplicateKeyCheck dup;
  nlohmann::json j;
  const std::size_t deep = json_too_deep_at(text);
  if (deep != std::string::npos)
    throw fail("safetensors header is JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels (at byte " +
               std::to_string(deep) + ")");
  try {
    j = nlohmann::json::parse(text, std::ref(dup));
  } catch (const nlohmann::json::exception& e) {
    throw fail("safetensors header is not valid UTF-8 JSON: " + printable(e.what()));
  }
  if (!dup.duplicate.empty()) throw fail("safetensors header has the key '" + dup.duplicate + "' twice");
  if (!j.is_object()) throw fail("safetensors header is not a JSON object");

  SafetensorsHeader h;
  h.data_start = 8 + text.size();
  if (h.data_start > file_size)
    throw fail("safetensors header (" + std::to_string(text.size()) + " bytes) is larger than the file");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw fail("__metadata__ is not a JSON object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) throw fail("__metadata__ entry '" + m.key() + "' is not a string");
        if (m.key() == kSafetensorsChecksumKey) {
          h.checksum = m.value().get<std::string>();
          if (!is_hex64(h.checksum))
            throw fail(std::string("__metadata__ ") + kSafetensorsChecksumKey + " is not 64 lowercase hex digits");
        } else {
          h.metadata[m.key()] = m.value().get<std::string>();
        }
      }
      continue;
    }
    const std::string label = "tensor '" + name + "'";
    if (name.empty()) throw fail("safetensors header has a tensor with an empty name");
    if (!v.is_object()) throw fail(label + ": entry is not a JSON object");
    SafetensorsEntry e;
    e.name = name;
    if (!v.contains("dtype") || !v.at("dtype").is_string()) throw fail(label + ": missing or non-string 'dtype'");
    e.dtype = v.at("dtype").get<std::string>();
    if (!safetensors_dtype_from_name(e.dtype, &e.torch_dtype))
      throw fail(label + ": unknown or unsupported dtype '" + e.dtype +
                 "' (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    if (!v.contains("shape") || !v.at("shape").is_array()) throw fail(label + ": missing or non-array 'shape'");
    const auto& shape = v.at("shape");
    if (shape.size() > static_cast<size_t>(kMaxRank))
      throw fail(label + ": shape has " + std::to_string(shape.size()) + " dimensions (at most 32)");
    for (const auto& d : shape) {
      if (!d.is_number_unsigned())
        throw fail(label + ": shape has a dimension that is not a non-negative integer: " + d.dump());
      uint64_t u = d.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw fail(label + ": shape dimension " + std::to_string(u) + " is out of range");
      e.shape.push_back(static_cast<int64_t>(u));
    }
    if (!v.contains("data_offsets") || !v.at("data_offsets").is_array() || v.at("data_offsets").size() != 2)
      throw fail(label + ": 'data_offsets' must be an array [begin, end]");
    const auto& off = v.at("data_offsets");
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw fail(label + ": 'data_offsets' must be non-negative integers");
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.end < e.begin)
      throw fail(label + ": data_offsets [" + std::to_string(e.begin) + "," + std::to_string(e.end) +
                 "] end before begin");
    int64_t nbytes = 0;
    torch::Dtype td = e.torch_dtype;
    if (!checked_nbytes(e.shape, dtype_size(td), &e.numel, &nbytes))
      throw fail(label + ": size of shape " + shape_string(e.shape) + " overflows");
    if (static_cast<uint64_t>(nbytes) != e.end - e.begin)
      throw fail(label + ": shape " + shape_string(e.shape) + " " + e.dtype + " needs " + std::to_string(nbytes) +
                 " bytes but data_offsets span " + std::to_string(e.end - e.begin));
    h.entries.push_back(std::move(e));
  }

  std::sort(h.entries.begin(), h.entries.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  uint64_t pos = 0;
  for (const auto& e : h.entries) {
    if (e.begin < pos)
      throw fail("tensor '" + e.name + "' overlaps the previous tensor (begins at " + std::to_string(e.begin) +
                 ", previous ends at " + std::to_string(pos) + ")");
    if (e.begin > pos)
      throw fail("gap in the data section before tensor '" + e.name + "' (begins at " + std::to_string(e.begin) +
                 ", previous ends at " + std::to_string(pos) + ")");
    pos = e.end;
  }
  const uint64_t data_size = file_size - h.data_start;  // the caller checked data_start <= file_size
  if (pos != data_size)
    throw fail("data section is " + std::to_string(data_size) + " bytes but the tensors cover " + std::to_string(pos) +
               (pos < data_size ? " (trailing bytes)" : " (file truncated)"));
  return h;
}

// ---- reader -------------------------------------------------------------------------------------------

SafetensorsReader::SafetensorsReader(const std::string& path, bool verify) : path_(path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw BadInput(file_message(path, "does not exist or cannot be accessed"));
  if (S_ISDIR(st.st_mode)) throw BadInput(file_message(path, "is a folder, expected a safetensors file"));
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw BadInput(file_message(path, "cannot open: " + errno_text()));
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw BadInput(file_message(path, "is not a regular file"));
  }
  try {
    file_size_ = static_cast<uint64_t>(st.st_size);
    if (file_size_ < 8)
      throw BadInput(file_message(path, "is " + std::to_string(file_size_) + " bytes, too small for safetensors"));
    unsigned char len_bytes[8];
    read_bytes(0, len_bytes, 8, "header length");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
    if (n > kSafetensorsMaxHeaderBytes)
      throw BadInput(file_message(path, "safetensors header length " + std::to_string(n) +
                                            " bytes exceeds the limit of " +
                                            std::to_string(kSafetensorsMaxHeaderBytes) + " bytes (16 MiB)"));
    if (n > file_size_ - 8)
      throw BadInput(file_message(path, "safetensors header length " + std::to_string(n) + " exceeds the file size (" +
                                            std::to_string(file_size_) + " bytes)"));
    std::string text(n, '\0');
    read_bytes(8, text.data(), n, "header");
    header_ = parse_safetensors_header(text, file_size_, path);
    for (size_t i = 0; i < header_.entries.size(); ++i) index_[header_.entries[i].name] = i;
    if (verify) verify_checksum();
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
}

SafetensorsReader::~SafetensorsReader() {
  if (fd_ >= 0) ::close(fd_);
}

void SafetensorsReader::read_bytes(uint64_t offset, void* dst, uint64_t size, const std::string& what) const {
  auto* p = static_cast<char*>(dst);
  while (size > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(size, 1 << 30));
    ssize_t got = ::pread(fd_, p, want, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw BadInput(file_message(path_, "cannot read " + what + ": " + errno_text()));
    }
    if (got == 0) throw BadInput(file_message(path_, "ends early while reading " + what + " (truncated?)"));
    p += got;
    offset += static_cast<uint64_t>(got);
    size -= static_cast<uint64_t>(got);
  }
}

const SafetensorsEntry* SafetensorsReader::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.entries[it->second];
}

torch::Tensor SafetensorsReader::read(const std::string& name) const {
  const SafetensorsEntry* e = find(name);
  if (!e) throw BadInput(file_message(path_, "has no tensor '" + name + "'"));
  torch::Tensor t = torch::empty(e->shape, torch::TensorOptions().dtype(e->torch_dtype).device(torch::kCPU));
  if (e->end > e->begin)
    read_bytes(header_.data_start + e->begin, t.data_ptr(), e->end - e->begin, "tensor '" + name + "'");
  if (e->torch_dtype == torch::kBool) {
    const auto* p = static_cast<const uint8_t*>(t.data_ptr());
    for (int64_t i = 0; i < e->numel; ++i)
      if (p[i] > 1)
        throw BadInput(file_message(path_, "tensor '" + name + "' is BOOL but holds the byte " + std::to_string(p[i])));
  }
  return t;
}

torch::Tensor SafetensorsReader::read_float32(const std::string& name) const {
  const SafetensorsEntry* e = find(name);
  if (!e) throw BadInput(file_message(path_, "has no tensor '" + name + "'"));
  if (!c10::isFloatingType(e->torch_dtype))
    throw BadInput(
        file_message(path_, "tensor '" + name + "' has dtype " + e->dtype + ", expected a floating-point dtype"));
  torch::Tensor t = read(name);
  return t.scalar_type() == torch::kFloat32 ? t : t.to(torch::kFloat32);
}

void SafetensorsReader::verify_checksum() const {
  if (header_.checksum.empty()) return;
  std::vector<const SafetensorsEntry*> entries;
  for (const auto& e : header_.entries) entries.push_back(&e);
  Sha256 sha;
  std::string prefix = digest_prefix(entries, header_.metadata);
  sha.update(prefix.data(), prefix.size());
  std::vector<char> block(kHashBlock);
  for (uint64_t off = header_.data_start; off < file_size_;) {
    uint64_t n = std::min<uint64_t>(kHashBlock, file_size_ - off);
    read_bytes(off, block.data(), n, "data");
    sha.update(block.data(), n);
    off += n;
  }
  if (sha.hex() != header_.checksum)
    throw BadInput(
        file_message(path_, std::string("checksum mismatch (") + kSafetensorsChecksumKey + "), the file is corrupt"));
}

// ---- writer -------------------------------------------------------------------------------------------

struct SafetensorsWriter::Hasher {
  Sha256 sha;
};

SafetensorsWriter::SafetensorsWriter(const std::string& path, const std::vector<TensorInfo>& layout,
                                     const std::map<std::string, std::string>& metadata)
    : file_(path), layout_(layout) {
  if (is_directory(path)) throw Error(file_message(path, "is a folder; cannot write a safetensors file there"));
  if (metadata.count(kSafetensorsChecksumKey))
    throw Error(file_message(path, std::string("metadata key '") + kSafetensorsChecksumKey + "' is reserved"));
  std::vector<SafetensorsEntry> entries;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (auto& info : layout_) {
    if (info.name.empty() || info.name == "__metadata__")
      throw Error(file_message(path, "invalid tensor name '" + info.name + "'"));
    if (!names.insert(info.name).second) throw Error(file_message(path, "tensor '" + info.name + "' appears twice"));
    if (!is_storable_dtype(info.dtype))
      throw Error(file_message(path, "tensor '" + info.name + "' has dtype " + dtype_name(info.dtype) +
                                         ", which safetensors cannot store here"));
    if (info.shape.size() > static_cast<size_t>(kMaxRank) ||
        !checked_nbytes(info.shape, dtype_size(info.dtype), &info.numel, &info.nbytes))
      throw Error(file_message(path, "tensor '" + info.name + "' has an invalid shape " + shape_string(info.shape)));
    SafetensorsEntry e;
    e.name = info.name;
    e.dtype = safetensors_dtype_name(info.dtype);
    e.torch_dtype = info.dtype;
    e.shape = info.shape;
    e.numel = info.numel;
    e.begin = offset;
    e.end = offset + static_cast<uint64_t>(info.nbytes);
    offset = e.end;
    entries.push_back(std::move(e));
  }

  // Header: the checksum first (64 zeros for now, filled in by commit()), then the other metadata,
  // then the tensors in layout order.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  meta[kSafetensorsChecksumKey] = std::string(64, '0');
  for (const auto& [k, v] : metadata) meta[k] = v;
  header["__metadata__"] = meta;
  for (const auto& e : entries)
    header[e.name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {e.begin, e.end}}};
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& ex) {
    throw Error(file_message(path, std::string("tensor names and metadata must be valid UTF-8: ") + ex.what()));
  }
  const std::string anchor = std::string("{\"__metadata__\":{\"") + kSafetensorsChecksumKey + "\":\"";
  if (text.compare(0, anchor.size(), anchor) != 0)
    throw Error(file_message(path, "internal: unexpected header layout"));
  checksum_offset_ = 8 + anchor.size();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');

  hasher_ = std::make_unique<Hasher>();
  std::vector<const SafetensorsEntry*> ptrs;
  for (const auto& e : entries) ptrs.push_back(&e);
  std::map<std::string, std::string> plain(metadata.begin(), metadata.end());
  std::string prefix = digest_prefix(ptrs, plain);
  hasher_->sha.update(prefix.data(), prefix.size());

  fd_ = ::open(file_.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(file_message(file_.temp_path(), "cannot create: " + errno_text()));
  std::string len_bytes;
  put_u64(len_bytes, text.size());
  write_all(len_bytes.data(), len_bytes.size());
  write_all(text.data(), text.size());
}

SafetensorsWriter::~SafetensorsWriter() {
  if (fd_ >= 0) ::close(fd_);
  // file_ (AtomicFile) removes the temporary file unless committed.
}

void SafetensorsWriter::write_all(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, std::min<size_t>(size, 1 << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(file_message(file_.temp_path(), "write failed: " + errno_text()));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void SafetensorsWriter::write(const std::string& name, const torch::Tensor& t) {
  const std::string& where = file_.target_path();
  if (committed_ || fd_ < 0) throw Error(file_message(where, "safetensors writer is already closed"));
  if (next_ >= layout_.size()) throw Error(file_message(where, "tensor '" + name + "' is not in the layout"));
  const TensorInfo& want = layout_[next_];
  if (name != want.name)
    throw Error(file_message(where, "tensor '" + name + "' written where '" + want.name + "' comes next"));
  if (!t.defined() || t.scalar_type() != want.dtype || tensor_shape(t) != want.shape)
    throw Error(file_message(where, "tensor '" + name + "' does not match its layout entry (" + dtype_name(want.dtype) +
                                        " " + shape_string(want.shape) + ")"));
  torch::Tensor data = t.detach().to(torch::kCPU).contiguous();
  write_all(data.data_ptr(), static_cast<size_t>(want.nbytes));
  hasher_->sha.update(data.data_ptr(), static_cast<size_t>(want.nbytes));
  ++next_;
}

void SafetensorsWriter::commit() {
  const std::string& where = file_.target_path();
  if (committed_ || fd_ < 0) throw Error(file_message(where, "safetensors writer is already closed"));
  if (next_ != layout_.size())
    throw Error(file_message(
        where, "only " + std::to_string(next_) + " of " + std::to_string(layout_.size()) + " tensors were written"));
  std::string hex = hasher_->sha.hex();
  if (::pwrite(fd_, hex.data(), hex.size(), static_cast<off_t>(checksum_offset_)) != static_cast<ssize_t>(hex.size()))
    throw Error(file_message(file_.temp_path(), "cannot write the checksum: " + errno_text()));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw Error(file_message(file_.temp_path(), "close failed: " + errno_text()));
  file_.commit();
  committed_ = true;
}

// ---- whole files -----------------------------------------------------------------------------------------

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata, const ProgressFn& progress) {
  std::vector<TensorInfo> layout;
  for (const auto& [name, t] : tensors) layout.push_back(describe_tensor(name, t, path));
  SafetensorsWriter writer(path, layout, metadata);
  const int64_t total = static_cast<int64_t>(tensors.size());
  int64_t done = 0;
  for (const auto& [name, t] : tensors) {
    report(progress, {"save safetensors", done, total, name});
    writer.write(name, t);
    ++done;
  }
  report(progress, {"save safetensors", done, total, ""});
  writer.commit();
}

NamedTensors load_safetensors(const std::string& path, std::map<std::string, std::string>* metadata,
                              const ProgressFn& progress) {
  SafetensorsReader reader(path);
  if (metadata) *metadata = reader.metadata();
  NamedTensors out;
  const int64_t total = static_cast<int64_t>(reader.entries().size());
  int64_t done = 0;
  for (const auto& e : reader.entries()) {
    report(progress, {"load safetensors", done, total, e.name});
    out.emplace_back(e.name, reader.read(e.name));
    ++done;
  }
  report(progress, {"load safetensors", done, total, ""});
  return out;
}

}  // namespace warp
