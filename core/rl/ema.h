#pragma once
// Stage 1 of WARP: the exponential moving average anchor (DESIGN §5).
//
//   θ_ema ← (1 − μ) · θ_ema + μ · θ      after each optimizer step, per tensor, in place,
// computed literally in that form (scale then add) in the parameters' dtype. θ_ema starts at θ_init.
// On a GPU the scale and the add are each one multi-tensor `_foreach` op over all tensors (the same
// arithmetic; train/adamw.h's TensorLoop says when).

#include "store/tensor_info.h"
#include "train/adamw.h"

namespace warp {

// ema and params: the same names in the same order, same shapes (BadInput naming the tensor
// otherwise). mu in (0, 1]. No gradient is recorded.
void ema_update(const NamedTensors& ema, const NamedTensors& params, double mu,
                TensorLoop loop = TensorLoop::automatic);

}  // namespace warp
