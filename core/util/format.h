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

// Wall-clock time, seconds since the Unix epoch (what the experiment database stores).
double unix_now();

}  // namespace warp
