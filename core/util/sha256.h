#pragma once
// SHA-256 (OpenSSL's implementation) of bytes or of a file, as lowercase hex.

#include <cstddef>
#include <string>

namespace warp {

std::string sha256_hex(const void* data, size_t size);
// Streams the file; throws BadInput naming it when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace warp
