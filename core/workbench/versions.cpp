#include "workbench/versions.h"

#include <hdf5.h>
#include <sqlite3.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include "model/device.h"

namespace warp {

EngineInfo engine_info() {
  EngineInfo info;
  info.torch = TORCH_VERSION;  // LibTorch exposes no run-time query; the shared library is the one built against
  unsigned maj = 0, min = 0, rel = 0;
  if (H5get_libversion(&maj, &min, &rel) >= 0)
    info.hdf5 = std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
  info.sqlite = sqlite3_libversion();
  const torch::Device d = parse_device("auto");
  if (d.is_cuda()) {
    info.device = "cuda:" + std::to_string(d.index()) + " (" + std::to_string(torch::cuda::device_count()) +
                  " CUDA device(s) visible)";
  } else {
    info.device = "cpu (" + std::to_string(torch::get_num_threads()) + " threads)";
  }
  return info;
}

}  // namespace warp
