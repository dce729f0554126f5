#pragma once
// Errors of the engine. Every error says what was wrong and where (file, tensor, field, value).
// BadInput marks errors caused by the user's input (files, options, values): the CLI exits 2 on them.

#include <stdexcept>
#include <string>

namespace warp {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Input that cannot be used: a corrupt file, a wrong shape, an out-of-range option.
class BadInput : public Error {
 public:
  explicit BadInput(const std::string& what) : Error(what) {}
};

// Work stopped because a progress callback asked for it.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

// Formats "file: what" (the usual shape of a message about a file).
std::string file_message(const std::string& path, const std::string& what);

}  // namespace warp
