#pragma once
// File-system helpers for writing files that are never seen half-written.
//
// AtomicFile: write to "<target>.tmp-<pid>-<n>" in the target's folder; commit() fsyncs it, renames
// it over the target and fsyncs the folder. Destroyed without commit(), it removes the temp file.

#include <cstdint>
#include <string>
#include <vector>

namespace warp {

class AtomicFile {
 public:
  explicit AtomicFile(std::string target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& temp_path() const { return temp_; }
  const std::string& target_path() const { return target_; }
  // fsync(temp), rename(temp, target), fsync(folder). Throws Error naming the file on failure.
  void commit();

 private:
  std::string target_;
  std::string temp_;
  bool committed_ = false;
};

// The pid in an AtomicFile temporary's name "<target>.tmp-<pid>-<n>"; 0 when the name is not one.
int64_t atomic_temp_pid(const std::string& file_name);
// Removes the AtomicFile temporaries in `dir` (not its subfolders) whose writer is gone: its pid
// names no live process here (util/process.h pid_alive: none, or a zombie). A live writer's file is
// never touched (a reused pid keeps a dead writer's file until that process ends too). Files of
// writers on other machines sharing the folder cannot be told apart: callers check for those first.
// Returns the removed paths; errors (a folder that cannot be read or a file that cannot be removed) are skipped.
std::vector<std::string> remove_dead_temp_files(const std::string& dir);

// fsync a file or folder by path; throws Error naming it.
void fsync_path(const std::string& path);
std::string parent_dir(const std::string& path);
bool is_regular_file(const std::string& path);
bool is_directory(const std::string& path);
// Creates the folder and its parents; throws Error naming it.
void make_dirs(const std::string& path);
// Whole file into memory; throws BadInput naming the file (missing, a folder, unreadable).
std::vector<uint8_t> read_file_bytes(const std::string& path);
std::string read_file_text(const std::string& path);
// Writes bytes atomically (AtomicFile) to path.
void write_file_atomic(const std::string& path, const void* data, size_t size);
inline void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

}  // namespace warp
