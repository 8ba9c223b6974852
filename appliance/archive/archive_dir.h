// The archive's message files: one file per archived message in [archive]
// dir, named by its queue id, mode 0640 (group moat: the console reads them). keep() makes a hard
// link to the spool file (no copy: the spool and the archive share the inode until delivery removes
// the spool name) and copies only when the two are on different file systems. The index rows live
// in the store (table archive); a file without a row is an orphan and removeOrphans() deletes it at
// start-up.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

namespace moat::archive {

class ArchiveDir {
  public:
    explicit ArchiveDir(
        std::string dir);  // creates the directory (0750: the console reads it) if missing

    const std::string& dir() const { return dir_; }
    std::string path(const std::string& name) const;

    // Puts the file at source into the archive as name (hard link, or a copy
    // on EXDEV); its size in `size`. false (with a warning logged) when it
    // could not: archiving never costs a message.
    bool keep(const std::string& source, const std::string& name, std::uint64_t& size) const;
    // Deletes name's file (missing is fine).
    void remove(const std::string& name) const;
    // Deletes every file whose name is not in known; returns how many.
    std::size_t removeOrphans(const std::unordered_set<std::string>& known) const;

  private:
    bool copy(const std::string& source, const std::string& target) const;
    std::string dir_;
};

// A file name fit for the archive directory: [0-9A-Za-z] only, 1-64 long.
bool validName(const std::string& name);

}  // namespace moat::archive
