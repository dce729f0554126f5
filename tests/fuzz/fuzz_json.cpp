// libFuzzer target: the JSON config readers. Any bytes through util/json_read.h (the one entry point
// of outside JSON), then what is accepted through the copies, comparisons and dumps that crashed on
// deep values, and through the readers of the project's JSON files that need no LibTorch: figures
// (report/figure.h) and prompt sets (data/prompts.h). Only BadInput may come out.
#include <cstdint>
#include <string>
#include <string_view>

#include "data/prompts.h"
#include "fuzz_input_file.h"
#include "report/figure.h"
#include "util/error.h"
#include "util/json_read.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json j = warp::parse_json_or_discarded(text, "fuzz");
    if (!j.is_discarded()) {
      const nlohmann::json copy = j;
      if (!(copy == j)) __builtin_trap();
      (void)j.dump();
      (void)j.dump(1, ' ', true, nlohmann::json::error_handler_t::replace);
      try {
        (void)warp::Figure::from_json(j, "fuzz");
      } catch (const warp::BadInput&) {}
    }
  } catch (const warp::BadInput&) {}
  const std::string& path = warp::fuzz::input_file(data, size);
  try {
    (void)warp::load_prompt_sets(path);
  } catch (const warp::BadInput&) {}
  return 0;
}
