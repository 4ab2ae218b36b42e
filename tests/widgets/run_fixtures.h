#pragma once
// Snapshots for the view tests, made by running the real engine (no hand-written traces).

#include <memory>
#include <optional>

#include <QDir>
#include <QPalette>
#include <QWidget>

#include "core/rnn_layer.h"
#include "core/run_snapshot.h"
#include "tests/core/engine_fixtures.h"

namespace rnnscope::testing {

// Runs `cell` as an RNN layer over x (with an optional mask) and records everything into a snapshot.
inline SnapshotPtr runLayer(std::unique_ptr<RnnCell> cell, const std::string& name, const std::string& className,
    const Tensor& x, const std::optional<Mask>& mask = std::nullopt, bool returnSequences = true)
{
    auto snap = std::make_shared<RunSnapshot>();
    RnnOptions options;
    options.returnSequences = returnSequences;
    RnnLayer layer(name, className, std::move(cell), options);
    CallContext context;
    context.trace = &snap->trace;
    const Mask* m = mask ? &*mask : nullptr;
    auto out = layer.call({{&x, m}}, context);
    snap->inputs.emplace_back("x", x);
    snap->mask = mask;
    snap->outputs.emplace_back(name, std::move(out.at(0).tensor));
    snap->generation = 1;
    return snap;
}

// An LSTM(4) over 3 samples x 5 steps x 2 features; sample 1 has its last two steps masked.
inline SnapshotPtr lstmSnapshot(bool withMask = true, bool returnSequences = true)
{
    const Tensor x = randomTensor({3, 5, 2}, 7);
    std::optional<Mask> mask;
    if (withMask) {
        mask = Mask(3, 5);
        mask->set(1, 3, false);
        mask->set(1, 4, false);
    }
    return runLayer(makeTestCell("lstm", 2, 11), "lstm", "LSTM", x, mask, returnSequences);
}

// A bigger run for readable screenshots: LSTM(16) over 2 samples x 40 steps x 3 features, the last 6 steps of
// sample 1 masked.
inline SnapshotPtr screenshotSnapshot()
{
    const auto tanh = Activation(ActivationKind::Tanh);
    const auto sigmoid = Activation(ActivationKind::Sigmoid);
    auto cell = std::make_unique<LstmCell>(3, 16, tanh, sigmoid, true);
    randomizeWeights(*cell, 5);
    Mask mask(2, 40);
    for (Index t = 34; t < 40; ++t) {
        mask.set(1, t, false);
    }
    return runLayer(std::move(cell), "lstm", "LSTM", randomTensor({2, 40, 3}, 3, 2.0F), mask);
}

inline SnapshotPtr errorSnapshot()
{
    auto snap = std::make_shared<RunSnapshot>();
    snap->error = "dense: expected 4 features, got 8";
    return snap;
}

// Saves a picture of the widget for a human to look at (not compared).
inline void grab(QWidget& w, const QString& name)
{
    w.grab().save(QDir::temp().filePath(QStringLiteral("rnnscope_%1.png").arg(name)));
}

// A dark palette, as a dark desktop theme would set it, to check the views recolour.
inline QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    p.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::Mid, QColor(0x60, 0x60, 0x60));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0xae, 0xe9));
    return p;
}

} // namespace rnnscope::testing
