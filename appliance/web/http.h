// The console's HTTP vocabulary, independent of CivetWeb: a parsed request and
// the response a handler builds. The server (web/server) fills Request from
// the wire — path percent-decoded, query parsed, header names lower-cased,
// body read up to a limit — and writes Response back with the security headers
// every answer carries. Handlers and their tests use only these types.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::web {

// False when the JSON text holds an integer literal (no fraction, no
// exponent) outside the signed 64-bit range; strings are skipped.
bool jsonIntegersInRange(std::string_view json);

struct Request {
    std::string method;                         // GET, POST, PUT, PATCH, DELETE
    std::string path;                           // decoded, e.g. /api/v1/domains/3
    std::map<std::string, std::string> query;   // decoded name -> value (last wins)
    std::map<std::string, std::string> headers; // lower-case name -> value
    std::string body;
    std::string client_ip;
    std::vector<std::string> params;  // the router's {captures}, in order

    std::string header(const std::string& lower_name) const;
    std::string queryValue(const std::string& name, const std::string& fallback = "") const;
    // The body as a JSON object; throws BadRequest when it is not one.
    Poco::JSON::Object::Ptr jsonBody() const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Set-Cookie, Content-Disposition)

    static Response json(int status, const Poco::JSON::Object::Ptr& object);
    static Response json(int status, const Poco::JSON::Array::Ptr& array);
    // {"error": message} with the given status.
    static Response error(int status, const std::string& message);
    static Response noContent();
};

// Thrown by handlers (and Request::jsonBody) for a client mistake; the router
// turns it into {"error": what()} with the status: 400, 403, 404, 409, 422.
class HttpError : public std::runtime_error {
public:
    HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

}  // namespace moat::web
