#pragma once
// The non-recurrent Keras layers an RNN model is built from. Each follows its Keras class at inference:
//   InputLayer     a model input; carries the mask passed to model(x, mask=m)
//   Embedding      ids -> vectors; mask_zero: mask = ids != 0 (the incoming mask is ignored)
//   Masking        mask = any(x != mask_value, axis=-1); masked timesteps are set to zero
//   Dense          x.kernel + bias on the last axis, then activation; passes the mask
//   Dropout        identity at inference; passes the mask
//   Activation     activation by name; passes the mask
//   RepeatVector   [B, F] -> [B, n, F]; no output mask
//   TimeDistributed(layer) applies the inner layer at every timestep; passes the mask
//   Concatenate / Add / Subtract / Multiply / Average / Maximum / Minimum: merge layers; output mask = AND of
//                  input masks (all-true where an input has none), none when no input has one

#include <memory>

#include "../activation.h"
#include "../layer.h"

namespace rnnscope {

class InputLayer : public Layer
{
public:
    InputLayer(std::string name, Shape batchShape, bool integer = false);
    std::string className() const override { return "InputLayer"; }
    std::string describe() const override;
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    std::optional<LayerInput> passThrough(const std::vector<LayerInput>& inputs) const override;
    const Shape& batchShape() const { return m_batchShape; }
    void setBatchShape(Shape shape) { m_batchShape = std::move(shape); }
    bool integer() const { return m_integer; }

private:
    Shape m_batchShape;
    bool m_integer;
};

class EmbeddingLayer : public Layer
{
public:
    EmbeddingLayer(std::string name, Index inputDim, Index outputDim, bool maskZero);
    std::string className() const override { return "Embedding"; }
    std::string describe() const override;
    std::vector<WeightSlot> weights() override;
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    Index inputDim() const { return m_inputDim; }
    Index outputDim() const { return m_outputDim; }
    bool maskZero() const { return m_maskZero; }

private:
    Index m_inputDim;
    Index m_outputDim;
    bool m_maskZero;
    RowMatrix m_embeddings;
};

class MaskingLayer : public Layer
{
public:
    MaskingLayer(std::string name, float maskValue);
    std::string className() const override { return "Masking"; }
    std::string describe() const override;
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    float maskValue() const { return m_maskValue; }

private:
    float m_maskValue;
};

class DenseLayer : public Layer
{
public:
    DenseLayer(std::string name, Index units, Activation activation, bool useBias);
    std::string className() const override { return "Dense"; }
    std::string describe() const override;
    void build(const std::vector<Shape>& inputShapes) override;
    bool built() const override { return m_kernel.size() > 0 || m_inputSize == 0; }
    std::vector<WeightSlot> weights() override;
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    // Applies the layer to a [rows, inputSize] block (used by TimeDistributed as well).
    void apply(const ConstMatrixMap& x, MatrixMap y) const;
    Index units() const { return m_units; }
    const Activation& activation() const { return m_activation; }
    bool useBias() const { return m_useBias; }

private:
    Index m_units;
    Activation m_activation;
    bool m_useBias;
    Index m_inputSize = -1;
    RowMatrix m_kernel;
    RowVector m_bias;
};

// Dropout, SpatialDropout1D, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization: identity at
// inference. `kerasClass` is kept for display.
class IdentityLayer : public Layer
{
public:
    IdentityLayer(std::string name, std::string kerasClass);
    std::string className() const override { return m_class; }
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;

private:
    std::string m_class;
};

class ActivationLayer : public Layer
{
public:
    ActivationLayer(std::string name, Activation activation);
    std::string className() const override { return "Activation"; }
    std::string describe() const override;
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    const Activation& activation() const { return m_activation; }

private:
    Activation m_activation;
};

class RepeatVectorLayer : public Layer
{
public:
    RepeatVectorLayer(std::string name, Index n);
    std::string className() const override { return "RepeatVector"; }
    std::string describe() const override;
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    Index n() const { return m_n; }

private:
    Index m_n;
};

class TimeDistributedLayer : public Layer
{
public:
    TimeDistributedLayer(std::string name, std::unique_ptr<Layer> inner);
    std::string className() const override { return "TimeDistributed"; }
    std::string describe() const override;
    void build(const std::vector<Shape>& inputShapes) override;
    bool built() const override { return m_inner->built(); }
    std::vector<WeightSlot> weights() override { return m_inner->weights(); }
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    Layer& inner() { return *m_inner; }
    const Layer& inner() const { return *m_inner; }

private:
    std::unique_ptr<Layer> m_inner;
};

enum class MergeOp { Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum };

class MergeLayer : public Layer
{
public:
    MergeLayer(std::string name, MergeOp op, Index axis = -1);
    std::string className() const override;
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    MergeOp op() const { return m_op; }
    Index axis() const { return m_axis; }

private:
    MergeOp m_op;
    Index m_axis;
};

} // namespace rnnscope
