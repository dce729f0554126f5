// The merge workbench (core/workbench/merge_workbench.h) on one small experiment shared by the tests:
// the synthetic experiment of the eval tests and one iteration of the WARP driver with in-process
// workers (warp_test_support.h). Checked: a point equals `warp merge` (merge_checkpoints) + `warp eval`
// (evaluate_checkpoint) of the same recipe bit for bit, toward θ_init and toward θ_sft, and the driver's
// own front point; the cache (a hit does no work; rows kept; cached_points of a new workbench); the last
// merge kept while η moves; cancellation; lookup from another thread during evaluate; the reference;
// the three kinds of inputs and their refusals; both exports loaded back; the angles.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "db/experiment_db.h"
#include "eval/evaluate.h"
#include "experiment/checkpoint_tokenizer.h"
#include "merge/merger.h"
#include "store/checkpoint_h5.h"
#include "store/hf_gpt2.h"
#include "util/sha256.h"
#include "warp/warp_test_support.h"
#include "workbench/merge_workbench.h"

using namespace warp;
using namespace warp::test;

namespace {

// One experiment with one finished WARP iteration (driver "w", workers w-i1-r1 and w-i1-r2).
struct Shared {
  std::unique_ptr<Experiment> exp;
  WarpResult warp;
};

Shared& shared() {
  static Shared s = [] {
    Shared out;
    out.exp = std::make_unique<Experiment>(synthetic_experiment("workbench"));
    InProcessWorkers workers(*out.exp);
    WarpConfig w = tiny_warp("w");
    w.iterations = 1;
    out.warp = run_warp(*out.exp, w, tiny_rl(), workers.options());
    return out;
  }();
  return s;
}

const Experiment& E() { return *shared().exp; }
std::string ck(const std::string& name) { return E().checkpoints_dir() + "/" + name; }

template <typename Ex, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Ex& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("unexpected exception: ") + e.what();
  }
  return "(no exception)";
}

#define EXPECT_MESSAGE_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

MergeRecipe recipe(double lambda, double eta, MergeRecipe::EtaMode mode = MergeRecipe::EtaMode::TowardInit,
                   MergeMethod method = MergeMethod::Slerp) {
  MergeRecipe r;
  r.method = method;
  r.lambda = lambda;
  r.eta = eta;
  r.eta_mode = mode;
  return r;
}

void expect_same_rows(const std::vector<EvalRow>& a, const std::vector<EvalRow>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt_index, b[i].prompt_index) << what << " row " << i;
    EXPECT_EQ(a[i].seed, b[i].seed) << what << " row " << i;
    EXPECT_EQ(a[i].completion, b[i].completion) << what << " row " << i;
    EXPECT_EQ(a[i].text, b[i].text) << what << " row " << i;
    EXPECT_EQ(a[i].reward, b[i].reward) << what << " row " << i;
    EXPECT_EQ(a[i].gold, b[i].gold) << what << " row " << i;
    EXPECT_EQ(a[i].kl_sft, b[i].kl_sft) << what << " row " << i;
    EXPECT_EQ(a[i].kl_sft_sampled, b[i].kl_sft_sampled) << what << " row " << i;
    EXPECT_EQ(a[i].length, b[i].length) << what << " row " << i;
  }
}

void expect_same_tensors(const NamedTensors& got, const NamedTensors& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  const auto w = by_name(want);
  for (const auto& [name, t] : got) {
    ASSERT_TRUE(w.count(name)) << what << ": " << name;
    EXPECT_TRUE(torch::equal(t, w.at(name))) << what << ": " << name;
  }
}

int64_t stored_points() {
  ExperimentDb db = ExperimentDb::open_read_only(E().db_path());
  return MergePointCache(db).size();
}

// Files inputs whose θ_init is not θ_sft: the driver's LITI point at η 0.3 as θ_init, the two workers'
// policies as the models (so toward_init and toward_sft differ).
MergeInputs files_inputs() {
  return inputs_from_files(E(), "checkpoints/w-i1-eta0.30.h5", {"checkpoints/w-i1-r1.h5", "checkpoints/w-i1-r2.h5"});
}

std::unique_ptr<MergeWorkbench> open_files_workbench() {
  const MergeInputs in = files_inputs();
  return MergeWorkbench::open(E(), in, MergeWorkbench::default_eval_config(E(), in));
}

// Counts the progress reports of each stage, and how many passes over the tensors ("merge" from 0).
struct StageCounter {
  std::map<std::string, int> calls;
  int merge_passes = 0;
  ProgressFn fn() {
    return [this](const ProgressInfo& p) {
      ++calls[p.stage];
      if (p.stage == "merge" && p.done == 0) ++merge_passes;
      return true;
    };
  }
};

}  // namespace

// The iteration's workbench evaluates under the driver's stored evaluation config, and its
// (λ 0.5, η 0.3) point is the driver's front point at η 0.3, bit for bit.
TEST(MergeWorkbench, IterationInputsReproduceTheDriversFrontPoint) {
  const MergeInputs in = inputs_from_iteration(E(), "w", 1);
  EXPECT_EQ(in.source, MergeInputs::Source::Iteration);
  EXPECT_EQ(in.init, ck("sft.h5"));
  EXPECT_EQ(in.models, (std::vector<std::string>{ck("w-i1-r1.h5"), ck("w-i1-r2.h5")}));
  EXPECT_EQ(in.runs, (std::vector<std::string>{"w-i1-r1", "w-i1-r2"}));
  EXPECT_EQ(in.describe(), "w iteration 1 (w-i1-r1, w-i1-r2)");
  const EvalConfig cfg = MergeWorkbench::default_eval_config(E(), in);
  {
    ExperimentDb db = ExperimentDb::open_read_only(E().db_path());
    const auto stored = nlohmann::json::parse(db.find_run("w")->config_json).at("eval");
    EXPECT_EQ(cfg.to_json(), stored);
    EXPECT_EQ(cfg.max_prompts, 4);  // the RL config's eval_prompts, as the driver evaluates its fronts
  }
  std::set<std::string> stages;
  auto wb = MergeWorkbench::open(E(), in, cfg, [&](const ProgressInfo& p) {
    stages.insert(p.stage);
    return true;
  });
  EXPECT_EQ(stages, (std::set<std::string>{"load"}));
  EXPECT_EQ(wb->num_models(), 2);
  EXPECT_EQ(wb->prompts().size(), 4u);
  const FrontPoint* front = nullptr;
  for (const auto& fp : shared().warp.iterations.at(0).front)
    if (warp_eta_tag(fp.eta) == "0.30") front = &fp;
  ASSERT_NE(front, nullptr);
  const WorkbenchPoint p = wb->evaluate(recipe(0.5, 0.3));
  EXPECT_FALSE(p.cached);
  EXPECT_EQ(p.point.to_json(), front->point.to_json());
  EXPECT_EQ(p.rows.size(), 4u);
  EXPECT_EQ(p.provenance.at("inputs"), in.to_json());
  EXPECT_EQ(p.provenance.at("method"), "slerp");
  EXPECT_EQ(p.recipe_sha256, wb->recipe_key(recipe(0.5, 0.3)));
  // The merged weights are the driver's LITI file.
  expect_same_tensors(wb->merged_params(recipe(0.5, 0.3)), params_of(E().dir() + "/" + front->checkpoint),
                      "η 0.3 of iteration 1");

  // Angles: the records SLERP λ 0.5 wrote into the driver's merge file, bit for bit.
  const CheckpointReader slerp(ck("w-i1-slerp.h5"));
  const auto& tensors = slerp.header().meta.at("tensors");
  ASSERT_EQ(wb->omega_records().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(wb->omega_records()[i].to_json(), tensors[i]) << i;
    EXPECT_EQ(wb->omega_records()[i].delta_norms.size(), 2u);
  }
  EXPECT_NEAR(mean_omega_deg(wb->omega_records()), shared().warp.iterations[0].mean_omega_deg, 1e-12);
}

// A recipe the driver never made: the workbench's point is `warp merge` (SLERP λ, then LITI η with
// init θ_init or θ_sft) + `warp eval` of the files, for the numbers, the rows and the weights.
TEST(MergeWorkbench, EqualsWarpMergeThenWarpEvalBitwise) {
  const MergeInputs in = files_inputs();
  auto wb = open_files_workbench();
  const EvalConfig& cfg = wb->eval_config();
  const std::string dir = scratch_dir("wb-files");
  MergeSpec s1;
  s1.params.method = MergeMethod::Slerp;
  s1.params.lambda = 0.3;
  s1.init_path = in.init;
  s1.model_paths = in.models;
  s1.out_path = dir + "/slerp.h5";
  merge_checkpoints(s1);
  for (auto mode : {MergeRecipe::EtaMode::TowardInit, MergeRecipe::EtaMode::TowardSft}) {
    const std::string name = eta_mode_name(mode);
    MergeSpec s2;
    s2.params.method = MergeMethod::Liti;
    s2.params.eta = 0.7;
    s2.init_path = mode == MergeRecipe::EtaMode::TowardSft ? ck("sft.h5") : in.init;
    s2.model_paths = {s1.out_path};
    s2.out_path = dir + "/liti-" + name + ".h5";
    merge_checkpoints(s2);
    const EvalResult want = evaluate_checkpoint(E(), s2.out_path, cfg);
    ASSERT_FALSE(want.cached) << name;
    EXPECT_EQ(want.protocol_sha256, wb->protocol_sha256());

    StageCounter count;
    const auto t0 = std::chrono::steady_clock::now();
    const WorkbenchPoint got = wb->evaluate(recipe(0.3, 0.7, mode), count.fn());
    const double uncached_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_FALSE(got.cached) << name;
    EXPECT_EQ(got.point.to_json(), want.point.to_json()) << name;
    expect_same_rows(got.rows, want.rows, name);
    EXPECT_GT(count.calls["eval"], 0) << name;
    // Toward θ_init the SLERP is computed (2 passes: SLERP, LITI); toward θ_sft with the same λ it is
    // the one kept in memory (the LITI pass only).
    EXPECT_EQ(count.merge_passes, mode == MergeRecipe::EtaMode::TowardInit ? 2 : 1) << name;
    EXPECT_GT(got.merge_seconds, 0.0);
    EXPECT_GT(got.eval_seconds, 0.0);
    expect_same_tensors(wb->merged_params(recipe(0.3, 0.7, mode)), params_of(s2.out_path), name);

    // Asked again: from the cache, without any work (no progress at all, so no "eval" stage).
    StageCounter again;
    const auto t1 = std::chrono::steady_clock::now();
    const WorkbenchPoint hit = wb->evaluate(recipe(0.3, 0.7, mode), again.fn());
    const double cached_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    EXPECT_TRUE(hit.cached);
    EXPECT_EQ(again.calls.count("eval"), 0u);
    EXPECT_TRUE(again.calls.empty());
    EXPECT_EQ(hit.merge_seconds, 0.0);
    EXPECT_EQ(hit.eval_seconds, 0.0);
    EXPECT_EQ(hit.point.to_json(), got.point.to_json());
    EXPECT_EQ(hit.recipe_sha256, got.recipe_sha256);
    EXPECT_EQ(hit.provenance, got.provenance);
    EXPECT_EQ(hit.recipe, got.recipe);
    expect_same_rows(hit.rows, got.rows, name + " (cached)");
    std::cout << "[ timing ] evaluate " << name << ": uncached " << uncached_s << " s (merge " << got.merge_seconds
              << " s, eval " << got.eval_seconds << " s), cached " << cached_s << " s\n";
  }
  // θ_init is not θ_sft here: the two modes are two policies, two points.
  EXPECT_NE(wb->lookup(recipe(0.3, 0.7, MergeRecipe::EtaMode::TowardInit))->point.kl_sft.mean,
            wb->lookup(recipe(0.3, 0.7, MergeRecipe::EtaMode::TowardSft))->point.kl_sft.mean);
  EXPECT_NE(wb->recipe_key(recipe(0.3, 0.7, MergeRecipe::EtaMode::TowardInit)),
            wb->recipe_key(recipe(0.3, 0.7, MergeRecipe::EtaMode::TowardSft)));
  // η = 1 is θ_merge itself in both modes (the same weights; two keys).
  expect_same_tensors(wb->merged_params(recipe(0.3, 1.0, MergeRecipe::EtaMode::TowardSft)), params_of(s1.out_path),
                      "η 1");
  expect_same_tensors(wb->merged_params(recipe(0.3, 1.0)), params_of(s1.out_path), "η 1");
  // Another λ merges again; LERP is another merge.
  StageCounter lam;
  wb->merged_params(recipe(0.6, 0.7), lam.fn());
  EXPECT_EQ(lam.merge_passes, 2);
  StageCounter lerp;
  const NamedTensors l =
      wb->merged_params(recipe(0.6, 1.0, MergeRecipe::EtaMode::TowardInit, MergeMethod::Lerp), lerp.fn());
  EXPECT_EQ(lerp.merge_passes, 2);
  MergeSpec s3 = s1;
  s3.params.method = MergeMethod::Lerp;
  s3.params.lambda = 0.6;
  s3.out_path = dir + "/lerp.h5";
  merge_checkpoints(s3);
  expect_same_tensors(l, params_of(s3.out_path), "lerp λ 0.6");
  // A layer SLERP (one angle per layer group) is another merge, with its own key: `warp merge
  // --granularity layer` of the same inputs.
  MergeRecipe layer = recipe(0.3, 1.0);
  layer.granularity = MergeGranularity::Layer;
  EXPECT_NE(wb->recipe_key(layer), wb->recipe_key(recipe(0.3, 1.0)));
  StageCounter lay;
  const NamedTensors lt = wb->merged_params(layer, lay.fn());
  EXPECT_EQ(lay.merge_passes, 2);
  MergeSpec s4 = s1;
  s4.params.granularity = MergeGranularity::Layer;
  s4.out_path = dir + "/slerp-layer.h5";
  merge_checkpoints(s4);
  expect_same_tensors(lt, params_of(s4.out_path), "layer slerp λ 0.3");
}

// A new workbench on the same inputs finds every point stored, in order, with its recipe and rows; the
// reference is θ_sft under the same protocol (KL 0), cached, and not one of the inputs' points.
TEST(MergeWorkbench, CachedPointsAndReference) {
  auto wb = open_files_workbench();
  const std::vector<MergeRecipe> recipes = {recipe(0.2, 0.4), recipe(0.8, 0.4, MergeRecipe::EtaMode::TowardSft),
                                            recipe(0.2, 0.9, MergeRecipe::EtaMode::TowardInit, MergeMethod::Lerp)};
  std::vector<WorkbenchPoint> made;
  for (const auto& r : recipes) made.push_back(wb->evaluate(r));
  const WorkbenchPoint ref = wb->reference();
  EXPECT_FALSE(ref.cached);
  EXPECT_EQ(ref.point.kl_sft.mean, 0.0);
  EXPECT_EQ(ref.provenance.at("policy_sha256"), sha256_file(ck("sft.h5")));
  EXPECT_EQ(ref.rows.size(), wb->prompts().size());
  const EvalResult sft = evaluate_checkpoint(E(), ck("sft.h5"), wb->eval_config());
  EXPECT_EQ(ref.point.to_json(), sft.point.to_json());

  auto again = open_files_workbench();
  const WorkbenchPoint ref2 = again->reference();
  EXPECT_TRUE(ref2.cached);
  EXPECT_EQ(ref2.point.to_json(), ref.point.to_json());
  expect_same_rows(ref2.rows, ref.rows, "reference");
  const auto cached = again->cached_points();
  // Points of these inputs stored by earlier tests come first; ours are the last three, in order.
  ASSERT_GE(cached.size(), recipes.size());
  const size_t first = cached.size() - recipes.size();
  for (size_t i = 0; i < recipes.size(); ++i) {
    const WorkbenchPoint& c = cached[first + i];
    EXPECT_TRUE(c.cached);
    EXPECT_EQ(c.recipe, normalize_recipe(recipes[i])) << i;
    EXPECT_EQ(c.recipe_sha256, made[i].recipe_sha256);
    EXPECT_EQ(c.point.to_json(), made[i].point.to_json());
    EXPECT_EQ(c.provenance, made[i].provenance);
    expect_same_rows(c.rows, made[i].rows, "cached point " + std::to_string(i));
  }
  for (const auto& c : cached) EXPECT_NE(c.recipe_sha256, ref.recipe_sha256);
  const auto hit = again->lookup(recipes[1]);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->point.to_json(), made[1].point.to_json());
  EXPECT_FALSE(again->lookup(recipe(0.2, 0.41)).has_value());
  // Another protocol (fewer prompts) is another cache: nothing of the above.
  EvalConfig fewer = wb->eval_config();
  fewer.max_prompts = 2;
  auto other = MergeWorkbench::open(E(), files_inputs(), fewer);
  EXPECT_NE(other->protocol_sha256(), wb->protocol_sha256());
  EXPECT_TRUE(other->cached_points().empty());
  EXPECT_FALSE(other->lookup(recipes[0]).has_value());
}

// Cancelling in the merge or in the evaluation throws Cancelled and stores nothing; the same
// recipe then evaluates normally.
TEST(MergeWorkbench, CancelStoresNothing) {
  auto wb = open_files_workbench();
  const MergeRecipe r = recipe(0.45, 0.55);
  const int64_t before = stored_points();
  for (const char* stage : {"merge", "eval"}) {
    int calls = 0;
    EXPECT_THROW(wb->evaluate(r,
                              [&](const ProgressInfo& p) {
                                ++calls;
                                return p.stage != stage;
                              }),
                 Cancelled)
        << stage;
    EXPECT_GT(calls, 0);
    EXPECT_FALSE(wb->lookup(r).has_value()) << stage;
    EXPECT_EQ(stored_points(), before) << stage;
  }
  // Cancelled in the middle of the merge (a later tensor).
  EXPECT_THROW(
      wb->evaluate(recipe(0.15, 0.55), [](const ProgressInfo& p) { return !(p.stage == "merge" && p.done == 3); }),
      Cancelled);
  EXPECT_EQ(stored_points(), before);
  const WorkbenchPoint p = wb->evaluate(r);
  EXPECT_FALSE(p.cached);
  EXPECT_EQ(stored_points(), before + 1);
  EXPECT_TRUE(wb->lookup(r).has_value());
  // Opening is cancellable too.
  const MergeInputs in = files_inputs();
  EXPECT_THROW(MergeWorkbench::open(E(), in, wb->eval_config(), [](const ProgressInfo&) { return false; }), Cancelled);
}

// The GUI thread calls lookup() and cached_points() while evaluate() runs on a worker thread.
TEST(MergeWorkbench, LookupFromAnotherThreadWhileEvaluating) {
  auto wb = open_files_workbench();
  const MergeRecipe r = recipe(0.35, 0.65, MergeRecipe::EtaMode::TowardSft);
  ASSERT_FALSE(wb->lookup(r).has_value());
  std::atomic<bool> done{false};
  std::atomic<int> lookups{0}, found{0}, errors{0};
  std::string error;
  std::thread gui([&] {
    while (!done.load()) {
      try {
        if (wb->lookup(r)) ++found;
        if (wb->lookup(recipe(0.5, 0.3))) {}
        (void)wb->cached_points();
        ++lookups;
      } catch (const std::exception& e) {
        if (errors++ == 0) error = e.what();
      }
    }
  });
  // Every evaluation batch waits until the other thread has looked up at least once more, so the
  // calls really overlap the evaluation.
  const WorkbenchPoint p = wb->evaluate(r, [&](const ProgressInfo& info) {
    if (info.stage == "eval") {
      const int seen = lookups.load();
      const auto t0 = std::chrono::steady_clock::now();
      while (lookups.load() == seen && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  });
  // Then until the point is seen from there.
  const auto t0 = std::chrono::steady_clock::now();
  while (found.load() == 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  done = true;
  gui.join();
  EXPECT_EQ(errors.load(), 0) << error;
  EXPECT_GT(lookups.load(), 1);
  EXPECT_GT(found.load(), 0);
  const auto hit = wb->lookup(r);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->point.to_json(), p.point.to_json());
}

// inputs_from_runs: the finished train runs of the iteration share θ_sft as their init; refusals name
// the run.
TEST(MergeWorkbench, InputsFromRuns) {
  const MergeInputs in = inputs_from_runs(E(), {"w-i1-r2", "w-i1-r1"});
  EXPECT_EQ(in.source, MergeInputs::Source::Runs);
  EXPECT_EQ(in.init, ck("sft.h5"));
  EXPECT_EQ(in.models, (std::vector<std::string>{ck("w-i1-r2.h5"), ck("w-i1-r1.h5")}));
  EXPECT_EQ(in.describe(), "runs w-i1-r2, w-i1-r1");
  EXPECT_EQ(MergeWorkbench::default_eval_config(E(), in).to_json(), eval_config_for(E()).to_json());
  {
    // A finished train run from another init (the driver's merge), an unfinished one.
    ExperimentDb db = ExperimentDb::open(E().db_path());
    if (!db.find_run("other-init")) {
      const auto slerp = db.find_checkpoint_by_sha256(sha256_file(ck("w-i1-slerp.h5")));
      ASSERT_TRUE(slerp.has_value());
      RunSpec spec("other-init", "train");
      spec.init_checkpoint_id = slerp->id;
      const int64_t id = db.create_run(spec);
      CheckpointSpec cs;
      cs.run_id = id;
      cs.path = "checkpoints/w-i1-r1.h5";
      cs.sha256 = sha256_file(ck("w-i1-r1.h5"));
      cs.kind = "policy";
      db.add_checkpoint(cs);
      db.set_run_status(id, RunStatus::Finished);
      db.create_run(RunSpec("queued-run", "train"));
    }
  }
  std::string msg = message_of<BadInput>([] { inputs_from_runs(E(), {"w-i1-r1", "w-i1-r2", "other-init"}); });
  EXPECT_MESSAGE_HAS(msg,
                     "runs w-i1-r1, w-i1-r2 start from checkpoints/sft.h5 but other-init starts from "
                     "checkpoints/w-i1-slerp.h5");
  msg = message_of<BadInput>([] { inputs_from_runs(E(), {"w-i1-r1", "other-init"}); });
  EXPECT_MESSAGE_HAS(msg, "run w-i1-r1 starts from checkpoints/sft.h5 but other-init starts from");
  msg = message_of<BadInput>([] { inputs_from_runs(E(), {"w-i1-r1", "nope"}); });
  EXPECT_MESSAGE_HAS(msg, "run 'nope' does not exist");
  msg = message_of<BadInput>([] { inputs_from_runs(E(), {"w-i1-r1", "w"}); });
  EXPECT_MESSAGE_HAS(msg, "run 'w' is a warp run");
  msg = message_of<BadInput>([] { inputs_from_runs(E(), {"w-i1-r1", "queued-run"}); });
  EXPECT_MESSAGE_HAS(msg, "run 'queued-run' has not finished (status queued)");
  msg = message_of<BadInput>([] { inputs_from_runs(E(), {"w-i1-r1"}); });
  EXPECT_MESSAGE_HAS(msg, "at least 2 runs");
  msg = message_of<BadInput>([] { inputs_from_runs(E(), {"w-i1-r1", "w-i1-r1"}); });
  EXPECT_MESSAGE_HAS(msg, "run 'w-i1-r1' is given twice");
}

// inputs_from_iteration / list_merge_iterations: unknown driver or iteration, a worker not finished.
TEST(MergeWorkbench, InputsFromIterationRefusals) {
  std::string msg = message_of<BadInput>([] { inputs_from_iteration(E(), "nodriver", 1); });
  EXPECT_MESSAGE_HAS(msg, "nodriver");
  msg = message_of<BadInput>([] { inputs_from_iteration(E(), "w-i1-r1", 1); });
  EXPECT_MESSAGE_HAS(msg, "w-i1-r1");
  msg = message_of<BadInput>([] { inputs_from_iteration(E(), "w", 2); });
  EXPECT_MESSAGE_HAS(msg, "WARP run 'w' has no iteration 2 (it has started iterations 1..1)");
  auto choices = list_merge_iterations(E());
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_EQ(choices[0].driver, "w");
  EXPECT_EQ(choices[0].iteration, 1);
  EXPECT_EQ(choices[0].runs, 2);
  EXPECT_TRUE(choices[0].complete);
  {
    ExperimentDb db = ExperimentDb::open(E().db_path());
    db.set_run_status(db.find_run("w-i1-r2")->id, RunStatus::Killed, "stopped by the test");
  }
  msg = message_of<BadInput>([] { inputs_from_iteration(E(), "w", 1); });
  EXPECT_MESSAGE_HAS(msg, "worker 'w-i1-r2' has not finished (status killed)");
  choices = list_merge_iterations(E());
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_FALSE(choices[0].complete);
  {
    ExperimentDb db = ExperimentDb::open(E().db_path());
    db.set_run_status(db.find_run("w-i1-r2")->id, RunStatus::Finished);
  }
  EXPECT_NO_THROW(inputs_from_iteration(E(), "w", 1));
}

// inputs_from_files: BadInput naming the bad file.
TEST(MergeWorkbench, InputsFromFilesRefusals) {
  const std::string dir = scratch_dir("wb-bad-files");
  const std::string good = ck("w-i1-r1.h5");
  // A truncated checkpoint.
  const std::string truncated = dir + "/truncated.h5";
  {
    const auto bytes = read_file_bytes(good);
    std::ofstream(truncated, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size() / 2));
  }
  // Not a checkpoint.
  const std::string text = dir + "/notes.h5";
  std::ofstream(text) << "not a checkpoint\n";
  // Another model config.
  const std::string wider = dir + "/wider.h5";
  GPTConfig mc = GPTConfig::from_json(E().config().at("model"), "test");
  mc.n_embd *= 2;
  write_random_policy(wider, mc, 3);
  // The same config, one tensor of another shape.
  const std::string reshaped = dir + "/reshaped.h5";
  {
    CheckpointData d = load_checkpoint(good);
    d.params[0].second = torch::zeros({d.params[0].second.size(0) + 1, d.params[0].second.size(1)});
    save_checkpoint(reshaped, d);
  }
  for (const std::string& bad : {truncated, text, wider, reshaped, dir + "/missing.h5"}) {
    std::string msg = message_of<BadInput>([&] { inputs_from_files(E(), "checkpoints/sft.h5", {good, bad}); });
    EXPECT_MESSAGE_HAS(msg, bad);
    msg = message_of<BadInput>([&] { inputs_from_files(E(), bad, {good, ck("w-i1-r2.h5")}); });
    EXPECT_MESSAGE_HAS(msg, bad);
  }
  std::string msg = message_of<BadInput>([&] { inputs_from_files(E(), "checkpoints/sft.h5", {good}); });
  EXPECT_MESSAGE_HAS(msg, "at least 2");
  // Opening checks too (inputs given directly).
  MergeInputs in = files_inputs();
  in.models[1] = truncated;
  msg = message_of<BadInput>([&] { MergeWorkbench::open(E(), in, eval_config_for(E())); });
  EXPECT_MESSAGE_HAS(msg, truncated);
  in.models[1] = wider;
  msg = message_of<BadInput>([&] { MergeWorkbench::open(E(), in, eval_config_for(E())); });
  EXPECT_MESSAGE_HAS(msg, wider);
  // Relative paths are taken in the experiment folder; the result is absolute.
  const MergeInputs ok = files_inputs();
  EXPECT_EQ(ok.init, ck("w-i1-eta0.30.h5"));
  EXPECT_EQ(ok.describe(), "files w-i1-r1.h5, w-i1-r2.h5");
}

// Both exports load back as the recipe's merged weights; refusals name the path and leave nothing.
TEST(MergeWorkbench, ExportsLoadBack) {
  auto wb = open_files_workbench();
  const MergeRecipe r = recipe(0.25, 0.6, MergeRecipe::EtaMode::TowardSft);
  const NamedTensors want = wb->merged_params(r);
  const std::string dir = scratch_dir("wb-export");

  const std::string path = dir + "/merged.h5";
  wb->export_checkpoint(r, path);
  const GptCheckpoint back = load_gpt_params(path);
  expect_same_tensors(back.params, want, "export_checkpoint");
  EXPECT_EQ(back.header.kind, "merge");
  EXPECT_EQ(back.header.meta.at("eta"), 0.6);
  EXPECT_EQ(back.header.meta.at("eta_mode"), "toward_sft");
  EXPECT_EQ(back.header.meta.at("inputs"), wb->inputs().to_json());
  EXPECT_EQ(key_sha256([&] {
              nlohmann::json k = back.header.meta;
              k.erase("inputs");
              return k;
            }()),
            wb->recipe_key(r));
  const BpeTokenizer tok = tokenizer_for_checkpoint(path, "");
  EXPECT_EQ(tok.sha256(), BpeTokenizer::load_dir(E().dir() + "/tokenizer").sha256());
  {
    const CheckpointReader reader(path);
    EXPECT_NE(reader.find("vocab.json", TensorGroup::Files), nullptr);
  }

  // Refused: a missing folder, a folder nobody may write (sysfs), an input of the workbench.
  std::string msg = message_of<BadInput>([&] { wb->export_checkpoint(r, dir + "/no/such/x.h5"); });
  EXPECT_MESSAGE_HAS(msg, dir + "/no/such/x.h5");
  EXPECT_FALSE(is_directory(dir + "/no"));
  msg = message_of<Error>([&] { wb->export_checkpoint(r, "/sys/warp-workbench-test.h5"); });
  EXPECT_MESSAGE_HAS(msg, "/sys/warp-workbench-test.h5");
  EXPECT_FALSE(is_regular_file("/sys/warp-workbench-test.h5"));
  msg = message_of<BadInput>([&] { wb->export_checkpoint(r, wb->inputs().models[0]); });
  EXPECT_MESSAGE_HAS(msg, "is one of the workbench's inputs");
  // Cancelled while writing: nothing at the path, nothing beside it.
  EXPECT_THROW(wb->export_checkpoint(r, dir + "/cancelled.h5",
                                     [](const ProgressInfo& p) { return p.stage != "save checkpoint" || p.done < 2; }),
               Cancelled);
  EXPECT_FALSE(is_regular_file(dir + "/cancelled.h5"));

  // Hugging Face folder.
  const std::string hf = dir + "/hf";
  wb->export_hf(r, hf);
  const HfGpt2Import imported = import_hf_gpt2(hf);
  expect_same_tensors(imported.params, want, "export_hf");
  for (const char* f : {"model.safetensors", "config.json", "vocab.json", "merges.txt", "tokenizer_config.json"})
    EXPECT_TRUE(is_regular_file(hf + "/" + f)) << f;
  EXPECT_EQ(imported.eos_token_id, tok.eos_id());
  // An empty existing folder is filled; a non-empty one is refused; a missing parent, an unwritable
  // place and a cancel leave nothing.
  const std::string empty = dir + "/empty";
  make_dirs(empty);
  wb->export_hf(r, empty + "/");
  expect_same_tensors(import_hf_gpt2(empty).params, want, "export_hf into an empty folder");
  msg = message_of<BadInput>([&] { wb->export_hf(r, hf); });
  EXPECT_MESSAGE_HAS(msg, hf + ": exists and is not empty");
  msg = message_of<BadInput>([&] { wb->export_hf(r, dir + "/no/such/hf"); });
  EXPECT_MESSAGE_HAS(msg, dir + "/no/such/hf");
  msg = message_of<Error>([&] { wb->export_hf(r, "/sys/warp-workbench-hf"); });
  EXPECT_MESSAGE_HAS(msg, "/sys/warp-workbench-hf");
  EXPECT_THROW(
      wb->export_hf(r, dir + "/hf-cancelled", [](const ProgressInfo& p) { return p.stage != "export" || p.done < 3; }),
      Cancelled);
  EXPECT_FALSE(std::filesystem::exists(dir + "/hf-cancelled"));
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"empty", "hf", "merged.h5"}));
}

// Recipes: validation, JSON, the key (rounded values; λ only for M = 2; θ_sft only toward it).
TEST(MergeRecipe, KeyJsonAndValidation) {
  const std::vector<std::string> two = {std::string(64, 'a'), std::string(64, 'b')};
  const std::vector<std::string> three = {std::string(64, 'a'), std::string(64, 'b'), std::string(64, 'c')};
  const std::string init(64, 'i'), sft(64, 's');
  const auto key = recipe_key_json(recipe(0.5, 0.3), init, two, sft);
  EXPECT_EQ(key.dump(), "{\"eta\":0.3,\"eta_mode\":\"toward_init\",\"init_sha256\":\"" + init +
                            "\",\"lambda\":0.5,\"method\":\"slerp\",\"model_sha256\":[\"" + two[0] + "\",\"" + two[1] +
                            "\"],\"version\":1}");
  EXPECT_EQ(key_sha256(key), sha256_hex(key.dump().data(), key.dump().size()));
  // Rounded to 1e-6.
  EXPECT_EQ(recipe_key_json(recipe(0.5 + 1e-9, 0.3 - 2e-8), init, two, sft), key);
  EXPECT_NE(recipe_key_json(recipe(0.500001, 0.3), init, two, sft), key);
  EXPECT_EQ(normalize_recipe(recipe(0.1234567, 0.3)).lambda, 0.123457);
  // M = 3: no λ.
  const auto k3 = recipe_key_json(recipe(0.2, 0.3), init, three, sft);
  EXPECT_FALSE(k3.contains("lambda"));
  EXPECT_EQ(k3, recipe_key_json(recipe(0.9, 0.3), init, three, sft));
  // toward_sft: θ_sft's hash is in the key.
  const auto ks = recipe_key_json(recipe(0.5, 0.3, MergeRecipe::EtaMode::TowardSft), init, two, sft);
  EXPECT_EQ(ks.at("sft_sha256"), sft);
  EXPECT_EQ(ks.at("eta_mode"), "toward_sft");
  EXPECT_FALSE(key.contains("sft_sha256"));
  EXPECT_EQ(recipe_from_key_json(ks, "k"), recipe(0.5, 0.3, MergeRecipe::EtaMode::TowardSft));

  EXPECT_THROW(recipe(1.5, 0.3).validate(), BadInput);
  EXPECT_THROW(recipe(0.5, -0.1).validate(), BadInput);
  EXPECT_THROW(recipe(std::nan(""), 0.3).validate(), BadInput);
  EXPECT_THROW(recipe(0.5, 0.3, MergeRecipe::EtaMode::TowardInit, MergeMethod::Ties).validate(), BadInput);
  EXPECT_THROW(recipe_key_json(recipe(0.5, 2.0), init, two, sft), BadInput);

  const MergeRecipe r = recipe(0.25, 0.75, MergeRecipe::EtaMode::TowardSft, MergeMethod::Lerp);
  EXPECT_EQ(r.to_json(),
            nlohmann::json::parse(R"({"method":"lerp","lambda":0.25,"eta":0.75,"eta_mode":"toward_sft"})"));
  EXPECT_EQ(MergeRecipe::from_json(r.to_json(), "x"), r);
  std::string msg = message_of<BadInput>([] { MergeRecipe::from_json({{"eta", "high"}}, "recipe.json"); });
  EXPECT_MESSAGE_HAS(msg, "recipe.json: field 'eta'");
  msg = message_of<BadInput>([] { MergeRecipe::from_json({{"method", "liti"}}, "recipe.json"); });
  EXPECT_MESSAGE_HAS(msg, "recipe.json");
  msg = message_of<BadInput>([] { MergeRecipe::from_json({{"eta_mode", "sideways"}}, "recipe.json"); });
  EXPECT_MESSAGE_HAS(msg, "sideways");
  EXPECT_THROW(MergeRecipe::from_json({{"lamda", 0.5}}, "recipe.json"), BadInput);

  // Granularity: absent from per-tensor recipes and keys (as before it existed), "layer" otherwise.
  EXPECT_FALSE(recipe(0.5, 0.3).to_json().contains("granularity"));
  MergeRecipe lr = recipe(0.5, 0.3);
  lr.granularity = MergeGranularity::Layer;
  const auto kl = recipe_key_json(lr, init, two, sft);
  EXPECT_EQ(kl.at("granularity"), "layer");
  EXPECT_NE(key_sha256(kl), key_sha256(key));
  EXPECT_EQ(recipe_from_key_json(kl, "k"), lr);
  EXPECT_EQ(MergeRecipe::from_json(lr.to_json(), "x"), lr);
  EXPECT_FALSE(lr == recipe(0.5, 0.3));
  msg = message_of<BadInput>([] { MergeRecipe::from_json({{"granularity", "block"}}, "recipe.json"); });
  EXPECT_MESSAGE_HAS(msg, "'block'");
  EXPECT_MESSAGE_HAS(msg, "--granularity");
  msg = message_of<BadInput>([] {
    MergeRecipe::from_json({{"method", "lerp"}, {"granularity", "layer"}}, "recipe.json");
  });
  EXPECT_MESSAGE_HAS(msg, "slerp only");
}

TEST(MergeInputs, JsonRoundTripAndRefusals) {
  MergeInputs in;
  in.source = MergeInputs::Source::Iteration;
  in.init = "/x/init.h5";
  in.models = {"/x/a.h5", "/x/b.h5"};
  in.runs = {"w-i2-r1", "w-i2-r2"};
  in.driver = "w";
  in.iteration = 2;
  const nlohmann::json j = in.to_json();
  EXPECT_EQ(j.at("source"), "iteration");
  const MergeInputs back = MergeInputs::from_json(j, "inputs");
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.describe(), "w iteration 2 (w-i2-r1, w-i2-r2)");
  nlohmann::json bad = j;
  bad["models"] = {"/x/a.h5"};
  EXPECT_MESSAGE_HAS(message_of<BadInput>([&] { MergeInputs::from_json(bad, "inputs.json"); }),
                     "inputs.json: field 'models'");
  bad = j;
  bad["source"] = "cloud";
  EXPECT_MESSAGE_HAS(message_of<BadInput>([&] { MergeInputs::from_json(bad, "inputs.json"); }), "field 'source'");
  bad = j;
  bad["iteration"] = 0;
  EXPECT_MESSAGE_HAS(message_of<BadInput>([&] { MergeInputs::from_json(bad, "inputs.json"); }), "field 'iteration'");
  bad = j;
  bad.erase("init");
  EXPECT_MESSAGE_HAS(message_of<BadInput>([&] { MergeInputs::from_json(bad, "inputs.json"); }), "field 'init'");
}
