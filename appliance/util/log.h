// Process log: one line per event to stdout (journald captures it under systemd).
// Thread-safe; lines are written whole. Levels follow syslog names; below the
// configured level nothing is formatted.
#pragma once

#include <string>
#include <string_view>

namespace moat::log {

enum class Level { debug = 0, info = 1, warning = 2, error = 3 };

void setLevel(Level level);
Level parseLevel(std::string_view name);  // throws std::invalid_argument
bool enabled(Level level);
void write(Level level, std::string_view text);

inline void debug(std::string_view t) { if (enabled(Level::debug)) write(Level::debug, t); }
inline void info(std::string_view t) { write(Level::info, t); }
inline void warning(std::string_view t) { write(Level::warning, t); }
inline void error(std::string_view t) { write(Level::error, t); }

// A broken invariant: log it and exit; the supervisor restarts the daemon.
[[noreturn]] void fatal(std::string_view text);

// Makes client-supplied text safe for a log line: control bytes and
// non-printables become \xNN, and the result is at most max_len bytes.
std::string printable(std::string_view text, std::size_t max_len = 200);

}  // namespace moat::log
