#include "store/hdf5_handle.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "util/error.h"

namespace warp {

namespace {

std::recursive_mutex& h5_mutex() {
  static std::recursive_mutex m;
  return m;
}

herr_t collect_message(unsigned /*n*/, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::vector<std::string>*>(data);
  if (err && err->desc && *err->desc) out->emplace_back(err->desc);
  return 0;
}

bool mentions_checksum(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s.find("checksum") != std::string::npos || s.find("fletcher") != std::string::npos;
}

}  // namespace

H5Scope::H5Scope() : lock_(h5_mutex()) { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

H5Failure h5_failure() {
  std::vector<std::string> messages;  // outermost (the API call) first
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_message, &messages);
  H5Failure f;
  for (const auto& m : messages)
    if (mentions_checksum(m)) f.checksum = true;
  // The innermost two messages say the most ("incorrect metadata checksum ...", "unable to load ...").
  size_t first = messages.size() > 2 ? messages.size() - 2 : 0;
  for (size_t i = messages.size(); i-- > first;) {
    if (!f.detail.empty()) f.detail += "; ";
    f.detail += messages[i];
  }
  return f;
}

void h5_throw(const std::string& path, const std::string& what, bool input) {
  H5Failure f = h5_failure();
  H5Eclear2(H5E_DEFAULT);
  std::string msg = what;
  if (f.checksum) msg += ": checksum mismatch, the file is corrupt";
  if (!f.detail.empty()) msg += " (HDF5: " + f.detail + ")";
  if (input) throw BadInput(file_message(path, msg));
  throw Error(file_message(path, msg));
}

}  // namespace warp
