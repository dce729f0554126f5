#pragma once
// What the engine is built with and runs on, for `warp --version` and the desktop app's About box:
// the versions of the libraries as linked at run time (not the headers' guesses where the library
// can say), and the device "auto" resolves to on this machine.

#include <string>

namespace warp {

struct EngineInfo {
  std::string torch;   // LibTorch, e.g. "1.13.0"
  std::string hdf5;    // HDF5 library, e.g. "1.10.8"
  std::string sqlite;  // SQLite library, e.g. "3.40.1"
  std::string device;  // what --device auto picks here, e.g. "cpu (8 threads)" or "cuda:0 (NVIDIA H200)"
};

// Queries the libraries (cheap: no model, no tensors beyond a CUDA availability check).
EngineInfo engine_info();

}  // namespace warp
