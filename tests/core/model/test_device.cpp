// Tests of model/device.h: device specs and the errors for bad ones.
#include <gtest/gtest.h>

#include <torch/cuda.h>

#include "model/device.h"
#include "util/error.h"

using namespace warp;

TEST(Device, CpuAndUnknownSpecs) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(parse_device("tpu"), BadInput);
  EXPECT_THROW(parse_device(""), BadInput);
  EXPECT_THROW(parse_device("cuda:x"), BadInput);
  EXPECT_THROW(parse_device("cuda:"), BadInput);
  EXPECT_THROW(parse_device("cuda0"), BadInput);
  EXPECT_THROW(parse_device("cuda:0x"), BadInput);
}

TEST(Device, AutoAndCudaFollowTheMachine) {
  if (torch::cuda::is_available()) {
    EXPECT_EQ(parse_device("auto"), torch::Device(torch::kCUDA, 0));
    EXPECT_EQ(parse_device("cuda"), torch::Device(torch::kCUDA, 0));
    EXPECT_EQ(parse_device("cuda:0"), torch::Device(torch::kCUDA, 0));
    EXPECT_THROW(parse_device("cuda:" + std::to_string(torch::cuda::device_count())), BadInput);
  } else {
    EXPECT_EQ(parse_device("auto"), torch::Device(torch::kCPU));
    EXPECT_THROW(parse_device("cuda"), BadInput);
    EXPECT_THROW(parse_device("cuda:0"), BadInput);
  }
}
