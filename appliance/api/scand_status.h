// The status file moat-scand writes for the System page (config [scan]
// status_file): a JSON object {"pid","clamav_version","signatures",
// "db_version","db_time","loaded","heartbeat"}. parse() reads it leniently
// (missing or mistyped fields stay unset) and never throws: a damaged file
// shows as "unknown", not as a broken page.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::api {

struct ScandStatus {
    long long pid = 0;
    std::string clamav_version;
    long long signatures = 0;
    long long db_version = 0;
    long long db_time = 0;    // epoch seconds of the newest signature database
    long long loaded = 0;     // when the engine loaded them
    long long heartbeat = 0;  // when scand last wrote the file
};

std::optional<ScandStatus> parseScandStatus(std::string_view json);

// Reads and parses the file; nothing when it is absent or unreadable.
std::optional<ScandStatus> readScandStatus(const std::string& path);

}  // namespace moat::api
