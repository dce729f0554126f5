#include "window/about_dialog.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QVBoxLayout>

#include "workbench/versions.h"

QString aboutText(const warp::EngineInfo& e) {
  const auto q = [](const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); };
  return QStringLiteral("<h2>WARP Studio %1</h2>").arg(QApplication::applicationVersion().toHtmlEscaped()) +
         QStringLiteral("<p>%1</p>")
             .arg(AboutDialog::tr(
                 "A workbench for Weight Averaged Rewarded Policies: fine-tune, reward, train, merge and "
                 "evaluate small GPT-2 policies, and follow their runs live.")) +
         QStringLiteral("<table>") +
         QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(AboutDialog::tr("LibTorch"), q(e.torch)) +
         QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(AboutDialog::tr("Qt"), QString::fromLatin1(qVersion())) +
         QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(AboutDialog::tr("HDF5"), q(e.hdf5)) +
         QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(AboutDialog::tr("SQLite"), q(e.sqlite)) +
         QStringLiteral("<tr><td>%1&nbsp;&nbsp;</td><td>%2</td></tr>").arg(AboutDialog::tr("Device"), q(e.device)) +
         QStringLiteral("</table>");
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("About WARP Studio"));
  setObjectName(QStringLiteral("aboutDialog"));
  m_text = aboutText(warp::engine_info());
  auto* icon = new QLabel(this);
  icon->setPixmap(QIcon(QStringLiteral(":/icons/warp-studio-128.png")).pixmap(96, 96));
  icon->setAlignment(Qt::AlignTop);
  auto* label = new QLabel(m_text, this);
  label->setObjectName(QStringLiteral("aboutText"));
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  label->setWordWrap(true);
  label->setMinimumWidth(380);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* row = new QHBoxLayout;
  row->addWidget(icon);
  row->addWidget(label, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addWidget(buttons);
}
