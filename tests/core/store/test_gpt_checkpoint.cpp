// Tests of store/gpt_checkpoint.h: a model's named parameters, copy_named_params (values, prefix,
// extra source tensors, and every refusal), and load_policy round trips through a checkpoint file.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "model/gpt.h"
#include "model/gpt_params.h"
#include "store/checkpoint_h5.h"
#include "store/gpt_checkpoint.h"
#include "store_test_support.h"
#include "util/error.h"

using namespace warp;
using namespace warp::test;

TEST(GptCheckpoint, NamedParamsFollowTheSpecsAndShareStorage) {
  const GPTConfig c = tiny_config();
  GPT model(c, 1);
  const NamedTensors params = named_params(*model);
  const auto specs = gpt_param_specs(c);
  ASSERT_EQ(params.size(), specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(params[i].first, specs[i].name);
    EXPECT_EQ(params[i].second.sizes().vec(), specs[i].shape) << specs[i].name;
  }
  torch::NoGradGuard no_grad;
  params.front().second.fill_(3.5f);
  EXPECT_EQ(model->named_parameters()[params.front().first].flatten()[0].item<float>(), 3.5f);
}

TEST(GptCheckpoint, CopyFillsEveryParameterAndIgnoresExtraTensors) {
  const GPTConfig c = tiny_config();
  GPT model(c, 1);
  NamedTensors src = random_gpt_params(c, 7);
  src.emplace_back("head.weight", torch::ones({1, c.n_embd}));  // not the model's: ignored
  copy_named_params(named_params(*model), src, "src");
  src.pop_back();
  expect_same_tensors(named_params(*model), src);
}

TEST(GptCheckpoint, CopyReadsPrefixedNames) {
  const GPTConfig c = tiny_config();
  GPT model(c, 1);
  const NamedTensors plain = random_gpt_params(c, 8);
  NamedTensors state;
  for (const auto& [name, t] : plain) state.emplace_back("anchor." + name, t);
  copy_named_params(named_params(*model), state, "state", "anchor.");
  expect_same_tensors(named_params(*model), plain);
}

TEST(GptCheckpoint, CopyRefusesMissingMisshapenAndMistypedTensors) {
  const GPTConfig c = tiny_config();
  GPT model(c, 1);
  const NamedTensors before = random_gpt_params(c, 9);
  copy_named_params(named_params(*model), before, "init");

  NamedTensors missing = random_gpt_params(c, 10);
  missing.erase(missing.begin() + 3);
  const std::string missing_name = before[3].first;
  expect_error<BadInput>([&] { copy_named_params(named_params(*model), missing, "a.h5"); },
                         {"a.h5: tensor '" + missing_name + "' is missing"});

  NamedTensors misshapen = random_gpt_params(c, 10);
  misshapen[0].second = torch::zeros({1});
  expect_error<BadInput>([&] { copy_named_params(named_params(*model), misshapen, "b.h5"); },
                         {"b.h5: tensor '" + before[0].first + "' does not match the model's shape or dtype"});

  NamedTensors mistyped = random_gpt_params(c, 10);
  mistyped[1].second = mistyped[1].second.to(torch::kFloat64);
  expect_error<BadInput>([&] { copy_named_params(named_params(*model), mistyped, "c.h5"); },
                         {"c.h5: tensor '" + before[1].first + "' does not match the model's shape or dtype"});

  // The failing copies stopped at tensor 0, 1 or 3: the tensors after index 3 still hold `before`.
  const NamedTensors after = named_params(*model);
  expect_same_tensors(NamedTensors(after.begin() + 4, after.end()), NamedTensors(before.begin() + 4, before.end()));
}

TEST(GptCheckpoint, LoadPolicyRoundTripsInEvalMode) {
  const auto dir = scratch_dir("gpt-checkpoint");
  const GPTConfig c = tiny_config();
  const NamedTensors params = random_gpt_params(c, 11);
  const std::string path = dir + "/policy.h5";
  save_gpt_params(path, c, params);

  GPT policy = load_policy(path, torch::kCPU);
  EXPECT_FALSE(policy->is_training());
  EXPECT_TRUE(policy->config() == c);
  expect_same_tensors(named_params(*policy), params);

  GPT checked = load_policy(path, torch::kCPU, &c);
  expect_same_tensors(named_params(*checked), params);

  GPTConfig other = c;
  other.n_ctx = c.n_ctx * 2;
  expect_error<BadInput>([&] { load_policy(path, torch::kCPU, &other); }, {path, "model config differs"});
  expect_error<BadInput>([&] { load_policy(dir + "/absent.h5", torch::kCPU); }, {"absent.h5"});
}
