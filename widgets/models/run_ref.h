#pragma once
// A run as the panels need it: id (for the metric series), name (legends), kind ("train",
// "warp", ...) and when it started (runs.started_at, unix seconds; NaN when the database has none:
// the origin of the Metrics tab's wall-time axis). Built by the main window from the run list's
// selection.

#include <cmath>
#include <limits>

#include <QString>
#include <QVector>

struct RunRef {
  qint64 id = 0;
  QString name;
  QString kind;
  double startedAt = std::numeric_limits<double>::quiet_NaN();
  bool operator==(const RunRef& o) const {
    return id == o.id && name == o.name && kind == o.kind &&
           (startedAt == o.startedAt || (std::isnan(startedAt) && std::isnan(o.startedAt)));
  }
  bool operator!=(const RunRef& o) const { return !(*this == o); }
};

using RunRefList = QVector<RunRef>;
