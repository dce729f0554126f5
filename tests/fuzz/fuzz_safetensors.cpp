// libFuzzer target: the safetensors reader (store/safetensors.h) on any bytes as a file: open,
// validate the header, verify the checksum when present, read every tensor. Only BadInput may come
// out.
#include <cstdint>
#include <string>

#include "fuzz_input_file.h"
#include "store/safetensors.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = warp::fuzz::input_file(data, size);
  try {
    warp::SafetensorsReader r(path);
    for (const auto& e : r.entries()) (void)r.read(e.name);
  } catch (const warp::BadInput&) {}
  return 0;
}
