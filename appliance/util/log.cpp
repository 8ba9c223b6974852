#include "util/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace moat::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_mutex;

const char* name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warning: return "warning";
        case Level::error: return "error";
    }
    return "?";
}
}  // namespace

void setLevel(Level level) { g_level = static_cast<int>(level); }

Level parseLevel(std::string_view n) {
    if (n == "debug") return Level::debug;
    if (n == "info") return Level::info;
    if (n == "warning" || n == "warn") return Level::warning;
    if (n == "error") return Level::error;
    throw std::invalid_argument("unknown log level '" + std::string(n) + "'");
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view text) {
    if (!enabled(level)) return;
    std::lock_guard lock(g_mutex);
    std::fprintf(stdout, "%s: %.*s\n", name(level), static_cast<int>(text.size()), text.data());
    std::fflush(stdout);
}

void fatal(std::string_view text) {
    {
        std::lock_guard lock(g_mutex);
        std::fprintf(stdout, "fatal: %.*s\n", static_cast<int>(text.size()), text.data());
        std::fflush(stdout);
    }
    std::_Exit(70);  // EX_SOFTWARE; skip destructors of a state we no longer trust
}

std::string printable(std::string_view text, std::size_t max_len) {
    std::string out;
    out.reserve(std::min(text.size(), max_len));
    static const char* hex = "0123456789abcdef";
    for (unsigned char c : text) {
        if (out.size() >= max_len) {
            out += "...";
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace moat::log
