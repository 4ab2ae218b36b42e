#pragma once
// Runs the built rnnscope-cli (path in the RNNSCOPE_CLI compile definition) as a user would, and collects what it
// printed. A crash or a hang gives exit code -1.
//
// Every test that starts the CLI goes through startCli(), so one switch puts all of them under a checker:
// RNNSCOPE_CLI_WRAPPER (e.g. "valgrind --tool=memcheck --error-exitcode=99 ...", see tools/run-valgrind.sh) is put
// in front of the CLI, and RNNSCOPE_TEST_TIMEOUT_SCALE multiplies every process timeout, since memcheck runs the
// CLI some 20-50 times slower.

#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTest>

namespace rnnscope::testing {

struct CliResult
{
    int exitCode = -1;
    QString out;
    QString err;
};

// The exit status tools/run-valgrind.sh gives memcheck with --error-exitcode: no CLI status uses it.
inline constexpr int kWrapperErrorExitCode = 99;

inline QStringList cliWrapper()
{
    return QProcess::splitCommand(qEnvironmentVariable("RNNSCOPE_CLI_WRAPPER"));
}

// A test's process timeout, scaled for slow wrappers. An unset or unreadable scale means 1.
inline int cliTimeoutMs(int baseMs)
{
    bool ok = false;
    const double scale = qEnvironmentVariable("RNNSCOPE_TEST_TIMEOUT_SCALE").toDouble(&ok);
    const double scaled = baseMs * (ok && scale >= 1.0 ? scale : 1.0);
    return scaled > 2.0e9 ? 2000000000 : static_cast<int>(scaled);
}

// Starts the CLI with args, under the wrapper when one is set. The process environment set on p is kept.
inline void startCli(QProcess& p, const QStringList& args)
{
    QStringList wrapper = cliWrapper();
    if (wrapper.isEmpty()) {
        p.start(QStringLiteral(RNNSCOPE_CLI), args);
        return;
    }
    const QString program = wrapper.takeFirst();
    p.start(program, wrapper + QStringList {QStringLiteral(RNNSCOPE_CLI)} + args);
}

// Records a test failure when the wrapper reported errors in the CLI (its exit code, or memcheck's summary when it
// writes to stderr). Most tests compare the exit status anyway; this also catches the few that only warn on it.
inline void failOnWrapperReport(int exitCode, const QString& err)
{
    if (cliWrapper().isEmpty()) {
        return;
    }
    static const QRegularExpression errorSummary(QStringLiteral("ERROR SUMMARY: [1-9]"));
    if (exitCode == kWrapperErrorExitCode || err.contains(errorSummary)) {
        QTest::qFail(qPrintable(QStringLiteral("%1 reported errors in rnnscope-cli (exit %2): %3")
                                    .arg(cliWrapper().first())
                                    .arg(exitCode)
                                    .arg(err)),
            __FILE__, __LINE__);
    }
}

// `environment`: the CLI's, when not the test's own.
inline CliResult runCli(const QStringList& args, int timeoutMs = 120000, const QProcessEnvironment& environment = {})
{
    QProcess p;
    if (!environment.isEmpty()) {
        p.setProcessEnvironment(environment);
    }
    startCli(p, args);
    if (!p.waitForFinished(cliTimeoutMs(timeoutMs))) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    CliResult r {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
        QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
    failOnWrapperReport(r.exitCode, r.err);
    return r;
}

} // namespace rnnscope::testing
