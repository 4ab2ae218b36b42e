#pragma once
// Write-then-rename, so that a file under its final name is always complete: a crash, an exception or a
// full disk leaves at most a stray temporary file next to it, never a half-written result that a later run
// (or a user) would mistake for a good one.

#include <cstddef>
#include <string>

namespace rnnscope::io {

class AtomicFile
{
public:
    // Nothing is created yet; the caller writes tempPath() and then calls commit().
    explicit AtomicFile(std::string finalPath);
    // Removes the temporary file unless commit() succeeded.
    ~AtomicFile();

    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    AtomicFile(AtomicFile&&) = delete;
    AtomicFile& operator=(AtomicFile&&) = delete;

    const std::string& finalPath() const { return m_finalPath; }
    // "<final>.tmp-<pid>-<counter>": in the same directory, so the rename cannot cross file systems, and
    // unique per process and object, so parallel writers of the same final path do not clobber each other.
    const std::string& tempPath() const { return m_tempPath; }
    bool committed() const { return m_committed; }

    // Renames the temporary file over the final path; throws FileError(finalPath, ...) on failure (the
    // temporary file is then still removed by the destructor).
    void commit();

    // Convenience for writers that have the whole content in memory: temp, write, flush, rename.
    static void writeBytes(const std::string& finalPath, const void* data, std::size_t size);

private:
    std::string m_finalPath;
    std::string m_tempPath;
    bool m_committed = false;
};

} // namespace rnnscope::io
