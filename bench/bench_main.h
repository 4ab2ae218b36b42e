#pragma once
// main() of the benchmarks that draw views: a QApplication, offscreen unless QT_QPA_PLATFORM says otherwise, then
// Google Benchmark.

#include <benchmark/benchmark.h>

#include <QApplication>

#include "core/allocation_tuning.h"

#define RNNSCOPE_BENCHMARK_QT_MAIN()                                                                                   \
    int main(int argc, char** argv)                                                                                    \
    {                                                                                                                  \
        rnnscope::keepFreedMemoryForReuse(); /* as the window does */                                                  \
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {                                                          \
            qputenv("QT_QPA_PLATFORM", "offscreen");                                                                   \
        }                                                                                                              \
        QApplication app(argc, argv);                                                                                  \
        benchmark::Initialize(&argc, argv);                                                                            \
        benchmark::RunSpecifiedBenchmarks();                                                                           \
        benchmark::Shutdown();                                                                                         \
        return 0;                                                                                                      \
    }
