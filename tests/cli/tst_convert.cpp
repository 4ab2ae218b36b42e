// `rnnscope-cli convert MODEL OUT`: a real model converted to .keras and to .h5 and then run gives byte-identical
// outputs to running the original; a bad OUT extension is a usage error (2); an unreadable MODEL or a model the
// target format cannot hold is bad input (3) with one "error: <file>: ..." line, and leaves neither OUT nor a
// temporary file.

#include <random>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "core/io/npy.h"
#include "tests/support/cli_runner.h"

using rnnscope::testing::CliResult;
using rnnscope::testing::runCli;

namespace {

QString realModel(const QString& name)
{
    return QStringLiteral(RNNSCOPE_SHARED_DIR "/real-models/") + name;
}

QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QStringList filesIn(const QString& dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
}

} // namespace

class TestConvert : public QObject
{
    Q_OBJECT

private slots:
    void convertThenRun_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QList<qint64>>("inputShape");
        QTest::newRow("k3 gru stacked (.keras)") << "k3_gru_stacked.keras" << QList<qint64> {2, 30, 3};
        QTest::newRow("tf.keras 2.12 bilstm (.h5 named .keras)")
            << "tfk212_bilstm_hdf5_named.keras" << QList<qint64> {2, 1, 167};
        QTest::newRow("keras 2.1.3 simplernn (.h5)") << "dl4j_simplernn_k213_model.h5" << QList<qint64> {25, 1, 1};
    }
    void convertThenRun()
    {
        QFETCH(QString, model);
        QFETCH(QList<qint64>, inputShape);
        QTemporaryDir dir;
        const QString x = dir.filePath("x.npy");
        rnnscope::Tensor input(rnnscope::Shape(inputShape.begin(), inputShape.end()));
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
        for (float& v : input.values()) {
            v = dist(rng);
        }
        rnnscope::io::writeNpy(x.toStdString(), input);
        const QString original = realModel(model);
        CliResult r = runCli({"run", original, "--input", x, "--out", dir.filePath("out-original")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QByteArray expected = fileBytes(dir.filePath("out-original/output_0.npy"));
        QVERIFY(!expected.isEmpty());
        for (const QString ext : {".keras", ".h5"}) {
            const QString converted = dir.filePath("converted" + ext);
            r = runCli({"convert", original, converted});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
            QVERIFY(r.out.contains("Wrote " + converted));
            r = runCli({"info", converted});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
            QVERIFY(r.out.contains(ext == QString(".keras") ? "keras-archive" : "legacy-h5"));
            const QString out = dir.filePath("out" + ext);
            r = runCli({"run", converted, "--input", x, "--out", out});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
            QCOMPARE(fileBytes(out + "/output_0.npy"), expected);
        }
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("bad extension") << QStringList {"convert", realModel("k3_gru_stacked.keras"), "OUT/m.onnx"};
        QTest::newRow("no extension") << QStringList {"convert", realModel("k3_gru_stacked.keras"), "OUT/model"};
        QTest::newRow("no OUT") << QStringList {"convert", realModel("k3_gru_stacked.keras")};
        QTest::newRow("with --input") << QStringList {
            "convert", realModel("k3_gru_stacked.keras"), "OUT/m.keras", "--input", "x.npy"};
        QTest::newRow("with an option flag")
            << QStringList {"convert", realModel("k3_gru_stacked.keras"), "OUT/m.h5", "--stateful=on"};
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QTemporaryDir dir;
        args.replaceInStrings("OUT/", dir.path() + "/");
        const CliResult r = runCli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.startsWith("error: "));
        QVERIFY(filesIn(dir.path()).isEmpty());
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("out");
        QTest::addColumn<bool>("blameOutput"); // the error names OUT (the format cannot hold it) rather than MODEL
        QTest::newRow("missing model .keras") << "/nonexistent/model.keras"
                                              << "m.keras" << false;
        QTest::newRow("missing model .h5") << "/nonexistent/model.h5"
                                           << "m.h5" << false;
        QTest::newRow("not a model") << RNNSCOPE_SHARED_DIR "/real-models/README.md"
                                     << "m.h5" << false;
        QTest::newRow("keras 2 hard_sigmoid into .keras")
            << realModel("dl4j_lstm_hardsig_k213_model.h5") << "m.keras" << true;
    }
    void badInput()
    {
        QFETCH(QString, model);
        QFETCH(QString, out);
        QFETCH(bool, blameOutput);
        QTemporaryDir dir;
        const QString target = dir.filePath(out);
        const CliResult r = runCli({"convert", model, target});
        QCOMPARE(r.exitCode, 3);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.startsWith("error: " + (blameOutput ? target : model) + ": "), qPrintable(r.err));
        QVERIFY2(filesIn(dir.path()).isEmpty(), qPrintable(filesIn(dir.path()).join(", ")));
    }
};

QTEST_GUILESS_MAIN(TestConvert)
#include "tst_convert.moc"
