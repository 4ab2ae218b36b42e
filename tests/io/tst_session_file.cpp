// The .rnnscope session file: every field round-trips, paths are found again after the folder moved, and a
// malformed file is refused with its name and the field at fault; nothing half-written is left behind.

#include <filesystem>
#include <fstream>

#include <QTemporaryDir>
#include <QTest>

#include "core/io/file_error.h"
#include "core/io/session_file.h"

using namespace rnnscope;
using namespace rnnscope::io;
namespace fs = std::filesystem;

namespace {

void writeText(const std::string& path, const std::string& text)
{
    std::ofstream(path, std::ios::binary) << text;
}

SessionFile fullSession(const std::string& dir)
{
    SessionFile s;
    s.model = dir + "/model.h5";
    s.weights = dir + "/weights.h5";
    SessionInput file;
    file.source = SessionInput::Source::File;
    file.spec = "text:" + dir + "/lines.txt";
    file.options.vocabFile = dir + "/vocab.json";
    file.options.tokens = TokenMode::Chars;
    file.options.lower = true;
    file.options.oovId = 1;
    file.options.pad = true;
    file.options.padValue = -1.5F;
    file.options.padSide = PadSide::Post;
    SessionInput probe;
    probe.source = SessionInput::Source::Probe;
    probe.probe = {"impulse", 3, 40, 2, 0.5, 7, 12.0, 99};
    SessionInput h5;
    h5.source = SessionInput::Source::File;
    h5.spec = dir + "/data.h5:/group/x";
    s.batches = {file, probe, h5};
    s.layerOptions["lstm"]["go_backwards"] = true;
    s.layerOptions["lstm"]["stateful"] = false;
    s.initialStates = "files";
    s.initialStateFiles = {dir + "/h0.npy", dir + "/c0.npy"};
    s.maskToggles = {{0, 1, 4}, {2, 0, 9}};
    WhatIfEdit e;
    e.batch = 1;
    e.layer = "bi/backward";
    e.step = 17;
    e.stateIndex = 1;
    e.stateName = "c";
    e.sample = 2;
    e.units = {3, 5};
    e.values = {0.1F, -2.75F};
    s.edits = {e};
    Breakpoint threshold;
    threshold.id = 4;
    threshold.enabled = false;
    threshold.kind = BreakKind::Threshold;
    threshold.series.layer = 1;
    threshold.series.direction = 0;
    threshold.series.cell = 1;
    threshold.series.kind = HealthQuantityKind::Gate;
    threshold.series.name = "f";
    threshold.unit = 6;
    threshold.threshold = 0.125;
    threshold.crossing = CrossingDirection::Downward;
    Breakpoint saturation;
    saturation.id = 5;
    saturation.kind = BreakKind::Saturation;
    saturation.saturatedFraction = 0.3;
    s.breakpoints = {threshold, saturation};
    s.record.layers = {"lstm_2"};
    s.record.inputs = false;
    s.record.gates = false;
    s.selection.layer = 1;
    s.selection.direction = 1;
    s.selection.kind = "gate";
    s.selection.name = "i";
    s.selection.sample = 3;
    s.selection.step = 42;
    s.selection.units = {1, 2};
    s.selection.timeRange = std::make_pair(-0.5, 80.5);
    s.selection.shownBatch = 2;
    s.selection.display = "difference";
    s.windowGeometry = "Z2VvbWV0cnk=";
    s.windowState = "c3RhdGU=";
    return s;
}

void touchAll(const std::string& dir)
{
    for (const char* f : {"model.h5", "weights.h5", "lines.txt", "vocab.json", "data.h5", "h0.npy", "c0.npy"}) {
        writeText(dir + "/" + f, "x");
    }
}

} // namespace

class TestSessionFile : public QObject
{
    Q_OBJECT

private slots:
    void roundTripsEveryField();
    void movedFolderResolvesRelativePaths();
    void missingFilesAreListedForRelocation();
    void specFileParts_data();
    void specFileParts();
    void malformedFilesAreRefused_data();
    void malformedFilesAreRefused();
    void unwritablePathLeavesNothing();
};

void TestSessionFile::roundTripsEveryField()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    touchAll(d);
    const SessionFile s = fullSession(d);
    const std::string path = d + "/s.rnnscope";
    writeSession(path, s);
    const SessionFile r = readSession(path);
    QCOMPARE(r.model, s.model);
    QCOMPARE(r.weights, s.weights);
    QCOMPARE(r.batches.size(), std::size_t {3});
    QCOMPARE(r.batches[0].spec, s.batches[0].spec);
    QCOMPARE(r.batches[0].options.vocabFile, s.batches[0].options.vocabFile);
    QVERIFY(r.batches[0].options.tokens == TokenMode::Chars);
    QVERIFY(r.batches[0].options.lower);
    QCOMPARE(r.batches[0].options.oovId, std::optional<std::int64_t>(1));
    QVERIFY(r.batches[0].options.pad);
    QCOMPARE(r.batches[0].options.padValue, -1.5F);
    QVERIFY(r.batches[0].options.padSide == PadSide::Post);
    QVERIFY(r.batches[1].source == SessionInput::Source::Probe);
    QCOMPARE(r.batches[1].probe.kind, std::string("impulse"));
    QCOMPARE(r.batches[1].probe.steps, Index {40});
    QCOMPARE(r.batches[1].probe.onset, Index {7});
    QCOMPARE(r.batches[1].probe.seed, 99U);
    QCOMPARE(r.batches[2].spec, s.batches[2].spec);
    QCOMPARE(r.layerOptions, s.layerOptions);
    QCOMPARE(r.initialStates, std::string("files"));
    QCOMPARE(r.initialStateFiles, s.initialStateFiles);
    QVERIFY(r.maskToggles == s.maskToggles);
    QVERIFY(r.edits == s.edits);
    QCOMPARE(r.breakpoints.size(), std::size_t {2});
    const Breakpoint& t = r.breakpoints[0];
    QCOMPARE(t.id, 4);
    QVERIFY(!t.enabled);
    QVERIFY(t.kind == BreakKind::Threshold);
    QVERIFY(t.series == s.breakpoints[0].series);
    QCOMPARE(t.unit, std::optional<Index>(6));
    QCOMPARE(t.threshold, 0.125);
    QVERIFY(t.crossing == CrossingDirection::Downward);
    QVERIFY(r.breakpoints[1].kind == BreakKind::Saturation);
    QCOMPARE(r.breakpoints[1].saturatedFraction, 0.3);
    QVERIFY(!r.breakpoints[1].unit);
    QCOMPARE(r.record.layers, std::vector<std::string> {"lstm_2"});
    QVERIFY(!r.record.inputs && r.record.states && !r.record.gates && r.record.outputs);
    QCOMPARE(r.selection.kind, std::string("gate"));
    QCOMPARE(r.selection.name, std::string("i"));
    QCOMPARE(r.selection.direction, 1);
    QCOMPARE(r.selection.step, Index {42});
    QCOMPARE(r.selection.units, (std::vector<int> {1, 2}));
    QVERIFY(r.selection.timeRange == s.selection.timeRange);
    QCOMPARE(r.selection.shownBatch, 2);
    QCOMPARE(r.selection.display, std::string("difference"));
    QCOMPARE(r.windowGeometry, s.windowGeometry);
    QCOMPARE(r.windowState, s.windowState);
    // Nothing but the session next to it: the temporary file was renamed.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(d)) {
        files += entry.path().filename().string().find(".tmp") != std::string::npos ? 100 : 1;
    }
    QCOMPARE(files, 8);
}

void TestSessionFile::movedFolderResolvesRelativePaths()
{
    QTemporaryDir root;
    const std::string a = root.path().toStdString() + "/a";
    fs::create_directory(a);
    touchAll(a);
    writeSession(a + "/s.rnnscope", fullSession(a));
    const std::string b = root.path().toStdString() + "/b";
    fs::rename(a, b);
    const SessionFile r = readSession(b + "/s.rnnscope");
    QCOMPARE(r.model, b + "/model.h5");
    QCOMPARE(r.weights, b + "/weights.h5");
    QCOMPARE(r.batches[0].spec, "text:" + b + "/lines.txt");
    QCOMPARE(r.batches[0].options.vocabFile, std::optional<std::string>(b + "/vocab.json"));
    QCOMPARE(r.batches[2].spec, b + "/data.h5:/group/x");
    QCOMPARE(r.initialStateFiles.back(), b + "/c0.npy");
}

void TestSessionFile::missingFilesAreListedForRelocation()
{
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    SessionFile s = fullSession(d); // nothing exists: every path is a file to ask for
    const auto refs = sessionFileRefs(s);
    QStringList roles;
    for (const auto& r : refs) {
        roles << QString::fromStdString(r.role);
    }
    QCOMPARE(roles,
        (QStringList {QStringLiteral("model"), QStringLiteral("weights"), QStringLiteral("input of batch 1"),
            QStringLiteral("vocabulary of batch 1"), QStringLiteral("input of batch 3"),
            QStringLiteral("initial state 1"), QStringLiteral("initial state 2")}));
    // Re-pointing a spec keeps its prefix and dataset.
    SessionFileRef text = refs[2];
    QVERIFY(text.spec);
    *text.path = replaceSpecFilePart(*text.path, "/new/lines.txt");
    QCOMPARE(s.batches[0].spec, std::string("text:/new/lines.txt"));
    *refs[4].path = replaceSpecFilePart(*refs[4].path, "/new/data.h5");
    QCOMPARE(s.batches[2].spec, std::string("/new/data.h5:/group/x"));
}

void TestSessionFile::specFileParts_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("file");
    QTest::newRow("npy") << QStringLiteral("/d/x.npy") << QStringLiteral("/d/x.npy");
    QTest::newRow("text") << QStringLiteral("text:/d/t.txt") << QStringLiteral("/d/t.txt");
    QTest::newRow("h5 dataset") << QStringLiteral("/d/a.h5:/g/x") << QStringLiteral("/d/a.h5");
    QTest::newRow("glob") << QStringLiteral("/d/runs/*.csv") << QStringLiteral("/d/runs");
    QTest::newRow("dir") << QStringLiteral("/d/runs") << QStringLiteral("/d/runs");
}

void TestSessionFile::specFileParts()
{
    QFETCH(QString, spec);
    QFETCH(QString, file);
    QCOMPARE(QString::fromStdString(specFilePart(spec.toStdString())), file);
}

void TestSessionFile::malformedFilesAreRefused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("complaint");
    QTest::newRow("not JSON") << QStringLiteral("{\"format\": ") << QStringLiteral("malformed JSON");
    QTest::newRow("another format") << QStringLiteral("{\"format\": \"keras\"}") << QStringLiteral("not an RNNScope");
    QTest::newRow("future version") << QStringLiteral("{\"format\": \"rnnscope-session\", \"version\": 9}")
                                    << QStringLiteral("version 9");
    QTest::newRow("no model") << QStringLiteral("{\"format\": \"rnnscope-session\", \"version\": 1}")
                              << QStringLiteral("names no model");
    const QString head = QStringLiteral(
        "{\"format\": \"rnnscope-session\", \"version\": 1, \"model\": {\"path\": \"/m.h5\", \"relative\": \"\"}, ");
    QTest::newRow("edit values of the wrong type")
        << head + QStringLiteral("\"what_if\": [{\"layer\": \"lstm\", \"values\": \"many\"}]}")
        << QStringLiteral("what_if[0].values");
    QTest::newRow("bad mask toggle") << head + QStringLiteral("\"mask_toggles\": [[0, 1]]}")
                                     << QStringLiteral("mask_toggles");
    QTest::newRow("unknown breakpoint kind") << head + QStringLiteral("\"breakpoints\": [{\"kind\": \"sometimes\"}]}")
                                             << QStringLiteral("breakpoints[0].kind");
    QTest::newRow("batches not a list") << head + QStringLiteral("\"batches\": 3}") << QStringLiteral("batches");
    QTest::newRow("unknown source") << head + QStringLiteral("\"batches\": [{\"source\": \"dream\"}]}")
                                    << QStringLiteral("batches[0].source");
    QTest::newRow("option not a bool") << head + QStringLiteral("\"layer_options\": {\"lstm\": {\"stateful\": 1}}}")
                                       << QStringLiteral("layer_options.lstm.stateful");
    QTest::newRow("record layers not strings")
        << head + QStringLiteral("\"record\": {\"layers\": [1]}}") << QStringLiteral("record.layers");
    QTest::newRow("record nothing") << head
            + QStringLiteral(
                "\"record\": {\"inputs\": false, \"states\": false, \"gates\": false, \"outputs\": false}}")
                                    << QStringLiteral("records no quantity");
}

void TestSessionFile::malformedFilesAreRefused()
{
    QFETCH(QString, text);
    QFETCH(QString, complaint);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("bad.rnnscope")).toStdString();
    writeText(path, text.toStdString());
    try {
        readSession(path);
        QFAIL("accepted");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), path);
        QVERIFY2(QString::fromStdString(e.problem()).contains(complaint), e.what());
    }
}

void TestSessionFile::unwritablePathLeavesNothing()
{
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/no/such/dir/s.rnnscope";
    QVERIFY_THROWS_EXCEPTION(FileError, writeSession(path, SessionFile {}));
    QVERIFY(!fs::exists(path));
}

QTEST_GUILESS_MAIN(TestSessionFile)
#include "tst_session_file.moc"
