// The archive's message files: one file per archived message in [archive]
// dir, named by its queue id, mode 0640 (group moat: the console reads them). keep() makes a hard
// link to the spool file (no copy: the spool and the archive share the inode until delivery removes
// the spool name) and copies only when the two are on different file systems. The index rows live
// in the store (table archive); a file without a row is an orphan and removeOrphans() deletes it at
// start-up.
// The archive never takes the last of its disk: keep() refuses while the file system's free space
// is under the reserve (archive.min_free, refreshed by housekeeping), because a linked message
// keeps its blocks after delivery and a full disk would tempfail all new mail (issue 10).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>

namespace moat::archive {

// Bytes free for unprivileged writers on the file system holding dir; nullopt when unknown.
using FreeSpaceProbe = std::function<std::optional<std::uint64_t>(const std::string& dir)>;
std::optional<std::uint64_t> statvfsFreeSpace(const std::string& dir);

// archive.min_free's default, in bytes (the setting is in megabytes).
inline constexpr std::uint64_t kDefaultMinFree = 1024ull << 20;

class ArchiveDir {
  public:
    // Creates the directory (0750: the console reads it) if missing.
    explicit ArchiveDir(std::string dir, FreeSpaceProbe probe = statvfsFreeSpace);

    const std::string& dir() const { return dir_; }
    std::string path(const std::string& name) const;

    // The free space to leave on the archive's file system. Housekeeping sets it from the
    // settings while sessions keep messages, hence atomic (and callable on a const archive).
    void setReserve(std::uint64_t bytes) const { reserve_ = bytes; }
    std::uint64_t reserve() const { return reserve_; }
    std::optional<std::uint64_t> freeSpace() const { return probe_(dir_); }
    // True when the free space is known and under the reserve.
    bool underReserve() const;

    // Puts the file at source into the archive as name (hard link, or a copy
    // on EXDEV); its size in `size`. false (with a warning logged) when it
    // could not, or when the disk is under the reserve (logged once until it
    // is not): archiving never costs a message.
    bool keep(const std::string& source, const std::string& name, std::uint64_t& size) const;
    // True when name's file is its inode's only name (removing it frees its blocks).
    bool soleLink(const std::string& name) const;
    // Deletes name's file (missing is fine).
    void remove(const std::string& name) const;
    // Deletes every file whose name is not in known; returns how many.
    std::size_t removeOrphans(const std::unordered_set<std::string>& known) const;

  private:
    bool copy(const std::string& source, const std::string& target) const;
    bool roomToKeep() const;
    std::string dir_;
    FreeSpaceProbe probe_;
    mutable std::atomic<std::uint64_t> reserve_{kDefaultMinFree};
    mutable std::atomic<bool> paused_{false};  // under the reserve at the last keep()
};

// A file name fit for the archive directory: [0-9A-Za-z] only, 1-64 long.
bool validName(const std::string& name);

}  // namespace moat::archive
