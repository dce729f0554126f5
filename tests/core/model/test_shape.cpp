// Tests of model/shape.h: the shape strings of error messages.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "model/shape.h"

using namespace warp;

TEST(Shape, OfTensors) {
  EXPECT_EQ(shape_of(torch::zeros({2, 16, 50})), "[2, 16, 50]");
  EXPECT_EQ(shape_of(torch::zeros({7})), "[7]");
  EXPECT_EQ(shape_of(torch::zeros({0, 3})), "[0, 3]");
  EXPECT_EQ(shape_of(torch::tensor(1.5)), "[]");
  EXPECT_EQ(shape_of(torch::Tensor()), "(undefined)");
}
