// Every input the fuzzers found a crash, hang or over-allocation with (kept under tests/fuzz/regressions/<target>/)
// is replayed through the same reader calls the fuzz target makes (tests/fuzz/fuzz_feeds.h), in the normal build:
// each must now be refused with io::FileError naming the file, never a crash, another exception or a success.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <QTest>

#include "tests/fuzz/fuzz_feeds.h"

using namespace rnnscope;
namespace fs = std::filesystem;

namespace {

const fs::path kRegressions = fs::path(RNNSCOPE_SOURCE_DIR) / "tests" / "fuzz" / "regressions";

std::string readBytes(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

class TestFuzzRegressions : public QObject
{
    Q_OBJECT

private slots:
    // The folder names are the targets' names: a typo would silently drop its inputs.
    void everyFolderIsATarget()
    {
        int inputs = 0;
        for (const auto& entry : fs::directory_iterator(kRegressions)) {
            if (!entry.is_directory()) {
                continue;
            }
            const std::string name = entry.path().filename().string();
            const auto& targets = fuzz::targetNames();
            QVERIFY2(std::find(targets.begin(), targets.end(), name) != targets.end(), name.c_str());
            inputs += static_cast<int>(std::distance(fs::directory_iterator(entry.path()), fs::directory_iterator()));
        }
        QVERIFY(inputs > 0);
    }

    void keptInputIsRefused_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("file");
        for (const std::string& target : fuzz::targetNames()) {
            const fs::path dir = kRegressions / target;
            if (!fs::is_directory(dir)) {
                continue;
            }
            std::vector<fs::path> files;
            for (const auto& entry : fs::directory_iterator(dir)) {
                files.push_back(entry.path());
            }
            std::sort(files.begin(), files.end());
            for (const fs::path& f : files) {
                const std::string row = target + "/" + f.filename().string();
                QTest::newRow(row.c_str()) << QString::fromStdString(target) << QString::fromStdString(f.string());
            }
        }
    }

    void keptInputIsRefused()
    {
        QFETCH(QString, target);
        QFETCH(QString, file);
        const std::string bytes = readBytes(file.toStdString());
        QVERIFY(!bytes.empty());
        // Anything but io::FileError escapes feedTarget and fails the test (Qt Test reports the exception).
        const fuzz::Refusals refusals = fuzz::feedTarget(target.toStdString(), bytes);
        QVERIFY2(!refusals.empty(), "the input was accepted: it should be refused");
        for (const fuzz::Refusal& r : refusals) {
            QVERIFY2(r.namesAFile(), r.message.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzz_regressions.moc"
