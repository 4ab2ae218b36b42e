#pragma once
// keras.layers.StackedRNNCells: cells applied one after another within each step; cell k's output is cell k+1's
// input, and the stack's output is the last cell's. States are flattened cell by cell (tf.keras 2.x, Keras 3).
// Standalone Keras before 2.3 flattened them last cell first ([h2, c2, h1, c1]); `reverseStateOrder` keeps that.

#include "../cell.h"

namespace rnnscope {

class StackedRnnCells : public RnnCell
{
public:
    StackedRnnCells(std::vector<std::unique_ptr<RnnCell>> cells, bool reverseStateOrder = false);

    std::string className() const override { return "StackedRNNCells"; }
    Index inputSize() const override { return m_cells.front()->inputSize(); }
    Index outputSize() const override { return m_cells.back()->outputSize(); }
    Index units() const override { return m_cells.back()->units(); }
    std::vector<StateSpec> states() const override;
    std::vector<GateSpec> gates() const override { return {}; }
    std::vector<WeightSlot> weights() override;
    std::vector<const RnnCell*> leafCells() const override;

    std::unique_ptr<CellWorkspace> createWorkspace(Index batch, Index steps) const override;
    std::size_t workspaceBytes(Index batch, Index steps) const override;
    std::unique_ptr<CellWorkspace> createSiblingWorkspace(
        Index batch, Index steps, const CellWorkspace& first) const override;
    std::size_t siblingWorkspaceBytes(Index batch, Index steps) const override;
    void prepare(const ConstMatrixMap& inputs, CellWorkspace& workspace) const override;
    void step(const StepIo& io, CellWorkspace& workspace) const override;
    bool supportsBatchSplit() const override; // when every cell does

    const std::vector<std::unique_ptr<RnnCell>>& cells() const { return m_cells; }
    bool reverseStateOrder() const { return m_reverseStateOrder; }
    // Index of cell k's first state in the flattened list.
    Index stateOffset(std::size_t k) const { return m_stateOffsets[k]; }

private:
    // A workspace for every inner cell, sharing what those of `first` (a workspace of this stack) hold when not null.
    std::unique_ptr<CellWorkspace> newWorkspace(Index batch, Index steps, const CellWorkspace* first) const;
    // What newWorkspace(batch, steps, ...) allocates, with a first workspace to share (sibling) or without.
    std::size_t bytesOfWorkspace(Index batch, Index steps, bool sibling) const;
    std::vector<std::unique_ptr<RnnCell>> m_cells;
    bool m_reverseStateOrder;
    std::vector<Index> m_stateOffsets;
    // Computed once: the cells' states()/leafCells() build vectors, and step() must not allocate.
    std::vector<std::size_t> m_leafCounts;
    std::vector<Index> m_stateCounts;
};

} // namespace rnnscope
