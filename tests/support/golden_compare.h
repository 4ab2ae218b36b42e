#pragma once
// Comparison helpers shared by the golden tests: the largest absolute difference, with a QTest failure that says
// where it is.

#include <cmath>
#include <vector>

#include <QString>
#include <QTest>

#include "core/tensor.h"

namespace rnnscope::testing {

struct Difference
{
    double maxAbs = 0.0;
    Index at = -1;
};

inline Difference maxAbsDifference(const std::vector<float>& got, const std::vector<double>& want)
{
    Difference d;
    for (std::size_t i = 0; i < got.size() && i < want.size(); ++i) {
        const double e = std::abs(static_cast<double>(got[i]) - want[i]);
        if (!(e <= d.maxAbs)) { // NaN counts as the worst
            d.maxAbs = std::isnan(e) ? INFINITY : e;
            d.at = static_cast<Index>(i);
        }
    }
    return d;
}

} // namespace rnnscope::testing

// Fails unless `got` has exactly the expected shape and every value is within `tol` of `want`.
#define RNNSCOPE_COMPARE_VALUES(gotTensor, wantShape, wantValues, tol)                                                 \
    do {                                                                                                               \
        QCOMPARE(QString::fromStdString(rnnscope::shapeToString((gotTensor).shape())),                                 \
            QString::fromStdString(rnnscope::shapeToString(wantShape)));                                               \
        QCOMPARE(static_cast<std::size_t>((gotTensor).size()), (wantValues).size());                                   \
        const auto diff_ = rnnscope::testing::maxAbsDifference((gotTensor).values(), (wantValues));                    \
        if (diff_.maxAbs > (tol)) {                                                                                    \
            QFAIL(qPrintable(QStringLiteral("max |got - want| = %1 at flat index %2 (got %3, want %4), tolerance %5")  \
                                 .arg(diff_.maxAbs)                                                                    \
                                 .arg(diff_.at)                                                                        \
                                 .arg(static_cast<double>((gotTensor).values()[static_cast<std::size_t>(diff_.at)]))   \
                                 .arg((wantValues)[static_cast<std::size_t>(diff_.at)])                                \
                                 .arg(tol)));                                                                          \
        }                                                                                                              \
    } while (false)
