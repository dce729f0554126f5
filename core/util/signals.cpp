#include "util/signals.h"

#include <unistd.h>
#include <csignal>

namespace warp {

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int sig) {
  if (g_stop != 0) {
    // Second request: restore the default action and re-raise, so the process ends now.
    std::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  g_stop = sig;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() { return g_stop != 0; }
int stop_signal() { return static_cast<int>(g_stop); }

}  // namespace warp
