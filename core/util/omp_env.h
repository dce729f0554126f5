#pragma once
// OpenMP's default wait policy lets idle worker threads spin; on a small shared CPU (2 cores, other
// runs beside) the spinning starves OpenBLAS and the other processes (sampling measured 20-100x
// slower). The policy is read when the OpenMP runtime loads, before main(), so a program that wants
// OMP_WAIT_POLICY=PASSIVE must re-execute itself with it set.

namespace warp {

// When OMP_WAIT_POLICY is unset: sets it to PASSIVE and re-executes /proc/self/exe with argv (does
// not return on success; on failure prints a warning and returns). Otherwise returns at once.
void ensure_passive_omp_wait(char** argv);

}  // namespace warp
