#include "backup_commands.h"

#include "store/backup.h"

#include <iostream>

namespace moat::moatctl {
namespace {

void describe(const store::BackupHeader& h) {
    std::cout << "  format " << h.format_version << ", schema version " << h.schema_version << ", "
              << h.payload_size << " bytes, " << (h.withLog() ? "with" : "without")
              << " the message log and archive index\n";
}

}  // namespace

int backupWrite(const store::Store& store, const std::string& file, bool with_log) {
    auto header = store::writeBackup(store, file, with_log);
    std::cout << "backup written to " << file << "\n";
    describe(header);
    return 0;
}

int backupRestore(const store::Store& store, const std::string& file, bool check_only) {
    if (check_only) {
        auto header = store::verifyBackup(file);
        std::cout << file << " is a good backup\n";
        describe(header);
        return 0;
    }
    auto header = store::restoreBackup(store, file);
    std::cout << "restored " << file << " into " << store.path() << "\n";
    describe(header);
    std::cout << "the running daemons reload it as after any change; console sessions have ended\n";
    return 0;
}

}  // namespace moat::moatctl
