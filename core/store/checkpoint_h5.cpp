#include "store/checkpoint_h5.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <map>

#include <torch/torch.h>

#include "model/gpt_params.h"
#include "util/error.h"
#include "util/json_read.h"
#include "util/sha256.h"

namespace warp {

namespace {

constexpr size_t kMaxAttributeBytes = 64 << 20;  // config / meta text
constexpr hsize_t kMaxTensorsPerGroup = 1000000;
constexpr int kMaxRank = 32;
constexpr const char* kDtypeAttr = "warp_dtype";
// SHA-256 (hex) of the meta attribute's text. HDF5 checksums an attribute kept in the object header
// (< 64 KiB) but not a larger one (a "huge object" of the dense attribute storage): this covers both.
constexpr const char* kMetaShaAttr = "meta_sha256";

// ---- header checks ------------------------------------------------------------------------------

bool valid_kind(const std::string& kind) {
  if (kind.empty() || kind.size() > 64) return false;
  for (unsigned char c : kind)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

void check_header_for_write(const CheckpointHeader& h, const std::string& path) {
  if (!valid_kind(h.kind))
    throw BadInput(file_message(path, "checkpoint kind '" + h.kind + "' must be 1-64 characters of [A-Za-z0-9_.-]"));
  if (h.step < 0) throw BadInput(file_message(path, "checkpoint step must be >= 0, got " + std::to_string(h.step)));
  if (!h.config.is_object()) throw BadInput(file_message(path, "checkpoint config must be a JSON object"));
}

// ---- dtype <-> HDF5 type --------------------------------------------------------------------------

// The file type written for a dtype (little-endian, as the format is defined).
hid_t file_type_for(torch::Dtype d) {
  switch (d) {
    case torch::kFloat32:
      return H5T_IEEE_F32LE;
    case torch::kFloat64:
      return H5T_IEEE_F64LE;
    case torch::kInt64:
      return H5T_STD_I64LE;
    case torch::kInt32:
      return H5T_STD_I32LE;
    case torch::kInt16:
      return H5T_STD_I16LE;
    case torch::kInt8:
      return H5T_STD_I8LE;
    case torch::kUInt8:
      return H5T_STD_U8LE;
    case torch::kBool:
      return H5T_STD_U8LE;
    case torch::kFloat16:
      return H5T_STD_U16LE;
    case torch::kBFloat16:
      return H5T_STD_U16LE;
    default:
      throw Error("dtype " + dtype_name(d) + " has no HDF5 type");
  }
}

// The in-memory type that HDF5 converts stored data to (native byte order).
hid_t memory_type_for(torch::Dtype d) {
  switch (d) {
    case torch::kFloat32:
      return H5T_NATIVE_FLOAT;
    case torch::kFloat64:
      return H5T_NATIVE_DOUBLE;
    case torch::kInt64:
      return H5T_NATIVE_INT64;
    case torch::kInt32:
      return H5T_NATIVE_INT32;
    case torch::kInt16:
      return H5T_NATIVE_INT16;
    case torch::kInt8:
      return H5T_NATIVE_INT8;
    case torch::kUInt8:
      return H5T_NATIVE_UINT8;
    case torch::kBool:
      return H5T_NATIVE_UINT8;
    case torch::kFloat16:
      return H5T_NATIVE_UINT16;
    case torch::kBFloat16:
      return H5T_NATIVE_UINT16;
    default:
      throw Error("dtype " + dtype_name(d) + " has no HDF5 type");
  }
}

// ---- attributes -------------------------------------------------------------------------------------

void write_string_attr(hid_t obj, const char* name, const std::string& value, const std::string& path) {
  H5Type type(h5_check(H5Tcopy(H5T_C_S1), path, "cannot create a string type", false));
  h5_check(H5Tset_size(type.get(), std::max<size_t>(value.size(), 1)), path, "cannot size a string type", false);
  h5_check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), path, "cannot set string padding", false);
  h5_check(H5Tset_cset(type.get(), H5T_CSET_UTF8), path, "cannot set string encoding", false);
  H5Space space(h5_check(H5Screate(H5S_SCALAR), path, "cannot create a dataspace", false));
  H5Attr attr(h5_check(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), path,
                       std::string("cannot create attribute '") + name + "'", false));
  std::string buf = value;
  if (buf.empty()) buf.push_back('\0');
  h5_check(H5Awrite(attr.get(), type.get(), buf.data()), path, std::string("cannot write attribute '") + name + "'",
           false);
}

void write_int_attr(hid_t obj, const char* name, int64_t value, const std::string& path) {
  H5Space space(h5_check(H5Screate(H5S_SCALAR), path, "cannot create a dataspace", false));
  H5Attr attr(h5_check(H5Acreate2(obj, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), path,
                       std::string("cannot create attribute '") + name + "'", false));
  h5_check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), path, std::string("cannot write attribute '") + name + "'",
           false);
}

bool has_attr(hid_t obj, const char* name, const std::string& path, const std::string& object) {
  htri_t e = H5Aexists(obj, name);
  if (e < 0) h5_throw(path, "cannot look up attribute '" + std::string(name) + "' of " + object, true);
  return e > 0;
}

// Attribute with a single element: a scalar dataspace or a simple one with one element.
void check_single_element(hid_t attr, const std::string& path, const std::string& what) {
  H5Space space(h5_check(H5Aget_space(attr), path, "cannot read the dataspace of " + what, true));
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n != 1) throw BadInput(file_message(path, what + " is not a single value"));
}

std::string read_string_attr(hid_t obj, const char* name, const std::string& path, const std::string& object) {
  const std::string what = "attribute '" + std::string(name) + "' of " + object;
  H5Attr attr(h5_check(H5Aopen(obj, name, H5P_DEFAULT), path, "cannot open " + what, true));
  H5Type ftype(h5_check(H5Aget_type(attr.get()), path, "cannot read the type of " + what, true));
  if (H5Tget_class(ftype.get()) != H5T_STRING) throw BadInput(file_message(path, what + " is not a string"));
  check_single_element(attr.get(), path, what);
  H5T_cset_t cset = H5Tget_cset(ftype.get());
  if (cset < 0) h5_throw(path, "cannot read the encoding of " + what, true);
  H5Type mtype(h5_check(H5Tcopy(H5T_C_S1), path, "cannot create a string type", false));
  h5_check(H5Tset_cset(mtype.get(), cset), path, "cannot set string encoding", false);
  htri_t variable = H5Tis_variable_str(ftype.get());
  if (variable < 0) h5_throw(path, "cannot read the type of " + what, true);
  if (variable) {
    h5_check(H5Tset_size(mtype.get(), H5T_VARIABLE), path, "cannot size a string type", false);
    char* p = nullptr;
    h5_check(H5Aread(attr.get(), mtype.get(), &p), path, "cannot read " + what, true);
    std::string s = p ? std::string(p) : std::string();
    if (p) H5free_memory(p);
    return s;
  }
  size_t size = H5Tget_size(ftype.get());
  if (size == 0 || size > kMaxAttributeBytes)
    throw BadInput(file_message(path, what + " has an invalid size (" + std::to_string(size) + " bytes)"));
  h5_check(H5Tset_size(mtype.get(), size), path, "cannot size a string type", false);
  h5_check(H5Tset_strpad(mtype.get(), H5T_STR_NULLPAD), path, "cannot set string padding", false);
  std::string buf(size, '\0');
  h5_check(H5Aread(attr.get(), mtype.get(), buf.data()), path, "cannot read " + what, true);
  auto end = buf.find('\0');
  if (end != std::string::npos) buf.resize(end);
  return buf;
}

int64_t read_int_attr(hid_t obj, const char* name, const std::string& path, const std::string& object) {
  const std::string what = "attribute '" + std::string(name) + "' of " + object;
  H5Attr attr(h5_check(H5Aopen(obj, name, H5P_DEFAULT), path, "cannot open " + what, true));
  H5Type ftype(h5_check(H5Aget_type(attr.get()), path, "cannot read the type of " + what, true));
  if (H5Tget_class(ftype.get()) != H5T_INTEGER) throw BadInput(file_message(path, what + " is not an integer"));
  check_single_element(attr.get(), path, what);
  int64_t v = 0;
  h5_check(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), path, "cannot read " + what, true);
  return v;
}

nlohmann::json parse_json_attr(const std::string& text, const std::string& path, const char* name) {
  nlohmann::json j = parse_json_or_discarded(text, file_message(path, std::string("attribute '") + name + "'"));
  if (j.is_discarded()) throw BadInput(file_message(path, std::string("attribute '") + name + "' is not valid JSON"));
  return j;
}

// ---- datasets ----------------------------------------------------------------------------------------

std::string tensor_label(TensorGroup g, const std::string& name) {
  switch (g) {
    case TensorGroup::Params:
      return "tensor '" + name + "'";
    case TensorGroup::State:
      return "state tensor '" + name + "'";
    case TensorGroup::Files:
      return "file '" + name + "'";
  }
  return "'" + name + "'";
}

size_t group_index(TensorGroup g) { return static_cast<size_t>(g); }

bool is_file_tensor(const TensorInfo& info) { return info.dtype == torch::kUInt8 && info.shape.size() == 1; }

std::string dataset_path(TensorGroup g, const std::string& name) {
  return std::string("/") + group_name(g) + "/" + name;
}

// Describes a stored dataset after checking everything about it that could make reading it
// unsafe or wrong: the link kind, layout, filters, type, shape and the stored byte count.
TensorInfo describe_dataset(hid_t ds, const std::string& name, TensorGroup g, const std::string& path,
                            int64_t file_size) {
  const std::string label = tensor_label(g, name);
  auto bad = [&](const std::string& why) -> BadInput { return BadInput(file_message(path, label + " " + why)); };
  TensorInfo info;
  info.name = name;

  // Shape.
  H5Space space(h5_check(H5Dget_space(ds), path, "cannot read the dataspace of " + label, true));
  H5S_class_t sclass = H5Sget_simple_extent_type(space.get());
  if (sclass == H5S_SIMPLE) {
    int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) h5_throw(path, "cannot read the rank of " + label, true);
    if (rank > kMaxRank) throw bad("has rank " + std::to_string(rank) + " (at most " + std::to_string(kMaxRank) + ")");
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
      h5_throw(path, "cannot read the shape of " + label, true);
    for (hsize_t d : dims) {
      if (d > static_cast<hsize_t>(std::numeric_limits<int64_t>::max())) throw bad("has a dimension out of range");
      info.shape.push_back(static_cast<int64_t>(d));
    }
  } else if (sclass != H5S_SCALAR) {
    throw bad("has no data (null or unknown dataspace)");
  }

  // Type: class and size of the stored type, refined by the warp_dtype attribute.
  H5Type ftype(h5_check(H5Dget_type(ds), path, "cannot read the type of " + label, true));
  H5T_class_t tclass = H5Tget_class(ftype.get());
  size_t tsize = H5Tget_size(ftype.get());
  H5T_sign_t sign = tclass == H5T_INTEGER ? H5Tget_sign(ftype.get()) : H5T_SGN_ERROR;
  std::string declared;
  if (has_attr(ds, kDtypeAttr, path, label)) declared = read_string_attr(ds, kDtypeAttr, path, label);
  bool known = false;
  if (!declared.empty()) {
    torch::Dtype d;
    if (!dtype_from_name(declared, &d)) throw bad("declares unknown dtype '" + declared + "'");
    info.dtype = d;
    if (d == torch::kFloat16 || d == torch::kBFloat16)
      known = tclass == H5T_INTEGER && tsize == 2 && sign == H5T_SGN_NONE;
    else if (d == torch::kBool) known = tclass == H5T_INTEGER && tsize == 1 && sign == H5T_SGN_NONE;
    else throw bad("declares dtype '" + declared + "' in a warp_dtype attribute (only float16, bfloat16, bool)");
    if (!known) throw bad("declares dtype " + declared + " but its HDF5 type does not match");
  } else if (tclass == H5T_FLOAT && tsize == 4) {
    info.dtype = torch::kFloat32;
  } else if (tclass == H5T_FLOAT && tsize == 8) {
    info.dtype = torch::kFloat64;
  } else if (tclass == H5T_INTEGER && sign == H5T_SGN_2) {
    switch (tsize) {
      case 8:
        info.dtype = torch::kInt64;
        known = true;
        break;
      case 4:
        info.dtype = torch::kInt32;
        known = true;
        break;
      case 2:
        info.dtype = torch::kInt16;
        known = true;
        break;
      case 1:
        info.dtype = torch::kInt8;
        known = true;
        break;
      default:
        break;
    }
    if (!known) throw bad("has an unsupported integer type (" + std::to_string(tsize) + " bytes)");
  } else if (tclass == H5T_INTEGER && sign == H5T_SGN_NONE && tsize == 1) {
    info.dtype = torch::kUInt8;
  } else {
    throw bad("has an unsupported HDF5 type (class " + std::to_string(static_cast<int>(tclass)) + ", " +
              std::to_string(tsize) + " bytes)");
  }

  if (!checked_nbytes(info.shape, dtype_size(info.dtype), &info.numel, &info.nbytes))
    throw bad("has a shape whose size overflows: " + shape_string(info.shape));

  // Layout and filters: data must be inside this file, filters limited to Fletcher32.
  H5Plist dcpl(h5_check(H5Dget_create_plist(ds), path, "cannot read the storage properties of " + label, true));
  H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout != H5D_CHUNKED && layout != H5D_CONTIGUOUS && layout != H5D_COMPACT)
    throw bad("has an unsupported storage layout (" + std::to_string(static_cast<int>(layout)) + ")");
  int external = H5Pget_external_count(dcpl.get());
  if (external != 0) throw bad("stores its data outside the file (external storage is refused)");
  int nfilters = H5Pget_nfilters(dcpl.get());
  if (nfilters < 0) h5_throw(path, "cannot read the filters of " + label, true);
  for (int i = 0; i < nfilters; ++i) {
    unsigned flags = 0, config = 0;
    size_t nvalues = 8;
    unsigned values[8];
    char fname[64];
    H5Z_filter_t f =
        H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nvalues, values, sizeof fname, fname, &config);
    if (f < 0) h5_throw(path, "cannot read the filters of " + label, true);
    if (f != H5Z_FILTER_FLETCHER32)
      throw bad("uses HDF5 filter " + std::to_string(f) + " (only Fletcher32 is supported)");
  }

  // A hostile file can declare any shape; the data must actually be in the file before the
  // caller allocates numel * size bytes.
  if (info.nbytes > 0) {
    hsize_t stored = H5Dget_storage_size(ds);
    if (stored < static_cast<hsize_t>(info.nbytes))
      throw bad("declares shape " + shape_string(info.shape) + " (" + std::to_string(info.nbytes) +
                " bytes) but stores " + std::to_string(stored) + " bytes");
    if (stored > static_cast<hsize_t>(file_size))
      throw bad("claims " + std::to_string(stored) + " bytes of storage in a file of " + std::to_string(file_size) +
                " bytes");
  }
  return info;
}

// Chunk shape of about `chunk_bytes`: whole trailing dimensions while they fit, then the first
// dimension that does not fit is cut into equal pieces (HDF5 stores edge chunks at full size, so
// equal pieces waste the least: [3072, 768] float32 is 10 chunks of 308 rows, not 341 + ... + 1).
std::vector<hsize_t> chunk_dims(const std::vector<int64_t>& shape, int64_t element_size, int64_t chunk_bytes) {
  std::vector<hsize_t> chunk(shape.size(), 1);
  int64_t budget = std::max<int64_t>(1, chunk_bytes / element_size);  // elements left in one chunk
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] <= budget) {
      chunk[i] = static_cast<hsize_t>(shape[i]);
      budget /= shape[i];
      continue;
    }
    int64_t pieces = (shape[i] + budget - 1) / budget;
    chunk[i] = static_cast<hsize_t>((shape[i] + pieces - 1) / pieces);
    break;  // earlier dimensions: one index per chunk
  }
  return chunk;
}

int64_t file_size_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw BadInput(file_message(path, "does not exist or cannot be accessed"));
  if (S_ISDIR(st.st_mode)) throw BadInput(file_message(path, "is a folder, expected a checkpoint file"));
  if (!S_ISREG(st.st_mode)) throw BadInput(file_message(path, "is not a regular file"));
  return static_cast<int64_t>(st.st_size);
}

H5Plist file_access_plist(const std::string& path, bool write) {
  H5Plist fapl(h5_check(H5Pcreate(H5P_FILE_ACCESS), path, "cannot create file access properties", false));
  // Written in the HDF5 1.10 file format: checksums on all metadata (superblock, object headers,
  // chunk indexes), readable by HDF5 >= 1.10 (h5py included). Reading accepts any version.
  if (write)
    h5_check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_V110), path, "cannot set the file format",
             false);
  // Closing the file closes everything opened in it, so no object keeps it open behind our back.
  h5_check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), path, "cannot set the close degree", false);
  return fapl;
}

// ---- GPT parameter checks ---------------------------------------------------------------------------

struct ProblemList {
  std::string first;
  int count = 0;
  void add(const std::string& p) {
    if (count++ == 0) first = p;
  }
  void throw_if_any(const std::string& where) const {
    if (count == 0) return;
    std::string msg = first;
    if (count > 1) msg += " (and " + std::to_string(count - 1) + " more problem" + (count > 2 ? "s" : "") + ")";
    throw BadInput(file_message(where, msg));
  }
};

}  // namespace

// Names, shapes and dtypes of stored or in-memory tensors against the specs of a config.
void check_gpt_tensor_infos(const std::vector<TensorInfo>& infos, const GPTConfig& config, const std::string& where) {
  ProblemList problems;
  std::map<std::string, const TensorInfo*> by_name;
  for (const auto& info : infos)
    if (!by_name.emplace(info.name, &info).second) problems.add("tensor '" + info.name + "' appears twice");
  auto specs = gpt_param_specs(config);
  std::set<std::string> spec_names;
  for (const auto& spec : specs) {
    spec_names.insert(spec.name);
    auto it = by_name.find(spec.name);
    if (it == by_name.end()) {
      problems.add("tensor '" + spec.name + "' is missing (expected shape " + shape_string(spec.shape) + ")");
      continue;
    }
    const TensorInfo& info = *it->second;
    if (info.shape != spec.shape)
      problems.add("tensor '" + spec.name + "' has shape " + shape_string(info.shape) + ", expected " +
                   shape_string(spec.shape));
    else if (info.dtype != torch::kFloat32)
      problems.add("tensor '" + spec.name + "' has dtype " + dtype_name(info.dtype) + ", expected float32");
  }
  for (const auto& info : infos)
    if (!spec_names.count(info.name))
      problems.add("unexpected tensor '" + info.name + "' (not a parameter of this GPT config)");
  problems.throw_if_any(where);
}

namespace {

std::string config_difference(const GPTConfig& got, const GPTConfig& want) {
  auto field = [](const char* name, auto a, auto b) -> std::string {
    if (a == b) return "";
    return std::string(name) + " is " + nlohmann::json(a).dump() + ", expected " + nlohmann::json(b).dump();
  };
  for (const std::string& d : {field("n_layer", got.n_layer, want.n_layer), field("n_head", got.n_head, want.n_head),
                               field("n_embd", got.n_embd, want.n_embd), field("n_ctx", got.n_ctx, want.n_ctx),
                               field("vocab_size", got.vocab_size, want.vocab_size),
                               field("layer_norm_eps", got.layer_norm_eps, want.layer_norm_eps)})
    if (!d.empty()) return d;
  return "";
}

}  // namespace

const char* group_name(TensorGroup g) {
  switch (g) {
    case TensorGroup::Params:
      return "params";
    case TensorGroup::State:
      return "state";
    case TensorGroup::Files:
      return "files";
  }
  return "?";
}

// ---- CheckpointReader ----------------------------------------------------------------------------------

CheckpointReader::CheckpointReader(const std::string& path) : path_(path) {
  file_size_ = file_size_of(path);
  H5Scope scope;
  H5Plist fapl = file_access_plist(path, false);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (f < 0) {
    if (file_size_ == 0) throw BadInput(file_message(path, "is empty, expected a checkpoint"));
    h5_throw(path, "cannot be opened as an HDF5 checkpoint (not HDF5, truncated or corrupt)", true);
  }
  file_ = H5File(f);
  hid_t root = file_.get();

  // Header attributes.
  if (!has_attr(root, "format", path, "the file"))
    throw BadInput(file_message(path, "is not a warp checkpoint (no 'format' attribute)"));
  std::string format = read_string_attr(root, "format", path, "the file");
  if (format != kCheckpointFormat)
    throw BadInput(file_message(path, "is not a warp checkpoint (format is '" + format + "')"));
  if (!has_attr(root, "version", path, "the file")) throw BadInput(file_message(path, "has no 'version' attribute"));
  header_.version = read_int_attr(root, "version", path, "the file");
  if (header_.version != kCheckpointVersion)
    throw BadInput(file_message(path, "has checkpoint version " + std::to_string(header_.version) +
                                          "; this build reads version " + std::to_string(kCheckpointVersion)));
  for (const char* required : {"kind", "step", "config"})
    if (!has_attr(root, required, path, "the file"))
      throw BadInput(file_message(path, std::string("has no '") + required + "' attribute"));
  header_.kind = read_string_attr(root, "kind", path, "the file");
  if (!valid_kind(header_.kind)) throw BadInput(file_message(path, "has an invalid kind '" + header_.kind + "'"));
  header_.step = read_int_attr(root, "step", path, "the file");
  if (header_.step < 0) throw BadInput(file_message(path, "has a negative step " + std::to_string(header_.step)));
  header_.config = parse_json_attr(read_string_attr(root, "config", path, "the file"), path, "config");
  if (!header_.config.is_object()) throw BadInput(file_message(path, "attribute 'config' is not a JSON object"));
  const bool has_meta = has_attr(root, "meta", path, "the file");
  const bool has_meta_sha = has_attr(root, kMetaShaAttr, path, "the file");
  if (has_meta_sha && !has_meta)
    throw BadInput(file_message(path, std::string("has a '") + kMetaShaAttr + "' attribute but no 'meta'"));
  if (has_meta) {
    const std::string text = read_string_attr(root, "meta", path, "the file");
    // Files written before meta_sha256 existed have none: their meta is read unchecked.
    if (has_meta_sha && read_string_attr(root, kMetaShaAttr, path, "the file") != sha256_hex(text.data(), text.size()))
      throw BadInput(file_message(path, std::string("attribute 'meta' does not match its checksum (") + kMetaShaAttr +
                                            "): checksum mismatch, the file is corrupt"));
    header_.meta = parse_json_attr(text, path, "meta");
  }

  // Tensor lists.
  for (TensorGroup g : kTensorGroups) {
    const std::string gname = group_name(g);
    htri_t exists = H5Lexists(root, gname.c_str(), H5P_DEFAULT);
    if (exists < 0) h5_throw(path, "cannot look up group /" + gname, true);
    if (!exists) {
      if (g == TensorGroup::Params) throw BadInput(file_message(path, "has no /params group"));
      continue;
    }
    H5Group group(h5_check(H5Gopen2(root, gname.c_str(), H5P_DEFAULT), path, "cannot open group /" + gname, true));
    H5G_info_t ginfo;
    if (H5Gget_info(group.get(), &ginfo) < 0) h5_throw(path, "cannot read group /" + gname, true);
    if (ginfo.nlinks > kMaxTensorsPerGroup)
      throw BadInput(file_message(path, "group /" + gname + " has " + std::to_string(ginfo.nlinks) + " entries"));
    // Creation order when tracked (files written here), else name order.
    H5_index_t index = H5_INDEX_NAME;
    {
      H5Plist gcpl(h5_check(H5Gget_create_plist(group.get()), path, "cannot read group /" + gname, true));
      unsigned order = 0;
      if (H5Pget_link_creation_order(gcpl.get(), &order) < 0) h5_throw(path, "cannot read group /" + gname, true);
      if (order & H5P_CRT_ORDER_TRACKED) index = H5_INDEX_CRT_ORDER;
    }
    auto& list = groups_[group_index(g)];
    std::set<std::string> seen;
    for (hsize_t i = 0; i < ginfo.nlinks; ++i) {
      ssize_t len = H5Lget_name_by_idx(group.get(), ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (len < 0) h5_throw(path, "cannot read entry " + std::to_string(i) + " of group /" + gname, true);
      if (len == 0 || len > 1024)
        throw BadInput(
            file_message(path, "entry " + std::to_string(i) + " of group /" + gname + " has an invalid name"));
      std::string name(static_cast<size_t>(len) + 1, '\0');
      if (H5Lget_name_by_idx(group.get(), ".", index, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT) < 0)
        h5_throw(path, "cannot read entry " + std::to_string(i) + " of group /" + gname, true);
      name.resize(static_cast<size_t>(len));
      try {
        check_tensor_name(name, path);
      } catch (const BadInput&) {
        throw;
      } catch (const Error& e) {
        throw BadInput(e.what());
      }
      if (!seen.insert(name).second)
        throw BadInput(file_message(path, "group /" + gname + " lists '" + name + "' twice"));
      H5L_info_t linfo;
      if (H5Lget_info(group.get(), name.c_str(), &linfo, H5P_DEFAULT) < 0)
        h5_throw(path, "cannot read the link of " + tensor_label(g, name), true);
      if (linfo.type != H5L_TYPE_HARD)
        throw BadInput(file_message(path, tensor_label(g, name) + " is a soft or external link (refused)"));
      H5Dataset ds(h5_check(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), path,
                            "cannot open " + tensor_label(g, name) + " as a dataset", true));
      list.push_back(describe_dataset(ds.get(), name, g, path, file_size_));
      if (g == TensorGroup::Files && !is_file_tensor(list.back()))
        throw BadInput(file_message(path, tensor_label(g, name) + " is not a 1-D uint8 tensor"));
    }
  }
}

CheckpointReader::~CheckpointReader() {
  H5Scope scope;
  file_.reset();
}

const std::vector<TensorInfo>& CheckpointReader::tensors(TensorGroup g) const { return groups_[group_index(g)]; }

const TensorInfo* CheckpointReader::find(const std::string& name, TensorGroup g) const {
  for (const auto& info : tensors(g))
    if (info.name == name) return &info;
  return nullptr;
}

torch::Tensor CheckpointReader::read(const std::string& name, TensorGroup g) const {
  const TensorInfo* info = find(name, g);
  if (!info) throw BadInput(file_message(path_, "has no " + tensor_label(g, name)));
  torch::Tensor out = torch::empty(info->shape, torch::TensorOptions().dtype(info->dtype).device(torch::kCPU));
  read_into(name, out, g);
  return out;
}

void CheckpointReader::read_into(const std::string& name, const torch::Tensor& out, TensorGroup g) const {
  const TensorInfo* info = find(name, g);
  if (!info) throw BadInput(file_message(path_, "has no " + tensor_label(g, name)));
  const std::string label = tensor_label(g, name);
  if (!out.defined() || !out.device().is_cpu() || !out.is_contiguous() || out.scalar_type() != info->dtype ||
      tensor_shape(out) != info->shape)
    throw Error(file_message(path_, "cannot read " + label + " (" + dtype_name(info->dtype) + " " +
                                        shape_string(info->shape) + ") into a tensor that is not a contiguous CPU " +
                                        "tensor of that dtype and shape"));
  H5Scope scope;
  const std::string dpath = dataset_path(g, name);
  H5Dataset ds(h5_check(H5Dopen2(file_.get(), dpath.c_str(), H5P_DEFAULT), path_, "cannot open " + label, true));
  // The file is open read-only, but another process may have replaced its contents under us.
  TensorInfo now = describe_dataset(ds.get(), name, g, path_, file_size_);
  if (now.shape != info->shape || now.dtype != info->dtype)
    throw BadInput(file_message(path_, label + " changed while the file was open"));
  if (info->numel == 0) return;
  if (H5Dread(ds.get(), memory_type_for(info->dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()) < 0)
    h5_throw(path_, "cannot read " + label, true);
  if (info->dtype == torch::kBool) {
    const uint8_t* p = static_cast<const uint8_t*>(out.data_ptr());
    for (int64_t i = 0; i < info->numel; ++i)
      if (p[i] > 1) throw BadInput(file_message(path_, label + " is bool but holds the byte " + std::to_string(p[i])));
  }
}

// ---- CheckpointWriter ------------------------------------------------------------------------------------

CheckpointWriter::CheckpointWriter(const std::string& path, const CheckpointHeader& header,
                                   const CheckpointWriteOptions& options)
    : file_(path), options_(options) {
  check_header_for_write(header, path);
  // HDF5 limits a chunk to 4 GiB; below 64 bytes the chunk index outweighs the data.
  if (options.chunk_bytes < 64 || options.chunk_bytes > (int64_t(1) << 30))
    throw BadInput(
        file_message(path, "chunk size must be in [64 B, 1 GiB], got " + std::to_string(options.chunk_bytes)));
  if (is_directory(path)) throw Error(file_message(path, "is a folder; cannot write a checkpoint there"));
  H5Scope scope;
  const std::string& tmp = file_.temp_path();
  H5Plist fcpl(h5_check(H5Pcreate(H5P_FILE_CREATE), path, "cannot create file properties", false));
  h5_check(H5Pset_obj_track_times(fcpl.get(), false), path, "cannot set file properties", false);
  H5Plist fapl = file_access_plist(path, true);
  h5_ = H5File(h5_check(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), tmp, "cannot create", false));
  hid_t root = h5_.get();
  write_string_attr(root, "format", kCheckpointFormat, tmp);
  write_int_attr(root, "version", kCheckpointVersion, tmp);
  write_string_attr(root, "kind", header.kind, tmp);
  write_int_attr(root, "step", header.step, tmp);
  write_string_attr(root, "config", header.config.dump(), tmp);
  if (!header.meta.is_null()) {
    const std::string meta = header.meta.dump();
    write_string_attr(root, "meta", meta, tmp);
    write_string_attr(root, kMetaShaAttr, sha256_hex(meta.data(), meta.size()), tmp);
  }

  H5Plist gcpl(h5_check(H5Pcreate(H5P_GROUP_CREATE), tmp, "cannot create group properties", false));
  h5_check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), tmp,
           "cannot set group properties", false);
  h5_check(H5Pset_obj_track_times(gcpl.get(), false), tmp, "cannot set group properties", false);
  for (TensorGroup g : kTensorGroups)
    groups_[group_index(g)] = H5Group(h5_check(H5Gcreate2(root, group_name(g), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                                               tmp, std::string("cannot create group /") + group_name(g), false));
}

CheckpointWriter::~CheckpointWriter() {
  H5Scope scope;
  for (auto& g : groups_) g.reset();
  h5_.reset();
  // file_ (AtomicFile) then removes the temporary file unless committed.
}

void CheckpointWriter::write(const std::string& name, const torch::Tensor& t, TensorGroup g) {
  const std::string& where = file_.target_path();
  if (committed_ || !h5_.valid()) throw Error(file_message(where, "checkpoint writer is already closed"));
  check_tensor_name(name, where);
  auto& names = names_[group_index(g)];
  const std::string label = tensor_label(g, name);
  if (names.count(name)) throw Error(file_message(where, label + " is written twice"));
  TensorInfo info = describe_tensor(name, t, where);
  if (g == TensorGroup::Files && !is_file_tensor(info))
    throw Error(file_message(where, label + " must be a 1-D uint8 tensor of the file's bytes, got " +
                                        dtype_name(info.dtype) + " " + shape_string(info.shape)));
  torch::Tensor data = t.detach().to(torch::kCPU).contiguous();

  H5Scope scope;
  const std::string& tmp = file_.temp_path();
  const int rank = static_cast<int>(info.shape.size());
  std::vector<hsize_t> dims(info.shape.begin(), info.shape.end());
  H5Space space(h5_check(rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims.data(), nullptr), tmp,
                         "cannot create the dataspace of " + label, false));
  H5Plist dcpl(h5_check(H5Pcreate(H5P_DATASET_CREATE), tmp, "cannot create dataset properties", false));
  h5_check(H5Pset_obj_track_times(dcpl.get(), false), tmp, "cannot set dataset properties", false);
  if (rank > 0 && info.numel > 0) {
    auto chunk = chunk_dims(info.shape, dtype_size(info.dtype), options_.chunk_bytes);
    h5_check(H5Pset_chunk(dcpl.get(), rank, chunk.data()), tmp, "cannot set the chunks of " + label, false);
    h5_check(H5Pset_fletcher32(dcpl.get()), tmp, "cannot set the checksum filter of " + label, false);
  } else {
    // Scalars and empty tensors: data inside the object header, which has its own checksum.
    h5_check(H5Pset_layout(dcpl.get(), H5D_COMPACT), tmp, "cannot set the layout of " + label, false);
  }
  H5Plist lcpl(h5_check(H5Pcreate(H5P_LINK_CREATE), tmp, "cannot create link properties", false));
  h5_check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), tmp, "cannot set link properties", false);
  hid_t group = groups_[group_index(g)].get();
  H5Dataset ds(h5_check(
      H5Dcreate2(group, name.c_str(), file_type_for(info.dtype), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT), tmp,
      "cannot create " + label, false));
  if (info.dtype == torch::kFloat16 || info.dtype == torch::kBFloat16 || info.dtype == torch::kBool)
    write_string_attr(ds.get(), kDtypeAttr, dtype_name(info.dtype), tmp);
  if (info.numel > 0 &&
      H5Dwrite(ds.get(), memory_type_for(info.dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data_ptr()) < 0)
    h5_throw(tmp, "cannot write " + label, false);
  if (ds.close() < 0) h5_throw(tmp, "cannot close " + label, false);
  names.insert(name);
}

void CheckpointWriter::set_meta(const nlohmann::json& meta) {
  const std::string& where = file_.target_path();
  if (committed_ || !h5_.valid()) throw Error(file_message(where, "checkpoint writer is already closed"));
  const std::string text = meta.is_null() ? std::string() : meta.dump();
  if (text.size() > kMaxAttributeBytes)
    throw Error(file_message(where, "meta is " + std::to_string(text.size()) + " bytes of JSON (at most " +
                                        std::to_string(kMaxAttributeBytes) + " can be read back)"));
  H5Scope scope;
  const std::string& tmp = file_.temp_path();
  hid_t root = h5_.get();
  // An attribute's type (the string length) is fixed at creation: replacing means delete + create.
  for (const char* name : {"meta", kMetaShaAttr})
    if (has_attr(root, name, tmp, "the file") && H5Adelete(root, name) < 0)
      h5_throw(tmp, std::string("cannot remove attribute '") + name + "'", false);
  if (meta.is_null()) return;
  write_string_attr(root, "meta", text, tmp);
  write_string_attr(root, kMetaShaAttr, sha256_hex(text.data(), text.size()), tmp);
}

void CheckpointWriter::commit() {
  const std::string& where = file_.target_path();
  if (committed_) throw Error(file_message(where, "checkpoint already committed"));
  {
    H5Scope scope;
    for (auto& g : groups_)
      if (g.close() < 0) h5_throw(file_.temp_path(), "cannot close a group", false);
    if (h5_.close() < 0) h5_throw(file_.temp_path(), "cannot close (flush failed)", false);
  }
  file_.commit();
  committed_ = true;
}

// ---- whole checkpoints ---------------------------------------------------------------------------------------

void save_checkpoint(const std::string& path, const CheckpointData& data, const ProgressFn& progress,
                     const CheckpointWriteOptions& options) {
  CheckpointWriter writer(path, data.header, options);
  const NamedTensors* lists[] = {&data.params, &data.state, &data.files};
  const int64_t total = static_cast<int64_t>(data.params.size() + data.state.size() + data.files.size());
  int64_t done = 0;
  for (TensorGroup g : kTensorGroups) {
    for (const auto& [name, t] : *lists[group_index(g)]) {
      report(progress, {"save checkpoint", done, total, name});
      writer.write(name, t, g);
      ++done;
    }
  }
  report(progress, {"save checkpoint", done, total, ""});
  writer.commit();
}

CheckpointData load_checkpoint(const std::string& path, const ProgressFn& progress) {
  CheckpointReader reader(path);
  CheckpointData data;
  data.header = reader.header();
  NamedTensors* lists[] = {&data.params, &data.state, &data.files};
  int64_t total = 0;
  for (TensorGroup g : kTensorGroups) total += static_cast<int64_t>(reader.tensors(g).size());
  int64_t done = 0;
  for (TensorGroup g : kTensorGroups) {
    auto& out = *lists[group_index(g)];
    for (const auto& info : reader.tensors(g)) {
      report(progress, {"load checkpoint", done, total, info.name});
      out.emplace_back(info.name, reader.read(info.name, g));
      ++done;
    }
  }
  report(progress, {"load checkpoint", done, total, ""});
  return data;
}

// ---- GPT checkpoints ----------------------------------------------------------------------------------------

GPTConfig gpt_config_of(const CheckpointHeader& header, const std::string& where) {
  if (!header.config.is_object() || !header.config.contains("model"))
    throw BadInput(file_message(where, "config has no 'model' entry (not a GPT checkpoint)"));
  return GPTConfig::from_json(header.config.at("model"), where);
}

void check_gpt_params(const NamedTensors& params, const GPTConfig& config, const std::string& where) {
  std::vector<TensorInfo> infos;
  infos.reserve(params.size());
  for (const auto& [name, t] : params) {
    if (!t.defined()) throw BadInput(file_message(where, "tensor '" + name + "' is undefined"));
    TensorInfo info;
    info.name = name;
    info.dtype = t.scalar_type();
    info.shape = tensor_shape(t);
    infos.push_back(std::move(info));
  }
  check_gpt_tensor_infos(infos, config, where);
  for (const auto& [name, t] : params) check_all_finite(name, t, where);
}

GptCheckpoint load_gpt_params(const std::string& path, const GPTConfig* expected, const ProgressFn& progress) {
  CheckpointReader reader(path);
  GptCheckpoint out;
  out.header = reader.header();
  out.config = gpt_config_of(out.header, path);
  if (expected) {
    std::string diff = config_difference(out.config, *expected);
    if (!diff.empty()) throw BadInput(file_message(path, "model config differs from the expected one: " + diff));
  }
  check_gpt_tensor_infos(reader.tensors(TensorGroup::Params), out.config, path);
  auto specs = gpt_param_specs(out.config);
  const int64_t total = static_cast<int64_t>(specs.size());
  int64_t done = 0;
  for (const auto& spec : specs) {
    report(progress, {"load checkpoint", done, total, spec.name});
    torch::Tensor t = reader.read(spec.name);
    check_all_finite(spec.name, t, path);
    out.params.emplace_back(spec.name, std::move(t));
    ++done;
  }
  report(progress, {"load checkpoint", done, total, ""});
  return out;
}

void save_gpt_params(const std::string& path, const GPTConfig& config, const NamedTensors& params,
                     const CheckpointHeader& header, const ProgressFn& progress, const NamedTensors& files) {
  config.validate();
  check_gpt_params(params, config, path);
  CheckpointHeader h = header;
  if (!h.config.is_object()) throw BadInput(file_message(path, "checkpoint config must be a JSON object"));
  h.config["model"] = config.to_json();
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [name, t] : params) by_name[name] = &t;
  CheckpointWriter writer(path, h);
  auto specs = gpt_param_specs(config);
  const int64_t total = static_cast<int64_t>(specs.size());
  int64_t done = 0;
  for (const auto& spec : specs) {
    report(progress, {"save checkpoint", done, total, spec.name});
    writer.write(spec.name, *by_name.at(spec.name));
    ++done;
  }
  for (const auto& [name, t] : files) writer.write(name, t, TensorGroup::Files);
  report(progress, {"save checkpoint", done, total, ""});
  writer.commit();
}

}  // namespace warp
