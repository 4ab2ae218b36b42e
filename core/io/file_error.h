#pragma once
// The one exception type of core/io: a file that cannot be read, is malformed, or does not match what it
// is used for. what() is "<file>: <problem>", the form `rnnscope-cli` prints after "error: ".

#include <stdexcept>
#include <string>

namespace rnnscope::io {

class FileError : public std::runtime_error
{
public:
    FileError(std::string file, std::string problem)
        : std::runtime_error(file + ": " + problem)
        , m_file(std::move(file))
        , m_problem(std::move(problem))
    {
    }

    const std::string& file() const { return m_file; }
    const std::string& problem() const { return m_problem; }

private:
    std::string m_file;
    std::string m_problem;
};

} // namespace rnnscope::io
