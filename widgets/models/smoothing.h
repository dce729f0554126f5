#pragma once
// Smoothing of metric curves the way TensorBoard does it: an exponential moving average with
// weight w in [0, 1), debiased so the first points are not pulled toward 0:
//   a_0 = 0,  a_k = w·a_{k-1} + (1 − w)·x_k,  s_k = a_k / (1 − w^k)
// (k counts the finite points so far). A non-finite point gives NaN at its place and leaves the
// average alone; w <= 0 returns the values unchanged.

#include <cmath>
#include <limits>

#include <QVector>

inline QVector<double> debiasedEma(const QVector<double>& values, double weight) {
  if (!(weight > 0.0)) return values;
  if (weight >= 1.0) weight = 0.999;
  QVector<double> out;
  out.reserve(values.size());
  double avg = 0.0, wk = 1.0;  // wk = w^k
  for (double x : values) {
    if (!std::isfinite(x)) {
      out.append(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    avg = weight * avg + (1.0 - weight) * x;
    wk *= weight;
    out.append(avg / (1.0 - wk));
  }
  return out;
}
