#include "core/io/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

#include "core/io/file_error.h"

namespace rnnscope::io {

namespace {

std::string uniqueSuffix()
{
    static std::atomic<unsigned long> counter {0};
    return ".tmp-" + std::to_string(static_cast<long>(::getpid())) + "-" + std::to_string(counter++);
}

} // namespace

AtomicFile::AtomicFile(std::string finalPath)
    : m_finalPath(std::move(finalPath))
    , m_tempPath(m_finalPath + uniqueSuffix())
{
}

AtomicFile::~AtomicFile()
{
    if (!m_committed) {
        // Errors are ignored: the temp file may never have been created, and a destructor must not throw.
        std::remove(m_tempPath.c_str());
    }
}

void AtomicFile::commit()
{
    if (m_committed) {
        return;
    }
    if (std::rename(m_tempPath.c_str(), m_finalPath.c_str()) != 0) {
        const int error = errno;
        throw FileError(
            m_finalPath, "cannot move finished temporary file " + m_tempPath + " into place: " + std::strerror(error));
    }
    m_committed = true;
}

void AtomicFile::writeBytes(const std::string& finalPath, const void* data, std::size_t size)
{
    AtomicFile file(finalPath);
    {
        std::ofstream out(file.tempPath(), std::ios::binary | std::ios::trunc);
        if (!out) {
            const int error = errno;
            throw FileError(finalPath, "cannot create temporary file " + file.tempPath() + ": " + std::strerror(error));
        }
        out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
        out.flush();
        if (!out) {
            const int error = errno;
            throw FileError(finalPath,
                "cannot write " + std::to_string(size) + " bytes to temporary file " + file.tempPath() + ": "
                    + std::strerror(error));
        }
        out.close();
        if (out.fail()) {
            throw FileError(finalPath, "cannot close temporary file " + file.tempPath());
        }
    }
    file.commit();
}

} // namespace rnnscope::io
