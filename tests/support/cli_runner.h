#pragma once
// Runs the built rnnscope-cli (path in the RNNSCOPE_CLI compile definition) as a user would, and collects what it
// printed. A crash or a hang gives exit code -1.

#include <QProcess>
#include <QString>
#include <QStringList>

namespace rnnscope::testing {

struct CliResult
{
    int exitCode = -1;
    QString out;
    QString err;
};

inline CliResult runCli(const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(QStringLiteral(RNNSCOPE_CLI), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError())};
}

} // namespace rnnscope::testing
