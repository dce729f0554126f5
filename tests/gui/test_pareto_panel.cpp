// ParetoPanel: the KL-reward figure built from metrics of a real database (a run's trajectory
// joined by step, a WARP driver's fronts per iteration by η ascending with η labels), drawn into
// the QCustomPlot, followed live, exported as CSV (hand-written expected text) and PNG / SVG.
#include <cmath>

#include <memory>

#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <qcustomplot.h>

#include "gui_fixture.h"
#include "models/metrics_follower.h"
#include "models/plane_metrics.h"
#include "panels/pareto_panel.h"
#include "plot/kl_reward_plane.h"
#include "util/error.h"

class TestParetoPanel : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void trajectoryAndFronts();
  void followsLive();
  void exports_data();
  void exports();
  void emptyWithoutPoints();
  void outputFrontAndGold();

 private:
  std::unique_ptr<QTemporaryDir> m_tmp;  // the current test's experiment folder
  QString m_dir;
  int64_t m_run = 0, m_driver = 0;
};

void TestParetoPanel::init() {
  m_tmp = std::make_unique<QTemporaryDir>();
  m_dir = guitest::makeExperimentFolder(*m_tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
  m_run = guitest::createLiveRun(db, "ema-1");
  // Trajectory: steps 0, 10, 20; step 20's reward not logged yet (dropped from the join).
  guitest::appendSeries(db, m_run, "eval/kl_sft", {{0, 0.0}, {10, 0.5}, {20, 1.0}});
  guitest::appendSeries(db, m_run, "eval/reward", {{0, -1.0}, {10, 0.25}});
  guitest::appendSeries(db, m_run, "eval/reward_se", {{0, 0.1}, {10, 0.2}});
  guitest::appendSeries(db, m_run, "train/reward", {{1, 9.0}});  // not part of the plane
  m_driver = db.create_run(warp::RunSpec("warp", "warp"));
  // Fronts of iterations 1 and 2, written per iteration in driver order (η as tags).
  for (int i = 1; i <= 2; ++i) {
    std::vector<warp::MetricRow> rows;
    for (const auto& [tag, eta] :
         std::vector<std::pair<std::string, double>>{{"1.00", 1.0}, {"0.00", 0.0}, {"0.30", 0.3}}) {
      rows.emplace_back(i, "front/eta" + tag + "/kl_sft", eta * i);
      rows.emplace_back(i, "front/eta" + tag + "/reward", eta * 2.0 + i);
      rows.emplace_back(i, "front/eta" + tag + "/gold", 0.0);
    }
    db.append_metrics(m_driver, rows);
  }
}

void TestParetoPanel::trajectoryAndFronts() {
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(m_dir)));
  follower.poll();
  ParetoPanel panel;
  panel.resize(800, 600);
  panel.setFollower(&follower);
  panel.setRuns({RunRef{m_run, "ema-1", "train"}, RunRef{m_driver, "warp", "warp"}});
  const warp::Figure& f = panel.figure();
  QCOMPARE(int(f.panels.size()), 1);
  const auto& series = f.panels[0].series;
  QCOMPARE(int(series.size()), 3);
  // Trajectory.
  QCOMPARE(QString::fromStdString(series[0].name), QStringLiteral("ema-1"));
  QCOMPARE(series[0].x, (std::vector<double>{0.0, 0.5}));
  QCOMPARE(series[0].y, (std::vector<double>{-1.0, 0.25}));
  QCOMPARE(series[0].y_err, (std::vector<double>{0.1, 0.2}));
  QCOMPARE(QString::fromStdString(series[0].style), QStringLiteral("line+markers"));
  QVERIFY(series[0].labels.empty());
  // Fronts: iteration i, η = 0, 0.3, 1: kl = η·i, reward = 2η + i.
  for (int i = 1; i <= 2; ++i) {
    const warp::FigureSeries& s = series[static_cast<size_t>(i)];
    QCOMPARE(QString::fromStdString(s.name), QStringLiteral("warp · front, iteration %1").arg(i));
    QCOMPARE(s.x, (std::vector<double>{0.0, 0.3 * i, 1.0 * i}));
    QCOMPARE(s.y, (std::vector<double>{0.0 + i, 0.6 + i, 2.0 + i}));
    QCOMPARE(s.labels, (std::vector<std::string>{"η=0.00", "η=0.30", "η=1.00"}));
  }
  // Drawn: one plottable per series (plus error bars for the trajectory) and the η labels.
  QCustomPlot* plot = panel.plot();
  int graphsOrCurves = 0;
  for (int i = 0; i < plot->plottableCount(); ++i)
    graphsOrCurves += qobject_cast<QCPGraph*>(plot->plottable(i)) || qobject_cast<QCPCurve*>(plot->plottable(i));
  QCOMPARE(graphsOrCurves, 3);
  int labels = 0;
  for (int i = 0; i < plot->itemCount(); ++i) labels += qobject_cast<QCPItemText*>(plot->item(i)) != nullptr;
  QCOMPARE(labels, 6);
}

void TestParetoPanel::followsLive() {
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(m_dir)));
  follower.poll();
  ParetoPanel panel;
  panel.setFollower(&follower);
  panel.setRuns({RunRef{m_run, "ema-1", "train"}});
  QCOMPARE(panel.figure().panels[0].series[0].x.size(), size_t(2));
  const int before = panel.redrawCount();
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    guitest::appendSeries(db, m_run, "eval/reward", {{20, 0.75}});
    guitest::appendSeries(db, m_run, "train/loss", {{21, 1.0}});
  }
  follower.poll();
  QTRY_COMPARE(panel.figure().panels[0].series[0].x.size(), size_t(3));
  QCOMPARE(panel.figure().panels[0].series[0].y.back(), 0.75);
  QCOMPARE(panel.redrawCount(), before + 1);  // one coalesced redraw
  // Metrics that are not on the plane do not redraw.
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    guitest::appendSeries(db, m_run, "train/loss", {{22, 1.0}});
  }
  follower.poll();
  QTest::qWait(100);
  QCOMPARE(panel.redrawCount(), before + 1);
}

void TestParetoPanel::exports_data() {
  QTest::addColumn<QString>("fileName");
  QTest::newRow("png") << "plane.png";
  QTest::newRow("svg") << "plane.SVG";
  QTest::newRow("pdf") << "plane.pdf";
  QTest::newRow("csv") << "plane.csv";
}

void TestParetoPanel::exports() {
  QFETCH(QString, fileName);
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(m_dir)));
  follower.poll();
  ParetoPanel panel;
  panel.setFollower(&follower);
  panel.setRuns({RunRef{m_run, "ema-1", "train"}, RunRef{m_driver, "warp", "warp"}});
  const QString path = m_dir + QStringLiteral("/exports/") + fileName;
  panel.exportTo(path);
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QByteArray bytes = file.readAll();
  if (fileName.endsWith(QLatin1String(".csv"))) {
    const QByteArray expected =
        "panel,series,x,y,y_err,label\n"
        "0,ema-1,0,-1,0.1,\n"
        "0,ema-1,0.5,0.25,0.2,\n"
        "0,\"warp · front, iteration 1\",0,1,,η=0.00\n"
        "0,\"warp · front, iteration 1\",0.3,1.6,,η=0.30\n"
        "0,\"warp · front, iteration 1\",1,3,,η=1.00\n"
        "0,\"warp · front, iteration 2\",0,2,,η=0.00\n"
        "0,\"warp · front, iteration 2\",0.6,2.6,,η=0.30\n"
        "0,\"warp · front, iteration 2\",2,4,,η=1.00\n";
    QCOMPARE(QString::fromUtf8(bytes), QString::fromUtf8(expected));
  } else if (fileName.endsWith(QLatin1String(".png"))) {
    QImage image;
    QVERIFY(image.loadFromData(bytes, "PNG"));
    QCOMPARE(image.size(), QSize(panel.figure().width, panel.figure().height));
  } else if (fileName.endsWith(QLatin1String(".pdf"))) {
    QVERIFY(bytes.startsWith("%PDF"));
  } else {
    QVERIFY(bytes.contains("<svg"));
  }
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, panel.exportTo(m_dir + QStringLiteral("/exports/plane.bmp")));
}

void TestParetoPanel::emptyWithoutPoints() {
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(m_dir)));
  follower.poll();
  ParetoPanel panel;
  panel.setFollower(&follower);
  QVERIFY(panel.figure().panels[0].series.empty());
  panel.setRuns({RunRef{m_driver + 100, "ghost", "train"}});
  QVERIFY(panel.figure().panels[0].series.empty());
}

// Algorithm 1's output front (output/eta<η>/*, logged at the driver's last step) is its own series
// after the iteration fronts; the gold axis takes front/…/gold and its SE.
void TestParetoPanel::outputFrontAndGold() {
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    std::vector<warp::MetricRow> rows;
    for (const auto& [tag, eta] : std::vector<std::pair<std::string, double>>{{"0.50", 0.5}, {"0.10", 0.1}}) {
      rows.emplace_back(2, "output/eta" + tag + "/kl_sft", 10 * eta);
      rows.emplace_back(2, "output/eta" + tag + "/reward", 3 + eta);
      rows.emplace_back(2, "output/eta" + tag + "/reward_se", 0.1);
      rows.emplace_back(2, "output/eta" + tag + "/gold", -eta);
      rows.emplace_back(2, "output/eta" + tag + "/gold_se", 0.2);
    }
    db.append_metrics(m_driver, rows);
  }
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(m_dir)));
  follower.poll();
  const RunRefList runs{RunRef{m_run, "ema-1", "train"}, RunRef{m_driver, "warp", "warp"}};
  const QVector<PlaneSeries> series = planeSeriesFromMetrics(&follower, runs);
  QCOMPARE(series.size(), 4);
  const PlaneSeries& out = series[3];
  QVERIFY(out.kind == PlaneSeries::Kind::OutputFront);
  QCOMPARE(out.name, QStringLiteral("warp · output front"));
  QCOMPARE(out.points.size(), 2);
  QCOMPARE(out.points[0].kl, 1.0);
  QCOMPARE(out.points[0].reward, 3.1);
  QCOMPARE(out.points[0].rewardSe, 0.1);
  QCOMPARE(out.points[1].gold, -0.5);
  QCOMPARE(out.points[1].goldSe, 0.2);
  QCOMPARE(out.points[1].label, QStringLiteral("η=0.50"));
  QVERIFY(out.points[1].provenance.join(' ').contains(QStringLiteral("toward θ_sft")));
  // Iteration fronts logged no gold SE: no error bars on the gold axis for them.
  QVERIFY(std::isnan(series[1].points[0].goldSe));

  ParetoPanel panel;
  panel.setFollower(&follower);
  panel.setRuns(runs);
  QCOMPARE(int(panel.figure().panels[0].series.size()), 4);
  QCOMPARE(panel.figure().panels[0].series[3].y, (std::vector<double>{3.1, 3.5}));
  panel.plane()->setYAxis(KlRewardPlane::YAxis::Gold);
  QCOMPARE(panel.figure().panels[0].series[3].y, (std::vector<double>{-0.1, -0.5}));
  QCOMPARE(panel.figure().panels[0].series[3].y_err, (std::vector<double>{0.2, 0.2}));
  QCOMPARE(panel.figure().panels[0].series[1].y, (std::vector<double>{0.0, 0.0, 0.0}));
}

QTEST_MAIN(TestParetoPanel)
#include "test_pareto_panel.moc"
