#pragma once
// The small formatters of messages, progress lines and reports, and the wall clock they stamp
// rows with: one of each, so a number reads the same in every message.

#include <string>

namespace warp {

// printf "%g": six significant digits, the shorter of fixed and exponent form
// (0.1 -> "0.1", 250 -> "250", 1e-5 -> "1e-05", 1234567 -> "1.23457e+06", NaN -> "nan").
std::string format_number(double v);

// printf "%.<digits>g", or "%+.<digits>g" with show_sign (0.012345, 3 -> "0.0123"; +"+0.0123").
std::string format_significant(double v, int digits, bool show_sign = false);

// printf "%.<decimals>f" (2.0 / 3, 4 -> "0.6667").
std::string format_fixed(double v, int decimals);

// Seconds rounded to the second, as minutes and seconds under an hour ("0m07s", "59m59s") and as
// hours and minutes from an hour on ("1h00m", "26h03m"); for progress lines' time left.
std::string format_duration(double seconds);

// Seconds in the largest unit that keeps the number at least 1, as reports give wall times:
// "%.1f s" under a minute, "%.1f min" under an hour, "%.2f h" from an hour on
// (7.25 -> "7.2 s", 90 -> "1.5 min", 5400 -> "1.50 h").
std::string format_elapsed(double seconds);

// Bytes (or bytes per second) in decimal units: "%.2f GB" from 1e9 on, "%.1f MB" from 1e6 on, else
// "%.1f kB" (1.5e9 -> "1.50 GB", 2.5e6 -> "2.5 MB", 512 -> "0.5 kB").
std::string format_bytes(double bytes);

// Wall-clock time, seconds since the Unix epoch (what the experiment database stores).
double unix_now();

}  // namespace warp
