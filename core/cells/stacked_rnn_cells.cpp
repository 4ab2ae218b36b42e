#include "stacked_rnn_cells.h"

#include <algorithm>

#include "../errors.h"

namespace rnnscope {

namespace {
class StackWorkspace : public CellWorkspace
{
public:
    std::vector<std::unique_ptr<CellWorkspace>> cells;
    std::vector<RowMatrix> outputs; // intermediate outputs of cells 0..n-2
};
} // namespace

StackedRnnCells::StackedRnnCells(std::vector<std::unique_ptr<RnnCell>> cells, bool reverseStateOrder)
    : m_cells(std::move(cells))
    , m_reverseStateOrder(reverseStateOrder)
{
    if (m_cells.empty()) {
        throw ModelError("StackedRNNCells needs at least one cell");
    }
    for (std::size_t k = 1; k < m_cells.size(); ++k) {
        if (m_cells[k]->inputSize() != m_cells[k - 1]->outputSize()) {
            throw ModelError("StackedRNNCells: cell " + std::to_string(k) + " (" + m_cells[k]->className()
                + ") expects inputs of size " + std::to_string(m_cells[k]->inputSize()) + " but cell "
                + std::to_string(k - 1) + " outputs " + std::to_string(m_cells[k - 1]->outputSize()));
        }
    }
    for (const auto& c : m_cells) {
        m_leafCounts.push_back(c->leafCells().size());
        m_stateCounts.push_back(c->stateCount());
    }
    m_stateOffsets.resize(m_cells.size());
    Index offset = 0;
    for (std::size_t i = 0; i < m_cells.size(); ++i) {
        const std::size_t k = m_reverseStateOrder ? m_cells.size() - 1 - i : i;
        m_stateOffsets[k] = offset;
        offset += m_cells[k]->stateCount();
    }
}

std::vector<StateSpec> StackedRnnCells::states() const
{
    std::vector<StateSpec> flat;
    std::vector<std::vector<StateSpec>> perCell;
    Index total = 0;
    for (const auto& c : m_cells) {
        perCell.push_back(c->states());
        total += static_cast<Index>(perCell.back().size());
    }
    flat.resize(static_cast<std::size_t>(total));
    for (std::size_t k = 0; k < m_cells.size(); ++k) {
        for (std::size_t j = 0; j < perCell[k].size(); ++j) {
            StateSpec s = perCell[k][j];
            s.name = "cell" + std::to_string(k) + "_" + s.name;
            flat[static_cast<std::size_t>(m_stateOffsets[k]) + j] = s;
        }
    }
    return flat;
}

std::vector<WeightSlot> StackedRnnCells::weights()
{
    std::vector<WeightSlot> all;
    for (auto& c : m_cells) {
        for (auto& w : c->weights()) {
            all.push_back(w);
        }
    }
    return all;
}

std::vector<const RnnCell*> StackedRnnCells::leafCells() const
{
    std::vector<const RnnCell*> leaves;
    for (const auto& c : m_cells) {
        for (const RnnCell* leaf : c->leafCells()) {
            leaves.push_back(leaf);
        }
    }
    return leaves;
}

std::unique_ptr<CellWorkspace> StackedRnnCells::createWorkspace(Index batch, Index steps) const
{
    return newWorkspace(batch, steps, nullptr);
}

std::size_t StackedRnnCells::workspaceBytes(Index batch, Index steps) const
{
    return bytesOfWorkspace(batch, steps, false);
}

std::unique_ptr<CellWorkspace> StackedRnnCells::createSiblingWorkspace(
    Index batch, Index steps, const CellWorkspace& first) const
{
    return newWorkspace(batch, steps, &first);
}

std::size_t StackedRnnCells::siblingWorkspaceBytes(Index batch, Index steps) const
{
    return bytesOfWorkspace(batch, steps, true);
}

std::unique_ptr<CellWorkspace> StackedRnnCells::newWorkspace(Index batch, Index steps, const CellWorkspace* first) const
{
    const auto* shared = static_cast<const StackWorkspace*>(first);
    auto ws = std::make_unique<StackWorkspace>();
    for (std::size_t k = 0; k < m_cells.size(); ++k) {
        // The first cell's inputs are known for every step; the others get theirs a step at a time.
        const Index cellSteps = k == 0 ? steps : 1;
        ws->cells.push_back(shared != nullptr ? m_cells[k]->createSiblingWorkspace(batch, cellSteps, *shared->cells[k])
                                              : m_cells[k]->createWorkspace(batch, cellSteps));
        ws->outputs.emplace_back(batch, m_cells[k]->outputSize());
    }
    return ws;
}

std::size_t StackedRnnCells::bytesOfWorkspace(Index batch, Index steps, bool sibling) const
{
    std::size_t bytes = 0;
    for (std::size_t k = 0; k < m_cells.size(); ++k) {
        const Index cellSteps = k == 0 ? steps : 1;
        bytes += (sibling ? m_cells[k]->siblingWorkspaceBytes(batch, cellSteps)
                          : m_cells[k]->workspaceBytes(batch, cellSteps))
            + static_cast<std::size_t>(batch * m_cells[k]->outputSize()) * sizeof(float);
    }
    return bytes;
}

void StackedRnnCells::prepare(const ConstMatrixMap& inputs, CellWorkspace& workspace) const
{
    // Only the first cell's inputs are known before the loop; the others project their input each step.
    auto& ws = static_cast<StackWorkspace&>(workspace);
    m_cells.front()->prepare(inputs, *ws.cells.front());
}

bool StackedRnnCells::supportsBatchSplit() const
{
    return std::all_of(m_cells.begin(), m_cells.end(), [](const auto& c) { return c->supportsBatchSplit(); });
}

void StackedRnnCells::step(const StepIo& io, CellWorkspace& workspace) const
{
    auto& ws = static_cast<StackWorkspace&>(workspace);
    const float* input = io.x;
    std::size_t leaf = 0;
    for (std::size_t k = 0; k < m_cells.size(); ++k) {
        const RnnCell& cell = *m_cells[k];
        const auto nStates = static_cast<std::size_t>(m_stateCounts[k]);
        const std::size_t nLeaves = m_leafCounts[k];
        const auto offset = static_cast<std::size_t>(m_stateOffsets[k]);
        const bool last = k + 1 == m_cells.size();
        float* cellOut = nullptr;
        if (!io.cellOutputs.empty() && io.cellOutputs[leaf] != nullptr && !last) {
            cellOut = io.cellOutputs[leaf];
        }
        StepIo sub;
        sub.step = io.step;
        sub.batch = io.batch;
        sub.x = input;
        sub.states = io.states.subspan(offset, nStates);
        sub.newStates = io.newStates.subspan(offset, nStates);
        sub.output = last ? io.output : (cellOut != nullptr ? cellOut : ws.outputs[k].data());
        sub.gates = io.gates.empty() ? io.gates : io.gates.subspan(leaf, nLeaves);
        sub.cellOutputs = io.cellOutputs.empty() ? io.cellOutputs : io.cellOutputs.subspan(leaf, nLeaves);
        sub.constants = io.constants;
        cell.step(sub, *ws.cells[k]);
        if (last && !io.cellOutputs.empty() && io.cellOutputs[leaf] != nullptr) {
            MatrixMap(io.cellOutputs[leaf], io.batch, cell.outputSize())
                = ConstMatrixMap(io.output, io.batch, cell.outputSize());
        }
        input = sub.output;
        leaf += nLeaves;
    }
}

} // namespace rnnscope
