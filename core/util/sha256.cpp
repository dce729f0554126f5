#include "util/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

#include "util/error.h"

namespace warp {

namespace {

struct MdCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
};

std::string to_hex(const unsigned char* digest, unsigned len) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

}  // namespace

std::string sha256_hex(const void* data, size_t size) {
  MdCtx md;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!md.ctx || EVP_DigestInit_ex(md.ctx, EVP_sha256(), nullptr) != 1 || EVP_DigestUpdate(md.ctx, data, size) != 1 ||
      EVP_DigestFinal_ex(md.ctx, digest, &len) != 1)
    throw Error("sha256: OpenSSL digest failed");
  return to_hex(digest, len);
}

std::string sha256_file(const std::string& path) { return sha256_file(path, std::function<bool()>()); }

std::string sha256_file(const std::string& path, const std::function<bool()>& keep_going) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadInput(file_message(path, "cannot open for hashing"));
  MdCtx md;
  if (!md.ctx || EVP_DigestInit_ex(md.ctx, EVP_sha256(), nullptr) != 1) throw Error("sha256: OpenSSL init failed");
  std::vector<char> buf(1 << 20);
  while (in) {
    if (keep_going && !keep_going()) throw Cancelled();
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize n = in.gcount();
    if (n > 0 && EVP_DigestUpdate(md.ctx, buf.data(), static_cast<size_t>(n)) != 1)
      throw Error("sha256: OpenSSL update failed");
  }
  if (in.bad()) throw BadInput(file_message(path, "read failed while hashing"));
  if (keep_going && !keep_going()) throw Cancelled();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_DigestFinal_ex(md.ctx, digest, &len) != 1) throw Error("sha256: OpenSSL final failed");
  return to_hex(digest, len);
}

}  // namespace warp
