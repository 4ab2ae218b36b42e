// How Model::predict takes its inputs: an InputLayer checks the caller's tensor and hands it on to the layers after it
// without a copy (InputLayer::passThrough), a wrong shape is refused naming the input, and a model output that is an
// input is returned as a copy of it.

#include <QObject>
#include <QTest>

#include "core/errors.h"
#include "core/layers/basic_layers.h"
#include "core/model.h"
#include "engine_fixtures.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr Index kBatch = 3;
constexpr Index kSteps = 5;
constexpr Index kFeatures = 2;

// Records where the tensor and mask it was called with live, and outputs its input doubled.
class ProbeLayer : public Layer
{
public:
    using Layer::Layer;
    std::string className() const override { return "Probe"; }
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override { return inputShapes; }
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& /*context*/) override
    {
        seenTensor = inputs.at(0).tensor;
        seenMask = inputs.at(0).mask;
        Tensor y(inputs[0].tensor->shape());
        for (Index i = 0; i < y.size(); ++i) {
            y.data()[i] = 2.0F * inputs[0].tensor->data()[i];
        }
        std::vector<LayerOutput> out;
        out.push_back({std::move(y), std::nullopt});
        return out;
    }

    const Tensor* seenTensor = nullptr;
    const Mask* seenMask = nullptr;
};

struct ProbedModel
{
    std::unique_ptr<Model> model;
    ProbeLayer* probe = nullptr;
};

// x -> Probe, with the probe's output and (when asked) the input itself as the model's outputs.
ProbedModel makeModel(bool inputIsAnOutput)
{
    ProbedModel m;
    m.model = std::make_unique<Model>("m", "Functional");
    Layer& input = m.model->addLayer(std::make_unique<InputLayer>("x", Shape {-1, kSteps, kFeatures}));
    m.probe = static_cast<ProbeLayer*>(&m.model->addLayer(std::make_unique<ProbeLayer>("probe")));
    const auto in = m.model->addInputNode(input, {-1, kSteps, kFeatures}, false);
    const auto p = m.model->addNode(*m.probe, {{in, 0}});
    m.model->addOutput({p, 0}, "probe");
    if (inputIsAnOutput) {
        m.model->addOutput({in, 0}, "x");
    }
    m.model->finalize();
    return m;
}

} // namespace

class TestModelInputs : public QObject
{
    Q_OBJECT

private slots:
    void theCallersTensorIsHandedOn_data()
    {
        QTest::addColumn<bool>("masked");
        QTest::newRow("no mask") << false;
        QTest::newRow("with a mask") << true;
    }
    void theCallersTensorIsHandedOn()
    {
        QFETCH(bool, masked);
        auto m = makeModel(false);
        const std::vector<Tensor> inputs {randomTensor({kBatch, kSteps, kFeatures}, 4)};
        const Tensor& x = inputs[0];
        Mask mask(kBatch, kSteps);
        mask.set(1, 4, false);
        CallContext context;
        const auto out = m.model->predict(inputs, {masked ? &mask : nullptr}, context);
        // The layer after the input read the caller's own tensor and mask, not copies of them.
        QCOMPARE(m.probe->seenTensor, &x);
        QCOMPARE(m.probe->seenMask, masked ? &mask : nullptr);
        QCOMPARE(out.size(), std::size_t {1});
        QCOMPARE(out[0].shape(), x.shape());
        for (Index i = 0; i < x.size(); ++i) {
            QCOMPARE(out[0].data()[i], 2.0F * x.data()[i]);
        }
    }

    void aWrongShapeIsRefusedNamingTheInput_data()
    {
        QTest::addColumn<Shape>("shape");
        QTest::newRow("too few steps") << Shape {kBatch, kSteps - 1, kFeatures};
        QTest::newRow("rank 2") << Shape {kBatch, kSteps * kFeatures};
    }
    void aWrongShapeIsRefusedNamingTheInput()
    {
        QFETCH(Shape, shape);
        auto m = makeModel(false);
        try {
            m.model->predict({Tensor(shape)});
            QFAIL("a wrong input shape was accepted");
        } catch (const ModelError& e) {
            const QString what = QString::fromStdString(e.what());
            QVERIFY2(what.contains("input 'x' expects shape (None, 5, 2)"), qPrintable(what));
            QVERIFY2(what.contains(QString::fromStdString(shapeToString(shape))), qPrintable(what));
        }
        QCOMPARE(m.probe->seenTensor, nullptr);
    }

    // Keras allows a model input among the outputs; the caller gets its own copy.
    void anInputNamedAsAnOutputIsReturned()
    {
        auto m = makeModel(true);
        const Tensor x = randomTensor({kBatch, kSteps, kFeatures}, 5);
        const auto out = m.model->predict({x});
        QCOMPARE(out.size(), std::size_t {2});
        QCOMPARE(out[1].shape(), x.shape());
        QVERIFY(out[1].data() != x.data());
        QCOMPARE(out[1].values(), x.values());
    }
};

QTEST_GUILESS_MAIN(TestModelInputs)
#include "tst_model_inputs.moc"
