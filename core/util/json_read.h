#pragma once
// The one way JSON from outside enters the engine (files, safetensors headers, HDF5 attributes, the
// database, child processes). nlohmann::json parses iteratively, but dump(), copies, comparisons and
// destruction recurse, so a value nested a million deep crashes the process (stack overflow) long
// after it was parsed. Every reader parses through here, which refuses nesting deeper than
// kMaxJsonDepth before the value is built. The engine's own files nest at most 5 deep.
//
//   nlohmann::json j = parse_json(read_file_text(path), path);          // throws BadInput
//   nlohmann::json k = parse_json_or_discarded(text, "run 'x' (config)"); // syntax error: discarded

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warp {

// The deepest nesting of arrays and objects accepted (a scalar at top level has depth 0, [1] depth 1).
constexpr int kMaxJsonDepth = 64;

// The byte offset at which `text` first opens an array or object deeper than `max_depth`, or npos.
// Exact for valid JSON (brackets inside strings, escapes included, do not count).
std::size_t json_too_deep_at(std::string_view text, int max_depth = kMaxJsonDepth);

// Parses `text`. Throws BadInput "<where>: not valid JSON: ..." on a syntax error and
// "<where>: JSON nested deeper than 64 levels (at byte N)" on too deep a value.
nlohmann::json parse_json(std::string_view text, const std::string& where);

// As parse_json, but a syntax error gives a discarded value (as json::parse(text, nullptr, false)),
// for callers with their own message. Too deep a value still throws BadInput.
nlohmann::json parse_json_or_discarded(std::string_view text, const std::string& where);

}  // namespace warp
