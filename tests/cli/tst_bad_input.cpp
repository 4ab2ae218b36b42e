// The bad-input corpus (tests/data/bad, made by make_corpus.py): every file is handed to the built rnnscope-cli in
// the role MANIFEST.json gives it. A bad file must end the run with exit status 3 and exactly one line
// "error: <file>: <problem>" naming the file; a file with NaN/Inf values must give a warning naming it and the run
// must finish (exit 0). Never a crash (a signal, or a sanitizer report: CI runs this under the asan preset), never
// an output or a temporary file left behind by a failed run.

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "tests/support/cli_runner.h"

using nlohmann::json;

namespace {

QString corpus(const QString& name)
{
    return QStringLiteral(RNNSCOPE_TEST_DATA "/bad/") + name;
}

const QString kExample = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth.h5");

std::map<std::string, int>& classCounts()
{
    static std::map<std::string, int> counts;
    return counts;
}

} // namespace

class TestBadInput : public QObject
{
    Q_OBJECT

private slots:
    void refusedCleanly_data();
    void refusedCleanly();
    void goodCompanionsWork();
    void cleanupTestCase();
};

void TestBadInput::refusedCleanly_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("role");
    QTest::addColumn<QString>("expect");
    QTest::addColumn<QString>("mentions");
    std::ifstream in(corpus(QStringLiteral("MANIFEST.json")).toStdString());
    QVERIFY2(in.good(), "tests/data/bad/MANIFEST.json is missing: run tests/data/bad/make_corpus.py");
    const json manifest = json::parse(in);
    for (const auto& e : manifest.at("files")) {
        const auto file = QString::fromStdString(e.at("file").get<std::string>());
        const auto cls = e.at("class").get<std::string>();
        ++classCounts()[cls];
        QTest::newRow(qPrintable(QString::fromStdString(cls) + QLatin1Char('/') + file))
            << file << QString::fromStdString(e.at("role").get<std::string>())
            << QString::fromStdString(e.at("expect").get<std::string>())
            << QString::fromStdString(e.at("mentions").get<std::string>());
    }
    QVERIFY(manifest.at("files").size() >= 60);
}

void TestBadInput::refusedCleanly()
{
    QFETCH(QString, file);
    QFETCH(QString, role);
    QFETCH(QString, expect);
    QFETCH(QString, mentions);
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("out"));
    const QString bad = corpus(file);
    const QString goodInput = corpus(QStringLiteral("good_input.npy"));
    QStringList args;
    if (role == QLatin1String("model")) {
        args = {QStringLiteral("run"), bad, QStringLiteral("--input"), goodInput};
    } else if (role == QLatin1String("config")) {
        args = {QStringLiteral("run"), bad, QStringLiteral("--weights"), corpus(QStringLiteral("good_weights.h5")),
            QStringLiteral("--input"), goodInput};
    } else if (role == QLatin1String("weights")) {
        args = {QStringLiteral("run"), corpus(QStringLiteral("good_config.json")), QStringLiteral("--weights"), bad,
            QStringLiteral("--input"), goodInput};
    } else if (role == QLatin1String("input")) {
        args = {QStringLiteral("run"), kExample, QStringLiteral("--input"), bad};
    } else if (role == QLatin1String("mask")) {
        args = {QStringLiteral("run"), kExample, QStringLiteral("--input"), goodInput, QStringLiteral("--mask"), bad};
    } else {
        QFAIL(qPrintable(QStringLiteral("unknown role ") + role));
    }
    args << QStringLiteral("--out") << out << QStringLiteral("--trace") << tmp.filePath(QStringLiteral("t.h5"));

    QProcess p;
    rnnscope::testing::startCli(p, args);
    QVERIFY2(p.waitForFinished(rnnscope::testing::cliTimeoutMs(60000)), "rnnscope-cli hung");
    QVERIFY2(p.exitStatus() == QProcess::NormalExit, "rnnscope-cli crashed");
    const QString err = QString::fromUtf8(p.readAllStandardError());
    rnnscope::testing::failOnWrapperReport(p.exitCode(), err);
    const QStringList lines = err.trimmed().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const QString name = QFileInfo(file).fileName();
    if (expect == QLatin1String("error")) {
        QVERIFY2(p.exitCode() == 3, qPrintable(QStringLiteral("exit %1: %2").arg(p.exitCode()).arg(err)));
        QVERIFY2(lines.size() == 1, qPrintable(err));
        QVERIFY2(lines[0].startsWith(QStringLiteral("error: ")), qPrintable(err));
        QVERIFY2(lines[0].contains(name), qPrintable(err));
        QVERIFY2(mentions.isEmpty() || lines[0].contains(mentions, Qt::CaseInsensitive), qPrintable(err));
        QVERIFY2(!QFile::exists(out + QStringLiteral("/output_0.npy")), "an output was written despite the error");
        QVERIFY2(!QFile::exists(tmp.filePath(QStringLiteral("t.h5"))), "a trace was written despite the error");
    } else {
        QVERIFY2(p.exitCode() == 0, qPrintable(err));
        bool warned = false;
        for (const QString& l : lines) {
            warned = warned
                || (l.startsWith(QStringLiteral("warning: ")) && l.contains(name)
                    && l.contains(mentions, Qt::CaseInsensitive));
        }
        QVERIFY2(warned, qPrintable(err));
        QVERIFY(QFile::exists(out + QStringLiteral("/output_0.npy")));
    }
    QStringList leftovers;
    for (const QString& dir : {tmp.path(), out, corpus(QString())}) {
        leftovers += QDir(dir).entryList({QStringLiteral("*.tmp*")}, QDir::Files);
    }
    QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(QLatin1Char(' '))));
}

void TestBadInput::goodCompanionsWork()
{
    // The files the bad ones are paired with are themselves fine, so a refusal is the bad file's doing.
    QTemporaryDir tmp;
    const QStringList runs[] = {
        {QStringLiteral("run"), corpus(QStringLiteral("good_config.json")), QStringLiteral("--weights"),
            corpus(QStringLiteral("good_weights.h5")), QStringLiteral("--input"),
            corpus(QStringLiteral("good_input.npy")), QStringLiteral("--out"), tmp.filePath(QStringLiteral("a"))},
        {QStringLiteral("run"), kExample, QStringLiteral("--input"), corpus(QStringLiteral("good_input.npy")),
            QStringLiteral("--out"), tmp.filePath(QStringLiteral("b"))},
        {QStringLiteral("run"), corpus(QStringLiteral("good_model.keras")), QStringLiteral("--input"),
            corpus(QStringLiteral("good_input.npy")), QStringLiteral("--out"), tmp.filePath(QStringLiteral("c"))},
    };
    QByteArray first;
    int k = 0;
    for (const QStringList& args : runs) {
        QProcess p;
        rnnscope::testing::startCli(p, args);
        QVERIFY(p.waitForFinished(rnnscope::testing::cliTimeoutMs(60000)));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        QFile f(args.last() + QStringLiteral("/output_0.npy"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        if (k++ == 0) {
            first = bytes;
        } else {
            QCOMPARE(bytes, first); // the same model in three containers computes the same bytes
        }
    }
}

void TestBadInput::cleanupTestCase()
{
    for (const auto& [cls, n] : classCounts()) {
        qInfo("bad-input class %s: %d file(s)", cls.c_str(), n);
    }
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_bad_input.moc"
