// Compiles the shared precompiled header of the LibTorch headers (see cmake/WarpHelpers.cmake).
#include <torch/torch.h>
