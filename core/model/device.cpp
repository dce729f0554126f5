#include "model/device.h"

#include <torch/cuda.h>
#include <torch/utils.h>

#include "util/error.h"

namespace warp {

torch::Device parse_device(const std::string& spec) {
  if (spec == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw BadInput("device '" + spec + "': CUDA is not available in this build or on this machine");
    int index = 0;
    if (spec.size() > 4) {
      if (spec[4] != ':' || spec.size() == 5) throw BadInput("device '" + spec + "': expected cuda or cuda:N");
      try {
        size_t used = 0;
        index = std::stoi(spec.substr(5), &used);
        if (used != spec.size() - 5) throw std::invalid_argument("trailing");
      } catch (const std::exception&) {
        throw BadInput("device '" + spec + "': expected cuda or cuda:N");
      }
      if (index < 0 || index >= static_cast<int>(torch::cuda::device_count()))
        throw BadInput("device '" + spec + "': no such CUDA device (have " +
                       std::to_string(torch::cuda::device_count()) + ")");
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw BadInput("device '" + spec + "': expected auto, cpu, cuda or cuda:N");
}

void set_compute_threads(int n) {
  if (n > 0) torch::set_num_threads(n);
}

}  // namespace warp
