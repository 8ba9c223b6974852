#include "web/router.h"

#include "util/log.h"

#include <Poco/Exception.h>

#include <charconv>

namespace moat::web {

namespace {
std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        auto j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        if (j > i) out.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}
}  // namespace

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
    Route r{method, pattern, split(pattern), std::move(handler)};
    for (auto& s : r.segments)
        if (s.size() >= 2 && s.front() == '{' && s.back() == '}') s = "{}";
    routes_.push_back(std::move(r));
}

bool Router::match(const Route& route, const std::vector<std::string>& segments, std::vector<std::string>& params) {
    if (route.segments.size() != segments.size()) return false;
    std::vector<std::string> captured;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (route.segments[i] == "{}")
            captured.push_back(segments[i]);
        else if (route.segments[i] != segments[i])
            return false;
    }
    params = std::move(captured);
    return true;
}

bool Router::knows(const std::string& path) const {
    auto segments = split(path);
    std::vector<std::string> params;
    for (const auto& r : routes_)
        if (match(r, segments, params)) return true;
    return false;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
    return out;
}

Response Router::dispatch(Request& request, const Principal& principal, ApiContext& context) const {
    auto segments = split(request.path);
    bool path_known = false;
    for (const auto& r : routes_) {
        std::vector<std::string> params;
        if (!match(r, segments, params)) continue;
        path_known = true;
        if (r.method != request.method) continue;
        request.params = std::move(params);
        try {
            return r.handler(request, principal, context);
        } catch (const HttpError& e) {
            return Response::error(e.status(), e.what());
        } catch (const std::invalid_argument& e) {
            return Response::error(422, e.what());  // the store's validation messages are fit for the operator
        } catch (const Poco::Exception& e) {
            log::error("webui: " + request.method + " " + request.path + ": " + e.displayText());
            return Response::error(500, "internal error (logged)");
        } catch (const std::exception& e) {
            log::error("webui: " + request.method + " " + request.path + ": " + e.what());
            return Response::error(500, "internal error (logged)");
        }
    }
    if (path_known) return Response::error(405, "method not allowed");
    return Response::error(404, "not found");
}

long long idParam(const Request& request, std::size_t index) {
    if (index >= request.params.size()) throw HttpError(404, "not found");
    const auto& s = request.params[index];
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v <= 0) throw HttpError(404, "not found");
    return v;
}

}  // namespace moat::web
