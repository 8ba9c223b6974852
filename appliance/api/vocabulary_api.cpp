// /api/v1/vocabulary: the fixed words the console shows — message outcomes
// (name, label, whether the archive keeps them, whether the dashboard charts
// them) and check results — from the one C++ definition of each
// (mail/outcome.h, policy/check_result.h), so no page repeats a list.
// Any signed-in user; the same for everyone.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>

#include "api/routes.h"
#include "mail/outcome.h"
#include "policy/check_result.h"

namespace moat::api {
namespace {

web::Response vocabulary(const web::Request&, const web::Principal&, web::ApiContext&) {
    Poco::JSON::Array::Ptr outcomes = new Poco::JSON::Array;
    for (const auto& o : mail::kOutcomes) {
        Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
        item->set("name", std::string(o.name));
        item->set("label", std::string(o.label));
        item->set("archived", o.archived);
        item->set("charted", o.charted);
        outcomes->add(item);
    }
    Poco::JSON::Array::Ptr results = new Poco::JSON::Array;
    for (auto r : policy::kCheckResults) results->add(std::string(r));
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
    out->set("outcomes", outcomes);
    out->set("check_results", results);
    return web::Response::json(200, out);
}

}  // namespace

void registerVocabularyApi(web::Router& router) {
    router.add("GET", "/api/v1/vocabulary", vocabulary);
}

}  // namespace moat::api
