// The app's Stop on Slurm workers against the real cluster of the slurm fixture (tests/slurm/
// cluster.sh; label slurm): a WARP driver's two workers recorded in worker_jobs as the Slurm launcher
// records them, with the ids of a real job array whose task 0 runs and task 1 pends (each task takes
// the whole node). Stop on the pending worker takes its task out of the queue; Stop from the window
// on the running one sends SIGTERM to its batch script (`scancel --batch --signal=TERM`, which the
// script traps, as a worker checkpoints and ends); scancel refusing (a job id the controller does
// not know) is an error naming the job and what scancel said.
#include <QAction>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>

#include "db/experiment_db.h"
#include "gui_fixture.h"
#include "models/run_list_model.h"
#include "util/error.h"
#include "window/main_window.h"
#include "window/run_launcher.h"

namespace {

// `sh -c cmd`: its output (stdout and stderr, trimmed) and exit code.
std::pair<int, QString> sh(const QString& cmd) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), cmd});
  p.waitForFinished(60000);
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAll()).trimmed()};
}

QString stateOf(const QString& job) { return sh(QStringLiteral("squeue -h -j %1 -o %T").arg(job)).second; }

bool waitFor(const std::function<bool()>& done, int ms) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) {
    if (done()) return true;
    QTest::qWait(100);
  }
  return done();
}

int rowOf(const RunListModel& model, const QString& name) {
  for (int row = 0; row < model.rowCount(); ++row)
    if (QString::fromStdString(model.run(row).name) == name) return row;
  return -1;
}

}  // namespace

class TestSlurmStop : public QObject {
  Q_OBJECT

 private slots:
  void stopReachesRealJobs();

 private:
  QTemporaryDir m_tmp;
};

void TestSlurmStop::stopReachesRealJobs() {
  QVERIFY2(!qgetenv("SLURM_CONF").isEmpty(),
           "SLURM_CONF is not set: run through ctest -L slurm (its fixture starts the cluster)");
  QVERIFY(m_tmp.isValid());
  QVERIFY(waitFor([] { return sh(QStringLiteral("sinfo -h -o %T")).second == QStringLiteral("idle"); }, 60000));
  const QString termed = m_tmp.path() + QStringLiteral("/termed");
  // Each task traps SIGTERM (what scancel --batch --signal=TERM sends to the batch shell) and ends.
  const auto sub = sh(QStringLiteral("sbatch --parsable --array=0-1 --exclusive --job-name=warp-stop -o /dev/null "
                                     "--wrap 'trap \"echo $SLURM_ARRAY_TASK_ID >> %1; exit 0\" TERM; "
                                     "sleep 300 & wait'")
                          .arg(termed));
  QCOMPARE(sub.first, 0);
  const QString array = sub.second;
  const QString t0 = array + QStringLiteral("_0"), t1 = array + QStringLiteral("_1");
  struct Cancel {
    QString id;
    ~Cancel() { sh(QStringLiteral("scancel ") + id); }
  } cancel{array};
  QVERIFY2(waitFor([&] { return stateOf(t0) == QStringLiteral("RUNNING"); }, 60000), qPrintable(stateOf(t0)));
  QCOMPARE(stateOf(t1), QStringLiteral("PENDING"));

  const QString dir = guitest::makeExperimentFolder(m_tmp, QStringLiteral("exp"));
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
    const int64_t driver = db.create_run(warp::RunSpec("drv", "warp"));
    for (int m = 1; m <= 2; ++m) {
      warp::RunSpec spec("drv-i1-r" + std::to_string(m), "train");
      spec.parent_run_id = driver;
      spec.iteration = 1;
      const int64_t run = db.create_run(spec);
      if (m == 1) {
        db.set_run_status(run, warp::RunStatus::Running);
        db.set_run_process(run, 777, "node-elsewhere");
      }
      warp::WorkerJobSpec job;
      job.driver_run_id = driver;
      job.launcher = "slurm";
      job.worker = spec.name;
      job.job_id = (m == 1 ? t0 : t1).toStdString();
      job.state = m == 1 ? "RUNNING" : "PENDING";
      job.log_path = "logs/" + spec.name + ".log";
      db.add_worker_job(job);
    }
  }
  MainWindow w;
  w.loadExperiment(dir);
  const QString here = thisHostName();
  const RunListModel& model = *w.runListModel();
  const warp::RunRecord r1 = model.run(rowOf(model, QStringLiteral("drv-i1-r1")));
  const warp::RunRecord r2 = model.run(rowOf(model, QStringLiteral("drv-i1-r2")));
  // The pending worker: its task leaves the queue, the running one is untouched.
  stopRun(r2, here, model.workerJob(r2));
  QVERIFY2(waitFor([&] { return stateOf(t1).isEmpty(); }, 30000), qPrintable(stateOf(t1)));
  QCOMPARE(stateOf(t0), QStringLiteral("RUNNING"));
  QVERIFY(sh(QStringLiteral("scontrol show job -o ") + t1).second.contains(QStringLiteral("JobState=CANCELLED")));
  // The running worker, from the window: SIGTERM to its script, which ends on its own (exit 0).
  w.runView()->clearSelection();
  w.runView()->selectRow(rowOf(model, QStringLiteral("drv-i1-r1")));
  QVERIFY(w.stopAction()->isEnabled());
  w.stopSelected();
  QVERIFY2(waitFor([&] { return stateOf(t0).isEmpty(); }, 30000), qPrintable(stateOf(t0)));
  QFile f(termed);
  QVERIFY(f.open(QIODevice::ReadOnly));
  QCOMPARE(QString::fromUtf8(f.readAll()), QStringLiteral("0\n"));
  QVERIFY2(sh(QStringLiteral("scontrol show job -o ") + t0).second.contains(QStringLiteral("JobState=COMPLETED")),
           qPrintable(sh(QStringLiteral("scontrol show job -o ") + t0).second));
  // scancel refusing: a job the controller does not know.
  warp::WorkerJobRecord unknown = *model.workerJob(r1);
  unknown.job_id = "987654_0";
  unknown.state = "RUNNING";
  try {
    stopRun(r1, here, unknown);
    QFAIL("expected warp::Error");
  } catch (const warp::Error& e) {
    QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("987654_0")), e.what());
    QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("Invalid job id")), e.what());
  }
}

QTEST_MAIN(TestSlurmStop)
#include "test_slurm_stop.moc"
