#pragma once
// A run as the panels need it: id (for the metric series), name (legends) and kind ("train",
// "warp", ...). Built by the main window from the run list's selection.

#include <QString>
#include <QVector>

struct RunRef {
  qint64 id = 0;
  QString name;
  QString kind;
  bool operator==(const RunRef& o) const { return id == o.id && name == o.name && kind == o.kind; }
  bool operator!=(const RunRef& o) const { return !(*this == o); }
};

using RunRefList = QVector<RunRef>;
