// moat-scand's state for the console's System page: a small JSON file at
// [scan] status_file, {"pid","clamav_version","signatures","db_version",
// "db_time","loaded","heartbeat"}, replaced atomically (temporary file, then
// rename) whenever signatures load and every 30 s, so a reader never sees
// half a file and an old heartbeat means moat-scand is not running.
#pragma once

#include <string>

namespace moat::scand {

struct ScanStatus {
    long long pid = 0;
    std::string clamav_version;
    unsigned signatures = 0;
    long long db_version = 0, db_time = 0, loaded = 0, heartbeat = 0;
};

std::string statusJson(const ScanStatus& status);

// false (with a warning logged) when the file could not be written.
bool writeStatusFile(const std::string& path, const ScanStatus& status);

}  // namespace moat::scand
