#pragma once
// SHA-256 (OpenSSL's implementation) of bytes or of a file, as lowercase hex.

#include <cstddef>
#include <functional>
#include <string>

namespace warp {

std::string sha256_hex(const void* data, size_t size);
// Streams the file; throws BadInput naming it when it cannot be opened or read.
std::string sha256_file(const std::string& path);
// The same, stoppable: keep_going (when set) is asked before each 1 MiB block and once more before
// the digest is returned; when it returns false the hashing stops and Cancelled is thrown. It may be
// called on the hashing thread, so a hash running on a background thread can be stopped through an
// atomic flag (core/merge/merger.cpp does so).
std::string sha256_file(const std::string& path, const std::function<bool()>& keep_going);

}  // namespace warp
