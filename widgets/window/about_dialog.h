#pragma once
// Help > About WARP Studio: the application icon, the version, what the engine links (LibTorch,
// Qt, HDF5, SQLite, as the libraries report them at run time) and the device runs use here.

#include <QDialog>

namespace warp {
struct EngineInfo;
}

// The About box's text (rich text), from `engine` (warp::engine_info()) and the running Qt.
QString aboutText(const warp::EngineInfo& engine);

class AboutDialog : public QDialog {
  Q_OBJECT
 public:
  explicit AboutDialog(QWidget* parent = nullptr);
  QString text() const { return m_text; }

 private:
  QString m_text;
};
