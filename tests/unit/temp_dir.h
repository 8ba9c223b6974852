// A fresh directory for one test under the system's temporary directory,
// removed with everything in it when the test ends. mkdtemp makes each name
// unique, so tests running side by side (ctest -j2, one process a test) never
// share one, whatever their names.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace moat::test {

struct TempDir {
    std::filesystem::path path;

    explicit TempDir(const std::string& prefix = "moat-test") {
        std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

}  // namespace moat::test
