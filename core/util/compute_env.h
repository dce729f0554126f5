#pragma once
// Settings of the process that LibTorch's CPU work needs and that only take effect when they are in
// the environment before the libraries load (read by the OpenMP runtime and by glibc's malloc at
// their initialisation, before main()), so a program that wants them re-executes itself once:
//
//   OMP_WAIT_POLICY=PASSIVE   OpenMP's default lets idle worker threads spin; on a small shared CPU
//                             (2 cores, other runs beside) the spinning starves OpenBLAS and the
//                             other processes (sampling measured 20-100x slower).
//   MALLOC_MMAP_THRESHOLD_=33554432, MALLOC_TRIM_THRESHOLD_=268435456
//                             glibc serves a block above its mmap threshold with a fresh mmap and
//                             returns the heap's top past its trim threshold, so the tensors of
//                             every sampling or evaluation batch (tens of MB, allocated and freed
//                             each step) fault their pages in again each time. Measured on the demo
//                             protocol (`warp eval`, 256 prompts, 1 thread): 203k page faults and
//                             6.2 s of CPU by default, 72k and 3.7 s with these (docs/performance.md).
//                             mallopt() from main() does not get the same effect: the libraries'
//                             threads and arenas exist by then.

namespace warp {

// Sets each of the variables above that is unset and, when it set any, re-executes /proc/self/exe
// with argv (does not return on success; on failure prints a warning and returns). A variable the
// user set is left as it is. Call first thing in main().
void ensure_compute_env(char** argv);

}  // namespace warp
