// .npy reading, conversion and writing, against files numpy itself wrote (tests/data/npy/make_fixtures.py).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include "core/io/atomic_file.h"
#include "core/io/file_error.h"
#include "core/io/npy.h"

using namespace rnnscope;
using namespace rnnscope::io;

namespace {

QString fixture(const QString& name)
{
    return QStringLiteral(RNNSCOPE_TEST_DATA "/npy/") + name;
}

std::string fixturePath(const QString& name)
{
    return fixture(name).toStdString();
}

QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return f.readAll();
}

QList<qint64> toList(const Shape& shape)
{
    return QList<qint64>(shape.begin(), shape.end());
}

// Every name in `dir` except those given.
QStringList entriesExcept(const QString& dir, const QStringList& expected)
{
    QStringList entries = QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
    for (const QString& e : expected) {
        entries.removeAll(e);
    }
    return entries;
}

} // namespace

class TestNpy : public QObject
{
    Q_OBJECT

private slots:
    void readValues_data();
    void readValues();
    void rawIntegers_data();
    void rawIntegers();
    void decodeFromMemory();
    void everyTruncationFailsCleanly_data();
    void everyTruncationFailsCleanly();
    void corruptedHeaderBytesFailCleanly();
    void readErrors_data();
    void readErrors();
    void tensorErrors_data();
    void tensorErrors();
    void masks_data();
    void masks();
    void maskErrors_data();
    void maskErrors();
    void writerMatchesNumpy_data();
    void writerMatchesNumpy();
    void typedWritersMatchNumpy();
    void rowWriterMatchesNumpy_data();
    void rowWriterMatchesNumpy();
    void roundTrip_data();
    void roundTrip();
    void headerLayout_data();
    void headerLayout();
    void writeErrors();
    void atomicFileRemovesTempWhenNotCommitted();
    void atomicFileReplacesExisting();
    void atomicFileLeavesNoTempOnFailedRename();
};

// ---------------------------------------------------------------------------------------------------

void TestNpy::readValues_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("dtype");
    QTest::addColumn<QList<qint64>>("shape");
    QTest::addColumn<QList<double>>("values"); // all exact in float32

    const QList<double> f4 {0.0, 1.5, -2.25, 1024.0, -0.125, static_cast<double>(3.0e-8F)};
    QList<double> f4_3d;
    for (int i = 0; i < 24; ++i) {
        f4_3d.append(i * 0.5);
    }
    QTest::newRow("float32") << "f4_2x3.npy"
                             << "float32" << QList<qint64> {2, 3} << f4;
    QTest::newRow("float64") << "f8_3.npy"
                             << "float64" << QList<qint64> {3} << QList<double> {0.5, -1.75, 65504.0};
    QTest::newRow("float16") << "f2_4.npy"
                             << "float16" << QList<qint64> {4}
                             << QList<double> {0.5, -2.0, 65504.0, 5.960464477539063e-08};
    QTest::newRow("int8") << "i1_3.npy"
                          << "int8" << QList<qint64> {3} << QList<double> {-128, 0, 127};
    QTest::newRow("uint8") << "u1_2x3.npy"
                           << "uint8" << QList<qint64> {2, 3} << QList<double> {0, 1, 255, 7, 128, 2};
    QTest::newRow("int16") << "i2_3.npy"
                           << "int16" << QList<qint64> {3} << QList<double> {-32768, 5, 32767};
    QTest::newRow("uint16") << "u2_3.npy"
                            << "uint16" << QList<qint64> {3} << QList<double> {0, 5, 65535};
    QTest::newRow("int32 at +-2^24") << "i4_2x2.npy"
                                     << "int32" << QList<qint64> {2, 2} << QList<double> {-7, 0, 16777216, -16777216};
    QTest::newRow("uint32") << "u4_2.npy"
                            << "uint32" << QList<qint64> {2} << QList<double> {0, 16777216};
    QTest::newRow("int64") << "i8_4.npy"
                           << "int64" << QList<qint64> {4} << QList<double> {-3, 0, 3, 16777215};
    QTest::newRow("uint64") << "u8_2.npy"
                            << "uint64" << QList<qint64> {2} << QList<double> {0, 9};
    QTest::newRow("bool") << "b1_2x3.npy"
                          << "bool" << QList<qint64> {2, 3} << QList<double> {1, 0, 1, 0, 0, 1};
    QTest::newRow("0-d scalar") << "scalar_f8.npy"
                                << "float64" << QList<qint64> {} << QList<double> {2.5};
    QTest::newRow("empty (0, 3)") << "empty_0x3.npy"
                                  << "float32" << QList<qint64> {0, 3} << QList<double> {};
    QTest::newRow("big-endian float32") << "f4_be_2x3.npy"
                                        << "float32" << QList<qint64> {2, 3} << f4;
    QTest::newRow("big-endian float64") << "f8_be_3.npy"
                                        << "float64" << QList<qint64> {3} << QList<double> {0.5, -1.75, 65504.0};
    QTest::newRow("big-endian int64") << "i8_be_4.npy"
                                      << "int64" << QList<qint64> {4} << QList<double> {-3, 0, 3, 16777215};
    QTest::newRow("big-endian int16") << "i2_be_3.npy"
                                      << "int16" << QList<qint64> {3} << QList<double> {-32768, 5, 32767};
    QTest::newRow("fortran order rank 3") << "f4_fortran_2x3x4.npy"
                                          << "float32" << QList<qint64> {2, 3, 4} << f4_3d;
    QTest::newRow("fortran order big-endian float64") << "f8_be_fortran_2x3.npy"
                                                      << "float64" << QList<qint64> {2, 3} << f4;
    QTest::newRow("format 2.0") << "f4_v2_2x3.npy"
                                << "float32" << QList<qint64> {2, 3} << f4;
    QTest::newRow("format 3.0") << "f4_v3_2x3.npy"
                                << "float32" << QList<qint64> {2, 3} << f4;
    QTest::newRow("header keys reordered, odd spacing") << "header_reordered.npy"
                                                        << "float32" << QList<qint64> {2, 3} << f4;
    QTest::newRow("header with Python 2 longs") << "header_py2_long.npy"
                                                << "float32" << QList<qint64> {2, 3} << f4;
    QTest::newRow("header without padding") << "header_unpadded.npy"
                                            << "float32" << QList<qint64> {2, 3} << f4;
    QTest::newRow("bytes after the data are ignored") << "trailing_bytes.npy"
                                                      << "float32" << QList<qint64> {2, 3} << f4;
}

void TestNpy::readValues()
{
    QFETCH(QString, file);
    QFETCH(QString, dtype);
    QFETCH(QList<qint64>, shape);
    QFETCH(QList<double>, values);

    const NpyArray array = readNpy(fixturePath(file));
    QCOMPARE(QString::fromStdString(array.dtypeName()), dtype);
    QCOMPARE(toList(array.shape), shape);
    QCOMPARE(array.size(), values.size());
    QCOMPARE(array.bytes.size(), static_cast<std::size_t>(values.size()) * npyItemSize(array.dtype));

    const Tensor t = toTensor(array, fixturePath(file));
    QCOMPARE(toList(t.shape()), shape);
    QCOMPARE(t.size(), values.size());
    for (qsizetype i = 0; i < values.size(); ++i) {
        // Exact: every expected value is representable in float32.
        QCOMPARE(t.values()[static_cast<std::size_t>(i)], static_cast<float>(values[i]));
    }
}

void TestNpy::rawIntegers_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QList<qint64>>("values");
    QTest::newRow("int64 little-endian") << "i8_4.npy" << QList<qint64> {-3, 0, 3, 16777215};
    QTest::newRow("int64 big-endian swapped") << "i8_be_4.npy" << QList<qint64> {-3, 0, 3, 16777215};
    QTest::newRow("int64 beyond 2^24 kept raw") << "i8_beyond_2p24.npy" << QList<qint64> {1, 16777217};
    QTest::newRow("int64 extremes") << "numpy_i8_2.npy" << QList<qint64> {-(qint64(1) << 62), qint64(1) << 62};
}

void TestNpy::rawIntegers()
{
    // The raw bytes are native-order int64 after loading, whatever the file's byte order.
    QFETCH(QString, file);
    QFETCH(QList<qint64>, values);
    const NpyArray array = readNpy(fixturePath(file));
    QVERIFY(array.isInteger());
    QCOMPARE(array.dtype, NpyDType::Int64);
    QCOMPARE(array.size(), values.size());
    for (qsizetype i = 0; i < values.size(); ++i) {
        std::int64_t v = 0;
        std::memcpy(&v, array.bytes.data() + i * 8, 8);
        QCOMPARE(static_cast<qint64>(v), values[i]);
    }
}

void TestNpy::decodeFromMemory()
{
    const QByteArray bytes = fileBytes(fixture("f4_be_2x3.npy"));
    QVERIFY(!bytes.isEmpty());
    const NpyArray fromMemory = decodeNpy(reinterpret_cast<const unsigned char*>(bytes.constData()),
        static_cast<std::size_t>(bytes.size()), "member.npy");
    const NpyArray fromFile = readNpy(fixturePath("f4_2x3.npy"));
    QCOMPARE(fromMemory.shape, fromFile.shape);
    QVERIFY(fromMemory.bytes == fromFile.bytes);

    try {
        decodeNpy(reinterpret_cast<const unsigned char*>(bytes.constData()), 100, "member.npy");
        QFAIL("truncated in-memory array was accepted");
    } catch (const FileError& e) {
        QCOMPARE(QString::fromStdString(e.file()), QStringLiteral("member.npy"));
        QVERIFY2(QString::fromStdString(e.problem()).startsWith("truncated"), e.what());
    }
}

void TestNpy::everyTruncationFailsCleanly_data()
{
    QTest::addColumn<QString>("file");
    for (const char* name : {"f4_2x3.npy", "f4_v2_2x3.npy", "f4_v3_2x3.npy", "f8_be_fortran_2x3.npy", "scalar_f8.npy",
             "header_reordered.npy"}) {
        QTest::newRow(name) << QString::fromLatin1(name);
    }
}

void TestNpy::everyTruncationFailsCleanly()
{
    // Every proper prefix of a valid file is refused with a FileError (never a crash or a short array).
    QFETCH(QString, file);
    const QByteArray bytes = fileBytes(fixture(file));
    QVERIFY(!bytes.isEmpty());
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.constData());
    for (qsizetype length = 0; length < bytes.size(); ++length) {
        try {
            decodeNpy(data, static_cast<std::size_t>(length), "cut.npy");
            QFAIL(qPrintable(QStringLiteral("a %1-byte prefix was accepted").arg(length)));
        } catch (const FileError& e) {
            QCOMPARE(e.file(), std::string("cut.npy"));
        }
    }
    QCOMPARE(decodeNpy(data, static_cast<std::size_t>(bytes.size()), "whole.npy").bytes.size(),
        readNpy(fixturePath(file)).bytes.size());
}

void TestNpy::corruptedHeaderBytesFailCleanly()
{
    // Every single-byte corruption of the preamble and header either still parses or gives a FileError.
    const QByteArray original = fileBytes(fixture("f4_2x3.npy"));
    QVERIFY(original.size() > 128);
    int refused = 0;
    for (int position = 0; position < 128; ++position) {
        for (const unsigned char value : {0x00, 0x0a, 0x20, 0x27, 0x28, 0x29, 0x2c, 0x39, 0x7b, 0x7d, 0xff}) {
            QByteArray bytes = original;
            bytes[position] = static_cast<char>(value);
            try {
                const NpyArray a = decodeNpy(reinterpret_cast<const unsigned char*>(bytes.constData()),
                    static_cast<std::size_t>(bytes.size()), "corrupt.npy");
                QVERIFY(a.bytes.size() <= static_cast<std::size_t>(bytes.size()));
            } catch (const FileError& e) {
                QVERIFY(!QString::fromStdString(e.problem()).contains('\n'));
                ++refused;
            }
        }
    }
    QVERIFY(refused > 100);
}

// ---------------------------------------------------------------------------------------------------

void TestNpy::readErrors_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("problem"); // a substring of FileError::problem()

    QTest::newRow("missing file") << "does_not_exist.npy"
                                  << "no such file";
    QTest::newRow("directory") << "."
                               << "is a directory";
    QTest::newRow("empty file") << "bad_empty.npy"
                                << "empty file";
    QTest::newRow("zip magic") << "bad_magic.npy"
                               << "not a .npy file: bad magic \"PK\\x03\\x04 t\"";
    QTest::newRow("text file") << "bad_text.npy"
                               << "not a .npy file: bad magic";
    QTest::newRow("file shorter than the magic") << "bad_short_magic.npy"
                                                 << "truncated";
    QTest::newRow("unknown version") << "bad_version.npy"
                                     << "unsupported .npy format version 4.0";
    QTest::newRow("truncated data") << "bad_truncated.npy"
                                    << "truncated: header says 4000 bytes of data (shape (1000,), float32), file "
                                       "has 120";
    QTest::newRow("truncated header") << "bad_truncated_header.npy"
                                      << "truncated: header length field says 118 bytes";
    QTest::newRow("header length beyond the file") << "bad_header_length.npy"
                                                   << "truncated: header length field says 4294967280 bytes";
    QTest::newRow("syntax error") << "bad_header_syntax.npy"
                                  << "malformed header: expected ',' or ')'";
    QTest::newRow("unterminated string") << "bad_header_unterminated.npy"
                                         << "malformed header:";
    QTest::newRow("no shape key") << "bad_header_no_shape.npy"
                                  << "malformed header: no 'shape' key";
    QTest::newRow("not a dict") << "bad_header_not_dict.npy"
                                << "malformed header: expected a dictionary";
    QTest::newRow("extra key") << "bad_header_extra_key.npy"
                               << "malformed header: unexpected key 'x'";
    QTest::newRow("shape not a tuple") << "bad_header_shape_int.npy"
                                       << "malformed header: 'shape' is not a tuple";
    QTest::newRow("negative dimension") << "bad_header_negative.npy"
                                        << "negative dimension -1";
    QTest::newRow("fortran_order not bool") << "bad_header_fortran_str.npy"
                                            << "'fortran_order' is not True or False";
    QTest::newRow("float dimension") << "bad_header_float_dim.npy"
                                     << "expected an integer, found a float";
    QTest::newRow("deep nesting") << "bad_header_deep.npy"
                                  << "nesting deeper than 32 levels";
    QTest::newRow("dimension beyond 64 bits") << "bad_header_huge_int.npy"
                                              << "does not fit in 64 bits";
    QTest::newRow("complex64") << "bad_complex64.npy"
                               << "unsupported dtype '<c8' (complex64)";
    QTest::newRow("complex128") << "bad_complex128.npy"
                                << "unsupported dtype '<c16' (complex128)";
    QTest::newRow("object") << "bad_object.npy"
                            << "unsupported dtype '|O' (object)";
    QTest::newRow("unicode") << "bad_unicode.npy"
                             << "unsupported dtype '<U2' (unicode strings)";
    QTest::newRow("structured") << "bad_structured.npy"
                                << "structured (record) arrays are not supported";
    QTest::newRow("datetime") << "bad_datetime.npy"
                              << "unsupported dtype '<M8[D]' (datetime64)";
    QTest::newRow("absurd shape (2^40, 2^40)")
        << "bad_absurd_shape.npy"
        << "declared shape (1099511627776, 1099511627776) of float32 is absurdly large";
    QTest::newRow("shape larger than the file") << "bad_huge_shape.npy"
                                                << "truncated: header says 4398046511104 bytes of data";
}

void TestNpy::readErrors()
{
    QFETCH(QString, file);
    QFETCH(QString, problem);
    const std::string path = fixturePath(file);
    try {
        readNpy(path);
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), path);
        const QString got = QString::fromStdString(e.problem());
        QVERIFY2(got.contains(problem), qPrintable("problem was: " + got));
        QVERIFY2(!got.contains('\n'), qPrintable("multi-line problem: " + got));
        QVERIFY(QString::fromUtf8(e.what()).startsWith(QString::fromStdString(path) + ": "));
    }
}

void TestNpy::tensorErrors_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("problem");
    QTest::newRow("int64 beyond 2^24") << "i8_beyond_2p24.npy"
                                       << "int64 value 16777217 at index (1,) is beyond +-2^24 and would not be exact "
                                          "as float32";
    QTest::newRow("float64 beyond float32") << "f8_out_of_range.npy"
                                            << "float64 value 1e+300 at index (1,) is out of float32 range";
}

void TestNpy::tensorErrors()
{
    QFETCH(QString, file);
    QFETCH(QString, problem);
    const NpyArray array = readNpy(fixturePath(file));
    try {
        toTensor(array, fixturePath(file));
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), fixturePath(file));
        QCOMPARE(QString::fromStdString(e.problem()), problem);
    }
}

void TestNpy::masks_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QList<int>>("expected");
    const QList<int> pattern {1, 1, 0, 0, 1, 0, 1, 0};
    QTest::newRow("bool") << "mask_b1_2x4.npy" << pattern;
    QTest::newRow("uint8") << "mask_u1_2x4.npy" << pattern;
    QTest::newRow("int32, any non-zero is true") << "mask_i4_2x4.npy" << pattern;
    QTest::newRow("float32 0/1") << "mask_f4_2x4.npy" << pattern;
}

void TestNpy::masks()
{
    QFETCH(QString, file);
    QFETCH(QList<int>, expected);
    const Mask mask = toMask(readNpy(fixturePath(file)), fixturePath(file));
    QCOMPARE(mask.batch(), 2);
    QCOMPARE(mask.steps(), 4);
    for (int b = 0; b < 2; ++b) {
        for (int t = 0; t < 4; ++t) {
            QCOMPARE(mask.at(b, t), expected[b * 4 + t] != 0);
        }
    }
}

void TestNpy::maskErrors_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("problem");
    QTest::newRow("rank 3") << "mask_rank3.npy"
                            << "a mask must have shape [batch, steps], got shape (2, 3, 4) (rank 3)";
    QTest::newRow("rank 1") << "mask_rank1.npy"
                            << "a mask must have shape [batch, steps], got shape (5,) (rank 1)";
    QTest::newRow("float 0.5") << "mask_f8_half.npy"
                               << "mask value 0.5 at index (0, 1) is neither 0 nor 1";
}

void TestNpy::maskErrors()
{
    QFETCH(QString, file);
    QFETCH(QString, problem);
    try {
        toMask(readNpy(fixturePath(file)), fixturePath(file));
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), fixturePath(file));
        QCOMPARE(QString::fromStdString(e.problem()), problem);
    }
}

// ---------------------------------------------------------------------------------------------------

void TestNpy::writerMatchesNumpy_data()
{
    QTest::addColumn<QString>("file");
    for (const char* name : {"numpy_f4_2x3.npy", "numpy_f4_5.npy", "numpy_f4_scalar.npy", "numpy_f4_0x3.npy",
             "numpy_f4_1000x2.npy", "numpy_f4_1x2x3x4x5x6.npy", "numpy_b1_2x3.npy", "numpy_u1_2x3.npy",
             "numpy_i4_2x3.npy", "numpy_f8_3.npy", "numpy_i8_2.npy"}) {
        QTest::newRow(name) << QString::fromLatin1(name);
    }
}

void TestNpy::writerMatchesNumpy()
{
    // Reading numpy's file and writing it back must reproduce numpy's bytes exactly, header padding included.
    QFETCH(QString, file);
    const QByteArray expected = fileBytes(fixture(file));
    QVERIFY(!expected.isEmpty());
    const NpyArray array = readNpy(fixturePath(file));

    const std::vector<unsigned char> encoded = encodeNpy(array.shape, array.dtype, array.bytes.data());
    QCOMPARE(
        QByteArray(reinterpret_cast<const char*>(encoded.data()), static_cast<qsizetype>(encoded.size())), expected);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString out = dir.filePath(file);
    writeNpy(out.toStdString(), array);
    QCOMPARE(fileBytes(out), expected);
    QCOMPARE(entriesExcept(dir.path(), {file}), QStringList {});
}

void TestNpy::typedWritersMatchNumpy()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    const Tensor f4({2, 3}, std::vector<float> {0.0F, 1.5F, -2.25F, 1024.0F, -0.125F, 3.0e-8F});
    writeNpy(dir.filePath("f4.npy").toStdString(), f4);
    QCOMPARE(fileBytes(dir.filePath("f4.npy")), fileBytes(fixture("numpy_f4_2x3.npy")));

    const Tensor scalar(Shape {}, std::vector<float> {-4.5F});
    writeNpy(dir.filePath("scalar.npy").toStdString(), scalar);
    QCOMPARE(fileBytes(dir.filePath("scalar.npy")), fileBytes(fixture("numpy_f4_scalar.npy")));

    // Non-zero bytes become True, as numpy's bool conversion does.
    const std::uint8_t boolValues[] = {7, 0, 1, 0, 0, 255};
    writeNpy(dir.filePath("b1.npy").toStdString(), Shape {2, 3}, boolValues, true);
    QCOMPARE(fileBytes(dir.filePath("b1.npy")), fileBytes(fixture("numpy_b1_2x3.npy")));

    const std::uint8_t u1Values[] = {0, 1, 255, 7, 128, 2};
    writeNpy(dir.filePath("u1.npy").toStdString(), Shape {2, 3}, u1Values, false);
    QCOMPARE(fileBytes(dir.filePath("u1.npy")), fileBytes(fixture("numpy_u1_2x3.npy")));

    const std::int32_t i4Values[]
        = {-7, 0, 1, std::numeric_limits<std::int32_t>::max(), std::numeric_limits<std::int32_t>::min(), 5};
    writeNpyInt32(dir.filePath("i4.npy").toStdString(), Shape {2, 3}, i4Values);
    QCOMPARE(fileBytes(dir.filePath("i4.npy")), fileBytes(fixture("numpy_i4_2x3.npy")));

    QCOMPARE(entriesExcept(dir.path(), {"f4.npy", "scalar.npy", "b1.npy", "u1.npy", "i4.npy"}), QStringList {});
}

// The writer that takes an array a block of rows at a time (the trace's series) writes numpy's bytes for any block
// size, the rows asked for in order and each once.
void TestNpy::rowWriterMatchesNumpy_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("rowLength");
    QTest::addColumn<qint64>("rowsPerBlock");
    QTest::newRow("2x3, a row a block") << "numpy_f4_2x3.npy" << qint64 {3} << qint64 {1};
    QTest::newRow("2x3, single floats") << "numpy_f4_2x3.npy" << qint64 {1} << qint64 {4};
    QTest::newRow("1000x2, 7 rows a block") << "numpy_f4_1000x2.npy" << qint64 {2} << qint64 {7};
    QTest::newRow("1000x2, one block") << "numpy_f4_1000x2.npy" << qint64 {2} << qint64 {5000};
    QTest::newRow("rank 6, rows of 30") << "numpy_f4_1x2x3x4x5x6.npy" << qint64 {30} << qint64 {5};
    QTest::newRow("0x3, no rows") << "numpy_f4_0x3.npy" << qint64 {3} << qint64 {2};
}

void TestNpy::rowWriterMatchesNumpy()
{
    QFETCH(QString, file);
    QFETCH(qint64, rowLength);
    QFETCH(qint64, rowsPerBlock);
    const NpyArray array = readNpy(fixturePath(file));
    const Tensor values = toTensor(array, file.toStdString());
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString out = dir.filePath(file);
    Index next = 0;
    writeNpyFloat32Rows(
        out.toStdString(), values.shape(), rowLength, rowsPerBlock, [&](float* block, Index first, Index count) {
            QVERIFY(first == next && count >= 1 && count <= rowsPerBlock);
            std::copy(values.data() + first * rowLength, values.data() + (first + count) * rowLength, block);
            next = first + count;
        });
    QCOMPARE(next, values.size() / rowLength);
    QCOMPARE(fileBytes(out), fileBytes(fixture(file)));
    QCOMPARE(entriesExcept(dir.path(), {file}), QStringList {});

    // Rows that do not divide the array are refused, naming the file, and nothing is written. (An empty array has
    // no rows of any length: it is written.)
    const QString bad = dir.filePath("bad.npy");
    QString error;
    try {
        writeNpyFloat32Rows(bad.toStdString(), values.shape(), values.size() + 1, 1, [](float*, Index, Index) {});
    } catch (const FileError& e) {
        error = QString::fromUtf8(e.what());
    }
    if (values.size() > 0) {
        QVERIFY2(error.contains(QStringLiteral("bad.npy")) && error.contains(QStringLiteral("do not divide")),
            qPrintable(error));
        QVERIFY(!QFileInfo::exists(bad));
    } else {
        QCOMPARE(error, QString());
        QCOMPARE(fileBytes(bad), fileBytes(fixture(file)));
    }
}

void TestNpy::roundTrip_data()
{
    QTest::addColumn<QList<qint64>>("shape");
    QTest::newRow("scalar") << QList<qint64> {};
    QTest::newRow("vector") << QList<qint64> {7};
    QTest::newRow("matrix") << QList<qint64> {3, 5};
    QTest::newRow("sequence batch") << QList<qint64> {2, 10, 8};
    QTest::newRow("empty") << QList<qint64> {4, 0, 3};
    QTest::newRow("rank 5") << QList<qint64> {1, 2, 3, 2, 1};
}

void TestNpy::roundTrip()
{
    QFETCH(QList<qint64>, shape);
    const Shape s(shape.begin(), shape.end());
    Tensor t(s);
    for (Index i = 0; i < t.size(); ++i) {
        // Awkward values: negative zero, subnormal, infinities, large and tiny magnitudes.
        static const float specials[] = {-0.0F, 1e-40F, std::numeric_limits<float>::infinity(),
            -std::numeric_limits<float>::infinity(), 3.4e38F, 1.17549435e-38F};
        t.data()[i] = i < 6 ? specials[i] : static_cast<float>(i) * 0.37F - 11.0F;
    }
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("t.npy").toStdString();
    writeNpy(path, t);
    const NpyArray back = readNpy(path);
    QCOMPARE(back.dtype, NpyDType::Float32);
    const Tensor u = toTensor(back, path);
    QCOMPARE(u.shape(), t.shape());
    // Bitwise, so -0.0 and the infinities are checked exactly.
    QVERIFY(t.empty() || std::memcmp(u.data(), t.data(), static_cast<std::size_t>(t.size()) * sizeof(float)) == 0);
}

void TestNpy::headerLayout_data()
{
    QTest::addColumn<QList<qint64>>("shape");
    QTest::newRow("()") << QList<qint64> {};
    QTest::newRow("(1,)") << QList<qint64> {1};
    QTest::newRow("(2, 3)") << QList<qint64> {2, 3};
    QTest::newRow("32 dims") << QList<qint64>(32, 1);
    QTest::newRow("big dims") << QList<qint64> {0, 123456789012, 987654321098};
}

void TestNpy::headerLayout()
{
    // Version 1.0, data starting at a multiple of 64, header ending in '\n', and readable back.
    QFETCH(QList<qint64>, shape);
    const Shape s(shape.begin(), shape.end());
    const std::vector<float> values(static_cast<std::size_t>(shapeVolume(s)), 1.0F);
    const std::vector<unsigned char> bytes = encodeNpy(s, NpyDType::Float32, values.data());
    QCOMPARE(int(bytes[6]), 1);
    QCOMPARE(int(bytes[7]), 0);
    const std::size_t headerLength = bytes[8] | (static_cast<std::size_t>(bytes[9]) << 8);
    const std::size_t dataOffset = 10 + headerLength;
    QCOMPARE(dataOffset % 64, std::size_t {0});
    QCOMPARE(char(bytes[dataOffset - 1]), '\n');
    const NpyArray back = decodeNpy(bytes.data(), bytes.size(), "memory");
    QCOMPARE(back.shape, s);
}

void TestNpy::writeErrors()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string missingDir = dir.filePath("no/such/dir/out.npy").toStdString();
    try {
        writeNpy(missingDir, Tensor({2}, 1.0F));
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), missingDir);
        QVERIFY2(QString::fromStdString(e.problem()).contains("cannot create temporary file"), e.what());
    }
    const std::uint8_t one = 1;
    const std::string negative = dir.filePath("negative.npy").toStdString();
    try {
        writeNpy(negative, Shape {-1, 2}, &one, true);
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), negative);
        QVERIFY2(QString::fromStdString(e.problem()).contains("unknown dimension"), e.what());
    }
    QCOMPARE(entriesExcept(dir.path(), {}), QStringList {});
}

void TestNpy::atomicFileRemovesTempWhenNotCommitted()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string finalPath = dir.filePath("out.bin").toStdString();
    std::string temp;
    {
        AtomicFile file(finalPath);
        temp = file.tempPath();
        QCOMPARE(QFileInfo(QString::fromStdString(temp)).absolutePath(), QFileInfo(dir.path()).absoluteFilePath());
        QVERIFY(QString::fromStdString(temp).startsWith(QString::fromStdString(finalPath) + ".tmp-"));
        std::ofstream(temp) << "half-written";
        QVERIFY(QFile::exists(QString::fromStdString(temp)));
        // An exception between writing and commit() would unwind through here.
    }
    QVERIFY(!QFile::exists(QString::fromStdString(temp)));
    QVERIFY(!QFile::exists(QString::fromStdString(finalPath)));

    // Two objects for the same final path never share a temporary file.
    AtomicFile a(finalPath);
    AtomicFile b(finalPath);
    QVERIFY(a.tempPath() != b.tempPath());
}

void TestNpy::atomicFileReplacesExisting()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString finalPath = dir.filePath("out.npy");
    std::ofstream(finalPath.toStdString()) << "old content";
    writeNpy(
        finalPath.toStdString(), Tensor({2, 3}, std::vector<float> {0.0F, 1.5F, -2.25F, 1024.0F, -0.125F, 3.0e-8F}));
    QCOMPARE(fileBytes(finalPath), fileBytes(fixture("numpy_f4_2x3.npy")));
    QCOMPARE(entriesExcept(dir.path(), {"out.npy"}), QStringList {});
}

void TestNpy::atomicFileLeavesNoTempOnFailedRename()
{
    // The final name is an existing non-empty directory: the temp file is written, the rename fails, and
    // the temp file must be gone afterwards.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkpath("out.npy/inside"));
    const std::string finalPath = dir.filePath("out.npy").toStdString();
    try {
        writeNpy(finalPath, Tensor({3}, 2.0F));
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(e.file(), finalPath);
        QVERIFY2(QString::fromStdString(e.problem()).contains("cannot move finished temporary file"), e.what());
        QVERIFY(!QString::fromStdString(e.problem()).contains('\n'));
    }
    QCOMPARE(entriesExcept(dir.path(), {"out.npy"}), QStringList {});
    QVERIFY(QFileInfo(QString::fromStdString(finalPath)).isDir());
}

QTEST_GUILESS_MAIN(TestNpy)
#include "tst_npy.moc"
