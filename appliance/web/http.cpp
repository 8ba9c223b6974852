#include "web/http.h"

#include <Poco/JSON/Parser.h>

#include <sstream>

namespace moat::web {

std::string Request::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

std::string Request::queryValue(const std::string& name, const std::string& fallback) const {
    auto it = query.find(name);
    return it == query.end() ? fallback : it->second;
}

Poco::JSON::Object::Ptr Request::jsonBody() const {
    try {
        Poco::JSON::Parser parser;
        auto value = parser.parse(body.empty() ? std::string("{}") : body);
        auto object = value.extract<Poco::JSON::Object::Ptr>();
        if (!object) throw HttpError(400, "the request body must be a JSON object");
        return object;
    } catch (const HttpError&) {
        throw;
    } catch (const Poco::Exception&) {
        throw HttpError(400, "the request body must be a JSON object");
    } catch (const std::exception&) {
        throw HttpError(400, "the request body must be a JSON object");
    }
}

namespace {
template <typename T>
Response jsonResponse(int status, const T& value) {
    Response r;
    r.status = status;
    std::ostringstream out;
    value->stringify(out);
    r.body = out.str();
    return r;
}
}  // namespace

Response Response::json(int status, const Poco::JSON::Object::Ptr& object) { return jsonResponse(status, object); }
Response Response::json(int status, const Poco::JSON::Array::Ptr& array) { return jsonResponse(status, array); }

Response Response::error(int status, const std::string& message) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("error", message);
    return json(status, o);
}

Response Response::noContent() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

}  // namespace moat::web
