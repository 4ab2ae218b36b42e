// Sequence inputs (core/io/sequence_readers.h): CSV one-sample-per-file and long tables, HDF5 datasets, text
// through a vocabulary, and what a spec means. Fixtures are in tests/data/sequences/ (the CSV and text files
// are written by hand; sequences.h5 and tokenizer.json by make_fixtures.py). Values are exact in float32 and
// compared with ==.

#include <fstream>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "core/io/file_error.h"
#include "core/io/npy.h"
#include "core/io/sequence_readers.h"

using namespace rnnscope;
using namespace rnnscope::io;

namespace {

QString fixture(const QString& name)
{
    return QStringLiteral(RNNSCOPE_TEST_DATA "/sequences/") + name;
}

using Floats = std::vector<float>;
using Flags = std::vector<std::uint8_t>;

// "pad", "lower", "chars", "pre", "post", "padvalue=-1", "oov=7", "vocab=FILE" separated by spaces.
SequenceOptions optionsFrom(const QString& text)
{
    SequenceOptions o;
    for (const QString& word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (word == QLatin1String("pad")) {
            o.pad = true;
        } else if (word == QLatin1String("lower")) {
            o.lower = true;
        } else if (word == QLatin1String("chars")) {
            o.tokens = TokenMode::Chars;
        } else if (word == QLatin1String("pre")) {
            o.padSide = PadSide::Pre;
        } else if (word == QLatin1String("post")) {
            o.padSide = PadSide::Post;
        } else if (word.startsWith(QLatin1String("padvalue="))) {
            o.pad = true;
            o.padValue = word.mid(9).toFloat();
        } else if (word.startsWith(QLatin1String("oov="))) {
            o.oovId = word.mid(4).toLongLong();
        } else if (word.startsWith(QLatin1String("vocab="))) {
            o.vocabFile = fixture(word.mid(6)).toStdString();
        } else {
            qFatal("unknown option word %s", qPrintable(word));
        }
    }
    return o;
}

// "text:words.txt" -> "text:<fixtures>/words.txt"; an HDF5 spec keeps its dataset part.
std::string specFor(const QString& spec)
{
    if (spec.startsWith(QLatin1String("text:"))) {
        return "text:" + fixture(spec.mid(5)).toStdString();
    }
    return fixture(spec).toStdString();
}

QString describe(const Floats& v)
{
    QStringList parts;
    for (float x : v) {
        parts << QString::number(static_cast<double>(x), 'g', 9);
    }
    return parts.join(QLatin1Char(' '));
}

} // namespace

class TestSequenceReaders : public QObject
{
    Q_OBJECT

private slots:
    void readsValues_data();
    void readsValues();
    void errorsNameFileAndPlace_data();
    void errorsNameFileAndPlace();
    void specSyntax_data();
    void specSyntax();
    void wildcardsAndNameOrder();
    void contentDecidesFormat();
    void absurdSizesAreRefused();
};

void TestSequenceReaders::readsValues_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("options");
    QTest::addColumn<QList<qint64>>("shape");
    QTest::addColumn<Floats>("values");
    QTest::addColumn<Flags>("mask"); // empty: no mask expected
    QTest::addColumn<int>("format");

    const int csv = static_cast<int>(SequenceFormat::CsvFiles);
    const int h5 = static_cast<int>(SequenceFormat::Hdf5Dataset);
    const int text = static_cast<int>(SequenceFormat::Text);
    // One sample, 3 steps x 2 features, written five ways.
    const Floats one {0.5F, 1.0F, -2.25F, 300.0F, 0.1F, 7.0F};
    QTest::newRow("CSV without header") << "plain.csv"
                                        << "" << QList<qint64> {1, 3, 2} << one << Flags {} << csv;
    QTest::newRow("CSV with header") << "header.csv"
                                     << "" << QList<qint64> {1, 3, 2} << one << Flags {} << csv;
    QTest::newRow("';', comments, blank lines") << "semicolon.csv"
                                                << "" << QList<qint64> {1, 3, 2} << one << Flags {} << csv;
    QTest::newRow("tab, CRLF") << "tab.tsv"
                               << "" << QList<qint64> {1, 3, 2} << one << Flags {} << csv;
    QTest::newRow("pandas to_csv with its index column") << "pandas_index.csv"
                                                         << "" << QList<qint64> {1, 3, 2} << one << Flags {} << csv;
    QTest::newRow("whitespace (numpy.savetxt)") << "spaces.txt"
                                                << "" << QList<qint64> {1, 3, 2} << one << Flags {} << csv;

    // s1, s2, s10 in name order with numbers compared by value; notes.md and the hidden file are not samples.
    const Floats batch {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
    QTest::newRow("directory of samples") << "batch"
                                          << "" << QList<qint64> {3, 2, 3} << batch << Flags {} << csv;
    QTest::newRow("wildcard") << "batch/s*.csv"
                              << "" << QList<qint64> {3, 2, 3} << batch << Flags {} << csv;
    QTest::newRow("wildcard, subset") << "batch/s1*.csv"
                                      << "" << QList<qint64> {2, 2, 3}
                                      << Floats {1, 2, 3, 4, 5, 6, 13, 14, 15, 16, 17, 18} << Flags {} << csv;

    // a: 3 steps, b: 1, c: 2.
    QTest::newRow("ragged, padded at the end")
        << "ragged"
        << "pad" << QList<qint64> {3, 3, 2} << Floats {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 9, 10, 11, 12, 0, 0}
        << Flags {1, 1, 1, 1, 0, 0, 1, 1, 0} << csv;
    QTest::newRow("ragged, padded at the front with -1")
        << "ragged"
        << "padvalue=-1 pre" << QList<qint64> {3, 3, 2}
        << Floats {1, 2, 3, 4, 5, 6, -1, -1, -1, -1, 7, 8, -1, -1, 9, 10, 11, 12} << Flags {1, 1, 1, 0, 0, 1, 0, 1, 1}
        << csv;
    QTest::newRow("ragged batch of equal lengths: no mask")
        << "batch"
        << "pad" << QList<qint64> {3, 2, 3} << batch << Flags {} << csv;

    // Shuffled rows, quoted string ids, columns in any order; samples in order of first appearance.
    QTest::newRow("long table") << "long_table.csv"
                                << "" << QList<qint64> {2, 3, 2} << Floats {1, 10, 3, 30, 2, 20, 5, 50, 6, 60, 7, 70}
                                << Flags {} << csv;
    QTest::newRow("long table, one sample, 1-based t")
        << "long_single.csv"
        << "" << QList<qint64> {1, 3, 1} << Floats {0.75F, -1.0F, 0.25F} << Flags {} << csv;
    QTest::newRow("long table, missing step padded")
        << "long_missing.csv"
        << "padvalue=-9" << QList<qint64> {2, 3, 1} << Floats {1, 2, 3, 4, -9, 6} << Flags {1, 1, 1, 1, 0, 1} << csv;

    const Floats x {-1.0F, -0.5F, 0.0F, 0.5F, 1.0F, 1.5F, 2.0F, 2.5F, 3.0F, 3.5F, 4.0F, 4.5F};
    QTest::newRow("HDF5 float64 in groups") << "sequences.h5:/group/sub/x"
                                            << "" << QList<qint64> {2, 3, 2} << x << Flags {} << h5;
    QTest::newRow("HDF5 path without leading /") << "sequences.h5:group/sub/x"
                                                 << "" << QList<qint64> {2, 3, 2} << x << Flags {} << h5;
    QTest::newRow("HDF5 int32 ids") << "sequences.h5:/ids"
                                    << "" << QList<qint64> {2, 4} << Floats {0, 0, 3, 1, 2, 5, 4, 11} << Flags {} << h5;
    QTest::newRow("HDF5 dataset name with ':'")
        << "sequences.h5:/lstm/kernel:0"
        << "" << QList<qint64> {1, 2, 2} << Floats {1.5F, -2.0F, 0.25F, 8.0F} << Flags {} << h5;

    // words.txt: "the cat sat" / "The dog sat on the mat" / "" / "  cat  "
    QTest::newRow("words, lowercased, padded pre (Keras default)")
        << "text:words.txt"
        << "vocab=vocab_words.json lower" << QList<qint64> {4, 6}
        << Floats {0, 0, 0, 1, 2, 3, 1, 6, 3, 4, 1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2} << Flags {} << text;
    QTest::newRow("words, padded post with 99")
        << "text:words.txt"
        << "vocab=vocab_words.json lower post padvalue=99" << QList<qint64> {4, 6}
        << Floats {1, 2, 3, 99, 99, 99, 1, 6, 3, 4, 1, 5, 99, 99, 99, 99, 99, 99, 2, 99, 99, 99, 99, 99} << Flags {}
        << text;
    QTest::newRow("words, unknown token to --oov-id")
        << "text:words_oov.txt"
        << "vocab=vocab_words.json oov=7" << QList<qint64> {1, 3} << Floats {1, 7, 3} << Flags {} << text;
    QTest::newRow("words through a Tokenizer.to_json() file")
        << "text:words.txt"
        << "vocab=tokenizer.json lower oov=9" << QList<qint64> {4, 6}
        << Floats {0, 0, 0, 1, 2, 3, 1, 4, 3, 9, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2} << Flags {} << text;
    // chars.txt (CRLF): "ab a" / "(é)" / "É"; spaces are tokens, É lowercases to é.
    QTest::newRow("characters, lowercased") << "text:chars.txt"
                                            << "vocab=vocab_chars.json chars lower" << QList<qint64> {3, 4}
                                            << Floats {1, 2, 3, 1, 0, 5, 4, 6, 0, 0, 0, 4} << Flags {} << text;
}

void TestSequenceReaders::readsValues()
{
    QFETCH(QString, spec);
    QFETCH(QString, options);
    QFETCH(QList<qint64>, shape);
    QFETCH(Floats, values);
    QFETCH(Flags, mask);
    QFETCH(int, format);
    SequenceData data;
    try {
        data = readSequences(specFor(spec), optionsFrom(options));
    } catch (const FileError& e) {
        QFAIL(e.what());
    }
    QCOMPARE(QList<qint64>(data.values.shape().begin(), data.values.shape().end()), shape);
    QVERIFY2(data.values.values() == values, qPrintable(describe(data.values.values())));
    QCOMPARE(static_cast<int>(data.format), format);
    QVERIFY(!data.description.empty());
    if (mask.empty()) {
        QVERIFY2(!data.mask.has_value(), "a mask without padding");
    } else {
        QVERIFY(data.mask.has_value());
        QCOMPARE(data.mask->batch(), shape[0]);
        QCOMPARE(data.mask->steps(), shape[1]);
        QCOMPARE(data.mask->values(), mask);
    }
}

void TestSequenceReaders::errorsNameFileAndPlace_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("options");
    QTest::addColumn<QString>("file"); // the file the error must name (fixture name)
    QTest::addColumn<QString>("problem"); // what it must say

    QTest::newRow("ragged CSV without --pad") << "ragged"
                                              << ""
                                              << "ragged/b.csv"
                                              << "1 timestep, but " + fixture("ragged/a.csv") + " has 3";
    QTest::newRow("row of the wrong length") << "bad_ragged_row.csv"
                                             << ""
                                             << "bad_ragged_row.csv"
                                             << "line 4: 3 values, expected 4 (columns a,b,c,d)";
    QTest::newRow("non-numeric cell") << "bad_non_numeric.csv"
                                      << ""
                                      << "bad_non_numeric.csv"
                                      << "line 3, column 2 ('b'): 'abc' is not a number";
    QTest::newRow("missing value in the first row") << "bad_missing_value.csv"
                                                    << ""
                                                    << "bad_missing_value.csv"
                                                    << "line 1, column 2: empty cell, expected a number";
    QTest::newRow("decimal comma") << "bad_decimal_comma.csv"
                                   << ""
                                   << "bad_decimal_comma.csv"
                                   << "line 2, column 1: '1,5' is not a number (decimal commas";
    QTest::newRow("unclosed quote") << "bad_quote.csv"
                                    << ""
                                    << "bad_quote.csv"
                                    << "line 2: a quoted cell is not closed";
    QTest::newRow("empty CSV") << "empty.csv"
                               << ""
                               << "empty.csv"
                               << "empty file";
    QTest::newRow("header only") << "header_only.csv"
                                 << ""
                                 << "header_only.csv"
                                 << "has a header (line 1) but no data";
    QTest::newRow("comments only") << "comments_only.csv"
                                   << ""
                                   << "comments_only.csv"
                                   << "no data rows";
    QTest::newRow("missing step in a long table")
        << "long_missing.csv"
        << ""
        << "long_missing.csv"
        << "sample 'b' has no row for step 1 (steps run from 0 to 2 in this table; give --pad";
    QTest::newRow("duplicate step in a long table") << "long_duplicate.csv"
                                                    << ""
                                                    << "long_duplicate.csv"
                                                    << "line 5: sample 'a' step 1 was already given on line 3";
    QTest::newRow("fractional step") << "bad_step.csv"
                                     << ""
                                     << "bad_step.csv"
                                     << "line 3, column 2 ('step'): step '1.5' is not a whole number";
    QTest::newRow("sample column without step column") << "bad_sample_no_step.csv"
                                                       << ""
                                                       << "bad_sample_no_step.csv"
                                                       << "line 1: a long table needs a step column";
    QTest::newRow("missing CSV") << "nothing.csv"
                                 << ""
                                 << "nothing.csv"
                                 << "no such file";
    QTest::newRow("wildcard without matches") << "batch/z*.csv"
                                              << ""
                                              << "batch/z*.csv"
                                              << "no file matches";

    QTest::newRow("HDF5 dataset that does not exist") << "sequences.h5:/group/nope"
                                                      << ""
                                                      << "sequences.h5"
                                                      << "no dataset /group/nope (datasets: /big, ";
    QTest::newRow("HDF5 group, not dataset") << "sequences.h5:/empty_group"
                                             << ""
                                             << "sequences.h5"
                                             << "/empty_group is a group, not a dataset";
    QTest::newRow("HDF5 rank 1") << "sequences.h5:/rank1"
                                 << ""
                                 << "sequences.h5"
                                 << "/rank1: dataset of shape (5,) has rank 1";
    QTest::newRow("HDF5 strings") << "sequences.h5:/names"
                                  << ""
                                  << "sequences.h5"
                                  << "/names: dataset is string, not numeric";
    QTest::newRow("HDF5 integer beyond 2^24") << "sequences.h5:/big"
                                              << ""
                                              << "sequences.h5"
                                              << "/big: int64 value 16777217 at index (0, 1) is beyond +-2^24";
    QTest::newRow("HDF5 float64 beyond float32") << "sequences.h5:/huge"
                                                 << ""
                                                 << "sequences.h5"
                                                 << "/huge: value ";
    QTest::newRow("HDF5 file without a dataset") << "sequences.h5"
                                                 << ""
                                                 << "sequences.h5"
                                                 << "is an HDF5 file: name the dataset to read, as ";
    QTest::newRow("HDF5 without a dataset after ':'") << "sequences.h5:"
                                                      << ""
                                                      << "sequences.h5"
                                                      << "name a dataset after the ':'";

    QTest::newRow("unknown word") << "text:words_oov.txt"
                                  << "vocab=vocab_words.json"
                                  << "words_oov.txt"
                                  << "line 1, token 2: 'bird' is not in the vocabulary";
    QTest::newRow("unknown word without --lower") << "text:words.txt"
                                                  << "vocab=vocab_words.json"
                                                  << "words.txt"
                                                  << "line 2, token 1: 'The' is not in";
    QTest::newRow("unknown character") << "text:chars.txt"
                                       << "vocab=vocab_chars.json chars"
                                       << "chars.txt"
                                       << "line 3, token 1: '\xc3\x89' is not in";
    QTest::newRow("invalid UTF-8") << "text:chars_bad_utf8.txt"
                                   << "vocab=vocab_chars.json chars"
                                   << "chars_bad_utf8.txt"
                                   << "line 1: invalid UTF-8 at byte 2";
    QTest::newRow("empty text") << "text:empty.txt"
                                << "vocab=vocab_words.json"
                                << "empty.txt"
                                << "empty file";
    QTest::newRow("text without a vocabulary") << "text:words.txt"
                                               << ""
                                               << "words.txt"
                                               << "text input needs a vocabulary: give --vocab";
    QTest::newRow("vocabulary not an object") << "text:words.txt"
                                              << "vocab=vocab_list.json"
                                              << "vocab_list.json"
                                              << "expected a JSON object mapping tokens to ids";
    QTest::newRow("negative id") << "text:words.txt"
                                 << "vocab=vocab_negative.json"
                                 << "vocab_negative.json"
                                 << "token 'a': id -1 is outside 0..2^24";
    QTest::newRow("broken JSON") << "text:words.txt"
                                 << "vocab=vocab_broken.json"
                                 << "vocab_broken.json"
                                 << "not valid JSON: parse error at line 2";
}

void TestSequenceReaders::errorsNameFileAndPlace()
{
    QFETCH(QString, spec);
    QFETCH(QString, options);
    QFETCH(QString, file);
    QFETCH(QString, problem);
    try {
        const SequenceData data = readSequences(specFor(spec), optionsFrom(options));
        QFAIL(qPrintable("no error; read " + QString::fromStdString(shapeToString(data.values.shape()))));
    } catch (const FileError& e) {
        QCOMPARE(QString::fromStdString(e.file()), fixture(file));
        QVERIFY2(QString::fromStdString(e.problem()).startsWith(problem), e.what());
        QVERIFY2(!QString::fromStdString(e.what()).contains(QLatin1Char('\n')), e.what());
    }
}

void TestSequenceReaders::specSyntax_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("dataset");
    using K = SequenceSpec::Kind;
    const QString h5 = fixture(QStringLiteral("sequences.h5"));
    QTest::newRow("text:") << "text:words.txt" << int(K::Text) << "words.txt"
                           << "";
    QTest::newRow("file") << fixture(QStringLiteral("plain.csv")) << int(K::File)
                          << fixture(QStringLiteral("plain.csv")) << "";
    QTest::newRow("directory") << fixture(QStringLiteral("batch")) << int(K::Directory)
                               << fixture(QStringLiteral("batch")) << "";
    QTest::newRow("HDF5 absolute") << h5 + ":/group/sub/x" << int(K::Hdf5Dataset) << h5 << "/group/sub/x";
    QTest::newRow("HDF5 relative") << h5 + ":group/x" << int(K::Hdf5Dataset) << h5 << "group/x";
    QTest::newRow("HDF5 ':' in dataset") << h5 + ":/lstm/kernel:0" << int(K::Hdf5Dataset) << h5 << "/lstm/kernel:0";
    QTest::newRow("HDF5 missing dataset part") << h5 + ":" << int(K::Hdf5Dataset) << h5 << "";
    QTest::newRow("glob") << fixture(QStringLiteral("batch/*.csv")) << int(K::Glob)
                          << fixture(QStringLiteral("batch/*.csv")) << "";
    QTest::newRow("missing") << "no/such.csv" << int(K::Missing) << "no/such.csv"
                             << "";
    QTest::newRow("missing HDF5 file") << "no_such.h5:/x" << int(K::Missing) << "no_such.h5:/x"
                                       << "";
}

void TestSequenceReaders::specSyntax()
{
    QFETCH(QString, spec);
    QFETCH(int, kind);
    QFETCH(QString, path);
    QFETCH(QString, dataset);
    const SequenceSpec s = parseSequenceSpec(spec.toStdString());
    QCOMPARE(static_cast<int>(s.kind), kind);
    QCOMPARE(QString::fromStdString(s.path), path);
    QCOMPARE(QString::fromStdString(s.dataset), dataset);
}

void TestSequenceReaders::wildcardsAndNameOrder()
{
    // Paths with ':' in a directory name, and file names that sort differently as text and as numbers.
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("a:b"));
    QVERIFY(QDir().mkpath(dir));
    for (int n : {1, 2, 10, 11}) {
        std::ofstream(QDir(dir).filePath(QStringLiteral("x%1.csv").arg(n)).toStdString()) << n << "\n";
    }
    std::ofstream(QDir(dir).filePath(QStringLiteral("y.csv")).toStdString()) << "100\n";
    std::ofstream(QDir(dir).filePath(QStringLiteral(".x0.csv")).toStdString()) << "0\n";
    auto read = [&](const QString& pattern) {
        return readSequences(QDir(dir).filePath(pattern).toStdString()).values.values();
    };
    QCOMPARE(read(QStringLiteral("x*.csv")), (Floats {1, 2, 10, 11}));
    QCOMPARE(read(QStringLiteral("x?.csv")), (Floats {1, 2}));
    QCOMPARE(read(QStringLiteral("x1[01].csv")), (Floats {10, 11}));
    QCOMPARE(read(QStringLiteral("x[!1]*.csv")), (Floats {2}));
    QCOMPARE(read(QStringLiteral("*")), (Floats {1, 2, 10, 11, 100}));
    QCOMPARE(readSequences(dir.toStdString()).values.values(), (Floats {1, 2, 10, 11, 100}));

    // An HDF5 file inside the directory with ':' in its name: the spec splits after the file.
    const std::string h5 = QDir(dir).filePath(QStringLiteral("s.h5")).toStdString();
    QFile::copy(fixture(QStringLiteral("sequences.h5")), QString::fromStdString(h5));
    const SequenceData d = readSequences(h5 + ":/lstm/kernel:0");
    QCOMPARE(d.values.values(), (Floats {1.5F, -2.0F, 0.25F, 8.0F}));
}

void TestSequenceReaders::contentDecidesFormat()
{
    QTemporaryDir tmp;
    // A .npy under another name is still .npy; a CSV named .dat is CSV.
    const std::string npyAsDat = tmp.filePath(QStringLiteral("x.dat")).toStdString();
    writeNpy(npyAsDat, Tensor({2, 1, 1}, Floats {3, 4}));
    const SequenceData n = readSequences(npyAsDat);
    QCOMPARE(static_cast<int>(n.format), static_cast<int>(SequenceFormat::Npy));
    QCOMPARE(n.values.values(), (Floats {3, 4}));
    const std::string csvAsDat = tmp.filePath(QStringLiteral("y.dat")).toStdString();
    std::ofstream(csvAsDat) << "1,2\n";
    QCOMPARE(static_cast<int>(readSequences(csvAsDat).format), static_cast<int>(SequenceFormat::CsvFiles));
    // Binary content that is neither .npy nor HDF5 is not read as CSV.
    const std::string binary = tmp.filePath(QStringLiteral("z.bin")).toStdString();
    std::ofstream(binary, std::ios::binary) << std::string("1,2\n\0\x01\x02", 7);
    try {
        readSequences(binary);
        QFAIL("binary data read as CSV");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), binary);
        QVERIFY2(e.problem().starts_with("line 2: binary data"), e.what());
    }
    // A text file named .npy gets the .npy reader's message.
    const std::string textAsNpy = tmp.filePath(QStringLiteral("w.npy")).toStdString();
    std::ofstream(textAsNpy) << "1,2\n";
    try {
        readSequences(textAsNpy);
        QFAIL("text read as .npy");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), textAsNpy);
    }
}

void TestSequenceReaders::absurdSizesAreRefused()
{
    // Steps 0 and 10^12 with padding on would be a tensor of 10^12 values: refused before allocating.
    QTemporaryDir tmp;
    const std::string table = tmp.filePath(QStringLiteral("t.csv")).toStdString();
    std::ofstream(table) << "sample,step,v\na,0,1\na,1000000000000,2\n";
    SequenceOptions pad;
    pad.pad = true;
    try {
        readSequences(table, pad);
        QFAIL("no error");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), table);
        QVERIFY2(e.problem().find("more than 268435456 values") != std::string::npos, e.what());
    }
    // Without padding the gap is a missing step.
    try {
        readSequences(table);
        QFAIL("no error");
    } catch (const FileError& e) {
        QVERIFY2(
            e.problem().starts_with("sample 'a' has no row for step 1 (steps run from 0 to 1000000000000"), e.what());
    }
}

QTEST_GUILESS_MAIN(TestSequenceReaders)
#include "tst_sequence_readers.moc"
