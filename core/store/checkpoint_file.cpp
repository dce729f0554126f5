#include "store/checkpoint_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

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
hid_t file_type_for(StoreDtype d) {
  switch (d) {
    case StoreDtype::Float32:
      return H5T_IEEE_F32LE;
    case StoreDtype::Float64:
      return H5T_IEEE_F64LE;
    case StoreDtype::Int64:
      return H5T_STD_I64LE;
    case StoreDtype::Int32:
      return H5T_STD_I32LE;
    case StoreDtype::Int16:
      return H5T_STD_I16LE;
    case StoreDtype::Int8:
      return H5T_STD_I8LE;
    case StoreDtype::UInt8:
    case StoreDtype::Bool:
      return H5T_STD_U8LE;
    case StoreDtype::Float16:
    case StoreDtype::BFloat16:
      return H5T_STD_U16LE;
  }
  throw Error("dtype " + dtype_name(d) + " has no HDF5 type");
}

// The in-memory type that HDF5 converts stored data to (native byte order).
hid_t memory_type_for(StoreDtype d) {
  switch (d) {
    case StoreDtype::Float32:
      return H5T_NATIVE_FLOAT;
    case StoreDtype::Float64:
      return H5T_NATIVE_DOUBLE;
    case StoreDtype::Int64:
      return H5T_NATIVE_INT64;
    case StoreDtype::Int32:
      return H5T_NATIVE_INT32;
    case StoreDtype::Int16:
      return H5T_NATIVE_INT16;
    case StoreDtype::Int8:
      return H5T_NATIVE_INT8;
    case StoreDtype::UInt8:
    case StoreDtype::Bool:
      return H5T_NATIVE_UINT8;
    case StoreDtype::Float16:
    case StoreDtype::BFloat16:
      return H5T_NATIVE_UINT16;
  }
  throw Error("dtype " + dtype_name(d) + " has no HDF5 type");
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

size_t group_index(TensorGroup g) { return static_cast<size_t>(g); }

bool is_file_tensor(const TensorDesc& desc) { return desc.dtype == StoreDtype::UInt8 && desc.shape.size() == 1; }

std::string dataset_path(TensorGroup g, const std::string& name) {
  return std::string("/") + group_name(g) + "/" + name;
}

// Describes a stored dataset after checking everything about it that could make reading it
// unsafe or wrong: the link kind, layout, filters, type, shape and the stored byte count.
TensorDesc describe_dataset(hid_t ds, const std::string& name, TensorGroup g, const std::string& path,
                            int64_t file_size) {
  const std::string label = tensor_label(g, name);
  auto bad = [&](const std::string& why) -> BadInput { return BadInput(file_message(path, label + " " + why)); };
  TensorDesc info;
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
    StoreDtype d;
    if (!dtype_from_name(declared, &d)) throw bad("declares unknown dtype '" + declared + "'");
    info.dtype = d;
    if (d == StoreDtype::Float16 || d == StoreDtype::BFloat16)
      known = tclass == H5T_INTEGER && tsize == 2 && sign == H5T_SGN_NONE;
    else if (d == StoreDtype::Bool) known = tclass == H5T_INTEGER && tsize == 1 && sign == H5T_SGN_NONE;
    else throw bad("declares dtype '" + declared + "' in a warp_dtype attribute (only float16, bfloat16, bool)");
    if (!known) throw bad("declares dtype " + declared + " but its HDF5 type does not match");
  } else if (tclass == H5T_FLOAT && tsize == 4) {
    info.dtype = StoreDtype::Float32;
  } else if (tclass == H5T_FLOAT && tsize == 8) {
    info.dtype = StoreDtype::Float64;
  } else if (tclass == H5T_INTEGER && sign == H5T_SGN_2) {
    switch (tsize) {
      case 8:
        info.dtype = StoreDtype::Int64;
        known = true;
        break;
      case 4:
        info.dtype = StoreDtype::Int32;
        known = true;
        break;
      case 2:
        info.dtype = StoreDtype::Int16;
        known = true;
        break;
      case 1:
        info.dtype = StoreDtype::Int8;
        known = true;
        break;
      default:
        break;
    }
    if (!known) throw bad("has an unsupported integer type (" + std::to_string(tsize) + " bytes)");
  } else if (tclass == H5T_INTEGER && sign == H5T_SGN_NONE && tsize == 1) {
    info.dtype = StoreDtype::UInt8;
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

}  // namespace

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

// ---- CheckpointFile ------------------------------------------------------------------------------------

CheckpointFile::CheckpointFile(const std::string& path) : path_(path) {
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

CheckpointFile::~CheckpointFile() {
  H5Scope scope;
  file_.reset();
}

const std::vector<TensorDesc>& CheckpointFile::tensors(TensorGroup g) const { return groups_[group_index(g)]; }

const TensorDesc* CheckpointFile::find(const std::string& name, TensorGroup g) const {
  for (const auto& info : tensors(g))
    if (info.name == name) return &info;
  return nullptr;
}

void CheckpointFile::read_bytes(const std::string& name, TensorGroup g, void* out, int64_t nbytes) const {
  const TensorDesc* info = find(name, g);
  if (!info) throw BadInput(file_message(path_, "has no " + tensor_label(g, name)));
  const std::string label = tensor_label(g, name);
  if (nbytes != info->nbytes || (nbytes > 0 && out == nullptr))
    throw Error(file_message(path_, "cannot read " + label + " (" + dtype_name(info->dtype) + " " +
                                        shape_string(info->shape) + ", " + std::to_string(info->nbytes) +
                                        " bytes) into a buffer of " + std::to_string(nbytes) + " bytes"));
  H5Scope scope;
  const std::string dpath = dataset_path(g, name);
  H5Dataset ds(h5_check(H5Dopen2(file_.get(), dpath.c_str(), H5P_DEFAULT), path_, "cannot open " + label, true));
  // The file is open read-only, but another process may have replaced its contents under us.
  TensorDesc now = describe_dataset(ds.get(), name, g, path_, file_size_);
  if (now.shape != info->shape || now.dtype != info->dtype)
    throw BadInput(file_message(path_, label + " changed while the file was open"));
  if (info->numel == 0) return;
  if (H5Dread(ds.get(), memory_type_for(info->dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    h5_throw(path_, "cannot read " + label, true);
  if (info->dtype == StoreDtype::Bool) {
    const uint8_t* p = static_cast<const uint8_t*>(out);
    for (int64_t i = 0; i < info->numel; ++i)
      if (p[i] > 1) throw BadInput(file_message(path_, label + " is bool but holds the byte " + std::to_string(p[i])));
  }
}

bool CheckpointFile::data_checksummed(const std::string& name, TensorGroup g) const {
  const TensorDesc* info = find(name, g);
  if (!info) throw BadInput(file_message(path_, "has no " + tensor_label(g, name)));
  if (info->nbytes == 0) return true;
  const std::string label = tensor_label(g, name);
  H5Scope scope;
  const std::string dpath = dataset_path(g, name);
  H5Dataset ds(h5_check(H5Dopen2(file_.get(), dpath.c_str(), H5P_DEFAULT), path_, "cannot open " + label, true));
  H5Plist dcpl(h5_check(H5Dget_create_plist(ds.get()), path_, "cannot read the storage of " + label, true));
  const H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout == H5D_COMPACT) return true;
  if (layout != H5D_CHUNKED) return false;
  unsigned flags = 0, config = 0;
  size_t nvalues = 0;
  return H5Pget_filter_by_id2(dcpl.get(), H5Z_FILTER_FLETCHER32, &flags, &nvalues, nullptr, 0, nullptr, &config) >= 0;
}

// ---- CheckpointFileWriter ----------------------------------------------------------------------------------

CheckpointFileWriter::CheckpointFileWriter(const std::string& path, const CheckpointHeader& header,
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

CheckpointFileWriter::~CheckpointFileWriter() {
  H5Scope scope;
  for (auto& g : groups_) g.reset();
  h5_.reset();
  // file_ (AtomicFile) then removes the temporary file unless committed.
}

void CheckpointFileWriter::check_new_tensor(const std::string& name, TensorGroup g) const {
  const std::string& where = file_.target_path();
  if (committed_ || !h5_.valid()) throw Error(file_message(where, "checkpoint writer is already closed"));
  check_tensor_name(name, where);
  if (names_[group_index(g)].count(name)) throw Error(file_message(where, tensor_label(g, name) + " is written twice"));
}

void CheckpointFileWriter::write(const TensorDesc& info, const void* data, TensorGroup g) {
  const std::string& where = file_.target_path();
  check_new_tensor(info.name, g);
  const std::string& name = info.name;
  const std::string label = tensor_label(g, name);
  int64_t numel = 0, nbytes = 0;
  if (!checked_nbytes(info.shape, dtype_size(info.dtype), &numel, &nbytes) || numel != info.numel ||
      nbytes != info.nbytes || (nbytes > 0 && data == nullptr))
    throw Error(file_message(where, label + " is described inconsistently (" + dtype_name(info.dtype) + " " +
                                        shape_string(info.shape) + ", " + std::to_string(info.numel) + " elements, " +
                                        std::to_string(info.nbytes) + " bytes)"));
  if (g == TensorGroup::Files && !is_file_tensor(info))
    throw Error(file_message(where, label + " must be a 1-D uint8 tensor of the file's bytes, got " +
                                        dtype_name(info.dtype) + " " + shape_string(info.shape)));

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
  if (info.dtype == StoreDtype::Float16 || info.dtype == StoreDtype::BFloat16 || info.dtype == StoreDtype::Bool)
    write_string_attr(ds.get(), kDtypeAttr, dtype_name(info.dtype), tmp);
  if (info.numel > 0 && H5Dwrite(ds.get(), memory_type_for(info.dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    h5_throw(tmp, "cannot write " + label, false);
  if (ds.close() < 0) h5_throw(tmp, "cannot close " + label, false);
  names_[group_index(g)].insert(name);
}

void CheckpointFileWriter::set_meta(const nlohmann::json& meta) {
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

void CheckpointFileWriter::commit() {
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

}  // namespace warp
