// libFuzzer target: the checkpoint validator (store/checkpoint_validate.h validate_checkpoint_file,
// what warp-h5check runs in its child process) on any bytes as a file. Only BadInput may come out.
// HDF5 itself (Debian's libhdf5, not instrumented) is exercised too: a crash inside it is what the
// child process contains; see docs/reliability.md for what a finding there means.
#include <cstdint>
#include <string>

#include "fuzz_input_file.h"
#include "store/checkpoint_validate.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = warp::fuzz::input_file(data, size);
  try {
    warp::validate_checkpoint_file(path);
  } catch (const warp::BadInput&) {}
  return 0;
}
