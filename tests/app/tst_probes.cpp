// Generated probes: shapes, and the one property each kind is for.

#include <QTest>

#include "app/gui/probes.h"

using namespace rnnscope;
using namespace rnnscope::app;

class TestProbes : public QObject
{
    Q_OBJECT

private slots:
    void kinds_data();
    void kinds();
};

void TestProbes::kinds_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("step");
    QTest::addColumn<float>("expected");
    QTest::newRow("zeros") << static_cast<int>(ProbeKind::Zeros) << 7 << 0.0F;
    QTest::newRow("impulse at onset") << static_cast<int>(ProbeKind::Impulse) << 3 << 2.0F;
    QTest::newRow("impulse after onset") << static_cast<int>(ProbeKind::Impulse) << 4 << 0.0F;
    QTest::newRow("step before onset") << static_cast<int>(ProbeKind::Step) << 2 << 0.0F;
    QTest::newRow("step after onset") << static_cast<int>(ProbeKind::Step) << 9 << 2.0F;
    QTest::newRow("sine quarter period") << static_cast<int>(ProbeKind::Sine) << 2 << 2.0F;
}

void TestProbes::kinds()
{
    QFETCH(int, kind);
    QFETCH(int, step);
    QFETCH(float, expected);
    ProbeSpec spec;
    spec.kind = static_cast<ProbeKind>(kind);
    spec.batch = 1;
    spec.steps = 10;
    spec.features = 3;
    spec.amplitude = 2.0F;
    spec.onset = 3;
    spec.period = 8.0F;
    const Tensor t = makeProbe(spec);
    QCOMPARE(t.shape(), (Shape {1, 10, 3}));
    QVERIFY(qAbs(t.at(0, step, 2) - expected) < 1e-5F);
}

QTEST_MAIN(TestProbes)
#include "tst_probes.moc"
