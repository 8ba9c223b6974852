// The spool: one file per queued message in <dir>/msg/<id>, written by the
// SMTP session and made durable (file fsync, then a directory fsync by the
// committer) before the queue record is committed. A file without a queue
// record never got its 250 and is removed at start-up (removeOrphans).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace moat::queue {

class Spool {
public:
    explicit Spool(std::string dir);  // creates <dir>/msg if missing

    // A new unique, sortable queue id ([0-9A-Z]{16}).
    std::string newId();
    std::string path(std::string_view id) const;
    const std::string& messageDir() const { return msg_dir_; }

    // Makes renames/creations in the message directory durable.
    bool syncDirectory() const;
    void remove(std::string_view id) const;
    // Deletes files whose id is not in `known`; returns how many.
    std::size_t removeOrphans(const std::unordered_set<std::string>& known) const;

    // Writes one message file. commit() fsyncs and closes it; the destructor
    // of an uncommitted writer removes the file.
    class Writer {
    public:
        Writer(const Spool& spool, std::string id);
        ~Writer();
        Writer(const Writer&) = delete;
        Writer& operator=(const Writer&) = delete;

        bool write(std::string_view bytes);  // false on I/O error (errno kept)
        // Discards everything written so far (the file is emptied), so a
        // rewritten message can replace the one spooled while reading DATA.
        bool restart();
        // Replaces the first old_prefix octets written with head, keeping the
        // rest as it is: a new file (head, then the old file's tail copied
        // in pieces) renamed over the old one. How a header rewrite changes
        // a spooled message without holding its body in memory.
        bool replacePrefix(std::string_view head, std::uint64_t old_prefix);
        // Up to max octets of what was written, from offset (buffered data
        // written out first). Empty on failure.
        std::string read(std::uint64_t offset, std::size_t max);
        bool commit();
        void abort();
        // Writes out what is buffered and opens the file anew for reading (for
        // the virus scanner); the caller closes the descriptor. -1 on failure.
        int openForReading();
        // Writes out what is buffered (not fsync'd), so the file can be
        // linked into the archive before a refused message is aborted.
        bool flush();
        const std::string& path() const { return path_; }
        std::uint64_t size() const { return size_; }
        const std::string& id() const { return id_; }
        int lastErrno() const { return errno_; }

    private:
        bool flushBuffer();
        std::string path_;
        std::string id_;
        int fd_ = -1;
        std::string buffer_;
        std::uint64_t size_ = 0;
        int errno_ = 0;
        bool committed_ = false;
    };

private:
    std::string dir_;
    std::string msg_dir_;
    std::mutex mutex_;
    std::uint64_t last_stamp_ = 0;
    std::uint32_t counter_ = 0;
};

}  // namespace moat::queue
