#pragma once
// Metric keys that one part of the project writes and another parses: one builder and one parser
// per family, so the writer (core/warp/warp_loop.cpp) and the readers (widgets/ Pareto and Merge tabs,
// core/replicate) cannot drift apart. Keys are plain ASCII.
//
//   front/eta<η>/<field>    WARP driver run, at step i: the LITI point θ_η = (1−η)·θ_init + η·θ_slerp
//                           of iteration i (the iteration's front, toward its own θ_init)
//   output/eta<η>/<field>   WARP driver run, at step I (its last iteration): Algorithm 1's output
//                           front, θ_η = (1−η)·θ_sft + η·θ_slerp^(I) (LITI toward θ_sft)
//   warp/mean_omega_deg     WARP driver run, at step i: the SLERP's mean angle between task vectors
//   eval/<field>            RL run, at its evaluation steps: the trajectory point
//
// <field>: reward, reward_se, gold, gold_se, kl_sft, kl_sft_se, length (what a front point logs).
// <η>: eta_tag(η): two decimals ("0.30"), more only when η needs them ("0.125"), at most six.

#include <optional>
#include <string>

namespace warp {

// "0.30", "0.125", "1.00"
std::string eta_tag(double eta);

enum class FrontFamily { Iteration, Output };

// "front/eta0.30/reward" (Iteration) or "output/eta0.30/reward" (Output).
std::string front_metric_key(FrontFamily family, double eta, const std::string& field);

struct FrontKey {
  FrontFamily family = FrontFamily::Iteration;
  std::string eta_tag;  // as written in the key
  double eta = 0;       // its value
  std::string field;    // "reward", "kl_sft", ...
};

// The parts of a front or output key; nullopt for any other key (also for a malformed η).
std::optional<FrontKey> parse_front_metric_key(const std::string& key);

// True for keys the KL-reward plane draws: eval/..., front/..., output/...
bool is_plane_metric_key(const std::string& key);

constexpr const char* kMeanOmegaKey = "warp/mean_omega_deg";

}  // namespace warp
