#include "api/scand_status.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <iterator>

namespace moat::api {

namespace {
constexpr std::size_t kMaxStatusFile = 64 * 1024;

long long integer(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    if (!o->has(key)) return 0;
    auto v = o->get(key);
    if (v.isBoolean() || v.isString() || !v.isNumeric()) return 0;
    try {
        double d = v.convert<double>();
        // Out of range (or NaN) would be undefined behaviour to convert.
        if (!(d > -9.0e18 && d < 9.0e18)) return 0;
        return static_cast<long long>(d);
    } catch (const Poco::Exception&) {
        return 0;
    }
}
}  // namespace

std::optional<ScandStatus> parseScandStatus(std::string_view json) {
    if (json.size() > kMaxStatusFile) return std::nullopt;
    try {
        Poco::JSON::Parser parser;
        auto o = parser.parse(std::string(json)).extract<Poco::JSON::Object::Ptr>();
        if (!o) return std::nullopt;
        ScandStatus s;
        s.pid = integer(o, "pid");
        if (o->has("clamav_version") && o->get("clamav_version").isString())
            s.clamav_version = o->get("clamav_version").extract<std::string>().substr(0, 100);
        s.signatures = integer(o, "signatures");
        s.db_version = integer(o, "db_version");
        s.db_time = integer(o, "db_time");
        s.loaded = integer(o, "loaded");
        s.heartbeat = integer(o, "heartbeat");
        return s;
    } catch (const Poco::Exception&) {
        return std::nullopt;
    } catch (const std::exception&) {  // e.g. bad_cast from extract on a non-object
        return std::nullopt;
    }
}

std::optional<ScandStatus> readScandStatus(const std::string& path) {
    if (path.empty()) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string text;
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxStatusFile) return std::nullopt;
    }
    return parseScandStatus(text);
}

}  // namespace moat::api
