// The iterative WARP driver (core/warp/driver.h) with in-process workers (WarpDriverOptions hooks):
// two iterations end to end, checked against SLERP and LITI recomputed in float64 from the files;
// lineage and front metrics in the database; read_warp; resume after a stop in the middle of an
// iteration (finished runs untouched, the same final checkpoints as without the stop) and after a
// stop between stages (nothing redone); a failing worker; refused settings.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <set>

#include "db/experiment_db.h"
#include "db/metric_keys.h"
#include "eval/eval_config.h"
#include "eval/evaluate.h"
#include "merge/merger.h"
#include "util/sha256.h"
#include "warp_test_support.h"

using namespace warp;
using namespace warp::test;

namespace {

std::string ck(const Experiment& exp, const std::string& rel) { return exp.dir() + "/" + rel; }

// Per tensor, in float64: SLERP of DESIGN §5 (LERP fallback for a zero task vector or tiny sin Ω).
torch::Tensor slerp_ref(const torch::Tensor& init, const torch::Tensor& a, const torch::Tensor& b, double lambda) {
  const auto i0 = init.to(torch::kFloat64), d1 = a.to(torch::kFloat64) - i0, d2 = b.to(torch::kFloat64) - i0;
  const double n1 = d1.norm().item<double>(), n2 = d2.norm().item<double>();
  if (n1 == 0 || n2 == 0) return i0 + (1 - lambda) * d1 + lambda * d2;
  const double c = std::max(-1.0, std::min(1.0, (d1 * d2).sum().item<double>() / (n1 * n2)));
  const double omega = std::acos(c), s = std::sin(omega);
  if (s < 1e-4) return i0 + (1 - lambda) * d1 + lambda * d2;
  return i0 + std::sin((1 - lambda) * omega) / s * d1 + std::sin(lambda * omega) / s * d2;
}

void expect_close(const torch::Tensor& got, const torch::Tensor& want, const std::string& what) {
  const double err = (got.to(torch::kFloat64) - want).abs().max().item<double>();
  EXPECT_LT(err, 2e-6) << what;
}

std::vector<std::string> launched_names(const InProcessWorkers& w) {
  std::vector<std::string> out;
  for (const auto& l : w.launched) out.push_back(l.name + (l.resume ? " (resume)" : ""));
  return out;
}

}  // namespace

TEST(WarpDriver, TwoIterationsEndToEnd) {
  Experiment exp = synthetic_experiment("warp-e2e");
  InProcessWorkers workers(exp);
  std::set<std::string> stages;
  const ProgressFn progress = [&](const ProgressInfo& p) {
    stages.insert(p.stage);
    return true;
  };
  const WarpResult r = run_warp(exp, tiny_warp(), tiny_rl(), workers.options(), progress);
  EXPECT_EQ(r.status, RunStatus::Finished);
  EXPECT_EQ(launched_names(workers), (std::vector<std::string>{"w-i1-r1", "w-i1-r2", "w-i2-r1", "w-i2-r2"}));
  for (const char* s : {"train", "merge", "eval"}) EXPECT_TRUE(stages.count(s)) << s;
  ASSERT_EQ(r.iterations.size(), 2u);
  const WarpIteration& it1 = r.iterations[0];
  const WarpIteration& it2 = r.iterations[1];
  EXPECT_EQ(it1.init, "checkpoints/sft.h5");
  EXPECT_EQ(it1.slerp, "checkpoints/w-i1-slerp.h5");
  EXPECT_EQ(it1.next_init, "checkpoints/w-i1-eta0.30.h5");
  EXPECT_EQ(it2.init, it1.next_init);
  EXPECT_EQ(it2.next_init, "checkpoints/w-i2-eta0.30.h5");
  // The grid plus the chosen η, ascending.
  std::vector<double> etas;
  for (const auto& fp : it1.front) etas.push_back(fp.eta);
  EXPECT_EQ(etas, (std::vector<double>{0.0, 0.3, 0.5, 1.0}));

  // Recompute the merges in float64 from the files: SLERP of the two runs, then each LITI point.
  for (const WarpIteration* it : {&it1, &it2}) {
    const auto init = by_name(params_of(ck(exp, it->init)));
    const auto a = by_name(params_of(ck(exp, "checkpoints/" + it->runs[0] + ".h5")));
    const auto b = by_name(params_of(ck(exp, "checkpoints/" + it->runs[1] + ".h5")));
    const auto slerp = by_name(params_of(ck(exp, it->slerp)));
    double moved = 0;
    for (const auto& [name, t0] : init) {
      expect_close(slerp.at(name), slerp_ref(t0, a.at(name), b.at(name), 0.5), it->slerp + " " + name);
      moved += (a.at(name) - t0).abs().sum().item<double>();
    }
    EXPECT_GT(moved, 0) << "the runs of iteration " << it->iteration << " did not move";
    for (const auto& fp : it->front) {
      const auto liti = by_name(params_of(ck(exp, fp.checkpoint)));
      for (const auto& [name, t0] : init) {
        const auto want = (1 - fp.eta) * t0.to(torch::kFloat64) + fp.eta * slerp.at(name).to(torch::kFloat64);
        expect_close(liti.at(name), want, fp.checkpoint + " " + name);
      }
      EXPECT_EQ(fp.sha256, sha256_file(ck(exp, fp.checkpoint)));
    }
  }
  // Algorithm 1's output: (1 − η)·θ_sft + η·θ_slerp of the last iteration, recomputed in float64.
  {
    const auto sft = by_name(params_of(ck(exp, "checkpoints/sft.h5")));
    const auto slerp2 = by_name(params_of(ck(exp, it2.slerp)));
    ASSERT_EQ(r.output_front.size(), 4u);
    for (size_t k = 0; k < r.output_front.size(); ++k) {
      const FrontPoint& fp = r.output_front[k];
      EXPECT_EQ(fp.eta, it2.front[k].eta);
      EXPECT_EQ(fp.checkpoint, "checkpoints/w-output-eta" + warp_eta_tag(fp.eta) + ".h5");
      EXPECT_EQ(fp.sha256, sha256_file(ck(exp, fp.checkpoint)));
      const auto out = by_name(params_of(ck(exp, fp.checkpoint)));
      for (const auto& [name, t0] : sft) {
        const auto want = (1 - fp.eta) * t0.to(torch::kFloat64) + fp.eta * slerp2.at(name).to(torch::kFloat64);
        expect_close(out.at(name), want, fp.checkpoint + " " + name);
      }
    }
    // η = 0 is θ_sft: KL exactly 0; η = 1 is θ_slerp^(2), the same policy as iteration 2's η = 1.
    EXPECT_EQ(r.output_front.front().point.kl_sft.mean, 0.0);
    EXPECT_EQ(r.output_front.back().point.to_json(), it2.front.back().point.to_json());
    // Iteration 2 started from θ_init ≠ θ_sft, so its front (toward θ_init) differs from the output
    // front (toward θ_sft) at η = 0.
    EXPECT_NE(r.output_front.front().point.to_json(), it2.front.front().point.to_json());
  }

  // η = 0 of iteration 1 is θ_sft itself: KL exactly 0; the points are what warp eval gives.
  EXPECT_EQ(it1.front[0].point.kl_sft.mean, 0.0);
  EvalConfig ec = eval_config_for(exp);
  ec.reward = "gold";
  ec.max_prompts = 4;
  ec.device = "cpu";
  const EvalResult again = evaluate_checkpoint(exp, ck(exp, it2.front[2].checkpoint), ec);
  EXPECT_TRUE(again.cached);
  EXPECT_EQ(again.point.reward.mean, it2.front[2].point.reward.mean);
  EXPECT_EQ(again.point.prompts, 4);

  // Database: the driver run, the workers' lineage, the registered merges, the front metrics.
  auto db = ExperimentDb::open_read_only(exp.db_path());
  const auto driver = db.find_run("w");
  ASSERT_TRUE(driver);
  EXPECT_EQ(driver->kind, "warp");
  EXPECT_EQ(driver->status, RunStatus::Finished);
  const auto cfg = nlohmann::json::parse(driver->config_json);
  EXPECT_EQ(cfg.at("warp").at("iterations"), 2);
  EXPECT_EQ(cfg.at("rl").at("steps"), 3);
  std::set<uint64_t> seeds, prompt_seeds;
  for (int64_t i = 1; i <= 2; ++i)
    for (int64_t m = 1; m <= 2; ++m) {
      const auto w = db.find_run(warp_worker_name("w", i, m));
      ASSERT_TRUE(w);
      EXPECT_EQ(w->kind, "train");
      EXPECT_EQ(w->status, RunStatus::Finished);
      EXPECT_EQ(w->parent_run_id, driver->id);
      EXPECT_EQ(w->iteration, i);
      const auto wc = nlohmann::json::parse(w->config_json).at("rl");
      EXPECT_EQ(wc.at("init"), r.iterations[static_cast<size_t>(i - 1)].init);
      EXPECT_EQ(wc.at("steps"), 3);
      EXPECT_EQ(wc.at("threads"), 1);
      seeds.insert(wc.at("seed").get<uint64_t>());
      prompt_seeds.insert(wc.at("prompt_seed").get<uint64_t>());
      ASSERT_TRUE(w->init_checkpoint_id);
      const auto init_ck = db.get_checkpoint(*w->init_checkpoint_id);
      EXPECT_EQ(init_ck.path, r.iterations[static_cast<size_t>(i - 1)].init);
      if (i == 2) {
        EXPECT_EQ(init_ck.kind, "liti");
      }
    }
  EXPECT_EQ(seeds.size(), 4u);
  EXPECT_EQ(prompt_seeds.size(), 4u);
  std::map<std::string, CheckpointRecord> ckpts;
  for (const auto& c : db.list_checkpoints(driver->id)) ckpts[c.path] = c;
  EXPECT_EQ(ckpts.size(), 2u * (1 + 4) + 4);  // per iteration a SLERP and 4 LITI points; the output front
  const auto& sl = ckpts.at("checkpoints/w-i2-slerp.h5");
  EXPECT_EQ(sl.kind, "merge");
  const auto sm = nlohmann::json::parse(sl.meta_json);
  EXPECT_EQ(sm.at("iteration"), 2);
  EXPECT_EQ(sm.at("stage"), "slerp");
  EXPECT_EQ(sm.at("runs"), (nlohmann::json{"w-i2-r1", "w-i2-r2"}));
  EXPECT_EQ(sm.at("init"), "checkpoints/w-i1-eta0.30.h5");
  EXPECT_EQ(sm.at("method"), "slerp");
  const auto lm = nlohmann::json::parse(ckpts.at("checkpoints/w-i1-eta0.50.h5").meta_json);
  EXPECT_EQ(ckpts.at("checkpoints/w-i1-eta0.50.h5").kind, "liti");
  EXPECT_EQ(lm.at("stage"), "liti");
  EXPECT_EQ(lm.at("eta"), 0.5);
  EXPECT_EQ(lm.at("slerp_sha256"), sha256_file(ck(exp, "checkpoints/w-i1-slerp.h5")));
  for (const auto& it : r.iterations)
    for (const auto& fp : it.front) {
      const std::string k = "front/eta" + warp_eta_tag(fp.eta) + "/";
      for (const auto& [key, v] : std::vector<std::pair<std::string, double>>{{"reward", fp.point.reward.mean},
                                                                              {"gold", fp.point.gold.mean},
                                                                              {"kl_sft", fp.point.kl_sft.mean},
                                                                              {"length", fp.point.length.mean}}) {
        const auto pts = db.read_metrics(driver->id, k + key);
        ASSERT_EQ(pts.size(), 2u) << k + key;
        EXPECT_EQ(pts[static_cast<size_t>(it.iteration - 1)].step, it.iteration);
        EXPECT_EQ(pts[static_cast<size_t>(it.iteration - 1)].value, v) << k + key;
      }
    }
  for (const auto& fp : r.output_front)
    for (const auto& [field, v] : std::vector<std::pair<std::string, double>>{{"reward", fp.point.reward.mean},
                                                                              {"reward_se", fp.point.reward.se},
                                                                              {"gold", fp.point.gold.mean},
                                                                              {"kl_sft", fp.point.kl_sft.mean},
                                                                              {"kl_sft_se", fp.point.kl_sft.se}}) {
      const auto pts = db.read_metrics(driver->id, front_metric_key(FrontFamily::Output, fp.eta, field));
      ASSERT_EQ(pts.size(), 1u) << field;
      EXPECT_EQ(pts[0].step, 2);
      EXPECT_EQ(pts[0].value, v) << field;
    }
  const auto om = db.read_metrics(driver->id, "warp/mean_omega_deg");
  ASSERT_EQ(om.size(), 2u);
  EXPECT_GT(om[0].value, 0.0);
  EXPECT_LT(om[0].value, 180.0);
  EXPECT_EQ(om[0].value, it1.mean_omega_deg);

  // read_warp tells the same story.
  const WarpResult seen = read_warp(exp, "w");
  EXPECT_EQ(seen.status, RunStatus::Finished);
  EXPECT_EQ(seen.message, r.message);
  ASSERT_EQ(seen.iterations.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto &a = seen.iterations[i], &b = r.iterations[i];
    EXPECT_EQ(a.init, b.init);
    EXPECT_EQ(a.runs, b.runs);
    EXPECT_EQ(a.slerp, b.slerp);
    EXPECT_EQ(a.next_init, b.next_init);
    EXPECT_EQ(a.mean_omega_deg, b.mean_omega_deg);
    ASSERT_EQ(a.front.size(), b.front.size());
    for (size_t k = 0; k < a.front.size(); ++k) {
      EXPECT_EQ(a.front[k].checkpoint, b.front[k].checkpoint);
      EXPECT_EQ(a.front[k].sha256, b.front[k].sha256);
      EXPECT_EQ(a.front[k].point.to_json(), b.front[k].point.to_json());
    }
  }
  ASSERT_EQ(seen.output_front.size(), r.output_front.size());
  for (size_t k = 0; k < r.output_front.size(); ++k) {
    EXPECT_EQ(seen.output_front[k].checkpoint, r.output_front[k].checkpoint);
    EXPECT_EQ(seen.output_front[k].point.to_json(), r.output_front[k].point.to_json());
  }
  // A finished driver is not resumed; the name is not reused with other settings.
  EXPECT_THROW(resume_warp(exp, "w", workers.options()), BadInput);
  WarpConfig other = tiny_warp();
  other.iterations = 3;
  EXPECT_THROW(run_warp(exp, other, tiny_rl(), workers.options()), BadInput);
}

TEST(WarpDriver, ResumeAfterAStopInTheMiddleOfAnIterationRedoesNothingFinished) {
  // Reference: the same driver without interruption.
  Experiment ref = synthetic_experiment("warp-ref");
  InProcessWorkers ref_workers(ref);
  run_warp(ref, tiny_warp(), tiny_rl(), ref_workers.options());

  Experiment exp = synthetic_experiment("warp-resume");
  InProcessWorkers workers(exp);
  bool stop = false;
  // SIGTERM reaches worker 2 of iteration 2 before its step 2 (and the driver at the same time).
  workers.progress_for = [&](const std::string& name) -> ProgressFn {
    if (name != "w-i2-r2") return {};
    return [&](const ProgressInfo& p) {
      if (p.stage == "rl" && p.detail.empty() && p.done == 2) stop = true;
      return !stop;
    };
  };
  const ProgressFn driver_progress = [&](const ProgressInfo&) { return !stop; };
  EXPECT_THROW(run_warp(exp, tiny_warp(), tiny_rl(), workers.options(), driver_progress), Cancelled);
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    EXPECT_EQ(db.find_run("w")->status, RunStatus::Killed);
    EXPECT_EQ(db.find_run("w-i2-r1")->status, RunStatus::Finished);
    EXPECT_EQ(db.find_run("w-i2-r2")->status, RunStatus::Killed);
    EXPECT_NE(db.find_run("w")->message.find("iteration 2 (train)"), std::string::npos) << db.find_run("w")->message;
  }
  const WarpResult partial = read_warp(exp, "w");
  EXPECT_EQ(partial.status, RunStatus::Killed);
  ASSERT_EQ(partial.iterations.size(), 2u);
  EXPECT_EQ(partial.iterations[0].front.size(), 4u);
  EXPECT_TRUE(partial.iterations[1].slerp.empty());
  // What must not change on resume: the finished runs' rows and files.
  std::map<std::string, std::pair<double, std::string>> before;
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    for (const char* n : {"w-i1-r1", "w-i1-r2", "w-i2-r1"})
      before[n] = {*db.find_run(n)->ended_at, sha256_file(exp.checkpoints_dir() + "/" + n + ".h5")};
  }

  InProcessWorkers again(exp);
  const WarpResult r = resume_warp(exp, "w", again.options());
  EXPECT_EQ(r.status, RunStatus::Finished);
  EXPECT_EQ(launched_names(again), (std::vector<std::string>{"w-i2-r2 (resume)"}));
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    for (const auto& [n, v] : before) {
      EXPECT_EQ(*db.find_run(n)->ended_at, v.first) << n;
      EXPECT_EQ(sha256_file(exp.checkpoints_dir() + "/" + n + ".h5"), v.second) << n;
    }
    // Iteration 1's merges were not redone: one registration each.
    const auto driver = db.find_run("w");
    std::map<std::string, int> regs;
    for (const auto& c : db.list_checkpoints(driver->id)) ++regs[c.path];
    for (const auto& [path, n] : regs) EXPECT_EQ(n, 1) << path;
    EXPECT_EQ(db.read_metrics(driver->id, "warp/mean_omega_deg").size(), 2u);
  }
  // Bitwise the same weights as the uninterrupted driver (CPU, one thread).
  for (const char* f : {"w-i1-r1", "w-i2-r1", "w-i2-r2", "w-i2-slerp", "w-i2-eta0.30", "w-i2-eta1.00"})
    expect_bitwise_equal(exp.checkpoints_dir() + "/" + f + ".h5", ref.checkpoints_dir() + "/" + f + ".h5");
  const WarpResult rr = read_warp(ref, "w");
  ASSERT_EQ(r.iterations.size(), 2u);
  for (size_t k = 0; k < r.iterations[1].front.size(); ++k)
    EXPECT_EQ(r.iterations[1].front[k].point.to_json(), rr.iterations[1].front[k].point.to_json());
}

TEST(WarpDriver, ResumeAfterAStopBetweenStagesRedoesNoMergeAndNoRun) {
  Experiment exp = synthetic_experiment("warp-stages");
  WarpConfig wc = tiny_warp();
  wc.iterations = 1;
  InProcessWorkers workers(exp);
  int evals = 0;
  // Stop at the second evaluation: the SLERP and two LITI points are written, one point evaluated.
  const ProgressFn stop_in_eval = [&](const ProgressInfo& p) {
    if (p.stage == "eval" && p.done == 0) ++evals;
    return evals < 2;
  };
  EXPECT_THROW(run_warp(exp, wc, tiny_rl(), workers.options(), stop_in_eval), Cancelled);
  auto regs = [&] {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    std::map<std::string, int64_t> out;
    for (const auto& c : db.list_checkpoints(db.find_run("w")->id)) out[c.path] = c.id;
    return out;
  };
  const auto before = regs();
  EXPECT_EQ(before.size(), 3u);  // slerp, η 0 and η 0.3
  EXPECT_EQ(read_warp(exp, "w").iterations.at(0).front.size(), 1u);
  const std::string slerp_sha = sha256_file(exp.checkpoints_dir() + "/w-i1-slerp.h5");

  InProcessWorkers again(exp);
  int evaluated = 0;
  const ProgressFn count = [&](const ProgressInfo& p) {
    if (p.stage == "eval" && p.done == 0) ++evaluated;
    return true;
  };
  const WarpResult r = resume_warp(exp, "w", again.options(), count);
  EXPECT_EQ(r.status, RunStatus::Finished);
  EXPECT_TRUE(again.launched.empty());
  EXPECT_EQ(evaluated, 3);  // η 0 came from the cache
  const auto after = regs();
  EXPECT_EQ(after.size(), 5u);
  for (const auto& [path, id] : before) EXPECT_EQ(after.at(path), id) << path;
  EXPECT_EQ(sha256_file(exp.checkpoints_dir() + "/w-i1-slerp.h5"), slerp_sha);

  // One iteration from θ_sft: Algorithm 1's output front is that iteration's front (no new files),
  // logged as output/eta<η>/... at step 1 and read back by read_warp.
  ASSERT_EQ(r.output_front.size(), r.iterations[0].front.size());
  for (size_t k = 0; k < r.output_front.size(); ++k) {
    EXPECT_EQ(r.output_front[k].checkpoint, r.iterations[0].front[k].checkpoint);
    EXPECT_EQ(r.output_front[k].point.to_json(), r.iterations[0].front[k].point.to_json());
  }
  {
    const WarpResult seen = read_warp(exp, "w");
    ASSERT_EQ(seen.output_front.size(), r.output_front.size());
    auto db = ExperimentDb::open_read_only(exp.db_path());
    const auto pts = db.read_metrics(db.find_run("w")->id, front_metric_key(FrontFamily::Output, 0.5, "reward"));
    ASSERT_EQ(pts.size(), 1u);
    EXPECT_EQ(pts[0].step, 1);
    EXPECT_EQ(pts[0].value, r.output_front[2].point.reward.mean);
  }

  // A finished driver is not resumed.
  EXPECT_THROW(resume_warp(exp, "w", again.options()), BadInput);

  // The same command again reports the finished driver without running anything; other settings
  // under the same name are refused.
  InProcessWorkers third(exp);
  int calls = 0;
  const WarpResult same = run_warp(exp, wc, tiny_rl(), third.options(), [&](const ProgressInfo&) {
    ++calls;
    return true;
  });
  EXPECT_EQ(same.status, RunStatus::Finished);
  EXPECT_TRUE(third.launched.empty());
  EXPECT_EQ(calls, 0);
  ASSERT_EQ(same.iterations.size(), 1u);
  EXPECT_EQ(same.iterations[0].front.size(), r.iterations[0].front.size());
  EXPECT_EQ(regs(), after);
  WarpConfig other = wc;
  other.eta = 0.5;
  EXPECT_THROW(run_warp(exp, other, tiny_rl(), third.options()), BadInput);
}

// A layer SLERP (one angle per layer group) is recorded as such; a resumed driver redoes a SLERP
// whose worker policy changed since it was written (and the LITI points made from it), and keeps one
// whose inputs are unchanged.
TEST(WarpDriver, ResumeRedoesASlerpWhoseWorkerPolicyChanged) {
  Experiment exp = synthetic_experiment("warp-stale");
  WarpConfig wc = tiny_warp();
  wc.iterations = 1;
  wc.granularity = "layer";
  int evals = 0;
  const ProgressFn stop_in_eval = [&](const ProgressInfo& p) {
    if (p.stage == "eval" && p.done == 0) ++evals;
    return evals < 2;
  };
  auto regs = [&] {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    std::map<std::string, std::pair<int64_t, std::string>> out;
    for (const auto& c : db.list_checkpoints(db.find_run("w")->id)) out[c.path] = {c.id, c.meta_json};
    return out;
  };
  const std::string slerp_rel = "checkpoints/w-i1-slerp.h5", worker2 = exp.checkpoints_dir() + "/w-i1-r2.h5";
  {
    InProcessWorkers workers(exp);
    EXPECT_THROW(run_warp(exp, wc, tiny_rl(), workers.options(), stop_in_eval), Cancelled);
  }
  const auto first = regs();
  ASSERT_TRUE(first.count(slerp_rel));
  const nlohmann::json meta1 = nlohmann::json::parse(first.at(slerp_rel).second);
  EXPECT_EQ(meta1["granularity"], "layer");
  EXPECT_EQ(meta1["parameters"]["granularity"], "layer");
  ASSERT_TRUE(meta1.contains("groups"));
  double sum = 0;
  for (const auto& g : meta1["groups"]) sum += g["omega_deg"][0].get<double>();
  EXPECT_NEAR(meta1["mean_omega_deg"].get<double>(), sum / static_cast<double>(meta1["groups"].size()), 1e-9);
  EXPECT_EQ(meta1["inputs"][2]["sha256"], sha256_file(worker2));

  // Worker 2's policy is rewritten (other weights) after the SLERP was made from it.
  CheckpointData w2 = load_checkpoint(worker2);
  for (auto& [name, t] : w2.params) t = t + 0.01;
  save_checkpoint(worker2, w2);
  const std::string new_sha = sha256_file(worker2);
  const std::string old_slerp_sha = sha256_file(ck(exp, slerp_rel));
  InProcessWorkers again(exp);
  evals = 0;
  EXPECT_THROW(resume_warp(exp, "w", again.options(), stop_in_eval), Cancelled);
  EXPECT_TRUE(again.launched.empty());  // the finished runs are not run again
  const auto second = regs();
  ASSERT_TRUE(second.count(slerp_rel));
  EXPECT_NE(second.at(slerp_rel).first, first.at(slerp_rel).first);  // registered anew
  const nlohmann::json meta2 = nlohmann::json::parse(second.at(slerp_rel).second);
  EXPECT_EQ(meta2["inputs"][2]["sha256"], new_sha);
  EXPECT_NE(sha256_file(ck(exp, slerp_rel)), old_slerp_sha);
  // The LITI point written before from the old SLERP is redone too (its SLERP's hash changed).
  for (const auto& [path, reg] : first) {
    if (path != slerp_rel) {
      EXPECT_NE(second.at(path).first, reg.first) << path;
    }
  }

  // Unchanged inputs: resuming again keeps the SLERP and the LITI files.
  InProcessWorkers third(exp);
  const WarpResult r = resume_warp(exp, "w", third.options());
  EXPECT_EQ(r.status, RunStatus::Finished);
  const auto last = regs();
  for (const auto& [path, reg] : second) EXPECT_EQ(last.at(path).first, reg.first) << path;
  // The SLERP is the layer SLERP of the files as they are now.
  MergeSpec spec;
  spec.params.granularity = MergeGranularity::Layer;
  spec.params.lambda = wc.lambda;
  spec.init_path = exp.checkpoints_dir() + "/sft.h5";
  spec.model_paths = {exp.checkpoints_dir() + "/w-i1-r1.h5", worker2};
  spec.out_path = exp.checkpoints_dir() + "/check-slerp.h5";
  merge_checkpoints(spec);
  const CheckpointData want = load_checkpoint(spec.out_path), got = load_checkpoint(ck(exp, slerp_rel));
  ASSERT_EQ(want.params.size(), got.params.size());
  for (size_t i = 0; i < want.params.size(); ++i)
    EXPECT_TRUE(torch::equal(want.params[i].second, got.params[i].second)) << want.params[i].first;
}

// Started again with the same settings, a stopped driver continues (like warp sft and warp rm).
TEST(WarpDriver, TheSameCommandAgainContinuesAStoppedDriver) {
  Experiment exp = synthetic_experiment("warp-again");
  WarpConfig wc = tiny_warp();
  wc.iterations = 1;
  InProcessWorkers workers(exp);
  // The second worker is stopped after its first step (as by a SIGTERM from outside the driver).
  workers.progress_for = [](const std::string& name) -> ProgressFn {
    if (name != "w-i1-r2") return {};
    return [](const ProgressInfo& p) { return !(p.stage == "rl" && p.done >= 1); };
  };
  EXPECT_ANY_THROW(run_warp(exp, wc, tiny_rl(), workers.options()));
  ASSERT_EQ(workers.launched.size(), 2u);
  InProcessWorkers again(exp);
  const WarpResult r = run_warp(exp, wc, tiny_rl(), again.options());
  EXPECT_EQ(r.status, RunStatus::Finished);
  // The finished first worker is kept; only the stopped one continues.
  ASSERT_EQ(again.launched.size(), 1u);
  EXPECT_EQ(again.launched[0].name, "w-i1-r2");
  EXPECT_TRUE(again.launched[0].resume);
  EXPECT_EQ(r.iterations.at(0).front.size(), 4u);
}

TEST(WarpDriver, AFailingWorkerFailsTheIterationWithItsMessage) {
  Experiment exp = synthetic_experiment("warp-fail");
  InProcessWorkers workers(exp);
  workers.fail = [](const std::string& name) { return name == "w-i1-r2"; };
  try {
    run_warp(exp, tiny_warp(), tiny_rl(), workers.options());
    FAIL() << "no error";
  } catch (const BadInput& e) {
    FAIL() << "not bad input: " << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("iteration 1/2: run w-i1-r2 failed: failed: reward server unreachable"),
              std::string::npos)
        << e.what();
  }
  auto db = ExperimentDb::open_read_only(exp.db_path());
  const auto driver = db.find_run("w");
  EXPECT_EQ(driver->status, RunStatus::Failed);
  EXPECT_NE(driver->message.find("reward server unreachable"), std::string::npos);
  EXPECT_FALSE(is_regular_file(exp.checkpoints_dir() + "/w-i1-slerp.h5"));

  // A worker that ends without a run row (e.g. refused arguments): its exit code is the message;
  // the other worker, still going, is asked to stop.
  Experiment exp2 = synthetic_experiment("warp-fail2");
  WarpDriverOptions o;
  std::vector<int64_t> stopped;
  o.poll_interval_ms = 1;
  o.launch = [](const WorkerLaunch& wl) { return wl.name == "w-i1-r1" ? int64_t{1} : int64_t{2}; };
  // Worker 2 ends once the driver has beaten (every 2 s) while waiting for it, looked at every
  // 100 ms in the database (at most 30 s: then the heartbeat check below fails). Tied to the beat,
  // not to a fixed delay, so a slow start (the .h5 check of the init, a loaded machine) cannot
  // make it end before the first beat.
  const auto t0 = std::chrono::steady_clock::now();
  auto last_look = t0;
  auto driver_has_beaten = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (now - t0 > std::chrono::seconds(30)) return true;
    if (now - last_look < std::chrono::milliseconds(100)) return false;
    last_look = now;
    const auto d = ExperimentDb::open_read_only(exp2.db_path()).find_run("w");
    return d && d->heartbeat_at && *d->heartbeat_at > d->created_at + 1.5;
  };
  o.poll = [&](int64_t h) -> std::optional<int> {
    if (h == 2 && driver_has_beaten()) return 2;
    if (h == 2) return std::nullopt;
    if (!stopped.empty()) return 130;
    return std::nullopt;
  };
  o.stop = [&](int64_t h) { stopped.push_back(h); };
  try {
    run_warp(exp2, tiny_warp(), tiny_rl(), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("run w-i1-r2 failed: exit code 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(stopped, (std::vector<int64_t>{1}));
  const auto d2 = ExperimentDb::open_read_only(exp2.db_path()).find_run("w");
  EXPECT_EQ(d2->status, RunStatus::Failed);
  ASSERT_TRUE(d2->heartbeat_at);
  EXPECT_GT(*d2->heartbeat_at, d2->created_at + 1.5);
}

TEST(WarpDriver, RefusesInvalidSettingsNamingTheOption) {
  auto refused = [](const std::function<void(WarpConfig&)>& change, const std::string& part) {
    WarpConfig c = tiny_warp();
    change(c);
    try {
      c.validate();
      ADD_FAILURE() << "accepted: " << part;
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  refused([](WarpConfig& c) { c.iterations = 0; }, "iterations (--iterations) must be in 1..1000, got 0");
  refused([](WarpConfig& c) { c.runs = 1; }, "runs (--runs)");
  refused([](WarpConfig& c) { c.steps = -1; }, "steps (--steps)");
  refused([](WarpConfig& c) { c.lambda = 1.5; }, "lambda (--lambda) must be in [0, 1], got 1.5");
  refused([](WarpConfig& c) { c.lambda = std::nan(""); }, "lambda (--lambda)");
  refused([](WarpConfig& c) { c.eta = -0.1; }, "eta (--eta)");
  refused([](WarpConfig& c) { c.eta_grid = {}; }, "eta_grid (--eta-grid)");
  refused(
      [](WarpConfig& c) {
        c.eta_grid = {0.2, 1.2};
      },
      "eta_grid (--eta-grid) must be a list of values in [0, 1], got 1.2");
  refused([](WarpConfig& c) { c.eta_grid = {0.3, 0.1, 0.3}; }, "distinct values, got 0.30 twice");
  refused([](WarpConfig& c) { c.parallel = -1; }, "parallel (--parallel)");
  refused([](WarpConfig& c) { c.threads = -2; }, "threads (--threads)");
  refused([](WarpConfig& c) { c.name = "bad name"; }, "name (--name)");
  refused([](WarpConfig& c) { c.name = std::string(60, 'a'); }, "name (--name)");  // workers' names too long
  refused([](WarpConfig& c) { c.device = ""; }, "device (--device)");
  refused([](WarpConfig& c) { c.granularity = "block"; },
          "granularity (--granularity) must be tensor or layer, got 'block'");

  WarpConfig c;
  EXPECT_THROW(c.update_from_json({{"runs", "two"}}, "f.json"), BadInput);
  EXPECT_THROW(c.update_from_json({{"etagrid", {0.1}}}, "f.json"), BadInput);
  EXPECT_THROW(c.update_from_json({{"eta_grid", {0.1, "x"}}}, "f.json"), BadInput);
  c.update_from_json({{"eta_grid", {0.2, 0.125}}, {"runs", 3}}, "f.json");
  EXPECT_EQ(c.runs, 3);
  EXPECT_EQ(warp_eta_points(c), (std::vector<double>{0.125, 0.2, 0.3}));
  EXPECT_EQ(warp_eta_tag(0.125), "0.125");
  EXPECT_EQ(warp_eta_tag(1.0), "1.00");
  EXPECT_EQ(WarpConfig().to_json(), [] {
    WarpConfig d;
    d.update_from_json(WarpConfig().to_json(), "round trip");
    return d.to_json();
  }());

  // The experiment's "warp" section (its beta, mu, temperature belong to the RL runs).
  Experiment exp = synthetic_experiment("warp-refuse");
  const WarpConfig fromexp = warp_config_for(exp);
  EXPECT_EQ(fromexp.runs, 2);
  EXPECT_EQ(fromexp.eta, 0.3);
  EXPECT_EQ(fromexp.eta_grid, (std::vector<double>{0.0, 0.1, 0.3, 0.5, 0.8, 1.0}));
  // Refused before anything starts: bad values, a missing init, a bad RL value, unknown runs.
  InProcessWorkers workers(exp);
  WarpConfig bad = tiny_warp();
  bad.runs = 0;
  EXPECT_THROW(run_warp(exp, bad, tiny_rl(), workers.options()), BadInput);
  WarpConfig noinit = tiny_warp();
  noinit.init = "checkpoints/none.h5";
  EXPECT_THROW(run_warp(exp, noinit, tiny_rl(), workers.options()), BadInput);
  RlConfig badrl = tiny_rl();
  badrl.batch = 0;
  EXPECT_THROW(run_warp(exp, tiny_warp(), badrl, workers.options()), BadInput);
  EXPECT_THROW(resume_warp(exp, "nope", workers.options()), BadInput);
  WarpDriverOptions half = workers.options();
  half.stop = nullptr;  // hooks come in threes
  EXPECT_THROW(run_warp(exp, tiny_warp(), tiny_rl(), half), BadInput);
  EXPECT_THROW(run_warp(exp, tiny_warp(), tiny_rl(), WarpDriverOptions{}), BadInput);  // no executable
  EXPECT_THROW(read_warp(exp, "nope"), BadInput);
  EXPECT_TRUE(workers.launched.empty());
  EXPECT_FALSE(ExperimentDb::open_read_only(exp.db_path()).find_run("w").has_value());
}
