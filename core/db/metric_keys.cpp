#include "db/metric_keys.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace warp {

namespace {

const char* family_prefix(FrontFamily f) { return f == FrontFamily::Output ? "output/eta" : "front/eta"; }

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// "0.30": digits, one '.', digits (what eta_tag writes); false for anything else.
bool is_decimal(const std::string& s) {
  const size_t dot = s.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == s.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
  return true;
}

}  // namespace

std::string eta_tag(double eta) {
  char buf[40];
  for (int d = 2; d <= 6; ++d) {
    std::snprintf(buf, sizeof buf, "%.*f", d, eta);
    if (std::fabs(std::strtod(buf, nullptr) - eta) < 1e-12) break;
  }
  return buf;
}

std::string front_metric_key(FrontFamily family, double eta, const std::string& field) {
  return std::string(family_prefix(family)) + eta_tag(eta) + "/" + field;
}

std::optional<FrontKey> parse_front_metric_key(const std::string& key) {
  FrontKey out;
  std::string rest;
  if (starts_with(key, family_prefix(FrontFamily::Iteration))) {
    out.family = FrontFamily::Iteration;
    rest = key.substr(std::string(family_prefix(FrontFamily::Iteration)).size());
  } else if (starts_with(key, family_prefix(FrontFamily::Output))) {
    out.family = FrontFamily::Output;
    rest = key.substr(std::string(family_prefix(FrontFamily::Output)).size());
  } else {
    return std::nullopt;
  }
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 == rest.size()) return std::nullopt;
  out.eta_tag = rest.substr(0, slash);
  out.field = rest.substr(slash + 1);
  if (!is_decimal(out.eta_tag) || out.field.find('/') != std::string::npos) return std::nullopt;
  out.eta = std::strtod(out.eta_tag.c_str(), nullptr);
  return out;
}

bool is_plane_metric_key(const std::string& key) {
  return starts_with(key, "eval/") || starts_with(key, "front/") || starts_with(key, "output/");
}

}  // namespace warp
