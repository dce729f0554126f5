#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/pretokenizer.h"

#include <pcre2.h>

#include <string>

#include "util/error.h"

namespace warp {

namespace {

// JavaScript's \s (ECMAScript WhiteSpace + LineTerminator), as the body of a character class.
#define WARP_JS_SPACE "\\t\\n\\x{0B}\\f\\r\\p{Zs}\\x{2028}\\x{2029}\\x{FEFF}"

const char kPattern[] =
    "'s|'t|'re|'ve|'m|'ll|'d"
    "| ?\\p{L}+"
    "| ?\\p{N}+"
    "| ?[^" WARP_JS_SPACE
    "\\p{L}\\p{N}]+"
    "|[" WARP_JS_SPACE "]+(?![^" WARP_JS_SPACE
    "])"
    "|[" WARP_JS_SPACE "]+";

#undef WARP_JS_SPACE

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  if (pcre2_get_error_message(code, buf, sizeof buf) < 0) return "PCRE2 error " + std::to_string(code);
  return reinterpret_cast<const char*>(buf);
}

struct MatchData {
  pcre2_match_data* md;
  explicit MatchData(const pcre2_code* code) : md(pcre2_match_data_create_from_pattern(code, nullptr)) {
    if (!md) throw Error("pretokenizer: cannot allocate PCRE2 match data");
  }
  ~MatchData() { pcre2_match_data_free(md); }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
};

}  // namespace

struct Pretokenizer::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Impl() { pcre2_code_free(code); }
};

Pretokenizer::Pretokenizer() : impl_(std::make_unique<Impl>()) {
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern), PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &err_offset, nullptr);
  if (!impl_->code)
    throw Error("pretokenizer: cannot compile the GPT-2 pattern at offset " + std::to_string(err_offset) + ": " +
                pcre2_message(err));
  // JIT is a speed-up only; the interpreter gives the same pieces.
  impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
}

Pretokenizer::~Pretokenizer() = default;
Pretokenizer::Pretokenizer(Pretokenizer&&) noexcept = default;
Pretokenizer& Pretokenizer::operator=(Pretokenizer&&) noexcept = default;

const char* Pretokenizer::pattern() { return kPattern; }

void Pretokenizer::split(std::string_view text, const std::function<void(std::string_view)>& fn) const {
  MatchData data(impl_->code);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const size_t n = text.size();
  size_t pos = 0;
  while (pos < n) {
    int rc = impl_->jit ? pcre2_jit_match(impl_->code, subject, n, pos, 0, data.md, nullptr)
                        : pcre2_match(impl_->code, subject, n, pos, 0, data.md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) {
      // Only bytes that are not valid UTF-8 are left (every character matches some alternative).
      fn(text.substr(pos));
      return;
    }
    if (rc < 0) throw Error("pretokenizer: PCRE2 match failed: " + pcre2_message(rc));
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.md);
    size_t start = ov[0], end = ov[1];
    if (start > pos) fn(text.substr(pos, start - pos));  // a run of invalid bytes
    if (end <= start) throw Error("pretokenizer: empty match at byte " + std::to_string(start));
    fn(text.substr(start, end - start));
    pos = end;
  }
}

std::vector<std::string_view> Pretokenizer::split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  split(text, [&](std::string_view p) { pieces.push_back(p); });
  return pieces;
}

}  // namespace warp
