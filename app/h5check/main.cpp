// warp-h5check FILE: validates an untrusted HDF5 checkpoint in its own process
// (core/store/checkpoint_validate.h). Exit 0: accepted. Exit 2: refused, one line on stderr
// ("warp-h5check: error: FILE: why"). A crash or hang here is what the caller survives.
//
// Test hooks (for the tests of the caller's crash and timeout handling only): with
// WARP_H5CHECK_TEST_FAULT=crash it raises SIGSEGV, with =hang it sleeps, before opening the file.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "store/checkpoint_validate.h"
#include "util/error.h"

int main(int argc, char** argv) {
  int first = 1;
  if (argc > 1 && std::strcmp(argv[1], "--") == 0) first = 2;
  if (argc != first + 1) {
    std::cerr << "usage: warp-h5check [--] FILE.h5\n";
    return 2;
  }
  if (const char* fault = std::getenv("WARP_H5CHECK_TEST_FAULT")) {
    if (std::strcmp(fault, "crash") == 0) {
      // The default action, as a crash inside HDF5 gets it: under AddressSanitizer its own SEGV
      // handler would report and exit 1 instead of the process dying by the signal.
      ::signal(SIGSEGV, SIG_DFL);
      ::raise(SIGSEGV);
    }
    if (std::strcmp(fault, "hang") == 0)
      for (;;) ::pause();
  }
  try {
    warp::validate_checkpoint_file(argv[first]);
  } catch (const warp::BadInput& e) {
    std::cerr << "warp-h5check: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "warp-h5check: error: " << argv[first] << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
