#pragma once
// RAII ownership of HDF5 identifiers (hid_t) and HDF5 failures turned into exceptions.
//
// Every HDF5 identifier that this code opens lives in an H5Id<close function>: files, groups,
// datasets, dataspaces, attributes, property lists and (copied) datatypes are closed when the
// wrapper goes away, also when an exception unwinds. HDF5's own error printing to stderr is switched
// off (H5Scope); a failed call becomes a warp::Error (our own I/O) or warp::BadInput (a file that
// cannot be read as expected), with the file, the object and HDF5's innermost error messages.
//
// All HDF5 use in this process goes through one recursive mutex (H5Scope), so a build of HDF5
// without thread safety is safe too, e.g. a GUI merge on a worker thread while the main thread
// reads a checkpoint list.

#include <hdf5.h>

#include <mutex>
#include <string>
#include <utility>

namespace warp {

// Holds the process-wide HDF5 lock and disables HDF5's automatic error printing for this thread
// (HDF5 keeps that setting per thread in thread-safe builds). Put one at the start of every
// function that calls HDF5, and in destructors that close identifiers.
class H5Scope {
 public:
  H5Scope();
  ~H5Scope() = default;
  H5Scope(const H5Scope&) = delete;
  H5Scope& operator=(const H5Scope&) = delete;

 private:
  std::unique_lock<std::recursive_mutex> lock_;
};

template <herr_t (*Close)(hid_t)>
class H5Id {
 public:
  H5Id() = default;
  explicit H5Id(hid_t id) : id_(id) {}
  ~H5Id() { reset(); }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  H5Id& operator=(H5Id&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now; returns HDF5's status (negative: the close failed, e.g. a flush to disk).
  herr_t close() {
    herr_t rc = 0;
    if (id_ >= 0) {
      H5Scope scope;
      rc = Close(id_);
    }
    id_ = H5I_INVALID_HID;
    return rc;
  }
  void reset() { close(); }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using H5File = H5Id<H5Fclose>;
using H5Group = H5Id<H5Gclose>;
using H5Dataset = H5Id<H5Dclose>;
using H5Space = H5Id<H5Sclose>;
using H5Attr = H5Id<H5Aclose>;
using H5Plist = H5Id<H5Pclose>;
using H5Type = H5Id<H5Tclose>;  // only for types this code copied or got from a file, never predefined ones

// What went wrong, from the calling thread's HDF5 error stack (the innermost messages).
struct H5Failure {
  std::string detail;     // e.g. "data error detected by Fletcher32 checksum"; empty when none
  bool checksum = false;  // some message is about a checksum (Fletcher32 data or metadata)
};
H5Failure h5_failure();

// Throws for a failed HDF5 call: BadInput when `input` (reading a file that may be corrupt or not
// ours), Error otherwise. Message: "<path>: <what> (HDF5: <detail>)"; a checksum failure reads
// "<path>: <what>: checksum mismatch, the file is corrupt (HDF5: ...)".
[[noreturn]] void h5_throw(const std::string& path, const std::string& what, bool input);

// Returns id, or throws as h5_throw when it is negative.
inline hid_t h5_check(hid_t id, const std::string& path, const std::string& what, bool input) {
  if (id < 0) h5_throw(path, what, input);
  return id;
}

}  // namespace warp
