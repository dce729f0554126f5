#include "util/fsutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/process.h"

namespace warp {

namespace {
std::string errno_text() { return std::strerror(errno); }
std::atomic<int> g_temp_counter{0};
}  // namespace

std::string parent_dir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void make_dirs(const std::string& path) {
  if (path.empty() || is_directory(path)) return;
  make_dirs(parent_dir(path));
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    throw Error(file_message(path, "cannot create folder: " + errno_text()));
}

int64_t atomic_temp_pid(const std::string& file_name) {
  // "<target>.tmp-<pid>-<n>": the last two dash-separated fields are digits.
  const size_t dash_n = file_name.rfind('-');
  if (dash_n == std::string::npos || dash_n + 1 >= file_name.size()) return 0;
  for (size_t i = dash_n + 1; i < file_name.size(); ++i)
    if (file_name[i] < '0' || file_name[i] > '9') return 0;
  const size_t tag = file_name.rfind(".tmp-", dash_n);
  if (tag == std::string::npos || tag == 0) return 0;
  const size_t first = tag + 5;
  if (first >= dash_n || dash_n - first > 10) return 0;
  int64_t pid = 0;
  for (size_t i = first; i < dash_n; ++i) {
    if (file_name[i] < '0' || file_name[i] > '9') return 0;
    pid = pid * 10 + (file_name[i] - '0');
  }
  return pid > 0 && pid <= 0x7fffffff ? pid : 0;
}

std::vector<std::string> remove_dead_temp_files(const std::string& dir) {
  std::vector<std::string> removed;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return removed;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  for (const std::string& name : names) {
    const int64_t pid = atomic_temp_pid(name);
    if (pid == 0) continue;
    if (pid_alive(pid)) continue;  // its writer is still there (a zombie is not: it has exited)
    const std::string path = dir + "/" + name;
    if (!is_regular_file(path)) continue;
    if (::unlink(path.c_str()) == 0) removed.push_back(path);
  }
  return removed;
}

void fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(file_message(path, "cannot open for fsync: " + errno_text()));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    errno = err;
    throw Error(file_message(path, "fsync failed: " + errno_text()));
  }
}

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
  temp_ = target_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_temp_counter++);
}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::commit() {
  fsync_path(temp_);
  if (::rename(temp_.c_str(), target_.c_str()) != 0)
    throw Error(file_message(target_, "cannot rename " + temp_ + " over it: " + errno_text()));
  committed_ = true;
  fsync_path(parent_dir(target_));
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  if (is_directory(path)) throw BadInput(file_message(path, "is a folder, expected a file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadInput(file_message(path, "cannot open: " + errno_text()));
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) throw BadInput(file_message(path, "cannot determine size"));
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw BadInput(file_message(path, "read failed"));
  return bytes;
}

std::string read_file_text(const std::string& path) {
  auto bytes = read_file_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

void write_file_atomic(const std::string& path, const void* data, size_t size) {
  AtomicFile file(path);
  {
    int fd = ::open(file.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(file_message(file.temp_path(), "cannot create: " + errno_text()));
    const char* p = static_cast<const char*>(data);
    size_t left = size;
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::string why = errno_text();
        ::close(fd);
        throw Error(file_message(path, "write failed: " + why));
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (::close(fd) != 0) throw Error(file_message(path, "close failed: " + errno_text()));
  }
  file.commit();
}

}  // namespace warp
