#pragma once
// What a model load job hands back to the GUI thread (private to DebugSession's sources).

#include <optional>
#include <vector>

#include <QString>
#include <QStringList>

#include "debug_session.h"

namespace rnnscope::app {

struct DebugSession::LoadResult
{
    std::shared_ptr<Model> model;
    QString path;
    QString weights;
    io::SessionInput source; // how input 0 was made
    std::vector<Tensor> extraInputs; // a restored session's batches 1..
    std::vector<std::optional<Mask>> extraMasks;
    QString format;
    QStringList warnings;
    std::vector<Tensor> inputs;
    std::optional<Mask> mask;
    QString inputDescription;
    QString error; // the model could not be opened
    QString inputError; // the model opened, its input file could not be read (a probe stands in)
};

} // namespace rnnscope::app
